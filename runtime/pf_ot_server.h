/*
 * pf_ot_server.h: the authority side of collaborative documents.
 *
 * One pf_ot_server holds one document: its text, its revision (the number of
 * operations applied since creation) and a bounded history of the latest
 * operations with the (src, seq) that submitted them. An incoming operation
 * based on an older revision is transformed against every operation applied
 * since, with side left (the protocol brief's tie-break), then applied; a
 * (src, seq) that was already applied is acknowledged again instead of being
 * applied twice.
 *
 * Two levels: pf_ot_server_submit (operations in, operations out) and
 * pf_ot_server_handle (protocol messages in, messages out through callbacks),
 * which is all a reference server needs to route: it owns the sockets,
 * authentication, persistence and presence (cursor_update, user_joined).
 */
#ifndef PF_OT_SERVER_H
#define PF_OT_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "pf_error.h"
#include "pf_ot.h"
#include "pf_text.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct pf_ot_server pf_ot_server;

/* Creates a document with `content` (UTF-8, borrowed) at revision `rev`,
 * keeping at most `max_history` operations (0 means 1000). Stores it in
 * *out (free with pf_ot_server_free()). PF_OK, PF_EINVAL, PF_EUTF8 or
 * PF_ENOMEM. */
int pf_ot_server_new(const char *content, size_t len, size_t rev,
                     size_t max_history, pf_ot_server **out);

/* Frees a server. Accepts NULL. */
void pf_ot_server_free(pf_ot_server *s);

/* The current revision, and the oldest revision whose operation is still in
 * the history (a client at rev >= oldest can catch up). */
size_t pf_ot_server_rev(const pf_ot_server *s);
size_t pf_ot_server_oldest_rev(const pf_ot_server *s);

/* The document. Borrowed: valid until the next call that changes `s`; do
 * not modify it. */
pf_text *pf_ot_server_text(pf_ot_server *s);

/* ------------------------------------------------------------------------ */
/* Operations                                                               */
/* ------------------------------------------------------------------------ */

/* pf_ot_server_submit returns this (positive) when (src, seq) was already
 * applied: nothing changed and *applied_rev is the revision it applied to. */
#define PF_OT_DUPLICATE 1

/* Submits `op` (borrowed), made on revision `rev`, from client `src`
 * (src_len bytes, borrowed; may be empty for clients that send none, which
 * turns dedupe off for them) with sequence number `seq`.
 * On PF_OK the transformed operation was applied at revision *applied_rev
 * (the document is now at *applied_rev + 1) and, if `applied` is not NULL,
 * *applied gets a new copy of it (free with pf_ot_free()). Returns
 * PF_OT_DUPLICATE (see above), PF_ERANGE (rev older than the history or
 * newer than the document, or the transformed op does not fit the
 * document), PF_EINVAL or PF_ENOMEM; on error nothing changed. */
int pf_ot_server_submit(pf_ot_server *s, size_t rev, const pf_ot_op *op,
                        const char *src, size_t src_len, uint64_t seq,
                        size_t *applied_rev, pf_ot_op **applied);

/* The operation applied at revision `rev` (oldest <= rev < current), with its
 * src and seq. All borrowed until the next call that changes `s`. PF_OK or
 * PF_ERANGE. */
int pf_ot_server_history(const pf_ot_server *s, size_t rev, const pf_ot_op **op,
                         const char **src, size_t *src_len, uint64_t *seq);

/* ------------------------------------------------------------------------ */
/* Protocol messages (docs/protocol.md, "Collaborative documents")          */
/* ------------------------------------------------------------------------ */

/* Where pf_ot_server_handle sends its answers. Each JSON text is borrowed
 * for the call. `reply` goes to the connection the message came from;
 * `broadcast` to every other connection on the document. */
typedef struct pf_ot_server_io {
    void (*reply)(void *ud, const char *json, size_t len);
    void (*broadcast)(void *ud, const char *json, size_t len);
    void *ud;
} pf_ot_server_io;

/* Handles one client message (JSON text, borrowed) from user `user_id`
 * (borrowed, put into broadcast content_change messages):
 *   {"type":"join"}           -> snapshot {rev, content, users: []}; when
 *                                join has "src" and the server applied ops
 *                                from it, the snapshot also has "seq", the
 *                                last one (extension, for resync)
 *   {"type":"join","rev":N}   -> the missed operations as content_change
 *                                messages (nothing if N is current), or a
 *                                snapshot if N is no longer in the history
 *   {"type":"content_change", rev, operations, src, seq}
 *                             -> ack {rev, seq} to the sender and
 *                                content_change {rev, operations, user_id,
 *                                src, seq} to the others; a duplicate is
 *                                acknowledged again; a rejected operation
 *                                gets error {code, message, seq} (seq is an
 *                                extension: which operation was rejected).
 * Returns PF_OK, PF_ENOTFOUND for another message type (the caller handles
 * presence and the like; nothing was sent), or the error that was reported
 * to the sender (PF_EJSON, PF_EPROTO, PF_ERANGE, ...), or PF_ENOMEM. */
int pf_ot_server_handle(pf_ot_server *s, const char *user_id, size_t user_len,
                        const char *json, size_t len, const pf_ot_server_io *io);

#ifdef __cplusplus
}
#endif

#endif /* PF_OT_SERVER_H */
