/* pf_pool.c: one shared pf_ws per URL, with per-subscriber delivery. */
#include "pf_pool.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "pf_loop.h"
#include "pf_ws_internal.h"

#define DEFAULT_MAX_CONNECTIONS 8
#define DEFAULT_IDLE_TIMEOUT_MS 30000.0
#define DEFAULT_JOIN_REPLAY_BYTES (1024 * 1024)

typedef struct entry entry;

struct pf_pool_sub {
    entry *e;
    pf_pool_sub_callbacks cb;
    void *ud;
    char *type;    /* filter, or NULL */
    int no_queue;
    int gone;      /* unsubscribed during a dispatch; freed after it */
};

/* A frame kept for subscribers that join later (opts.join_replay_max). */
typedef struct kept {
    char *text;
    size_t len;
    int64_t seq;
} kept;

struct entry {
    pf_pool *pool;
    char *url;
    size_t url_len;
    pf_ws_opts o;         /* the socket's options (the sharing key with url) */
    pf_ws *ws;
    kept *kept;           /* the last initial state and the frames after it */
    size_t nkept, kept_cap, kept_bytes;
    int kept_started;     /* kept[0] is an initial state */
    int kept_lost;        /* the frames since it outgrew the limit */
    pf_pool_sub **subs;
    size_t nsubs, cap;
    size_t live;          /* subscriptions not gone */
    uint32_t idle_timer;
};

struct pf_pool {
    pf_pool_opts o;
    pf_pool_callbacks cb;
    void *ud;
    entry **entries;
    size_t n, cap;
    char *token;
    size_t token_len;
    int dispatching;      /* subscriber callbacks on the stack */
    int dying;            /* pf_pool_free was called inside one */
    int need_compact;     /* a subscription left during a dispatch */
};

static void pool_destroy(pf_pool *pool);

/* ------------------------------------------------------------------------ */
/* Entries                                                                  */
/* ------------------------------------------------------------------------ */

static void sub_free(pf_pool_sub *sub)
{
    free(sub->type);
    free(sub);
}

/* Frees the subscriptions that left during a dispatch. */
static void compact(entry *e)
{
    size_t w = 0;
    for (size_t r = 0; r < e->nsubs; r++) {
        if (e->subs[r]->gone)
            sub_free(e->subs[r]);
        else
            e->subs[w++] = e->subs[r];
    }
    e->nsubs = w;
}

static void kept_clear(entry *e)
{
    for (size_t i = 0; i < e->nkept; i++)
        free(e->kept[i].text);
    e->nkept = 0;
    e->kept_bytes = 0;
    e->kept_started = 0;
    e->kept_lost = 0;
}

/* Closes the socket and frees the entry with its subscriptions. */
static void entry_free(entry *e)
{
    pf_timer_clear(e->idle_timer);
    pf_ws_free(e->ws);
    kept_clear(e);
    free(e->kept);
    for (size_t i = 0; i < e->nsubs; i++)
        sub_free(e->subs[i]);
    free(e->subs);
    free(e->url);
    free(e);
}

static void entry_remove(pf_pool *pool, entry *e)
{
    for (size_t i = 0; i < pool->n; i++)
        if (pool->entries[i] == e) {
            memmove(&pool->entries[i], &pool->entries[i + 1],
                    (pool->n - i - 1) * sizeof *pool->entries);
            pool->n--;
            break;
        }
    entry_free(e);
}

static void idle_expired(void *ud)
{
    entry *e = ud;
    e->idle_timer = 0;
    if (e->live == 0)
        entry_remove(e->pool, e);
}

/* ------------------------------------------------------------------------ */
/* Dispatch from the shared socket to its subscribers                       */
/* ------------------------------------------------------------------------ */

static void begin(entry *e) { e->pool->dispatching++; }

/* Ends a dispatch; may free the pool: touch nothing after. */
static void end(entry *e)
{
    pf_pool *pool = e->pool;
    if (--pool->dispatching)
        return;
    if (pool->dying) {
        pool_destroy(pool);
        return;
    }
    if (pool->need_compact) {
        pool->need_compact = 0;
        for (size_t i = 0; i < pool->n; i++)
            compact(pool->entries[i]);
    }
}

static int should_stop(const entry *e) { return e->pool->dying; }

static void fwd_state(void *ud, const pf_ws_event *ev)
{
    entry *e = ud;
    size_t n = e->nsubs;
    begin(e);
    for (size_t i = 0; i < n && !should_stop(e); i++) {
        pf_pool_sub *s = e->subs[i];
        if (!s->gone && s->cb.on_state)
            s->cb.on_state(s->ud, ev);
    }
    end(e);
}

/* The "type" of a frame: from the tree, or (opts.ws.no_tree) read from
 * the text without one. Sets *t NULL when it has none. */
static void frame_type(const char *text, size_t len, const cJSON *msg, const char **t, size_t *tlen)
{
    *t = NULL;
    *tlen = 0;
    if (msg) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
        if (cJSON_IsString(type)) {
            *t = type->valuestring;
            *tlen = strlen(*t);
        }
    } else {
        pf__ws_scan_result r;
        if (pf__ws_scan(text, len, &r) == PF_OK) {
            *t = r.type;
            *tlen = r.type_len;
        }
    }
}

static int is_initial_state(const char *t, size_t tlen)
{
    return t && ((tlen == 8 && memcmp(t, "snapshot", 8) == 0) ||
                 (tlen == 7 && memcmp(t, "history", 7) == 0));
}

/* opts.join_replay_max: keeps the frame for later subscribers. An initial
 * state starts the record again; frames before the first one are not kept
 * (a late subscriber could not use them without it). */
static void keep_frame(entry *e, const char *text, size_t len, const char *t, size_t tlen,
                       int64_t seq)
{
    const pf_pool_opts *o = &e->pool->o;
    if (is_initial_state(t, tlen))
        kept_clear(e);
    else if (!e->kept_started || e->kept_lost)
        return;
    if (e->nkept >= o->join_replay_max || e->kept_bytes + len > o->join_replay_max_bytes) {
        kept_clear(e);
        e->kept_lost = 1; /* late subscribers get on_resync */
        return;
    }
    if (e->nkept == e->kept_cap) {
        size_t cap = e->kept_cap ? e->kept_cap * 2 : 16;
        kept *grown = realloc(e->kept, cap * sizeof *grown);
        if (!grown) {
            kept_clear(e);
            e->kept_lost = 1;
            return;
        }
        e->kept = grown;
        e->kept_cap = cap;
    }
    kept k = { pf__ws_strndup(text, len), len, seq };
    if (!k.text) {
        kept_clear(e);
        e->kept_lost = 1;
        return;
    }
    e->kept[e->nkept++] = k;
    e->kept_bytes += len;
    e->kept_started = 1;
}

static void fwd_message(void *ud, const char *text, size_t len, const cJSON *msg, int64_t seq)
{
    entry *e = ud;
    size_t n = e->nsubs, tlen = 0;
    const char *t = NULL;
    int typed = 0; /* the type is read once, when a filter needs it */
    if (e->pool->o.join_replay_max) {
        frame_type(text, len, msg, &t, &tlen);
        typed = 1;
        keep_frame(e, text, len, t, tlen, seq);
    }
    begin(e);
    for (size_t i = 0; i < n && !should_stop(e); i++) {
        pf_pool_sub *s = e->subs[i];
        if (s->gone || !s->cb.on_message)
            continue;
        if (s->type) {
            if (!typed) {
                frame_type(text, len, msg, &t, &tlen);
                typed = 1;
            }
            if (!t || strlen(s->type) != tlen || memcmp(s->type, t, tlen) != 0)
                continue;
        }
        s->cb.on_message(s->ud, text, len, msg, seq);
    }
    end(e);
}

static void fwd_resync(void *ud)
{
    entry *e = ud;
    size_t n = e->nsubs;
    kept_clear(e); /* the snapshot that follows starts the record again */
    begin(e);
    for (size_t i = 0; i < n && !should_stop(e); i++) {
        pf_pool_sub *s = e->subs[i];
        if (!s->gone && s->cb.on_resync)
            s->cb.on_resync(s->ud);
    }
    end(e);
}

static void fwd_error(void *ud, int err, const char *text, size_t len)
{
    entry *e = ud;
    size_t n = e->nsubs;
    begin(e);
    for (size_t i = 0; i < n && !should_stop(e); i++) {
        pf_pool_sub *s = e->subs[i];
        if (!s->gone && s->cb.on_error)
            s->cb.on_error(s->ud, err, text, len);
    }
    end(e);
}

static const char *fwd_get_url(void *ud, size_t *len)
{
    entry *e = ud;
    if (!e->pool->cb.get_url)
        return NULL;
    return e->pool->cb.get_url(e->pool->ud, e->url, e->url_len, len);
}

static void fwd_refresh_token(void *ud, pf_ws *ws)
{
    entry *e = ud;
    if (e->pool->cb.refresh_token)
        e->pool->cb.refresh_token(e->pool->ud, e->url, e->url_len, ws);
    else if (e->pool->token)
        pf_ws_set_token(ws, e->pool->token, e->pool->token_len); /* the latest one */
    /* else: no token to try; the socket waits in auth_failed for
     * pf_pool_set_token (the credentials may be in the URL). */
}

/* ------------------------------------------------------------------------ */
/* Pool                                                                     */
/* ------------------------------------------------------------------------ */

pf_pool *pf_pool_new(const pf_pool_opts *opts, const pf_pool_callbacks *cb, void *ud)
{
    pf_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    if (opts)
        pool->o = *opts;
    if (!pool->o.max_connections)
        pool->o.max_connections = DEFAULT_MAX_CONNECTIONS;
    if (!(pool->o.idle_timeout_ms > 0))
        pool->o.idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
    if (!pool->o.join_replay_max_bytes)
        pool->o.join_replay_max_bytes = DEFAULT_JOIN_REPLAY_BYTES;
    if (cb)
        pool->cb = *cb;
    pool->ud = ud;
    return pool;
}

static void pool_destroy(pf_pool *pool)
{
    for (size_t i = 0; i < pool->n; i++)
        entry_free(pool->entries[i]);
    free(pool->entries);
    free(pool->token);
    free(pool);
}

void pf_pool_free(pf_pool *pool)
{
    if (!pool)
        return;
    if (pool->dispatching) {
        pool->dying = 1;
        return;
    }
    pool_destroy(pool);
}

int pf_pool_set_token(pf_pool *pool, const char *token, size_t len)
{
    char *copy = NULL;
    if (!pool)
        return PF_EINVAL;
    if (token && len && !(copy = pf__ws_strndup(token, len)))
        return PF_ENOMEM;
    free(pool->token);
    pool->token = copy;
    pool->token_len = copy ? len : 0;
    for (size_t i = 0; i < pool->n; i++) {
        int rc = pf_ws_set_token(pool->entries[i]->ws, pool->token, pool->token_len);
        if (rc != PF_OK)
            return rc;
    }
    return PF_OK;
}

size_t pf_pool_connections(const pf_pool *pool) { return pool ? pool->n : 0; }

static entry *find_entry(pf_pool *pool, const char *url, size_t len, const pf_ws_opts *o)
{
    for (size_t i = 0; i < pool->n; i++) {
        entry *e = pool->entries[i];
        if (e->url_len == len && memcmp(e->url, url, len) == 0 && pf__ws_opts_same(&e->o, o))
            return e;
    }
    return NULL;
}

/* Makes room for one more socket by closing an idle one. */
static int make_room(pf_pool *pool)
{
    if (pool->n < pool->o.max_connections)
        return PF_OK;
    for (size_t i = 0; i < pool->n; i++)
        if (pool->entries[i]->live == 0 && !pool->dispatching) {
            entry_remove(pool, pool->entries[i]);
            return PF_OK;
        }
    return PF_EFULL;
}

static entry *entry_new(pf_pool *pool, const char *url, size_t len, const pf_ws_opts *o)
{
    static const pf_ws_callbacks fwd = { fwd_state, fwd_message, fwd_resync, fwd_error,
                                         fwd_get_url, fwd_refresh_token };
    entry *e;
    entry **grown;
    if (pool->n == pool->cap) {
        size_t cap = pool->cap ? pool->cap * 2 : 4;
        grown = realloc(pool->entries, cap * sizeof *grown);
        if (!grown)
            return NULL;
        pool->entries = grown;
        pool->cap = cap;
    }
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->pool = pool;
    e->url = pf__ws_strndup(url, len);
    e->url_len = len;
    e->o = *o;
    e->ws = e->url ? pf_ws_new(url, len, o, &fwd, e) : NULL;
    if (!e->ws || (pool->token && pf_ws_set_token(e->ws, pool->token, pool->token_len) != PF_OK)) {
        pf_ws_free(e->ws);
        free(e->url);
        free(e);
        return NULL;
    }
    pool->entries[pool->n++] = e;
    return e;
}

/* Tells a subscriber that joined a running socket where it stands, and
 * replays what it missed (opts.join_replay_max). */
static void catch_up(entry *e, pf_pool_sub *sub)
{
    pf_ws_event ev;
    pf_pool *pool = e->pool;
    memset(&ev, 0, sizeof ev);
    ev.state = pf_ws_get_state(e->ws);
    ev.cause = PF_WS_CAUSE_SHARED;
    begin(e);
    if (sub->cb.on_state)
        sub->cb.on_state(sub->ud, &ev);
    if (e->kept_lost) {
        if (!sub->gone && !pool->dying && sub->cb.on_resync)
            sub->cb.on_resync(sub->ud);
    } else {
        /* The record may change under a callback (pf_ws_reconnect...):
         * replay a count fixed now, and stop if it was cleared. */
        size_t n = e->nkept;
        for (size_t i = 0; i < n && i < e->nkept && !sub->gone && !pool->dying; i++) {
            const kept *k = &e->kept[i];
            const char *t = NULL;
            size_t tlen = 0;
            cJSON *msg = NULL;
            if (!e->o.no_tree && !(msg = cJSON_ParseWithLength(k->text, k->len)))
                break; /* out of memory: it parsed when it came */
            frame_type(k->text, k->len, msg, &t, &tlen);
            if (sub->cb.on_message &&
                (!sub->type || (t && strlen(sub->type) == tlen && memcmp(sub->type, t, tlen) == 0)))
                sub->cb.on_message(sub->ud, k->text, k->len, msg, k->seq);
            cJSON_Delete(msg);
        }
    }
    end(e);
}

int pf_pool_subscribe(pf_pool *pool, const char *url, size_t url_len,
                      const pf_pool_sub_opts *opts, const pf_pool_sub_callbacks *cb,
                      void *ud, pf_pool_sub **out)
{
    entry *e;
    pf_pool_sub *sub;
    const pf_ws_opts *wo;
    int fresh = 0, rc;
    if (!pool || !url || !url_len || !out || pool->dying)
        return PF_EINVAL;
    *out = NULL;
    sub = calloc(1, sizeof *sub);
    if (!sub)
        return PF_ENOMEM;
    if (opts && opts->type && !(sub->type = pf__ws_strndup(opts->type, strlen(opts->type)))) {
        free(sub);
        return PF_ENOMEM;
    }
    sub->no_queue = opts ? opts->no_queue : 0;
    if (cb)
        sub->cb = *cb;
    sub->ud = ud;
    wo = opts && opts->ws ? opts->ws : &pool->o.ws;
    e = find_entry(pool, url, url_len, wo);
    if (!e) {
        rc = make_room(pool);
        if (rc == PF_OK && !(e = entry_new(pool, url, url_len, wo)))
            rc = PF_ENOMEM;
        if (rc != PF_OK) {
            sub_free(sub);
            return rc;
        }
        fresh = 1;
    }
    if (e->nsubs == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        pf_pool_sub **grown = realloc(e->subs, cap * sizeof *grown);
        if (!grown) {
            sub_free(sub);
            if (fresh)
                entry_remove(pool, e);
            return PF_ENOMEM;
        }
        e->subs = grown;
        e->cap = cap;
    }
    sub->e = e;
    e->subs[e->nsubs++] = sub;
    e->live++;
    pf_timer_clear(e->idle_timer);
    e->idle_timer = 0;
    *out = sub;
    if (fresh) {
        rc = pf_ws_connect(e->ws);
        if (rc != PF_OK) {
            pf_pool_unsubscribe(sub);
            *out = NULL;
            return rc;
        }
    } else {
        catch_up(e, sub);
    }
    return PF_OK;
}

void pf_pool_unsubscribe(pf_pool_sub *sub)
{
    entry *e;
    if (!sub || sub->gone)
        return;
    e = sub->e;
    sub->gone = 1;
    e->live--;
    if (!e->pool->dispatching)
        compact(e);
    else
        e->pool->need_compact = 1;
    if (e->live == 0) {
        pf_timer_clear(e->idle_timer);
        e->idle_timer = pf_timer_set(e->pool->o.idle_timeout_ms, idle_expired, e);
    }
}

int pf_pool_send(pf_pool_sub *sub, const char *data, size_t len, unsigned flags)
{
    if (!sub || sub->gone)
        return PF_EINVAL;
    if (sub->no_queue)
        flags |= PF_WS_SEND_NO_QUEUE;
    return pf_ws_send(sub->e->ws, data, len, flags);
}

pf_ws *pf_pool_sub_ws(const pf_pool_sub *sub)
{
    return sub && !sub->gone ? sub->e->ws : NULL;
}
