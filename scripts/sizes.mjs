// scripts/sizes.mjs [--check] FILE...: prints raw and gzipped sizes, their
// total and the size budget (issue #8: 60 KB gzipped for dist/pyframe_rt.js
// + dist/pyframe_rt.wasm, every component included). With --check it exits
// with status 1 when the total is over the budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename } from 'node:path';

const BUDGET_KB = 60;
const args = process.argv.slice(2);
const check = args[0] === '--check';
const rows = args.filter((a) => a !== '--check').map((f) => {
  const data = readFileSync(f);
  return { name: basename(f), raw: data.length, gz: gzipSync(data, { level: 9 }).length };
});
const total = rows.reduce((t, r) => ({ name: 'total', raw: t.raw + r.raw, gz: t.gz + r.gz }), { raw: 0, gz: 0 });
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KB';
console.log('size of dist/            raw         gzip -9');
for (const r of [...rows, total]) console.log(`  ${r.name.padEnd(18)}${kb(r.raw)}  ${kb(r.gz)}`);
const over = total.gz / 1024 - BUDGET_KB;
console.log(`  budget ${BUDGET_KB} KB gzip: ${over <= 0 ? `OK (${(-over).toFixed(1)} KB to spare)` : `OVER by ${over.toFixed(1)} KB`}`);
if (check && over > 0) process.exit(1);
