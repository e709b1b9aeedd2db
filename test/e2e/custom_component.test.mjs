// Chromium: a component of one's own (docs/components.md). The example
// examples/live_counter.c, built into a dist of its own the way the guide
// says (make COMPONENTS=...; the Makefile's build/example-dist), mounted in
// two pages against a real WebSocket server: clicks in one page reach the
// other through the server, a hostile label shows as text, and the pages
// reconnect after the server drops them. The shipped dist/ does not have it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { serveStatic } from '../lib/static_server.mjs';
import { launch, watchErrors } from '../lib/browser.mjs';

let server;
let browser;
let wss;
let count = 0;
const received = [];

before(async () => {
  server = await serveStatic();
  browser = await launch();
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/counter' });
  await new Promise((r) => wss.on('listening', r));
  const broadcast = () => {
    for (const c of wss.clients) c.send(JSON.stringify({ type: 'count', value: count }));
  };
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'count', value: count }));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      received.push(msg);
      if (msg.type === 'increment') {
        count += 1;
        broadcast();
      }
    });
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((r) => (wss ? wss.close(r) : r()));
});

const hostile = '<img src=x onerror="window.pwned=1">&amp;';

async function open(dist) {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const ws = `ws://127.0.0.1:${wss.address().port}/counter`;
  await page.goto(`${server.url}/test/e2e/pages/custom.html?dist=${encodeURIComponent(dist)}` +
    `&ws=${encodeURIComponent(ws)}&label=${encodeURIComponent(hostile)}`);
  await page.waitForFunction(() => window.mounted !== undefined);
  return { page, errors, mounted: await page.evaluate(() => window.mounted) };
}

const shown = (page) => page.textContent('#counter output');
const status = (page) => page.textContent('#counter .status');

test('a component built in with make COMPONENTS= is live in two pages', async () => {
  const a = await open('/build/example-dist');
  const b = await open('/build/example-dist');
  assert.equal(a.mounted, 'ok');
  assert.equal(b.mounted, 'ok');
  for (const { page } of [a, b]) {
    await page.waitForFunction(() => document.querySelector('#counter .status')?.textContent === 'open');
    assert.equal(await shown(page), '0');
    // The label is text: shown as typed, never run.
    assert.equal(await page.textContent('#counter .label'), hostile);
    assert.equal(await page.locator('#counter img').count(), 0);
  }

  for (let i = 0; i < 3; i++) await a.page.click('#counter button');
  for (const { page } of [a, b])
    await page.waitForFunction(() => document.querySelector('#counter output').textContent === '3');
  assert.deepEqual(received, [{ type: 'increment' }, { type: 'increment' }, { type: 'increment' }]);

  // The server drops every connection: the pages say so, reconnect, and
  // clicks work again.
  for (const c of wss.clients) c.terminate();
  await a.page.waitForFunction(() => document.querySelector('#counter .status').textContent !== 'open');
  await a.page.waitForFunction(() => document.querySelector('#counter .status').textContent === 'open',
    null, { timeout: 15000 });
  await b.page.waitForFunction(() => document.querySelector('#counter .status').textContent === 'open',
    null, { timeout: 15000 });
  await b.page.click('#counter button');
  for (const { page } of [a, b])
    await page.waitForFunction(() => document.querySelector('#counter output').textContent === '4');
  assert.equal(await status(b.page), 'open');

  // After a patch the bindings show a component's <time datetime> with a
  // date and time in the reader's zone and language; a date alone, a month
  // or a year is left as written (no made-up time, no day shifted by the
  // zone).
  const times = await a.page.evaluate(async () => {
    const box = document.querySelector('#counter .live-counter');
    const add = (at) => { const t = document.createElement('time'); t.dateTime = at; t.textContent = at; box.append(t); return t; };
    const full = add('2026-11-28T10:00:00.000Z');
    const parts = ['2026-11-28', '2026-11', '2026'].map(add);
    document.querySelector('#counter button').click();
    await new Promise((r) => setTimeout(r, 300));
    return { full: full.textContent, parts: parts.map((t) => t.textContent),
      expect: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date('2026-11-28T10:00:00.000Z')) };
  });
  assert.equal(times.full, times.expect);
  assert.deepEqual(times.parts, ['2026-11-28', '2026-11', '2026']);
  assert.equal(await a.page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.page.close();
  await b.page.close();
});

test('the shipped dist/ carries neither example (LiveCounter, KeyedList)', async () => {
  const { page, mounted } = await open('/dist');
  assert.match(mounted, /PyFrameError: .*unknown component "LiveCounter"/);
  assert.equal(await page.locator('#counter output').count(), 0);
  const keyed = await page.evaluate(async () => {
    const el = document.createElement('div');
    el.id = 'keyed';
    document.body.append(el);
    try {
      await PyFrameRT.mount('KeyedList', 'keyed', {});
      return 'mounted';
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  });
  assert.match(keyed, /PyFrameError: .*unknown component "KeyedList"/);
  await page.close();
});
