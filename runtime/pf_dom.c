/* pf_dom.c: keyed diff of render trees and the binary patch encoding. */
#include "pf_dom.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Patch buffer and encoding                                                */
/* ------------------------------------------------------------------------ */

struct pf_dom_patch {
    uint8_t *buf;
    size_t len, cap;
    size_t ops;
    int err;   /* sticky PF_ENOMEM while encoding */
};

static void patch_header(pf_dom_patch *p)
{
    p->buf[0] = PF_DOM_MAGIC0;
    p->buf[1] = PF_DOM_MAGIC1;
    p->buf[2] = PF_DOM_VERSION;
    p->len = PF_DOM_HEADER_LEN;
    p->ops = 0;
    p->err = PF_OK;
}

pf_dom_patch *pf_dom_patch_new(void)
{
    pf_dom_patch *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cap = 256;
    p->buf = malloc(p->cap);
    if (!p->buf) {
        free(p);
        return NULL;
    }
    patch_header(p);
    return p;
}

void pf_dom_patch_free(pf_dom_patch *p)
{
    if (!p)
        return;
    free(p->buf);
    free(p);
}

void pf_dom_patch_reset(pf_dom_patch *p)
{
    if (p)
        patch_header(p);
}

const uint8_t *pf_dom_patch_bytes(const pf_dom_patch *p, size_t *len)
{
    if (len)
        *len = p ? p->len : 0;
    return p ? p->buf : NULL;
}

size_t pf_dom_patch_op_count(const pf_dom_patch *p)
{
    return p ? p->ops : 0;
}

static uint8_t *reserve(pf_dom_patch *p, size_t n)
{
    if (p->err)
        return NULL;
    if (n > ((size_t)-1) / 4 - p->len) {
        p->err = PF_ENOMEM;
        return NULL;
    }
    if (p->len + n > p->cap) {
        size_t cap = p->cap;
        while (cap < p->len + n)
            cap *= 2;
        uint8_t *nb = realloc(p->buf, cap);
        if (!nb) {
            p->err = PF_ENOMEM;
            return NULL;
        }
        p->buf = nb;
        p->cap = cap;
    }
    return p->buf + p->len;
}

static void put_varint(pf_dom_patch *p, uint32_t v)
{
    uint8_t *d = reserve(p, 5);
    if (!d)
        return;
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7F);
        v >>= 7;
        d[n++] = (uint8_t)(v ? (b | 0x80) : b);
    } while (v);
    p->len += n;
}

static void put_op(pf_dom_patch *p, int code, uint32_t id)
{
    uint8_t *d = reserve(p, 1);
    if (!d)
        return;
    *d = (uint8_t)code;
    p->len++;
    p->ops++;
    put_varint(p, id);
}

static void put_str(pf_dom_patch *p, const char *s, size_t n)
{
    put_varint(p, (uint32_t)n);
    uint8_t *d = reserve(p, n);
    if (!d)
        return;
    if (n)
        memcpy(d, s, n);
    p->len += n;
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                 */
/* ------------------------------------------------------------------------ */

int pf_dom_patch_check_header(const uint8_t *bytes, size_t len)
{
    if (!bytes || len < PF_DOM_HEADER_LEN || bytes[0] != PF_DOM_MAGIC0 ||
        bytes[1] != PF_DOM_MAGIC1 || bytes[2] != PF_DOM_VERSION)
        return PF_EPROTO;
    return PF_OK;
}

static int get_varint(const uint8_t *b, size_t len, size_t *pos, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 5; i++) {
        if (*pos >= len)
            return PF_EPROTO;
        uint8_t c = b[(*pos)++];
        if (i == 4 && c > 0x0F)
            return PF_EPROTO; /* would not fit in 32 bits */
        v |= (uint32_t)(c & 0x7F) << (7 * i);
        if (!(c & 0x80)) {
            *out = v;
            return PF_OK;
        }
    }
    return PF_EPROTO;
}

static int get_str(const uint8_t *b, size_t len, size_t *pos, const char **s, size_t *n)
{
    uint32_t l;
    if (get_varint(b, len, pos, &l) != PF_OK || l > len - *pos)
        return PF_EPROTO;
    *s = (const char *)b + *pos;
    *n = l;
    *pos += l;
    return PF_OK;
}

int pf_dom_patch_next(const uint8_t *bytes, size_t len, size_t *pos, pf_dom_op *op)
{
    if (!bytes || !pos || !op)
        return PF_EINVAL;
    if (*pos >= len)
        return 0;
    size_t p = *pos;
    memset(op, 0, sizeof *op);
    op->code = bytes[p++];
    int rc = get_varint(bytes, len, &p, &op->id);
    switch (op->code) {
    case PF_DOM_CREATE_ELEMENT:
    case PF_DOM_CREATE_TEXT:
    case PF_DOM_REMOVE_ATTR:
    case PF_DOM_SET_TEXT:
    case PF_DOM_SET_VALUE:
    case PF_DOM_SET_HTML:
        if (rc == PF_OK)
            rc = get_str(bytes, len, &p, &op->str, &op->str_len);
        break;
    case PF_DOM_SET_ATTR:
        if (rc == PF_OK)
            rc = get_str(bytes, len, &p, &op->str, &op->str_len);
        if (rc == PF_OK)
            rc = get_str(bytes, len, &p, &op->str2, &op->str2_len);
        break;
    case PF_DOM_INSERT:
    case PF_DOM_MOVE:
        /* Encoded as parent, id, before: the first varint read is parent. */
        op->parent = op->id;
        if (rc == PF_OK)
            rc = get_varint(bytes, len, &p, &op->id);
        if (rc == PF_OK)
            rc = get_varint(bytes, len, &p, &op->before);
        break;
    case PF_DOM_REMOVE:
        break;
    case PF_DOM_CLONE:
        if (rc == PF_OK)
            rc = get_varint(bytes, len, &p, &op->src);
        if (rc == PF_OK)
            rc = get_varint(bytes, len, &p, &op->count);
        if (rc == PF_OK && op->count == 0)
            rc = PF_EPROTO;
        break;
    default:
        rc = PF_EPROTO;
    }
    if (rc != PF_OK)
        return PF_EPROTO; /* *pos still points at the bad op */
    *pos = p;
    return 1;
}

const char *pf_dom_opcode_name(int code)
{
    switch (code) {
    case PF_DOM_CREATE_ELEMENT: return "CREATE_ELEMENT";
    case PF_DOM_CREATE_TEXT: return "CREATE_TEXT";
    case PF_DOM_INSERT: return "INSERT";
    case PF_DOM_MOVE: return "MOVE";
    case PF_DOM_REMOVE: return "REMOVE";
    case PF_DOM_SET_ATTR: return "SET_ATTR";
    case PF_DOM_REMOVE_ATTR: return "REMOVE_ATTR";
    case PF_DOM_SET_TEXT: return "SET_TEXT";
    case PF_DOM_SET_VALUE: return "SET_VALUE";
    case PF_DOM_SET_HTML: return "SET_HTML";
    case PF_DOM_CLONE: return "CLONE";
    default: return "?";
    }
}

/* ------------------------------------------------------------------------ */
/* Diff                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct diff_ctx {
    pf_dom_patch *out;
    uint32_t *next_id;
    pf_vdom *scratch;  /* arena for per-list tables, freed after the diff */
    pf_vdom *tree;     /* next: where shared subtrees get their own copies */
    int err;
    int memo_ok;       /* next's memo copies came from prev: trust memo->src */
} diff_ctx;

static int bytes_eq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void *scratch_alloc(diff_ctx *c, size_t n, size_t size)
{
    if (n && size > ((size_t)-1) / 4 / n) {
        c->err = PF_ENOMEM;
        return NULL;
    }
    void *p = pf__vdom_alloc(c->scratch, (n * size) != 0 ? n * size : 1);
    if (!p)
        c->err = PF_ENOMEM;
    return p;
}

static int fresh_id(diff_ctx *c, uint32_t *id)
{
    if (*c->next_id == 0) {
        c->err = PF_ERANGE;
        return c->err;
    }
    *id = (*c->next_id)++;
    return PF_OK;
}

static void emit_remove(diff_ctx *c, const pf_vnode *o)
{
    put_op(c->out, PF_DOM_REMOVE, o->id);
}

static void emit_insert(diff_ctx *c, int code, uint32_t parent, uint32_t id, uint32_t before)
{
    put_op(c->out, code, parent);
    put_varint(c->out, id);
    put_varint(c->out, before);
}

static void diff_attrs(diff_ctx *c, const pf_vnode *o, const pf_vnode *n);

/* Ids are about to be written into the subtree of `n`: if its children
 * are shared with an older tree (pf__vnode_share), they become its own
 * first. Returns nonzero on error. */
static int own_children(diff_ctx *c, pf_vnode *n)
{
    if (n->memo && n->memo->home && pf__vnode_unshare(c->tree, n) != PF_OK)
        c->err = PF_ENOMEM;
    return c->err;
}

/* Smallest subtree worth a CLONE rather than creating node by node. */
#define CLONE_MIN_NODES 3

/* Form controls keep state outside their attributes (value, checkedness,
 * selectedness) that cloneNode copies in its own ways: never cloned. */
static int has_control_state(const pf_vnode *n)
{
    static const char *const tags[] = { "input", "textarea", "select", "option", NULL };
    for (size_t i = 0; tags[i]; i++)
        if (bytes_eq(n->tag, n->tag_len, tags[i], strlen(tags[i])))
            return 1;
    return 0;
}

/* Whether `n` can be made by cloning `p` (a subtree created earlier in this
 * patch): the same kinds, tags and child counts all the way down, no
 * trusted markup, no value property, no form controls. Counts the nodes. */
static int same_shape(const pf_vnode *p, const pf_vnode *n, uint32_t *count)
{
    if (p->kind != n->kind)
        return 0;
    (*count)++;
    if (n->kind == PF_VNODE_TEXT)
        return 1;
    if (!bytes_eq(p->tag, p->tag_len, n->tag, n->tag_len) || p->child_count != n->child_count ||
        p->has_html || n->has_html || p->has_value || n->has_value || has_control_state(n))
        return 0;
    const pf_vnode *x = p->first_child, *y = n->first_child;
    for (; x && y; x = x->next, y = y->next)
        if (!same_shape(x, y, count))
            return 0;
    return 1;
}

/* Gives the nodes of `n` the ids the clone of `p` was bound to (preorder,
 * consecutive) and emits what differs from `p`. */
static void clone_fill(diff_ctx *c, const pf_vnode *p, pf_vnode *n)
{
    if (c->err || own_children(c, n) || fresh_id(c, &n->id))
        return;
    if (n->kind == PF_VNODE_TEXT) {
        if (!bytes_eq(p->text, p->text_len, n->text, n->text_len)) {
            put_op(c->out, PF_DOM_SET_TEXT, n->id);
            put_str(c->out, n->text, n->text_len);
        }
        return;
    }
    diff_attrs(c, p, n);
    pf_vnode *y = n->first_child;
    for (const pf_vnode *x = p->first_child; x && y; x = x->next, y = y->next)
        clone_fill(c, x, y);
}

/* Makes `n` as a clone of `tmpl` when their shapes allow; returns 1 if it
 * did, 0 when the caller must create `n` node by node. */
static int emit_clone(diff_ctx *c, const pf_vnode *tmpl, pf_vnode *n)
{
    uint32_t count = 0;
    if (!tmpl || !same_shape(tmpl, n, &count) || count < CLONE_MIN_NODES)
        return 0;
    if (*c->next_id == 0 || *c->next_id > UINT32_MAX - count) {
        c->err = PF_ERANGE;
        return 1;
    }
    put_op(c->out, PF_DOM_CLONE, *c->next_id);
    put_varint(c->out, tmpl->id);
    put_varint(c->out, count);
    clone_fill(c, tmpl, n);
    return 1;
}

static void emit_create(diff_ctx *c, pf_vnode *n);

/* Creates and inserts n's children, in order, into an empty n. New siblings
 * of the same shape (a list's rows) are clones of the first one created
 * node by node: see PF_DOM_CLONE. */
static void create_children(diff_ctx *c, pf_vnode *n)
{
    const pf_vnode *tmpl = NULL;
    for (pf_vnode *ch = n->first_child; ch && !c->err; ch = ch->next) {
        if (!emit_clone(c, tmpl, ch)) {
            emit_create(c, ch);
            tmpl = ch;
        }
        emit_insert(c, PF_DOM_INSERT, n->id, ch->id, 0);
    }
}

/* Creates `n` and its subtree detached, so the browser lays it out once
 * when the caller inserts its top. */
static void emit_create(diff_ctx *c, pf_vnode *n)
{
    if (c->err || own_children(c, n) || fresh_id(c, &n->id))
        return;
    if (n->kind == PF_VNODE_TEXT) {
        put_op(c->out, PF_DOM_CREATE_TEXT, n->id);
        put_str(c->out, n->text, n->text_len);
        return;
    }
    put_op(c->out, PF_DOM_CREATE_ELEMENT, n->id);
    put_str(c->out, n->tag, n->tag_len);
    for (const pf_vattr *a = n->attrs; a; a = a->next) {
        put_op(c->out, PF_DOM_SET_ATTR, n->id);
        put_str(c->out, a->name, a->name_len);
        put_str(c->out, a->value, a->value_len);
    }
    if (n->has_html) {
        if (n->text_len) {
            put_op(c->out, PF_DOM_SET_HTML, n->id);
            put_str(c->out, n->text, n->text_len);
        }
    } else {
        create_children(c, n);
    }
    /* After the children: a <select>'s value names one of its options. */
    if (n->has_value) {
        put_op(c->out, PF_DOM_SET_VALUE, n->id);
        put_str(c->out, n->value, n->value_len);
    }
}

/* Matching identity of a sibling: kind, tag, and either its key or its
 * ordinal among unkeyed siblings of the same kind and tag. */
typedef struct sib {
    pf_vnode *node;
    uint32_t ordinal;
    uint32_t hash;
} sib;

static uint32_t fnv(uint32_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static int sib_same(const sib *a, const sib *b)
{
    const pf_vnode *x = a->node, *y = b->node;
    if (x->kind != y->kind || !bytes_eq(x->tag, x->tag_len, y->tag, y->tag_len))
        return 0;
    if ((x->key == NULL) != (y->key == NULL))
        return 0;
    if (x->key)
        return bytes_eq(x->key, x->key_len, y->key, y->key_len);
    return a->ordinal == b->ordinal;
}

/* Fills `out` for each child of `parent`: ordinals count unkeyed siblings
 * per (kind, tag), found through a small table of the distinct types seen. */
static int describe_children(diff_ctx *c, const pf_vnode *parent, sib *out)
{
    size_t n = parent->child_count;
    const pf_vnode **types = scratch_alloc(c, n, sizeof *types);
    uint32_t *counts = scratch_alloc(c, n, sizeof *counts);
    if (!types || !counts)
        return c->err;
    size_t ntypes = 0, i = 0;
    for (pf_vnode *ch = parent->first_child; ch; ch = ch->next, i++) {
        out[i].node = ch;
        out[i].ordinal = 0;
        uint32_t h = fnv(2166136261u, &ch->kind, 1);
        h = fnv(h, ch->tag, ch->tag_len);
        if (ch->key) {
            h = fnv(h ^ 0x5bd1e995u, ch->key, ch->key_len);
        } else {
            size_t t = 0;
            while (t < ntypes && !(types[t]->kind == ch->kind &&
                                   bytes_eq(types[t]->tag, types[t]->tag_len, ch->tag, ch->tag_len)))
                t++;
            if (t == ntypes) {
                types[ntypes] = ch;
                counts[ntypes++] = 0;
            }
            out[i].ordinal = counts[t]++;
            h = fnv(h, &out[i].ordinal, sizeof out[i].ordinal);
        }
        out[i].hash = h;
    }
    return PF_OK;
}

static void diff_node(diff_ctx *c, const pf_vnode *o, pf_vnode *n);

/* Longest increasing subsequence of seq[0..len) (distinct values): marks
 * its members in keep[]. O(len log len). */
static void mark_lis(diff_ctx *c, const int32_t *seq, size_t len, uint8_t *keep)
{
    if (len == 0)
        return;
    size_t *tails = scratch_alloc(c, len, sizeof *tails);
    size_t *prev = scratch_alloc(c, len, sizeof *prev);
    if (!tails || !prev)
        return;
    size_t ntails = 0;
    for (size_t i = 0; i < len; i++) {
        size_t lo = 0, hi = ntails;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (seq[tails[mid]] < seq[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        prev[i] = lo ? tails[lo - 1] : (size_t)-1;
        tails[lo] = i;
        if (lo == ntails)
            ntails++;
    }
    for (size_t i = tails[ntails - 1]; ; i = prev[i]) {
        keep[i] = 1;
        if (prev[i] == (size_t)-1)
            break;
    }
}

static void diff_children(diff_ctx *c, const pf_vnode *o, pf_vnode *n)
{
    size_t m = o ? o->child_count : 0, k = n->child_count;
    if (c->err)
        return;
    if (m == 0) {
        create_children(c, n);
        return;
    }
    if (k == 0) {
        for (const pf_vnode *ch = o->first_child; ch; ch = ch->next)
            emit_remove(c, ch);
        return;
    }
    /* Fast path, by far the most common case: the same siblings in the same
     * order (same kinds, tags and keys pairwise). Unkeyed ordinals then
     * agree too, so pairing by position is what the general algorithm would
     * do, without its tables. */
    if (m == k) {
        const pf_vnode *x = o->first_child;
        const pf_vnode *y = n->first_child;
        while (x && x->kind == y->kind && bytes_eq(x->tag, x->tag_len, y->tag, y->tag_len) &&
               (x->key == NULL) == (y->key == NULL) &&
               (!x->key || bytes_eq(x->key, x->key_len, y->key, y->key_len))) {
            x = x->next;
            y = y->next;
        }
        if (!x) {
            pf_vnode *ch = n->first_child;
            for (x = o->first_child; x && !c->err; x = x->next, ch = ch->next)
                diff_node(c, x, ch);
            return;
        }
    }
    sib *olds = scratch_alloc(c, m, sizeof *olds);
    sib *news = scratch_alloc(c, k, sizeof *news);
    if (!olds || !news || describe_children(c, o, olds) || describe_children(c, n, news))
        return;

    /* Open-addressing table of old siblings, at most half full. */
    size_t cap = 16;
    while (cap < m * 2)
        cap *= 2;
    int32_t *table = scratch_alloc(c, cap, sizeof *table);
    uint8_t *used = scratch_alloc(c, m, 1);
    int32_t *match = scratch_alloc(c, k, sizeof *match);
    if (!table || !used || !match)
        return;
    for (size_t i = 0; i < cap; i++)
        table[i] = -1;
    /* Every old sibling goes in, duplicates of a key too: they sit along
     * one probe sequence in old order, so the k-th new duplicate takes the
     * k-th old one and an unchanged list with duplicate keys diffs to
     * nothing. */
    for (size_t i = 0; i < m; i++) {
        size_t s = olds[i].hash & (cap - 1);
        while (table[s] >= 0)
            s = (s + 1) & (cap - 1);
        table[s] = (int32_t)i;
    }
    size_t matched = 0;
    for (size_t j = 0; j < k; j++) {
        match[j] = -1;
        size_t s = news[j].hash & (cap - 1);
        while (table[s] >= 0 && (used[table[s]] || olds[table[s]].hash != news[j].hash ||
                                 !sib_same(&olds[table[s]], &news[j])))
            s = (s + 1) & (cap - 1);
        if (table[s] >= 0) {
            match[j] = table[s];
            used[table[s]] = 1;
            matched++;
        }
    }

    for (size_t i = 0; i < m; i++)
        if (!used[i])
            emit_remove(c, olds[i].node);

    /* Matched nodes in new order, by old position: the longest increasing
     * run stays put, the rest move. */
    int32_t *seq = scratch_alloc(c, matched, sizeof *seq);
    uint8_t *keep = scratch_alloc(c, matched, 1);
    uint8_t *stay = scratch_alloc(c, k, 1);
    if (!seq || !keep || !stay)
        return;
    size_t q = 0;
    for (size_t j = 0; j < k; j++)
        if (match[j] >= 0)
            seq[q++] = match[j];
    mark_lis(c, seq, matched, keep);
    q = 0;
    for (size_t j = 0; j < k; j++)
        if (match[j] >= 0)
            stay[j] = keep[q++];

    /* Right to left, so that the right neighbour is always in place and can
     * serve as the reference node of insertBefore. */
    uint32_t before = 0;
    const pf_vnode *tmpl = NULL; /* the last sibling created node by node here */
    for (size_t jj = k; jj-- > 0 && !c->err;) {
        pf_vnode *ch = news[jj].node;
        if (match[jj] < 0) {
            if (!emit_clone(c, tmpl, ch)) {
                emit_create(c, ch);
                tmpl = ch;
            }
            emit_insert(c, PF_DOM_INSERT, n->id, ch->id, before);
        } else {
            diff_node(c, olds[match[jj]].node, ch);
            if (!stay[jj])
                emit_insert(c, PF_DOM_MOVE, n->id, ch->id, before);
        }
        before = ch->id;
    }
}

static void diff_attrs(diff_ctx *c, const pf_vnode *o, const pf_vnode *n)
{
    for (const pf_vattr *a = n->attrs; a; a = a->next) {
        const pf_vattr *b = o->attrs;
        while (b && !bytes_eq(a->name, a->name_len, b->name, b->name_len))
            b = b->next;
        if (!b || !bytes_eq(a->value, a->value_len, b->value, b->value_len)) {
            put_op(c->out, PF_DOM_SET_ATTR, n->id);
            put_str(c->out, a->name, a->name_len);
            put_str(c->out, a->value, a->value_len);
        }
    }
    for (const pf_vattr *b = o->attrs; b; b = b->next) {
        const pf_vattr *a = n->attrs;
        while (a && !bytes_eq(a->name, a->name_len, b->name, b->name_len))
            a = a->next;
        if (!a) {
            put_op(c->out, PF_DOM_REMOVE_ATTR, n->id);
            put_str(c->out, b->name, b->name_len);
        }
    }
}

/* `o` and `n` are matched: same kind and tag. Patches n's content in place
 * and gives it o's id. */
static void diff_node(diff_ctx *c, const pf_vnode *o, pf_vnode *n)
{
    if (c->err)
        return;
    /* A memoized subtree copied from this very node (pf_html_memo): same
     * content, and the copy already carries o's ids. Nothing to compare. */
    if (c->memo_ok && n->memo && n->memo->src == o && o->memo && !o->memo->stale)
        return;
    if (own_children(c, n))
        return;
    n->id = o->id;
    if (n->kind == PF_VNODE_TEXT) {
        if (!bytes_eq(o->text, o->text_len, n->text, n->text_len)) {
            put_op(c->out, PF_DOM_SET_TEXT, n->id);
            put_str(c->out, n->text, n->text_len);
        }
        return;
    }
    diff_attrs(c, o, n);
    if (n->has_html) {
        if (!o->has_html) {
            for (const pf_vnode *ch = o->first_child; ch; ch = ch->next)
                emit_remove(c, ch);
        }
        if (!o->has_html || !bytes_eq(o->text, o->text_len, n->text, n->text_len)) {
            put_op(c->out, PF_DOM_SET_HTML, n->id);
            put_str(c->out, n->text, n->text_len);
        }
    } else if (o->has_html) {
        put_op(c->out, PF_DOM_SET_HTML, n->id);
        put_str(c->out, "", 0);
        diff_children(c, NULL, n);
    } else if (o->child_count || n->child_count) {
        diff_children(c, o, n);
    }
    /* The value property follows the component's intent, not the DOM: only
     * a changed intent is written, so typing is never overwritten by a
     * render that did not mean to change it. After the children, so that
     * a <select>'s options are there for the value to name. */
    if (n->has_value && (!o->has_value || !bytes_eq(o->value, o->value_len, n->value, n->value_len))) {
        put_op(c->out, PF_DOM_SET_VALUE, n->id);
        put_str(c->out, n->value, n->value_len);
    }
}

int pf_dom_diff(const pf_vdom *prev, pf_vdom *next, uint32_t *next_id, pf_dom_patch *out)
{
    if (!next_id || !out || *next_id == 0)
        return PF_EINVAL;
    if (out->err)
        return out->err;
    diff_ctx c = { out, next_id, pf_vdom_new(), next, PF_OK, 0 };
    pf_vdom *empty = NULL;
    if (!c.scratch)
        return PF_ENOMEM;
    if (!prev || !next) {
        empty = pf_vdom_new();
        if (!empty) {
            pf_vdom_free(c.scratch);
            return PF_ENOMEM;
        }
    }
    c.memo_ok = prev && next && pf__vdom_memo_from(next) == pf__vdom_serial(prev);
    const pf_vnode *o = pf_vdom_root(prev ? prev : empty);
    pf_vnode *n = pf_vdom_root(next ? next : empty);
    diff_node(&c, o, n);
    pf_vdom_free(c.scratch);
    pf_vdom_free(empty);
    if (c.err == PF_OK && out->err)
        c.err = out->err;
    return c.err;
}
