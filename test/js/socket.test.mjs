// PyFrameRT.socket against real WebSocket servers (the `ws` package) on
// 127.0.0.1: forced disconnects, server restarts, half-open links, garbage
// frames, close codes, rate limits, full outboxes and shared connections.
// Everything runs through the real dist/ build: Host → wasm (pf_ws,
// pf_pool) → listeners.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { readFileSync } from 'node:fs';
import PyFrameRT from '../../dist/pyframe_rt.mjs';
import { startServer, sequencedSocket, Sequencer, sleep, until } from '../lib/transport_servers.mjs';

const FAST = { min: 1, base: 4, cap: 16 };
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
let rt;
// The wasm's export names by C name, written by scripts/bundle.mjs: the
// bundle calls the exports by their short names only.
const EXPORTS = JSON.parse(readFileSync(new URL('../../build/wasm/pf_exports.json', import.meta.url), 'utf8'));
const netChanged = (online, visible) => rt.core[EXPORTS._pf_net_changed](online, visible);

before(async () => { rt = await PyFrameRT.load(); });

/** Opens a socket with test defaults and records what it reports. */
function open(url, options = {}) {
  const s = rt.socket(url, { WebSocket, backoff: FAST, ...options });
  const rec = { seqs: [], msgs: [], states: [], errors: [] };
  s.on('message', (m, seq) => { rec.seqs.push(seq); rec.msgs.push(m); });
  s.on('state', (ev) => rec.states.push(ev));
  s.on('error', (e) => rec.errors.push(e));
  return [s, rec];
}

test('100 forced disconnects of a sequenced stream: every message exactly once, in order', async () => {
  const seq = new Sequencer();
  const srv = await startServer({ onSocket: sequencedSocket(seq) });
  const [s, rec] = open(srv.wsUrl('/ws/posts'), { heartbeat: false });
  const producer = setInterval(() => { for (let i = 0; i < 4; i++) seq.publish({ post: { id: i } }); }, 1);
  const kills = [
    (ws) => ws.terminate(),             // abnormal: 1006
    (ws) => ws.close(1001, 'going away'),
    (ws) => ws.close(1011, 'server error'),
    (ws) => ws.close(1012, 'restart'),
    (ws) => ws.close(4500, 'app specific'),
    (ws) => ws.close(1000, 'normal'),   // not asked by the client: reconnect
  ];
  try {
    for (let drop = 0; drop < 100; drop++) {
      await until(() => srv.connections > drop && s.state === 'open', `connection ${drop + 1}`);
      await sleep(Math.random() * 6);
      const newest = [...srv.sockets].pop();
      kills[drop % kills.length](newest);
    }
    await until(() => srv.connections > 100 && s.state === 'open', 'the last connection');
  } finally {
    clearInterval(producer);
  }
  const last = seq.publish({ final: true });
  await until(() => rec.seqs.at(-1) === last, `seq ${last}`, 10000);
  assert.equal(rec.seqs.length, last, 'no message lost or repeated');
  assert.deepEqual(rec.seqs, range(1, last));
  assert.equal(rec.msgs.at(-1).final, true);
  assert.ok(srv.connections >= 101, `${srv.connections} connections`);
  assert.ok(s.stats.attempts >= 101);
  assert.ok(rec.states.some((e) => e.state === 'reconnecting' && typeof e.delay === 'number' && e.code === 1006));
  assert.ok(rec.states.some((e) => e.state === 'reconnecting' && e.code === 4500));
  assert.deepEqual(rec.errors, []);
  s.close();
  await srv.stop();
});

test('the server killed mid-stream and restarted on the same port: nothing lost, nothing twice', async () => {
  const seq = new Sequencer();
  const srv = await startServer({ onSocket: sequencedSocket(seq) });
  const port = srv.port;
  const [s, rec] = open(srv.wsUrl('/ws/posts'), { heartbeat: false, backoff: { min: 5, base: 20, cap: 40 } });
  const producer = setInterval(() => seq.publish({}), 2);
  try {
    for (let round = 0; round < 3; round++) {
      await until(() => s.state === 'open' && rec.seqs.length > 0, 'open and streaming');
      await srv.stop();
      await until(() => s.state === 'reconnecting', 'reconnecting');
      await sleep(120); // connection refused meanwhile; the log grows
      assert.notEqual(s.state, 'open');
      await srv.start();
      assert.equal(srv.port, port);
    }
    await until(() => s.state === 'open', 'open after restart');
  } finally {
    clearInterval(producer);
  }
  const last = seq.publish({});
  await until(() => rec.seqs.at(-1) === last, `seq ${last}`);
  assert.deepEqual(rec.seqs, range(1, last));
  const reconnecting = rec.states.filter((e) => e.state === 'reconnecting');
  assert.ok(reconnecting.length >= 4, 'refused attempts are retried');
  assert.ok(reconnecting.every((e) => e.delay >= 5 && e.delay <= 40), JSON.stringify(reconnecting.map((e) => e.delay)));
  s.close();
  await srv.stop();
});

test('a half-open link (server stops reading and writing, no FIN) is detected and resumed', async () => {
  const seq = new Sequencer();
  const frozen = new Set();
  const urls = [];
  const handler = sequencedSocket(seq, { frozen });
  const srv = await startServer({ onSocket: (ws, req, url) => { urls.push(url.search); handler(ws, req, url); } });
  const [s, rec] = open(srv.wsUrl('/ws/posts'), { heartbeatInterval: 60, heartbeatTimeout: 60 });
  await until(() => s.state === 'open', 'open');
  await until(() => s.stats.pings >= 1, 'a ping');
  await sleep(30); // the pong: this server answers pings
  for (let i = 0; i < 5; i++) seq.publish({});
  await until(() => rec.seqs.length === 5, 'five messages');
  const ws = [...srv.sockets][0];
  frozen.add(ws);
  ws._socket.pause(); // reads nothing, writes nothing, keeps the TCP link up
  for (let i = 0; i < 5; i++) seq.publish({});
  await until(() => rec.states.some((e) => e.cause === 'dead_link'), 'dead-link detection', 3000);
  await until(() => rec.seqs.length === 10, 'the missed messages');
  assert.deepEqual(rec.seqs, range(1, 10));
  assert.equal(urls.at(-1), '?since=5');
  assert.equal(s.stats.coreOnly, false);
  s.close();
  await srv.stop();
});

test('a server that never answers pings is left alone (core-only), not killed', async () => {
  const srv = await startServer({ onSocket: () => {} });
  const [s, rec] = open(srv.wsUrl('/ws/quiet'), { heartbeatInterval: 30, heartbeatTimeout: 30 });
  await until(() => s.state === 'open', 'open');
  await until(() => s.stats.coreOnly, 'core-only mode', 2000);
  await sleep(150);
  assert.equal(s.state, 'open');
  assert.equal(srv.connections, 1);
  assert.equal(rec.states.filter((e) => e.state === 'reconnecting').length, 0);
  s.close();
  await srv.stop();
});

test('garbage frames are reported and dropped; the link and later messages survive', async () => {
  const srv = await startServer({
    onSocket: (ws) => {
      ws.send('not json{');
      ws.send('[1,2,3]');
      ws.send('"a string"');
      ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]), { binary: true });
      ws.send(JSON.stringify({ type: 'big', pad: 'x'.repeat(2000) }));
      ws.send('{"type":"ok","seq":1}');
    },
  });
  const [s, rec] = open(srv.wsUrl('/ws/garbage'), { maxFrameBytes: 1024 });
  await until(() => rec.seqs.length === 1, 'the good message');
  assert.deepEqual(rec.msgs, [{ type: 'ok', seq: 1 }]);
  assert.deepEqual(rec.errors.map((e) => e.code).sort(), [-12, -12, -8, -3, -3].sort());
  assert.ok(rec.errors.every((e) => e.name === 'PyFrameError' && typeof e.text === 'string'));
  assert.equal(rec.errors.find((e) => e.code === -8).text.length, 256, 'the excerpt is cut short');
  const st = s.stats;
  assert.equal(st.malformed, 4);
  assert.equal(st.tooBig, 1);
  assert.equal(s.state, 'open');
  assert.equal(srv.connections, 1);
  s.close();
  await srv.stop();
});

/** Closes with 4001 unless the token is "good". */
function authServer(urls) {
  return startServer({
    onSocket: (ws, req, url) => {
      urls.push(url.search);
      if (url.searchParams.get('token') !== 'good') ws.close(4001, 'Authentication required');
      else ws.send('{"type":"hello"}');
    },
  });
}

test('4001 without a token provider: auth_failed, no retry; setToken() resumes', async () => {
  const urls = [];
  const srv = await authServer(urls);
  const [s, rec] = open(srv.wsUrl('/ws/private'), { token: 'expired' });
  await until(() => s.state === 'auth_failed', 'auth_failed');
  await sleep(100);
  assert.deepEqual(urls, ['?token=expired']);
  assert.equal(rec.states.at(-1).code, 4001);
  s.setToken('good');
  await until(() => rec.msgs.length === 1, 'hello');
  assert.deepEqual(urls, ['?token=expired', '?token=good']);
  s.close();
  await srv.stop();
});

test('4001 with an async token provider: called once, one more try with the fresh token', async () => {
  const urls = [];
  const srv = await authServer(urls);
  let calls = 0;
  const [s, rec] = open(srv.wsUrl('/ws/private'), {
    token: 'expired', getToken: async () => { calls++; await sleep(5); return 'good'; },
  });
  await until(() => rec.msgs.length === 1, 'hello');
  assert.equal(calls, 1);
  assert.deepEqual(urls, ['?token=expired', '?token=good']);
  assert.deepEqual(rec.states.map((e) => e.state), ['connecting', 'open', 'auth_failed', 'connecting', 'open']);
  s.close();
  await srv.stop();
});

test('4001 again after a fresh token: stops with auth_failed (no loop)', async () => {
  const urls = [];
  const srv = await authServer(urls);
  let calls = 0;
  const [s] = open(srv.wsUrl('/ws/private'), { getToken: () => { calls++; return 'still-bad'; } });
  await until(() => urls.length === 2 && s.state === 'auth_failed', 'second auth_failed');
  await sleep(100);
  assert.equal(calls, 1);
  assert.equal(urls.length, 2);
  s.close();
  await srv.stop();
});

for (const [code, state] of [[4003, 'forbidden'], [4004, 'not_found']]) {
  test(`${code} stops with ${state}`, async () => {
    const srv = await startServer({ onSocket: (ws) => ws.close(code, state) });
    const [s, rec] = open(srv.wsUrl(`/ws/${state}`));
    await until(() => s.state === state, state);
    await sleep(80);
    assert.equal(srv.connections, 1);
    assert.deepEqual(rec.states.map((e) => [e.state, e.code]), [['connecting', 0], ['open', 0], [state, code]]);
    s.close();
    await srv.stop();
  });
}

test('rate-limit replies hold sends, keep them queued in order, and say so', async () => {
  const accepted = [];
  let releaseAt = 0;
  const srv = await startServer({
    onSocket: (ws) => ws.on('message', (d) => {
      const text = String(d);
      if (text === '{"type":"ping"}') return;
      if (accepted.length >= 2 && (releaseAt === 0 || Date.now() < releaseAt)) {
        if (!releaseAt) releaseAt = Date.now() + 300;
        ws.send(JSON.stringify({ error: 'Rate limit exceeded', retry_after: 0.3 }));
        return;
      }
      accepted.push(JSON.parse(text).text);
    }),
  });
  const [s, rec] = open(srv.wsUrl('/ws/chat'));
  await until(() => s.state === 'open', 'open');
  for (let i = 1; i <= 5; i++) assert.equal(s.send({ text: `m${i}` }), true);
  await until(() => s.state === 'rate_limited', 'rate_limited');
  const limited = rec.states.find((e) => e.state === 'rate_limited');
  assert.ok(limited.delay > 200 && limited.delay <= 300, `delay ${limited.delay}`);
  assert.equal(s.send({ text: 'm6' }), false, 'held while limited');
  assert.equal(s.stats.queued, 4);
  await until(() => accepted.length === 6, 'every message', 3000);
  assert.deepEqual(accepted, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  assert.equal(s.stats.requeued, 3);
  assert.equal(s.state, 'open');
  assert.deepEqual(rec.msgs, [], 'rate-limit replies are not messages');
  s.close();
  await srv.stop();
});

test('a full outbox throws PF_EFULL (nothing dropped); queued sends go out in order once open', async () => {
  const got = [];
  const srv = await startServer({ onSocket: (ws) => ws.on('message', (d) => got.push(String(d))) });
  await srv.stop(); // the port is free: every attempt is refused
  const [s] = open(srv.wsUrl('/ws/chat'), { outboxMax: 3 });
  await s.ready; // the C outbox, not the queue of sends made before loading
  for (const t of ['a', 'b', 'c']) assert.equal(s.send(t), false);
  assert.throws(() => s.send('d'), (e) => e instanceof PyFrameRT.PyFrameError && e.code === -10 && /outbox is full/.test(e.message));
  assert.throws(() => s.send('e', { noQueue: true }), (e) => e.code === -9);
  assert.throws(() => s.send(() => 1), (e) => e.code === -4);
  await srv.start();
  await until(() => got.length === 3, 'the queued sends');
  assert.deepEqual(got, ['a', 'b', 'c']);
  assert.equal(s.send('d', { noQueue: true }), true);
  await until(() => got.length === 4, 'd');
  s.close();
  assert.throws(() => s.send('x'), (e) => e.code === -9);
  await srv.stop();
});

test("fullPolicy 'dropOldest' drops the oldest send and reports it", async () => {
  const got = [];
  const srv = await startServer({ onSocket: (ws) => ws.on('message', (d) => got.push(String(d))) });
  await srv.stop();
  const [s, rec] = open(srv.wsUrl('/ws/chat'), { outboxMax: 2, fullPolicy: 'dropOldest' });
  await s.ready;
  assert.equal(s.send('a'), false);
  assert.equal(s.send('b'), false);
  assert.equal(s.send('c'), false, 'queued, though the outbox kept its length');
  assert.deepEqual(rec.errors.map((e) => [e.code, e.text]), [[-10, 'a']]);
  await srv.start();
  await until(() => got.length === 2, 'b and c');
  assert.deepEqual(got, ['b', 'c']);
  s.close();
  await srv.stop();
});

test('sockets to the same URL share one connection (pf_pool); shared: false and type filters', async () => {
  const seq = new Sequencer();
  const srv = await startServer({ onSocket: sequencedSocket(seq) });
  const url = srv.wsUrl('/ws/posts');
  const opts = { heartbeat: false, idleTimeout: 50 };
  const [a, ra] = open(url, opts);
  const [b, rb] = open(url, opts);
  const [c, rc] = open(url, { ...opts, type: 'post_created' });
  await until(() => a.state === 'open' && b.state === 'open' && c.state === 'open', 'open');
  assert.equal(srv.connections, 1);
  seq.publish({});
  seq.publish({ type: 'post_created' });
  await until(() => ra.seqs.length === 2 && rb.seqs.length === 2 && rc.seqs.length === 1, 'fan-out');
  assert.deepEqual(rc.msgs.map((m) => m.type), ['post_created']);
  const [d, rd] = open(url, { ...opts, shared: false });
  await until(() => d.state === 'open', 'private open');
  assert.equal(srv.connections, 2);
  a.close();
  assert.equal(a.state, 'closed');
  seq.publish({});
  await until(() => rb.seqs.length === 3 && rd.seqs.length === 3, 'b and d');
  assert.equal(ra.seqs.length, 2, 'a closed: nothing more');
  b.close();
  c.close();
  await until(() => srv.sockets.size === 1, 'the shared connection closes after the idle timeout');
  d.close();
  await srv.stop();
});

test('offline pauses attempts; online retries at once', async () => {
  const srv = await startServer({ onSocket: () => {} });
  const [s, rec] = open(srv.wsUrl('/ws/net'), { heartbeat: false, backoff: { min: 2000, base: 3000, cap: 3000 }, shared: false });
  await until(() => s.state === 'open', 'open');
  const host = rt.host;
  const online = host.online;
  try {
    host.online = () => 0;
    srv.dropAll();
    await until(() => s.state === 'offline', 'offline');
    netChanged(0, 1);
    const t0 = Date.now();
    host.online = online;
    netChanged(1, 1);
    await until(() => s.state === 'open', 'open again');
    assert.ok(Date.now() - t0 < 1000, 'no backoff wait after coming back online');
  } finally {
    host.online = online;
  }
  assert.ok(rec.states.some((e) => e.state === 'offline' && e.cause === 'network'));
  s.close();
  await srv.stop();
});

test('no WebSocket class (Node 20 without options.WebSocket): clear states, then gives up after maxRetries', async () => {
  const s = rt.socket('ws://127.0.0.1:9/ws/none', { backoff: FAST, maxRetries: 2, shared: false });
  const states = [];
  s.on('state', (e) => states.push(e));
  await until(() => s.state === 'closed', 'closed');
  assert.ok(states.some((e) => e.state === 'reconnecting' && e.cause === 'host'));
  assert.equal(states.at(-1).cause, 'max_retries');
  s.dispose();
});

test('PyFrameRT.socket before load, lastSeq seeding, options validation', async () => {
  const seq = new Sequencer();
  for (let i = 0; i < 10; i++) seq.publish({});
  const urls = [];
  const handler = sequencedSocket(seq);
  const srv = await startServer({ onSocket: (ws, req, url) => { urls.push(url.search); handler(ws, req, url); } });
  const s = PyFrameRT.socket(srv.wsUrl('/ws/posts'), { WebSocket, shared: false, lastSeq: 7, backoff: FAST });
  const seqs = [];
  s.on('message', (m, n) => seqs.push(n));
  assert.equal(s.send({ early: true }), false, 'queued before the runtime is attached');
  assert.equal(await s.ready, s);
  await until(() => seqs.length === 3, 'the replay after 7');
  assert.deepEqual(seqs, [8, 9, 10]);
  assert.equal(urls[0], '?since=7');
  assert.equal(s.lastSeq, 10);
  s.close();
  await until(() => s.state === 'closed', 'closed');
  assert.throws(() => rt.socket('ws://x/', { backoff: { min: -1 } }), (e) => e.code === -1 && /backoff\.min/.test(e.message));
  assert.throws(() => rt.socket('ws://x/', { fullPolicy: 'drop' }), (e) => e.code === -1);
  assert.throws(() => rt.socket('ws://x/', { getToken: 'nope' }), (e) => e.code === -1);
  s.dispose();
  await srv.stop();
});

test('a seq gap (frames lost by the server) is filled by a reconnect with ?since=, exactly once, in order', async () => {
  const seq = new Sequencer();
  const urls = [];
  const handler = sequencedSocket(seq);
  let dropNext = 2; // the first connection loses seq 3 and 4
  const srv = await startServer({
    onSocket: (ws, req, url) => {
      urls.push(url.search);
      if (urls.length === 1) {
        const send = ws.send.bind(ws);
        ws.send = (m, ...rest) => {
          if (dropNext > 0 && JSON.parse(m).seq >= 3) { dropNext--; return; }
          send(m, ...rest);
        };
      }
      handler(ws, req, url);
    },
  });
  const [s, rec] = open(srv.wsUrl('/ws/posts'), { heartbeat: false });
  await until(() => s.state === 'open', 'open');
  for (let i = 0; i < 6; i++) seq.publish({});
  await until(() => rec.seqs.length === 6, 'six messages');
  assert.deepEqual(rec.seqs, range(1, 6));
  assert.ok(rec.states.some((e) => e.state === 'reconnecting' && e.cause === 'gap'));
  assert.deepEqual(urls, ['', '?since=2']);
  assert.equal(s.stats.gaps, 1);
  assert.equal(s.stats.duplicates, 0);
  s.close();
  await srv.stop();
});

test('a gap the server cannot fill becomes one resync, then the stream goes on', async () => {
  const urls = [];
  const srv = await startServer({
    onSocket: (ws, req, url) => {
      urls.push(url.search);
      // A server that lost seq 2 for good: every replay skips it.
      for (const n of [1, 3].filter((n) => n > Number(url.searchParams.get('since') || 0)))
        ws.send(JSON.stringify({ type: 'post_updated', seq: n }));
      if (urls.length === 2) ws.send(JSON.stringify({ type: 'post_updated', seq: 4 }));
    },
  });
  const [s, rec] = open(srv.wsUrl('/ws/posts'), { heartbeat: false });
  let resyncs = 0;
  s.on('resync', () => resyncs++);
  await until(() => rec.seqs.includes(4), 'seq 4');
  assert.deepEqual(rec.seqs, [1, 3, 4]);
  assert.equal(resyncs, 1);
  assert.deepEqual(urls, ['', '?since=1']);
  assert.deepEqual(rec.errors.map((e) => e.code), [-12]); // PF_EPROTO, with the frame
  s.close();
  await srv.stop();
});

test('noQueue: true on a private socket: every send is noQueue, before it attaches too', async () => {
  const got = [];
  const srv = await startServer({ onSocket: (ws) => ws.on('message', (d) => got.push(String(d))) });
  const [s] = open(srv.wsUrl('/ws/chat'), { shared: false, noQueue: true });
  assert.throws(() => s.send('early'), (e) => e.code === -9, 'not attached yet: not queued either');
  await s.ready;
  if (s.state !== 'open') assert.throws(() => s.send('connecting'), (e) => e.code === -9);
  await until(() => s.state === 'open', 'open');
  assert.equal(s.send('now'), true);
  await until(() => got.length === 1, 'now');
  assert.deepEqual(got, ['now']);
  s.close();
  await srv.stop();
});

test('idleTimeout: 0 closes a shared socket as soon as its last user leaves; stats before attaching', async () => {
  const srv = await startServer({ onSocket: () => {} });
  const [s] = open(srv.wsUrl('/ws/chat'), { idleTimeout: 0, heartbeat: false });
  // Not attached yet: zeros (and what waits), not null.
  assert.equal(s.stats.received, 0);
  s.send('waiting');
  assert.equal(s.stats.queued, 1);
  await until(() => s.state === 'open', 'open');
  assert.equal(srv.sockets.size, 1);
  const t0 = Date.now();
  s.close();
  await until(() => srv.sockets.size === 0, 'the connection closes', 2000);
  assert.ok(Date.now() - t0 < 500, `closed after ${Date.now() - t0} ms`);
  await srv.stop();
});

test('socket(url) throws PF_EINVAL at once when the URL cannot be ws(s): none, not a string, unparsable, ftp:, relative in Node', () => {
  for (const url of [undefined, 123, 'not a url', 'http://[bad', 'ftp://x/y', '/ws/posts']) {
    for (const make of [() => rt.socket(url), () => rt.socket(url, { shared: false }), () => PyFrameRT.socket(url)]) {
      assert.throws(make, (e) => e instanceof PyFrameRT.PyFrameError && e.code === -1 &&
        e.message.includes(JSON.stringify(String(url))) && /not a ws\(s\) URL/.test(e.message), String(url));
    }
  }
  // http(s) is a WebSocket's URL with the other scheme.
  const s = rt.socket('http://127.0.0.1:9/ws', { WebSocket, shared: false });
  assert.equal(s.url, 'ws://127.0.0.1:9/ws');
  s.dispose();
  // A URL object is taken as its text (it was, before the URL check).
  for (const [given, want] of [['ws://127.0.0.1:9/u', 'ws://127.0.0.1:9/u'], ['http://127.0.0.1:9/u', 'ws://127.0.0.1:9/u']]) {
    const o = rt.socket(new URL(given), { WebSocket, shared: false });
    assert.equal(o.url, want);
    o.dispose();
  }
  // An absolute URL of another scheme is not told that it needs a page.
  assert.throws(() => rt.socket(new URL('ftp://x/y')), (e) => e.code === -1 && !/needs a page/.test(e.message));
});

test('after dispose(), send, reconnect and setToken throw PF_ESTATE and nothing connects again (shared, private, not yet attached)', async () => {
  const srv = await startServer({ onSocket: () => {} });
  for (const options of [{}, { shared: false }, { early: true }]) {
    const s = PyFrameRT.socket(srv.wsUrl('/ws/disposed'), { WebSocket, heartbeat: false, backoff: FAST, shared: options.shared });
    if (!options.early) await until(() => s.state === 'open', 'open');
    const before = srv.connections;
    s.dispose();
    for (const call of [() => s.send({ x: 1 }), () => s.send(1n), () => s.reconnect(), () => s.setToken('t')])
      assert.throws(call, (e) => e instanceof PyFrameRT.PyFrameError && e.code === -9 && /has been disposed/.test(e.message));
    await s.ready;
    await sleep(100);
    assert.equal(srv.connections, before, JSON.stringify(options));
    assert.notEqual(s.state, 'open');
  }
  await srv.stop();
});

test('sends before the socket attaches follow the outbox options (outboxMax, outboxMaxBytes, dropOldest, outbox: false): what send() accepted then goes out', async () => {
  const got = [];
  const srv = await startServer({ onSocket: (ws) => ws.on('message', (d) => got.push(JSON.parse(d).i)) });
  const cases = [
    [{ outboxMax: 2 }, [false, false, -10, -10], [0, 1]],
    [{ outboxMaxBytes: 150 }, [false, -10, -10, -10], [0]],
    [{ outboxMax: 2, fullPolicy: 'dropOldest' }, [false, false, false, false], [2, 3]],
    [{ outboxMaxBytes: 150, fullPolicy: 'dropOldest' }, [false, false, false, false], [3]],
    [{ outbox: false }, [-9, -9, -9, -9], []],
  ];
  let n = 0;
  for (const shared of [false, true]) {
    for (const [options, returned, delivered] of cases) {
      got.length = 0;
      const [s, rec] = open(srv.wsUrl(`/ws/early/${n++}`), { ...options, shared, heartbeat: false });
      const res = [];
      for (let i = 0; i < 4; i++) {
        try { res.push(s.send({ i, pad: 'x'.repeat(80) })); } catch (e) { res.push(e.code); }
      }
      const what = `${JSON.stringify(options)} shared: ${shared}`;
      assert.deepEqual(res, returned, what);
      await until(() => s.state === 'open', 'open');
      await until(() => got.length === delivered.length, what);
      await sleep(20);
      assert.deepEqual(got, delivered, what);
      const dropped = options.fullPolicy ? returned.length - delivered.length : 0;
      assert.deepEqual(rec.errors.map((e) => e.code), Array(dropped).fill(-10), what);
      assert.equal(s.stats.queued, 0);
      s.dispose();
    }
  }
  await srv.stop();
});
