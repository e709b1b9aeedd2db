/*
 * pf_api.c: small C helpers that exist only for the JS bindings.
 *
 * The C core takes C callbacks; JavaScript cannot hand it one. These helpers
 * subscribe C callbacks that forward to the host (pf_host_emit), where
 * bindings/pyframe_rt.js finds the JS listener by its target id. Built into
 * the release wasm only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_num.h"
#include "pf_json.h"
#include "pf_host.h"
#include "pf_state.h"

/* Forwards a State delivery to JS as event "change" with the changed keys as
 * a JSON array of strings. */
static void forward_change(void *ud, pf_state *state, const char *const *keys, size_t n)
{
    (void)state;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(keys[i]));
    char *json = pf_json_print(arr);
    cJSON_Delete(arr);
    if (!json)
        return;
    pf_host_emit((int32_t)(intptr_t)ud, "change", 6, json, strlen(json));
    cJSON_free(json);
}

/* Subscribes JS listener `target` to changes of `key` (key_len 0: every key).
 * Returns the subscription id (> 0) or a negative pf_err. */
int pf_api_state_watch(pf_state *state, const char *key, size_t key_len, int32_t target)
{
    if (!state || target <= 0 || (key_len && (!key || memchr(key, 0, key_len))))
        return PF_EINVAL;
    char *k = NULL;
    if (key_len) {
        k = malloc(key_len + 1);
        if (!k)
            return PF_ENOMEM;
        memcpy(k, key, key_len);
        k[key_len] = 0;
    }
    int id = pf_state_subscribe(state, k, forward_change, (void *)(intptr_t)target);
    free(k);
    return id;
}

int pf_api_state_unwatch(pf_state *state, int id) { return pf_state_unsubscribe(state, id); }

/* ------------------------------------------------------------------------ */
/* Sockets and event sources (PyFrameRT.socket / PyFrameRT.events)          */
/* ------------------------------------------------------------------------ */
/*
 * Each JS Socket or EventSource object has an emit target. The callbacks of
 * pf_ws, pf_sse and pf_pool forward to it through pf_host_emit:
 *
 *   "state"   {"state","cause","delay","code","attempt"}
 *   "m<seq>"  a message: for a WebSocket the frame's own text (borrowed from
 *             the host's input buffer, so JS may reuse the string it passed
 *             in instead of decoding it again); "<seq>" is the decimal seq,
 *             absent when the frame had none. For an event source, the
 *             payload is {"event","id","seq","data"} with the data spliced
 *             in as it came (it is already a checked JSON object).
 *   "resync"  {}
 *   "error"   {"code","text"} (text: the frame concerned, cut short)
 *   "attempt" {} just before the host is asked to open a connection, so
 *             that JS can pick the WebSocket class / fetch of this object
 *   "token"   {} the token provider is wanted (after 4001 / HTTP 401)
 *
 * Options arrive once, as a JSON object whose keys are the snake_case names
 * of the pf_ws_opts / pf_sse_opts / pf_pool_opts fields.
 */
#include <stdio.h>

#include "cJSON.h"
#include "pf_pool.h"
#include "pf_sse.h"
#include "pf_ws.h"

#define TARGET(ud) ((int32_t)(intptr_t)(ud))

static void emit_cstr(int32_t target, const char *event, const char *json)
{
    pf_host_emit(target, event, strlen(event), json, strlen(json));
}

static const char *cause_name(pf_ws_cause c)
{
    switch (c) {
    case PF_WS_CAUSE_NONE: return "none";
    case PF_WS_CAUSE_APP: return "app";
    case PF_WS_CAUSE_SERVER_CLOSE: return "server_close";
    case PF_WS_CAUSE_CONNECT_TIMEOUT: return "connect_timeout";
    case PF_WS_CAUSE_DEAD_LINK: return "dead_link";
    case PF_WS_CAUSE_HOST: return "host";
    case PF_WS_CAUSE_NETWORK: return "network";
    case PF_WS_CAUSE_RATE_LIMIT: return "rate_limit";
    case PF_WS_CAUSE_MAX_RETRIES: return "max_retries";
    case PF_WS_CAUSE_STOP: return "stop";
    case PF_WS_CAUSE_SHARED: return "shared";
    case PF_WS_CAUSE_GAP: return "gap";
    }
    return "unknown";
}

static void fwd_t_state(void *ud, const pf_ws_event *ev)
{
    char json[192];
    pf_fmt(json, sizeof json,
             "{\"state\":\"%s\",\"cause\":\"%s\",\"delay\":%.0f,\"code\":%d,\"attempt\":%u}",
             pf_ws_state_name(ev->state), cause_name(ev->cause), ev->delay_ms, ev->code,
             ev->attempt);
    emit_cstr(TARGET(ud), "state", json);
}

/* "m" followed by the decimal seq (nothing when seq < 0). `out` holds 24
 * bytes. Hand-rolled: this runs once per message. */
static size_t message_event(char *out, int64_t seq)
{
    char digits[20];
    size_t n = 0, len = 1;
    out[0] = 'm';
    if (seq >= 0) {
        uint64_t v = (uint64_t)seq;
        do {
            digits[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (n)
            out[len++] = digits[--n];
    }
    out[len] = 0;
    return len;
}

static void fwd_t_message(void *ud, const char *text, size_t len, const cJSON *msg, int64_t seq)
{
    char ev[24];
    size_t ev_len = message_event(ev, seq);
    (void)msg;
    pf_host_emit(TARGET(ud), ev, ev_len, text, len);
}

static void fwd_t_resync(void *ud) { emit_cstr(TARGET(ud), "resync", "{}"); }

/* A growable byte buffer for building small JSON texts. */
typedef struct jbuf {
    char *p;
    size_t len, cap;
    int failed;
} jbuf;

static void jb_put(jbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Appends `s` as a JSON string literal. Bytes are copied as they are (the
 * host decodes UTF-8 leniently); quotes, backslashes and controls are
 * escaped. */
static void jb_string(jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    jb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jb_put(b, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            jb_put(b, e, 2);
        } else {
            char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            jb_put(b, e, 6);
        }
    }
    jb_put(b, s + run, n - run);
    jb_put(b, "\"", 1);
}

static void fwd_t_error(void *ud, int err, const char *text, size_t len)
{
    jbuf b = { NULL, 0, 0, 0 };
    char head[48];
    pf_fmt(head, sizeof head, "{\"code\":%d,\"text\":", err);
    jb_put(&b, head, strlen(head));
    if (text)
        jb_string(&b, text, len);
    else
        jb_put(&b, "null", 4);
    jb_put(&b, "}", 1);
    if (!b.failed)
        pf_host_emit(TARGET(ud), "error", 5, b.p, b.len);
    free(b.p);
}

static const char *fwd_t_get_url(void *ud, size_t *len)
{
    emit_cstr(TARGET(ud), "attempt", "{}");
    *len = 0;
    return NULL;
}

static void fwd_t_ws_token(void *ud, pf_ws *ws)
{
    (void)ws;
    emit_cstr(TARGET(ud), "token", "{}");
}

/* ---- options --------------------------------------------------------- */
/*
 * The options text is what bindings/pyframe_rt.js writes from the options
 * of PyFrameRT.socket / .events: a JSON object with the JS option names
 * (connectTimeout, heartbeat: false, ...; docs/transports.md maps them to
 * the pf_ws_opts / pf_sse_opts fields) and "backoff": {min, base, cap,
 * factor, resetAfter}, so that neither side holds a table of C key names.
 * Keys that are absent or of the wrong type leave the C default.
 */

static double opt_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
}

static int opt_flag(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsTrue(v) || (cJSON_IsNumber(v) && v->valuedouble != 0);
}

/* 1 when `key` is false (heartbeat: false sets no_heartbeat). */
static int opt_off(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsFalse(v);
}

static size_t opt_size(const cJSON *o, const char *key)
{
    double d = opt_num(o, key);
    return d >= (double)SIZE_MAX ? SIZE_MAX : (size_t)d;
}

/* Parses an options text (len 0: all defaults). Returns a new cJSON object
 * (free with cJSON_Delete) or NULL when the text is not a JSON object. */
static cJSON *parse_opts(const char *json, size_t len)
{
    cJSON *o = len ? cJSON_ParseWithLength(json, len) : cJSON_CreateObject();
    if (o && !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static pf_backoff_opts backoff_opts(const cJSON *o)
{
    pf_backoff_opts b;
    o = cJSON_GetObjectItemCaseSensitive(o, "backoff");
    b.min_ms = opt_num(o, "min");
    b.base_ms = opt_num(o, "base");
    b.cap_ms = opt_num(o, "cap");
    b.factor = opt_num(o, "factor");
    b.reset_after_ms = opt_num(o, "resetAfter");
    return b;
}

static pf_ws_opts ws_opts(const cJSON *o)
{
    pf_ws_opts w;
    const cJSON *policy = cJSON_GetObjectItemCaseSensitive(o, "fullPolicy");
    memset(&w, 0, sizeof w);
    w.backoff = backoff_opts(o);
    w.connect_timeout_ms = opt_num(o, "connectTimeout");
    w.max_retries = (unsigned)opt_size(o, "maxRetries");
    w.long_backoff_ms = opt_num(o, "longBackoff");
    w.heartbeat_interval_ms = opt_num(o, "heartbeatInterval");
    w.heartbeat_timeout_ms = opt_num(o, "heartbeatTimeout");
    w.no_heartbeat = opt_off(o, "heartbeat");
    w.outbox_max = opt_size(o, "outboxMax");
    w.outbox_max_bytes = opt_size(o, "outboxMaxBytes");
    w.full_policy = cJSON_IsString(policy) && strcmp(policy->valuestring, "dropOldest") == 0
                        ? PF_WS_FULL_DROP_OLDEST
                        : PF_WS_FULL_REJECT;
    w.no_outbox = opt_off(o, "outbox");
    w.max_frame_bytes = opt_size(o, "maxFrameBytes");
    w.no_resume = opt_off(o, "resume");
    w.no_seq = opt_flag(o, "no_seq");
    w.resend_window = opt_size(o, "resendWindow");
    w.no_tree = 1; /* JS parses the text itself: no cJSON tree per frame */
    return w;
}

/* ---- a private socket ------------------------------------------------- */

/* Returns a new idle socket whose events go to JS listener `target`, or
 * NULL (bad URL or options, out of memory). Free with pf_ws_free(). */
pf_ws *pf_api_ws_new(const char *url, size_t url_len, const char *opts, size_t opts_len,
                     int32_t target)
{
    static const pf_ws_callbacks cb = { fwd_t_state, fwd_t_message, fwd_t_resync,
                                        fwd_t_error, fwd_t_get_url, fwd_t_ws_token };
    cJSON *o = parse_opts(opts, opts_len);
    pf_ws_opts w;
    if (!o || target <= 0) {
        cJSON_Delete(o);
        return NULL;
    }
    w = ws_opts(o);
    cJSON_Delete(o);
    return pf_ws_new(url, url_len, &w, &cb, (void *)(intptr_t)target);
}

/* The last seq as a double (exact up to 2^53), -1 when none. */
double pf_api_ws_last_seq(const pf_ws *ws) { return (double)pf_ws_last_seq(ws); }

void pf_api_ws_set_last_seq(pf_ws *ws, double seq)
{
    /* Beyond 2^53 (or NaN) is no seq a server sends; converting it would be undefined. */
    pf_ws_set_last_seq(ws, seq >= 0 && seq <= 9007199254740992.0 ? (int64_t)seq : -1);
}

/* Fills out[0..10]: received, duplicates, malformed, too_big, sent,
 * requeued, attempts, pings, core_only, outbox length, seq gaps. */
void pf_api_ws_stats(const pf_ws *ws, double *out)
{
    pf_ws_stats s = pf_ws_get_stats(ws);
    out[0] = (double)s.received;
    out[1] = (double)s.duplicates;
    out[2] = (double)s.malformed;
    out[3] = (double)s.too_big;
    out[4] = (double)s.sent;
    out[5] = (double)s.requeued;
    out[6] = (double)s.attempts;
    out[7] = (double)s.pings;
    out[8] = s.core_only;
    out[9] = (double)pf_ws_outbox_len(ws);
    out[10] = (double)s.gaps;
}

/* ---- shared sockets (one per URL, through pf_pool) ------------------------ */

static const char *fwd_pool_get_url(void *ud, const char *url, size_t url_len, size_t *len)
{
    (void)url;
    (void)url_len;
    return fwd_t_get_url(ud, len);
}

static void fwd_pool_token(void *ud, const char *url, size_t url_len, pf_ws *ws)
{
    (void)url;
    (void)url_len;
    fwd_t_ws_token(ud, ws);
}

static void fwd_pool_stream_token(void *ud, const char *url, size_t url_len, pf_sse *sse);

/* Returns a new pool whose sockets use the options text `opts` (pf_ws_opts
 * keys plus maxConnections, idleTimeout, joinReplayMax, joinReplayMaxBytes
 * as in pf_pool_opts); its event streams take theirs
 * with each subscription. `target` hears "attempt" and "token" (answer
 * with pf_pool_set_token). NULL on bad options or no memory. Free with
 * pf_pool_free(). */
pf_pool *pf_api_pool_new(const char *opts, size_t opts_len, int32_t target)
{
    static const pf_pool_callbacks cb = { fwd_pool_get_url, fwd_pool_token, fwd_pool_stream_token };
    cJSON *o = parse_opts(opts, opts_len);
    pf_pool_opts p;
    if (!o || target <= 0) {
        cJSON_Delete(o);
        return NULL;
    }
    memset(&p, 0, sizeof p);
    p.max_connections = opt_size(o, "maxConnections");
    p.idle_timeout_ms = opt_num(o, "idleTimeout");
    /* idleTimeout: 0 asks for the socket to close as soon as its last user
     * leaves (in C, 0 is the default of 30 s): the next turn of the loop. */
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "idleTimeout")) && p.idle_timeout_ms == 0)
        p.idle_timeout_ms = 0.001;
    /* Set by the bindings for shared event streams, whose late joiners
     * resume from their last event id (pf_pool_subscribe_sse). */
    p.join_replay_max = opt_size(o, "joinReplayMax");
    p.join_replay_max_bytes = opt_size(o, "joinReplayMaxBytes");
    p.ws = ws_opts(o);
    cJSON_Delete(o);
    return pf_pool_new(&p, &cb, (void *)(intptr_t)target);
}

/* Subscribes JS listener `target` to the pool's socket for `url` (only
 * messages of `type` when type_len > 0). On success *out is the
 * subscription (end it with pf_pool_unsubscribe). Returns PF_OK or a
 * negative pf_err (PF_EFULL: max_connections reached). */
int pf_api_pool_subscribe(pf_pool *pool, const char *url, size_t url_len, const char *type,
                          size_t type_len, int no_queue, int32_t target, pf_pool_sub **out)
{
    static const pf_pool_sub_callbacks cb = { fwd_t_state, fwd_t_message, fwd_t_resync,
                                              fwd_t_error };
    pf_pool_sub_opts so;
    char *t = NULL;
    int rc;
    if (!pool || !out || target <= 0 || (type_len && (!type || memchr(type, 0, type_len))))
        return PF_EINVAL;
    if (type_len) {
        t = malloc(type_len + 1);
        if (!t)
            return PF_ENOMEM;
        memcpy(t, type, type_len);
        t[type_len] = 0;
    }
    memset(&so, 0, sizeof so);
    so.type = t;
    so.no_queue = no_queue;
    rc = pf_pool_subscribe(pool, url, url_len, &so, &cb, (void *)(intptr_t)target, out);
    free(t);
    return rc;
}

/* ---- event sources ------------------------------------------------------- */

static void fwd_sse_message(void *ud, const pf_sse_message *m)
{
    jbuf b = { NULL, 0, 0, 0 };
    char num[40];
    char ev[24];
    size_t ev_len = message_event(ev, m->seq);
    jb_put(&b, "{\"event\":", 9);
    jb_string(&b, m->event, m->event_len);
    jb_put(&b, ",\"id\":", 6);
    jb_string(&b, m->id, m->id_len);
    pf_fmt(num, sizeof num, ",\"seq\":%lld,\"data\":", (long long)m->seq);
    jb_put(&b, num, strlen(num));
    if (m->msg)
        jb_put(&b, m->data, m->data_len); /* a JSON object the core parsed */
    else if (m->data_len)
        jb_string(&b, m->data, m->data_len);
    else
        jb_put(&b, "null", 4);
    jb_put(&b, "}", 1);
    if (!b.failed)
        pf_host_emit(TARGET(ud), ev, ev_len, b.p, b.len);
    free(b.p);
}

static void fwd_sse_token(void *ud, pf_sse *sse)
{
    (void)sse;
    emit_cstr(TARGET(ud), "token", "{}");
}

static void fwd_pool_stream_token(void *ud, const char *url, size_t url_len, pf_sse *sse)
{
    (void)url;
    (void)url_len;
    fwd_sse_token(ud, sse);
}

/* The event-stream options of the JSON options object `o`. */
static pf_sse_opts sse_opts(const cJSON *o)
{
    pf_sse_opts s;
    memset(&s, 0, sizeof s);
    s.backoff = backoff_opts(o);
    s.connect_timeout_ms = opt_num(o, "connectTimeout");
    s.max_retries = (unsigned)opt_size(o, "maxRetries");
    s.max_data_bytes = opt_size(o, "maxDataBytes");
    s.no_resume = opt_off(o, "resume");
    s.allow_text = opt_flag(o, "allowText");
    s.idle_timeout_ms = opt_num(o, "idleTimeout");
    return s;
}

/* Returns a new idle event source whose events go to `target`, or NULL.
 * Options: backoff, connectTimeout, maxRetries, maxDataBytes, resume,
 * allowText, idleTimeout. Free with pf_sse_free(). */
pf_sse *pf_api_sse_new(const char *url, size_t url_len, const char *opts, size_t opts_len,
                       int32_t target)
{
    static const pf_sse_callbacks cb = { fwd_t_state, fwd_sse_message, fwd_t_resync,
                                         fwd_t_error, fwd_t_get_url, fwd_sse_token };
    cJSON *o = parse_opts(opts, opts_len);
    pf_sse_opts s;
    if (!o || target <= 0) {
        cJSON_Delete(o);
        return NULL;
    }
    s = sse_opts(o);
    cJSON_Delete(o);
    return pf_sse_new(url, url_len, &s, &cb, (void *)(intptr_t)target);
}

/* Subscribes JS listener `target` to the pool's event stream for `url`
 * with the stream options text `opts` (as pf_api_sse_new's; streams are
 * shared only between equal options), opening it if there is none (it
 * resumes from `last_id`). A late joiner gets the kept events after
 * `last_id` (pf_pool_subscribe_sse). On success *out is the subscription.
 * Returns PF_OK or a negative pf_err. */
int pf_api_pool_subscribe_sse(pf_pool *pool, const char *url, size_t url_len, const char *opts,
                              size_t opts_len, const char *last_id, size_t last_id_len,
                              int32_t target, pf_pool_sub **out)
{
    static const pf_pool_sse_callbacks cb = { fwd_t_state, fwd_sse_message, fwd_t_resync,
                                              fwd_t_error };
    cJSON *o = parse_opts(opts, opts_len);
    if (!o || !pool || !out || target <= 0) {
        cJSON_Delete(o);
        return PF_EINVAL;
    }
    pf_sse_opts s = sse_opts(o);
    cJSON_Delete(o);
    pf_pool_sse_opts po = { &s, last_id, last_id_len };
    return pf_pool_subscribe_sse(pool, url, url_len, &po, &cb, (void *)(intptr_t)target, out);
}

/* Fills out[0..6]: received, duplicates, malformed, too_big, attempts,
 * errors, dead links (silent streams reopened). */
void pf_api_sse_stats(const pf_sse *sse, double *out)
{
    pf_sse_stats s = pf_sse_get_stats(sse);
    out[0] = (double)s.received;
    out[1] = (double)s.duplicates;
    out[2] = (double)s.malformed;
    out[3] = (double)s.too_big;
    out[4] = (double)s.attempts;
    out[5] = (double)s.errors;
    out[6] = (double)s.dead_links;
}

/* ---- components (the lead's section) ------------------------------------- */

#include "pf_component.h"
#include "pf_components.h"

/* Registers the built-in components; called once when the runtime loads. */
int pf_api_init(void) { return pf_components_register_builtin(); }

static void fwd_component_token(void *ud, const char *url, size_t url_len)
{
    (void)url; /* it holds the refused token: JS does not need it */
    (void)url_len;
    emit_cstr(TARGET(ud), "token", "{}");
}

/* Makes JS listener `target` the token provider of the components' shared
 * connections: it hears "token" {} after a 4001 / 401 and answers with
 * pf_component_pool_set_token. Target 0 removes it. */
void pf_api_component_token_target(int32_t target)
{
    pf_component_set_token_provider(target > 0 ? fwd_component_token : NULL,
                                    (void *)(intptr_t)target);
}

/* pf_component_mount with a name of explicit length (from JS). */
int pf_api_mount(const char *name, size_t name_len, int32_t root,
                 const char *props, size_t props_len)
{
    if (!name || name_len == 0 || name_len > 255 || memchr(name, 0, name_len))
        return PF_EINVAL;
    char buf[256];
    memcpy(buf, name, name_len);
    buf[name_len] = 0;
    return pf_component_mount(buf, root, props, props_len, NULL);
}

/* The state store of the component mounted on `root`, or NULL. */
pf_state *pf_api_component_state(int32_t root)
{
    pf_component *c = pf_component_find(root);
    return c ? pf_component_state(c) : NULL;
}

/* ---- components: messages, synchronous render, heap (DOM tests, bench) ---- */

#include <malloc.h>

/* Hands one message (JSON text) to the on_message of the component mounted
 * on `root`, as a frame from its connection would (handle.deliver in JS).
 * Returns PF_OK, PF_ENOTFOUND (nothing mounted there), PF_EJSON or
 * PF_EINVAL. */
int pf_api_component_deliver(int32_t root, const char *json, size_t len)
{
    pf_component *c = pf_component_find(root);
    if (!c)
        return PF_ENOTFOUND;
    return pf_component_deliver(c, json ? json : "", json ? len : 0);
}

/* Renders the component on `root` now if its state changed
 * (pf_component_flush): the patch reaches the DOM before this returns. */
int pf_api_component_flush(int32_t root)
{
    pf_component *c = pf_component_find(root);
    return c ? pf_component_flush(c) : PF_ENOTFOUND;
}

/* Bytes currently allocated by malloc in the wasm heap (leak checks). */
double pf_api_heap_used(void)
{
    struct mallinfo mi = mallinfo();
    return (double)mi.uordblks;
}

/* ------------------------------------------------------------------------ */
/* OT (rt.ot): the text-unicode type and wasm-resident documents            */
/* ------------------------------------------------------------------------ */
/*
 * JSON in, JSON out: every operation arrives as a JSON text (borrowed for
 * the call), is parsed with pf_ot_parse and, when the call returns one, is
 * serialised with pf_ot_serialize into *out / *out_len (a new string; JS
 * frees it with free()). `err` always gets a code and, for parse errors, a
 * constant message and a byte position; for other failures its msg is NULL
 * and JS uses pf_strerror. `strict` selects PF_OT_STRICT, which rejects
 * what ot-text-unicode's checkOp rejects (apply, compose and transform
 * check their operations; normalize and the invert helpers do not).
 *
 * Documents are pf_text buffers that stay in the heap: only the operation
 * crosses per edit, either as JSON or packed (pf_api_ot_doc_apply_packed).
 */
#include "pf_ot.h"
#include "pf_text.h"

static int ot_fail(pf_parse_error *err, int code, const char *msg)
{
    if (err) {
        err->code = code;
        err->msg = msg;
        err->pos = (size_t)-1; /* no position: not a parse error */
    }
    return code;
}

static int ot_parse(const char *json, size_t len, int strict, pf_ot_op **op,
                    pf_parse_error *err)
{
    if (err) {
        err->code = PF_OK;
        err->msg = NULL;
        err->pos = 0;
    }
    return pf_ot_parse(json, len, strict ? PF_OT_STRICT : 0, op, err);
}

/* Serialises op into *out / *out_len and frees it. */
static int ot_out(pf_ot_op *op, char **out, size_t *out_len, pf_parse_error *err)
{
    size_t len = 0;
    char *s = pf_ot_serialize(op, &len);
    pf_ot_free(op);
    if (!s)
        return ot_fail(err, PF_ENOMEM, NULL);
    *out = s;
    *out_len = len;
    return PF_OK;
}

/* checkOp: PF_OK or the first thing ot-text-unicode's checkOp rejects. */
int pf_api_ot_check(const char *op, size_t len, pf_parse_error *err)
{
    pf_ot_op *o = NULL;
    int rc = ot_parse(op, len, 1, &o, err);
    pf_ot_free(o);
    return rc;
}

/* normalize(op): merged, no empty components, no trailing skip. */
int pf_api_ot_normalize(const char *op, size_t len, char **out, size_t *out_len,
                        pf_parse_error *err)
{
    pf_ot_op *o = NULL;
    int rc = ot_parse(op, len, 0, &o, err);
    return rc != PF_OK ? rc : ot_out(o, out, out_len, err);
}

/* Makes `op` fit a document of `doc_len` code points the way
 * ot-text-unicode's apply treats an op that reads past the end: a delete
 * past the end deletes what is left, a skip past the end is an error. A
 * delete keeps its text, cut to what is left (makeInvertible fills in only
 * {"d": N}: like npm's, it keeps a text that differs from the document). */
static int ot_clamp(const pf_ot_op *op, size_t doc_len, pf_ot_op **out,
                    pf_parse_error *err)
{
    pf_ot_op *c = pf_ot_new();
    size_t pos = 0, n = pf_ot_count(op);
    int rc = c ? PF_OK : PF_ENOMEM;
    for (size_t i = 0; i < n && rc == PF_OK; i++) {
        pf_ot_component k;
        pf_ot_get(op, i, &k);
        if (k.kind == PF_OT_SKIP) {
            if (k.n > doc_len - pos) {
                pf_ot_free(c);
                return ot_fail(err, PF_ERANGE, "the op is too long for this document");
            }
            pos += k.n;
            rc = pf_ot_skip(c, k.n);
        } else if (k.kind == PF_OT_INSERT) {
            rc = pf_ot_insert(c, k.text, k.text_len);
        } else {
            size_t d = k.n < doc_len - pos ? k.n : doc_len - pos;
            pos += d;
            rc = k.text ? pf_ot_delete_text(c, k.text, pf_utf8_offset(k.text, k.text_len, d))
                        : pf_ot_delete(c, d);
        }
    }
    if (rc != PF_OK) {
        pf_ot_free(c);
        return ot_fail(err, rc, NULL);
    }
    pf_ot_trim(c);
    *out = c;
    return PF_OK;
}

/* apply(snapshot, op) on a snapshot given as UTF-8 (borrowed): the new
 * snapshot into *out / *out_len. */
int pf_api_ot_apply(const char *doc, size_t doc_len, const char *op, size_t op_len,
                    char **out, size_t *out_len, pf_parse_error *err)
{
    pf_ot_op *o = NULL;
    int rc = ot_parse(op, op_len, 1, &o, err);
    if (rc != PF_OK)
        return rc;
    pf_text *t = pf_text_new();
    if (!t) {
        pf_ot_free(o);
        return ot_fail(err, PF_ENOMEM, NULL);
    }
    rc = pf_text_set(t, doc, doc_len);
    if (rc != PF_OK) {
        rc = ot_fail(err, rc, rc == PF_EUTF8 ? "the snapshot is not valid UTF-8" : NULL);
        goto done;
    }
    rc = pf_ot_apply(o, t);
    if (rc == PF_ERANGE) {
        pf_ot_op *c = NULL;
        rc = ot_clamp(o, pf_text_length(t), &c, err);
        if (rc == PF_OK) {
            rc = pf_ot_apply(c, t);
            pf_ot_free(c);
        }
    }
    if (rc != PF_OK) {
        if (!err || !err->msg)
            ot_fail(err, rc, NULL);
        goto done;
    }
    size_t len = 0;
    const char *data = pf_text_data(t, &len);
    char *s = malloc(len + 1);
    if (!s) {
        rc = ot_fail(err, PF_ENOMEM, NULL);
        goto done;
    }
    memcpy(s, data, len);
    s[len] = 0;
    *out = s;
    *out_len = len;
done:
    pf_ot_free(o);
    pf_text_free(t);
    return rc;
}

/* compose(a, b) (side < 0) or transform(a, b, side): the result into *out. */
int pf_api_ot_pair(const char *a, size_t a_len, const char *b, size_t b_len, int side,
                   char **out, size_t *out_len, pf_parse_error *err)
{
    pf_ot_op *x = NULL, *y = NULL, *r = NULL;
    int rc = ot_parse(a, a_len, 1, &x, err);
    if (rc != PF_OK)
        return rc;
    rc = ot_parse(b, b_len, 1, &y, err);
    if (rc != PF_OK) {
        pf_ot_free(x);
        return rc;
    }
    rc = side < 0 ? pf_ot_compose(x, y, &r) : pf_ot_transform(x, y, side, &r);
    pf_ot_free(x);
    pf_ot_free(y);
    if (rc != PF_OK)
        return ot_fail(err, rc, rc == PF_ERANGE ? "counts add up past the largest length" : NULL);
    return ot_out(r, out, out_len, err);
}

/* transformPosition for `n` cursors in place (code points, below 2^32 - 1).
 * A result that would not be below 2^32 - 1 is PF_ERANGE (the cursors are
 * then unspecified): ot-text-unicode would return it, a wasm size_t cannot. */
int pf_api_ot_transform_positions(const char *op, size_t len, uint32_t *cursors, size_t n,
                                  pf_parse_error *err)
{
    pf_ot_op *o = NULL;
    int rc = ot_parse(op, len, 0, &o, err);
    for (size_t i = 0; i < n && rc == PF_OK; i++) {
        size_t p = pf_ot_transform_position(cursors[i], o);
        if (p > 0xfffffffeu)
            rc = ot_fail(err, PF_ERANGE, "the transformed position passes 2^32 - 2");
        cursors[i] = (uint32_t)p;
    }
    pf_ot_free(o);
    return rc;
}

/* isInvertible: 1 or 0, or a negative pf_err. */
int pf_api_ot_is_invertible(const char *op, size_t len, pf_parse_error *err)
{
    pf_ot_op *o = NULL;
    int rc = ot_parse(op, len, 0, &o, err);
    if (rc != PF_OK)
        return rc;
    rc = pf_ot_is_invertible(o) ? 1 : 0;
    pf_ot_free(o);
    return rc;
}

/* 0 stripInvertible, 1 invert, 2 makeInvertible against `doc` (UTF-8,
 * borrowed), 3 invertWithDoc. The result into *out. */
int pf_api_ot_invertible(int what, const char *op, size_t len, const char *doc, size_t doc_len,
                         char **out, size_t *out_len, pf_parse_error *err)
{
    pf_ot_op *o = NULL, *r = NULL;
    int rc = ot_parse(op, len, 0, &o, err);
    if (rc != PF_OK)
        return rc;
    if (what == 0) {
        rc = pf_ot_strip_invertible(o, &r);
    } else if (what == 1) {
        rc = pf_ot_invert(o, &r);
        if (rc == PF_ESTATE) {
            pf_ot_free(o);
            return ot_fail(err, rc, "cannot invert: a delete has no text (call makeInvertible first)");
        }
    } else {
        pf_text *t = pf_text_new();
        pf_ot_op *c = NULL;
        rc = t ? pf_text_set(t, doc, doc_len) : PF_ENOMEM;
        /* A delete past the end is cut to the end first, as apply does
         * (and ot-text-unicode). */
        if (rc == PF_OK)
            rc = ot_clamp(o, pf_text_length(t), &c, err);
        if (rc == PF_OK)
            rc = pf_ot_make_invertible(c, t, &r);
        pf_ot_free(c);
        pf_text_free(t);
        if (rc == PF_OK && what == 3) {
            pf_ot_op *inv = NULL;
            rc = pf_ot_invert(r, &inv);
            pf_ot_free(r);
            r = inv;
        }
        if (rc == PF_ERANGE) {
            pf_ot_free(o);
            return ot_fail(err, rc, "the op is too long for this document");
        }
    }
    pf_ot_free(o);
    if (rc != PF_OK)
        return ot_fail(err, rc, NULL);
    return ot_out(r, out, out_len, err);
}

/* ---- documents (rt.ot.Document) ---- */

/* A new document holding `text` (UTF-8, borrowed) into *out; free with
 * pf_text_free(). PF_OK, PF_EUTF8 or PF_ENOMEM. */
int pf_api_ot_doc_new(const char *text, size_t len, pf_text **out)
{
    pf_text *t = pf_text_new();
    if (!t)
        return PF_ENOMEM;
    int rc = pf_text_set(t, text, len);
    if (rc != PF_OK) {
        pf_text_free(t);
        return rc;
    }
    *out = t;
    return PF_OK;
}

/* Applies a JSON operation (normalized on the way in, not strict). On error
 * the document is unchanged. */
int pf_api_ot_doc_apply(pf_text *doc, const char *op, size_t len, pf_parse_error *err)
{
    pf_ot_op *o = NULL;
    int rc = ot_parse(op, len, 0, &o, err);
    if (rc != PF_OK)
        return rc;
    rc = pf_ot_apply(o, doc);
    pf_ot_free(o);
    if (rc == PF_ERANGE)
        return ot_fail(err, rc, "the op is too long for this document");
    return rc == PF_OK ? rc : ot_fail(err, rc, NULL);
}

/* Operations packed by JS without JSON: `comps` holds n pairs {kind,
 * value}: 0 skip value, 1 insert value bytes, 2 delete value code points,
 * 3 delete value bytes of text; the texts follow one another in `text`
 * (UTF-8, borrowed). Appends them to `op` (normalizing, as the builders do)
 * and trims it. */
static int ot_unpack(pf_ot_op *op, const uint32_t *comps, size_t n, const char *text,
                     size_t text_len, pf_parse_error *err)
{
    size_t off = 0;
    int rc = PF_OK;
    if (err)
        err->msg = NULL;
    for (size_t i = 0; i < n && rc == PF_OK; i++) {
        uint32_t kind = comps[2 * i], v = comps[2 * i + 1];
        if (kind == 1 || kind == 3) {
            if (v > text_len - off)
                return ot_fail(err, PF_ERANGE, "packed text out of range");
            rc = kind == 1 ? pf_ot_insert(op, text + off, v) : pf_ot_delete_text(op, text + off, v);
            off += v;
        } else if (kind == 0) {
            rc = pf_ot_skip(op, v);
        } else if (kind == 2) {
            rc = pf_ot_delete(op, v);
        } else {
            rc = PF_EINVAL;
        }
    }
    if (rc != PF_OK)
        return ot_fail(err, rc, rc == PF_EUTF8 ? "invalid UTF-8 in string" : NULL);
    pf_ot_trim(op);
    return PF_OK;
}

/* Applies a packed operation (see ot_unpack) to a document. One operation
 * is reused between calls. On error the document is unchanged. */
static pf_ot_op *packed_op;

int pf_api_ot_doc_apply_packed(pf_text *doc, const uint32_t *comps, size_t n,
                               const char *text, size_t text_len, pf_parse_error *err)
{
    if (!packed_op && !(packed_op = pf_ot_new()))
        return ot_fail(err, PF_ENOMEM, NULL);
    pf_ot_clear(packed_op);
    int rc = ot_unpack(packed_op, comps, n, text, text_len, err);
    if (rc != PF_OK)
        return rc;
    rc = pf_ot_apply(packed_op, doc);
    if (rc == PF_ERANGE)
        return ot_fail(err, rc, "the op is too long for this document");
    return rc == PF_OK ? rc : ot_fail(err, rc, NULL);
}

/* ---- operations kept in the heap (rt.ot.Op) ---- */

/* A new operation from packed components (see ot_unpack) into *out; free
 * with pf_ot_free(). */
int pf_api_ot_op_new_packed(const uint32_t *comps, size_t n, const char *text,
                            size_t text_len, pf_ot_op **out, pf_parse_error *err)
{
    pf_ot_op *op = pf_ot_new();
    if (!op)
        return ot_fail(err, PF_ENOMEM, NULL);
    int rc = ot_unpack(op, comps, n, text, text_len, err);
    if (rc != PF_OK) {
        pf_ot_free(op);
        return rc;
    }
    *out = op;
    return PF_OK;
}

/* A new operation from JSON (normalized, not strict) into *out. */
int pf_api_ot_op_parse(const char *json, size_t len, pf_ot_op **out, pf_parse_error *err)
{
    return ot_parse(json, len, 0, out, err);
}

/* compose(a, b) (side < 0) or transform(a, b, side) of two heap operations
 * into *out (a new operation; free with pf_ot_free()). */
int pf_api_ot_op_pair(const pf_ot_op *a, const pf_ot_op *b, int side, pf_ot_op **out)
{
    return side < 0 ? pf_ot_compose(a, b, out) : pf_ot_transform(a, b, side, out);
}

/* Applies a heap operation to a document; PF_ERANGE leaves it unchanged. */
int pf_api_ot_doc_apply_op(pf_text *doc, const pf_ot_op *op) { return pf_ot_apply(op, doc); }

/* The JSON of a heap operation into *out / *out_len (free with free()). */
int pf_api_ot_op_json(const pf_ot_op *op, char **out, size_t *out_len)
{
    size_t len = 0;
    char *s = pf_ot_serialize(op, &len);
    if (!s)
        return PF_ENOMEM;
    *out = s;
    *out_len = len;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* DocumentEditor: the textarea's input path (issue 7)                      */
/* ------------------------------------------------------------------------ */

#include "pf_document_editor.h"

/* Each takes the root of a mounted DocumentEditor (PF_EINVAL otherwise);
 * offsets count UTF-16 units, as the textarea does; strings are UTF-8 with
 * an explicit length, borrowed for the call. See pf_document_editor.h. */

int pf_api_editor_splice(int32_t root, uint32_t start16, uint32_t del16, const char *text,
                         size_t len)
{
    return pf_document_editor_splice(pf_component_find(root), start16, del16, text, len);
}

int pf_api_editor_text(int32_t root, const char *text, size_t len, int32_t caret16)
{
    return pf_document_editor_replace_text(pf_component_find(root), text, len, caret16);
}

int pf_api_editor_cursor(int32_t root, uint32_t pos16)
{
    return pf_document_editor_set_cursor(pf_component_find(root), pos16);
}

int pf_api_editor_undo(int32_t root, int redo)
{
    return pf_document_editor_undo(pf_component_find(root), redo);
}

/* The document's length in UTF-16 units, or -1 if `root` is no editor. */
double pf_api_editor_length16(int32_t root)
{
    pf_component *c = pf_component_find(root);
    return pf_document_editor_client(c) ? (double)pf_document_editor_length16(c) : -1;
}

/* The editor's text as UTF-8 (what a textarea the DOM rebuilt must show
 * before it is attached); its byte length goes to *len. Borrowed: valid
 * until the next call into the runtime. NULL if `root` is no editor. */
const char *pf_api_editor_data(int32_t root, size_t *len)
{
    pf_ot_client *ot = pf_document_editor_client(pf_component_find(root));
    return ot ? pf_text_data(pf_ot_client_text(ot), len) : NULL;
}

/* The server revision of the editor's text, or -1. */
double pf_api_editor_rev(int32_t root)
{
    pf_ot_client *ot = pf_document_editor_client(pf_component_find(root));
    return ot ? (double)pf_ot_client_rev(ot) : -1;
}
