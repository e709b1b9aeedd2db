/*
 * pf_ws_internal.h: helpers shared by pf_ws, pf_sse and pf_pool. Not a
 * public API: names start with pf__ws_.
 */
#ifndef PF_WS_INTERNAL_H
#define PF_WS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pf_ws.h"

struct cJSON;

/* Whether two option sets make the same socket once their defaults are
 * filled in (pf_pool shares a socket only between equal options). */
int pf__ws_opts_same(const pf_ws_opts *a, const pf_ws_opts *b);

/* The same for event streams (pf_sse.c). */
struct pf_sse_opts;
int pf__sse_opts_same(const struct pf_sse_opts *a, const struct pf_sse_opts *b);

/* Returns a new NUL-terminated URL: `base` plus "token=<token>" (when
 * token_len > 0) and "<key>=<value>" (when key != NULL), each percent-encoded
 * and joined with '?' or '&'. A token replaces any token= parameter that
 * `base` has (a fresh token from the provider must win over the one the
 * URL was built with). Free with free(); NULL when out of memory. */
char *pf__ws_build_url(const char *base, size_t base_len,
                       const char *token, size_t token_len,
                       const char *key, const char *value, size_t value_len,
                       size_t *out_len);

/* Returns a new copy of `s` (NUL-terminated), or NULL. */
char *pf__ws_strndup(const char *s, size_t len);

/* Parses a whole non-negative decimal number (e.g. a 4029 reason "30" or
 * "30.5"); returns 1 and sets *out, or 0 when the text is not one. */
int pf__ws_parse_number(const char *s, size_t len, double *out);

/* The integer `seq` member of `msg`, or -1 when absent or not a
 * non-negative integer. */
int64_t pf__ws_seq_of(const struct cJSON *msg);

/* What pf__ws_scan found at the top level of an object. Spans point into
 * the scanned text. */
typedef struct pf__ws_scan_result {
    const char *type;   /* the "type" string without quotes, or NULL */
    size_t type_len;
    int64_t seq;        /* a plain non-negative integer "seq", else -1 */
    int simple;         /* 1: no escape in "type", "seq" absent or plain,
                           no "error" member, no repeated type/seq */
} pf__ws_scan_result;

/* Checks that `s` is exactly one JSON object (RFC 8259, as strict as
 * JSON.parse) without allocating, and reads its top-level "type" and
 * "seq". Returns PF_OK, PF_EPROTO (valid JSON but not an object) or
 * PF_EJSON. */
int pf__ws_scan(const char *s, size_t len, pf__ws_scan_result *r);

#endif /* PF_WS_INTERNAL_H */
