// Chromium: two ChatRooms mounted on the same room share one WebSocket
// (the runtime's connection pool), through the browser's own WebSocket
// (wrapped by the page to count constructions) against a real room server;
// two NotificationSystems share one event stream against the reference
// server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, watchErrors } from '../lib/browser.mjs';
import { startServer, Sequencer, sleep, until } from '../lib/transport_servers.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer as startDemoServer } from '../../demo/server/main.mjs';
import { repoRoot } from '../lib/static_server.mjs';
import { login, rest } from '../lib/demo_api.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A room as docs/protocol.md section 7 has it: history (with seq) on a
 * first connect, replay on ?since=, every message to every member. */
function roomServer(seq) {
  let nextId = 1;
  return (ws, req, url) => {
    const since = url.searchParams.get('since');
    if (since === null) {
      const messages = seq.log.map((m) => JSON.parse(m));
      ws.send(JSON.stringify({ type: 'history', messages, seq: seq.last }));
    }
    const unsubscribe = seq.subscribe(since === null ? seq.last : Number(since), (m) => {
      if (ws.readyState === 1) ws.send(m);
    });
    ws.on('close', unsubscribe);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'ping') return void ws.send('{"type":"pong"}');
      seq.publish({ type: 'message', id: nextId++, user: 'guest', user_id: 1, text: msg.text,
        timestamp: new Date().toISOString() });
    });
  };
}

test('two ChatRooms on one room: one WebSocket, both hear everything, unmounting one leaves the other connected', async () => {
  const seq = new Sequencer();
  seq.publish({ type: 'message', id: 0, user: 'old', user_id: 9, text: 'from before', timestamp: new Date().toISOString() });
  const srv = await startServer({ files: true, onSocket: roomServer(seq) });
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const texts = (id) => page.$$eval(`#${id} .messages li.message .text`, (els) => els.map((e) => e.textContent));
  const state = (id) => page.evaluate((i) => document.querySelector(`#${i} .chat-status`)?.dataset.state ?? null, id);
  const waitTexts = async (id, want) => {
    for (let t0 = Date.now(); ;) {
      const got = await texts(id);
      if (JSON.stringify(got) === JSON.stringify(want)) return;
      if (Date.now() - t0 > 5000) throw new Error(`#${id}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      await sleep(20);
    }
  };
  const send = async (id, text) => {
    const input = page.locator(`#${id} .send-box input[name=text]`);
    await input.fill(text);
    await input.press('Enter');
  };
  try {
    await page.goto(srv.httpUrl('/test/e2e/pages/pool.html'));
    await page.evaluate(() => window.mountRoom('a'));
    await page.waitForFunction(() => document.querySelector('#a .chat-status')?.dataset.state === 'open');
    await waitTexts('a', ['from before']);
    await send('a', 'first');
    await waitTexts('a', ['from before', 'first']);
    // The second room joins the running socket: it is told the state and
    // replayed the history and what followed it.
    await page.evaluate(() => window.mountRoom('b'));
    // Told at once (cause "shared"); shown at the next frame.
    await page.waitForFunction(() => document.querySelector('#b .chat-status')?.dataset.state === 'open',
      null, { timeout: 2000 });
    await waitTexts('b', ['from before', 'first']);
    assert.deepEqual(await page.evaluate(() => window.socketsMade.length), 1);
    assert.equal(srv.connections, 1);
    await send('b', 'second');
    await waitTexts('a', ['from before', 'first', 'second']);
    await waitTexts('b', ['from before', 'first', 'second']);
    await screenshot(page, 'pool-two-rooms');

    // A drop is one reconnect for both.
    srv.dropAll();
    await until(() => srv.connections === 2 && srv.sockets.size === 1, 'one reconnect');
    await page.waitForFunction(() => ['a', 'b'].every((i) => document.querySelector(`#${i} .chat-status`)?.dataset.state === 'open'));
    await send('a', 'third');
    await waitTexts('b', ['from before', 'first', 'second', 'third']);
    assert.equal(await page.evaluate(() => window.socketsMade.length), 2);

    // Unmounting one leaves the socket to the other.
    await page.evaluate(() => window.unmountRoom('a'));
    await sleep(200);
    assert.equal(srv.sockets.size, 1);
    assert.equal(await state('b'), 'open');
    await send('b', 'fourth');
    await waitTexts('b', ['from before', 'first', 'second', 'third', 'fourth']);
    assert.equal(await page.evaluate(() => window.socketsMade.length), 2);
    assert.equal(srv.connections, 2);
    assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_|net::/.test(e)), []);
  } finally {
    await page.close();
    await srv.stop();
  }
});

/** Runs fn({srv, page, streamRequests, alice}) with the reference server
 * (demo/server, a fresh database, test/e2e/pages as its public folder) and
 * the page test/e2e/pages/pool-notifications.html loaded; fails on page
 * errors. streamRequests: the page's requests of /events/notifications, as
 * the browser saw them. */
async function withNotificationPage(fn, allowedErrors = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pyframe-pool-e2e-'));
  const srv = await startDemoServer({
    port: 0, dbPath: join(dir, 'db.sqlite'), publicDir: join(repoRoot, 'test', 'e2e', 'pages'), log: () => {},
  });
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const streamRequests = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/events/notifications') streamRequests.push(r.url()); });
  try {
    const alice = await login(srv.url, 'alice');
    await page.goto(`${srv.url}/pool-notifications.html`);
    await page.evaluate(() => window.N.ready);
    await fn({ srv, page, streamRequests, alice });
    assert.deepEqual(errors.filter((e) => !allowedErrors.some((re) => re.test(e))), []);
  } finally {
    await page.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const waitTitles = (page, id, want) => page.waitForFunction(
  ([i, w]) => JSON.stringify(window.N.titles(i)) === JSON.stringify(w), [id, want], { timeout: 5000 });

// Two NotificationSystems on one page against the reference server
// (demo/server): one event stream for both, each shows a pushed
// notification once, unmounting one leaves the stream to the other.
test('two NotificationSystems: one event stream, both show a pushed notification', async () => {
  await withNotificationPage(async ({ srv, page, streamRequests, alice }) => {
    await page.evaluate((t) => window.N.mount('a', t), alice.token);
    await page.waitForFunction(() => window.N.state('a') === 'open');
    await page.evaluate((t) => window.N.mount('b', t), alice.token);
    await page.waitForFunction(() => window.N.state('b') === 'open', null, { timeout: 2000 });
    assert.equal((await page.evaluate(() => window.streamsOpened)).length, 1);
    assert.equal(streamRequests.length, 1);

    await rest(srv.url, alice.token, 'POST', '/api/notifications', { title: 'pushed once', message: 'to both', user_id: alice.user.id });
    await waitTitles(page, 'a', ['pushed once']);
    await waitTitles(page, 'b', ['pushed once']);
    await screenshot(page, 'pool-two-notification-systems');

    // Unmounting one leaves the stream to the other.
    await page.evaluate(() => window.N.unmount('a'));
    await rest(srv.url, alice.token, 'POST', '/api/notifications', { title: 'after a left', message: '', user_id: alice.user.id });
    await waitTitles(page, 'b', ['after a left', 'pushed once']);
    assert.equal(await page.evaluate(() => window.N.state('b')), 'open');
    assert.equal((await page.evaluate(() => window.streamsOpened)).length, 1);
    assert.equal(streamRequests.length, 1);
  });
});

// A shared stream refused with 401 asks the app's token provider
// (rt.setTokenProvider) once and reopens with the fresh token.
test('a shared stream refused with 401 reopens with the token provider\'s token', async () => {
  await withNotificationPage(async ({ srv, page, streamRequests, alice }) => {
    await page.evaluate((t) => window.N.provideToken(t), alice.token);
    await page.evaluate(() => window.N.mount('a', 'expired'));
    await page.waitForFunction(() => window.N.state('a') === 'open', null, { timeout: 10000 });
    assert.equal(await page.evaluate(() => window.N.tokenAsks), 1);
    assert.equal(streamRequests.length, 2);
    assert.equal(new URL(streamRequests[0]).searchParams.get('token'), 'expired');
    assert.equal(new URL(streamRequests[1]).searchParams.getAll('token').join(), alice.token);
    await rest(srv.url, alice.token, 'POST', '/api/notifications', { title: 'after the refresh', message: '', user_id: alice.user.id });
    await waitTitles(page, 'a', ['after the refresh']);
  }, [/401|Unauthorized/]);
});
