/*
 * pf_live_util.h: small helpers shared by the built-in components.
 *
 * Internal to components/ (pf__ prefix): reading props and message fields
 * from cJSON without trusting their types, and logging through the host.
 */
#ifndef PF_LIVE_UTIL_H
#define PF_LIVE_UTIL_H

#include <stddef.h>

#include "cJSON.h"
#include "pf_html.h"
#include "pf_ws.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Logs one NUL-terminated line through pf_host_log. */
void pf__log(int level, const char *msg);

/* Returns a new copy of `s` (free with free()), or NULL if out of memory. */
char *pf__strdup(const char *s);

/* The string member `name` of object `o`, or `def` when it is absent or not
 * a string. Borrowed from `o`. */
const char *pf__json_str(const cJSON *o, const char *name, const char *def);

/* Stores in *out an integer id: a JSON number with no fraction that a
 * double holds exactly. Returns 1, or 0 (and leaves *out) for anything else. */
int pf__json_id(const cJSON *v, double *out);

/* Inserts `item` into `array`
 * before its element at index `which`, or at the end when `which` is the
 * size or more. Returns 1 (the array owns item) or 0 (bad arguments; the
 * caller still owns item).
 *
 * cJSON_InsertItemInArray is not used because the cJSON of Debian 12
 * (1.7.15-1+deb12u4) refuses every insert before an element other than the
 * first: its security patch checks the new item's prev pointer, which is
 * always NULL, instead of the existing element's. */
int pf__json_insert(cJSON *array, int which, cJSON *item);

/* The next wait before loading a REST list again after a failure: 5 s
 * after the first (`prev_ms` 0), then doubling, at most 60 s. */
double pf__retry_next(double prev_ms);

/* A server's timestamp: an HTML date and time ("2026-11-26T14:45:00.000Z",
 * seconds, fraction and zone optional) as <time datetime="..."> with
 * readable text ("2026-11-26 14:45 UTC"; an offset as given); anything
 * else as the text it is. The builder's result. */
int pf__html_time(pf_html *h, const char *iso);

/* Whether the `len` bytes at `s` are exactly the NUL-terminated `name`. */
int pf__is_named(const char *s, size_t len, const char *name);

/* The status line a component shows for its connection's state (UTF-8,
 * with a coloured dot), written into `out` (always NUL-terminated).
 * `not_found` names what a 4004 did not find ("Room not found");
 * `too_many_countdown` adds ": retrying in N s" to the 4029 text. Returns
 * 1 when sends go out now (open, or rate limited on an open link), else 0. */
int pf__connection_status(const pf_ws_event *ev, const char *not_found,
                          int too_many_countdown, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif /* PF_LIVE_UTIL_H */
