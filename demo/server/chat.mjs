// Chat: the global broadcast /ws/chat and the rooms /ws/room/<room_id>.
//
// Every message is saved before it is broadcast, and carries the room's own
// `seq` (1, 2, 3... per room) so a client can resume with ?since=SEQ. Rooms
// send their recent history on join and announce users joining and leaving
// (once per user, however many tabs that user has open). One rate limiter,
// keyed by user, covers both endpoints.

import { wsSend, errorMessage, cleanText, parseSeqParam, publicUser, RateLimiter, typeName, codePointLength } from './util.mjs';

const GLOBAL_ROOM = 'chat';

export function createChat(ctx) {
  const { store, options } = ctx;
  const limiter = new RateLimiter(options.chatRate, options.chatWindowMs);
  const rooms = new Map(); // db key -> {clients: Set<ws>, users: Map<user_id, count>}

  function room(key) {
    let r = rooms.get(key);
    if (!r) rooms.set(key, (r = { clients: new Set(), users: new Map() }));
    return r;
  }

  function broadcast(r, msg, except) {
    const data = JSON.stringify(msg);
    for (const ws of r.clients) if (ws !== except) wsSend(ws, data);
  }

  function sendHistory(ws, key) {
    // cids: this server stores a message once per client id (docs/protocol.md
    // section 7), so a client may resend from its first message on.
    wsSend(ws, { type: 'history', messages: store.chatHistory(key, options.historyLimit), seq: store.chatSeq(key), cids: true });
  }

  function connect(ws, { url, user, params }) {
    const isRoom = params.room !== undefined;
    const key = isRoom ? `room:${params.room}` : GLOBAL_ROOM;
    ws.chat = { key, isRoom };
    const since = parseSeqParam(url.searchParams.get('since'));
    const current = store.chatSeq(key);
    if (since !== null && !Number.isNaN(since)) {
      if (since <= current && current - since <= options.replayLimit) {
        for (const msg of store.chatSince(key, since, options.replayLimit)) wsSend(ws, msg);
      } else {
        wsSend(ws, { type: 'resync' });
        sendHistory(ws, key);
      }
    } else if (isRoom) {
      sendHistory(ws, key);
    }
    const r = room(key);
    r.clients.add(ws);
    const count = r.users.get(user.id) ?? 0;
    r.users.set(user.id, count + 1);
    if (isRoom && count === 0) {
      broadcast(r, {
        type: 'user_joined',
        user_id: user.id,
        user: publicUser(user),
        message: `${user.name} joined the room`,
      }, ws);
    }
  }

  function message(ws, msg, user) {
    if (msg.type !== undefined && msg.type !== 'message') {
      wsSend(ws, errorMessage('unknown_type', `Unknown message type ${typeName(msg.type)} on chat`));
      return;
    }
    // A client id (protocol section 7): a message sent again after a
    // dropped connection is stored once; the sender gets the stored copy.
    const cid = typeof msg.cid === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(msg.cid) ? msg.cid : null;
    if (msg.cid !== undefined && cid === null) {
      wsSend(ws, errorMessage('invalid_message', 'cid must be 1 to 64 of A-Z a-z 0-9 _ . : -'));
      return;
    }
    // While the user is over the limit, every message gets the rate-limit
    // reply (a client matches those replies with its latest sends, so none
    // may be answered otherwise during a hold). Otherwise a refused message
    // is answered with its cid, so that the client stops sending it again;
    // refusals and resends of a stored message cost no quota (only a
    // message that gets stored does).
    const waitFor = limiter.wait(user.id);
    if (waitFor) {
      wsSend(ws, { error: 'Rate limit exceeded', retry_after: waitFor });
      return;
    }
    const refuse = (why) => wsSend(ws, errorMessage('invalid_message', why, cid ? { cid } : {}));
    if (cid) {
      const stored = store.chatMessageByCid(ws.chat.key, user.id, cid);
      if (stored) {
        wsSend(ws, stored);
        return;
      }
    }
    if (typeof msg.text !== 'string' || msg.text.trim() === '') {
      refuse('text must be a non-empty string');
      return;
    }
    const text = cleanText(msg.text, options.chatMaxLength, { allowNewlines: true });
    if (text === null) {
      refuse(codePointLength(msg.text.trim()) > options.chatMaxLength
        ? `text must be at most ${options.chatMaxLength} characters`
        : 'text must not hold control characters (other than tab and line breaks) or lone surrogates');
      return;
    }
    limiter.take(user.id); // counted; wait() above said there is room
    const saved = store.saveChatMessage(ws.chat.key, user, text, cid);
    broadcast(room(ws.chat.key), saved);
  }

  function close(ws, user) {
    if (!ws.chat) return;
    const r = rooms.get(ws.chat.key);
    if (!r) return;
    r.clients.delete(ws);
    const count = (r.users.get(user.id) ?? 1) - 1;
    if (count > 0) {
      r.users.set(user.id, count);
      return;
    }
    r.users.delete(user.id);
    if (ws.chat.isRoom) {
      broadcast(r, { type: 'user_left', user_id: user.id, message: `${user.name} left the room` });
    }
    if (r.clients.size === 0) rooms.delete(ws.chat.key);
  }

  const sweeper = setInterval(() => limiter.sweep(), 60_000);
  sweeper.unref();

  return {
    ws: { connect, message, close },
    stop() {
      clearInterval(sweeper);
    },
  };
}
