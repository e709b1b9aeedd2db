// Authentication: the HS256 implementation, /api/login, and the rejection of
// bad tokens on every WebSocket (close 4001), SSE and REST (HTTP 401) endpoint.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signJwt, verifyJwt } from '../../demo/server/jwt.mjs';
import { startTestServer, login, api, expectClose, SseClient, WsClient } from './helpers.mjs';

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('jwt: a signed token verifies and carries its claims', () => {
  const t = signJwt({ user_id: 7, name: 'ann' }, 's3cret');
  const claims = verifyJwt(t, 's3cret');
  assert.equal(claims.user_id, 7);
  assert.equal(claims.name, 'ann');
  assert.ok(claims.exp > claims.iat);
});

test('jwt: wrong secret, tampered payload, expired, alg none and garbage are rejected', () => {
  const t = signJwt({ user_id: 7 }, 's3cret');
  assert.equal(verifyJwt(t, 'other'), null);
  const [h, , s] = t.split('.');
  assert.equal(verifyJwt(`${h}.${b64({ user_id: 8 })}.${s}`, 's3cret'), null);
  const expired = signJwt({ user_id: 7, exp: Math.floor(Date.now() / 1000) - 10 }, 's3cret');
  assert.equal(verifyJwt(expired, 's3cret'), null);
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ user_id: 7 })}.`;
  assert.equal(verifyJwt(none, 's3cret'), null);
  const hs512Header = b64({ alg: 'HS512', typ: 'JWT' });
  const body = b64({ user_id: 7 });
  const sig = createHmac('sha256', 's3cret').update(`${hs512Header}.${body}`).digest('base64url');
  assert.equal(verifyJwt(`${hs512Header}.${body}.${sig}`, 's3cret'), null);
  for (const bad of ['', 'a.b', 'a.b.c', '...', null, 42, 'x'.repeat(10000), `${h}.%%%.${s}`]) {
    assert.equal(verifyJwt(bad, 's3cret'), null);
  }
});

test('jwt: matches an independently computed HS256 signature', () => {
  const header = b64({ alg: 'HS256', typ: 'JWT' });
  const payload = b64({ user_id: 1, exp: 4102444800 });
  const sig = createHmac('sha256', 'k').update(`${header}.${payload}`).digest('base64url');
  assert.equal(verifyJwt(`${header}.${payload}.${sig}`, 'k').user_id, 1);
});

let srv;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

test('login returns a token with user_id and name claims; the same name is the same user', async () => {
  const a = await login(srv.base, 'alice');
  const claims = verifyJwt(a.token, 'test-secret');
  assert.equal(claims.user_id, a.user.id);
  assert.equal(claims.name, 'alice');
  assert.match(a.user.avatar, /^data:image\/svg\+xml,/);
  const again = await login(srv.base, 'alice');
  assert.equal(again.user.id, a.user.id);
  const me = await api(srv.base, 'GET', '/api/me', { token: a.token });
  assert.equal(me.body.user.name, 'alice');
});

test('login rejects bad names and bad bodies with 400', async () => {
  for (const body of [{}, { name: '' }, { name: '   ' }, { name: 42 }, { name: 'x'.repeat(41) }, { name: 'a\u0000b' }]) {
    const r = await api(srv.base, 'POST', '/api/login', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(typeof r.body.error, 'string');
  }
  const r = await api(srv.base, 'POST', '/api/login', { raw: '{nope', headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'invalid_json');
  const arr = await api(srv.base, 'POST', '/api/login', { raw: '[1]' });
  assert.equal(arr.status, 400);
  const get = await api(srv.base, 'GET', '/api/login');
  assert.equal(get.status, 405);
});

const badTokens = () => [
  undefined,
  '',
  'garbage',
  signJwt({ user_id: 1 }, 'wrong-secret'),
  signJwt({ user_id: 1, exp: Math.floor(Date.now() / 1000) - 1 }, 'test-secret'),
  signJwt({ user_id: 999999 }, 'test-secret'), // a valid signature for a user that does not exist
  signJwt({ name: 'no id' }, 'test-secret'),
];

test('every WebSocket endpoint accepts the upgrade and closes with 4001 on a bad or missing token', async () => {
  await login(srv.base, 'alice');
  for (const path of ['/ws/posts', '/ws/chat', '/ws/room/lobby', '/ws/docs/d1']) {
    for (const token of badTokens()) {
      const r = await expectClose(srv.wsUrl(path, token));
      assert.equal(r.code, 4001, `${path} token=${token}`);
      assert.equal(r.reason, 'Authentication required');
    }
  }
});

test('SSE endpoints answer 401 JSON on a bad or missing token', async () => {
  for (const path of ['/events/notifications', '/events']) {
    for (const token of badTokens()) {
      const c = await SseClient.open(`${srv.base}${path}${token !== undefined ? `?token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(c.status, 401, `${path} ${token}`);
      assert.equal(c.body.error, 'Authentication required');
    }
  }
});

test('REST endpoints that need a user answer 401 JSON without one', async () => {
  const calls = [
    ['GET', '/api/notifications'],
    ['POST', '/api/notifications', { title: 't' }],
    ['POST', '/api/notifications/1/read'],
    ['POST', '/api/notifications/read-all'],
    ['POST', '/api/posts', { title: 't' }],
    ['PATCH', '/api/posts/1', { title: 't' }],
    ['DELETE', '/api/posts/1'],
    ['GET', '/api/posts?published=false'],
    ['GET', '/api/me'],
  ];
  for (const [method, path, body] of calls) {
    for (const token of ['garbage', signJwt({ user_id: 1 }, 'nope')]) {
      const r = await api(srv.base, method, path, { token, body });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.body.code, 'auth_required');
    }
    const r = await api(srv.base, method, path, { body });
    assert.equal(r.status, 401, `${method} ${path} without token`);
  }
  // The public list works without a token, but not with a bad one.
  assert.equal((await api(srv.base, 'GET', '/api/posts?published=true')).status, 200);
  assert.equal((await api(srv.base, 'GET', '/api/posts?published=true', { token: 'bad' })).status, 401);
});

test('a good token in the query string opens every WebSocket endpoint', async () => {
  const { token } = await login(srv.base, 'bob');
  for (const path of ['/ws/posts', '/ws/chat', '/ws/room/lobby', '/ws/docs/d1']) {
    const c = await WsClient.open(srv.wsUrl(path, token));
    c.send({ type: 'ping' });
    assert.deepEqual(await c.next('pong'), { type: 'pong' });
    await c.close();
  }
});

test('unknown WebSocket paths get HTTP 404; invalid room or document ids close with 4004', async () => {
  const { token } = await login(srv.base, 'bob');
  const c = new WsClient(srv.wsUrl('/ws/nothing', token));
  assert.equal(await c.opened, false);
  for (const path of ['/ws/room/', '/ws/room/a%20b', `/ws/docs/${'x'.repeat(65)}`, '/ws/docs/a%2Fb']) {
    const r = await expectClose(srv.wsUrl(path, token));
    assert.equal(r.code, 4004, path);
  }
});

test('jwt: a token without exp, or with a signature in a non-canonical spelling, is rejected', () => {
  const header = b64({ alg: 'HS256', typ: 'JWT' });
  const payload = b64({ user_id: 7 }); // no exp
  const sig = createHmac('sha256', 's3cret').update(`${header}.${payload}`).digest('base64url');
  assert.equal(verifyJwt(`${header}.${payload}.${sig}`, 's3cret'), null);
  const t = signJwt({ user_id: 7 }, 's3cret', { ttlSeconds: 0 }); // 0: the default lifetime, never none
  assert.ok(verifyJwt(t, 's3cret').exp > 0);
  // The last character of a 32-byte signature carries 4 unused bits: the
  // decoder ignores them, so 4 spellings would verify. Only the canonical one does.
  const last = t.at(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const i = alphabet.indexOf(last);
  let accepted = 0;
  for (let k = (i & ~3); k < (i & ~3) + 4; k++) if (verifyJwt(t.slice(0, -1) + alphabet[k], 's3cret')) accepted++;
  assert.equal(accepted, 1);
});

test('an empty secret counts as unset: a token signed with an empty key is refused', async () => {
  const srv2 = await startTestServer({ secret: '' });
  try {
    const forged = signJwt({ user_id: 1, name: 'x' }, '');
    const r = await api(srv2.base, 'GET', '/api/me', { token: forged });
    assert.equal(r.status, 401);
    const user = await login(srv2.base, 'ann');
    assert.equal((await api(srv2.base, 'GET', '/api/me', { token: user.token })).status, 200);
    assert.equal((await api(srv2.base, 'DELETE', '/api/me', { token: user.token })).status, 405);
    assert.equal((await api(srv2.base, 'POST', '/api/health')).status, 405);
  } finally {
    await srv2.close();
  }
});
