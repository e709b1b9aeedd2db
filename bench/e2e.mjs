#!/usr/bin/env node
// End-to-end latency in Chromium: from the reference server broadcasting a
// message to the DOM showing it.
//
//   node bench/e2e.mjs [--messages 1000]
//
// The real server (in this process, temp database) and the demo page in
// Debian's Chromium (playwright-core). One message at a time, so every row
// measures an idle path:
//
//   - LivePostList: a published post is retitled over REST; the server
//     broadcasts post_updated on /ws/posts; the component (wasm) renders at
//     the next animation frame;
//   - ChatRoom: a `ws` client in this process sends to the room; the server
//     broadcasts the message; the component appends a row;
//   - peer, plain JS: a bare browser WebSocket on /ws/posts whose onmessage
//     does JSON.parse and sets textContent at once, in the same page, on the
//     same broadcasts as the LivePostList row.
//
// Start: the wall-clock time (performance.timeOrigin + performance.now())
// at which the server process hands the frame to its socket (the `ws`
// package's send, wrapped here; nothing in the server changes). End: the
// same clock in the page, in a MutationObserver callback that sees the new
// text. Both are on the same machine. Timings never fail anything.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServer } from '../demo/server/main.mjs';
import { launch } from '../test/lib/browser.mjs';
import { writeResults, quick } from './lib/results.mjs';

function args() {
  const o = { messages: quick() ? 50 : 1000 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${a[i]}`);
    o[k] = Number(a[++i]);
  }
  return o;
}

const wallNow = () => performance.timeOrigin + performance.now();

// Server side: when a frame carrying a marker "bench#<row>#<n>" first leaves
// the server.
const sentAt = new Map();
const MARK = /bench#(\w+)#(\d+)/;
const origSend = WebSocket.prototype.send;
WebSocket.prototype.send = function send(data, ...rest) {
  if (typeof data === 'string') {
    const m = MARK.exec(data);
    if (m && !sentAt.has(m[0])) sentAt.set(m[0], wallNow());
  }
  return origSend.call(this, data, ...rest);
};

function stats(lat) {
  const s = [...lat].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p99: q(0.99), max: s[s.length - 1] };
}

async function main() {
  const { messages } = args();
  const dir = mkdtempSync(join(tmpdir(), 'pyframe-bench-e2e-'));
  const server = await startServer({ port: 0, dbPath: join(dir, 'bench.db'), chatRate: 1e9, log: () => {} });
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    await page.goto(`${server.url}/`);
    await page.fill('#login-name', 'bench');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready]');
    const token = await page.evaluate(() => window.pyframeDemo.session.token);
    await page.waitForSelector('#posts .status[data-state=open]');
    await page.waitForSelector('#chat .chat-status[data-state=open]');

    const rest = async (method, path, body) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
      return res.json();
    };
    const { post } = await rest('POST', '/api/posts', { title: 'bench#start#0', published: true });
    await page.waitForSelector(`#posts .post[data-id="${post.id}"]`);

    // The page side: observers record when each marker first shows.
    await page.evaluate((postId) => {
      const seen = new Map();
      window.benchSeen = seen;
      const wallNow = () => performance.timeOrigin + performance.now();
      const record = (row, text) => {
        const m = /bench#(\w+)#(\d+)/.exec(text || '');
        if (m && m[1] === row && !seen.has(m[0])) seen.set(m[0], wallNow());
      };
      const watch = (el, fn) => new MutationObserver(fn).observe(el, { childList: true, subtree: true, characterData: true });
      watch(document.getElementById('posts'), () =>
        record('post', document.querySelector(`#posts .post[data-id="${postId}"] h3`)?.textContent));
      watch(document.getElementById('chat'), () =>
        record('chat', document.querySelector('#chat .messages li.message:last-child .text')?.textContent));
      // The peer: a bare WebSocket and textContent.
      const peer = document.createElement('span');
      peer.id = 'peer';
      document.body.append(peer);
      watch(peer, () => record('peerpost', peer.textContent));
      const token = window.pyframeDemo.session.token;
      const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws/posts?token=${encodeURIComponent(token)}`);
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'post_updated') peer.textContent = m.post.title.replace('#post#', '#peerpost#');
      };
      return new Promise((r) => { ws.onopen = r; });
    }, post.id);

    const chatWs = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/room/lobby?token=${encodeURIComponent(token)}`);
    await new Promise((r, j) => { chatWs.once('open', r); chatWs.once('error', j); });

    const waitSeen = (keys) => page.waitForFunction((ks) => ks.every((k) => window.benchSeen.has(k)), keys, { polling: 'raf', timeout: 10000 });

    const t0 = Date.now();
    for (let i = 1; i <= messages; i++) {
      await rest('PATCH', `/api/posts/${post.id}`, { title: `bench#post#${i}` });
      await waitSeen([`bench#post#${i}`, `bench#peerpost#${i}`]);
      chatWs.send(JSON.stringify({ text: `bench#chat#${i}` }));
      await waitSeen([`bench#chat#${i}`]);
    }
    const elapsed = (Date.now() - t0) / 1000;
    const seen = new Map(await page.evaluate(() => [...window.benchSeen]));
    chatWs.close();

    const rows = [
      ['LivePostList (wasm): post_updated → DOM', 'post', 'post'],
      ['ChatRoom (wasm): message → DOM', 'chat', 'chat'],
      ['peer: bare WebSocket + textContent', 'peerpost', 'post'],
    ];
    console.log(`== end-to-end latency in Chromium, server broadcast → DOM (${messages} messages each, one at a time, ${elapsed.toFixed(1)} s)`);
    const head = ['path', 'n', 'median ms', 'p99 ms', 'max ms'];
    const out = [head];
    const st = {};
    for (const [label, row, sentRow] of rows) {
      const lat = [];
      for (let i = 1; i <= messages; i++) {
        const s = sentAt.get(`bench#${sentRow}#${i}`);
        const e = seen.get(`bench#${row}#${i}`);
        if (s !== undefined && e !== undefined) lat.push(e - s);
      }
      st[row] = stats(lat);
      out.push([label, String(st[row].n), st[row].median.toFixed(2), st[row].p99.toFixed(2), st[row].max.toFixed(2)]);
    }
    const w = head.map((_, c) => Math.max(...out.map((r) => r[c].length)));
    for (const r of out) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  '));
    console.log('(the wasm components render at the next animation frame; the peer writes the DOM in onmessage)');
    const peer = (q) => [{ name: 'bare WebSocket + textContent (same post broadcasts)', value: st.peerpost[q] }];
    const lost = (k) => (st[k].n < messages ? { note: `${messages - st[k].n} of ${messages} not seen` } : {});
    writeResults('e2e', {
      context: { chromium: browser.version() },
      sections: [{
        title: 'End to end: server broadcast → DOM updated',
        note: `Chromium and the reference server on loopback, ${messages} messages each, one at a time`,
        rows: [
          { measure: 'LivePostList (wasm), post_updated, median', unit: 'ms', ours: st.post.median, peers: peer('median'), ...lost('post') },
          { measure: 'LivePostList (wasm), post_updated, p99', unit: 'ms', ours: st.post.p99, peers: peer('p99') },
          { measure: 'ChatRoom (wasm), message, median', unit: 'ms', ours: st.chat.median, peers: peer('median'), ...lost('chat') },
          { measure: 'ChatRoom (wasm), message, p99', unit: 'ms', ours: st.chat.p99, peers: peer('p99') },
        ],
      }],
    });
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
