// The State store through the public JS API, on the real wasm build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PyFrameRT from '../../dist/pyframe_rt.mjs';
import { HOSTILE } from '../lib/hostile.mjs';

const tick = () => new Promise((r) => setTimeout(r, 0));

test('load() instantiates once and returns the same runtime', async () => {
  const a = PyFrameRT.load();
  const b = PyFrameRT.load();
  assert.equal(a, b);
  const rt = await a;
  assert.equal(rt.version, PyFrameRT.VERSION);
  assert.equal(rt.strerror(-3), 'malformed JSON');
});

test('createState works before load() was awaited', async () => {
  const s = await PyFrameRT.createState({ posts: [], loading: true, connected: false });
  assert.deepEqual(s.get('posts'), []);
  assert.equal(s.get('loading'), true);
  assert.equal(s.get('missing'), undefined);
  assert.equal(s.get('missing', 42), 42);
  assert.equal(s.size, 3);
  s.free();
});

test('values round-trip, Unicode and hostile strings included', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState();
  const values = {
    emoji: 'a😀b', cjk: '漢字かな', combining: 'e\u0301', nul: 'x\u0001y',
    html: '<script>alert(1)</script><img src=x onerror=alert(1)>',
    nested: { list: [1, 2.5, -3e20, null, true, { deep: ['x'] }] },
    big: 1e308, neg: -0.5, empty: '', lone: 'ok',
  };
  for (const [k, v] of Object.entries(values)) s.update(k, v);
  for (const [k, v] of Object.entries(values)) assert.deepEqual(s.get(k), v, k);
  assert.deepEqual(s.toJSON(), values);
  // The shared corpus, as keys and as values.
  HOSTILE.forEach((h, i) => s.update(`h${i}${h}`, { text: h, list: [h] }));
  HOSTILE.forEach((h, i) => assert.deepEqual(s.get(`h${i}${h}`), { text: h, list: [h] }, JSON.stringify(h)));
  s.free();
});

test('a key with a lone surrogate is refused (it would reach C as U+FFFD and meet another key)', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState();
  s.update('k\uFFFD', 1);
  const lone = (e) => e instanceof PyFrameRT.PyFrameError && e.code === -1 && /lone surrogate/.test(e.message);
  for (const key of ['k\uD800', 'k\uDC00', '\uDBFFx'])
    for (const call of [() => s.update(key, 2), () => s.get(key), () => s.remove(key), () => s.subscribe(key, () => {})])
      assert.throws(call, lone, JSON.stringify(key));
  assert.deepEqual(s.toJSON(), { 'k\uFFFD': 1 });
  s.update('k\uD83D\uDE00', 3); // a pair is fine
  assert.equal(s.get('k\uD83D\uDE00'), 3);
  s.free();
});

test('redactTokens: every token form is hidden, everything else kept', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl';
  const cases = [
    [`pf_ws: ws://h/ws/posts?token=${jwt}&since=4 failed`, 'pf_ws: ws://h/ws/posts?token=[redacted]&since=4 failed'],
    ['/events/notifications?last_event_id=3&token=abc%20def', '/events/notifications?last_event_id=3&token=[redacted]'],
    ['send: socket /ws/chat?access_token=s3cret is closed', 'send: socket /ws/chat?access_token=[redacted] is closed'],
    ['Authorization: Bearer abc', 'Authorization: Bearer [redacted]'],
    [`a bare ${jwt} in text`, 'a bare [redacted-jwt] in text'],
    ['tokenizer=1 mytoken=2 no secrets', 'tokenizer=1 mytoken=2 no secrets'],
  ];
  for (const [input, want] of cases) assert.equal(PyFrameRT.redactTokens(input), want, input);
});

test('PyFrameError messages never carry a token', async () => {
  const rt = await PyFrameRT.load();
  const err = new PyFrameRT.PyFrameError('socket(/ws/posts?token=abc.def.ghi): bad URL', -1);
  // The value is taken up to the next space, &, #, ; or quote: a token's
  // characters are not guessed at.
  assert.equal(err.message, 'socket(/ws/posts?token=[redacted] bad URL');
  assert.equal(err.code, -1);
  assert.ok(rt);
});

test('many updates in one tick notify each subscriber once', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState({ posts: [] });
  await tick();
  const all = [];
  const posts = [];
  const other = [];
  s.subscribe((keys) => all.push(keys));
  s.subscribe('posts', (keys) => posts.push(keys));
  s.subscribe('nothing', (keys) => other.push(keys));
  for (let i = 0; i < 1000; i++) s.update('posts', [i]);
  s.setMultiple({ loading: false, connected: true });
  assert.equal(all.length, 0, 'delivery waits for the end of the task');
  await tick();
  assert.deepEqual(all, [['posts', 'loading', 'connected']]);
  assert.deepEqual(posts, [['posts', 'loading', 'connected']]);
  assert.deepEqual(other, []);
  assert.deepEqual(s.get('posts'), [999]);
  s.free();
});

test('an equal value does not notify; unsubscribe stops delivery', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState({ a: { x: [1] } });
  await tick();
  const seen = [];
  const off = s.subscribe((keys) => seen.push(keys));
  s.update('a', { x: [1] });
  await tick();
  assert.deepEqual(seen, []);
  s.update('a', 2);
  await tick();
  off();
  s.update('a', 3);
  await tick();
  assert.deepEqual(seen, [['a']]);
  s.free();
});

test('bad input throws PyFrameError with a code and changes nothing', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState({ posts: [1] });
  const cases = [
    [() => s.updateJSON('posts', '[1,2'), -3],
    [() => s.updateJSON('posts', '{"a":}'), -3],
    [() => s.updateJSON('posts', '[1] [2]'), -3],
    [() => s.setMultipleJSON('[1,2]'), -4],
    [() => s.setMultipleJSON('{"posts": [2], "x": }'), -3],
    [() => s.setMultiple([1]), -4],
    [() => s.setMultiple(null), -4],
    [() => s.update('', 1), -1],
    [() => s.update('k', undefined), -4],
    [() => s.update('k', () => 1), -4],
    [() => s.update('k', 'cut\u0000here'), -3], // refused rather than truncated
  ];
  for (const [fn, code] of cases) {
    assert.throws(fn, (e) => e instanceof PyFrameRT.PyFrameError && e.code === code && e.message.length > 10);
  }
  assert.deepEqual(s.toJSON(), { posts: [1] });
  assert.throws(() => s.updateJSON('posts', '[1] [2]'),
    (e) => e.position === 4 && /after the JSON value at byte 4/.test(e.message));
  s.free();
  assert.throws(() => s.get('posts'), /freed/);
});

test('a large payload goes through, a too large one is refused', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState();
  const big = 'x'.repeat(8 * 1024 * 1024);
  s.update('big', big);
  assert.equal(s.get('big').length, big.length);
  const tooBig = '"' + 'y'.repeat(64 * 1024 * 1024) + '"';
  assert.throws(() => s.updateJSON('huge', tooBig), (e) => e.code === -8);
  assert.equal(s.get('huge'), undefined);
  s.free();
});

test('1,000 stores created and freed leave the heap bounded', async () => {
  const rt = await PyFrameRT.load();
  const warm = rt.createState({ a: 1 });
  warm.free();
  const before = rt.core.HEAPU8.length;
  for (let i = 0; i < 1000; i++) {
    const s = rt.createState({ posts: [{ id: i, title: 't'.repeat(100) }] });
    s.subscribe(() => {});
    s.free();
  }
  assert.equal(rt.core.HEAPU8.length, before);
});

test('a subscriber may free its store: the delivery stops there and the runtime goes on', async () => {
  const rt = await PyFrameRT.load();
  const a = rt.createState({ n: 0 });
  const b = rt.createState({ n: 0 });
  const seen = [];
  a.subscribe(() => {
    seen.push('a1');
    a.free();
    // Allocations right after the free may take its memory.
    const c = rt.createState({ filler: 'x'.repeat(40) });
    c.free();
  });
  a.subscribe(() => seen.push('a2'));
  b.subscribe(() => seen.push('b'));
  a.update('n', 1);
  b.update('n', 1);
  await tick();
  assert.deepEqual(seen.sort(), ['a1', 'b']);
  assert.throws(() => a.get('n'), (e) => e.code === -9);
  b.update('n', 2);
  await tick();
  assert.deepEqual(seen.sort(), ['a1', 'b', 'b']);
  b.free();
});

test('a subscriber that throws is reported and does not stop other stores or later ticks', async () => {
  const rt = await PyFrameRT.load();
  const a = rt.createState({ n: 0 });
  const b = rt.createState({ n: 0 });
  const seen = [];
  const thrown = [];
  // The runtime reports a listener's exception by throwing it from a
  // timer; this test catches it there instead of as an uncaught exception.
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (fn, ms, ...args) => realSetTimeout(() => {
    try { fn(...args); } catch (e) { thrown.push(e.message); }
  }, ms);
  try {
    a.subscribe(() => { seen.push('a1'); throw new Error('subscriber bug'); });
    a.subscribe(() => seen.push('a2'));
    b.subscribe(() => seen.push('b'));
    a.update('n', 1);
    b.update('n', 1);
    await tick();
    await tick();
    assert.deepEqual(seen.sort(), ['a1', 'a2', 'b']);
    a.update('n', 2);
    b.update('n', 2);
    await tick();
    await tick();
    assert.deepEqual(seen.sort(), ['a1', 'a1', 'a2', 'a2', 'b', 'b']);
    assert.deepEqual(thrown, ['subscriber bug', 'subscriber bug']);
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  a.free();
  b.free();
});

test('values with no JSON (a cycle, a BigInt) throw PyFrameError -4, not TypeError', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState();
  const cyclic = {};
  cyclic.self = cyclic;
  for (const bad of [cyclic, { n: 1n }]) {
    assert.throws(() => s.update('k', bad), (e) => e instanceof PyFrameRT.PyFrameError && e.code === -4);
    assert.throws(() => s.setMultiple({ k: bad }), (e) => e instanceof PyFrameRT.PyFrameError && e.code === -4);
    assert.throws(() => rt.createState({ k: bad }), (e) => e instanceof PyFrameRT.PyFrameError && e.code === -4);
  }
  assert.equal(s.size, 0);
  s.free();
});

test('a timer longer than setTimeout holds (2^31 - 1 ms) is waited out in parts, not fired at once', async () => {
  const rt = await PyFrameRT.load();
  const realSetTimeout = globalThis.setTimeout;
  const delays = [];
  let pending = null;
  globalThis.setTimeout = (fn, ms) => { delays.push(ms); pending = fn; return 0; };
  try {
    rt.host.timerStart(999999, 5e9); // no C timer has this id: firing it is a no-op
    assert.deepEqual(delays, [2147483647]);
    pending();
    assert.deepEqual(delays, [2147483647, 2147483647]);
    pending();
    assert.deepEqual(delays, [2147483647, 2147483647, 5e9 - 2 * 2147483647]);
    assert.ok(rt.host.timers.has(999999));
    pending();
    assert.equal(rt.host.timers.has(999999), false, 'fired after the last part');
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
});
