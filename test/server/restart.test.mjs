// Restart: the server process is stopped with SIGTERM (every socket sees
// 1012, every SSE stream ends) and started again on the same database.
// Posts, chat history, notifications, documents and tokens survive, and
// clients resume by seq, Last-Event-ID and rev.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { tempDir, login, api, WsClient, SseClient } from './helpers.mjs';

const MAIN = fileURLToPath(new URL('../../demo/server/main.mjs', import.meta.url));

function startChild(dbPath) {
  const env = { ...process.env };
  delete env.PYFRAME_SECRET; // the generated secret must persist in the database
  delete env.PORT;
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--db', dbPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then(() => reject(new Error(`server exited early: ${out}`)));
  });
  return { child, ready, exited, output: () => out };
}

test('state survives a SIGTERM restart and clients resume', async () => {
  const dir = tempDir();
  const db = join(dir, 'pyframe.db');
  try {
    // ---- first life ----
    const one = startChild(db);
    const base1 = await one.ready;
    const ws1 = (path, t) => `${base1.replace('http', 'ws')}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(t)}`;
    const alice = await login(base1, 'alice');
    const bob = await login(base1, 'bob');
    const post = (await api(base1, 'POST', '/api/posts', { token: alice.token, body: { title: 'Survivor', content: 'x', published: true } })).body.post;
    const postsWs = await WsClient.open(ws1('/ws/posts', bob.token));
    const postsSeq = (await postsWs.next('snapshot')).seq;
    const room = await WsClient.open(ws1('/ws/room/keep', alice.token));
    await room.next('history');
    room.send({ text: 'remember me' });
    const chatMsg = await room.next('message');
    const sse = await SseClient.open(`${base1}/events/notifications?token=${encodeURIComponent(bob.token)}`);
    await api(base1, 'POST', '/api/notifications', { token: alice.token, body: { title: 'before', user_id: bob.user.id } });
    const lastEvent = await sse.next('notification');
    const doc = await WsClient.open(ws1('/ws/docs/keep', alice.token));
    doc.send({ type: 'join' });
    await doc.next('snapshot');
    doc.send({ type: 'content_change', rev: 0, operations: ['persistent'], src: 'A', seq: 1 });
    await doc.next('ack');
    one.child.kill('SIGTERM');
    for (const c of [postsWs, room, doc]) {
      const r = await c.closed;
      assert.equal(r.code, 1012);
    }
    await sse.ended;
    assert.equal((await one.exited).code, 0, one.output());

    // ---- second life, same database ----
    const two = startChild(db);
    const base2 = await two.ready;
    const ws2 = (path, t) => `${base2.replace('http', 'ws')}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(t)}`;
    assert.equal((await api(base2, 'GET', '/api/me', { token: alice.token })).status, 200, 'old tokens stay valid');
    const list = (await api(base2, 'GET', '/api/posts?published=true')).body;
    assert.deepEqual(list.posts.map((p) => p.id), [post.id]);
    assert.equal(list.seq, postsSeq);
    const room2 = await WsClient.open(ws2('/ws/room/keep', bob.token));
    const hist = await room2.next('history');
    assert.deepEqual(hist.messages.map((m) => [m.id, m.text, m.seq]), [[chatMsg.id, 'remember me', chatMsg.seq]]);
    const notes = (await api(base2, 'GET', '/api/notifications', { token: bob.token })).body;
    assert.deepEqual(notes.notifications.map((n) => n.title), ['before']);
    const d2 = await WsClient.open(ws2('/ws/docs/keep', bob.token));
    d2.send({ type: 'join' });
    const snap = await d2.next('snapshot');
    assert.deepEqual([snap.content, snap.rev], ['persistent', 1]);

    // Changes made while the first clients were away...
    await api(base2, 'POST', '/api/posts', { token: alice.token, body: { title: 'After', published: true } });
    room2.send({ text: 'while you were out' });
    await room2.next('message');
    await api(base2, 'POST', '/api/notifications', { token: alice.token, body: { title: 'after', user_id: bob.user.id } });
    d2.send({ type: 'content_change', rev: 1, operations: [10, '!'], src: 'B', seq: 1 });
    await d2.next('ack');
    // ...are what the reconnecting clients get.
    const postsBack = await WsClient.open(ws2(`/ws/posts?since=${postsSeq}`, bob.token));
    const replay = await postsBack.next();
    assert.deepEqual([replay.type, replay.seq, replay.post.title], ['post_created', postsSeq + 1, 'After']);
    const roomBack = await WsClient.open(ws2(`/ws/room/keep?since=${chatMsg.seq}`, alice.token));
    assert.equal((await roomBack.next('message')).text, 'while you were out');
    const sseBack = await SseClient.open(`${base2}/events/notifications?token=${encodeURIComponent(bob.token)}`, { 'last-event-id': lastEvent.id });
    const missed = await sseBack.next('notification');
    assert.equal(missed.data.title, 'after');
    assert.ok(Number(missed.id) > Number(lastEvent.id));
    const docBack = await WsClient.open(ws2('/ws/docs/keep', alice.token));
    docBack.send({ type: 'join', rev: 1 });
    const catchup = await docBack.next('content_change');
    assert.deepEqual([catchup.rev, catchup.operations, catchup.src], [1, [10, '!'], 'B']);
    // A resubmission of the op acknowledged in the first life is still deduplicated.
    docBack.send({ type: 'content_change', rev: 0, operations: ['persistent'], src: 'A', seq: 1 });
    assert.equal((await docBack.next('ack')).rev, 0);
    sseBack.close();
    for (const c of [room2, d2, postsBack, roomBack, docBack]) c.ws.close();
    two.child.kill('SIGINT');
    assert.equal((await two.exited).code, 0, two.output());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a large document killed between two stored snapshots comes back whole', async () => {
  // Above docSnapshotChars (65,536 code points) the authority stores only
  // the operation with each edit, and the text every docSnapshotOps (100)
  // operations or when the last client leaves. A SIGKILL in between must
  // lose nothing: opening the document applies the stored operations to the
  // stored snapshot.
  const dir = tempDir();
  const db = join(dir, 'pyframe.db');
  try {
    const one = startChild(db);
    const base1 = await one.ready;
    const alice = await login(base1, 'alice');
    const url = (base, path) => `${base.replace('http', 'ws')}${path}?token=${encodeURIComponent(alice.token)}`;
    const doc = await WsClient.open(url(base1, '/ws/docs/big'));
    doc.send({ type: 'join' });
    await doc.next('snapshot');
    const big = 'é'.repeat(70_000) + '😀'.repeat(10);
    let expected = big;
    doc.send({ type: 'content_change', rev: 0, operations: [big], src: 'A', seq: 0 });
    assert.equal((await doc.next('ack')).rev, 0);
    for (let i = 1; i <= 5; i++) {
      doc.send({ type: 'content_change', rev: i, operations: [70_000 + i, `<${i}>`], src: 'A', seq: i });
      assert.equal((await doc.next('ack')).rev, i);
      const cps = [...expected];
      cps.splice(70_000 + i, 0, `<${i}>`);
      expected = cps.join('');
    }
    const h1 = new Database(db, { readonly: true });
    const stored = h1.prepare('SELECT content, rev FROM documents WHERE id = ?').get('big');
    h1.close();
    assert.deepEqual([stored.content, stored.rev], ['', 0], 'the snapshot was not written with the operations');
    one.child.kill('SIGKILL');
    await one.exited;

    const two = startChild(db);
    const base2 = await two.ready;
    const back = await WsClient.open(url(base2, '/ws/docs/big'));
    back.send({ type: 'join' });
    const snap = await back.next('snapshot');
    assert.equal(snap.rev, 6);
    assert.ok(snap.content === expected, `the text comes back whole (${snap.content.length} vs ${expected.length} UTF-16 units)`);
    back.send({ type: 'content_change', rev: 6, operations: ['!'], src: 'B', seq: 0 });
    assert.equal((await back.next('ack')).rev, 6);
    // The last client leaving stores the snapshot.
    back.ws.close();
    await back.closed;
    let row;
    for (let i = 0; i < 50 && (!row || row.rev !== 7); i++) {
      await new Promise((r) => setTimeout(r, 20));
      const h = new Database(db, { readonly: true });
      row = h.prepare('SELECT content, rev FROM documents WHERE id = ?').get('big');
      h.close();
    }
    assert.equal(row.rev, 7);
    assert.ok(row.content === '!' + expected, 'the stored snapshot is the text at rev 7');
    two.child.kill('SIGINT');
    assert.equal((await two.exited).code, 0, two.output());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
