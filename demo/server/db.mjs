// The reference server's persistence: one embedded SQLite file (WAL mode).
//
// Every write that must stay consistent with another (a document operation
// and the document's stored text, a post and its change-stream event)
// happens in one transaction, so a crash or a kill between the two cannot
// corrupt state.
//
// A document is stored as a snapshot (documents: its text at revision `rev`)
// and the operations around it (doc_ops, one row per base revision). The
// authority writes the snapshot with an operation only now and then
// (demo/server/docs.mjs): its text is read back as the snapshot plus the
// operations at revisions >= rev.
//
// Retention: doc_ops is compacted in the transaction that writes a snapshot
// (so a kill leaves either the old snapshot and every row, or the new one
// and the rows it still needs). It deletes the operations below both the
// snapshot's revision (the read-back above needs every one from there) and
// the caller's `keepFrom`, which the authority sets to the current revision
// minus its transform window (options.catchupLimit): a catch-up, a transform
// and a resent operation's de-duplication never reach further back (an
// operation based further back is refused, rev_too_old; a resend is based
// at or before the revision its operation was applied at). So a document
// holds about catchupLimit + docSnapshotOps rows. The oldest kept revision
// is MIN(rev) (or the snapshot's rev when no row is left); the authority
// serves nothing older, even when started with a larger window than the one
// that compacted. The last seq applied from each (document, src, user),
// which a snapshot sent to a join carries (docs/protocol.md section 9), is
// kept in doc_src_seq, written in the operation's transaction, so
// compaction does not lose it: one row per editor instance (src) that
// edited the document, never deleted. A database made before doc_src_seq
// gets it filled from doc_ops when opened.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  title      TEXT NOT NULL,
  content    TEXT NOT NULL,
  author_id  INTEGER NOT NULL,
  published  INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS posts_by_created ON posts (published, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS posts_by_author ON posts (author_id, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS post_events (
  seq        INTEGER PRIMARY KEY,
  message    TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_messages (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  room       TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  user_id    INTEGER NOT NULL,
  user_name  TEXT NOT NULL,
  text       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  cid        TEXT,
  UNIQUE (room, seq)
);
CREATE TABLE IF NOT EXISTS notifications (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL,
  title      TEXT NOT NULL,
  message    TEXT NOT NULL,
  icon       TEXT NOT NULL,
  read       INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (user_id, id);
CREATE TABLE IF NOT EXISTS documents (
  id         TEXT PRIMARY KEY,
  content    TEXT NOT NULL,
  rev        INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_ops (
  doc_id     TEXT NOT NULL,
  rev        INTEGER NOT NULL,
  op         TEXT NOT NULL,
  src        TEXT,
  seq        INTEGER,
  user_id    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (doc_id, rev)
);
CREATE INDEX IF NOT EXISTS doc_ops_by_src ON doc_ops (doc_id, src, seq);
`;

// The last seq applied from each (document, src, user) and the base revision
// it was applied at. Created (and filled from doc_ops) by openStore.
const DOC_SRC_SEQ = `
CREATE TABLE doc_src_seq (
  doc_id     TEXT NOT NULL,
  src        TEXT NOT NULL,
  user_id    INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  rev        INTEGER NOT NULL,
  PRIMARY KEY (doc_id, src, user_id)
);
-- (SQLite takes the bare column rev from the row holding MAX(seq).)
INSERT INTO doc_src_seq (doc_id, src, user_id, seq, rev)
  SELECT doc_id, src, user_id, MAX(seq), rev FROM doc_ops
  WHERE src IS NOT NULL AND seq IS NOT NULL
  GROUP BY doc_id, src, user_id;
`;

const now = () => new Date().toISOString();

/** Opens (creating on first use) the database at `path`. ':memory:' works. */
export function openStore(path) {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // A database made before chat messages had client ids gets the column.
  if (db.prepare('SELECT name FROM sqlite_master WHERE type = ? AND name = ?').get('table', 'chat_messages') &&
      !db.pragma('table_info(chat_messages)').some((c) => c.name === 'cid')) {
    try {
      db.exec('ALTER TABLE chat_messages ADD COLUMN cid TEXT');
    } catch (e) {
      if (!/duplicate column/i.test(e.message)) throw e; // another process added it first
    }
  }
  db.exec(SCHEMA);
  // A database made before doc_src_seq gets it, filled from doc_ops (which
  // then still holds every operation), in one transaction: a kill leaves
  // either no table or the full one. IMMEDIATE: another process opening the
  // same file waits, then finds the table.
  db.transaction(() => {
    if (!db.prepare('SELECT name FROM sqlite_master WHERE type = ? AND name = ?').get('table', 'doc_src_seq')) db.exec(DOC_SRC_SEQ);
  }).immediate();
  // One stored message per (room, sender, client id): a resend is not stored twice.
  db.exec('CREATE UNIQUE INDEX IF NOT EXISTS chat_by_cid ON chat_messages (room, user_id, cid) WHERE cid IS NOT NULL');
  return new Store(db);
}

function postRow(row) {
  if (!row) return null;
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    author_id: row.author_id,
    author_name: row.author_name ?? null,
    published: !!row.published,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function notificationRow(row) {
  if (!row) return null;
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    message: row.message,
    icon: row.icon,
    read: !!row.read,
    created_at: row.created_at,
  };
}

function chatRow(row) {
  return {
    type: 'message',
    id: row.id,
    seq: row.seq,
    user: row.user_name,
    user_id: row.user_id,
    text: row.text,
    timestamp: row.created_at,
    ...(row.cid ? { cid: row.cid } : {}),
  };
}

const POST_SELECT = `SELECT p.*, u.name AS author_name FROM posts p LEFT JOIN users u ON u.id = p.author_id`;

export class Store {
  constructor(db) {
    this.db = db;
    const q = (sql) => db.prepare(sql);
    this.s = {
      metaGet: q('SELECT value FROM meta WHERE key = ?'),
      metaSet: q('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      userByName: q('SELECT * FROM users WHERE name = ?'),
      userById: q('SELECT * FROM users WHERE id = ?'),
      userInsert: q('INSERT INTO users (name, created_at) VALUES (?, ?)'),
      postById: q(`${POST_SELECT} WHERE p.id = ?`),
      postsPublished: q(`${POST_SELECT} WHERE p.published = 1 ORDER BY p.created_at DESC, p.id DESC LIMIT ?`),
      postsDrafts: q(`${POST_SELECT} WHERE p.published = 0 AND p.author_id = ? ORDER BY p.created_at DESC, p.id DESC LIMIT ?`),
      postsVisible: q(`${POST_SELECT} WHERE p.published = 1 OR p.author_id = ? ORDER BY p.created_at DESC, p.id DESC LIMIT ?`),
      // One author's: published, and drafts too when the second ? is 1.
      postsByAuthor: q(`${POST_SELECT} WHERE p.author_id = ? AND (p.published = 1 OR ? = 1) ORDER BY p.created_at DESC, p.id DESC LIMIT ?`),
      postInsert: q('INSERT INTO posts (title, content, author_id, published, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      postUpdate: q('UPDATE posts SET title = ?, content = ?, published = ?, updated_at = ? WHERE id = ?'),
      postDelete: q('DELETE FROM posts WHERE id = ?'),
      eventLast: q('SELECT MAX(seq) AS seq FROM post_events'),
      eventFirst: q('SELECT MIN(seq) AS seq FROM post_events'),
      eventInsert: q('INSERT INTO post_events (seq, message, created_at) VALUES (?, ?, ?)'),
      eventsSince: q('SELECT seq, message FROM post_events WHERE seq > ? ORDER BY seq LIMIT ?'),
      eventsPrune: q('DELETE FROM post_events WHERE seq <= ?'),
      chatLastSeq: q('SELECT MAX(seq) AS seq FROM chat_messages WHERE room = ?'),
      chatInsert: q('INSERT INTO chat_messages (room, seq, user_id, user_name, text, created_at, cid) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      chatByCid: q('SELECT * FROM chat_messages WHERE room = ? AND user_id = ? AND cid = ?'),
      chatRecent: q('SELECT * FROM (SELECT * FROM chat_messages WHERE room = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq'),
      chatSince: q('SELECT * FROM chat_messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?'),
      notifInsert: q('INSERT INTO notifications (user_id, title, message, icon, read, created_at) VALUES (?, ?, ?, ?, 0, ?)'),
      notifById: q('SELECT * FROM notifications WHERE id = ?'),
      notifRecent: q('SELECT * FROM notifications WHERE user_id = ? AND created_at >= ? ORDER BY id DESC LIMIT ?'),
      notifSince: q('SELECT * FROM notifications WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?'),
      notifMarkRead: q('UPDATE notifications SET read = 1 WHERE id = ? AND user_id = ?'),
      notifMarkAll: q('UPDATE notifications SET read = 1 WHERE user_id = ? AND read = 0'),
      notifUnread: q('SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND read = 0'),
      notifLastId: q('SELECT MAX(id) AS id FROM notifications WHERE user_id = ?'),
      docGet: q('SELECT * FROM documents WHERE id = ?'),
      docInsert: q('INSERT INTO documents (id, content, rev, created_at, updated_at) VALUES (?, ?, 0, ?, ?)'),
      docSnapshot: q('UPDATE documents SET content = ?, rev = ?, updated_at = ? WHERE id = ? AND rev <= ?'),
      opInsert: q('INSERT INTO doc_ops (doc_id, rev, op, src, seq, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      opsRange: q('SELECT * FROM doc_ops WHERE doc_id = ? AND rev >= ? AND rev < ? ORDER BY rev'),
      opsFirst: q('SELECT MIN(rev) AS rev FROM doc_ops WHERE doc_id = ?'),
      // Below both the stored snapshot's revision and keepFrom.
      opsCompact: q('DELETE FROM doc_ops WHERE doc_id = ? AND rev < MIN(?, (SELECT rev FROM documents WHERE id = ?))'),
      opBySrc: q('SELECT rev FROM doc_ops WHERE doc_id = ? AND src = ? AND seq = ? AND user_id = ?'),
      lastSeqBySrc: q('SELECT seq FROM doc_src_seq WHERE doc_id = ? AND src = ? AND user_id = ?'),
      lastSeqSet: q(`INSERT INTO doc_src_seq (doc_id, src, user_id, seq, rev) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (doc_id, src, user_id) DO UPDATE SET seq = excluded.seq, rev = excluded.rev WHERE excluded.seq > doc_src_seq.seq`),
    };
    // (doc_id, rev) is the key of doc_ops: a second operation at a base
    // revision (two authorities on one file) fails the transaction.
    this._applyOp = db.transaction((docId, rev, opJson, content, src, seq, userId, keepFrom) => {
      const t = now();
      this.s.opInsert.run(docId, rev, opJson, src, seq, userId, t);
      if (src !== null && seq !== null) this.s.lastSeqSet.run(docId, src, userId, seq, rev);
      if (content !== null) {
        this.s.docSnapshot.run(content, rev + 1, t, docId, rev + 1);
        this.s.opsCompact.run(docId, keepFrom, docId);
      }
    });
    this._saveSnapshot = db.transaction((docId, content, rev, keepFrom) => {
      this.s.docSnapshot.run(content, rev, now(), docId, rev);
      this.s.opsCompact.run(docId, keepFrom, docId);
    });
  }

  close() {
    if (this.db.open) this.db.close();
  }

  // ---- meta -------------------------------------------------------------

  /** The HS256 secret kept in the database, generated on first use. */
  secret() {
    const row = this.s.metaGet.get('jwt_secret');
    if (row) return row.value;
    const value = randomBytes(32).toString('hex');
    this.s.metaSet.run('jwt_secret', value);
    return value;
  }

  // ---- users ------------------------------------------------------------

  userByName(name) {
    return this.s.userByName.get(name) ?? null;
  }

  userById(id) {
    return this.s.userById.get(id) ?? null;
  }

  /** Returns the user named `name`, creating it on first login. */
  loginUser(name) {
    const existing = this.userByName(name);
    if (existing) return existing;
    const info = this.s.userInsert.run(name, now());
    return this.userById(Number(info.lastInsertRowid));
  }

  // ---- posts ------------------------------------------------------------

  post(id) {
    return postRow(this.s.postById.get(id));
  }

  /** `filter`: 'published' | 'drafts' | 'visible'; newest first. */
  /** `filter`: 'published', 'drafts' (userId's) or 'visible' (published
   *  plus userId's drafts). With `authorId`, that author's only. */
  posts(filter, userId, limit = 500, authorId = null) {
    if (authorId !== null) {
      const drafts = authorId === userId;
      if (filter === 'drafts' && !drafts) return [];
      if (filter === 'drafts') return this.s.postsDrafts.all(authorId, limit).map(postRow);
      return this.s.postsByAuthor.all(authorId, drafts && filter === 'visible' ? 1 : 0, limit).map(postRow);
    }
    if (filter === 'published') return this.s.postsPublished.all(limit).map(postRow);
    if (filter === 'drafts') return this.s.postsDrafts.all(userId, limit).map(postRow);
    return this.s.postsVisible.all(userId ?? -1, limit).map(postRow);
  }

  postsSeq() {
    return this.s.eventLast.get().seq ?? 0;
  }

  postsFirstSeq() {
    return this.s.eventFirst.get().seq ?? null;
  }

  /** Runs `fn` in a transaction; `fn` gets an `emit(message)` that appends a
   *  change-stream event and returns the message with its `seq`. */
  postsChange(fn, retain) {
    const emitted = [];
    this.db.transaction(() => {
      const emit = (message) => {
        const seq = this.postsSeq() + 1;
        const full = { ...message, seq };
        this.s.eventInsert.run(seq, JSON.stringify(full), now());
        emitted.push(full);
        return full;
      };
      fn(emit);
      const last = this.postsSeq();
      if (last > retain) this.s.eventsPrune.run(last - retain);
    })();
    return emitted;
  }

  insertPost({ title, content, authorId, published }) {
    const t = now();
    const info = this.s.postInsert.run(title, content, authorId, published ? 1 : 0, t, t);
    return this.post(Number(info.lastInsertRowid));
  }

  updatePost(id, { title, content, published }) {
    this.s.postUpdate.run(title, content, published ? 1 : 0, now(), id);
    return this.post(id);
  }

  deletePost(id) {
    this.s.postDelete.run(id);
  }

  postEventsSince(seq, limit) {
    return this.s.eventsSince.all(seq, limit).map((r) => JSON.parse(r.message));
  }

  // ---- chat -------------------------------------------------------------

  chatSeq(room) {
    return this.s.chatLastSeq.get(room).seq ?? 0;
  }

  saveChatMessage(room, user, text, cid = null) {
    return this.db.transaction(() => {
      const seq = this.chatSeq(room) + 1;
      const t = now();
      const info = this.s.chatInsert.run(room, seq, user.id, user.name, text, t, cid);
      return chatRow({ id: Number(info.lastInsertRowid), seq, user_id: user.id, user_name: user.name, text, created_at: t, cid });
    })();
  }

  // The message `user` stored in `room` with client id `cid`, or null.
  chatMessageByCid(room, userId, cid) {
    const row = this.s.chatByCid.get(room, userId, cid);
    return row ? chatRow(row) : null;
  }

  chatHistory(room, limit) {
    return this.s.chatRecent.all(room, limit).map(chatRow);
  }

  chatSince(room, seq, limit) {
    return this.s.chatSince.all(room, seq, limit).map(chatRow);
  }

  // ---- notifications ----------------------------------------------------

  createNotification(userId, { title, message, icon }) {
    const info = this.s.notifInsert.run(userId, title, message, icon, now());
    return notificationRow(this.s.notifById.get(Number(info.lastInsertRowid)));
  }

  notification(id) {
    return notificationRow(this.s.notifById.get(id));
  }

  notifications(userId, days, limit = 500) {
    const since = new Date(Date.now() - days * 86400e3).toISOString();
    return this.s.notifRecent.all(userId, since, limit).map(notificationRow);
  }

  notificationsSince(userId, id, limit) {
    return this.s.notifSince.all(userId, id, limit).map(notificationRow);
  }

  markNotificationRead(userId, id) {
    return this.s.notifMarkRead.run(id, userId).changes;
  }

  markAllNotificationsRead(userId) {
    return this.s.notifMarkAll.run(userId).changes;
  }

  unreadCount(userId) {
    return this.s.notifUnread.get(userId).n;
  }

  lastNotificationId(userId) {
    return this.s.notifLastId.get(userId).id ?? 0;
  }

  // ---- documents --------------------------------------------------------

  /** Returns the stored snapshot {id, content, rev} (the text at revision
   *  rev; the operations at revisions >= rev follow in docOps), creating an
   *  empty document on first use. */
  document(id) {
    let row = this.s.docGet.get(id);
    if (!row) {
      const t = now();
      this.s.docInsert.run(id, '', t, t);
      row = this.s.docGet.get(id);
    }
    return { id: row.id, content: row.content, rev: row.rev };
  }

  /** Operations with base revisions in [from, to), oldest first. */
  docOps(docId, from, to) {
    return this.s.opsRange.all(docId, from, to).map((r) => ({
      rev: r.rev,
      op: JSON.parse(r.op),
      src: r.src,
      seq: r.seq,
      user_id: r.user_id,
    }));
  }

  /** The oldest revision whose operation is stored (every one from it to
   *  the current revision is), given `snapshotRev`, the stored snapshot's
   *  revision: the oldest base revision the document can be served from. */
  docFirstOpRev(docId, snapshotRev) {
    return this.s.opsFirst.get(docId).rev ?? snapshotRev;
  }

  /** The highest seq applied from (src, user), or null. Kept when the
   *  operation itself is compacted away. */
  docLastSeqBySrc(docId, src, userId) {
    return this.s.lastSeqBySrc.get(docId, src, userId)?.seq ?? null;
  }

  /** The base revision at which (src, seq) was applied, or null (never
   *  applied, or compacted away). */
  docOpRevBySrc(docId, src, seq, userId) {
    return this.s.opBySrc.get(docId, src, seq, userId)?.rev ?? null;
  }

  /** Appends the operation applied at base `rev` (and, with src and seq,
   *  records seq as the last applied from src); `content`, the text after
   *  it, becomes the snapshot, or null leaves the snapshot as it is. With a
   *  snapshot, the operations below both its revision and `keepFrom` are
   *  deleted. One transaction. */
  appendDocOp(docId, rev, op, content, src, seq, userId, keepFrom = 0) {
    this._applyOp(docId, rev, JSON.stringify(op), content, src ?? null, seq ?? null, userId, keepFrom);
  }

  /** Stores `content` as the text at revision `rev` (not older than the
   *  stored snapshot) and deletes the operations below both the stored
   *  snapshot's revision and `keepFrom`. One transaction. */
  saveDocSnapshot(docId, content, rev, keepFrom = 0) {
    this._saveSnapshot(docId, content, rev, keepFrom);
  }

  integrityCheck() {
    return this.db.pragma('integrity_check', { simple: true });
  }
}
