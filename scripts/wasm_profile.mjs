// scripts/wasm_profile.mjs FILE.wasm [N]: the biggest functions and data
// segments of a wasm built with --profiling-funcs (names from the name
// section), with raw bytes and a gzip weight (bytes the whole file shrinks by,
// gzipped, when that function's body is blanked out).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const file = process.argv[2];
const top = Number(process.argv[3] || 40);
const buf = readFileSync(file);
let p = 8;
const u32 = () => { let r = 0, s = 0, b; do { b = buf[p++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
const sections = [];
while (p < buf.length) {
  const id = buf[p++]; const size = u32(); const start = p;
  sections.push({ id, start, end: start + size });
  p = start + size;
}
let nImports = 0; const names = new Map(); const bodies = []; const segs = [];
for (const s of sections) {
  p = s.start;
  if (s.id === 2) { const n = u32(); for (let i = 0; i < n; i++) { let l = u32(); p += l; l = u32(); p += l; const k = buf[p++]; if (k === 0) { u32(); nImports++; } else if (k === 1) { p++; const f = buf[p++]; u32(); if (f & 1) u32(); } else if (k === 2) { const f = buf[p++]; u32(); if (f & 1) u32(); } else if (k === 3) { p += 2; } } }
  if (s.id === 10) { const n = u32(); for (let i = 0; i < n; i++) { const sz = u32(); bodies.push({ idx: nImports + i, start: p, end: p + sz }); p += sz; } }
  if (s.id === 11) { const n = u32(); for (let i = 0; i < n; i++) { const f = u32(); if (f === 0) { while (buf[p++] !== 0x0b); } else if (f === 2) { u32(); while (buf[p++] !== 0x0b); } const sz = u32(); segs.push({ start: p, end: p + sz }); p += sz; } }
  if (s.id === 0) { const nl = u32(); const nm = buf.subarray(p, p + nl).toString(); p += nl; if (nm === 'name') { while (p < s.end) { const sub = buf[p++]; const sz = u32(); const e = p + sz; if (sub === 1) { const n = u32(); for (let i = 0; i < n; i++) { const idx = u32(); const l = u32(); names.set(idx, buf.subarray(p, p + l).toString()); p += l; } } p = e; } } }
}
// Strip custom sections for the baseline (what ships has none).
const shipped = Buffer.concat([buf.subarray(0, 8), ...sections.filter((s) => s.id !== 0).map((s) => buf.subarray(s.start - (s.end - s.start >= 128 ? 0 : 0), s.end))]);
const base = gzipSync(buf, { level: 9 }).length;
const weigh = (a, b) => { const c = Buffer.from(buf); c.fill(0, a, b); return base - gzipSync(c, { level: 9 }).length; };
const rows = bodies.map((b) => ({ name: names.get(b.idx) || `f${b.idx}`, raw: b.end - b.start, gz: weigh(b.start, b.end) }));
segs.forEach((s, i) => rows.push({ name: `[data segment ${i}]`, raw: s.end - s.start, gz: weigh(s.start, s.end) }));
rows.sort((a, b) => b.gz - a.gz);
const totalRaw = rows.reduce((t, r) => t + r.raw, 0), totalGz = rows.reduce((t, r) => t + r.gz, 0);
console.log(`${file}: ${buf.length} B raw, ${base} B gz (with name section); ${bodies.length} functions, ${segs.length} data segments`);
console.log('     raw     gz~  name');
for (const r of rows.slice(0, top)) console.log(`${String(r.raw).padStart(8)}${String(r.gz).padStart(8)}  ${r.name}`);
console.log(`${String(totalRaw).padStart(8)}${String(totalGz).padStart(8)}  (sum over all)`);
if (process.env.GROUP) {
  const g = new Map();
  for (const r of rows) { const k = r.name.replace(/^(pf_[a-z]+|[a-z]+).*/, '$1'); const v = g.get(k) || { raw: 0, gz: 0 }; v.raw += r.raw; v.gz += r.gz; g.set(k, v); }
  console.log('--- by prefix'); for (const [k, v] of [...g].sort((a, b) => b[1].gz - a[1].gz).slice(0, 40)) console.log(`${String(v.raw).padStart(8)}${String(v.gz).padStart(8)}  ${k}`);
}
