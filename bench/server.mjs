#!/usr/bin/env node
// Benchmark of the reference server, loopback only.
//
//   node bench/server.mjs [--clients 1000] [--messages 50] [--sse 500]
//                         [--notifications 50] [--editors 8] [--seconds 3]
//
// Starts demo/server/main.mjs as a child process on port 0 with a temporary
// database (the load generator and the server each get their own process),
// then runs each scenario with a bound on count and time, and prints a table
// comparing the fan-out paths in the same run: chat rooms, the global chat,
// the posts change stream (REST write + broadcast), SSE notifications, and
// the OT authority. Timings never fail anything: a scenario that runs out of
// time reports what it delivered.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import WebSocket from 'ws';
import textUnicode from 'ot-text-unicode';
import { writeResults, quick } from './lib/results.mjs';

const ot = textUnicode.type;
const MAIN = fileURLToPath(new URL('../demo/server/main.mjs', import.meta.url));

function args() {
  const o = quick()
    ? { clients: 50, messages: 5, sse: 20, notifications: 5, editors: 2, seconds: 0.5, timeout: 30, largeEdits: 50 }
    : { clients: 1000, messages: 50, sse: 500, notifications: 50, editors: 8, seconds: 3, timeout: 30, largeEdits: 1000 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${a[i]}`);
    o[k] = Number(a[++i]);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function startServer(dir) {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--db', join(dir, 'bench.db'), '--chat-rate', '100000000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PYFRAME_SECRET: 'bench' },
  });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`server exited: ${out}`)));
  });
  return { child, base };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(base, path, body, token) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(`${base}${path}`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function openWs(url, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', onMessage);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Opens `n` sockets, `batch` at a time (a connection storm is not what is
 *  measured here). */
async function openMany(n, urlFor, onMessage, batch = 100) {
  const out = [];
  for (let i = 0; i < n; i += batch) {
    const part = await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => openWs(urlFor(i + j), (d) => onMessage(i + j, d))));
    out.push(...part);
  }
  return out;
}

async function closeAll(sockets) {
  await Promise.all(sockets.map((ws) => new Promise((r) => {
    if (ws.readyState === WebSocket.CLOSED) return r();
    ws.once('close', r);
    ws.close();
  })));
}

/** Waits until `done()` or the deadline; returns whether it completed. */
async function until(done, deadline) {
  while (!done()) {
    if (now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

// ---- scenarios ----------------------------------------------------------

async function fanOut({ name, base, tokens, path, clients, messages, timeout, expectType = 'message', send }) {
  const wsBase = base.replace('http', 'ws');
  const latencies = [];
  let delivered = 0;
  const onMessage = (i, data) => {
    const text = data.toString();
    if (!text.includes(`"type":"${expectType}"`) || !text.includes('bench@')) return;
    const m = /bench@([0-9.]+)/.exec(text);
    latencies.push(now() - Number(m[1]));
    delivered++;
  };
  const sockets = await openMany(clients, (i) => `${wsBase}${path}${path.includes('?') ? '&' : '?'}token=${tokens[i % tokens.length]}`, onMessage);
  await sleep(300); // let history, snapshots and join notices drain
  const expected = clients * messages;
  const t0 = now();
  await send(sockets, messages);
  const complete = await until(() => delivered >= expected, t0 + timeout * 1000);
  const seconds = (now() - t0) / 1000;
  await closeAll(sockets);
  latencies.sort((a, b) => a - b);
  return { name, connections: clients, sent: messages, delivered, seconds, complete, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function sseFanOut({ base, token, streams, notifications, timeout }) {
  const latencies = [];
  let delivered = 0;
  const reqs = [];
  for (let i = 0; i < streams; i++) {
    reqs.push(await new Promise((resolve, reject) => {
      const req = http.get(`${base}/events/notifications?token=${token}`, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          for (const m of chunk.matchAll(/bench@([0-9.]+)/g)) {
            latencies.push(now() - Number(m[1]));
            delivered++;
          }
        });
        resolve(req);
      });
      req.on('error', reject);
    }));
  }
  await sleep(200);
  const t0 = now();
  for (let i = 0; i < notifications; i++) await post(base, '/api/notifications', { title: `bench@${now()}` }, token);
  const complete = await until(() => delivered >= streams * notifications, t0 + timeout * 1000);
  const seconds = (now() - t0) / 1000;
  for (const r of reqs) r.destroy();
  latencies.sort((a, b) => a - b);
  return { name: 'SSE notifications (one user, N streams)', connections: streams, sent: notifications, delivered, seconds, complete, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function otEditors({ base, tokens, editors, seconds }) {
  const wsBase = base.replace('http', 'ws');
  const doc = `bench-${Date.now()}`;
  const clients = [];
  let acks = 0;
  const latencies = [];
  for (let i = 0; i < editors; i++) {
    const c = { src: `e${i}`, seq: 0, rev: 0, text: '', inflight: null, buffer: null, sentAt: 0 };
    c.send = () => {
      c.inflight = { op: c.buffer, seq: ++c.seq };
      c.buffer = null;
      c.sentAt = now();
      c.ws.send(JSON.stringify({ type: 'content_change', rev: c.rev, operations: c.inflight.op, src: c.src, seq: c.inflight.seq }));
    };
    c.ws = await openWs(`${wsBase}/ws/docs/${doc}?token=${tokens[i % tokens.length]}`, (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'snapshot') {
        c.rev = m.rev;
        c.text = m.content;
      } else if (m.type === 'ack') {
        acks++;
        latencies.push(now() - c.sentAt);
        c.rev = m.rev + 1;
        c.inflight = null;
        if (c.buffer) c.send();
      } else if (m.type === 'content_change') {
        let op = m.operations;
        if (c.inflight) {
          const mine = c.inflight.op;
          c.inflight.op = ot.transform(mine, op, 'left');
          op = ot.transform(op, mine, 'right');
        }
        if (c.buffer) {
          const mine = c.buffer;
          c.buffer = ot.transform(mine, op, 'left');
          op = ot.transform(op, mine, 'right');
        }
        c.text = ot.apply(c.text, op);
        c.rev++;
      }
    });
    c.ws.send(JSON.stringify({ type: 'join' }));
    clients.push(c);
  }
  await sleep(200);
  const t0 = now();
  const end = t0 + seconds * 1000;
  let edits = 0;
  while (now() < end) {
    for (const c of clients) {
      const len = Array.from(c.text).length;
      const op = ot.normalize([Math.floor(Math.random() * (len + 1)), 'x']);
      c.text = ot.apply(c.text, op);
      c.buffer = c.buffer ? ot.compose(c.buffer, op) : op;
      edits++;
      if (!c.inflight) c.send();
    }
    await sleep(1);
  }
  await until(() => clients.every((c) => !c.inflight && !c.buffer), now() + 10_000);
  const elapsed = (now() - t0) / 1000;
  await sleep(200);
  const converged = clients.every((c) => c.text === clients[0].text && c.rev === clients[0].rev);
  await closeAll(clients.map((c) => c.ws));
  latencies.sort((a, b) => a - b);
  return {
    name: `OT authority (${editors} editors, ${edits} keystrokes${converged ? ', converged' : ', NOT CONVERGED'})`,
    connections: editors,
    sent: acks,
    delivered: acks * editors, // each applied op: 1 ack + (editors - 1) broadcasts
    seconds: elapsed,
    complete: converged,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** One editor on a large document (built in 240,000-character inserts,
 *  under the frame limit): one-character inserts in turn, each waiting for
 *  its ack. The authority's cost per operation must not grow with the text. */
async function otLargeDocument({ base, token, chars, edits }) {
  const inbox = [];
  let wake = null;
  const ws = await openWs(`${base.replace('http', 'ws')}/ws/docs/bench-large-${Date.now()}?token=${token}`, (data) => {
    inbox.push(JSON.parse(data.toString()));
    if (wake) wake();
  });
  const next = async (type) => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (i >= 0) {
        const m = inbox.splice(i, 1)[0];
        if (m.type === 'error') throw new Error(`large document: ${m.message}`);
        return m;
      }
      await new Promise((r) => (wake = r));
      wake = null;
    }
  };
  ws.send(JSON.stringify({ type: 'join' }));
  let rev = (await next('snapshot')).rev;
  for (let left = chars; left > 0; left -= 240_000) {
    ws.send(JSON.stringify({ type: 'content_change', rev, operations: ['x'.repeat(Math.min(left, 240_000))] }));
    rev = (await next('ack')).rev + 1;
  }
  const lat = [];
  const t0 = now();
  for (let i = 0; i < edits; i++) {
    const t = now();
    ws.send(JSON.stringify({ type: 'content_change', rev, operations: [1 + Math.floor(Math.random() * (chars - 1)), 'y'] }));
    rev = (await next('ack')).rev + 1;
    lat.push(now() - t);
  }
  const seconds = (now() - t0) / 1000;
  await closeAll([ws]);
  lat.sort((a, b) => a - b);
  return { name: `OT authority, one editor on a ${chars.toLocaleString('en')}-character document (submit, wait for the ack)`, connections: 1, sent: edits, delivered: edits, seconds, complete: true, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function pingRtt({ base, token, count }) {
  const ws = await openWs(`${base.replace('http', 'ws')}/ws/chat?token=${token}`, () => {});
  const lat = [];
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const t = now();
    await new Promise((r) => {
      ws.once('message', r);
      ws.send('{"type":"ping"}');
    });
    lat.push(now() - t);
  }
  const seconds = (now() - t0) / 1000;
  await closeAll([ws]);
  lat.sort((a, b) => a - b);
  return { name: 'ping -> pong round trip (sequential)', connections: 1, sent: count, delivered: count, seconds, complete: true, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

// ---- main -----------------------------------------------------------------

function table(rows) {
  const head = ['scenario', 'conns', 'sent', 'delivered', 'seconds', 'deliveries/s', 'p50 ms', 'p99 ms'];
  const body = rows.map((r) => [
    r.name + (r.complete ? '' : ' (INCOMPLETE)'),
    String(r.connections),
    String(r.sent),
    String(r.delivered),
    r.seconds.toFixed(2),
    Math.round(r.delivered / r.seconds).toLocaleString('en-US'),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

async function main() {
  const o = args();
  const dir = mkdtempSync(join(tmpdir(), 'pf-bench-'));
  const { child, base } = await startServer(dir);
  const rows = [];
  try {
    const users = [];
    for (let i = 0; i < 50; i++) users.push(await post(base, '/api/login', { name: `bench${i}` }));
    const tokens = users.map((u) => u.token);
    console.log(`server ${base}; ${o.clients} WebSocket clients, ${o.messages} messages, ${o.sse} SSE streams, ${o.notifications} notifications, node ${process.version}\n`);

    rows.push(await pingRtt({ base, token: tokens[0], count: 2000 }));
    const chatSend = (sockets, n) => {
      for (let i = 0; i < n; i++) sockets[i % 10].send(JSON.stringify({ text: `bench@${now()}` }));
    };
    rows.push(await fanOut({ name: 'chat room fan-out (/ws/room/<id>)', base, tokens, path: '/ws/room/bench', clients: o.clients, messages: o.messages, timeout: o.timeout, send: chatSend }));
    rows.push(await fanOut({ name: 'global chat fan-out (/ws/chat)', base, tokens, path: '/ws/chat', clients: o.clients, messages: o.messages, timeout: o.timeout, send: chatSend }));
    rows.push(await fanOut({
      name: 'posts stream (REST create + /ws/posts fan-out)',
      base,
      tokens,
      path: '/ws/posts',
      clients: o.clients,
      messages: o.messages,
      timeout: o.timeout,
      expectType: 'post_created',
      send: async (sockets, n) => {
        for (let i = 0; i < n; i++) await post(base, '/api/posts', { title: `bench@${now()}`, published: true }, tokens[0]);
      },
    }));
    rows.push(await sseFanOut({ base, token: tokens[1], streams: o.sse, notifications: o.notifications, timeout: o.timeout }));
    rows.push(await otEditors({ base, tokens, editors: o.editors, seconds: o.seconds }));
    rows.push(await otLargeDocument({ base, token: tokens[2], chars: 960_000, edits: o.largeEdits }));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    agent.destroy();
  }
  table(rows);
  writeResults('server', {
    sections: [{
      title: 'Reference server (demo/server), loopback',
      note: `load generator and server in separate processes; ${o.clients} WebSocket clients, ${o.sse} SSE streams; no other server is measured, so the rows compare the server's paths with each other`,
      rows: rows.map((r) => ({
        measure: r.name,
        unit: 'deliveries/s',
        ours: r.delivered / r.seconds,
        peers: [],
        note: `${r.connections} connection${r.connections === 1 ? '' : 's'}, ${r.delivered} deliveries, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms${r.complete ? '' : ', INCOMPLETE'}`,
      })),
    }],
  });
  console.log('\nlatency: from send to delivery at each receiver (OT: submit to ack); loopback, client and server in separate processes.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
