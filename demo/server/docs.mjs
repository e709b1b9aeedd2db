// Collaborative documents: /ws/docs/<doc_id>, the OT authority.
//
// The authority keeps each open document's text and revision in memory and
// the applied operations in the database (doc_ops, one row per revision).
// The text lives in the wasm heap (rt.ot.Document): an operation costs the
// same on a 1 MB document as on a 1 KB one, with no copy of the text. Its
// stored snapshot (db.mjs) is written with the operation while the document
// is small (options.docSnapshotChars) and otherwise every
// options.docSnapshotOps operations and when the last client leaves; opening
// a document reads the snapshot and applies the operations stored after it,
// so a kill between two snapshots loses nothing. Writing a snapshot also
// deletes the operations older than both it and the catch-up window
// (options.catchupLimit revisions behind the current one, db.mjs): nothing
// older is ever served, transformed or looked up again. The oldest stored
// revision (s.firstRev) bounds the window too, for a server started with a
// larger catchupLimit than the one that compacted.
// An incoming operation based on revision r is transformed, side 'left',
// against every operation applied since r, then applied, stored, acknowledged
// to its sender as ack {rev, seq} and broadcast to everyone else. (src, seq)
// identifies an operation across reconnects: a resubmitted one is acked again
// with the revision it was applied at, or refused (rev_too_old) once its
// operation is compacted away; never applied twice.
//
// The OT type is injected (ctx.otType) and used through its public shape only:
// normalize, transform, apply, transformPosition; so is the document
// (ctx.otDocument(text): {text, length, apply(op), free()}). A server given
// an otType without an otDocument keeps the text as a JS string and applies
// operations with the type.

import { wsSend, errorMessage, codePointLength, publicUser, typeName } from './util.mjs';

/** Checks the text-unicode operation grammar and returns
 *  {op, span, inserted, deleted} or an error string. `span` is the number of
 *  characters of the base document the operation walks over. */
export function checkTextOp(op, maxComponents) {
  if (!Array.isArray(op)) return 'operations must be an array';
  if (op.length > maxComponents) return `an operation may have at most ${maxComponents} components`;
  let span = 0;
  let inserted = 0;
  let deleted = 0;
  for (const c of op) {
    if (typeof c === 'number') {
      if (!Number.isSafeInteger(c) || c <= 0) return 'a skip must be a positive integer';
      span += c;
    } else if (typeof c === 'string') {
      if (c.length === 0) return 'an insert must be a non-empty string';
      if (!c.isWellFormed()) return 'an insert must be well-formed Unicode';
      // Clients refuse frames holding \u0000 (JSON parsers that cut strings
      // there would diverge): one such insert would stop every editor.
      if (c.includes('\0')) return 'an insert may not contain U+0000';
      inserted += codePointLength(c);
    } else if (c && typeof c === 'object' && !Array.isArray(c)) {
      const keys = Object.keys(c);
      if (keys.length !== 1 || keys[0] !== 'd') return 'a component object must be {"d": N} or {"d": "text"}';
      let n;
      if (typeof c.d === 'number') {
        if (!Number.isSafeInteger(c.d) || c.d <= 0) return 'a delete count must be a positive integer';
        n = c.d;
      } else if (typeof c.d === 'string') {
        if (c.d.length === 0 || !c.d.isWellFormed()) return 'a deleted text must be a non-empty well-formed string';
        if (c.d.includes('\0')) return 'a deleted text may not contain U+0000';
        n = codePointLength(c.d);
      } else return 'a delete must be {"d": N} or {"d": "text"}';
      span += n;
      deleted += n;
    } else {
      return 'an operation component must be a number, a string or {"d": ...}';
    }
  }
  return { op, span, inserted, deleted };
}

function spanOf(op) {
  let span = 0;
  let delta = 0;
  for (const c of op) {
    if (typeof c === 'number') span += c;
    else if (typeof c === 'string') delta += codePointLength(c);
    else {
      const n = typeof c.d === 'number' ? c.d : codePointLength(c.d);
      span += n;
      delta -= n;
    }
  }
  return { span, delta };
}

function isInt(v, min = 0) {
  return Number.isSafeInteger(v) && v >= min;
}

/** A document held as a JS string, for a server given only an OT type. */
function stringDocument(type, text) {
  return {
    text,
    get length() { return codePointLength(this.text); },
    apply(op) { this.text = type.apply(this.text, op); },
    free() {},
  };
}

export function createDocs(ctx) {
  const { store, options } = ctx;
  const type = ctx.otType;
  const newDocument = ctx.otDocument ?? ((text) => stringDocument(type, text));
  const docs = new Map(); // doc id -> session

  /** The stored document: its snapshot and the operations stored after it. */
  function load(id) {
    const row = store.document(id);
    const doc = newDocument(row.content);
    let rev = row.rev;
    try {
      for (const e of store.docOps(id, rev, Number.MAX_SAFE_INTEGER)) {
        if (e.rev !== rev) throw new Error(`operation ${e.rev} is stored after revision ${rev}`);
        doc.apply(e.op);
        rev++;
      }
    } catch (e) {
      doc.free();
      throw new Error(`document ${JSON.stringify(id)} cannot be read back: ${e.message}`);
    }
    if (rev > row.rev) ctx.log(`docs: ${id}: read back from the snapshot at rev ${row.rev} and ${rev - row.rev} operations after it`);
    return { doc, rev, savedRev: row.rev, firstRev: store.docFirstOpRev(id, row.rev) };
  }

  function session(id) {
    let s = docs.get(id);
    if (!s) {
      const { doc, rev, savedRev, firstRev } = load(id);
      s = {
        id,
        doc,
        length: doc.length, // code points
        rev,
        savedRev, // the revision of the stored snapshot
        firstRev, // the oldest revision whose operation is stored
        recent: [], // last applied ops {rev, op, src, seq, user_id}, oldest first
        clients: new Set(),
        users: new Map(), // user_id -> {user, count, cursor}
      };
      docs.set(id, s);
    }
    return s;
  }

  /** Lets a session go: its text leaves the wasm heap and the next join
   *  opens the document again. */
  function forget(s) {
    s.doc.free();
    if (docs.get(s.id) === s) docs.delete(s.id);
  }

  /** Ends a session whose text can no longer be trusted to match the
   *  database: its clients are closed (they reconnect, and the next join
   *  reads the document back) and nothing more is applied to it. */
  function drop(s, why) {
    s.dead = true;
    forget(s);
    for (const c of s.clients) c.close(1011, why);
    s.clients.clear();
  }

  /** The oldest revision whose operation the database must keep once the
   *  document is at `rev`: the catch-up window's start. */
  function keepFrom(rev) {
    return Math.max(0, rev - options.catchupLimit);
  }

  /** After a snapshot at s.savedRev was stored with compaction to `keep`. */
  function compacted(s, keep) {
    s.firstRev = Math.max(s.firstRev, Math.min(s.savedRev, keep));
  }

  /** Whether operations based on `rev` can still be served: caught up,
   *  transformed past, and their resends found by (src, seq). */
  function inWindow(s, rev) {
    return rev <= s.rev && s.rev - rev <= options.catchupLimit && rev >= s.firstRev;
  }

  /** Stores the text as the snapshot if it is behind, deleting the
   *  operations no longer needed; a failure is logged (the operations are
   *  stored: the snapshot is only a shortcut). */
  function saveSnapshot(s) {
    if (s.savedRev === s.rev) return;
    const keep = keepFrom(s.rev);
    try {
      store.saveDocSnapshot(s.id, s.doc.text, s.rev, keep);
      s.savedRev = s.rev;
      compacted(s, keep);
    } catch (e) {
      ctx.log(`docs: storing the snapshot of ${s.id} failed: ${e.message}`);
    }
  }

  /** Operations applied at base revisions [from, s.rev), oldest first
   *  (from >= s.firstRev). */
  function opsSince(s, from) {
    const first = s.recent.length ? s.recent[0].rev : s.rev;
    if (from >= first) return s.recent.slice(from - first);
    const stored = store.docOps(s.id, from, first);
    if (stored.length !== first - from) throw new Error(`operations ${from} to ${first - 1} of ${s.id} are not all stored`);
    return stored.concat(s.recent);
  }

  function usersList(s) {
    return [...s.users.values()].map((p) => ({ ...publicUser(p.user), cursor: p.cursor }));
  }

  function broadcast(s, msg, except) {
    const data = JSON.stringify(msg);
    for (const ws of s.clients) if (ws !== except) wsSend(ws, data);
  }

  /** The document as it stands. To a client that joins with its `src`,
   *  also the last `seq` applied from it (an extension, docs/protocol.md
   *  section 9): an operation it sent before a drop and never saw acked
   *  is then known to be in `content`, and is not applied a second time. */
  function snapshot(s, src, user) {
    const msg = { type: 'snapshot', rev: s.rev, content: s.doc.text, users: usersList(s) };
    if (typeof src === 'string' && src.length > 0 && src.length <= 128) {
      const seq = store.docLastSeqBySrc(s.id, src, user.id);
      if (seq !== null) msg.seq = seq;
    }
    return msg;
  }

  function opMessage(entry) {
    return { type: 'content_change', rev: entry.rev, operations: entry.op, user_id: entry.user_id, src: entry.src, seq: entry.seq };
  }

  function connect(ws, { params }) {
    ws.doc = { id: params.doc, joined: false };
  }

  function join(ws, msg, user) {
    const rev = msg.rev;
    if (rev !== undefined && rev !== null && !isInt(rev)) {
      wsSend(ws, errorMessage('invalid_message', 'join.rev must be a non-negative integer'));
      return;
    }
    if (ws.doc.session?.dead) return; // closing (1011)
    // Only a join that will be added to the session opens it: a session
    // holds its text in the wasm heap until its last client leaves.
    const s = ws.doc.session ?? session(ws.doc.id);
    try {
      if (rev === undefined || rev === null) {
        wsSend(ws, snapshot(s, msg.src, user));
      } else if (inWindow(s, rev)) {
        for (const entry of opsSince(s, rev)) wsSend(ws, opMessage(entry));
      } else {
        // Unknown revision (a reset server, or too far behind, its
        // operations compacted away): start over.
        wsSend(ws, snapshot(s, msg.src, user));
      }
    } catch (e) {
      // (Reading old operations from the database failed.) A session this
      // join opened and nobody joined is let go, not left holding its text.
      if (s.clients.size === 0 && docs.get(s.id) === s) forget(s);
      throw e;
    }
    if (ws.doc.joined) return;
    ws.doc.joined = true;
    ws.doc.session = s;
    if (rev !== undefined && rev !== null) {
      // A rejoining client has no user list: announce everyone present.
      for (const p of s.users.values()) {
        if (p.user.id !== user.id) wsSend(ws, { type: 'user_joined', user: publicUser(p.user) });
        if (p.user.id !== user.id && p.cursor !== null) wsSend(ws, { type: 'cursor_update', user_id: p.user.id, position: p.cursor, rev: s.rev });
      }
    }
    s.clients.add(ws);
    const presence = s.users.get(user.id);
    if (presence) presence.count++;
    else {
      s.users.set(user.id, { user, count: 1, cursor: null });
      broadcast(s, { type: 'user_joined', user: publicUser(user) }, ws);
    }
  }

  function reject(ws, code, message, seq) {
    wsSend(ws, errorMessage(code, message, seq !== undefined ? { seq } : {}));
  }

  function contentChange(ws, msg, user) {
    const s = ws.doc.session;
    if (s.dead) return; // closing (1011)
    const { rev, src, seq } = msg;
    const seqOut = isInt(seq) ? seq : undefined;
    if (src !== undefined && src !== null && (typeof src !== 'string' || src.length === 0 || src.length > 128)) {
      return reject(ws, 'invalid_message', 'src must be a string of 1 to 128 characters', seqOut);
    }
    if (seq !== undefined && seq !== null && !isInt(seq)) return reject(ws, 'invalid_message', 'seq must be a non-negative integer');
    const hasId = typeof src === 'string' && isInt(seq);
    if (hasId) {
      // Only this user's own: another user cannot take an editor's next
      // (src, seq), which every broadcast shows, and so have its real
      // operation acknowledged as a duplicate and dropped. A seq above the
      // last applied from (src, user) is new.
      const last = store.docLastSeqBySrc(s.id, src, user.id);
      if (last !== null && seq <= last) {
        const appliedAt = store.docOpRevBySrc(s.id, src, seq, user.id);
        if (appliedAt !== null) {
          wsSend(ws, { type: 'ack', rev: appliedAt, seq, duplicate: true });
          return;
        }
        // Applied, and compacted away since (a resend based on a revision
        // in the window finds its operation: it was applied at or after
        // that revision), or older than an applied one (seq only grows):
        // never applied (again). The client resyncs, and the snapshot's
        // seq tells it the operation is in the text.
        return reject(ws, 'rev_too_old', `operation ${seq} of this src is older than the operations kept`, seqOut);
      }
    }
    if (!isInt(rev)) return reject(ws, 'invalid_rev', 'rev must be a non-negative integer', seqOut);
    if (rev > s.rev) return reject(ws, 'invalid_rev', `rev ${rev} is ahead of the document (at ${s.rev})`, seqOut);
    if (!inWindow(s, rev)) return reject(ws, 'rev_too_old', `rev ${rev} is too old to transform`, seqOut);
    const checked = checkTextOp(msg.operations, options.maxOpComponents);
    if (typeof checked === 'string') return reject(ws, 'invalid_op', checked, seqOut);
    if ((s.rev - rev) * msg.operations.length > options.maxTransformWork) {
      return reject(ws, 'rev_too_old', `an operation of ${msg.operations.length} components is too large to transform past ${s.rev - rev} operations`, seqOut);
    }
    let op;
    const missed = opsSince(s, rev);
    // The operation must fit the document it was based on.
    const base = s.length - missed.reduce((n, e) => n + spanOf(e.op).delta, 0);
    if (checked.span > base) return reject(ws, 'invalid_op', `the operation spans ${checked.span} characters but the document at rev ${rev} has ${base}`, seqOut);
    // The cursor (in the sender's text after its operation) is a hint: out
    // of range, it is clamped; it never makes an operation fail.
    const after = base + checked.inserted - checked.deleted;
    let cursor = isInt(msg.cursor_position) ? Math.min(msg.cursor_position, after) : null;
    try {
      op = type.normalize(checked.op);
      for (const entry of missed) {
        if (cursor !== null) cursor = type.transformPosition(cursor, type.transform(entry.op, op, 'right'));
        op = type.transform(op, entry.op, 'left');
      }
    } catch (e) {
      return reject(ws, 'invalid_op', `the operation cannot be transformed: ${e.message}`, seqOut);
    }
    const { span, delta } = spanOf(op);
    if (span > s.length) return reject(ws, 'invalid_op', 'the operation does not fit the document', seqOut);
    if (s.length + delta > options.maxDocLength) return reject(ws, 'too_large', `a document may hold at most ${options.maxDocLength} characters`, seqOut);
    try {
      s.doc.apply(op);
    } catch (e) {
      return reject(ws, 'invalid_op', `the operation cannot be applied: ${e.message}`, seqOut);
    }
    const baseRev = s.rev;
    const length = s.length + delta;
    const snapshotDue = length <= options.docSnapshotChars || baseRev + 1 - s.savedRev >= options.docSnapshotOps;
    const keep = keepFrom(baseRev + 1);
    try {
      store.appendDocOp(s.id, baseRev, op, snapshotDue ? s.doc.text : null, hasId ? src : null, hasId ? seq : null, user.id, keep);
    } catch (e) {
      ctx.log(`docs: storing an operation on ${s.id} failed: ${e.message}`);
      // The text in memory is ahead of the database.
      reject(ws, 'internal_error', 'the operation could not be stored', seqOut);
      drop(s, 'Document unavailable');
      return undefined;
    }
    if (snapshotDue) {
      s.savedRev = baseRev + 1;
      compacted(s, keep);
    }
    const entry = { rev: baseRev, op, src: hasId ? src : null, seq: hasId ? seq : null, user_id: user.id };
    s.length = length;
    s.rev = baseRev + 1;
    s.recent.push(entry);
    if (s.recent.length > options.recentOps) s.recent.splice(0, s.recent.length - options.recentOps);
    for (const p of s.users.values()) {
      if (p.cursor === null) continue;
      try {
        p.cursor = Math.min(type.transformPosition(p.cursor, op), s.length);
      } catch {
        p.cursor = null; // a cursor is a hint; never let it stop an applied operation
      }
    }
    wsSend(ws, { type: 'ack', rev: baseRev, seq: seqOut ?? null });
    broadcast(s, opMessage(entry), ws);
    if (cursor !== null) {
      cursor = Math.min(cursor, s.length);
      s.users.get(user.id).cursor = cursor;
      broadcast(s, { type: 'cursor_update', user_id: user.id, position: cursor, rev: s.rev }, ws);
    }
  }

  function cursorUpdate(ws, msg, user) {
    const s = ws.doc.session;
    if (s.dead) return;
    if (!isInt(msg.position)) return reject(ws, 'invalid_message', 'position must be a non-negative integer');
    let position = msg.position;
    if (msg.rev !== undefined && msg.rev !== null) {
      if (!isInt(msg.rev) || msg.rev > s.rev) return reject(ws, 'invalid_rev', 'rev must be a known revision');
      // Older than the operations kept to transform it: it would be shown
      // in the wrong place; the client's next cursor will do.
      if (!inWindow(s, msg.rev)) return undefined;
      const missed = opsSince(s, msg.rev);
      // Clamped to the document at that rev (a hint is never an error).
      position = Math.min(position, s.length - missed.reduce((n, e) => n + spanOf(e.op).delta, 0));
      try {
        for (const entry of missed) position = type.transformPosition(position, entry.op);
      } catch {
        return undefined;
      }
    }
    position = Math.min(position, s.length);
    s.users.get(user.id).cursor = position;
    broadcast(s, { type: 'cursor_update', user_id: user.id, position, rev: s.rev }, ws);
  }

  function message(ws, msg, user) {
    if (msg.type === 'join') return join(ws, msg, user);
    if (msg.type === 'content_change' || msg.type === 'cursor_update') {
      if (!ws.doc.joined) {
        return wsSend(ws, errorMessage('not_joined', 'send {"type":"join"} first', isInt(msg.seq) ? { seq: msg.seq } : {}));
      }
      return msg.type === 'content_change' ? contentChange(ws, msg, user) : cursorUpdate(ws, msg, user);
    }
    wsSend(ws, errorMessage('unknown_type', `Unknown message type ${typeName(msg.type)} on /ws/docs`));
  }

  function close(ws, user) {
    const s = ws.doc?.session;
    if (!s || s.dead) return;
    s.clients.delete(ws);
    const p = s.users.get(user.id);
    if (p && --p.count === 0) {
      s.users.delete(user.id);
      broadcast(s, { type: 'user_left', user_id: user.id });
    }
    if (s.clients.size === 0) {
      saveSnapshot(s);
      forget(s);
    }
  }

  return { ws: { connect, message, close }, docs };
}
