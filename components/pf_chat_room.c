/*
 * pf_chat_room.c: ChatRoom, the seed's chat examples ("Basic WebSocket
 * Setup" on /ws/chat and "WebSocket with User Groups" on /ws/room/<id>) as a
 * live component (pf_component.h), following docs/protocol.md section 7.
 *
 * Props (all optional):
 *   "room"   a room id (string of [A-Za-z0-9_.-], 1-64, or an integer):
 *            connects to /ws/room/<room>; absent: the global /ws/chat;
 *   "url"    the socket URL, overriding the one derived from "room";
 *   "token"  appended as ?token=;
 *   "user"   the display name sent with each message on /ws/chat (the
 *            reference server takes the name from the token instead).
 *
 * State: "draft" (the send box's text, mirrored from its input events so
 * that sending can clear it), "state" (the connection state's name),
 * "status" (the connection as shown), "connected" (bool), "retry_in" (s
 * left of a rate-limit hold, 0 when none), "queued" (messages waiting to
 * go out: typed but not sent yet, or to be sent again on the next
 * connection), "error" (string, absent when none) and "ignored" (frames
 * dropped as unknown or malformed). The log (messages, join/leave notices
 * and error lines, at most MAX_LOG entries) is kept by the component.
 *
 * Sends go out on the component's pf_ws while it is open (it re-queues the
 * one the server refused during a rate-limit hold); while it is not open,
 * messages wait in the component's own queue, in the order typed. Every
 * message carries a client id ("cid", docs/protocol.md section 7) and is
 * kept until the server's broadcast of it (with that cid) comes back: a
 * message written to a connection that then dropped may never have reached
 * the server, so it is sent again on the next connection, before what was
 * typed meanwhile, and the server stores a cid once. (Only once the server
 * has shown it keeps cids, by "cids": true in its history or by echoing a
 * cid of ours: one that does not know cids would store the resend twice.)
 * After
 * {"error":"Rate limit exceeded","retry_after":N} the component shows
 * "Rate limit exceeded: retry in N s" and counts down with a 1 s timer; the
 * held messages go out in order when the hold ends. Close code 4001 stops
 * the socket (pf_ws's close policy); the component shows "Authentication
 * required".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_num.h"
#include "pf_json.h"
#include "cJSON.h"
#include "pf_live_util.h"
#include "pf_component.h"
#include "pf_host.h"
#include "pf_loop.h"
#include "pf_state.h"
#include "pf_ws.h"
#include "pf_ws_internal.h"

#define MAX_LOG 500
#define MAX_TEXT_CHARS 4000   /* the protocol's limit, in code points */
#define MAX_HELD 10000        /* messages waiting for an open connection */
#define MAX_UNCONFIRMED 64    /* kept for their echo before the server shows it keeps cids */
#define MAX_RESENDS 3         /* a message never echoed is given up after that */
#define MAX_IN_FLIGHT 8       /* sent and not echoed, once the server keeps cids (hand) */
#define IN_FLIGHT_MS 10000.0  /* ...in the last 10 s: one never echoed stops counting */
#define HISTORY_WAIT_MS 5000  /* after a resync, for the history (chat_on_resync) */

typedef struct chat_room {
    pf_component *c;
    char *url;             /* with token= */
    size_t url_len;
    char *user;            /* sent on /ws/chat, NULL in rooms */
    int bad_room;          /* the room prop was not a valid id */
    cJSON *log;            /* entries, oldest first */
    unsigned long next_local; /* keys of entries without a server id */
    cJSON *held;           /* {frame, cid} waiting for an open connection */
    cJSON *unacked;        /* {frame, cid, tries} sent, not echoed yet */
    uint32_t cid_base[2];  /* random: cids are "<base>-<n>" */
    unsigned long cid_next;
    int cid_ok;            /* the server keeps cids: its history said so, or it echoed one of ours */
    int own_socket;        /* moved to a socket of its own after a resync (chat_on_resync) */
    int just_joined;       /* joined a running shared socket; no frame since */
    uint32_t history_wait; /* after a resync: the history the server should send */
    uint32_t flow_timer;   /* hand(): the next held message may go then */
    uint32_t countdown;    /* the 1 s rate-limit tick */
    double retry_in;
    double ignored;
} chat_room;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Room ids: 1 to 64 of [A-Za-z0-9_.-], not "." or "..". */
static int valid_room(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 64 || strcmp(r, ".") == 0 || strcmp(r, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = r[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return 0;
    }
    return 1;
}

/* Code points in UTF-8 text (bytes that do not start a sequence are not
 * counted; invalid bytes are counted once). */
static size_t count_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* C0 controls other than tab and line breaks, and DEL: the server refuses
 * them (docs/protocol.md section 7), so the draft is kept instead. */
static int has_controls(const char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') || *s == 0x7f)
            return 1;
    return 0;
}

static int only_space(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static void set_error(chat_room *s, const char *msg)
{
    pf_state *st = pf_component_state(s->c);
    if (msg)
        pf_state_update(st, "error", cJSON_CreateString(msg));
    else if (pf_state_get(st, "error"))
        pf_state_remove(st, "error", 5);
}

static void ignore(chat_room *s, const char *why)
{
    s->ignored++;
    pf_state_update(pf_component_state(s->c), "ignored", cJSON_CreateNumber(s->ignored));
    pf__log(PF_LOG_DEBUG, why);
}

static void set_number(chat_room *s, const char *key, double v)
{
    pf_state_update(pf_component_state(s->c), key, cJSON_CreateNumber(v));
}

/* ------------------------------------------------------------------------ */
/* The log                                                                  */
/* ------------------------------------------------------------------------ */

static int has_id(const cJSON *log, double id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, log)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "id");
        if (cJSON_IsNumber(v) && v->valuedouble == id)
            return 1;
    }
    return 0;
}

/* The `id` of log entries that have none. */
#define NO_ID (-1e301)

/* Appends an entry {kind, key, user, text, timestamp, id?}, dropping the
 * oldest beyond MAX_LOG. */
static void append_entry(chat_room *s, cJSON *log, const char *kind, double id,
                         const char *user, const char *text, const char *timestamp)
{
    char key[40];
    cJSON *e = cJSON_CreateObject();
    if (!e)
        return;
    if (id != NO_ID) {
        pf_fmt(key, sizeof key, "m%.0f", id);
        cJSON_AddNumberToObject(e, "id", id);
    } else {
        pf_fmt(key, sizeof key, "l%lu", ++s->next_local);
    }
    cJSON_AddStringToObject(e, "kind", kind);
    cJSON_AddStringToObject(e, "key", key);
    cJSON_AddStringToObject(e, "user", user ? user : "");
    cJSON_AddStringToObject(e, "text", text ? text : "");
    cJSON_AddStringToObject(e, "timestamp", timestamp ? timestamp : "");
    cJSON_AddItemToArray(log, e);
    while (cJSON_GetArraySize(log) > MAX_LOG)
        cJSON_Delete(cJSON_DetachItemViaPointer(log, log->child));
}

/* A string field of a message, or NULL. */
static const char *str_of(const cJSON *o, const char *name)
{
    return pf__json_str(o, name, NULL);
}

/* The name to show for a message's sender. */
static void sender_name(const cJSON *msg, char *buf, size_t cap, const char **out)
{
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(msg, "user");
    double uid;
    if (cJSON_IsString(user) && user->valuestring && user->valuestring[0]) {
        *out = user->valuestring;
        return;
    }
    if (cJSON_IsObject(user)) {
        const char *name = str_of(user, "name");
        if (name && name[0]) {
            *out = name;
            return;
        }
    }
    if (pf__json_id(cJSON_GetObjectItemCaseSensitive(msg, "user_id"), &uid)) {
        pf_fmt(buf, cap, "User %.0f", uid);
        *out = buf;
        return;
    }
    *out = "Anonymous";
}

/* Adds a chat message to `log`. Returns 1 if it was valid (even if it was
 * a duplicate), 0 if it was ignored. */
static int add_message(chat_room *s, cJSON *log, const cJSON *msg)
{
    const char *text = str_of(msg, "text");
    const char *ts = str_of(msg, "timestamp");
    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(msg, "id");
    double id = NO_ID;
    char buf[48];
    const char *user;
    if (!cJSON_IsObject(msg) || !text)
        return 0;
    if (idv && !pf__json_id(idv, &id))
        id = NO_ID; /* a mistyped id: shown, but not deduplicated */
    if (id != NO_ID && has_id(log, id))
        return 1;
    sender_name(msg, buf, sizeof buf, &user);
    append_entry(s, log, "message", id, user, text, ts);
    return 1;
}

static void log_changed(chat_room *s)
{
    pf_component_invalidate(s->c);
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                  */
/* ------------------------------------------------------------------------ */

/* Messages of this room waiting to go out: the held ones and those the
 * socket re-queued after a rate-limit reply (its outbox may hold other
 * components' frames too: the socket may be shared). */
static double waiting(chat_room *s)
{
    pf_ws *ws = pf_component_ws(s->c);
    double n = (double)cJSON_GetArraySize(s->held);
    const cJSON *it;
    if (pf_ws_outbox_len(ws))
        cJSON_ArrayForEach(it, s->unacked)
        {
            const char *frame = str_of(it, "frame");
            n += (double)pf_ws_outbox_find(ws, frame, strlen(frame), 0);
        }
    return n;
}

static void update_queued(chat_room *s)
{
    set_number(s, "queued", waiting(s));
}

static void flush_held(chat_room *s);

static void flow_due(void *ud)
{
    chat_room *s = ud;
    s->flow_timer = 0;
    flush_held(s);
}

/* Whether MAX_IN_FLIGHT messages went out in the last IN_FLIGHT_MS without
 * their echo; if so, a timer tries again when the oldest of them stops
 * counting (a server that answers without the cid, say, cannot stall the
 * queue for good). */
static int flow_full(chat_room *s)
{
    double now = pf_host_now(), oldest = now;
    size_t recent = 0;
    const cJSON *it;
    if (!s->cid_ok)
        return 0;
    cJSON_ArrayForEach(it, s->unacked)
    {
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(it, "at");
        if (cJSON_IsNumber(at) && at->valuedouble > now - IN_FLIGHT_MS) {
            recent++;
            if (at->valuedouble < oldest)
                oldest = at->valuedouble;
        }
    }
    if (recent < MAX_IN_FLIGHT)
        return 0;
    if (!s->flow_timer)
        s->flow_timer = pf_timer_set(oldest + IN_FLIGHT_MS - now + 1, flow_due, s);
    return 1;
}

/* Sends `item` ({frame, cid}, owned) on the open connection and keeps it
 * until its echo; PF_OK when sent. Nothing goes to the socket's outbox:
 * while the connection is not open the component holds messages itself,
 * so that on the next connection the ones to send again go out before
 * them, in the order typed. Once the server keeps cids, at most
 * MAX_IN_FLIGHT are out unechoed: after a rate-limit hold, say, the held
 * messages go out as the echoes come, not in one burst that the server
 * would mostly refuse (pf_ws puts a refused frame back in its outbox only
 * among the last resend_window it sent: beyond that it was lost). */
static int hand(chat_room *s, cJSON *item)
{
    pf_ws *ws = pf_component_ws(s->c);
    const char *frame = str_of(item, "frame");
    if (flow_full(s))
        return PF_EFULL;
    if (!ws || pf_ws_get_state(ws) != PF_WS_OPEN || pf_component_ws_send(s->c, frame, strlen(frame)) != PF_OK)
        return PF_EFULL;
    cJSON_DeleteItemFromObjectCaseSensitive(item, "at");
    cJSON_AddNumberToObject(item, "at", pf_host_now());
    if (cJSON_GetArraySize(s->unacked) >= (s->cid_ok ? MAX_HELD : MAX_UNCONFIRMED))
        cJSON_Delete(cJSON_DetachItemViaPointer(s->unacked, s->unacked->child));
    cJSON_AddItemToArray(s->unacked, item);
    return PF_OK;
}

/* Hands held frames to the socket, in order, while it takes them. */
static void flush_held(chat_room *s)
{
    while (s->held->child) {
        cJSON *item = cJSON_DetachItemViaPointer(s->held, s->held->child);
        if (hand(s, item) != PF_OK) {
            cJSON_InsertItemInArray(s->held, 0, item);
            break;
        }
    }
    update_queued(s);
}

/* The connection dropped: what went out on it and was never echoed goes
 * back to the front of the held queue, oldest first, to be sent again on
 * the next connection before what was typed meanwhile (the server keeps
 * one copy per cid); given up after MAX_RESENDS (the server may refuse it
 * for good). A copy the socket re-queued after a rate-limit reply leaves
 * its outbox: sent from there it would go before the others, and twice.
 * Only once the server has shown it keeps cids (cid_ok): one that does
 * not know them would store a resend twice (the socket's copy of a
 * refused message then goes as before). */
static void resend_unacked(chat_room *s)
{
    pf_ws *ws = pf_component_ws(s->c);
    cJSON *item;
    if (!s->cid_ok)
        return;
    while ((item = s->unacked->child) != NULL) {
        while (item->next)
            item = item->next; /* the newest first, each put in front */
        cJSON_DetachItemViaPointer(s->unacked, item);
        cJSON *tries = cJSON_GetObjectItemCaseSensitive(item, "tries");
        double n = cJSON_IsNumber(tries) ? tries->valuedouble : 0;
        const char *frame = str_of(item, "frame");
        pf_ws_outbox_find(ws, frame, strlen(frame), 1); /* also when given up */
        if (n >= MAX_RESENDS) {
            cJSON_Delete(item);
            continue;
        }
        if (tries)
            cJSON_SetNumberValue(tries, n + 1);
        else
            cJSON_AddNumberToObject(item, "tries", 1);
        cJSON_InsertItemInArray(s->held, 0, item);
    }
}

/* The server's message `msg` may be the echo of one of ours (or, for an
 * error, its refusal for good): it is no longer kept for a resend, and
 * the next held message may go out. Returns 1 if it was ours. */
static int echoed(chat_room *s, const cJSON *msg)
{
    const char *cid = str_of(msg, "cid");
    if (!cid)
        return 0;
    for (cJSON *item = s->unacked->child; item; item = item->next)
        if (strcmp(str_of(item, "cid"), cid) == 0) {
            cJSON_Delete(cJSON_DetachItemViaPointer(s->unacked, item));
            s->cid_ok = 1;
            flush_held(s);
            return 1;
        }
    return 0;
}

/* Sends (or holds) one message. Returns PF_OK or an error shown to the
 * user; on error the draft is kept. */
static int send_text(chat_room *s, const char *text)
{
    if (s->bad_room)
        return PF_ESTATE;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return PF_ENOMEM;
    char cid[48];
    pf_fmt(cid, sizeof cid, "%08x%08x-%lu", (unsigned)s->cid_base[0], (unsigned)s->cid_base[1],
           ++s->cid_next);
    if (s->user)
        cJSON_AddStringToObject(o, "user", s->user);
    cJSON_AddStringToObject(o, "text", text);
    cJSON_AddStringToObject(o, "cid", cid);
    char *frame = pf_json_print(o);
    cJSON_Delete(o);
    cJSON *item = frame ? cJSON_CreateObject() : NULL;
    if (!item || !cJSON_AddStringToObject(item, "frame", frame) || !cJSON_AddStringToObject(item, "cid", cid)) {
        free(frame);
        cJSON_Delete(item);
        return PF_ENOMEM;
    }
    free(frame);
    int rc = s->held->child ? PF_EFULL : hand(s, item);
    if (rc != PF_OK) {
        /* Not open (or messages already wait before it): keep it. */
        if (cJSON_GetArraySize(s->held) >= MAX_HELD) {
            cJSON_Delete(item);
            return PF_EFULL;
        }
        cJSON_AddItemToArray(s->held, item);
        rc = PF_OK;
    }
    update_queued(s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Rate-limit countdown                                                     */
/* ------------------------------------------------------------------------ */

static void stop_countdown(chat_room *s)
{
    pf_timer_clear(s->countdown);
    s->countdown = 0;
    if (s->retry_in != 0) {
        s->retry_in = 0;
        set_number(s, "retry_in", 0);
    }
}

static void tick(void *ud)
{
    chat_room *s = ud;
    s->countdown = 0;
    if (s->retry_in > 0)
        s->retry_in--;
    set_number(s, "retry_in", s->retry_in);
    if (s->retry_in > 0)
        s->countdown = pf_timer_set(1000.0, tick, s);
}

static void start_countdown(chat_room *s, double delay_ms)
{
    double secs = ceil(delay_ms / 1000.0);
    if (!(secs >= 1))
        secs = 1;
    pf_timer_clear(s->countdown);
    s->retry_in = secs;
    set_number(s, "retry_in", secs);
    s->countdown = pf_timer_set(1000.0, tick, s);
}

/* ------------------------------------------------------------------------ */
/* Component callbacks                                                      */
/* ------------------------------------------------------------------------ */

static void chat_destroy(void *self);

static int chat_create(pf_component *c, const cJSON *props, void **self)
{
    chat_room *s = calloc(1, sizeof *s);
    if (!s)
        return PF_ENOMEM;
    s->c = c;
    const cJSON *room = cJSON_GetObjectItemCaseSensitive(props, "room");
    const char *url = pf__json_str(props, "url", "");
    const char *token = pf__json_str(props, "token", "");
    char path[96] = "/ws/chat";
    int in_room = 0;
    double rid;
    if (room && !cJSON_IsNull(room)) {
        in_room = 1;
        if (cJSON_IsString(room) && room->valuestring && valid_room(room->valuestring))
            pf_fmt(path, sizeof path, "/ws/room/%s", room->valuestring);
        else if (pf__json_id(room, &rid) && rid >= 0)
            pf_fmt(path, sizeof path, "/ws/room/%.0f", rid);
        else
            s->bad_room = 1; /* shown; nothing is connected */
    }
    if (url[0])
        s->bad_room = 0; /* an explicit URL wins */
    else
        url = path;
    s->url = pf__ws_build_url(url, strlen(url), token, strlen(token), NULL, NULL, 0, &s->url_len);
    /* /ws/chat takes the sender's name with each message. */
    if (!in_room)
        s->user = pf__strdup(pf__json_str(props, "user", "Anonymous"));
    s->log = cJSON_CreateArray();
    s->held = cJSON_CreateArray();
    s->unacked = cJSON_CreateArray();
    s->cid_base[0] = pf_host_random_u32();
    s->cid_base[1] = pf_host_random_u32();
    if (!s->url || !s->log || !s->held || !s->unacked || (!in_room && !s->user)) {
        chat_destroy(s);
        return PF_ENOMEM;
    }
    cJSON *init = cJSON_CreateObject();
    cJSON_AddStringToObject(init, "draft", "");
    cJSON_AddStringToObject(init, "state", "idle");
    cJSON_AddStringToObject(init, "status", "\xF0\x9F\x9F\xA1 Connecting...");
    cJSON_AddFalseToObject(init, "connected");
    cJSON_AddNumberToObject(init, "retry_in", 0);
    cJSON_AddNumberToObject(init, "queued", 0);
    cJSON_AddNumberToObject(init, "ignored", 0);
    if (s->bad_room)
        cJSON_AddStringToObject(init, "error", "Invalid room id");
    int rc = pf_state_set_multiple(pf_component_state(c), init);
    if (rc != PF_OK) {
        chat_destroy(s);
        return rc;
    }
    *self = s;
    return PF_OK;
}

static void chat_did_mount(pf_component *c, void *self)
{
    chat_room *s = self;
    if (s->bad_room)
        return;
    if (pf_component_ws_connect(c, s->url, s->url_len, NULL) != PF_OK)
        set_error(s, "Could not connect to the chat");
}

static void chat_on_message(pf_component *c, void *self, const cJSON *msg,
                            const char *raw, size_t raw_len)
{
    chat_room *s = self;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    const char *t = cJSON_IsString(type) ? type->valuestring : NULL;
    (void)c;
    (void)raw;
    (void)raw_len;
    s->just_joined = 0;
    if (!cJSON_IsObject(msg)) {
        ignore(s, "ChatRoom: ignored a frame that is not an object");
        return;
    }
    update_queued(s);
    if (!t) {
        /* The core error replies have `error` and no type. (Rate-limit
         * replies are handled by pf_ws and reach on_connection.) */
        const char *err = str_of(msg, "error");
        if (err) {
            append_entry(s, s->log, "error", NO_ID, NULL, err, NULL);
            log_changed(s);
        } else {
            ignore(s, "ChatRoom: ignored a frame without a type");
        }
        return;
    }
    if (strcmp(t, "message") == 0) {
        echoed(s, msg);
        if (!add_message(s, s->log, msg)) {
            ignore(s, "ChatRoom: ignored a message without text");
            return;
        }
        log_changed(s);
    } else if (strcmp(t, "history") == 0) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(msg, "messages");
        const cJSON *m;
        if (!cJSON_IsArray(arr)) {
            ignore(s, "ChatRoom: ignored a history without messages");
            return;
        }
        cJSON *log = cJSON_CreateArray();
        if (!log)
            return;
        int bad = 0;
        cJSON_ArrayForEach(m, arr)
        {
            echoed(s, m);
            if (!add_message(s, log, m))
                bad++;
        }
        if (bad)
            ignore(s, "ChatRoom: skipped malformed messages in the history");
        /* A server that says so keeps cids: from the first message on, one
         * not echoed before a drop is sent again. */
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "cids")))
            s->cid_ok = 1;
        /* The history is the room's state: it replaces the log. */
        pf_timer_clear(s->history_wait);
        s->history_wait = 0;
        cJSON_Delete(s->log);
        s->log = log;
        log_changed(s);
    } else if (strcmp(t, "user_joined") == 0 || strcmp(t, "user_left") == 0) {
        const char *text = str_of(msg, "message");
        char buf[48], line[160];
        const char *who;
        if (!text || !text[0]) {
            sender_name(msg, buf, sizeof buf, &who);
            pf_fmt(line, sizeof line, "%.100s %s the room", who,
                     t[5] == 'j' ? "joined" : "left");
            text = line;
        }
        append_entry(s, s->log, "notice", NO_ID, NULL, text, NULL);
        log_changed(s);
    } else if (strcmp(t, "error") == 0) {
        const char *text = str_of(msg, "message");
        echoed(s, msg); /* a message of ours refused for good carries its cid */
        if (!text)
            text = str_of(msg, "code");
        append_entry(s, s->log, "error", NO_ID, NULL, text ? text : "Error", NULL);
        log_changed(s);
    } else {
        ignore(s, "ChatRoom: ignored a message of unknown type");
    }
}

static void own_socket(void *ud)
{
    chat_room *s = ud;
    s->history_wait = 0;
    s->own_socket = 1;
    /* Leaving the shared socket is a drop: the messages it did not echo
     * go again on the new one, and leave the old one's outbox. */
    resend_unacked(s);
    if (pf_component_ws_connect_private(s->c, s->url, s->url_len, NULL) != PF_OK)
        set_error(s, "Could not connect to the chat");
}

/* The room's stream cannot give this instance what it missed. After the
 * server's {"type":"resync"} the room's history follows on the same socket.
 * Two cases get none: an instance that joined a busy shared socket (the
 * pool no longer holds the frames since the history: it calls on_resync
 * right after the join), and a seq gap the server could not fill. Then a
 * socket of the instance's own starts with the room's history (the server
 * does not announce a user's second connection to a room): at once after
 * a join, else when no history came within HISTORY_WAIT_MS. Once per
 * mount, so a server that answers every connection with a resync cannot
 * make it loop. /ws/chat has no history; what a gap lost there is gone. */
static void chat_on_resync(pf_component *c, void *self)
{
    chat_room *s = self;
    (void)c;
    if (s->user || s->own_socket || s->history_wait)
        return;
    if (s->just_joined) {
        /* Not from inside the callback of the connection it ends. */
        s->own_socket = 1;
        if (pf_defer(own_socket, s) != PF_OK)
            own_socket(s);
    } else {
        s->history_wait = pf_timer_set(HISTORY_WAIT_MS, own_socket, s);
    }
}

static void chat_on_connection(pf_component *c, void *self, const pf_ws_event *ev)
{
    chat_room *s = self;
    pf_state *st = pf_component_state(c);
    char status[96];
    int connected = pf__connection_status(ev, "Room not found", 1, status, sizeof status);
    s->just_joined = ev->cause == PF_WS_CAUSE_SHARED;
    pf_state_update(st, "state", cJSON_CreateString(pf_ws_state_name(ev->state)));
    pf_state_update(st, "status", cJSON_CreateString(status));
    pf_state_update(st, "connected", cJSON_CreateBool(connected));
    if (ev->state == PF_WS_RATE_LIMITED && ev->code != 4029)
        start_countdown(s, ev->delay_ms);
    else
        stop_countdown(s);
    /* A hold on an open connection is not a drop (pf_ws re-queues what
     * the server refused); any other state but open is one (pf_ws reports
     * it before its next connection flushes its outbox). */
    if (ev->state == PF_WS_OPEN)
        flush_held(s);
    else if (ev->state != PF_WS_RATE_LIMITED || ev->code == 4029)
        resend_unacked(s);
    update_queued(s);
}

static int chat_on_event(pf_component *c, void *self, const pf_component_event *ev)
{
    chat_room *s = self;
    pf_state *st = pf_component_state(c);
    if (pf__is_named(ev->handler, ev->handler_len, "draft")) {
        /* The value may hold NULs from a hostile page: cJSON strings stop
         * there, which only shortens the draft. */
        char *v = malloc(ev->value_len + 1);
        if (!v)
            return PF_ENOMEM;
        memcpy(v, ev->value, ev->value_len);
        v[ev->value_len] = 0;
        pf_state_update(st, "draft", cJSON_CreateString(v));
        free(v);
        return PF_OK;
    }
    if (pf__is_named(ev->handler, ev->handler_len, "send")) {
        const char *draft = "";
        pf_state_get_string(st, "draft", &draft);
        if (only_space(draft))
            return PF_OK;
        if (count_chars(draft) > MAX_TEXT_CHARS) {
            set_error(s, "Message too long (at most 4000 characters)");
            return PF_ERANGE;
        }
        if (has_controls(draft)) {
            set_error(s, "The message holds control characters (other than tab and line breaks): remove them to send it");
            return PF_EINVAL;
        }
        char *text = pf__strdup(draft);
        if (!text)
            return PF_ENOMEM;
        int rc = send_text(s, text);
        free(text);
        if (rc != PF_OK) {
            set_error(s, rc == PF_ESTATE ? "Invalid room id" : "Could not send the message");
            return rc;
        }
        if (!s->bad_room)
            set_error(s, NULL);
        pf_state_update(st, "draft", cJSON_CreateString(""));
        return PF_OK;
    }
    return PF_ENOTFOUND;
}

static void render_entry(pf_html *h, const cJSON *e)
{
    const char *kind = str_of(e, "kind");
    pf_html_open(h, "li");
    pf_html_attr(h, "class", kind);
    pf_html_attr(h, "data-id", str_of(e, "key"));
    if (strcmp(kind, "message") == 0) {
        const char *ts = str_of(e, "timestamp");
        /* dir="auto" isolates each server text (unicode-bidi: isolate),
         * so bidi controls in a name or a message stay inside it. */
        pf_html_open(h, "strong");
        pf_html_attr(h, "class", "user");
        pf_html_attr(h, "dir", "auto");
        pf_html_str(h, str_of(e, "user"));
        pf_html_close(h);
        pf_html_str(h, ": ");
        pf_html_open(h, "span");
        pf_html_attr(h, "class", "text");
        pf_html_attr(h, "dir", "auto");
        pf_html_str(h, str_of(e, "text"));
        pf_html_close(h);
        if (ts && ts[0]) {
            pf_html_str(h, " ");
            pf_html_open(h, "small");
            pf_html_attr(h, "class", "time");
            pf_html_attr(h, "dir", "auto");
            pf__html_time(h, ts);
            pf_html_close(h);
        }
    } else {
        pf_html_attr(h, "dir", "auto"); /* join/leave notices hold user names */
        pf_html_str(h, str_of(e, "text"));
    }
    pf_html_close(h);
}

static int chat_render(pf_component *c, void *self, pf_html *h)
{
    chat_room *s = self;
    pf_state *st = pf_component_state(c);
    const char *draft = "", *status = "", *state = "idle", *error = NULL;
    double retry_in = 0, queued = 0;
    pf_state_get_string(st, "draft", &draft);
    pf_state_get_string(st, "status", &status);
    pf_state_get_string(st, "state", &state);
    pf_state_get_string(st, "error", &error);
    pf_state_get_number(st, "retry_in", &retry_in);
    pf_state_get_number(st, "queued", &queued);

    pf_html_open(h, "div");
    pf_html_attr(h, "class", "chat-room");
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "chat-status");
    pf_html_attr(h, "data-state", state);
    pf_html_str(h, status);
    pf_html_close(h);
    if (error) {
        pf_html_open(h, "p");
        pf_html_attr(h, "class", "error");
        pf_html_str(h, error);
        pf_html_close(h);
    }
    if (retry_in > 0) {
        pf_html_open(h, "div");
        pf_html_attr(h, "class", "rate-limit");
        pf_html_textf(h, "Rate limit exceeded: retry in %.0f s", retry_in);
        pf_html_close(h);
    }
    if (queued > 0) {
        pf_html_open(h, "div");
        pf_html_attr(h, "class", "queued");
        pf_html_textf(h, "%.0f %s waiting to be sent", queued, queued == 1 ? "message" : "messages");
        pf_html_close(h);
    }
    pf_html_open(h, "ul");
    pf_html_attr(h, "class", "messages");
    const cJSON *e;
    cJSON_ArrayForEach(e, s->log)
    {
        render_entry(h, e);
    }
    pf_html_close(h);
    pf_html_open(h, "form");
    pf_html_attr(h, "class", "send-box");
    pf_html_on(h, "submit", "send");
    pf_html_open(h, "input");
    pf_html_attr(h, "type", "text");
    pf_html_attr(h, "name", "text");
    pf_html_attr(h, "autocomplete", "off");
    pf_html_attr(h, "placeholder", "Type a message...");
    pf_html_on(h, "input", "draft");
    pf_html_value(h, draft, strlen(draft));
    pf_html_close(h);
    pf_html_open(h, "button");
    pf_html_attr(h, "type", "submit");
    pf_html_str(h, "Send");
    pf_html_close(h);
    pf_html_close(h);
    pf_html_close(h);
    return pf_html_status(h);
}

static void chat_will_unmount(pf_component *c, void *self)
{
    chat_room *s = self;
    (void)c;
    pf_timer_clear(s->countdown);
    s->countdown = 0;
    pf_timer_clear(s->history_wait);
    s->history_wait = 0;
    pf_timer_clear(s->flow_timer);
    s->flow_timer = 0;
    if (waiting(s) > 0)
        pf__log(PF_LOG_WARN, "ChatRoom: unmounted with messages not sent");
}

static void chat_destroy(void *self)
{
    chat_room *s = self;
    if (!s)
        return;
    pf_timer_clear(s->countdown);
    pf_timer_clear(s->history_wait);
    pf_timer_clear(s->flow_timer);
    pf_cancel_deferred(s);
    cJSON_Delete(s->log);
    cJSON_Delete(s->held);
    cJSON_Delete(s->unacked);
    free(s->url);
    free(s->user);
    free(s);
}

const pf_component_class pf_chat_room_class = {
    .name = "ChatRoom",
    .create = chat_create,
    .did_mount = chat_did_mount,
    .on_message = chat_on_message,
    .on_connection = chat_on_connection,
    .on_resync = chat_on_resync,
    .render = chat_render,
    .on_event = chat_on_event,
    .will_unmount = chat_will_unmount,
    .destroy = chat_destroy,
};
