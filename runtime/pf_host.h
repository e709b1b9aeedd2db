/*
 * pf_host.h: the one boundary between the pure C core and the world.
 *
 * runtime/ and components/ never touch a browser, a socket or a clock
 * directly. Every effect goes through a function declared in the first half
 * of this header, which the host implements:
 *
 *   - in the browser, bindings/library_pyframe.js (an Emscripten
 *     --js-library) forwards each call to bindings/pyframe_rt.js;
 *   - in native and wasm unit tests, test/fake_host.c records each effect and
 *     keeps a fake clock.
 *
 * The second half declares the events the host delivers back to the core
 * (implemented in runtime/pf_loop.c). The core never blocks and never sleeps:
 * it reacts to these events and asks for more effects.
 *
 * Strings cross the boundary as UTF-8 with an explicit length; buffers passed
 * to the host are borrowed for the duration of the call only.
 */
#ifndef PF_HOST_H
#define PF_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Effects: implemented by the host                                         */
/* ------------------------------------------------------------------------ */

/* Monotonic clock in milliseconds (performance.now() in a browser). */
double pf_host_now(void);

/* Wall-clock time in milliseconds since the Unix epoch (Date.now()). */
double pf_host_wall_time(void);

/* A uniformly distributed 32-bit random number (crypto.getRandomValues). */
uint32_t pf_host_random_u32(void);

/* Log levels for pf_host_log. */
enum { PF_LOG_DEBUG = 0, PF_LOG_INFO = 1, PF_LOG_WARN = 2, PF_LOG_ERROR = 3 };

/* Writes one log line. The core never logs tokens or message bodies. */
void pf_host_log(int level, const char *msg, size_t len);

/* Arms timer `id` to fire once after `delay_ms` (pf_timer_fired(id)).
 * Arming an armed id re-arms it. Ids are chosen by pf_loop.c. */
void pf_host_timer_start(uint32_t id, double delay_ms);

/* Disarms timer `id`; a disarmed or unknown id is ignored. */
void pf_host_timer_cancel(uint32_t id);

/* Asks the host to call pf_flush() soon, after the current task (a
 * microtask in a browser). Asking twice before the flush is one request. */
void pf_host_request_flush(void);

/* Asks the host to call pf_frame() before the next paint
 * (requestAnimationFrame). Asking twice before the frame is one request. */
void pf_host_request_frame(void);

/* Opens a WebSocket to `url`. Returns a handle (> 0) whose events arrive
 * through pf_io_opened / pf_io_message / pf_io_closed, or a negative
 * pf_err if the host could not even start (bad URL). */
int32_t pf_host_ws_open(const char *url, size_t url_len);

/* Sends one text frame. Returns PF_OK or a negative pf_err (not open). */
int pf_host_ws_send(int32_t handle, const char *data, size_t len);

/* Closes a WebSocket with `code` and `reason`. After this call no event for
 * the handle reaches the core; the handle is released. */
void pf_host_ws_close(int32_t handle, int code, const char *reason, size_t reason_len);

/* Opens an EventSource to `url`. Returns a handle (> 0) or a negative pf_err.
 * Events arrive through pf_io_opened / pf_io_sse / pf_io_error. */
int32_t pf_host_sse_open(const char *url, size_t url_len);

/* Closes an EventSource; no event for the handle reaches the core after. */
void pf_host_sse_close(int32_t handle);

/* Starts an HTTP request (fetch). `body` may be NULL. JSON bodies are sent
 * with Content-Type: application/json. Returns a handle (> 0) whose result
 * arrives through pf_io_http_done, or a negative pf_err. */
int32_t pf_host_http_request(const char *method, size_t method_len,
                             const char *url, size_t url_len,
                             const char *body, size_t body_len);

/* Aborts a request; no event for the handle reaches the core after. */
void pf_host_http_abort(int32_t handle);

/* Applies a batch of DOM patches (format: runtime/pf_dom.h) to the element
 * registered as `root`. Returns 0, or a negative pf_err when it could not
 * apply all of it (a page script changed the component's nodes, a property
 * the browser refused): the host has then emptied the root and forgotten
 * its node ids, and the core sends the whole tree again. */
int pf_host_dom_patch(int32_t root, const uint8_t *ops, size_t len);

/* Emits an event from a component to the page (handle.on(event, fn) in JS).
 * `json` is the payload as JSON text. */
void pf_host_emit(int32_t target, const char *event, size_t event_len,
                  const char *json, size_t json_len);

/* One of a narrow, fixed set of browser calls a component may make (the
 * seed's execute_js, without arbitrary script): "notify" (show a browser
 * Notification if permission is granted), "focus", "set_range_text", ...
 * `args` is JSON. Returns PF_OK or a negative pf_err. */
int pf_host_call(int32_t target, const char *name, size_t name_len,
                 const char *args, size_t args_len);

/* Whether the browser says it is online (navigator.onLine) and the page is
 * visible. Changes arrive through pf_net_changed. */
int pf_host_online(void);
int pf_host_visible(void);

/* Numbers that runtime/pf_num.c does not convert itself (it does integers
 * and short decimals). Not effects, but the browser has exact conversions
 * built in, and libc's would cost the wasm about 10 KB gzipped.
 *
 * pf_host_number_format writes the shortest decimal text that reads back as
 * exactly `x` (finite), laid out as JavaScript's String(x) does ("0.1",
 * "1e+21", "1.5e-7"), to out[0..cap) without a NUL, and returns its length;
 * 0 if it does not fit (cap 32 always fits).
 *
 * pf_host_number_parse returns the double nearest to text[0..len), a decimal
 * number as strtod reads one (sign, digits with one optional '.', exponent;
 * see pf_num_scan): an infinity on overflow, a signed zero on underflow. */
size_t pf_host_number_format(double x, char *out, size_t cap);
double pf_host_number_parse(const char *text, size_t len);

/* ------------------------------------------------------------------------ */
/* Events: delivered by the host, implemented in runtime/pf_loop.c          */
/* ------------------------------------------------------------------------ */

/* Timer `id` armed with pf_host_timer_start has expired. */
void pf_timer_fired(uint32_t id);

/* The flush requested with pf_host_request_flush is due. */
void pf_flush(void);

/* The animation frame requested with pf_host_request_frame is due. */
void pf_frame(void);

/* A WebSocket or EventSource handle is open. */
void pf_io_opened(int32_t handle);

/* A WebSocket text frame arrived. `data` is borrowed for the call. */
void pf_io_message(int32_t handle, const char *data, size_t len);

/* A WebSocket closed (by either side). 1006 when the browser gives no code.
 * The handle is released after this event. */
void pf_io_closed(int32_t handle, int code, const char *reason, size_t reason_len);

/* An EventSource reported an error. `status` is the HTTP status when known
 * (204 means "stop"), else 0. The host has already closed the EventSource
 * (the core, not the browser, decides when to retry); the handle is released. */
void pf_io_error(int32_t handle, int status);

/* An EventSource event arrived: its event type ("message" by default), its
 * id (len 0 when absent), its data, and the retry: value in ms (-1 when the
 * event carried none). A comment line (": keep-alive") is reported with
 * every length 0 and retry_ms -1: no event, but proof the stream is alive
 * (pf_sse_opts.idle_timeout_ms). */
void pf_io_sse(int32_t handle, const char *event, size_t event_len,
               const char *id, size_t id_len, const char *data, size_t data_len,
               int retry_ms);

/* An HTTP request finished. `status` is 0 on a network error. */
void pf_io_http_done(int32_t handle, int status, const char *body, size_t len);

/* Online state or page visibility changed. */
void pf_net_changed(int online, int visible);

#ifdef __cplusplus
}
#endif

#endif /* PF_HOST_H */
