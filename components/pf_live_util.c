/* pf_live_util.c: helpers shared by the built-in components. */
#include "pf_live_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_host.h"
#include "pf_num.h"

void pf__log(int level, const char *msg)
{
    pf_host_log(level, msg, strlen(msg));
}

char *pf__strdup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

const char *pf__json_str(const cJSON *o, const char *name, const char *def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : def;
}

int pf__json_id(const cJSON *v, double *out)
{
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740991.0)
        return 0;
    *out = d;
    return 1;
}

int pf__is_named(const char *s, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len == n && memcmp(s, name, n) == 0;
}

#define DOT_YELLOW "\xF0\x9F\x9F\xA1 "
#define DOT_GREEN "\xF0\x9F\x9F\xA2 "
#define DOT_RED "\xF0\x9F\x94\xB4 "

int pf__connection_status(const pf_ws_event *ev, const char *not_found,
                          int too_many_countdown, char *out, size_t out_size)
{
    double secs = ceil(ev->delay_ms / 1000.0);
    int open = 0;
    if (!(secs >= 0))
        secs = 0;
    switch (ev->state) {
    case PF_WS_IDLE:
    case PF_WS_CONNECTING:
        pf_fmt(out, out_size, DOT_YELLOW "Connecting...");
        break;
    case PF_WS_OPEN:
        open = 1;
        pf_fmt(out, out_size, DOT_GREEN "Connected");
        break;
    case PF_WS_RATE_LIMITED:
        if (ev->code != 4029) {
            open = 1; /* sends are held; the link is up */
            pf_fmt(out, out_size, DOT_GREEN "Connected");
        } else if (too_many_countdown) {
            pf_fmt(out, out_size, DOT_RED "Too many connections: retrying in %.0f s", secs);
        } else {
            pf_fmt(out, out_size, DOT_RED "Too many connections");
        }
        break;
    case PF_WS_RECONNECTING:
        pf_fmt(out, out_size, DOT_RED "Reconnecting in %.0f s", secs);
        break;
    case PF_WS_OFFLINE:
        pf_fmt(out, out_size, DOT_RED "Offline");
        break;
    case PF_WS_AUTH_FAILED:
        pf_fmt(out, out_size, DOT_RED "Authentication required");
        break;
    case PF_WS_FORBIDDEN:
        pf_fmt(out, out_size, DOT_RED "Access denied");
        break;
    case PF_WS_NOT_FOUND:
        pf_fmt(out, out_size, DOT_RED "%s", not_found);
        break;
    default:
        pf_fmt(out, out_size, DOT_RED "Disconnected");
        break;
    }
    return open;
}

int pf__json_insert(cJSON *array, int which, cJSON *item)
{
    if (!cJSON_IsArray(array) || !item || which < 0)
        return 0;
    cJSON *at = array->child;
    for (; at && which > 0; which--)
        at = at->next;
    if (!at)
        return cJSON_AddItemToArray(array, item) ? 1 : 0;
    if (at == array->child)
        return cJSON_InsertItemInArray(array, 0, item) ? 1 : 0; /* works at 0 */
    /* In the middle: cJSON keeps child->prev as the last element, and the
     * last element's next NULL; neither changes here. */
    item->next = at;
    item->prev = at->prev;
    at->prev->next = item;
    at->prev = item;
    return 1;
}

double pf__retry_next(double prev_ms)
{
    double ms = prev_ms > 0 ? prev_ms * 2 : 5000.0;
    return ms > 60000.0 ? 60000.0 : ms;
}

/* Whether `p` starts with `n` digits; their value in *out. */
static int digits(const char *p, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        *out = *out * 10 + (p[i] - '0');
    }
    return 1;
}

/* "2026-11-26T14:45:00.000Z" as "2026-11-26 14:45 UTC" (an offset is shown
 * as given, "14:45 +02:00"; no zone, none), in `out`. 0 when `iso` is not
 * such a date and time (HTML's: a real day of a year from 0001, seconds
 * and a fraction of one to three digits optional). */
static int readable_time(const char *iso, char *out, size_t size)
{
    static const char days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, mo, d, hh, mi, x;
    const char *p, *sep = " ", *zone;
    if (strlen(iso) < 16 || !digits(iso, 4, &y) || iso[4] != '-' || !digits(iso + 5, 2, &mo) ||
        iso[7] != '-' || !digits(iso + 8, 2, &d) || (iso[10] != 'T' && iso[10] != ' ') ||
        !digits(iso + 11, 2, &hh) || iso[13] != ':' || !digits(iso + 14, 2, &mi) || y < 1 ||
        mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || hh > 23 || mi > 59 ||
        (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
        return 0;
    p = iso + 16;
    if (p[0] == ':') {
        if (!digits(p + 1, 2, &x) || x > 59)
            return 0;
        p += 3;
        if (p[0] == '.') { /* one to three digits */
            for (x = 0, p++; x < 4 && *p >= '0' && *p <= '9'; x++, p++)
                ;
            if (x < 1 || x > 3)
                return 0;
        }
    }
    if (p[0] == 'Z' && !p[1])
        zone = "UTC";
    else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && digits(p + 1, 2, &x) && x < 24 &&
             p[3] == ':' && digits(p + 4, 2, &x) && x < 60)
        zone = p;
    else if (p[0])
        return 0;
    else
        sep = zone = "";
    pf_fmt(out, size, "%.10s %.5s%s%s", iso, iso + 11, sep, zone);
    return 1;
}

int pf__html_time(pf_html *h, const char *iso)
{
    char when[32];
    if (!readable_time(iso, when, sizeof when))
        return pf_html_str(h, iso); /* as the server sent it */
    pf_html_open(h, "time");
    pf_html_attr(h, "datetime", iso);
    pf_html_str(h, when);
    return pf_html_close(h);
}
