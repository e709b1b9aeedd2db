/* pf_ot_server.c: the OT authority for one document (see pf_ot_server.h). */
#include "pf_ot_server.h"
#include "pf_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"

typedef struct entry {
    pf_ot_op *op;
    char *src;
    size_t src_len;
    uint64_t seq;
    char *user;
} entry;

typedef struct seen {
    char *src;
    size_t src_len;
    uint64_t seq;        /* the latest seq applied from src */
    size_t rev;          /* the revision it applied to */
} seen;

struct pf_ot_server {
    pf_text *text;
    size_t rev;
    entry *hist;          /* hist[i] applied at revision rev - count + i */
    size_t count, cap, max;
    seen *srcs;
    size_t nsrcs, srcs_cap;
};

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

int pf_ot_server_new(const char *content, size_t len, size_t rev,
                     size_t max_history, pf_ot_server **out)
{
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    pf_ot_server *s = calloc(1, sizeof *s);
    if (!s)
        return PF_ENOMEM;
    s->text = pf_text_new();
    if (!s->text) {
        free(s);
        return PF_ENOMEM;
    }
    int rc = pf_text_set(s->text, content, len);
    if (rc != PF_OK) {
        pf_ot_server_free(s);
        return rc;
    }
    s->rev = rev;
    s->max = max_history ? max_history : 1000;
    *out = s;
    return PF_OK;
}

static void entry_free(entry *e)
{
    pf_ot_free(e->op);
    free(e->src);
    free(e->user);
}

void pf_ot_server_free(pf_ot_server *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        entry_free(&s->hist[i]);
    for (size_t i = 0; i < s->nsrcs; i++)
        free(s->srcs[i].src);
    free(s->hist);
    free(s->srcs);
    pf_text_free(s->text);
    free(s);
}

size_t pf_ot_server_rev(const pf_ot_server *s)
{
    return s ? s->rev : 0;
}

size_t pf_ot_server_oldest_rev(const pf_ot_server *s)
{
    return s ? s->rev - s->count : 0;
}

pf_text *pf_ot_server_text(pf_ot_server *s)
{
    return s ? s->text : NULL;
}

int pf_ot_server_history(const pf_ot_server *s, size_t rev, const pf_ot_op **op,
                         const char **src, size_t *src_len, uint64_t *seq)
{
    if (!s)
        return PF_EINVAL;
    if (rev < s->rev - s->count || rev >= s->rev)
        return PF_ERANGE;
    const entry *e = &s->hist[rev - (s->rev - s->count)];
    if (op)
        *op = e->op;
    if (src)
        *src = e->src;
    if (src_len)
        *src_len = e->src_len;
    if (seq)
        *seq = e->seq;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* Submit                                                                   */
/* ------------------------------------------------------------------------ */

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

static seen *find_src(pf_ot_server *s, const char *src, size_t len)
{
    for (size_t i = 0; i < s->nsrcs; i++)
        if (s->srcs[i].src_len == len && memcmp(s->srcs[i].src, src, len) == 0)
            return &s->srcs[i];
    return NULL;
}

static int submit(pf_ot_server *s, size_t rev, const pf_ot_op *op,
                  const char *src, size_t src_len, uint64_t seq,
                  const char *user, size_t user_len,
                  size_t *applied_rev, pf_ot_op **applied)
{
    if (applied)
        *applied = NULL;
    if (!s || !op || (!src && src_len) || (!user && user_len))
        return PF_EINVAL;
    seen *prev = src_len ? find_src(s, src, src_len) : NULL;
    if (prev && seq <= prev->seq) {
        size_t at = prev->rev;
        if (seq < prev->seq) {
            /* An older one: look for it in the history. */
            for (size_t i = 0; i < s->count; i++)
                if (s->hist[i].seq == seq && s->hist[i].src_len == src_len
                    && memcmp(s->hist[i].src, src, src_len) == 0)
                    at = s->rev - s->count + i;
        }
        if (applied_rev)
            *applied_rev = at;
        return PF_OT_DUPLICATE;
    }
    size_t oldest = s->rev - s->count;
    if (rev < oldest || rev > s->rev)
        return PF_ERANGE;
    pf_ot_op *cur = pf_ot_clone(op), *next;
    if (!cur)
        return PF_ENOMEM;
    for (size_t r = rev; r < s->rev; r++) {
        int rc = pf_ot_transform(cur, s->hist[r - oldest].op, PF_OT_LEFT, &next);
        pf_ot_free(cur);
        if (rc != PF_OK)
            return rc;
        cur = next;
    }
    /* Make every allocation before changing anything. */
    entry e = { cur, dup_bytes(src, src_len), src_len, seq, dup_bytes(user, user_len) };
    pf_ot_op *copy = applied ? pf_ot_clone(cur) : NULL;
    int rc = PF_OK;
    if (!e.src || !e.user || (applied && !copy))
        rc = PF_ENOMEM;
    if (rc == PF_OK && s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        entry *h = realloc(s->hist, cap * sizeof *h);
        if (!h)
            rc = PF_ENOMEM;
        else {
            s->hist = h;
            s->cap = cap;
        }
    }
    if (rc == PF_OK && src_len && !prev && s->nsrcs == s->srcs_cap) {
        size_t cap = s->srcs_cap ? s->srcs_cap * 2 : 8;
        seen *t = realloc(s->srcs, cap * sizeof *t);
        if (!t)
            rc = PF_ENOMEM;
        else {
            s->srcs = t;
            s->srcs_cap = cap;
        }
    }
    char *src_key = NULL;
    if (rc == PF_OK && src_len && !prev && !(src_key = dup_bytes(src, src_len)))
        rc = PF_ENOMEM;
    if (rc == PF_OK)
        rc = pf_ot_apply(cur, s->text);      /* checks the length first */
    if (rc != PF_OK) {
        entry_free(&e);
        pf_ot_free(copy);
        free(src_key);
        return rc;
    }
    size_t at = s->rev++;
    if (src_len) {
        if (!prev) {
            prev = &s->srcs[s->nsrcs++];
            prev->src = src_key;
            prev->src_len = src_len;
        }
        prev->seq = seq;
        prev->rev = at;
    }
    s->hist[s->count++] = e;
    if (s->count > s->max) {
        entry_free(&s->hist[0]);
        memmove(s->hist, s->hist + 1, (s->count - 1) * sizeof *s->hist);
        s->count--;
    }
    if (applied_rev)
        *applied_rev = at;
    if (applied)
        *applied = copy;
    return PF_OK;
}

int pf_ot_server_submit(pf_ot_server *s, size_t rev, const pf_ot_op *op,
                        const char *src, size_t src_len, uint64_t seq,
                        size_t *applied_rev, pf_ot_op **applied)
{
    return submit(s, rev, op, src, src_len, seq, "", 0, applied_rev, applied);
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */
/* ------------------------------------------------------------------------ */

static int send_json(cJSON *msg, void (*fn)(void *, const char *, size_t), void *ud)
{
    if (!msg)
        return PF_ENOMEM;
    char *s = pf_json_print(msg);
    cJSON_Delete(msg);
    if (!s)
        return PF_ENOMEM;
    if (fn)
        fn(ud, s, strlen(s));
    free(s);
    return PF_OK;
}

/* Replies error {code, message}, and "seq" (extension) when the error is
 * about a submitted operation, so that a client can tell a stale error. */
static int send_error_seq(const pf_ot_server_io *io, const char *code, int err,
                          const uint64_t *seq)
{
    cJSON *m = cJSON_CreateObject();
    if (m) {
        cJSON_AddStringToObject(m, "type", "error");
        cJSON_AddStringToObject(m, "code", code);
        cJSON_AddStringToObject(m, "message", pf_strerror(err));
        if (seq)
            cJSON_AddNumberToObject(m, "seq", (double)*seq);
    }
    send_json(m, io->reply, io->ud);
    return err;
}

static int send_error(const pf_ot_server_io *io, const char *code, int err)
{
    return send_error_seq(io, code, err, NULL);
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

static cJSON *content_change(const pf_ot_op *op, size_t rev, const char *user,
                             const char *src, uint64_t seq)
{
    char *ops = pf_ot_serialize(op, NULL);
    cJSON *m = cJSON_CreateObject();
    if (!ops || !m) {
        free(ops);
        cJSON_Delete(m);
        return NULL;
    }
    cJSON_AddStringToObject(m, "type", "content_change");
    cJSON_AddNumberToObject(m, "rev", (double)rev);
    cJSON_AddRawToObject(m, "operations", ops);
    cJSON_AddStringToObject(m, "user_id", user);
    cJSON_AddStringToObject(m, "src", src);
    cJSON_AddNumberToObject(m, "seq", (double)seq);
    free(ops);
    return m;
}

static int send_snapshot(pf_ot_server *s, const cJSON *join,
                         const pf_ot_server_io *io)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(join, "src");
    const seen *known = cJSON_IsString(src)
        ? find_src(s, src->valuestring, strlen(src->valuestring)) : NULL;
    size_t n;
    const char *data = pf_text_data(s->text, &n);
    char *content = dup_bytes(data, n);
    cJSON *m = cJSON_CreateObject();
    if (!content || !m) {
        free(content);
        cJSON_Delete(m);
        return PF_ENOMEM;
    }
    cJSON_AddStringToObject(m, "type", "snapshot");
    cJSON_AddNumberToObject(m, "rev", (double)s->rev);
    cJSON_AddStringToObject(m, "content", content);
    cJSON_AddItemToObject(m, "users", cJSON_CreateArray());
    if (known)   /* extension: the last seq applied from the joining src */
        cJSON_AddNumberToObject(m, "seq", (double)known->seq);
    free(content);
    return send_json(m, io->reply, io->ud);
}

static int handle_join(pf_ot_server *s, const cJSON *msg, const pf_ot_server_io *io)
{
    uint64_t rev;
    if (!cJSON_GetObjectItemCaseSensitive(msg, "rev")
        || cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(msg, "rev")))
        return send_snapshot(s, msg, io);
    if (!get_count(msg, "rev", &rev))
        return send_error(io, "bad_message", PF_EPROTO);
    if (rev < s->rev - s->count || rev > s->rev)
        return send_snapshot(s, msg, io);
    for (size_t r = (size_t)rev; r < s->rev; r++) {
        const entry *e = &s->hist[r - (s->rev - s->count)];
        int rc = send_json(content_change(e->op, r, e->user, e->src, e->seq),
                           io->reply, io->ud);
        if (rc != PF_OK)
            return rc;
    }
    return PF_OK;
}

static int handle_change(pf_ot_server *s, const char *user, size_t user_len,
                         const cJSON *msg, const pf_ot_server_io *io)
{
    uint64_t rev, seq = 0;
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(msg, "src");
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(msg, "operations");
    if (!get_count(msg, "rev", &rev) || !ops
        || (src && !cJSON_IsString(src))
        || (cJSON_GetObjectItemCaseSensitive(msg, "seq") && !get_count(msg, "seq", &seq)))
        return send_error(io, "bad_message", PF_EPROTO);
    const char *src_s = src ? src->valuestring : "";
    char *ops_s = pf_json_print(ops);
    if (!ops_s)
        return PF_ENOMEM;
    pf_ot_op *op = NULL;
    int rc = pf_ot_parse(ops_s, strlen(ops_s), 0, &op, NULL);
    free(ops_s);
    if (rc != PF_OK)
        return send_error_seq(io, "bad_operation", rc, &seq);
    size_t at = 0;
    pf_ot_op *applied = NULL;
    rc = submit(s, (size_t)rev, op, src_s, strlen(src_s), seq, user, user_len,
                &at, &applied);
    pf_ot_free(op);
    if (rc < 0) {
        return send_error_seq(io, rc == PF_ERANGE && rev < s->rev - s->count
                                  ? "rev_too_old" : "bad_operation", rc, &seq);
    }
    cJSON *ack = cJSON_CreateObject();
    if (ack) {
        cJSON_AddStringToObject(ack, "type", "ack");
        cJSON_AddNumberToObject(ack, "rev", (double)at);
        cJSON_AddNumberToObject(ack, "seq", (double)seq);
    }
    if (rc == PF_OK) {
        char *u = dup_bytes(user ? user : "", user_len);
        cJSON *m = u ? content_change(applied, at, u, src_s, seq) : NULL;
        free(u);
        pf_ot_free(applied);
        int brc = send_json(m, io->broadcast, io->ud);
        if (brc != PF_OK) {
            cJSON_Delete(ack);
            return brc;
        }
    }
    return send_json(ack, io->reply, io->ud);
}

int pf_ot_server_handle(pf_ot_server *s, const char *user_id, size_t user_len,
                        const char *json, size_t len, const pf_ot_server_io *io)
{
    if (!s || !io || (!json && len) || (!user_id && user_len))
        return PF_EINVAL;
    /* Strict: cJSON alone would cut an insert at \u0000 and store less
     * than the client applied (docs/protocol.md section 9). */
    cJSON *msg = NULL;
    if (pf_json_parse(json, len, len, &msg, NULL) != PF_OK)
        return send_error(io, "bad_message", PF_EJSON);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    int rc;
    if (!cJSON_IsString(type))
        rc = PF_ENOTFOUND;
    else if (strcmp(type->valuestring, "join") == 0)
        rc = handle_join(s, msg, io);
    else if (strcmp(type->valuestring, "content_change") == 0)
        rc = handle_change(s, user_id, user_len, msg, io);
    else
        rc = PF_ENOTFOUND;
    cJSON_Delete(msg);
    return rc;
}
