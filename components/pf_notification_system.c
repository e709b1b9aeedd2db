/*
 * pf_notification_system.c: NotificationSystem, the seed's "Real-Time
 * Notifications" example, on the component framework (pf_component.h).
 *
 * Props (all optional):
 *   "url"    the notification stream (default "/events/notifications");
 *   "api"    the base of the REST API (default "");
 *   "token"  sent as ?token= to the stream and the REST calls;
 *   "icon"   the icon URL of browser notifications when a notification's
 *            own icon is not a URL (default "/static/notification-icon.png",
 *            as in the seed);
 *   "idle_timeout"  ms without an event or keep-alive comment before the
 *            stream is judged dead and reopened (default 45000: three of
 *            the protocol's 15 s keep-alives; 0 turns it off).
 *
 * State: "unread_count" (number), "show_panel" (bool), "status" (the
 * stream's state name), "error" (string, absent when none) and "ignored"
 * (events dropped as unknown or malformed). The notifications themselves
 * (normalised copies, newest first, at most MAX_ITEMS) are kept by the
 * component.
 *
 * On mount it opens the stream with pf_sse and, once the stream is open,
 * loads GET <api>/api/notifications?days=7 (an object {notifications,
 * unread_count, last_event_id} or a plain array): subscribed first, so that nothing falls
 * between the list and the stream, read events included (they are not
 * replayed). A stream that fails its first attempt, or is not open after
 * FIRST_LOAD_WAIT_MS, does not hold the list back: it loads then, and again
 * when the stream opens. A stream that has had no event yet takes the
 * list's last_event_id, so that after a loss it resumes from there (what
 * came meanwhile is replayed as events). The stream is shared
 * (pf_component_sse_connect): every NotificationSystem on the page with the
 * same URL and token uses one event stream; one that joins an open stream loads its list at once;
 * unmount leaves the stream to the others (pf_component does it). Each
 * `notification` event goes to the top (a known id is a duplicate and is
 * dropped), the list keeps the newest MAX_ITEMS, and an unread one asks the
 * browser for a Notification through pf_component_call("notify"): the
 * bindings show it only when permission is already granted.
 *
 * Opening the panel (the bell's data-on-click="toggle") marks everything
 * read (POST /api/notifications/read-all, when something is unread); a click
 * on an unread item marks it (POST /api/notifications/<id>/read). The local
 * state changes at once; a failed request is shown as an error and the list
 * is loaded again, so that what the server still has unread shows again.
 * What the user marks read in another window comes as `event: read` (the
 * items and the server's unread count); those events are not replayed, so
 * the list is loaded again when the stream opens after a loss or after the
 * list was asked for without it. Until the first load ends the list says
 * it is loading. Each item has a "Mark as read" <button> for the keyboard, and
 * shows created_at as a <time> (pf__html_time).
 * A failed load is shown and tried again (5 s, then doubling up to 60 s).
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
#include "pf_html.h"
#include "pf_json.h"
#include "pf_loop.h"
#include "pf_sse.h"
#include "pf_state.h"
#include "pf_ws_internal.h"

#define MAX_ITEMS 50
#define MAX_POSTS 16                 /* mark-as-read requests watched at once */
#define FIRST_LOAD_WAIT_MS 2000.0    /* load even if the stream is not open yet */
#define REST_MAX_BYTES ((size_t)8 * 1024 * 1024)
#define DEFAULT_ICON "\xF0\x9F\x93\xA2" /* 📢, the protocol's default */

#define DEFAULT_IDLE_TIMEOUT_MS 45000.0

typedef struct notif_system {
    pf_component *c;
    char *url;
    char *token;
    char *api;
    char *icon_url;
    char *stream_url;      /* url with token= (the sharing key) */
    size_t stream_url_len;
    cJSON *items;          /* normalised notifications, newest first */
    double extra_unread;   /* unread on the server beyond `items` */
    size_t live_since_load; /* items the stream added (at the front) since load() */
    cJSON *reads_since_load; /* read events heard while a load was in flight */
    int32_t load;          /* GET in flight, 0 if none */
    int32_t posts[MAX_POSTS];
    uint32_t first_load_timer; /* set until the first load starts */
    uint32_t retry_timer;  /* the next load after a failed one */
    double retry_ms;
    int mark_failed;       /* "error" says a mark-as-read failed */
    double ignored;
    double idle_timeout_ms; /* pf_sse_opts.idle_timeout_ms */
    int stream_open;
    int list_live;         /* the list (or its load) was asked for on an open
                              stream that has stayed open since */
    int listed;            /* a load has ended (the list is not "loading") */
    int had_list;          /* a load has succeeded */
} notif_system;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static double num_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* <api><path> with ?token=; free with free(). */
static char *api_url(const notif_system *s, const char *path, size_t *len)
{
    size_t alen = strlen(s->api), plen = strlen(path);
    char *base = malloc(alen + plen + 1);
    if (!base)
        return NULL;
    memcpy(base, s->api, alen);
    memcpy(base + alen, path, plen + 1);
    char *url = pf__ws_build_url(base, alen + plen, s->token, strlen(s->token), NULL, NULL, 0, len);
    free(base);
    return url;
}

static void set_error(notif_system *s, const char *msg)
{
    pf_state *st = pf_component_state(s->c);
    if (msg)
        pf_state_update(st, "error", cJSON_CreateString(msg));
    else if (pf_state_get(st, "error"))
        pf_state_remove(st, "error", 5);
}

static void ignore(notif_system *s, const char *why)
{
    s->ignored++;
    pf_state_update(pf_component_state(s->c), "ignored", cJSON_CreateNumber(s->ignored));
    pf__log(PF_LOG_DEBUG, why);
}

static int is_read(const cJSON *n)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "read"));
}

static double local_unread(const notif_system *s)
{
    double n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, s->items)
    {
        if (!is_read(it))
            n++;
    }
    return n;
}

/* Publishes the unread count and schedules a render of the list. */
static void items_changed(notif_system *s)
{
    pf_state_update(pf_component_state(s->c), "unread_count",
                    cJSON_CreateNumber(local_unread(s) + s->extra_unread));
    pf_component_invalidate(s->c);
}

static cJSON *find_item(cJSON *items, double id)
{
    cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (num_of(it, "id") == id)
            return it;
    }
    return NULL;
}

static void add_string(cJSON *to, const cJSON *from, const char *name, const char *def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
    cJSON_AddStringToObject(to, name, cJSON_IsString(v) && v->valuestring ? v->valuestring : def);
}

/* A normalised copy {id, title, message, icon, read, created_at}, or NULL
 * when `n` is not an object with an integer id. Anything mistyped becomes
 * its default; `read` is true only for JSON true. */
static cJSON *normalize(const cJSON *n)
{
    double id;
    if (!cJSON_IsObject(n) || !pf__json_id(cJSON_GetObjectItemCaseSensitive(n, "id"), &id))
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", id);
    add_string(o, n, "title", "");
    add_string(o, n, "message", "");
    add_string(o, n, "icon", DEFAULT_ICON);
    cJSON_AddBoolToObject(o, "read", is_read(n));
    add_string(o, n, "created_at", "");
    return o;
}

/* Drops items beyond MAX_ITEMS; the unread ones stay unread on the server. */
static void trim(notif_system *s)
{
    while (cJSON_GetArraySize(s->items) > MAX_ITEMS) {
        cJSON *last = cJSON_DetachItemFromArray(s->items, cJSON_GetArraySize(s->items) - 1);
        if (last && !is_read(last))
            s->extra_unread++;
        cJSON_Delete(last);
    }
}

/* ------------------------------------------------------------------------ */
/* HTTP                                                                     */
/* ------------------------------------------------------------------------ */

static void connect_stream(notif_system *s);
static void load(notif_system *s);
static void on_read(notif_system *s, const cJSON *msg, int use_count);
static void notify_browser(notif_system *s, const cJSON *n);

/* A mark-as-read the server did not take: the list was marked here at
 * once, so it is loaded again to show what the server has (still unread).
 * The error goes with the next mark-as-read that works. */
static void mark_failed(notif_system *s)
{
    s->mark_failed = 1;
    set_error(s, "Could not mark notifications as read");
    load(s);
}

static void post_done(void *ud, int32_t handle, int status, const char *body, size_t len)
{
    notif_system *s = ud;
    (void)body;
    (void)len;
    for (size_t i = 0; i < MAX_POSTS; i++)
        if (s->posts[i] == handle)
            s->posts[i] = 0;
    if (status == 404) {
        pf__log(PF_LOG_INFO, "NotificationSystem: notification not found on the server");
    } else if (status < 200 || status > 299) {
        mark_failed(s);
    } else if (s->mark_failed) {
        s->mark_failed = 0;
        set_error(s, NULL);
    }
}

static const pf_io_handler post_handler = { .http_done = post_done };

static void post(notif_system *s, const char *path)
{
    size_t len = 0;
    char *url = api_url(s, path, &len);
    int32_t h = url ? pf_host_http_request("POST", 4, url, len, NULL, 0) : PF_ENOMEM;
    free(url);
    if (h <= 0) {
        mark_failed(s);
        return;
    }
    for (size_t i = 0; i < MAX_POSTS; i++)
        if (!s->posts[i]) {
            if (pf_io_watch(h, &post_handler, s) == PF_OK)
                s->posts[i] = h;
            return;
        }
    /* Too many at once: the request still goes; its answer is not read. */
}

static void retry_due(void *ud)
{
    notif_system *s = ud;
    s->retry_timer = 0;
    load(s);
}

/* The list could not be loaded: said, and tried again after 5 s, 10 s, ...
 * up to a minute (the stream opens meanwhile; what it brings is kept when
 * the list comes). Not after 401: the token will not get better. */
static void load_failed(notif_system *s, const char *msg, int status)
{
    pf__log(PF_LOG_WARN, "NotificationSystem: could not load notifications");
    set_error(s, msg);
    s->mark_failed = 0;
    pf_component_invalidate(s->c);
    if (status != 401 && !s->retry_timer) {
        s->retry_ms = pf__retry_next(s->retry_ms);
        s->retry_timer = pf_timer_set(s->retry_ms, retry_due, s);
    }
}

static void load_done(void *ud, int32_t handle, int status, const char *body, size_t len)
{
    notif_system *s = ud;
    cJSON *doc = NULL;
    char msg[96];
    if (handle != s->load)
        return;
    s->load = 0;
    s->listed = 1;
    if (status < 200 || status > 299) {
        if (status == 401)
            pf_fmt(msg, sizeof msg, "Authentication required");
        else if (status)
            pf_fmt(msg, sizeof msg, "Could not load notifications (HTTP %d)", status);
        else
            pf_fmt(msg, sizeof msg, "Could not load notifications (network error)");
        load_failed(s, msg, status);
        connect_stream(s);
        return;
    }
    if (pf_json_parse(body, len, REST_MAX_BYTES, &doc, NULL) != PF_OK) {
        load_failed(s, "Could not load notifications: the answer is not valid JSON", 0);
        connect_stream(s);
        return;
    }
    const cJSON *arr = cJSON_IsArray(doc) ? doc : cJSON_GetObjectItemCaseSensitive(doc, "notifications");
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(doc);
        load_failed(s, "Could not load notifications: the answer has no list", 0);
        connect_stream(s);
        return;
    }
    /* Live notifications that came first stay on top; the loaded ones
     * follow in the server's order (newest first), without duplicates. */
    cJSON *list = cJSON_CreateArray();
    cJSON *loaded = cJSON_CreateArray();
    const cJSON *it;
    double skipped = 0, loaded_unread = 0;
    /* After the first list, an unread one newer than all this page had is
     * new to the user: it gets its browser notification here if the stream
     * did not bring it (a stream that opened late, without an event id). */
    double newest = -INFINITY;
    cJSON_ArrayForEach(it, s->items)
        newest = fmax(newest, num_of(it, "id"));
    if (!list || !loaded) {
        cJSON_Delete(list);
        cJSON_Delete(loaded);
        cJSON_Delete(doc);
        load_failed(s, "Could not load notifications: out of memory", 0);
        connect_stream(s);
        return;
    }
    cJSON_ArrayForEach(it, arr)
    {
        cJSON *n = normalize(it);
        if (!n || find_item(loaded, num_of(n, "id"))) {
            cJSON_Delete(n);
            skipped++;
            continue;
        }
        if (!is_read(n)) {
            loaded_unread++;
            if (s->had_list && num_of(n, "id") > newest)
                notify_browser(s, n);
        }
        cJSON_AddItemToArray(loaded, n);
    }
    double server_unread = loaded_unread;
    const cJSON *uc = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "unread_count") : NULL;
    if (cJSON_IsNumber(uc) && uc->valuedouble > server_unread && isfinite(uc->valuedouble))
        server_unread = uc->valuedouble;
    /* A stream that has had no event yet resumes, after a loss, from the
     * list's last event id: what comes while it is down is then replayed
     * as events (a browser notification each), not only found by the
     * reload. */
    const cJSON *lei = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "last_event_id") : NULL;
    pf_sse *sse = pf_component_sse(s->c);
    size_t seen = 0;
    char idbuf[32] = "";
    double lid;
    if (pf__json_id(lei, &lid) && lid >= 0)
        pf_fmt(idbuf, sizeof idbuf, "%.0f", lid);
    else if (cJSON_IsString(lei) && lei->valuestring && strlen(lei->valuestring) < sizeof idbuf)
        pf_fmt(idbuf, sizeof idbuf, "%s", lei->valuestring);
    if (sse && idbuf[0] && (!pf_sse_last_event_id(sse, &seen) || !seen))
        pf_sse_set_last_event_id(sse, idbuf, strlen(idbuf));
    cJSON_Delete(doc);
    if (skipped)
        ignore(s, "NotificationSystem: skipped malformed notifications in the list");

    /* Live ones that arrived while the list loaded and are not in it (a
     * stream that opened early). The rest of the old list goes: after a
     * resync the loaded list is the server's whole truth (a reset server
     * may have none of them, and reuse their ids). */
    if (pf_component_sse(s->c)) {
        cJSON *live = s->items->child;
        for (size_t i = 0; live && i < s->live_since_load; i++, live = live->next) {
            if (!find_item(loaded, num_of(live, "id")))
                cJSON_AddItemToArray(list, cJSON_Duplicate(live, 1));
        }
    }
    while (loaded->child) {
        cJSON *n = cJSON_DetachItemViaPointer(loaded, loaded->child);
        cJSON_AddItemToArray(list, n);
    }
    cJSON_Delete(loaded);
    cJSON_Delete(s->items);
    s->items = list;
    /* Unread notifications the list does not show (older than the ones
     * sent, or beyond MAX_ITEMS) still count. */
    s->extra_unread = server_unread - loaded_unread;
    trim(s);
    if (!s->mark_failed) /* that one stays until a mark-as-read works */
        set_error(s, NULL);
    s->retry_ms = 0;
    s->had_list = 1;
    pf_timer_clear(s->retry_timer);
    s->retry_timer = 0;
    /* A read event heard while the list loaded may be newer than the
     * list: its items are marked again (the list's own unread count
     * stands: it may be the newer one, and an item marked here leaves it
     * by itself). */
    cJSON *reads = s->reads_since_load;
    s->reads_since_load = NULL;
    cJSON_ArrayForEach(it, reads)
        on_read(s, it, 0);
    cJSON_Delete(reads);
    items_changed(s);
    connect_stream(s);
}

static const pf_io_handler load_handler = { .http_done = load_done };

/* Loads the list unless a load is in flight. */
static void load(notif_system *s)
{
    pf_timer_clear(s->first_load_timer);
    s->first_load_timer = 0;
    if (s->load > 0)
        return;
    s->list_live = s->stream_open;
    s->live_since_load = 0;
    cJSON_Delete(s->reads_since_load);
    s->reads_since_load = NULL;
    size_t len = 0;
    char *url = api_url(s, "/api/notifications?days=7", &len);
    int32_t h = url ? pf_host_http_request("GET", 3, url, len, NULL, 0) : PF_ENOMEM;
    free(url);
    if (h <= 0 || pf_io_watch(h, &load_handler, s) != PF_OK) {
        if (h > 0)
            pf_host_http_abort(h);
        load_failed(s, "Could not load notifications: the request could not start", 0);
        connect_stream(s);
        return;
    }
    s->load = h;
}

/* ------------------------------------------------------------------------ */
/* The stream                                                               */

/* A string field of a message, or an empty string. */
static const char *str_of(const cJSON *o, const char *name)
{
    return pf__json_str(o, name, "");
}

/* ------------------------------------------------------------------------ */

static void notify_browser(notif_system *s, const cJSON *n)
{
    cJSON *args = cJSON_CreateObject();
    if (!args)
        return;
    const char *icon = str_of(n, "icon");
    size_t ilen = strlen(icon);
    /* The notification's icon is usually an emoji, not a URL: a browser
     * Notification's icon must be an image URL. */
    int icon_is_url = ilen > 0 && (strchr(icon, '/') || strncmp(icon, "data:image/", 11) == 0) &&
                      pf_html_check_url(icon, ilen, PF_HTML_URL_IMG) == PF_OK;
    cJSON_AddStringToObject(args, "title", str_of(n, "title"));
    cJSON_AddStringToObject(args, "body", str_of(n, "message"));
    if (icon_is_url)
        cJSON_AddStringToObject(args, "icon", icon);
    else if (s->icon_url[0])
        cJSON_AddStringToObject(args, "icon", s->icon_url);
    char *json = pf_json_print(args);
    cJSON_Delete(args);
    if (!json)
        return;
    int rc = pf_component_call(s->c, "notify", json, strlen(json));
    free(json);
    if (rc != PF_OK)
        pf__log(PF_LOG_DEBUG, "NotificationSystem: no browser notification (no permission?)");
}

/* Whether `ids` (a JSON array) holds `id`. */
static int has_id(const cJSON *ids, double id)
{
    const cJSON *v;
    double x;
    cJSON_ArrayForEach(v, ids)
    {
        if (pf__json_id(v, &x) && x == id)
            return 1;
    }
    return 0;
}

/* `event: read`: the user marked notifications read, maybe in another
 * window: {"ids": [...]} or {"all": true, "up_to": N} (those up to N),
 * with the server's "unread_count" after it (protocol.md section 8). */
static void on_read(notif_system *s, const cJSON *msg, int use_count)
{
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(msg, "ids");
    const cJSON *uc = cJSON_GetObjectItemCaseSensitive(msg, "unread_count");
    int all = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "all"));
    double up_to = INFINITY;
    cJSON *it;
    if (!all && !cJSON_IsArray(ids)) {
        ignore(s, "NotificationSystem: ignored a read event without ids");
        return;
    }
    if (all)
        pf__json_id(cJSON_GetObjectItemCaseSensitive(msg, "up_to"), &up_to);
    cJSON_ArrayForEach(it, s->items)
    {
        double id = num_of(it, "id");
        if (!is_read(it) && (all ? id <= up_to : has_id(ids, id)))
            cJSON_ReplaceItemInObjectCaseSensitive(it, "read", cJSON_CreateTrue());
    }
    if (all && use_count)
        s->extra_unread = 0;
    if (use_count && cJSON_IsNumber(uc) && isfinite(uc->valuedouble)) {
        double local = local_unread(s);
        s->extra_unread = uc->valuedouble > local ? uc->valuedouble - local : 0;
    }
    items_changed(s);
}

static void stream_on_message(void *ud, const pf_sse_message *m)
{
    notif_system *s = ud;
    if (pf__is_named(m->event, m->event_len, "read") && m->msg) {
        if (s->load > 0) { /* the list being loaded may be older: kept for it */
            if (!s->reads_since_load)
                s->reads_since_load = cJSON_CreateArray();
            if (!s->reads_since_load || !cJSON_AddItemToArray(s->reads_since_load, cJSON_Duplicate(m->msg, 1)))
                ignore(s, "NotificationSystem: out of memory keeping a read event");
        }
        on_read(s, m->msg, 1);
        return;
    }
    if (!pf__is_named(m->event, m->event_len, "notification")) {
        if (!pf__is_named(m->event, m->event_len, "connected"))
            ignore(s, "NotificationSystem: ignored an event of unknown type");
        return;
    }
    cJSON *n = normalize(m->msg);
    if (!n) {
        ignore(s, "NotificationSystem: ignored a notification without an id");
        return;
    }
    if (find_item(s->items, num_of(n, "id"))) {
        cJSON_Delete(n); /* a duplicate (replay after reconnect) */
        return;
    }
    cJSON_InsertItemInArray(s->items, 0, n);
    s->live_since_load++;
    trim(s);
    items_changed(s);
    if (!is_read(n))
        notify_browser(s, n);
}

static void stream_on_state(void *ud, const pf_ws_event *ev)
{
    notif_system *s = ud;
    pf_state_update(pf_component_state(s->c), "status",
                    cJSON_CreateString(pf_ws_state_name(ev->state)));
    s->stream_open = ev->state == PF_WS_OPEN;
    if (s->stream_open) {
        /* Read events are not replayed: a list asked for before this open
         * (a load in flight too) may miss some, so it is loaded now. */
        if (!s->list_live) {
            if (s->load > 0) {
                pf_io_unwatch(s->load);
                pf_host_http_abort(s->load);
                s->load = 0;
            }
            load(s);
        }
    } else {
        s->list_live = 0;
        if (ev->state > PF_WS_OPEN && s->first_load_timer)
            load(s); /* the first attempt failed: the list does not wait */
    }
}

static void stream_on_resync(void *ud)
{
    notif_system *s = ud;
    load(s); /* the old list stays until the new one arrives */
}

static void stream_on_error(void *ud, int err, const char *text, size_t len)
{
    notif_system *s = ud;
    (void)err;
    (void)text;
    (void)len;
    ignore(s, "NotificationSystem: ignored a malformed event");
}

/* Subscribes to the stream unless subscribed (from no event id: the list
 * is loaded once it is open). */
static void connect_stream(notif_system *s)
{
    if (pf_component_sse(s->c))
        return;
    static const pf_pool_sse_callbacks cb = {
        .on_state = stream_on_state,
        .on_message = stream_on_message,
        .on_resync = stream_on_resync,
        .on_error = stream_on_error,
    };
    pf_sse_opts o;
    memset(&o, 0, sizeof o);
    o.idle_timeout_ms = s->idle_timeout_ms;
    if (pf_component_sse_connect(s->c, s->stream_url, s->stream_url_len, &o, NULL, 0, &cb, s) !=
        PF_OK) {
        set_error(s, "Live notifications are unavailable");
        if (s->first_load_timer)
            load(s);
    }
}

static void first_load_due(void *ud)
{
    notif_system *s = ud;
    s->first_load_timer = 0;
    load(s);
}

/* ------------------------------------------------------------------------ */
/* Component callbacks                                                      */
/* ------------------------------------------------------------------------ */

static void ns_destroy(void *self);

static int ns_create(pf_component *c, const cJSON *props, void **self)
{
    notif_system *s = calloc(1, sizeof *s);
    if (!s)
        return PF_ENOMEM;
    s->c = c;
    const char *url = pf__json_str(props, "url", "/events/notifications");
    s->url = pf__strdup(url[0] ? url : "/events/notifications");
    s->token = pf__strdup(pf__json_str(props, "token", ""));
    s->api = pf__strdup(pf__json_str(props, "api", ""));
    s->icon_url = pf__strdup(pf__json_str(props, "icon", "/static/notification-icon.png"));
    const cJSON *idle = cJSON_GetObjectItemCaseSensitive(props, "idle_timeout");
    s->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
    if (cJSON_IsNumber(idle) && idle->valuedouble >= 0 && idle->valuedouble <= 86400000.0)
        s->idle_timeout_ms = idle->valuedouble;
    s->items = cJSON_CreateArray();
    if (s->url && s->token)
        s->stream_url = pf__ws_build_url(s->url, strlen(s->url), s->token, strlen(s->token), NULL,
                                         NULL, 0, &s->stream_url_len);
    if (!s->url || !s->token || !s->stream_url || !s->api || !s->icon_url || !s->items) {
        ns_destroy(s);
        return PF_ENOMEM;
    }
    cJSON *init = cJSON_CreateObject();
    cJSON_AddNumberToObject(init, "unread_count", 0);
    cJSON_AddFalseToObject(init, "show_panel");
    cJSON_AddStringToObject(init, "status", "idle");
    cJSON_AddNumberToObject(init, "ignored", 0);
    int rc = pf_state_set_multiple(pf_component_state(c), init);
    if (rc != PF_OK) {
        ns_destroy(s);
        return rc;
    }
    *self = s;
    return PF_OK;
}

static void ns_did_mount(pf_component *c, void *self)
{
    notif_system *s = self;
    (void)c;
    s->first_load_timer = pf_timer_set(FIRST_LOAD_WAIT_MS, first_load_due, s);
    connect_stream(s);
}

static void mark_all_read(notif_system *s)
{
    cJSON *it;
    cJSON_ArrayForEach(it, s->items)
    {
        cJSON_ReplaceItemInObjectCaseSensitive(it, "read", cJSON_CreateTrue());
    }
    s->extra_unread = 0;
    items_changed(s);
    post(s, "/api/notifications/read-all");
}

/* Parses a data-id key as an integer id. */
static int key_id(const char *key, size_t len, double *out)
{
    double v = 0;
    size_t i = 0;
    int neg = 0;
    if (!key || len == 0 || len > 17)
        return 0;
    if (key[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len)
        return 0;
    for (; i < len; i++) {
        if (key[i] < '0' || key[i] > '9')
            return 0;
        v = v * 10 + (key[i] - '0');
    }
    *out = neg ? -v : v;
    return 1;
}

static int ns_on_event(pf_component *c, void *self, const pf_component_event *ev)
{
    notif_system *s = self;
    pf_state *st = pf_component_state(c);
    if (pf__is_named(ev->handler, ev->handler_len, "toggle")) {
        int show = 0;
        double unread = 0;
        pf_state_get_bool(st, "show_panel", &show);
        pf_state_get_number(st, "unread_count", &unread);
        show = !show;
        pf_state_update(st, "show_panel", cJSON_CreateBool(show));
        if (show && unread > 0)
            mark_all_read(s); /* opening the panel marks all as read */
        return PF_OK;
    }
    if (pf__is_named(ev->handler, ev->handler_len, "mark_all_read")) {
        mark_all_read(s);
        return PF_OK;
    }
    if (pf__is_named(ev->handler, ev->handler_len, "mark_read")) {
        double id;
        cJSON *it = key_id(ev->key, ev->key_len, &id) ? find_item(s->items, id) : NULL;
        if (!it)
            return PF_ENOTFOUND;
        if (!is_read(it)) {
            char path[64];
            cJSON_ReplaceItemInObjectCaseSensitive(it, "read", cJSON_CreateTrue());
            items_changed(s);
            pf_fmt(path, sizeof path, "/api/notifications/%.0f/read", id);
            post(s, path);
        }
        return PF_OK;
    }
    return PF_ENOTFOUND;
}

static void render_item(pf_html *h, const cJSON *n)
{
    const char *cls[2] = { "notification-item", is_read(n) ? NULL : "unread" };
    pf_html_open(h, "div");
    pf_html_class(h, cls, 2);
    pf_html_attrf(h, "data-id", "%.0f", num_of(n, "id"));
    pf_html_on(h, "click", "mark_read"); /* anywhere on it, with a mouse */
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "notification-icon");
    pf_html_str(h, str_of(n, "icon"));
    pf_html_close(h);
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "notification-content");
    pf_html_open(h, "h4");
    pf_html_str(h, str_of(n, "title"));
    pf_html_close(h);
    pf_html_open(h, "p");
    pf_html_str(h, str_of(n, "message"));
    pf_html_close(h);
    pf_html_open(h, "small");
    pf__html_time(h, str_of(n, "created_at"));
    pf_html_close(h);
    /* The keyboard's way: a real button, kept (aria-disabled) once the
     * notification is read, so that focus stays where it was. */
    pf_html_open(h, "button");
    pf_html_attr(h, "type", "button");
    pf_html_attr(h, "class", "mark-read");
    pf_html_on(h, "click", "mark_read");
    if (is_read(n))
        pf_html_attr(h, "aria-disabled", "true");
    pf_html_str(h, "Mark as read");
    pf_html_close(h);
    pf_html_close(h);
    pf_html_close(h);
}

static int ns_render(pf_component *c, void *self, pf_html *h)
{
    notif_system *s = self;
    pf_state *st = pf_component_state(c);
    double unread = 0;
    int show = 0;
    const char *error = NULL, *status = "idle";
    pf_state_get_number(st, "unread_count", &unread);
    pf_state_get_bool(st, "show_panel", &show);
    pf_state_get_string(st, "error", &error);
    pf_state_get_string(st, "status", &status);

    pf_html_open(h, "div");
    pf_html_attr(h, "class", "notification-system");
    pf_html_attr(h, "data-state", status);
    pf_html_open(h, "button");
    pf_html_attr(h, "class", "notification-button");
    pf_html_on(h, "click", "toggle");
    /* Said to screen readers, and (an error) as a tooltip while the panel
     * that shows it is closed. */
    if (unread > 0)
        pf_html_attrf(h, "aria-label", "Notifications, %.0f unread", unread);
    else
        pf_html_attr(h, "aria-label", "Notifications");
    pf_html_attr(h, "aria-expanded", show ? "true" : "false");
    if (error)
        pf_html_attr(h, "title", error);
    pf_html_str(h, "\xF0\x9F\x94\x94 "); /* 🔔 */
    if (unread > 0) {
        pf_html_open(h, "span");
        pf_html_attr(h, "class", "badge");
        pf_html_textf(h, "%.0f", unread);
        pf_html_close(h);
    }
    pf_html_close(h);

    pf_html_open(h, "div");
    pf_html_attr(h, "class", show ? "notification-panel active" : "notification-panel");
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "panel-header");
    pf_html_open(h, "h3");
    pf_html_str(h, "Notifications");
    pf_html_close(h);
    if (unread > 0) {
        pf_html_open(h, "button");
        pf_html_on(h, "click", "mark_all_read");
        pf_html_str(h, "Mark all as read");
        pf_html_close(h);
    }
    pf_html_close(h);
    if (error || strcmp(status, "auth_failed") == 0 || strcmp(status, "forbidden") == 0) {
        pf_html_open(h, "p");
        pf_html_attr(h, "class", "error");
        pf_html_str(h, error ? error
                     : strcmp(status, "auth_failed") == 0 ? "Authentication required"
                                                           : "Access denied");
        pf_html_close(h);
    }
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "notification-list");
    if (!s->items->child) {
        pf_html_open(h, "p");
        pf_html_attr(h, "class", s->listed ? "empty" : "loading");
        pf_html_str(h, s->listed ? "No notifications" : "Loading notifications...");
        pf_html_close(h);
    } else {
        const cJSON *n;
        cJSON_ArrayForEach(n, s->items)
        {
            render_item(h, n);
        }
    }
    pf_html_close(h);
    pf_html_close(h);
    pf_html_close(h);
    return pf_html_status(h);
}

static void ns_destroy(void *self)
{
    notif_system *s = self;
    if (!s)
        return;
    pf_timer_clear(s->first_load_timer);
    pf_timer_clear(s->retry_timer);
    if (s->load > 0) {
        pf_io_unwatch(s->load);
        pf_host_http_abort(s->load);
    }
    for (size_t i = 0; i < MAX_POSTS; i++)
        if (s->posts[i] > 0)
            pf_io_unwatch(s->posts[i]); /* let them finish; nobody listens */
    cJSON_Delete(s->items);
    cJSON_Delete(s->reads_since_load);
    free(s->url);
    free(s->stream_url);
    free(s->token);
    free(s->api);
    free(s->icon_url);
    free(s);
}

const pf_component_class pf_notification_system_class = {
    .name = "NotificationSystem",
    .create = ns_create,
    .did_mount = ns_did_mount,
    .on_event = ns_on_event,
    .render = ns_render,
    .destroy = ns_destroy,
};
