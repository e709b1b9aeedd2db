// Chromium: DocumentEditor after a DOM patch that failed half-way. A page
// script moved one of the component's nodes away, the next patch (another
// user joins: an avatar inserted before that node) fails, the bindings
// empty the root and C renders the whole tree again (-11, "from scratch"),
// with a new textarea. That textarea must show the document, keep the old
// one's caret and focus, and send what is typed in it; the document must
// never be emptied (a new textarea is empty until it gets C's text).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../../demo/server/main.mjs';
import { repoRoot } from '../lib/static_server.mjs';
import { launch, watchErrors } from '../lib/browser.mjs';
import { login as loginAt } from '../lib/demo_api.mjs';

const DOC = 'e2e-rebuild';
let dir, server, browser;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pf-rebuild-'));
  server = await startServer({ port: 0, dbPath: join(dir, 'db.sqlite'), publicDir: join(repoRoot, 'test', 'e2e', 'pages'), log: () => {} });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); if (dir) rmSync(dir, { recursive: true, force: true }); });

/** The server's text of the document, asked over a socket of its own. */
async function serverText(token) {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/docs/${DOC}?token=${token}`);
  try {
    return await new Promise((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'join' })));
      ws.on('message', (d) => {
        const m = JSON.parse(String(d));
        if (m.type === 'snapshot') resolve(m.content);
      });
      ws.on('error', reject);
    });
  } finally {
    ws.close();
  }
}

async function openEditor(session) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/editor.html`);
  await page.evaluate(() => window.E.ready);
  await page.evaluate((p) => window.E.mount(p), { doc: DOC, token: session.token, user: session.user });
  await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000 });
  return { context, page, errors };
}

async function waitFor(what, fn, timeout = 10000) {
  let last;
  for (const t0 = Date.now(); Date.now() - t0 < timeout;) {
    last = await fn();
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what}: ${JSON.stringify(last)}`);
}

test('after a failed patch the rebuilt textarea shows the text, keeps the caret and focus, and sends typing; the document is never emptied', async () => {
  const sa = await loginAt(server.url, 'rebuild-alice');
  const sb = await loginAt(server.url, 'rebuild-bob');
  const a = await openEditor(sa);
  let b, c;
  try {
    await a.page.click('textarea.editor');
    await a.page.keyboard.type('hello world');
    await waitFor('saved', async () => ({ ok: (await serverText(sa.token)) === 'hello world' }));
    // Alice's caret after "hello"; the user count moved out of the
    // component by a page script: the avatar of the next user to join is
    // inserted before it, which fails.
    await a.page.evaluate(() => {
      const t = document.querySelector('textarea.editor');
      t.focus();
      t.setSelectionRange(5, 5);
      window.oldArea = t;
      document.body.append(document.querySelector('.user-count'));
    });
    b = await openEditor(sb);
    // Bob's page records the shortest text its textarea ever held.
    await b.page.evaluate(() => {
      window.minLength = Infinity;
      const watch = () => {
        window.minLength = Math.min(window.minLength, document.querySelector('textarea.editor').value.length);
        requestAnimationFrame(watch);
      };
      watch();
    });
    const rebuilt = await waitFor('a new textarea', () => a.page.evaluate(() => {
      const t = document.querySelector('textarea.editor');
      return { ok: !!t && t !== window.oldArea };
    }));
    assert.ok(rebuilt.ok);
    const shown = await a.page.evaluate(() => {
      const t = document.querySelector('textarea.editor');
      return { value: t.value, focused: document.activeElement === t, sel: [t.selectionStart, t.selectionEnd] };
    });
    assert.deepEqual(shown, { value: 'hello world', focused: true, sel: [5, 5] }, 'the rebuilt textarea');
    await a.page.keyboard.type(', new');
    const want = 'hello, new world';
    await waitFor('Alice sees her typing', async () => {
      const v = await a.page.evaluate(() => window.E.value());
      return { ok: v === want, v };
    });
    await waitFor("Bob's page gets Alice's typing", async () => {
      const v = await b.page.evaluate(() => window.E.value());
      return { ok: v === want, v };
    });
    await waitFor('the server has it', async () => {
      const v = await serverText(sa.token);
      return { ok: v === want, v };
    });
    // Past the bindings' length check (1 s after an edit): nothing changes.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await serverText(sa.token), want);
    assert.equal(await b.page.evaluate(() => window.E.value()), want);
    assert.equal(await b.page.evaluate(() => window.minLength), 'hello world'.length, 'Bob saw the text shorter');
    // The old textarea's input path is gone: typing there sends nothing.
    assert.equal(await a.page.evaluate(() => window.oldArea.pfEditor), undefined);
    const errors = a.errors.filter((e) => !/DOM patch|insertBefore/.test(e));
    assert.deepEqual([...errors, ...b.errors], []);
    assert.ok(a.errors.length > errors.length, 'no patch failed: nothing tested');

    // Bob's textarea, not focused, scrolled down, with a selection: his
    // rebuilt one takes the scroll and the selection and leaves the focus
    // where it was.
    await a.page.evaluate(() => window.E.area().setSelectionRange(1e9, 1e9));
    await a.page.keyboard.type('\nmore'.repeat(20));
    const long = want + '\nmore'.repeat(20);
    await waitFor("Bob's page gets the long text", async () => ({ ok: (await b.page.evaluate(() => window.E.value())) === long }));
    const before = await b.page.evaluate(() => {
      const t = window.E.area();
      t.blur();
      t.setSelectionRange(2, 7);
      t.scrollTop = 60;
      window.oldArea = t;
      document.body.append(document.querySelector('.user-count'));
      return t.scrollTop;
    });
    assert.equal(before, 60, 'the textarea does not scroll: no test');
    c = await openEditor(await loginAt(server.url, 'rebuild-carol'));
    await waitFor("a new textarea in Bob's page", () => b.page.evaluate(() => ({ ok: window.E.area() !== window.oldArea })));
    const bob = await b.page.evaluate(() => {
      const t = window.E.area();
      return { value: t.value, focused: document.activeElement === t, sel: [t.selectionStart, t.selectionEnd], top: t.scrollTop };
    });
    assert.deepEqual(bob, { value: long, focused: false, sel: [2, 7], top: 60 }, "Bob's rebuilt textarea");
    await b.page.evaluate(() => { const t = window.E.area(); t.focus(); t.setSelectionRange(0, 0); });
    await b.page.keyboard.type('> ');
    for (const p of [a, b, c]) {
      await waitFor('everyone has it', async () => ({ ok: (await p.page.evaluate(() => window.E.value())) === '> ' + long }));
    }
    assert.equal(await serverText(sa.token), '> ' + long);
    assert.equal(await b.page.evaluate(() => window.minLength), 'hello world'.length, 'Bob saw the text shorter');
  } finally {
    await a.context.close();
    await b?.context.close();
    await c?.context.close();
  }
});
