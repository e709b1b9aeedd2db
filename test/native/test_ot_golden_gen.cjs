// test_ot_golden_gen.cjs: regenerates test_ot_golden.inc from the npm
// package ot-text-unicode (the reference the C type must match):
//
//   node test/native/test_ot_golden_gen.cjs > /tmp/golden.jsonl
//
// then wrap each line as R"PFJ(...)PFJ" in test_ot_golden.inc (see its
// header). The generator is seeded, so the output is stable.
const {type} = require('ot-text-unicode');
let seed = 12345;
const rnd = n => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const alphabet = ['a','b','c',' ','é','中','文','😅','🤖','e\u0301','\n','"','\\'];
const chars = s => Array.from(s);
const word = () => { let w=''; const n=1+rnd(4); for(let i=0;i<n;i++) w+=alphabet[rnd(alphabet.length)]; return w; };
function genOp(doc) {
  const d = chars(doc); let pos = 0; const op = [];
  while (true) {
    const r = rnd(4);
    if (r === 0 || pos >= d.length) { if (rnd(2)) op.push(word()); if (rnd(3)===0 || pos>=d.length) break; }
    const skip = rnd(Math.min(d.length - pos, 5) + 1); if (skip) op.push(skip); pos += skip;
    if (rnd(2)) op.push(word());
    else { const len = rnd(Math.min(d.length - pos, 6) + 1); if (len) { op.push({d: rnd(2) ? len : d.slice(pos,pos+len).join('')}); pos += len; } }
  }
  return type.normalize(op);
}
const out = [];
for (let i = 0; i < 400; i++) {
  let doc = ''; const n = rnd(15); for (let k=0;k<n;k++) doc += word();
  const a = genOp(doc), b = genOp(doc);
  const da = type.apply(doc, a);
  const c = genOp(da);
  const cur = rnd(chars(doc).length + 1);
  out.push({doc, a, b, c,
    l: type.transform(a, b, 'left'), r: type.transform(a, b, 'right'),
    comp: type.compose(a, c), da, dac: type.apply(da, c),
    pos: cur, posA: type.transformPosition(cur, a),
    inv: type.isInvertible(a) ? type.invert(a) : null});
}
for (const v of out) console.log(JSON.stringify(v));
