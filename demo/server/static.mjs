// Static files: the demo pages (demo/public at /) and the builds (dist at
// /dist/, build/example-dist at /example-dist/). Only regular files strictly inside the root are served, after
// resolving symbolic links, so no request path can escape it.

import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, relative, isAbsolute, extname, sep } from 'node:path';

export const PAGE_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

function notFound(res) {
  if (res.headersSent) return;
  const body = 'Not found\n';
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function inside(root, path) {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/** Serves `urlPath` (the part of the URL path below the mount point, still
 *  percent-encoded) from `rootDir`. Answers 404 for anything else. */
export async function serveStatic(req, res, rootDir, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return notFound(res);
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return notFound(res);
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return notFound(res);
  let root;
  try {
    root = await realpath(rootDir);
  } catch {
    return notFound(res);
  }
  let file = join(root, ...segments);
  try {
    file = await realpath(file);
    if (!inside(root, file)) return notFound(res);
    let info = await stat(file);
    if (info.isDirectory()) {
      file = await realpath(join(file, 'index.html'));
      if (!inside(root, file)) return notFound(res);
      info = await stat(file);
    }
    if (!info.isFile()) return notFound(res);
    const headers = {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': 'no-cache',
      'Last-Modified': info.mtime.toUTCString(),
      'X-Content-Type-Options': 'nosniff',
    };
    // Pages run under a strict policy: scripts only from files of this
    // origin, no eval (WebAssembly needs 'wasm-unsafe-eval' only), no
    // inline style, no plugins or frames (docs/security.md).
    if (headers['Content-Type'].startsWith('text/html')) headers['Content-Security-Policy'] = PAGE_CSP;
    if (req.method === 'HEAD') {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => {
      if (!res.headersSent) notFound(res);
      else res.destroy();
    });
    stream.once('open', () => {
      res.writeHead(200, headers);
      stream.pipe(res);
    });
  } catch {
    notFound(res);
  }
}
