// Shared helpers for the reference server tests: a server on port 0 with its
// own temporary database, REST calls, a WebSocket client with a message
// queue, an SSE client, and a small OT client (the ot.js / ShareDB client
// state machine over ot-text-unicode).

import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WsClient, SseClient, expectClose } from '../lib/net_clients.mjs';
import textUnicode from 'ot-text-unicode';
import { startServer } from '../../demo/server/main.mjs';

export const otType = textUnicode.type;

export function tempDir(prefix = 'pf-server-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts a server on port 0 with a fresh database (and empty static dirs
 *  unless given). Returns {server, base, ws(path), dir, close()}. */
export async function startTestServer(opts = {}) {
  const dir = opts.dir ?? tempDir();
  const publicDir = join(dir, 'public');
  const distDir = join(dir, 'dist');
  mkdirSync(publicDir, { recursive: true });
  mkdirSync(distDir, { recursive: true });
  const server = await startServer({
    port: 0,
    dbPath: join(dir, 'test.db'),
    publicDir,
    distDir,
    secret: 'test-secret',
    log: () => {},
    ...opts,
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    server,
    base,
    dir,
    wsUrl: (path, token) => `ws://127.0.0.1:${server.port}${path}${token ? `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : ''}`,
    async close({ keep = false } = {}) {
      await server.close();
      if (!keep && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function writeFile(path, text) {
  writeFileSync(path, text);
}

/** One HTTP request; resolves {status, headers, body (parsed JSON or text)}. */
export async function api(base, method, path, { token, body, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function login(base, name) {
  const r = await api(base, 'POST', '/api/login', { body: { name } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body; // {token, user}
}

// The WebSocket and SSE clients are shared with the conformance checker.
export { WsClient, SseClient, expectClose };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The client side of the OT protocol: at most one operation in flight,
 *  later local edits composed into one buffer (ot.js / ShareDB). */
export class OtClient {
  constructor(url, { src = `c${Math.random().toString(36).slice(2, 10)}` } = {}) {
    this.url = url;
    this.src = src;
    this.seq = 0;
    this.rev = null;
    this.text = null;
    this.inflight = null; // {op, seq}
    this.buffer = null;
    this.errors = [];
    this.idleWaiters = [];
  }

  async connect() {
    this.client = await WsClient.open(this.url);
    this.client.ws.on('message', (data) => this.onMessage(JSON.parse(data.toString())));
    this.client.send({ type: 'join' });
    await this.client.next('snapshot');
    return this;
  }

  onMessage(msg) {
    if (msg.type === 'snapshot') {
      this.text = msg.content;
      this.rev = msg.rev;
    } else if (msg.type === 'ack') {
      if (!this.inflight || msg.seq !== this.inflight.seq) return;
      this.rev = msg.rev + 1;
      this.inflight = null;
      if (this.buffer) this.flushBuffer();
      else this.notifyIdle();
    } else if (msg.type === 'content_change') {
      if (msg.rev !== this.rev) throw new Error(`${this.src}: content_change at rev ${msg.rev} but client is at ${this.rev}`);
      let op = msg.operations;
      if (this.inflight) {
        const mine = this.inflight.op;
        this.inflight.op = otType.transform(mine, op, 'left');
        op = otType.transform(op, mine, 'right');
      }
      if (this.buffer) {
        const mine = this.buffer;
        this.buffer = otType.transform(mine, op, 'left');
        op = otType.transform(op, mine, 'right');
      }
      this.text = otType.apply(this.text, op);
      this.rev++;
    } else if (msg.type === 'error') {
      this.errors.push(msg);
    }
  }

  flushBuffer() {
    this.inflight = { op: this.buffer, seq: ++this.seq };
    this.buffer = null;
    this.client.send({ type: 'content_change', rev: this.rev, operations: this.inflight.op, src: this.src, seq: this.inflight.seq });
  }

  edit(op) {
    this.text = otType.apply(this.text, op);
    this.buffer = this.buffer ? otType.compose(this.buffer, op) : op;
    if (!this.inflight) this.flushBuffer();
  }

  /** A random small edit of the current text (code points). */
  randomEdit(rand = Math.random) {
    const chars = Array.from(this.text);
    const alphabet = ['a', 'b', 'c', 'é', '😀', '文', ' '];
    if (chars.length > 0 && rand() < 0.35) {
      const at = Math.floor(rand() * chars.length);
      const n = 1 + Math.floor(rand() * Math.min(3, chars.length - at));
      this.edit(otType.normalize([at, { d: n }]));
    } else {
      const s = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      this.edit(otType.normalize([Math.floor(rand() * (chars.length + 1)), s]));
    }
  }

  idle() {
    if (!this.inflight && !this.buffer) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  notifyIdle() {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  close() {
    return this.client.close();
  }
}

/** A seeded pseudo-random generator (mulberry32), for reproducible fuzzing. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
