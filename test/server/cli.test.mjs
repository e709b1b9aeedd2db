// The command line of demo/server/main.mjs and the database it creates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { parseArgs, startServer } from '../../demo/server/main.mjs';
import { tempDir, login, WsClient } from './helpers.mjs';

test('parseArgs: flags, PORT from the environment, --chat-window in seconds, errors', () => {
  assert.deepEqual(parseArgs([], {}), {});
  assert.equal(parseArgs([], { PORT: '9000' }).port, 9000);
  assert.equal(parseArgs(['--port', '0'], { PORT: '9000' }).port, 0, '--port wins over PORT');
  assert.equal(parseArgs(['--port=8123'], {}).port, 8123);
  const o = parseArgs(['--chat-rate', '5', '--chat-window', '2', '--db', 'x/y.db'], {});
  assert.equal(o.chatRate, 5);
  assert.equal(o.chatWindowMs, 2000);
  assert.ok(o.dbPath.endsWith(join('x', 'y.db')));
  const d = parseArgs(['--doc-snapshot-chars', '0', '--doc-snapshot-ops=7'], {});
  assert.deepEqual([d.docSnapshotChars, d.docSnapshotOps], [0, 7]);
  assert.equal(parseArgs(['--catchup-limit', '30'], {}).catchupLimit, 30);
  for (const bad of [['--catchup-limit', '-1'], ['--catchup-limit', '2.5'], ['--port'], ['--port', 'abc'], ['--port', '70000'], ['--chat-rate', '0'], ['--doc-snapshot-ops', '0'], ['--doc-snapshot-ops', '1.5'], ['--what']]) {
    assert.throws(() => parseArgs(bad, {}), undefined, bad.join(' '));
  }
});

test('the database is created on first start, in WAL mode, with the secret kept for restarts', async () => {
  const dir = tempDir();
  const dbPath = join(dir, 'nested', 'dir', 'pyframe.db');
  try {
    const saved = process.env.PYFRAME_SECRET;
    delete process.env.PYFRAME_SECRET;
    const s1 = await startServer({ port: 0, dbPath, log: () => {} });
    assert.ok(existsSync(dbPath));
    const base1 = `http://127.0.0.1:${s1.port}`;
    const { token } = await login(base1, 'persist');
    await s1.close();
    const raw = new Database(dbPath, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.match(raw.prepare("SELECT value FROM meta WHERE key = 'jwt_secret'").get().value, /^[0-9a-f]{64}$/);
    raw.close();
    const s2 = await startServer({ port: 0, dbPath, log: () => {} });
    const c = await WsClient.open(`ws://127.0.0.1:${s2.port}/ws/chat?token=${token}`);
    c.send({ type: 'ping' });
    await c.next('pong');
    await c.close();
    await s2.close();
    if (saved !== undefined) process.env.PYFRAME_SECRET = saved;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close() sends 1012 to open sockets and can be called twice', async () => {
  const dir = tempDir();
  try {
    const s = await startServer({ port: 0, dbPath: join(dir, 'a.db'), log: () => {} });
    const { token } = await login(`http://127.0.0.1:${s.port}`, 'x');
    const c = await WsClient.open(`ws://127.0.0.1:${s.port}/ws/posts?token=${token}`);
    await c.next('snapshot');
    const closing = s.close();
    assert.equal(s.close(), closing);
    await closing;
    assert.deepEqual(await c.closed, { code: 1012, reason: 'Server restarting' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
