// Posts: REST create/update/delete/list and the /ws/posts change stream with
// snapshot, seq, resume (?since=) and resync.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, login, api, WsClient, sleep } from './helpers.mjs';

let srv, alice, bob;
before(async () => {
  srv = await startTestServer({ postsRetain: 5 });
  alice = await login(srv.base, 'alice');
  bob = await login(srv.base, 'bob');
});
after(() => srv.close());

const create = (who, body) => api(srv.base, 'POST', '/api/posts', { token: who.token, body });

test('create, read, list newest first; drafts only for their author', async () => {
  const a = await create(alice, { title: 'First', content: 'one', published: true });
  assert.equal(a.status, 201);
  const p = a.body.post;
  for (const k of ['id', 'title', 'content', 'author_id', 'author_name', 'published', 'created_at', 'updated_at']) assert.ok(k in p, k);
  assert.equal(p.author_name, 'alice');
  assert.equal(p.published, true);
  await sleep(3);
  await create(bob, { title: 'Second', content: 'two', published: true });
  const draft = (await create(alice, { title: 'Draft', content: 'wip' })).body.post;
  assert.equal(draft.published, false, 'published defaults to false');
  const list = await api(srv.base, 'GET', '/api/posts?published=true');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.posts.map((x) => x.title).slice(0, 2), ['Second', 'First']);
  assert.ok(!list.body.posts.some((x) => x.id === draft.id));
  assert.equal(typeof list.body.seq, 'number');
  const drafts = await api(srv.base, 'GET', '/api/posts?published=false', { token: alice.token });
  assert.deepEqual(drafts.body.posts.map((x) => x.id), [draft.id]);
  assert.deepEqual((await api(srv.base, 'GET', '/api/posts?published=false', { token: bob.token })).body.posts, []);
  assert.equal((await api(srv.base, 'GET', `/api/posts/${draft.id}`, { token: bob.token })).status, 404);
  assert.equal((await api(srv.base, 'GET', `/api/posts/${draft.id}`, { token: alice.token })).status, 200);
  assert.equal((await api(srv.base, 'GET', '/api/posts?published=maybe')).status, 400);
});

test('validation errors are 400 with the field; bad ids 404; other authors 403', async () => {
  for (const body of [{}, { title: '' }, { title: 'x'.repeat(201) }, { title: 5 }, { title: 't', content: 5 }, { title: 't', published: 'yes' }]) {
    const r = await create(alice, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.code, 'invalid_field');
  }
  const p = (await create(alice, { title: 'Mine', published: true })).body.post;
  assert.equal((await api(srv.base, 'PATCH', `/api/posts/${p.id}`, { token: bob.token, body: { title: 'Hijack' } })).status, 403);
  assert.equal((await api(srv.base, 'DELETE', `/api/posts/${p.id}`, { token: bob.token })).status, 403);
  assert.equal((await api(srv.base, 'PATCH', '/api/posts/99999', { token: alice.token, body: { title: 'x' } })).status, 404);
  assert.equal((await api(srv.base, 'PATCH', '/api/posts/abc', { token: alice.token, body: { title: 'x' } })).status, 404);
  assert.equal((await api(srv.base, 'PATCH', `/api/posts/${p.id}`, { token: alice.token, body: { title: '' } })).status, 400);
  const big = await api(srv.base, 'POST', '/api/posts', { token: alice.token, raw: JSON.stringify({ title: 't', content: 'x'.repeat(1_100_000) }) });
  assert.equal(big.status, 413);
  // content counts characters (code points), as title does: 100,000 emoji
  // are 200,000 UTF-16 units and fit; one more does not.
  assert.equal((await create(alice, { title: 'emoji', content: '😀'.repeat(100_000) })).status, 201);
  assert.equal((await create(alice, { title: 'emoji', content: '😀'.repeat(100_001) })).status, 400);
});

test('/ws/posts: snapshot on connect, then post_created / post_updated with changes / post_deleted, each with seq', async () => {
  const c = await WsClient.open(srv.wsUrl('/ws/posts', bob.token));
  const snap = await c.next('snapshot');
  assert.ok(Array.isArray(snap.posts));
  assert.equal(snap.seq, (await api(srv.base, 'GET', '/api/posts?published=true')).body.seq);
  const p = (await create(alice, { title: 'Live', content: 'c', published: true })).body.post;
  const created = await c.next('post_created');
  assert.deepEqual(created.post, p);
  assert.equal(created.seq, snap.seq + 1);
  const upd = await api(srv.base, 'PATCH', `/api/posts/${p.id}`, { token: alice.token, body: { title: 'Live 2' } });
  assert.equal(upd.status, 200);
  const updated = await c.next('post_updated');
  assert.equal(updated.post.title, 'Live 2');
  assert.deepEqual(updated.changes, { title: { old: 'Live', new: 'Live 2' } });
  assert.equal(updated.seq, snap.seq + 2);
  assert.equal((await api(srv.base, 'DELETE', `/api/posts/${p.id}`, { token: alice.token })).status, 200);
  const deleted = await c.next('post_deleted');
  assert.equal(deleted.post_id, p.id);
  assert.equal(deleted.seq, snap.seq + 3);
  assert.equal((await api(srv.base, 'GET', `/api/posts/${p.id}`)).status, 404);
  await c.close();
});

test('drafts send nothing; publishing is post_created, unpublishing post_deleted', async () => {
  const c = await WsClient.open(srv.wsUrl('/ws/posts', bob.token));
  await c.next('snapshot');
  const d = (await create(alice, { title: 'Quiet' })).body.post;
  await api(srv.base, 'PATCH', `/api/posts/${d.id}`, { token: alice.token, body: { content: 'edit' } });
  assert.ok(await c.none(), 'no event for drafts');
  await api(srv.base, 'PATCH', `/api/posts/${d.id}`, { token: alice.token, body: { published: true } });
  assert.equal((await c.next('post_created')).post.id, d.id);
  await api(srv.base, 'PUT', `/api/posts/${d.id}`, { token: alice.token, body: { published: false } });
  assert.equal((await c.next('post_deleted')).post_id, d.id);
  await c.close();
});

test('resume with ?since= replays what was missed; a too old or unknown seq gets resync and a snapshot', async () => {
  const first = await WsClient.open(srv.wsUrl('/ws/posts', bob.token));
  const { seq } = await first.next('snapshot');
  await first.close();
  await create(alice, { title: 'Missed 1', published: true });
  await create(alice, { title: 'Missed 2', published: true });
  const again = await WsClient.open(srv.wsUrl(`/ws/posts?since=${seq}`, bob.token));
  const m1 = await again.next();
  const m2 = await again.next();
  assert.deepEqual([m1.type, m1.seq, m1.post.title], ['post_created', seq + 1, 'Missed 1']);
  assert.deepEqual([m2.type, m2.seq, m2.post.title], ['post_created', seq + 2, 'Missed 2']);
  assert.ok(await again.none(), 'nothing else');
  await again.close();
  const upToDate = await WsClient.open(srv.wsUrl(`/ws/posts?since=${seq + 2}`, bob.token));
  assert.ok(await upToDate.none(), 'an up-to-date client gets nothing');
  await upToDate.close();
  const future = await WsClient.open(srv.wsUrl(`/ws/posts?since=${seq + 1000}`, bob.token));
  assert.equal((await future.next()).type, 'resync');
  assert.equal((await future.next()).type, 'snapshot');
  await future.close();
  // postsRetain is 5 here: make the old seq fall out of the kept events.
  for (let i = 0; i < 6; i++) await create(alice, { title: `Flood ${i}`, published: true });
  const old = await WsClient.open(srv.wsUrl(`/ws/posts?since=${seq}`, bob.token));
  assert.equal((await old.next()).type, 'resync');
  const snap = await old.next('snapshot');
  assert.equal(snap.posts[0].title, 'Flood 5');
  await old.close();
});

test('/ws/posts answers ping and rejects other client messages as unknown_type', async () => {
  const c = await WsClient.open(srv.wsUrl('/ws/posts', bob.token));
  await c.next('snapshot');
  c.send({ type: 'ping' });
  await c.next('pong');
  c.send({ type: 'post_created', post: {} });
  const e = await c.next('error');
  assert.equal(e.code, 'unknown_type');
  assert.equal(typeof e.message, 'string');
  c.send({ type: { toString: 1 } });
  assert.equal((await c.next('error')).code, 'unknown_type');
  await c.close();
});

// "My posts" in the demo: the list has room for the newest 500 of
// everyone's, so a post of carol's older than 500 newer ones of dave's was
// not in it, and neither in what her page showed. ?author= lists one
// author's: published ones, plus drafts for the author herself.
test('?author= lists one author\'s posts, also one older than 500 newer posts of others', async () => {
  const carol = await login(srv.base, 'carol');
  const dave = await login(srv.base, 'dave');
  const old = (await create(carol, { title: 'Carol, long ago', published: true })).body.post;
  const draft = (await create(carol, { title: 'Carol draft' })).body.post;
  for (let i = 0; i < 500; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => create(dave, { title: `Dave ${i + j}`, published: true })));
  }
  const all = await api(srv.base, 'GET', '/api/posts?published=true', { token: carol.token });
  assert.ok(!all.body.posts.some((p) => p.id === old.id), 'the newest 500 of everyone\'s leave it out');
  const mine = await api(srv.base, 'GET', `/api/posts?author=${carol.user.id}`, { token: carol.token });
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.posts.map((p) => p.id), [draft.id, old.id]);
  assert.equal(typeof mine.body.seq, 'number');
  const published = await api(srv.base, 'GET', `/api/posts?author=${carol.user.id}&published=true`, { token: carol.token });
  assert.deepEqual(published.body.posts.map((p) => p.id), [old.id]);
  // Someone else, or nobody signed in, sees her published posts only.
  for (const token of [dave.token, undefined]) {
    const r = await api(srv.base, 'GET', `/api/posts?author=${carol.user.id}`, { token });
    assert.deepEqual(r.body.posts.map((p) => p.id), [old.id]);
  }
  const theirs = await api(srv.base, 'GET', `/api/posts?author=${carol.user.id}&published=false`, { token: dave.token });
  assert.deepEqual(theirs.body.posts, []);
  for (const bad of ['', 'x', '0', '-1', '1.5', '1e3', '99999999999999999']) {
    const r = await api(srv.base, 'GET', `/api/posts?author=${encodeURIComponent(bad)}`);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.code, 'invalid_query');
  }
});
