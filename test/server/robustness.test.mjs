// Bad input on every endpoint: malformed, binary, oversized and random
// frames, unknown types, oversized and broken bodies. The server must answer
// clearly, stay up, and keep its database intact.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, login, api, WsClient, seeded, sleep } from './helpers.mjs';

let srv, alice;
before(async () => {
  srv = await startTestServer({ maxPayload: 64 * 1024, maxBodyBytes: 4096 });
  alice = await login(srv.base, 'alice');
});
after(() => srv.close());

const ENDPOINTS = ['/ws/posts', '/ws/chat', '/ws/room/robust', '/ws/docs/robust'];

test('every WebSocket endpoint: ping gets pong; unknown types get error unknown_type', async () => {
  for (const path of ENDPOINTS) {
    const c = await WsClient.open(srv.wsUrl(path, alice.token));
    if (path.startsWith('/ws/docs')) {
      c.send({ type: 'join' });
      await c.next('snapshot');
    }
    c.send({ type: 'ping' });
    assert.deepEqual(await c.next('pong'), { type: 'pong' }, path);
    c.send({ type: 'definitely_not_a_type', x: 1 });
    const e = await c.next('error');
    assert.equal(e.code, 'unknown_type', path);
    assert.equal(typeof e.message, 'string');
    await c.close();
  }
});

test('every WebSocket endpoint: malformed JSON, non-object JSON and binary frames get clear errors, the socket stays open', async () => {
  for (const path of ENDPOINTS) {
    const c = await WsClient.open(srv.wsUrl(path, alice.token));
    for (const bad of ['{', 'nope', '', '{"a":', '\u0000']) {
      c.send(bad);
      assert.deepEqual(await c.next((m) => m.error), { error: 'Invalid JSON format' }, `${path} ${JSON.stringify(bad)}`);
    }
    for (const bad of ['null', '42', '"str"', '[1,2]', 'true']) {
      c.send(bad);
      assert.equal((await c.next('error')).code, 'invalid_message', `${path} ${bad}`);
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await c.next('error')).code, 'invalid_frame');
    c.send({ type: 'ping' });
    await c.next('pong');
    await c.close();
  }
});

test('a frame over maxPayload closes that socket with 1009 and nothing else', async () => {
  for (const path of ENDPOINTS) {
    const c = await WsClient.open(srv.wsUrl(path, alice.token));
    c.send(JSON.stringify({ text: 'x'.repeat(70 * 1024) }));
    const r = await c.closed;
    assert.equal(r.code, 1009, path);
  }
  const ok = await WsClient.open(srv.wsUrl('/ws/chat', alice.token));
  ok.send({ type: 'ping' });
  await ok.next('pong');
  await ok.close();
});

test('random frames on every endpoint never crash the server or corrupt the database', async () => {
  const rand = seeded(7);
  const pieces = ['{', '}', '[', ']', '"type"', ':', '"join"', '"content_change"', '"rev"', '0', '-1', '1e309', '"operations"', '["x"]',
    '[{"d":1}]', 'null', ',', '"text"', '"src"', '"seq"', '"\\ud800"', '{"d":"zz"}', '"cursor_update"', '"position"', '99999999999999999999'];
  const garbage = () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
  const structured = () => ({
    type: ['join', 'content_change', 'cursor_update', 'message', undefined, 'ping', 7][Math.floor(rand() * 7)],
    rev: [0, 1, -1, 1.5, 'x', null, 1e20][Math.floor(rand() * 7)],
    operations: [['a'], [1, 'b'], [{ d: 1 }], [5, { d: 100 }], 'x', [[]], [{ d: '😀' }]][Math.floor(rand() * 7)],
    src: ['s', '', 3, null][Math.floor(rand() * 4)],
    seq: [1, 2, -1, 'x'][Math.floor(rand() * 4)],
    text: ['hi', '', 5, null, 'x'.repeat(5000)][Math.floor(rand() * 5)],
    position: [0, 3, -2, 'a'][Math.floor(rand() * 4)],
  });
  for (const path of ENDPOINTS) {
    const c = await WsClient.open(srv.wsUrl(path, alice.token));
    for (let i = 0; i < 150; i++) c.send(rand() < 0.5 ? garbage() : JSON.stringify(structured()));
    c.send({ type: 'ping' });
    await c.next('pong', 5000);
    await c.close();
  }
  assert.equal((await api(srv.base, 'GET', '/api/health')).status, 200);
  assert.equal(srv.server.store.integrityCheck(), 'ok');
  // The document is still consistent: a fresh client can join and edit.
  const d = await WsClient.open(srv.wsUrl('/ws/docs/robust', alice.token));
  d.send({ type: 'join' });
  const snap = await d.next('snapshot');
  d.send({ type: 'content_change', rev: snap.rev, operations: ['ok'], src: 'final', seq: 1 });
  assert.equal((await d.next('ack')).rev, snap.rev);
  await d.close();
});

test('REST: an oversized body is 413, broken JSON 400, non-object JSON 400, unknown routes 404, and the server stays up', async () => {
  const big = await api(srv.base, 'POST', '/api/notifications', { token: alice.token, raw: JSON.stringify({ title: 'x'.repeat(5000) }) });
  assert.equal(big.status, 413);
  assert.equal(big.body.code, 'body_too_large');
  for (const raw of ['{', '"x"', '[]', 'null', '\u0000']) {
    const r = await api(srv.base, 'POST', '/api/posts', { token: alice.token, raw });
    assert.equal(r.status, 400, raw);
    assert.equal(typeof r.body.error, 'string');
  }
  assert.equal((await api(srv.base, 'DELETE', '/api/notifications', { token: alice.token })).status, 405);
  assert.equal((await api(srv.base, 'GET', '/api/posts/1/extra')).status, 404);
  assert.equal((await api(srv.base, 'GET', '/events/other?token=x')).status, 404);
  // Chunked body over the limit, with no Content-Length.
  const stream = new ReadableStream({
    start(ctrl) {
      for (let i = 0; i < 10; i++) ctrl.enqueue(new TextEncoder().encode('x'.repeat(1000)));
      ctrl.close();
    },
  });
  const r = await fetch(`${srv.base}/api/login`, { method: 'POST', body: stream, duplex: 'half' });
  assert.equal(r.status, 413);
  await sleep(10);
  assert.equal((await api(srv.base, 'GET', '/api/health')).status, 200);
});

test('a reader that stops reading is closed with 1013 instead of buffering without bound', async () => {
  const s = await startTestServer({ maxBufferedBytes: 512 * 1024 });
  try {
    const a = await login(s.base, 'writer');
    const slow = await WsClient.open(s.wsUrl('/ws/posts', a.token));
    await slow.next('snapshot');
    slow.ws._socket.pause(); // stop reading: the kernel buffers fill, then the server's
    const content = 'z'.repeat(100_000);
    // 25 MB of broadcasts, more than loopback socket buffers absorb.
    for (let i = 0; i < 250; i++) {
      const r = await api(s.base, 'POST', '/api/posts', { token: a.token, body: { title: `p${i}`, content, published: true } });
      assert.equal(r.status, 201);
    }
    slow.ws._socket.resume();
    const r = await slow.closed;
    assert.equal(r.code, 1013);
    assert.equal(r.reason, 'Too slow');
  } finally {
    await s.close();
  }
});

test('malformed request targets on HTTP and on upgrades get 400, not a crash', async () => {
  const net = await import('node:net');
  const raw = (text) => new Promise((resolve) => {
    const sock = net.connect(srv.server.port, '127.0.0.1', () => sock.write(text));
    let buf = '';
    sock.on('data', (d) => (buf += d));
    sock.on('close', () => resolve(buf));
    sock.on('error', () => resolve(buf));
  });
  const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  for (const target of ['//a:b/ws/chat', '//[/x']) {
    assert.match(await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`), /^HTTP\/1\.1 400/, target);
    assert.match(await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 400/, target);
  }
  assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400/);
  assert.equal((await api(srv.base, 'GET', '/api/health')).status, 200);
});
