/*
 * fake_host.h: the host of pf_host.h for unit tests, native and wasm.
 *
 * It keeps a fake clock that only moves when a test says so, draws random
 * numbers from a seeded generator, and records every effect the core asks for
 * so that tests can assert on them. Handles for sockets, event sources and
 * requests count up from 1.
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fake_effect_kind {
    FAKE_LOG,
    FAKE_WS_OPEN,
    FAKE_WS_SEND,
    FAKE_WS_CLOSE,
    FAKE_SSE_OPEN,
    FAKE_SSE_CLOSE,
    FAKE_HTTP_REQUEST,
    FAKE_HTTP_ABORT,
    FAKE_DOM_PATCH,
    FAKE_EMIT,
    FAKE_CALL,
    FAKE_KIND_COUNT
} fake_effect_kind;

/* One recorded effect. `text` is NUL-terminated and holds the URL, frame,
 * patch bytes, log line or JSON payload; `name` holds the method, event or
 * call name; `code` the close code or log level. */
typedef struct fake_effect {
    fake_effect_kind kind;
    int32_t handle;
    int code;
    char *name;
    size_t name_len;
    char *text;
    size_t text_len;
} fake_effect;

/* Forgets every effect, disarms every timer, sets the clock to 0 and the
 * random seed to 1, online and visible to true. Also resets pf_loop. */
void fake_host_reset(void);

/* The clock. Advancing fires every timer due by the new time, in due order,
 * with the clock set to each timer's due time while it runs. */
double fake_host_time(void);
void fake_host_advance(double ms);

/* Milliseconds until the earliest armed timer fires, or -1 if none. */
double fake_host_next_timer_in(void);
size_t fake_host_armed_timers(void);

/* Random numbers: seeded xorshift, or a fixed value while fixed >= 0. */
void fake_host_seed(uint32_t seed);
void fake_host_fix_random(int64_t fixed);

/* Flush and frame requests: how many are pending, and running them. */
int fake_host_flush_requested(void);
int fake_host_frame_requested(void);
void fake_host_run_flush(void);   /* calls pf_flush() if one was requested */
void fake_host_run_frame(void);   /* calls pf_frame() if one was requested */

/* Recorded effects, oldest first. Pointers are valid until the next reset. */
size_t fake_host_count(fake_effect_kind kind);
const fake_effect *fake_host_nth(fake_effect_kind kind, size_t n);
const fake_effect *fake_host_last(fake_effect_kind kind);
void fake_host_clear_effects(void);

/* Network conditions reported by pf_host_online / pf_host_visible. */
/* Called by pf_host_dom_patch after recording the patch, as page code that
 * runs while a patch is applied (blur, focusout); its result is the
 * patch's (0: applied; negative: the host failed and emptied the root).
 * NULL (the default, and after a reset): every patch applies. */
typedef int (*fake_patch_hook)(int32_t root, void *ud);
void fake_host_on_dom_patch(fake_patch_hook fn, void *ud);

void fake_host_set_online(int online);
void fake_host_set_visible(int visible);

/* Makes the next pf_host_ws_open / pf_host_sse_open / pf_host_http_request
 * fail with `err` (a negative pf_err) instead of returning a handle. */
void fake_host_fail_next_open(int err);

/* Makes pf_host_ws_send on `handle` fail with `err` (0 to stop failing). */
void fake_host_fail_sends(int32_t handle, int err);

#ifdef __cplusplus
}
#endif

#endif /* FAKE_HOST_H */
