// The reference server's security boundary (docs/security.md): forged,
// expired and oversized tokens on every transport, other users' documents
// and notifications, oversized frames and bodies, and the token redaction of
// its log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signJwt } from '../../demo/server/jwt.mjs';
import { redactTokens } from '../../demo/server/util.mjs';
import { startTestServer, login, api, expectClose, SseClient, WsClient, sleep } from './helpers.mjs';

const SECRET = 'test-secret';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const hs256 = (input, secret) => createHmac('sha256', secret).update(input).digest('base64url');

let srv;
let logs;
let alice;
let bob;

before(async () => {
  logs = [];
  srv = await startTestServer({ log: (l) => logs.push(l), maxPayload: 64 * 1024, maxBodyBytes: 4096 });
  alice = await login(srv.base, 'alice');
  bob = await login(srv.base, 'bob');
});

after(async () => {
  await srv?.close();
});

/** Tokens for alice that must all be refused: each is one way to forge,
 *  replay or stretch a token. */
function forgedTokens() {
  const id = alice.user.id;
  const now = Math.floor(Date.now() / 1000);
  const good = signJwt({ user_id: id }, SECRET);
  const [h, p, s] = good.split('.');
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ user_id: id })}.`;
  const noneUpper = `${b64({ alg: 'NONE', typ: 'JWT' })}.${b64({ user_id: id })}.`;
  const hs512Header = b64({ alg: 'HS512', typ: 'JWT' });
  const hs512 = `${hs512Header}.${p}.${hs256(`${hs512Header}.${p}`, SECRET)}`;
  const swapped = `${h}.${b64({ user_id: bob.user.id, iat: now })}.${s}`; // alice's signature, bob's claims
  return {
    'alg none': none,
    'alg NONE': noneUpper,
    'alg HS512 (signed with HS256)': hs512,
    'wrong secret': signJwt({ user_id: id }, 'not-the-secret'),
    'empty secret': signJwt({ user_id: id }, ''),
    'payload swapped under a valid signature': swapped,
    'signature stripped': `${h}.${p}.`,
    expired: signJwt({ user_id: id, exp: now - 1 }, SECRET),
    'not yet valid (nbf)': signJwt({ user_id: id, nbf: now + 3600 }, SECRET),
    'user_id as a string': signJwt({ user_id: String(id) }, SECRET),
    'user that does not exist': signJwt({ user_id: 987654 }, SECRET),
    oversized: signJwt({ user_id: id, pad: 'x'.repeat(9000) }, SECRET),
    'four parts': `${good}.x`,
  };
}

test('forged, expired and stretched tokens: 4001 on every WebSocket, 401 on SSE and REST', async () => {
  for (const [what, token] of Object.entries(forgedTokens())) {
    for (const path of ['/ws/posts', '/ws/chat', '/ws/room/lobby', '/ws/docs/d1']) {
      const r = await expectClose(srv.wsUrl(path, token));
      assert.equal(r.code, 4001, `${what} on ${path}`);
    }
    const sse = await SseClient.open(`${srv.base}/events/notifications?token=${encodeURIComponent(token)}`);
    assert.equal(sse.status, 401, `${what} on SSE`);
    assert.equal((await api(srv.base, 'GET', '/api/notifications', { token })).status, 401, `${what} on REST`);
    // The Authorization header is refused the same way as the query.
    const hdr = await api(srv.base, 'GET', '/api/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(hdr.status, 401, `${what} as a Bearer header`);
  }
  // The control: the real token opens all of them.
  const ok = await WsClient.open(srv.wsUrl('/ws/docs/d1', alice.token));
  await ok.close();
  assert.equal((await api(srv.base, 'GET', '/api/me', { token: alice.token })).status, 200);
});

test("another user's private document closes with 4003; the owner and shared documents open", async () => {
  const own = `u${alice.user.id}-notes`;
  for (const id of [own, `u${alice.user.id}-`, `u${bob.user.id + 100}-x`]) {
    const r = await expectClose(srv.wsUrl(`/ws/docs/${id}`, bob.token));
    assert.deepEqual(r, { code: 4003, reason: 'Forbidden' }, id);
  }
  const mine = await WsClient.open(srv.wsUrl(`/ws/docs/${own}`, alice.token));
  mine.send({ type: 'join' });
  assert.equal((await mine.next('snapshot')).content, '');
  await mine.close();
  // A prefix that only looks like another user's is not taken for it.
  for (const id of [`u${alice.user.id}x-notes`, `u${alice.user.id}`, 'shared-doc', `xu${alice.user.id}-notes`, `U${alice.user.id}-notes`]) {
    const c = await WsClient.open(srv.wsUrl(`/ws/docs/${id}`, bob.token));
    c.send({ type: 'ping' });
    await c.next('pong');
    await c.close();
  }
});

test("another user's notifications: not listed, not streamed, not markable, read-all touches only one's own", async () => {
  const made = await api(srv.base, 'POST', '/api/notifications', { token: alice.token, body: { title: 'for bob', user_id: bob.user.id } });
  assert.equal(made.status, 201);
  const id = made.body.notification.id;
  const sa = await SseClient.open(`${srv.base}/events/notifications?token=${encodeURIComponent(alice.token)}&last_event_id=0`);
  await api(srv.base, 'POST', '/api/notifications', { token: bob.token, body: { title: 'bob again' } });
  await sleep(150);
  assert.ok(!sa.events.some((e) => e.data?.id === id || e.data?.title === 'bob again'), JSON.stringify(sa.events));
  sa.close();
  assert.equal((await api(srv.base, 'POST', `/api/notifications/${id}/read`, { token: alice.token })).status, 404);
  assert.equal((await api(srv.base, 'POST', '/api/notifications/read-all', { token: alice.token })).status, 200);
  const bobs = await api(srv.base, 'GET', '/api/notifications', { token: bob.token });
  assert.equal(bobs.body.notifications.find((n) => n.id === id).read, false);
  assert.ok(bobs.body.unread_count >= 2);
});

test('oversized input: a frame over maxPayload is 1009, a body over the limit 413, a huge URL or header 431/414', async () => {
  const c = await WsClient.open(srv.wsUrl('/ws/docs/d1', alice.token));
  c.send(JSON.stringify({ type: 'join', pad: 'x'.repeat(64 * 1024) }));
  assert.equal((await c.closed).code, 1009);
  const big = await api(srv.base, 'POST', '/api/posts', { token: alice.token, body: { title: 't', content: 'x'.repeat(5000) } });
  assert.equal(big.status, 413);
  const url = await fetch(`${srv.base}/api/posts?published=true&x=${'y'.repeat(20000)}`).catch((e) => e);
  assert.ok(url instanceof Error || [414, 431].includes(url.status), `huge URL: ${url.status ?? url}`);
  const hdr = await fetch(`${srv.base}/api/health`, { headers: { 'X-Big': 'z'.repeat(20000) } }).catch((e) => e);
  assert.ok(hdr instanceof Error || hdr.status === 431, `huge header: ${hdr.status ?? hdr}`);
  assert.equal((await api(srv.base, 'GET', '/api/health')).status, 200);
});

test('redactTokens hides query tokens, Bearer credentials and JWTs, and nothing else', () => {
  const jwt = alice.token;
  const cases = [
    [`GET /ws/posts?token=${jwt}&since=3`, 'GET /ws/posts?token=[redacted]&since=3'],
    [`/x?a=1&token=${encodeURIComponent('p@ss w')}#f`, '/x?a=1&token=[redacted]#f'],
    ['/e?access_token=abc&b=2', '/e?access_token=[redacted]&b=2'],
    ['/e?TOKEN=abc', '/e?TOKEN=[redacted]'],
    ['Authorization: Bearer abc.def', 'Authorization: Bearer [redacted]'],
    [`failed: ${jwt}`, 'failed: [redacted-jwt]'],
    ['token%3Dabc', 'token%3D[redacted]'],
    ['no secret here: tokenizer=1 mytoken=2', 'no secret here: tokenizer=1 mytoken=2'],
  ];
  for (const [input, want] of cases) assert.equal(redactTokens(input), want, input);
});

test('the server log never holds a token: a failing request with ?token= or a Bearer header is logged redacted', async () => {
  logs.length = 0;
  const store = srv.server.store;
  const real = store.notifications;
  store.notifications = () => { throw new Error(`db failed for token=${alice.token}`); };
  try {
    const r = await api(srv.base, 'GET', `/api/notifications?days=7&token=${alice.token}`);
    assert.equal(r.status, 500);
    const r2 = await api(srv.base, 'GET', '/api/notifications?days=7', { headers: { Authorization: `Bearer ${bob.token}` } });
    assert.equal(r2.status, 500);
    // Percent-encoded, the name and the value: the server reads it as a
    // token, and no pattern would know it in a log line.
    const enc = (t) => [...t].map((ch) => '%' + ch.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    const r3 = await api(srv.base, 'GET', `/api/notifications?days=7&${enc('token')}=${enc(alice.token)}`);
    assert.equal(r3.status, 500);
  } finally {
    store.notifications = real;
  }
  assert.equal(logs.length, 3, logs.join('\n'));
  // The path only: no query in any spelling.
  assert.ok(logs[0].includes('GET /api/notifications: '), logs[0]);
  assert.ok(logs[2].includes('GET /api/notifications: '), logs[2]);
  for (const line of logs) {
    assert.ok(!line.includes(alice.token) && !line.includes(bob.token), line);
    assert.doesNotMatch(line, /eyJ[\w-]*\.[\w-]+\./);
  }
});
