// scripts/sizes.mjs [--check] [--json] FILE...: prints raw and gzipped sizes,
// their total and the size budget (issue #8: 60 KB gzipped for
// dist/pyframe_rt.js + dist/pyframe_rt.wasm, every component included). With
// --check it exits with status 1 when the total is over the budget. With
// --ceiling FILE it exits with status 1 when the total is over the ceiling
// in FILE (scripts/size_ceiling.txt, run by make test): the budget is not
// met yet, and the ceiling keeps the size from growing unnoticed. With
// --json it also gzips the real files of peer npm packages (devDependencies:
// yjs, react + react-dom, phoenix_live_view + phoenix) in the same run and
// writes build/bench/size.json for bench/report.mjs; the printed table is
// the same with or without it.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_KB = 60;
const args = process.argv.slice(2);
const check = args.includes('--check');
const json = args.includes('--json');
const ceilingAt = args.indexOf('--ceiling');
const ceilingFile = ceilingAt >= 0 ? args.splice(ceilingAt, 2)[1] : null;
const size = (data) => ({ raw: data.length, gz: gzipSync(data, { level: 9 }).length });
const rows = args.filter((a) => !a.startsWith('--')).map((f) => ({ name: basename(f), ...size(readFileSync(f)) }));
const total = rows.reduce((t, r) => ({ name: 'total', raw: t.raw + r.raw, gz: t.gz + r.gz }), { raw: 0, gz: 0 });
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KB';
console.log('size of dist/            raw         gzip -9');
for (const r of [...rows, total]) console.log(`  ${r.name.padEnd(18)}${kb(r.raw)}  ${kb(r.gz)}`);
const over = total.gz / 1024 - BUDGET_KB;
console.log(`  budget ${BUDGET_KB} KB gzip: ${over <= 0 ? `OK (${(-over).toFixed(1)} KB to spare)` : `OVER by ${over.toFixed(1)} KB`}`);
if (ceilingFile) {
  // The file's first number that is not in a comment line: KB, gzipped.
  const text = readFileSync(ceilingFile, 'utf8').replace(/^#.*$/gm, '');
  const ceiling = Number((text.match(/\d+(\.\d+)?/) || [])[0]);
  if (!(ceiling > 0)) {
    console.error(`sizes.mjs: no ceiling (a number of KB) in ${ceilingFile}`);
    process.exit(2);
  }
  const gzKb = total.gz / 1024;
  if (gzKb > ceiling) {
    console.error(`  ceiling ${ceiling} KB gzip (${ceilingFile}): OVER, ${gzKb.toFixed(2)} KB. The change made dist/ ` +
      `larger: make it smaller, or raise the ceiling in ${ceilingFile} and say why in the commit.`);
    process.exit(1);
  }
  console.log(`  ceiling ${ceiling} KB gzip (${ceilingFile}): OK, ${gzKb.toFixed(2)} KB`);
}

if (json) {
  const { writeResults } = await import('../bench/lib/results.mjs');
  const modules = fileURLToPath(new URL('../node_modules/', import.meta.url));
  // What a page loads to get each peer running in a browser, as its npm
  // package ships it; each file gzipped -9 on its own, like dist/.
  const PEERS = [
    { name: 'yjs', files: [['yjs', 'dist/yjs.mjs']], note: 'yjs.mjs alone, as shipped: not minified; it imports lib0 on top' },
    { name: 'react + react-dom', files: [['react', 'cjs/react.production.js'], ['react-dom', 'cjs/react-dom.production.js'], ['react-dom', 'cjs/react-dom-client.production.js'], ['scheduler', 'cjs/scheduler.production.js']], note: 'production builds with scheduler, as shipped: not minified' },
    { name: 'phoenix_live_view + phoenix', files: [['phoenix_live_view', 'priv/static/phoenix_live_view.min.js'], ['phoenix', 'priv/static/phoenix.min.js']], note: 'min.js builds' },
  ];
  const { minify } = await import('terser');
  const peers = [];
  for (const p of PEERS) peers.push(await (async () => {
    const missing = p.files.filter(([pkg, f]) => !existsSync(join(modules, pkg, f)));
    if (missing.length) return { name: p.name, raw: null, gz: null, note: `could not measure: ${missing.map(([pkg, f]) => `${pkg}/${f}`).join(', ')} not installed` };
    const versions = [...new Set(p.files.map(([pkg]) => pkg))].map((pkg) => `${pkg} ${JSON.parse(readFileSync(join(modules, pkg, 'package.json'), 'utf8')).version}`);
    const texts = p.files.map(([pkg, f]) => readFileSync(join(modules, pkg, f), 'utf8'));
    const s = texts.map((t) => size(Buffer.from(t))).reduce((a, b) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz }));
    // The same files minified with terser (compress + mangle), so that a
    // peer shipped unminified is not counted at its readable size only.
    let min = 0;
    for (const t of texts) {
      const out = await minify(t, { compress: true, mangle: true, module: /^\s*(import|export)\b/m.test(t) });
      min += size(Buffer.from(out.code)).gz;
    }
    return { name: p.name, ...s, min, note: `${versions.join(', ')}; ${p.note}` };
  })());
  const k = (n) => (n === null ? null : n / 1024);
  const file = writeResults('size', {
    sections: [{
      title: 'Size, gzip -9',
      note: `${rows.map((r) => r.name).join(' + ')}, every component included; peers: their npm packages' files, gzipped -9 in the same run`,
      rows: [
        { measure: 'gzipped', unit: 'KB', ours: k(total.gz), peers: peers.map((p) => ({ name: p.name, value: k(p.gz), note: p.note })), target: { text: `<= ${BUDGET_KB} KB`, op: '<=', value: BUDGET_KB } },
        { measure: 'gzipped, peers minified with terser', unit: 'KB', ours: k(total.gz), peers: peers.map((p) => ({ name: p.name, value: k(p.min ?? null) })) },
        { measure: 'raw', unit: 'KB', ours: k(total.raw), peers: peers.map((p) => ({ name: p.name, value: k(p.raw) })) },
        ...rows.map((r) => ({ measure: `${r.name}, gzipped`, unit: 'KB', ours: k(r.gz), peers: [] })),
      ],
    }],
  });
  console.log(`  results: ${file}`);
}
if (check && over > 0) process.exit(1);
