/* pf_num.c: see pf_num.h. */
#include "pf_num.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "pf_host.h"

/* 2^53: every integer below it is a double, exactly. */
#define EXACT_INT 9007199254740992.0

/* Writes the digits of v (no sign) ending just before `end`; returns the
 * first one. */
static char *digits_u64(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static size_t put_int(double x, char *out)
{
    char tmp[24];
    char *p = digits_u64((uint64_t)fabs(x), tmp + sizeof tmp);
    size_t n = (size_t)(tmp + sizeof tmp - p), k = 0;
    if (signbit(x))
        out[k++] = '-';
    memcpy(out + k, p, n);
    out[k + n] = 0;
    return k + n;
}

size_t pf_num_format(double x, char *out)
{
    if (isnan(x)) {
        memcpy(out, "NaN", 4);
        return 3;
    }
    if (isinf(x)) {
        strcpy(out, x < 0 ? "-Infinity" : "Infinity");
        return x < 0 ? 9 : 8;
    }
    if (x == floor(x) && fabs(x) < EXACT_INT)
        return put_int(x, out);
    size_t n = pf_host_number_format(x, out, PF_NUM_MAX);
    if (n == 0 || n >= PF_NUM_MAX) {
        /* A host that breaks its contract: say so in the text rather than
         * print garbage (never reached with the hosts we ship). */
        memcpy(out, "NaN", 4);
        return 3;
    }
    out[n] = 0;
    return n;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

size_t pf_num_scan(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && is_digit(s[i]))
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i]))
            i++, digits++;
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < len && is_digit(s[j])) {
            while (j < len && is_digit(s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

/* Powers of ten a double holds exactly. */
static const double pow10_exact[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

double pf_num_parse(const char *s, size_t len)
{
    /* The fast path (Clinger's): with at most 15 significant digits the
     * mantissa is an exact double, and so is 10^k for k <= 22; one
     * multiplication or division of exact values is correctly rounded. */
    size_t i = 0;
    int neg = 0, sig = 0, frac = 0, nonzero = 0;
    uint64_t m = 0;
    long e = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    for (; i < len && (is_digit(s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            frac = 1;
            continue;
        }
        if (s[i] != '0' || nonzero) {
            nonzero = 1;
            if (++sig > 15)
                break;
            m = m * 10 + (uint64_t)(s[i] - '0');
        }
        if (frac)
            e--;
    }
    if (sig <= 15 && i < len && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        long x = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (; i < len && is_digit(s[i]); i++)
            if (x < 100000)
                x = x * 10 + (s[i] - '0');
        e += eneg ? -x : x;
    }
    if (sig <= 15 && i == len) {
        if (m == 0)
            return neg ? -0.0 : 0.0;
        if (e >= -22 && e <= 22) {
            double d = e < 0 ? (double)m / pow10_exact[-e] : (double)m * pow10_exact[e];
            return neg ? -d : d;
        }
    }
    return pf_host_number_parse(s, len);
}

/* ---- pf_fmt ------------------------------------------------------------- */

typedef struct {
    char *out;
    size_t cap, n;
} sink;

static void put(sink *k, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++, k->n++)
        if (k->n + 1 < k->cap)
            k->out[k->n] = s[i];
}

static void pad(sink *k, char c, size_t count)
{
    while (count--)
        put(k, &c, 1);
}

/* Puts s[0..len) in a field of `width`: left-aligned with '-', else right-
 * aligned with spaces, or with zeros after any sign with '0'. */
static void field(sink *k, const char *s, size_t len, size_t width, int left, int zero)
{
    size_t fill = width > len ? width - len : 0;
    if (left) {
        put(k, s, len);
        pad(k, ' ', fill);
    } else if (zero) {
        if (len && s[0] == '-') {
            put(k, s, 1);
            s++, len--;
        }
        pad(k, '0', fill);
        put(k, s, len);
    } else {
        pad(k, ' ', fill);
        put(k, s, len);
    }
}

int pf_vfmt(char *out, size_t cap, const char *fmt, va_list ap)
{
    sink k = {out, cap, 0};
    while (*fmt) {
        if (*fmt != '%') {
            const char *lit = fmt;
            while (*fmt && *fmt != '%')
                fmt++;
            put(&k, lit, (size_t)(fmt - lit));
            continue;
        }
        fmt++;
        int left = 0, zero = 0, lng = 0, prec = -1;
        size_t width = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else
                break;
        }
        while (is_digit(*fmt))
            width = width * 10 + (size_t)(*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else {
                while (is_digit(*fmt))
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        if (*fmt == 'z') {
            lng = 3;
            fmt++;
        } else {
            while (*fmt == 'l' && lng < 2) {
                lng++;
                fmt++;
            }
        }
        char buf[PF_NUM_MAX + 8];
        char c = *fmt++;
        size_t n;
        switch (c) {
        case 'd':
        case 'i': {
            long long v = lng == 2 ? va_arg(ap, long long)
                        : lng == 1 ? va_arg(ap, long)
                        : lng == 3 ? (long long)va_arg(ap, size_t)
                                   : va_arg(ap, int);
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            char *p = digits_u64(mag, buf + sizeof buf);
            if (v < 0)
                *--p = '-';
            field(&k, p, (size_t)(buf + sizeof buf - p), width, left, zero);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = lng == 2 ? va_arg(ap, unsigned long long)
                                 : lng == 1 ? va_arg(ap, unsigned long)
                                 : lng == 3 ? va_arg(ap, size_t)
                                            : va_arg(ap, unsigned);
            char *p = buf + sizeof buf;
            if (c == 'u') {
                p = digits_u64(v, p);
            } else {
                do {
                    *--p = "0123456789abcdef"[v & 15];
                    v >>= 4;
                } while (v);
            }
            field(&k, p, (size_t)(buf + sizeof buf - p), width, left, zero);
            break;
        }
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            field(&k, buf, 1, width, left, 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            n = 0;
            while ((prec < 0 || n < (size_t)prec) && s[n])
                n++;
            /* A precision counts bytes: never end inside a UTF-8 character.
             * Only bytes before n are read (s need not be terminated). */
            if (prec >= 0 && n == (size_t)prec && n > 0) {
                size_t lead = n - 1;
                while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead] & 0xC0) == 0x80)
                    lead--;
                unsigned char b = (unsigned char)s[lead];
                size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                if (lead + need > n)
                    n = lead;
            }
            field(&k, s, n, width, left, 0);
            break;
        }
        case 'f':
        case 'e':
        case 'g': {
            double d = va_arg(ap, double);
            if (c == 'f' && prec == 0 && isfinite(d) && fabs(d) < EXACT_INT)
                d = nearbyint(d); /* the current rounding mode: ties to even */
            n = pf_num_format(d, buf);
            field(&k, buf, n, width, left, zero && isfinite(d));
            break;
        }
        case '%':
            put(&k, "%", 1);
            break;
        default:
            if (cap)
                out[0] = 0;
            return -1;
        }
    }
    if (cap)
        out[k.n < cap ? k.n : cap - 1] = 0;
    return (int)k.n;
}

int pf_fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = pf_vfmt(out, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- cJSON's number hooks (pf_cjson_shim.h) ------------------------------ */

int pf__cjson_sprintf(char *out, const char *fmt, ...);
int pf__cjson_scan_double(const char *text, double *out);
double pf__cjson_strtod(const char *text, char **end);

/* cJSON's buffers are 26 bytes or more and every text it formats is shorter
 * (pf_num_format's longest is 25 bytes with the NUL). */
int pf__cjson_sprintf(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = pf_vfmt(out, 26, fmt, ap);
    va_end(ap);
    return n;
}

int pf__cjson_scan_double(const char *text, double *out)
{
    size_t n = pf_num_scan(text, strlen(text));
    if (n == 0)
        return 0;
    *out = pf_num_parse(text, n);
    return 1;
}

double pf__cjson_strtod(const char *text, char **end)
{
    size_t n = pf_num_scan(text, strlen(text));
    if (end)
        *end = (char *)text + n;
    return n ? pf_num_parse(text, n) : 0.0;
}
