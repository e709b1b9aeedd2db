// Real servers for the transport tests (test/js/socket.test.mjs,
// test/js/events.test.mjs, test/e2e/transport.test.mjs): a WebSocket server
// (the `ws` package) and a Server-Sent Events server (node:http), both on
// 127.0.0.1, both able to stop and start again on the same port, drop
// connections, and serve a sequenced stream that replays from ?since= /
// ?last_event_id=.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize, extname } from 'node:path';
import { WebSocketServer } from 'ws';
import { repoRoot } from './static_server.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves when cond() is true; rejects with `what` after `ms`. */
export async function until(cond, what, ms = 5000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** A log of messages numbered from 1: what a server with persistence
 * would replay to a client that comes back with ?since=N. */
export class Sequencer {
  constructor() {
    this.log = []; // log[i] has seq i + 1
    this.live = new Set();
  }

  /** Appends a message and sends it to every live subscriber. */
  publish(body) {
    const msg = JSON.stringify(Object.assign({ type: 'post_updated', seq: this.log.length + 1 }, body));
    this.log.push(msg);
    for (const send of this.live) send(msg);
    return this.log.length;
  }

  /** Replays everything after `since`, then keeps `send` live until the
   * returned function is called. Nothing can slip between the two. */
  subscribe(since, send) {
    for (let i = Math.max(0, since); i < this.log.length; i++) send(this.log[i]);
    this.live.add(send);
    return () => this.live.delete(send);
  }

  get last() { return this.log.length; }
}

/** Serves the repository's dist/ and test pages (for Chromium). */
async function serveFile(req, res) {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!path.startsWith('/dist/') && !path.startsWith('/test/e2e/pages/')) return false;
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  try {
    const body = await readFile(join(repoRoot, path));
    res.writeHead(200, { 'Content-Type': types[extname(path)] || 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
  return true;
}

/**
 * Starts an HTTP server with WebSocket upgrades on 127.0.0.1.
 *
 *   onSocket(ws, req, url)      each WebSocket (url: a URL object)
 *   onRequest(req, res, url)    each plain request; return false for 404
 *   port                        0 for any free port
 *   files                       true: also serve /dist/ and /test/e2e/pages/
 *
 * Resolves to { port, wsUrl(path), httpUrl(path), sockets, stop(), start(),
 * dropAll(), close() }: stop() kills every connection and the listener,
 * start() listens again on the same port.
 */
export async function startServer({ onSocket = () => {}, onRequest = () => false, port = 0, files = false } = {}) {
  const sockets = new Set();   // open WebSockets
  const responses = new Set(); // open HTTP responses (event streams)
  const tcp = new Set();
  let server = null;
  let wss = null;
  const self = {
    port,
    sockets,
    responses,
    connections: 0,
    wsUrl: (path) => `ws://127.0.0.1:${self.port}${path}`,
    httpUrl: (path) => `http://127.0.0.1:${self.port}${path}`,
    async start() {
      server = createServer(async (req, res) => {
        const url = new URL(req.url, 'http://127.0.0.1');
        if (files && await serveFile(req, res)) return;
        responses.add(res);
        res.on('close', () => responses.delete(res));
        if ((await onRequest(req, res, url)) === false) res.writeHead(404).end();
      });
      server.on('connection', (s) => {
        tcp.add(s);
        s.on('close', () => tcp.delete(s));
      });
      wss = new WebSocketServer({ server, maxPayload: 1 << 20 });
      wss.on('connection', (ws, req) => {
        self.connections++;
        sockets.add(ws);
        ws.on('close', () => sockets.delete(ws));
        ws.on('error', () => {});
        onSocket(ws, req, new URL(req.url, 'http://127.0.0.1'));
      });
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(self.port, '127.0.0.1', () => resolve());
      });
      self.port = server.address().port;
    },
    /** Kills every connection (no close frame) and stops listening. */
    async stop() {
      for (const ws of sockets) ws.terminate();
      for (const s of tcp) s.destroy();
      wss.close();
      await new Promise((r) => server.close(r));
    },
    /** Kills every open connection; keeps listening. */
    dropAll() {
      for (const ws of sockets) ws.terminate();
      for (const res of responses) res.destroy();
    },
    close() { return self.stop(); },
  };
  await self.start();
  return self;
}

/** A WebSocket handler for a sequenced stream: answers pings, replays
 * from ?since=, then streams live. `frozen` sockets get nothing (a
 * half-open link). */
export function sequencedSocket(seq, { frozen = new Set(), onMessage = null } = {}) {
  return (ws, req, url) => {
    const since = Number(url.searchParams.get('since') || 0);
    ws.since = since;
    const unsubscribe = seq.subscribe(since, (m) => { if (!frozen.has(ws) && ws.readyState === 1) ws.send(m); });
    ws.on('close', unsubscribe);
    ws.on('message', (data) => {
      if (frozen.has(ws)) return;
      const text = String(data);
      if (text === '{"type":"ping"}') ws.send('{"type":"pong"}');
      else if (onMessage) onMessage(ws, text);
    });
  };
}

/** An HTTP handler for a sequenced event stream on `path`: replays from
 * ?last_event_id=, then streams live, with id: <seq>. */
export function sequencedEvents(seq, path, { log = [] } = {}) {
  return (req, res, url) => {
    if (url.pathname !== path) return false;
    const since = Number(url.searchParams.get('last_event_id') || 0);
    log.push(url.search);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' });
    res.write(': hello\n\n');
    const unsubscribe = seq.subscribe(since, (m) => {
      res.write(`id: ${JSON.parse(m).seq}\nevent: post\ndata: ${m}\n\n`);
    });
    res.on('close', unsubscribe);
    return true;
  };
}
