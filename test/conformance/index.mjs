// The protocol conformance checker.
//
//   node test/conformance <base-url> [--token T]... [--skip-rate-limit]
//                                    [--rate-probe N] [--timeout MS]
//
// Runs the behaviours of docs/protocol.md against any server and prints one
// line per check ("ok" or "FAIL"), then "N passed, N failed"; exits 1 on any
// failure. Checks of an extension (docs/protocol.md marks them) say "(ext)":
// a core-only server fails those and should pass the rest. Tokens come from --token (up to three: users A, B and a third one
// for the rate-limit probe) or, when none are given, from POST /api/login.
// Every run uses fresh room and document ids, so it can be repeated against
// the same server. Only `ws` and Node built-ins are used (the clients are
// test/lib/net_clients.mjs, shared with the reference server's tests).

import { randomBytes } from 'node:crypto';
import { WsClient, SseClient as Sse, setClientTimeout } from '../lib/net_clients.mjs';

// The clients (test/lib/net_clients.mjs) are the ones the server tests use.
class Ws extends WsClient {
  quiet(pred, ms = 200) {
    return this.none(pred, ms);
  }
}

// ---- helpers ------------------------------------------------------------

let TIMEOUT = 5000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** text-unicode apply over code points, enough to check the server's text. */
function applyOp(text, op) {
  const chars = Array.from(text);
  const out = [];
  let i = 0;
  for (const c of op) {
    if (typeof c === 'number') {
      out.push(...chars.slice(i, i + c));
      i += c;
    } else if (typeof c === 'string') out.push(c);
    else i += typeof c.d === 'number' ? c.d : Array.from(c.d).length;
  }
  out.push(...chars.slice(i));
  return out.join('');
}

async function request(base, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(new URL(path, base), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

// ---- the checks -----------------------------------------------------------

export async function runConformance(baseUrl, { tokens = [], skipRateLimit = false, rateProbe = 300, timeout = 5000, print = console.log } = {}) {
  TIMEOUT = timeout;
  setClientTimeout(timeout);
  const base = baseUrl.replace(/\/+$/, '');
  const wsBase = base.replace(/^http/, 'ws');
  const run = randomBytes(4).toString('hex');
  const results = [];
  const cleanup = [];

  async function check(name, fn) {
    try {
      await fn();
      results.push({ name, ok: true });
      print(`ok    ${name}`);
    } catch (e) {
      results.push({ name, ok: false, error: e.message });
      print(`FAIL  ${name}: ${e.message}`);
    }
  }

  const wsUrl = (path, token) => `${wsBase}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  const open = async (path, token) => {
    const c = new Ws(wsUrl(path, token));
    cleanup.push(c);
    if (!(await c.opened)) throw new Error(`${path}: the WebSocket did not open`);
    return c;
  };
  const sse = async (path, token, headers) => {
    const s = await new Sse(`${base}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`, headers).ready;
    cleanup.push(s);
    return s;
  };

  // Users.
  const users = [];
  if (tokens.length) {
    for (const token of tokens) {
      const r = await request(base, 'GET', '/api/me', { token }).catch(() => null);
      users.push({ token, user: r?.body?.user ?? { id: null } });
    }
  } else {
    await check('auth: POST /api/login {name} returns {token, user}', async () => {
      for (const who of ['a', 'b', 'c']) {
        const r = await request(base, 'POST', '/api/login', { body: { name: `conf-${who}-${run}` } });
        expect(r.status === 200, `status ${r.status}`);
        expect(typeof r.body?.token === 'string' && r.body.token.split('.').length === 3, 'token is not a JWT');
        expect(r.body.user && r.body.user.id !== undefined, 'no user');
        users.push(r.body);
      }
    });
  }
  if (users.length < 2) {
    print('cannot continue without two users (give --token twice, or a server with /api/login)');
    const failed = results.filter((r) => !r.ok).length + 1;
    print(`${results.length - failed + 1} passed, ${failed} failed`);
    return { passed: results.length - failed + 1, failed, results };
  }
  const [A, B] = users;
  const C = users[2];
  const room = `conf-${run}`;
  const doc = `conf-${run}`;
  const WS_ENDPOINTS = ['/ws/posts', '/ws/chat', `/ws/room/${room}-x`, `/ws/docs/${doc}-x`];

  // ---- auth ----
  for (const path of WS_ENDPOINTS) {
    await check(`auth: ${path.replace(run, '<id>')} closes with 4001 on a bad token`, async () => {
      const c = new Ws(wsUrl(path, 'not.a.token'));
      const r = await Promise.race([c.closed, sleep(TIMEOUT).then(() => ({ code: 'timeout' }))]);
      c.ws.terminate();
      same(r.code, 4001, 'close code');
    });
    await check(`auth: ${path.replace(run, '<id>')} closes with 4001 without a token`, async () => {
      const c = new Ws(`${wsBase}${path}`);
      const r = await Promise.race([c.closed, sleep(TIMEOUT).then(() => ({ code: 'timeout' }))]);
      c.ws.terminate();
      same(r.code, 4001, 'close code');
    });
  }
  await check('auth: SSE /events/notifications answers HTTP 401 on a bad token', async () => {
    const s = await new Sse(`${base}/events/notifications?token=bad`).ready;
    s.close();
    same(s.status, 401, 'status');
  });
  await check('auth: REST GET /api/notifications answers HTTP 401 JSON on a bad token', async () => {
    const r = await request(base, 'GET', '/api/notifications', { token: 'bad' });
    same(r.status, 401, 'status');
    expect(r.body && typeof r.body.error === 'string', 'no JSON {error}');
  });

  // ---- heartbeat and errors on every endpoint ----
  for (const path of WS_ENDPOINTS) {
    const label = path.replace(run, '<id>');
    await check(`heartbeat (ext): {"type":"ping"} gets {"type":"pong"} on ${label}`, async () => {
      const c = await open(path, A.token);
      c.send({ type: 'ping' });
      await c.next('pong');
      await c.close();
    });
    await check(`errors: an unknown type gets {"type":"error","code":"unknown_type"} on ${label}`, async () => {
      const c = await open(path, A.token);
      if (path.startsWith('/ws/docs/')) {
        c.send({ type: 'join' });
        await c.next('snapshot');
      }
      c.send({ type: `no_such_type_${run}` });
      const e = await c.next('error');
      same(e.code, 'unknown_type', 'code');
      expect(typeof e.message === 'string', 'no message');
      await c.close();
    });
  }
  for (const path of ['/ws/chat', `/ws/room/${room}-x`]) {
    await check(`errors: an unparsable frame gets {"error":"Invalid JSON format"} on ${path.replace(run, '<id>')}`, async () => {
      const c = await open(path, A.token);
      c.send('{"text": ');
      const e = await c.next((m) => m.error !== undefined);
      same(e.error, 'Invalid JSON format', 'error');
      c.send({ type: 'ping' });
      await c.next('pong');
      await c.close();
    });
  }

  // ---- posts ----
  let postsSeq = null;
  let post = null;
  let postsWs = null;
  await check('posts (ext): /ws/posts sends snapshot {posts, seq} on connect', async () => {
    postsWs = await open('/ws/posts', B.token);
    const s = await postsWs.next('snapshot');
    expect(Array.isArray(s.posts), 'posts is not an array');
    expect(Number.isInteger(s.seq), 'seq is not an integer');
    postsSeq = s.seq;
  });
  await check('posts: POST /api/posts is broadcast as post_created {post, seq+1}', async () => {
    const r = await request(base, 'POST', '/api/posts', { token: A.token, body: { title: `Conformance ${run}`, content: 'body', published: true } });
    expect(r.status === 201 || r.status === 200, `status ${r.status}`);
    const m = await postsWs.next('post_created');
    post = m.post;
    for (const k of ['id', 'title', 'content', 'author_id', 'author_name', 'published', 'created_at', 'updated_at']) expect(k in post, `post has no ${k}`);
    same(post.title, `Conformance ${run}`, 'title');
    if (postsSeq !== null) same(m.seq, postsSeq + 1, 'seq');
  });
  await check('posts: GET /api/posts?published=true lists it first (newest first)', async () => {
    const r = await request(base, 'GET', '/api/posts?published=true');
    same(r.status, 200, 'status');
    const list = Array.isArray(r.body) ? r.body : r.body.posts;
    same(list[0]?.id, post?.id, 'first post');
    for (let i = 1; i < list.length; i++) expect(list[i - 1].created_at >= list[i].created_at, 'not newest first');
  });
  await check('posts: an update is broadcast as post_updated {post, changes}', async () => {
    const r = await request(base, 'PATCH', `/api/posts/${post.id}`, { token: A.token, body: { title: `Changed ${run}` } });
    same(r.status, 200, 'status');
    const m = await postsWs.next('post_updated');
    same(m.post.title, `Changed ${run}`, 'title');
    expect(m.changes && 'title' in m.changes, 'changes does not name title');
    same(m.seq, postsSeq + 2, 'seq');
  });
  await check('posts: a delete is broadcast as post_deleted {post_id}', async () => {
    const r = await request(base, 'DELETE', `/api/posts/${post.id}`, { token: A.token });
    expect(r.status === 200 || r.status === 204, `status ${r.status}`);
    const m = await postsWs.next('post_deleted');
    same(m.post_id, post.id, 'post_id');
    same(m.seq, postsSeq + 3, 'seq');
  });
  await check('posts (ext): reconnecting with ?since=SEQ replays the missed events in order', async () => {
    const c = await open(`/ws/posts?since=${postsSeq}`, B.token);
    const got = [await c.next(), await c.next(), await c.next()];
    same(got.map((m) => [m.type, m.seq]), [['post_created', postsSeq + 1], ['post_updated', postsSeq + 2], ['post_deleted', postsSeq + 3]], 'replay');
    expect(await c.quiet('snapshot'), 'a snapshot was sent as well');
    await c.close();
  });
  await check('posts (ext): a ?since= the server cannot serve gets {"type":"resync"}', async () => {
    const c = await open(`/ws/posts?since=${postsSeq + 1_000_000}`, B.token);
    same((await c.next()).type, 'resync', 'first message');
    await c.close();
  });
  await postsWs?.close();

  // ---- chat ----
  await check('chat: /ws/chat broadcasts {type: message, text, timestamp} to every client', async () => {
    const a = await open('/ws/chat', A.token);
    const b = await open('/ws/chat', B.token);
    const text = `hello ${run}`;
    a.send({ user: 'conformance', text });
    for (const c of [a, b]) {
      const m = await c.next((x) => x.type === 'message' && x.text === text);
      expect(typeof m.timestamp === 'string', 'no timestamp');
    }
    await Promise.all([a.close(), b.close()]);
  });
  let ra;
  let rb;
  let firstMsg;
  await check('room: joining sends history {messages}', async () => {
    ra = await open(`/ws/room/${room}`, A.token);
    const h = await ra.next('history');
    expect(Array.isArray(h.messages), 'messages is not an array');
  });
  await check('room: others receive user_joined {user_id, message}', async () => {
    rb = await open(`/ws/room/${room}`, B.token);
    await rb.next('history');
    const j = await ra.next('user_joined');
    if (B.user.id !== null) same(j.user_id, B.user.id, 'user_id');
  });
  await check('room: a message reaches every member as message {id, user_id, text, timestamp}', async () => {
    rb.send({ text: 'first' });
    for (const c of [ra, rb]) {
      const m = await c.next((x) => x.type === 'message' && x.text === 'first');
      expect(m.id !== undefined, 'no id');
      expect(typeof m.timestamp === 'string', 'no timestamp');
      if (B.user.id !== null) same(m.user_id, B.user.id, 'user_id');
      firstMsg = m;
    }
  });
  await check('room: a new member gets the saved message in its history', async () => {
    const c = await open(`/ws/room/${room}`, A.token);
    const h = await c.next('history');
    expect(h.messages.some((m) => m.text === 'first'), 'not in history');
    await c.close();
  });
  await check('room (ext): reconnecting with ?since=SEQ replays missed messages', async () => {
    expect(Number.isInteger(firstMsg?.seq), 'messages carry no seq');
    rb.send({ text: 'second' });
    await ra.next((x) => x.text === 'second');
    const c = await open(`/ws/room/${room}?since=${firstMsg.seq}`, A.token);
    same((await c.next((m) => m.type === 'message')).text, 'second', 'replayed');
    await c.close();
  });
  await check('room: the others receive user_left {user_id} when a user leaves', async () => {
    await rb.close();
    const l = await ra.next('user_left');
    if (B.user.id !== null) same(l.user_id, B.user.id, 'user_id');
    await ra.close();
  });
  if (!skipRateLimit && C) {
    await check(`chat: flooding gets {"error":"Rate limit exceeded","retry_after":N} (probe of ${rateProbe})`, async () => {
      const c = await open(`/ws/room/${room}-flood`, C.token);
      for (let i = 0; i < rateProbe; i++) c.send({ text: `flood ${i}` });
      const e = await c.next((m) => m.error === 'Rate limit exceeded', TIMEOUT * 2);
      expect(Number.isFinite(e.retry_after) && e.retry_after > 0, 'retry_after is not a positive number');
      await c.close();
    });
  }

  // ---- notifications ----
  let stream;
  let note;
  await check('sse: /events/notifications answers 200 text/event-stream', async () => {
    stream = await sse('/events/notifications', A.token);
    same(stream.status, 200, 'status');
    expect(stream.contentType.startsWith('text/event-stream'), `content-type ${stream.contentType}`);
  });
  await check('sse: a notification sent to self arrives as event: notification with id:', async () => {
    const r = await request(base, 'POST', '/api/notifications', { token: A.token, body: { title: `note ${run}`, message: 'm' } });
    expect(r.status === 201 || r.status === 200, `status ${r.status}`);
    const e = await stream.next((x) => x.event === 'notification' && x.data?.title === `note ${run}`);
    for (const k of ['id', 'title', 'message', 'icon', 'read', 'created_at']) expect(k in e.data, `no ${k}`);
    same(e.id, String(e.data.id), 'id: line');
    note = e.data;
  });
  await check('sse: GET /api/notifications?days=7 lists it, newest first', async () => {
    const r = await request(base, 'GET', '/api/notifications?days=7', { token: A.token });
    same(r.status, 200, 'status');
    const list = Array.isArray(r.body) ? r.body : r.body.notifications;
    same(list[0]?.id, note?.id, 'first notification');
  });
  await check('sse: another user cannot mark it read (404)', async () => {
    const r = await request(base, 'POST', `/api/notifications/${note.id}/read`, { token: B.token });
    expect(r.status === 404 || r.status === 403, `status ${r.status}`);
  });
  await check('sse: POST /api/notifications/<id>/read marks it read', async () => {
    const r = await request(base, 'POST', `/api/notifications/${note.id}/read`, { token: A.token });
    same(r.status, 200, 'status');
    const list = await request(base, 'GET', '/api/notifications', { token: A.token });
    same((list.body.notifications ?? list.body).find((n) => n.id === note.id)?.read, true, 'read');
    // The user's other windows hear it: event: read, without an id.
    const e = await stream.next((x) => x.event === 'read');
    expect(Array.isArray(e.data?.ids) && e.data.ids.includes(note.id), `ids ${JSON.stringify(e.data)}`);
    expect(typeof e.data.unread_count === 'number', 'unread_count');
    same(e.id, undefined, 'id: line');
  });
  await check('sse: POST /api/notifications/read-all marks every one read', async () => {
    await request(base, 'POST', '/api/notifications', { token: A.token, body: { title: 'unread' } });
    const r = await request(base, 'POST', '/api/notifications/read-all', { token: A.token });
    same(r.status, 200, 'status');
    const list = await request(base, 'GET', '/api/notifications', { token: A.token });
    expect((list.body.notifications ?? list.body).every((n) => n.read), 'some are unread');
    const e = await stream.next((x) => x.event === 'read' && x.data?.all === true);
    same(e.data.unread_count, 0, 'unread_count');
  });
  let missedId;
  await check('sse: reconnecting with the Last-Event-ID header replays what was missed', async () => {
    stream.close();
    const r = await request(base, 'POST', '/api/notifications', { token: A.token, body: { title: `missed ${run}` } });
    missedId = r.body?.notification?.id ?? r.body?.id;
    const s = await sse('/events/notifications', A.token, { 'Last-Event-ID': String(note.id) });
    const e = await s.next((x) => x.event === 'notification' && x.data?.title === `missed ${run}`);
    same(e.id, String(missedId), 'id');
    s.close();
  });
  await check('sse (ext): reconnecting with ?last_event_id= replays what was missed', async () => {
    const s = await sse(`/events/notifications?last_event_id=${note.id}`, A.token);
    const e = await s.next((x) => x.event === 'notification' && x.data?.title === `missed ${run}`);
    same(e.id, String(missedId), 'id');
    s.close();
  });
  await check('sse: /events starts with event: connected {user_id, timestamp}', async () => {
    const s = await sse('/events', A.token);
    const e = await s.next();
    same(e.event, 'connected', 'first event');
    expect('user_id' in e.data && 'timestamp' in e.data, 'data lacks user_id or timestamp');
    s.close();
  });

  // ---- documents ----
  let da;
  let db;
  let text = '';
  let rev = 0;
  await check('docs: a first join gets snapshot {rev, content, users}', async () => {
    da = await open(`/ws/docs/${doc}`, A.token);
    da.send({ type: 'join' });
    const s = await da.next('snapshot');
    same([s.rev, s.content], [0, ''], 'new document');
    expect(Array.isArray(s.users), 'users is not an array');
  });
  await check('docs: others receive user_joined {user: {id, name, avatar}}', async () => {
    db = await open(`/ws/docs/${doc}`, B.token);
    db.send({ type: 'join' });
    const s = await db.next('snapshot');
    expect(s.users.some((u) => A.user.id === null || u.id === A.user.id), 'A is not in users');
    const j = await da.next('user_joined');
    expect(j.user && 'id' in j.user && 'name' in j.user, 'user lacks id or name');
  });
  await check('docs: content_change gets ack {rev, seq}; others get content_change {rev, operations, user_id, src, seq}', async () => {
    da.send({ type: 'content_change', rev: 0, operations: ['hello 😀 world'], src: `A${run}`, seq: 1 });
    const ack = await da.next('ack');
    same([ack.rev, ack.seq], [0, 1], 'ack');
    const m = await db.next('content_change');
    same([m.rev, m.operations, m.src, m.seq], [0, ['hello 😀 world'], `A${run}`, 1], 'broadcast');
    if (A.user.id !== null) same(m.user_id, A.user.id, 'user_id');
    text = 'hello 😀 world';
    rev = 1;
  });
  await check('docs: positions count code points (the emoji is one character)', async () => {
    db.send({ type: 'content_change', rev: 1, operations: [6, { d: 1 }, '🎉'], src: `B${run}`, seq: 1 });
    same((await db.next('ack')).rev, 1, 'ack rev');
    const m = await da.next('content_change');
    text = applyOp(text, m.operations);
    rev = 2;
    same(text, 'hello 🎉 world', 'text');
  });
  await check('docs: concurrent inserts at one position: the later-arriving one ends up first', async () => {
    da.send({ type: 'content_change', rev, operations: ['X'], src: `A${run}`, seq: 2 });
    await da.next('ack');
    db.send({ type: 'content_change', rev, operations: ['Y'], src: `B${run}`, seq: 2 });
    const ack = await db.next('ack');
    same(ack.rev, rev + 1, 'the second op is applied at rev + 1');
    const c = await open(`/ws/docs/${doc}`, A.token);
    c.send({ type: 'join' });
    const s = await c.next('snapshot');
    same(s.content, `YX${text}`, 'content');
    text = s.content;
    rev = s.rev;
    await db.next('content_change');
    await da.next('content_change');
    await c.close();
  });
  await check('docs (ext): a resubmitted (src, seq) is acknowledged again and not applied twice', async () => {
    da.send({ type: 'content_change', rev: 0, operations: ['hello 😀 world'], src: `A${run}`, seq: 1 });
    const ack = await da.next('ack');
    same([ack.rev, ack.seq], [0, 1], 'ack');
    const c = await open(`/ws/docs/${doc}`, A.token);
    c.send({ type: 'join' });
    const s = await c.next('snapshot');
    same([s.content, s.rev], [text, rev], 'unchanged');
    await c.close();
  });
  await check('docs: an invalid operation gets error {code, message} and changes nothing', async () => {
    da.send({ type: 'content_change', rev, operations: [10_000, 'x'], src: `A${run}`, seq: 3 });
    const e = await da.next('error');
    expect(typeof e.code === 'string' && typeof e.message === 'string', 'no code or message');
    const c = await open(`/ws/docs/${doc}`, A.token);
    c.send({ type: 'join' });
    same((await c.next('snapshot')).rev, rev, 'rev');
    await c.close();
  });
  await check('docs (ext): join with rev gets the missed operations as content_change', async () => {
    const c = await open(`/ws/docs/${doc}`, B.token);
    c.send({ type: 'join', rev: 0 });
    let t = '';
    for (let r = 0; r < rev; r++) {
      const m = await c.next('content_change');
      same(m.rev, r, 'rev order');
      t = applyOp(t, m.operations);
    }
    same(t, text, 'replayed text');
    expect(await c.quiet('snapshot', 100), 'a snapshot was sent too');
    await c.close();
  });
  await check('docs: cursor_update {user_id, position} reaches the others', async () => {
    da.send({ type: 'cursor_update', position: 2, rev });
    const m = await db.next('cursor_update');
    same(m.position, 2, 'position');
    if (A.user.id !== null) same(m.user_id, A.user.id, 'user_id');
  });
  await check('docs: others receive user_left {user_id} when a user leaves', async () => {
    await da.close();
    const m = await db.next('user_left');
    if (A.user.id !== null) same(m.user_id, A.user.id, 'user_id');
    await db.close();
  });

  for (const c of cleanup) {
    if (c instanceof Ws) c.ws.terminate();
    else c.close();
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  print(`${passed} passed, ${failed} failed`);
  return { passed, failed, results };
}

export async function main(argv) {
  const opts = { tokens: [] };
  let base = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--token') opts.tokens.push(argv[++i]);
    else if (a === '--skip-rate-limit') opts.skipRateLimit = true;
    else if (a === '--rate-probe') opts.rateProbe = Number(argv[++i]);
    else if (a === '--timeout') opts.timeout = Number(argv[++i]);
    else if (!a.startsWith('--') && base === null) base = a;
    else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!base || !/^https?:\/\//.test(base)) {
    console.error('usage: node test/conformance <base-url> [--token T]... [--skip-rate-limit] [--rate-probe N] [--timeout MS]');
    process.exit(2);
  }
  const { failed } = await runConformance(base, opts);
  process.exit(failed ? 1 : 0);
}
