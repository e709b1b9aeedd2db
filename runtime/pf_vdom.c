/* pf_vdom.c: arena-allocated render trees and their HTML serialisation. */
#include "pf_vdom.h"

#include <stdlib.h>
#include <string.h>

#include "pf_html.h"

/* ------------------------------------------------------------------------ */
/* Arena: a list of blocks, bump allocation, freed all at once.             */
/* ------------------------------------------------------------------------ */

typedef struct arena_block {
    struct arena_block *next;
    size_t size, used;
    /* Aligned for any node or attribute type. */
    union { long double ld; void *p; uint64_t u; } data[1];
} arena_block;

#define ARENA_FIRST ((size_t)2048)
#define ARENA_MAX_BLOCK ((size_t)256 * 1024)
#define ARENA_ALIGN (sizeof(((arena_block *)0)->data[0]))
#define MAX_TEXT ((size_t)1 << 30)

struct pf_vdom {
    arena_block *blocks;   /* newest first; only the newest is bumped */
    size_t reserved;
    size_t node_count;
    pf_vnode *root;
    uint32_t serial;       /* unique among live trees, never 0 */
    uint32_t memo_from;    /* serial of the tree memoized subtrees came from */
    pf_vmemo *memos;       /* newest first */
    size_t memo_count;
};

static uint32_t last_serial;

static void *arena_alloc(pf_vdom *t, size_t size)
{
    size = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (size == 0)
        size = ARENA_ALIGN;
    arena_block *b = t->blocks;
    if (!b || b->size - b->used < size) {
        /* Blocks double so a big tree needs O(log n) of them; huge single
         * requests (long texts) get a block of their own. */
        size_t want = b ? b->size * 2 : ARENA_FIRST;
        if (want > ARENA_MAX_BLOCK)
            want = ARENA_MAX_BLOCK;
        if (want < size)
            want = size;
        arena_block *nb = malloc(offsetof(arena_block, data) + want);
        if (!nb)
            return NULL;
        nb->size = want;
        nb->used = 0;
        nb->next = t->blocks;
        t->blocks = nb;
        t->reserved += want;
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void *pf__vdom_alloc(pf_vdom *tree, size_t size)
{
    if (!tree || size > MAX_TEXT)
        return NULL;
    return arena_alloc(tree, size);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. NUL is
 * treated as invalid: the HTML parser would turn it into U+FFFD anyway. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return len >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (len < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (len < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && s[1] >= 0x90)
            return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

const char *pf__vdom_text(pf_vdom *tree, const char *s, size_t len, uint32_t *out_len)
{
    if (!tree || (!s && len) || len > MAX_TEXT)
        return NULL;
    /* First pass: is it already clean? Most text is, and then one memcpy. */
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, out = 0;
    int clean = 1;
    while (i < len) {
        if (u[i] >= 0x01 && u[i] < 0x80) { /* ASCII, the common case */
            i++;
            out++;
            continue;
        }
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0) {
            clean = 0;
            out += 3;
            i += 1;
        } else {
            out += n;
            i += n;
        }
    }
    char *dst = arena_alloc(tree, out + 1);
    if (!dst)
        return NULL;
    if (clean) {
        if (len)
            memcpy(dst, s, len);
    } else {
        size_t w = 0;
        i = 0;
        while (i < len) {
            size_t n = utf8_seq(u + i, len - i);
            if (n == 0) {
                dst[w++] = (char)0xEF;
                dst[w++] = (char)0xBF;
                dst[w++] = (char)0xBD;
                i += 1;
            } else {
                memcpy(dst + w, s + i, n);
                w += n;
                i += n;
            }
        }
    }
    dst[out] = '\0';
    *out_len = (uint32_t)out;
    return dst;
}

void pf__vnode_append(pf_vnode *parent, pf_vnode *child)
{
    child->parent = parent;
    child->next = NULL;
    if (parent->last_child)
        parent->last_child->next = child;
    else
        parent->first_child = child;
    parent->last_child = child;
    parent->child_count++;
}

void pf__vdom_count_node(pf_vdom *tree)
{
    tree->node_count++;
}

/* ------------------------------------------------------------------------ */
/* Trees                                                                    */
/* ------------------------------------------------------------------------ */

pf_vdom *pf_vdom_new(void)
{
    pf_vdom *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->root = arena_alloc(t, sizeof *t->root);
    if (!t->root) {
        free(t);
        return NULL;
    }
    t->root->kind = PF_VNODE_ELEMENT;
    t->root->tag = "";
    if (++last_serial == 0)
        ++last_serial;
    t->serial = last_serial;
    return t;
}

void pf_vdom_free(pf_vdom *tree)
{
    if (!tree)
        return;
    arena_block *b = tree->blocks;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(tree);
}

pf_vnode *pf_vdom_root(const pf_vdom *tree)
{
    return tree ? tree->root : NULL;
}

size_t pf_vdom_node_count(const pf_vdom *tree)
{
    return tree ? tree->node_count : 0;
}

size_t pf_vdom_arena_bytes(const pf_vdom *tree)
{
    return tree ? tree->reserved : 0;
}

/* Pre-order walk without recursion, so deep trees cannot exhaust the small
 * wasm stack. */
static const pf_vnode *walk_next(const pf_vnode *n, const pf_vnode *top)
{
    if (n->first_child)
        return n->first_child;
    while (n && n != top) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

pf_vnode *pf_vdom_find(const pf_vdom *tree, uint32_t id)
{
    if (!tree)
        return NULL;
    for (const pf_vnode *n = tree->root; n; n = walk_next(n, tree->root))
        if (n->id == id)
            return (pf_vnode *)n;
    return NULL;
}

const pf_vattr *pf_vnode_attr(const pf_vnode *node, const char *name)
{
    if (!node || !name)
        return NULL;
    size_t len = strlen(name);
    for (const pf_vattr *a = node->attrs; a; a = a->next)
        if (a->name_len == len && memcmp(a->name, name, len) == 0)
            return a;
    return NULL;
}

const pf_vnode *pf_vnode_keyed_ancestor(const pf_vnode *node)
{
    while (node && !node->key)
        node = node->parent;
    return node;
}

static int bytes_eq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int attrs_equal(const pf_vnode *a, const pf_vnode *b)
{
    if (a->attr_count != b->attr_count)
        return 0;
    for (const pf_vattr *x = a->attrs; x; x = x->next) {
        const pf_vattr *y = b->attrs;
        while (y && !bytes_eq(x->name, x->name_len, y->name, y->name_len))
            y = y->next;
        if (!y || !bytes_eq(x->value, x->value_len, y->value, y->value_len))
            return 0;
    }
    return 1;
}

static int node_shallow_equal(const pf_vnode *a, const pf_vnode *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == PF_VNODE_TEXT)
        return bytes_eq(a->text, a->text_len, b->text, b->text_len);
    if (!bytes_eq(a->tag, a->tag_len, b->tag, b->tag_len) || !attrs_equal(a, b))
        return 0;
    if (a->has_value != b->has_value ||
        (a->has_value && !bytes_eq(a->value, a->value_len, b->value, b->value_len)))
        return 0;
    if (a->has_html != b->has_html ||
        (a->has_html && !bytes_eq(a->text, a->text_len, b->text, b->text_len)))
        return 0;
    return a->child_count == b->child_count;
}

int pf_vnode_equal(const pf_vnode *a, const pf_vnode *b)
{
    if (!a || !b)
        return a == b;
    /* Walk both trees in lockstep; shapes match as long as every pair has
     * the same child count. */
    const pf_vnode *x = a, *y = b;
    while (x && y) {
        if (!node_shallow_equal(x, y))
            return 0;
        x = walk_next(x, a);
        y = walk_next(y, b);
    }
    return x == NULL && y == NULL;
}

/* ------------------------------------------------------------------------ */
/* Serialisation                                                            */
/* ------------------------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int err;
} sbuf;

static char *sbuf_reserve(sbuf *b, size_t n)
{
    if (b->err)
        return NULL;
    if (n > ((size_t)-1) / 2 - b->len) {
        b->err = PF_ENOMEM;
        return NULL;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->err = PF_ENOMEM;
            return NULL;
        }
        b->p = np;
        b->cap = cap;
    }
    return b->p + b->len;
}

static void sbuf_put(sbuf *b, const char *s, size_t n)
{
    char *d = sbuf_reserve(b, n);
    if (!d)
        return;
    if (n)
        memcpy(d, s, n);
    b->len += n;
}

static void sbuf_escaped(sbuf *b, const char *s, size_t n, int in_attr)
{
    size_t need = pf_html_escaped_len(s, n, in_attr);
    char *d = sbuf_reserve(b, need);
    if (!d)
        return;
    b->len += pf_html_escape(d, s, n, in_attr);
}

static void open_tag(sbuf *b, const pf_vnode *n)
{
    sbuf_put(b, "<", 1);
    sbuf_put(b, n->tag, n->tag_len);
    for (const pf_vattr *a = n->attrs; a; a = a->next) {
        sbuf_put(b, " ", 1);
        sbuf_put(b, a->name, a->name_len);
        sbuf_put(b, "=\"", 2);
        sbuf_escaped(b, a->value, a->value_len, 1);
        sbuf_put(b, "\"", 1);
    }
    if (n->has_value && !(n->tag_len == 8 && memcmp(n->tag, "textarea", 8) == 0)) {
        sbuf_put(b, " value=\"", 8);
        sbuf_escaped(b, n->value, n->value_len, 1);
        sbuf_put(b, "\"", 1);
    }
    sbuf_put(b, ">", 1);
}

static void close_tag(sbuf *b, const pf_vnode *n)
{
    if (n->is_void)
        return;
    sbuf_put(b, "</", 2);
    sbuf_put(b, n->tag, n->tag_len);
    sbuf_put(b, ">", 1);
}

/* Emits what goes between the tags of an element that has no vdom children
 * of its own to walk: trusted markup, or a textarea's value. */
static void inner_special(sbuf *b, const pf_vnode *n)
{
    if (n->has_html)
        sbuf_put(b, n->text, n->text_len);
    else if (n->has_value && n->tag_len == 8 && memcmp(n->tag, "textarea", 8) == 0)
        sbuf_escaped(b, n->value, n->value_len, 0);
}

int pf_vdom_to_html(const pf_vdom *tree, char **out, size_t *out_len)
{
    if (!tree || !out || !out_len)
        return PF_EINVAL;
    sbuf b = { NULL, 0, 0, 0 };
    sbuf_reserve(&b, 0);
    const pf_vnode *root = tree->root;
    if (root->has_html)
        sbuf_put(&b, root->text, root->text_len);
    /* Iterative walk: open on the way down, close on the way up. */
    const pf_vnode *n = root->has_html ? NULL : root->first_child;
    while (n && !b.err) {
        if (n->kind == PF_VNODE_TEXT) {
            sbuf_escaped(&b, n->text, n->text_len, 0);
        } else {
            open_tag(&b, n);
            inner_special(&b, n);
            if (n->first_child && !n->has_html) {
                n = n->first_child;
                continue;
            }
            close_tag(&b, n);
        }
        while (n && n != root && !n->next) {
            n = n->parent;
            if (n != root)
                close_tag(&b, n);
        }
        n = (n && n != root) ? n->next : NULL;
    }
    if (b.err) {
        free(b.p);
        return b.err;
    }
    b.p[b.len] = '\0';
    *out = b.p;
    *out_len = b.len;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* Memoization                                                              */
/* ------------------------------------------------------------------------ */

uint32_t pf__vdom_serial(const pf_vdom *tree) { return tree ? tree->serial : 0; }
uint32_t pf__vdom_memo_from(const pf_vdom *tree) { return tree ? tree->memo_from : 0; }
void pf__vdom_set_memo_from(pf_vdom *tree, uint32_t serial)
{
    if (tree)
        tree->memo_from = serial;
}
pf_vmemo *pf__vdom_memos(const pf_vdom *tree) { return tree ? tree->memos : NULL; }
size_t pf__vdom_memo_count(const pf_vdom *tree) { return tree ? tree->memo_count : 0; }

static const char *copy_bytes(pf_vdom *t, const char *s, uint32_t len)
{
    char *d = arena_alloc(t, (size_t)len + 1);
    if (d && len)
        memcpy(d, s, len);
    return d;
}

int pf__vdom_add_memo(pf_vdom *tree, pf_vnode *node, const char *deps, size_t len,
                      uint32_t hash, const pf_vnode *src)
{
    if (len > MAX_TEXT)
        return PF_ETOOBIG;
    pf_vmemo *m = arena_alloc(tree, sizeof *m);
    if (!m)
        return PF_ENOMEM;
    m->deps = deps;
    m->deps_len = (uint32_t)len;
    m->hash = hash;
    m->src = src;
    m->node = node;
    m->next = tree->memos;
    tree->memos = m;
    tree->memo_count++;
    node->memo = m;
    return PF_OK;
}

static int copy_node(pf_vdom *t, pf_vnode *parent, const pf_vnode *s, int depth_left,
                     pf_vnode **out)
{
    if (depth_left <= 0)
        return PF_ETOOBIG;
    pf_vnode *n = arena_alloc(t, sizeof *n);
    if (!n)
        return PF_ENOMEM;
    n->kind = s->kind;
    n->has_value = s->has_value;
    n->has_html = s->has_html;
    n->is_void = s->is_void;
    n->id = s->id;
    n->tag = s->tag_len ? copy_bytes(t, s->tag, s->tag_len) : "";
    n->tag_len = s->tag_len;
    n->text = s->text ? copy_bytes(t, s->text, s->text_len) : NULL;
    n->text_len = s->text_len;
    n->value = s->has_value ? copy_bytes(t, s->value, s->value_len) : NULL;
    n->value_len = s->value_len;
    if (!n->tag || (s->text && !n->text) || (s->has_value && !n->value))
        return PF_ENOMEM;
    pf_vattr *last = NULL;
    for (const pf_vattr *a = s->attrs; a; a = a->next) {
        pf_vattr *c = arena_alloc(t, sizeof *c);
        if (!c || !(c->name = copy_bytes(t, a->name, a->name_len)) ||
            !(c->value = copy_bytes(t, a->value, a->value_len)))
            return PF_ENOMEM;
        c->name_len = a->name_len;
        c->value_len = a->value_len;
        if (last)
            last->next = c;
        else
            n->attrs = c;
        last = c;
        /* The key is the value of data-id (or id): point at the copy. */
        if (s->key == a->value) {
            n->key = c->value;
            n->key_len = c->value_len;
        }
    }
    n->attr_count = s->attr_count;
    if (s->key && !n->key) {
        if (!(n->key = copy_bytes(t, s->key, s->key_len)))
            return PF_ENOMEM;
        n->key_len = s->key_len;
    }
    if (s->memo) {
        const char *deps = copy_bytes(t, s->memo->deps, s->memo->deps_len);
        if (!deps || pf__vdom_add_memo(t, n, deps, s->memo->deps_len, s->memo->hash, s) != PF_OK)
            return PF_ENOMEM;
    }
    for (const pf_vnode *ch = s->first_child; ch; ch = ch->next) {
        pf_vnode *cc;
        int rc = copy_node(t, n, ch, depth_left - 1, &cc);
        if (rc != PF_OK)
            return rc;
    }
    pf__vnode_append(parent, n);
    t->node_count++;
    *out = n;
    return PF_OK;
}

int pf__vnode_copy(pf_vdom *tree, pf_vnode *parent, const pf_vnode *src, int max_depth,
                   pf_vnode **out)
{
    if (!tree || !parent || !src || !out)
        return PF_EINVAL;
    /* Memo records of a failed copy may already be on the tree's list:
     * restore it, so the list only holds attached nodes. */
    pf_vmemo *memos = tree->memos;
    size_t memo_count = tree->memo_count, node_count = tree->node_count;
    int rc = copy_node(tree, parent, src, max_depth, out);
    if (rc != PF_OK) {
        tree->memos = memos;
        tree->memo_count = memo_count;
        tree->node_count = node_count;
        *out = NULL;
    }
    return rc;
}

void pf__vnode_memo_stale(pf_vnode *node)
{
    for (pf_vnode *n = node; n; n = n->parent)
        if (n->memo)
            n->memo->stale = 1;
}
