// The test clients every protocol test shares: a WebSocket client whose JSON
// messages queue up for next(), and a Server-Sent Events client over
// node:http(s). Used by the reference server's tests (test/server/) and by
// the conformance checker (test/conformance/), so only `ws` and Node
// built-ins may be imported here.
import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';

/** Default wait of next(), in ms; the conformance checker changes it with
 *  setClientTimeout(--timeout). */
let defaultTimeout = 3000;
export function setClientTimeout(ms) {
  defaultTimeout = ms;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Takes the first item of `items` matching a waiter's predicate and hands
 *  it over; shared by both clients. */
function pump(items, waiters) {
  for (const w of [...waiters]) {
    const i = items.findIndex(w.pred);
    if (i < 0) continue;
    const [item] = items.splice(i, 1);
    waiters.splice(waiters.indexOf(w), 1);
    clearTimeout(w.timer);
    w.resolve(item);
  }
}

function wait(items, waiters, pred, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const w = { pred, resolve };
    w.timer = setTimeout(() => {
      waiters.splice(waiters.indexOf(w), 1);
      reject(new Error(`no matching ${what} within ${timeoutMs} ms; queued: ${JSON.stringify(items).slice(0, 400)}`));
    }, timeoutMs);
    waiters.push(w);
    pump(items, waiters);
  });
}

/** A WebSocket client whose incoming JSON messages queue up for next().
 *  A frame that is not JSON queues as {unparsable: text}. */
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
      pump(this.messages, this.waiters);
    });
  }

  static async open(url, options) {
    const c = new WsClient(url, options);
    if (!(await c.opened)) throw new Error(`could not open ${url}`);
    return c;
  }

  /** Resolves with (and removes) the first queued message matching `pred`
   *  (a function, or a type string). */
  next(pred = () => true, timeoutMs = defaultTimeout) {
    const fn = typeof pred === 'string' ? (m) => m.type === pred : pred;
    return wait(this.messages, this.waiters, fn, timeoutMs, 'message');
  }

  /** Resolves true if no message matching `pred` arrives within `ms`. */
  async none(pred = () => true, ms = 150) {
    const fn = typeof pred === 'string' ? (m) => m.type === pred : pred;
    await sleep(ms);
    return !this.messages.some(fn);
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return Promise.race([this.closed, sleep(1000)]);
  }
}

/** Opens a socket that is expected to be closed by the server; resolves the
 *  close {code, reason}, or {code: 'timeout'} if it stays open. */
export async function expectClose(url, timeoutMs = defaultTimeout) {
  const c = new WsClient(url);
  let timer;
  const r = await Promise.race([c.closed, new Promise((res) => {
    timer = setTimeout(() => res({ code: 'timeout' }), timeoutMs);
  })]);
  clearTimeout(timer);
  if (r.code === 'timeout') c.ws.terminate();
  return r;
}

/** A Server-Sent Events client. Events queue up as {event, id, data (parsed
 *  JSON or text)}; `status`, `headers`, `contentType`, `retry` and
 *  `comments` record the rest. A non-200 answer's body lands in `body`. */
export class SseClient {
  constructor(url, headers = {}) {
    this.events = [];
    this.waiters = [];
    this.comments = 0;
    this.retry = null;
    this.ready = new Promise((resolve, reject) => {
      const lib = url.startsWith('https:') ? https : http;
      this.req = lib.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        this.status = res.statusCode;
        this.headers = res.headers;
        this.contentType = res.headers['content-type'] ?? '';
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
          buf += chunk.replace(/\r\n?/g, '\n');
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
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
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
    pump(this.events, this.waiters);
  }

  next(pred = () => true, timeoutMs = defaultTimeout) {
    const fn = typeof pred === 'string' ? (e) => e.event === pred : pred;
    return wait(this.events, this.waiters, fn, timeoutMs, 'SSE event');
  }

  close() {
    this.req.destroy();
  }
}
