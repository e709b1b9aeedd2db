// Static files: demo/public at /, dist at /dist/, 404 otherwise, and no way
// out of either directory.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { startTestServer, api } from './helpers.mjs';

let srv;
before(async () => {
  srv = await startTestServer();
  writeFileSync(join(srv.dir, 'public', 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(srv.dir, 'public', 'app.js'), 'export const x = 1;\n');
  mkdirSync(join(srv.dir, 'public', 'sub'));
  writeFileSync(join(srv.dir, 'public', 'sub', 'index.html'), 'sub index');
  writeFileSync(join(srv.dir, 'dist', 'pyframe_rt.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(srv.dir, 'dist', 'pyframe_rt.mjs'), 'export default 1;\n');
  writeFileSync(join(srv.dir, 'secret.txt'), 'top secret');
  symlinkSync(join(srv.dir, 'secret.txt'), join(srv.dir, 'public', 'escape.txt'));
});
after(() => srv.close());

/** Sends a raw request line, so that no client normalizes the path. */
function rawGet(port, path) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let buf = '';
    s.on('data', (d) => (buf += d));
    s.on('end', () => resolve(buf));
    s.on('error', reject);
  });
}

test('serves demo/public at / with index.html and content types', async () => {
  const r = await fetch(`${srv.base}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.match(await r.text(), /demo/);
  const js = await fetch(`${srv.base}/app.js`);
  assert.match(js.headers.get('content-type'), /javascript/);
  assert.equal((await (await fetch(`${srv.base}/sub/`)).text()), 'sub index');
  const head = await fetch(`${srv.base}/app.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '20');
});

test('serves dist at /dist/ with application/wasm', async () => {
  const r = await fetch(`${srv.base}/dist/pyframe_rt.wasm`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/wasm');
  assert.equal((await r.arrayBuffer()).byteLength, 8);
  assert.match((await fetch(`${srv.base}/dist/pyframe_rt.mjs`)).headers.get('content-type'), /javascript/);
});

test('404 for missing files and unknown API paths', async () => {
  assert.equal((await fetch(`${srv.base}/nope.html`)).status, 404);
  assert.equal((await fetch(`${srv.base}/dist/nope.wasm`)).status, 404);
  const r = await api(srv.base, 'GET', '/api/nothing');
  assert.equal(r.status, 404);
  assert.equal(r.body.code, 'not_found');
  assert.equal((await fetch(`${srv.base}/app.js`, { method: 'POST' })).status, 405);
});

test('no path traversal: dot segments, encoded dots and slashes, backslashes, NUL, symlinks', async () => {
  const attempts = [
    '/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt', '/dist/../secret.txt', '/dist/%2e%2e/secret.txt',
    '/dist/..%2fsecret.txt', '/..%5csecret.txt', '/sub/%2e%2e/%2e%2e/secret.txt', '/secret.txt%00.html', '/escape.txt',
    '/%c0%ae%c0%ae/secret.txt', '/dist/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '//etc/passwd', '/%ZZ',
  ];
  for (const path of attempts) {
    const text = await rawGet(srv.server.port, path);
    assert.doesNotMatch(text, /top secret|root:/, path);
    assert.match(text, /^HTTP\/1\.1 (400|404)/, path);
  }
});
