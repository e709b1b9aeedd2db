/*
 * pf_ws.h: a WebSocket that reconnects and never loses a message.
 *
 * A pf_ws is a state machine fed by host events (opened, message, closed),
 * timers and online/visibility changes (pf_loop.h). It never sleeps and
 * never reads a global clock. What it does, following docs/protocol.md:
 *
 *   - reconnects with exponential backoff and full jitter (pf_backoff.h),
 *     a connect timeout and optional max retries;
 *   - applies the close-code table: 4001 stops and asks the token provider
 *     once, 4003/4004 stop, 1013/4029 back off long, 1000 reconnects unless
 *     the client asked for it, the rest reconnect;
 *   - holds sends on {"error":"Rate limit exceeded","retry_after":N} and
 *     re-queues the sends that the server rejected;
 *   - keeps a bounded outbox while disconnected or rate limited; a full
 *     outbox rejects the send with PF_EFULL (or, by option, drops the oldest
 *     and reports it): nothing is ever dropped silently. Sends may opt out
 *     (PF_WS_SEND_NO_QUEUE), or the whole socket may (opts.no_outbox): the OT
 *     client resubmits its operations itself;
 *   - heartbeats with {"type":"ping"} / {"type":"pong"} and detects dead
 *     links, but leaves a server that never answered a ping alone;
 *   - remembers the last `seq`, reconnects with ?since=SEQ, drops duplicates
 *     and surfaces {"type":"resync"}; a frame that skips seqs makes it
 *     reconnect with since= so that the server replays what was lost;
 *   - on coming back online or visible with a link that looks open, pings
 *     at once and treats no pong within the heartbeat timeout as dead;
 *   - pauses while offline and retries at once when back online or visible.
 *
 * Inbound frames are parsed once with cJSON; subscribers get the raw text
 * and the parsed object, both borrowed for the call. An owner that parses
 * the text itself (the JS API) sets opts.no_tree: ordinary frames are then
 * checked by a strict scanner that allocates nothing and reads only the
 * top-level type and seq.
 */
#ifndef PF_WS_H
#define PF_WS_H

#include <stddef.h>
#include <stdint.h>

#include "pf_backoff.h"
#include "pf_error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* ------------------------------------------------------------------------ */
/* States and events a UI can show                                          */
/* ------------------------------------------------------------------------ */

/* Shared by pf_ws and pf_sse. The last four stop the machine until the app
 * calls pf_ws_connect again (auth_failed may resume by itself when the token
 * provider answers). */
typedef enum pf_ws_state {
    PF_WS_IDLE = 0,         /* created, never connected */
    PF_WS_CONNECTING,       /* an attempt is in progress */
    PF_WS_OPEN,             /* open; sends go out */
    PF_WS_RECONNECTING,     /* waiting `delay_ms` before the next attempt */
    PF_WS_RATE_LIMITED,     /* sends held (open) or attempt delayed (4029) */
    PF_WS_OFFLINE,          /* the browser is offline; attempts paused */
    PF_WS_CLOSED,           /* stopped: asked by the app, max retries, 204 */
    PF_WS_AUTH_FAILED,      /* 4001 */
    PF_WS_FORBIDDEN,        /* 4003 */
    PF_WS_NOT_FOUND         /* 4004 */
} pf_ws_state;

/* Why the state changed. */
typedef enum pf_ws_cause {
    PF_WS_CAUSE_NONE = 0,
    PF_WS_CAUSE_APP,             /* pf_ws_connect / pf_ws_close */
    PF_WS_CAUSE_SERVER_CLOSE,    /* the socket closed with `code` */
    PF_WS_CAUSE_CONNECT_TIMEOUT, /* no open within connect_timeout_ms */
    PF_WS_CAUSE_DEAD_LINK,       /* no frame for interval + timeout */
    PF_WS_CAUSE_HOST,            /* the host could not open the socket */
    PF_WS_CAUSE_NETWORK,         /* online / offline / visibility */
    PF_WS_CAUSE_RATE_LIMIT,      /* a rate-limit reply */
    PF_WS_CAUSE_MAX_RETRIES,     /* gave up after max_retries */
    PF_WS_CAUSE_STOP,            /* SSE: the server answered 204 */
    PF_WS_CAUSE_SHARED,          /* pf_pool: joined a socket that was
                                    already running; this is where it is */
    PF_WS_CAUSE_GAP              /* a frame skipped a seq: reconnecting with
                                    since= to have the server fill the gap */
} pf_ws_cause;

/* One state change, borrowed for the callback. */
typedef struct pf_ws_event {
    pf_ws_state state;
    pf_ws_cause cause;
    double delay_ms; /* RECONNECTING / RATE_LIMITED: ms until the next
                        attempt or until sends resume; else 0 */
    int code;        /* close code (or HTTP status for SSE), 0 if none */
    unsigned attempt;/* retries since the last stable connection */
} pf_ws_event;

/* "connecting", "open", ... (constant strings). */
const char *pf_ws_state_name(pf_ws_state state);

/* ------------------------------------------------------------------------ */
/* Options and callbacks                                                    */
/* ------------------------------------------------------------------------ */

typedef enum pf_ws_full_policy {
    PF_WS_FULL_REJECT = 0,     /* default: the new send fails with PF_EFULL */
    PF_WS_FULL_DROP_OLDEST = 1 /* the oldest queued send is dropped and
                                  reported (on_error PF_EFULL, with its text) */
} pf_ws_full_policy;

/* Every numeric field falls back to its default when zero. Durations in ms. */
typedef struct pf_ws_opts {
    pf_backoff_opts backoff;
    double connect_timeout_ms;    /* default 10000 */
    unsigned max_retries;         /* 0: retry forever */
    double long_backoff_ms;       /* 1013 / 4029 floor; default 15000 */
    double heartbeat_interval_ms; /* idle time before a ping; default 25000 */
    double heartbeat_timeout_ms;  /* pong wait; default 10000 */
    int no_heartbeat;             /* 1: never ping */
    size_t outbox_max;            /* queued sends; default 256 */
    size_t outbox_max_bytes;      /* queued bytes; default 1 MiB */
    pf_ws_full_policy full_policy;
    int no_outbox;                /* 1: never queue (OT channel) */
    size_t max_frame_bytes;       /* inbound limit; default 1 MiB */
    int no_resume;                /* 1: never append ?since=. A frame
                                     whose seq skips ahead (lost frames)
                                     then reaches on_resync at once;
                                     otherwise the socket first reconnects
                                     with since= so the server replays the
                                     gap (cause PF_WS_CAUSE_GAP), and only
                                     a gap the server leaves open reaches
                                     on_resync */
    int no_seq;                   /* 1: a frame's "seq" is not a stream
                                     position (the documents channel, where
                                     it numbers a client's operations): no
                                     duplicate dropping, no ?since= */
    size_t resend_window;         /* sends kept for rate-limit requeue;
                                     default 16 */
    int no_tree;                  /* 1: ordinary frames are checked (one
                                     strict JSON object) and their type and
                                     seq read without building a cJSON tree;
                                     on_message then gets msg NULL. For
                                     owners that parse the text themselves
                                     (the JS API). Control frames (ping,
                                     pong, resync, snapshot, errors) are
                                     still parsed in full. */
} pf_ws_opts;

typedef struct pf_ws pf_ws;

/* Every member may be NULL. `ud` is the user data given to pf_ws_new.
 * Callbacks may call any pf_ws function on the same object, including
 * pf_ws_free. */
typedef struct pf_ws_callbacks {
    /* The state changed; `ev` is borrowed for the call. */
    void (*on_state)(void *ud, const pf_ws_event *ev);

    /* A frame arrived. `text` (not NUL-terminated) and `msg` (the parsed
     * JSON object; NULL with opts.no_tree) are borrowed for the call.
     * `seq` is the frame's seq, or
     * -1 when it has none. Duplicates, pongs and rate-limit replies are not
     * delivered. */
    void (*on_message)(void *ud, const char *text, size_t len,
                       const struct cJSON *msg, int64_t seq);

    /* The server cannot replay what was missed: reload the snapshot. */
    void (*on_resync)(void *ud);

    /* Something was dropped or rejected: PF_EJSON / PF_EPROTO (malformed
     * frame), PF_ETOOBIG (frame over max_frame_bytes), PF_EFULL (a queued
     * send dropped by PF_WS_FULL_DROP_OLDEST), PF_EHOST (a send failed).
     * `text` is the frame or send concerned (borrowed, may be cut short),
     * or NULL. */
    void (*on_error)(void *ud, int err, const char *text, size_t len);

    /* The URL of the next attempt (fresh credentials per try). Returns a
     * string borrowed until the callback returns (the core copies it), or
     * NULL to use the URL given to pf_ws_new. The core appends token= (if
     * pf_ws_set_token gave one) and since=. */
    const char *(*get_url)(void *ud, size_t *len);

    /* The token provider, called once after a 4001 close. Answer now or
     * later with pf_ws_set_token(): the socket then tries once more. A
     * second 4001 before a stable connection stops with auth_failed. */
    void (*refresh_token)(void *ud, pf_ws *ws);
} pf_ws_callbacks;

/* Flags of pf_ws_send. */
enum {
    PF_WS_SEND_NO_QUEUE = 1 /* send now or fail with PF_ESTATE; never queued,
                               replayed or requeued */
};

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

/* Returns a new socket for `url` (copied), idle until pf_ws_connect, or NULL
 * (bad argument, out of memory). `opts` and `cb` are copied and may be NULL.
 * Free with pf_ws_free(). */
pf_ws *pf_ws_new(const char *url, size_t url_len, const pf_ws_opts *opts,
                 const pf_ws_callbacks *cb, void *ud);

/* Closes the socket (1000), cancels its timers and frees it with its outbox
 * (queued sends are discarded: call pf_ws_outbox_len first if that
 * matters). Accepts NULL. Safe inside a callback of the same socket. */
void pf_ws_free(pf_ws *ws);

/* Starts connecting (or restarts after a stop, resetting the backoff).
 * Returns PF_OK, PF_EINVAL, or PF_ENOMEM. */
int pf_ws_connect(pf_ws *ws);

/* Closes at the client's request (code 1000): no reconnect. The outbox is
 * kept and goes out after the next pf_ws_connect. */
void pf_ws_close(pf_ws *ws);

/* Drops the current link (code 4000) and tries again at once, without
 * counting a failure: for an owner that judges the link dead by its own
 * rule (the OT client's ack timeout). Starts connecting if stopped.
 * Returns PF_OK, PF_EINVAL or PF_ENOMEM. */
int pf_ws_reconnect(pf_ws *ws);

/* ------------------------------------------------------------------------ */
/* Sending                                                                  */
/* ------------------------------------------------------------------------ */

/* Sends one text frame (copied when queued). Returns PF_OK when sent or
 * queued, PF_EFULL when the outbox is full (PF_WS_FULL_REJECT), PF_ESTATE
 * when it cannot go now and may not be queued (NO_QUEUE / no_outbox),
 * PF_EINVAL, or PF_ENOMEM. */
int pf_ws_send(pf_ws *ws, const char *data, size_t len, unsigned flags);

/* Sets the token appended as token= to every later attempt (copied; NULL or
 * len 0 removes it). If the socket is waiting for the token provider, the
 * retry starts now. Returns PF_OK or PF_ENOMEM. */
int pf_ws_set_token(pf_ws *ws, const char *token, size_t len);

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */
/* ------------------------------------------------------------------------ */

pf_ws_state pf_ws_get_state(const pf_ws *ws);

/* The last state event (NULL socket: closed), its delay_ms counted down to
 * now: what a subscriber joining the socket mid-hold or mid-backoff shows
 * (pf_pool). */
void pf_ws_last_event(const pf_ws *ws, pf_ws_event *out);
/* The URL the socket was made with (borrowed; its length in *len). */
const char *pf_ws_url(const pf_ws *ws, size_t *len);
size_t pf_ws_outbox_len(const pf_ws *ws);

/* How many queued sends have exactly the text `data` (`len` bytes); with
 * `remove`, those also leave the outbox. For an owner that tells its
 * frames apart by their text and sends them again itself (a ChatRoom's
 * messages, each with its own cid, on a socket it may share): it can count
 * its own frames among the queued ones, and take back one that the socket
 * re-queued after a rate-limit reply. Never fails; 0 for a NULL socket. */
size_t pf_ws_outbox_find(pf_ws *ws, const char *data, size_t len, int remove);

/* The last seq handled, or -1. pf_ws_set_last_seq seeds it (a component
 * restoring a cached snapshot) so the first connect asks for since=. */
int64_t pf_ws_last_seq(const pf_ws *ws);
void pf_ws_set_last_seq(pf_ws *ws, int64_t seq);

/* Counters since pf_ws_new. */
typedef struct pf_ws_stats {
    uint64_t received;   /* frames delivered to on_message */
    uint64_t duplicates; /* frames dropped as seq <= last seq */
    uint64_t malformed;  /* frames dropped as not a JSON object */
    uint64_t too_big;    /* frames dropped as over max_frame_bytes */
    uint64_t sent;       /* frames handed to the host */
    uint64_t requeued;   /* sends re-queued after a rate-limit reply */
    uint64_t attempts;   /* connection attempts */
    uint64_t pings;      /* pings sent */
    uint64_t gaps;       /* frames that skipped a seq (see pf_ws_opts) */
    int core_only;       /* 1: this connection's server never answered a ping */
} pf_ws_stats;

pf_ws_stats pf_ws_get_stats(const pf_ws *ws);

#ifdef __cplusplus
}
#endif

#endif /* PF_WS_H */
