// PyFrameRT.load() and the options it takes, through the real dist/ build.
// The runtime loads once per process (node --test runs each file in its
// own): every test here shares the load below, with a log sink that throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import PyFrameRT from '../../dist/pyframe_rt.mjs';
import { startServer, until } from '../lib/transport_servers.mjs';

const logged = [];
const OPTIONS = {
  WebSocket,
  log: (level, text) => {
    logged.push(text);
    throw new Error('log sink bug');
  },
};

/** Runs fn with the exceptions the runtime rethrows from a timer (a
 * listener's, a log sink's) collected in `thrown` instead of uncaught. */
async function catchingTimers(fn) {
  const thrown = [];
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (f, ms, ...args) => realSetTimeout(() => {
    try { f(...args); } catch (e) { thrown.push(e.message); }
  }, ms);
  try {
    await fn(thrown);
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
}

test('sockets and streams made before a load() that fails attach when a later load() succeeds; the failure is a PyFrameError', async () => {
  const got = [];
  const srv = await startServer({
    onSocket: (ws) => ws.on('message', (d) => got.push(String(d))),
    onRequest: (req, res) => { res.writeHead(200, { 'Content-Type': 'text/event-stream' }); res.write('data: 1\n\n'); },
  });
  const s = PyFrameRT.socket(srv.wsUrl('/early'), { WebSocket, shared: false, heartbeat: false });
  const ev = PyFrameRT.events(srv.httpUrl('/early'));
  const errors = [];
  s.on('error', (e) => errors.push(e));
  ev.on('error', (e) => errors.push(e));
  assert.equal(s.send({ hello: 1 }), false, 'queued until the runtime is attached');
  const [sReady, evReady] = [s.ready, ev.ready];
  await assert.rejects(PyFrameRT.load({ ...OPTIONS, wasmUrl: '/nonexistent/pyframe_rt.wasm' }), (e) => e.code === 'ENOENT');
  for (const ready of [sReady, evReady]) {
    await assert.rejects(ready, (e) => e instanceof PyFrameRT.PyFrameError && e.code === -11 &&
      /the runtime did not load/.test(e.message) && e.cause.code === 'ENOENT');
  }
  assert.deepEqual(errors.map((e) => [e instanceof PyFrameRT.PyFrameError, e.code]), [[true, -11], [true, -11]]);
  s.reconnect(); // still nothing to attach to: no error, it waits
  await PyFrameRT.load(OPTIONS);
  assert.equal(await s.ready, s);
  assert.equal(await ev.ready, ev);
  await until(() => got.length === 1 && ev.state === 'open' && s.state === 'open', 'both open, the early send delivered');
  assert.deepEqual(got, ['{"hello":1}']);
  assert.equal(s.send({ again: 1 }), true);
  s.dispose();
  ev.dispose();
  await srv.close();
});

test('a log sink that throws does not unwind through C: a socket still recovers from a gap', async () => {
  const rt = await PyFrameRT.load(OPTIONS);
  // seq 1, then seq 3: pf_ws logs the gap and reconnects with since=1.
  const srv = await startServer({
    onSocket: (ws, req, url) => {
      if (url.searchParams.get('since') === '1') ws.send('{"type":"m","seq":2}');
      else { ws.send('{"type":"m","seq":1}'); setTimeout(() => ws.send('{"type":"m","seq":3}'), 20); }
    },
  });
  await catchingTimers(async (thrown) => {
    const s = rt.socket(srv.wsUrl('/a'), { shared: false, heartbeat: false, backoff: { min: 1, base: 4, cap: 16 } });
    const seqs = [];
    s.on('message', (m, seq) => seqs.push(seq));
    await until(() => seqs.length === 2, 'seq 2 after the gap');
    assert.deepEqual(seqs, [1, 2]);
    assert.equal(s.state, 'open');
    assert.ok(logged.length > 0, 'the gap was logged');
    await until(() => thrown.length > 0, 'the sink exception, rethrown from a timer');
    assert.ok(thrown.every((m) => m === 'log sink bug'));
    s.dispose();
  });
  await srv.close();
});
