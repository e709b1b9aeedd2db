/*
 * pf_pool.h: one WebSocket per URL, shared by every component that mounts it.
 *
 * Ten components showing live posts should not open ten sockets to
 * /ws/posts. A pf_pool keeps at most `max_connections` pf_ws, one per URL;
 * subscribing to a URL that is already open joins its socket, and each
 * subscriber gets every message (or only the `type` it asked for), the
 * socket's state changes and resyncs. When the last subscriber leaves, the
 * socket stays open for `idle_timeout_ms` (a component that remounts on
 * navigation finds it still warm), then closes. An idle socket is closed
 * early when a new URL needs its place.
 *
 * Event streams are pooled the same way (pf_pool_subscribe_sse): one pf_sse
 * per URL and options, in the same table, under the same limit and idle
 * rule, with its last event id kept by the shared stream.
 */
#ifndef PF_POOL_H
#define PF_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "pf_error.h"
#include "pf_sse.h"
#include "pf_ws.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* ------------------------------------------------------------------------ */
/* Pool                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct pf_pool_opts {
    size_t max_connections;  /* default 8 */
    double idle_timeout_ms;  /* after the last subscriber leaves; default 30000 */
    pf_ws_opts ws;           /* options of the pooled sockets (unless a
                                subscription brings its own) */
    size_t join_replay_max;  /* 0: off. Else each socket keeps the stream's
                                last initial state (a "snapshot" or
                                "history" frame) and up to this many frames
                                after it, so that a subscriber joining a
                                running socket is replayed what it missed
                                (see pf_pool_subscribe); each event stream
                                keeps its last this many events (see
                                pf_pool_subscribe_sse) */
    size_t join_replay_max_bytes; /* bytes of those frames; default 1 MiB */
} pf_pool_opts;

typedef struct pf_pool pf_pool;

/* The owner's hooks for every pooled socket; members may be NULL. */
typedef struct pf_pool_callbacks {
    /* The URL of the next attempt on the socket for `url` (fresh
     * credentials); borrowed until it returns; NULL keeps `url`. */
    const char *(*get_url)(void *ud, const char *url, size_t url_len, size_t *out_len);
    /* Token provider after a 4001 on the socket for `url` (once: a second
     * 4001 before the socket has stayed up stops it): answer with
     * pf_pool_set_token (every socket and stream), now or later, or with
     * pf_ws_set_token(ws). NULL: one retry with the pool's token if it has
     * one, else the socket waits in auth_failed until pf_pool_set_token. */
    void (*refresh_token)(void *ud, const char *url, size_t url_len, pf_ws *ws);
    /* The same after an HTTP 401 on the event stream for `url`: answer
     * with pf_pool_set_token or pf_sse_set_token(sse). NULL: as above. */
    void (*refresh_stream_token)(void *ud, const char *url, size_t url_len, pf_sse *sse);
} pf_pool_callbacks;

/* Returns a new empty pool, or NULL. `opts` and `cb` are copied and may be
 * NULL. Free with pf_pool_free(). */
pf_pool *pf_pool_new(const pf_pool_opts *opts, const pf_pool_callbacks *cb, void *ud);

/* Closes every socket and frees every subscription still held (their
 * pf_pool_sub pointers become invalid). Accepts NULL. Safe inside a
 * subscriber callback (the memory goes when the callback returns). */
void pf_pool_free(pf_pool *pool);

/* Sets the token of every current and later socket and stream (copied;
 * it replaces a token= parameter of their URLs). A socket or stream that
 * waits for a token after a 4001 / 401 tries again with it at once. */
int pf_pool_set_token(pf_pool *pool, const char *token, size_t len);

/* The token pf_pool_set_token set last (borrowed, until the next call),
 * or NULL with *len = 0 when none was set. */
const char *pf_pool_token(const pf_pool *pool, size_t *len);

/* Sockets currently held (open, connecting, or idle). */
size_t pf_pool_connections(const pf_pool *pool);

/* ------------------------------------------------------------------------ */
/* Subscriptions                                                            */
/* ------------------------------------------------------------------------ */

typedef struct pf_pool_sub pf_pool_sub;

/* What one subscriber hears; members may be NULL. Same meaning and
 * borrowing as in pf_ws_callbacks. A callback may unsubscribe any
 * subscription, including its own. */
typedef struct pf_pool_sub_callbacks {
    void (*on_state)(void *ud, const pf_ws_event *ev);
    void (*on_message)(void *ud, const char *text, size_t len,
                       const struct cJSON *msg, int64_t seq);
    void (*on_resync)(void *ud);
    void (*on_error)(void *ud, int err, const char *text, size_t len);
} pf_pool_sub_callbacks;

typedef struct pf_pool_sub_opts {
    const char *type; /* deliver only messages with this "type" (copied);
                         NULL: every message */
    int no_queue;     /* 1: this channel's sends are never queued or
                         replayed (the OT client resubmits itself) */
    const pf_ws_opts *ws; /* options of the socket (copied); NULL: the
                             pool's. Subscriptions share a socket only when
                             their URL and their socket options match. */
} pf_pool_sub_opts;

/* Subscribes to `url`, opening its socket if the pool holds none (with the
 * same options: see pf_pool_sub_opts.ws). On success *out is the new
 * subscription (free with pf_pool_unsubscribe or pf_pool_free).
 *
 * Joining a socket that already exists: *out is set first, then, before
 * this returns, the new subscriber's on_state hears where the socket stands
 * (cause PF_WS_CAUSE_SHARED) and, with opts.join_replay_max, on_message
 * gets the stream's last initial state and the frames after it, in order
 * (its type filter applies). When those frames outgrew the limit it gets
 * on_resync instead: reload the snapshot.
 *
 * Returns PF_OK, PF_EFULL (max_connections sockets in use, none idle),
 * PF_EINVAL or PF_ENOMEM. */
int pf_pool_subscribe(pf_pool *pool, const char *url, size_t url_len,
                      const pf_pool_sub_opts *opts, const pf_pool_sub_callbacks *cb,
                      void *ud, pf_pool_sub **out);

/* What a subscriber of an event stream hears; members may be NULL. Same
 * meaning and borrowing as in pf_sse_callbacks. A callback may unsubscribe
 * any subscription, including its own. */
typedef struct pf_pool_sse_callbacks {
    void (*on_state)(void *ud, const pf_ws_event *ev);
    void (*on_message)(void *ud, const pf_sse_message *m);
    void (*on_resync)(void *ud);
    void (*on_error)(void *ud, int err, const char *text, size_t len);
} pf_pool_sse_callbacks;

typedef struct pf_pool_sse_opts {
    const pf_sse_opts *sse;     /* options of the stream (copied); NULL:
                                   the defaults. Subscriptions share a
                                   stream only when their URL and their
                                   stream options match. */
    const char *last_event_id;  /* what this subscriber has seen (borrowed
                                   for the call; NULL or len 0: nothing) */
    size_t last_event_id_len;
} pf_pool_sse_opts;

/* Subscribes to the event stream at `url`, opening it if the pool holds
 * none (then it resumes from opts.last_event_id). The stream keeps its own
 * last event id from then on, so its reconnects resume from the last event
 * any subscriber got. On success *out is the new subscription (free with
 * pf_pool_unsubscribe or pf_pool_free).
 *
 * Joining a stream that already exists: *out is set first, then, before
 * this returns, on_state hears where the stream stands (cause
 * PF_WS_CAUSE_SHARED) and, with opts.join_replay_max and a last event id,
 * on_message gets the kept events after that id, in order: every kept
 * event when the id is not among them (the subscriber drops what it knows
 * by id). So a component that loaded a list up to id N and then joins
 * misses nothing the stream brought meanwhile.
 *
 * Stream and socket subscriptions share the pool's limit and idle rule.
 * Returns PF_OK, PF_EFULL, PF_EINVAL or PF_ENOMEM. */
int pf_pool_subscribe_sse(pf_pool *pool, const char *url, size_t url_len,
                          const pf_pool_sse_opts *opts, const pf_pool_sse_callbacks *cb,
                          void *ud, pf_pool_sub **out);

/* Ends a subscription. Accepts NULL. The socket or stream closes after the
 * idle timeout when this was its last subscriber. */
void pf_pool_unsubscribe(pf_pool_sub *sub);

/* Sends on the subscription's socket: pf_ws_send, with PF_WS_SEND_NO_QUEUE
 * added for a no_queue subscription. PF_EINVAL for a stream's. */
int pf_pool_send(pf_pool_sub *sub, const char *data, size_t len, unsigned flags);

/* The shared socket (borrowed; valid while the subscription lives), NULL
 * for a stream's subscription. */
pf_ws *pf_pool_sub_ws(const pf_pool_sub *sub);

/* The shared event stream (borrowed, as above), NULL for a socket's. */
pf_sse *pf_pool_sub_sse(const pf_pool_sub *sub);

#ifdef __cplusplus
}
#endif

#endif /* PF_POOL_H */
