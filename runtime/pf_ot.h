/*
 * pf_ot.h: the text-unicode operation type (the one ShareDB uses).
 *
 * An operation is a list of components walked over the document: skip N
 * code points, insert a string, or delete N code points ({"d": N}) or delete
 * a known string ({"d": "text"}, which makes the operation invertible).
 * Every length counts Unicode code points. Results match the npm package
 * ot-text-unicode 4.x component for component on normalized operations
 * (which is all ShareDB ever sends: its client normalizes before submitting):
 * the same compose, the same transform with the same left/right tie-break,
 * the same trimming of a trailing skip and the same merging of {"d": "text"}
 * with {"d": N}.
 *
 * Operations are always kept normalized: the builders below merge adjacent
 * components of the same kind (two deletes keep their text only if both have
 * it), drop empty ones, and pf_ot_trim/every result drops a trailing skip.
 *
 * Differences from ot-text-unicode, all on inputs it does not check: a skip
 * or delete past the end of the document is an error here (PF_ERANGE) where
 * its apply silently truncates a delete; numbers must be integers; objects
 * must be exactly {"d": ...}.
 */
#ifndef PF_OT_H
#define PF_OT_H

#include <stddef.h>

#include "pf_error.h"
#include "pf_text.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Operations                                                               */
/* ------------------------------------------------------------------------ */

typedef struct pf_ot_op pf_ot_op;

enum { PF_OT_SKIP = 0, PF_OT_INSERT = 1, PF_OT_DELETE = 2 };

/* Transform sides: which of two inserts at the same place goes first. */
enum { PF_OT_LEFT = 0, PF_OT_RIGHT = 1 };

/* Largest skip or delete count accepted from JSON. */
#define PF_OT_MAX_COUNT 0x7fffffffu

/* One component, as read with pf_ot_get. `text` (not NUL-terminated) is the
 * inserted string, or the deleted string of {"d": "text"}, else NULL;
 * borrowed from the operation until it next changes. `n` counts code points. */
typedef struct pf_ot_component {
    int kind;
    size_t n;
    const char *text;
    size_t text_len;
} pf_ot_component;

/* Returns a new empty (no-op) operation; free with pf_ot_free(). NULL if out
 * of memory. */
pf_ot_op *pf_ot_new(void);

/* Frees an operation. Accepts NULL. */
void pf_ot_free(pf_ot_op *op);

/* Returns a new copy; free with pf_ot_free(). NULL if out of memory. */
pf_ot_op *pf_ot_clone(const pf_ot_op *op);

/* Empties an operation, keeping its memory. */
void pf_ot_clear(pf_ot_op *op);

/* Number of components, and the i-th one (PF_ERANGE past the end). */
size_t pf_ot_count(const pf_ot_op *op);
int pf_ot_get(const pf_ot_op *op, size_t i, pf_ot_component *out);

/* Whether the operation does nothing (ot-text-unicode's isNoop). */
int pf_ot_is_noop(const pf_ot_op *op);

/* Whether two operations are component for component the same (including
 * the text of deletes). */
int pf_ot_equal(const pf_ot_op *a, const pf_ot_op *b);

/* Code points the operation reads from the document (skips + deletes), i.e.
 * the shortest document it applies to; and how much it changes the length. */
size_t pf_ot_base_length(const pf_ot_op *op);
long pf_ot_length_delta(const pf_ot_op *op);

/* ------------------------------------------------------------------------ */
/* Building (append semantics of ot-text-unicode's makeAppend)              */
/* ------------------------------------------------------------------------ */

/* Each appends one component, merging it into the last one when they have
 * the same kind; a zero count or empty string is a no-op. Text is copied
 * (borrowed for the call) and must be valid UTF-8 (PF_EUTF8 otherwise).
 * Return PF_OK, PF_EINVAL, PF_EUTF8 or PF_ENOMEM; on error op is unchanged. */
int pf_ot_skip(pf_ot_op *op, size_t n);
int pf_ot_insert(pf_ot_op *op, const char *utf8, size_t len);
int pf_ot_delete(pf_ot_op *op, size_t n);
int pf_ot_delete_text(pf_ot_op *op, const char *utf8, size_t len);

/* Drops a trailing skip. The builders leave one in place, so that an
 * operation can be built left to right; every other function returns
 * trimmed operations. */
void pf_ot_trim(pf_ot_op *op);

/* Normalizes in place: merges, drops empty components and trims. Ops built
 * with the functions above only ever need the trim. Returns PF_OK. */
int pf_ot_normalize(pf_ot_op *op);

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

/* pf_ot_parse flags. By default the parser normalizes (like ShareDB's
 * client normalize): zero skips, empty inserts and {"d": 0} are dropped,
 * adjacent components merged, a trailing skip trimmed. With PF_OT_STRICT it
 * rejects what ot-text-unicode's checkOp rejects instead (empty components,
 * adjacent skips, a trailing skip) with PF_EINVAL. */
enum { PF_OT_STRICT = 1 };

/* Parses a JSON operation (`json`, `len` bytes, borrowed). On success stores
 * a new operation in *out (free with pf_ot_free()) and returns PF_OK. On
 * failure returns PF_EJSON (malformed JSON), PF_ETYPE (not an array of
 * number / string / {"d": number|string}), PF_ERANGE (negative, fractional
 * or too large numbers), PF_EUTF8 (invalid UTF-8 or a lone surrogate
 * escape), PF_EINVAL (strict mode) or PF_ENOMEM, leaves *out NULL and, if
 * `err` is not NULL, fills it with the code, a constant message and the
 * byte position. Never reads past `len`. */
int pf_ot_parse(const char *json, size_t len, unsigned flags,
                pf_ot_op **out, pf_parse_error *err);

/* Serializes to compact JSON (non-ASCII stays raw UTF-8). Returns a new
 * NUL-terminated string (free with free()) and its length in *len, or NULL
 * if out of memory. */
char *pf_ot_serialize(const pf_ot_op *op, size_t *len);

/* ------------------------------------------------------------------------ */
/* The OT functions                                                         */
/* ------------------------------------------------------------------------ */

/* Applies `op` to `doc`. Checks everything first (PF_ERANGE if the op
 * reads past the end, PF_ENOMEM if the buffer cannot grow): on error the
 * document is unchanged. Deleted text in {"d": "text"} is not compared with
 * the document (as in ot-text-unicode). */
int pf_ot_apply(const pf_ot_op *op, pf_text *doc);

/* compose(a, b): one operation with the effect of a then b. Stores a new
 * operation in *out (free with pf_ot_free()). PF_OK, PF_EINVAL, PF_ERANGE
 * (a merged count would pass SIZE_MAX, 2^32 - 1 in wasm) or PF_ENOMEM. */
int pf_ot_compose(const pf_ot_op *a, const pf_ot_op *b, pf_ot_op **out);

/* transform(op, other, side): op rewritten to apply after `other`, both
 * having been made on the same document. `side` (PF_OT_LEFT or
 * PF_OT_RIGHT) says whether op's insert goes first when both insert at the
 * same place. Stores a new operation in *out (free with pf_ot_free()).
 * PF_OK, PF_EINVAL, PF_ERANGE (as compose) or PF_ENOMEM. */
int pf_ot_transform(const pf_ot_op *op, const pf_ot_op *other, int side,
                    pf_ot_op **out);

/* Whether every delete carries its text. */
int pf_ot_is_invertible(const pf_ot_op *op);

/* Returns in *out a new copy of op whose numeric deletes carry the text they
 * delete from `doc` (the document op applies to). PF_ERANGE if op does not
 * fit the document. */
int pf_ot_make_invertible(const pf_ot_op *op, const pf_text *doc,
                          pf_ot_op **out);

/* Returns in *out a new copy of op with every {"d": "text"} turned into
 * {"d": N}. */
int pf_ot_strip_invertible(const pf_ot_op *op, pf_ot_op **out);

/* Returns in *out the inverse of op (inserts become deletes of their text,
 * deletes of known text become inserts). PF_ESTATE if a delete has no text
 * (use pf_ot_make_invertible first). */
int pf_ot_invert(const pf_ot_op *op, pf_ot_op **out);

/* ------------------------------------------------------------------------ */
/* Cursors and diff                                                         */
/* ------------------------------------------------------------------------ */

/* Where a cursor at `cursor` ends up after op (ot-text-unicode's
 * transformPosition: an insert exactly at the cursor goes after it, i.e.
 * the cursor stays before the inserted text). Never wraps: a cursor that
 * would pass SIZE_MAX at any step (2^32 - 1 in wasm; a cursor past the end
 * of any document) is SIZE_MAX, also if a later delete would bring it
 * back below. */
size_t pf_ot_transform_position(size_t cursor, const pf_ot_op *op);

/* Transforms both ends of a selection (either order). */
void pf_ot_transform_selection(size_t *anchor, size_t *focus,
                               const pf_ot_op *op);

/* Turns a text change into an operation, the way a textarea's input event
 * needs it: old and new text as UTF-8 (borrowed), and the cursor position in
 * the new text in code points (or a negative value if unknown). The change
 * is one replaced region found from the common prefix and suffix; the cursor
 * decides where an ambiguous insert or delete was made ("aa" -> "aaa" with
 * the cursor at 1 is an insert at 0). Deletes carry their text, so the
 * result is invertible. Stores a new operation in *out (free with
 * pf_ot_free()). PF_OK, PF_EINVAL, PF_EUTF8 or PF_ENOMEM. */
int pf_ot_diff(const char *old_text, size_t old_len,
               const char *new_text, size_t new_len,
               long cursor, pf_ot_op **out);

/* A minimal diff (Myers, in code points) with any number of changed
 * regions, for rebasing text on a snapshot: common prefix and suffix are cut
 * first; if the middle needs more than `max_edits` inserted plus deleted code
 * points (or would cost too much time), it falls back to pf_ot_diff's single
 * region. Deletes carry their text. Stores a new operation in *out (free
 * with pf_ot_free()). PF_OK, PF_EINVAL, PF_EUTF8 or PF_ENOMEM. */
int pf_ot_diff_min(const char *old_text, size_t old_len,
                   const char *new_text, size_t new_len,
                   size_t max_edits, pf_ot_op **out);

#ifdef __cplusplus
}
#endif

#endif /* PF_OT_H */
