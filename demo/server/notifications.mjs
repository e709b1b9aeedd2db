// Notifications: the SSE streams /events/notifications and /events, and the
// REST endpoints under /api/notifications.
//
// A notification's `id` is its SSE event id. Ids grow and are never reused
// (SQLite AUTOINCREMENT), so a client that reconnects with Last-Event-ID (or
// ?last_event_id= for a new EventSource) gets exactly what it missed.

import { HttpError, sendJson, cleanText, parseSeqParam, CORS_HEADERS } from './util.mjs';

function sseEvent({ id, event, data }) {
  let out = '';
  if (id !== undefined) out += `id: ${id}\n`;
  if (event) out += `event: ${event}\n`;
  out += `data: ${JSON.stringify(data)}\n\n`;
  return out;
}

export function createNotifications(ctx) {
  const { store, options } = ctx;
  const streams = new Map(); // user_id -> Set<res>
  const all = new Set();

  // Writes to a stream; one that has stopped reading (more than
  // maxBufferedBytes unsent, as for sockets) is ended: its client resumes
  // with Last-Event-ID and loses nothing.
  function send(res, text) {
    if (res.destroyed) return;
    if (res.writableLength > options.maxBufferedBytes) {
      res.destroy();
      return;
    }
    res.write(text);
  }

  function openStream(req, res, url, { connected }) {
    const user = ctx.requireUser(req, url);
    // A user's streams are bounded: each holds a socket and up to
    // maxBufferedBytes of memory here. One more gets 429 (the client backs
    // off and tries again, when a tab has closed one).
    if ((streams.get(user.id)?.size ?? 0) >= options.maxStreamsPerUser) {
      throw new HttpError(429, 'too_many_streams', `At most ${options.maxStreamsPerUser} event streams per user`);
    }
    const header = req.headers['last-event-id'];
    let lastId = parseSeqParam(typeof header === 'string' && header !== '' ? header.trim() : null);
    if (lastId === null || Number.isNaN(lastId)) lastId = parseSeqParam(url.searchParams.get('last_event_id'));
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...CORS_HEADERS,
    });
    res.write(`retry: ${options.sseRetryMs}\n\n`);
    if (connected) {
      res.write(sseEvent({ event: 'connected', data: { user_id: user.id, timestamp: new Date().toISOString() } }));
    }
    if (lastId !== null && !Number.isNaN(lastId)) {
      const missed = store.notificationsSince(user.id, lastId, options.replayLimit + 1);
      if (missed.length > options.replayLimit) {
        // Too many to replay: the client reloads the list (GET
        // /api/notifications) and the stream goes on from the newest id.
        const newest = store.lastNotificationId(user.id);
        send(res, sseEvent({ id: newest, event: 'resync', data: { type: 'resync' } }));
      } else {
        for (const n of missed) send(res, sseEvent({ id: n.id, event: 'notification', data: n }));
      }
    }
    let set = streams.get(user.id);
    if (!set) streams.set(user.id, (set = new Set()));
    set.add(res);
    all.add(res);
    const drop = () => {
      set.delete(res);
      all.delete(res);
      if (set.size === 0 && streams.get(user.id) === set) streams.delete(user.id);
    };
    res.on('close', drop);
    res.on('error', drop);
  }

  function deliver(n) {
    const set = streams.get(n.user_id);
    if (!set) return;
    const text = sseEvent({ id: n.id, event: 'notification', data: n });
    for (const res of set) send(res, text);
  }

  // Tells every stream of the user what was read, so that the user's other
  // windows mark it too. No id: the stream's id is the notification cursor,
  // and read events are not replayed (a client that resumes reloads the list).
  function deliverRead(userId, data) {
    const set = streams.get(userId);
    if (!set) return;
    const text = sseEvent({ event: 'read', data: { ...data, unread_count: store.unreadCount(userId) } });
    for (const res of set) send(res, text);
  }

  function ownNotificationId(text) {
    if (!/^\d{1,15}$/.test(text)) throw new HttpError(404, 'not_found', 'No such notification');
    return Number(text);
  }

  async function http(req, res, url, path) {
    if (path === '/events/notifications' || path === '/events') {
      if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
      openStream(req, res, url, { connected: path === '/events' });
      return true;
    }
    if (path === '/api/notifications') {
      const user = ctx.requireUser(req, url);
      if (req.method === 'GET') {
        const daysText = url.searchParams.get('days');
        const days = daysText === null ? 7 : Number(daysText);
        if (!Number.isFinite(days) || days <= 0 || days > 3650) throw new HttpError(400, 'invalid_query', 'days must be a number between 0 and 3650');
        sendJson(res, 200, {
          notifications: store.notifications(user.id, days, options.notificationsLimit),
          unread_count: store.unreadCount(user.id),
          last_event_id: store.lastNotificationId(user.id),
        });
        return true;
      }
      if (req.method === 'POST') {
        const body = await ctx.readBody(req);
        const title = cleanText(body.title, 200);
        if (title === null) throw new HttpError(400, 'invalid_field', 'title must be a string of 1 to 200 characters', { field: 'title' });
        const message = cleanText(body.message ?? '', 2000, { allowNewlines: true, allowEmpty: true });
        if (message === null) throw new HttpError(400, 'invalid_field', 'message must be a string of at most 2000 characters', { field: 'message' });
        const icon = body.icon === undefined ? '📢' : cleanText(body.icon, 16);
        if (icon === null) throw new HttpError(400, 'invalid_field', 'icon must be a short string', { field: 'icon' });
        let target = user.id;
        if (body.user_id !== undefined) {
          if (!Number.isSafeInteger(body.user_id) || !store.userById(body.user_id)) {
            throw new HttpError(404, 'no_such_user', 'No such user', { field: 'user_id' });
          }
          target = body.user_id;
        }
        const n = store.createNotification(target, { title, message, icon });
        deliver(n);
        sendJson(res, 201, { notification: n });
        return true;
      }
      throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
    }
    if (path === '/api/notifications/read-all') {
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
      const user = ctx.requireUser(req, url);
      const upTo = store.lastNotificationId(user.id);
      const updated = store.markAllNotificationsRead(user.id);
      deliverRead(user.id, { all: true, up_to: upTo });
      sendJson(res, 200, { updated, unread_count: 0 });
      return true;
    }
    const m = /^\/api\/notifications\/([^/]+)\/read$/.exec(path);
    if (m) {
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
      const user = ctx.requireUser(req, url);
      const id = ownNotificationId(m[1]);
      const n = store.notification(id);
      // Another user's notification is reported as missing, not forbidden,
      // so ids cannot be probed.
      if (!n || n.user_id !== user.id) throw new HttpError(404, 'not_found', 'No such notification');
      store.markNotificationRead(user.id, id);
      deliverRead(user.id, { ids: [id] });
      sendJson(res, 200, { notification: { ...n, read: true }, unread_count: store.unreadCount(user.id) });
      return true;
    }
    return false;
  }

  const keepAlive = setInterval(() => {
    for (const res of all) send(res, ': keep-alive\n\n');
  }, options.sseKeepAliveMs);
  keepAlive.unref();

  return {
    http,
    streams: all,
    stop() {
      clearInterval(keepAlive);
      for (const res of all) res.end();
      all.clear();
      streams.clear();
    },
  };
}
