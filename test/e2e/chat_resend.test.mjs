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
