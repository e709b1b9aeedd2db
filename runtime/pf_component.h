/*
 * pf_component.h: live components (the seed's LiveComponent and
 * StatefulComponent) in C.
 *
 * A component class is a table of callbacks registered by name. Mounting
 * one on a root element (a host handle the bindings registered) creates an
 * instance with its own state store (pf_state.h), renders it into the root,
 * and then calls did_mount, as the seed's component_did_mount. After that:
 *
 *   - a state change (pf_state_update / set_multiple, delivered once per
 *     flush) schedules a render for the next animation frame; however many
 *     changes happen before the frame, there is one render and one DOM patch
 *     (pf_component_invalidate does the same for state kept elsewhere);
 *   - frames from the component's connection (pf_component_ws_connect, the
 *     seed's ws_connect: a pf_ws that reconnects, resumes and heartbeats;
 *     or any other transport via pf_component_deliver) reach on_message
 *     parsed, as handle_ws_message; its state changes reach on_connection
 *     (the seed's "connected" flag, or "reconnecting in 3 s");
 *   - DOM events declared in markup with pf_html_on (data-on-click="toggle")
 *     are delegated by the bindings to pf_component_dispatch and reach
 *     on_event with the handler name, the key of the item and the value and
 *     selection of a text control;
 *   - pf_component_call makes one of a few fixed browser calls (the seed's
 *     execute_js without arbitrary script): "notify", "focus", ...
 *
 * A render builds a tree (pf_html.h); the runtime diffs it against the last
 * one (pf_dom.h) and sends the patch with pf_host_dom_patch. A render that
 * fails (pf_html refused something) leaves the DOM as it was and logs why.
 *
 * Unmounting calls will_unmount, ends the connection (a shared socket
 * stays for its other users), removes the component's nodes from the
 * root, calls destroy and frees everything.
 *
 * Callbacks receive the instance and the class's own `self` pointer. They
 * must not unmount their own instance (PF_ESTATE); they may mount and
 * unmount others.
 */
#ifndef PF_COMPONENT_H
#define PF_COMPONENT_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "pf_error.h"
#include "pf_html.h"
#include "pf_pool.h"
#include "pf_sse.h"
#include "pf_state.h"
#include "pf_vdom.h"
#include "pf_ws.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Classes                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct pf_component pf_component;

/* A DOM event routed to a component. Every pointer is borrowed for the
 * call. `handler` is the value of data-on-<type> on the element the event
 * was delegated to (node `node_id`); `key` is the data-id (else id) of that
 * element or its nearest keyed ancestor (the item a click in a list is
 * about), NULL when there is none. `value` is the control's value for
 * input/change events ("" otherwise); selection_start/end are -1 when the
 * target is not a text control. */
typedef struct pf_component_event {
    const char *type;
    size_t type_len;
    const char *handler;
    size_t handler_len;
    const char *key;
    size_t key_len;
    uint32_t node_id;
    const char *value;
    size_t value_len;
    int32_t selection_start;
    int32_t selection_end;
} pf_component_event;

/* The callbacks of a component class. `name`, `create` and `render` are
 * required; any other member may be NULL. The table is borrowed by the
 * registry and must outlive it (a static const table). */
typedef struct pf_component_class {
    const char *name;

    /* Creates the component's own data from its props (a JSON object,
     * borrowed for the call; {} when mounted without props) and stores it
     * in *self. The state store (pf_component_state) already exists: set
     * initial state here, as the seed's __init__ does. Returns PF_OK or a
     * pf_err, which fails the mount. */
    int (*create)(pf_component *c, const cJSON *props, void **self);

    /* After the first render is in the DOM (component_did_mount): start
     * loading, connect (pf_component_ws_connect). */
    void (*did_mount)(pf_component *c, void *self);

    /* One message from the component's connection, parsed (borrowed for
     * the call), with its raw text. Frames that are not JSON are logged and
     * dropped before they get here. */
    void (*on_message)(pf_component *c, void *self, const cJSON *msg,
                       const char *raw, size_t raw_len);

    /* The connection's state changed (connecting, open, reconnecting with
     * its delay, stopped with the close code...); `ev` is borrowed. */
    void (*on_connection)(pf_component *c, void *self, const pf_ws_event *ev);

    /* The server cannot replay what the connection missed ({"type":
     * "resync"}): reload the snapshot. */
    void (*on_resync)(pf_component *c, void *self);

    /* A delegated DOM event. The return value is passed back to the
     * bindings by pf_component_dispatch. */
    int (*on_event)(pf_component *c, void *self, const pf_component_event *ev);

    /* Builds the component's markup into `h` (its root is the mount
     * element). Read state with pf_state_get; do not change it here.
     * Returns PF_OK or a pf_err (the builder's sticky error is checked
     * too). */
    int (*render)(pf_component *c, void *self, pf_html *h);

    /* Before the component leaves the DOM. */
    void (*will_unmount)(pf_component *c, void *self);

    /* Frees `self`. Called on unmount, and on a mount that fails after
     * create succeeded. */
    void (*destroy)(void *self);
} pf_component_class;

/* Adds a class to the registry. Returns PF_OK, PF_EINVAL (NULL, empty name,
 * no create or render) or PF_EEXIST (a class with that name exists). */
int pf_component_register(const pf_component_class *cls);

/* Registers `cls` (a pf_component_class defined in the same file) when the
 * runtime loads, before the page can mount anything: for a component of
 * your own built into dist/ with make COMPONENTS=... (docs/components.md),
 * which no table of the runtime lists. Put it once, at file scope, after
 * the class. */
#define PF_COMPONENT_REGISTER_AT_LOAD(cls)                                   \
    __attribute__((constructor)) static void pf__register_##cls(void)      \
    {                                                                        \
        (void)pf_component_register(&(cls));                                \
    }

/* The registered class called `name`, or NULL. Borrowed. */
const pf_component_class *pf_component_class_find(const char *name);

/* Forgets every registered class (for tests and teardown). Mounted
 * instances keep working; new mounts of forgotten names fail. */
void pf_component_registry_clear(void);

/* ------------------------------------------------------------------------ */
/* Mounting                                                                 */
/* ------------------------------------------------------------------------ */

/* Mounts a new instance of class `name` on root element `root` (a handle
 * > 0 the bindings gave to the element), with props as JSON text
 * (`props_json` may be NULL for {}). Renders it into the root at once,
 * then calls did_mount. On PF_OK *out (may be NULL) is the instance, owned
 * by the runtime until pf_component_unmount.
 *
 * Errors: PF_EINVAL (bad arguments), PF_ENOTFOUND (no class `name`),
 * PF_EEXIST (something is already mounted on `root`), PF_EJSON / PF_ETYPE
 * (props are not a JSON object), PF_ENOMEM, an error returned by create,
 * or a render error (the first render must succeed). Nothing stays mounted
 * after an error. */
int pf_component_mount(const char *name, int32_t root, const char *props_json,
                       size_t props_len, pf_component **out);

/* Unmounts and frees an instance (see the file comment). PF_EINVAL for
 * NULL, PF_ESTATE when called from one of the instance's own callbacks. */
int pf_component_unmount(pf_component *c);

/* Unmounts whatever is mounted on `root`. PF_ENOTFOUND if nothing is. */
int pf_component_unmount_root(int32_t root);

/* Unmounts every instance (teardown); then closes the shared sockets. */
void pf_component_unmount_all(void);

/* The instance mounted on `root`, or NULL. Borrowed. */
pf_component *pf_component_find(int32_t root);

/* Number of mounted instances. */
size_t pf_component_count(void);

/* ------------------------------------------------------------------------ */
/* Instance accessors                                                       */
/* ------------------------------------------------------------------------ */

void *pf_component_self(const pf_component *c);
int32_t pf_component_root(const pf_component *c);
const pf_component_class *pf_component_class_of(const pf_component *c);

/* The instance's state store. Borrowed: owned by the instance, freed on
 * unmount. Changes schedule a render. */
pf_state *pf_component_state(const pf_component *c);

/* The tree of the last successful render (its node ids are those in the
 * DOM). Borrowed: valid until the next render or unmount. */
const pf_vdom *pf_component_tree(const pf_component *c);

/* Renders completed so far, and the error of the last render attempt
 * (PF_OK if it succeeded). For tests and diagnostics. */
unsigned long pf_component_render_count(const pf_component *c);
int pf_component_last_error(const pf_component *c);

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

/* Schedules a render at the next animation frame (pf_defer_frame). Calls
 * before the frame coalesce into one render. State changes call this
 * through the store's subscription. Returns PF_OK or PF_ENOMEM. */
int pf_component_invalidate(pf_component *c);

/* Renders now and sends the patch, if any; cancels nothing (a scheduled
 * render still runs and finds nothing to change). Returns PF_OK or the
 * render's error (the DOM is then left as it was). */
int pf_component_render_now(pf_component *c);

/* Delivers the instance's pending state changes now and, if that (or an
 * earlier change) scheduled a render, renders at once instead of at the
 * next frame, cancelling the scheduled one. The synchronous path for a
 * caller that must see the DOM updated before it returns (tests,
 * benchmarks). Returns PF_OK, PF_EINVAL, or the render's error. */
int pf_component_flush(pf_component *c);

/* ------------------------------------------------------------------------ */
/* Connection and messages                                                  */
/* ------------------------------------------------------------------------ */

/* Connects the instance to `url` (the seed's ws_connect) with a pf_ws
 * (pf_ws.h: reconnects with backoff, resumes with since=, heartbeats,
 * queues sends while down). `opts` may be NULL for the defaults (copied).
 * Frames go to on_message, state changes to on_connection, resyncs to
 * on_resync; malformed frames are logged and dropped. A previous
 * connection of the instance is ended first.
 *
 * The connection is shared (the seed's connection pool, pf_pool.h): every
 * instance connected to the same URL with the same options uses one
 * socket, and each hears every frame and state change. An instance that
 * joins a running socket hears its current state at once (cause
 * PF_WS_CAUSE_SHARED, before this returns) and then the stream's last
 * initial state ("snapshot" or "history") and the frames after it, so it
 * starts where a fresh connection would; when too much came since (over
 * 512 frames or 1 MiB), it gets on_resync instead. Ending the connection
 * (unmount, pf_component_ws_close) leaves the socket to the others; the
 * last one to leave closes it after the pool's idle timeout
 * (pf_component_pool_configure). The pool shares at most its max
 * connections (distinct URLs); an instance whose URL finds it full of
 * sockets in use gets a socket of its own, as pf_component_ws_connect_private,
 * so a page with many rooms still connects every one; for tokens (the
 * provider, pf_component_pool_set_token) it counts as shared. Returns PF_OK,
 * PF_EINVAL or PF_ENOMEM. */
int pf_component_ws_connect(pf_component *c, const char *url, size_t url_len,
                            const pf_ws_opts *opts);

/* As pf_component_ws_connect, with a socket of the instance's own: for a
 * channel whose server keeps state per connection (a document's OT
 * session: acks and echoes go by connection). Closed on unmount. */
int pf_component_ws_connect_private(pf_component *c, const char *url, size_t url_len,
                                    const pf_ws_opts *opts);

/* Limits of the shared connections: at most `max_connections` sockets (0:
 * 8), closed `idle_timeout_ms` after their last instance leaves (0:
 * 30000). Takes effect when no shared socket is held (before the first
 * connect, or after pf_component_unmount_all, which closes them all):
 * PF_ESTATE otherwise. */
int pf_component_pool_configure(size_t max_connections, double idle_timeout_ms);

/* Shared sockets and event streams currently held (open, connecting or
 * idle). */
size_t pf_component_pool_connections(void);

/* The app's token provider for shared connections. After a shared socket
 * is closed with 4001, or a shared stream gets an HTTP 401, `fn` is called
 * once with the connection's URL (borrowed for the call); the app answers,
 * now or later, with pf_component_pool_set_token, and the connection tries
 * again with it. A second failure before the connection has stayed up
 * stops it in auth_failed (pf_ws.h, pf_sse.h). Without a provider a shared
 * connection stops in auth_failed after a 4001 / 401 until
 * pf_component_pool_set_token. NULL removes the provider. */
typedef void (*pf_component_token_provider)(void *ud, const char *url, size_t url_len);
void pf_component_set_token_provider(pf_component_token_provider fn, void *ud);

/* Sets the token of every shared socket and stream, now and later
 * (copied; NULL removes it), and of those instances got in their place
 * when the pool was full. It replaces the token= parameter of their URLs
 * (the one a component built from its "token" prop). A connection waiting
 * for a token tries again at once. Returns PF_OK, PF_EINVAL or PF_ENOMEM.
 * Forgotten by pf_component_pool_configure and pf_component_unmount_all
 * (with the pool). */
int pf_component_pool_set_token(const char *token, size_t len);

/* Subscribes the instance to the event stream at `url` (pf_sse: reconnects
 * with backoff, resumes with ?last_event_id=), through the same pool as
 * the shared sockets (same limit, same idle close): every instance on the
 * same URL with the same options shares one stream. A new stream resumes
 * from `last_event_id` (may be NULL); an instance joining a running one
 * hears its state at once (cause PF_WS_CAUSE_SHARED, before this returns)
 * and the events the stream brought after that id (see
 * pf_pool_subscribe_sse). `cb` (copied; members may be NULL) is called with
 * `ud` as a callback of the instance. A previous stream of the instance is
 * ended first; unmount ends it. When the pool is full (max_connections in
 * use, none idle) the instance gets a stream of its own, shared with no
 * one. Returns PF_OK, PF_EINVAL or PF_ENOMEM. */
int pf_component_sse_connect(pf_component *c, const char *url, size_t url_len,
                             const pf_sse_opts *opts, const char *last_event_id,
                             size_t last_event_id_len, const pf_pool_sse_callbacks *cb,
                             void *ud);

/* Leaves the instance's stream, if any (the others keep it; the last one
 * to leave closes it after the idle timeout). */
void pf_component_sse_close(pf_component *c);

/* The instance's shared stream (borrowed, owned by the pool: pf_sse_close
 * acts for every instance on it), or NULL. */
pf_sse *pf_component_sse(const pf_component *c);

/* The instance's connection (for pf_ws_set_token, stats...), or NULL.
 * Borrowed: owned by the instance, or by the pool when shared (then
 * pf_ws_close / pf_ws_reconnect act for every instance on it). */
pf_ws *pf_component_ws(const pf_component *c);

/* Sends a text frame on the instance's connection (pf_ws_send: queued while
 * reconnecting). PF_ESTATE if there is no connection, else pf_ws_send's
 * result. */
int pf_component_ws_send(pf_component *c, const char *data, size_t len);

/* Ends the instance's connection, if any: a private socket closes now
 * (code 1000); a shared one is left to its other users (see
 * pf_component_ws_connect). */
void pf_component_ws_close(pf_component *c);

/* Hands one message (JSON text, borrowed) from any transport to
 * on_message. Returns PF_OK, PF_EJSON (not JSON: logged, dropped) or
 * PF_EINVAL. */
int pf_component_deliver(pf_component *c, const char *data, size_t len);

/* ------------------------------------------------------------------------ */
/* DOM events (called by the bindings)                                      */
/* ------------------------------------------------------------------------ */

/* Routes a delegated event: the bindings found the closest element (node
 * `node_id`, as numbered in the patches) with a data-on-<type> attribute
 * above the event target in root `root`. The runtime looks the handler and
 * key up in its own tree, so a page cannot invoke handlers the markup does
 * not declare. `value` (may be NULL) and the selection describe the target
 * control. Returns on_event's result, PF_ENOTFOUND (no such root, node or
 * handler, or no on_event), PF_EINVAL.
 *
 * What the bindings do: listen on the root element (one listener per event
 * type; the types are those of the data-on-<type> names seen in SET_ATTR
 * ops; capture phase for focus/blur, which do not bubble); on an event take
 * target.closest('[data-on-<type>]'), stop if it is outside the root or
 * has no node id (markup inside trusted markup has none), and pass
 * target.value, selectionStart and selectionEnd when the target is an
 * input or textarea (else NULL and -1). No inline script is ever used. */
int pf_component_dispatch(int32_t root, uint32_t node_id,
                          const char *type, size_t type_len,
                          const char *value, size_t value_len,
                          int32_t selection_start, int32_t selection_end);

/* ------------------------------------------------------------------------ */
/* Browser calls and page events                                            */
/* ------------------------------------------------------------------------ */

/* One of the fixed browser calls through pf_host_call, with `args` a JSON
 * object: "notify" {title, body, icon?}, "focus" {key}, "blur" {key},
 * "set_selection" {key, start, end}, "set_range_text" {key, text, start,
 * end}, "scroll_into_view" {key}. `key` names an element of this
 * component by data-id / id. Returns PF_EINVAL for any other name,
 * PF_EJSON / PF_ETYPE for args that are not a JSON object, or the host's
 * result. */
int pf_component_call(pf_component *c, const char *name,
                      const char *args_json, size_t args_len);

/* Emits an event to the page (handle.on(event, fn) in JS); `json` is the
 * payload (NULL for null). Returns PF_OK, PF_EINVAL or PF_EJSON. */
int pf_component_emit(pf_component *c, const char *event,
                      const char *json, size_t json_len);

#ifdef __cplusplus
}
#endif

#endif /* PF_COMPONENT_H */
