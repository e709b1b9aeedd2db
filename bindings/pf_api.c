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

#include "pf_host.h"
#include "pf_state.h"

const char *pf_api_version(void) { return "0.1.0"; }

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
    char *json = cJSON_PrintUnformatted(arr);
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
    }
    return "unknown";
}

static void fwd_t_state(void *ud, const pf_ws_event *ev)
{
    char json[192];
    snprintf(json, sizeof json,
             "{\"state\":\"%s\",\"cause\":\"%s\",\"delay\":%.0f,\"code\":%d,\"attempt\":%u}",
             pf_ws_state_name(ev->state), cause_name(ev->cause), ev->delay_ms, ev->code,
             ev->attempt);
    emit_cstr(TARGET(ud), "state", json);
}

/* "m" followed by the decimal seq (nothing when seq < 0). */
static size_t message_event(char *out, int64_t seq)
{
    if (seq < 0) {
        out[0] = 'm';
        out[1] = 0;
        return 1;
    }
    return (size_t)snprintf(out, 24, "m%lld", (long long)seq);
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
    snprintf(head, sizeof head, "{\"code\":%d,\"text\":", err);
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
    b.min_ms = opt_num(o, "backoff_min_ms");
    b.base_ms = opt_num(o, "backoff_base_ms");
    b.cap_ms = opt_num(o, "backoff_cap_ms");
    b.factor = opt_num(o, "backoff_factor");
    b.reset_after_ms = opt_num(o, "backoff_reset_after_ms");
    return b;
}

static pf_ws_opts ws_opts(const cJSON *o)
{
    pf_ws_opts w;
    const cJSON *policy = cJSON_GetObjectItemCaseSensitive(o, "full_policy");
    memset(&w, 0, sizeof w);
    w.backoff = backoff_opts(o);
    w.connect_timeout_ms = opt_num(o, "connect_timeout_ms");
    w.max_retries = (unsigned)opt_size(o, "max_retries");
    w.long_backoff_ms = opt_num(o, "long_backoff_ms");
    w.heartbeat_interval_ms = opt_num(o, "heartbeat_interval_ms");
    w.heartbeat_timeout_ms = opt_num(o, "heartbeat_timeout_ms");
    w.no_heartbeat = opt_flag(o, "no_heartbeat");
    w.outbox_max = opt_size(o, "outbox_max");
    w.outbox_max_bytes = opt_size(o, "outbox_max_bytes");
    w.full_policy = cJSON_IsString(policy) && strcmp(policy->valuestring, "drop_oldest") == 0
                        ? PF_WS_FULL_DROP_OLDEST
                        : PF_WS_FULL_REJECT;
    w.no_outbox = opt_flag(o, "no_outbox");
    w.max_frame_bytes = opt_size(o, "max_frame_bytes");
    w.no_resume = opt_flag(o, "no_resume");
    w.resend_window = opt_size(o, "resend_window");
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
    pf_ws_set_last_seq(ws, seq >= 0 ? (int64_t)seq : -1);
}

/* Fills out[0..9]: received, duplicates, malformed, too_big, sent,
 * requeued, attempts, pings, core_only, outbox length. */
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

/* Returns a new pool whose sockets use the options text `opts` (pf_ws_opts
 * keys plus max_connections, idle_timeout_ms); `target` hears "attempt" and
 * "token" (answer with pf_pool_set_token). NULL on bad options or no
 * memory. Free with pf_pool_free(). */
pf_pool *pf_api_pool_new(const char *opts, size_t opts_len, int32_t target)
{
    static const pf_pool_callbacks cb = { fwd_pool_get_url, fwd_pool_token };
    cJSON *o = parse_opts(opts, opts_len);
    pf_pool_opts p;
    if (!o || target <= 0) {
        cJSON_Delete(o);
        return NULL;
    }
    memset(&p, 0, sizeof p);
    p.max_connections = opt_size(o, "max_connections");
    p.idle_timeout_ms = opt_num(o, "idle_timeout_ms");
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
    snprintf(num, sizeof num, ",\"seq\":%lld,\"data\":", (long long)m->seq);
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

/* Returns a new idle event source whose events go to `target`, or NULL.
 * Options: the backoff keys, connect_timeout_ms, max_retries,
 * max_data_bytes, no_resume, allow_text. Free with pf_sse_free(). */
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
    memset(&s, 0, sizeof s);
    s.backoff = backoff_opts(o);
    s.connect_timeout_ms = opt_num(o, "connect_timeout_ms");
    s.max_retries = (unsigned)opt_size(o, "max_retries");
    s.max_data_bytes = opt_size(o, "max_data_bytes");
    s.no_resume = opt_flag(o, "no_resume");
    s.allow_text = opt_flag(o, "allow_text");
    cJSON_Delete(o);
    return pf_sse_new(url, url_len, &s, &cb, (void *)(intptr_t)target);
}

/* Fills out[0..5]: received, duplicates, malformed, too_big, attempts,
 * errors. */
void pf_api_sse_stats(const pf_sse *sse, double *out)
{
    pf_sse_stats s = pf_sse_get_stats(sse);
    out[0] = (double)s.received;
    out[1] = (double)s.duplicates;
    out[2] = (double)s.malformed;
    out[3] = (double)s.too_big;
    out[4] = (double)s.attempts;
    out[5] = (double)s.errors;
}

/* ---- components (the lead's section) ------------------------------------- */

#include "pf_component.h"
#include "pf_components.h"

/* Registers the built-in components; called once when the runtime loads. */
int pf_api_init(void) { return pf_components_register_builtin(); }

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
