/*
 * pf_num.h: numbers to text and back, and a small snprintf.
 *
 * The core formats ids, counts and JSON numbers. libc's printf and strtod
 * would bring about 10 KB (gzipped) of float formatting, float scanning and
 * 128-bit long double arithmetic into the wasm; the browser already has exact
 * conversions (String(x) and Number(s)). So:
 *
 *   - integers, and decimals a double can hold exactly enough (at most 15
 *     significant digits, a power of ten up to 1e22), are converted here in C;
 *   - every other number goes to the host (pf_host_number_format and
 *     pf_host_number_parse in pf_host.h), which is JavaScript in the browser
 *     and libc in the native and wasm tests.
 *
 * Text always reads back as exactly the same double (the shortest text that
 * does, laid out as JavaScript's String(x) does: "0.1", "1e+21", "1.5e-7").
 * The one difference from String(x) is -0, which prints as "-0" so that it
 * round-trips too.
 */
#ifndef PF_NUM_H
#define PF_NUM_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Room for any text pf_num_format writes, NUL included. */
#define PF_NUM_MAX 32

/* Writes the shortest text that reads back as exactly `x` to `out`
 * (PF_NUM_MAX bytes), NUL-terminated, and returns its length. NaN and the
 * infinities print as "NaN", "Infinity" and "-Infinity". Cannot fail. */
size_t pf_num_format(double x, char *out);

/* Returns the length of the longest prefix of s[0..len) that is a decimal
 * number as strtod reads one: an optional sign, digits with at most one '.'
 * (at least one digit), then an optional exponent (e or E, optional sign,
 * digits). 0 when there is none. No white space, no hex, no inf/nan. */
size_t pf_num_scan(const char *s, size_t len);

/* Returns the double nearest to the number in s[0..len), which must be a
 * whole pf_num_scan prefix (len == pf_num_scan(s, len) > 0). Overflow gives
 * an infinity, underflow a (signed) zero, as with strtod. */
double pf_num_parse(const char *s, size_t len);

/* A small snprintf for the formats the core uses. Flags '-' and '0', a width,
 * a precision ('.N' or '.*'), length modifiers l, ll and z; conversions
 * d i u x c s % and, for doubles, f with precision 0 ("%.0f": rounded to an
 * integer, ties to even) and g/e/f otherwise, which print pf_num_format's
 * shortest exact text whatever the precision. Writes at most cap bytes, NUL
 * included (nothing when cap is 0), and returns the length the whole text
 * has, or -1 for a conversion it does not know. */
int pf_fmt(char *out, size_t cap, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int pf_vfmt(char *out, size_t cap, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif /* PF_NUM_H */
