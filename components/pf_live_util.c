/* pf_live_util.c: helpers shared by the built-in components. */
#include "pf_live_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pf_host.h"

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
