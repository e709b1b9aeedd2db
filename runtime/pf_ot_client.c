/* pf_ot_client.c: the OT client state machine (see pf_ot_client.h). */
#include "pf_ot_client.h"
#include "pf_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "pf_host.h"
#include "pf_loop.h"
#include "pf_num.h"

typedef struct remote_cursor {
    char *user;
    size_t user_len;
    size_t pos;
} remote_cursor;

typedef struct op_stack {
    pf_ot_op **ops;       /* bottom first; every op applies after the ones above it */
    size_t count, cap;
} op_stack;

/* Largest edit distance a resync diff computes exactly (pf_ot_diff_min). */
#define DIFF_MAX_EDITS 1000

/* Consecutive resyncs before the client gives up on its pending edits. */
#define MAX_RESYNCS 3

struct pf_ot_client {
    pf_ot_client_events ev;
    char *src;
    size_t src_len;
    double ack_timeout_ms, undo_group_ms;
    size_t undo_limit;

    pf_text *text;
    size_t rev;
    int has_rev;
    int connected;
    int live;                 /* joined: ops may be sent */
    size_t rejoin_rev;        /* a catch-up join for this rev was sent */
    int rejoin_pending;
    int need_snapshot;        /* a resync is due: join without rev */
    int resyncs;
    int server_acked;         /* the server has acked an operation of ours */
    size_t my_cursor;         /* this client's cursor, for content_change */

    /* Pending local edits, invertible (deletes carry their text). */
    pf_ot_op *outstanding;    /* NULL when synced */
    int outstanding_sent;     /* on the current connection */
    int has_seq;              /* outstanding has been numbered */
    uint64_t seq;             /* its seq when has_seq */
    uint64_t next_seq;
    pf_ot_op *buffer;         /* NULL when empty */
    uint32_t ack_timer;

    remote_cursor *cursors;
    size_t ncursors, cursors_cap;

    op_stack undo, redo;
    double last_edit_at;
    int can_group;
    int cursor_set;          /* the app set my_cursor: sent again on each rejoin */
};

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static void stack_clear(op_stack *s)
{
    for (size_t i = 0; i < s->count; i++)
        pf_ot_free(s->ops[i]);
    s->count = 0;
}

static int stack_push(op_stack *s, pf_ot_op *op, size_t limit)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        pf_ot_op **n = realloc(s->ops, cap * sizeof *n);
        if (!n)
            return PF_ENOMEM;
        s->ops = n;
        s->cap = cap;
    }
    s->ops[s->count++] = op;
    if (limit && s->count > limit) {
        pf_ot_free(s->ops[0]);
        memmove(s->ops, s->ops + 1, (s->count - 1) * sizeof *s->ops);
        s->count--;
    }
    return PF_OK;
}

/* Transforms a stack against `op` applied to the document its top applies
 * to: each entry with side left, `op` carried down with side right. */
static int stack_transform(op_stack *s, const pf_ot_op *op)
{
    pf_ot_op *cur = pf_ot_clone(op);
    if (!cur)
        return PF_ENOMEM;
    size_t keep = s->count;
    for (size_t k = s->count; k-- > 0;) {
        pf_ot_op *e2 = NULL, *cur2 = NULL;
        if (pf_ot_transform(s->ops[k], cur, PF_OT_LEFT, &e2) != PF_OK
            || pf_ot_transform(cur, s->ops[k], PF_OT_RIGHT, &cur2) != PF_OK) {
            pf_ot_free(e2);
            pf_ot_free(cur);
            return PF_ENOMEM;
        }
        pf_ot_free(s->ops[k]);
        s->ops[k] = e2;
        pf_ot_free(cur);
        cur = cur2;
    }
    pf_ot_free(cur);
    /* Drop entries that became no-ops. */
    size_t j = 0;
    for (size_t k = 0; k < keep; k++) {
        if (pf_ot_is_noop(s->ops[k]))
            pf_ot_free(s->ops[k]);
        else
            s->ops[j++] = s->ops[k];
    }
    s->count = j;
    return PF_OK;
}

static char *dup_bytes(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

static void send_msg(pf_ot_client *c, cJSON *m)
{
    if (!m)
        return;
    char *s = pf_json_print(m);
    cJSON_Delete(m);
    if (s) {
        c->ev.send(c->ev.ud, s, strlen(s));
        free(s);
    }
}

static void report_error(pf_ot_client *c, int err, const char *msg)
{
    if (c->ev.error)
        c->ev.error(c->ev.ud, err, msg);
}

static void emit_changed(pf_ot_client *c, const pf_ot_op *op, int origin)
{
    if (c->ev.changed && !pf_ot_is_noop(op))
        c->ev.changed(c->ev.ud, op, origin);
}

/* A JSON number that is a non-negative integer below 2^53. */
static int get_count(const cJSON *obj, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!(d >= 0) || d != floor(d) || d > 9007199254740991.0)
        return 0;
    *out = (uint64_t)d;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

int pf_ot_client_new(const pf_ot_client_config *cfg,
                     const pf_ot_client_events *ev, pf_ot_client **out)
{
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if (!ev || !ev->send || (cfg && !cfg->src && cfg->src_len))
        return PF_EINVAL;
    pf_ot_client *c = calloc(1, sizeof *c);
    if (!c)
        return PF_ENOMEM;
    c->ev = *ev;
    c->ack_timeout_ms = cfg && cfg->ack_timeout_ms > 0 ? cfg->ack_timeout_ms : 10000;
    c->undo_group_ms = cfg && cfg->undo_group_ms > 0 ? cfg->undo_group_ms : 1000;
    c->undo_limit = cfg && cfg->undo_limit ? cfg->undo_limit : 200;
    if (cfg && cfg->src && cfg->src_len) {
        c->src = dup_bytes(cfg->src, cfg->src_len);
        c->src_len = cfg->src_len;
    } else {
        char hex[17];
        pf_fmt(hex, sizeof hex, "%08lx%08lx", (unsigned long)pf_host_random_u32(),
                 (unsigned long)pf_host_random_u32());
        c->src = dup_bytes(hex, 16);
        c->src_len = 16;
    }
    c->text = pf_text_new();
    c->next_seq = cfg && cfg->next_seq ? cfg->next_seq : 1;
    if (!c->src || !c->text) {
        pf_ot_client_free(c);
        return PF_ENOMEM;
    }
    *out = c;
    return PF_OK;
}

void pf_ot_client_free(pf_ot_client *c)
{
    if (!c)
        return;
    pf_timer_clear(c->ack_timer);
    pf_text_free(c->text);
    pf_ot_free(c->outstanding);
    pf_ot_free(c->buffer);
    for (size_t i = 0; i < c->ncursors; i++)
        free(c->cursors[i].user);
    free(c->cursors);
    stack_clear(&c->undo);
    stack_clear(&c->redo);
    free(c->undo.ops);
    free(c->redo.ops);
    free(c->src);
    free(c);
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                  */
/* ------------------------------------------------------------------------ */

static void ack_timed_out(void *ud)
{
    pf_ot_client *c = ud;
    c->ack_timer = 0;
    if (c->ev.dead_link)
        c->ev.dead_link(c->ev.ud);
}

/* Sends the outstanding operation if the link allows it. */
static void flush(pf_ot_client *c)
{
    if (!c->connected || !c->live || !c->outstanding || c->outstanding_sent)
        return;
    if (!c->has_seq) {
        c->seq = c->next_seq++;
        c->has_seq = 1;
    }
    pf_ot_op *wire = NULL;
    char *ops = NULL;
    if (pf_ot_strip_invertible(c->outstanding, &wire) != PF_OK
        || !(ops = pf_ot_serialize(wire, NULL))) {
        pf_ot_free(wire);
        return;
    }
    pf_ot_free(wire);
    cJSON *m = cJSON_CreateObject();
    if (m) {
        cJSON_AddStringToObject(m, "type", "content_change");
        cJSON_AddNumberToObject(m, "rev", (double)c->rev);
        cJSON_AddRawToObject(m, "operations", ops);
        cJSON_AddStringToObject(m, "src", c->src);
        cJSON_AddNumberToObject(m, "seq", (double)c->seq);
        cJSON_AddNumberToObject(m, "cursor_position", (double)c->my_cursor);
    }
    free(ops);
    c->outstanding_sent = 1;
    send_msg(c, m);
    pf_timer_clear(c->ack_timer);
    c->ack_timer = pf_timer_set(c->ack_timeout_ms, ack_timed_out, c);
}

static void send_join(pf_ot_client *c, int with_rev)
{
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return;
    cJSON_AddStringToObject(m, "type", "join");
    if (with_rev)
        cJSON_AddNumberToObject(m, "rev", (double)c->rev);
    cJSON_AddStringToObject(m, "src", c->src);
    send_msg(c, m);
}

/* Starts a hard resync: a fresh snapshot, then the pending edits rebased. */
static void resync(pf_ot_client *c, int err, const char *why)
{
    report_error(c, err, why);
    pf_timer_clear(c->ack_timer);
    c->ack_timer = 0;
    c->outstanding_sent = 0;
    c->live = 0;
    c->rejoin_pending = 0;
    c->need_snapshot = 1;
    if (c->connected)
        send_join(c, 0);
}

/* Asks the server for the operations since c->rev (once per rev). */
static void catch_up(pf_ot_client *c)
{
    if (c->rejoin_pending && c->rejoin_rev == c->rev)
        return;
    c->rejoin_pending = 1;
    c->rejoin_rev = c->rev;
    send_join(c, 1);
}

int pf_ot_client_connected(pf_ot_client *c)
{
    if (!c)
        return PF_EINVAL;
    c->connected = 1;
    c->outstanding_sent = 0;
    c->rejoin_pending = 0;
    c->live = c->has_rev && !c->need_snapshot;
    send_join(c, c->live);
    /* The others' view of our cursor may be gone (a restarted server keeps
     * none) or stale: said again, at the rev we rejoin from. */
    if (c->live && c->cursor_set)
        pf_ot_client_set_cursor(c, c->my_cursor);
    flush(c);
    return PF_OK;
}

void pf_ot_client_disconnected(pf_ot_client *c)
{
    if (!c)
        return;
    c->connected = 0;
    c->live = 0;
    c->outstanding_sent = 0;
    c->rejoin_pending = 0;
    pf_timer_clear(c->ack_timer);
    c->ack_timer = 0;
}

/* ------------------------------------------------------------------------ */
/* Cursors                                                                  */
/* ------------------------------------------------------------------------ */

static void cursors_transform(pf_ot_client *c, const pf_ot_op *op)
{
    for (size_t i = 0; i < c->ncursors; i++) {
        size_t p = pf_ot_transform_position(c->cursors[i].pos, op);
        if (p != c->cursors[i].pos) {
            c->cursors[i].pos = p;
            if (c->ev.cursor)
                c->ev.cursor(c->ev.ud, c->cursors[i].user, c->cursors[i].user_len, p);
        }
    }
}

static long cursor_find(const pf_ot_client *c, const char *user, size_t len)
{
    for (size_t i = 0; i < c->ncursors; i++)
        if (c->cursors[i].user_len == len && memcmp(c->cursors[i].user, user, len) == 0)
            return (long)i;
    return -1;
}

/* A user id may be a string or a number on the wire. */
static char *user_id_of(const cJSON *msg, const char *key)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(msg, key);
    if (cJSON_IsString(u))
        return dup_bytes(u->valuestring, strlen(u->valuestring));
    if (cJSON_IsNumber(u))
        return pf_json_print(u);
    return NULL;
}

/* Sets `user`'s cursor (taken) to `pos` in the server text. */
static int put_cursor(pf_ot_client *c, char *user, uint64_t pos)
{
    /* The position is relative to the server text; ours has the pending
     * edits on top. */
    size_t p = (size_t)pos;
    if (c->outstanding)
        p = pf_ot_transform_position(p, c->outstanding);
    if (c->buffer)
        p = pf_ot_transform_position(p, c->buffer);
    if (p > pf_text_length(c->text))
        p = pf_text_length(c->text);
    size_t len = strlen(user);
    long i = cursor_find(c, user, len);
    if (i < 0) {
        if (c->ncursors == c->cursors_cap) {
            size_t cap = c->cursors_cap ? c->cursors_cap * 2 : 8;
            remote_cursor *n = realloc(c->cursors, cap * sizeof *n);
            if (!n) {
                free(user);
                return PF_ENOMEM;
            }
            c->cursors = n;
            c->cursors_cap = cap;
        }
        c->cursors[c->ncursors++] = (remote_cursor){ user, len, p };
        i = (long)c->ncursors - 1;
    } else {
        free(user);
        c->cursors[i].pos = p;
    }
    if (c->ev.cursor)
        c->ev.cursor(c->ev.ud, c->cursors[i].user, len, p);
    return PF_OK;
}

static int handle_cursor(pf_ot_client *c, const cJSON *msg)
{
    uint64_t pos;
    char *user = user_id_of(msg, "user_id");
    if (!user || !get_count(msg, "position", &pos)) {
        free(user);
        return PF_EPROTO;
    }
    return put_cursor(c, user, pos);
}

static int handle_user_left(pf_ot_client *c, const cJSON *msg)
{
    char *user = user_id_of(msg, "user_id");
    if (!user)
        return PF_EPROTO;
    long i = cursor_find(c, user, strlen(user));
    if (i >= 0) {
        remote_cursor gone = c->cursors[i];
        c->cursors[i] = c->cursors[--c->ncursors];
        if (c->ev.cursor)
            c->ev.cursor(c->ev.ud, gone.user, gone.user_len, (size_t)-1);
        free(gone.user);
    }
    free(user);
    return PF_OK;
}

int pf_ot_client_set_cursor(pf_ot_client *c, size_t position)
{
    if (!c)
        return PF_EINVAL;
    if (position > pf_text_length(c->text))
        return PF_ERANGE;
    c->my_cursor = position;
    c->cursor_set = 1;
    if (!c->connected || !c->live)
        return PF_ESTATE;
    /* Back through the buffer, then the outstanding op (both invertible). */
    size_t pos = position;
    pf_ot_op *steps[2] = { c->buffer, c->outstanding };
    for (int i = 0; i < 2; i++) {
        pf_ot_op *inv = NULL;
        if (steps[i] && pf_ot_invert(steps[i], &inv) == PF_OK)
            pos = pf_ot_transform_position(pos, inv);
        pf_ot_free(inv);
    }
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return PF_ENOMEM;
    cJSON_AddStringToObject(m, "type", "cursor_update");
    cJSON_AddNumberToObject(m, "position", (double)pos);
    cJSON_AddNumberToObject(m, "rev", (double)c->rev);
    send_msg(c, m);
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* Local edits and undo                                                     */
/* ------------------------------------------------------------------------ */

enum { LOCAL_EDIT, LOCAL_UNDO, LOCAL_REDO };

/* Applies `op` (made on the current text) as a local edit. */
static int local_apply(pf_ot_client *c, const pf_ot_op *op, int kind,
                       long cursor_after)
{
    if (!c || !op)
        return PF_EINVAL;
    if (pf_ot_base_length(op) > pf_text_length(c->text))
        return PF_ERANGE;
    if (pf_ot_is_noop(op))
        return PF_OK;
    pf_ot_op *inv = NULL, *undo = NULL, *queued = NULL;
    int rc = pf_ot_make_invertible(op, c->text, &inv);
    if (rc == PF_OK)
        rc = pf_ot_invert(inv, &undo);
    /* Queue: compose into the outstanding op while it was never sent,
     * else into the buffer. */
    pf_ot_op **slot = !c->outstanding ? NULL
                    : (!c->has_seq ? &c->outstanding : &c->buffer);
    if (rc == PF_OK && slot && *slot)
        rc = pf_ot_compose(*slot, inv, &queued);
    if (rc == PF_OK)
        rc = pf_ot_apply(inv, c->text);
    if (rc != PF_OK) {
        pf_ot_free(inv);
        pf_ot_free(undo);
        pf_ot_free(queued);
        return rc;
    }
    if (!slot) {
        c->outstanding = inv;
        c->has_seq = 0;
        c->outstanding_sent = 0;
        inv = NULL;
    } else if (!*slot) {
        *slot = inv;
        inv = NULL;
    } else {
        pf_ot_free(*slot);
        *slot = queued;
    }
    cursors_transform(c, op);
    c->my_cursor = pf_ot_transform_position(c->my_cursor, op);
    if (cursor_after >= 0 && (size_t)cursor_after <= pf_text_length(c->text))
        c->my_cursor = (size_t)cursor_after;

    /* Undo bookkeeping. */
    double now = pf_host_now();
    if (kind == LOCAL_EDIT) {
        stack_clear(&c->redo);
        pf_ot_op *grouped = NULL;
        if (c->can_group && c->undo.count && now - c->last_edit_at < c->undo_group_ms
            && pf_ot_compose(undo, c->undo.ops[c->undo.count - 1], &grouped) == PF_OK) {
            pf_ot_free(c->undo.ops[c->undo.count - 1]);
            c->undo.ops[c->undo.count - 1] = grouped;
            pf_ot_free(undo);
        } else if (stack_push(&c->undo, undo, c->undo_limit) != PF_OK) {
            pf_ot_free(undo);
        }
        c->can_group = 1;
        c->last_edit_at = now;
    } else {
        op_stack *other = kind == LOCAL_UNDO ? &c->redo : &c->undo;
        if (stack_push(other, undo, c->undo_limit) != PF_OK)
            pf_ot_free(undo);
        c->can_group = 0;
    }
    pf_ot_free(inv);
    flush(c);
    return PF_OK;
}

/* A document holds no U+0000 (docs/protocol.md section 9): servers refuse
 * it, and cJSON-based clients would cut the insert there and diverge. */
static int has_nul(const char *s, size_t len)
{
    return len && memchr(s, 0, len) != NULL;
}

int pf_ot_client_local_op(pf_ot_client *c, const pf_ot_op *op)
{
    return local_apply(c, op, LOCAL_EDIT, -1);
}

int pf_ot_client_local_splice(pf_ot_client *c, size_t pos, size_t ndel,
                              const char *ins, size_t ins_len)
{
    if (!c || (!ins && ins_len) || has_nul(ins, ins_len))
        return PF_EINVAL;
    if (pos > pf_text_length(c->text) || ndel > pf_text_length(c->text) - pos)
        return PF_ERANGE;
    pf_ot_op *op = pf_ot_new();
    if (!op)
        return PF_ENOMEM;
    int rc = pf_ot_skip(op, pos);
    if (rc == PF_OK)
        rc = pf_ot_insert(op, ins, ins_len);
    if (rc == PF_OK)
        rc = pf_ot_delete(op, ndel);
    pf_ot_trim(op);
    if (rc == PF_OK)
        /* The cursor ends after the inserted text (delta + ndel code points). */
        rc = local_apply(c, op, LOCAL_EDIT,
                         (long)pos + pf_ot_length_delta(op) + (long)ndel);
    pf_ot_free(op);
    return rc;
}

int pf_ot_client_local_text(pf_ot_client *c, const char *text, size_t len,
                            long cursor)
{
    if (!c || (!text && len) || has_nul(text, len))
        return PF_EINVAL;
    size_t old_len;
    const char *old = pf_text_data(c->text, &old_len);
    pf_ot_op *op = NULL;
    int rc = pf_ot_diff(old, old_len, text, len, cursor, &op);
    if (rc == PF_OK)
        rc = local_apply(c, op, LOCAL_EDIT, cursor);
    pf_ot_free(op);
    return rc;
}

static int undo_redo(pf_ot_client *c, op_stack *from, int kind)
{
    if (!c)
        return PF_EINVAL;
    if (!from->count)
        return PF_ESTATE;
    pf_ot_op *op = from->ops[from->count - 1];
    int rc = local_apply(c, op, kind, -1);
    if (rc == PF_OK) {
        from->count--;
        emit_changed(c, op, PF_OT_ORIGIN_UNDO);
        pf_ot_free(op);
    }
    return rc;
}

int pf_ot_client_undo(pf_ot_client *c)
{
    return c ? undo_redo(c, &c->undo, LOCAL_UNDO) : PF_EINVAL;
}

int pf_ot_client_redo(pf_ot_client *c)
{
    return c ? undo_redo(c, &c->redo, LOCAL_REDO) : PF_EINVAL;
}

int pf_ot_client_can_undo(const pf_ot_client *c)
{
    return c && c->undo.count > 0;
}

int pf_ot_client_can_redo(const pf_ot_client *c)
{
    return c && c->redo.count > 0;
}

/* ------------------------------------------------------------------------ */
/* Server messages                                                          */
/* ------------------------------------------------------------------------ */

/* The in-flight operation was applied by the server at revision `rev`. */
static void acknowledged(pf_ot_client *c, size_t rev)
{
    pf_timer_clear(c->ack_timer);
    c->ack_timer = 0;
    c->rev = rev + 1;
    pf_ot_free(c->outstanding);
    c->outstanding = c->buffer;
    c->buffer = NULL;
    c->has_seq = 0;
    c->outstanding_sent = 0;
    c->resyncs = 0;
    flush(c);
}

static int apply_remote(pf_ot_client *c, const pf_ot_op *op)
{
    pf_ot_op *o2 = NULL, *b2 = NULL, *r1 = NULL, *r2 = NULL;
    const pf_ot_op *r = op;
    int rc = PF_OK;
    if (c->outstanding) {
        rc = pf_ot_transform(c->outstanding, r, PF_OT_LEFT, &o2);
        if (rc == PF_OK)
            rc = pf_ot_transform(r, c->outstanding, PF_OT_RIGHT, &r1);
        r = r1;
    }
    if (rc == PF_OK && c->buffer) {
        rc = pf_ot_transform(c->buffer, r, PF_OT_LEFT, &b2);
        if (rc == PF_OK)
            rc = pf_ot_transform(r, c->buffer, PF_OT_RIGHT, &r2);
        r = r2;
    }
    if (rc == PF_OK)
        rc = pf_ot_apply(r, c->text);
    if (rc != PF_OK) {
        pf_ot_free(o2);
        pf_ot_free(b2);
        pf_ot_free(r1);
        pf_ot_free(r2);
        return rc;
    }
    if (c->outstanding) {
        pf_ot_free(c->outstanding);
        c->outstanding = o2;
    }
    if (c->buffer) {
        pf_ot_free(c->buffer);
        c->buffer = b2;
    }
    c->rev++;
    cursors_transform(c, r);
    c->my_cursor = pf_ot_transform_position(c->my_cursor, r);
    /* The undo entries now apply after r: the typing burst going on (if
     * any) still groups, as when typing alone (a remote edit that ended it
     * left one Ctrl+Z undoing the last few characters only). */
    stack_transform(&c->undo, r);
    stack_transform(&c->redo, r);
    emit_changed(c, r, PF_OT_ORIGIN_REMOTE);
    pf_ot_free(r1);
    pf_ot_free(r2);
    return PF_OK;
}

static int handle_change(pf_ot_client *c, const cJSON *msg)
{
    uint64_t rev, seq = 0;
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(msg, "operations");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(msg, "src");
    int has_seq = get_count(msg, "seq", &seq);
    if (!get_count(msg, "rev", &rev) || !ops)
        return PF_EPROTO;
    if (!c->live || !c->has_rev)
        return PF_OK;                    /* a snapshot is coming */
    if (rev < c->rev)
        return PF_OK;                    /* already seen */
    if (rev > c->rev) {
        catch_up(c);                     /* missed some */
        return PF_OK;
    }
    if (cJSON_IsString(src) && has_seq && c->outstanding && c->has_seq
        && seq == c->seq && strlen(src->valuestring) == c->src_len
        && memcmp(src->valuestring, c->src, c->src_len) == 0) {
        acknowledged(c, (size_t)rev);    /* our own op, seen in the stream */
        return PF_OK;
    }
    char *s = pf_json_print(ops);
    pf_ot_op *op = NULL;
    int rc = s ? pf_ot_parse(s, strlen(s), 0, &op, NULL) : PF_ENOMEM;
    free(s);
    if (rc == PF_OK)
        rc = apply_remote(c, op);
    pf_ot_free(op);
    if (rc == PF_ENOMEM)
        return rc;
    if (rc != PF_OK)
        resync(c, rc, "remote operation does not apply");
    return PF_OK;
}

static int handle_ack(pf_ot_client *c, const cJSON *msg)
{
    uint64_t rev, seq;
    if (!get_count(msg, "rev", &rev) || !get_count(msg, "seq", &seq))
        return PF_EPROTO;
    if (!c->outstanding || !c->has_seq || seq != c->seq || !c->live)
        return PF_OK;                    /* stale or duplicate */
    c->server_acked = 1;
    if (rev == c->rev)
        acknowledged(c, (size_t)rev);
    else if (rev > c->rev)
        catch_up(c);                     /* our op is in what we missed */
    else
        resync(c, PF_EPROTO, "ack for an older revision");
    return PF_OK;
}

/* A snapshot replaces the text; unacknowledged local edits are rebased on
 * it: what changed between the text they were made on and the snapshot is
 * approximated by a diff, and the pending edits are transformed past it. */
static int handle_snapshot(pf_ot_client *c, const cJSON *msg)
{
    uint64_t rev, known_seq = 0;
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
    if (!get_count(msg, "rev", &rev) || !cJSON_IsString(content))
        return PF_EPROTO;
    int has_known = get_count(msg, "seq", &known_seq);
    const char *snap = content->valuestring;
    size_t snap_len = strlen(snap);
    size_t cur_len;
    const char *cur = pf_text_data(c->text, &cur_len);

    /* The pending edits not in the snapshot, and the text before them. */
    pf_ot_op *pending = NULL, *inv = NULL, *d = NULL, *rebased = NULL, *view = NULL;
    pf_text *base = pf_text_new();
    pf_text *next = pf_text_new();
    int in_snapshot = c->outstanding && c->has_seq && has_known && known_seq >= c->seq;
    int rc = base && next ? pf_text_set(base, cur, cur_len) : PF_ENOMEM;
    if (rc == PF_OK) {
        if (in_snapshot)
            pending = c->buffer ? pf_ot_clone(c->buffer) : pf_ot_new();
        else if (c->outstanding && c->buffer)
            rc = pf_ot_compose(c->outstanding, c->buffer, &pending);
        else
            pending = c->outstanding ? pf_ot_clone(c->outstanding) : pf_ot_new();
        if (rc == PF_OK && !pending)
            rc = PF_ENOMEM;
    }
    if (rc == PF_OK && pf_ot_is_noop(pending)) {
        rebased = pending;                   /* nothing to rebase */
        pending = NULL;
    } else {
        if (rc == PF_OK)
            rc = pf_ot_invert(pending, &inv);
        if (rc == PF_OK)
            rc = pf_ot_apply(inv, base);
        if (rc == PF_OK) {
            size_t blen;
            const char *b = pf_text_data(base, &blen);
            rc = pf_ot_diff_min(b, blen, snap, snap_len, DIFF_MAX_EDITS, &d);
        }
        if (rc == PF_OK)
            rc = pf_ot_transform(pending, d, PF_OT_LEFT, &rebased);
    }
    if (rc == PF_OK)
        rc = pf_text_set(next, snap, snap_len);
    if (rc == PF_OK)
        rc = pf_ot_apply(rebased, next);
    if (rc == PF_OK) {
        size_t nlen;
        const char *n = pf_text_data(next, &nlen);
        cur = pf_text_data(c->text, &cur_len);
        rc = pf_ot_diff_min(cur, cur_len, n, nlen, DIFF_MAX_EDITS, &view);
    }
    pf_ot_free(inv);
    pf_ot_free(d);
    pf_text_free(base);
    pf_ot_free(pending);
    if (rc != PF_OK) {
        pf_text_free(next);
        pf_ot_free(rebased);
        pf_ot_free(view);
        return rc;
    }
    pf_text_free(c->text);
    c->text = next;
    c->rev = (size_t)rev;
    c->has_rev = 1;
    pf_ot_free(c->outstanding);
    pf_ot_free(c->buffer);
    c->buffer = NULL;
    c->outstanding = NULL;
    if (!pf_ot_is_noop(rebased)) {
        c->outstanding = rebased;    /* a new operation: a new seq */
        rebased = NULL;
    }
    pf_ot_free(rebased);
    c->has_seq = 0;
    c->outstanding_sent = 0;
    pf_timer_clear(c->ack_timer);
    c->ack_timer = 0;
    cursors_transform(c, view);
    stack_transform(&c->undo, view);
    stack_transform(&c->redo, view);
    c->can_group = 0;
    c->live = c->connected;
    c->rejoin_pending = 0;
    c->need_snapshot = 0;
    c->my_cursor = pf_ot_transform_position(c->my_cursor, view);
    emit_changed(c, view, PF_OT_ORIGIN_SNAPSHOT);
    pf_ot_free(view);
    /* The users' stored cursors, at the snapshot's rev (protocol section
     * 9), as cursor_updates would set them. */
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(msg, "users"), *u;
    if (!cJSON_IsArray(users))
        users = NULL;
    cJSON_ArrayForEach(u, users)
    {
        uint64_t pos;
        char *user = get_count(u, "cursor", &pos) ? user_id_of(u, "id") : NULL;
        if (user && put_cursor(c, user, pos) == PF_ENOMEM)
            break;
    }
    if (c->live && c->cursor_set)
        pf_ot_client_set_cursor(c, c->my_cursor); /* as on a rejoin */
    flush(c);
    return PF_OK;
}

static int handle_error(pf_ot_client *c, const cJSON *msg)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(msg, "message");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(msg, "code");
    const char *text = cJSON_IsString(m) ? m->valuestring : "operation rejected";
    const char *cs = cJSON_IsString(code) ? code->valuestring : "";
    uint64_t seq;
    int has_seq = get_count(msg, "seq", &seq);
    if (has_seq && !(c->outstanding && c->has_seq && seq == c->seq))
        return PF_OK;       /* about an operation that is no longer in flight */
    /* Any error without seq may be about the operation in flight, except
     * invalid_frame (a binary frame: operations are text) and, from a
     * server that has acked an operation of ours (so it knows
     * content_change), unknown_type: a message type it does not know, say
     * a cursor_update. */
    int in_flight = c->outstanding && c->outstanding_sent && strcmp(cs, "invalid_frame") != 0 &&
                    !(c->server_acked && strcmp(cs, "unknown_type") == 0);
    if (!has_seq && c->live && !in_flight && strcmp(cs, "not_joined") != 0) {
        /* About no operation of ours: the text is as the server has it, so
         * report and stay. Rejoining here would let a server that answers
         * every join with an error loop the client. */
        report_error(c, PF_EPROTO, text);
        return PF_OK;
    }
    if (c->need_snapshot && !c->live)
        return PF_OK;       /* already resyncing */
    if (++c->resyncs > MAX_RESYNCS) {
        /* The pending edits keep being rejected: give them up rather than
         * loop. The text is kept until the snapshot replaces it. */
        pf_ot_free(c->outstanding);
        pf_ot_free(c->buffer);
        c->outstanding = c->buffer = NULL;
        c->has_seq = 0;
        c->resyncs = 0;
        report_error(c, PF_EPROTO, "pending edits dropped after repeated rejection");
        if (c->ev.dropped)
            c->ev.dropped(c->ev.ud, text);
    }
    resync(c, PF_EPROTO, text);
    return PF_OK;
}

int pf_ot_client_message(pf_ot_client *c, const char *json, size_t len)
{
    if (!c || (!json && len))
        return PF_EINVAL;
    /* Strict: cJSON alone would cut an insert at \u0000 and apply less
     * than the server did (docs/protocol.md section 9). */
    cJSON *msg = NULL;
    if (pf_json_parse(json, len, len, &msg, NULL) != PF_OK)
        return PF_EJSON;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    const char *t = cJSON_IsString(type) ? type->valuestring : "";
    int rc;
    if (strcmp(t, "content_change") == 0)
        rc = handle_change(c, msg);
    else if (strcmp(t, "ack") == 0)
        rc = handle_ack(c, msg);
    else if (strcmp(t, "snapshot") == 0)
        rc = handle_snapshot(c, msg);
    else if (strcmp(t, "error") == 0)
        rc = handle_error(c, msg);
    else if (strcmp(t, "cursor_update") == 0)
        rc = handle_cursor(c, msg);
    else if (strcmp(t, "user_left") == 0)
        rc = handle_user_left(c, msg);
    else if (strcmp(t, "resync") == 0) {
        resync(c, PF_OK, "server asked for a resync");
        rc = PF_OK;
    } else
        rc = PF_ENOTFOUND;
    cJSON_Delete(msg);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

pf_text *pf_ot_client_text(pf_ot_client *c)
{
    return c ? c->text : NULL;
}

size_t pf_ot_client_rev(const pf_ot_client *c)
{
    return c ? c->rev : 0;
}

int pf_ot_client_has_rev(const pf_ot_client *c)
{
    return c && c->has_rev;
}

int pf_ot_client_state(const pf_ot_client *c)
{
    if (!c || !c->connected)
        return PF_OT_OFFLINE;
    if (!c->live)
        return PF_OT_JOINING;
    if (!c->outstanding)
        return PF_OT_SYNCED;
    return c->buffer ? PF_OT_AWAITING_BUFFER : PF_OT_AWAITING;
}

int pf_ot_client_has_pending(const pf_ot_client *c)
{
    return c && c->outstanding != NULL;
}

const char *pf_ot_client_src(const pf_ot_client *c, size_t *len)
{
    if (len)
        *len = c ? c->src_len : 0;
    return c ? c->src : NULL;
}

size_t pf_ot_client_cursor_count(const pf_ot_client *c)
{
    return c ? c->ncursors : 0;
}

int pf_ot_client_cursor(const pf_ot_client *c, size_t i, const char **user_id,
                        size_t *user_len, size_t *position)
{
    if (!c)
        return PF_EINVAL;
    if (i >= c->ncursors)
        return PF_ERANGE;
    if (user_id)
        *user_id = c->cursors[i].user;
    if (user_len)
        *user_len = c->cursors[i].user_len;
    if (position)
        *position = c->cursors[i].pos;
    return PF_OK;
}
