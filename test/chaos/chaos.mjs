#!/usr/bin/env node
// The chaos run (issue #8 part 2): the reference server as a child process,
// the real runtime in Debian's Chromium, and everything that can go wrong
// with the network going wrong at random.
//
//   three DocumentEditor pages on one document, each inserting unique tokens
//   ("[e1-17]") at token boundaries; two ChatRoom pages in one room, each
//   sending unique lines through the component's own form; one
//   NotificationSystem page whose user gets notifications created over the
//   REST API. Meanwhile:
//   - the server is killed with SIGKILL at random moments (PF_CHAOS_KILLS,
//     default 20) and restarted on the same port after a random delay;
//   - a TCP proxy between the browsers and the server cuts live connections
//     at random (half with a reset, half with a FIN);
//   - one editor's browser context goes offline for a few seconds, twice.
//
// At the end (server up, no more faults) it waits for quiescence, stops the
// server with SIGTERM, reads its SQLite file and checks: every editor's text
// equals the stored document (the stored operations replayed from an empty
// document: a run makes far fewer edits than the server's transform window,
// 10,000 revisions, so compaction has deleted none of them, unless
// PF_CHAOS_CATCHUP); the stored snapshot, which lags (--doc-snapshot-ops 7), is that
// replay up to its revision; the last seq stored per editor (doc_src_seq,
// written with each operation) is the highest in its stored operations;
// every token the server stored (acknowledged) is
// in exactly one stored operation and exactly once in the text; every token
// a page accepted is among them; every stored chat message is shown exactly
// once on each chat page and every line sent was stored exactly once; every
// notification is shown and was received (browser notification) exactly
// once. Exit status 0 when all hold, 1 otherwise, with a summary either way.
//
//   node test/chaos/chaos.mjs            (make chaos / make test-chaos)
//   PF_CHAOS_SEED=N     replay a run (the seed is printed first)
//   PF_CHAOS_KILLS=N    number of SIGKILLs (default 20)
//   PF_CHAOS_CATCHUP=N  the server's --catchup-limit (default its own,
//                       10,000): a small one makes it compact the stored
//                       operations during the run; the checks on them then
//                       cover the kept ones, and every token is checked
//                       against the text
//   PF_CHAOS_KEEP=1     keep the temporary directory (database, server log)
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import otText from 'ot-text-unicode';
import { repoRoot } from '../lib/static_server.mjs';
import { launch, watchErrors } from '../lib/browser.mjs';
import { startProxy } from '../lib/tcp_proxy.mjs';

const seed = Number(process.env.PF_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = Number(process.env.PF_CHAOS_KILLS ?? 20);
// A small transform window makes the server compact the document's
// operations during the run (and editors rejoin from snapshots).
const CATCHUP = process.env.PF_CHAOS_CATCHUP ? Number(process.env.PF_CHAOS_CATCHUP) : null;
const DOC = 'chaos-doc';
const ROOM = 'chaos';
const MAX_NOTES = 45;      // below NotificationSystem's list cap (50)
const TOKEN_RE = /\[e\d-\d+\]/g;

console.log(`chaos: seed ${seed} (replay with PF_CHAOS_SEED=${seed}), ${KILLS} kills`);

// mulberry32: small, seeded, good enough for choosing moments.
let rs = seed >>> 0;
function rand() {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (a, b) => a + rand() * (b - a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const stats = {
  kills: 0, restarts: 0, drops: 0, offline: 0, offlineMs: 0,
  edits: 0, editsRefused: 0, chatSent: 0, notesPosted: 0, notesFailed: 0, readBacks: 0, readBackOps: 0,
};
const t0 = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'pf-chaos-'));
const dbPath = join(dir, 'db.sqlite');
const serverLog = createWriteStream(join(dir, 'server.log'));

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// ---- the server, as a child process -----------------------------------------

const serverPort = await freePort();
let child = null;

async function startChild() {
  for (let attempt = 0; ; attempt++) {
    const proc = spawn(process.execPath, [
      join(repoRoot, 'demo/server/main.mjs'), '--port', String(serverPort), '--db', dbPath,
      '--public', join(repoRoot, 'test/e2e/pages'), '--chat-rate', '100000',
      // The document's stored text lags its operations (written every 7 of
      // them, as a large document's would be), so the kills land between
      // snapshots and every restart reads the text back from the operations.
      '--doc-snapshot-chars', '0', '--doc-snapshot-ops', '7',
      ...(CATCHUP !== null ? ['--catchup-limit', String(CATCHUP)] : []),
    ], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    proc.stderr.pipe(serverLog, { end: false });
    const ok = await new Promise((resolve) => {
      let out = '';
      let partial = ''; // a line split across chunks
      proc.stdout.on('data', (d) => {
        serverLog.write(d);
        if (!out.includes('listening on')) out += d;
        const lines = (partial + d).split('\n');
        partial = lines.pop();
        for (const line of lines) {
          const m = /read back from the snapshot at rev \d+ and (\d+) operations/.exec(line);
          if (m) {
            stats.readBacks++;
            stats.readBackOps += Number(m[1]);
          }
        }
        if (out.includes('listening on')) resolve(true);
      });
      proc.exited.then(() => resolve(false));
    });
    if (ok) {
      child = proc;
      return;
    }
    // The port can be briefly busy right after a kill: try again.
    if (attempt > 20) throw new Error('the server does not start again (see server.log)');
    await sleep(200);
  }
}

async function killChild() {
  const proc = child;
  child = null;
  proc.kill('SIGKILL');
  await proc.exited;
  stats.kills++;
}

// ---- a TCP proxy that cuts connections at random ------------------------------

const proxy = await startProxy(() => serverPort);
const { pairs } = proxy;
const base = proxy.url;
const direct = `http://127.0.0.1:${serverPort}`;

function dropOne() {
  // Connections older than half a second: the live sockets and event streams.
  const live = [...pairs].filter((p) => Date.now() - p.at > 500);
  if (!live.length) return;
  const p = live[Math.floor(rand() * live.length)];
  if (rand() < 0.5 && p.down.resetAndDestroy) p.down.resetAndDestroy();
  else p.down.destroy();
  p.up.destroy();
  stats.drops++;
}

// ---- pages ----------------------------------------------------------------------------

async function login(name) {
  for (;;) {
    try {
      const res = await fetch(`${direct}/api/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }),
      });
      if (res.ok) return await res.json();
    } catch { /* server down: again */ }
    await sleep(100);
  }
}

let browser;
async function openPage(name, props) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${base}/chaos.html`);
  await page.evaluate(() => window.C.ready);
  await page.evaluate(([n, p]) => window.C.mount(n, p), [name, props]);
  return { context, page, errors, name };
}

// ---- the run ----------------------------------------------------------------------------

let running = true;
const typed = [[], [], []]; // tokens each editor page accepted locally
const chatSent = [];        // lines sent through the ChatRoom forms
const notesOk = [];         // titles the server answered 201 for

async function editorLoop(i, E) {
  let n = 0;
  while (running) {
    await sleep(between(120, 600));
    if (!running) break;
    const token = `[e${i + 1}-${++n}]`;
    const r = rand();
    // A caret at a token boundary (after a ']' or at 0), then the token as
    // one input event, as a paste or an IME commit would be.
    const ok = await E.page.evaluate(([tok, r]) => {
      const a = window.C.area();
      if (!a || a.readOnly) return false;
      const v = a.value;
      const at = [0];
      for (let k = 0; k < v.length; k++) if (v[k] === ']') at.push(k + 1);
      const p = at[Math.floor(r * at.length)];
      a.focus();
      a.setSelectionRange(p, p);
      return true;
    }, [token, r]);
    if (!ok) {
      stats.editsRefused++;
      continue;
    }
    await E.page.keyboard.insertText(token);
    const landed = await E.page.evaluate((tok) => window.C.value().includes(tok), token);
    if (landed) {
      typed[i].push(token);
      stats.edits++;
    } else {
      stats.editsRefused++;
    }
  }
}

async function chatLoop(i, P) {
  let n = 0;
  const input = P.page.locator('.send-box input[name=text]');
  while (running) {
    await sleep(between(700, 2000));
    if (!running) break;
    const text = `chat c${i + 1}-${++n}`;
    await input.fill(text);
    await input.press('Enter');
    chatSent.push(text);
    stats.chatSent++;
  }
}

async function notesLoop(token) {
  let n = 0;
  while (running && n < MAX_NOTES) {
    await sleep(between(1200, 2500));
    if (!running) break;
    const title = `note-${++n}`;
    try {
      const res = await fetch(`${direct}/api/notifications?token=${encodeURIComponent(token)}`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title, message: `chaos ${n}` }),
      });
      if (res.status === 201) notesOk.push(title);
      else stats.notesFailed++;
    } catch {
      stats.notesFailed++; // the server was down (or died while answering)
    }
    stats.notesPosted++;
  }
}

async function dropLoop() {
  while (running) {
    await sleep(between(300, 1500));
    if (running) dropOne();
  }
}

async function offlineLoop(E) {
  for (let k = 0; k < 2 && running; k++) {
    await sleep(between(4000, 15000));
    if (!running) break;
    const ms = between(3000, 8000);
    await E.context.setOffline(true);
    stats.offline++;
    await sleep(ms);
    stats.offlineMs += ms;
    await E.context.setOffline(false);
  }
}

async function killLoop() {
  while (stats.kills < KILLS) {
    await sleep(between(1500, 5000));
    await killChild();
    await sleep(between(50, 1500));
    await startChild();
    stats.restarts++;
    process.stdout.write(`\rchaos: ${stats.kills}/${KILLS} kills, ${stats.drops} drops, ${stats.edits} edits, ${stats.chatSent} chat lines, ${notesOk.length} notifications`);
  }
  process.stdout.write('\n');
}

const failures = [];
function check(cond, what) {
  if (!cond) failures.push(what);
}

async function waitFor(what, fn, timeout) {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return true;
    if (Date.now() - start > timeout) {
      failures.push(`timeout: ${what}`);
      return false;
    }
    await sleep(250);
  }
}

let exitCode = 1;
try {
  await startChild();
  browser = await launch();
  const users = await Promise.all(['ed1', 'ed2', 'ed3', 'chat1', 'chat2', 'notes'].map(login));
  const editors = [];
  for (let i = 0; i < 3; i++) {
    const E = await openPage('DocumentEditor', { doc: DOC, token: users[i].token, user: users[i].user });
    await E.page.waitForFunction(() => window.C.loaded(), null, { timeout: 10000 });
    editors.push(E);
  }
  const chats = [];
  for (let i = 0; i < 2; i++) {
    const P = await openPage('ChatRoom', { room: ROOM, token: users[3 + i].token });
    await P.page.waitForSelector('.chat-status[data-state=open]', { timeout: 10000 });
    chats.push(P);
  }
  const notes = await openPage('NotificationSystem', { token: users[5].token });
  await notes.page.waitForFunction(() => window.C.handle.state.get('status') === 'open', null, { timeout: 10000 });

  const loops = [
    ...editors.map((E, i) => editorLoop(i, E)),
    ...chats.map((P, i) => chatLoop(i, P)),
    notesLoop(users[5].token),
    dropLoop(),
    offlineLoop(editors[2]),
  ];
  await killLoop();
  running = false;
  await Promise.all(loops);
  for (const E of editors) await E.context.setOffline(false);
  const chaosMs = Date.now() - t0;

  // Quiescence: the server stays up and nothing is cut any more.
  const q0 = Date.now();
  const ro = new Database(dbPath, { readonly: true, fileMustExist: true });
  const storedChat = () => ro.prepare('SELECT id, text FROM chat_messages WHERE room = ? ORDER BY seq').all(`room:${ROOM}`);
  await waitFor('the editors converge and are saved', async () => {
    const vals = await Promise.all(editors.map((E) => E.page.evaluate(() => window.C.saved() && window.C.value())));
    return vals.every((v) => v !== false && v === vals[0]);
  }, 60000);
  await waitFor('the chat pages show every stored message and hold nothing', async () => {
    const want = storedChat().length;
    const got = await Promise.all(chats.map((P) => P.page.evaluate(() => [
      document.querySelectorAll('.messages li.message').length,
      window.C.handle.state.get('queued') || 0,
    ])));
    return got.every(([n, q]) => n >= want && q === 0);
  }, 30000);
  await waitFor('the notification page shows every notification', async () => {
    const want = ro.prepare('SELECT COUNT(*) AS n FROM notifications WHERE user_id = ?').get(users[5].user.id).n;
    const got = await notes.page.evaluate(() => document.querySelectorAll('.notification-item').length);
    return got >= want;
  }, 30000);
  ro.close();
  const quiesceMs = Date.now() - q0;

  // What the pages show.
  const texts = await Promise.all(editors.map((E) => E.page.evaluate(() => window.C.value())));
  const editorStats = await Promise.all(editors.map((E) => E.page.evaluate(() => window.C.handle.editorStats())));
  const chatShown = await Promise.all(chats.map((P) => P.page.evaluate(() =>
    [...document.querySelectorAll('.messages li.message')].map((li) => [li.dataset.id, li.querySelector('.text')?.textContent]))));
  const notesShown = await notes.page.evaluate(() => [...document.querySelectorAll('.notification-item')].map((d) => [d.dataset.id, d.querySelector('h4').textContent]));
  const notified = await notes.page.evaluate(() => window.notified);

  // Final stop, then the database file itself.
  child.kill('SIGTERM');
  await child.exited;
  child = null;
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const docRow = db.prepare('SELECT content, rev FROM documents WHERE id = ?').get(DOC);
  const ops = db.prepare('SELECT rev, op, src, seq, user_id FROM doc_ops WHERE doc_id = ? ORDER BY rev').all(DOC);
  const lastSeqs = db.prepare('SELECT src, user_id, seq FROM doc_src_seq WHERE doc_id = ? ORDER BY src, user_id').all(DOC);
  const chatRows = db.prepare('SELECT id, text FROM chat_messages WHERE room = ? ORDER BY seq').all(`room:${ROOM}`);
  const noteRows = db.prepare('SELECT id, title FROM notifications WHERE user_id = ? ORDER BY id').all(users[5].user.id);
  db.close();

  // Documents: the stored text is the snapshot (the text at docRow.rev)
  // plus the operations stored after it (demo/server/docs.mjs).
  // With PF_CHAOS_CATCHUP the server has deleted the oldest operations
  // (compaction): the kept ones start at `first`.
  check(docRow !== undefined, 'the document is stored');
  const first = ops.length ? ops[0].rev : (docRow?.rev ?? 0);
  const complete = first === 0; // every operation since the empty document
  let revOk = true;
  ops.forEach((o, k) => {
    if (o.rev !== first + k) revOk = false;
  });
  check(revOk && first <= docRow?.rev && docRow?.rev <= first + ops.length,
    `stored operations are revisions ${first}..${first + ops.length - 1} without gaps, the snapshot at rev ${docRow?.rev} among them`);
  let stored = docRow?.content ?? '';
  for (const o of ops) if (o.rev >= docRow?.rev) stored = otText.type.apply(stored, JSON.parse(o.op));
  if (complete) {
    let replay = '';
    let atSnapshot = null;
    ops.forEach((o, k) => {
      if (k === docRow?.rev) atSnapshot = replay;
      replay = otText.type.apply(replay, JSON.parse(o.op));
    });
    if (ops.length === docRow?.rev) atSnapshot = replay;
    check(atSnapshot === docRow?.content, 'replaying the stored operations up to the snapshot gives the snapshot');
    check(replay === stored, 'replaying every stored operation gives the snapshot and the operations after it');
  }
  if (CATCHUP !== null) {
    check(ops.length <= CATCHUP + 7, `at most --catchup-limit + --doc-snapshot-ops operations are kept (${ops.length}, from rev ${first})`);
  }
  // How often a restarted server read the document back from a lagging
  // snapshot is printed below, not checked: a read-back needs an editor to
  // rejoin before the next kill, which the random kills and backoffs make
  // happen in 4 to 8 of 20 restarts (at 4 in 20, a run without any would
  // come about once in 90 runs). test/server/restart.test.mjs checks that path
  // deterministically (SIGKILL between snapshots, the text comes back whole).
  const maxSeq = new Map(); // "src user_id" -> the highest seq stored
  for (const o of ops) {
    if (o.src === null) continue;
    const k = `${o.src} ${o.user_id}`;
    maxSeq.set(k, Math.max(maxSeq.get(k) ?? -1, o.seq));
  }
  check(lastSeqs.length === maxSeq.size && lastSeqs.every((r) => maxSeq.get(`${r.src} ${r.user_id}`) === r.seq),
    `the last seq kept per editor (${lastSeqs.length}) is the highest in its stored operations (${maxSeq.size})`);
  texts.forEach((t, i) => check(t === stored, `editor ${i + 1} equals the stored document (${t.length} vs ${stored.length} chars)`));
  check(stored.replace(TOKEN_RE, '') === '', 'the document holds whole tokens only');
  const inOps = new Map(); // token -> number of stored operations inserting it
  const ids = new Set();
  for (const o of ops) {
    if (o.src !== null) {
      const id = `${o.src}/${o.seq}`;
      check(!ids.has(id), `operation ${id} stored once`);
      ids.add(id);
    }
    for (const c of JSON.parse(o.op)) {
      if (typeof c === 'string') for (const tok of c.match(TOKEN_RE) ?? []) inOps.set(tok, (inOps.get(tok) ?? 0) + 1);
    }
  }
  const inText = new Map();
  for (const tok of stored.match(TOKEN_RE) ?? []) inText.set(tok, (inText.get(tok) ?? 0) + 1);
  const doubledOps = [...inOps].filter(([, n]) => n !== 1).map(([t]) => t);
  const notOnce = [...inOps.keys()].filter((t) => inText.get(t) !== 1);
  const allTyped = typed.flat();
  // Without the compacted operations, the tokens acknowledged are those in
  // the text: each there once, every typed one among them.
  const acked = complete ? inOps : inText;
  const lost = allTyped.filter((t) => !acked.has(t));
  const unknown = [...acked.keys()].filter((t) => !allTyped.includes(t));
  const textNotOnce = [...inText].filter(([, n]) => n !== 1).map(([t]) => t);
  check(doubledOps.length === 0, `every acknowledged token is in exactly one stored operation${complete ? '' : ' (of those kept)'} (doubled: ${doubledOps.slice(0, 10)})`);
  check(notOnce.length === 0 && textNotOnce.length === 0, `every acknowledged token is in the document exactly once (not: ${notOnce.concat(textNotOnce).slice(0, 10)})`);
  check(lost.length === 0, `every token a page accepted was acknowledged (lost ${lost.length}: ${lost.slice(0, 10)})`);
  check(unknown.length === 0, `every acknowledged token was typed (${unknown.slice(0, 10)})`);
  editorStats.forEach((s, i) => check(s.fallbacks === 0, `editor ${i + 1} never fell back to whole-text diffs (${JSON.stringify(s)})`));

  // Chat.
  const storedTexts = chatRows.map((r) => r.text);
  const chatDup = storedTexts.filter((t, k) => storedTexts.indexOf(t) !== k);
  const chatLost = chatSent.filter((t) => !storedTexts.includes(t));
  check(chatDup.length === 0, `every chat line is stored once (doubled: ${chatDup.slice(0, 10)})`);
  check(chatLost.length === 0, `every chat line sent was stored (lost ${chatLost.length}: ${chatLost.slice(0, 10)})`);
  chatShown.forEach((shown, i) => {
    const count = new Map();
    for (const [id] of shown) count.set(id, (count.get(id) ?? 0) + 1);
    const missing = chatRows.filter((r) => count.get(`m${r.id}`) !== 1);
    check(missing.length === 0, `chat page ${i + 1} shows every stored message exactly once (${missing.length} not: ${missing.slice(0, 5).map((r) => r.text)})`);
    check(shown.length === chatRows.length, `chat page ${i + 1} shows ${shown.length} messages, ${chatRows.length} stored`);
  });

  // Notifications.
  const noteTitles = noteRows.map((r) => r.title);
  check(notesOk.every((t) => noteTitles.includes(t)), 'every notification answered 201 is stored');
  const noteShownIds = notesShown.map(([id]) => id);
  check(noteRows.every((r) => noteShownIds.filter((x) => x === String(r.id)).length === 1) && notesShown.length === noteRows.length,
    `the notification page shows every stored notification exactly once (${notesShown.length} shown, ${noteRows.length} stored)`);
  const notifiedDup = noteTitles.filter((t) => notified.filter((x) => x === t).length !== 1);
  check(notifiedDup.length === 0 && notified.length === noteRows.length,
    `every notification was received exactly once (${notified.length} received, ${noteRows.length} stored; not once: ${notifiedDup.slice(0, 10)})`);

  // Page errors (refused connections while the server was down are expected).
  const expected = /WebSocket connection to .* failed|net::ERR_|Failed to load resource/;
  for (const P of [...editors, ...chats, notes]) {
    const real = P.errors.filter((e) => !expected.test(e));
    check(real.length === 0, `no page errors on ${P.name}: ${real.slice(0, 3)}`);
  }

  const totalMs = Date.now() - t0;
  console.log([
    `chaos summary (seed ${seed})`,
    `  kills ${stats.kills} (SIGKILL), restarts ${stats.restarts}, connection drops ${stats.drops}, offline periods ${stats.offline} (${(stats.offlineMs / 1000).toFixed(1)} s)`,
    `  edits accepted ${stats.edits} (refused while read-only ${stats.editsRefused}), operations stored ${ops.length}${complete ? '' : ` (from rev ${first}, ${CATCHUP !== null ? `--catchup-limit ${CATCHUP}` : 'compacted'})`}, tokens acknowledged ${acked.size}, document ${stored.length} chars at rev ${first + ops.length} (stored snapshot at rev ${docRow?.rev}; read back after a restart ${stats.readBacks} times, ${stats.readBackOps} operations replayed)`,
    `  editor acks: ${editorStats.map((s) => JSON.stringify(s)).join(' ')}`,
    `  chat lines sent ${chatSent.length}, stored ${chatRows.length}, shown per page ${chatShown.map((s) => s.length).join('/')}`,
    `  notifications posted ${stats.notesPosted} (201: ${notesOk.length}, failed: ${stats.notesFailed}), stored ${noteRows.length}, shown ${notesShown.length}, received ${notified.length}`,
    `  time: chaos ${(chaosMs / 1000).toFixed(1)} s, quiescence ${(quiesceMs / 1000).toFixed(1)} s, total ${(totalMs / 1000).toFixed(1)} s`,
  ].join('\n'));
  if (failures.length) {
    console.log(`chaos: FAILED (${failures.length}):\n  - ${failures.join('\n  - ')}\n  replay: PF_CHAOS_SEED=${seed}; files in ${dir}`);
  } else {
    console.log('chaos: OK, every check held');
    exitCode = 0;
  }
} catch (e) {
  console.error(e.stack ?? e);
  console.log(`chaos: ERROR; replay: PF_CHAOS_SEED=${seed}; files in ${dir}`);
} finally {
  running = false;
  await browser?.close().catch(() => {});
  if (child) {
    child.kill('SIGKILL');
    await child.exited;
  }
  await proxy.close();
  serverLog.end();
  if (exitCode === 0 && !process.env.PF_CHAOS_KEEP) rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
