// rt.ot: the text-unicode type and wasm documents, on the real wasm build,
// cross-checked against the npm package ot-text-unicode (the oracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import textUnicode from 'ot-text-unicode';
import PyFrameRT from '../../dist/pyframe_rt.mjs';

const npm = textUnicode.type;
const rt = await PyFrameRT.load();
const type = rt.ot.type;
const TRACES = fileURLToPath(new URL('../../../shared/traces/', import.meta.url));

// ---- a seeded generator ------------------------------------------------------

function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n); // 0 .. n-1
  return next;
}

// Code points of every width: ASCII, Latin-1, a combining mark (a code point
// of its own), CJK, and emoji outside the BMP (two UTF-16 units each).
const ALPHABET = ['a', 'b', 'c', ' ', '\n', 'é', 'ß', '\u0301', '中', '文', '字', '😀', '🤖', '👻', '\u{10348}'];

const cps = (s) => Array.from(s);

function randomText(r, max) {
  let s = '';
  const n = r.int(max + 1);
  for (let i = 0; i < n; i++) s += ALPHABET[r.int(ALPHABET.length)];
  return s;
}

/** A valid (checkOp-clean after npm.normalize) op on `doc`. Deletes carry
 * their text sometimes, so that invertible ops are covered. */
function randomOp(r, doc) {
  const d = cps(doc);
  let pos = 0;
  const op = [];
  const parts = 1 + r.int(4);
  for (let k = 0; k < parts; k++) {
    const skip = r.int(Math.min(d.length - pos, 8) + 1);
    if (skip) op.push(skip);
    pos += skip;
    const what = r.int(3);
    if (what !== 1) {
      const ins = randomText(r, 4);
      if (ins) op.push(ins);
    }
    if (what !== 0 && pos < d.length) {
      const n = 1 + r.int(Math.min(d.length - pos, 6));
      op.push({ d: r.int(2) ? n : d.slice(pos, pos + n).join('') });
      pos += n;
    }
  }
  return npm.normalize(op);
}

/** An op that is not normalized: zero skips, empty inserts and deletes,
 * adjacent components of one kind, trailing skips. */
function messyOp(r, doc) {
  const op = [];
  for (const c of randomOp(r, doc)) {
    if (typeof c === 'number' && c > 1 && r.int(2)) {
      const a = 1 + r.int(c - 1);
      op.push(a, c - a);
    } else if (typeof c === 'string' && cps(c).length > 1 && r.int(2)) {
      const p = cps(c);
      const a = 1 + r.int(p.length - 1);
      op.push(p.slice(0, a).join(''), p.slice(a).join(''));
    } else if (typeof c === 'object' && typeof c.d === 'number' && c.d > 1 && r.int(2)) {
      const a = 1 + r.int(c.d - 1);
      op.push({ d: a }, { d: c.d - a });
    } else {
      op.push(c);
    }
    const junk = r.int(6);
    if (junk === 0) op.push(0);
    else if (junk === 1) op.push('');
    else if (junk === 2) op.push({ d: 0 });
    else if (junk === 3) op.push({ d: '' });
  }
  if (r.int(2)) op.push(1 + r.int(3));
  return op;
}

const clone = (x) => JSON.parse(JSON.stringify(x));

// ---- the surface ----------------------------------------------------------------

test('rt.ot.type has the exported surface of npm ot-text-unicode', () => {
  assert.deepEqual(Object.keys(type).sort(), Object.keys(npm).sort());
  for (const k of Object.keys(npm)) assert.equal(typeof type[k], typeof npm[k], k);
  assert.equal(type.name, 'text-unicode');
  assert.equal(type.uri, npm.uri);
  assert.equal(rt.ot, rt.ot, 'one ot object per runtime');
});

test('the reference server uses the wasm type', async () => {
  const { otType } = await import('../../demo/server/ot_type.mjs');
  assert.equal(otType, type);
});

test('create, apply, isNoop, trim, checkOp', () => {
  assert.equal(type.create(), '');
  assert.equal(type.create('abc'), 'abc');
  assert.equal(type.apply('hello world', [5, ' there', { d: 1 }]), 'hello thereworld');
  assert.equal(type.apply('abc', []), 'abc');
  assert.equal(type.apply('', ['x']), 'x');
  assert.equal(type.apply('abcdef', [{ d: 'abc' }]), 'def');
  assert.equal(type.isNoop([]), true);
  assert.equal(type.isNoop([1, 'a']), false);
  const op = [1, 'a', 3];
  assert.equal(type.trim(op), op);
  assert.deepEqual(op, [1, 'a']);
  type.checkOp([]);
  type.checkOp([1, 'a', { d: 2 }, 3, { d: 'xy' }]);
});

test('compose and transform (left and right), by hand', () => {
  assert.deepEqual(type.compose([5, 'x'], [{ d: 2 }, 3, 'y']), [{ d: 2 }, 3, 'yx']);
  assert.deepEqual(type.compose(['abc'], [1, { d: 1 }]), ['ac']);
  assert.deepEqual(type.compose([{ d: 'ab' }], [{ d: 'cd' }]), [{ d: 'abcd' }]);
  assert.deepEqual(type.transform([1, 'a'], [1, 'b'], 'left'), [1, 'a']);
  assert.deepEqual(type.transform([1, 'a'], [1, 'b'], 'right'), [2, 'a']);
  assert.deepEqual(type.transform([2, { d: 2 }], [1, { d: 2 }], 'left'), [1, { d: 1 }]);
  assert.deepEqual(type.transform([{ d: 3 }], [{ d: 3 }], 'left'), []);
});

test('normalize, transformPosition, transformSelection', () => {
  assert.deepEqual(type.normalize([0, 'a', '', 2, 3]), ['a']);
  assert.deepEqual(type.normalize([1, 2, 'a', 'b', { d: 1 }, { d: 2 }, 4]), [3, 'ab', { d: 3 }]);
  assert.deepEqual(type.normalize([{ d: 'a' }, { d: 'b' }, { d: 2 }]), [{ d: 4 }]);
  assert.equal(type.transformPosition(3, [1, 'ab']), 5);
  assert.equal(type.transformPosition(1, [1, 'ab']), 1, 'an insert at the cursor goes after it');
  assert.equal(type.transformPosition(0, ['ab']), 0);
  assert.equal(type.transformPosition(5, [{ d: 2 }]), 3);
  assert.equal(type.transformPosition(1, [{ d: 4 }]), 0);
  assert.equal(type.transformSelection(4, [{ d: 2 }]), 2);
  assert.deepEqual(type.transformSelection([1, 5], [{ d: 2 }]), [0, 3]);
  assert.deepEqual(type.transformSelection([5, 1], ['xy']), [7, 3]);
});

test('invert, makeInvertible, stripInvertible, isInvertible, invertWithDoc', () => {
  assert.equal(type.isInvertible([1, { d: 2 }]), false);
  assert.equal(type.isInvertible([1, { d: 'ab' }, 'x']), true);
  assert.deepEqual(type.makeInvertible([1, { d: 2 }], 'a😀bc'), [1, { d: '😀b' }]);
  assert.deepEqual(type.stripInvertible([1, { d: '😀b' }, 'x']), [1, { d: 2 }, 'x']);
  assert.deepEqual(type.invert([1, { d: 'ab' }, 'x']), [1, 'ab', { d: 'x' }]);
  assert.deepEqual(type.invertWithDoc([1, { d: 2 }, 'x'], 'a😀b'), [1, '😀b', { d: 'x' }]);
  const doc = 'héllo wörld 中文';
  const op = [2, { d: 3 }, '😀', 3, { d: 2 }];
  assert.equal(type.apply(type.apply(doc, op), type.invertWithDoc(op, doc)), doc);
  // A delete past the end is cut to it, as apply does, and as the npm type does.
  for (const [o, d] of [[[1, { d: 5 }], 'a😀b'], [[{ d: 9 }], 'xy'], [[2, 'z', { d: 3 }], 'abc']]) {
    assert.deepEqual(type.makeInvertible(o, d), npm.makeInvertible(JSON.parse(JSON.stringify(o)), d), JSON.stringify(o));
    assert.deepEqual(type.invertWithDoc(o, d), npm.invertWithDoc(JSON.parse(JSON.stringify(o)), d), JSON.stringify(o));
  }
});

test('Document.splice refuses positions and counts past 2^32 - 1 instead of wrapping them', () => {
  const doc = new rt.ot.Document('abcdef');
  for (const [pos, del] of [[2 ** 32, 0], [2 ** 32 + 2, 0], [0, 2 ** 32 + 1], [1, 2 ** 32], [Number.MAX_SAFE_INTEGER, 0]]) {
    assert.throws(() => doc.splice(pos, del, 'X'), (e) => e instanceof PyFrameRT.PyFrameError && e.code === -6, `${pos}, ${del}`);
  }
  assert.equal(doc.text, 'abcdef');
  doc.free();
});

test('api: the editing helpers of the npm type', () => {
  let text = 'a😀b';
  const sent = [];
  const api = type.api(() => text, (op) => sent.push(op));
  assert.equal(api.get(), text);
  api.insert(3, 'x'); // UTF-16 offset 3 = after the emoji
  api.remove(1, 2);
  assert.deepEqual(sent, [[2, 'x'], [1, { d: 2 }]]);
  const seen = [];
  api.onInsert = (p, s) => seen.push(['i', p, s]);
  api.onRemove = (p, n) => seen.push(['r', p, n]);
  api._onOp([1, 'xy', { d: 2 }]);
  assert.deepEqual(seen, [['i', 1, 'xy'], ['r', 3, 2]]);
  assert.equal(type.api.provides.text, true);
});

// ---- Unicode: positions count code points ------------------------------------------

test('Unicode: combining marks, CJK and emoji count one per code point', () => {
  const e = 'e\u0301'; // é as two code points
  assert.equal(type.apply(`${e}x`, [1, { d: 1 }]), 'ex');
  assert.equal(type.apply(`${e}x`, [2, '!']), `${e}!x`);
  assert.equal(type.apply('中文字', [1, { d: 1 }, '国']), '中国字');
  assert.equal(type.apply('😀🤖👻', [1, { d: 1 }, '🎉']), '😀🎉👻');
  assert.equal(type.apply('a😀b', [2, 'X']), 'a😀Xb');
  assert.equal(type.transformPosition(2, ['😀😀']), 4);
  assert.deepEqual(type.compose(['😀a'], [1, { d: 1 }]), ['😀']);
  assert.throws(() => type.apply('😀', [2, 'x']), /too long/);
  const doc = new rt.ot.Document('😀中e\u0301');
  assert.equal(doc.length, 4);
  assert.equal(doc.byteLength, 4 + 3 + 1 + 2);
  doc.apply([1, { d: 1 }, '文']).splice(3, 1, '🤖');
  assert.equal(doc.text, '😀文e🤖');
  doc.free();
});

// ---- invalid input ----------------------------------------------------------------------

const BAD_OPS = [
  'x', 5, null, {}, [0], [1, 1], [1], ['', 'a'], [{ d: 0 }], [{ d: '' }], [{ d: -1 }], [-1, 'a'],
  [{ x: 1 }], [{ d: true }], [null], [[1]],
];

test('invalid input throws as the npm type does (apply, compose, transform, checkOp)', () => {
  let n = 0;
  for (const bad of BAD_OPS) {
    for (const [name, call] of [
      ['apply', (op) => type.apply('abcdef', op)],
      ['compose', (op) => type.compose(op, ['a'])],
      ['compose2', (op) => type.compose(['a'], op)],
      ['transform', (op) => type.transform(op, ['a'], 'left')],
      ['transform2', (op) => type.transform(['a'], op, 'right')],
      ['checkOp', (op) => type.checkOp(op)],
    ]) {
      const oracle = name.replace('2', '');
      let npmThrew = false;
      try {
        if (oracle === 'apply') npm.apply('abcdef', bad);
        else if (oracle === 'compose') name === 'compose' ? npm.compose(bad, ['a']) : npm.compose(['a'], bad);
        else if (oracle === 'transform') name === 'transform' ? npm.transform(bad, ['a'], 'left') : npm.transform(['a'], bad, 'right');
        else npm.checkOp(bad);
      } catch (e) {
        npmThrew = true;
      }
      if (!npmThrew) continue;
      n++;
      assert.throws(() => call(bad), (e) => e instanceof Error && e.message.length > 10,
        `${name}(${JSON.stringify(bad)}) must throw`);
    }
  }
  assert.ok(n > 60, `${n} rejected cases`);
  // The others that npm rejects.
  assert.throws(() => type.apply('ab', [5, 'x']), /apply: the op is too long for this document/);
  assert.throws(() => npm.apply('ab', [5, 'x']));
  assert.throws(() => type.apply(5, ['x']), /Invalid document snapshot/);
  assert.throws(() => type.apply(null, ['x']), /Invalid document snapshot/);
  assert.throws(() => type.create(5), /Initial data must be a string/);
  assert.throws(() => type.transform(['a'], ['b'], 'middle'), /side \(middle\) must be 'left' or 'right'/);
  assert.throws(() => type.transform(['a'], ['b']), /must be 'left' or 'right'/);
  assert.throws(() => type.invert([{ d: 2 }]), /cannot invert/);
  assert.throws(() => npm.invert([{ d: 2 }]));
  assert.throws(() => type.invertWithDoc([5, { d: 2 }], 'abc'), /too long/);
  assert.throws(() => type.transformSelection('x', ['a']), /Invalid selection/);
  assert.throws(() => npm.transformSelection('x', ['a']));
  // The messages say what and where.
  assert.throws(() => type.apply('abc', [1, 1]), /apply: adjacent skips \(at byte 3/);
  assert.throws(() => type.compose([1], ['a']), /compose: trailing skip/);
  assert.throws(() => type.checkOp(['']), /checkOp: empty insert/);
  assert.throws(() => type.normalize('x'), /normalize: Op must be an array/);
});

test('stricter than npm where npm silently misbehaves: fractional counts, lone surrogates, stray keys', () => {
  assert.throws(() => type.apply('abc', [1.5, 'x']), /integer/);
  assert.throws(() => type.apply('abc', [true]), /component must be/);
  assert.throws(() => type.apply('abc', [{ d: 1, x: 2 }]), /unknown key/);
  assert.throws(() => type.apply('abc', ['\ud800']), /lone surrogate/);
  assert.throws(() => type.apply('a\udc00', ['x']), /lone surrogate/);
  // npm's apply truncates a delete past the end; so does this one.
  assert.equal(type.apply('abc', [1, { d: 10 }]), npm.apply('abc', [1, { d: 10 }]));
  assert.equal(type.apply('abc', [1, { d: 10 }, 'x']), npm.apply('abc', [1, { d: 10 }, 'x']));
});

// ---- property tests against the oracle -------------------------------------------------

const CASES = Number(process.env.OT_CASES) || 3000; // OT_CASES=100000 for a longer run

test(`apply matches npm on ${CASES} random ops (seed 1)`, () => {
  const r = rng(1);
  for (let i = 0; i < CASES; i++) {
    const doc = randomText(r, 30);
    const op = randomOp(r, doc);
    assert.equal(type.apply(doc, op), npm.apply(doc, op), JSON.stringify([doc, op]));
  }
});

test(`compose matches npm on ${CASES} random pairs (seed 2)`, () => {
  const r = rng(2);
  for (let i = 0; i < CASES; i++) {
    const doc = randomText(r, 30);
    const a = randomOp(r, doc);
    const doc2 = npm.apply(doc, a);
    const b = randomOp(r, doc2);
    const c = type.compose(clone(a), clone(b));
    assert.deepEqual(c, npm.compose(clone(a), clone(b)), JSON.stringify([doc, a, b]));
    assert.equal(type.apply(doc, c), npm.apply(doc2, b));
  }
});

test(`transform left and right match npm on ${CASES} random pairs, and TP1 holds (seed 3)`, () => {
  const r = rng(3);
  for (let i = 0; i < CASES; i++) {
    const doc = randomText(r, 30);
    const a = randomOp(r, doc);
    const b = randomOp(r, doc);
    const what = JSON.stringify([doc, a, b]);
    const aL = type.transform(a, b, 'left');
    const bR = type.transform(b, a, 'right');
    assert.deepEqual(aL, npm.transform(clone(a), clone(b), 'left'), what);
    assert.deepEqual(type.transform(a, b, 'right'), npm.transform(clone(a), clone(b), 'right'), what);
    assert.deepEqual(bR, npm.transform(clone(b), clone(a), 'right'), what);
    // TP1: a then b' equals b then a'.
    assert.equal(type.apply(type.apply(doc, a), bR), type.apply(type.apply(doc, b), aL), what);
    // And compose agrees with it.
    assert.equal(type.apply(doc, type.compose(a, bR)), type.apply(doc, type.compose(b, aL)), what);
  }
});

test(`transformPosition and transformSelection match npm on ${CASES} random cases (seed 4)`, () => {
  const r = rng(4);
  for (let i = 0; i < CASES; i++) {
    const doc = randomText(r, 30);
    const op = randomOp(r, doc);
    const n = cps(doc).length;
    const c = r.int(n + 3);
    assert.equal(type.transformPosition(c, op), npm.transformPosition(c, op), JSON.stringify([c, op]));
    const sel = [r.int(n + 1), r.int(n + 1)];
    assert.deepEqual(type.transformSelection(sel, op), npm.transformSelection(sel, op));
  }
});

test(`normalize matches npm on ${CASES} messy ops (seed 5)`, () => {
  const r = rng(5);
  for (let i = 0; i < CASES; i++) {
    const doc = randomText(r, 30);
    const op = messyOp(r, doc);
    assert.deepEqual(type.normalize(op), npm.normalize(clone(op)), JSON.stringify(op));
  }
});

test(`invert helpers match npm on ${CASES} random ops (seed 6)`, () => {
  const r = rng(6);
  for (let i = 0; i < CASES; i++) {
    const doc = randomText(r, 30);
    const op = randomOp(r, doc);
    const what = JSON.stringify([doc, op]);
    assert.equal(type.isInvertible(op), npm.isInvertible(op), what);
    const inv = type.makeInvertible(op, doc);
    assert.deepEqual(inv, npm.makeInvertible(clone(op), doc), what);
    assert.deepEqual(type.stripInvertible(op), npm.stripInvertible(clone(op)), what);
    assert.deepEqual(type.invert(inv), npm.invert(clone(inv)), what);
    assert.deepEqual(type.invertWithDoc(op, doc), npm.invertWithDoc(clone(op), doc), what);
    assert.equal(type.apply(type.apply(doc, op), type.invert(inv)), doc, what);
  }
});

test(`Document.apply matches npm apply over ${CASES} chained random ops (seed 7)`, () => {
  const r = rng(7);
  let expected = 'start 中文 😀';
  const doc = new rt.ot.Document(expected);
  for (let i = 0; i < CASES; i++) {
    const op = randomOp(r, expected);
    expected = npm.apply(expected, op);
    if (i % 3 === 0) doc.apply(JSON.stringify(op));
    else doc.apply(op);
    if (i % 97 === 0) assert.equal(doc.text, expected);
  }
  assert.equal(doc.text, expected);
  assert.equal(doc.length, cps(expected).length);
  doc.free();
});

// ---- Document ---------------------------------------------------------------------------

test('Document: create, apply, splice, text, length, free; errors leave the text unchanged', () => {
  const D = rt.ot.Document;
  const doc = new D('hello');
  assert.equal(doc.text, 'hello');
  assert.equal(doc.length, 5);
  doc.apply([5, ' world']).apply('[0,"¡"]').splice(0, 1, '');
  assert.equal(doc.text, 'hello world');
  doc.apply([0, 'a', '', 2, 1, { d: 0 }, 3]); // normalized on the way in
  assert.equal(doc.text, 'ahello world');
  for (const bad of [[20, 'x'], [{ d: 20 }], 'not json', '[1.5]', [1.5], [true], [null], ['\ud800'], 'x'.repeat(3), {}]) {
    assert.throws(() => doc.apply(bad), (e) => e instanceof PyFrameRT.PyFrameError && /Document.apply/.test(e.message), JSON.stringify(bad));
    assert.equal(doc.text, 'ahello world');
  }
  assert.throws(() => doc.splice(20, 0, 'x'), /Document.splice/);
  assert.throws(() => doc.splice(0, 1, '\udc00'), /lone surrogate/);
  assert.throws(() => doc.splice(-1, 0, 'x'), /integers/);
  assert.equal(doc.text, 'ahello world');
  assert.equal(String(doc), 'ahello world');
  assert.throws(() => new D(5), /must be a string/);
  assert.equal(new D().length, 0);
  doc.free();
  doc.free();
  assert.throws(() => doc.text, /freed/);
  assert.throws(() => doc.apply(['x']), /freed/);
});

test('Document: long inserts and many documents reuse the heap', () => {
  const before = rt.memoryStats().heapUsed;
  for (let i = 0; i < 200; i++) {
    const doc = new rt.ot.Document('x');
    doc.apply([1, 'é'.repeat(5000), { d: 0 }]);
    doc.splice(0, 1, '😀'.repeat(3000));
    assert.equal(doc.length, 8000);
    doc.free();
  }
  assert.ok(rt.memoryStats().heapUsed - before < 256 * 1024, 'no leak per document');
});

test('Op: heap operations transform, compose, apply and free like the type', () => {
  const { Op, Document } = rt.ot;
  const r = rng(8);
  for (let i = 0; i < 500; i++) {
    const doc = randomText(r, 20);
    const a = randomOp(r, doc);
    const b = randomOp(r, doc);
    const oa = Op.from(a);
    const ob = Op.from(i % 2 ? b : JSON.stringify(b));
    const what = JSON.stringify([doc, a, b]);
    assert.deepEqual(oa.toJSON(), a, what);
    for (const side of ['left', 'right']) {
      const t = oa.transform(ob, side);
      assert.deepEqual(t.toJSON(), npm.transform(clone(a), clone(b), side), what);
      t.free();
    }
    const b2 = randomOp(r, npm.apply(doc, a));
    const ob2 = Op.from(b2);
    const c = oa.compose(ob2);
    assert.deepEqual(c.toJSON(), npm.compose(clone(a), clone(b2)), what);
    const d = new Document(doc);
    d.apply(c);
    assert.equal(d.text, npm.apply(doc, npm.compose(clone(a), clone(b2))));
    const copy = c.clone();
    c.free();
    assert.deepEqual(copy.toJSON(), npm.compose(clone(a), clone(b2)));
    assert.equal(Op.from([]).isNoop, true);
    for (const o of [oa, ob, ob2, copy]) o.free();
    d.free();
  }
  const op = Op.from([5, 'x']);
  const doc = new Document('abc');
  assert.throws(() => doc.apply(op), /too long/);
  assert.equal(doc.text, 'abc');
  assert.throws(() => op.transform([1], 'left'), /must be an Op/);
  assert.throws(() => op.transform(op, 'up'), /must be 'left' or 'right'/);
  assert.throws(() => Op.from([1.5]), /Op.from: skip 1.5/);
  assert.throws(() => Op.from('[1,'), /Op.from/);
  op.free();
  op.free();
  assert.throws(() => op.toJSON(), /freed/);
  doc.free();
});

// ---- editing traces -----------------------------------------------------------------------

const traceFiles = readdirSync(TRACES).filter((f) => f.endsWith('.json.gz')).sort();

test('there are traces to replay', () => assert.ok(traceFiles.length >= 3));

for (const file of traceFiles) {
  test(`trace ${file} replays through Document (splice and an op per patch) to endContent`, () => {
    const trace = JSON.parse(gunzipSync(readFileSync(TRACES + file)).toString('utf8'));
    const bySplice = new rt.ot.Document(trace.startContent);
    const byOp = new rt.ot.Document(trace.startContent);
    let n = 0;
    for (const txn of trace.txns) {
      for (const [pos, del, ins] of txn.patches) {
        bySplice.splice(pos, del, ins);
        const op = [];
        if (pos) op.push(pos);
        if (del) op.push({ d: del });
        if (ins) op.push(ins);
        byOp.apply(op);
        n++;
      }
    }
    assert.ok(n > 1000);
    assert.equal(bySplice.text, trace.endContent);
    assert.equal(byOp.text, trace.endContent);
    assert.equal(byOp.length, cps(trace.endContent).length);
    bySplice.free();
    byOp.free();
  });
}

test('counts that add up past 2^32 are refused as too long, never wrapped (no trap, no wrong text)', () => {
  const M = 2 ** 31 - 1;
  const skips = [M, 'x', M, 'y', 2, 'z'];
  const deletes = [1, 'q', { d: M }, 'r', { d: M }, 's', { d: 2 }];
  assert.throws(() => npm.apply('abc', skips));
  assert.throws(() => type.apply('abc', skips), (e) => e.name === 'PyFrameError');
  // npm cuts a delete past the end to what is left; so does the type
  // (before: "aqrsbc", the sum wrapped to a small count).
  assert.equal(npm.apply('abc', deletes), 'aqrs');
  assert.equal(type.apply('abc', deletes), 'aqrs');
  // A Document refuses both (it never cuts an op to fit).
  for (const op of [skips, deletes]) {
    const doc = new rt.ot.Document('abc');
    assert.throws(() => doc.apply(op), (e) => e.name === 'PyFrameError', JSON.stringify(op));
    assert.equal(doc.text, 'abc');
    doc.free();
  }
  // normalize merges adjacent skips: one that would pass 2^32 is a range
  // error at its place (it said "out of memory").
  assert.throws(() => type.normalize([M, M, 2]), (e) => e.code === -6 && /counts add up/.test(e.message));
  // Still usable afterwards.
  assert.equal(type.apply('abc', [3, 'd']), 'abcd');
});

test('transform and compose refuse a merged count past 2^32 - 1 as a range error, not out of memory', () => {
  const M = 2 ** 31 - 1;
  // b deletes what a deletes, so a's skips merge into M + M + 2 = 2^32.
  const a = [M, { d: 1 }, M, { d: 1 }, 2, 'x'];
  const b = [M, { d: 1 }, M, { d: 1 }];
  // compose: b's deletes cancel c's inserts, c's skips merge the same way.
  const c = [M, 'a', M, 'b', 2, 'x'];
  assert.deepEqual(npm.transform(a, b, 'left'), [2 ** 32, 'x']);
  assert.deepEqual(npm.compose(c, b), [2 ** 32, 'x']);
  const range = (e) => e.name === 'PyFrameError' && e.code === -6 && /counts add up past the largest length/.test(e.message);
  assert.throws(() => type.transform(a, b, 'left'), range);
  assert.throws(() => type.compose(c, b), range);
  const [oa, ob, oc] = [a, b, c].map((op) => rt.ot.Op.from(op));
  try {
    assert.throws(() => oa.transform(ob, 'left'), (e) => e.code === -6 && /out of range/.test(e.message));
    assert.throws(() => oc.compose(ob), (e) => e.code === -6 && /out of range/.test(e.message));
  } finally {
    for (const o of [oa, ob, oc]) o.free();
  }
  assert.deepEqual(type.transform([1, 'x'], [1, 'y'], 'left'), [1, 'x']);
});

test('transformPosition and transformSelection never wrap near 2^32: a range error where npm passes 2^32 - 2', () => {
  const cursor = 0xfffffff0;
  const op = [5, 'a'.repeat(40)];
  // npm's positions are JS numbers: 0xfffffff0 + 40. Here it wrapped to 24.
  assert.equal(npm.transformPosition(cursor, op), cursor + 40);
  const range = (e) => e.name === 'PyFrameError' && e.code === -6 && /passes 2\^32 - 2/.test(e.message);
  assert.throws(() => type.transformPosition(cursor, op), range);
  assert.throws(() => type.transformSelection([3, cursor], op), range);
  assert.throws(() => type.transformSelection(cursor, op), range);
  // Past it at one step and back below at a later one: npm's exact figure
  // (4294967291), which a wasm size_t cannot follow; a range error, not a
  // wrong position (4294967280 before).
  assert.throws(() => type.transformPosition(4294967286, ['a'.repeat(20), { d: 15 }]), range);
  assert.throws(() => type.transformSelection([0xfffffffe, 1], ['xy', { d: 5 }]), range);
  // Up to the limit, the same as npm.
  for (const [c, o] of [[cursor, [5, 'abc']], [0xfffffffe, [2 ** 31 - 1, { d: 1 }, 'x']], [0xfffffffe, [{ d: 3 }, 'xyz']]])
    assert.equal(type.transformPosition(c, o), npm.transformPosition(c, o), JSON.stringify([c, o]));
  assert.deepEqual(type.transformSelection([cursor, 3], [1, 'ab']), npm.transformSelection([cursor, 3], [1, 'ab']));
});

test('makeInvertible and invertWithDoc keep a deleted text that differs from the document, as npm does', () => {
  const doc = 'abcde';
  for (const op of [[1, { d: 'zz' }], [1, { d: 'zz' }, 1, { d: 1 }], [{ d: 1 }, 'x', { d: '\u{1F600}' }], [4, { d: 'q' }]]) {
    // It was replaced by the document's text ([1, {d: 'bc'}]) without a word.
    assert.deepEqual(type.makeInvertible(op, doc), npm.makeInvertible(op, doc), JSON.stringify(op));
    assert.deepEqual(type.invertWithDoc(op, doc), npm.invertWithDoc(op, doc), JSON.stringify(op));
  }
  assert.deepEqual(type.makeInvertible([1, { d: 'zz' }], doc), [1, { d: 'zz' }]);
  // Past the end, the delete (and its text) is cut to what is left; npm
  // keeps all of its text.
  assert.deepEqual(type.makeInvertible([4, { d: 'zzz' }], doc), [4, { d: 'z' }]);
  assert.deepEqual(type.makeInvertible([4, { d: 3 }], doc), npm.makeInvertible([4, { d: 3 }], doc));
  // apply ignores a delete's text, as npm's does.
  assert.equal(type.apply(doc, [1, { d: 'zz' }]), npm.apply(doc, [1, { d: 'zz' }]));
  assert.equal(type.apply(doc, [4, { d: 'zzz' }]), npm.apply(doc, [4, { d: 'zzz' }]));
});

test('U+0000 is text, as in npm: accepted and kept through every call, never cut at the NUL', () => {
  // The protocol refuses U+0000; rt.ot.type is a local API like the npm
  // type, which takes any JS string.
  const r = rng(9);
  const nul = (x) => JSON.parse(JSON.stringify(x).replaceAll('a', '\\u0000').replaceAll('b', '\\u0000\\u0000'));
  for (let i = 0; i < 300; i++) {
    const doc = nul(randomText(r, 12) + 'ab');
    const a = nul(randomOp(r, doc));
    const b = nul(randomOp(r, doc));
    const a2 = type.apply(doc, a);
    const c = nul(randomOp(r, a2));
    const ctx = JSON.stringify({ doc, a, b, c });
    type.checkOp(a);
    assert.equal(a2, npm.apply(doc, clone(a)), ctx);
    assert.deepEqual(type.compose(a, c), npm.compose(clone(a), clone(c)), ctx);
    assert.deepEqual(type.transform(a, b, 'left'), npm.transform(clone(a), clone(b), 'left'), ctx);
    assert.deepEqual(type.transform(a, b, 'right'), npm.transform(clone(a), clone(b), 'right'), ctx);
    assert.deepEqual(type.makeInvertible(a, doc), npm.makeInvertible(clone(a), doc), ctx);
    assert.deepEqual(type.invertWithDoc(a, doc), npm.invertWithDoc(clone(a), doc), ctx);
    assert.deepEqual(type.stripInvertible(a), npm.stripInvertible(clone(a)), ctx);
    assert.equal(type.apply(a2, type.invertWithDoc(a, doc)), doc, ctx);
    const pos = r.int(cps(doc).length + 1);
    assert.equal(type.transformPosition(pos, a), npm.transformPosition(pos, a), ctx);
    const op = rt.ot.Op.from(a);
    const fromJSON = rt.ot.Op.from(JSON.stringify(a));
    const d = new rt.ot.Document(doc);
    try {
      assert.deepEqual(op.toJSON(), a, ctx);
      assert.deepEqual(fromJSON.toJSON(), a, ctx);
      d.apply(a);
      assert.equal(d.text, a2, ctx);
      assert.equal(d.length, cps(a2).length, ctx);
      d.apply(JSON.stringify(type.invertWithDoc(a, doc))).apply(op);
      assert.equal(d.text, a2, ctx);
    } finally {
      op.free();
      fromJSON.free();
      d.free();
    }
  }
  assert.deepEqual(type.normalize(['\0', '\0x', { d: '\0' }, { d: '\0' }]), npm.normalize(['\0', '\0x', { d: '\0' }, { d: '\0' }]));
  assert.equal(type.apply('\0\0\0', [1, '\0a\0', { d: 1 }]), '\0\0a\0\0');
  // A raw U+0000 in a JSON text is refused, as JSON.parse refuses it.
  assert.throws(() => JSON.parse('["\0"]'));
  assert.throws(() => rt.ot.Op.from('["\0"]'), (e) => e.name === 'PyFrameError' && /control character/.test(e.message));
});

test('a text that starts with U+FEFF keeps it (a byte order mark is text here)', async () => {
  const s = '\uFEFFab';
  assert.equal(type.apply(s, [1, 'x']), npm.apply(s, [1, 'x']));
  assert.equal(type.apply(s, [1, 'x']), '\uFEFFxab');
  const doc = new rt.ot.Document('\uFEFFhello');
  assert.equal(doc.text, '\uFEFFhello');
  assert.equal(doc.length, 6);
  doc.apply([6, '!']);
  assert.equal(doc.text, '\uFEFFhello!');
  doc.free();
  const st = await PyFrameRT.createState({ k: '\uFEFFkept' });
  assert.equal(st.get('k'), '\uFEFFkept');
  st.free();
});
