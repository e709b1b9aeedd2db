/*
 * pf_json.h: strict JSON parsing on top of cJSON, for text from the network.
 *
 * cJSON stores strings NUL-terminated, treats a raw NUL as white space and
 * ignores what follows the first value. pf_json_parse closes those gaps so
 * that nothing is silently truncated: the whole text must be one JSON value,
 * with no raw NUL and no "\u0000" escape (which cJSON would cut the string
 * at); such input is rejected with a clear error instead.
 */
#ifndef PF_JSON_H
#define PF_JSON_H

#include <stddef.h>

#include "cJSON.h"
#include "pf_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses `len` bytes of `text` as exactly one JSON value. On PF_OK, *out is a
 * new cJSON tree; free it with cJSON_Delete(). On failure *out is untouched
 * and *err (may be NULL) says why and where: PF_EJSON for malformed text,
 * PF_ETOOBIG when len > max_len (checked before reading), PF_EINVAL for a
 * NULL text. Never aborts, whatever the input. */
int pf_json_parse(const char *text, size_t len, size_t max_len, cJSON **out, pf_parse_error *err);

/* Prints `item` as compact JSON, byte for byte what cJSON_PrintUnformatted
 * prints (numbers through pf_fmt's %g, NaN and infinities as null, strings
 * escaped as cJSON escapes them), without cJSON's printer in the wasm.
 * Returns a new NUL-terminated string; free it with free() (or cJSON_free()).
 * Returns NULL for a NULL item, an invalid item or a raw item without text,
 * and when out of memory. */
char *pf_json_print(const cJSON *item);

#ifdef __cplusplus
}
#endif

#endif /* PF_JSON_H */
