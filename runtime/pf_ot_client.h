/*
 * pf_ot_client.h: the OT client of one collaborative document.
 *
 * The state machine of ot.js / ShareDB: local edits apply at once; at most
 * one operation (`outstanding`) is in flight; later local edits compose into
 * one `buffer`; remote operations are transformed against both (the client's
 * pending ops with side left, the server op against them with side right, as
 * the protocol brief says). It tracks `rev`, numbers its operations with
 * (`src`, `seq`) so that a resubmission after a reconnect is idempotent,
 * arms an ack timeout, catches up from `rev` after a reconnect, resyncs from
 * a snapshot without losing unacknowledged local text, transforms remote
 * cursors, and keeps an undo/redo manager whose stacks are transformed
 * against remote operations.
 *
 * It owns no socket: the component layer feeds it transport events
 * (connected, message, disconnected) and local edits, and it answers through
 * the callbacks of pf_ot_client_events (send a message, the document
 * changed, the link is dead, a remote cursor moved). Time comes from
 * pf_host_now() and timers from pf_timer_set() (pf_loop.h); it never reads a
 * clock itself.
 *
 * Extension used on top of the brief (degrades gracefully): join carries
 * "src", and a snapshot may carry "seq", the last seq the server applied
 * from that src, so that a resync knows whether the in-flight operation is
 * already in the snapshot. Without it the client assumes it is not.
 */
#ifndef PF_OT_CLIENT_H
#define PF_OT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "pf_error.h"
#include "pf_ot.h"
#include "pf_text.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Types                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct pf_ot_client pf_ot_client;

/* States (pf_ot_client_state). */
enum {
    PF_OT_OFFLINE = 0,          /* no transport; local edits are kept */
    PF_OT_JOINING = 1,          /* join sent, waiting for the snapshot */
    PF_OT_SYNCED = 2,           /* nothing unacknowledged */
    PF_OT_AWAITING = 3,         /* one operation in flight */
    PF_OT_AWAITING_BUFFER = 4   /* one in flight, more buffered */
};

/* Why the document changed (pf_ot_client_events.changed). */
enum {
    PF_OT_ORIGIN_REMOTE = 0,    /* another client's operation */
    PF_OT_ORIGIN_SNAPSHOT = 1,  /* a snapshot (first join or resync) */
    PF_OT_ORIGIN_UNDO = 2,      /* pf_ot_client_undo / pf_ot_client_redo */
};

/* What the client tells its owner. Every pointer argument is borrowed for
 * the duration of the call. Callbacks must not free the client. */
typedef struct pf_ot_client_events {
    /* Sends one JSON message to the server. Required. */
    void (*send)(void *ud, const char *json, size_t len);
    /* The document changed other than by a local edit: `op` turns the text
     * as it was into the text now (pf_ot_client_text). Optional. */
    void (*changed)(void *ud, const pf_ot_op *op, int origin);
    /* No ack came within the timeout: the owner should close the transport
     * and reconnect (pf_ot_client_disconnected, then _connected). */
    void (*dead_link)(void *ud);
    /* A remote cursor moved to `position` (code points in the current
     * text), or its user left (position SIZE_MAX). */
    void (*cursor)(void *ud, const char *user_id, size_t user_len, size_t position);
    /* The server rejected an operation or the stream was inconsistent (the
     * client is already resyncing), or the server reported an error about
     * none of this client's operations (nothing to resync). `msg` is a
     * constant or server text. */
    void (*error)(void *ud, int err, const char *msg);
    /* The server kept rejecting the pending edits: they were given up (the
     * next snapshot replaces the text). `why` is the server's last message.
     * Optional; `error` is called too. */
    void (*dropped)(void *ud, const char *why);
    void *ud;
} pf_ot_client_events;

typedef struct pf_ot_client_config {
    const char *src;            /* client id kept across reconnects (copied);
                                   NULL: 16 random hex digits. The server
                                   drops a (src, seq) it has seen, so a new
                                   client reusing a src must start after the
                                   last seq used (next_seq). */
    size_t src_len;
    uint64_t next_seq;          /* seq of the first operation; 0: 1 */
    double ack_timeout_ms;      /* 0: 10000 */
    double undo_group_ms;       /* edits closer than this undo together; 0: 1000 */
    size_t undo_limit;          /* 0: 200 */
} pf_ot_client_config;

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

/* Creates a client with an empty document and no revision. `cfg` may be
 * NULL (defaults); `ev` is copied. Stores it in *out (free with
 * pf_ot_client_free()). PF_OK, PF_EINVAL (no ev->send) or PF_ENOMEM. */
int pf_ot_client_new(const pf_ot_client_config *cfg,
                     const pf_ot_client_events *ev, pf_ot_client **out);

/* Frees a client and clears its timer. Accepts NULL. */
void pf_ot_client_free(pf_ot_client *c);

/* ------------------------------------------------------------------------ */
/* Transport events                                                         */
/* ------------------------------------------------------------------------ */

/* The transport is open: sends join (with rev once the client has one) and
 * resubmits the in-flight operation with its original (src, seq). */
int pf_ot_client_connected(pf_ot_client *c);

/* The transport closed. Unacknowledged edits are kept for resubmission. */
void pf_ot_client_disconnected(pf_ot_client *c);

/* One server message (JSON, borrowed). Returns PF_OK when handled,
 * PF_ENOTFOUND for a message type this module does not handle (pong,
 * user_joined, ...), or PF_EJSON / PF_EPROTO for a malformed message
 * (ignored). Errors in the stream trigger a resync, not an error return. */
int pf_ot_client_message(pf_ot_client *c, const char *json, size_t len);

/* ------------------------------------------------------------------------ */
/* Local edits (already shown by the view)                                  */
/* ------------------------------------------------------------------------ */

/* Applies a local operation (borrowed) to the document and sends or buffers
 * it. PF_ERANGE if it does not fit the document (nothing changes). Its
 * inserts must hold no U+0000 (docs/protocol.md section 9: servers refuse
 * it); the two calls below refuse a NUL byte with PF_EINVAL. */
int pf_ot_client_local_op(pf_ot_client *c, const pf_ot_op *op);

/* The same for a splice (delete `ndel` code points at `pos`, insert UTF-8). */
int pf_ot_client_local_splice(pf_ot_client *c, size_t pos, size_t ndel,
                              const char *ins, size_t ins_len);

/* The same for a textarea's input event: the new full text and the cursor
 * (code points, negative if unknown); the operation comes from pf_ot_diff. */
int pf_ot_client_local_text(pf_ot_client *c, const char *text, size_t len,
                            long cursor);

/* Sends this client's cursor position: cursor_update {position, rev}, with
 * the position (code points in pf_ot_client_text) mapped back through the
 * unacknowledged edits onto the server text at `rev`, as the brief asks.
 * PF_ERANGE past the end; PF_ESTATE while not joined (the position is still
 * remembered for the next content_change's cursor_position). */
int pf_ot_client_set_cursor(pf_ot_client *c, size_t position);

/* Undo / redo the latest local edit group. They change the document, report
 * it through `changed` (PF_OT_ORIGIN_UNDO) and send the edit. PF_ESTATE if
 * there is nothing to undo / redo. */
int pf_ot_client_undo(pf_ot_client *c);
int pf_ot_client_redo(pf_ot_client *c);
int pf_ot_client_can_undo(const pf_ot_client *c);
int pf_ot_client_can_redo(const pf_ot_client *c);

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

/* The document. Borrowed until the next call on the client; do not modify. */
pf_text *pf_ot_client_text(pf_ot_client *c);

/* The server revision the document is based on (0 before the first
 * snapshot), and whether the client has one. */
size_t pf_ot_client_rev(const pf_ot_client *c);
int pf_ot_client_has_rev(const pf_ot_client *c);

/* One of PF_OT_OFFLINE .. PF_OT_AWAITING_BUFFER. */
int pf_ot_client_state(const pf_ot_client *c);

/* Whether local edits are not yet acknowledged. */
int pf_ot_client_has_pending(const pf_ot_client *c);

/* The client id (borrowed). */
const char *pf_ot_client_src(const pf_ot_client *c, size_t *len);

/* Remote cursors: how many, and the i-th (user id borrowed). */
size_t pf_ot_client_cursor_count(const pf_ot_client *c);
int pf_ot_client_cursor(const pf_ot_client *c, size_t i, const char **user_id,
                        size_t *user_len, size_t *position);

#ifdef __cplusplus
}
#endif

#endif /* PF_OT_CLIENT_H */
