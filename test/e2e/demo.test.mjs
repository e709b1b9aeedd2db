// Chromium, end to end: the demo page (demo/public/index.html) against the
// real reference server and a real SQLite file. Two browser contexts are two
// users (each has its own sessionStorage, so its own login). Everything is
// driven through the page's own controls: the login form, the post and
// notification forms, the chat box, the editor's textarea.
//
// Screenshots land in test/output/demo-*.png (not committed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../../demo/server/main.mjs';
import { launch, screenshot, watchErrors } from '../lib/browser.mjs';
import { rest as restAt } from '../lib/demo_api.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let dir;
let dbPath;
let srv;
let port;
let browser;

async function start() {
  srv = await startServer({ port: port ?? 0, dbPath, log: () => {} });
  port = srv.port;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pyframe-demo-e2e-'));
  dbPath = join(dir, 'demo.db');
  await start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- helpers ------------------------------------------------------------------

/** A logged-in user: its own browser context (own sessionStorage), the demo
 *  page, the page's errors and any dialog that opened. */
async function openUser(name, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 }, ...contextOptions });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(`${srv.url}/`);
  await page.fill('#login-name', name);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('body[data-ready]');
  const id = Number(await page.textContent('#me-id'));
  const token = await page.evaluate(() => window.pyframeDemo.session.token);
  const user = { name, id, token, context, page, errors, dialogs };
  await waitStates(user, (s) => s.posts === 'open' && s.chat === 'open' && s.notes === 'open' && (s.doc === null || s.doc === 'open'),
    'all components open');
  return user;
}

async function closeUser(u) {
  await u?.context.close();
}

/** The connection state each component shows (its data-state attribute). */
function states(u) {
  return u.page.evaluate(() => ({
    posts: document.querySelector('#posts .live-post-list .status')?.dataset.state ?? null,
    chat: document.querySelector('#chat .chat-status')?.dataset.state ?? null,
    notes: document.querySelector('#notifications .notification-system')?.dataset.state ?? null,
    // null while DocumentEditor is not registered (see the documents subtest).
    doc: window.pyframeDemo.handles.editor ? document.querySelector('#editor .document-editor')?.dataset.state ?? 'none' : null,
  }));
}

async function waitStates(u, pred, what, timeout = 15000) {
  const t0 = Date.now();
  let last;
  for (;;) {
    last = await states(u);
    if (pred(last)) return last;
    if (Date.now() - t0 > timeout) throw new Error(`${u.name}: timed out waiting for ${what}; states ${JSON.stringify(last)}`);
    await sleep(50);
  }
}

function rest(token, method, path, body) {
  return restAt(srv.url, token, method, path, body);
}

/** Sends a chat message through the ChatRoom's own form. */
async function chat(u, text) {
  const input = u.page.locator('#chat .send-box input[name=text]');
  await input.fill(text);
  await input.press('Enter');
  await u.page.waitForFunction(() => document.querySelector('#chat .send-box input[name=text]').value === '');
}

/** The chat log as [user, text] pairs (messages) and notice texts. */
function chatLog(u) {
  return u.page.evaluate(() => [...document.querySelectorAll('#chat .messages li')].map((li) =>
    (li.classList.contains('message')
      ? { user: li.querySelector('.user').textContent, text: li.querySelector('.text').textContent }
      : { notice: li.textContent, kind: li.className })));
}

async function waitChat(u, pred, what, timeout = 15000) {
  const t0 = Date.now();
  for (;;) {
    const log = await chatLog(u);
    if (pred(log)) return log;
    if (Date.now() - t0 > timeout) throw new Error(`${u.name}: timed out waiting for ${what}; log ${JSON.stringify(log.slice(-10))}`);
    await sleep(50);
  }
}

/** The titles of the LivePostList's posts, top first. */
function postTitles(u) {
  return u.page.$$eval('#posts .post h3', (els) => els.map((e) => e.textContent));
}

function badge(u) {
  return u.page.evaluate(() => document.querySelector('#notifications .badge')?.textContent ?? '0');
}

function notificationIds(u) {
  return u.page.$$eval('#notifications .notification-item', (els) => els.map((e) => Number(e.dataset.id)));
}

/** Creates (or, with `edit`, saves) a post through the page's post form. */
async function submitPost(u, { title, content = '' }) {
  await u.page.fill('#post-form [name=title]', title);
  await u.page.fill('#post-form [name=content]', content);
  await u.page.click('#post-submit');
  await u.page.waitForFunction(() => /created|saved/.test(document.getElementById('post-status').textContent) &&
    document.querySelector('#post-form [name=title]').value === '');
}

async function myPostId(u, title) {
  const li = u.page.locator('#my-posts li', { has: u.page.locator('.title', { hasText: title }) });
  await li.waitFor();
  return Number(await li.getAttribute('data-id'));
}

async function sendNotification(u, { title, message = '', icon = '', to = '' }) {
  const f = '#notify-form';
  await u.page.fill(`${f} [name=title]`, title);
  await u.page.fill(`${f} [name=message]`, message);
  await u.page.fill(`${f} [name=icon]`, icon);
  await u.page.fill(`${f} [name=user_id]`, String(to));
  await u.page.click(`${f} button[type=submit]`);
  await u.page.waitForFunction(() => /^Sent to user/.test(document.getElementById('notify-status').textContent) &&
    document.querySelector('#notify-form [name=title]').value === '');
  await u.page.evaluate(() => { document.getElementById('notify-status').textContent = ''; });
}

/** The document as the server has it: a fresh client joins and reads the snapshot. */
function serverDoc(token, doc) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/docs/${doc}?token=${encodeURIComponent(token)}`);
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('no snapshot')); }, 5000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join' })));
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'snapshot') {
        clearTimeout(timer);
        ws.close();
        resolve(m.content);
      }
    });
    ws.on('error', reject);
  });
}

function editorMounted(u) {
  return u.page.evaluate(() => !!window.pyframeDemo.handles.editor);
}

/** Mounted, and its first snapshot arrived (the textarea is writable). */
async function editorLoaded(u, timeout = 5000) {
  if (!(await editorMounted(u))) return false;
  try {
    await u.page.waitForFunction(() => document.querySelector('#editor textarea')?.readOnly === false, null, { timeout });
    return true;
  } catch {
    return false;
  }
}

const editorArea = (u) => u.page.locator('#editor textarea');

/** Waits until every user's editor holds the server's text, which contains
 *  every string of `must`; returns that text. */
async function converged(users, token, must, timeout = 15000) {
  const t0 = Date.now();
  for (;;) {
    const server = await serverDoc(token, 'welcome');
    const texts = await Promise.all(users.map((u) => editorArea(u).inputValue()));
    if (texts.every((x) => x === server) && must.every((m) => server.includes(m))) return server;
    if (Date.now() - t0 > timeout) {
      throw new Error(`editors did not converge: ${JSON.stringify({ server, texts, must })}`);
    }
    await sleep(100);
  }
}

/** Errors other than the browser's own reports of refused connections. */
function realErrors(u) {
  return u.errors.filter((e) => !/WebSocket|ERR_|net::|Failed to load resource|EventSource/.test(e));
}

const countOf = (arr, x) => arr.filter((y) => y === x).length;

// ---- tests ----------------------------------------------------------------------

test('two users: posts, chat, notifications and the document, live in both windows', async (t) => {
  let alice;
  let bob;
  try {
    alice = await openUser('alice');
    bob = await openUser('bob');

    await t.test('chat: join notice, messages both ways', async () => {
      await waitChat(alice, (log) => log.some((e) => e.notice === 'bob joined the room'), 'bob joined');
      await chat(alice, 'hello bob 👋');
      await chat(bob, 'hi alice, 你好');
      for (const u of [alice, bob]) {
        const log = await waitChat(u, (l) => l.some((e) => e.text === 'hi alice, 你好'), 'both messages');
        const msgs = log.filter((e) => e.text);
        assert.deepEqual(msgs.slice(-2), [{ user: 'alice', text: 'hello bob 👋' }, { user: 'bob', text: 'hi alice, 你好' }]);
      }
    });

    await t.test('posts: created, edited and deleted in one window show in the other', async () => {
      await submitPost(alice, { title: 'First post', content: 'Written by alice' });
      await bob.page.waitForFunction(() => [...document.querySelectorAll('#posts .post h3')].some((h) => h.textContent === 'First post'));
      await submitPost(bob, { title: 'Second post', content: 'by bob' });
      await alice.page.waitForFunction(() => document.querySelector('#posts .post h3')?.textContent === 'Second post');
      assert.deepEqual(await postTitles(alice), ['Second post', 'First post']);

      const id = await myPostId(alice, 'First post');
      await alice.page.click(`#my-posts li[data-id="${id}"] button.edit`);
      assert.equal(await alice.page.inputValue('#post-form [name=title]'), 'First post');
      await submitPost(alice, { title: 'First post (edited)', content: 'Edited ✏️' });
      await bob.page.waitForFunction((id) => document.querySelector(`#posts .post[data-id="${id}"] h3`)?.textContent === 'First post (edited)', id);
      assert.equal(await bob.page.textContent(`#posts .post[data-id="${id}"] p`), 'Edited ✏️');
      assert.deepEqual(await postTitles(bob), ['Second post', 'First post (edited)']);

      await alice.page.click(`#my-posts li[data-id="${id}"] button.delete`);
      await bob.page.waitForFunction((id) => !document.querySelector(`#posts .post[data-id="${id}"]`), id);
      await alice.page.waitForFunction((id) => !document.querySelector(`#posts .post[data-id="${id}"]`), id);
      assert.deepEqual(await postTitles(bob), ['Second post']);
      assert.deepEqual(await postTitles(alice), ['Second post']);
    });

    await t.test('notifications: sent through the server, the unread count is right', async () => {
      assert.equal(await badge(alice), '0');
      await sendNotification(bob, { title: 'From bob', message: 'first', to: alice.id });
      await alice.page.waitForFunction(() => document.querySelector('#notifications .badge')?.textContent === '1');
      await rest(bob.token, 'POST', '/api/notifications', { title: 'Second', message: 'over REST', user_id: alice.id });
      await alice.page.waitForFunction(() => document.querySelector('#notifications .badge')?.textContent === '2');
      const server = await rest(alice.token, 'GET', '/api/notifications');
      assert.equal(server.unread_count, 2);
      assert.deepEqual(await notificationIds(alice), server.notifications.map((n) => n.id));
      assert.equal(await badge(bob), '0', 'bob got nothing');
      // Opening the panel marks everything read, on the server too.
      await alice.page.click('#notifications .notification-button');
      await alice.page.waitForSelector('#notifications .notification-panel.active');
      await alice.page.waitForFunction(() => !document.querySelector('#notifications .badge'));
      for (let i = 0; ; i++) {
        if ((await rest(alice.token, 'GET', '/api/notifications')).unread_count === 0) break;
        assert.ok(i < 50, 'read-all reached the server');
        await sleep(50);
      }
      await screenshot(alice.page, 'demo-alice');
      await screenshot(bob.page, 'demo-bob');
    });

    // DocumentEditor is being written (components/pf_document_editor.c):
    // until it mounts and loads its snapshot this subtest runs as a TODO,
    // with the same assertions, so it reports what fails without failing
    // the run.
    const loaded = (await editorLoaded(alice)) && (await editorLoaded(bob));
    const todo = loaded ? false : (await editorMounted(alice))
      ? 'DocumentEditor mounts but never loads its snapshot (the textarea stays read-only)'
      : `DocumentEditor does not mount: ${await alice.page.evaluate(() => window.pyframeDemo.errors.editor)}`;
    await t.test('documents: both editors type at once (emoji, CJK) and converge to the server text', { todo }, async () => {
      assert.ok(await editorMounted(alice), 'DocumentEditor mounted');
      assert.ok(loaded, 'both editors loaded their snapshot');
      await editorArea(alice).click();
      await editorArea(bob).click();
      const a = 'alice 😀 writes ';
      const b = 'bob 日本語 🎉 ';
      // Concurrently: both type at once, so operations cross on the wire.
      await Promise.all([editorArea(alice).pressSequentially(a, { delay: 5 }), editorArea(bob).pressSequentially(b, { delay: 5 })]);
      const text = await converged([alice, bob], alice.token, ['😀', '日本語', '🎉']);
      for (const ch of [...a, ...b]) assert.ok(text.includes(ch), `lost ${ch}`);
      assert.equal([...text].filter((c) => c === '😀').length, 1, 'typed once');
      await screenshot(alice.page, 'demo-editor');
    });

    await t.test('chat: leave notice when the other window goes', async () => {
      await closeUser(bob);
      bob = null;
      await waitChat(alice, (log) => log.some((e) => e.notice === 'bob left the room'), 'bob left');
    });

    assert.deepEqual(realErrors(alice), []);
    assert.deepEqual(alice.dialogs, []);
  } finally {
    await closeUser(alice);
    await closeUser(bob);
  }
});

test('server restart while chatting: every component shows it, reconnects, nothing lost or doubled', async () => {
  const carol = await openUser('carol');
  const dave = await openUser('dave');
  try {
    const before = ['c1', 'c2', 'c3'].map((x) => `before restart ${x}`);
    for (const m of before) await chat(carol, m);
    await sendNotification(dave, { title: 'before restart', to: carol.id });
    await carol.page.waitForFunction(() => document.querySelector('#notifications .badge')?.textContent === '1');

    // Editing through the restart too, once DocumentEditor works (see above).
    const editing = (await editorLoaded(carol)) && (await editorLoaded(dave));
    if (editing) {
      await editorArea(carol).click();
      await editorArea(carol).press('Control+End');
      await editorArea(carol).pressSequentially(' carol was here ', { delay: 5 });
      await converged([carol, dave], carol.token, ['carol was here']);
    }

    await srv.close();
    for (const u of [carol, dave]) {
      await waitStates(u, (s) => s.posts !== 'open' && s.chat !== 'open' && s.notes !== 'open' && s.doc !== 'open', 'all disconnected');
      // And it is visible, not only in an attribute.
      assert.match(await u.page.textContent('#posts .status'), /🔴/);
      assert.match(await u.page.textContent('#chat .chat-status'), /🔴/);
    }
    await screenshot(carol.page, 'demo-disconnected');
    // Typed while the server is down: held, sent after the reconnect.
    const during = ['d1', 'd2', 'd3'].map((x) => `typed offline ${x}`);
    for (const m of during) await chat(carol, m);
    await chat(dave, 'dave offline too');
    if (editing) await editorArea(carol).pressSequentially('offline 離線 🚀', { delay: 5 });

    await start(); // same port, same database file
    // Right after the restart, possibly before the clients are back: these
    // must arrive by replay (since= / Last-Event-ID) or live, exactly once.
    await rest(dave.token, 'POST', '/api/notifications', { title: 'after restart 1', user_id: carol.id });
    await rest(dave.token, 'POST', '/api/posts', { title: 'posted after restart', published: true });
    for (const u of [carol, dave]) {
      await waitStates(u, (s) => s.posts === 'open' && s.chat === 'open' && s.notes === 'open' && (s.doc === null || s.doc === 'open'),
        'all reconnected', 20000);
    }
    await rest(dave.token, 'POST', '/api/notifications', { title: 'after restart 2', user_id: carol.id });
    await chat(dave, 'after restart');

    const expected = [...before, ...during, 'dave offline too', 'after restart'];
    for (const u of [carol, dave]) {
      const log = await waitChat(u, (l) => l.filter((e) => e.text).length >= expected.length &&
        ['dave offline too', 'after restart', ...during].every((m) => l.some((e) => e.text === m)), 'every message');
      const texts = log.filter((e) => e.text).map((e) => e.text);
      for (const m of expected) assert.equal(countOf(texts, m), 1, `${u.name}: "${m}" once in ${JSON.stringify(texts)}`);
      // Carol's offline messages keep their order.
      assert.deepEqual(texts.filter((m) => m.startsWith('typed offline')), during);
      await u.page.waitForFunction(() => [...document.querySelectorAll('#posts .post h3')].some((h) => h.textContent === 'posted after restart'));
      assert.equal(countOf(await postTitles(u), 'posted after restart'), 1);
    }
    await carol.page.waitForFunction(() => document.querySelector('#notifications .badge')?.textContent === '3');
    if (editing) {
      const text = await converged([carol, dave], carol.token, ['carol was here', 'offline 離線 🚀']);
      assert.equal(text.split('offline 離線 🚀').length, 2, 'the offline edit applied once');
    }
    await sleep(300); // a duplicate would show up now
    const server = await rest(carol.token, 'GET', '/api/notifications');
    assert.equal(server.unread_count, 3);
    assert.deepEqual(await notificationIds(carol), server.notifications.map((n) => n.id));
    assert.equal(await badge(carol), '3');
    await screenshot(carol.page, 'demo-reconnected');
    for (const u of [carol, dave]) {
      assert.deepEqual(realErrors(u), []);
      assert.deepEqual(u.dialogs, []);
    }
  } finally {
    await closeUser(carol);
    await closeUser(dave);
  }
});

test('hostile strings in posts, chat, user names and notifications are shown, never run', async () => {
  // Every payload sets window.__pwned or opens a dialog if it ever runs.
  const H = {
    script: '<script>window.__pwned=1</script>',
    img: '<img src=x onerror="window.__pwned=1;alert(1)">',
    link: 'javascript:window.__pwned=1//',
    quotes: `"'><svg onload=alert(1)>&amp;`,
    controls: 'rtl\u202Eevil\u200B\u2066x\u2069\uFEFF end',
  };
  const evilName = '<img src=x onerror=alert(1)>"\u202E\'';
  const mallory = await openUser(evilName);
  const victim = await openUser('victim');
  try {
    for (const u of [mallory, victim]) await u.page.evaluate(() => { window.__pwned = undefined; });
    const values = Object.values(H);
    // Posts: title, content, and the author's name.
    await submitPost(mallory, { title: H.img, content: H.script });
    await submitPost(mallory, { title: H.quotes, content: H.link });
    await submitPost(mallory, { title: H.controls, content: H.controls });
    // Chat text and the sender's name.
    for (const v of values) await chat(mallory, v);
    // Notifications: title, message, icon.
    await sendNotification(mallory, { title: H.img, message: H.script, icon: '<img src=x>', to: victim.id });
    await sendNotification(mallory, { title: H.quotes, message: H.link, icon: 'javascript:f()', to: victim.id });
    await sendNotification(mallory, { title: H.controls, message: H.controls, icon: '\u202E"\'', to: victim.id });

    for (const u of [victim, mallory]) {
      const p = u.page;
      await p.waitForFunction((t) => document.querySelector('#posts .post h3')?.textContent === t, H.controls);
      const posts = await p.$$eval('#posts .post', (els) => els.map((e) => ({
        title: e.querySelector('h3').textContent, content: e.querySelector('p').textContent, by: e.querySelector('small').textContent,
      })));
      const mine = posts.filter((x) => x.by.startsWith(`By ${evilName} `));
      assert.deepEqual(mine.map((x) => [x.title, x.content]),
        [[H.controls, H.controls], [H.quotes, H.link], [H.img, H.script]]);

      const log = await waitChat(u, (l) => l.some((e) => e.text === H.controls), 'hostile chat');
      const msgs = log.filter((e) => e.user === evilName).map((e) => e.text);
      assert.deepEqual(msgs.slice(-values.length), values);
    }
    await victim.page.waitForFunction(() => document.querySelector('#notifications .badge')?.textContent === '3');
    await victim.page.click('#notifications .notification-button');
    await victim.page.waitForSelector('#notifications .notification-panel.active');
    const notes = await victim.page.$$eval('#notifications .notification-item', (els) => els.map((e) => [
      e.querySelector('.notification-icon').textContent, e.querySelector('h4').textContent, e.querySelector('p').textContent]));
    assert.deepEqual(notes, [
      ['\u202E"\'', H.controls, H.controls],
      ['javascript:f()', H.quotes, H.link],
      ['<img src=x>', H.img, H.script],
    ]);
    // The attacker's name is shown as typed in its own header too.
    assert.equal(await mallory.page.textContent('#me-name'), evilName);
    await sleep(300); // let any image error handler fire
    for (const u of [victim, mallory]) {
      const found = await u.page.evaluate(() => ({
        pwned: window.__pwned,
        elements: document.querySelectorAll('main script, main img:not(#editor .toolbar img.avatar), main #editor img.avatar[src]:not([src^="data:"]), main svg, main a[href^="javascript"], main [onerror], main [onload], main [onclick]').length,
      }));
      assert.deepEqual(found, { pwned: undefined, elements: 0 }, u.name);
      assert.deepEqual(u.dialogs, [], `${u.name}: a dialog opened`);
      assert.deepEqual(realErrors(u), []);
    }
    await screenshot(victim.page, 'demo-hostile');
  } finally {
    await closeUser(mallory);
    await closeUser(victim);
  }
});

test('custom.html mounts the KeyedList example live; state.html keeps the State store example', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(`${srv.url}/custom.html`);
    await page.waitForSelector('#keyed .keyed-list tr[data-id="3"]');
    await page.fill('#keyed input.new-label', '<b>mine</b>');
    await page.press('#keyed input.new-label', 'Enter');
    await page.waitForFunction(() => document.querySelector('#keyed tr[data-id="4"] .label')?.textContent === '<b>mine</b>');
    await page.click('#kl-append');
    await page.waitForSelector('#keyed tr[data-id="102"]');
    await page.click('#keyed tr[data-id="2"] .label a');
    await page.waitForSelector('#keyed tr[data-id="2"].danger');
    assert.deepEqual(await page.$$eval('#kl-events li', (els) => els.map((e) => e.textContent)),
      ['selected 2', 'added 4: <b>mine</b>']);
    await screenshot(page, 'demo-custom');
    await page.goto(`${srv.url}/state.html`);
    await page.waitForFunction(() => document.getElementById('state').textContent.includes('"count"'));
    await page.click('#burst');
    await page.waitForFunction(() => document.getElementById('count').textContent === '100');
    assert.equal(await page.textContent('#renders'), '2');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('demo: an edit sends only the fields changed in its form; a post deleted elsewhere is said so', async () => {
  const ivy = await openUser('ivy');
  try {
    await submitPost(ivy, { title: 'Original title', content: 'first text' });
    const id = await myPostId(ivy, 'Original title');
    // The form is filled, then the title is changed elsewhere (another window).
    await ivy.page.click(`#my-posts li[data-id="${id}"] button.edit`);
    await rest(ivy.token, 'PATCH', `/api/posts/${id}`, { title: 'Retitled elsewhere' });
    await ivy.page.fill('#post-form [name=content]', 'second text');
    await ivy.page.click('#post-submit');
    await ivy.page.waitForFunction(() => /saved/.test(document.getElementById('post-status').textContent));
    const { post } = await rest(ivy.token, 'GET', `/api/posts/${id}`);
    assert.equal(post.title, 'Retitled elsewhere', 'the title changed elsewhere is kept');
    assert.equal(post.content, 'second text');
    // A post deleted elsewhere: deleting it here says so and the row goes.
    await submitPost(ivy, { title: 'Deleted elsewhere' });
    const gone = await myPostId(ivy, 'Deleted elsewhere');
    await rest(ivy.token, 'DELETE', `/api/posts/${gone}`);
    await ivy.page.click(`#my-posts li[data-id="${gone}"] button.delete`);
    await ivy.page.waitForFunction(() => /already deleted/.test(document.getElementById('post-status').textContent));
    await ivy.page.waitForFunction((gid) => !document.querySelector(`#my-posts li[data-id="${gid}"]`), gone);
  } finally {
    await closeUser(ivy);
  }
});

test('demo: a login that expires while the page runs is said once, with the login form back', async () => {
  // Its own server, whose tokens last 2 s; restarted after they expired, so
  // that every component connects again and is refused.
  const own = join(dir, 'expiry.db');
  let s2 = await startServer({ port: 0, dbPath: own, log: () => {}, tokenTtlSeconds: 2 });
  const p2 = s2.port;
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(`${s2.url}/`);
    await page.fill('#login-name', 'kim');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready]');
    await sleep(2500);
    await s2.close();
    s2 = await startServer({ port: p2, dbPath: own, log: () => {}, tokenTtlSeconds: 2 });
    await page.waitForSelector('#login-form:not([hidden])', { timeout: 20000 });
    assert.match(await page.textContent('#app-error'), /login is no longer valid/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pyframe-demo-session')), null);
    assert.equal(await page.evaluate(() => Object.keys(window.pyframeDemo.handles).length), 0);
    // Logging in again brings everything back.
    await page.fill('#login-name', 'kim');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready]');
    assert.equal(await page.isHidden('#app-error'), true);
    assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_|net::|Failed to load resource|401/.test(e)), []);
  } finally {
    await context.close();
    await s2.close();
  }
});

test('demo: the page offers to show browser notifications while the browser has not been asked, and not once it has', async () => {
  for (const granted of [false, true]) {
    const context = await browser.newContext();
    if (granted) await context.grantPermissions(['notifications'], { origin: srv.url });
    const page = await context.newPage();
    try {
      await page.goto(`${srv.url}/`);
      await page.fill('#login-name', granted ? 'perm-yes' : 'perm-ask');
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('body[data-ready]');
      const permission = await page.evaluate(() => Notification.permission);
      assert.equal(await page.isVisible('#notify-allow'), permission === 'default', `permission ${permission}`);
      if (permission === 'default') {
        await page.click('#notify-allow');
        // Headless Chromium answers at once; the button goes with the answer.
        await page.waitForFunction(() => Notification.permission !== 'default' || document.getElementById('notify-permission').hidden === false);
        if (await page.evaluate(() => Notification.permission !== 'default')) assert.equal(await page.isVisible('#notify-allow'), false);
      }
      if (granted) assert.equal(permission, 'granted');
    } finally {
      await context.close();
    }
  }
});

test('one user, two windows: what one marks read (all, or one item by keyboard) shows read in the other; dates are <time>', async () => {
  let w1, w2, w3;
  try {
    w1 = await openUser('two-windows');
    w2 = await openUser('two-windows');
    assert.equal(w1.id, w2.id);
    const unread = (u) => u.page.$$eval('#notifications .notification-item.unread', (els) => els.map((e) => Number(e.dataset.id)));
    const waitBadge = (u, text) => u.page.waitForFunction((t) => (document.querySelector('#notifications .badge')?.textContent ?? '0') === t, text);
    for (const title of ['first', 'second']) await rest(w1.token, 'POST', '/api/notifications', { title });
    for (const u of [w1, w2]) await waitBadge(u, '2');

    // Opening the panel in window 1 marks all read: window 2 follows.
    await w1.page.click('#notifications .notification-button');
    await w1.page.waitForSelector('#notifications .notification-panel.active');
    await waitBadge(w1, '0');
    await waitBadge(w2, '0');
    assert.deepEqual(await unread(w2), []);

    // A new one while the panel is open, marked read from the keyboard.
    const third = (await rest(w1.token, 'POST', '/api/notifications', { title: 'third' })).notification;
    for (const u of [w1, w2]) await waitBadge(u, '1');
    assert.deepEqual(await unread(w2), [third.id]);
    const button = w1.page.locator(`#notifications .notification-item[data-id="${third.id}"] button.mark-read`);
    // Reached with Tab from the bell (past "Mark all as read").
    await w1.page.focus('#notifications .notification-button');
    for (let i = 0; i < 5 && !(await button.evaluate((b) => b === document.activeElement)); i++) await w1.page.keyboard.press('Tab');
    assert.ok(await button.evaluate((b) => b === document.activeElement), 'Tab reaches the item\'s button');
    await w1.page.keyboard.press('Enter');
    await waitBadge(w1, '0');
    await waitBadge(w2, '0');
    assert.deepEqual(await unread(w2), []);
    assert.equal((await rest(w1.token, 'GET', '/api/notifications')).unread_count, 0);
    // The button stays (aria-disabled), and so does the focus.
    assert.equal(await button.getAttribute('aria-disabled'), 'true');
    assert.ok(await button.evaluate((b) => b === document.activeElement), 'focus kept on the button');
    // Space works as well (a native button).
    const fourth = (await rest(w1.token, 'POST', '/api/notifications', { title: 'fourth' })).notification;
    await waitBadge(w2, '1');
    await w1.page.locator(`#notifications .notification-item[data-id="${fourth.id}"] button.mark-read`).focus();
    await w1.page.keyboard.press('Space');
    await waitBadge(w2, '0');

    // A third window whose stream opens only after its list was made on the
    // server and after window 1 marked one read meanwhile: the read event
    // went to windows 1 and 2 and is never replayed. Before, the list was
    // loaded first and the stream opened after it: window 3 showed both
    // unread (badge 2) until a reload. The stream is held here (whatever
    // the order of the two requests), then let through.
    const fifth = (await rest(w1.token, 'POST', '/api/notifications', { title: 'fifth' })).notification;
    await rest(w1.token, 'POST', '/api/notifications', { title: 'sixth' });
    await waitBadge(w2, '2');
    let release;
    const held = new Promise((r) => { release = r; });
    w3 = { context: await browser.newContext({ viewport: { width: 1300, height: 1000 } }) };
    w3.page = await w3.context.newPage();
    w3.errors = watchErrors(w3.page);
    await w3.page.route((url) => url.pathname === '/events/notifications', async (route) => { await held; await route.continue(); });
    const listed = w3.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/notifications' && r.request().method() === 'GET');
    await w3.page.goto(`${srv.url}/`);
    await w3.page.fill('#login-name', 'two-windows');
    await w3.page.click('#login-form button[type=submit]');
    await listed;
    await rest(w1.token, 'POST', `/api/notifications/${fifth.id}/read`);
    await waitBadge(w2, '1');
    release();
    await w3.page.waitForSelector('#notifications .notification-system[data-state="open"]');
    await w3.page.waitForFunction(() => document.querySelector('#notifications .badge')?.textContent === '1', null, { timeout: 10000 })
      .catch(async () => assert.fail(`window 3 shows badge ${await badge(w3)}, the server 1`));
    assert.deepEqual(await unread(w3), await unread(w2));

    // The date: <time datetime="created_at">, shown in the page's time zone
    // and language.
    const time = await w2.page.$eval(`#notifications .notification-item[data-id="${third.id}"] small time`,
      (t) => ({ datetime: t.getAttribute('datetime'), text: t.textContent,
        local: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(t.dateTime)) }));
    assert.equal(time.datetime, third.created_at);
    assert.equal(time.text, time.local);
    for (const u of [w1, w2]) assert.deepEqual(u.errors, []);
    assert.deepEqual(w3.errors.filter((e) => !/EventSource/.test(e)), []);
  } finally {
    await closeUser(w1);
    await closeUser(w2);
    await closeUser(w3);
  }
});

test("demo: times show in the reader's time zone and language; a later patch keeps them", async () => {
  const u = await openUser('tz-reader', { timezoneId: 'Asia/Tokyo', locale: 'de-DE' });
  try {
    const fmt = new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' });
    const times = (sel) => u.page.evaluate((q) => [...document.querySelectorAll(q)].map((t) => [t.dateTime, t.textContent]), sel);
    await chat(u, 'what time is it');
    await submitPost(u, { title: 'A post with a date' });
    for (const sel of ['#chat time', '#posts time']) {
      await u.page.waitForFunction((q) => document.querySelectorAll(q).length > 0, sel);
      const all = await times(sel);
      for (const [at, text] of all) {
        assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d/);
        assert.equal(text, fmt.format(new Date(at)), `${sel}: ${at}`);
      }
    }
    // More patches of the same components: the times shown stay local.
    await chat(u, 'and now');
    await waitChat(u, (log) => log.some((e) => e.text === 'and now'), 'the second message');
    const all = await times('#chat time');
    assert.ok(all.length >= 2);
    for (const [at, text] of all) assert.equal(text, fmt.format(new Date(at)));
    assert.deepEqual(realErrors(u), []);
  } finally {
    await closeUser(u);
  }
});
