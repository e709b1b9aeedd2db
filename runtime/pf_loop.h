/*
 * pf_loop.h: the core's side of the host boundary.
 *
 * Modules never see pf_host_timer_start ids or raw I/O events. They arm
 * timers with callbacks, watch I/O handles with a handler table, and defer
 * work to the next flush or animation frame. pf_loop.c routes the host's
 * events (pf_host.h, second half) to them.
 */
#ifndef PF_LOOP_H
#define PF_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "pf_host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Timers                                                                   */
/* ------------------------------------------------------------------------ */

typedef void (*pf_timer_fn)(void *ud);

/* Arms a one-shot timer. Returns its id (> 0), or 0 if out of memory.
 * The callback runs once, from pf_timer_fired, unless cleared first. */
uint32_t pf_timer_set(double delay_ms, pf_timer_fn fn, void *ud);

/* Disarms a timer. 0, fired and unknown ids are ignored. */
void pf_timer_clear(uint32_t id);

/* ------------------------------------------------------------------------ */
/* Deferred work                                                            */
/* ------------------------------------------------------------------------ */

typedef void (*pf_task_fn)(void *ud);

/* Runs fn(ud) at the next pf_flush (after the current task). Returns PF_OK
 * or PF_ENOMEM. Tasks run in the order they were deferred. */
int pf_defer(pf_task_fn fn, void *ud);

/* Runs fn(ud) at the next pf_frame (before the next paint). */
int pf_defer_frame(pf_task_fn fn, void *ud);

/* Removes every deferred task (flush or frame) whose ud is `ud`; used by
 * objects that are freed while they still have work pending. */
void pf_cancel_deferred(void *ud);

/* ------------------------------------------------------------------------ */
/* I/O handles                                                              */
/* ------------------------------------------------------------------------ */

/* What a module wants to hear about a host handle. Any member may be NULL.
 * Arguments are borrowed for the duration of the call. */
typedef struct pf_io_handler {
    void (*opened)(void *ud, int32_t handle);
    void (*message)(void *ud, int32_t handle, const char *data, size_t len);
    void (*closed)(void *ud, int32_t handle, int code, const char *reason, size_t reason_len);
    void (*error)(void *ud, int32_t handle, int status);
    void (*sse)(void *ud, int32_t handle, const char *event, size_t event_len,
                const char *id, size_t id_len, const char *data, size_t data_len, int retry_ms);
    void (*http_done)(void *ud, int32_t handle, int status, const char *body, size_t len);
} pf_io_handler;

/* Routes the events of `handle` to `h` (borrowed: must outlive the watch).
 * Returns PF_OK, PF_EINVAL for a handle <= 0, or PF_ENOMEM. */
int pf_io_watch(int32_t handle, const pf_io_handler *h, void *ud);

/* Stops routing events of `handle`. Unknown handles are ignored. Events for
 * an unwatched handle are dropped. */
void pf_io_unwatch(int32_t handle);

/* Called with every online/visibility change. One listener per `ud`. */
typedef void (*pf_net_fn)(void *ud, int online, int visible);
int pf_net_listen(pf_net_fn fn, void *ud);
void pf_net_unlisten(void *ud);

/* Frees every table of the loop (timers, tasks, watches); for tests and for
 * tearing down a runtime instance. Armed host timers are cancelled. */
void pf_loop_reset(void);

#ifdef __cplusplus
}
#endif

#endif /* PF_LOOP_H */
