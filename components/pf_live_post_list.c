/*
 * pf_live_post_list.c: LivePostList, the seed's "Real-Time Component
 * Updates" example, on the component framework (pf_component.h).
 *
 * Props (all optional):
 *   "url"    the WebSocket of the post stream (default "/ws/posts");
 *   "api"    the base of the REST API (default "": same origin);
 *   "token"  appended as ?token= to the socket URL.
 *
 * State (pf_component_state): "loading" (bool), "connected" (bool),
 * "status" (the connection state's name), "error" (string, absent when
 * none), "count" (posts shown) and "ignored" (messages dropped as unknown or
 * malformed). The posts themselves are kept by the component (normalised
 * copies, newest first) and rendered from there: updating one post does not
 * copy the whole list.
 *
 * Loading follows docs/protocol.md section 6: a server that supports it
 * sends {"type":"snapshot","posts":[...],"seq":N} first on a connection
 * without since=; when none comes within SNAPSHOT_WAIT_MS, when the first
 * frame is something else (a core server), or when the socket cannot open,
 * the list is loaded with GET <api>/api/posts?published=true (an object
 * {posts, seq} or a plain array). Live events that arrive while that request
 * is in flight are kept and re-applied on top of its answer, and the
 * answer's seq becomes the socket's resume position. A resync keeps the old
 * list on screen until the new one arrives.
 *
 * Every string from the network reaches the DOM through pf_html's text and
 * attribute functions, never as markup.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_num.h"
#include "cJSON.h"
#include "pf_live_util.h"
#include "pf_component.h"
#include "pf_host.h"
#include "pf_json.h"
#include "pf_loop.h"
#include "pf_state.h"
#include "pf_ws.h"
#include "pf_ws_internal.h"

/* How long to wait for a snapshot after connecting before asking REST. */
#define SNAPSHOT_WAIT_MS 1500.0
/* REST retries after a failed load: first delay, cap. */
/* Shown content, in code points. */
#define CONTENT_MAX_CHARS 100
/* Live events kept while a REST load is in flight. */
#define BACKLOG_MAX 1000
/* Largest REST answer accepted. */
#define REST_MAX_BYTES ((size_t)32 * 1024 * 1024)

typedef struct post_list {
    pf_component *c;
    char *ws_url;        /* with token=, for pf_component_ws_connect */
    int joined;          /* joined a shared socket already running */
    size_t ws_url_len;
    char *api;           /* REST base */
    cJSON *posts;        /* array of normalised posts, newest first */
    int loaded;          /* a list (snapshot or REST) has been applied */
    int awaiting;        /* waiting for a snapshot */
    uint32_t wait_timer;
    uint32_t retry_timer;
    double retry_ms;
    int32_t http;        /* REST request in flight, 0 if none */
    cJSON *backlog;      /* live events received while `http` is in flight */
    double ignored;
} post_list;

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

/* Parses an ISO 8601 date-time ("2026-11-26T14:26:46.185Z", with or without
 * fraction and offset; no offset is taken as UTC) into ms since the epoch.
 * Returns 0 when the text is not one. */
static int parse_iso(const char *s, double *out)
{
    int y, mo, d, h = 0, mi = 0;
    double sec = 0;
    size_t i = 0, n = strlen(s);
#define DIGITS(k, var)                                        \
    do {                                                      \
        var = 0;                                              \
        for (int j_ = 0; j_ < (k); j_++, i++) {               \
            if (i >= n || s[i] < '0' || s[i] > '9')           \
                return 0;                                     \
            var = var * 10 + (s[i] - '0');                    \
        }                                                     \
    } while (0)
    DIGITS(4, y);
    if (i >= n || s[i++] != '-')
        return 0;
    DIGITS(2, mo);
    if (i >= n || s[i++] != '-')
        return 0;
    DIGITS(2, d);
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        int si = 0;
        i++;
        DIGITS(2, h);
        if (i >= n || s[i++] != ':')
            return 0;
        DIGITS(2, mi);
        if (i < n && s[i] == ':') {
            i++;
            DIGITS(2, si);
            sec = si;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                double scale = 0.1;
                i++;
                if (i >= n || s[i] < '0' || s[i] > '9')
                    return 0;
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    sec += (s[i] - '0') * scale;
                    scale /= 10;
                    i++;
                }
            }
        }
        if (h > 24 || mi > 59 || sec >= 61)
            return 0;
    }
    double offset_min = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
        DIGITS(2, oh);
        if (i < n && s[i] == ':')
            i++;
        if (i < n)
            DIGITS(2, om);
        offset_min = sign * (oh * 60 + om);
    }
#undef DIGITS
    if (i != n)
        return 0;
    /* Days from civil (H. Hinnant). */
    int yy = y - (mo <= 2);
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    double days = (double)era * 146097 + doe - 719468;
    *out = ((days * 24 + h) * 60 + mi - offset_min) * 60000.0 + sec * 1000.0;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Cutting content to CONTENT_MAX_CHARS code points                         */
/* ------------------------------------------------------------------------ */

/* Decodes one UTF-8 sequence at s[0..n); an invalid byte is one U+FFFD. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    size_t len;
    uint32_t v, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        len = 2, v = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3, v = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4, v = b & 0x07, min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return len;
}

/* Code points that continue the character before them (combining marks,
 * joiners, variation selectors, emoji modifiers and tags): a cut must not
 * fall just before one. Not the full Unicode table, the common cases. */
static int extends_previous(uint32_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489) ||
           (c >= 0x0591 && c <= 0x05C7) || (c >= 0x0610 && c <= 0x061A) ||
           (c >= 0x064B && c <= 0x065F) || c == 0x0670 || (c >= 0x06D6 && c <= 0x06ED) ||
           (c >= 0x0900 && c <= 0x0903) || (c >= 0x093A && c <= 0x094F) ||
           (c >= 0x0E31 && c <= 0x0E3A && c != 0x0E32 && c != 0x0E33) ||
           (c >= 0x0E47 && c <= 0x0E4E) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || c == 0x200C || c == 0x200D ||
           (c >= 0x20D0 && c <= 0x20FF) || (c >= 0x302A && c <= 0x302F) ||
           (c >= 0x3099 && c <= 0x309A) || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x1F3FB && c <= 0x1F3FF) ||
           (c >= 0xE0020 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF);
}

static int regional_indicator(uint32_t c)
{
    return c >= 0x1F1E6 && c <= 0x1F1FF;
}

/* How many bytes of `s` to show: all of it when it has at most `max` code
 * points (returns 0), else a prefix of at most `max` code points that does
 * not end inside a combining sequence, joined emoji or flag when that can
 * be avoided (returns 1, *keep set). Never splits a code point. */
static int cut_text(const char *s, size_t len, size_t max, size_t *keep)
{
    uint32_t cp[CONTENT_MAX_CHARS + 1];
    size_t off[CONTENT_MAX_CHARS + 1];
    size_t pos = 0, count = 0;
    if (max > CONTENT_MAX_CHARS)
        max = CONTENT_MAX_CHARS;
    while (pos < len && count <= max) {
        off[count] = pos;
        pos += utf8_next((const unsigned char *)s + pos, len - pos, &cp[count]);
        count++;
    }
    if (count <= max) {
        *keep = len;
        return 0;
    }
    /* cp[max] exists: it is the first code point left out. */
    size_t k = max;
    while (k > 0 && (extends_previous(cp[k]) || cp[k - 1] == 0x200D))
        k--;
    if (k > 0 && regional_indicator(cp[k]) && regional_indicator(cp[k - 1])) {
        size_t run = 0;
        while (run < k && regional_indicator(cp[k - 1 - run]))
            run++;
        if (run % 2 == 1)
            k--; /* cp[k-1] pairs with cp[k] */
    }
    if (k == 0)
        k = max; /* one endless cluster: cut it after all */
    *keep = off[k];
    return 1;
}

/* ------------------------------------------------------------------------ */
/* The list                                                                 */
/* ------------------------------------------------------------------------ */

static void set_bool(post_list *s, const char *key, int v)
{
    pf_state_update(pf_component_state(s->c), key, cJSON_CreateBool(v));
}

static void set_error(post_list *s, const char *msg)
{
    pf_state *st = pf_component_state(s->c);
    if (msg)
        pf_state_update(st, "error", cJSON_CreateString(msg));
    else if (pf_state_get(st, "error"))
        pf_state_remove(st, "error", 5);
}

static void ignore(post_list *s, const char *why)
{
    s->ignored++;
    pf_state_update(pf_component_state(s->c), "ignored", cJSON_CreateNumber(s->ignored));
    pf__log(PF_LOG_DEBUG, why);
}

static void list_changed(post_list *s)
{
    pf_state_update(pf_component_state(s->c), "count",
                    cJSON_CreateNumber(cJSON_GetArraySize(s->posts)));
    pf_component_invalidate(s->c);
}

static void add_string(cJSON *to, const cJSON *from, const char *name, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
    if (v && !cJSON_IsString(v))
        (*bad)++;
    cJSON_AddStringToObject(to, name, cJSON_IsString(v) && v->valuestring ? v->valuestring : "");
}

/* A normalised copy of a post from the network: {id, title, content,
 * author_name, created_at, t} with strings in place of anything missing or
 * mistyped and `t` the creation time for ordering (unparsable dates count
 * as newest, so a post_created still goes to the top). NULL when `p` is not
 * an object with an integer id. Fields that had a wrong type add to *bad. */
static cJSON *post_normalize(const cJSON *p, int *bad)
{
    double id, t;
    if (!cJSON_IsObject(p) || !pf__json_id(cJSON_GetObjectItemCaseSensitive(p, "id"), &id))
        return NULL;
    cJSON *n = cJSON_CreateObject();
    if (!n)
        return NULL;
    cJSON_AddNumberToObject(n, "id", id);
    add_string(n, p, "title", bad);
    add_string(n, p, "content", bad);
    add_string(n, p, "author_name", bad);
    add_string(n, p, "created_at", bad);
    const char *created = cJSON_GetObjectItemCaseSensitive(n, "created_at")->valuestring;
    if (!parse_iso(created, &t))
        t = 1e300;
    cJSON_AddNumberToObject(n, "t", t);
    return n;
}

static double num_of(const cJSON *post, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(post, name);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Newest first by created_at, ties: higher id first. */
static int newer(const cJSON *a, const cJSON *b)
{
    double ta = num_of(a, "t"), tb = num_of(b, "t");
    if (ta != tb)
        return ta > tb;
    return num_of(a, "id") > num_of(b, "id");
}

static cJSON *find_post(cJSON *posts, double id)
{
    cJSON *p;
    cJSON_ArrayForEach(p, posts)
    {
        if (num_of(p, "id") == id)
            return p;
    }
    return NULL;
}

/* Inserts (takes ownership of) a normalised post at its place in the order. */
static void insert_sorted(cJSON *posts, cJSON *post)
{
    int i = 0;
    cJSON *p;
    cJSON_ArrayForEach(p, posts)
    {
        if (newer(post, p))
            break;
        i++;
    }
    if (!pf__json_insert(posts, i, post))
        cJSON_Delete(post);
}

static void remove_post(cJSON *posts, double id)
{
    cJSON *p = find_post(posts, id);
    if (p)
        cJSON_Delete(cJSON_DetachItemViaPointer(posts, p));
}

typedef struct sort_item {
    cJSON *post;
    size_t order;
} sort_item;

static int by_id_then_order(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    double ix = num_of(x->post, "id"), iy = num_of(y->post, "id");
    if (ix != iy)
        return ix < iy ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

static int by_recency(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (newer(x->post, y->post))
        return -1;
    if (newer(y->post, x->post))
        return 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

/* Sorts items by cmp with a heapsort: O(n log n), in place. Both orders
 * above are total (ties go by arrival order), so the result is the one any
 * sort gives; libc's qsort (musl's smoothsort) weighed 0.6 KB gzipped in the
 * wasm (issue #8). */
static void sort_items(sort_item *a, size_t n, int (*cmp)(const void *, const void *))
{
    size_t start = n / 2, end = n;
    for (;;) {
        size_t root;
        if (start > 0) {
            root = --start; /* building the heap */
        } else if (end > 1) {
            sort_item t = a[0]; /* moving the largest to the end */
            a[0] = a[--end];
            a[end] = t;
            root = 0;
        } else {
            return;
        }
        for (size_t child; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && cmp(&a[child], &a[child + 1]) < 0)
                child++;
            if (cmp(&a[root], &a[child]) >= 0)
                break;
            sort_item t = a[root];
            a[root] = a[child];
            a[child] = t;
        }
    }
}

/* Builds a new list from a posts array from the network: normalised,
 * without duplicate ids (the first one wins), newest first. Entries that are
 * not posts are skipped and counted in *skipped. NULL when out of memory. */
static cJSON *build_list(const cJSON *arr, size_t *skipped)
{
    int n = cJSON_GetArraySize(arr), kept = 0, bad = 0;
    sort_item *items = calloc(n ? (size_t)n : 1, sizeof *items);
    cJSON *out = cJSON_CreateArray();
    const cJSON *p;
    if (!items || !out) {
        free(items);
        cJSON_Delete(out);
        return NULL;
    }
    cJSON_ArrayForEach(p, arr)
    {
        cJSON *np = post_normalize(p, &bad);
        if (!np) {
            (*skipped)++;
            continue;
        }
        items[kept].post = np;
        items[kept].order = (size_t)kept;
        kept++;
    }
    sort_items(items, (size_t)kept, by_id_then_order);
    int unique = 0;
    for (int i = 0; i < kept; i++) {
        if (unique > 0 && num_of(items[unique - 1].post, "id") == num_of(items[i].post, "id")) {
            cJSON_Delete(items[i].post);
            (*skipped)++;
            continue;
        }
        items[unique++] = items[i];
    }
    sort_items(items, (size_t)unique, by_recency);
    for (int i = 0; i < unique; i++)
        cJSON_AddItemToArray(out, items[i].post);
    free(items);
    return out;
}

/* Applies one live event to `posts`. Returns 1 if it was a known event
 * with valid fields, 0 if it was ignored. */
static int apply_event(cJSON *posts, const cJSON *msg, const char *type)
{
    int bad = 0;
    double id;
    if (strcmp(type, "post_created") == 0 || strcmp(type, "post_updated") == 0) {
        cJSON *np = post_normalize(cJSON_GetObjectItemCaseSensitive(msg, "post"), &bad);
        if (!np)
            return 0;
        cJSON *old = find_post(posts, num_of(np, "id"));
        if (old && strcmp(type, "post_updated") == 0) {
            cJSON_ReplaceItemViaPointer(posts, old, np); /* in place */
        } else {
            if (old)
                cJSON_Delete(cJSON_DetachItemViaPointer(posts, old));
            insert_sorted(posts, np);
        }
        return 1;
    }
    if (strcmp(type, "post_deleted") == 0) {
        if (!pf__json_id(cJSON_GetObjectItemCaseSensitive(msg, "post_id"), &id))
            return 0;
        remove_post(posts, id);
        return 1;
    }
    return 0;
}

static int is_post_event(const char *type)
{
    return strcmp(type, "post_created") == 0 || strcmp(type, "post_updated") == 0 ||
           strcmp(type, "post_deleted") == 0;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

static void load_rest(post_list *s);

static void stop_waiting(post_list *s)
{
    s->awaiting = 0;
    pf_timer_clear(s->wait_timer);
    s->wait_timer = 0;
}

static void abort_http(post_list *s)
{
    if (s->http > 0) {
        pf_io_unwatch(s->http);
        pf_host_http_abort(s->http);
    }
    s->http = 0;
    cJSON_Delete(s->backlog);
    s->backlog = NULL;
}

/* Replaces the list with `list` (taken). */
static void list_loaded(post_list *s, cJSON *list)
{
    cJSON_Delete(s->posts);
    s->posts = list;
    s->loaded = 1;
    s->retry_ms = 0;
    pf_timer_clear(s->retry_timer);
    s->retry_timer = 0;
    set_bool(s, "loading", 0);
    set_error(s, NULL);
    list_changed(s);
}

static void wait_expired(void *ud)
{
    post_list *s = ud;
    s->wait_timer = 0;
    s->awaiting = 0;
    load_rest(s);
}

static void start_waiting(post_list *s)
{
    if (s->awaiting)
        return;
    s->awaiting = 1;
    s->wait_timer = pf_timer_set(SNAPSHOT_WAIT_MS, wait_expired, s);
}

static void retry_due(void *ud)
{
    post_list *s = ud;
    s->retry_timer = 0;
    if (!s->loaded)
        load_rest(s);
}

static void load_failed(post_list *s, const char *msg)
{
    pf__log(PF_LOG_WARN, "LivePostList: could not load the posts");
    set_bool(s, "loading", 0);
    set_error(s, msg);
    if (!s->loaded && !s->retry_timer) {
        s->retry_ms = pf__retry_next(s->retry_ms);
        s->retry_timer = pf_timer_set(s->retry_ms, retry_due, s);
    }
}

static void http_done(void *ud, int32_t handle, int status, const char *body, size_t len)
{
    post_list *s = ud;
    cJSON *doc = NULL, *list;
    const cJSON *arr, *seqv;
    double rest_seq = -1;
    size_t skipped = 0;
    char msg[96];
    if (handle != s->http)
        return;
    s->http = 0;
    if (status < 200 || status > 299) {
        if (status)
            pf_fmt(msg, sizeof msg, "Could not load posts (HTTP %d)", status);
        else
            pf_fmt(msg, sizeof msg, "Could not load posts (network error)");
        cJSON_Delete(s->backlog);
        s->backlog = NULL;
        load_failed(s, msg);
        return;
    }
    if (pf_json_parse(body, len, REST_MAX_BYTES, &doc, NULL) != PF_OK) {
        cJSON_Delete(s->backlog);
        s->backlog = NULL;
        load_failed(s, "Could not load posts: the answer is not valid JSON");
        return;
    }
    arr = cJSON_IsArray(doc) ? doc : cJSON_GetObjectItemCaseSensitive(doc, "posts");
    seqv = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "seq") : NULL;
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(doc);
        cJSON_Delete(s->backlog);
        s->backlog = NULL;
        load_failed(s, "Could not load posts: the answer has no list of posts");
        return;
    }
    pf__json_id(seqv, &rest_seq);
    list = build_list(arr, &skipped);
    cJSON_Delete(doc);
    if (!list) {
        cJSON_Delete(s->backlog);
        s->backlog = NULL;
        load_failed(s, "Could not load posts: out of memory");
        return;
    }
    if (skipped)
        ignore(s, "LivePostList: skipped malformed posts in the list");
    /* Events that came while the request was in flight and are newer than
     * the list go on top of it. */
    const cJSON *ev;
    cJSON_ArrayForEach(ev, s->backlog)
    {
        double seq;
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
        if (rest_seq >= 0 && pf__json_id(cJSON_GetObjectItemCaseSensitive(ev, "seq"), &seq) &&
            seq <= rest_seq)
            continue;
        apply_event(list, ev, type->valuestring);
    }
    cJSON_Delete(s->backlog);
    s->backlog = NULL;
    pf_ws *ws = pf_component_ws(s->c);
    /* Not on a socket this list joined: moving a shared position would
     * drop frames the other lists on it have not had. */
    if (ws && !s->joined && rest_seq >= 0 && (int64_t)rest_seq > pf_ws_last_seq(ws))
        pf_ws_set_last_seq(ws, (int64_t)rest_seq);
    list_loaded(s, list);
}

static const pf_io_handler http_handler = { .http_done = http_done };

/* GET <api>/api/posts?published=true, unless one is in flight. */
static void load_rest(post_list *s)
{
    if (s->http > 0)
        return;
    size_t alen = strlen(s->api);
    const char path[] = "/api/posts?published=true";
    char *url = malloc(alen + sizeof path);
    if (!url) {
        load_failed(s, "Could not load posts: out of memory");
        return;
    }
    memcpy(url, s->api, alen);
    memcpy(url + alen, path, sizeof path);
    int32_t h = pf_host_http_request("GET", 3, url, alen + sizeof path - 1, NULL, 0);
    free(url);
    if (h <= 0 || pf_io_watch(h, &http_handler, s) != PF_OK) {
        if (h > 0)
            pf_host_http_abort(h);
        load_failed(s, "Could not load posts: the request could not start");
        return;
    }
    s->http = h;
    s->backlog = cJSON_CreateArray();
}

/* ------------------------------------------------------------------------ */
/* Component callbacks                                                      */
/* ------------------------------------------------------------------------ */

static void lpl_destroy(void *self);

static int lpl_create(pf_component *c, const cJSON *props, void **self)
{
    post_list *s = calloc(1, sizeof *s);
    if (!s)
        return PF_ENOMEM;
    s->c = c;
    const char *url = pf__json_str(props, "url", "/ws/posts");
    const char *token = pf__json_str(props, "token", "");
    if (!url[0])
        url = "/ws/posts";
    s->ws_url = pf__ws_build_url(url, strlen(url), token, strlen(token), NULL, NULL, 0,
                                 &s->ws_url_len);
    s->api = pf__strdup(pf__json_str(props, "api", ""));
    s->posts = cJSON_CreateArray();
    if (!s->ws_url || !s->api || !s->posts) {
        lpl_destroy(s);
        return PF_ENOMEM;
    }
    pf_state *st = pf_component_state(c);
    cJSON *init = cJSON_CreateObject();
    cJSON_AddTrueToObject(init, "loading");
    cJSON_AddFalseToObject(init, "connected");
    cJSON_AddStringToObject(init, "status", "idle");
    cJSON_AddNumberToObject(init, "count", 0);
    cJSON_AddNumberToObject(init, "ignored", 0);
    int rc = pf_state_set_multiple(st, init);
    if (rc != PF_OK) {
        lpl_destroy(s);
        return rc;
    }
    *self = s;
    return PF_OK;
}

static void lpl_did_mount(pf_component *c, void *self)
{
    post_list *s = self;
    int rc = pf_component_ws_connect(c, s->ws_url, s->ws_url_len, NULL);
    if (rc != PF_OK) {
        set_error(s, "Live updates are unavailable");
        load_rest(s);
    }
}

static void lpl_on_message(pf_component *c, void *self, const cJSON *msg,
                           const char *raw, size_t raw_len)
{
    post_list *s = self;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    (void)c;
    (void)raw;
    (void)raw_len;
    if (!cJSON_IsObject(msg) || !cJSON_IsString(type) || !type->valuestring) {
        ignore(s, "LivePostList: ignored a message without a type");
        return;
    }
    const char *t = type->valuestring;
    if (strcmp(t, "snapshot") == 0) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(msg, "posts");
        size_t skipped = 0;
        cJSON *list = cJSON_IsArray(arr) ? build_list(arr, &skipped) : NULL;
        if (!list) {
            ignore(s, "LivePostList: ignored a snapshot without posts");
            if (s->awaiting || !s->loaded) {
                stop_waiting(s);
                load_rest(s);
            }
            return;
        }
        if (skipped)
            ignore(s, "LivePostList: skipped malformed posts in a snapshot");
        stop_waiting(s);
        abort_http(s); /* the snapshot is at least as new */
        list_loaded(s, list);
        return;
    }
    if (!is_post_event(t)) {
        ignore(s, "LivePostList: ignored a message of unknown type");
        return;
    }
    if (s->awaiting) {
        /* Something other than a snapshot came first: a core server. */
        stop_waiting(s);
        load_rest(s);
    }
    if (!apply_event(s->posts, msg, t)) {
        ignore(s, "LivePostList: ignored an event with invalid fields");
        return;
    }
    if (s->backlog && cJSON_GetArraySize(s->backlog) < BACKLOG_MAX)
        cJSON_AddItemToArray(s->backlog, cJSON_Duplicate(msg, 1));
    list_changed(s);
}

static void lpl_on_connection(pf_component *c, void *self, const pf_ws_event *ev)
{
    post_list *s = self;
    pf_state *st = pf_component_state(c);
    pf_state_update(st, "status", cJSON_CreateString(pf_ws_state_name(ev->state)));
    set_bool(s, "connected", ev->state == PF_WS_OPEN);
    if (ev->cause == PF_WS_CAUSE_SHARED)
        s->joined = 1;
    switch (ev->state) {
    case PF_WS_OPEN: {
        pf_ws *ws = pf_component_ws(c);
        /* Without a resume position the server sends its initial state (or
         * nothing, if it is a core server). */
        if (ws && pf_ws_last_seq(ws) < 0 && !s->http)
            start_waiting(s);
        break;
    }
    case PF_WS_IDLE:
    case PF_WS_CONNECTING:
        break;
    default:
        /* The link is down (or not yet up): show the posts anyway. */
        stop_waiting(s);
        if (!s->loaded && ev->state != PF_WS_RATE_LIMITED)
            load_rest(s);
        break;
    }
}

static void lpl_on_resync(pf_component *c, void *self)
{
    post_list *s = self;
    (void)c;
    /* The old list stays on screen until the snapshot (or REST) answers. */
    stop_waiting(s);
    start_waiting(s);
}

static void render_post(pf_html *h, const cJSON *p)
{
    const char *title = cJSON_GetObjectItemCaseSensitive(p, "title")->valuestring;
    const char *content = cJSON_GetObjectItemCaseSensitive(p, "content")->valuestring;
    const char *author = cJSON_GetObjectItemCaseSensitive(p, "author_name")->valuestring;
    const char *created = cJSON_GetObjectItemCaseSensitive(p, "created_at")->valuestring;
    size_t clen = strlen(content), keep;
    int cut = cut_text(content, clen, CONTENT_MAX_CHARS, &keep);
    pf_html_open(h, "article");
    pf_html_attr(h, "class", "post");
    pf_html_attrf(h, "data-id", "%.0f", num_of(p, "id"));
    pf_html_open(h, "h3");
    pf_html_str(h, title);
    pf_html_close(h);
    pf_html_open(h, "p");
    pf_html_text(h, content, keep);
    if (cut)
        pf_html_str(h, "...");
    pf_html_close(h);
    pf_html_open(h, "small");
    pf_html_str(h, "By ");
    /* The author's name in its own element: dir="auto" isolates it (the
     * HTML UA stylesheet gives any [dir] element unicode-bidi: isolate), so
     * bidi controls in a name cannot reorder the date after it. */
    pf_html_open(h, "span");
    pf_html_attr(h, "class", "author");
    pf_html_attr(h, "dir", "auto");
    pf_html_str(h, author);
    pf_html_close(h);
    pf_html_str(h, " \xE2\x80\xA2 "); /* " • " */
    pf__html_time(h, created);
    pf_html_close(h);
    pf_html_close(h);
}

static int lpl_render(pf_component *c, void *self, pf_html *h)
{
    post_list *s = self;
    pf_state *st = pf_component_state(c);
    int loading = 0, connected = 0;
    const char *error = NULL, *status = "idle";
    pf_state_get_bool(st, "loading", &loading);
    pf_state_get_bool(st, "connected", &connected);
    pf_state_get_string(st, "error", &error);
    pf_state_get_string(st, "status", &status);
    if (loading) {
        pf_html_open(h, "div");
        pf_html_attr(h, "class", "loading");
        pf_html_str(h, "Loading posts...");
        pf_html_close(h);
        return pf_html_status(h);
    }
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "live-post-list");
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "status");
    pf_html_attr(h, "data-state", status);
    /* 🟢 / 🔴 */
    pf_html_str(h, connected ? "\xF0\x9F\x9F\xA2 Live Updates" : "\xF0\x9F\x94\xB4 Live Updates");
    pf_html_close(h);
    if (error) {
        pf_html_open(h, "p");
        pf_html_attr(h, "class", "error");
        pf_html_str(h, error);
        pf_html_close(h);
    }
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "posts");
    if (!s->posts || !s->posts->child) {
        pf_html_open(h, "p");
        pf_html_str(h, "No posts yet.");
        pf_html_close(h);
    } else {
        const cJSON *p;
        cJSON_ArrayForEach(p, s->posts)
        {
            render_post(h, p);
        }
    }
    pf_html_close(h);
    pf_html_close(h);
    return pf_html_status(h);
}

static void lpl_will_unmount(pf_component *c, void *self)
{
    post_list *s = self;
    (void)c;
    stop_waiting(s);
    pf_timer_clear(s->retry_timer);
    s->retry_timer = 0;
    abort_http(s);
}

static void lpl_destroy(void *self)
{
    post_list *s = self;
    if (!s)
        return;
    pf_timer_clear(s->wait_timer);
    pf_timer_clear(s->retry_timer);
    abort_http(s);
    cJSON_Delete(s->posts);
    free(s->ws_url);
    free(s->api);
    free(s);
}

const pf_component_class pf_live_post_list_class = {
    .name = "LivePostList",
    .create = lpl_create,
    .did_mount = lpl_did_mount,
    .on_message = lpl_on_message,
    .on_connection = lpl_on_connection,
    .on_resync = lpl_on_resync,
    .render = lpl_render,
    .will_unmount = lpl_will_unmount,
    .destroy = lpl_destroy,
};
