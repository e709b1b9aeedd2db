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
    /* Aligned for any node, attribute or table type (8 bytes: nothing in
     * a tree needs the 16 of long double, and small strings, rounded up to
     * it, took twice the room). */
    union { void *p; uint64_t u; double d; } data[1];
} arena_block;

#define ARENA_FIRST ((size_t)2048)
#define ARENA_MAX_BLOCK ((size_t)256 * 1024)
#define ARENA_ALIGN (sizeof(((arena_block *)0)->data[0]))
#define MAX_TEXT ((size_t)1 << 30)

/* A tree this one shares subtrees from, and how many bytes of them. */
typedef struct home_ref {
    pf_vdom *tree;
    size_t shared;
} home_ref;

struct pf_vdom {
    arena_block *blocks;   /* newest first; only the newest is bumped */
    size_t reserved, used;
    size_t node_count;
    pf_vnode *root;
    uint32_t serial;       /* unique among live trees, never 0 */
    uint32_t memo_from;    /* serial of the tree memoized subtrees came from */
    pf_vmemo *memos;       /* newest first */
    size_t memo_count;
    /* Sharing (pf__vnode_share). A tree's arena outlives the tree while a
     * later render shares subtrees that live in it: `refs` counts the tree
     * itself until pf_vdom_free, plus each tree holding it in `homes`. */
    uint32_t refs;
    uint32_t mark;         /* serial of the last tree that decided to share from it or not */
    uint8_t hold;          /* what it decided */
    size_t slot;           /* if so, where it is in that tree's homes */
    home_ref *homes;       /* the trees this one shares subtrees from */
    size_t nhomes, homes_cap;
};

static uint32_t last_serial;

static void *arena_take(pf_vdom *t, size_t size, int zero);

static void *arena_alloc(pf_vdom *t, size_t size)
{
    return arena_take(t, size, 1);
}

/* Bump-allocates `size` bytes, zeroed when `zero`. */
static void *arena_take(pf_vdom *t, size_t size, int zero)
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
    t->used += size;
    if (zero)
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
    t->refs = 1;
    return t;
}

static void vdom_release(pf_vdom *t)
{
    if (--t->refs > 0)
        return;
    arena_block *b = t->blocks;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(t);
}

void pf_vdom_free(pf_vdom *tree)
{
    if (!tree)
        return;
    for (size_t i = 0; i < tree->nhomes; i++)
        vdom_release(tree->homes[i].tree);
    free(tree->homes);
    tree->homes = NULL;
    tree->nhomes = 0;
    vdom_release(tree);
}

size_t pf__vdom_held_bytes(const pf_vdom *tree)
{
    if (!tree)
        return 0;
    size_t n = tree->reserved;
    for (size_t i = 0; i < tree->nhomes; i++)
        n += tree->homes[i].tree->reserved;
    return n;
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
 * wasm stack. The way back up is a stack of the ancestors, not the parent
 * pointers: a shared subtree's children point at their element in the tree
 * they were built in (pf__vnode_share). Trees are at most PF_HTML_MAX_DEPTH
 * elements deep, plus a text node; nodes deeper than that would be
 * skipped. */
#define WALK_MAX (PF_HTML_MAX_DEPTH + 4)

typedef struct walker {
    const pf_vnode *top;
    int sp;
    const pf_vnode *up[WALK_MAX];
} walker;

static const pf_vnode *walk_next(walker *w, const pf_vnode *n)
{
    if (n->first_child && w->sp < WALK_MAX) {
        w->up[w->sp++] = n;
        return n->first_child;
    }
    while (n != w->top) {
        if (n->next)
            return n->next;
        if (w->sp == 0)
            return NULL;
        n = w->up[--w->sp];
    }
    return NULL;
}

/* Walks `tree` to the node with DOM id `id`; its ancestors are left on
 * the walker's stack, nearest last. */
static pf_vnode *walk_to(walker *w, const pf_vdom *tree, uint32_t id)
{
    w->top = tree->root;
    w->sp = 0;
    const pf_vnode *n = tree->root;
    while (n && n->id != id)
        n = walk_next(w, n);
    return (pf_vnode *)n;
}

pf_vnode *pf__vdom_locate(const pf_vdom *tree, uint32_t id, const pf_vnode **keyed)
{
    if (keyed)
        *keyed = NULL;
    if (!tree)
        return NULL;
    walker w;
    pf_vnode *n = walk_to(&w, tree, id);
    for (int i = w.sp; keyed && n && !*keyed && i >= 0; i--) {
        const pf_vnode *a = i == w.sp ? n : w.up[i];
        if (a->key)
            *keyed = a;
    }
    return n;
}

pf_vnode *pf__vdom_touch(pf_vdom *tree, uint32_t id)
{
    if (!tree)
        return NULL;
    walker w;
    pf_vnode *n = walk_to(&w, tree, id);
    for (int i = w.sp; n && i >= 0; i--) {
        pf_vnode *a = i == w.sp ? n : (pf_vnode *)w.up[i];
        if (!a->memo)
            continue;
        if (a->memo->home) {
            /* Shared children are the older tree's: this tree gets its
             * own before one of them changes (then it is walked again, as
             * the node is a copy now). */
            if (pf__vnode_unshare(tree, a) != PF_OK)
                return NULL;
            return pf__vdom_touch(tree, id);
        }
        a->memo->stale = 1;
    }
    return n;
}

pf_vnode *pf_vdom_find(const pf_vdom *tree, uint32_t id)
{
    return pf__vdom_locate(tree, id, NULL);
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
    walker wa, wb;
    wa.top = a;
    wb.top = b;
    wa.sp = wb.sp = 0;
    while (x && y) {
        if (!node_shallow_equal(x, y))
            return 0;
        x = walk_next(&wa, x);
        y = walk_next(&wb, y);
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
    /* Iterative walk: open on the way down, close on the way up (the
     * elements open are kept on a stack, see walk_next). */
    const pf_vnode *up[WALK_MAX];
    int sp = 0;
    const pf_vnode *n = root->has_html ? NULL : root->first_child;
    while (n && !b.err) {
        if (n->kind == PF_VNODE_TEXT) {
            sbuf_escaped(&b, n->text, n->text_len, 0);
        } else {
            open_tag(&b, n);
            inner_special(&b, n);
            if (n->first_child && !n->has_html) {
                if (sp == WALK_MAX) {
                    b.err = PF_ETOOBIG;
                    break;
                }
                up[sp++] = n;
                n = n->first_child;
                continue;
            }
            close_tag(&b, n);
        }
        while (n && !n->next) {
            n = sp ? up[--sp] : NULL;
            if (n)
                close_tag(&b, n);
        }
        n = n ? n->next : NULL;
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

/* Fills memo record `m` (zeroed) of `node` and puts it on the tree's list. */
static void memo_link(pf_vdom *tree, pf_vmemo *m, pf_vnode *node, const char *deps, size_t len,
                      uint32_t hash, const pf_vnode *src)
{
    m->deps = deps;
    m->deps_len = (uint32_t)len;
    m->hash = hash;
    m->src = src;
    m->node = node;
    m->next = tree->memos;
    tree->memos = m;
    tree->memo_count++;
    node->memo = m;
}

int pf__vdom_add_memo(pf_vdom *tree, pf_vnode *node, const char *deps, size_t len,
                      uint32_t hash, const pf_vnode *src, int nested)
{
    if (len > MAX_TEXT)
        return PF_ETOOBIG;
    pf_vmemo *m = arena_alloc(tree, sizeof *m);
    if (!m)
        return PF_ENOMEM;
    memo_link(tree, m, node, deps, len, hash, src);
    m->nested = (uint8_t)(nested != 0);
    return PF_OK;
}

/* A copied subtree (pf_html_memo) is made in one arena allocation, not
 * one per node, attribute and string: its structures first, then its
 * strings packed after them. A render copies every unchanged row of a long
 * list, so this is the cost of re-rendering a list that barely changed. */
#define ALIGN_UP(n) (((n) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

typedef struct copy_plan {
    size_t structs, strings;
    int height;
    uint32_t nodes;
} copy_plan;

/* Adds the bytes a copy of `s` (`level` deep in the copy) needs to `p`.
 * The height counts elements, as the depth limit of pf_html_open does. */
static int copy_measure(const pf_vnode *s, int level, copy_plan *p);

/* The part of copy_measure for `s` alone. */
static void measure_node(const pf_vnode *s, copy_plan *p)
{
    p->structs += ALIGN_UP(sizeof(pf_vnode));
    p->nodes++;
    if (s->tag_len)
        p->strings += (size_t)s->tag_len + 1;
    if (s->text)
        p->strings += (size_t)s->text_len + 1;
    if (s->has_value)
        p->strings += (size_t)s->value_len + 1;
    int key_in_attrs = 0;
    for (const pf_vattr *a = s->attrs; a; a = a->next) {
        p->structs += ALIGN_UP(sizeof(pf_vattr));
        p->strings += (size_t)a->name_len + 1 + a->value_len + 1;
        key_in_attrs |= s->key == a->value;
    }
    if (s->key && !key_in_attrs)
        p->strings += (size_t)s->key_len + 1;
    if (s->memo) {
        p->structs += ALIGN_UP(sizeof(pf_vmemo));
        p->strings += (size_t)s->memo->deps_len + 1;
    }
}

static int copy_measure(const pf_vnode *s, int level, copy_plan *p)
{
    if (s->kind != PF_VNODE_TEXT) {
        if (level > PF_HTML_MAX_DEPTH)
            return PF_ETOOBIG;
        if (level > p->height)
            p->height = level;
    }
    measure_node(s, p);
    if (p->structs > MAX_TEXT || p->strings > MAX_TEXT)
        return PF_ENOMEM;
    for (const pf_vnode *ch = s->first_child; ch; ch = ch->next) {
        int rc = copy_measure(ch, level + 1, p);
        if (rc != PF_OK)
            return rc;
    }
    return PF_OK;
}

typedef struct copy_cursor {
    char *structs, *strings;
} copy_cursor;

static void *copy_struct(copy_cursor *c, size_t size)
{
    void *p = c->structs;
    memset(p, 0, size);
    c->structs += ALIGN_UP(size);
    return p;
}

static const char *copy_str(copy_cursor *c, const char *s, uint32_t len)
{
    char *d = c->strings;
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    c->strings += (size_t)len + 1;
    return d;
}

/* Fills the fields of `n` (zeroed) that make it a copy of `s`, memo record
 * and links apart. */
static void fill_node(pf_vnode *n, const pf_vnode *s, copy_cursor *c)
{
    n->kind = s->kind;
    n->has_value = s->has_value;
    n->has_html = s->has_html;
    n->is_void = s->is_void;
    n->id = s->id;
    n->tag = s->tag_len ? copy_str(c, s->tag, s->tag_len) : "";
    n->tag_len = s->tag_len;
    n->text = s->text ? copy_str(c, s->text, s->text_len) : NULL;
    n->text_len = s->text_len;
    n->value = s->has_value ? copy_str(c, s->value, s->value_len) : NULL;
    n->value_len = s->value_len;
    pf_vattr *last = NULL;
    for (const pf_vattr *a = s->attrs; a; a = a->next) {
        pf_vattr *x = copy_struct(c, sizeof *x);
        x->name = copy_str(c, a->name, a->name_len);
        x->name_len = a->name_len;
        x->value = copy_str(c, a->value, a->value_len);
        x->value_len = a->value_len;
        if (last)
            last->next = x;
        else
            n->attrs = x;
        last = x;
        /* The key is the value of data-id (or id): point at the copy. */
        if (s->key == a->value) {
            n->key = x->value;
            n->key_len = x->value_len;
        }
    }
    n->attr_count = s->attr_count;
    if (s->key && !n->key) {
        n->key = copy_str(c, s->key, s->key_len);
        n->key_len = s->key_len;
    }
}

/* Fills the copy of `s` under `parent` from the space copy_measure sized. */
static void copy_fill(pf_vdom *t, pf_vnode *parent, const pf_vnode *s, copy_cursor *c)
{
    pf_vnode *n = copy_struct(c, sizeof *n);
    fill_node(n, s, c);
    if (s->memo) {
        pf_vmemo *m = copy_struct(c, sizeof(pf_vmemo));
        memo_link(t, m, n, copy_str(c, s->memo->deps, s->memo->deps_len), s->memo->deps_len,
                  s->memo->hash, s);
        m->nested = s->memo->nested;
        m->has_inner = s->memo->has_inner;
    }
    for (const pf_vnode *ch = s->first_child; ch; ch = ch->next)
        copy_fill(t, n, ch, c);
    pf__vnode_append(parent, n);
    t->node_count++;
}

/* The sizes of a copy of memoized element `src`: kept in its memo record
 * once known. */
static int reuse_plan(const pf_vnode *src, copy_plan *plan)
{
    const pf_vmemo *m = src->memo;
    if (m && m->copy_height) {
        plan->structs = m->copy_structs;
        plan->strings = m->copy_strings;
        plan->height = (int)m->copy_height;
        plan->nodes = m->copy_nodes;
        return PF_OK;
    }
    return copy_measure(src, 1, plan);
}

static void keep_plan(pf_vmemo *m, const copy_plan *plan)
{
    m->copy_structs = (uint32_t)plan->structs;
    m->copy_strings = (uint32_t)plan->strings;
    m->copy_height = (uint32_t)plan->height;
    m->copy_nodes = plan->nodes;
}

int pf__vnode_copy(pf_vdom *tree, pf_vnode *parent, const pf_vnode *src, int max_depth,
                   int nested, pf_vnode **out)
{
    if (!tree || !parent || !src || !out)
        return PF_EINVAL;
    *out = NULL;
    /* A memoized row is reused render after render: its sizes are kept in
     * its memo record after the first time. */
    copy_plan plan = { 0, 0, 0, 0 };
    int rc = reuse_plan(src, &plan);
    if (rc != PF_OK)
        return rc;
    if (plan.height > max_depth)
        return PF_ETOOBIG;
    /* Nothing is linked into the tree before this, the only step that can
     * fail. */
    char *block = arena_take(tree, plan.structs + plan.strings, 0);
    if (!block)
        return PF_ENOMEM;
    copy_cursor c = { block, block + plan.structs };
    copy_fill(tree, parent, src, &c);
    pf_vnode *n = parent->last_child;
    if (n->memo) {
        keep_plan(n->memo, &plan);
        n->memo->nested = (uint8_t)(nested != 0);
    }
    *out = n;
    return PF_OK;
}

/* Where `t` counts the bytes of the subtrees it shares from `home`; NULL
 * when it shares none. */
static size_t *shared_from(const pf_vdom *t, const pf_vdom *home)
{
    for (size_t i = 0; i < t->nhomes; i++)
        if (t->homes[i].tree == home)
            return &t->homes[i].shared;
    return NULL;
}

/* Decides, once per tree being built, whether `t` shares subtrees from
 * `home`, and if so holds it. Returns 1 (share), 0 (copy), PF_ENOMEM. */
static int hold_home(pf_vdom *t, const pf_vdom *prev, pf_vdom *home)
{
    if (home->mark == t->serial)
        return home->hold;
    /* Memory stays bounded: an older tree is held only while at least half
     * of what its arena holds is subtrees the tree before this one shared
     * from it; otherwise they are copied, and the older tree goes with the
     * tree before. The tree before itself is always held: its new subtrees
     * are shared once. */
    const size_t *before = home == prev ? NULL : shared_from(prev, home);
    int hold = home == prev || (before && *before * 2 >= home->used);
    if (hold && t->nhomes == t->homes_cap) {
        size_t cap = t->homes_cap ? t->homes_cap * 2 : 4;
        home_ref *h = realloc(t->homes, cap * sizeof *h);
        if (!h)
            return PF_ENOMEM;
        t->homes = h;
        t->homes_cap = cap;
    }
    home->mark = t->serial;
    home->hold = (uint8_t)hold;
    if (hold) {
        home->slot = t->nhomes;
        t->homes[t->nhomes].tree = home;
        t->homes[t->nhomes++].shared = 0;
        home->refs++;
    }
    return hold;
}

int pf__vnode_share(pf_vdom *tree, pf_vnode *parent, const pf_vdom *prev, const pf_vmemo *m,
                    int max_depth, pf_vnode **out)
{
    if (!tree || !parent || !prev || !m || !out)
        return PF_EINVAL;
    *out = NULL;
    /* A memoized element inside or around this one has its own record in
     * the tree's list, which a shared subtree would not carry along; one
     * subtree's children have one parent per render. */
    if (m->nested || m->has_inner || m->taken == tree->serial || m->node->kind != PF_VNODE_ELEMENT)
        return 0;
    pf_vdom *home = m->home ? m->home : (pf_vdom *)prev;
    const pf_vnode *base = m->home ? m->base : m->node;
    copy_plan plan = { 0, 0, 0, 0 };
    int rc = reuse_plan(m->node, &plan);
    if (rc != PF_OK)
        return rc;
    if (plan.height > max_depth)
        return PF_ETOOBIG;
    rc = hold_home(tree, prev, home);
    if (rc != 1)
        return rc;
    pf_vnode *n = arena_take(tree, ALIGN_UP(sizeof *n) + ALIGN_UP(sizeof(pf_vmemo)), 0);
    if (!n)
        return PF_ENOMEM;
    *n = *base;
    n->id = m->node->id;
    pf_vmemo *nm = (pf_vmemo *)((char *)n + ALIGN_UP(sizeof *n));
    memset(nm, 0, sizeof *nm);
    memo_link(tree, nm, n, m->deps, m->deps_len, m->hash, m->node);
    nm->home = home;
    nm->base = base;
    keep_plan(nm, &plan);
    keep_plan((pf_vmemo *)m, &plan);
    ((pf_vmemo *)m)->taken = tree->serial;
    tree->homes[home->slot].shared += plan.structs + plan.strings;
    pf__vnode_append(parent, n);
    tree->node_count += plan.nodes;
    *out = n;
    return 1;
}

int pf__vnode_unshare(pf_vdom *tree, pf_vnode *n)
{
    pf_vmemo *m = n ? n->memo : NULL;
    if (!tree || !m || !m->home)
        return PF_OK;
    /* The element's own strings live in the tree it was shared from too:
     * it is copied with its children, so that nothing of this tree
     * depends on that one any more. */
    copy_plan plan = { 0, 0, 0, 0 };
    measure_node(n, &plan);
    for (const pf_vnode *ch = n->first_child; ch; ch = ch->next)
        if (copy_measure(ch, 2, &plan) != PF_OK)
            return PF_ENOMEM;
    char *block = arena_take(tree, plan.structs + plan.strings, 0);
    if (!block)
        return PF_ENOMEM;
    copy_cursor c = { block, block + plan.structs };
    const pf_vnode shared = *n;
    memset(n, 0, sizeof *n);
    fill_node(n, &shared, &c);
    n->memo = m;
    n->parent = shared.parent;
    n->next = shared.next;
    m->deps = copy_str(&c, m->deps, m->deps_len);
    for (const pf_vnode *ch = shared.first_child; ch; ch = ch->next)
        copy_fill(tree, n, ch, &c);
    tree->node_count -= plan.nodes - 1; /* counted when shared */
    size_t *bytes = shared_from(tree, m->home), mine = (size_t)m->copy_structs + m->copy_strings;
    if (bytes && *bytes >= mine)
        *bytes -= mine;
    m->home = NULL;
    m->base = NULL;
    return PF_OK;
}
