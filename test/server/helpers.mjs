// Shared helpers for the reference server tests: a server on port 0 with its
// own temporary database, REST calls, a WebSocket client with a message
// queue, an SSE client, and a small OT client (the ot.js / ShareDB client
// state machine over ot-text-unicode).

import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import WebSocket from 'ws';
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

/** A WebSocket client whose incoming JSON messages queue up for next(). */
export class WsClient {
  constructor(url, options = {}) {
    this.messages = [];
    this.waiters = [];
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve) => {
      this.ws.once('open', () => resolve(true));
      this.ws.once('close', () => resolve(false));
      this.ws.once('error', () => resolve(false));
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        msg = { unparsable: data.toString() };
      }
      this.messages.push(msg);
      this.flush();
    });
  }

  static async open(url, options) {
    const c = new WsClient(url, options);
    if (!(await c.opened)) throw new Error(`could not open ${url}`);
    return c;
  }

  flush() {
    for (const w of [...this.waiters]) {
      const i = this.messages.findIndex(w.pred);
      if (i >= 0) {
        const [msg] = this.messages.splice(i, 1);
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(msg);
      }
    }
  }

  /** Resolves with (and removes) the first queued message matching `pred`
   *  (a function, or a type string). */
  next(pred = () => true, timeoutMs = 3000) {
    const fn = typeof pred === 'string' ? (m) => m.type === pred : pred;
    return new Promise((resolve, reject) => {
      const w = { pred: fn, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for a message; queued: ${JSON.stringify(this.messages).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.push(w);
      this.flush();
    });
  }

  /** Resolves true if no message matching `pred` arrives within `ms`. */
  async none(pred = () => true, ms = 150) {
    const fn = typeof pred === 'string' ? (m) => m.type === pred : pred;
    await new Promise((r) => setTimeout(r, ms));
    return !this.messages.some(fn);
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

/** Opens a socket that is expected to be closed by the server; resolves the
 *  close {code, reason}. */
export async function expectClose(url, timeoutMs = 3000) {
  const c = new WsClient(url);
  const t = setTimeout(() => c.ws.terminate(), timeoutMs);
  const r = await c.closed;
  clearTimeout(t);
  return r;
}

/** A Server-Sent Events client over node:http. Events queue up as
 *  {event, id, data (parsed JSON or text), comment?, retry?}. */
export class SseClient {
  constructor(url, headers = {}) {
    this.events = [];
    this.waiters = [];
    this.comments = 0;
    this.retry = null;
    this.ready = new Promise((resolve, reject) => {
      this.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        this.status = res.statusCode;
        this.headers = res.headers;
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => {
            try {
              this.body = JSON.parse(body);
            } catch {
              this.body = body;
            }
            resolve(this);
          });
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            this.parse(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        });
        this.ended = new Promise((r) => res.on('close', r));
        resolve(this);
      });
      this.req.on('error', reject);
    });
  }

  static open(url, headers) {
    return new SseClient(url, headers).ready;
  }

  parse(block) {
    const ev = { event: 'message', id: undefined, data: '' };
    let hasData = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const [field, ...rest] = line.split(':');
      const value = rest.join(':').replace(/^ /, '');
      if (field === 'event') ev.event = value;
      else if (field === 'id') ev.id = value;
      else if (field === 'retry') this.retry = Number(value);
      else if (field === 'data') {
        ev.data += (hasData ? '\n' : '') + value;
        hasData = true;
      }
    }
    if (!hasData) return;
    try {
      ev.data = JSON.parse(ev.data);
    } catch {
      /* keep text */
    }
    this.events.push(ev);
    for (const w of [...this.waiters]) {
      const i = this.events.findIndex(w.pred);
      if (i >= 0) {
        const [e] = this.events.splice(i, 1);
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(e);
      }
    }
  }

  next(pred = () => true, timeoutMs = 3000) {
    const fn = typeof pred === 'string' ? (e) => e.event === pred : pred;
    const i = this.events.findIndex(fn);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = { pred: fn, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for an SSE event; queued: ${JSON.stringify(this.events).slice(0, 300)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  close() {
    this.req.destroy();
  }
}

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
