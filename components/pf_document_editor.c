/*
 * pf_document_editor.c: DocumentEditor, the seed's collaborative editor
 * (seed/realtime-features.md) as a live component (pf_component.h) on
 * /ws/docs/<id>, following docs/protocol.md section 9.
 *
 * Props:
 *   "doc"    the document id (required: [A-Za-z0-9_.-], 1-64, or an
 *            integer): connects to /ws/docs/<doc>;
 *   "url"    the socket URL, overriding the one derived from "doc";
 *   "token"  appended as ?token=;
 *   "user"   {id, name, avatar}: this user, kept in the user list across
 *            reconnects (optional).
 *
 * The document lives in an OT client (pf_ot_client.h) fed by the
 * component's socket. The socket never queues or replays (no_outbox: the
 * client resubmits its one in-flight operation itself after a reconnect)
 * and does not read "seq" as a stream position (no_seq: on this channel it
 * numbers a client's operations).
 *
 * The textarea's text is owned by the browser: the component renders the
 * element once, without a value, and never sets its value. Local edits come
 * from the bindings as ranges (pf_document_editor.h); remote edits, the
 * snapshot and undo/redo leave as "set_range_text" browser calls, one per
 * replaced range, with UTF-16 offsets. The offsets are converted with an
 * index of the code-point positions of the document's astral characters
 * (the only ones that take two UTF-16 units), so converting costs
 * O(log k) and updating it O(k) moves of integers for k astral characters,
 * whatever the document's length.
 *
 * State: "status" (the connection as shown), "state" (its name), "saving"
 * (bool: local edits not yet acknowledged), "loaded" (bool: the first
 * snapshot arrived; the textarea is read-only before), "online" (number of
 * users), "error" (string, absent when none). The user list and the remote
 * cursors are kept by the component. Edits the server kept refusing (the
 * OT client gives them up after a few rejoins) are shown as the error
 * "Edits not saved: <the server's reason>" until a later edit is
 * acknowledged; other server errors are only logged.
 */
#include "pf_document_editor.h"
#include "pf_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "pf_component.h"
#include "pf_live_util.h"
#include "pf_host.h"
#include "pf_ot.h"
#include "pf_ot_client.h"
#include "pf_state.h"
#include "pf_text.h"
#include "pf_ws.h"
#include "pf_ws_internal.h"
#include "pf_num.h"

#define MAX_USERS 200
#define KEY_EDITOR "editor"

typedef struct doc_editor {
    pf_component *c;
    pf_ot_client *ot;
    char *url;
    size_t url_len;
    int bad_doc;
    cJSON *self_user;  /* {id, name, avatar} from props, or NULL */
    cJSON *users;      /* [{id (string), name, avatar}], in join order */
    int connected;     /* the OT client was told the link is open */
    int was_open;
    int edits_lost;    /* "error" says edits were given up; an ack clears it */
    /* Code-point positions of the astral characters, ascending. */
    size_t *astral;
    size_t nastral;
    size_t astral_cap;
} doc_editor;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* A string field of a message, or NULL. */
static const char *str_of(const cJSON *o, const char *name)
{
    return pf__json_str(o, name, NULL);
}

/* Document ids as the reference server accepts them. */
static int valid_doc(const char *r)
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

/* A user id as text: strings as they are, numbers as JSON prints them (as
 * pf_ot_client names cursors). NULL for anything else; free with free(). */
static char *id_text(const cJSON *v)
{
    if (cJSON_IsString(v) && v->valuestring && v->valuestring[0]) {
        size_t n = strlen(v->valuestring);
        char *p = malloc(n + 1);
        if (p)
            memcpy(p, v->valuestring, n + 1);
        return p;
    }
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
        return pf_json_print(v);
    return NULL;
}

static int state_bool(const pf_state *st, const char *key)
{
    int v = 0;
    pf_state_get_bool(st, key, &v);
    return v;
}

static void set_error(doc_editor *s, const char *msg)
{
    pf_state *st = pf_component_state(s->c);
    if (msg)
        pf_state_update(st, "error", cJSON_CreateString(msg));
    else if (pf_state_get(st, "error"))
        pf_state_remove(st, "error", 5);
}

static void update_saving(doc_editor *s)
{
    pf_state *st = pf_component_state(s->c);
    int saving = pf_ot_client_has_pending(s->ot) ? 1 : 0;
    const cJSON *cur = pf_state_get(st, "saving");
    if (!cur || cJSON_IsTrue(cur) != saving)
        pf_state_update(st, "saving", cJSON_CreateBool(saving));
}

static doc_editor *editor_of(pf_component *c)
{
    if (!c || pf_component_class_of(c) != &pf_document_editor_class)
        return NULL;
    return pf_component_self(c);
}

/* ------------------------------------------------------------------------ */
/* The astral index: UTF-16 offsets <-> code points                         */
/* ------------------------------------------------------------------------ */

/* Astral characters at code points < cp. */
static size_t astral_before(const doc_editor *s, size_t cp)
{
    size_t lo = 0, hi = s->nastral;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->astral[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t u16_of(const doc_editor *s, size_t cp)
{
    return cp + astral_before(s, cp);
}

/* The code point at UTF-16 offset `u16`. Returns 0 when the offset is in the
 * middle of a surrogate pair. Astral character i (0-based) starts at UTF-16
 * offset astral[i] + i, so "ends at or before u16" is monotonic in i. */
static int cp_of(const doc_editor *s, size_t u16, size_t *cp)
{
    size_t lo = 0, hi = s->nastral;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->astral[mid] + mid + 2 <= u16)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->nastral && s->astral[lo] + lo + 1 == u16)
        return 0;
    *cp = u16 - lo;
    return 1;
}

/* UTF-8 lead bytes of astral characters are 0xF0..0xF4. */
static size_t count_astral(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0xF0)
            n++;
    return n;
}

/* The index after deleting `ndel` code points at `pos` and inserting `ins`
 * (valid UTF-8 of `ins_cps` code points) there. */
static int astral_splice(doc_editor *s, size_t pos, size_t ndel, const char *ins, size_t ins_len,
                         size_t ins_cps)
{
    size_t lo = astral_before(s, pos);
    size_t hi = astral_before(s, pos + ndel);
    size_t m = ins_len ? count_astral(ins, ins_len) : 0;
    size_t n = s->nastral - (hi - lo) + m;
    if (n > s->astral_cap) {
        size_t cap = s->astral_cap ? s->astral_cap : 16;
        while (cap < n)
            cap *= 2;
        size_t *p = realloc(s->astral, cap * sizeof *p);
        if (!p)
            return PF_ENOMEM;
        s->astral = p;
        s->astral_cap = cap;
    }
    size_t tail = s->nastral - hi;
    if (tail)
        memmove(s->astral + lo + m, s->astral + hi, tail * sizeof *s->astral);
    long delta = (long)ins_cps - (long)ndel;
    for (size_t i = lo + m; i < lo + m + tail; i++)
        s->astral[i] = (size_t)((long)s->astral[i] + delta);
    if (m) {
        size_t k = lo, cp = pos;
        for (size_t i = 0; i < ins_len; i++) {
            unsigned char b = (unsigned char)ins[i];
            if ((b & 0xC0) == 0x80)
                continue;
            if (b >= 0xF0)
                s->astral[k++] = cp;
            cp++;
        }
    }
    s->nastral = n;
    return PF_OK;
}

/* Rebuilds the index from the client's text (after an O(n) fallback). */
static int astral_rebuild(doc_editor *s)
{
    size_t len;
    const char *t = pf_text_data(pf_ot_client_text(s->ot), &len);
    s->nastral = 0;
    return astral_splice(s, 0, 0, t, len, pf_text_length(pf_ot_client_text(s->ot)));
}

/* ------------------------------------------------------------------------ */
/* The textarea                                                             */
/* ------------------------------------------------------------------------ */

/* One "set_range_text" call: replace UTF-16 [start, end) by `text`. */
static void range_call(doc_editor *s, size_t start, size_t end, const char *text, size_t len)
{
    cJSON *a = cJSON_CreateObject();
    if (!a)
        return;
    cJSON_AddStringToObject(a, "key", KEY_EDITOR);
    /* The text may hold anything but NUL (the OT type's strings cannot). */
    cJSON *t = cJSON_CreateStringReference("");
    char *copy = NULL;
    if (len) {
        copy = malloc(len + 1);
        if (!copy) {
            cJSON_Delete(t);
            cJSON_Delete(a);
            return;
        }
        memcpy(copy, text, len);
        copy[len] = 0;
        cJSON_Delete(t);
        t = cJSON_CreateStringReference(copy);
    }
    cJSON_AddItemToObject(a, "text", t);
    cJSON_AddNumberToObject(a, "start", (double)start);
    cJSON_AddNumberToObject(a, "end", (double)end);
    char *json = pf_json_print(a);
    cJSON_Delete(a);
    free(copy);
    if (json) {
        pf_component_call(s->c, "set_range_text", json, strlen(json));
        free(json);
    }
}

/* Shows an operation made on the text as the textarea shows it: one
 * set_range_text per replaced range, the index kept in step. */
static void show_op(doc_editor *s, const pf_ot_op *op)
{
    size_t pos = 0, n = pf_ot_count(op);
    for (size_t i = 0; i < n; i++) {
        pf_ot_component k, next;
        if (pf_ot_get(op, i, &k) != PF_OK)
            return;
        if (k.kind == PF_OT_SKIP) {
            pos += k.n;
            continue;
        }
        const char *ins = k.kind == PF_OT_INSERT ? k.text : "";
        size_t ins_len = k.kind == PF_OT_INSERT ? k.text_len : 0;
        size_t ins_cps = k.kind == PF_OT_INSERT ? k.n : 0;
        size_t ndel = k.kind == PF_OT_DELETE ? k.n : 0;
        /* An insert followed by a delete is one replacement. */
        if (k.kind == PF_OT_INSERT && i + 1 < n && pf_ot_get(op, i + 1, &next) == PF_OK
            && next.kind == PF_OT_DELETE) {
            ndel = next.n;
            i++;
        }
        size_t start = u16_of(s, pos), end = u16_of(s, pos + ndel);
        range_call(s, start, end, ins, ins_len);
        astral_splice(s, pos, ndel, ins, ins_len, ins_cps);
        pos += ins_cps;
    }
}

/* ------------------------------------------------------------------------ */
/* Users                                                                    */
/* ------------------------------------------------------------------------ */

static long user_find(const doc_editor *s, const char *id)
{
    long i = 0;
    const cJSON *u;
    cJSON_ArrayForEach(u, s->users)
    {
        const char *uid = str_of(u, "id"); /* NULL if the entry lost it (out of memory) */
        if (uid && strcmp(uid, id) == 0)
            return i;
        i++;
    }
    return -1;
}

static void users_changed(doc_editor *s)
{
    pf_state_update(pf_component_state(s->c), "online",
                    cJSON_CreateNumber((double)cJSON_GetArraySize(s->users)));
    pf_component_invalidate(s->c);
}

/* Adds or refreshes a user {id, name, avatar}. */
static void user_add(doc_editor *s, const cJSON *u)
{
    char *id = id_text(cJSON_GetObjectItemCaseSensitive(u, "id"));
    if (!id)
        return;
    const char *name = str_of(u, "name"), *avatar = str_of(u, "avatar");
    cJSON *e = cJSON_CreateObject();
    if (e && !cJSON_AddStringToObject(e, "id", id)) {
        cJSON_Delete(e); /* an entry without its id could never be found again */
        e = NULL;
    }
    if (e) {
        cJSON_AddStringToObject(e, "name", name ? name : "");
        cJSON_AddStringToObject(e, "avatar", avatar ? avatar : "");
        long i = user_find(s, id);
        if (i >= 0)
            cJSON_ReplaceItemInArray(s->users, (int)i, e);
        else if (cJSON_GetArraySize(s->users) < MAX_USERS)
            cJSON_AddItemToArray(s->users, e);
        else
            cJSON_Delete(e);
    }
    free(id);
}

static void user_remove(doc_editor *s, const cJSON *idv)
{
    char *id = id_text(idv);
    if (!id)
        return;
    long i = user_find(s, id);
    if (i >= 0)
        cJSON_DeleteItemFromArray(s->users, (int)i);
    free(id);
}

/* The list after a (re)connect: only this user, when known. */
static void users_reset(doc_editor *s)
{
    cJSON_Delete(s->users);
    s->users = cJSON_CreateArray();
    if (s->self_user)
        user_add(s, s->self_user);
}

/* ------------------------------------------------------------------------ */
/* OT client callbacks                                                      */
/* ------------------------------------------------------------------------ */

static void ot_send(void *ud, const char *json, size_t len)
{
    doc_editor *s = ud;
    /* Never queued (no_outbox): a send that cannot go now is resubmitted by
     * the client after the reconnect. */
    pf_component_ws_send(s->c, json, len);
}

static void ot_changed(void *ud, const pf_ot_op *op, int origin)
{
    doc_editor *s = ud;
    show_op(s, op);
    if (origin == PF_OT_ORIGIN_SNAPSHOT && !state_bool(pf_component_state(s->c), "loaded"))
        pf_state_update(pf_component_state(s->c), "loaded", cJSON_CreateTrue());
    /* Remote cursors moved with the text. */
    if (pf_ot_client_cursor_count(s->ot))
        pf_component_invalidate(s->c);
}

static void ot_dead_link(void *ud)
{
    doc_editor *s = ud;
    pf__log(PF_LOG_WARN, "DocumentEditor: no ack in time; reconnecting");
    if (pf_component_ws(s->c))
        pf_ws_reconnect(pf_component_ws(s->c));
}

static void ot_cursor(void *ud, const char *user_id, size_t user_len, size_t position)
{
    doc_editor *s = ud;
    (void)user_id;
    (void)user_len;
    (void)position;
    pf_component_invalidate(s->c);
}

static void ot_dropped(void *ud, const char *why)
{
    doc_editor *s = ud;
    char line[240];
    pf_fmt(line, sizeof line, "Edits not saved: %.200s", why && why[0] ? why : "the server refused them");
    s->edits_lost = 1;
    set_error(s, line);
}

static void ot_error(void *ud, int err, const char *msg)
{
    (void)ud;
    char line[200];
    pf_fmt(line, sizeof line, "DocumentEditor: %s (%s)", msg ? msg : "error",
             pf_strerror(err));
    pf_host_log(PF_LOG_WARN, line, strlen(line));
}

/* ------------------------------------------------------------------------ */
/* Entry points for the bindings (pf_document_editor.h)                     */
/* ------------------------------------------------------------------------ */

int pf_document_editor_splice(pf_component *c, size_t start16, size_t del16, const char *ins,
                              size_t len)
{
    doc_editor *s = editor_of(c);
    size_t pos, end, cps;
    if (!s || (!ins && len))
        return PF_EINVAL;
    if (start16 > u16_of(s, pf_text_length(pf_ot_client_text(s->ot)))
        || del16 > u16_of(s, pf_text_length(pf_ot_client_text(s->ot))) - start16
        || !cp_of(s, start16, &pos) || !cp_of(s, start16 + del16, &end))
        return PF_ERANGE;
    if (pf_utf8_count(ins, len, &cps, NULL) != PF_OK)
        return PF_EUTF8;
    if (pos == end && len == 0)
        return PF_OK;
    int rc = pf_ot_client_local_splice(s->ot, pos, end - pos, ins, len);
    if (rc == PF_OK && astral_splice(s, pos, end - pos, ins, len, cps) != PF_OK)
        rc = astral_rebuild(s);
    update_saving(s);
    return rc;
}

int pf_document_editor_replace_text(pf_component *c, const char *text, size_t len, long caret16)
{
    doc_editor *s = editor_of(c);
    if (!s || (!text && len))
        return PF_EINVAL;
    long caret = -1;
    if (caret16 >= 0) {
        /* The caret in code points of the new text, counted in the text. */
        size_t u = 0, cp = 0;
        for (size_t i = 0; i < len && u < (size_t)caret16; i++) {
            unsigned char b = (unsigned char)text[i];
            if ((b & 0xC0) == 0x80)
                continue;
            u += b >= 0xF0 ? 2 : 1;
            cp++;
        }
        caret = (long)cp;
    }
    int rc = pf_ot_client_local_text(s->ot, text, len, caret);
    if (rc == PF_OK)
        rc = astral_rebuild(s);
    update_saving(s);
    return rc;
}

int pf_document_editor_set_cursor(pf_component *c, size_t pos16)
{
    doc_editor *s = editor_of(c);
    size_t cp;
    if (!s)
        return PF_EINVAL;
    if (!cp_of(s, pos16, &cp))
        return PF_ERANGE;
    return pf_ot_client_set_cursor(s->ot, cp);
}

int pf_document_editor_undo(pf_component *c, int redo)
{
    doc_editor *s = editor_of(c);
    if (!s)
        return PF_EINVAL;
    int rc = redo ? pf_ot_client_redo(s->ot) : pf_ot_client_undo(s->ot);
    update_saving(s);
    return rc;
}

size_t pf_document_editor_length16(pf_component *c)
{
    doc_editor *s = editor_of(c);
    return s ? u16_of(s, pf_text_length(pf_ot_client_text(s->ot))) : 0;
}

pf_ot_client *pf_document_editor_client(pf_component *c)
{
    doc_editor *s = editor_of(c);
    return s ? s->ot : NULL;
}

/* ------------------------------------------------------------------------ */
/* Component callbacks                                                      */
/* ------------------------------------------------------------------------ */

static void editor_destroy(void *self);

static int editor_create(pf_component *c, const cJSON *props, void **self)
{
    doc_editor *s = calloc(1, sizeof *s);
    if (!s)
        return PF_ENOMEM;
    s->c = c;
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(props, "doc");
    const char *url = pf__json_str(props, "url", "");
    const char *token = pf__json_str(props, "token", "");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(props, "user");
    char path[96];
    if (cJSON_IsString(doc) && doc->valuestring && valid_doc(doc->valuestring))
        pf_fmt(path, sizeof path, "/ws/docs/%s", doc->valuestring);
    else if (cJSON_IsNumber(doc) && doc->valuedouble >= 0 && doc->valuedouble < 9007199254740992.0
             && doc->valuedouble == floor(doc->valuedouble))
        pf_fmt(path, sizeof path, "/ws/docs/%.0f", doc->valuedouble);
    else
        s->bad_doc = 1;
    if (url[0])
        s->bad_doc = 0; /* an explicit URL wins */
    else
        url = path;
    if (!s->bad_doc)
        s->url = pf__ws_build_url(url, strlen(url), token, strlen(token), NULL, NULL, 0, &s->url_len);
    if (cJSON_IsObject(user)) {
        char *id = id_text(cJSON_GetObjectItemCaseSensitive(user, "id"));
        if (id)
            s->self_user = cJSON_Duplicate(user, 1);
        free(id);
    }
    s->users = cJSON_CreateArray();
    pf_ot_client_events ev = {
        .send = ot_send,
        .changed = ot_changed,
        .dead_link = ot_dead_link,
        .cursor = ot_cursor,
        .error = ot_error,
        .dropped = ot_dropped,
        .ud = s,
    };
    int rc = pf_ot_client_new(NULL, &ev, &s->ot);
    if (rc != PF_OK || (!s->bad_doc && !s->url) || !s->users) {
        editor_destroy(s);
        return rc != PF_OK ? rc : PF_ENOMEM;
    }
    users_reset(s);
    cJSON *init = cJSON_CreateObject();
    cJSON_AddStringToObject(init, "state", "idle");
    cJSON_AddStringToObject(init, "status", "\xF0\x9F\x9F\xA1 Connecting...");
    cJSON_AddFalseToObject(init, "saving");
    cJSON_AddFalseToObject(init, "loaded");
    cJSON_AddNumberToObject(init, "online", (double)cJSON_GetArraySize(s->users));
    if (s->bad_doc)
        cJSON_AddStringToObject(init, "error", "Invalid document id");
    rc = pf_state_set_multiple(pf_component_state(c), init);
    if (rc != PF_OK) {
        editor_destroy(s);
        return rc;
    }
    *self = s;
    return PF_OK;
}

static void editor_did_mount(pf_component *c, void *self)
{
    doc_editor *s = self;
    if (s->bad_doc)
        return;
    pf_ws_opts o;
    memset(&o, 0, sizeof o);
    o.no_outbox = 1; /* the OT client resubmits; the socket must not replay */
    o.no_seq = 1;    /* "seq" numbers operations here, not the stream */
    /* A snapshot carries the whole document (the reference server allows
     * 1,000,000 code points: up to 4 MB of UTF-8, more once escaped). */
    o.max_frame_bytes = 16u * 1024 * 1024;
    /* A socket of its own: the server acks an operation to the connection
     * that sent it and echoes it to every other, so two editors of one
     * document on a shared socket would miss each other's edits. */
    if (pf_component_ws_connect_private(c, s->url, s->url_len, &o) != PF_OK)
        set_error(s, "Could not connect to the document");
}

static void editor_on_message(pf_component *c, void *self, const cJSON *msg, const char *raw,
                              size_t raw_len)
{
    doc_editor *s = self;
    const char *t = str_of(msg, "type");
    (void)c;
    if (!cJSON_IsObject(msg))
        return;
    if (!t) {
        const char *err = str_of(msg, "error");
        if (err)
            set_error(s, err);
        return;
    }
    size_t rev = pf_ot_client_rev(s->ot);
    int rc = pf_ot_client_message(s->ot, raw, raw_len);
    if (strcmp(t, "snapshot") == 0 && rc == PF_OK) {
        /* An empty document changes nothing, so `changed` did not say. */
        if (!state_bool(pf_component_state(s->c), "loaded"))
            pf_state_update(pf_component_state(s->c), "loaded", cJSON_CreateTrue());
        const cJSON *users = cJSON_GetObjectItemCaseSensitive(msg, "users"), *u;
        if (cJSON_IsArray(users)) {
            users_reset(s);
            cJSON_ArrayForEach(u, users)
            {
                user_add(s, u);
            }
            users_changed(s);
        }
        if (!s->edits_lost)
            set_error(s, NULL);
    } else if (strcmp(t, "ack") == 0 && s->edits_lost && pf_ot_client_rev(s->ot) > rev) {
        /* An edit of ours was taken (a stale or repeated ack moves nothing). */
        s->edits_lost = 0;
        set_error(s, NULL);
    } else if (strcmp(t, "user_joined") == 0) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(msg, "user");
        if (cJSON_IsObject(u)) {
            user_add(s, u);
            users_changed(s);
        }
    } else if (strcmp(t, "user_left") == 0) {
        user_remove(s, cJSON_GetObjectItemCaseSensitive(msg, "user_id"));
        users_changed(s);
    } else if (strcmp(t, "error") == 0) {
        const char *m = str_of(msg, "message");
        pf__log(PF_LOG_WARN, m ? m : "DocumentEditor: error");
    }
    update_saving(s);
}

static void editor_on_connection(pf_component *c, void *self, const pf_ws_event *ev)
{
    doc_editor *s = self;
    pf_state *st = pf_component_state(c);
    char status[96];
    int open = pf__connection_status(ev, "Document not found", 0, status, sizeof status);
    pf_state_update(st, "state", cJSON_CreateString(pf_ws_state_name(ev->state)));
    pf_state_update(st, "status", cJSON_CreateString(status));
    if (open && !s->connected) {
        s->connected = 1;
        if (s->was_open) {
            /* A rejoin announces the others again; forget who left. */
            users_reset(s);
            users_changed(s);
        }
        s->was_open = 1;
        pf_ot_client_connected(s->ot);
    } else if (!open && s->connected) {
        s->connected = 0;
        pf_ot_client_disconnected(s->ot);
    }
    update_saving(s);
}

static void editor_on_resync(pf_component *c, void *self)
{
    doc_editor *s = self;
    (void)c;
    /* pf_ws only reports this for a {"type":"resync"} frame: the client
     * rejoins for a fresh snapshot and keeps the unacknowledged text. */
    pf_ot_client_message(s->ot, "{\"type\":\"resync\"}", 17);
}

static const char *user_name(const doc_editor *s, const char *id)
{
    long i = user_find(s, id);
    return i >= 0 ? str_of(cJSON_GetArrayItem(s->users, (int)i), "name") : NULL;
}

static int editor_render(pf_component *c, void *self, pf_html *h)
{
    doc_editor *s = self;
    pf_state *st = pf_component_state(c);
    const char *status = "", *state = "idle", *error = NULL;
    pf_state_get_string(st, "status", &status);
    pf_state_get_string(st, "state", &state);
    pf_state_get_string(st, "error", &error);
    int saving = state_bool(st, "saving");
    int loaded = state_bool(st, "loaded");
    const cJSON *u;

    pf_html_open(h, "div");
    pf_html_attr(h, "class", "document-editor");
    pf_html_attr(h, "data-state", state);
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "toolbar");
    /* While the link is down who is here is not known: the list shown is
     * the last one, marked stale, and the others' cursors, which would no
     * longer move, are not drawn. */
    int stale = s->was_open && !s->connected;
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "users");
    if (stale)
        pf_html_attr(h, "data-stale", "true");
    cJSON_ArrayForEach(u, s->users)
    {
        const char *name = str_of(u, "name"), *avatar = str_of(u, "avatar");
        pf_html_open(h, "img");
        pf_html_attr(h, "class", "avatar");
        pf_html_attr(h, "data-user", str_of(u, "id"));
        /* Unsafe URLs are left out here rather than logged at every
         * render; data:image/ URLs (the reference server's SVG avatars)
         * pass, as they do for any <img src>. */
        if (avatar && avatar[0]
            && pf_html_check_url(avatar, strlen(avatar), PF_HTML_URL_IMG) == PF_OK)
            pf_html_attr(h, "src", avatar);
        pf_html_attr(h, "alt", name);
        pf_html_attr(h, "title", name);
        pf_html_close(h);
    }
    pf_html_open(h, "span");
    pf_html_attr(h, "class", "user-count");
    pf_html_textf(h, "%d online", cJSON_GetArraySize(s->users));
    pf_html_close(h);
    pf_html_close(h);
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "save-status");
    pf_html_attr(h, "data-saving", saving ? "true" : "false");
    pf_html_str(h, saving ? "\xF0\x9F\x92\xBE Saving..." : "\xE2\x9C\x85 Saved");
    pf_html_close(h);
    pf_html_open(h, "span");
    pf_html_attr(h, "class", "connection-status");
    pf_html_str(h, status);
    pf_html_close(h);
    pf_html_close(h); /* toolbar */
    if (error) {
        pf_html_open(h, "p");
        pf_html_attr(h, "class", "error");
        pf_html_str(h, error);
        pf_html_close(h);
    }
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "editor-container");
    /* No value: the browser owns the text (see the file comment). */
    pf_html_open(h, "textarea");
    pf_html_attr(h, "class", "editor");
    pf_html_attr(h, "data-id", KEY_EDITOR);
    pf_html_attr(h, "data-pf-editor", "");
    pf_html_attr(h, "spellcheck", "false");
    if (!loaded)
        pf_html_attr(h, "readonly", "");
    pf_html_close(h);
    size_t n = stale ? 0 : pf_ot_client_cursor_count(s->ot);
    for (size_t i = 0; i < n; i++) {
        const char *id;
        size_t id_len, pos;
        if (pf_ot_client_cursor(s->ot, i, &id, &id_len, &pos) != PF_OK)
            continue;
        const char *name = user_name(s, id);
        /* Only users who are here: one who left while the link was down
         * (no user_left reached us) is missing from the list a rejoin or a
         * snapshot rebuilt, and so is its cursor. */
        if (!name)
            continue;
        pf_html_open(h, "span");
        pf_html_attr(h, "class", "cursor");
        pf_html_attr(h, "data-user", id);
        pf_html_attrf(h, "data-pos", "%zu", pos);
        pf_html_attrf(h, "data-offset", "%zu", u16_of(s, pos));
        pf_html_attr(h, "title", name);
        pf_html_close(h);
    }
    pf_html_close(h); /* editor-container */
    pf_html_close(h);
    return pf_html_status(h);
}

static void editor_will_unmount(pf_component *c, void *self)
{
    doc_editor *s = self;
    (void)c;
    if (pf_ot_client_has_pending(s->ot))
        pf__log(PF_LOG_WARN, "DocumentEditor: unmounted with unsaved edits");
}

static void editor_destroy(void *self)
{
    doc_editor *s = self;
    if (!s)
        return;
    pf_ot_client_free(s->ot);
    cJSON_Delete(s->users);
    cJSON_Delete(s->self_user);
    free(s->astral);
    free(s->url);
    free(s);
}

const pf_component_class pf_document_editor_class = {
    .name = "DocumentEditor",
    .create = editor_create,
    .did_mount = editor_did_mount,
    .on_message = editor_on_message,
    .on_connection = editor_on_connection,
    .on_resync = editor_on_resync,
    .render = editor_render,
    .will_unmount = editor_will_unmount,
    .destroy = editor_destroy,
};
