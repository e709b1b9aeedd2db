/* pf_ot.c: the text-unicode operation type (see pf_ot.h). The algorithms
 * follow ot-text-unicode 4.0.0 (dist/type.js) line for line: makeAppend,
 * makeTake, transform, compose, transformPosition, invert. */
#include "pf_ot.h"
#include "pf_num.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct comp {
    int kind;
    int has_text;     /* deletes: 1 for {"d": "text"} */
    size_t n;         /* code points */
    size_t off, len;  /* text bytes in the op's pool */
} comp;

struct pf_ot_op {
    comp *c;
    size_t count, cap;
    char *pool;
    size_t pool_len, pool_cap;
};

/* ------------------------------------------------------------------------ */
/* Lifetime and access                                                      */
/* ------------------------------------------------------------------------ */

pf_ot_op *pf_ot_new(void)
{
    return calloc(1, sizeof(pf_ot_op));
}

void pf_ot_free(pf_ot_op *op)
{
    if (!op)
        return;
    free(op->c);
    free(op->pool);
    free(op);
}

void pf_ot_clear(pf_ot_op *op)
{
    if (!op)
        return;
    op->count = 0;
    op->pool_len = 0;
}

size_t pf_ot_count(const pf_ot_op *op)
{
    return op ? op->count : 0;
}

int pf_ot_get(const pf_ot_op *op, size_t i, pf_ot_component *out)
{
    if (!op || !out)
        return PF_EINVAL;
    if (i >= op->count)
        return PF_ERANGE;
    const comp *c = &op->c[i];
    out->kind = c->kind;
    out->n = c->n;
    if (c->kind == PF_OT_INSERT || c->has_text) {
        out->text = op->pool + c->off;
        out->text_len = c->len;
    } else {
        out->text = NULL;
        out->text_len = 0;
    }
    return PF_OK;
}

int pf_ot_is_noop(const pf_ot_op *op)
{
    return !op || op->count == 0;
}

/* A component's text. An operation of skips and numeric deletes has no
 * pool at all: its components' (empty) text is then "", not NULL + 0. */
static const char *ctext(const pf_ot_op *op, const comp *c)
{
    return op->pool ? op->pool + c->off : "";
}

int pf_ot_equal(const pf_ot_op *a, const pf_ot_op *b)
{
    if (!a || !b)
        return a == b;
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        const comp *x = &a->c[i], *y = &b->c[i];
        if (x->kind != y->kind || x->n != y->n || x->has_text != y->has_text)
            return 0;
        if (x->kind == PF_OT_INSERT || x->has_text) {
            if (x->len != y->len || memcmp(ctext(a, x), ctext(b, y), x->len))
                return 0;
        }
    }
    return 1;
}

size_t pf_ot_base_length(const pf_ot_op *op)
{
    size_t n = 0;
    for (size_t i = 0; op && i < op->count; i++)
        if (op->c[i].kind != PF_OT_INSERT)
            n = op->c[i].n > SIZE_MAX - n ? SIZE_MAX : n + op->c[i].n; /* no wrap in 32 bits */
    return n;
}

long pf_ot_length_delta(const pf_ot_op *op)
{
    long d = 0;
    for (size_t i = 0; op && i < op->count; i++) {
        if (op->c[i].kind == PF_OT_INSERT)
            d += (long)op->c[i].n;
        else if (op->c[i].kind == PF_OT_DELETE)
            d -= (long)op->c[i].n;
    }
    return d;
}

/* ------------------------------------------------------------------------ */
/* Append (makeAppend)                                                      */
/* ------------------------------------------------------------------------ */

static int pool_reserve(pf_ot_op *op, size_t extra)
{
    if (op->pool_cap - op->pool_len >= extra)
        return PF_OK;
    size_t cap = op->pool_cap ? op->pool_cap * 2 : 32;
    while (cap - op->pool_len < extra) {
        if (cap > SIZE_MAX / 2)
            return PF_ENOMEM;
        cap *= 2;
    }
    char *p = realloc(op->pool, cap);
    if (!p)
        return PF_ENOMEM;
    op->pool = p;
    op->pool_cap = cap;
    return PF_OK;
}

static int comps_reserve(pf_ot_op *op, size_t extra)
{
    if (op->cap - op->count >= extra)
        return PF_OK;
    size_t cap = op->cap ? op->cap * 2 : 8;
    while (cap - op->count < extra)
        cap *= 2;
    comp *c = realloc(op->c, cap * sizeof *c);
    if (!c)
        return PF_ENOMEM;
    op->c = c;
    op->cap = cap;
    return PF_OK;
}

/* Appends a component with already validated text (`text` must not point
 * into op's own pool). A zero count is a no-op. */
static int append_raw(pf_ot_op *op, int kind, size_t n,
                      const char *text, size_t len, int has_text)
{
    if (n == 0)
        return PF_OK;
    if (kind == PF_OT_SKIP || (kind == PF_OT_DELETE && !has_text))
        len = 0;
    comp *last = op->count ? &op->c[op->count - 1] : NULL;
    if (last && last->kind == kind) {
        if (n > SIZE_MAX - last->n)
            return PF_ERANGE; /* counts past 2^32 (wasm): refused, never wrapped */
        if (kind == PF_OT_SKIP) {
            last->n += n;
            return PF_OK;
        }
        if (kind == PF_OT_DELETE && !(last->has_text && has_text)) {
            /* Discard invert information, as ot-text-unicode does. */
            last->n += n;
            last->has_text = 0;
            last->len = 0;
            return PF_OK;
        }
        /* Concatenate text: the last component's text is normally at the
         * end of the pool; if not, move a copy there first. */
        int at_end = last->off + last->len == op->pool_len;
        if (pool_reserve(op, len + (at_end ? 0 : last->len)) != PF_OK)
            return PF_ENOMEM;
        if (!at_end && last->len) {
            memmove(op->pool + op->pool_len, op->pool + last->off, last->len);
            last->off = op->pool_len;
            op->pool_len += last->len;
        }
        if (len)
            memcpy(op->pool + op->pool_len, text, len);
        op->pool_len += len;
        last->len += len;
        last->n += n;
        return PF_OK;
    }
    if (comps_reserve(op, 1) != PF_OK || pool_reserve(op, len) != PF_OK)
        return PF_ENOMEM;
    comp *c = &op->c[op->count++];
    c->kind = kind;
    c->n = n;
    c->has_text = kind == PF_OT_DELETE ? has_text : 0;
    c->off = op->pool_len;
    c->len = len;
    if (len) {
        memcpy(op->pool + op->pool_len, text, len);
        op->pool_len += len;
    }
    return PF_OK;
}

int pf_ot_skip(pf_ot_op *op, size_t n)
{
    if (!op)
        return PF_EINVAL;
    return append_raw(op, PF_OT_SKIP, n, NULL, 0, 0);
}

int pf_ot_delete(pf_ot_op *op, size_t n)
{
    if (!op)
        return PF_EINVAL;
    return append_raw(op, PF_OT_DELETE, n, NULL, 0, 0);
}

static int append_text(pf_ot_op *op, int kind, const char *s, size_t len)
{
    size_t n;
    if (!op || (!s && len))
        return PF_EINVAL;
    if (pf_utf8_count(s, len, &n, NULL) != PF_OK)
        return PF_EUTF8;
    return append_raw(op, kind, n, s, len, 1);
}

int pf_ot_insert(pf_ot_op *op, const char *utf8, size_t len)
{
    return append_text(op, PF_OT_INSERT, utf8, len);
}

int pf_ot_delete_text(pf_ot_op *op, const char *utf8, size_t len)
{
    return append_text(op, PF_OT_DELETE, utf8, len);
}

void pf_ot_trim(pf_ot_op *op)
{
    if (op && op->count && op->c[op->count - 1].kind == PF_OT_SKIP)
        op->count--;
}

static void swap_ops(pf_ot_op *a, pf_ot_op *b)
{
    pf_ot_op t = *a;
    *a = *b;
    *b = t;
}

static int append_comp(pf_ot_op *out, const pf_ot_op *src, const comp *c)
{
    return append_raw(out, c->kind, c->n, ctext(src, c), c->len, c->has_text);
}

int pf_ot_normalize(pf_ot_op *op)
{
    if (!op)
        return PF_EINVAL;
    pf_ot_op tmp = { 0 };
    for (size_t i = 0; i < op->count; i++) {
        int rc = append_comp(&tmp, op, &op->c[i]);
        if (rc != PF_OK) {
            free(tmp.c);
            free(tmp.pool);
            return rc;
        }
    }
    pf_ot_trim(&tmp);
    swap_ops(op, &tmp);
    free(tmp.c);
    free(tmp.pool);
    return PF_OK;
}

pf_ot_op *pf_ot_clone(const pf_ot_op *op)
{
    if (!op)
        return NULL;
    pf_ot_op *r = pf_ot_new();
    if (!r)
        return NULL;
    if (comps_reserve(r, op->count) != PF_OK
        || pool_reserve(r, op->pool_len) != PF_OK) {
        pf_ot_free(r);
        return NULL;
    }
    if (op->count)
        memcpy(r->c, op->c, op->count * sizeof *r->c);
    if (op->pool_len)
        memcpy(r->pool, op->pool, op->pool_len);
    r->count = op->count;
    r->pool_len = op->pool_len;
    return r;
}

/* ------------------------------------------------------------------------ */
/* Take (makeTake)                                                          */
/* ------------------------------------------------------------------------ */

#define TAKE_ALL SIZE_MAX

typedef struct piece {
    int kind;         /* -1 when the operation is exhausted (take(-1)) */
    int has_text;
    size_t n;
    const char *text;
    size_t len;
} piece;

typedef struct taker {
    const pf_ot_op *op;
    size_t idx;
    size_t off;       /* code points consumed from op->c[idx] */
    size_t boff;      /* bytes consumed from its text */
} taker;

static piece take(taker *tk, size_t n, int indivisible)
{
    piece p = { -1, 0, 0, NULL, 0 };
    const pf_ot_op *op = tk->op;
    if (tk->idx == op->count) {
        if (n != TAKE_ALL) {
            p.kind = PF_OT_SKIP;
            p.n = n;
        }
        return p;
    }
    const comp *c = &op->c[tk->idx];
    size_t rem = c->n - tk->off;
    p.kind = c->kind;
    p.has_text = c->kind == PF_OT_INSERT || c->has_text;
    int whole = n == TAKE_ALL || rem <= n
        || (indivisible == 'i' && c->kind == PF_OT_INSERT)
        || (indivisible == 'd' && c->kind == PF_OT_DELETE);
    if (whole) {
        p.n = rem;
        if (p.has_text) {
            p.text = ctext(op, c) + tk->boff;
            p.len = c->len - tk->boff;
        }
        tk->idx++;
        tk->off = 0;
        tk->boff = 0;
        return p;
    }
    p.n = n;
    if (p.has_text) {
        const char *s = ctext(op, c) + tk->boff;
        size_t b = pf_utf8_offset(s, c->len - tk->boff, n);
        p.text = s;
        p.len = b;
        tk->boff += b;
    }
    tk->off += n;
    return p;
}

static int peek_kind(const taker *tk)
{
    return tk->idx < tk->op->count ? tk->op->c[tk->idx].kind : -1;
}

static int append_piece(pf_ot_op *out, const piece *p)
{
    return append_raw(out, p->kind, p->n, p->text, p->len, p->has_text);
}

/* ------------------------------------------------------------------------ */
/* Transform and compose                                                    */
/* ------------------------------------------------------------------------ */

/* Stores the result in rc and leaves on error: out of memory, or a merged
 * count that would pass SIZE_MAX (2^32 - 1 in wasm), which append_raw refuses
 * with PF_ERANGE. */
#define TRY(x) do { if ((rc = (x)) != PF_OK) goto fail; } while (0)

int pf_ot_transform(const pf_ot_op *op1, const pf_ot_op *op2, int side,
                    pf_ot_op **out)
{
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if (!op1 || !op2 || (side != PF_OT_LEFT && side != PF_OT_RIGHT))
        return PF_EINVAL;
    pf_ot_op *r = pf_ot_new();
    int rc;
    if (!r)
        return PF_ENOMEM;
    taker tk = { op1, 0, 0, 0 };
    piece p;
    for (size_t i = 0; i < op2->count; i++) {
        const comp *c2 = &op2->c[i];
        size_t length = c2->n;
        switch (c2->kind) {
        case PF_OT_SKIP:
            while (length > 0) {
                p = take(&tk, length, 'i');
                TRY(append_piece(r, &p));
                if (p.kind != PF_OT_INSERT)
                    length -= p.n;
            }
            break;
        case PF_OT_INSERT:
            if (side == PF_OT_LEFT && peek_kind(&tk) == PF_OT_INSERT) {
                p = take(&tk, TAKE_ALL, 0);
                TRY(append_piece(r, &p));
            }
            TRY(append_raw(r, PF_OT_SKIP, c2->n, NULL, 0, 0));
            break;
        default: /* delete */
            while (length > 0) {
                p = take(&tk, length, 'i');
                if (p.kind == PF_OT_INSERT)
                    TRY(append_piece(r, &p));
                else
                    length -= p.n;
            }
            break;
        }
    }
    while ((p = take(&tk, TAKE_ALL, 0)).kind >= 0)
        TRY(append_piece(r, &p));
    pf_ot_trim(r);
    *out = r;
    return PF_OK;
fail:
    pf_ot_free(r);
    return rc;
}

int pf_ot_compose(const pf_ot_op *op1, const pf_ot_op *op2, pf_ot_op **out)
{
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if (!op1 || !op2)
        return PF_EINVAL;
    pf_ot_op *r = pf_ot_new();
    int rc;
    if (!r)
        return PF_ENOMEM;
    taker tk = { op1, 0, 0, 0 };
    piece p;
    for (size_t i = 0; i < op2->count; i++) {
        const comp *c = &op2->c[i];
        size_t length = c->n;
        switch (c->kind) {
        case PF_OT_SKIP:
            while (length > 0) {
                p = take(&tk, length, 'd');
                TRY(append_piece(r, &p));
                if (p.kind != PF_OT_DELETE)
                    length -= p.n;
            }
            break;
        case PF_OT_INSERT:
            TRY(append_comp(r, op2, c));
            break;
        default: { /* delete */
            size_t offset = 0;
            const char *dt = ctext(op2, c);
            size_t dlen = c->len, dboff = 0;   /* byte of `offset` in dt */
            while (offset < length) {
                p = take(&tk, length - offset, 'd');
                if (p.kind == PF_OT_SKIP) {
                    /* We delete the skipped characters (dslice). */
                    if (c->has_text) {
                        size_t b = pf_utf8_offset(dt + dboff, dlen - dboff, p.n);
                        TRY(append_raw(r, PF_OT_DELETE, p.n, dt + dboff, b, 1));
                        dboff += b;
                    } else {
                        TRY(append_raw(r, PF_OT_DELETE, p.n, NULL, 0, 0));
                    }
                    offset += p.n;
                } else if (p.kind == PF_OT_INSERT) {
                    if (c->has_text)
                        dboff += pf_utf8_offset(dt + dboff, dlen - dboff, p.n);
                    offset += p.n;
                } else {
                    TRY(append_piece(r, &p));
                }
            }
            break;
        }
        }
    }
    while ((p = take(&tk, TAKE_ALL, 0)).kind >= 0)
        TRY(append_piece(r, &p));
    pf_ot_trim(r);
    *out = r;
    return PF_OK;
fail:
    pf_ot_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Apply, invert                                                            */
/* ------------------------------------------------------------------------ */

int pf_ot_apply(const pf_ot_op *op, pf_text *doc)
{
    if (!op || !doc)
        return PF_EINVAL;
    size_t base = 0, ins = 0, len = pf_text_length(doc);
    for (size_t i = 0; i < op->count; i++) {
        if (op->c[i].kind == PF_OT_INSERT)
            ins += op->c[i].len;
        else if (op->c[i].n > len - base) /* compared, not summed: counts past 2^32 must not wrap */
            return PF_ERANGE;
        else
            base += op->c[i].n;
    }
    if (pf_text_reserve(doc, ins) != PF_OK)
        return PF_ENOMEM;
    size_t pos = 0;
    for (size_t i = 0; i < op->count; i++) {
        const comp *c = &op->c[i];
        if (c->kind == PF_OT_SKIP) {
            pos += c->n;
        } else if (c->kind == PF_OT_INSERT) {
            pf__text_splice_trusted(doc, pos, 0, ctext(op, c), c->len, c->n);
            pos += c->n;
        } else {
            pf__text_splice_trusted(doc, pos, c->n, NULL, 0, 0);
        }
    }
    return PF_OK;
}

int pf_ot_is_invertible(const pf_ot_op *op)
{
    for (size_t i = 0; op && i < op->count; i++)
        if (op->c[i].kind == PF_OT_DELETE && !op->c[i].has_text)
            return 0;
    return 1;
}

int pf_ot_invert(const pf_ot_op *op, pf_ot_op **out)
{
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if (!op)
        return PF_EINVAL;
    if (!pf_ot_is_invertible(op))
        return PF_ESTATE;
    pf_ot_op *r = pf_ot_new();
    int rc;
    if (!r)
        return PF_ENOMEM;
    for (size_t i = 0; i < op->count; i++) {
        const comp *c = &op->c[i];
        int kind = c->kind == PF_OT_INSERT ? PF_OT_DELETE
                 : c->kind == PF_OT_DELETE ? PF_OT_INSERT : PF_OT_SKIP;
        TRY(append_raw(r, kind, c->n, ctext(op, c), c->len, 1));
    }
    pf_ot_trim(r);
    *out = r;
    return PF_OK;
fail:
    pf_ot_free(r);
    return rc;
}

int pf_ot_make_invertible(const pf_ot_op *op, const pf_text *doc,
                          pf_ot_op **out)
{
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if (!op || !doc)
        return PF_EINVAL;
    if (pf_ot_base_length(op) > pf_text_length(doc))
        return PF_ERANGE;
    pf_ot_op *r = pf_ot_new();
    int rc;
    if (!r)
        return PF_ENOMEM;
    size_t pre = 0;
    for (size_t i = 0; i < op->count; i++) {
        const comp *c = &op->c[i];
        if (c->kind == PF_OT_DELETE && !c->has_text) {
            char *s;
            size_t len;
            TRY(pf_text_get_range(doc, pre, c->n, &s, &len));
            rc = append_raw(r, PF_OT_DELETE, c->n, s, len, 1);
            free(s);
            TRY(rc);
        } else {
            TRY(append_comp(r, op, c));
        }
        if (c->kind != PF_OT_INSERT)
            pre += c->n;
    }
    pf_ot_trim(r);
    *out = r;
    return PF_OK;
fail:
    pf_ot_free(r);
    return rc;
}

int pf_ot_strip_invertible(const pf_ot_op *op, pf_ot_op **out)
{
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if (!op)
        return PF_EINVAL;
    pf_ot_op *r = pf_ot_new();
    int rc;
    if (!r)
        return PF_ENOMEM;
    for (size_t i = 0; i < op->count; i++) {
        const comp *c = &op->c[i];
        if (c->kind == PF_OT_DELETE)
            TRY(append_raw(r, PF_OT_DELETE, c->n, NULL, 0, 0));
        else
            TRY(append_comp(r, op, c));
    }
    pf_ot_trim(r);
    *out = r;
    return PF_OK;
fail:
    pf_ot_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Cursors                                                                  */
/* ------------------------------------------------------------------------ */

/* a + b, or SIZE_MAX where that would wrap (past 2^32 - 1 in wasm). */
static size_t add_sat(size_t a, size_t b)
{
    return b > SIZE_MAX - a ? SIZE_MAX : a + b;
}

size_t pf_ot_transform_position(size_t cursor, const pf_ot_op *op)
{
    size_t pos = 0;
    /* Once a count saturated, what follows would be wrong: SIZE_MAX stays. */
    for (size_t i = 0; op && i < op->count && cursor > pos && cursor != SIZE_MAX; i++) {
        const comp *c = &op->c[i];
        if (c->kind == PF_OT_SKIP) {
            pos = add_sat(pos, c->n);
        } else if (c->kind == PF_OT_INSERT) {
            pos = add_sat(pos, c->n);
            cursor = add_sat(cursor, c->n);
        } else {
            size_t d = cursor - pos;
            cursor -= c->n < d ? c->n : d;
        }
    }
    return cursor;
}

void pf_ot_transform_selection(size_t *anchor, size_t *focus,
                               const pf_ot_op *op)
{
    if (anchor)
        *anchor = pf_ot_transform_position(*anchor, op);
    if (focus)
        *focus = pf_ot_transform_position(*focus, op);
}

/* ------------------------------------------------------------------------ */
/* Diff                                                                     */
/* ------------------------------------------------------------------------ */

static int is_cont(const char *s, size_t len, size_t i)
{
    return i < len && ((unsigned char)s[i] & 0xC0) == 0x80;
}

int pf_ot_diff(const char *a, size_t alen, const char *b, size_t blen,
               long cursor, pf_ot_op **out)
{
    size_t acps, bcps;
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if ((!a && alen) || (!b && blen))
        return PF_EINVAL;
    if (pf_utf8_count(a, alen, &acps, NULL) != PF_OK
        || pf_utf8_count(b, blen, &bcps, NULL) != PF_OK)
        return PF_EUTF8;
    size_t minlen = alen < blen ? alen : blen;
    size_t p = 0, s = 0;
    int hint = cursor >= 0 && (size_t)cursor <= bcps;
    if (hint) {
        /* The change ends at the cursor or after it: cap the suffix first,
         * then take the longest prefix that fits before it. */
        size_t cb = pf_utf8_offset(b, blen, (size_t)cursor);
        while (s < minlen && a[alen - 1 - s] == b[blen - 1 - s])
            s++;
        while (s > 0 && is_cont(b, blen, blen - s))
            s--;
        if (blen - s < cb)
            s = blen - cb;
        while (p < minlen - s && a[p] == b[p])
            p++;
        while (p > 0 && (is_cont(a, alen, p) || is_cont(b, blen, p)))
            p--;
    } else {
        while (p < minlen && a[p] == b[p])
            p++;
        while (p > 0 && (is_cont(a, alen, p) || is_cont(b, blen, p)))
            p--;
        while (s < minlen - p && a[alen - 1 - s] == b[blen - 1 - s])
            s++;
        while (s > 0 && is_cont(b, blen, blen - s))
            s--;
    }
    pf_ot_op *r = pf_ot_new();
    int rc;
    if (!r)
        return PF_ENOMEM;
    size_t pcps;
    pf_utf8_count(b, p, &pcps, NULL);
    TRY(pf_ot_skip(r, pcps));
    TRY(pf_ot_insert(r, b + p, blen - s - p));
    TRY(pf_ot_delete_text(r, a + p, alen - s - p));
    pf_ot_trim(r);
    *out = r;
    return PF_OK;
fail:
    pf_ot_free(r);
    return rc;
}

/* Decodes valid UTF-8 into code points; returns a new array or NULL. */
static uint32_t *decode(const char *str, size_t len, size_t cps)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t *out = malloc((cps ? cps : 1) * sizeof *out);
    if (!out)
        return NULL;
    size_t i = 0, k = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            out[k++] = c;
            i++;
        } else if (c < 0xE0) {
            out[k++] = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
            i += 2;
        } else if (c < 0xF0) {
            out[k++] = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            i += 3;
        } else {
            out[k++] = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12)
                     | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
            i += 4;
        }
    }
    return out;
}

static size_t cp_bytes(uint32_t u)
{
    return u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : 4;
}

/* Myers' greedy diff of a[0..n) and b[0..m) with at most maxd edits. On
 * success returns a new script of 'e' (equal), 'd' (delete a[x]) and 'i'
 * (insert b[y]) in forward order, its length in *slen; NULL with *slen = 0
 * if more edits are needed, NULL with *slen = 1 if out of memory. */
static char *myers(const uint32_t *a, long n, const uint32_t *b, long m,
                   long maxd, size_t *slen)
{
    /* trace[d] holds V[-d..d] as it was before step d; it grows as d does
     * (steps 0..d need (d + 1)^2 entries). */
    size_t trace_cap = 256;
    int32_t *trace = malloc(trace_cap * sizeof *trace);
    int32_t *v = calloc((size_t)(2 * maxd + 3), sizeof *v);
    char *script = NULL;
    long d, found = -1;
    *slen = 1;
    if (!trace || !v)
        goto done;
    v[maxd + 1 + 1] = 0;    /* V[1] = 0 */
    for (d = 0; d <= maxd && found < 0; d++) {
        size_t need = (size_t)(d + 1) * (size_t)(d + 1);
        if (need > trace_cap) {
            size_t cap = trace_cap * 2 > need ? trace_cap * 2 : need;
            int32_t *t = realloc(trace, cap * sizeof *t);
            if (!t)
                goto done;
            trace = t;
            trace_cap = cap;
        }
        int32_t *row = trace + d * d;   /* rows 0..d-1 use d*d entries */
        for (long k = -d; k <= d; k++)
            row[k + d] = (k >= -d + 1 && k <= d - 1) || d == 0 ? v[maxd + 1 + k] : 0;
        if (d == 0)
            row[0] = 0;
        for (long k = -d; k <= d; k += 2) {
            long x;
            if (k == -d || (k != d && v[maxd + 1 + k - 1] < v[maxd + 1 + k + 1]))
                x = v[maxd + 1 + k + 1];
            else
                x = v[maxd + 1 + k - 1] + 1;
            long y = x - k;
            while (x < n && y < m && a[x] == b[y]) {
                x++;
                y++;
            }
            v[maxd + 1 + k] = (int32_t)x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
    }
    if (found < 0) {
        *slen = 0;
        goto done;
    }
    /* Backtrack from (n, m), writing the script from the end. */
    size_t len = (size_t)(n + m), pos = len;
    script = malloc(len ? len : 1);
    if (!script)
        goto done;
    long x = n, y = m;
    for (d = found; d > 0; d--) {
        const int32_t *row = trace + d * d;    /* V before step d */
        long k = x - y, pk;
        if (k == -d || (k != d && row[k - 1 + d] < row[k + 1 + d]))
            pk = k + 1;                         /* came by an insert */
        else
            pk = k - 1;                         /* came by a delete */
        long px = row[pk + d], py = px - pk;
        long sx = pk == k + 1 ? px : px + 1;    /* snake start */
        while (x > sx) {
            script[--pos] = 'e';
            x--;
            y--;
        }
        script[--pos] = pk == k + 1 ? 'i' : 'd';
        x = px;
        y = py;
    }
    while (x > 0) {
        script[--pos] = 'e';
        x--;
    }
    memmove(script, script + pos, len - pos);
    *slen = len - pos;
done:
    free(trace);
    free(v);
    return script;
}

int pf_ot_diff_min(const char *a, size_t alen, const char *b, size_t blen,
                   size_t max_edits, pf_ot_op **out)
{
    size_t acps, bcps;
    if (!out)
        return PF_EINVAL;
    *out = NULL;
    if ((!a && alen) || (!b && blen))
        return PF_EINVAL;
    if (pf_utf8_count(a, alen, &acps, NULL) != PF_OK
        || pf_utf8_count(b, blen, &bcps, NULL) != PF_OK)
        return PF_EUTF8;
    /* Common prefix and suffix in bytes, on code point boundaries. */
    size_t minlen = alen < blen ? alen : blen, p = 0, s = 0;
    while (p < minlen && a[p] == b[p])
        p++;
    while (p > 0 && (is_cont(a, alen, p) || is_cont(b, blen, p)))
        p--;
    while (s < minlen - p && a[alen - 1 - s] == b[blen - 1 - s])
        s++;
    while (s > 0 && is_cont(b, blen, blen - s))
        s--;
    const char *ma = a + p, *mb = b + p;
    size_t mal = alen - p - s, mbl = blen - p - s, n, m;
    pf_utf8_count(ma, mal, &n, NULL);
    pf_utf8_count(mb, mbl, &m, NULL);
    long maxd = (long)(max_edits < n + m ? max_edits : n + m);
    if (maxd > 0 && (double)maxd * (double)(n + m) > 2e7)
        maxd = (long)(2e7 / (double)(n + m));
    if (maxd > 4000)
        maxd = 4000;
    uint32_t *ua = decode(ma, mal, n), *ub = decode(mb, mbl, m);
    char *script = NULL;
    size_t slen = 0;
    if (ua && ub && n + m < 0x7fffffff)
        script = myers(ua, (long)n, ub, (long)m, maxd, &slen);
    else
        slen = ua && ub ? 0 : 1;
    if (!script) {
        free(ua);
        free(ub);
        return slen ? PF_ENOMEM : pf_ot_diff(a, alen, b, blen, -1, out);
    }
    pf_ot_op *r = pf_ot_new();
    int rc = r ? PF_OK : PF_ENOMEM;
    size_t pcps;
    pf_utf8_count(a, p, &pcps, NULL);
    if (rc == PF_OK)
        rc = pf_ot_skip(r, pcps);
    size_t xa = 0, yb = 0, ia = 0, ib = 0;   /* code point and byte cursors */
    for (size_t i = 0; i < slen && rc == PF_OK; i++) {
        if (script[i] == 'e') {
            rc = append_raw(r, PF_OT_SKIP, 1, NULL, 0, 0);
            ia += cp_bytes(ua[xa++]);
            ib += cp_bytes(ub[yb++]);
        } else if (script[i] == 'd') {
            size_t l = cp_bytes(ua[xa++]);
            rc = append_raw(r, PF_OT_DELETE, 1, ma + ia, l, 1);
            ia += l;
        } else {
            size_t l = cp_bytes(ub[yb++]);
            rc = append_raw(r, PF_OT_INSERT, 1, mb + ib, l, 1);
            ib += l;
        }
    }
    free(script);
    free(ua);
    free(ub);
    if (rc != PF_OK) {
        pf_ot_free(r);
        return PF_ENOMEM;
    }
    pf_ot_trim(r);
    *out = r;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct parser {
    const char *s;
    size_t len, i;
    char *buf;            /* decoded string scratch */
    size_t blen, bcap;
    pf_parse_error *err;
} parser;

static int fail(parser *p, int code, const char *msg, size_t pos)
{
    if (p->err) {
        p->err->code = code;
        p->err->msg = msg;
        p->err->pos = pos;
    }
    return code;
}

static void skip_ws(parser *p)
{
    while (p->i < p->len) {
        char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->i++;
    }
}

static int buf_put(parser *p, const char *src, size_t n)
{
    if (n == 0)
        return PF_OK;
    if (p->bcap - p->blen < n) {
        size_t cap = p->bcap ? p->bcap : 64;
        while (cap - p->blen < n)
            cap *= 2;
        char *nb = realloc(p->buf, cap);
        if (!nb)
            return PF_ENOMEM;
        p->buf = nb;
        p->bcap = cap;
    }
    memcpy(p->buf + p->blen, src, n);
    p->blen += n;
    return PF_OK;
}

/* Length of the UTF-8 sequence a lead byte starts, 0 if not a lead byte. */
static size_t lead_len_of(unsigned char c)
{
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* Parses a JSON string at p->i (on the opening quote) into p->buf
 * (p->blen bytes, valid UTF-8) and counts its code points. */
static int parse_string(parser *p, size_t *cps)
{
    size_t n = 0;
    p->blen = 0;
    p->i++;
    for (;;) {
        size_t run = p->i;
        while (p->i < p->len) {
            unsigned char c = (unsigned char)p->s[p->i];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            if (c < 0x80) {
                p->i++;
                n++;
                continue;
            }
            size_t l = lead_len_of(c);
            size_t one;
            if (l == 0 || p->len - p->i < l
                || pf_utf8_count(p->s + p->i, l, &one, NULL) != PF_OK)
                return fail(p, PF_EUTF8, "invalid UTF-8 in string", p->i);
            p->i += l;
            n++;
        }
        if (buf_put(p, p->s + run, p->i - run) != PF_OK)
            return fail(p, PF_ENOMEM, "out of memory", p->i);
        if (p->i >= p->len)
            return fail(p, PF_EJSON, "unterminated string", p->i);
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') {
            p->i++;
            *cps = n;
            return PF_OK;
        }
        if (c < 0x20)
            return fail(p, PF_EJSON, "control character in string", p->i);
        /* Escape. */
        size_t at = p->i;
        if (p->len - p->i < 2)
            return fail(p, PF_EJSON, "unterminated string", p->i);
        char e = p->s[p->i + 1];
        char ch;
        p->i += 2;
        switch (e) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            unsigned u, lo;
            if (p->len - p->i < 4 || !hex4(p->s + p->i, &u))
                return fail(p, PF_EJSON, "bad \\u escape", at);
            p->i += 4;
            if (u >= 0xDC00 && u <= 0xDFFF)
                return fail(p, PF_EUTF8, "lone surrogate", at);
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (p->len - p->i < 6 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u'
                    || !hex4(p->s + p->i + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return fail(p, PF_EUTF8, "lone surrogate", at);
                p->i += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            char enc[4];
            size_t el;
            if (u < 0x80) {
                enc[0] = (char)u;
                el = 1;
            } else if (u < 0x800) {
                enc[0] = (char)(0xC0 | (u >> 6));
                enc[1] = (char)(0x80 | (u & 0x3F));
                el = 2;
            } else if (u < 0x10000) {
                enc[0] = (char)(0xE0 | (u >> 12));
                enc[1] = (char)(0x80 | ((u >> 6) & 0x3F));
                enc[2] = (char)(0x80 | (u & 0x3F));
                el = 3;
            } else {
                enc[0] = (char)(0xF0 | (u >> 18));
                enc[1] = (char)(0x80 | ((u >> 12) & 0x3F));
                enc[2] = (char)(0x80 | ((u >> 6) & 0x3F));
                enc[3] = (char)(0x80 | (u & 0x3F));
                el = 4;
            }
            if (buf_put(p, enc, el) != PF_OK)
                return fail(p, PF_ENOMEM, "out of memory", at);
            n++;
            continue;
        }
        default:
            return fail(p, PF_EJSON, "bad escape", at);
        }
        if (buf_put(p, &ch, 1) != PF_OK)
            return fail(p, PF_ENOMEM, "out of memory", at);
        n++;
    }
}

/* Parses a JSON number that must be a non-negative integer. */
static int parse_count(parser *p, size_t *out)
{
    size_t start = p->i;
    int neg = 0, simple = 1;
    uint64_t v = 0;
    if (p->s[p->i] == '-') {
        neg = 1;
        p->i++;
    }
    if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
        return fail(p, PF_EJSON, "bad number", start);
    if (p->s[p->i] == '0') {
        p->i++;
    } else {
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
            if (v <= PF_OT_MAX_COUNT)
                v = v * 10 + (uint64_t)(p->s[p->i] - '0');
            p->i++;
        }
    }
    if (p->i < p->len && p->s[p->i] == '.') {
        simple = 0;
        p->i++;
        if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
            return fail(p, PF_EJSON, "bad number", start);
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    }
    if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        simple = 0;
        p->i++;
        if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
            return fail(p, PF_EJSON, "bad number", start);
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    }
    if (!simple) {
        size_t n = p->i - start;
        if (n >= 64)
            return fail(p, PF_ERANGE, "number out of range", start);
        double d = pf_num_parse(p->s + start, n);
        if (!(d == floor(d)) || fabs(d) > (double)PF_OT_MAX_COUNT)
            return fail(p, PF_ERANGE, "count must be an integer in range", start);
        v = (uint64_t)fabs(d);
    }
    if (v > PF_OT_MAX_COUNT)
        return fail(p, PF_ERANGE, "count out of range", start);
    if (neg && v != 0)
        return fail(p, PF_ERANGE, "negative count", start);
    *out = (size_t)v;
    return PF_OK;
}

/* append_raw for the parser: a merged count that would pass SIZE_MAX is a
 * range error at `at`, anything else out of memory (its only other error). */
static int parse_append(parser *p, pf_ot_op *op, int kind, size_t n, const char *text,
                        size_t len, int has_text, size_t at)
{
    int rc = append_raw(op, kind, n, text, len, has_text);
    if (rc == PF_ERANGE)
        return fail(p, PF_ERANGE, "counts add up past the largest length", at);
    if (rc != PF_OK)
        return fail(p, PF_ENOMEM, "out of memory", p->i);
    return PF_OK;
}

int pf_ot_parse(const char *json, size_t len, unsigned flags,
                pf_ot_op **out, pf_parse_error *err)
{
    parser p = { json, len, 0, NULL, 0, 0, err };
    pf_ot_op *op = NULL;
    int strict = (flags & PF_OT_STRICT) != 0;
    int last = -1, rc;
    if (out)
        *out = NULL;
    if (!out || (!json && len))
        return fail(&p, PF_EINVAL, "invalid argument", 0);
    skip_ws(&p);
    if (p.i >= len)
        return fail(&p, PF_EJSON, "empty input", p.i);
    if (json[p.i] != '[') {
        if (strchr("{\"-0123456789tfn", json[p.i]))
            return fail(&p, PF_ETYPE, "operation must be an array", p.i);
        return fail(&p, PF_EJSON, "expected a JSON value", p.i);
    }
    p.i++;
    op = pf_ot_new();
    if (!op)
        return fail(&p, PF_ENOMEM, "out of memory", 0);
    skip_ws(&p);
    if (p.i < len && json[p.i] == ']') {
        p.i++;
        goto done;
    }
    for (;;) {
        size_t at, n = 0;
        skip_ws(&p);
        at = p.i;
        if (p.i >= len) {
            rc = fail(&p, PF_EJSON, "unterminated array", p.i);
            goto error;
        }
        char c = json[p.i];
        if (c == '-' || (c >= '0' && c <= '9')) {
            if ((rc = parse_count(&p, &n)) != PF_OK)
                goto error;
            if (strict && n == 0) {
                rc = fail(&p, PF_EINVAL, "skip must be > 0", at);
                goto error;
            }
            if (strict && last == PF_OT_SKIP) {
                rc = fail(&p, PF_EINVAL, "adjacent skips", at);
                goto error;
            }
            if ((rc = parse_append(&p, op, PF_OT_SKIP, n, NULL, 0, 0, at)) != PF_OK)
                goto error;
            last = PF_OT_SKIP;
        } else if (c == '"') {
            if ((rc = parse_string(&p, &n)) != PF_OK)
                goto error;
            if (strict && n == 0) {
                rc = fail(&p, PF_EINVAL, "empty insert", at);
                goto error;
            }
            if ((rc = parse_append(&p, op, PF_OT_INSERT, n, p.buf, p.blen, 1, at)) != PF_OK)
                goto error;
            last = PF_OT_INSERT;
        } else if (c == '{') {
            p.i++;
            skip_ws(&p);
            if (p.i >= len || json[p.i] != '"') {
                rc = fail(&p, p.i < len && json[p.i] == '}' ? PF_ETYPE : PF_EJSON,
                          "delete must be {\"d\": N} or {\"d\": \"text\"}", p.i);
                goto error;
            }
            size_t key_at = p.i;
            if ((rc = parse_string(&p, &n)) != PF_OK)
                goto error;
            if (p.blen != 1 || p.buf[0] != 'd') {
                rc = fail(&p, PF_ETYPE, "unknown key in component", key_at);
                goto error;
            }
            skip_ws(&p);
            if (p.i >= len || json[p.i] != ':') {
                rc = fail(&p, PF_EJSON, "expected ':'", p.i);
                goto error;
            }
            p.i++;
            skip_ws(&p);
            size_t val_at = p.i;
            int has_text;
            if (p.i < len && json[p.i] == '"') {
                if ((rc = parse_string(&p, &n)) != PF_OK)
                    goto error;
                has_text = 1;
            } else if (p.i < len && (json[p.i] == '-'
                                     || (json[p.i] >= '0' && json[p.i] <= '9'))) {
                if ((rc = parse_count(&p, &n)) != PF_OK)
                    goto error;
                has_text = 0;
            } else {
                rc = fail(&p, p.i < len ? PF_ETYPE : PF_EJSON,
                          "delete must be a number or a string", val_at);
                goto error;
            }
            if (strict && n == 0) {
                rc = fail(&p, PF_EINVAL, "empty delete", val_at);
                goto error;
            }
            skip_ws(&p);
            if (p.i < len && json[p.i] == ',') {
                size_t comma = p.i++;
                skip_ws(&p);
                rc = p.i < len && json[p.i] == '"'
                    ? fail(&p, PF_ETYPE, "unknown key in component", comma)
                    : fail(&p, PF_EJSON, "expected a key", p.i);
                goto error;
            }
            if (p.i >= len || json[p.i] != '}') {
                rc = fail(&p, PF_EJSON, "expected '}'", p.i);
                goto error;
            }
            p.i++;
            if ((rc = parse_append(&p, op, PF_OT_DELETE, n, p.buf, has_text ? p.blen : 0,
                                   has_text, at)) != PF_OK)
                goto error;
            last = PF_OT_DELETE;
        } else if (c == '[' || c == 't' || c == 'f' || c == 'n') {
            rc = fail(&p, PF_ETYPE, "component must be a number, string or {\"d\": ...}", at);
            goto error;
        } else {
            rc = fail(&p, PF_EJSON, "expected a JSON value", at);
            goto error;
        }
        skip_ws(&p);
        if (p.i < len && json[p.i] == ',') {
            p.i++;
            continue;
        }
        if (p.i < len && json[p.i] == ']') {
            p.i++;
            break;
        }
        rc = fail(&p, PF_EJSON, "expected ',' or ']'", p.i);
        goto error;
    }
    if (strict && last == PF_OT_SKIP) {
        rc = fail(&p, PF_EINVAL, "trailing skip", p.i);
        goto error;
    }
done:
    skip_ws(&p);
    if (p.i != len) {
        rc = fail(&p, PF_EJSON, "trailing characters", p.i);
        goto error;
    }
    pf_ot_trim(op);
    free(p.buf);
    *out = op;
    return PF_OK;
error:
    free(p.buf);
    pf_ot_free(op);
    return rc;
}

/* A growable output string. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->cap - b->len < n + 1) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

/* Appends `s` as a JSON string literal. */
static void json_string(sbuf *b, const char *s, size_t n)
{
    size_t run = 0;
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            pf_fmt(tmp, sizeof tmp, "\\u%04x", c);
            esc = tmp;
        }
        if (esc) {
            sb_put(b, s + run, i - run);
            sb_put(b, esc, strlen(esc));
            run = i + 1;
        }
    }
    sb_put(b, s + run, n - run);
    sb_put(b, "\"", 1);
}

char *pf_ot_serialize(const pf_ot_op *op, size_t *len)
{
    sbuf b = { NULL, 0, 0, 0 };
    char num[32];
    sb_put(&b, "[", 1);
    for (size_t i = 0; op && i < op->count; i++) {
        const comp *c = &op->c[i];
        if (i)
            sb_put(&b, ",", 1);
        if (c->kind == PF_OT_SKIP) {
            int k = pf_fmt(num, sizeof num, "%lu", (unsigned long)c->n);
            sb_put(&b, num, (size_t)k);
        } else if (c->kind == PF_OT_INSERT) {
            json_string(&b, ctext(op, c), c->len);
        } else if (c->has_text) {
            sb_put(&b, "{\"d\":", 5);
            json_string(&b, ctext(op, c), c->len);
            sb_put(&b, "}", 1);
        } else {
            int k = pf_fmt(num, sizeof num, "{\"d\":%lu}", (unsigned long)c->n);
            sb_put(&b, num, (size_t)k);
        }
    }
    sb_put(&b, "]", 1);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    if (len)
        *len = b.len;
    return b.s;
}
