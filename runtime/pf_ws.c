/* pf_ws.c: the reconnecting WebSocket state machine. */
#include "pf_ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "pf_host.h"
#include "pf_json.h"
#include "pf_loop.h"
#include "pf_ws_internal.h"
#include "pf_num.h"

/* ------------------------------------------------------------------------ */
/* Defaults                                                                 */
/* ------------------------------------------------------------------------ */

#define DEFAULT_CONNECT_TIMEOUT_MS 10000.0
#define DEFAULT_LONG_BACKOFF_MS 15000.0
#define DEFAULT_HEARTBEAT_INTERVAL_MS 25000.0
#define DEFAULT_HEARTBEAT_TIMEOUT_MS 10000.0
#define DEFAULT_OUTBOX_MAX 256
#define DEFAULT_OUTBOX_MAX_BYTES (1024 * 1024)
#define DEFAULT_MAX_FRAME_BYTES (1024 * 1024)
#define DEFAULT_RESEND_WINDOW 16
#define REPORT_EXCERPT 256 /* bytes of a dropped frame shown to on_error */

/* The code this client closes with when it gives up on a link (connect
 * timeout, dead link). Browsers only let scripts use 1000 and 3000-4999. */
#define CLIENT_ABORT_CODE 4000

static const char PING[] = "{\"type\":\"ping\"}";
static const char PONG[] = "{\"type\":\"pong\"}";

/* ------------------------------------------------------------------------ */
/* Types                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct frame {
    char *data;
    size_t len;
    size_t cap;  /* allocated bytes (resend ring reuses buffers) */
    int replay;  /* resend ring: 0 for a ping, pong or NO_QUEUE send */
} frame;

/* A ring of frames usable as a deque. */
typedef struct ring {
    frame *items;
    size_t head, count, cap;
} ring;

typedef enum retry_kind { RETRY_NORMAL, RETRY_LONG, RETRY_EXACT } retry_kind;

struct pf_ws {
    char *url;
    size_t url_len;
    char *token;
    size_t token_len;
    pf_ws_opts o;
    pf_ws_callbacks cb;
    void *ud;
    pf_backoff bo;
    pf_ws_state state;

    int32_t handle;        /* > 0 while connecting or open */
    int opened;            /* the handle reached open */
    int active;            /* the app wants a connection */
    int listening;         /* registered with pf_net_listen */
    int waiting_token;     /* stopped on 4001, the provider was asked */
    int auth_retry_used;   /* the one token retry was spent */
    int visible;           /* last known page visibility */
    uint32_t retry_timer, connect_timer, hb_timer, rl_timer;
    double not_before;     /* no attempt before this time (1013 / 4029) */

    /* Heartbeat. */
    double last_rx;        /* time of the last inbound frame */
    int ping_outstanding;
    double ping_sent_at;
    int pong_seen;         /* the server answered a ping on this connection */
    int core_only;         /* this connection's server ignored a ping */
    int probe_online;      /* the outstanding ping probes a network change */

    /* Rate limit. */
    int rate_limited;
    double rl_until;

    ring outbox;           /* sends waiting for an open, unlimited link */
    size_t outbox_bytes;
    ring resent;           /* the last sends, for rate-limit requeue */

    int64_t last_seq;
    int64_t gap_at;        /* last_seq when a gap last made us reconnect */
    int online;            /* last known network state */
    pf_ws_stats st;

    int busy;              /* callbacks on the stack */
    pf_ws_event last_ev;   /* the last state event (pf_ws_last_event) */
    double last_ev_at;
    int dying;             /* pf_ws_free was called inside a callback */
};

static void attempt(pf_ws *ws);
static void destroy(pf_ws *ws);

/* ------------------------------------------------------------------------ */
/* Re-entrancy: a callback may free the socket.                             */
/* ------------------------------------------------------------------------ */

static void enter(pf_ws *ws) { ws->busy++; }

/* Ends an entry point. The socket may be freed here: touch nothing after. */
static void leave(pf_ws *ws)
{
    if (--ws->busy == 0 && ws->dying)
        destroy(ws);
}

/* ------------------------------------------------------------------------ */
/* Rings                                                                    */
/* ------------------------------------------------------------------------ */

static frame *ring_at(ring *r, size_t i) { return &r->items[(r->head + i) % r->cap]; }

static int ring_grow(ring *r)
{
    size_t cap = r->cap ? r->cap * 2 : 8;
    frame *items = malloc(cap * sizeof *items);
    if (!items)
        return PF_ENOMEM;
    for (size_t i = 0; i < r->count; i++)
        items[i] = *ring_at(r, i);
    free(r->items);
    r->items = items;
    r->cap = cap;
    r->head = 0;
    return PF_OK;
}

/* Takes ownership of f.data. */
static int ring_push_back(ring *r, frame f)
{
    if (r->count == r->cap && ring_grow(r) != PF_OK)
        return PF_ENOMEM;
    *ring_at(r, r->count++) = f;
    return PF_OK;
}

static int ring_push_front(ring *r, frame f)
{
    if (r->count == r->cap && ring_grow(r) != PF_OK)
        return PF_ENOMEM;
    r->head = (r->head + r->cap - 1) % r->cap;
    r->items[r->head] = f;
    r->count++;
    return PF_OK;
}

static frame ring_pop_front(ring *r)
{
    frame f = *ring_at(r, 0);
    r->head = (r->head + 1) % r->cap;
    r->count--;
    return f;
}

static frame ring_pop_back(ring *r)
{
    return *ring_at(r, --r->count);
}

static void ring_clear(ring *r)
{
    while (r->count)
        free(ring_pop_front(r).data);
}

static void ring_free(ring *r)
{
    ring_clear(r);
    free(r->items);
    r->items = NULL;
    r->cap = r->head = 0;
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

const char *pf_ws_state_name(pf_ws_state state)
{
    switch (state) {
    case PF_WS_IDLE: return "idle";
    case PF_WS_CONNECTING: return "connecting";
    case PF_WS_OPEN: return "open";
    case PF_WS_RECONNECTING: return "reconnecting";
    case PF_WS_RATE_LIMITED: return "rate_limited";
    case PF_WS_OFFLINE: return "offline";
    case PF_WS_CLOSED: return "closed";
    case PF_WS_AUTH_FAILED: return "auth_failed";
    case PF_WS_FORBIDDEN: return "forbidden";
    case PF_WS_NOT_FOUND: return "not_found";
    }
    return "unknown";
}

static void set_state(pf_ws *ws, pf_ws_state s, pf_ws_cause cause, double delay, int code)
{
    pf_ws_event ev;
    ws->state = s;
    ev.state = s;
    ev.cause = cause;
    ev.delay_ms = delay;
    ev.code = code;
    ev.attempt = ws->bo.attempt;
    ws->last_ev = ev;
    ws->last_ev_at = pf_host_now();
    if (!ws->cb.on_state || ws->dying)
        return;
    ws->busy++;
    ws->cb.on_state(ws->ud, &ev);
    ws->busy--;
}

static void report(pf_ws *ws, int err, const char *text, size_t len)
{
    if (!ws->cb.on_error || ws->dying)
        return;
    if (len > REPORT_EXCERPT)
        len = REPORT_EXCERPT;
    ws->busy++;
    ws->cb.on_error(ws->ud, err, text, text ? len : 0);
    ws->busy--;
}

static void log_line(int level, const char *msg)
{
    pf_host_log(level, msg, strlen(msg));
}

static void clear_timer(uint32_t *id)
{
    pf_timer_clear(*id);
    *id = 0;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

static pf_ws_opts resolve(const pf_ws_opts *in)
{
    pf_ws_opts o;
    memset(&o, 0, sizeof o);
    if (in)
        o = *in;
    o.backoff = pf_backoff_opts_resolve(&o.backoff);
    if (!(o.connect_timeout_ms > 0))
        o.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (!(o.long_backoff_ms > 0))
        o.long_backoff_ms = DEFAULT_LONG_BACKOFF_MS;
    if (!(o.heartbeat_interval_ms > 0))
        o.heartbeat_interval_ms = DEFAULT_HEARTBEAT_INTERVAL_MS;
    if (!(o.heartbeat_timeout_ms > 0))
        o.heartbeat_timeout_ms = DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (!o.outbox_max)
        o.outbox_max = DEFAULT_OUTBOX_MAX;
    if (!o.outbox_max_bytes)
        o.outbox_max_bytes = DEFAULT_OUTBOX_MAX_BYTES;
    if (!o.max_frame_bytes)
        o.max_frame_bytes = DEFAULT_MAX_FRAME_BYTES;
    if (!o.resend_window)
        o.resend_window = DEFAULT_RESEND_WINDOW;
    return o;
}

int pf__ws_opts_same(const pf_ws_opts *a, const pf_ws_opts *b)
{
    pf_ws_opts x = resolve(a), y = resolve(b);
    return pf_backoff_opts_equal(&x.backoff, &y.backoff) &&
           x.connect_timeout_ms == y.connect_timeout_ms && x.max_retries == y.max_retries &&
           x.long_backoff_ms == y.long_backoff_ms &&
           x.heartbeat_interval_ms == y.heartbeat_interval_ms &&
           x.heartbeat_timeout_ms == y.heartbeat_timeout_ms && x.no_heartbeat == y.no_heartbeat &&
           x.outbox_max == y.outbox_max && x.outbox_max_bytes == y.outbox_max_bytes &&
           x.full_policy == y.full_policy && x.no_outbox == y.no_outbox &&
           x.max_frame_bytes == y.max_frame_bytes && x.no_resume == y.no_resume &&
           x.no_seq == y.no_seq && x.resend_window == y.resend_window && x.no_tree == y.no_tree;
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                  */
/* ------------------------------------------------------------------------ */

static int can_send_now(const pf_ws *ws)
{
    return ws->handle > 0 && ws->opened && !ws->rate_limited;
}

/* Remembers every sent frame, in order: each rate-limit reply answers one
 * rejected frame, and once a limiter rejects it rejects every later frame
 * until the window passes, so the k-th reply answers the k-th latest send.
 * Frames that must not be replayed are kept as markers without text. */
static void remember_sent(pf_ws *ws, const char *data, size_t len, int replay)
{
    frame f = { NULL, 0, 0, 0 };
    if (ws->resent.count == ws->o.resend_window)
        f = ring_pop_front(&ws->resent); /* reuse the oldest buffer */
    f.replay = replay;
    if (!replay)
        len = 0;
    if (f.cap < len + 1) {
        char *p = realloc(f.data, len + 1);
        if (!p) {
            free(f.data);
            return; /* best effort: the frame was sent */
        }
        f.data = p;
        f.cap = len + 1;
    }
    memcpy(f.data, data, len);
    f.data[len] = 0;
    f.len = len;
    if (ring_push_back(&ws->resent, f) != PF_OK)
        free(f.data);
}

/* Hands one frame to the host. */
static int send_now(pf_ws *ws, const char *data, size_t len, int replayable)
{
    int rc = pf_host_ws_send(ws->handle, data, len);
    if (rc != PF_OK)
        return rc;
    ws->st.sent++;
    remember_sent(ws, data, len, replayable);
    return PF_OK;
}

/* Sends queued frames in order while the link allows it. */
static void flush_outbox(pf_ws *ws)
{
    while (ws->outbox.count && can_send_now(ws)) {
        frame *f = ring_at(&ws->outbox, 0);
        if (send_now(ws, f->data, f->len, 1) != PF_OK)
            return; /* the host will report the close; keep the frame */
        frame done = ring_pop_front(&ws->outbox);
        ws->outbox_bytes -= done.len;
        free(done.data);
    }
}

static int queue_frame(pf_ws *ws, const char *data, size_t len)
{
    /* A frame that can never fit drops nothing for its sake. */
    if (len > ws->o.outbox_max_bytes || ws->o.outbox_max == 0)
        return PF_EFULL;
    while (ws->outbox.count >= ws->o.outbox_max ||
           ws->outbox_bytes + len > ws->o.outbox_max_bytes) {
        if (ws->o.full_policy != PF_WS_FULL_DROP_OLDEST || ws->outbox.count == 0)
            return PF_EFULL;
        frame old = ring_pop_front(&ws->outbox);
        ws->outbox_bytes -= old.len;
        report(ws, PF_EFULL, old.data, old.len);
        free(old.data);
    }
    frame f = { pf__ws_strndup(data, len), len, len + 1, 1 };
    if (!f.data)
        return PF_ENOMEM;
    if (ring_push_back(&ws->outbox, f) != PF_OK) {
        free(f.data);
        return PF_ENOMEM;
    }
    ws->outbox_bytes += len;
    return PF_OK;
}

int pf_ws_send(pf_ws *ws, const char *data, size_t len, unsigned flags)
{
    int replayable, rc;
    if (!ws || (!data && len))
        return PF_EINVAL;
    if (!data)
        data = "";
    replayable = !(flags & PF_WS_SEND_NO_QUEUE) && !ws->o.no_outbox;
    if (can_send_now(ws) && ws->outbox.count == 0) {
        rc = send_now(ws, data, len, replayable);
        if (rc == PF_OK || !replayable)
            return rc;
        /* The host refused: keep the frame for the next link. */
    } else if (!replayable) {
        return PF_ESTATE;
    }
    enter(ws);
    rc = queue_frame(ws, data, len);
    leave(ws);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Rate limits                                                              */
/* ------------------------------------------------------------------------ */

static void rate_limit_over(void *ud)
{
    pf_ws *ws = ud;
    ws->rl_timer = 0;
    ws->rate_limited = 0;
    enter(ws);
    if (ws->handle > 0 && ws->opened) {
        flush_outbox(ws);
        set_state(ws, PF_WS_OPEN, PF_WS_CAUSE_RATE_LIMIT, 0, 0);
    }
    leave(ws);
}

/* The server rejected a send: hold the rest for `ms`, and put the rejected
 * one (the latest replayable send not yet requeued) back at the front. */
static void rate_limited(pf_ws *ws, double ms)
{
    double now = pf_host_now();
    if (ws->resent.count) {
        frame f = ring_pop_back(&ws->resent);
        if (!f.replay) {
            free(f.data); /* a ping or an opted-out send: nothing to requeue */
        } else if (ring_push_front(&ws->outbox, f) == PF_OK) {
            ws->outbox_bytes += f.len;
            ws->st.requeued++;
        } else {
            report(ws, PF_ENOMEM, f.data, f.len);
            free(f.data);
        }
    }
    if (ws->dying)
        return;
    ws->rate_limited = 1;
    if (now + ms > ws->rl_until || !ws->rl_timer) {
        ws->rl_until = now + ms;
        clear_timer(&ws->rl_timer);
        ws->rl_timer = pf_timer_set(ms, rate_limit_over, ws);
    }
    set_state(ws, PF_WS_RATE_LIMITED, PF_WS_CAUSE_RATE_LIMIT, ws->rl_until - now, 0);
}

/* ------------------------------------------------------------------------ */
/* Link lifetime                                                            */
/* ------------------------------------------------------------------------ */

static const pf_io_handler handler;

/* Forgets the current handle (already closed by either side). */
static void link_down(pf_ws *ws)
{
    if (ws->handle > 0)
        pf_io_unwatch(ws->handle);
    ws->handle = 0;
    clear_timer(&ws->connect_timer);
    clear_timer(&ws->hb_timer);
    ws->ping_outstanding = 0;
    ws->probe_online = 0;
    if (ws->opened && pf_backoff_closed(&ws->bo, pf_host_now()))
        ws->auth_retry_used = 0;
    ws->opened = 0;
    /* Frames sent on a dead link have an unknown fate: never replay them. */
    ring_clear(&ws->resent);
}

/* Closes the current handle from this side. */
static void abort_link(pf_ws *ws, int code, const char *reason)
{
    if (ws->handle > 0)
        pf_host_ws_close(ws->handle, code, reason, strlen(reason));
    link_down(ws);
}

static void retry_due(void *ud)
{
    pf_ws *ws = ud;
    ws->retry_timer = 0;
    enter(ws);
    attempt(ws);
    leave(ws);
}

/* Schedules the next attempt after a failure. */
static void schedule_retry(pf_ws *ws, retry_kind kind, double exact_ms,
                           pf_ws_cause cause, int code)
{
    double delay, now = pf_host_now();
    pf_ws_state shown = PF_WS_RECONNECTING;
    if (!ws->active || ws->dying)
        return;
    if (ws->o.max_retries && ws->bo.attempt >= ws->o.max_retries) {
        ws->active = 0;
        set_state(ws, PF_WS_CLOSED, PF_WS_CAUSE_MAX_RETRIES, 0, code);
        return;
    }
    if (kind == RETRY_EXACT) {
        delay = exact_ms;
        ws->bo.attempt++;
        shown = PF_WS_RATE_LIMITED;
    } else if (kind == RETRY_LONG) {
        delay = pf_backoff_next_long(&ws->bo, ws->o.long_backoff_ms);
        if (code == 4029)
            shown = PF_WS_RATE_LIMITED;
    } else {
        delay = pf_backoff_next(&ws->bo);
    }
    ws->not_before = kind == RETRY_NORMAL ? 0 : now + delay;
    if (!pf_host_online()) {
        set_state(ws, PF_WS_OFFLINE, PF_WS_CAUSE_NETWORK, 0, code);
        return;
    }
    clear_timer(&ws->retry_timer);
    ws->retry_timer = pf_timer_set(delay, retry_due, ws);
    set_state(ws, shown, cause, delay, code);
}

/* Applies the close-code table of docs/protocol.md. */
static void closed_with(pf_ws *ws, int code, const char *reason, size_t reason_len,
                        pf_ws_cause cause)
{
    double secs;
    switch (code) {
    case 4001:
        if (ws->cb.refresh_token && !ws->auth_retry_used) {
            ws->auth_retry_used = 1;
            ws->waiting_token = 1;
            set_state(ws, PF_WS_AUTH_FAILED, cause, 0, code);
            if (ws->dying || !ws->waiting_token)
                return;
            ws->busy++;
            ws->cb.refresh_token(ws->ud, ws);
            ws->busy--;
        } else {
            ws->active = 0;
            ws->waiting_token = 0;
            set_state(ws, PF_WS_AUTH_FAILED, cause, 0, code);
        }
        return;
    case 4003:
        ws->active = 0;
        set_state(ws, PF_WS_FORBIDDEN, cause, 0, code);
        return;
    case 4004:
        ws->active = 0;
        set_state(ws, PF_WS_NOT_FOUND, cause, 0, code);
        return;
    case 1013:
        schedule_retry(ws, RETRY_LONG, 0, cause, code);
        return;
    case 4029:
        if (pf__ws_parse_number(reason, reason_len, &secs))
            schedule_retry(ws, RETRY_EXACT, secs * 1000.0, cause, code);
        else
            schedule_retry(ws, RETRY_LONG, 0, cause, code);
        return;
    default:
        /* 1000 from the server, 1001, 1006, 1011, 1012, other 4xxx. */
        schedule_retry(ws, RETRY_NORMAL, 0, cause, code);
        return;
    }
}

static void connect_timed_out(void *ud)
{
    pf_ws *ws = ud;
    ws->connect_timer = 0;
    enter(ws);
    log_line(PF_LOG_WARN, "pf_ws: connect timeout");
    abort_link(ws, CLIENT_ABORT_CODE, "connect timeout");
    schedule_retry(ws, RETRY_NORMAL, 0, PF_WS_CAUSE_CONNECT_TIMEOUT, 0);
    leave(ws);
}

/* ------------------------------------------------------------------------ */
/* Heartbeat                                                                */
/* ------------------------------------------------------------------------ */

static void heartbeat_due(void *ud);

static void arm_heartbeat(pf_ws *ws, double delay)
{
    clear_timer(&ws->hb_timer);
    if (!ws->o.no_heartbeat && !ws->core_only)
        ws->hb_timer = pf_timer_set(delay, heartbeat_due, ws);
}

/* One timer does both jobs: ping after an idle interval, and judge the
 * ping after its timeout. Inbound frames only move last_rx, so the hot
 * path never touches the timer table. */
static void heartbeat_due(void *ud)
{
    pf_ws *ws = ud;
    double now = pf_host_now();
    ws->hb_timer = 0;
    if (ws->handle <= 0 || !ws->opened)
        return;
    enter(ws);
    if (ws->ping_outstanding) {
        double waited = now - ws->ping_sent_at;
        if (waited < ws->o.heartbeat_timeout_ms) {
            arm_heartbeat(ws, ws->o.heartbeat_timeout_ms - waited);
            goto out;
        }
        ws->ping_outstanding = 0;
        if (!ws->pong_seen && ws->probe_online && ws->last_rx <= ws->ping_sent_at) {
            /* Silence after a network change says more than silence from
             * a server we know nothing of: the link is judged dead (a
             * core-only server costs one resumed reconnect). */
            ws->probe_online = 0;
            log_line(PF_LOG_WARN, "pf_ws: no answer after the network came back");
            abort_link(ws, CLIENT_ABORT_CODE, "probe timeout");
            schedule_retry(ws, RETRY_NORMAL, 0, PF_WS_CAUSE_DEAD_LINK, 0);
            goto out;
        }
        ws->probe_online = 0;
        if (!ws->pong_seen) {
            /* A core-only server: it never answers pings, so silence says
             * nothing about the link. Stop pinging this connection. */
            ws->core_only = 1;
            ws->st.core_only = 1;
            log_line(PF_LOG_INFO, "pf_ws: server never answered a ping; heartbeat off");
            goto out;
        }
        if (ws->last_rx <= ws->ping_sent_at) {
            log_line(PF_LOG_WARN, "pf_ws: dead link");
            abort_link(ws, CLIENT_ABORT_CODE, "heartbeat timeout");
            schedule_retry(ws, RETRY_NORMAL, 0, PF_WS_CAUSE_DEAD_LINK, 0);
            goto out;
        }
        /* Frames came but no pong: alive, just busy. */
    }
    {
        double idle = now - ws->last_rx;
        if (idle < ws->o.heartbeat_interval_ms) {
            arm_heartbeat(ws, ws->o.heartbeat_interval_ms - idle);
            goto out;
        }
    }
    if (ws->rate_limited) {
        /* A ping would count against the limit: wait for the release. */
        arm_heartbeat(ws, ws->o.heartbeat_interval_ms);
        goto out;
    }
    if (send_now(ws, PING, sizeof PING - 1, 0) == PF_OK) {
        ws->st.pings++;
        ws->ping_outstanding = 1;
        ws->ping_sent_at = now;
        arm_heartbeat(ws, ws->o.heartbeat_timeout_ms);
    }
out:
    leave(ws);
}

/* ------------------------------------------------------------------------ */
/* Host events                                                              */
/* ------------------------------------------------------------------------ */

static void io_opened(void *ud, int32_t handle)
{
    pf_ws *ws = ud;
    double now = pf_host_now();
    if (handle != ws->handle || ws->opened)
        return;
    enter(ws);
    clear_timer(&ws->connect_timer);
    ws->opened = 1;
    /* Judged per connection (docs/protocol.md section 4): a server that
     * answered on an earlier link may not on this one (another server
     * behind the same URL); one that never does is left alone, not
     * reconnected every heartbeat. */
    ws->pong_seen = 0;
    ws->core_only = 0;
    ws->st.core_only = 0;
    ws->ping_outstanding = 0;
    ws->last_rx = now;
    pf_backoff_opened(&ws->bo, now);
    arm_heartbeat(ws, ws->o.heartbeat_interval_ms);
    flush_outbox(ws);
    if (ws->rate_limited)
        set_state(ws, PF_WS_RATE_LIMITED, PF_WS_CAUSE_RATE_LIMIT, ws->rl_until - now, 0);
    else
        set_state(ws, PF_WS_OPEN, PF_WS_CAUSE_NONE, 0, 0);
    leave(ws);
}

static int is_rate_limit_reply(const cJSON *msg, double *ms, double fallback_ms)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(msg, "error");
    const cJSON *after = cJSON_GetObjectItemCaseSensitive(msg, "retry_after");
    if (!cJSON_IsString(err))
        return 0;
    if (!cJSON_IsNumber(after) && strcmp(err->valuestring, "Rate limit exceeded") != 0)
        return 0;
    *ms = cJSON_IsNumber(after) && after->valuedouble >= 0 ? after->valuedouble * 1000.0
                                                            : fallback_ms;
    /* At most 7 days, as a 4029's reason (pf__ws_parse_number). */
    if (*ms > 86400.0 * 7 * 1000)
        *ms = 86400.0 * 7 * 1000;
    return 1;
}

/* A frame skipped seqs (the protocol numbers a stream's messages one by
 * one, so some were lost). The first time at a position: drop the link
 * and reconnect with since=last, and the server replays the missing
 * frames and this one in order (or sends resync). Returns 0 then. If the
 * gap comes back at the same position (a server that cannot fill it) or
 * resume is off, what is missing is gone: on_resync tells the owner to
 * reload its state, and the frame is delivered (returns 1). */
static int gap(pf_ws *ws, const char *data, size_t len)
{
    ws->st.gaps++;
    if (!ws->o.no_resume && ws->gap_at != ws->last_seq) {
        ws->gap_at = ws->last_seq;
        log_line(PF_LOG_WARN, "pf_ws: seq gap; reconnecting to have it replayed");
        abort_link(ws, CLIENT_ABORT_CODE, "seq gap");
        set_state(ws, PF_WS_RECONNECTING, PF_WS_CAUSE_GAP, 0, 0);
        if (ws->active && !ws->dying)
            attempt(ws);
        return 0;
    }
    log_line(PF_LOG_WARN, "pf_ws: seq gap the server did not fill; resync");
    report(ws, PF_EPROTO, data, len);
    if (ws->cb.on_resync && !ws->dying) {
        ws->busy++;
        ws->cb.on_resync(ws->ud);
        ws->busy--;
    }
    return !ws->dying && ws->handle > 0;
}

/* Drops a seq already seen, else hands the frame to on_message. A
 * snapshot's seq sets the position. */
static void deliver(pf_ws *ws, const char *data, size_t len, const cJSON *msg, int64_t seq,
                    int snapshot)
{
    if (ws->o.no_seq) {
        /* seq belongs to the application (see pf_ws_opts.no_seq). */
    } else if (snapshot) {
        if (seq >= 0)
            ws->last_seq = seq;
    } else if (seq >= 0) {
        if (seq <= ws->last_seq) {
            ws->st.duplicates++;
            return;
        }
        if (ws->last_seq >= 0 && seq > ws->last_seq + 1 && !gap(ws, data, len))
            return;
        ws->last_seq = seq;
    }
    ws->st.received++;
    if (ws->cb.on_message && !ws->dying) {
        ws->busy++;
        ws->cb.on_message(ws->ud, data, len, msg, seq);
        ws->busy--;
    }
}

static int is_span(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return s && len == n && memcmp(s, lit, n) == 0;
}

/* opts.no_tree: an ordinary frame is checked and delivered without a cJSON
 * tree. Returns 1 when the frame was dealt with (delivered, dropped or
 * reported), 0 when it needs the full parse (a control frame). */
static int fast_path(pf_ws *ws, const char *data, size_t len)
{
    pf__ws_scan_result r;
    int rc = pf__ws_scan(data, len, &r);
    if (rc != PF_OK) {
        ws->st.malformed++;
        report(ws, rc, data, len);
        return 1;
    }
    if (!r.simple || is_span(r.type, r.type_len, "pong") || is_span(r.type, r.type_len, "ping") ||
        is_span(r.type, r.type_len, "resync") || is_span(r.type, r.type_len, "snapshot"))
        return 0;
    deliver(ws, data, len, NULL, r.seq, 0);
    return 1;
}

static void io_message(void *ud, int32_t handle, const char *data, size_t len)
{
    pf_ws *ws = ud;
    cJSON *msg;
    const cJSON *type;
    const char *t = NULL;
    double hold_ms;
    if (handle != ws->handle)
        return;
    ws->last_rx = pf_host_now();
    enter(ws);
    if (len > ws->o.max_frame_bytes) {
        ws->st.too_big++;
        report(ws, PF_ETOOBIG, data, len);
        goto out;
    }
    if (ws->o.no_tree && fast_path(ws, data, len))
        goto out;
    /* Strict (pf_json.h): trailing bytes, a raw NUL or "\u0000" reject the
     * frame instead of being cut off. */
    msg = NULL;
    pf_json_parse(data, len, len, &msg, NULL);
    if (!msg || !cJSON_IsObject(msg)) {
        ws->st.malformed++;
        report(ws, msg ? PF_EPROTO : PF_EJSON, data, len);
        cJSON_Delete(msg);
        goto out;
    }
    type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    if (cJSON_IsString(type))
        t = type->valuestring;
    if (t && strcmp(t, "pong") == 0) {
        ws->pong_seen = 1;
        ws->ping_outstanding = 0;
    } else if (t && strcmp(t, "ping") == 0) {
        send_now(ws, PONG, sizeof PONG - 1, 0);
    } else if (t && strcmp(t, "resync") == 0) {
        /* The server's numbering restarts with the snapshot that follows. */
        ws->last_seq = -1;
        if (ws->cb.on_resync) {
            ws->busy++;
            ws->cb.on_resync(ws->ud);
            ws->busy--;
        }
    } else if (!t && is_rate_limit_reply(msg, &hold_ms, ws->o.long_backoff_ms)) {
        rate_limited(ws, hold_ms);
    } else {
        deliver(ws, data, len, msg, pf__ws_seq_of(msg), t && strcmp(t, "snapshot") == 0);
    }
    cJSON_Delete(msg);
out:
    leave(ws);
}

static void io_closed(void *ud, int32_t handle, int code, const char *reason, size_t reason_len)
{
    pf_ws *ws = ud;
    if (handle != ws->handle)
        return;
    enter(ws);
    link_down(ws);
    closed_with(ws, code, reason, reason_len, PF_WS_CAUSE_SERVER_CLOSE);
    leave(ws);
}

static const pf_io_handler handler = { io_opened, io_message, io_closed, NULL, NULL, NULL };

/* ------------------------------------------------------------------------ */
/* Attempts                                                                 */
/* ------------------------------------------------------------------------ */

static void attempt(pf_ws *ws)
{
    const char *base = ws->url;
    size_t base_len = ws->url_len, url_len = 0;
    char since[24];
    char *url;
    int32_t h;
    if (!ws->active || ws->dying || ws->handle > 0)
        return;
    clear_timer(&ws->retry_timer);
    if (!pf_host_online()) {
        set_state(ws, PF_WS_OFFLINE, PF_WS_CAUSE_NETWORK, 0, 0);
        return;
    }
    if (ws->cb.get_url) {
        size_t n = 0;
        const char *u;
        ws->busy++;
        u = ws->cb.get_url(ws->ud, &n);
        ws->busy--;
        if (ws->dying || !ws->active)
            return;
        if (u) {
            base = u;
            base_len = n;
        }
    }
    since[0] = 0;
    if (!ws->o.no_resume && !ws->o.no_seq && ws->last_seq >= 0)
        pf_fmt(since, sizeof since, "%lld", (long long)ws->last_seq);
    url = pf__ws_build_url(base, base_len, ws->token, ws->token_len,
                           since[0] ? "since" : NULL, since, strlen(since), &url_len);
    ws->st.attempts++;
    h = url ? pf_host_ws_open(url, url_len) : PF_ENOMEM;
    free(url);
    if (h > 0 && pf_io_watch(h, &handler, ws) != PF_OK) {
        pf_host_ws_close(h, CLIENT_ABORT_CODE, "", 0);
        h = PF_ENOMEM;
    }
    if (h <= 0) {
        schedule_retry(ws, RETRY_NORMAL, 0, PF_WS_CAUSE_HOST, 0);
        return;
    }
    ws->handle = h;
    ws->opened = 0;
    ws->connect_timer = pf_timer_set(ws->o.connect_timeout_ms, connect_timed_out, ws);
    set_state(ws, PF_WS_CONNECTING, PF_WS_CAUSE_NONE, 0, 0);
}

/* Starts the next attempt now (or at not_before, for 1013 / 4029). */
static void attempt_soon(pf_ws *ws)
{
    double now = pf_host_now();
    if (ws->not_before > now) {
        if (ws->retry_timer)
            return; /* already waiting for exactly that */
        ws->retry_timer = pf_timer_set(ws->not_before - now, retry_due, ws);
        set_state(ws, PF_WS_RECONNECTING, PF_WS_CAUSE_NETWORK, ws->not_before - now, 0);
        return;
    }
    attempt(ws);
}

/* Back online or visible with a link that looks open: it may have died
 * meanwhile (a laptop lid, a network switch) without a close. Ping now and
 * judge it after heartbeat_timeout_ms instead of at the next idle tick. */
static void probe(pf_ws *ws, int came_online)
{
    double now = pf_host_now();
    if (ws->o.no_heartbeat || ws->core_only || ws->rate_limited)
        return;
    if (came_online)
        ws->probe_online = 1;
    if (ws->ping_outstanding)
        return; /* a ping is out already: its timeout judges the link */
    if (send_now(ws, PING, sizeof PING - 1, 0) != PF_OK)
        return;
    ws->st.pings++;
    ws->ping_outstanding = 1;
    ws->ping_sent_at = now;
    arm_heartbeat(ws, ws->o.heartbeat_timeout_ms);
}

static void net_changed(void *ud, int online, int visible)
{
    pf_ws *ws = ud;
    int became_visible = visible && !ws->visible;
    int came_online = online && !ws->online;
    ws->visible = visible;
    ws->online = online;
    if (ws->active && ws->handle > 0 && ws->opened && (came_online || became_visible)) {
        enter(ws);
        probe(ws, came_online);
        leave(ws);
        return;
    }
    if (!ws->active || ws->waiting_token || ws->handle > 0)
        return; /* an open link notices a dead network by itself */
    enter(ws);
    if (!online) {
        clear_timer(&ws->retry_timer);
        if (ws->state != PF_WS_OFFLINE)
            set_state(ws, PF_WS_OFFLINE, PF_WS_CAUSE_NETWORK, 0, 0);
    } else if (ws->state == PF_WS_OFFLINE || (became_visible && ws->retry_timer)) {
        attempt_soon(ws);
    }
    leave(ws);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

pf_ws *pf_ws_new(const char *url, size_t url_len, const pf_ws_opts *opts,
                 const pf_ws_callbacks *cb, void *ud)
{
    pf_ws *ws;
    if (!url || !url_len)
        return NULL;
    ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->url = pf__ws_strndup(url, url_len);
    if (!ws->url) {
        free(ws);
        return NULL;
    }
    ws->url_len = url_len;
    ws->o = resolve(opts);
    if (cb)
        ws->cb = *cb;
    ws->ud = ud;
    pf_backoff_init(&ws->bo, &ws->o.backoff);
    ws->state = PF_WS_IDLE;
    ws->last_seq = -1;
    ws->gap_at = -1;
    ws->online = 1;
    ws->visible = 1;
    return ws;
}

/* Releases every effect (socket, timers, listener) without callbacks. */
static void shutdown_all(pf_ws *ws)
{
    ws->active = 0;
    ws->waiting_token = 0;
    clear_timer(&ws->retry_timer);
    clear_timer(&ws->rl_timer);
    ws->rate_limited = 0;
    if (ws->handle > 0)
        abort_link(ws, 1000, "client closed");
    link_down(ws);
    if (ws->listening)
        pf_net_unlisten(ws);
    ws->listening = 0;
}

static void destroy(pf_ws *ws)
{
    shutdown_all(ws);
    pf_cancel_deferred(ws);
    ring_free(&ws->outbox);
    ring_free(&ws->resent);
    free(ws->url);
    free(ws->token);
    free(ws);
}

void pf_ws_free(pf_ws *ws)
{
    if (!ws || ws->dying)
        return;
    if (ws->busy) {
        shutdown_all(ws);
        ws->dying = 1; /* freed when the outermost callback returns */
        return;
    }
    destroy(ws);
}

int pf_ws_connect(pf_ws *ws)
{
    if (!ws || ws->dying)
        return PF_EINVAL;
    if (ws->active && (ws->handle > 0 || ws->retry_timer))
        return PF_OK;
    if (!ws->listening) {
        int rc = pf_net_listen(net_changed, ws);
        if (rc != PF_OK)
            return rc;
        ws->listening = 1;
    }
    enter(ws);
    ws->active = 1;
    ws->waiting_token = 0;
    ws->auth_retry_used = 0;
    ws->not_before = 0;
    ws->visible = pf_host_visible();
    ws->online = pf_host_online();
    pf_backoff_reset(&ws->bo);
    attempt(ws);
    leave(ws);
    return PF_OK;
}

void pf_ws_close(pf_ws *ws)
{
    if (!ws || ws->dying)
        return;
    enter(ws);
    ws->active = 0;
    ws->waiting_token = 0;
    clear_timer(&ws->retry_timer);
    if (ws->handle > 0)
        abort_link(ws, 1000, "client closed");
    set_state(ws, PF_WS_CLOSED, PF_WS_CAUSE_APP, 0, 1000);
    leave(ws);
}

int pf_ws_reconnect(pf_ws *ws)
{
    if (!ws || ws->dying)
        return PF_EINVAL;
    if (!ws->active)
        return pf_ws_connect(ws);
    enter(ws);
    clear_timer(&ws->retry_timer);
    ws->waiting_token = 0;
    ws->not_before = 0;
    if (ws->handle > 0)
        abort_link(ws, CLIENT_ABORT_CODE, "client reconnect");
    attempt(ws);
    leave(ws);
    return PF_OK;
}

int pf_ws_set_token(pf_ws *ws, const char *token, size_t len)
{
    char *copy = NULL;
    if (!ws)
        return PF_EINVAL;
    if (token && len) {
        copy = pf__ws_strndup(token, len);
        if (!copy)
            return PF_ENOMEM;
    }
    free(ws->token);
    ws->token = copy;
    ws->token_len = copy ? len : 0;
    if (ws->waiting_token && !ws->dying) {
        ws->waiting_token = 0;
        enter(ws);
        attempt(ws);
        leave(ws);
    }
    return PF_OK;
}

pf_ws_state pf_ws_get_state(const pf_ws *ws) { return ws ? ws->state : PF_WS_CLOSED; }

void pf_ws_last_event(const pf_ws *ws, pf_ws_event *out)
{
    memset(out, 0, sizeof *out);
    out->state = PF_WS_CLOSED;
    if (!ws)
        return;
    *out = ws->last_ev;
    out->state = ws->state;
    out->delay_ms -= pf_host_now() - ws->last_ev_at;
    if (out->delay_ms < 0)
        out->delay_ms = 0;
}

const char *pf_ws_url(const pf_ws *ws, size_t *len)
{
    *len = ws ? ws->url_len : 0;
    return ws ? ws->url : NULL;
}
size_t pf_ws_outbox_len(const pf_ws *ws) { return ws ? ws->outbox.count : 0; }

size_t pf_ws_outbox_find(pf_ws *ws, const char *data, size_t len, int remove)
{
    size_t found = 0, kept = 0;
    if (!ws || !data)
        return 0;
    for (size_t i = 0; i < ws->outbox.count; i++) {
        frame f = *ring_at(&ws->outbox, i);
        if (f.len == len && memcmp(f.data, data, len) == 0) {
            found++;
            if (remove) {
                ws->outbox_bytes -= f.len;
                free(f.data);
                continue;
            }
        }
        *ring_at(&ws->outbox, kept++) = f; /* kept <= i: compacts in place */
    }
    ws->outbox.count = kept;
    return found;
}
int64_t pf_ws_last_seq(const pf_ws *ws) { return ws ? ws->last_seq : -1; }

void pf_ws_set_last_seq(pf_ws *ws, int64_t seq)
{
    if (ws)
        ws->last_seq = seq < 0 ? -1 : seq;
}

pf_ws_stats pf_ws_get_stats(const pf_ws *ws)
{
    pf_ws_stats s;
    memset(&s, 0, sizeof s);
    return ws ? ws->st : s;
}

/* ------------------------------------------------------------------------ */
/* Helpers shared with pf_sse and pf_pool                                   */
/* ------------------------------------------------------------------------ */

char *pf__ws_strndup(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = 0;
    return p;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static size_t encode(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            if (out)
                out[n] = (char)c;
            n++;
        } else {
            if (out) {
                out[n] = '%';
                out[n + 1] = hex[c >> 4];
                out[n + 2] = hex[c & 15];
            }
            n += 3;
        }
    }
    return n;
}

/* Appends "<sep><key>=<encoded value>" at out + *pos (or only counts). */
static void append_param(char *out, size_t *pos, int *has_query, const char *key,
                         const char *value, size_t value_len)
{
    size_t klen = strlen(key);
    if (out) {
        out[*pos] = *has_query ? '&' : '?';
        memcpy(out + *pos + 1, key, klen);
        out[*pos + 1 + klen] = '=';
    }
    *pos += 2 + klen;
    *pos += encode(out ? out + *pos : NULL, value, value_len);
    *has_query = 1;
}

/* Copies `base` to out (or only counts), leaving out its token= parameters
 * when `drop_token` (a fresh token replaces the one in the URL). Returns the
 * length written; *has_query says whether a parameter was kept. */
static size_t copy_base(char *out, const char *base, size_t len, int drop_token, int *has_query)
{
    const char *q = memchr(base, '?', len);
    size_t pos, i;
    *has_query = q != NULL;
    if (!q || !drop_token) {
        if (out)
            memcpy(out, base, len);
        return len;
    }
    pos = (size_t)(q - base);
    if (out)
        memcpy(out, base, pos);
    *has_query = 0;
    for (i = pos + 1; i <= len;) {
        const char *amp = memchr(base + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - base) : len, n = end - i;
        int is_token = (n >= 6 && memcmp(base + i, "token=", 6) == 0) ||
                       (n == 5 && memcmp(base + i, "token", 5) == 0);
        if (n && !is_token) {
            if (out) {
                out[pos] = *has_query ? '&' : '?';
                memcpy(out + pos + 1, base + i, n);
            }
            pos += 1 + n;
            *has_query = 1;
        }
        i = end + 1;
    }
    return pos;
}

char *pf__ws_build_url(const char *base, size_t base_len,
                       const char *token, size_t token_len,
                       const char *key, const char *value, size_t value_len,
                       size_t *out_len)
{
    char *out = NULL;
    for (int pass = 0; pass < 2; pass++) {
        int has_query;
        size_t pos = copy_base(out, base, base_len, token && token_len, &has_query);
        if (token && token_len)
            append_param(out, &pos, &has_query, "token", token, token_len);
        if (key)
            append_param(out, &pos, &has_query, key, value, value_len);
        if (out) {
            out[pos] = 0;
            if (out_len)
                *out_len = pos;
            return out;
        }
        out = malloc(pos + 1);
        if (!out)
            return NULL;
    }
    return out; /* not reached */
}

int pf__ws_parse_number(const char *s, size_t len, double *out)
{
    double v = 0, scale = 0.1;
    size_t i = 0;
    int digits = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
        v = v * 10 + (s[i] - '0');
    if (i < len && s[i] == '.')
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++, scale /= 10)
            v += (s[i] - '0') * scale;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (!digits || i != len || v > 86400.0 * 7)
        return 0;
    *out = v;
    return 1;
}

int64_t pf__ws_seq_of(const cJSON *msg)
{
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(msg, "seq");
    /* Up to 2^53 - 1: above it a double cannot tell two seqs apart (the
     * text 9007199254740993 reads as 2^53), so such a message has no seq
     * and is delivered rather than dropped as a duplicate. */
    if (!cJSON_IsNumber(seq) || seq->valuedouble < 0 || seq->valuedouble > 9007199254740991.0)
        return -1;
    if (seq->valuedouble != (double)(int64_t)seq->valuedouble)
        return -1;
    return (int64_t)seq->valuedouble;
}

/* ------------------------------------------------------------------------ */
/* A strict JSON scanner that allocates nothing (opts.no_tree)              */
/* ------------------------------------------------------------------------ */

#define SCAN_MAX_DEPTH 1000 /* cJSON's nesting limit */

typedef struct scanner {
    const char *s;
    size_t n, i;
    int depth;
} scanner;

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void skip_ws(scanner *sc)
{
    while (sc->i < sc->n) {
        char c = sc->s[sc->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        sc->i++;
    }
}

/* A string at the opening quote: sets its contents' span and whether it
 * holds an escape. Returns 0, or -1 when malformed. */
static int scan_string(scanner *sc, size_t *start, size_t *len, int *escaped)
{
    const char *s = sc->s;
    size_t i = sc->i + 1;
    *start = i;
    *escaped = 0;
    while (i < sc->n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            *len = i - *start;
            sc->i = i + 1;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            i++;
            continue;
        }
        *escaped = 1;
        if (++i >= sc->n)
            return -1;
        switch (s[i]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            i++;
            break;
        case 'u':
            if (sc->n - i < 5 || !is_hex(s[i + 1]) || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) ||
                !is_hex(s[i + 4]))
                return -1;
            i += 5;
            break;
        default:
            return -1;
        }
    }
    return -1;
}

/* A number; *plain is 1 when it is digits only (no sign, fraction or
 * exponent). */
static int scan_number(scanner *sc, int *plain)
{
    const char *s = sc->s;
    size_t i = sc->i, n = sc->n;
    *plain = 1;
    if (i < n && s[i] == '-') {
        *plain = 0;
        i++;
    }
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && is_digit(s[i]))
            i++;
    else
        return -1;
    if (i < n && s[i] == '.') {
        *plain = 0;
        if (++i >= n || !is_digit(s[i]))
            return -1;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *plain = 0;
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return -1;
        while (i < n && is_digit(s[i]))
            i++;
    }
    sc->i = i;
    return 0;
}

static int scan_literal(scanner *sc, const char *lit)
{
    size_t k = strlen(lit);
    if (sc->n - sc->i < k || memcmp(sc->s + sc->i, lit, k) != 0)
        return -1;
    sc->i += k;
    return 0;
}

static int scan_object(scanner *sc, pf__ws_scan_result *r);
static int scan_array(scanner *sc);

static int scan_value(scanner *sc)
{
    size_t a, b;
    int e;
    skip_ws(sc);
    if (sc->i >= sc->n)
        return -1;
    switch (sc->s[sc->i]) {
    case '{': return scan_object(sc, NULL);
    case '[': return scan_array(sc);
    case '"': return scan_string(sc, &a, &b, &e);
    case 't': return scan_literal(sc, "true");
    case 'f': return scan_literal(sc, "false");
    case 'n': return scan_literal(sc, "null");
    default: return scan_number(sc, &e);
    }
}

/* After a member or element: ',' (returns 1, more follow), `close`
 * (returns 0, done) or malformed (-1). */
static int scan_next(scanner *sc, char close)
{
    skip_ws(sc);
    if (sc->i >= sc->n)
        return -1;
    if (sc->s[sc->i] == ',') {
        sc->i++;
        return 1;
    }
    if (sc->s[sc->i] == close) {
        sc->i++;
        sc->depth--;
        return 0;
    }
    return -1;
}

static int scan_array(scanner *sc)
{
    int more;
    if (++sc->depth > SCAN_MAX_DEPTH)
        return -1;
    sc->i++;
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ']') {
        sc->i++;
        sc->depth--;
        return 0;
    }
    do {
        if (scan_value(sc))
            return -1;
    } while ((more = scan_next(sc, ']')) == 1);
    return more;
}

/* The value of a top-level member named `key`: records "type" and "seq". */
static int scan_top_member(scanner *sc, pf__ws_scan_result *r, const char *key, size_t klen,
                           int kesc, int *seen)
{
    const char *s = sc->s;
    if (kesc) {
        r->simple = 0; /* an escaped name may spell any of them */
    } else if (klen == 4 && memcmp(key, "type", 4) == 0) {
        size_t vs, vl;
        int vesc;
        if (*seen & 1 || s[sc->i] != '"') {
            r->simple = 0;
        } else {
            *seen |= 1;
            if (scan_string(sc, &vs, &vl, &vesc))
                return -1;
            if (vesc) {
                r->simple = 0;
            } else {
                r->type = s + vs;
                r->type_len = vl;
            }
            return 0;
        }
    } else if (klen == 3 && memcmp(key, "seq", 3) == 0) {
        size_t start = sc->i;
        int plain;
        if (*seen & 2 || !(is_digit(s[sc->i]) || s[sc->i] == '-')) {
            r->simple = 0;
        } else {
            *seen |= 2;
            if (scan_number(sc, &plain))
                return -1;
            if (plain && sc->i - start <= 15) {
                int64_t v = 0;
                for (size_t i = start; i < sc->i; i++)
                    v = v * 10 + (s[i] - '0');
                r->seq = v;
            } else {
                r->simple = 0;
            }
            return 0;
        }
    } else if (klen == 5 && memcmp(key, "error", 5) == 0) {
        r->simple = 0;
    }
    return scan_value(sc);
}

/* An object; `r` is non-NULL at the top level. */
static int scan_object(scanner *sc, pf__ws_scan_result *r)
{
    int more, seen = 0;
    if (++sc->depth > SCAN_MAX_DEPTH)
        return -1;
    sc->i++;
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
        sc->i++;
        sc->depth--;
        return 0;
    }
    do {
        size_t ks, kl;
        int kesc;
        skip_ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != '"' || scan_string(sc, &ks, &kl, &kesc))
            return -1;
        skip_ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != ':')
            return -1;
        sc->i++;
        skip_ws(sc);
        if (sc->i >= sc->n)
            return -1;
        if (r ? scan_top_member(sc, r, sc->s + ks, kl, kesc, &seen) : scan_value(sc))
            return -1;
    } while ((more = scan_next(sc, '}')) == 1);
    return more;
}

int pf__ws_scan(const char *s, size_t len, pf__ws_scan_result *r)
{
    scanner sc = { s, len, 0, 0 };
    int object;
    r->type = NULL;
    r->type_len = 0;
    r->seq = -1;
    r->simple = 1;
    if (!s)
        return PF_EJSON;
    skip_ws(&sc);
    if (sc.i >= len)
        return PF_EJSON;
    object = s[sc.i] == '{';
    if (object ? scan_object(&sc, r) : scan_value(&sc))
        return PF_EJSON;
    skip_ws(&sc);
    if (sc.i != len)
        return PF_EJSON;
    return object ? PF_OK : PF_EPROTO;
}
