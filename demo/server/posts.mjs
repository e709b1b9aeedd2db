// Posts: REST under /api/posts and the live change stream /ws/posts.
//
// The stream mirrors the list GET /api/posts?published=true: a post entering
// the list is post_created, a change to a listed post is post_updated, a post
// leaving it (deleted or unpublished) is post_deleted. Drafts send nothing.
// Every stream message carries `seq`; the last `retain` events are kept in
// the database so a client can resume with ?since=SEQ, even across restarts.

import { HttpError, sendJson, wsSend, errorMessage, cleanText, codePointLength, parseSeqParam, typeName } from './util.mjs';

const FIELDS = ['title', 'content', 'published'];

function validatePost(body, existing) {
  const out = existing ? { title: existing.title, content: existing.content, published: existing.published } : {};
  if (!existing || body.title !== undefined) {
    const title = cleanText(body.title, 200);
    if (title === null) throw new HttpError(400, 'invalid_field', 'title must be a string of 1 to 200 characters', { field: 'title' });
    out.title = title;
  }
  if (!existing || body.content !== undefined) {
    const content = body.content === undefined && !existing ? '' : body.content;
    if (typeof content !== 'string' || codePointLength(content) > 100_000 || !content.isWellFormed()) {
      throw new HttpError(400, 'invalid_field', 'content must be a string of at most 100000 characters', { field: 'content' });
    }
    out.content = content;
  }
  if (!existing || body.published !== undefined) {
    const published = body.published === undefined && !existing ? false : body.published;
    if (typeof published !== 'boolean') throw new HttpError(400, 'invalid_field', 'published must be a boolean', { field: 'published' });
    out.published = published;
  }
  return out;
}

function parsePostId(text) {
  if (!/^\d{1,15}$/.test(text)) throw new HttpError(404, 'not_found', 'No such post');
  return Number(text);
}

export function createPosts(ctx) {
  const { store, options } = ctx;
  const clients = new Set();

  function broadcast(messages) {
    for (const msg of messages) {
      const data = JSON.stringify(msg);
      for (const ws of clients) wsSend(ws, data);
    }
  }

  function snapshot() {
    return { type: 'snapshot', posts: store.posts('published', null, options.postsSnapshotLimit), seq: store.postsSeq() };
  }

  function ownPost(id, user) {
    const post = store.post(id);
    if (!post || (!post.published && post.author_id !== user?.id)) throw new HttpError(404, 'not_found', 'No such post');
    return post;
  }

  async function http(req, res, url, path) {
    if (path === '/api/posts') {
      if (req.method === 'GET') {
        const published = url.searchParams.get('published');
        const user = ctx.optionalUser(req, url);
        let filter;
        if (published === 'true' || published === '1') filter = 'published';
        else if (published === 'false' || published === '0') {
          if (!user) throw ctx.authError();
          filter = 'drafts';
        } else if (published === null) filter = user ? 'visible' : 'published';
        else throw new HttpError(400, 'invalid_query', 'published must be true or false');
        const author = url.searchParams.get('author');
        if (author !== null && !/^[1-9][0-9]{0,14}$/.test(author)) {
          throw new HttpError(400, 'invalid_query', 'author must be a user id');
        }
        const posts = store.posts(filter, user?.id ?? null, options.postsSnapshotLimit, author === null ? null : Number(author));
        sendJson(res, 200, { posts, seq: store.postsSeq() });
        return true;
      }
      if (req.method === 'POST') {
        const user = ctx.requireUser(req, url);
        const fields = validatePost(await ctx.readBody(req));
        let post;
        const events = store.postsChange((emit) => {
          post = store.insertPost({ ...fields, authorId: user.id });
          if (post.published) emit({ type: 'post_created', post });
        }, options.postsRetain);
        broadcast(events);
        sendJson(res, 201, { post });
        return true;
      }
      throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
    }
    const m = /^\/api\/posts\/([^/]+)$/.exec(path);
    if (!m) return false;
    if (req.method === 'GET') {
      const post = ownPost(parsePostId(m[1]), ctx.optionalUser(req, url));
      sendJson(res, 200, { post });
      return true;
    }
    if (req.method === 'PUT' || req.method === 'PATCH') {
      const user = ctx.requireUser(req, url);
      const id = parsePostId(m[1]);
      const body = await ctx.readBody(req);
      const old = ownPost(id, user);
      if (old.author_id !== user.id) throw new HttpError(403, 'forbidden', 'Only the author may change a post');
      const fields = validatePost(body, old);
      let post;
      const changes = {};
      const events = store.postsChange((emit) => {
        post = store.updatePost(id, fields);
        for (const f of FIELDS) if (old[f] !== post[f]) changes[f] = { old: old[f], new: post[f] };
        if (old.published && post.published) {
          if (Object.keys(changes).length) emit({ type: 'post_updated', post, changes });
        } else if (!old.published && post.published) {
          emit({ type: 'post_created', post });
        } else if (old.published && !post.published) {
          emit({ type: 'post_deleted', post_id: id });
        }
      }, options.postsRetain);
      broadcast(events);
      sendJson(res, 200, { post, changes });
      return true;
    }
    if (req.method === 'DELETE') {
      const user = ctx.requireUser(req, url);
      const id = parsePostId(m[1]);
      const old = ownPost(id, user);
      if (old.author_id !== user.id) throw new HttpError(403, 'forbidden', 'Only the author may delete a post');
      const events = store.postsChange((emit) => {
        store.deletePost(id);
        if (old.published) emit({ type: 'post_deleted', post_id: id });
      }, options.postsRetain);
      broadcast(events);
      sendJson(res, 200, { deleted: true, post_id: id });
      return true;
    }
    throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
  }

  function connect(ws, { url }) {
    const since = parseSeqParam(url.searchParams.get('since'));
    const current = store.postsSeq();
    if (since === null || Number.isNaN(since)) {
      wsSend(ws, snapshot());
    } else if (since !== current) {
      const first = store.postsFirstSeq();
      const replayable = since < current && first !== null && first <= since + 1 && current - since <= options.replayLimit;
      if (replayable) {
        for (const msg of store.postEventsSince(since, options.replayLimit)) wsSend(ws, msg);
      } else {
        wsSend(ws, { type: 'resync' });
        wsSend(ws, snapshot());
      }
    }
    clients.add(ws);
  }

  function message(ws, msg) {
    wsSend(ws, errorMessage('unknown_type', `Unknown message type ${typeName(msg.type)} on /ws/posts`));
  }

  function close(ws) {
    clients.delete(ws);
  }

  return { http, ws: { connect, message, close }, clients };
}
