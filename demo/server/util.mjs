// Small helpers shared by the endpoint modules: JSON over HTTP, JSON over
// WebSocket, validation and the rate limiter.

import { WebSocket } from 'ws';

/** Removes credentials from a log line: the value of any `token=` /
 *  `access_token=` query parameter (raw or percent-encoded), the credential
 *  after `Bearer `, and anything shaped like a JWT (three base64url parts,
 *  the first starting with `eyJ`, which is `{"` encoded). Every line the
 *  server logs goes through this one function (see startServer). */
export function redactTokens(text) {
  return String(text)
    .replace(/((?:^|[?&;\s"'])(?:access_)?token(?:=|%3D))[^&\s"'#;]*/gi, '$1[redacted]')
    .replace(/(Bearer\s+)[^\s"',;]+/gi, '$1[redacted]')
    .replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted-jwt]');
}

/** An error that becomes an HTTP response `{error, code}` with `status`. */
export class HttpError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Last-Event-ID',
  'Access-Control-Max-Age': '600',
};

export function sendJson(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...CORS_HEADERS,
    ...headers,
  });
  res.end(text);
}

export function sendError(res, err) {
  sendJson(res, err.status, { error: err.message, code: err.code, ...err.extra });
}

/** Reads the request body as JSON, at most `limit` bytes. An empty body is
 *  `{}`. Rejects with HttpError 413 (too large) or 400 (not a JSON object). */
export function readJsonBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, 'body_too_large', `Request body exceeds ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, 'body_too_large', `Request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (e) => {
      if (!failed) reject(new HttpError(400, 'bad_request', e.message));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      let value;
      try {
        value = JSON.parse(text);
      } catch {
        return reject(new HttpError(400, 'invalid_json', 'Invalid JSON format'));
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        return reject(new HttpError(400, 'invalid_body', 'The body must be a JSON object'));
      }
      resolve(value);
    });
  });
}

/** Sends one JSON message if the socket is open. `msg` may be a pre-encoded
 *  string (for fan-out, encode once). */
export function wsSend(ws, msg) {
  if (ws.readyState !== WebSocket.OPEN) return;
  if (ws.maxBuffered && ws.bufferedAmount > ws.maxBuffered) {
    // A reader this far behind would only fall further behind: let it
    // reconnect (and resume) later.
    ws.close(1013, 'Too slow');
    return;
  }
  ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
}

export function errorMessage(code, message, extra = {}) {
  return { type: 'error', code, message, ...extra };
}

/** Room and document ids: 1-64 characters of [A-Za-z0-9_.-]. */
export function isValidId(id) {
  return typeof id === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(id) && id !== '.' && id !== '..';
}

/** A message's `type` for an error text: quoted if a string, else its
 * JSON type (an object has no safe String()). */
export function typeName(type) {
  if (typeof type === 'string') return JSON.stringify(type);
  return type === null ? 'null' : Array.isArray(type) ? 'an array' : `a ${typeof type}`;
}

export function codePointLength(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** A trimmed string of 1..max code points without control characters, or
 *  null. `allowNewlines` keeps \n and \t (message bodies). */
export function cleanText(value, max, { allowNewlines = false, allowEmpty = false } = {}) {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!allowEmpty && text.length === 0) return null;
  if (codePointLength(text) > max) return null;
  // eslint-disable-next-line no-control-regex
  const bad = allowNewlines ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
  if (bad.test(text)) return null;
  if (!text.isWellFormed()) return null;
  return text;
}

/** Parses a non-negative safe integer from a query string value; null when
 *  absent, NaN when present but invalid. */
export function parseSeqParam(value) {
  if (value === null || value === undefined) return null;
  if (!/^\d{1,15}$/.test(value)) return NaN;
  return Number(value);
}

/** Sliding-window rate limiter: at most `max` events per `windowMs` per key. */
export class RateLimiter {
  constructor(max, windowMs) {
    this.max = max;
    this.windowMs = windowMs;
    this.log = new Map(); // key -> array of timestamps, oldest first
  }

  /** Returns 0 when allowed (and counts the event), otherwise the number of
   *  whole seconds until the next event would be allowed (at least 1). */
  take(key, now = Date.now()) {
    const wait = this.wait(key, now);
    if (wait) return wait;
    let times = this.log.get(key);
    if (!times) this.log.set(key, (times = []));
    times.push(now);
    return 0;
  }

  /** As take, without counting an event: 0 when one would be allowed. */
  wait(key, now = Date.now()) {
    const times = this.log.get(key);
    if (!times) return 0;
    while (times.length && times[0] <= now - this.windowMs) times.shift();
    if (times.length < this.max) return 0;
    return Math.max(1, Math.ceil((times[0] + this.windowMs - now) / 1000));
  }

  /** Forgets keys whose window has passed (called from a timer). */
  sweep(now = Date.now()) {
    for (const [key, times] of this.log) {
      if (!times.length || times[times.length - 1] <= now - this.windowMs) this.log.delete(key);
    }
  }
}

export function avatarFor(user) {
  const hue = (Number(user.id) * 137) % 360;
  const initial = (Array.from(user.name)[0] ?? '?').toUpperCase().replace(/[<&>"']/g, '?');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><circle cx="16" cy="16" r="16" fill="hsl(${hue},55%,50%)"/><text x="16" y="21" font-size="15" text-anchor="middle" fill="#fff" font-family="sans-serif">${initial}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export function publicUser(user) {
  return { id: user.id, name: user.name, avatar: avatarFor(user) };
}
