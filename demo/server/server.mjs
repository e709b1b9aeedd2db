// The reference server: static files, REST, WebSocket and SSE on one port.
//
// startServer() wires the endpoint modules (posts, chat, notifications, docs)
// to one http.Server and one `ws` WebSocketServer, authenticates every
// socket and stream, and owns shutdown. docs/protocol.md is the contract.

import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { WebSocketServer } from 'ws';

import { openStore } from './db.mjs';
import { signJwt, verifyJwt } from './jwt.mjs';
import { serveStatic } from './static.mjs';
import { createPosts } from './posts.mjs';
import { createChat } from './chat.mjs';
import { createNotifications } from './notifications.mjs';
import { createDocs } from './docs.mjs';
import { otType as defaultOtType, otDocument as defaultOtDocument } from './ot_type.mjs';
import {
  HttpError, sendJson, sendError, readJsonBody, wsSend, errorMessage, isValidId, cleanText, publicUser, CORS_HEADERS, redactTokens,
} from './util.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', '..');

export const DEFAULTS = {
  port: 8000,
  host: '127.0.0.1',
  dbPath: resolve(REPO_ROOT, 'demo', 'data', 'pyframe.db'),
  publicDir: resolve(REPO_ROOT, 'demo', 'public'),
  distDir: resolve(REPO_ROOT, 'dist'),
  // The runtime built with the example components (examples/, make builds
  // it): the custom component page loads it.
  exampleDistDir: resolve(REPO_ROOT, 'build', 'example-dist'),
  secret: undefined, // PYFRAME_SECRET, else generated and kept in the database
  tokenTtlSeconds: 7 * 24 * 3600,
  maxPayload: 1024 * 1024, // largest WebSocket frame, bytes
  maxBodyBytes: 1024 * 1024, // largest JSON request body, bytes
  maxBufferedBytes: 16 * 1024 * 1024, // a slower reader is dropped with 1013
  chatRate: 100, // messages per window per user
  chatWindowMs: 60_000,
  chatMaxLength: 4000,
  historyLimit: 50,
  replayLimit: 1000, // longest seq/Last-Event-ID replay before resync
  postsRetain: 1000, // change-stream events kept for resume
  postsSnapshotLimit: 500,
  notificationsLimit: 500,
  catchupLimit: 10_000, // oldest base revision the OT authority transforms from
  // Most transform work for one submitted operation: its components times
  // the operations it is transformed past. Beyond it the client gets
  // rev_too_old and resyncs, instead of one frame holding the server for
  // seconds (10,000 components past 10,000 operations took 14 s).
  maxTransformWork: 2_000_000,
  recentOps: 1000, // operations per open document kept in memory
  maxOpComponents: 10_000,
  maxDocLength: 1_000_000, // code points
  sseRetryMs: 3000,
  maxStreamsPerUser: 16, // open SSE streams per user; one more gets 429
  sseKeepAliveMs: 15_000,
  wsPingMs: 30_000, // protocol-level ping; a socket that misses one is dropped
  docSnapshotChars: 65_536, // a document up to this size (code points) is stored whole with each operation
  docSnapshotOps: 100, // a larger one every this many operations (and when its last client leaves)
  otType: undefined,
  otDocument: undefined,
  log: (line) => console.log(line),
};

const WS_ROUTES = [
  [/^\/ws\/posts$/, 'posts', () => ({})],
  [/^\/ws\/chat$/, 'chat', () => ({})],
  [/^\/ws\/room\/([^/]*)$/, 'chat', (m) => ({ room: m[1] })],
  [/^\/ws\/docs\/([^/]*)$/, 'docs', (m) => ({ doc: m[1] })],
];

function tokenFrom(req, url) {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return url.searchParams.get('token');
}

/** Documents are shared, except a private one: an id `u<user_id>-<name>`
 *  (for example `u12-notes`) opens only for user 12; anyone else is closed
 *  with 4003 (docs/protocol.md section 9). */
export function mayOpenDocument(user, docId) {
  const m = /^u(\d+)-/.exec(docId);
  return !m || Number(m[1]) === user.id;
}

/** Starts the server. Resolves to {port, url, close()} once listening.
 *  close() sends 1012 to every socket, ends SSE streams, closes the db. */
export async function startServer(opts = {}) {
  const options = { ...DEFAULTS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) options[k] = v;
  // Every line goes through redactTokens: a request URL or an error may
  // carry a token, and logs must never (docs/security.md).
  const sink = options.log ?? (() => {});
  const log = (line) => sink(redactTokens(line));
  const store = openStore(options.dbPath);
  // An empty secret (PYFRAME_SECRET= in an env file) would sign with an
  // empty key that anyone can use: it counts as unset.
  const secret = options.secret || process.env.PYFRAME_SECRET || store.secret();

  function authenticate(token) {
    const claims = verifyJwt(token, secret);
    if (!claims || !Number.isSafeInteger(claims.user_id)) return null;
    return store.userById(claims.user_id);
  }

  const ctx = {
    store,
    options,
    log,
    otType: options.otType ?? defaultOtType,
    // A test's own type keeps its own apply (a JS string) unless it brings a document too.
    otDocument: options.otDocument ?? (options.otType ? undefined : defaultOtDocument),
    authError: () => new HttpError(401, 'auth_required', 'Authentication required'),
    optionalUser: (req, url) => {
      const token = tokenFrom(req, url);
      if (token === null || token === '') return null;
      const user = authenticate(token);
      if (!user) throw ctx.authError();
      return user;
    },
    requireUser: (req, url) => {
      const user = authenticate(tokenFrom(req, url));
      if (!user) throw ctx.authError();
      return user;
    },
    readBody: (req) => readJsonBody(req, options.maxBodyBytes),
  };

  const features = {
    posts: createPosts(ctx),
    chat: createChat(ctx),
    notifications: createNotifications(ctx),
    docs: createDocs(ctx),
  };

  async function login(req, res) {
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
    const body = await ctx.readBody(req);
    const name = cleanText(body.name, 40);
    if (name === null) throw new HttpError(400, 'invalid_field', 'name must be a string of 1 to 40 characters', { field: 'name' });
    const user = store.loginUser(name);
    const token = signJwt({ user_id: user.id, name: user.name }, secret, { ttlSeconds: options.tokenTtlSeconds });
    sendJson(res, 200, { token, user: publicUser(user), expires_in: options.tokenTtlSeconds });
  }

  async function route(req, res) {
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      throw new HttpError(400, 'bad_request', 'Malformed request target');
    }
    const path = url.pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS);
      res.end();
      return;
    }
    if (path === '/api/login') return login(req, res);
    if ((path === '/api/health' || path === '/api/me') && req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
    }
    if (path === '/api/health') return sendJson(res, 200, { ok: true });
    if (path === '/api/me') {
      const user = ctx.requireUser(req, url);
      return sendJson(res, 200, { user: publicUser(user) });
    }
    if (path.startsWith('/api/posts')) {
      if (await features.posts.http(req, res, url, path)) return;
    }
    if (path.startsWith('/api/notifications') || path === '/events' || path === '/events/notifications') {
      if (await features.notifications.http(req, res, url, path)) return;
    }
    if (path.startsWith('/api/') || path === '/api' || path.startsWith('/events') || path.startsWith('/ws/')) {
      throw new HttpError(404, 'not_found', 'No such endpoint');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
    // Static files; the raw (still percent-encoded) path is checked there.
    const rawPath = req.url.split('?')[0].split('#')[0];
    if (rawPath === '/dist' || rawPath.startsWith('/dist/')) return serveStatic(req, res, options.distDir, rawPath.slice(5));
    if (rawPath.startsWith('/example-dist/')) return serveStatic(req, res, options.exampleDistDir, rawPath.slice(13));
    return serveStatic(req, res, options.publicDir, rawPath);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => {
      if (err instanceof HttpError) return sendError(res, err);
      // The path only: a query may carry a token in any spelling.
      log(`http: ${req.method} ${String(req.url).split('?')[0]}: ${err.stack ?? err}`);
      sendJson(res, 500, { error: 'Internal server error', code: 'internal_error' });
    });
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false });
  const sockets = new Set();
  let closing = false;

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    let found = null;
    for (const [re, feature, params] of WS_ROUTES) {
      const m = re.exec(url.pathname);
      if (m) {
        found = { feature, params: params(m) };
        break;
      }
    }
    if (!found || closing) {
      socket.end(closing ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, req, url, found));
  });

  function onSocket(ws, req, url, { feature, params }) {
    sockets.add(ws);
    ws.maxBuffered = options.maxBufferedBytes;
    ws.isAlive = true;
    ws.on('pong', () => (ws.isAlive = true));
    ws.on('error', () => {});
    ws.on('close', () => sockets.delete(ws));
    if (closing) return ws.close(1012, 'Server restarting');
    const user = authenticate(url.searchParams.get('token'));
    if (!user) return ws.close(4001, 'Authentication required');
    for (const id of [params.room, params.doc]) {
      if (id !== undefined && !isValidId(id)) return ws.close(4004, 'No such room or document');
    }
    if (params.doc !== undefined && !mayOpenDocument(user, params.doc)) return ws.close(4003, 'Forbidden');
    const handler = features[feature].ws;
    ws.user = user;
    try {
      handler.connect(ws, { url, user, params });
    } catch (err) {
      log(`ws ${url.pathname}: connect failed: ${err.stack ?? err}`);
      return ws.close(1011, 'Server error');
    }
    ws.on('close', () => {
      try {
        handler.close(ws, user);
      } catch (err) {
        log(`ws ${url.pathname}: close handler failed: ${err.stack ?? err}`);
      }
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return wsSend(ws, errorMessage('invalid_frame', 'Binary frames are not supported; send JSON text'));
      let msg;
      try {
        msg = JSON.parse(data.toString('utf8'));
      } catch {
        return wsSend(ws, { error: 'Invalid JSON format' });
      }
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
        return wsSend(ws, errorMessage('invalid_message', 'A message must be a JSON object'));
      }
      if (msg.type === 'ping') return wsSend(ws, { type: 'pong' });
      if (msg.type === 'pong') return; // answers to a server ping need nothing
      try {
        handler.message(ws, msg, user);
      } catch (err) {
        log(`ws ${url.pathname}: ${err.stack ?? err}`);
        wsSend(ws, errorMessage('internal_error', 'The server failed to handle the message'));
      }
    });
  }

  const pinger = setInterval(() => {
    for (const ws of sockets) {
      if (!ws.isAlive) {
        ws.terminate();
        continue;
      }
      ws.isAlive = false;
      try {
        ws.ping();
      } catch {
        /* the close event cleans up */
      }
    }
  }, options.wsPingMs);
  pinger.unref();

  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, options.host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = server.address().port;

  let closed = null;
  function close() {
    if (closed) return closed;
    closing = true;
    closed = (async () => {
      clearInterval(pinger);
      features.chat.stop();
      features.notifications.stop();
      const waits = [];
      for (const ws of sockets) {
        waits.push(new Promise((r) => ws.once('close', r)));
        ws.close(1012, 'Server restarting');
      }
      const grace = setTimeout(() => {
        for (const ws of sockets) ws.terminate();
      }, 1000);
      await Promise.all(waits);
      clearTimeout(grace);
      await new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections?.();
      });
      wss.close();
      store.close();
    })();
    return closed;
  }

  return { port, url: `http://${options.host}:${port}`, close, store, options };
}
