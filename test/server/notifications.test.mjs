// Notifications: SSE streams (id:, retry:, keep-alive comments, Last-Event-ID
// and ?last_event_id= replay, /events starting with connected) and REST.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, login, api, SseClient, sleep } from './helpers.mjs';

let srv, alice, bob;
before(async () => {
  srv = await startTestServer({ sseKeepAliveMs: 100, sseRetryMs: 1234 });
  alice = await login(srv.base, 'alice');
  bob = await login(srv.base, 'bob');
});
after(() => srv.close());

const send = (who, body) => api(srv.base, 'POST', '/api/notifications', { token: who.token, body });
const stream = (who, path = '/events/notifications', extra = '', headers) =>
  SseClient.open(`${srv.base}${path}?token=${encodeURIComponent(who.token)}${extra}`, headers);

test('a notification sent to self arrives on the stream as event: notification with id: and is listed', async () => {
  const s = await stream(alice);
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^text\/event-stream/);
  assert.equal(s.headers['cache-control'], 'no-cache');
  const r = await send(alice, { title: 'Hello', message: 'World', icon: '🎉' });
  assert.equal(r.status, 201);
  const n = r.body.notification;
  const ev = await s.next('notification');
  assert.equal(ev.id, String(n.id));
  for (const k of ['id', 'title', 'message', 'icon', 'read', 'created_at']) assert.ok(k in ev.data, k);
  assert.deepEqual(ev.data, n);
  assert.equal(s.retry, 1234);
  await sleep(250);
  assert.ok(s.comments >= 1, 'keep-alive comments');
  const list = await api(srv.base, 'GET', '/api/notifications?days=7', { token: alice.token });
  assert.equal(list.status, 200);
  assert.equal(list.body.notifications[0].id, n.id);
  assert.equal(list.body.unread_count, 1);
  assert.equal(list.body.last_event_id, n.id);
  s.close();
});

test('a notification to another user reaches only that user; users read only their own', async () => {
  const sa = await stream(alice);
  const sb = await stream(bob);
  const r = await send(alice, { title: 'For bob', user_id: bob.user.id });
  assert.equal(r.status, 201);
  const ev = await sb.next('notification');
  assert.equal(ev.data.title, 'For bob');
  await sleep(100);
  assert.ok(!sa.events.some((e) => e.data.title === 'For bob'));
  const bobsId = ev.data.id;
  assert.equal((await api(srv.base, 'POST', `/api/notifications/${bobsId}/read`, { token: alice.token })).status, 404);
  assert.ok(!(await api(srv.base, 'GET', '/api/notifications', { token: alice.token })).body.notifications.some((n) => n.id === bobsId));
  const mine = await api(srv.base, 'POST', `/api/notifications/${bobsId}/read`, { token: bob.token });
  assert.equal(mine.status, 200);
  assert.equal(mine.body.notification.read, true);
  assert.equal((await send(alice, { title: 'x', user_id: 424242 })).status, 404);
  assert.equal((await send(alice, { title: 'x', user_id: 'bob' })).status, 404);
  sa.close();
  sb.close();
});

test('mark read and mark all read', async () => {
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await send(bob, { title: `n${i}` })).body.notification.id);
  await api(srv.base, 'POST', `/api/notifications/${ids[0]}/read`, { token: bob.token });
  let list = (await api(srv.base, 'GET', '/api/notifications', { token: bob.token })).body;
  assert.equal(list.notifications.find((n) => n.id === ids[0]).read, true);
  assert.equal(list.unread_count, 2);
  const all = await api(srv.base, 'POST', '/api/notifications/read-all', { token: bob.token });
  assert.equal(all.status, 200);
  assert.equal(all.body.updated, 2);
  list = (await api(srv.base, 'GET', '/api/notifications', { token: bob.token })).body;
  assert.equal(list.unread_count, 0);
  assert.ok(list.notifications.every((n) => n.read));
  assert.equal((await api(srv.base, 'POST', '/api/notifications/abc/read', { token: bob.token })).status, 404);
  assert.equal((await api(srv.base, 'GET', '/api/notifications/read-all', { token: bob.token })).status, 405);
});

test('marking read reaches every stream of the user as event: read, without an id; others hear nothing', async () => {
  const carol = await login(srv.base, 'carol');
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await send(carol, { title: `r${i}` })).body.notification.id);
  const w1 = await stream(carol);
  const w2 = await stream(carol, '/events');
  const other = await stream(bob);
  assert.equal((await api(srv.base, 'POST', `/api/notifications/${ids[1]}/read`, { token: carol.token })).status, 200);
  for (const w of [w1, w2]) {
    const ev = await w.next('read');
    assert.equal(ev.id, undefined, 'no id: the stream id stays the notification cursor');
    assert.deepEqual(ev.data, { ids: [ids[1]], unread_count: 2 });
  }
  assert.equal((await api(srv.base, 'POST', '/api/notifications/read-all', { token: carol.token })).status, 200);
  for (const w of [w1, w2]) {
    const ev = await w.next((e) => e.event === 'read' && e.data.all);
    assert.equal(ev.id, undefined);
    assert.deepEqual(ev.data, { all: true, up_to: ids[2], unread_count: 0 });
  }
  // Another user's window hears nothing; a 404 mark sends nothing.
  assert.equal((await api(srv.base, 'POST', `/api/notifications/${ids[0]}/read`, { token: bob.token })).status, 404);
  await sleep(100);
  assert.equal(other.events.filter((e) => e.event === 'read').length, 0);
  assert.equal(w1.events.filter((e) => e.event === 'read').length, 0, 'nothing more');
  // Read events are not replayed: a resumed stream gets only notifications.
  const resumed = await stream(carol, '/events/notifications', `&last_event_id=${ids[0]}`);
  await sleep(100);
  assert.deepEqual(resumed.events.map((e) => e.event), ['notification', 'notification']);
  for (const s of [w1, w2, other, resumed]) s.close();
});

test('validation: title required, days bounded, bad JSON 400', async () => {
  assert.equal((await send(alice, {})).status, 400);
  assert.equal((await send(alice, { title: 'x'.repeat(201) })).status, 400);
  assert.equal((await send(alice, { title: 't', message: 5 })).status, 400);
  assert.equal((await api(srv.base, 'GET', '/api/notifications?days=-1', { token: alice.token })).status, 400);
  assert.equal((await api(srv.base, 'GET', '/api/notifications?days=abc', { token: alice.token })).status, 400);
  assert.equal((await api(srv.base, 'POST', '/api/notifications', { token: alice.token, raw: 'nope' })).status, 400);
});

test('replay: Last-Event-ID header and ?last_event_id= both deliver exactly what was missed, in order', async () => {
  const s = await stream(alice);
  const first = (await send(alice, { title: 'seen' })).body.notification;
  const seen = await s.next('notification');
  s.close();
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push((await send(alice, { title: `missed ${i}` })).body.notification.id);
  const byHeader = await stream(alice, '/events/notifications', '', { 'last-event-id': seen.id });
  const got = [];
  for (let i = 0; i < 3; i++) got.push(Number((await byHeader.next('notification')).id));
  assert.deepEqual(got, missed);
  byHeader.close();
  const byQuery = await stream(alice, '/events/notifications', `&last_event_id=${first.id}`);
  const got2 = [];
  for (let i = 0; i < 3; i++) got2.push(Number((await byQuery.next('notification')).id));
  assert.deepEqual(got2, missed);
  await sleep(100);
  assert.equal(byQuery.events.filter((e) => e.event === 'notification').length, 0, 'nothing more');
  byQuery.close();
  const fresh = await stream(alice);
  await sleep(100);
  assert.equal(fresh.events.length, 0, 'no replay without a last event id');
  fresh.close();
});

test('/events starts with event: connected {user_id, timestamp} and carries notifications', async () => {
  const s = await stream(bob, '/events');
  const c = await s.next();
  assert.equal(c.event, 'connected');
  assert.equal(c.data.user_id, bob.user.id);
  assert.ok(!Number.isNaN(Date.parse(c.data.timestamp)));
  await send(bob, { title: 'generic' });
  assert.equal((await s.next('notification')).data.title, 'generic');
  s.close();
});

test('a stream that stops reading is ended past maxBufferedBytes (the client resumes with Last-Event-ID); others go on', async () => {
  const small = await startTestServer({ maxBufferedBytes: 256 * 1024 });
  try {
    const carol = await login(small.base, 'carol');
    const net = await import('node:net');
    // A raw stream whose reader never reads: a socket paused from the start.
    let sock;
    const ended = new Promise((resolve) => {
      sock = net.connect(new URL(small.base).port, '127.0.0.1', () => {
        sock.write(`GET /events/notifications?token=${encodeURIComponent(carol.token)} HTTP/1.1\r\nHost: x\r\n\r\n`);
        sock.pause();
      });
      sock.on('close', () => resolve(true));
      sock.on('error', () => resolve(true));
    });
    const live = await SseClient.open(`${small.base}/events/notifications?token=${encodeURIComponent(carol.token)}`);
    const message = '😀'.repeat(2000); // 8 KB of UTF-8 per event
    // 8 MB: more than the kernel's socket buffers and the 256 KB allowed.
    const posted = 1000;
    for (let i = 0; i < posted; i++) {
      const r = await api(small.base, 'POST', '/api/notifications', { token: carol.token, body: { title: `n${i}`, message } });
      assert.equal(r.status, 201);
    }
    // Reading again, the paused client finds its stream ended by the server
    // (a stream left open would go on with keep-alives).
    sock.on('data', () => {});
    sock.resume();
    const closed = await Promise.race([ended, sleep(5000).then(() => false)]);
    assert.ok(closed, 'the paused stream was ended');
    // The reading stream got every event.
    const last = await live.next((e) => e.event === 'notification' && e.data?.title === `n${posted - 1}`);
    assert.ok(last);
    await live.close();
  } finally {
    await small.close();
  }
});

test('a user has at most maxStreamsPerUser open streams: one more gets 429 too_many_streams; other users and a freed slot are not affected', async () => {
  const capped = await startTestServer({ maxStreamsPerUser: 3 });
  try {
    const erin = await login(capped.base, 'erin');
    const frank = await login(capped.base, 'frank');
    const open = (who, path = '/events/notifications') =>
      SseClient.open(`${capped.base}${path}?token=${encodeURIComponent(who.token)}`);
    const mine = [await open(erin), await open(erin, '/events'), await open(erin)];
    for (const s of mine) assert.equal(s.status, 200);
    const over = await open(erin);
    assert.equal(over.status, 429);
    assert.equal(over.body.code, 'too_many_streams');
    assert.equal((await open(erin, '/events')).status, 429);
    const other = await open(frank);
    assert.equal(other.status, 200);
    // The three open streams still carry erin's notifications.
    const r = await api(capped.base, 'POST', '/api/notifications', { token: erin.token, body: { title: 'still here' } });
    assert.equal(r.status, 201);
    for (const s of mine) assert.ok(await s.next((e) => e.event === 'notification' && e.data?.title === 'still here'));
    // A closed stream frees its slot (once the server has seen it close).
    await mine[0].close();
    let again;
    for (let i = 0; i < 50; i++) {
      again = await open(erin);
      if (again.status === 200) break;
      await sleep(20);
    }
    assert.equal(again.status, 200);
    for (const s of [...mine.slice(1), again, other]) await s.close();
  } finally {
    await capped.close();
  }
});

test('more missed than the replay limit: event: resync with the newest id instead of a partial replay', async () => {
  const small = await startTestServer({ replayLimit: 3 });
  try {
    const gus = await login(small.base, 'gus');
    const post = (title) => api(small.base, 'POST', '/api/notifications', { token: gus.token, body: { title } });
    const first = (await post('n0')).body.notification.id;
    for (let i = 1; i <= 3; i++) await post(`n${i}`);
    const open = (id) => SseClient.open(`${small.base}/events/notifications?token=${encodeURIComponent(gus.token)}&last_event_id=${id}`);
    // Three missed: replayed.
    const three = await open(first);
    for (let i = 1; i <= 3; i++) assert.equal((await three.next((e) => e.event === 'notification')).data.title, `n${i}`);
    await three.close();
    // Four missed: a resync carrying the newest id, and no notification.
    const four = await open(first - 1);
    const r = await four.next((e) => e.event === 'resync');
    assert.equal(r.id, String(first + 3));
    assert.deepEqual(r.data, { type: 'resync' });
    assert.equal(four.events.filter((e) => e.event === 'notification').length, 0);
    // Live events follow.
    await post('n4');
    assert.equal((await four.next((e) => e.event === 'notification')).data.title, 'n4');
    await four.close();
  } finally {
    await small.close();
  }
});
