/* pf_sse.c: the reconnecting EventSource state machine. */
#include "pf_sse.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "pf_host.h"
#include "pf_json.h"
#include "pf_loop.h"
#include "pf_ws_internal.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000.0
#define DEFAULT_MAX_DATA_BYTES (1024 * 1024)
#define REPORT_EXCERPT 256

struct pf_sse {
    char *url;
    size_t url_len;
    char *token;
    size_t token_len;
    pf_sse_opts o;
    pf_sse_callbacks cb;
    void *ud;
    pf_backoff bo;
    pf_ws_state state;

    int32_t handle;        /* > 0 while connecting or open */
    int opened;
    int active;            /* the app wants a stream */
    int listening;
    int waiting_token;
    int auth_retry_used;
    int visible;
    uint32_t retry_timer, connect_timer, idle_timer;
    double last_rx;        /* time of the last event or comment */
    double server_retry_ms; /* the last retry: value, or -1 */
    double not_before;      /* the link ended: no attempt before this (retry:) */

    char *last_id;
    size_t last_id_len;
    int64_t last_seq;
    pf_sse_stats st;

    int busy, dying;
};

static void attempt(pf_sse *s);
static void destroy(pf_sse *s);

static void enter(pf_sse *s) { s->busy++; }

static void leave(pf_sse *s)
{
    if (--s->busy == 0 && s->dying)
        destroy(s);
}

static void clear_timer(uint32_t *id)
{
    pf_timer_clear(*id);
    *id = 0;
}

static void set_state(pf_sse *s, pf_ws_state st, pf_ws_cause cause, double delay, int code)
{
    pf_ws_event ev;
    s->state = st;
    if (!s->cb.on_state || s->dying)
        return;
    ev.state = st;
    ev.cause = cause;
    ev.delay_ms = delay;
    ev.code = code;
    ev.attempt = s->bo.attempt;
    s->busy++;
    s->cb.on_state(s->ud, &ev);
    s->busy--;
}

static void report(pf_sse *s, int err, const char *text, size_t len)
{
    if (!s->cb.on_error || s->dying)
        return;
    s->busy++;
    s->cb.on_error(s->ud, err, text, len > REPORT_EXCERPT ? REPORT_EXCERPT : len);
    s->busy--;
}

/* ------------------------------------------------------------------------ */
/* Link lifetime                                                            */
/* ------------------------------------------------------------------------ */

static void link_down(pf_sse *s)
{
    if (s->handle > 0)
        pf_io_unwatch(s->handle);
    s->handle = 0;
    clear_timer(&s->connect_timer);
    clear_timer(&s->idle_timer);
    if (s->opened && pf_backoff_closed(&s->bo, pf_host_now()))
        s->auth_retry_used = 0;
    s->opened = 0;
}

static void abort_link(pf_sse *s)
{
    if (s->handle > 0)
        pf_host_sse_close(s->handle);
    link_down(s);
}

static void retry_due(void *ud)
{
    pf_sse *s = ud;
    s->retry_timer = 0;
    enter(s);
    attempt(s);
    leave(s);
}

/* Backs off, but never sooner than the server's retry: value. */
static void schedule_retry(pf_sse *s, pf_ws_cause cause, int status)
{
    double delay;
    if (!s->active || s->dying)
        return;
    if (s->o.max_retries && s->bo.attempt >= s->o.max_retries) {
        s->active = 0;
        set_state(s, PF_WS_CLOSED, PF_WS_CAUSE_MAX_RETRIES, 0, status);
        return;
    }
    delay = pf_backoff_next(&s->bo);
    if (s->server_retry_ms > delay)
        delay = s->server_retry_ms;
    s->not_before = s->server_retry_ms > 0 ? pf_host_now() + s->server_retry_ms : 0;
    if (!pf_host_online()) {
        set_state(s, PF_WS_OFFLINE, PF_WS_CAUSE_NETWORK, 0, status);
        return;
    }
    clear_timer(&s->retry_timer);
    s->retry_timer = pf_timer_set(delay, retry_due, s);
    set_state(s, PF_WS_RECONNECTING, cause, delay, status);
}

static void connect_timed_out(void *ud)
{
    pf_sse *s = ud;
    s->connect_timer = 0;
    enter(s);
    abort_link(s);
    schedule_retry(s, PF_WS_CAUSE_CONNECT_TIMEOUT, 0);
    leave(s);
}

/* opts.idle_timeout_ms: the timer is armed once per period and checks
 * last_rx when it fires, so events never touch the timer table. */
static void idle_due(void *ud)
{
    pf_sse *s = ud;
    double silent = pf_host_now() - s->last_rx;
    s->idle_timer = 0;
    if (s->handle <= 0 || !s->opened)
        return;
    if (silent < s->o.idle_timeout_ms) {
        s->idle_timer = pf_timer_set(s->o.idle_timeout_ms - silent, idle_due, s);
        return;
    }
    enter(s);
    s->st.dead_links++;
    static const char why[] = "pf_sse: stream silent; reopening";
    pf_host_log(PF_LOG_WARN, why, sizeof why - 1);
    abort_link(s);
    schedule_retry(s, PF_WS_CAUSE_DEAD_LINK, 0);
    leave(s);
}

/* ------------------------------------------------------------------------ */
/* Host events                                                              */
/* ------------------------------------------------------------------------ */

static void io_opened(void *ud, int32_t handle)
{
    pf_sse *s = ud;
    if (handle != s->handle || s->opened)
        return;
    enter(s);
    clear_timer(&s->connect_timer);
    s->opened = 1;
    s->last_rx = pf_host_now();
    if (s->o.idle_timeout_ms > 0)
        s->idle_timer = pf_timer_set(s->o.idle_timeout_ms, idle_due, s);
    pf_backoff_opened(&s->bo, pf_host_now());
    set_state(s, PF_WS_OPEN, PF_WS_CAUSE_NONE, 0, 0);
    leave(s);
}

static int is_named(const char *s, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len == n && memcmp(s, name, n) == 0;
}

static void io_sse(void *ud, int32_t handle, const char *event, size_t event_len,
                   const char *id, size_t id_len, const char *data, size_t data_len,
                   int retry_ms)
{
    pf_sse *s = ud;
    pf_sse_message m;
    cJSON *msg = NULL;
    const cJSON *type;
    if (handle != s->handle)
        return;
    s->last_rx = pf_host_now();
    if (!event_len && !id_len && !data_len && retry_ms < 0)
        return; /* a comment: the link is alive */
    enter(s);
    if (retry_ms >= 0)
        s->server_retry_ms = retry_ms;
    if (id_len) {
        char *copy = pf__ws_strndup(id, id_len);
        if (copy) {
            free(s->last_id);
            s->last_id = copy;
            s->last_id_len = id_len;
        }
    }
    if (data_len > s->o.max_data_bytes) {
        s->st.too_big++;
        report(s, PF_ETOOBIG, data, data_len);
        goto out;
    }
    if (data_len == 0 && !is_named(event, event_len, "resync"))
        goto out; /* a retry:-only or id-only event */
    /* Strict (pf_json.h), as pf_ws: nothing after the value, no NUL. */
    if (data_len)
        pf_json_parse(data, data_len, data_len, &msg, NULL);
    if (data_len && (!msg || !cJSON_IsObject(msg)) && !s->o.allow_text) {
        s->st.malformed++;
        report(s, msg ? PF_EPROTO : PF_EJSON, data, data_len);
        goto out;
    }
    if (msg && !cJSON_IsObject(msg)) {
        cJSON_Delete(msg);
        msg = NULL;
    }
    type = msg ? cJSON_GetObjectItemCaseSensitive(msg, "type") : NULL;
    if (is_named(event, event_len, "resync") ||
        (cJSON_IsString(type) && strcmp(type->valuestring, "resync") == 0)) {
        s->last_seq = -1;
        if (s->cb.on_resync) {
            s->busy++;
            s->cb.on_resync(s->ud);
            s->busy--;
        }
        goto out;
    }
    m.seq = msg ? pf__ws_seq_of(msg) : -1;
    if (cJSON_IsString(type) && strcmp(type->valuestring, "snapshot") == 0) {
        if (m.seq >= 0)
            s->last_seq = m.seq;
    } else if (m.seq >= 0) {
        if (m.seq <= s->last_seq) {
            s->st.duplicates++;
            goto out;
        }
        s->last_seq = m.seq;
    }
    s->st.received++;
    if (s->cb.on_message && !s->dying) {
        m.event = event;
        m.event_len = event_len;
        m.id = id;
        m.id_len = id_len;
        m.data = data;
        m.data_len = data_len;
        m.msg = msg;
        s->busy++;
        s->cb.on_message(s->ud, &m);
        s->busy--;
    }
out:
    cJSON_Delete(msg);
    leave(s);
}

/* The host has closed the EventSource already. */
static void io_error(void *ud, int32_t handle, int status)
{
    pf_sse *s = ud;
    if (handle != s->handle)
        return;
    enter(s);
    s->st.errors++;
    link_down(s);
    switch (status) {
    case 204:
        s->active = 0;
        set_state(s, PF_WS_CLOSED, PF_WS_CAUSE_STOP, 0, status);
        break;
    case 401:
        if (s->cb.refresh_token && !s->auth_retry_used) {
            s->auth_retry_used = 1;
            s->waiting_token = 1;
            set_state(s, PF_WS_AUTH_FAILED, PF_WS_CAUSE_SERVER_CLOSE, 0, status);
            if (!s->dying && s->waiting_token) {
                s->busy++;
                s->cb.refresh_token(s->ud, s);
                s->busy--;
            }
        } else {
            s->active = 0;
            set_state(s, PF_WS_AUTH_FAILED, PF_WS_CAUSE_SERVER_CLOSE, 0, status);
        }
        break;
    case 403:
        s->active = 0;
        set_state(s, PF_WS_FORBIDDEN, PF_WS_CAUSE_SERVER_CLOSE, 0, status);
        break;
    case 404:
        s->active = 0;
        set_state(s, PF_WS_NOT_FOUND, PF_WS_CAUSE_SERVER_CLOSE, 0, status);
        break;
    default:
        schedule_retry(s, PF_WS_CAUSE_SERVER_CLOSE, status);
        break;
    }
    leave(s);
}

static const pf_io_handler handler = { io_opened, NULL, NULL, io_error, io_sse, NULL };

/* ------------------------------------------------------------------------ */
/* Attempts                                                                 */
/* ------------------------------------------------------------------------ */

static void attempt(pf_sse *s)
{
    const char *base = s->url;
    size_t base_len = s->url_len, url_len = 0;
    int resume;
    char *url;
    int32_t h;
    if (!s->active || s->dying || s->handle > 0)
        return;
    clear_timer(&s->retry_timer);
    if (!pf_host_online()) {
        set_state(s, PF_WS_OFFLINE, PF_WS_CAUSE_NETWORK, 0, 0);
        return;
    }
    if (s->cb.get_url) {
        size_t n = 0;
        const char *u;
        s->busy++;
        u = s->cb.get_url(s->ud, &n);
        s->busy--;
        if (s->dying || !s->active)
            return;
        if (u) {
            base = u;
            base_len = n;
        }
    }
    resume = !s->o.no_resume && s->last_id_len > 0;
    url = pf__ws_build_url(base, base_len, s->token, s->token_len,
                           resume ? "last_event_id" : NULL, s->last_id,
                           resume ? s->last_id_len : 0, &url_len);
    s->st.attempts++;
    h = url ? pf_host_sse_open(url, url_len) : PF_ENOMEM;
    free(url);
    if (h > 0 && pf_io_watch(h, &handler, s) != PF_OK) {
        pf_host_sse_close(h);
        h = PF_ENOMEM;
    }
    if (h <= 0) {
        schedule_retry(s, PF_WS_CAUSE_HOST, 0);
        return;
    }
    s->handle = h;
    s->opened = 0;
    s->connect_timer = pf_timer_set(s->o.connect_timeout_ms, connect_timed_out, s);
    set_state(s, PF_WS_CONNECTING, PF_WS_CAUSE_NONE, 0, 0);
}

static void net_changed(void *ud, int online, int visible)
{
    pf_sse *s = ud;
    int became_visible = visible && !s->visible;
    s->visible = visible;
    if (!s->active || s->waiting_token || s->handle > 0)
        return;
    enter(s);
    if (!online) {
        clear_timer(&s->retry_timer);
        if (s->state != PF_WS_OFFLINE)
            set_state(s, PF_WS_OFFLINE, PF_WS_CAUSE_NETWORK, 0, 0);
    } else if (s->state == PF_WS_OFFLINE || (became_visible && s->retry_timer)) {
        /* At once, but never sooner than the server's retry: asked. */
        double wait = s->not_before - pf_host_now();
        if (wait > 0) {
            clear_timer(&s->retry_timer);
            s->retry_timer = pf_timer_set(wait, retry_due, s);
            set_state(s, PF_WS_RECONNECTING, PF_WS_CAUSE_NETWORK, wait, 0);
        } else {
            attempt(s);
        }
    }
    leave(s);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

/* The options with their defaults filled in. */
static pf_sse_opts resolve(const pf_sse_opts *opts)
{
    pf_sse_opts o;
    if (opts)
        o = *opts;
    else
        memset(&o, 0, sizeof o);
    o.backoff = pf_backoff_opts_resolve(&o.backoff);
    if (!(o.connect_timeout_ms > 0))
        o.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (!o.max_data_bytes)
        o.max_data_bytes = DEFAULT_MAX_DATA_BYTES;
    return o;
}

int pf__sse_opts_same(const pf_sse_opts *a, const pf_sse_opts *b)
{
    pf_sse_opts x = resolve(a), y = resolve(b);
    return pf_backoff_opts_equal(&x.backoff, &y.backoff) &&
           x.connect_timeout_ms == y.connect_timeout_ms && x.max_retries == y.max_retries &&
           x.max_data_bytes == y.max_data_bytes && x.no_resume == y.no_resume &&
           x.allow_text == y.allow_text && x.idle_timeout_ms == y.idle_timeout_ms;
}

pf_sse *pf_sse_new(const char *url, size_t url_len, const pf_sse_opts *opts,
                   const pf_sse_callbacks *cb, void *ud)
{
    pf_sse *s;
    if (!url || !url_len)
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->url = pf__ws_strndup(url, url_len);
    if (!s->url) {
        free(s);
        return NULL;
    }
    s->url_len = url_len;
    s->o = resolve(opts);
    if (cb)
        s->cb = *cb;
    s->ud = ud;
    pf_backoff_init(&s->bo, &s->o.backoff);
    s->state = PF_WS_IDLE;
    s->server_retry_ms = -1;
    s->last_seq = -1;
    s->visible = 1;
    return s;
}

static void shutdown_all(pf_sse *s)
{
    s->active = 0;
    s->waiting_token = 0;
    clear_timer(&s->retry_timer);
    abort_link(s);
    if (s->listening)
        pf_net_unlisten(s);
    s->listening = 0;
}

static void destroy(pf_sse *s)
{
    shutdown_all(s);
    pf_cancel_deferred(s);
    free(s->url);
    free(s->token);
    free(s->last_id);
    free(s);
}

void pf_sse_free(pf_sse *s)
{
    if (!s || s->dying)
        return;
    if (s->busy) {
        shutdown_all(s);
        s->dying = 1;
        return;
    }
    destroy(s);
}

int pf_sse_connect(pf_sse *s)
{
    if (!s || s->dying)
        return PF_EINVAL;
    if (s->active && (s->handle > 0 || s->retry_timer))
        return PF_OK;
    if (!s->listening) {
        int rc = pf_net_listen(net_changed, s);
        if (rc != PF_OK)
            return rc;
        s->listening = 1;
    }
    enter(s);
    s->active = 1;
    s->waiting_token = 0;
    s->auth_retry_used = 0;
    s->visible = pf_host_visible();
    pf_backoff_reset(&s->bo);
    attempt(s);
    leave(s);
    return PF_OK;
}

void pf_sse_close(pf_sse *s)
{
    if (!s || s->dying)
        return;
    enter(s);
    s->active = 0;
    s->waiting_token = 0;
    clear_timer(&s->retry_timer);
    abort_link(s);
    set_state(s, PF_WS_CLOSED, PF_WS_CAUSE_APP, 0, 0);
    leave(s);
}

int pf_sse_reconnect(pf_sse *s)
{
    if (!s || s->dying)
        return PF_EINVAL;
    clear_timer(&s->retry_timer);
    abort_link(s);
    s->active = 0; /* pf_sse_connect starts from scratch */
    return pf_sse_connect(s);
}

const char *pf_sse_url(const pf_sse *s, size_t *len)
{
    *len = s ? s->url_len : 0;
    return s ? s->url : NULL;
}

int pf_sse_set_token(pf_sse *s, const char *token, size_t len)
{
    char *copy = NULL;
    if (!s)
        return PF_EINVAL;
    if (token && len) {
        copy = pf__ws_strndup(token, len);
        if (!copy)
            return PF_ENOMEM;
    }
    free(s->token);
    s->token = copy;
    s->token_len = copy ? len : 0;
    if (s->waiting_token && !s->dying) {
        s->waiting_token = 0;
        enter(s);
        attempt(s);
        leave(s);
    }
    return PF_OK;
}

pf_ws_state pf_sse_get_state(const pf_sse *s) { return s ? s->state : PF_WS_CLOSED; }

const char *pf_sse_last_event_id(const pf_sse *s, size_t *len)
{
    if (len)
        *len = s && s->last_id ? s->last_id_len : 0;
    return s ? s->last_id : NULL;
}

int pf_sse_set_last_event_id(pf_sse *s, const char *id, size_t len)
{
    char *copy = NULL;
    if (!s)
        return PF_EINVAL;
    if (id && len) {
        copy = pf__ws_strndup(id, len);
        if (!copy)
            return PF_ENOMEM;
    }
    free(s->last_id);
    s->last_id = copy;
    s->last_id_len = copy ? len : 0;
    return PF_OK;
}

double pf_sse_server_retry_ms(const pf_sse *s) { return s ? s->server_retry_ms : -1; }

pf_sse_stats pf_sse_get_stats(const pf_sse *s)
{
    pf_sse_stats st;
    memset(&st, 0, sizeof st);
    return s ? s->st : st;
}
