// Chat: /ws/chat broadcast and /ws/room/<id> (history, join/leave notices,
// persistence, seq and resume), the seed's error replies and the rate limiter.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, login, WsClient, sleep } from './helpers.mjs';

let srv, alice, bob, carol;
before(async () => {
  srv = await startTestServer({ chatRate: 5, chatWindowMs: 400, historyLimit: 3 });
  alice = await login(srv.base, 'alice');
  bob = await login(srv.base, 'bob');
  carol = await login(srv.base, 'carol');
});
after(() => srv.close());

test('/ws/chat broadcasts {type: message, user, text, timestamp} to everyone, the sender included', async () => {
  const a = await WsClient.open(srv.wsUrl('/ws/chat', alice.token));
  const b = await WsClient.open(srv.wsUrl('/ws/chat', bob.token));
  a.send({ user: 'someone else', text: 'hello all' });
  for (const c of [a, b]) {
    const m = await c.next('message');
    assert.equal(m.text, 'hello all');
    assert.equal(m.user, 'alice', 'the name comes from the token');
    assert.equal(m.user_id, alice.user.id);
    assert.ok(!Number.isNaN(Date.parse(m.timestamp)));
    assert.equal(typeof m.id, 'number');
    assert.equal(typeof m.seq, 'number');
  }
  await a.close();
  await b.close();
});

test('rooms: history on join, user_joined to others once per user, message persistence, user_left', async () => {
  const a = await WsClient.open(srv.wsUrl('/ws/room/r1', alice.token));
  const h0 = await a.next('history');
  assert.deepEqual(h0.messages, []);
  assert.equal(h0.seq, 0);
  assert.equal(h0.cids, true, 'the history says the server keeps client ids');
  const b = await WsClient.open(srv.wsUrl('/ws/room/r1', bob.token));
  await b.next('history');
  const joined = await a.next('user_joined');
  assert.equal(joined.user_id, bob.user.id);
  assert.equal(typeof joined.message, 'string');
  assert.ok(await b.none('user_joined'), 'no notice about yourself');
  const b2 = await WsClient.open(srv.wsUrl('/ws/room/r1', bob.token));
  await b2.next('history');
  assert.ok(await a.none('user_joined'), 'a second tab of the same user is not announced');
  for (const text of ['one', 'two', 'three', 'four']) {
    b.send({ text });
    const m = await a.next('message');
    assert.equal(m.text, text);
    assert.equal(m.user_id, bob.user.id);
  }
  await b2.close();
  assert.ok(await a.none('user_left'), 'still one tab open');
  await b.close();
  const left = await a.next('user_left');
  assert.equal(left.user_id, bob.user.id);
  // Other rooms do not see r1's traffic; history is the last historyLimit messages in order.
  const c = await WsClient.open(srv.wsUrl('/ws/room/r1', carol.token));
  const h = await c.next('history');
  assert.deepEqual(h.messages.map((m) => m.text), ['two', 'three', 'four']);
  assert.deepEqual(h.messages.map((m) => m.seq), [2, 3, 4]);
  assert.equal(h.seq, 4);
  const other = await WsClient.open(srv.wsUrl('/ws/room/r2', carol.token));
  assert.deepEqual((await other.next('history')).messages, []);
  await Promise.all([a.close(), c.close(), other.close()]);
});

test('rooms resume with ?since=: missed messages replayed in order; an unknown seq gets resync and history', async () => {
  await sleep(450); // let bob's rate window from the previous test pass
  const a = await WsClient.open(srv.wsUrl('/ws/room/r3', alice.token));
  await a.next('history');
  a.send({ text: 'm1' });
  const m1 = await a.next('message');
  await a.close();
  const b = await WsClient.open(srv.wsUrl('/ws/room/r3', bob.token));
  await b.next('history');
  b.send({ text: 'm2' });
  b.send({ text: 'm3' });
  await b.next((m) => m.text === 'm3');
  const back = await WsClient.open(srv.wsUrl(`/ws/room/r3?since=${m1.seq}`, alice.token));
  assert.deepEqual([(await back.next()).text, (await back.next()).text], ['m2', 'm3']);
  assert.ok(await back.none('history'), 'no history when resuming');
  const weird = await WsClient.open(srv.wsUrl('/ws/room/r3?since=999', alice.token));
  assert.equal((await weird.next()).type, 'resync');
  assert.equal((await weird.next()).type, 'history');
  await Promise.all([b.close(), back.close(), weird.close()]);
});

test('the seed errors: {"error": "Invalid JSON format"}; typed errors for bad messages and unknown types', async () => {
  for (const path of ['/ws/chat', '/ws/room/r4']) {
    const a = await WsClient.open(srv.wsUrl(path, carol.token));
    a.send('{"text": "unterminated');
    assert.deepEqual(await a.next((m) => m.error), { error: 'Invalid JSON format' });
    a.send({ text: '' });
    assert.equal((await a.next('error')).code, 'invalid_message');
    a.send({ text: 42 });
    assert.equal((await a.next('error')).code, 'invalid_message');
    a.send({ type: 'dance' });
    assert.equal((await a.next('error')).code, 'unknown_type');
    a.send({ type: { toString: 1 } }); // no String() for this one
    assert.equal((await a.next('error')).code, 'unknown_type');
    a.send([1, 2]);
    assert.equal((await a.next('error')).code, 'invalid_message');
    a.send({ type: 'ping' });
    await a.next('pong');
    await a.close();
    await sleep(450); // let carol's rate window pass
  }
});

test('rate limit: {"error": "Rate limit exceeded", "retry_after": N}; allowed again after the window', async () => {
  const ann = await login(srv.base, 'ratey');
  const a = await WsClient.open(srv.wsUrl('/ws/chat', ann.token));
  const r = await WsClient.open(srv.wsUrl('/ws/room/rl', ann.token));
  await r.next('history');
  for (let i = 0; i < 3; i++) a.send({ text: `a${i}` });
  for (let i = 0; i < 2; i++) r.send({ text: `r${i}` });
  for (let i = 0; i < 2; i++) await r.next('message');
  r.send({ text: 'one too many' });
  const limited = await r.next((m) => m.error);
  assert.equal(limited.error, 'Rate limit exceeded');
  assert.ok(Number.isInteger(limited.retry_after) && limited.retry_after >= 1);
  a.send({ text: 'also limited (same user)' });
  assert.equal((await a.next((m) => m.error)).error, 'Rate limit exceeded');
  await sleep(450);
  r.send({ text: 'back' });
  assert.equal((await r.next((m) => m.type === 'message' && m.text === 'back')).text, 'back');
  await Promise.all([a.close(), r.close()]);
});

test('a client id (cid) is stored once: a resend on a new connection gets the stored copy, others see one message', async () => {
  await sleep(450); // a fresh rate window
  const a = await WsClient.open(srv.wsUrl('/ws/room/cid1', alice.token));
  await a.next('history');
  const b = await WsClient.open(srv.wsUrl('/ws/room/cid1', bob.token));
  await b.next('history');
  await a.next('user_joined');
  a.send({ text: 'once', cid: 'k1-1' });
  const first = await a.next('message');
  assert.equal(first.cid, 'k1-1');
  assert.equal((await b.next('message')).cid, 'k1-1');
  // The same cid again, as after a dropped connection: not stored again,
  // the sender alone gets the stored copy, nobody else sees anything.
  const a2 = await WsClient.open(srv.wsUrl('/ws/room/cid1', alice.token));
  await a2.next('history');
  a2.send({ text: 'once', cid: 'k1-1' });
  const again = await a2.next('message');
  assert.deepEqual(again, first);
  assert.ok(await b.none('message'), 'no second broadcast');
  // The same cid from another user is that user's own message.
  b.send({ text: 'mine', cid: 'k1-1' });
  assert.equal((await a.next('message')).user_id, bob.user.id);
  // A malformed cid is refused, not ignored.
  a.send({ text: 'x', cid: 'no spaces' });
  assert.equal((await a.next('error')).code, 'invalid_message');
  const c = await WsClient.open(srv.wsUrl('/ws/room/cid1', carol.token));
  const h = await c.next('history');
  assert.deepEqual(h.messages.map((m) => [m.text, m.cid]), [['once', 'k1-1'], ['mine', 'k1-1']]);
  await Promise.all([a.close(), a2.close(), b.close(), c.close()]);
});

test('a refused message is answered with its cid and the reason; refusals and resends of a stored message cost no rate-limit quota', async () => {
  const own = await startTestServer({ chatRate: 3, chatWindowMs: 60_000 });
  try {
    const dan = await login(own.base, 'dan');
    const a = await WsClient.open(own.wsUrl('/ws/room/quota', dan.token));
    await a.next('history');
    a.send({ text: 'line one\u000bline two', cid: 'q-1' });
    const ctl = await a.next('error');
    assert.equal(ctl.code, 'invalid_message');
    assert.equal(ctl.cid, 'q-1');
    assert.match(ctl.message, /control characters/);
    a.send({ text: 'x'.repeat(4001), cid: 'q-2' });
    const long = await a.next('error');
    assert.equal(long.cid, 'q-2');
    assert.match(long.message, /at most 4000 characters/);
    a.send({ text: '   ', cid: 'q-3' });
    assert.equal((await a.next('error')).cid, 'q-3');
    a.send({ text: 'stored', cid: 'q-4' });
    const stored = await a.next('message');
    for (let i = 0; i < 4; i++) a.send({ text: 'stored', cid: 'q-4' });
    for (let i = 0; i < 4; i++) assert.deepEqual(await a.next('message'), stored);
    // Three refusals and four resends later, the window has room for two.
    a.send({ text: 'two', cid: 'q-5' });
    a.send({ text: 'three', cid: 'q-6' });
    assert.equal((await a.next((m) => m.type === 'message' && m.cid === 'q-5')).text, 'two');
    assert.equal((await a.next((m) => m.type === 'message' && m.cid === 'q-6')).text, 'three');
    a.send({ text: 'four', cid: 'q-7' });
    assert.equal((await a.next((m) => m.error)).error, 'Rate limit exceeded');
    // Over the limit, every message gets the rate-limit reply, a bad one and
    // a resend too: a client matches those replies with its latest sends.
    a.send({ text: '\u00a0', cid: 'q-8' });
    assert.equal((await a.next((m) => m.error || m.type === 'error')).error, 'Rate limit exceeded');
    a.send({ text: 'stored', cid: 'q-4' });
    assert.equal((await a.next((m) => m.error || m.type === 'message')).error, 'Rate limit exceeded');
    await a.close();
  } finally {
    await own.close();
  }
});
