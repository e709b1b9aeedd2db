// Chromium test of DocumentEditor (components/pf_document_editor.c and the
// textarea input path in bindings/pyframe_rt.js) against the reference
// server: two users type at once (emoji, CJK, deletes, a paste), both
// textareas converge to each other and to the server's text, a remote
// insert does not move the other user's caret wrongly, and a server restart
// in the middle of typing loses nothing. Also: U+0000 in the textarea
// becomes U+FFFD everywhere; edits the server keeps refusing are shown as
// "Edits not saved" with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../../demo/server/main.mjs';
import { repoRoot } from '../lib/static_server.mjs';
import { launch, screenshot, watchErrors } from '../lib/browser.mjs';
import { login as loginAt } from '../lib/demo_api.mjs';

const DOC = 'e2e-editor';
let dir;
let server;
let port;
let browser;

async function start() {
  server = await startServer({
    port: port ?? 0,
    dbPath: join(dir, 'db.sqlite'),
    publicDir: join(repoRoot, 'test', 'e2e', 'pages'),
    log: () => {},
  });
  port = server.port;
}

function login(name) {
  return loginAt(server.url, name);
}

/** The server's text of the document, asked over a socket of its own. */
async function serverText(token, doc = DOC) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/docs/${doc}?token=${token}`);
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

async function openEditor(session, doc = DOC) {
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/editor.html`);
  await page.evaluate(() => window.E.ready);
  await page.evaluate((p) => window.E.mount(p), { doc, token: session.token, user: session.user });
  await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000 });
  await page.click('textarea.editor');
  return { context, page, errors };
}

/** Waits until both textareas hold the same text, both say Saved, and
 * return it. */
async function converged(a, b, timeout = 15000) {
  const t0 = Date.now();
  let va, vb;
  for (;;) {
    va = await a.page.evaluate(() => window.E.saved() && window.E.value());
    vb = await b.page.evaluate(() => window.E.saved() && window.E.value());
    if (va !== false && va === vb) return va;
    if (Date.now() - t0 > timeout) assert.fail(`no convergence:\n${JSON.stringify(va)}\n${JSON.stringify(vb)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pf-editor-'));
  await start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('two users edit at once, converge, keep their carets, and survive a server restart', async () => {
  const alice = await login('alice');
  const bob = await login('bob <b>&</b>');
  const A = await openEditor(alice);
  const B = await openEditor(bob);

  // Presence: both users shown, escaped.
  await A.page.waitForFunction(() => document.querySelector('.user-count').textContent === '2 online');
  assert.equal(await A.page.getAttribute(`img[data-user="${bob.user.id}"]`, 'alt'), 'bob <b>&</b>');

  // Concurrent typing: ASCII, emoji, CJK; then deletes and a paste.
  await Promise.all([
    A.page.keyboard.type('Hello 😀 world! ', { delay: 15 }),
    B.page.keyboard.type('中文テキスト 🎉 ok ', { delay: 15 }),
  ]);
  await Promise.all([
    (async () => {
      for (let i = 0; i < 3; i++) await A.page.keyboard.press('Backspace');
      await A.page.keyboard.type('→✓', { delay: 10 });
    })(),
    (async () => {
      await B.page.evaluate(() => navigator.clipboard.writeText('[pasted 📋 text]'));
      await B.page.keyboard.press('Control+V');
      await B.page.keyboard.press('ArrowLeft');
      await B.page.keyboard.press('Delete');
    })(),
  ]);
  let text = await converged(A, B);
  assert.equal(await serverText(alice.token), text);
  assert.ok(text.includes('😀'), text);
  assert.ok(text.includes('[pasted 📋 text'), text);
  assert.ok(text.includes('→✓'), text);
  const statsB = await B.page.evaluate(() => window.E.handle.editorStats());
  assert.ok(statsB.splices >= 12 && statsB.fallbacks === 0, JSON.stringify(statsB));

  // Carets: Alice's caret sits after "Hello" if present, else at 5.
  const at = Math.max(5, text.indexOf('Hello') + 5);
  await A.page.evaluate((p) => { const a = window.E.area(); a.focus(); a.setSelectionRange(p, p); }, at);
  // Bob inserts at the very end (after Alice's caret): her caret stays.
  await B.page.evaluate(() => { const a = window.E.area(); a.focus(); a.setSelectionRange(a.value.length, a.value.length); });
  await B.page.keyboard.type(' tail🙂', { delay: 10 });
  text = await converged(A, B);
  assert.deepEqual(await A.page.evaluate(() => [window.E.area().selectionStart, window.E.area().selectionEnd]), [at, at]);
  // Bob inserts at the very start (before it): her caret moves with her text.
  await B.page.evaluate(() => window.E.area().setSelectionRange(0, 0));
  await B.page.keyboard.type('🐱ab', { delay: 10 });
  text = await converged(A, B);
  assert.deepEqual(await A.page.evaluate(() => [window.E.area().selectionStart, window.E.area().selectionEnd]), [at + 4, at + 4]);
  // Bob sees Alice's cursor.
  await B.page.waitForFunction((id) => !!document.querySelector(`.cursor[data-user="${id}"]`), alice.user.id);

  // Undo through the OT client: Alice types then undoes it.
  await A.page.keyboard.type('UNDO-ME', { delay: 5 });
  await A.page.keyboard.press('Control+Z');
  text = await converged(A, B);
  assert.ok(!text.includes('UNDO-ME'), text);

  // An IME composition (CDP drives Chromium's IME): one edit at the end,
  // while Bob's remote edit at the start lands during the composition.
  const cdp = await A.context.newCDPSession(A.page);
  await A.page.evaluate(() => { const a = window.E.area(); a.setSelectionRange(a.value.length, a.value.length); });
  await cdp.send('Input.imeSetComposition', { text: 'に', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.imeSetComposition', { text: 'にほ', selectionStart: 2, selectionEnd: 2 });
  await B.page.evaluate(() => window.E.area().setSelectionRange(0, 0));
  await B.page.keyboard.type('<', { delay: 5 });
  await new Promise((r) => setTimeout(r, 200));
  await cdp.send('Input.imeSetComposition', { text: 'にほん', selectionStart: 3, selectionEnd: 3 });
  await cdp.send('Input.insertText', { text: '日本' });
  text = await converged(A, B);
  assert.ok(text.startsWith('<'), text);
  assert.ok(text.endsWith('日本'), text);
  assert.ok(!text.includes('に'), text);

  // Kill and restart the server (same database) while both type.
  await A.page.evaluate(() => { const a = window.E.area(); a.setSelectionRange(a.value.length, a.value.length); });
  await B.page.evaluate(() => window.E.area().setSelectionRange(0, 0));
  const typedA = ' [A typed through a restart ✨]';
  const typedB = '[B typed 日本 too]';
  const typing = Promise.all([
    A.page.keyboard.type(typedA, { delay: 40 }),
    B.page.keyboard.type(typedB, { delay: 40 }),
  ]);
  await new Promise((r) => setTimeout(r, 300));
  await server.close();
  await new Promise((r) => setTimeout(r, 400));
  await start();
  await typing;
  text = await converged(A, B, 25000);
  assert.ok(text.includes(typedA), text);
  assert.ok(text.includes(typedB), text);
  assert.equal(await serverText(alice.token), text);
  await screenshot(A.page, 'editor-alice');
  await screenshot(B.page, 'editor-bob');

  const statsA = await A.page.evaluate(() => window.E.handle.editorStats());
  assert.equal(statsA.fallbacks, 0, JSON.stringify(statsA));
  // Chromium logs the attempts refused while the server was down.
  const real = (errs) => errs.filter((e) => !/WebSocket connection to .* failed/.test(e));
  assert.deepEqual(real(A.errors), []);
  assert.deepEqual(real(B.errors), []);
  await A.context.close();
  await B.context.close();
});

test('a U+0000 typed or set into the textarea becomes U+FFFD everywhere, and nothing stalls', async () => {
  // A document holds no U+0000 (docs/protocol.md section 9): clients
  // refuse frames with \u0000, so one such insert would stop every editor.
  // Chromium does let a page put one in a textarea (execCommand, value).
  const carol = await login('carol');
  const dave = await login('dave');
  const A = await openEditor(carol);
  const B = await openEditor(dave);
  const before = await converged(A, B);
  await A.page.evaluate(() => { const a = window.E.area(); a.setSelectionRange(a.value.length, a.value.length); });
  // Through beforeinput / input (the range path).
  await A.page.evaluate(() => document.execCommand('insertText', false, '{N\0UL}'));
  // Without beforeinput (the whole-text path).
  await A.page.evaluate(() => {
    const a = window.E.area();
    a.value += '(\0)';
    a.dispatchEvent(new InputEvent('input', { inputType: 'insertReplacementText' }));
  });
  await A.page.keyboard.type('!', { delay: 5 });
  const text = await converged(A, B);
  assert.equal(text, `${before}{N\uFFFDUL}(\uFFFD)!`);
  assert.equal(await serverText(carol.token), text);
  assert.ok(!(await A.page.evaluate(() => window.E.area().value.includes('\0'))));
  assert.deepEqual(A.errors, []);
  assert.deepEqual(B.errors, []);
  await A.context.close();
  await B.context.close();
});

test('edits the server keeps refusing show "Edits not saved" with its reason until an edit is saved', async () => {
  const small = await startServer({
    port: 0,
    dbPath: join(dir, 'small.sqlite'),
    publicDir: join(repoRoot, 'test', 'e2e', 'pages'),
    log: () => {},
    maxDocLength: 12,
  });
  const context = await browser.newContext();
  try {
    const erin = await loginAt(small.url, 'erin');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${small.url}/editor.html`);
    await page.evaluate(() => window.E.ready);
    await page.evaluate((p) => window.E.mount(p), { doc: 'tiny', token: erin.token, user: erin.user });
    await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000 });
    await page.click('textarea.editor');
    await page.keyboard.type('0123456789AB', { delay: 5 });
    await page.waitForFunction(() => window.E.saved() && window.E.value() === '0123456789AB', null, { timeout: 5000 });
    const errorText = () => document.querySelector('.document-editor .error')?.textContent ?? null;
    assert.equal(await page.evaluate(errorText), null);
    await page.keyboard.type('xyz', { delay: 5 });
    await page.waitForFunction(() => document.querySelector('.document-editor .error')?.textContent.startsWith('Edits not saved: '), null, { timeout: 15000 });
    assert.equal(await page.evaluate(errorText), 'Edits not saved: a document may hold at most 12 characters');
    // The text is the server's again, and stays editable.
    await page.waitForFunction(() => window.E.saved() && window.E.value() === '0123456789AB', null, { timeout: 5000 });
    await page.keyboard.press('Backspace');
    await page.waitForFunction(() => window.E.saved() && !document.querySelector('.document-editor .error'), null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => window.E.value()), '0123456789A');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await small.close();
  }
});

test('an IME composition and remote edits that overlap it merge as OT would; a cancelled keystroke is not sent; redo puts the caret after the text', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  let n = 0;
  // Alice composes (Chromium's IME over CDP) while Bob edits around or
  // over the place; the composition commits after Bob's edits arrived.
  async function scenario({ caret, remote, commit, expect }) {
    const doc = `ime-${++n}`;
    const A = await openEditor(alice, doc);
    const B = await openEditor(bob, doc);
    try {
      await A.page.keyboard.type('0123456789', { delay: 5 });
      assert.equal(await converged(A, B), '0123456789');
      const cdp = await A.context.newCDPSession(A.page);
      const before = await B.page.evaluate(() => window.E.handle.editorStats().rev);
      await A.page.evaluate(([s, e]) => window.E.area().setSelectionRange(s, e), caret);
      await cdp.send('Input.imeSetComposition', { text: 'に', selectionStart: 1, selectionEnd: 1 });
      for (const [rs, re, t] of remote) {
        await B.page.evaluate(([a, b]) => { const x = window.E.area(); x.focus(); x.setSelectionRange(a, b); }, [rs, re]);
        if (t) await B.page.keyboard.insertText(t);
        else await B.page.keyboard.press('Backspace');
      }
      // Bob's edits are saved and have reached Alice's component (her
      // textarea queues them while she composes).
      await B.page.waitForFunction((r) => window.E.handle.editorStats().rev > r && window.E.saved(), before);
      const rev = await B.page.evaluate(() => window.E.handle.editorStats().rev);
      await A.page.waitForFunction((want) => window.E.handle.editorStats().rev >= want, rev);
      await cdp.send('Input.insertText', { text: commit });
      const text = await converged(A, B);
      assert.equal(text, expect, JSON.stringify({ caret, remote }));
      assert.equal(await serverText(alice.token, doc), expect);
    } finally {
      await A.context.close();
      await B.context.close();
    }
  }
  await scenario({ caret: [5, 5], remote: [[3, 7, null]], commit: '日本', expect: '012日本789' });
  await scenario({ caret: [5, 5], remote: [[4, 6, null]], commit: '日', expect: '0123日6789' });
  await scenario({ caret: [3, 6], remote: [[4, 5, null]], commit: '日', expect: '012日6789' });
  await scenario({ caret: [5, 5], remote: [[0, 0, 'A'], [9, 9, 'B']], commit: '日本', expect: 'A01234日本567B89' });

  // A page that cancels a keystroke in beforeinput, then inserts by
  // execCommand (which fires no beforeinput): the insert is what is sent.
  const doc = 'cancelled';
  const A = await openEditor(alice, doc);
  const B = await openEditor(bob, doc);
  try {
    await A.page.keyboard.type('abcdef', { delay: 5 });
    assert.equal(await converged(A, B), 'abcdef');
    await A.page.evaluate(() => {
      window.E.area().addEventListener('beforeinput', (e) => { if (/\d/.test(e.data || '')) e.preventDefault(); });
      window.E.area().setSelectionRange(1, 1);
    });
    await A.page.keyboard.type('7');
    await A.page.evaluate(() => { window.E.area().setSelectionRange(4, 4); document.execCommand('insertText', false, '*'); });
    assert.equal(await converged(A, B), 'abcd*ef');
    assert.equal(await serverText(alice.token, doc), 'abcd*ef');
    // Undo then redo (Ctrl+Z, Ctrl+Shift+Z): the caret ends after the
    // restored text, as a native redo leaves it.
    await A.page.evaluate(() => window.E.area().setSelectionRange(7, 7));
    await A.page.keyboard.type('!!', { delay: 5 });
    assert.equal(await converged(A, B), 'abcd*ef!!');
    await A.page.keyboard.press('Control+z'); // (the editor groups quick edits into one step)
    assert.notEqual(await converged(A, B), 'abcd*ef!!');
    await A.page.keyboard.press('Control+Shift+z');
    assert.equal(await converged(A, B), 'abcd*ef!!');
    assert.deepEqual(await A.page.evaluate(() => [window.E.area().selectionStart, window.E.area().selectionEnd]), [9, 9]);
  } finally {
    await A.context.close();
    await B.context.close();
  }
});

test('a selection being extended with Shift+Arrow keeps its anchor when a remote edit lands before it', async () => {
  const doc = 'e2e-editor-seldir';
  const sa = await login('sel-alice');
  const sb = await login('sel-bob');
  const a = await openEditor(sa, doc);
  const b = await openEditor(sb, doc);
  try {
    await a.page.keyboard.type('start | one two three');
    assert.equal(await converged(a, b), 'start | one two three');
    const sel = () => b.page.evaluate(() => {
      const t = document.querySelector('textarea.editor');
      return [t.selectionStart, t.selectionEnd, t.selectionDirection];
    });
    await b.page.evaluate(() => { const t = document.querySelector('textarea.editor'); t.focus(); t.setSelectionRange(t.value.length, t.value.length); });
    for (let i = 0; i < 3; i++) await b.page.keyboard.press('Shift+ArrowLeft');
    assert.deepEqual(await sel(), [18, 21, 'backward']);
    // Alice types at the start, before Bob's selection.
    await a.page.evaluate(() => { const t = document.querySelector('textarea.editor'); t.focus(); t.setSelectionRange(0, 0); });
    await a.page.keyboard.type('X');
    await b.page.waitForFunction(() => document.querySelector('textarea.editor').value.startsWith('X'));
    assert.deepEqual(await sel(), [19, 22, 'backward']);
    for (let i = 0; i < 2; i++) await b.page.keyboard.press('Shift+ArrowLeft');
    assert.deepEqual(await sel(), [17, 22, 'backward']);
    await b.page.keyboard.type('3');
    assert.equal(await converged(a, b), 'Xstart | one two 3');
    assert.deepEqual([...a.errors, ...b.errors], []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test("another user's cursor is drawn at its place in the text, with the user's name, and hidden when scrolled out", async () => {
  const doc = 'e2e-editor-marks';
  const sa = await login('mark-alice');
  const sb = await login('mark-bob');
  const a = await openEditor(sa, doc);
  const b = await openEditor(sb, doc);
  try {
    await a.page.keyboard.type('line one\nline two\nline three');
    assert.equal(await converged(a, b), 'line one\nline two\nline three');
    // Where Alice's cursor is drawn in Bob's page, relative to the first
    // character of the text, in lines and characters of the monospace font.
    // Waits until it is drawn there (within a fifth of a character).
    const drawnAt = async (offset, line, col) => {
      let last;
      for (const t0 = Date.now(); Date.now() - t0 < 5000;) {
        last = await where(offset).catch((e) => String(e));
        if (Math.abs(last.line - line) < 0.2 && Math.abs(last.col - col) < 0.2) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`cursor at ${offset}: expected line ${line}, column ${col}; drawn at ${JSON.stringify(last)}`);
    };
    const where = (offset) => b.page.waitForFunction(([id, off]) => {
      const mark = document.querySelector(`.cursor[data-user="${id}"]`);
      if (!mark || mark.dataset.offset !== String(off) || mark.style.position !== 'absolute') return false;
      const t = document.querySelector('textarea.editor');
      const cs = getComputedStyle(t);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = cs.font;
      const tr = t.getBoundingClientRect();
      const mr = mark.getBoundingClientRect();
      return {
        line: (mr.top - tr.top - t.clientTop - parseFloat(cs.paddingTop) + t.scrollTop) / parseFloat(cs.lineHeight),
        col: (mr.left - tr.left - t.clientLeft - parseFloat(cs.paddingLeft)) / ctx.measureText('x').width,
        visible: getComputedStyle(mark).visibility !== 'hidden',
        name: getComputedStyle(mark, '::after').content,
      };
    }, [sa.user.id, offset], { timeout: 5000 }).then((h) => h.jsonValue());
    const caret = (page, off) => page.evaluate((o) => {
      const t = document.querySelector('textarea.editor');
      t.focus();
      t.setSelectionRange(o, o);
      t.dispatchEvent(new Event('select'));
    }, off);

    await caret(a.page, 18); // the start of "line three"
    const at = await drawnAt(18, 2, 0);
    assert.equal(at.visible, true);
    assert.equal(at.name, '"mark-alice"');

    await caret(a.page, 8); // the end of "line one"
    await drawnAt(8, 0, 8);

    // Bob's own typing before it moves it (C transforms the offset).
    await b.page.evaluate(() => { const t = document.querySelector('textarea.editor'); t.focus(); t.setSelectionRange(0, 0); });
    await b.page.keyboard.type('>> ');
    await drawnAt(11, 0, 11);

    // Bob's textarea made narrower: "line one" wraps after "line ", and
    // the cursor after it moves to the next line.
    await b.page.evaluate(() => {
      const t = document.querySelector('textarea.editor');
      const cs = getComputedStyle(t);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = cs.font;
      const w = ctx.measureText('x').width * 9 + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) +
        parseFloat(cs.borderLeftWidth) + parseFloat(cs.borderRightWidth) + (t.offsetWidth - t.clientWidth - parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth));
      t.style.width = `${Math.ceil(w)}px`;
    });
    await drawnAt(11, 1, 3);
    await b.page.evaluate(() => { document.querySelector('textarea.editor').style.width = ''; });
    await drawnAt(11, 0, 11);

    // Bob's textarea, one line high, scrolled to the last line: the
    // cursor on the first line is hidden.
    await b.page.evaluate(() => { const t = document.querySelector('textarea.editor'); t.style.height = '30px'; t.scrollTop = 1000; });
    await b.page.waitForFunction((id) => getComputedStyle(document.querySelector(`.cursor[data-user="${id}"]`)).visibility === 'hidden',
      sa.user.id, { timeout: 5000 });
    await screenshot(b.page, 'editor-marks');
    assert.deepEqual([...a.errors, ...b.errors], []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test('cursor marks: a non-wrapping textarea (white-space: pre) and a page without requestAnimationFrame', async () => {
  const s = await login('pre-user');
  const a = await openEditor(s, 'e2e-editor-pre');
  try {
    // A mark at offset 150 of a 200-character line: column 150 of line 0
    // when the textarea does not wrap, line 2 when it wraps at 66.
    const r = await a.page.evaluate(() => {
      const t = document.querySelector('textarea.editor');
      t.value = 'x'.repeat(200) + '\nsecond line';
      const out = {};
      for (const mode of ['pre', 'pre-wrap']) {
        t.style.whiteSpace = mode;
        const box = t.parentElement;
        for (const m of box.querySelectorAll(':scope>.cursor.fake')) m.remove();
        const sp = document.createElement('span');
        sp.className = 'cursor fake';
        sp.dataset.offset = '150';
        box.append(sp);
        t.scrollLeft = 0;
        t.pfEditor.placeMarks();
        const cs = getComputedStyle(t);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = cs.font;
        const cw = ctx.measureText('x').width;
        const tr = t.getBoundingClientRect();
        const mr = sp.getBoundingClientRect();
        out[mode] = {
          line: Math.round((mr.top - tr.top - t.clientTop - parseFloat(cs.paddingTop)) / parseFloat(cs.lineHeight)),
          col: Math.round((mr.left - tr.left - t.clientLeft - parseFloat(cs.paddingLeft)) / cw),
          perLine: Math.floor((t.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)) / cw),
        };
        sp.remove();
      }
      return out;
    });
    assert.deepEqual(r.pre, { line: 0, col: 150, perLine: r.pre.perLine });
    assert.equal(r['pre-wrap'].line, Math.floor(150 / r['pre-wrap'].perLine), JSON.stringify(r));
  } finally {
    await a.context.close();
  }

  // Without requestAnimationFrame (jsdom without pretendToBeVisual) the
  // editor loads, and unmounts cleanly.
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(`${server.url}/editor.html`);
    await page.evaluate(() => window.E.ready);
    await page.evaluate(() => { window.requestAnimationFrame = undefined; window.cancelAnimationFrame = undefined; });
    await page.evaluate((p) => window.E.mount(p), { doc: 'e2e-editor-noraf', token: s.token, user: s.user });
    await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000, polling: 100 });
    await page.evaluate(async () => (await window.E.handle).unmount());
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
