/*
 * pf_sse.h: an EventSource that reconnects and never loses an event.
 *
 * The browser's EventSource retries on its own at a fixed interval and
 * forgets its Last-Event-ID when recreated. pf_sse takes that job over: the
 * host closes the EventSource on every error (pf_io_error) and pf_sse
 * decides when to open a new one:
 *
 *   - exponential backoff with full jitter on repeated errors, never sooner
 *     than the server's last retry: value; a connect timeout; optional max
 *     retries;
 *   - HTTP 204 stops for good (the server said so); 401 asks the token
 *     provider once (as a WebSocket 4001), 403 and 404 stop;
 *   - the last event id survives the EventSource: the next one is opened
 *     with ?last_event_id=ID; events whose data carries a `seq` already seen
 *     are dropped; {"type":"resync"} (or event: resync) reaches on_resync;
 *   - with opts.idle_timeout_ms, a stream that goes silent (no event, no
 *     comment) is judged dead and reopened: a half-open TCP link never
 *     errors by itself;
 *   - attempts pause while offline and start at once when back online.
 *
 * The host reports a comment line as pf_io_sse with every field empty
 * (event_len, id_len and data_len 0): it only proves the link alive.
 *
 * It reports the same states as pf_ws (pf_ws_state, pf_ws_event).
 */
#ifndef PF_SSE_H
#define PF_SSE_H

#include <stddef.h>
#include <stdint.h>

#include "pf_backoff.h"
#include "pf_error.h"
#include "pf_ws.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* ------------------------------------------------------------------------ */
/* Options and callbacks                                                    */
/* ------------------------------------------------------------------------ */

/* Every numeric field falls back to its default when zero. */
typedef struct pf_sse_opts {
    pf_backoff_opts backoff;
    double connect_timeout_ms; /* default 10000 */
    unsigned max_retries;      /* 0: retry forever */
    size_t max_data_bytes;     /* larger events get PF_ETOOBIG; default 1 MiB */
    int no_resume;             /* 1: never append ?last_event_id= */
    int allow_text;            /* 1: deliver data that is not a JSON object
                                  with msg NULL instead of reporting it */
    double idle_timeout_ms;    /* 0: off. An open stream that brings no
                                  event and no comment (": keep-alive")
                                  for this long is dead: it is closed and
                                  reopened with ?last_event_id= (cause
                                  PF_WS_CAUSE_DEAD_LINK). Set it above the
                                  server's keep-alive interval. */
} pf_sse_opts;

/* One event, every member borrowed for the callback. Strings are not
 * NUL-terminated. */
typedef struct pf_sse_message {
    const char *event;  /* "message" unless the server named it */
    size_t event_len;
    const char *id;     /* len 0 when the event had no id */
    size_t id_len;
    const char *data;
    size_t data_len;
    const struct cJSON *msg; /* the parsed data, or NULL (allow_text) */
    int64_t seq;        /* the data's seq, or -1 */
} pf_sse_message;

typedef struct pf_sse pf_sse;

/* Every member may be NULL. Callbacks may call any pf_sse function on the
 * same object, including pf_sse_free. */
typedef struct pf_sse_callbacks {
    void (*on_state)(void *ud, const pf_ws_event *ev);
    void (*on_message)(void *ud, const pf_sse_message *m);
    void (*on_resync)(void *ud);
    /* PF_EJSON (data not JSON), PF_EPROTO (not an object), PF_ETOOBIG;
     * `text` is the data concerned (borrowed, may be cut short). */
    void (*on_error)(void *ud, int err, const char *text, size_t len);
    /* The URL of the next attempt (borrowed until it returns), or NULL for
     * the URL given to pf_sse_new. */
    const char *(*get_url)(void *ud, size_t *len);
    /* Called once after an HTTP 401; answer with pf_sse_set_token(). */
    void (*refresh_token)(void *ud, pf_sse *sse);
} pf_sse_callbacks;

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

/* Returns a new event source for `url` (copied), idle until
 * pf_sse_connect, or NULL. `opts` and `cb` are copied and may be NULL.
 * Free with pf_sse_free(). */
pf_sse *pf_sse_new(const char *url, size_t url_len, const pf_sse_opts *opts,
                   const pf_sse_callbacks *cb, void *ud);

/* Closes and frees. Accepts NULL. Safe inside a callback of the object. */
void pf_sse_free(pf_sse *sse);

/* Starts (or restarts after a stop, resetting the backoff). Returns PF_OK,
 * PF_EINVAL or PF_ENOMEM. */
int pf_sse_connect(pf_sse *sse);

/* Closes at the app's request: no retry until pf_sse_connect. */
void pf_sse_close(pf_sse *sse);

/* Drops the stream, if any, and opens it again at once with the backoff
 * reset (after pf_sse_close, a stop, or to retry now), as pf_ws_reconnect
 * does: the next state is connecting, never closed. Returns as
 * pf_sse_connect. */
int pf_sse_reconnect(pf_sse *sse);

/* Sets the token appended as token= to later attempts (copied; NULL
 * removes it); resumes an attempt waiting for the token provider. */
int pf_sse_set_token(pf_sse *sse, const char *token, size_t len);

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */
/* ------------------------------------------------------------------------ */

pf_ws_state pf_sse_get_state(const pf_sse *sse);
/* The URL the stream was made with (borrowed; its length in *len). */
const char *pf_sse_url(const pf_sse *sse, size_t *len);

/* The last event id seen (borrowed; valid until the next event or call on
 * the object), or NULL with *len 0. */
const char *pf_sse_last_event_id(const pf_sse *sse, size_t *len);

/* Seeds the last event id (copied), e.g. from a cached page. */
int pf_sse_set_last_event_id(pf_sse *sse, const char *id, size_t len);

/* The server's last retry: value in ms, or -1. */
double pf_sse_server_retry_ms(const pf_sse *sse);

typedef struct pf_sse_stats {
    uint64_t received;   /* events delivered */
    uint64_t duplicates; /* dropped as seq <= last seq */
    uint64_t malformed;  /* data that is not a JSON object */
    uint64_t too_big;    /* data over max_data_bytes */
    uint64_t attempts;   /* EventSources opened */
    uint64_t errors;     /* pf_io_error events */
    uint64_t dead_links; /* streams closed as silent (idle_timeout_ms) */
} pf_sse_stats;

pf_sse_stats pf_sse_get_stats(const pf_sse *sse);

#ifdef __cplusplus
}
#endif

#endif /* PF_SSE_H */
