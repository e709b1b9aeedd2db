// Chromium smoke test: a page includes pyframe_rt.js and reads State
// through the JS API; the ES module build loads too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveStatic } from '../lib/static_server.mjs';
import { launch, screenshot, watchErrors } from '../lib/browser.mjs';

let server;
let browser;

before(async () => {
  server = await serveStatic();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('classic script: State through the JS API in Chromium', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/test/e2e/pages/smoke.html`);
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(result.snapshot, { posts: [{ id: 1, title: 'Hello 😀' }], loading: false });
  assert.deepEqual(result.notes, [['posts', 'loading']]);
  assert.deepEqual(result.error, { name: 'PyFrameError', code: -3 });
  assert.match(await page.textContent('#out'), /Hello 😀/);
  await screenshot(page, 'smoke');
  assert.deepEqual(errors, []);
  await page.close();
});

test('ES module build loads in Chromium', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/test/e2e/pages/smoke-esm.html`);
  await page.waitForFunction(() => window.result !== undefined);
  assert.deepEqual(await page.evaluate(() => window.result), { a: 1, b: { c: '漢字' } });
  assert.deepEqual(errors, []);
  await page.close();
});
