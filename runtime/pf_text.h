/*
 * pf_text.h: a text document buffer built for editing.
 *
 * The text is kept as UTF-8 in a gap buffer. Positions and lengths in this
 * API count Unicode code points (the unit of the text-unicode OT type), never
 * bytes or UTF-16 units. The buffer remembers the code-point position of the
 * gap, so an edit near the previous one moves only the bytes in between and
 * scans only the bytes in between to turn a code-point position into a byte
 * offset; when a side of the gap is pure ASCII the mapping is O(1). A small
 * edit never copies the whole document, and the hot path (pf_text_splice)
 * allocates only when the gap is too small, doubling the buffer.
 *
 * Every function that can fail checks all of its input before changing
 * anything: on error the text is exactly as it was.
 */
#ifndef PF_TEXT_H
#define PF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "pf_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct pf_text pf_text;

/* Returns a new, empty text; free with pf_text_free(). NULL if out of
 * memory. */
pf_text *pf_text_new(void);

/* Frees a text. Accepts NULL. */
void pf_text_free(pf_text *t);

/* Replaces the whole content with `utf8` (borrowed, `len` bytes). Returns
 * PF_OK, PF_EINVAL (t NULL, or utf8 NULL with len > 0), PF_EUTF8 (invalid
 * UTF-8, including encoded surrogates) or PF_ENOMEM. */
int pf_text_set(pf_text *t, const char *utf8, size_t len);

/* Makes sure `extra_bytes` more bytes can be inserted without allocating.
 * Returns PF_OK or PF_ENOMEM. */
int pf_text_reserve(pf_text *t, size_t extra_bytes);

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

/* Length in code points. 0 for NULL. */
size_t pf_text_length(const pf_text *t);

/* Length of the UTF-8 content in bytes. 0 for NULL. */
size_t pf_text_byte_length(const pf_text *t);

/* Returns the whole content as contiguous UTF-8 (not NUL-terminated) and
 * stores its byte length in *len. Borrowed: valid until the next call that
 * changes `t`. Moves the gap to the end, so it costs O(distance) once. Never
 * NULL for a non-NULL t (an empty text gives a pointer to zero bytes). */
const char *pf_text_data(pf_text *t, size_t *len);

/* Copies code points [pos, pos + n) as UTF-8 into a new NUL-terminated
 * buffer; free with free(). *out_len gets the byte length (without the NUL).
 * Returns PF_OK, PF_EINVAL, PF_ERANGE (range past the end) or PF_ENOMEM.
 * Does not change the text (the gap stays where it is). */
int pf_text_get_range(const pf_text *t, size_t pos, size_t n,
                      char **out, size_t *out_len);

/* Whether the content equals `utf8` byte for byte. */
int pf_text_equals(const pf_text *t, const char *utf8, size_t len);

/* ------------------------------------------------------------------------ */
/* Editing                                                                  */
/* ------------------------------------------------------------------------ */

/* The patch entry of the editing traces (Array.splice): deletes `ndel` code
 * points at `pos`, then inserts `ins` (UTF-8, `ins_len` bytes, borrowed; may
 * be NULL when ins_len is 0) there. Returns PF_OK, PF_EINVAL, PF_ERANGE
 * (pos or pos + ndel past the end), PF_EUTF8 or PF_ENOMEM; on error nothing
 * changed. */
int pf_text_splice(pf_text *t, size_t pos, size_t ndel,
                   const char *ins, size_t ins_len);

/* Applies `n` patches in one call (for a JS caller, one crossing instead of
 * n): patch i is quads[4i..4i+3] = {pos, ndel, ins_off, ins_len}, the
 * inserted text being arena[ins_off, ins_off + ins_len) (borrowed). Stops at
 * the first patch that fails and returns its error; patches before it stay
 * applied, the failing one changed nothing. *done (if not NULL) gets the
 * number of patches applied. PF_ERANGE also for a slice outside the arena. */
int pf_text_splice_batch(pf_text *t, const uint32_t *quads, size_t n,
                         const char *arena, size_t arena_len, size_t *done);

/* ------------------------------------------------------------------------ */
/* UTF-8 helpers shared with pf_ot                                          */
/* ------------------------------------------------------------------------ */

/* Validates UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) and
 * counts its code points into *cps. Returns PF_OK or PF_EUTF8; on error
 * *bad_pos (if not NULL) gets the byte offset of the first bad byte. */
int pf_utf8_count(const char *s, size_t len, size_t *cps, size_t *bad_pos);

/* Byte offset of code point `cp` in valid UTF-8 `s` (len bytes); len if
 * cp is at or past the end. */
size_t pf_utf8_offset(const char *s, size_t len, size_t cp);

/* ------------------------------------------------------------------------ */
/* Internal (pf__): for pf_ot and pf_ot_client only                         */
/* ------------------------------------------------------------------------ */

/* Like pf_text_splice, but `ins` is already known to be valid UTF-8 of
 * `ins_cps` code points and the range already checked. The caller reserved
 * room with pf_text_reserve, so it cannot fail. */
void pf__text_splice_trusted(pf_text *t, size_t pos, size_t ndel,
                             const char *ins, size_t ins_len, size_t ins_cps);

#ifdef __cplusplus
}
#endif

#endif /* PF_TEXT_H */
