/*
 * pf_document_editor.h: the entry points of DocumentEditor
 * (pf_document_editor.c) that the bindings call from the textarea's input
 * path, and the tests call directly.
 *
 * The textarea's text is owned by the browser. The bindings tell the
 * component what changed, as a range in UTF-16 code units (the unit of
 * selectionStart and setRangeText); the component converts it to code
 * points (the unit of the OT type) with an index of the astral characters
 * of the document, in O(log k) for k astral characters, never by scanning
 * the text. Remote edits go the other way as "set_range_text" browser calls
 * with UTF-16 offsets.
 *
 * Every function takes the component mounted as "DocumentEditor" and
 * returns PF_EINVAL for any other. None of them takes ownership of its
 * arguments.
 */
#ifndef PF_DOCUMENT_EDITOR_H
#define PF_DOCUMENT_EDITOR_H

#include <stddef.h>

#include "pf_component.h"
#include "pf_ot_client.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const pf_component_class pf_document_editor_class;

/* A local edit the textarea already shows: `del16` UTF-16 units at
 * `start16` were replaced by `ins` (UTF-8, `len` bytes). Returns PF_OK,
 * PF_ERANGE (the range is outside the document or splits a surrogate pair:
 * the bindings then send the whole text with _replace_text), PF_EUTF8,
 * PF_ENOMEM or PF_EINVAL (also for a NUL byte: a document holds no U+0000,
 * docs/protocol.md section 9; the bindings put U+FFFD in its place). */
int pf_document_editor_splice(pf_component *c, size_t start16, size_t del16,
                              const char *ins, size_t len);

/* The fallback when the edited range is unknown: the textarea's whole text
 * (UTF-8) and caret (UTF-16 units, negative if unknown). The operation is a
 * diff of the two texts: correct, but O(n). PF_EINVAL for a NUL byte, as
 * above. */
int pf_document_editor_replace_text(pf_component *c, const char *text,
                                    size_t len, long caret16);

/* The local caret moved to `pos16` (UTF-16 units): sends cursor_update.
 * PF_OK, PF_ERANGE, or PF_ESTATE while not joined (remembered). */
int pf_document_editor_set_cursor(pf_component *c, size_t pos16);

/* Undo (redo = 0) or redo (redo = 1) the latest local edit group; the
 * textarea is updated through set_range_text calls. PF_ESTATE when there is
 * nothing to undo. */
int pf_document_editor_undo(pf_component *c, int redo);

/* The document's length in UTF-16 units (what textarea.textLength says
 * when both agree). */
size_t pf_document_editor_length16(pf_component *c);

/* The OT client (borrowed; for tests and diagnostics), or NULL. */
pf_ot_client *pf_document_editor_client(pf_component *c);

#ifdef __cplusplus
}
#endif

#endif /* PF_DOCUMENT_EDITOR_H */
