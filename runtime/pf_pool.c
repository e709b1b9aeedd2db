/* pf_pool.c: one shared pf_ws (or pf_sse) per URL, with per-subscriber
 * delivery. */
#include "pf_pool.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "pf_json.h"
#include "pf_loop.h"
#include "pf_ws_internal.h"

#define DEFAULT_MAX_CONNECTIONS 8
#define DEFAULT_IDLE_TIMEOUT_MS 30000.0
#define DEFAULT_JOIN_REPLAY_BYTES (1024 * 1024)

typedef struct entry entry;

struct pf_pool_sub {
    entry *e;
    pf_pool_sub_callbacks cb;
    void (*on_event)(void *ud, const pf_sse_message *m); /* a stream's */
    void *ud;
    char *type;    /* filter, or NULL */
    int no_queue;
    int gone;      /* unsubscribed during a dispatch; freed after it */
};

/* A frame or event kept for subscribers that join later
 * (opts.join_replay_max). `text` holds the event name, then the id, then
 * the data (for a socket's frame both are empty). */
typedef struct kept {
    char *text;
    size_t event_len, id_len, len;
    int64_t seq;
} kept;

#define KEPT_DATA(k) ((k)->text + (k)->event_len + (k)->id_len)

struct entry {
    pf_pool *pool;
    char *url;
    size_t url_len;
    pf_ws_opts o;         /* the socket's options (the sharing key with url) */
    pf_sse_opts so;       /* or the stream's */
    pf_ws *ws;            /* the shared socket, or NULL */
    pf_sse *sse;          /* or the shared event stream */
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
    pf_sse_free(e->sse);
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
static void end_pool(pf_pool *pool)
{
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

static void end(entry *e) { end_pool(e->pool); }

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

/* Appends one record (copied). Returns PF_OK or PF_ENOMEM. */
static int kept_append(entry *e, const char *event, size_t event_len, const char *id,
                       size_t id_len, const char *data, size_t len, int64_t seq)
{
    kept k = { NULL, event_len, id_len, len, seq };
    if (e->nkept == e->kept_cap) {
        size_t cap = e->kept_cap ? e->kept_cap * 2 : 16;
        kept *grown = realloc(e->kept, cap * sizeof *grown);
        if (!grown)
            return PF_ENOMEM;
        e->kept = grown;
        e->kept_cap = cap;
    }
    if (!(k.text = malloc(event_len + id_len + len + 1)))
        return PF_ENOMEM;
    if (event_len)
        memcpy(k.text, event, event_len);
    if (id_len)
        memcpy(k.text + event_len, id, id_len);
    if (len)
        memcpy(k.text + event_len + id_len, data, len);
    k.text[event_len + id_len + len] = 0;
    e->kept[e->nkept++] = k;
    e->kept_bytes += event_len + id_len + len;
    return PF_OK;
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
    if (e->nkept >= o->join_replay_max || e->kept_bytes + len > o->join_replay_max_bytes ||
        kept_append(e, NULL, 0, NULL, 0, text, len, seq) != PF_OK) {
        kept_clear(e);
        e->kept_lost = 1; /* late subscribers get on_resync */
        return;
    }
    e->kept_started = 1;
}

/* opts.join_replay_max on an event stream: the last events, oldest
 * dropped first. */
static void keep_event(entry *e, const pf_sse_message *m)
{
    const pf_pool_opts *o = &e->pool->o;
    size_t need = m->event_len + m->id_len + m->data_len;
    if (need > o->join_replay_max_bytes) {
        kept_clear(e);
        return;
    }
    while (e->nkept &&
           (e->nkept >= o->join_replay_max || e->kept_bytes + need > o->join_replay_max_bytes)) {
        e->kept_bytes -= e->kept[0].event_len + e->kept[0].id_len + e->kept[0].len;
        free(e->kept[0].text);
        memmove(&e->kept[0], &e->kept[1], (e->nkept - 1) * sizeof *e->kept);
        e->nkept--;
    }
    if (kept_append(e, m->event, m->event_len, m->id, m->id_len, m->data, m->data_len,
                    m->seq) != PF_OK)
        kept_clear(e); /* out of memory: joiners get nothing rather than a gap */
}

static void fwd_event(void *ud, const pf_sse_message *m)
{
    entry *e = ud;
    size_t n = e->nsubs;
    if (e->pool->o.join_replay_max)
        keep_event(e, m);
    begin(e);
    for (size_t i = 0; i < n && !should_stop(e); i++) {
        pf_pool_sub *s = e->subs[i];
        if (!s->gone && s->on_event)
            s->on_event(s->ud, m);
    }
    end(e);
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

static void fwd_refresh_stream_token(void *ud, pf_sse *sse)
{
    entry *e = ud;
    if (e->pool->cb.refresh_stream_token)
        e->pool->cb.refresh_stream_token(e->pool->ud, e->url, e->url_len, sse);
    else if (e->pool->token)
        pf_sse_set_token(sse, e->pool->token, e->pool->token_len);
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

const char *pf_pool_token(const pf_pool *pool, size_t *len)
{
    *len = pool && pool->token ? pool->token_len : 0;
    return pool ? pool->token : NULL;
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
    /* A connection waiting for a token starts again here and calls its
     * subscribers, who may free the pool: as in a dispatch, that waits for
     * the end of the loop. */
    int rc = PF_OK;
    pool->dispatching++;
    for (size_t i = 0; i < pool->n && rc == PF_OK && !pool->dying; i++) {
        entry *e = pool->entries[i];
        rc = e->ws ? pf_ws_set_token(e->ws, pool->token, pool->token_len)
                   : pf_sse_set_token(e->sse, pool->token, pool->token_len);
    }
    end_pool(pool);
    return rc;
}

size_t pf_pool_connections(const pf_pool *pool) { return pool ? pool->n : 0; }

/* The entry for `url` with socket options `o`, or (o NULL) stream
 * options `so`. */
static entry *find_entry(pf_pool *pool, const char *url, size_t len, const pf_ws_opts *o,
                         const pf_sse_opts *so)
{
    for (size_t i = 0; i < pool->n; i++) {
        entry *e = pool->entries[i];
        if (e->url_len == len && memcmp(e->url, url, len) == 0 &&
            (o ? e->ws && pf__ws_opts_same(&e->o, o) : e->sse && pf__sse_opts_same(&e->so, so)))
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

static entry *entry_new(pf_pool *pool, const char *url, size_t len, const pf_ws_opts *o,
                        const pf_sse_opts *so)
{
    static const pf_ws_callbacks fwd = { fwd_state, fwd_message, fwd_resync, fwd_error,
                                         fwd_get_url, fwd_refresh_token };
    static const pf_sse_callbacks fwd_sse = { fwd_state, fwd_event, fwd_resync, fwd_error,
                                              fwd_get_url, fwd_refresh_stream_token };
    int rc = PF_OK;
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
    if (o) {
        e->o = *o;
        e->ws = e->url ? pf_ws_new(url, len, o, &fwd, e) : NULL;
        if (e->ws && pool->token)
            rc = pf_ws_set_token(e->ws, pool->token, pool->token_len);
    } else {
        e->so = *so;
        e->sse = e->url ? pf_sse_new(url, len, so, &fwd_sse, e) : NULL;
        if (e->sse && pool->token)
            rc = pf_sse_set_token(e->sse, pool->token, pool->token_len);
    }
    if ((!e->ws && !e->sse) || rc != PF_OK) {
        pf_ws_free(e->ws);
        pf_sse_free(e->sse);
        free(e->url);
        free(e);
        return NULL;
    }
    pool->entries[pool->n++] = e;
    return e;
}

/* Replays to a stream's joiner the kept events after `last_id` (all of
 * them when it is not among them); nothing without an id. */
static void replay_events(entry *e, pf_pool_sub *sub, const char *last_id, size_t last_id_len)
{
    size_t from = 0, n = e->nkept;
    if (!last_id_len || !sub->on_event)
        return;
    for (size_t i = n; i-- > 0;)
        if (e->kept[i].id_len == last_id_len &&
            memcmp(e->kept[i].text + e->kept[i].event_len, last_id, last_id_len) == 0) {
            from = i + 1;
            break;
        }
    /* As in catch_up: a fixed count, and stop if the record was cleared. */
    for (size_t i = from; i < n && i < e->nkept && !sub->gone && !e->pool->dying; i++) {
        const kept *k = &e->kept[i];
        pf_sse_message m;
        cJSON *msg = NULL;
        /* Parsed as pf_sse parsed it live (strict), so a joiner sees the
         * same tree, or the same text, as the others did. */
        if (k->len)
            pf_json_parse(KEPT_DATA(k), k->len, k->len, &msg, NULL);
        if (msg && !cJSON_IsObject(msg)) {
            cJSON_Delete(msg);
            msg = NULL; /* text data (opts.sse->allow_text) */
        }
        m.event = k->text;
        m.event_len = k->event_len;
        m.id = k->text + k->event_len;
        m.id_len = k->id_len;
        m.data = KEPT_DATA(k);
        m.data_len = k->len;
        m.msg = msg;
        m.seq = k->seq;
        sub->on_event(sub->ud, &m);
        cJSON_Delete(msg);
    }
}

/* Tells a subscriber that joined a running socket or stream where it
 * stands, and replays what it missed (opts.join_replay_max). */
static void catch_up(entry *e, pf_pool_sub *sub, const char *last_id, size_t last_id_len)
{
    pf_ws_event ev;
    pf_pool *pool = e->pool;
    memset(&ev, 0, sizeof ev);
    if (e->ws)
        pf_ws_last_event(e->ws, &ev); /* a hold's or backoff's time left, a close code */
    else
        ev.state = pf_sse_get_state(e->sse);
    ev.cause = PF_WS_CAUSE_SHARED;
    begin(e);
    if (sub->cb.on_state)
        sub->cb.on_state(sub->ud, &ev);
    if (e->sse) {
        if (!sub->gone && !pool->dying)
            replay_events(e, sub, last_id, last_id_len);
    } else if (e->kept_lost) {
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

/* The entry's connection has stopped for good: only a new connect starts it
 * (an auth_failed one waits for a token instead). */
static int stopped(const entry *e)
{
    pf_ws_state st = e->ws ? pf_ws_get_state(e->ws) : pf_sse_get_state(e->sse);
    return st == PF_WS_CLOSED || st == PF_WS_FORBIDDEN || st == PF_WS_NOT_FOUND;
}

/* Adds `sub` (taken) to the entry for `url` and the socket options `wo`,
 * or (wo NULL) the stream options `so`, opening it when there is none;
 * else catches the joiner up. */
static int attach(pf_pool *pool, pf_pool_sub *sub, const char *url, size_t url_len,
                  const pf_ws_opts *wo, const pf_sse_opts *so, const char *last_id,
                  size_t last_id_len, pf_pool_sub **out)
{
    entry *e = find_entry(pool, url, url_len, wo, so);
    int fresh = 0, rc;
    if (!e) {
        rc = make_room(pool);
        if (rc == PF_OK && !(e = entry_new(pool, url, url_len, wo, so)))
            rc = PF_ENOMEM;
        if (rc == PF_OK && e->sse && last_id_len)
            rc = pf_sse_set_last_event_id(e->sse, last_id, last_id_len);
        if (rc != PF_OK) {
            if (e)
                entry_remove(pool, e);
            sub_free(sub);
            return rc;
        }
        fresh = 1;
    } else if (stopped(e)) {
        /* A joiner of a connection that has stopped (max retries, 204,
         * 4003, 4004) starts it again, as a connection of its own would;
         * the others hear it too. Their callbacks may free the pool. */
        pool->dispatching++;
        if (e->ws)
            pf_ws_connect(e->ws);
        else
            pf_sse_connect(e->sse);
        if (pool->dying) {
            end_pool(pool);
            sub_free(sub);
            return PF_ESTATE;
        }
        end_pool(pool);
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
        rc = e->ws ? pf_ws_connect(e->ws) : pf_sse_connect(e->sse);
        if (rc != PF_OK) {
            pf_pool_unsubscribe(sub);
            *out = NULL;
            return rc;
        }
    } else {
        catch_up(e, sub, last_id, last_id_len);
    }
    return PF_OK;
}

int pf_pool_subscribe(pf_pool *pool, const char *url, size_t url_len,
                      const pf_pool_sub_opts *opts, const pf_pool_sub_callbacks *cb,
                      void *ud, pf_pool_sub **out)
{
    pf_pool_sub *sub;
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
    return attach(pool, sub, url, url_len, opts && opts->ws ? opts->ws : &pool->o.ws, NULL,
                  NULL, 0, out);
}

int pf_pool_subscribe_sse(pf_pool *pool, const char *url, size_t url_len,
                          const pf_pool_sse_opts *opts, const pf_pool_sse_callbacks *cb,
                          void *ud, pf_pool_sub **out)
{
    static const pf_sse_opts defaults;
    pf_pool_sub *sub;
    if (!pool || !url || !url_len || !out || pool->dying ||
        (opts && opts->last_event_id_len && !opts->last_event_id))
        return PF_EINVAL;
    *out = NULL;
    sub = calloc(1, sizeof *sub);
    if (!sub)
        return PF_ENOMEM;
    if (cb) {
        sub->cb.on_state = cb->on_state;
        sub->cb.on_resync = cb->on_resync;
        sub->cb.on_error = cb->on_error;
        sub->on_event = cb->on_message;
    }
    sub->ud = ud;
    return attach(pool, sub, url, url_len, NULL, opts && opts->sse ? opts->sse : &defaults,
                  opts ? opts->last_event_id : NULL, opts ? opts->last_event_id_len : 0, out);
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
    if (!sub || sub->gone || !sub->e->ws)
        return PF_EINVAL;
    if (sub->no_queue)
        flags |= PF_WS_SEND_NO_QUEUE;
    return pf_ws_send(sub->e->ws, data, len, flags);
}

pf_ws *pf_pool_sub_ws(const pf_pool_sub *sub)
{
    return sub && !sub->gone ? sub->e->ws : NULL;
}

pf_sse *pf_pool_sub_sse(const pf_pool_sub *sub)
{
    return sub && !sub->gone ? sub->e->sse : NULL;
}
