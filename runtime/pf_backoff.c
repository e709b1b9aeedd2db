/* pf_backoff.c: exponential backoff with full jitter. */
#include "pf_backoff.h"

#include "pf_host.h"

pf_backoff_opts pf_backoff_opts_resolve(const pf_backoff_opts *opts)
{
    pf_backoff_opts o = { 0, 0, 0, 0, 0 };
    if (opts)
        o = *opts;
    if (!(o.min_ms > 0))
        o.min_ms = PF_BACKOFF_DEFAULT_MIN_MS;
    if (!(o.base_ms > 0))
        o.base_ms = PF_BACKOFF_DEFAULT_BASE_MS;
    if (!(o.cap_ms > 0))
        o.cap_ms = PF_BACKOFF_DEFAULT_CAP_MS;
    if (!(o.factor >= 1))
        o.factor = PF_BACKOFF_DEFAULT_FACTOR;
    if (!(o.reset_after_ms > 0))
        o.reset_after_ms = PF_BACKOFF_DEFAULT_RESET_AFTER_MS;
    if (o.min_ms > o.cap_ms)
        o.min_ms = o.cap_ms;
    return o;
}

int pf_backoff_opts_equal(const pf_backoff_opts *a, const pf_backoff_opts *b)
{
    return a->min_ms == b->min_ms && a->base_ms == b->base_ms && a->cap_ms == b->cap_ms &&
           a->factor == b->factor && a->reset_after_ms == b->reset_after_ms;
}

double pf_backoff_ceiling(const pf_backoff_opts *o, unsigned attempt)
{
    /* Multiply step by step and stop at the cap: no pow(), no overflow. */
    double c = o->base_ms;
    for (unsigned i = 0; i < attempt && c < o->cap_ms; i++)
        c *= o->factor;
    if (c > o->cap_ms)
        c = o->cap_ms;
    if (c < o->min_ms)
        c = o->min_ms;
    return c;
}

double pf_backoff_delay(const pf_backoff_opts *o, unsigned attempt, uint32_t draw)
{
    double ceiling = pf_backoff_ceiling(o, attempt);
    double u = (double)draw / 4294967296.0; /* [0, 1) */
    return o->min_ms + (ceiling - o->min_ms) * u;
}

void pf_backoff_init(pf_backoff *b, const pf_backoff_opts *opts)
{
    b->opts = pf_backoff_opts_resolve(opts);
    b->attempt = 0;
    b->opened_at = -1;
}

double pf_backoff_next(pf_backoff *b)
{
    double d = pf_backoff_delay(&b->opts, b->attempt, pf_host_random_u32());
    if (b->attempt < 1000000u)
        b->attempt++;
    return d;
}

double pf_backoff_next_long(pf_backoff *b, double floor_ms)
{
    double ceiling = pf_backoff_ceiling(&b->opts, b->attempt);
    double u = (double)pf_host_random_u32() / 4294967296.0;
    if (b->attempt < 1000000u)
        b->attempt++;
    return (floor_ms > 0 ? floor_ms : 0) + ceiling * u;
}

void pf_backoff_opened(pf_backoff *b, double now)
{
    b->opened_at = now;
}

int pf_backoff_closed(pf_backoff *b, double now)
{
    int stable = b->opened_at >= 0 && now - b->opened_at >= b->opts.reset_after_ms;
    b->opened_at = -1;
    if (stable)
        b->attempt = 0;
    return stable;
}

void pf_backoff_reset(pf_backoff *b)
{
    b->attempt = 0;
}
