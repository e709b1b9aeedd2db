// Chromium: the DocumentEditor's cursor markers (EditorInput.placeMarks in
// bindings/pyframe_rt.js) are placed again when anything their layout
// depends on changes (a style, a font that loads), and a scroll moves them
// at once even after a slow placement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../demo/server/main.mjs';
import { repoRoot } from '../lib/static_server.mjs';
import { launch, watchErrors } from '../lib/browser.mjs';
import { login as loginAt } from '../lib/demo_api.mjs';
let dir, server, browser;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pf-marks-'));
  server = await startServer({ port: 0, dbPath: join(dir, 'db.sqlite'), publicDir: join(repoRoot, 'test', 'e2e', 'pages'), log: () => {} });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); if (dir) rmSync(dir, { recursive: true, force: true }); });

test('a cursor marker is placed again after a style its layout depends on changes', async () => {
  const s = await loginAt(server.url, 'marks-style');
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/editor.html`);
  await page.evaluate(() => window.E.ready);
  await page.evaluate((p) => window.E.mount(p), { doc: 'e2e-marks-style', token: s.token, user: s.user });
  await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000 });
  const r = await page.evaluate(() => {
    const t = document.querySelector('textarea.editor');
    const box = t.parentElement;
    const sp = document.createElement('span');
    sp.className = 'cursor fake';
    box.append(sp);
    const measure = () => {
      t.pfEditor.layoutAt = 0; t.pfEditor.placeMarks(); // no back-off here (the third test's subject)
      const fresh = document.createElement('span');
      fresh.className = 'cursor fake';
      fresh.dataset.offset = sp.dataset.offset;
      box.append(fresh);
      t.pfEditor.layoutAt = 0; t.pfEditor.placeMarks(); // no back-off here (the third test's subject) // a new mark: no cache
      const out = { cached: sp.style.left + ',' + sp.style.top, fresh: fresh.style.left + ',' + fresh.style.top, font: getComputedStyle(t).font };
      fresh.remove();
      return out;
    };
    const out = {};
    t.value = '\t\tX'; sp.dataset.offset = '2';
    measure(); t.style.tabSize = '2'; out.tabSize = measure(); t.style.tabSize = '';
    t.value = 'a b c d e'; sp.dataset.offset = '8';
    measure(); t.style.wordSpacing = '30px'; out.wordSpacing = measure(); t.style.wordSpacing = '';
    t.value = 'one\ntwo\nthree'; sp.dataset.offset = '8';
    measure(); t.style.lineHeight = '40px'; out.lineHeight = measure(); t.style.lineHeight = '';
    t.value = 'abc def'; sp.dataset.offset = '7';
    measure(); t.style.direction = 'rtl'; out.direction = measure(); t.style.direction = '';
    return out;
  });
  for (const [k, v] of Object.entries(r)) assert.equal(v.cached, v.fresh, `${k}: ${JSON.stringify(v)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a cursor marker is placed again after a web font loads', async () => {
  // Any font file of the system: it lays out unlike the monospace fallback.
  const fonts = readdirSync('/usr/share/fonts', { recursive: true }).filter((f) => /\.ttf$/i.test(f));
  assert.ok(fonts.length, 'no .ttf font under /usr/share/fonts');
  const b64 = readFileSync(join('/usr/share/fonts', fonts.find((f) => /Serif-Bold/.test(f)) || fonts[0])).toString('base64');
  const s = await loginAt(server.url, 'marks-font');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/editor.html`);
  await page.evaluate(() => window.E.ready);
  await page.evaluate((p) => window.E.mount(p), { doc: 'marks-font', token: s.token, user: s.user });
  await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000 });
  const r = await page.evaluate(async (b64) => {
    const t = document.querySelector('textarea.editor');
    t.style.fontFamily = 'LateFont, monospace';
    const box = t.parentElement;
    const sp = document.createElement('span');
    sp.className = 'cursor fake';
    sp.dataset.offset = '12';
    box.append(sp);
    t.value = 'WWWWWWWWWWWW end';
    t.pfEditor.layoutAt = 0; t.pfEditor.placeMarks(); // no back-off here (the third test's subject)
    const before = sp.style.left;
    const fontBefore = getComputedStyle(t).font;
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const face = new FontFace('LateFont', bytes);
    await face.load();
    document.fonts.add(face);
    await new Promise((r) => setTimeout(r, 300)); // the ResizeObserver and any scheduled placement
    t.pfEditor.layoutAt = 0; t.pfEditor.placeMarks(); // no back-off here (the third test's subject)
    const cachedAfter = sp.style.left;
    const fresh = document.createElement('span');
    fresh.className = 'cursor fake'; fresh.dataset.offset = '12'; box.append(fresh);
    t.pfEditor.layoutAt = 0; t.pfEditor.placeMarks(); // no back-off here (the third test's subject)
    return { before, cachedAfter, fresh: fresh.style.left, fontBefore, fontAfter: getComputedStyle(t).font, width: t.clientWidth };
  }, b64);
  assert.notEqual(r.before, r.fresh, 'the font changed nothing: no test');
  assert.equal(r.cachedAfter, r.fresh);
  await context.close();
});

test('after one slow placement a scroll still moves the markers at once', async () => {
  const s = await loginAt(server.url, 'marks-slow');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/editor.html`);
  await page.evaluate(() => window.E.ready);
  await page.evaluate((p) => window.E.mount(p), { doc: 'marks-slow', token: s.token, user: s.user });
  await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000 });
  const r = await page.evaluate(async () => {
    const t = document.querySelector('textarea.editor');
    const ed = t.pfEditor;
    t.value = ('word '.repeat(15) + '\n').repeat(1200); // ~97k characters
    const box = t.parentElement;
    const marks = [];
    for (let i = 0; i < 20; i++) {
      const sp = document.createElement('span');
      sp.className = 'cursor fake';
      sp.dataset.offset = String(5000 * i + 3);
      box.append(sp); marks.push(sp);
    }
    ed.scheduleMarks();
    await new Promise((r) => setTimeout(r, 400)); // the first placement is done, its back-off runs
    const backoff = Math.round(ed.layoutAt - performance.now());
    const sp = marks[1];
    // cached now: a scroll costs no layout, yet
    const top0 = sp.style.top;
    t.scrollTop = 200;
    t.dispatchEvent(new Event('scroll'));
    const t0 = performance.now();
    while (sp.style.top === top0 && performance.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 5));
    const waited = performance.now() - t0;
    const t1 = performance.now(); ed.placeMarks(); const cachedCost = performance.now() - t1;
    return { backoff, scrollWaitedMs: Math.round(waited), cachedPlaceMs: cachedCost };
  });
  assert.ok(r.backoff > 100, `no back-off to test: ${JSON.stringify(r)}`);
  assert.ok(r.scrollWaitedMs < 100, JSON.stringify(r));
  await context.close();
});

test("each user's cursor has a colour of its own, the same in every page and render", async () => {
  const doc = 'marks-colour';
  const open = async (name) => {
    const s = await loginAt(server.url, name);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/editor.html`);
    await page.evaluate(() => window.E.ready);
    await page.evaluate((p) => window.E.mount(p), { doc, token: s.token, user: s.user });
    await page.waitForFunction(() => window.E.loaded(), null, { timeout: 5000 });
    return { s, context, page, errors };
  };
  const caret = (p, off) => p.page.evaluate((o) => {
    const t = document.querySelector('textarea.editor');
    t.focus();
    t.setSelectionRange(o, o);
    t.dispatchEvent(new Event('select'));
  }, off);
  // user id -> the caret's colour and its name's, once `n` marks are placed
  // (and `moved`'s at offset `at`).
  const colours = (p, n, moved, at) => p.page.waitForFunction(([n, moved, at]) => {
    const marks = [...document.querySelectorAll('.cursor[data-user]')];
    if (marks.length !== n || marks.some((m) => m.style.position !== 'absolute')) return false;
    if (moved && marks.find((m) => m.dataset.user === moved)?.dataset.offset !== String(at)) return false;
    return Object.fromEntries(marks.map((m) => [m.dataset.user,
      [getComputedStyle(m).backgroundColor, getComputedStyle(m, '::after').color]]));
  }, [n, moved, at], { timeout: 5000 }).then((h) => h.jsonValue());
  const alice = await open('colour-alice');
  const bob = await open('colour-bob');
  const carol = await open('colour-carol');
  try {
    await alice.page.click('textarea.editor');
    await alice.page.keyboard.type('some text to put cursors in');
    await caret(bob, 4);
    await caret(carol, 9);
    const [b, c] = [String(bob.s.user.id), String(carol.s.user.id)];
    const seen = await colours(alice, 2, c, 9);
    assert.notEqual(seen[b][0], seen[c][0], `bob and carol look alike: ${JSON.stringify(seen)}`);
    for (const [bg, label] of Object.values(seen)) assert.equal(bg, label, 'the name is not in the caret colour');
    // Carol types: her cursor moves, Alice's page renders again.
    await carol.page.keyboard.type('!!');
    assert.deepEqual(await colours(alice, 2, c, 11), seen);
    // Bob's colour in Carol's page is the one he has in Alice's.
    assert.deepEqual((await colours(carol, 2))[b], seen[b]);
    assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
  } finally {
    for (const p of [alice, bob, carol]) await p.context.close();
  }
});
