// Collaborative documents: the OT authority on /ws/docs/<id>.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startTestServer, login, WsClient, OtClient, seeded, sleep, otType, tempDir } from './helpers.mjs';
import { checkTextOp } from '../../demo/server/docs.mjs';
import { openStore } from '../../demo/server/db.mjs';

let srv, alice, bob;
before(async () => {
  srv = await startTestServer();
  alice = await login(srv.base, 'alice');
  bob = await login(srv.base, 'bob');
});
after(() => srv.close());

async function joined(who, doc, join = { type: 'join' }) {
  const c = await WsClient.open(srv.wsUrl(`/ws/docs/${doc}`, who.token));
  c.send(join);
  return c;
}

async function serverText(doc) {
  const c = await joined(alice, doc);
  const s = await c.next('snapshot');
  await c.close();
  return s;
}

test('checkTextOp accepts the text-unicode grammar and rejects everything else', () => {
  assert.equal(typeof checkTextOp([5, 'abc', { d: 4 }], 100), 'object');
  assert.equal(checkTextOp([5, 'abc', { d: 4 }], 100).span, 9);
  assert.equal(checkTextOp(['😀'], 100).inserted, 1);
  assert.equal(checkTextOp([{ d: '😀x' }], 100).span, 2);
  for (const bad of [null, {}, 'abc', [0], [-1], [1.5], [''], [{ d: 0 }], [{ d: -2 }], [{ d: '' }], [{ d: 1, x: 1 }], [{}], [[1]], [true], ['\ud800'], [Infinity]]) {
    assert.equal(typeof checkTextOp(bad, 100), 'string', JSON.stringify(bad));
  }
  assert.equal(typeof checkTextOp(new Array(101).fill(1), 100), 'string');
});

test('first join gets a snapshot {rev, content, users}; an op gets ack {rev, seq}; others get content_change with user_id/src/seq', async () => {
  const a = await joined(alice, 'd1');
  const snap = await a.next('snapshot');
  assert.deepEqual([snap.rev, snap.content], [0, '']);
  assert.deepEqual(snap.users, []);
  const b = await joined(bob, 'd1');
  const snapB = await b.next('snapshot');
  assert.deepEqual(snapB.users.map((u) => u.id), [alice.user.id]);
  for (const k of ['id', 'name', 'avatar']) assert.ok(k in snapB.users[0]);
  const j = await a.next('user_joined');
  assert.deepEqual([j.user.id, j.user.name], [bob.user.id, 'bob']);
  a.send({ type: 'content_change', rev: 0, operations: ['héllo 😀'], src: 'A', seq: 1, cursor_position: 7 });
  assert.deepEqual(await a.next('ack'), { type: 'ack', rev: 0, seq: 1 });
  const cc = await b.next('content_change');
  assert.deepEqual(cc, { type: 'content_change', rev: 0, operations: ['héllo 😀'], user_id: alice.user.id, src: 'A', seq: 1 });
  const cur = await b.next('cursor_update');
  assert.deepEqual([cur.user_id, cur.position, cur.rev], [alice.user.id, 7, 1]);
  // Code points: delete the emoji (position 6, one code point).
  b.send({ type: 'content_change', rev: 1, operations: [6, { d: 1 }, '!'], src: 'B', seq: 1 });
  await b.next('ack');
  assert.deepEqual((await a.next('content_change')).operations, [6, { d: 1 }, '!']);
  assert.equal((await serverText('d1')).content, 'héllo !');
  await b.close();
  const left = await a.next('user_left');
  assert.equal(left.user_id, bob.user.id);
  await a.close();
});

test('concurrent inserts at the same place: the later-arriving one ends up first (side left on the server)', async () => {
  const a = await joined(alice, 'd2');
  await a.next('snapshot');
  const b = await joined(bob, 'd2');
  await b.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['x'], src: 'A', seq: 1 });
  await a.next('ack');
  b.send({ type: 'content_change', rev: 0, operations: ['y'], src: 'B', seq: 1 });
  const ack = await b.next('ack');
  assert.deepEqual([ack.rev, ack.seq], [1, 1]);
  const toA = await a.next('content_change');
  assert.equal(toA.rev, 1);
  assert.equal((await serverText('d2')).content, 'yx');
  await Promise.all([a.close(), b.close()]);
});

test('a resubmitted (src, seq) is acknowledged again with the same rev and never applied twice', async () => {
  const a = await joined(alice, 'd3');
  await a.next('snapshot');
  const b = await joined(bob, 'd3');
  await b.next('snapshot');
  const op = { type: 'content_change', rev: 0, operations: ['once'], src: 'dup', seq: 7 };
  a.send(op);
  assert.equal((await a.next('ack')).rev, 0);
  b.send({ type: 'content_change', rev: 1, operations: [4, '!'], src: 'other', seq: 1 });
  await b.next('ack');
  a.send(op); // e.g. after a reconnect, the ack having been lost
  const again = await a.next('ack');
  assert.deepEqual([again.rev, again.seq], [0, 7]);
  // Also from a different socket (a reconnected client), with a stale rev.
  const a2 = await joined(alice, 'd3');
  await a2.next('snapshot');
  a2.send(op);
  assert.deepEqual([(await a2.next('ack')).rev], [0]);
  await sleep(50);
  assert.ok(!b.messages.some((m) => m.type === 'content_change' && m.seq === 7 && m.src === 'dup' && b.messages.indexOf(m) > 0), 'no second broadcast');
  const s = await serverText('d3');
  assert.deepEqual([s.content, s.rev], ['once!', 2]);
  await Promise.all([a.close(), b.close(), a2.close()]);
});

test('invalid operations get error {code, message} and change nothing', async () => {
  const a = await joined(alice, 'd4');
  await a.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['abc'], src: 'A', seq: 1 });
  await a.next('ack');
  const cases = [
    [{ rev: 1, operations: [10, 'x'] }, 'invalid_op'], // skips past the end
    [{ rev: 1, operations: [{ d: 4 }] }, 'invalid_op'], // deletes past the end
    [{ rev: 1, operations: [{ x: 1 }] }, 'invalid_op'],
    [{ rev: 1, operations: 'abc' }, 'invalid_op'],
    [{ rev: 1, operations: [0, 'x'] }, 'invalid_op'],
    [{ rev: 1, operations: ['\ud800'] }, 'invalid_op'],
    [{ rev: 1, operations: [1, 'a\u0000b'] }, 'invalid_op'], // clients cannot take U+0000
    [{ rev: 1, operations: [{ d: '\u0000' }] }, 'invalid_op'],
    [{ rev: 5, operations: ['x'] }, 'invalid_rev'],
    [{ rev: -1, operations: ['x'] }, 'invalid_rev'],
    [{ rev: 'one', operations: ['x'] }, 'invalid_rev'],
    [{ operations: ['x'] }, 'invalid_rev'],
    [{ rev: 1, operations: ['x'], src: 5 }, 'invalid_message'],
    [{ rev: 1, operations: ['x'], src: 's', seq: -3 }, 'invalid_message'],
  ];
  let seq = 10;
  for (const [msg, code] of cases) {
    a.send({ type: 'content_change', src: 'A', seq: ++seq, ...msg });
    const e = await a.next('error');
    assert.equal(e.code, code, JSON.stringify(msg));
    assert.equal(typeof e.message, 'string');
  }
  // Base rev 0 is valid history: an op based on rev 0 that overshoots the rev-0 document is invalid too.
  a.send({ type: 'content_change', rev: 0, operations: [1, 'x'], src: 'A', seq: 100 });
  assert.equal((await a.next('error')).code, 'invalid_op');
  a.send({ type: 'cursor_update', position: -1 });
  assert.equal((await a.next('error')).code, 'invalid_message');
  a.send({ type: 'nonsense' });
  assert.equal((await a.next('error')).code, 'unknown_type');
  const s = await serverText('d4');
  assert.deepEqual([s.content, s.rev], ['abc', 1]);
  await a.close();
});

test('content_change before join is refused with not_joined', async () => {
  const c = await WsClient.open(srv.wsUrl('/ws/docs/d5', alice.token));
  c.send({ type: 'content_change', rev: 0, operations: ['x'], src: 'A', seq: 1 });
  assert.equal((await c.next('error')).code, 'not_joined');
  c.send({ type: 'cursor_update', position: 0 });
  assert.equal((await c.next('error')).code, 'not_joined');
  await c.close();
});

test('rejoin with rev: the missed operations as content_change (own ones included); an unknown rev gets a snapshot', async () => {
  const a = await joined(alice, 'd6');
  await a.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['ab'], src: 'A', seq: 1 });
  await a.next('ack');
  await a.close();
  const b = await joined(bob, 'd6');
  await b.next('snapshot');
  b.send({ type: 'content_change', rev: 1, operations: [2, 'cd'], src: 'B', seq: 1 });
  await b.next('ack');
  const back = await joined(alice, 'd6', { type: 'join', rev: 0 });
  const m1 = await back.next('content_change');
  const m2 = await back.next('content_change');
  assert.deepEqual([m1.rev, m1.src, m1.seq, m2.rev, m2.src, m2.seq], [0, 'A', 1, 1, 'B', 1]);
  assert.equal((await back.next('user_joined')).user.id, bob.user.id, 'presence of those already there');
  assert.ok(await back.none('snapshot'));
  const current = await joined(alice, 'd6', { type: 'join', rev: 2 });
  assert.ok(await current.none('content_change'));
  const ahead = await joined(alice, 'd6', { type: 'join', rev: 99 });
  assert.equal((await ahead.next('snapshot')).content, 'abcd');
  await Promise.all([b.close(), back.close(), current.close(), ahead.close()]);
});

test('cursor_update is relayed with the position transformed to the current rev', async () => {
  const a = await joined(alice, 'd7');
  await a.next('snapshot');
  const b = await joined(bob, 'd7');
  await b.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['hello'], src: 'A', seq: 1 });
  await a.next('ack');
  await b.next('content_change');
  b.send({ type: 'cursor_update', position: 5, rev: 1 });
  assert.deepEqual(await a.next('cursor_update'), { type: 'cursor_update', user_id: bob.user.id, position: 5, rev: 1 });
  a.send({ type: 'content_change', rev: 1, operations: ['>> '], src: 'A', seq: 2 });
  await a.next('ack');
  b.send({ type: 'cursor_update', position: 5, rev: 1 }); // bob has not seen the insert yet
  const moved = await a.next('cursor_update');
  assert.deepEqual([moved.position, moved.rev], [8, 2]);
  // A newcomer sees bob's stored cursor in the snapshot's users.
  const c = await joined(alice, 'd7');
  const snap = await c.next('snapshot');
  assert.equal(snap.users.find((u) => u.id === bob.user.id).cursor, 8);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('concurrent editing from several sockets converges: every client text equals the server text', async () => {
  const rand = seeded(42);
  const who = [alice, bob, alice, bob, alice];
  const clients = await Promise.all(who.map((w, i) => new OtClient(srv.wsUrl('/ws/docs/fuzz', w.token), { src: `c${i}` }).connect()));
  for (let round = 0; round < 40; round++) {
    for (const c of clients) if (rand() < 0.7) c.randomEdit(rand);
    if (rand() < 0.5) await sleep(Math.floor(rand() * 4));
  }
  await Promise.all(clients.map((c) => c.idle()));
  await sleep(100); // let the last broadcasts land
  const server = await serverText('fuzz');
  for (const c of clients) {
    assert.deepEqual(c.errors, []);
    assert.equal(c.rev, server.rev);
    assert.equal(c.text, server.content);
  }
  assert.ok(server.rev > 50, `many operations applied (${server.rev})`);
  await Promise.all(clients.map((c) => c.close()));
});

test('a document at its size limit rejects growth with too_large', async () => {
  const small = await startTestServer({ maxDocLength: 10 });
  const t = (await (await fetch(`${small.base}/api/login`, { method: 'POST', body: JSON.stringify({ name: 'z' }) })).json()).token;
  const c = await WsClient.open(small.wsUrl('/ws/docs/big', t));
  c.send({ type: 'join' });
  await c.next('snapshot');
  c.send({ type: 'content_change', rev: 0, operations: ['0123456789'], src: 's', seq: 1 });
  await c.next('ack');
  c.send({ type: 'content_change', rev: 1, operations: ['x'], src: 's', seq: 2 });
  assert.equal((await c.next('error')).code, 'too_large');
  await c.close();
  await small.close();
});

test('an operation the database fails to store ends the session: its text is read back, never overwritten', async () => {
  const a = await joined(alice, 'fail1');
  await a.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['hello world'], src: 'A', seq: 0 });
  await a.next('ack');
  const store = srv.server.store;
  const realAppend = store.appendDocOp;
  const realDocument = store.document;
  // The next store write fails, and so does the next read of the document.
  store.appendDocOp = () => { store.appendDocOp = realAppend; throw new Error('SQLITE_BUSY (injected)'); };
  store.document = () => { store.document = realDocument; throw new Error('SQLITE_BUSY (injected)'); };
  try {
    a.send({ type: 'content_change', rev: 1, operations: [11, '!'], src: 'A', seq: 1 });
    a.send({ type: 'content_change', rev: 1, operations: ['X'], src: 'A', seq: 2 }); // reaches a closing socket
    const err = await a.next('error');
    assert.deepEqual([err.code, err.seq], ['internal_error', 1]);
    assert.equal((await a.closed).code, 1011);
    // A join while the database still fails gets an error, not an empty text.
    const b = await joined(bob, 'fail1');
    assert.equal((await b.next('error')).code, 'internal_error');
    await b.close();
  } finally {
    store.appendDocOp = realAppend;
    store.document = realDocument;
  }
  const s = await serverText('fail1');
  assert.deepEqual([s.content, s.rev], ['hello world', 1]);
  const c = await joined(alice, 'fail1');
  await c.next('snapshot');
  c.send({ type: 'content_change', rev: 1, operations: [11, '?'], src: 'C', seq: 1 });
  assert.equal((await c.next('ack')).rev, 1);
  await c.close();
  assert.equal((await serverText('fail1')).content, 'hello world?');
});

test('the authority uses only the injected OT type', async () => {
  const calls = new Set();
  const spy = new Proxy(otType, { get: (t, k) => (typeof t[k] === 'function' ? (calls.add(k), t[k].bind(t)) : t[k]) });
  const s = await startTestServer({ otType: spy });
  const t = (await (await fetch(`${s.base}/api/login`, { method: 'POST', body: JSON.stringify({ name: 'z' }) })).json()).token;
  const a = await WsClient.open(s.wsUrl('/ws/docs/x', t));
  a.send({ type: 'join' });
  await a.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['ab'], src: 's', seq: 1 });
  await a.next('ack');
  a.send({ type: 'content_change', rev: 0, operations: ['c'], src: 's', seq: 2 });
  await a.next('ack');
  assert.ok(['apply', 'transform', 'normalize'].every((k) => calls.has(k)), [...calls].join());
  await a.close();
  await s.close();
});

test("another user cannot take an editor's (src, seq): the editor's operation is still applied", async () => {
  const a = await joined(alice, 'squat');
  await a.next('snapshot');
  const b = await joined(bob, 'squat');
  await b.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['hello'], src: 'alice-editor', seq: 1 });
  await a.next('ack');
  const seen = await b.next('content_change');
  // Bob sends a no-op under alice's src and her next seq.
  b.send({ type: 'content_change', rev: 1, operations: [], src: seen.src, seq: seen.seq + 1 });
  const bobAck = await b.next('ack');
  assert.equal(bobAck.duplicate, undefined);
  a.send({ type: 'content_change', rev: 2, operations: [5, ' world'], src: 'alice-editor', seq: 2 });
  const ack = await a.next('ack');
  assert.equal(ack.duplicate, undefined, 'not taken for a duplicate');
  assert.equal((await serverText('squat')).content, 'hello world');
  await Promise.all([a.close(), b.close()]);
});

test('cursor positions are hints: out of range they are clamped, never an error; too old ones are dropped', async () => {
  const a = await joined(alice, 'cursors');
  await a.next('snapshot');
  const b = await joined(bob, 'cursors');
  await b.next('snapshot');
  a.send({ type: 'content_change', rev: 0, operations: ['ab'], src: 'A', seq: 1 });
  await a.next('ack');
  a.send({ type: 'content_change', rev: 1, operations: ['xy'], src: 'A', seq: 2 });
  await a.next('ack');
  // An operation based on rev 1 (transformed past one) with a huge cursor.
  b.send({ type: 'content_change', rev: 1, operations: [2, '!'], src: 'B', seq: 1, cursor_position: 2 ** 32 });
  const ack = await b.next((m) => m.type === 'ack' || m.type === 'error');
  assert.deepEqual([ack.type, ack.rev], ['ack', 2]);
  const moved = await a.next('cursor_update');
  assert.deepEqual([moved.position, moved.rev], [5, 3], 'the end of "ab", past the "xy" and the "!"');
  for (const position of [2 ** 32 - 1, 2 ** 32 + 3, Number.MAX_SAFE_INTEGER]) {
    // The end of "ab" at rev 1: after the "xy" before it, and before bob's
    // "!" inserted there (an insert at a position leaves it in place).
    b.send({ type: 'cursor_update', position, rev: 1 });
    const cur = await a.next('cursor_update');
    assert.deepEqual([cur.position, cur.rev], [4, 3], String(position));
  }
  assert.ok(await b.none('error'), 'no error for a hint');

  // An ack echoes a seq sent without src.
  b.send({ type: 'content_change', rev: 3, operations: ['>'], seq: 9 });
  assert.deepEqual(await b.next('ack'), { type: 'ack', rev: 3, seq: 9 });
  await Promise.all([a.close(), b.close()]);
});

test('a type that is not a string gets unknown_type, not internal_error', async () => {
  const a = await joined(alice, 'types');
  await a.next('snapshot');
  for (const type of [{ toString: 1 }, [1], 5]) {
    a.send({ type });
    const err = await a.next('error');
    assert.equal(err.code, 'unknown_type', JSON.stringify(type));
  }
  await a.close();
});

test('limits of transform work: a cursor older than the window is dropped; a large operation far behind gets rev_too_old', async () => {
  const small = await startTestServer({ catchupLimit: 3, maxTransformWork: 20 });
  try {
    const open = async (who) => {
      const c = await WsClient.open(small.wsUrl('/ws/docs/w', who.token));
      c.send({ type: 'join' });
      await c.next('snapshot');
      return c;
    };
    const [ua, ub] = [await login(small.base, 'alice'), await login(small.base, 'bob')];
    const a = await open(ua);
    const b = await open(ub);
    for (let i = 0; i < 5; i++) {
      a.send({ type: 'content_change', rev: i, operations: ['x'], src: 'A', seq: i + 1 });
      await a.next('ack');
    }
    b.send({ type: 'cursor_update', position: 1, rev: 0 }); // 5 behind, window 3
    assert.ok(await a.none('cursor_update'), 'not relayed');
    assert.ok(await b.none('error'), 'no reply');
    b.send({ type: 'cursor_update', position: 1, rev: 3 }); // within the window
    assert.equal((await a.next('cursor_update')).rev, 5);
    // 7 components past 3 operations: 21 > 20.
    const big = [1, 'a', 1, 'b', 1, 'c', 'd'];
    b.send({ type: 'content_change', rev: 2, operations: big, src: 'B', seq: 1 });
    const err = await b.next('error');
    assert.deepEqual([err.code, err.seq], ['rev_too_old', 1]);
    // The same operation at the current rev is applied.
    b.send({ type: 'content_change', rev: 5, operations: big, src: 'B', seq: 2 });
    assert.equal((await b.next('ack')).rev, 5);
    await Promise.all([a.close(), b.close()]);
  } finally {
    await small.close();
  }
});

test('a snapshot sent to a join with src says the last seq applied from that src, so an op whose ack was lost is not applied twice', async () => {
  const small = await startTestServer({ catchupLimit: 3 });
  try {
    const ann = await login(small.base, 'ann'), ben = await login(small.base, 'ben');
    const open = async (who, join) => {
      const c = await WsClient.open(small.wsUrl('/ws/docs/stale', who.token));
      c.send(join);
      return c;
    };
    const a = await open(ann, { type: 'join', src: 'A' });
    assert.equal((await a.next('snapshot')).seq, undefined, 'nothing applied from A yet');
    a.send({ type: 'content_change', rev: 0, operations: ['base '], src: 'A', seq: 6 });
    await a.next('ack');
    a.send({ type: 'content_change', rev: 1, operations: [5, 'XYZ'], src: 'A', seq: 7 });
    await a.next('ack'); // (as if this ack were lost with the connection)
    await a.close();
    const b = await open(ben, { type: 'join', src: 'B' });
    await b.next('snapshot');
    for (let i = 0; i < 5; i++) {
      b.send({ type: 'content_change', rev: 2 + i, operations: [`${i}`], src: 'B', seq: i + 1 });
      await b.next('ack');
    }
    // A comes back at rev 1, too far behind for a catch-up: a snapshot,
    // which says A's seq 7 is in it.
    const back = await open(ann, { type: 'join', rev: 1, src: 'A' });
    const snap = await back.next('snapshot');
    assert.equal(snap.content, '43210base XYZ');
    assert.equal(snap.seq, 7);
    // The same src of another user, and no src, say nothing.
    const other = await open(ben, { type: 'join', rev: 1, src: 'A' });
    assert.equal((await other.next('snapshot')).seq, undefined);
    const none = await open(ann, { type: 'join', rev: 1 });
    assert.equal((await none.next('snapshot')).seq, undefined);
    await Promise.all([b.close(), back.close(), other.close(), none.close()]);
  } finally {
    await small.close();
  }
});

// ---- retention: doc_ops is compacted when a snapshot is written ----------

/** Opens `who` on /ws/docs/<doc> of `server` and sends `join`. */
async function openDoc(server, who, doc, join) {
  const c = await WsClient.open(server.wsUrl(`/ws/docs/${doc}`, who.token));
  c.send(join);
  return c;
}

/** The stored rows of `doc` in the test server's database in `dir`:
 *  {snapshot: {content, rev}, revs: [rev of each doc_ops row]}. */
function storedDoc(dir, doc) {
  const db = new Database(join(dir, 'test.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      snapshot: db.prepare('SELECT content, rev FROM documents WHERE id = ?').get(doc),
      revs: db.prepare('SELECT rev FROM doc_ops WHERE doc_id = ? ORDER BY rev').all(doc).map((r) => r.rev),
      ops: db.prepare('SELECT rev, op FROM doc_ops WHERE doc_id = ? ORDER BY rev').all(doc),
    };
  } finally {
    db.close();
  }
}

test('doc_ops keeps about catchupLimit + docSnapshotOps rows, and a restart reads the same text back', async () => {
  const dir = tempDir();
  const opts = { dir, catchupLimit: 5, docSnapshotChars: 0, docSnapshotOps: 4 };
  let one = await startTestServer(opts);
  let two;
  try {
    const ann = await login(one.base, 'ann');
    const a = await openDoc(one, ann, 'kept', { type: 'join', src: 'A' });
    await a.next('snapshot');
    let text = '';
    for (let i = 0; i < 50; i++) {
      const word = `${i};`;
      a.send({ type: 'content_change', rev: i, operations: text.length ? [text.length, word] : [word], src: 'A', seq: i + 1 });
      assert.equal((await a.next('ack')).rev, i);
      text += word;
      const { revs } = storedDoc(dir, 'kept');
      assert.ok(revs.length <= 5 + 4, `after ${i + 1} operations, ${revs.length} stored: ${revs}`);
    }
    // Still open: the snapshot lags (every 4 operations), and the rows are
    // the window (from 50 - 5 at the last snapshot, 48) onwards without gaps.
    const stored = storedDoc(dir, 'kept');
    assert.equal(stored.snapshot.rev, 48);
    assert.deepEqual(stored.revs, [43, 44, 45, 46, 47, 48, 49]);
    let replay = stored.snapshot.content;
    for (const o of stored.ops.filter((o) => o.rev >= stored.snapshot.rev)) replay = otType.apply(replay, JSON.parse(o.op));
    assert.equal(replay, text);
    // Catch-up inside the window still works; past it, a snapshot.
    const near = await openDoc(one, ann, 'kept', { type: 'join', rev: 46 });
    assert.deepEqual([(await near.next('content_change')).rev, (await near.next('content_change')).rev], [46, 47]);
    const far = await openDoc(one, ann, 'kept', { type: 'join', rev: 40 });
    assert.deepEqual([(await far.next('snapshot')).content], [text]);
    await Promise.all([a.close(), near.close(), far.close()]);
    await one.close();
    one = null;
    // A new server on the same file, with a window larger than what is
    // stored: the same text, and no catch-up from compacted revisions.
    two = await startTestServer({ ...opts, catchupLimit: 1000 });
    const back = await openDoc(two, ann, 'kept', { type: 'join', rev: 10 });
    const snap = await back.next('snapshot');
    assert.deepEqual([snap.content, snap.rev], [text, 50]);
    back.send({ type: 'content_change', rev: 10, operations: ['x'], src: 'B', seq: 1 });
    assert.equal((await back.next('error')).code, 'rev_too_old');
    back.send({ type: 'content_change', rev: 50, operations: ['x'], src: 'B', seq: 2 });
    assert.equal((await back.next('ack')).rev, 50);
    await back.close();
  } finally {
    await one?.close();
    await two?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client rejoining past catchupLimit after a lost ack is not doubled once its operations are compacted away, even after a restart', async () => {
  const dir = tempDir();
  const opts = { dir, catchupLimit: 3 }; // a small document: a snapshot with every operation
  let one = await startTestServer(opts);
  let two;
  try {
    const ann = await login(one.base, 'ann'), ben = await login(one.base, 'ben');
    const a = await openDoc(one, ann, 'lost', { type: 'join', src: 'A' });
    await a.next('snapshot');
    a.send({ type: 'content_change', rev: 0, operations: ['base '], src: 'A', seq: 6 });
    await a.next('ack');
    a.send({ type: 'content_change', rev: 1, operations: [5, 'XYZ'], src: 'A', seq: 7 });
    await a.next('ack'); // (as if this ack were lost with the connection)
    await a.close();
    const b = await openDoc(one, ben, 'lost', { type: 'join', src: 'B' });
    await b.next('snapshot');
    for (let i = 0; i < 8; i++) {
      b.send({ type: 'content_change', rev: 2 + i, operations: [`${i}`], src: 'B', seq: i + 1 });
      await b.next('ack');
    }
    await b.close();
    assert.deepEqual(storedDoc(dir, 'lost').revs, [7, 8, 9], "A's operations (revisions 0 and 1) are compacted away");
    await one.close();
    one = null;
    two = await startTestServer(opts);
    // A comes back at rev 1: a snapshot, which says A's seq 7 is in it.
    const back = await openDoc(two, ann, 'lost', { type: 'join', rev: 1, src: 'A' });
    const snap = await back.next('snapshot');
    assert.deepEqual([snap.content, snap.rev, snap.seq], ['76543210base XYZ', 10, 7]);
    // A client that resends it anyway (same base) is refused, not applied;
    // so is one that rebased it on a revision inside the window.
    back.send({ type: 'content_change', rev: 1, operations: [5, 'XYZ'], src: 'A', seq: 7 });
    assert.deepEqual([(await back.next('error')).code], ['rev_too_old']);
    back.send({ type: 'content_change', rev: 10, operations: [13, 'XYZ'], src: 'A', seq: 7 });
    assert.deepEqual([(await back.next('error')).code], ['rev_too_old']);
    const check = await openDoc(two, ben, 'lost', { type: 'join' });
    assert.deepEqual([(await check.next('snapshot')).content], ['76543210base XYZ']);
    await Promise.all([back.close(), check.close()]);
  } finally {
    await one?.close();
    await two?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a resend within catchupLimit is still de-duplicated after compaction', async () => {
  const small = await startTestServer({ catchupLimit: 4 });
  try {
    const ann = await login(small.base, 'ann'), ben = await login(small.base, 'ben');
    const a = await openDoc(small, ann, 'resend', { type: 'join', src: 'A' });
    await a.next('snapshot');
    const b = await openDoc(small, ben, 'resend', { type: 'join', src: 'B' });
    await b.next('snapshot');
    for (let i = 0; i < 10; i++) {
      b.send({ type: 'content_change', rev: i, operations: ['b'], src: 'B', seq: i + 1 });
      await b.next('ack');
    }
    const op = { type: 'content_change', rev: 9, operations: ['A'], src: 'A', seq: 1 };
    a.send(op);
    assert.equal((await a.next('ack')).rev, 10);
    for (let i = 0; i < 2; i++) {
      b.send({ type: 'content_change', rev: 11 + i, operations: ['b'], src: 'B', seq: 11 + i });
      await b.next('ack');
    }
    assert.deepEqual(storedDoc(small.dir, 'resend').revs, [9, 10, 11, 12], 'revisions 0 to 8 are compacted away');
    a.send(op); // base rev 9, 4 behind: inside the window
    assert.deepEqual(await a.next('ack'), { type: 'ack', rev: 10, seq: 1, duplicate: true });
    const s = await openDoc(small, ann, 'resend', { type: 'join' });
    assert.deepEqual([(await s.next('snapshot')).content], ['bbA' + 'b'.repeat(10)]);
    await Promise.all([a.close(), b.close(), s.close()]);
  } finally {
    await small.close();
  }
});

test('a database made before doc_src_seq gets it filled from doc_ops when opened', () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE doc_ops (doc_id TEXT NOT NULL, rev INTEGER NOT NULL, op TEXT NOT NULL, src TEXT, seq INTEGER,
      user_id INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (doc_id, rev))`);
    const ins = old.prepare("INSERT INTO doc_ops VALUES (?, ?, '[]', ?, ?, ?, 'then')");
    [['d', 0, 'A', 1, 1], ['d', 1, 'A', 2, 1], ['d', 2, 'A', 5, 2], ['d', 3, null, null, 1], ['e', 0, 'A', 9, 1], ['d', 4, 'A', 3, 1]]
      .forEach((r) => ins.run(...r));
    old.close();
    const store = openStore(path);
    try {
      assert.deepEqual([store.docLastSeqBySrc('d', 'A', 1), store.docLastSeqBySrc('d', 'A', 2), store.docLastSeqBySrc('e', 'A', 1), store.docLastSeqBySrc('d', 'B', 1)], [3, 5, 9, null]);
      assert.deepEqual(store.db.prepare('SELECT seq, rev FROM doc_src_seq WHERE doc_id = ? AND src = ? AND user_id = ?').get('d', 'A', 1), { seq: 3, rev: 4 });
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
