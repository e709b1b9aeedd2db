/*
 * pf_cjson_shim.h: forced into cJSON.c (gcc/emcc -include) so that cJSON's
 * number printing and parsing use runtime/pf_num.c instead of libc's
 * sprintf, sscanf and strtod (see pf_num.h for why).
 *
 * cJSON prints a number with sprintf("%1.15g"), reads it back with
 * sscanf("%lg") and prints it again with "%1.17g" when the two differ by
 * more than DBL_EPSILON (so 0.1 + 0.2 printed as "0.3" before this shim).
 * pf_fmt's %g is already the shortest text that reads back exactly, so the
 * check passes and cJSON's output round-trips exactly. Its other sprintf
 * calls ("%i.%i.%i", "u%04x", "null") are within what pf_fmt knows.
 */
#ifndef PF_CJSON_SHIM_H
#define PF_CJSON_SHIM_H

#include <stdio.h>
#include <stdlib.h>

int pf__cjson_sprintf(char *out, const char *fmt, ...);
int pf__cjson_scan_double(const char *text, double *out);
double pf__cjson_strtod(const char *text, char **end);

#define sprintf pf__cjson_sprintf
#define sscanf(text, fmt, out) pf__cjson_scan_double(text, out)
#define strtod pf__cjson_strtod

#endif
