/*
 * pf_vdom.h: the tree a live component renders into.
 *
 * A component's render builds a pf_vdom with the pf_html_* builder
 * (pf_html.h); pf_dom_diff (pf_dom.h) compares it with the previous render
 * and encodes the difference as patches for the browser. The tree is the
 * only thing the two sides share, so it is deliberately plain: elements with
 * attributes, text nodes, an optional "value" property and optional trusted
 * inner markup.
 *
 * Every node and string of a tree lives in one arena owned by the pf_vdom,
 * so rendering a 1,000-item list costs a handful of block allocations, not
 * one malloc per node, and freeing a tree is one walk over its blocks.
 *
 * Node fields are public so that tests and tools can walk a tree, but they
 * are read-only outside pf_vdom.c, pf_html.c and pf_dom.c (which fills `id`).
 */
#ifndef PF_VDOM_H
#define PF_VDOM_H

#include <stddef.h>
#include <stdint.h>

#include "pf_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Nodes                                                                    */
/* ------------------------------------------------------------------------ */

typedef enum pf_vnode_kind {
    PF_VNODE_ELEMENT = 1,
    PF_VNODE_TEXT = 2
} pf_vnode_kind;

/* One attribute. Names are lowercase ASCII; values are valid UTF-8 (the
 * builder replaces invalid bytes and NULs with U+FFFD). Strings are also
 * NUL-terminated for convenience, but lengths are authoritative. */
typedef struct pf_vattr {
    const char *name;
    uint32_t name_len;
    const char *value;
    uint32_t value_len;
    struct pf_vattr *next;
} pf_vattr;

struct pf_vnode;

/* What a memoized element (pf_html_memo) was made from. `deps` are the bytes
 * the component declared its subtree a pure function of; `src` is the node
 * of the previous render the subtree was reused from, NULL when it was
 * built. `stale` is set when the DOM under it changed behind the render's
 * back (a control's value typed by the user): a stale subtree is never
 * reused, so the next render writes the component's intent again.
 *
 * A reused subtree is shared when it can be (pf__vnode_share): `node` is
 * then this tree's own element, but its children are those of `base`, an
 * element of tree `home`, which this tree keeps alive. Only subtrees with
 * no memoized element inside and none around them are shared. */
typedef struct pf_vmemo {
    const char *deps;
    uint32_t deps_len;
    uint32_t hash;
    uint8_t stale;
    uint8_t nested;         /* inside another memoized element */
    uint8_t has_inner;      /* has memoized elements inside */
    const struct pf_vnode *src;
    struct pf_vnode *node;
    struct pf_vmemo *next;  /* the tree's memos, newest first */
    struct pf_vdom *home;   /* set while node's children are shared */
    const struct pf_vnode *base;
    uint32_t taken;         /* serial of the last tree that shared it */
    /* What a copy of `node` needs (bytes of structures, of strings, its
     * height and its node count), known once it has been reused; 0 until
     * then. */
    uint32_t copy_structs, copy_strings, copy_height, copy_nodes;
} pf_vmemo;

typedef struct pf_vnode {
    uint8_t kind;          /* pf_vnode_kind */
    uint8_t has_value;     /* the component set the "value" property */
    uint8_t has_html;      /* children are trusted markup in `text` */
    uint8_t is_void;       /* a void element (img, input, br...): no children */
    uint32_t id;           /* DOM node id given by pf_dom_diff; 0 is the root */
    const char *tag;       /* lowercase element name; "" for the root */
    uint32_t tag_len;
    const char *text;      /* TEXT: its data; element with has_html: markup */
    uint32_t text_len;
    const char *key;       /* data-id, else id; NULL when the node is unkeyed */
    uint32_t key_len;
    const char *value;     /* the value property when has_value */
    uint32_t value_len;
    pf_vattr *attrs;       /* in the order first set */
    uint32_t attr_count;
    uint32_t child_count;
    pf_vmemo *memo;        /* set on an element opened after pf_html_memo */
    struct pf_vnode *parent, *first_child, *last_child, *next;
} pf_vnode;

/* ------------------------------------------------------------------------ */
/* Trees                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct pf_vdom pf_vdom;

/* Returns a new tree holding only its root (an element with tag "", which
 * stands for the container the component is mounted on), or NULL when out
 * of memory. Free with pf_vdom_free(). */
pf_vdom *pf_vdom_new(void);

/* Frees the tree, every node and every string in it. Accepts NULL. */
void pf_vdom_free(pf_vdom *tree);

/* The root node. Borrowed: valid until pf_vdom_free. Never NULL for a tree
 * returned by pf_vdom_new. */
pf_vnode *pf_vdom_root(const pf_vdom *tree);

/* Number of nodes below the root (the root itself is not counted). */
size_t pf_vdom_node_count(const pf_vdom *tree);

/* Bytes the tree's arena has reserved; for benchmarks and tests. */
size_t pf_vdom_arena_bytes(const pf_vdom *tree);

/* The node with DOM id `id` (0 is the root), or NULL. Linear in the size of
 * the tree: meant for event routing, which happens at human rate. Borrowed. */
pf_vnode *pf_vdom_find(const pf_vdom *tree, uint32_t id);

/* The attribute `name` (NUL-terminated, lowercase) of an element, or NULL.
 * Borrowed from the node's tree. */
const pf_vattr *pf_vnode_attr(const pf_vnode *node, const char *name);

/* The nearest node at or above `node` that has a key, or NULL. It climbs
 * parent pointers, which inside a subtree a tree shares from an older
 * render (pf__vnode_share) lead into that render: events find their keyed
 * node with pf__vdom_locate. */
const pf_vnode *pf_vnode_keyed_ancestor(const pf_vnode *node);

/* Whether two subtrees are equal in everything the DOM can see: kinds, tags,
 * attributes (as sets), text, value properties, trusted markup and children.
 * Ids are ignored. Returns 1 or 0. */
int pf_vnode_equal(const pf_vnode *a, const pf_vnode *b);

/* Serialises the children of the root as HTML: every text and attribute
 * value escaped, void elements without end tags, the value property written
 * as a value attribute (input) or as content (textarea), trusted markup
 * verbatim. For server-side rendering, snapshots and tests. On PF_OK, *out is
 * a new NUL-terminated string of *out_len bytes; free it with free().
 * Returns PF_EINVAL or PF_ENOMEM. */
int pf_vdom_to_html(const pf_vdom *tree, char **out, size_t *out_len);

/* ------------------------------------------------------------------------ */
/* Internal: used by pf_html.c and pf_dom.c                                 */
/* ------------------------------------------------------------------------ */

/* Allocates `size` zeroed bytes in the tree's arena; NULL when out of
 * memory. Freed with the tree. */
void *pf__vdom_alloc(pf_vdom *tree, size_t size);

/* Copies `len` bytes of `s` into the arena as NUL-terminated valid UTF-8:
 * invalid sequences, encoded surrogates and NUL bytes become U+FFFD. Stores
 * the new length in *out_len. NULL when out of memory or longer than 1 GiB. */
const char *pf__vdom_text(pf_vdom *tree, const char *s, size_t len, uint32_t *out_len);

/* Appends `child` (allocated in `tree`) as the last child of `parent`. */
void pf__vnode_append(pf_vnode *parent, pf_vnode *child);

/* Counts nodes (for pf_vdom_node_count); the builder keeps it current. */
void pf__vdom_count_node(pf_vdom *tree);

/* Memoization (pf_html_memo). Every tree has a serial number, unique among
 * the trees alive (never 0). A tree holding subtrees copied from tree P
 * records P's serial as its memo source: pf_dom_diff trusts a copy's
 * `memo->src` pointer only when diffing against that very tree. */
uint32_t pf__vdom_serial(const pf_vdom *tree);
uint32_t pf__vdom_memo_from(const pf_vdom *tree);
void pf__vdom_set_memo_from(pf_vdom *tree, uint32_t serial);

/* The tree's memo records, newest first, and how many there are. */
pf_vmemo *pf__vdom_memos(const pf_vdom *tree);
size_t pf__vdom_memo_count(const pf_vdom *tree);

/* Attaches a memo record to element `node` of `tree`: `deps` (len bytes)
 * must already live in the tree's arena; `src` as in pf_vmemo; `nested`
 * when an ancestor of `node` is memoized. PF_OK, PF_ETOOBIG or PF_ENOMEM. */
int pf__vdom_add_memo(pf_vdom *tree, pf_vnode *node, const char *deps, size_t len,
                      uint32_t hash, const pf_vnode *src, int nested);

/* Copies the subtree of `src` (from another tree) as the last child of
 * `parent` in `tree`: every node, attribute and string, ids and memo
 * records included (the copy's memos point at the nodes they were copied
 * from; the top one is marked `nested` as given). Fails with PF_ETOOBIG
 * rather than nest elements deeper than `max_depth` levels below `parent`
 * (text nodes do not count, as in pf_html_open). The copy is one arena
 * allocation; a memo record keeps the sizes of its subtree once reused, so
 * copying it again skips measuring. On PF_OK *out is the copy; on error
 * nothing is allocated or attached. */
int pf__vnode_copy(pf_vdom *tree, pf_vnode *parent, const pf_vnode *src, int max_depth,
                   int nested, pf_vnode **out);

/* Reuses the subtree of memo record `m` of tree `prev` (the render `tree`
 * is built after) without copying it: appends to `parent` a new element
 * equal to m's, whose children are the shared ones, and keeps the tree
 * that holds them alive until `tree` is freed. The shared children keep
 * their parent pointers (walks use a stack instead, see pf__vdom_locate)
 * and must not change while shared (see pf__vdom_touch).
 * Returns 1 when shared (*out is the element), 0 when this
 * subtree is not shared (the caller copies it: a memoized element around
 * or inside it, already shared once in this render, or most of the tree
 * holding it is garbage), PF_ETOOBIG as pf__vnode_copy, PF_ENOMEM. */
int pf__vnode_share(pf_vdom *tree, pf_vnode *parent, const pf_vdom *prev, const pf_vmemo *m,
                    int max_depth, pf_vnode **out);

/* Gives element `n` of `tree` private copies of its shared children (no-op
 * when they are its own): done before anything writes into them, as
 * pf_dom_diff does when it cannot skip the subtree. PF_OK or PF_ENOMEM. */
int pf__vnode_unshare(pf_vdom *tree, pf_vnode *n);

/* Bytes reserved by the tree's arena and by the arenas it shares from;
 * for tests of the memory bound. */
size_t pf__vdom_held_bytes(const pf_vdom *tree);

/* The node with DOM id `id` (as pf_vdom_find), with the nearest keyed node
 * at or above it in *keyed (NULL if none; `keyed` may be NULL), both found
 * by walking down from the root, not through parent pointers. Borrowed;
 * NULL when no node has that id. */
pf_vnode *pf__vdom_locate(const pf_vdom *tree, uint32_t id, const pf_vnode **keyed);

/* The node with DOM id `id`, about to change behind the render's back (a
 * control's value typed by the user): a memoized subtree it is in gets its
 * own copy of shared children first (pf__vnode_unshare), and the memo
 * records of the node and of its ancestors are marked stale, so the next
 * render builds them again. Borrowed; NULL when no node has that id or out
 * of memory. */
pf_vnode *pf__vdom_touch(pf_vdom *tree, uint32_t id);

#ifdef __cplusplus
}
#endif

#endif /* PF_VDOM_H */
