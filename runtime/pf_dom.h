/*
 * pf_dom.h: keyed diff of two render trees, and the patch format the
 * browser bindings apply to the real DOM in one pass.
 *
 * pf_dom_diff compares the previous tree of a component with the new one
 * and appends the smallest practical list of operations that turns the DOM
 * built from the first into the DOM of the second. Nodes carry ids: a node
 * matched across renders keeps its id, a new one gets a fresh id, so an
 * update of one item in a 1,000-item list names only that item's nodes.
 *
 * Matching, per list of siblings:
 *   - an element with a key (data-id, else id) matches the old sibling with
 *     the same tag and key, wherever it was: reorders become moves;
 *   - an unkeyed node matches the k-th old unkeyed sibling of the same kind
 *     and tag, if it is the k-th new one;
 *   - duplicate keys among siblings (bad data) match in order: the k-th
 *     new "7" takes the k-th old "7"; extra ones are created or removed.
 *     Bad data costs work, never a wrong DOM.
 * Unmatched old nodes are removed; matched nodes outside a longest
 * increasing subsequence of old positions are moved (so swapping two items
 * is two moves at most, usually one); new nodes are built detached and
 * inserted once.
 *
 * The "value" property of input/textarea/select is emitted only when the
 * component's intended value differs from the previous render's, never from
 * what the user has typed since: focus, caret and selection survive renders.
 *
 * ======================================================================
 * PATCH FORMAT (version 1)
 * ======================================================================
 *
 * A patch is a byte string: a 3-byte header, then operations until the end.
 *
 *   header   = 0x50 0x46 0x01            ("PF", version 1)
 *   varint   = unsigned LEB128, at most 5 bytes, value < 2^32
 *              (7 bits per byte, least significant group first, high bit
 *              set on every byte but the last)
 *   id       = varint                    (a node id; 0 is the root element)
 *   string   = varint byte length, then that many bytes of UTF-8
 *              (always valid UTF-8: decode with TextDecoder, no fatal flag)
 *
 *   op                                   meaning
 *   0x01 CREATE_ELEMENT id tag:string    create element <tag>, detached; bind id
 *   0x02 CREATE_TEXT    id data:string   create a Text node, detached; bind id
 *   0x03 INSERT  parent:id id before:id  insert new node `id` into `parent`
 *                                        before child `before`; before = 0
 *                                        means append (0, the root, is never
 *                                        a child)
 *   0x04 MOVE    parent:id id before:id  same as INSERT for a node that is
 *                                        already in `parent` (insertBefore
 *                                        moves); separate so tests and
 *                                        tools can tell moves from creations
 *   0x05 REMOVE  id                      remove node `id` from its parent;
 *                                        forget `id` and every id in its
 *                                        subtree (they are never used again)
 *   0x06 SET_ATTR    id name:string value:string   setAttribute(name, value)
 *   0x07 REMOVE_ATTR id name:string      removeAttribute(name)
 *   0x08 SET_TEXT    id data:string      textNode.data = data
 *   0x09 SET_VALUE   id value:string     if (el.value !== value) el.value = value
 *                                        (skip when equal: assigning resets
 *                                        the caret in some browsers)
 *   0x0A SET_HTML    id markup:string    el.innerHTML = markup (trusted
 *                                        markup, pf_html_trusted_markup);
 *                                        "" clears it
 *   0x0B CLONE   id src:id count:varint  deep-clone node `src` (cloneNode(true)),
 *                                        detached; bind ids id, id+1, ...,
 *                                        id+count-1 to the clone's nodes in
 *                                        document order (preorder); count must
 *                                        equal the clone's node count
 *
 * CLONE makes a row of a list from a row created node by node earlier in
 * the same list: `src` is always a node created in the same patch whose
 * subtree has the same shape (kinds, tags, child counts, no trusted
 * markup, no form controls), so its DOM is exactly what the ops built. SET_ATTR,
 * REMOVE_ATTR and SET_TEXT ops on the new ids follow for what differs.
 * Building a 1,000-row table is then one clone and a few small ops per row
 * instead of one op per node and attribute.
 *
 * Ids are per mounted component (per root), start at 1 and are never reused
 * while it is mounted. Ops are in dependency order: a node is created (or
 * cloned) before
 * it is referenced, a created subtree is assembled detached (its children
 * inserted into it) before its top is inserted into the live DOM, and all
 * REMOVEs of a sibling list precede its INSERT/MOVEs. An applier can
 * therefore run the ops strictly in order with a Map/array from id to Node.
 *
 * Names and values come from pf_html, which refuses on* attributes, unsafe
 * URLs and script elements; an applier may still refuse names starting
 * with "on" as defence in depth. The applier should remember
 * document.activeElement and its selection before a patch and, if a MOVE
 * blurred it, restore focus and selection afterwards.
 *
 * Malformed input (truncated, unknown op, varint too long) is rejected by
 * pf_dom_patch_next with PF_EPROTO and the position; a JS applier should
 * stop at the first malformed op as well.
 */
#ifndef PF_DOM_H
#define PF_DOM_H

#include <stddef.h>
#include <stdint.h>

#include "pf_error.h"
#include "pf_vdom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Operations                                                               */
/* ------------------------------------------------------------------------ */

#define PF_DOM_MAGIC0 0x50
#define PF_DOM_MAGIC1 0x46
#define PF_DOM_VERSION 1
#define PF_DOM_HEADER_LEN 3

typedef enum pf_dom_opcode {
    PF_DOM_CREATE_ELEMENT = 0x01,
    PF_DOM_CREATE_TEXT = 0x02,
    PF_DOM_INSERT = 0x03,
    PF_DOM_MOVE = 0x04,
    PF_DOM_REMOVE = 0x05,
    PF_DOM_SET_ATTR = 0x06,
    PF_DOM_REMOVE_ATTR = 0x07,
    PF_DOM_SET_TEXT = 0x08,
    PF_DOM_SET_VALUE = 0x09,
    PF_DOM_SET_HTML = 0x0A,
    PF_DOM_CLONE = 0x0B
} pf_dom_opcode;

/* One decoded operation. Fields an op does not use are 0 / NULL. `str` is
 * the tag, data, name, value or markup; `str2` the value of SET_ATTR. Both
 * point into the patch bytes (borrowed, not NUL-terminated). CLONE puts its
 * source in `src` and its node count in `count`. */
typedef struct pf_dom_op {
    int code;
    uint32_t id;
    uint32_t parent;
    uint32_t before;
    uint32_t src;
    uint32_t count;
    const char *str;
    size_t str_len;
    const char *str2;
    size_t str2_len;
} pf_dom_op;

/* ------------------------------------------------------------------------ */
/* Patch buffers                                                            */
/* ------------------------------------------------------------------------ */

typedef struct pf_dom_patch pf_dom_patch;

/* Returns a new, empty patch (header only), or NULL when out of memory.
 * Free with pf_dom_patch_free(). */
pf_dom_patch *pf_dom_patch_new(void);

/* Frees the patch. Accepts NULL. */
void pf_dom_patch_free(pf_dom_patch *p);

/* Empties the patch (keeps its memory for the next render). */
void pf_dom_patch_reset(pf_dom_patch *p);

/* The encoded bytes, header included. Borrowed: valid until the patch is
 * next changed or freed. */
const uint8_t *pf_dom_patch_bytes(const pf_dom_patch *p, size_t *len);

/* Number of operations in the patch (0 means nothing to apply). */
size_t pf_dom_patch_op_count(const pf_dom_patch *p);

/* ------------------------------------------------------------------------ */
/* Diff                                                                     */
/* ------------------------------------------------------------------------ */

/* Appends to `out` the operations that turn the DOM of `prev` into that of
 * `next`, and gives every node of `next` its id: matched nodes keep the id
 * they had in `prev`, new nodes take *next_id, which is then incremented.
 * `prev` NULL means an empty container (first render); `next` NULL means
 * empty too (unmount: remove everything). *next_id must start at 1 and be
 * kept by the caller between renders of the same root.
 *
 * Both trees are borrowed; only the ids of `next` change. Returns PF_OK,
 * PF_EINVAL, PF_ERANGE (ids exhausted) or PF_ENOMEM; on error `out` may hold
 * a partial patch and must be discarded (the caller re-renders from scratch
 * by diffing NULL against the tree after clearing the container). */
int pf_dom_diff(const pf_vdom *prev, pf_vdom *next, uint32_t *next_id, pf_dom_patch *out);

/* ------------------------------------------------------------------------ */
/* Decoding (tests, tools, the reference applier)                           */
/* ------------------------------------------------------------------------ */

/* Checks the header. PF_OK or PF_EPROTO. */
int pf_dom_patch_check_header(const uint8_t *bytes, size_t len);

/* Decodes the operation at *pos (start with *pos = PF_DOM_HEADER_LEN) into
 * *op and advances *pos. Returns 1 when an op was read, 0 at the end, or
 * PF_EPROTO on malformed input (then *pos is where it went wrong). */
int pf_dom_patch_next(const uint8_t *bytes, size_t len, size_t *pos, pf_dom_op *op);

/* The op's name ("CREATE_ELEMENT", ...) or "?"; constant. */
const char *pf_dom_opcode_name(int code);

#ifdef __cplusplus
}
#endif

#endif /* PF_DOM_H */
