/* fake_host.c: a recording host with a fake clock, for unit tests. */
#include "fake_host.h"

#include <stdlib.h>
#include <string.h>

#include "../runtime/pf_error.h"
#include "../runtime/pf_host.h"
#include "../runtime/pf_loop.h"

typedef struct fake_timer {
    uint32_t id;
    double due;
    uint64_t order;
} fake_timer;

static fake_effect *effects;
static size_t effect_count, effect_cap;
static fake_timer *ftimers;
static size_t ftimer_count, ftimer_cap;
static uint64_t timer_order;
static double clock_ms;
static uint32_t rng = 1;
static int64_t fixed_random = -1;
static int flush_requested, frame_requested;
static int online = 1, visible = 1;
static int32_t next_handle = 1;
static int fail_next_open;
static int32_t failing_send_handle;
static int failing_send_err;

static char *dup_bytes(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort(); /* test code: an allocation failure is a broken test run */
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static void record(fake_effect_kind kind, int32_t handle, int code,
                   const char *name, size_t name_len, const char *text, size_t text_len)
{
    if (effect_count == effect_cap) {
        effect_cap = effect_cap ? effect_cap * 2 : 64;
        effects = realloc(effects, effect_cap * sizeof *effects);
        if (!effects)
            abort();
    }
    fake_effect *e = &effects[effect_count++];
    e->kind = kind;
    e->handle = handle;
    e->code = code;
    e->name = dup_bytes(name ? name : "", name ? name_len : 0);
    e->name_len = name ? name_len : 0;
    e->text = dup_bytes(text ? text : "", text ? text_len : 0);
    e->text_len = text ? text_len : 0;
}

void fake_host_clear_effects(void)
{
    for (size_t i = 0; i < effect_count; i++) {
        free(effects[i].name);
        free(effects[i].text);
    }
    effect_count = 0;
}

static fake_patch_hook patch_hook;
static void *patch_hook_ud;

void fake_host_reset(void)
{
    pf_loop_reset();
    fake_host_clear_effects();
    free(effects);
    effects = NULL;
    effect_cap = 0;
    free(ftimers);
    ftimers = NULL;
    ftimer_count = ftimer_cap = 0;
    timer_order = 0;
    clock_ms = 0;
    rng = 1;
    fixed_random = -1;
    flush_requested = frame_requested = 0;
    online = visible = 1;
    next_handle = 1;
    fail_next_open = 0;
    failing_send_handle = 0;
    failing_send_err = 0;
    patch_hook = NULL;
    patch_hook_ud = NULL;
}

/* ---- clock and timers ---------------------------------------------------- */

double pf_host_now(void) { return clock_ms; }
double pf_host_wall_time(void) { return 1.7e12 + clock_ms; }
double fake_host_time(void) { return clock_ms; }

static void timer_remove(uint32_t id)
{
    for (size_t i = 0; i < ftimer_count; i++)
        if (ftimers[i].id == id) {
            ftimers[i] = ftimers[--ftimer_count];
            return;
        }
}

void pf_host_timer_start(uint32_t id, double delay_ms)
{
    timer_remove(id);
    if (ftimer_count == ftimer_cap) {
        ftimer_cap = ftimer_cap ? ftimer_cap * 2 : 16;
        ftimers = realloc(ftimers, ftimer_cap * sizeof *ftimers);
        if (!ftimers)
            abort();
    }
    ftimers[ftimer_count++] = (fake_timer){ id, clock_ms + (delay_ms < 0 ? 0 : delay_ms), timer_order++ };
}

void pf_host_timer_cancel(uint32_t id) { timer_remove(id); }

static long earliest_timer(void)
{
    long best = -1;
    for (size_t i = 0; i < ftimer_count; i++)
        if (best < 0 || ftimers[i].due < ftimers[best].due ||
            (ftimers[i].due == ftimers[best].due && ftimers[i].order < ftimers[best].order))
            best = (long)i;
    return best;
}

void fake_host_advance(double ms)
{
    double target = clock_ms + (ms < 0 ? 0 : ms);
    for (;;) {
        long i = earliest_timer();
        if (i < 0 || ftimers[i].due > target)
            break;
        fake_timer t = ftimers[i];
        ftimers[i] = ftimers[--ftimer_count];
        if (t.due > clock_ms)
            clock_ms = t.due;
        pf_timer_fired(t.id);
    }
    clock_ms = target;
}

double fake_host_next_timer_in(void)
{
    long i = earliest_timer();
    return i < 0 ? -1 : ftimers[i].due - clock_ms;
}

size_t fake_host_armed_timers(void) { return ftimer_count; }

/* ---- randomness ---------------------------------------------------------- */

void fake_host_seed(uint32_t seed) { rng = seed ? seed : 1; }
void fake_host_fix_random(int64_t fixed) { fixed_random = fixed; }

uint32_t pf_host_random_u32(void)
{
    if (fixed_random >= 0)
        return (uint32_t)fixed_random;
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* ---- flush and frame ----------------------------------------------------- */

void pf_host_request_flush(void) { flush_requested = 1; }
void pf_host_request_frame(void) { frame_requested = 1; }
int fake_host_flush_requested(void) { return flush_requested; }
int fake_host_frame_requested(void) { return frame_requested; }

void fake_host_run_flush(void)
{
    if (!flush_requested)
        return;
    flush_requested = 0;
    pf_flush();
}

void fake_host_run_frame(void)
{
    if (!frame_requested)
        return;
    frame_requested = 0;
    pf_frame();
}

/* ---- effects ------------------------------------------------------------- */

void pf_host_log(int level, const char *msg, size_t len)
{
    record(FAKE_LOG, 0, level, NULL, 0, msg, len);
}

void fake_host_fail_next_open(int err) { fail_next_open = err; }

static int32_t open_handle(void)
{
    if (fail_next_open) {
        int err = fail_next_open;
        fail_next_open = 0;
        return err;
    }
    return next_handle++;
}

int32_t pf_host_ws_open(const char *url, size_t url_len)
{
    int32_t h = open_handle();
    record(FAKE_WS_OPEN, h, 0, NULL, 0, url, url_len);
    return h;
}

void fake_host_fail_sends(int32_t handle, int err)
{
    failing_send_handle = handle;
    failing_send_err = err;
}

int pf_host_ws_send(int32_t handle, const char *data, size_t len)
{
    if (failing_send_err && handle == failing_send_handle)
        return failing_send_err;
    record(FAKE_WS_SEND, handle, 0, NULL, 0, data, len);
    return PF_OK;
}

void pf_host_ws_close(int32_t handle, int code, const char *reason, size_t reason_len)
{
    record(FAKE_WS_CLOSE, handle, code, NULL, 0, reason, reason_len);
}

int32_t pf_host_sse_open(const char *url, size_t url_len)
{
    int32_t h = open_handle();
    record(FAKE_SSE_OPEN, h, 0, NULL, 0, url, url_len);
    return h;
}

void pf_host_sse_close(int32_t handle) { record(FAKE_SSE_CLOSE, handle, 0, NULL, 0, NULL, 0); }

int32_t pf_host_http_request(const char *method, size_t method_len,
                             const char *url, size_t url_len,
                             const char *body, size_t body_len)
{
    int32_t h = open_handle();
    /* The URL goes in `text`; the body is appended after a newline so tests
     * can see both: "URL\nBODY". */
    size_t n = url_len + 1 + (body ? body_len : 0);
    char *both = malloc(n + 1);
    if (!both)
        abort();
    memcpy(both, url, url_len);
    both[url_len] = '\n';
    if (body && body_len)
        memcpy(both + url_len + 1, body, body_len);
    record(FAKE_HTTP_REQUEST, h, 0, method, method_len, both, n);
    free(both);
    return h;
}

void pf_host_http_abort(int32_t handle) { record(FAKE_HTTP_ABORT, handle, 0, NULL, 0, NULL, 0); }

void fake_host_on_dom_patch(fake_patch_hook fn, void *ud)
{
    patch_hook = fn;
    patch_hook_ud = ud;
}

int pf_host_dom_patch(int32_t root, const uint8_t *ops, size_t len)
{
    record(FAKE_DOM_PATCH, root, 0, NULL, 0, (const char *)ops, len);
    return patch_hook ? patch_hook(root, patch_hook_ud) : 0;
}

void pf_host_emit(int32_t target, const char *event, size_t event_len,
                  const char *json, size_t json_len)
{
    record(FAKE_EMIT, target, 0, event, event_len, json, json_len);
}

int pf_host_call(int32_t target, const char *name, size_t name_len,
                 const char *args, size_t args_len)
{
    record(FAKE_CALL, target, 0, name, name_len, args, args_len);
    return PF_OK;
}

int pf_host_online(void) { return online; }
int pf_host_visible(void) { return visible; }
void fake_host_set_online(int on) { online = on; }
void fake_host_set_visible(int vis) { visible = vis; }

/* ---- queries ------------------------------------------------------------- */

size_t fake_host_count(fake_effect_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < effect_count; i++)
        if (effects[i].kind == kind)
            n++;
    return n;
}

const fake_effect *fake_host_nth(fake_effect_kind kind, size_t n)
{
    for (size_t i = 0; i < effect_count; i++)
        if (effects[i].kind == kind && n-- == 0)
            return &effects[i];
    return NULL;
}

const fake_effect *fake_host_last(fake_effect_kind kind)
{
    for (size_t i = effect_count; i-- > 0;)
        if (effects[i].kind == kind)
            return &effects[i];
    return NULL;
}
