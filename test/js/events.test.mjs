// PyFrameRT.events against real Server-Sent Events servers (node:http) on
// 127.0.0.1: forced disconnects with Last-Event-ID resume, retry:, 204,
// 401 / 403 / 404, garbage data. SSE runs over fetch in the Host, so the
// core sees status codes and retry: values.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import PyFrameRT from '../../dist/pyframe_rt.mjs';
import { startServer, sequencedEvents, Sequencer, sleep, until } from '../lib/transport_servers.mjs';

const FAST = { min: 1, base: 4, cap: 16 };
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
let rt;

before(async () => { rt = await PyFrameRT.load(); });

function open(url, options = {}) {
  const s = rt.events(url, { backoff: FAST, ...options });
  const rec = { data: [], info: [], states: [], errors: [] };
  s.on('message', (d, info) => { rec.data.push(d); rec.info.push(info); });
  s.on('state', (ev) => rec.states.push(ev));
  s.on('error', (e) => rec.errors.push(e));
  return [s, rec];
}

/** Records each request's query and answers with `respond(n, req, res, url)`. */
function scripted(respond) {
  const queries = [];
  const times = [];
  return {
    queries,
    times,
    handler: (req, res, url) => {
      queries.push(url.search);
      times.push(Date.now());
      return respond(queries.length, req, res, url);
    },
  };
}

const streamHead = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' };

test('40 forced disconnects of a sequenced event stream: exactly once, in order, resumed by ?last_event_id=', async () => {
  const seq = new Sequencer();
  const queries = [];
  const srv = await startServer({ onRequest: sequencedEvents(seq, '/events/posts', { log: queries }) });
  const [s, rec] = open(srv.httpUrl('/events/posts'));
  const producer = setInterval(() => { for (let i = 0; i < 3; i++) seq.publish({}); }, 1);
  try {
    for (let drop = 0; drop < 40; drop++) {
      await until(() => queries.length > drop && s.state === 'open', `stream ${drop + 1}`);
      await sleep(Math.random() * 8);
      srv.dropAll();
    }
    await until(() => queries.length > 40 && s.state === 'open', 'the last stream');
  } finally {
    clearInterval(producer);
  }
  const last = seq.publish({});
  await until(() => rec.info.at(-1)?.seq === last, `seq ${last}`, 10000);
  assert.deepEqual(rec.info.map((i) => i.seq), range(1, last));
  assert.deepEqual(rec.data.map((d) => d.seq), range(1, last));
  assert.ok(rec.info.every((i) => i.event === 'post' && i.id === String(i.seq)));
  // Every stream after the first resumes from the last id the client had.
  const resumed = queries.slice(1).map((q) => Number(new URLSearchParams(q).get('last_event_id')));
  assert.ok(resumed.every((n) => n > 0), JSON.stringify(queries.slice(0, 5)));
  assert.deepEqual([...resumed].sort((a, b) => a - b), resumed, 'resume points never go back');
  assert.equal(s.lastEventId, String(last));
  assert.deepEqual(rec.errors, []);
  s.close();
  await srv.stop();
});

test('string ids: Last-Event-ID resume via ?last_event_id=, and the lastEventId option seeds it', async () => {
  const sc = scripted((n, req, res, url) => {
    res.writeHead(200, streamHead);
    const from = url.searchParams.get('last_event_id');
    const start = from ? Number(from.slice(3)) + 1 : 1;
    for (let i = start; i < start + 2; i++) res.write(`id: ev-${i}\ndata: {"n":${i}}\n\n`);
    res.end(); // the stream ends: the client comes back with the last id
  });
  const srv = await startServer({ onRequest: sc.handler });
  const [s, rec] = open(srv.httpUrl('/events'), { lastEventId: 'ev-10' });
  await until(() => rec.data.length >= 6, 'three streams');
  s.close();
  assert.deepEqual(sc.queries.slice(0, 3), ['?last_event_id=ev-10', '?last_event_id=ev-12', '?last_event_id=ev-14']);
  assert.deepEqual(rec.data.slice(0, 6).map((d) => d.n), [11, 12, 13, 14, 15, 16]);
  assert.equal(rec.info[0].seq, -1);
  await srv.stop();
});

// In the event's block, and alone in a block without data (as the reference
// server sends it): the spec applies it either way.
for (const [name, body] of [['in an event', 'retry: 250\ndata: {"n":1}\n\n'],
                            ['in a block without data', 'retry: 250\n\ndata: {"n":1}\n\n']])
test(`retry: ${name} sets the least delay before the next stream`, async () => {
  const sc = scripted((n, req, res) => {
    res.writeHead(200, streamHead);
    res.write(body);
    res.end();
  });
  const srv = await startServer({ onRequest: sc.handler });
  const [s, rec] = open(srv.httpUrl('/events'));
  await until(() => sc.queries.length >= 3, 'three streams', 3000);
  s.close();
  assert.equal(s.serverRetry, 250);
  for (let i = 1; i < 3; i++) assert.ok(sc.times[i] - sc.times[i - 1] >= 240, `gap ${sc.times[i] - sc.times[i - 1]} ms`);
  const waits = rec.states.filter((e) => e.state === 'reconnecting');
  assert.ok(waits.every((e) => e.delay >= 250), JSON.stringify(waits.map((e) => e.delay)));
  await srv.stop();
});

test('HTTP 204 stops for good', async () => {
  const sc = scripted((n, req, res) => {
    if (n === 1) {
      res.writeHead(200, streamHead);
      res.end('data: {"n":1}\n\n');
    } else {
      res.writeHead(204).end();
    }
  });
  const srv = await startServer({ onRequest: sc.handler });
  const [s, rec] = open(srv.httpUrl('/events'));
  await until(() => s.state === 'closed', 'closed');
  await sleep(100);
  assert.equal(sc.queries.length, 2);
  assert.deepEqual(rec.states.at(-1), { state: 'closed', cause: 'stop', delay: 0, code: 204, attempt: rec.states.at(-1).attempt });
  assert.deepEqual(rec.data, [{ n: 1 }]);
  await srv.stop();
});

test('401: auth_failed without a provider; with getToken one more try with the fresh token', async () => {
  const sc = scripted((n, req, res, url) => {
    if (url.searchParams.get('token') !== 'good') return void res.writeHead(401).end();
    res.writeHead(200, streamHead);
    res.write('data: {"ok":true}\n\n');
  });
  const srv = await startServer({ onRequest: sc.handler });
  const [a] = open(srv.httpUrl('/events/a'));
  await until(() => a.state === 'auth_failed', 'auth_failed');
  await sleep(80);
  assert.equal(sc.queries.length, 1);
  a.dispose();
  let calls = 0;
  const [b, rb] = open(srv.httpUrl('/events/b'), { token: 'old', getToken: () => { calls++; return Promise.resolve('good'); } });
  await until(() => rb.data.length === 1, 'the event after the fresh token');
  assert.equal(calls, 1);
  assert.deepEqual(sc.queries.slice(1), ['?token=old', '?token=good']);
  assert.equal(b.state, 'open');
  b.close();
  await srv.stop();
});

for (const [status, state] of [[403, 'forbidden'], [404, 'not_found']]) {
  test(`HTTP ${status} stops with ${state}`, async () => {
    const sc = scripted((n, req, res) => void res.writeHead(status).end());
    const srv = await startServer({ onRequest: sc.handler });
    const [s, rec] = open(srv.httpUrl('/events'));
    await until(() => s.state === state, state);
    await sleep(80);
    assert.equal(sc.queries.length, 1);
    assert.equal(rec.states.at(-1).code, status);
    await srv.stop();
  });
}

test('HTTP 500 and dropped streams retry with backoff', async () => {
  const sc = scripted((n, req, res) => {
    if (n < 3) return void res.writeHead(500).end();
    res.writeHead(200, streamHead);
    res.write('data: {"n":3}\n\n');
  });
  const srv = await startServer({ onRequest: sc.handler });
  const [s, rec] = open(srv.httpUrl('/events'));
  await until(() => rec.data.length === 1, 'the third stream');
  assert.deepEqual(rec.states.filter((e) => e.state === 'reconnecting').map((e) => e.code), [500, 500]);
  s.close();
  await srv.stop();
});

test('garbage data is reported and skipped; allowText delivers text', async () => {
  const body = 'data: not json\n\ndata: [1,2]\n\nevent: note\ndata: {"ok":1}\n\n';
  const sc = scripted((n, req, res) => { res.writeHead(200, streamHead); res.write(body); });
  const srv = await startServer({ onRequest: sc.handler });
  const [a, ra] = open(srv.httpUrl('/events/a'));
  await until(() => ra.data.length === 1 && ra.errors.length === 2, 'one event, two errors');
  assert.deepEqual(ra.errors.map((e) => e.code), [-3, -12]);
  assert.deepEqual(ra.data, [{ ok: 1 }]);
  assert.equal(ra.info[0].event, 'note');
  assert.equal(a.stats.malformed, 2);
  const [b, rb] = open(srv.httpUrl('/events/b'), { allowText: true });
  await until(() => rb.data.length === 3, 'three events');
  assert.deepEqual(rb.data, ['not json', '[1,2]', { ok: 1 }]);
  a.close();
  b.close();
  await srv.stop();
});

test('a half-open stream (no event, no comment, no FIN) is reopened after idleTimeout with ?last_event_id=', async () => {
  const seq = new Sequencer();
  const queries = [];
  const live = sequencedEvents(seq, '/events/posts', { log: queries });
  let keepAlive = null;
  const srv = await startServer({
    onRequest: (req, res, url) => {
      const first = queries.length === 0;
      live(req, res, url);
      if (first) {
        // The first stream goes silent after three events: the server
        // stops writing but keeps the TCP link up (a half-open link).
        const send = [...seq.live].pop();
        seq.live.delete(send);
        for (let i = 0; i < 3; i++) send(seq.log[seq.publish({}) - 1]);
      } else {
        keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 40);
        res.on('close', () => clearInterval(keepAlive));
      }
      return true;
    },
  });
  const [s, rec] = open(srv.httpUrl('/events/posts'), { idleTimeout: 250 });
  try {
    await until(() => rec.data.length === 3, 'three events');
    for (let i = 0; i < 3; i++) seq.publish({}); // written to nobody: the link is dead
    await until(() => rec.states.some((e) => e.state === 'reconnecting' && e.cause === 'dead_link'),
      'dead-link detection', 3000);
    await until(() => rec.data.length === 6, 'the missed events');
    assert.equal(queries.length, 2);
    assert.equal(new URLSearchParams(queries[1]).get('last_event_id'), '3');
    // The second stream sends only comments now: they keep it alive.
    await sleep(800);
    assert.equal(queries.length, 2, 'comments count as life');
    assert.equal(s.state, 'open');
    seq.publish({});
    await until(() => rec.data.length === 7, 'a live event');
    assert.deepEqual(rec.info.map((i) => i.seq), range(1, 7));
    assert.equal(s.stats.deadLinks, 1);
    assert.deepEqual(rec.errors, []);
  } finally {
    clearInterval(keepAlive);
    s.close();
    await srv.stop();
  }
});

test('streams to the same URL share one HTTP stream; shared: false opens its own; close() leaves the others', async () => {
  const seq = new Sequencer();
  const queries = [];
  const srv = await startServer({ onRequest: sequencedEvents(seq, '/events/shared', { log: queries }) });
  const url = srv.httpUrl('/events/shared');
  const [a, ra] = open(url);
  const [b, rb] = open(url);
  await until(() => a.state === 'open' && b.state === 'open', 'both open');
  const first = seq.publish({});
  await until(() => ra.info.length === 1 && rb.info.length === 1, 'the first event on both');
  assert.equal(queries.length, 1, 'one HTTP stream for both');
  // A late joiner with a last event id the stream does not know gets what
  // it kept (one without an id starts from now, like a new EventSource).
  const [c, rc] = open(url, { lastEventId: '0' });
  await until(() => rc.info.length === 1, 'the kept event replayed to the late joiner');
  assert.equal(rc.info[0].seq, first);
  assert.equal(queries.length, 1);
  // shared: false: a stream of its own.
  const [d, rd] = open(url, { shared: false });
  await until(() => d.state === 'open', 'the private stream open');
  assert.equal(queries.length, 2);
  // Closing one leaves the others on the stream.
  a.close();
  assert.equal(a.state, 'closed');
  const second = seq.publish({});
  await until(() => rb.info.length === 2 && rc.info.length === 2 && rd.info.some((i) => i.seq === second), 'the second event');
  assert.equal(ra.info.length, 1, 'a closed stream hears nothing more');
  assert.equal(a.lastEventId, String(first), 'where it stood when it left');
  // reconnect() subscribes again and resumes from there.
  a.reconnect();
  await until(() => ra.info.length === 2, 'the missed event after reconnect()');
  assert.equal(ra.info[1].seq, second);
  assert.equal(queries.length, 2, 'still one shared stream');
  for (const s of [a, b, c, d]) s.dispose();
  for (const r of [ra, rb, rc, rd]) assert.deepEqual(r.errors, []);
  await srv.stop();
});

test('dispose() ends a stream, shared or private, with a closed state, as close() does', async () => {
  const sc = scripted((n, req, res) => {
    res.writeHead(200, streamHead);
    res.write('data: {"n":1}\n\n');
  });
  const srv = await startServer({ onRequest: sc.handler });
  for (const shared of [true, false]) {
    const [s, rec] = open(srv.httpUrl(`/events?shared=${shared}`), { shared });
    await until(() => s.state === 'open' && rec.data.length === 1, `open (shared: ${shared})`);
    assert.equal(s.stats.received, 1);
    s.dispose();
    assert.equal(s.state, 'closed', `shared: ${shared}`);
    assert.equal(rec.states.at(-1).state, 'closed');
  }
  await srv.stop();
});

test('events(url) throws PF_EINVAL at once when the URL cannot be http(s): none, not a string, unparsable, ws:, relative in Node', () => {
  for (const url of [undefined, 5, 'not a url', 'http://[bad', 'ws://x/y', 'ftp://x/y', '/events']) {
    for (const make of [() => rt.events(url), () => rt.events(url, { shared: false }), () => PyFrameRT.events(url)]) {
      assert.throws(make, (e) => e instanceof PyFrameRT.PyFrameError && e.code === -1 &&
        e.message.includes(JSON.stringify(String(url))) && /not an http\(s\) URL/.test(e.message), String(url));
    }
  }
  // A URL object is taken as its text.
  const s = rt.events(new URL('http://127.0.0.1:9/e'), { shared: false });
  assert.equal(s.url, 'http://127.0.0.1:9/e');
  s.dispose();
});

test('after dispose(), reconnect and setToken throw PF_ESTATE and nothing connects again, shared or private', async () => {
  let requests = 0;
  const srv = await startServer({ onRequest: (req, res) => { requests++; res.writeHead(200, streamHead); res.write(': hi\n\n'); } });
  for (const shared of [true, false]) {
    const [s] = open(srv.httpUrl(`/disposed/${shared}`), { shared });
    await until(() => s.state === 'open', 'open');
    const before = requests;
    s.dispose();
    for (const call of [() => s.reconnect(), () => s.setToken('t')])
      assert.throws(call, (e) => e instanceof PyFrameRT.PyFrameError && e.code === -9 && /has been disposed/.test(e.message));
    await sleep(100);
    assert.equal(s.state, 'closed');
    assert.equal(requests, before, `shared: ${shared}`);
  }
  await srv.stop();
});

test('reconnect() while open goes to connecting without a closed state (as a Socket), shared or private', async () => {
  let requests = 0;
  const srv = await startServer({ onRequest: (req, res) => { requests++; res.writeHead(200, streamHead); res.write('data: 1\n\n'); } });
  for (const shared of [false, true]) {
    const [s, rec] = open(srv.httpUrl(`/again/${shared}`), { shared });
    await until(() => s.state === 'open', 'open');
    const before = requests;
    rec.states.length = 0;
    s.reconnect();
    await until(() => s.state === 'open' && requests === before + 1, 'open again');
    assert.deepEqual(rec.states.map((e) => e.state), ['connecting', 'open'], `shared: ${shared}`);
    s.dispose();
  }
  await srv.stop();
});
