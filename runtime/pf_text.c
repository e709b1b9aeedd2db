/* pf_text.c: a UTF-8 gap buffer indexed by code points (see pf_text.h). */
#include "pf_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pf_text {
    char *buf;       /* cap bytes: [0, gs) text, [gs, ge) gap, [ge, cap) text */
    size_t cap;
    size_t gs, ge;
    size_t pre_cps;  /* code points in [0, gs) */
    size_t cps;      /* code points in the whole text */
};

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                    */
/* ------------------------------------------------------------------------ */

int pf_utf8_count(const char *str, size_t len, size_t *cps, size_t *bad_pos)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, n = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            n++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;            /* overlong */
            else if (c == 0xED)
                hi = 0x9F;            /* UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;            /* overlong */
            else if (c == 0xF4)
                hi = 0x8F;            /* above U+10FFFF */
        } else {
            goto bad;
        }
        if (len - i <= need)
            goto bad;
        if (s[i + 1] < lo || s[i + 1] > hi)
            goto bad;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
        i += need + 1;
        n++;
    }
    if (cps)
        *cps = n;
    return PF_OK;
bad:
    if (bad_pos)
        *bad_pos = i;
    return PF_EUTF8;
}

/* Length of a UTF-8 sequence from its (valid) lead byte. */
static const unsigned char lead_len[16] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4
};

size_t pf_utf8_offset(const char *str, size_t len, size_t cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (cp > 0 && i < len) {
        i += lead_len[s[i] >> 4];
        cp--;
    }
    return i < len ? i : len;
}

/* Forward from byte `b` (a character start) over `k` code points. */
static size_t fwd(const char *buf, size_t b, size_t k)
{
    const unsigned char *s = (const unsigned char *)buf;
    while (k--)
        b += lead_len[s[b] >> 4];
    return b;
}

/* Backward from byte `b` (a character start or the end) over `k` code points. */
static size_t back(const char *buf, size_t b, size_t k)
{
    const unsigned char *s = (const unsigned char *)buf;
    while (k--) {
        b--;
        while ((s[b] & 0xC0) == 0x80)
            b--;
    }
    return b;
}

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                 */
/* ------------------------------------------------------------------------ */

pf_text *pf_text_new(void)
{
    pf_text *t = calloc(1, sizeof *t);
    return t;
}

void pf_text_free(pf_text *t)
{
    if (!t)
        return;
    free(t->buf);
    free(t);
}

static size_t bytes_of(const pf_text *t)
{
    return t->cap - (t->ge - t->gs);
}

int pf_text_reserve(pf_text *t, size_t extra)
{
    if (!t)
        return PF_EINVAL;
    size_t gap = t->ge - t->gs;
    if (gap >= extra)
        return PF_OK;
    size_t used = bytes_of(t);
    if (extra > SIZE_MAX / 2 - used)
        return PF_ENOMEM;
    size_t cap = t->cap ? t->cap * 2 : 64;
    if (cap < used + extra + 64)
        cap = used + extra + 64;
    char *nb = realloc(t->buf, cap);
    if (!nb)
        return PF_ENOMEM;
    size_t post = t->cap - t->ge;
    memmove(nb + cap - post, nb + t->ge, post);
    t->buf = nb;
    t->ge = cap - post;
    t->cap = cap;
    return PF_OK;
}

int pf_text_set(pf_text *t, const char *utf8, size_t len)
{
    size_t cps;
    if (!t || (!utf8 && len))
        return PF_EINVAL;
    if (pf_utf8_count(utf8, len, &cps, NULL) != PF_OK)
        return PF_EUTF8;
    /* Empty the text (keeping its memory), then insert. */
    t->gs = 0;
    t->ge = t->cap;
    t->pre_cps = 0;
    t->cps = 0;
    if (pf_text_reserve(t, len) != PF_OK)
        return PF_ENOMEM;
    if (len)
        memcpy(t->buf, utf8, len);
    t->gs = len;
    t->pre_cps = cps;
    t->cps = cps;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

size_t pf_text_length(const pf_text *t)
{
    return t ? t->cps : 0;
}

size_t pf_text_byte_length(const pf_text *t)
{
    return t ? bytes_of(t) : 0;
}

/* Physical byte offset of code point `pos` (<= cps). Positions before the
 * gap map into [0, gs]; positions after it into [ge, cap]. */
static size_t locate(const pf_text *t, size_t pos)
{
    if (pos <= t->pre_cps) {
        if (t->gs == t->pre_cps)                  /* ASCII before the gap */
            return pos;
        size_t k = t->pre_cps - pos;
        return k <= pos ? back(t->buf, t->gs, k) : fwd(t->buf, 0, pos);
    }
    size_t k = pos - t->pre_cps;
    size_t post_cps = t->cps - t->pre_cps;
    if (t->cap - t->ge == post_cps)               /* ASCII after the gap */
        return t->ge + k;
    return k <= post_cps - k ? fwd(t->buf, t->ge, k)
                             : back(t->buf, t->cap, post_cps - k);
}

static void move_gap(pf_text *t, size_t pos)
{
    if (pos == t->pre_cps)
        return;
    size_t b = locate(t, pos);
    if (pos < t->pre_cps) {
        size_t n = t->gs - b;
        memmove(t->buf + t->ge - n, t->buf + b, n);
        t->gs -= n;
        t->ge -= n;
    } else {
        size_t n = b - t->ge;
        memmove(t->buf + t->gs, t->buf + t->ge, n);
        t->gs += n;
        t->ge += n;
    }
    t->pre_cps = pos;
}

const char *pf_text_data(pf_text *t, size_t *len)
{
    static const char empty[1] = { 0 };
    if (!t) {
        if (len)
            *len = 0;
        return empty;
    }
    move_gap(t, t->cps);
    if (len)
        *len = t->gs;
    return t->buf ? t->buf : empty;
}

int pf_text_get_range(const pf_text *t, size_t pos, size_t n,
                      char **out, size_t *out_len)
{
    if (!t || !out)
        return PF_EINVAL;
    if (pos > t->cps || n > t->cps - pos)
        return PF_ERANGE;
    size_t a = locate(t, pos), b = locate(t, pos + n);
    /* Physical to logical: offsets at or after ge shift down by the gap. */
    size_t gap = t->ge - t->gs;
    size_t la = a >= t->ge ? a - gap : a;
    size_t lb = b >= t->ge ? b - gap : b;
    size_t bytes = lb - la;
    char *s = malloc(bytes + 1);
    if (!s)
        return PF_ENOMEM;
    if (la < t->gs) {
        size_t first = (lb < t->gs ? lb : t->gs) - la;
        memcpy(s, t->buf + la, first);
        if (bytes > first)
            memcpy(s + first, t->buf + t->ge, bytes - first);
    } else if (bytes) {
        memcpy(s, t->buf + la + gap, bytes);
    }
    s[bytes] = 0;
    *out = s;
    if (out_len)
        *out_len = bytes;
    return PF_OK;
}

int pf_text_equals(const pf_text *t, const char *utf8, size_t len)
{
    if (!t || (!utf8 && len))
        return 0;
    if (bytes_of(t) != len)
        return 0;
    size_t post = t->cap - t->ge;
    return (t->gs == 0 || memcmp(t->buf, utf8, t->gs) == 0)
        && (post == 0 || memcmp(t->buf + t->ge, utf8 + t->gs, post) == 0);
}

/* ------------------------------------------------------------------------ */
/* Editing                                                                  */
/* ------------------------------------------------------------------------ */

void pf__text_splice_trusted(pf_text *t, size_t pos, size_t ndel,
                             const char *ins, size_t ins_len, size_t ins_cps)
{
    move_gap(t, pos);
    if (ndel) {
        size_t post_cps = t->cps - t->pre_cps;
        if (t->cap - t->ge == post_cps)
            t->ge += ndel;
        else
            t->ge = fwd(t->buf, t->ge, ndel);
        t->cps -= ndel;
    }
    if (ins_len) {
        memcpy(t->buf + t->gs, ins, ins_len);
        t->gs += ins_len;
        t->pre_cps += ins_cps;
        t->cps += ins_cps;
    }
}

int pf_text_splice(pf_text *t, size_t pos, size_t ndel,
                   const char *ins, size_t ins_len)
{
    size_t ins_cps = 0;
    if (!t || (!ins && ins_len))
        return PF_EINVAL;
    if (pos > t->cps || ndel > t->cps - pos)
        return PF_ERANGE;
    if (ins_len) {
        /* Inline ASCII fast path; the general check otherwise. */
        const unsigned char *s = (const unsigned char *)ins;
        size_t i = 0;
        while (i < ins_len && s[i] < 0x80)
            i++;
        if (i == ins_len)
            ins_cps = ins_len;
        else if (pf_utf8_count(ins, ins_len, &ins_cps, NULL) != PF_OK)
            return PF_EUTF8;
        if (t->ge - t->gs < ins_len && pf_text_reserve(t, ins_len) != PF_OK)
            return PF_ENOMEM;
    }
    pf__text_splice_trusted(t, pos, ndel, ins, ins_len, ins_cps);
    return PF_OK;
}

int pf_text_splice_batch(pf_text *t, const uint32_t *quads, size_t n,
                         const char *arena, size_t arena_len, size_t *done)
{
    size_t i = 0;
    int rc = PF_OK;
    if (!t || (!quads && n) || (!arena && arena_len))
        rc = PF_EINVAL;
    for (; rc == PF_OK && i < n; i++) {
        const uint32_t *q = quads + 4 * i;
        if (q[2] > arena_len || q[3] > arena_len - q[2]) {
            rc = PF_ERANGE;
            break;
        }
        rc = pf_text_splice(t, q[0], q[1], q[3] ? arena + q[2] : NULL, q[3]);
        if (rc != PF_OK)
            break;
    }
    if (done)
        *done = i;
    return rc;
}
