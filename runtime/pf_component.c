/* pf_component.c: the live component registry, lifecycle and routing. */
#include "pf_component.h"

#include <stdlib.h>
#include <string.h>

#include "pf_dom.h"
#include "pf_host.h"
#include "pf_loop.h"
#include "pf_pool.h"

struct pf_component {
    const pf_component_class *cls;
    void *self;
    int32_t root;
    pf_state *state;
    int state_sub;          /* subscription id, 0 if none */
    pf_vdom *tree;          /* last rendered tree, ids as in the DOM */
    uint32_t next_id;       /* next DOM node id for this root */
    pf_html *builder;       /* reused by every render */
    pf_dom_patch *patch;    /* reused by every render */
    int render_scheduled;   /* a frame task is queued */
    pf_ws *ws;              /* a private connection, NULL if none */
    int ws_fallback;        /* ws is there because the pool was full */
    pf_pool_sub *sub;       /* a shared connection, NULL if none */
    pf_pool_sub *sse_sub;   /* a shared event stream, NULL if none */
    pf_sse *sse;            /* a private one (the pool was full), or NULL:
                             * it follows the shared token as ws_fallback */
    pf_pool_sse_callbacks sse_cb; /* ... and whom it calls */
    void *sse_ud;
    int in_callback;        /* depth of calls into the class */
    int patching;           /* the host is applying a patch of this instance */
    int last_error;
    unsigned long renders;
    struct pf_component *next;
};

/* ------------------------------------------------------------------------ */
/* Registry of classes and list of instances                                */
/* ------------------------------------------------------------------------ */

static const pf_component_class **classes;
static size_t class_count, class_cap;
static pf_component *mounted;

/* Every shared component connection: one socket per URL and options. */
#define JOIN_REPLAY_FRAMES 512
static pf_pool *conn_pool;
static size_t pool_max_connections;    /* 0: pf_pool's default */
static double pool_idle_timeout_ms;    /* 0: pf_pool's default */
static pf_component_token_provider token_provider;
static void *token_provider_ud;

static void log_line(int level, const char *msg)
{
    pf_host_log(level, msg, strlen(msg));
}

const pf_component_class *pf_component_class_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < class_count; i++)
        if (strcmp(classes[i]->name, name) == 0)
            return classes[i];
    return NULL;
}

int pf_component_register(const pf_component_class *cls)
{
    if (!cls || !cls->name || !cls->name[0] || !cls->create || !cls->render)
        return PF_EINVAL;
    if (pf_component_class_find(cls->name))
        return PF_EEXIST;
    if (class_count == class_cap) {
        size_t cap = class_cap ? class_cap * 2 : 8;
        const pf_component_class **t = realloc((void *)classes, cap * sizeof *t);
        if (!t)
            return PF_ENOMEM;
        classes = t;
        class_cap = cap;
    }
    classes[class_count++] = cls;
    return PF_OK;
}

void pf_component_registry_clear(void)
{
    free((void *)classes);
    classes = NULL;
    class_count = class_cap = 0;
}

pf_component *pf_component_find(int32_t root)
{
    for (pf_component *c = mounted; c; c = c->next)
        if (c->root == root)
            return c;
    return NULL;
}

size_t pf_component_count(void)
{
    size_t n = 0;
    for (pf_component *c = mounted; c; c = c->next)
        n++;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                */
/* ------------------------------------------------------------------------ */

void *pf_component_self(const pf_component *c) { return c ? c->self : NULL; }
int32_t pf_component_root(const pf_component *c) { return c ? c->root : 0; }
const pf_component_class *pf_component_class_of(const pf_component *c) { return c ? c->cls : NULL; }
pf_state *pf_component_state(const pf_component *c) { return c ? c->state : NULL; }
const pf_vdom *pf_component_tree(const pf_component *c) { return c ? c->tree : NULL; }
unsigned long pf_component_render_count(const pf_component *c) { return c ? c->renders : 0; }
int pf_component_last_error(const pf_component *c) { return c ? c->last_error : PF_EINVAL; }

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

static int send_diff(pf_component *c, pf_vdom *next)
{
    pf_dom_patch_reset(c->patch);
    int rc = pf_dom_diff(c->tree, next, &c->next_id, c->patch);
    if (rc != PF_OK)
        return rc;
    if (pf_dom_patch_op_count(c->patch) > 0) {
        size_t len = 0;
        const uint8_t *bytes = pf_dom_patch_bytes(c->patch, &len);
        /* Page code runs during the patch (a moved or removed focused
         * element fires blur and focusout at once): it may not unmount
         * the instance (PF_ESTATE; the JS API unmounts right after) or
         * render it (deferred) while its trees are in use. */
        c->in_callback++;
        c->patching = 1;
        int rc = pf_host_dom_patch(c->root, bytes, len);
        c->patching = 0;
        c->in_callback--;
        if (rc < 0)
            return PF_EHOST;
    }
    return PF_OK;
}

int pf_component_render_now(pf_component *c)
{
    if (!c)
        return PF_EINVAL;
    if (c->patching)
        return pf_component_invalidate(c);
    pf_vdom *next = NULL;
    /* Memoized subtrees (pf_html_memo) are reused from the last render. */
    pf_html_set_previous(c->builder, c->tree);
    c->in_callback++;
    int rc = c->cls->render(c, c->self, c->builder);
    c->in_callback--;
    if (rc == PF_OK) {
        size_t dropped = pf_html_dropped(c->builder);
        rc = pf_html_finish(c->builder, &next);
        if (rc != PF_OK)
            log_line(PF_LOG_ERROR, pf_html_message(c->builder));
        else if (dropped > 0)
            log_line(PF_LOG_WARN, "render left out unsafe URL or style values");
    } else {
        /* Say why when the builder refused something; the render's own
         * error otherwise. */
        log_line(PF_LOG_ERROR, pf_html_status(c->builder) != PF_OK
                                   ? pf_html_message(c->builder)
                                   : "component render failed; the DOM keeps the previous render");
        pf_html_reset(c->builder);
    }
    if (rc == PF_OK) {
        rc = send_diff(c, next);
        if (rc == PF_EHOST) {
            /* The host could not apply the patch and emptied the root:
             * the whole tree again, from nothing. */
            pf_vdom *old = c->tree;
            log_line(PF_LOG_WARN, "the DOM patch failed; rendering the component again from scratch");
            c->tree = NULL;
            rc = send_diff(c, next);
            pf_vdom_free(old); /* after the diff: `next` may share its rows */
        }
        if (rc == PF_OK) {
            pf_vdom_free(c->tree);
            c->tree = next;
            c->renders++;
        } else {
            pf_vdom_free(next);
        }
    }
    c->last_error = rc;
    return rc;
}

static void render_task(void *ud)
{
    pf_component *c = ud;
    c->render_scheduled = 0;
    pf_component_render_now(c);
}

int pf_component_invalidate(pf_component *c)
{
    if (!c)
        return PF_EINVAL;
    if (c->render_scheduled)
        return PF_OK;
    int rc = pf_defer_frame(render_task, c);
    if (rc == PF_OK)
        c->render_scheduled = 1;
    return rc;
}

int pf_component_flush(pf_component *c)
{
    if (!c)
        return PF_EINVAL;
    pf_state_flush(c->state);
    if (!c->render_scheduled)
        return PF_OK;
    /* Only render_task is deferred with the instance as its argument. */
    pf_cancel_deferred(c);
    c->render_scheduled = 0;
    return pf_component_render_now(c);
}

static void state_changed(void *ud, pf_state *state, const char *const *keys, size_t count)
{
    (void)state;
    (void)keys;
    (void)count;
    pf_component_invalidate(ud);
}

/* ------------------------------------------------------------------------ */
/* Connection                                                               */
/* ------------------------------------------------------------------------ */

static int deliver(pf_component *c, const char *data, size_t len)
{
    cJSON *msg = cJSON_ParseWithLength(data, len);
    if (!msg) {
        log_line(PF_LOG_WARN, "component dropped a message that is not JSON");
        return PF_EJSON;
    }
    if (c->cls->on_message) {
        c->in_callback++;
        c->cls->on_message(c, c->self, msg, data, len);
        c->in_callback--;
    }
    cJSON_Delete(msg);
    return PF_OK;
}

static void ws_on_state(void *ud, const pf_ws_event *ev)
{
    pf_component *c = ud;
    if (c->cls->on_connection) {
        c->in_callback++;
        c->cls->on_connection(c, c->self, ev);
        c->in_callback--;
    }
}

static void ws_on_message(void *ud, const char *text, size_t len, const cJSON *msg, int64_t seq)
{
    pf_component *c = ud;
    (void)seq;
    if (!msg) {
        deliver(c, text, len); /* a socket without trees (none of ours) */
        return;
    }
    if (c->cls->on_message) {
        c->in_callback++;
        c->cls->on_message(c, c->self, msg, text, len);
        c->in_callback--;
    }
}

static void ws_on_resync(void *ud)
{
    pf_component *c = ud;
    if (c->cls->on_resync) {
        c->in_callback++;
        c->cls->on_resync(c, c->self);
        c->in_callback--;
    }
}

static void ws_on_error(void *ud, int err, const char *text, size_t len)
{
    (void)ud;
    (void)text;
    (void)len;
    /* Never the frame itself: it may hold tokens or message bodies. */
    log_line(PF_LOG_WARN, err == PF_EFULL ? "component connection dropped a queued send"
                                          : "component connection dropped a frame or send");
}

void pf_component_ws_close(pf_component *c)
{
    if (!c)
        return;
    if (c->sub) {
        pf_pool_sub *sub = c->sub;
        c->sub = NULL;
        pf_pool_unsubscribe(sub);
    }
    if (c->ws) {
        pf_ws *ws = c->ws;
        c->ws = NULL;
        pf_ws_free(ws);
    }
}

int pf_component_pool_configure(size_t max_connections, double idle_timeout_ms)
{
    if (conn_pool && pf_pool_connections(conn_pool))
        return PF_ESTATE;
    pf_pool_free(conn_pool);
    conn_pool = NULL;
    pool_max_connections = max_connections;
    pool_idle_timeout_ms = idle_timeout_ms > 0 ? idle_timeout_ms : 0;
    return PF_OK;
}

size_t pf_component_pool_connections(void)
{
    return pf_pool_connections(conn_pool);
}

/* A 4001 on a shared socket, or a 401 on a shared stream: the app's token
 * provider, once per failure (pf_ws / pf_sse ask once). Without one the
 * connection waits in auth_failed, as a private one stops. */
static void pool_refresh_token(void *ud, const char *url, size_t url_len, pf_ws *ws)
{
    (void)ud;
    (void)ws;
    if (token_provider)
        token_provider(token_provider_ud, url, url_len);
}

static void pool_refresh_stream_token(void *ud, const char *url, size_t url_len, pf_sse *sse)
{
    (void)sse;
    pool_refresh_token(ud, url, url_len, NULL);
}

/* A component that found every shared connection in use has one of its
 * own (ws_fallback, or sse): it follows the shared connections' token as
 * if it were one of them. It starts with the pool's token, asks the app's
 * provider after a 4001 / 401 (with the callbacks below, pf_ws / pf_sse
 * wait in auth_failed for the answer, once, as a shared one does), and
 * takes what pf_component_pool_set_token sets. */
static void ask_token_for(pf_component *c, const char *url, size_t len)
{
    c->in_callback++; /* the provider is app code: it may not unmount c here */
    pool_refresh_token(NULL, url, len, NULL);
    c->in_callback--;
}

static void own_refresh_token(void *ud, pf_ws *ws)
{
    size_t len = 0;
    const char *url = pf_ws_url(ws, &len);
    ask_token_for(ud, url, len);
}

static void own_refresh_stream_token(void *ud, pf_sse *sse)
{
    size_t len = 0;
    const char *url = pf_sse_url(sse, &len);
    ask_token_for(ud, url, len);
}

/* The shared pool, made on first use. NULL when out of memory. */
static pf_pool *shared_pool(void)
{
    static const pf_pool_callbacks cb = { NULL, pool_refresh_token, pool_refresh_stream_token };
    if (!conn_pool) {
        pf_pool_opts po;
        memset(&po, 0, sizeof po);
        po.max_connections = pool_max_connections;
        po.idle_timeout_ms = pool_idle_timeout_ms;
        po.join_replay_max = JOIN_REPLAY_FRAMES;
        conn_pool = pf_pool_new(&po, &cb, NULL);
    }
    return conn_pool;
}

void pf_component_set_token_provider(pf_component_token_provider fn, void *ud)
{
    token_provider = fn;
    token_provider_ud = ud;
}

int pf_component_pool_set_token(const char *token, size_t len)
{
    if (token == NULL && len)
        return PF_EINVAL;
    if (!shared_pool())
        return PF_ENOMEM;
    int rc = pf_pool_set_token(conn_pool, token, len);
    /* And the components' own connections that stand in for shared ones
     * (a restarted one calls its component back: marked as a callback, it
     * cannot unmount itself from there). Out of memory for one does not
     * keep the token from the others; the first error is returned. */
    for (pf_component *c = mounted; c; c = c->next) {
        int r = PF_OK, s = PF_OK;
        c->in_callback++;
        if (c->ws && c->ws_fallback)
            r = pf_ws_set_token(c->ws, token, len);
        if (c->sse)
            s = pf_sse_set_token(c->sse, token, len);
        c->in_callback--;
        if (rc == PF_OK)
            rc = r != PF_OK ? r : s;
    }
    return rc;
}

/* A socket of the component's own; `fallback`: in place of a shared one
 * (see own_refresh_token). */
static int connect_own(pf_component *c, const char *url, size_t url_len,
                       const pf_ws_opts *opts, int fallback)
{
    static const pf_ws_callbacks plain = { ws_on_state, ws_on_message, ws_on_resync,
                                           ws_on_error, NULL, NULL };
    static const pf_ws_callbacks follows = { ws_on_state, ws_on_message, ws_on_resync,
                                             ws_on_error, NULL, own_refresh_token };
    pf_component_ws_close(c);
    pf_ws *ws = pf_ws_new(url, url_len, opts, fallback ? &follows : &plain, c);
    if (!ws)
        return PF_ENOMEM;
    c->ws = ws;
    c->ws_fallback = fallback;
    size_t len = 0;
    const char *token = fallback ? pf_pool_token(conn_pool, &len) : NULL;
    int rc = token ? pf_ws_set_token(ws, token, len) : PF_OK;
    if (rc == PF_OK)
        rc = pf_ws_connect(ws);
    if (rc != PF_OK)
        pf_component_ws_close(c);
    return rc;
}

int pf_component_ws_connect(pf_component *c, const char *url, size_t url_len,
                            const pf_ws_opts *opts)
{
    static const pf_pool_sub_callbacks cb = { ws_on_state, ws_on_message, ws_on_resync,
                                              ws_on_error };
    pf_pool_sub_opts so;
    if (!c || !url || url_len == 0)
        return PF_EINVAL;
    pf_component_ws_close(c);
    if (!shared_pool())
        return PF_ENOMEM;
    memset(&so, 0, sizeof so);
    so.ws = opts;
    so.no_queue = opts && opts->no_outbox;
    /* Joining a running socket calls back before this returns, and the
     * callbacks may read pf_component_ws(c): c->sub is set first. */
    int rc = pf_pool_subscribe(conn_pool, url, url_len, &so, &cb, c, &c->sub);
    if (rc == PF_EFULL) /* every shared socket is in use: one of its own */
        rc = connect_own(c, url, url_len, opts, 1);
    return rc;
}

/* The shared stream's callbacks go to the component's own, marked as a
 * callback of the instance (it must not unmount itself from them). */
static void sse_on_state(void *ud, const pf_ws_event *ev)
{
    pf_component *c = ud;
    if (c->sse_cb.on_state) {
        c->in_callback++;
        c->sse_cb.on_state(c->sse_ud, ev);
        c->in_callback--;
    }
}

static void sse_on_message(void *ud, const pf_sse_message *m)
{
    pf_component *c = ud;
    if (c->sse_cb.on_message) {
        c->in_callback++;
        c->sse_cb.on_message(c->sse_ud, m);
        c->in_callback--;
    }
}

static void sse_on_resync(void *ud)
{
    pf_component *c = ud;
    if (c->sse_cb.on_resync) {
        c->in_callback++;
        c->sse_cb.on_resync(c->sse_ud);
        c->in_callback--;
    }
}

static void sse_on_error(void *ud, int err, const char *text, size_t len)
{
    pf_component *c = ud;
    if (c->sse_cb.on_error) {
        c->in_callback++;
        c->sse_cb.on_error(c->sse_ud, err, text, len);
        c->in_callback--;
    }
}

int pf_component_sse_connect(pf_component *c, const char *url, size_t url_len,
                             const pf_sse_opts *opts, const char *last_event_id,
                             size_t last_event_id_len, const pf_pool_sse_callbacks *cb,
                             void *ud)
{
    static const pf_pool_sse_callbacks fwd = { sse_on_state, sse_on_message, sse_on_resync,
                                               sse_on_error };
    /* The same forwarders, for a stream of the instance's own. */
    static const pf_sse_callbacks own = { sse_on_state, sse_on_message, sse_on_resync,
                                          sse_on_error, NULL, own_refresh_stream_token };
    pf_pool_sse_opts so;
    if (!c || !url || url_len == 0 || (last_event_id_len && !last_event_id))
        return PF_EINVAL;
    pf_component_sse_close(c);
    if (!shared_pool())
        return PF_ENOMEM;
    memset(&c->sse_cb, 0, sizeof c->sse_cb);
    if (cb)
        c->sse_cb = *cb;
    c->sse_ud = ud;
    memset(&so, 0, sizeof so);
    so.sse = opts;
    so.last_event_id = last_event_id;
    so.last_event_id_len = last_event_id_len;
    /* As for sockets: c->sse_sub is set before a joiner is called back. */
    int rc = pf_pool_subscribe_sse(conn_pool, url, url_len, &so, &fwd, c, &c->sse_sub);
    if (rc != PF_EFULL)
        return rc;
    /* Every shared connection is in use: a stream of its own. */
    if (!(c->sse = pf_sse_new(url, url_len, opts, &own, c)))
        return PF_ENOMEM;
    rc = last_event_id_len ? pf_sse_set_last_event_id(c->sse, last_event_id, last_event_id_len)
                           : PF_OK;
    size_t token_len = 0;
    const char *token = pf_pool_token(conn_pool, &token_len);
    if (rc == PF_OK && token)
        rc = pf_sse_set_token(c->sse, token, token_len);
    if (rc == PF_OK)
        rc = pf_sse_connect(c->sse);
    if (rc != PF_OK)
        pf_component_sse_close(c);
    return rc;
}

void pf_component_sse_close(pf_component *c)
{
    if (c && c->sse_sub) {
        pf_pool_sub *sub = c->sse_sub;
        c->sse_sub = NULL;
        pf_pool_unsubscribe(sub);
    }
    if (c && c->sse) {
        pf_sse *sse = c->sse;
        c->sse = NULL;
        pf_sse_free(sse);
    }
}

pf_sse *pf_component_sse(const pf_component *c)
{
    if (!c)
        return NULL;
    return c->sse_sub ? pf_pool_sub_sse(c->sse_sub) : c->sse;
}

int pf_component_ws_connect_private(pf_component *c, const char *url, size_t url_len,
                                    const pf_ws_opts *opts)
{
    if (!c || !url || url_len == 0)
        return PF_EINVAL;
    return connect_own(c, url, url_len, opts, 0);
}

pf_ws *pf_component_ws(const pf_component *c)
{
    if (!c)
        return NULL;
    return c->sub ? pf_pool_sub_ws(c->sub) : c->ws;
}

int pf_component_ws_send(pf_component *c, const char *data, size_t len)
{
    if (!c || (!data && len))
        return PF_EINVAL;
    if (c->sub)
        return pf_pool_send(c->sub, data ? data : "", len, 0);
    if (!c->ws)
        return PF_ESTATE;
    return pf_ws_send(c->ws, data ? data : "", len, 0);
}

int pf_component_deliver(pf_component *c, const char *data, size_t len)
{
    if (!c || !data)
        return PF_EINVAL;
    return deliver(c, data, len);
}

/* ------------------------------------------------------------------------ */
/* Mount and unmount                                                        */
/* ------------------------------------------------------------------------ */

/* Frees what mount allocated; does not call into the class. */
static void release(pf_component *c)
{
    pf_cancel_deferred(c);
    pf_component_ws_close(c);
    pf_component_sse_close(c);
    pf_state_free(c->state);
    pf_vdom_free(c->tree);
    pf_html_free(c->builder);
    pf_dom_patch_free(c->patch);
    free(c);
}

static void unlink_instance(pf_component *c)
{
    for (pf_component **p = &mounted; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            return;
        }
}

int pf_component_mount(const char *name, int32_t root, const char *props_json,
                       size_t props_len, pf_component **out)
{
    if (out)
        *out = NULL;
    if (!name || root <= 0 || (!props_json && props_len))
        return PF_EINVAL;
    const pf_component_class *cls = pf_component_class_find(name);
    if (!cls)
        return PF_ENOTFOUND;
    if (pf_component_find(root))
        return PF_EEXIST;

    cJSON *props = props_json && props_len ? cJSON_ParseWithLength(props_json, props_len)
                                           : cJSON_CreateObject();
    if (!props)
        return props_json && props_len ? PF_EJSON : PF_ENOMEM;
    if (!cJSON_IsObject(props)) {
        cJSON_Delete(props);
        return PF_ETYPE;
    }

    pf_component *c = calloc(1, sizeof *c);
    if (!c) {
        cJSON_Delete(props);
        return PF_ENOMEM;
    }
    c->cls = cls;
    c->root = root;
    c->next_id = 1;
    c->state = pf_state_new();
    c->builder = pf_html_new();
    c->patch = pf_dom_patch_new();
    if (!c->state || !c->builder || !c->patch) {
        cJSON_Delete(props);
        release(c);
        return PF_ENOMEM;
    }

    c->in_callback++;
    int rc = cls->create(c, props, &c->self);
    c->in_callback--;
    cJSON_Delete(props);
    if (rc != PF_OK) {
        release(c);
        return rc;
    }
    /* The initial state set by create is what the first render shows; its
     * change notification would only cause a second, empty render. */
    pf_state_flush(c->state);
    int sub = pf_state_subscribe(c->state, NULL, state_changed, c);
    rc = sub > 0 ? pf_component_render_now(c) : (sub < 0 ? sub : PF_ENOMEM);
    if (rc != PF_OK) {
        if (cls->destroy)
            cls->destroy(c->self);
        release(c);
        return rc;
    }
    c->state_sub = sub;
    c->next = mounted;
    mounted = c;
    if (out)
        *out = c;
    if (cls->did_mount) {
        c->in_callback++;
        cls->did_mount(c, c->self);
        c->in_callback--;
    }
    return PF_OK;
}

int pf_component_unmount(pf_component *c)
{
    if (!c)
        return PF_EINVAL;
    if (c->in_callback)
        return PF_ESTATE;
    if (c->cls->will_unmount) {
        c->in_callback++;
        c->cls->will_unmount(c, c->self);
        c->in_callback--;
    }
    unlink_instance(c);
    pf_cancel_deferred(c);
    pf_component_ws_close(c);
    pf_component_sse_close(c);
    /* Take the component's nodes out of the root: the element stays the
     * page's, empty, ready for another mount. */
    if (c->tree && send_diff(c, NULL) != PF_OK)
        log_line(PF_LOG_WARN, "could not encode the unmount patch");
    if (c->cls->destroy)
        c->cls->destroy(c->self);
    c->self = NULL;
    release(c);
    return PF_OK;
}

int pf_component_unmount_root(int32_t root)
{
    pf_component *c = pf_component_find(root);
    return c ? pf_component_unmount(c) : PF_ENOTFOUND;
}

void pf_component_unmount_all(void)
{
    /* Unmounting may (via will_unmount) unmount others: restart each time. */
    pf_component *c = mounted;
    while (c) {
        if (c->in_callback) {
            c = c->next;
            continue;
        }
        pf_component_unmount(c);
        c = mounted;
    }
    if (!mounted) {
        /* Teardown: the idle shared sockets go now, not after the timeout. */
        pf_pool_free(conn_pool);
        conn_pool = NULL;
    }
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

int pf_component_dispatch(int32_t root, uint32_t node_id,
                          const char *type, size_t type_len,
                          const char *value, size_t value_len,
                          int32_t selection_start, int32_t selection_end)
{
    if (!type || type_len == 0 || type_len > 32 || (!value && value_len))
        return PF_EINVAL;
    pf_component *c = pf_component_find(root);
    if (!c || !c->tree || !c->cls->on_event)
        return PF_ENOTFOUND;
    const pf_vnode *k = NULL;
    const pf_vnode *n = pf__vdom_locate(c->tree, node_id, &k);
    if (!n || n->kind != PF_VNODE_ELEMENT || node_id == 0)
        return PF_ENOTFOUND;
    char attr[8 + 32 + 1];
    memcpy(attr, "data-on-", 8);
    memcpy(attr + 8, type, type_len);
    attr[8 + type_len] = '\0';
    if (memchr(type, '\0', type_len))
        return PF_EINVAL;
    const pf_vattr *a = pf_vnode_attr(n, attr);
    if (!a)
        return PF_ENOTFOUND;
    /* The control now holds `value`, whatever the last render intended.
     * Record it in the tree that stands for the DOM, so that the next render
     * writes the component's value again when it differs from what the user
     * typed: typing and clearing within one frame leaves the intended value
     * unchanged ("" -> "x" -> ""), yet the DOM must be cleared. */
    if (value && n->has_value &&
        (n->value_len != value_len || memcmp(n->value, value, value_len) != 0)) {
        /* The DOM under a memoized row no longer matches what it was
         * built from: build it again next time. */
        pf_vnode *m = pf__vdom_touch(c->tree, node_id);
        uint32_t copy_len = 0;
        const char *copy = m ? pf__vdom_text(c->tree, value, value_len, &copy_len) : NULL;
        if (copy) {
            m->value = copy;
            m->value_len = copy_len;
        }
    }
    pf_component_event ev;
    ev.type = type;
    ev.type_len = type_len;
    ev.handler = a->value;
    ev.handler_len = a->value_len;
    ev.key = k ? k->key : NULL;
    ev.key_len = k ? k->key_len : 0;
    ev.node_id = node_id;
    ev.value = value ? value : "";
    ev.value_len = value ? value_len : 0;
    ev.selection_start = selection_start < 0 ? -1 : selection_start;
    ev.selection_end = selection_end < 0 ? -1 : selection_end;
    c->in_callback++;
    int rc = c->cls->on_event(c, c->self, &ev);
    c->in_callback--;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Browser calls and page events                                            */
/* ------------------------------------------------------------------------ */

static const char *const allowed_calls[] = {
    "notify", "focus", "blur", "set_selection", "set_range_text",
    "scroll_into_view", NULL
};

int pf_component_call(pf_component *c, const char *name,
                      const char *args_json, size_t args_len)
{
    if (!c || !name)
        return PF_EINVAL;
    int known = 0;
    for (size_t i = 0; allowed_calls[i]; i++)
        if (strcmp(allowed_calls[i], name) == 0)
            known = 1;
    if (!known)
        return PF_EINVAL;
    if (!args_json || args_len == 0) {
        args_json = "{}";
        args_len = 2;
    }
    cJSON *args = cJSON_ParseWithLength(args_json, args_len);
    if (!args)
        return PF_EJSON;
    int is_object = cJSON_IsObject(args);
    cJSON_Delete(args);
    if (!is_object)
        return PF_ETYPE;
    return pf_host_call(c->root, name, strlen(name), args_json, args_len);
}

int pf_component_emit(pf_component *c, const char *event,
                      const char *json, size_t json_len)
{
    if (!c || !event || !event[0])
        return PF_EINVAL;
    if (!json || json_len == 0) {
        json = "null";
        json_len = 4;
    }
    cJSON *payload = cJSON_ParseWithLength(json, json_len);
    if (!payload)
        return PF_EJSON;
    cJSON_Delete(payload);
    pf_host_emit(c->root, event, strlen(event), json, json_len);
    return PF_OK;
}
