/*
 * host_number.c: pf_host_number_format and pf_host_number_parse with libc,
 * for the hosts that are not a browser (test/fake_host.c's tests, native and
 * under em++, and the benchmarks). The output is what JavaScript's String(x)
 * gives, so that the tests see the text the browser host produces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_host.h"

size_t pf_host_number_format(double x, char *out, size_t cap)
{
    char e[40], digits[20], text[40];
    int prec, exp10, k = 0, n;
    size_t len = 0;
    /* The shortest precision that reads back exactly (17 always does). */
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, x);
        if (strtod(e, NULL) == x)
            break;
    }
    /* e is "-d.ddde-XX": collect the digits and the exponent. */
    const char *p = e;
    if (*p == '-')
        text[len++] = '-', p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    exp10 = atoi(p + 1);
    n = exp10 + 1; /* the decimal point is after n digits */
    if (k <= n && n <= 21) {
        memcpy(text + len, digits, (size_t)k), len += (size_t)k;
        for (int i = k; i < n; i++)
            text[len++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(text + len, digits, (size_t)n), len += (size_t)n;
        text[len++] = '.';
        memcpy(text + len, digits + n, (size_t)(k - n)), len += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        text[len++] = '0', text[len++] = '.';
        for (int i = 0; i < -n; i++)
            text[len++] = '0';
        memcpy(text + len, digits, (size_t)k), len += (size_t)k;
    } else {
        text[len++] = digits[0];
        if (k > 1) {
            text[len++] = '.';
            memcpy(text + len, digits + 1, (size_t)(k - 1)), len += (size_t)(k - 1);
        }
        len += (size_t)snprintf(text + len, sizeof text - len, "e%c%d", n - 1 < 0 ? '-' : '+',
                                n - 1 < 0 ? 1 - n : n - 1);
    }
    if (len > cap)
        return 0;
    memcpy(out, text, len);
    return len;
}

double pf_host_number_parse(const char *text, size_t len)
{
    char stack[64];
    char *s = len < sizeof stack ? stack : malloc(len + 1);
    if (!s)
        return 0.0; /* a test host: out of memory is not a case we test */
    memcpy(s, text, len);
    s[len] = 0;
    double d = strtod(s, NULL);
    if (s != stack)
        free(s);
    return d;
}
