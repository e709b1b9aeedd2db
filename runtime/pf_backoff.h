/*
 * pf_backoff.h: the reconnect schedule shared by pf_ws and pf_sse.
 *
 * Exponential backoff with full jitter: attempt n (0 for the first retry)
 * waits a fresh uniform draw in [min, min(cap, base * factor^n)]. A draw is
 * made per attempt, so a thousand clients dropped by one server restart do
 * not come back in lock step. The attempt count resets only after a
 * connection has stayed up for `reset_after_ms`, so a server that accepts and
 * drops at once cannot pull its clients into a tight loop.
 *
 * The delay computation is a pure function (pf_backoff_delay); pf_backoff
 * itself only keeps the attempt count and the time the link opened. Neither
 * allocates; a pf_backoff lives inside its owner.
 */
#ifndef PF_BACKOFF_H
#define PF_BACKOFF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

/* Every field falls back to its default when zero (or negative). */
typedef struct pf_backoff_opts {
    double min_ms;         /* smallest delay ever waited; default 250 */
    double base_ms;        /* ceiling of the first retry; default 1000 */
    double cap_ms;         /* largest ceiling; default 30000 */
    double factor;         /* ceiling growth per attempt; default 2 */
    double reset_after_ms; /* uptime that resets the count; default 5000 */
} pf_backoff_opts;

#define PF_BACKOFF_DEFAULT_MIN_MS 250.0
#define PF_BACKOFF_DEFAULT_BASE_MS 1000.0
#define PF_BACKOFF_DEFAULT_CAP_MS 30000.0
#define PF_BACKOFF_DEFAULT_FACTOR 2.0
#define PF_BACKOFF_DEFAULT_RESET_AFTER_MS 5000.0

/* Returns `opts` with every zero field replaced by its default. `opts` may
 * be NULL (all defaults). A min above the cap is lowered to the cap. */
pf_backoff_opts pf_backoff_opts_resolve(const pf_backoff_opts *opts);

/* Whether two option sets (already resolved) make the same schedule. */
int pf_backoff_opts_equal(const pf_backoff_opts *a, const pf_backoff_opts *b);

/* ------------------------------------------------------------------------ */
/* Pure schedule                                                            */
/* ------------------------------------------------------------------------ */

/* The ceiling of attempt `attempt`: min(cap, base * factor^attempt), never
 * below min. `o` must be resolved. */
double pf_backoff_ceiling(const pf_backoff_opts *o, unsigned attempt);

/* The delay of attempt `attempt` for the random draw `draw` (uniform over
 * 32 bits): min + (ceiling - min) * draw / 2^32. Pure; `o` must be
 * resolved. */
double pf_backoff_delay(const pf_backoff_opts *o, unsigned attempt, uint32_t draw);

/* ------------------------------------------------------------------------ */
/* Schedule state                                                           */
/* ------------------------------------------------------------------------ */

typedef struct pf_backoff {
    pf_backoff_opts opts; /* resolved */
    unsigned attempt;     /* retries since the last stable connection */
    double opened_at;     /* pf_host_now() when the link opened, or -1 */
} pf_backoff;

/* Initialises `b` (caller-owned storage) with `opts` (may be NULL). */
void pf_backoff_init(pf_backoff *b, const pf_backoff_opts *opts);

/* Draws the next delay (one pf_host_random_u32() per call) and counts the
 * attempt. */
double pf_backoff_next(pf_backoff *b);

/* A long delay (1013, 4029 without retry_after): `floor_ms` plus a fresh
 * full-jitter draw of the current attempt, so clients told to wait do not
 * return together. Counts the attempt. */
double pf_backoff_next_long(pf_backoff *b, double floor_ms);

/* The link opened at `now`. */
void pf_backoff_opened(pf_backoff *b, double now);

/* The link closed at `now`. Returns 1 (and resets the attempt count) if it
 * had stayed open for at least reset_after_ms, else 0. */
int pf_backoff_closed(pf_backoff *b, double now);

/* Forgets every attempt (after the user asks to reconnect, or comes back
 * online). */
void pf_backoff_reset(pf_backoff *b);

#ifdef __cplusplus
}
#endif

#endif /* PF_BACKOFF_H */
