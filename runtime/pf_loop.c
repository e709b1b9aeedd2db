/* pf_loop.c: routes host events (timers, flushes, frames, I/O) to modules. */
#include "pf_loop.h"

#include <stdlib.h>
#include <string.h>

#include "pf_error.h"

/* ------------------------------------------------------------------------ */
/* Timers: a small open table; ids grow and are never reused in a session.  */
/* ------------------------------------------------------------------------ */

typedef struct timer_slot {
    uint32_t id;
    pf_timer_fn fn;
    void *ud;
} timer_slot;

static timer_slot *timers;
static size_t timer_count, timer_cap;
static uint32_t next_timer_id = 1;

uint32_t pf_timer_set(double delay_ms, pf_timer_fn fn, void *ud)
{
    if (!fn)
        return 0;
    if (timer_count == timer_cap) {
        size_t cap = timer_cap ? timer_cap * 2 : 16;
        timer_slot *t = realloc(timers, cap * sizeof *t);
        if (!t)
            return 0;
        timers = t;
        timer_cap = cap;
    }
    uint32_t id = next_timer_id++;
    if (next_timer_id == 0)
        next_timer_id = 1;
    timers[timer_count++] = (timer_slot){ id, fn, ud };
    pf_host_timer_start(id, delay_ms < 0 ? 0 : delay_ms);
    return id;
}

static long timer_find(uint32_t id)
{
    for (size_t i = 0; i < timer_count; i++)
        if (timers[i].id == id)
            return (long)i;
    return -1;
}

static void timer_remove_at(size_t i)
{
    timers[i] = timers[--timer_count];
}

void pf_timer_clear(uint32_t id)
{
    long i = id ? timer_find(id) : -1;
    if (i < 0)
        return;
    timer_remove_at((size_t)i);
    pf_host_timer_cancel(id);
}

void pf_timer_fired(uint32_t id)
{
    long i = timer_find(id);
    if (i < 0)
        return;
    timer_slot t = timers[i];
    timer_remove_at((size_t)i);
    t.fn(t.ud);
}

/* ------------------------------------------------------------------------ */
/* Deferred tasks: two FIFO queues, one per flush and one per frame.        */
/* ------------------------------------------------------------------------ */

typedef struct task {
    pf_task_fn fn;
    void *ud;
} task;

/* A round of tasks being run by queue_run; a round run from inside a task
 * (pf_flush called there) points to the one around it. */
typedef struct task_round {
    task *items;
    size_t count;
    struct task_round *outer;
} task_round;

typedef struct task_queue {
    task *items;
    size_t count, cap;
    int requested;
    task_round *round;  /* innermost round being run, NULL between */
} task_queue;

static task_queue flush_q, frame_q;

static int queue_push(task_queue *q, pf_task_fn fn, void *ud)
{
    if (!fn)
        return PF_EINVAL;
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        task *t = realloc(q->items, cap * sizeof *t);
        if (!t)
            return PF_ENOMEM;
        q->items = t;
        q->cap = cap;
    }
    q->items[q->count++] = (task){ fn, ud };
    return PF_OK;
}

/* Runs the tasks queued before the call; tasks deferred while running wait
 * for the next round, so a task that re-defers itself cannot spin forever. */
static void queue_run(task_queue *q)
{
    size_t n = q->count;
    q->requested = 0;
    if (n == 0)
        return;
    task *batch = malloc(n * sizeof *batch);
    if (!batch)
        return;
    memcpy(batch, q->items, n * sizeof *batch);
    memmove(q->items, q->items + n, (q->count - n) * sizeof *q->items);
    q->count -= n;
    /* pf_cancel_deferred reaches the rounds being run too: a task may free
     * an object whose own task comes later in the round. */
    task_round round = { batch, n, q->round };
    q->round = &round;
    for (size_t i = 0; i < n; i++)
        if (batch[i].fn)
            batch[i].fn(batch[i].ud);
    q->round = round.outer;
    free(batch);
}

int pf_defer(pf_task_fn fn, void *ud)
{
    int rc = queue_push(&flush_q, fn, ud);
    if (rc == PF_OK && !flush_q.requested) {
        flush_q.requested = 1;
        pf_host_request_flush();
    }
    return rc;
}

int pf_defer_frame(pf_task_fn fn, void *ud)
{
    int rc = queue_push(&frame_q, fn, ud);
    if (rc == PF_OK && !frame_q.requested) {
        frame_q.requested = 1;
        pf_host_request_frame();
    }
    return rc;
}

static void queue_cancel(task_queue *q, void *ud)
{
    for (task_round *r = q->round; r; r = r->outer)
        for (size_t i = 0; i < r->count; i++)
            if (r->items[i].ud == ud)
                r->items[i].fn = NULL;
    size_t w = 0;
    for (size_t r = 0; r < q->count; r++)
        if (q->items[r].ud != ud)
            q->items[w++] = q->items[r];
    q->count = w;
}

void pf_cancel_deferred(void *ud)
{
    queue_cancel(&flush_q, ud);
    queue_cancel(&frame_q, ud);
}

void pf_flush(void)
{
    queue_run(&flush_q);
    if (flush_q.count && !flush_q.requested) {
        flush_q.requested = 1;
        pf_host_request_flush();
    }
}

void pf_frame(void)
{
    queue_run(&frame_q);
    if (frame_q.count && !frame_q.requested) {
        frame_q.requested = 1;
        pf_host_request_frame();
    }
}

/* ------------------------------------------------------------------------ */
/* I/O watches                                                              */
/* ------------------------------------------------------------------------ */

typedef struct watch {
    int32_t handle;
    const pf_io_handler *h;
    void *ud;
} watch;

static watch *watches;
static size_t watch_count, watch_cap;

static watch *watch_find(int32_t handle)
{
    for (size_t i = 0; i < watch_count; i++)
        if (watches[i].handle == handle)
            return &watches[i];
    return NULL;
}

int pf_io_watch(int32_t handle, const pf_io_handler *h, void *ud)
{
    if (handle <= 0 || !h)
        return PF_EINVAL;
    watch *w = watch_find(handle);
    if (!w) {
        if (watch_count == watch_cap) {
            size_t cap = watch_cap ? watch_cap * 2 : 8;
            watch *t = realloc(watches, cap * sizeof *t);
            if (!t)
                return PF_ENOMEM;
            watches = t;
            watch_cap = cap;
        }
        w = &watches[watch_count++];
    }
    *w = (watch){ handle, h, ud };
    return PF_OK;
}

void pf_io_unwatch(int32_t handle)
{
    watch *w = watch_find(handle);
    if (w)
        *w = watches[--watch_count];
}

/* Events copy the watch before calling out: the handler may unwatch or
 * watch other handles, which moves entries of the table. */
void pf_io_opened(int32_t handle)
{
    watch *w = watch_find(handle);
    if (w && w->h->opened) {
        watch c = *w;
        c.h->opened(c.ud, handle);
    }
}

void pf_io_message(int32_t handle, const char *data, size_t len)
{
    watch *w = watch_find(handle);
    if (w && w->h->message) {
        watch c = *w;
        c.h->message(c.ud, handle, data ? data : "", data ? len : 0);
    }
}

void pf_io_closed(int32_t handle, int code, const char *reason, size_t reason_len)
{
    watch *w = watch_find(handle);
    if (!w)
        return;
    watch c = *w;
    pf_io_unwatch(handle); /* the handle is released after a close */
    if (c.h->closed)
        c.h->closed(c.ud, handle, code, reason ? reason : "", reason ? reason_len : 0);
}

void pf_io_error(int32_t handle, int status)
{
    watch *w = watch_find(handle);
    if (!w)
        return;
    watch c = *w;
    pf_io_unwatch(handle);
    if (c.h->error)
        c.h->error(c.ud, handle, status);
}

void pf_io_sse(int32_t handle, const char *event, size_t event_len,
               const char *id, size_t id_len, const char *data, size_t data_len,
               int retry_ms)
{
    watch *w = watch_find(handle);
    if (w && w->h->sse) {
        watch c = *w;
        c.h->sse(c.ud, handle, event ? event : "", event ? event_len : 0,
                 id ? id : "", id ? id_len : 0, data ? data : "", data ? data_len : 0,
                 retry_ms);
    }
}

void pf_io_http_done(int32_t handle, int status, const char *body, size_t len)
{
    watch *w = watch_find(handle);
    if (!w)
        return;
    watch c = *w;
    pf_io_unwatch(handle);
    if (c.h->http_done)
        c.h->http_done(c.ud, handle, status, body ? body : "", body ? len : 0);
}

/* ------------------------------------------------------------------------ */
/* Online / visibility listeners                                            */
/* ------------------------------------------------------------------------ */

typedef struct net_listener {
    pf_net_fn fn;
    void *ud;
} net_listener;

static net_listener *net_listeners;
static size_t net_count, net_cap;

int pf_net_listen(pf_net_fn fn, void *ud)
{
    if (!fn)
        return PF_EINVAL;
    for (size_t i = 0; i < net_count; i++)
        if (net_listeners[i].ud == ud) {
            net_listeners[i].fn = fn;
            return PF_OK;
        }
    if (net_count == net_cap) {
        size_t cap = net_cap ? net_cap * 2 : 8;
        net_listener *t = realloc(net_listeners, cap * sizeof *t);
        if (!t)
            return PF_ENOMEM;
        net_listeners = t;
        net_cap = cap;
    }
    net_listeners[net_count++] = (net_listener){ fn, ud };
    return PF_OK;
}

void pf_net_unlisten(void *ud)
{
    for (size_t i = 0; i < net_count; i++)
        if (net_listeners[i].ud == ud) {
            net_listeners[i] = net_listeners[--net_count];
            return;
        }
}

void pf_net_changed(int online, int visible)
{
    /* Listeners may unlisten themselves: walk a snapshot. */
    size_t n = net_count;
    net_listener *snap = n ? malloc(n * sizeof *snap) : NULL;
    if (n && !snap)
        return;
    if (n)
        memcpy(snap, net_listeners, n * sizeof *snap);
    for (size_t i = 0; i < n; i++) {
        int still_listening = 0;
        for (size_t j = 0; j < net_count; j++)
            if (net_listeners[j].ud == snap[i].ud && net_listeners[j].fn == snap[i].fn)
                still_listening = 1;
        if (still_listening)
            snap[i].fn(snap[i].ud, online, visible);
    }
    free(snap);
}

void pf_loop_reset(void)
{
    for (size_t i = 0; i < timer_count; i++)
        pf_host_timer_cancel(timers[i].id);
    free(timers);
    timers = NULL;
    timer_count = timer_cap = 0;
    free(flush_q.items);
    free(frame_q.items);
    memset(&flush_q, 0, sizeof flush_q);
    memset(&frame_q, 0, sizeof frame_q);
    free(watches);
    watches = NULL;
    watch_count = watch_cap = 0;
    free(net_listeners);
    net_listeners = NULL;
    net_count = net_cap = 0;
}
