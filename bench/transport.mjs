#!/usr/bin/env node
// Benchmark of the transport hot path, in Node, on the real dist/ build.
//
//   node bench/transport.mjs [--messages 200000] [--loopback 100000]
//
// Measures messages per second received, parsed and dispatched to a JS
// handler through the path a page uses: Host (bindings/pyframe_rt.js) →
// pf_io_message → pf_ws (parse, seq, dedupe) → pf_pool → pf_api emit → the
// socket's JS listener, for ~300-byte post_updated messages:
//
//   - host entry: a stand-in WebSocket class whose onmessage the benchmark
//     calls directly (no network), so the row shows the runtime's own cost;
//   - loopback: a real `ws` server on 127.0.0.1 streaming to
//     PyFrameRT.socket over TCP;
// next to peers in the same run: JSON.parse + a plain JS dispatch of the
// same texts, and a bare `ws` client doing JSON.parse + dispatch over the
// same loopback stream. Timings never fail anything.

import { WebSocketServer, WebSocket } from 'ws';
import PyFrameRT from '../dist/pyframe_rt.mjs';
import { writeResults, quick } from './lib/results.mjs';

function args() {
  const o = quick() ? { messages: 5000, loopback: 2000, rounds: 1 } : { messages: 200000, loopback: 100000, rounds: 3 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${a[i]}`);
    o[k] = Number(a[++i]);
  }
  return o;
}

const now = () => performance.now();

/** A post_updated message of about 300 bytes with the given seq. */
function postUpdated(seq) {
  const id = 1 + (seq % 500);
  return JSON.stringify({
    type: 'post_updated',
    seq,
    post: {
      id, title: `Post number ${id}: an update`, content: `Body of post ${id}, edited at revision ${seq}. Lorem ipsum dolor sit amet.`,
      author_id: 7, author_name: 'Ada Lovelace', published: true,
      created_at: '2026-11-26T10:00:00.000Z', updated_at: '2026-11-26T10:05:00.000Z',
    },
    changes: { content: true },
  });
}

/** The stand-in socket of the "host entry" rows: opens at once; the
 * benchmark calls onmessage itself. */
class HostEntryWebSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    HostEntryWebSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      if (this.onopen) this.onopen({});
    });
  }

  send() {}

  close() { this.readyState = 3; }
}

function row(name, count, ms, extra = '') {
  const rate = count / (ms / 1000);
  return { name, count, ms, rate, extra };
}

function print(rows) {
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`${'path'.padEnd(w)}  ${'messages'.padStart(9)}  ${'ms'.padStart(8)}  ${'msg/s'.padStart(11)}  note`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(w)}  ${String(r.count).padStart(9)}  ${r.ms.toFixed(1).padStart(8)}  ${Math.round(r.rate).toLocaleString('en-US').padStart(11)}  ${r.extra}`);
  }
}

async function hostEntry(rt, texts, rounds) {
  let best = null;
  let seqBase = 0;
  for (let r = 0; r < rounds; r++) {
    let got = 0;
    let sum = 0;
    const s = rt.socket(`ws://bench.invalid/ws/posts/${r}`, {
      WebSocket: HostEntryWebSocket, shared: false, heartbeat: false,
    });
    s.on('message', (msg, seq) => { got++; sum += msg.post.id + seq; });
    await new Promise((resolve) => s.on('open', resolve));
    const ws = HostEntryWebSocket.last;
    const t0 = now();
    for (let i = 0; i < texts.length; i++) ws.onmessage({ data: texts[i] });
    const ms = now() - t0;
    if (got !== texts.length) throw new Error(`host entry: ${got} of ${texts.length} delivered`);
    s.dispose();
    seqBase += texts.length;
    if (!best || ms < best) best = ms;
    void sum;
  }
  return best;
}

function baseline(texts, rounds) {
  let best = null;
  for (let r = 0; r < rounds; r++) {
    let got = 0;
    let sum = 0;
    let last = -1;
    const listeners = [(msg, seq) => { got++; sum += msg.post.id + seq; }];
    const t0 = now();
    for (let i = 0; i < texts.length; i++) {
      const msg = JSON.parse(texts[i]);
      const seq = Number.isInteger(msg.seq) ? msg.seq : -1;
      if (seq >= 0 && seq <= last) continue;
      last = seq;
      for (let j = 0; j < listeners.length; j++) listeners[j](msg, seq);
    }
    const ms = now() - t0;
    if (got !== texts.length) throw new Error('baseline lost messages');
    if (!best || ms < best) best = ms;
    void sum;
  }
  return best;
}

/** A ws server that streams `texts` to each new connection as fast as the
 * socket drains. */
async function streamServer(texts) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.on('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (d) => { if (String(d) === '{"type":"ping"}') ws.send('{"type":"pong"}'); });
    let i = 0;
    const pump = () => {
      while (i < texts.length) {
        ws.send(texts[i++]);
        if (ws.bufferedAmount > 1 << 20) return setTimeout(pump, 0);
      }
    };
    pump();
  });
  return { url: `ws://127.0.0.1:${wss.address().port}/ws/posts`, close: () => { for (const c of wss.clients) c.terminate(); wss.close(); } };
}

async function loopbackRuntime(rt, server, count) {
  return new Promise((resolve, reject) => {
    let got = 0;
    let t0 = 0;
    const s = rt.socket(server.url, { WebSocket, shared: false, heartbeat: false });
    s.on('message', (msg) => {
      if (got++ === 0) t0 = now();
      if (got === count) {
        const ms = now() - t0;
        s.dispose();
        resolve(ms);
      }
    });
    s.on('error', reject);
  });
}

async function loopbackBare(server, count) {
  return new Promise((resolve) => {
    let got = 0;
    let t0 = 0;
    let last = -1;
    const handler = (msg) => { got++; void msg; };
    const ws = new WebSocket(server.url);
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (got === 0) t0 = now();
      if (Number.isInteger(msg.seq) && msg.seq <= last) return;
      last = msg.seq;
      handler(msg);
      if (got === count) {
        const ms = now() - t0;
        ws.close();
        resolve(ms);
      }
    };
  });
}

const o = args();
const rt = await PyFrameRT.load();
const texts = Array.from({ length: o.messages }, (_, i) => postUpdated(i + 1));
const avg = Math.round(texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / texts.length);
console.log(`== transport benchmark: ${o.messages} post_updated messages of ~${avg} bytes (best of ${o.rounds}), Node ${process.versions.node}`);

const rows = [];
rows.push(row('JSON.parse + JS dispatch (peer)', o.messages, baseline(texts, o.rounds)));
rows.push(row('PyFrameRT.socket, host entry (no network)', o.messages, await hostEntry(rt, texts, o.rounds),
  'Host.onmessage → pf_io_message → pf_ws → emit → listener'));

const loopTexts = texts.slice(0, Math.min(o.loopback, texts.length));
const server = await streamServer(loopTexts);
try {
  rows.push(row('bare ws client + JSON.parse (peer, loopback)', loopTexts.length, await loopbackBare(server, loopTexts.length)));
  rows.push(row('PyFrameRT.socket over loopback ws', loopTexts.length, await loopbackRuntime(rt, server, loopTexts.length)));
} finally {
  server.close();
}
print(rows);
const target = 100000;
const hot = rows[1].rate;
console.log(`target ${target.toLocaleString('en-US')} msg/s on the host-entry path: ${hot >= target ? 'met' : 'missed'} ` +
  `(runtime path costs ${(1e6 / hot).toFixed(2)} µs/message, JSON.parse + dispatch ${(1e6 / rows[0].rate).toFixed(2)} µs)`);

writeResults('transport', {
  sections: [{
    title: 'Transports, messages received and dispatched per second',
    note: `${o.messages.toLocaleString('en-US')} post_updated messages of ~${avg} bytes (best of ${o.rounds}; loopback: ${loopTexts.length.toLocaleString('en-US')}), Node`,
    rows: [
      { measure: 'host entry, no network (Host.onmessage → wasm pf_ws → JS listener)', unit: 'msg/s', ours: rows[1].rate,
        peers: [{ name: 'JSON.parse + JS dispatch', value: rows[0].rate }],
        target: { text: '>= 100,000 msg/s', op: '>=', value: target } },
      { measure: 'real WebSocket over loopback', unit: 'msg/s', ours: rows[3].rate,
        peers: [{ name: 'bare ws client + JSON.parse', value: rows[2].rate }] },
    ],
  }],
});
