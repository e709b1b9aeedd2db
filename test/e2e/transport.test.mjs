// Chromium: PyFrameRT.socket over the browser's WebSocket and
// PyFrameRT.events over fetch, against a real server that drops every
// connection again and again; the page must see every message exactly
// once, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, watchErrors } from '../lib/browser.mjs';
import { startServer, sequencedSocket, sequencedEvents, Sequencer, sleep, until } from '../lib/transport_servers.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('WebSocket and event stream in Chromium: 25 forced disconnects, exactly once and in order', async () => {
  const posts = new Sequencer();
  const notes = new Sequencer();
  const queries = [];
  const srv = await startServer({
    files: true,
    onSocket: sequencedSocket(posts),
    onRequest: sequencedEvents(notes, '/events/posts', { log: queries }),
  });
  const page = await browser.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(srv.httpUrl('/test/e2e/pages/transport.html'));
    const state = () => page.evaluate(() => [window.transports.ws.state, window.transports.ev.state]);
    const bothOpen = async () => (await state()).every((s) => s === 'open');
    for (let i = 0; i < 20; i++) { posts.publish({}); notes.publish({}); }
    const producer = setInterval(() => { posts.publish({}); notes.publish({}); }, 2);
    try {
      for (let drop = 0; drop < 25; drop++) {
        for (let t0 = Date.now(); !(await bothOpen());) {
          if (Date.now() - t0 > 5000) throw new Error(`not open again after drop ${drop}: ${await state()}`);
          await sleep(5);
        }
        const wsSeen = srv.connections;
        const sseSeen = queries.length;
        await sleep(5 + Math.random() * 20);
        srv.dropAll();
        await until(() => srv.connections > wsSeen && queries.length > sseSeen, `reconnects after drop ${drop + 1}`);
      }
    } finally {
      clearInterval(producer);
    }
    const lastPost = posts.publish({ final: true });
    const lastNote = notes.publish({ final: true });
    await page.waitForFunction(([p, n]) => window.got.ws.at(-1) === p && window.got.sse.at(-1) === n,
      [lastPost, lastNote], { timeout: 10000 });
    const got = await page.evaluate(() => window.got);
    assert.deepEqual(got.errors, []);
    assert.equal(got.ws.length, lastPost);
    assert.deepEqual(got.ws, range(1, lastPost));
    assert.deepEqual(got.sse, range(1, lastNote));
    assert.ok(srv.connections >= 26 && queries.length >= 26, `${srv.connections} sockets, ${queries.length} streams`);
    assert.ok(got.states.includes('ws:reconnecting') && got.states.includes('sse:reconnecting'));
    assert.match(await page.textContent('#ws-count'), new RegExp(`^${lastPost}$`));
    await screenshot(page, 'transport');
    assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_|net::/.test(e)), []);
  } finally {
    await page.close();
    await srv.stop();
  }
});
