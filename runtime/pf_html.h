/*
 * pf_html.h: safe markup building for live components.
 *
 * The seed's components build HTML with f-strings and interpolate user data
 * unescaped. Here a component's render calls a builder that produces a
 * pf_vdom tree (pf_vdom.h), and safety is the default, not a discipline:
 *
 *   - Text is always text. It reaches the DOM as a Text node (never parsed)
 *     and pf_vdom_to_html escapes it, so "<script>" in a post title is shown,
 *     not run.
 *   - Attribute values are always values: set with setAttribute, escaped in
 *     HTML output. Names are checked: event-handler attributes (onclick, ...
 *     any name starting with "on") are refused; declare handlers with
 *     pf_html_on, which writes data-on-<event>="<handler>" for the runtime's
 *     event delegation (pf_component.h).
 *   - URL attributes (href, src, action, formaction, poster, ...) accept only
 *     http:, https:, mailto: and relative URLs; <img src> alone also
 *     accepts data:image/ (png, gif, jpeg, webp, avif, bmp, svg+xml: an
 *     image never runs script). Obfuscation by case, whitespace, control
 *     characters or character references does not get javascript: through.
 *     An unsafe URL (or style) value is dropped, not fatal: such values come
 *     from data, and one hostile post must not blank the whole list. The
 *     call returns PF_EUNSAFE, the element simply lacks the attribute, and
 *     pf_html_dropped counts it.
 *   - Elements that run or load code (script, style, iframe, object, embed,
 *     base, meta, link, ...) are refused, as are srcdoc and srcset.
 *   - The one way to insert markup as markup is pf_html_trusted_markup; grep
 *     for it when auditing. Never pass it data that came from the network.
 *
 * Other errors are sticky: the first refused call records its code and
 * message, later calls do nothing and return that code, and pf_html_finish
 * reports it. A render function can therefore make many calls and check
 * once. The runtime never shows a half-built tree: on error the previous
 * DOM stays.
 */
#ifndef PF_HTML_H
#define PF_HTML_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_error.h"
#include "pf_vdom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Builder                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct pf_html pf_html;

/* Deepest element nesting accepted; deeper is PF_ETOOBIG. Keeps the diff's
 * recursion well inside the small wasm stack. */
#define PF_HTML_MAX_DEPTH 128

/* Returns a new builder with an empty tree, or NULL when out of memory.
 * Free with pf_html_free(). */
pf_html *pf_html_new(void);

/* Frees the builder and the tree it is building. Accepts NULL. */
void pf_html_free(pf_html *h);

/* Opens element `tag` (NUL-terminated, ASCII letters, digits and '-',
 * case-insensitive, stored lowercase) as the last child of the current
 * element. Returns PF_OK, PF_EINVAL (bad name, or a void element's child),
 * PF_EUNSAFE (a refused element), PF_ESTATE (the current element holds
 * trusted markup), PF_ETOOBIG (too deep) or PF_ENOMEM. */
int pf_html_open(pf_html *h, const char *tag);

/* Closes the current element. PF_ESTATE if only the root is open. */
int pf_html_close(pf_html *h);

/* Sets attribute `name` (NUL-terminated) of the current element to `value`
 * (NUL-terminated; pf_html_attrn takes an explicit length). Setting a name
 * twice keeps the last value. "data-id" (else "id") becomes the element's
 * key for the keyed diff. "value" on input, textarea and select sets the
 * value property (see pf_html_value). Returns PF_OK, PF_EINVAL (bad name, or
 * called on the root), PF_EUNSAFE (event-handler attribute, srcdoc, srcset:
 * sticky, the render fails; or an unsafe URL or style value: not sticky,
 * the attribute is left out) or PF_ENOMEM. The value is copied. */
int pf_html_attr(pf_html *h, const char *name, const char *value);
int pf_html_attrn(pf_html *h, const char *name, const char *value, size_t value_len);

/* Sets an attribute from a printf format. The formatted result is an
 * ordinary value: checked and escaped like any other. */
int pf_html_attrf(pf_html *h, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Sets the class attribute to the names in `classes` that are non-NULL and
 * non-empty, separated by spaces (the seed's "notification-item unread"). */
int pf_html_class(pf_html *h, const char *const *classes, size_t count);

/* Appends text (copied). Adjacent text calls merge into one Text node; empty
 * text adds nothing. Returns PF_OK, PF_ESTATE (inside a void element or one
 * with trusted markup) or PF_ENOMEM. */
int pf_html_text(pf_html *h, const char *text, size_t len);

/* Appends NUL-terminated text; pf_html_textf formats first. Both escape. */
int pf_html_str(pf_html *h, const char *text);
int pf_html_textf(pf_html *h, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Sets the "value" property of the current element (an input, textarea or
 * select). The diff emits it only when this intended value changes between
 * renders, so whatever the user is typing, with its caret and selection, is
 * left alone unless the component deliberately sets a new value. A
 * component that sets the value should mirror the user's edits into its
 * state (data-on-input), so that its intent follows the control: clearing a
 * chat input after sending is then a change from "hello" to "" and is
 * written, while re-rendering "hello" is not. */
int pf_html_value(pf_html *h, const char *value, size_t len);

/* Declares a delegated event handler: data-on-<event>="<handler>". `event`
 * is lowercase letters (click, input, change, submit, keydown, ...);
 * `handler` is letters, digits, '_', '-', '.' and ':'. PF_EINVAL otherwise. */
int pf_html_on(pf_html *h, const char *event, const char *handler);

/* TRUSTED: sets the current element's content to `markup`, inserted as HTML
 * (innerHTML). Only for markup written by the programmer or produced by a
 * sanitiser; never for user or network data. The element may then have no
 * other children. PF_ESTATE if it already has children or is void. */
int pf_html_trusted_markup(pf_html *h, const char *markup, size_t len);

/* ---- Memoized subtrees ----------------------------------------------------
 *
 * A long list re-rendered for every change mostly describes rows that did
 * not change. A component can declare what a row is made from:
 *
 *     if (pf_html_memo(h, deps, deps_len) == 0) {   // not in the last render
 *         pf_html_open(h, "tr"); ...; pf_html_close(h);
 *     }                                              // 1: reused, skip it
 *
 * `deps` are bytes of the component's choosing that determine the whole
 * subtree of the next element opened (say "row", the id, the label and
 * whether it is selected): equal deps must always produce an equal
 * subtree, wherever they are used in this component's render. When the
 * previous render (pf_html_set_previous) had an element made from equal
 * deps, it is reused in the new tree, ids included (its children shared
 * with the tree they were built in, or copied, see pf__vnode_share), and
 * pf_html_memo returns 1: the caller skips building it, and pf_dom_diff,
 * seeing it matched with the very node it came from, skips comparing it.
 * The ids are those the previous render had when this one was built, so
 * diff the previous render (as a component does) before building the next
 * one after it. Otherwise it
 * returns 0 and the next pf_html_open starts the memoized element, which
 * the caller builds and closes as usual.
 *
 * A memoized element whose control the user changed since (see
 * pf_component_dispatch) is not reused. Forgetting a dependency shows stale
 * content, so keep deps to everything the subtree reads. Returns 1, 0, or a
 * sticky error: PF_ESTATE (a second pf_html_memo before the open, or inside
 * trusted markup or a void element), PF_ETOOBIG, PF_ENOMEM. */
int pf_html_memo(pf_html *h, const void *deps, size_t len);

/* The previous render's tree, where pf_html_memo looks for subtrees to
 * reuse (NULL: none, the default). Borrowed: it must stay alive and
 * unchanged until pf_html_finish or pf_html_reset, which forget it. */
void pf_html_set_previous(pf_html *h, const pf_vdom *prev);

/* Memoized elements of the last render finished (pf_html_finish) or
 * discarded (pf_html_reset): how many were reused from the previous render
 * and how many were built anew. For tests and benchmarks. */
size_t pf_html_memo_hits(const pf_html *h);
size_t pf_html_memo_misses(const pf_html *h);

/* Unsafe URL and style values left out of the tree being built; read it
 * before pf_html_finish, which (like pf_html_reset) starts a new count. */
size_t pf_html_dropped(const pf_html *h);

/* The first error recorded (PF_OK if none) and a constant sentence about it
 * (never NULL). */
int pf_html_status(const pf_html *h);
const char *pf_html_message(const pf_html *h);

/* Finishes the tree. On PF_OK, *out is the new tree (free with
 * pf_vdom_free()) and the builder starts a new, empty one. On error, *out is
 * NULL, the partial tree is discarded and the builder is reset too, so it can
 * be reused; pf_html_message still says what went wrong (until the next
 * error). PF_ESTATE if elements are still open. */
int pf_html_finish(pf_html *h, pf_vdom **out);

/* Discards everything built so far and clears the error. */
void pf_html_reset(pf_html *h);

/* ------------------------------------------------------------------------ */
/* Checks and escaping (usable on their own)                                */
/* ------------------------------------------------------------------------ */

/* Where a URL is used: LINK (href, action, ...), SRC (a resource some other
 * element loads: video or audio src, poster, CSS url()), IMG (<img src>, a
 * notification icon: the only place data: is allowed, and only data:image/
 * png, gif, jpeg, webp, avif, bmp or svg+xml, since an image never runs
 * script). */
enum { PF_HTML_URL_LINK = 0, PF_HTML_URL_SRC = 1, PF_HTML_URL_IMG = 2 };

/* PF_OK if `url` is http:, https:, mailto: or relative (for PF_HTML_URL_IMG
 * also a data:image/ URL of the types above), PF_EUNSAFE otherwise. The
 * scheme is found the way a browser would, after decoding character
 * references and removing whitespace and control characters; anything that
 * looks like a scheme but is not an allowed one is refused. */
int pf_html_check_url(const char *url, size_t len, int use);

/* PF_OK if an inline style value is free of script vectors (expression(),
 * javascript:, -moz-binding, behavior, @import, CSS escapes, unsafe url()),
 * PF_EUNSAFE otherwise. */
int pf_html_check_style(const char *style, size_t len);

/* PF_OK if an attribute name is valid and allowed on components' markup,
 * PF_EINVAL if malformed, PF_EUNSAFE if refused (on*, srcdoc, srcset, ...).
 * Case-insensitive. */
int pf_html_check_attr_name(const char *name, size_t len);

/* Whether a lowercase tag is a void element (img, input, br, ...). */
int pf_html_is_void_tag(const char *tag, size_t len);

/* Escapes `len` bytes of `src` into `dst`, which must hold
 * pf_html_escaped_len(src, len, in_attr) bytes (at most 6 * len). Escapes
 * & < > always, and " ' as well when in_attr. Returns the bytes written;
 * does not NUL-terminate. */
size_t pf_html_escape(char *dst, const char *src, size_t len, int in_attr);
size_t pf_html_escaped_len(const char *src, size_t len, int in_attr);

#ifdef __cplusplus
}
#endif

#endif /* PF_HTML_H */
