// Chromium, end to end: a chat line survives a connection that drops under
// it, exactly once. The demo page talks to the reference server through a
// TCP proxy that can swallow what passes one way and then cut every
// connection, so the two cases a client cannot tell apart are made on
// purpose:
//   - the frame never reaches the server (swallowed on the way up): the
//     ChatRoom must send it again on the next connection;
//   - the server stores it but its echo never comes back (swallowed on the
//     way down): the resend must not store it twice.
// The first case is the room's first message, sent before any echo: only
// the history's "cids": true tells the client that a resend is safe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../demo/server/main.mjs';
import { launch, watchErrors } from '../lib/browser.mjs';
import { WsClient } from '../lib/net_clients.mjs';
import { startProxy } from '../lib/tcp_proxy.mjs';
import { login } from '../lib/demo_api.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let dir;
let srv;
let browser;
let proxy;
// 'pass', 'swallow-up' (browser -> server bytes dropped) or 'swallow-down'.
let mode = 'pass';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pyframe-chat-resend-'));
  srv = await startServer({ port: 0, dbPath: join(dir, 'demo.db'), log: () => {} });
  proxy = await startProxy(srv.port, { passUp: () => mode !== 'swallow-up', passDown: () => mode !== 'swallow-down' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function chatState(page) {
  return page.evaluate(() => document.querySelector('#chat .chat-status')?.dataset.state ?? null);
}

async function waitFor(what, cond, ms = 15000) {
  const t0 = Date.now();
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function chatTexts(page) {
  return page.$$eval('#chat .messages li.message .text', (els) => els.map((e) => e.textContent));
}

async function send(page, text) {
  const input = page.locator('#chat .send-box input[name=text]');
  await input.fill(text);
  await input.press('Enter');
  await page.waitForFunction(() => document.querySelector('#chat .send-box input[name=text]').value === '');
}

/** Every connection through the proxy is cut, then bytes pass again. */
async function cutAll() {
  await sleep(300); // the swallowed frame has left the browser
  proxy.cutAll();
  mode = 'pass';
}

test('a chat line dropped on the way up, or whose echo is lost, is stored and shown exactly once', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(`${proxy.url}/`);
    await page.fill('#login-name', 'rita');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready]');
    const token = await page.evaluate(() => window.pyframeDemo.session.token);
    await waitFor('the chat to open', async () => (await chatState(page)) === 'open');

    // 1. The room's first message never reaches the server.
    mode = 'swallow-up';
    await send(page, 'first line, lost on the way');
    await cutAll();
    await waitFor('the chat to reopen', async () => (await chatState(page)) === 'open');
    await waitFor('the first line', async () => (await chatTexts(page)).includes('first line, lost on the way'));

    // 2. The next one is stored, but its echo is lost.
    mode = 'swallow-down';
    await send(page, 'second line, echo lost');
    await cutAll();
    await waitFor('the chat to reopen', async () => (await chatState(page)) === 'open');
    await waitFor('the second line', async () => (await chatTexts(page)).includes('second line, echo lost'));
    await sleep(500); // a duplicate would show up now

    const shown = await chatTexts(page);
    assert.deepEqual(shown, ['first line, lost on the way', 'second line, echo lost']);
    // What the server stored: a fresh connection's history.
    const ws = await WsClient.open(`ws://127.0.0.1:${srv.port}/ws/room/lobby?token=${encodeURIComponent(token)}`);
    const history = await ws.next('history');
    assert.deepEqual(history.messages.map((m) => m.text), ['first line, lost on the way', 'second line, echo lost']);
    await ws.close();
    assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_|net::|Failed to load resource|EventSource/.test(e)), []);
  } finally {
    await context.close();
  }
});

test('messages typed during a rate-limit hold are all stored once, in order, when it ends (no burst the server refuses)', async () => {
  // 5 messages per 2 s: the 6th starts a hold, 25 more are typed during it.
  const own = await startServer({ port: 0, dbPath: join(dir, 'rate.db'), log: () => {}, chatRate: 5, chatWindowMs: 2000 });
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    const base = `http://127.0.0.1:${own.port}`;
    const { token } = await login(base, 'burst');
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.PyFrameRT);
    await page.evaluate(async (token) => {
      const d = document.createElement('div');
      d.id = 'burst';
      document.body.append(d);
      await PyFrameRT.mount('ChatRoom', 'burst', { room: 'burst', token });
    }, token);
    const state = () => page.evaluate(() => document.querySelector('#burst .chat-status')?.dataset.state);
    await waitFor('the room to open', async () => (await state()) === 'open');
    const typeAll = (texts) => page.evaluate((texts) => {
      const input = document.querySelector('#burst .send-box input[name=text]');
      const form = document.querySelector('#burst .send-box');
      for (const t of texts) {
        input.value = t;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        form.requestSubmit();
      }
    }, texts);
    const first = Array.from({ length: 6 }, (_, i) => `first ${i + 1}`);
    const held = Array.from({ length: 25 }, (_, i) => `held ${i + 1}`);
    await typeAll(first);
    await waitFor('the hold', async () => (await state()) === 'rate_limited');
    await typeAll(held);
    const all = [...first, ...held];
    const shown = () => page.$$eval('#burst .messages li.message .text', (els) => els.map((e) => e.textContent));
    await waitFor('every message', async () => (await shown()).length === all.length, 40000);
    await sleep(2500); // a late duplicate or refusal would show now
    assert.deepEqual(await shown(), all);
    const ws = await WsClient.open(`ws://127.0.0.1:${own.port}/ws/room/burst?token=${encodeURIComponent(token)}`);
    const history = await ws.next('history');
    await ws.close();
    // The history holds the last 50: all 31, once each, in the order typed.
    assert.deepEqual(history.messages.map((m) => m.text), all);
    assert.equal(await page.evaluate(() => document.querySelector('#burst .queued')), null);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await own.close();
  }
});

/** A TCP proxy to `port` that reads the WebSocket frames the browser sends
 *  (masked text frames, after the upgrade request): each connection's
 *  texts, in order, are an array of `conns`; a frame whose text makes
 *  `swallow` true does not reach the server. */
async function startFrameProxy(port, swallow) {
  const conns = [];
  const sockets = new Set();
  const server = net.createServer((down) => {
    const up = net.connect(port, '127.0.0.1');
    const texts = [];
    conns.push(texts);
    const close = () => { for (const s of [down, up]) { s.destroy(); sockets.delete(s); } };
    for (const s of [down, up]) { sockets.add(s); s.on('error', close).on('close', close); }
    up.pipe(down);
    let buf = Buffer.alloc(0);
    let upgraded = false;
    down.on('data', (b) => {
      buf = Buffer.concat([buf, b]);
      if (!upgraded) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        up.write(buf.subarray(0, i + 4));
        buf = buf.subarray(i + 4);
        upgraded = true;
      }
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1] & 0x7f;
        let at = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); at = 4; }
        else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); at = 10; }
        const key = buf[1] & 0x80 ? 4 : 0;
        if (buf.length < at + key + len) return;
        const frame = buf.subarray(0, at + key + len);
        buf = buf.subarray(at + key + len);
        let text = null;
        if ((frame[0] & 0x0f) === 1) {
          const p = Buffer.from(frame.subarray(at + key));
          for (let k = 0; key && k < p.length; k++) p[k] ^= frame[at + (k & 3)];
          text = p.toString();
          texts.push(text);
        }
        if (text === null || !swallow(text)) up.write(frame);
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    conns,
    url: `http://127.0.0.1:${server.address().port}`,
    cutAll() { for (const s of sockets) s.destroy(); },
    close() { this.cutAll(); return new Promise((r) => server.close(r)); },
  };
}

test('after a rate-limit hold and a drop, the unechoed messages are stored in the order typed, each sent once per connection', async () => {
  // 3 messages per 5 s. "lost 1" and "lost 2" never reach the server;
  // "lost 3" does and is refused (the socket puts it back in its outbox);
  // then the connection drops. The next one must send lost 1, 2, 3 in that
  // order (before the fix the socket's copy of "lost 3" went first, and
  // "lost 3" twice).
  const own = await startServer({ port: 0, dbPath: join(dir, 'order.db'), log: () => {}, chatRate: 3, chatWindowMs: 5000 });
  let swallowing = false;
  const fp = await startFrameProxy(own.port, (t) => swallowing && /"text":"lost [12]"/.test(t));
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const { token } = await login(`http://127.0.0.1:${own.port}`, 'order');
    await page.goto(`${fp.url}/`);
    await page.waitForFunction(() => window.PyFrameRT);
    await page.evaluate(async (token) => {
      const d = document.createElement('div');
      d.id = 'order';
      document.body.append(d);
      await PyFrameRT.mount('ChatRoom', 'order', { room: 'order', token });
    }, token);
    const state = () => page.evaluate(() => document.querySelector('#order .chat-status')?.dataset.state);
    const shown = () => page.$$eval('#order .messages li.message .text', (els) => els.map((e) => e.textContent));
    const typeAll = (texts) => page.evaluate((texts) => {
      const input = document.querySelector('#order .send-box input[name=text]');
      const form = document.querySelector('#order .send-box');
      for (const t of texts) {
        input.value = t;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        form.requestSubmit();
      }
    }, texts);
    await waitFor('the room to open', async () => (await state()) === 'open');
    await typeAll(['ok 1', 'ok 2', 'ok 3']);
    await waitFor('the first three', async () => (await shown()).length === 3);
    swallowing = true;
    await typeAll(['lost 1', 'lost 2', 'lost 3']);
    await waitFor('the hold', async () => (await state()) === 'rate_limited');
    const before = fp.conns.length;
    fp.cutAll();
    swallowing = false;
    const all = ['ok 1', 'ok 2', 'ok 3', 'lost 1', 'lost 2', 'lost 3'];
    await waitFor('every message', async () => (await shown()).length === all.length, 30000);
    await sleep(1000); // a late duplicate would show now
    assert.deepEqual(await shown(), all);
    const ws = await WsClient.open(`ws://127.0.0.1:${own.port}/ws/room/order?token=${encodeURIComponent(token)}`);
    const history = await ws.next('history');
    await ws.close();
    assert.deepEqual(history.messages.map((m) => m.text), all);
    const lost = (texts) => texts.map((t) => /"text":"(lost \d)"/.exec(t)?.[1]).filter(Boolean);
    assert.deepEqual(fp.conns.slice(before).map(lost).filter((l) => l.length), [['lost 1', 'lost 2', 'lost 3']]);
  } finally {
    await context.close();
    await fp.close();
    await own.close();
  }
});
