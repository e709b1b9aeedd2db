// scripts/sizes.mjs FILE...: prints raw and gzipped sizes, and their total.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename } from 'node:path';

const rows = process.argv.slice(2).map((f) => {
  const data = readFileSync(f);
  return { name: basename(f), raw: data.length, gz: gzipSync(data, { level: 9 }).length };
});
const total = rows.reduce((t, r) => ({ name: 'total', raw: t.raw + r.raw, gz: t.gz + r.gz }), { raw: 0, gz: 0 });
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KB';
console.log('size of dist/            raw         gzip -9');
for (const r of [...rows, total]) console.log(`  ${r.name.padEnd(18)}${kb(r.raw)}  ${kb(r.gz)}`);
