/* pf_state.c: keyed JSON values with batched change notification. */
#include "pf_state.h"
#include <math.h>

#include <stdlib.h>
#include <string.h>

#include "pf_json.h"
#include "pf_loop.h"

typedef struct subscription {
    int id;
    char *key;          /* NULL: every key */
    pf_state_fn fn;
    void *ud;
    int removed;        /* unsubscribed while a delivery was running */
} subscription;

struct pf_state {
    cJSON *values;      /* a JSON object: one member per key */
    char **dirty;       /* keys changed since the last delivery */
    size_t dirty_count, dirty_cap;
    subscription *subs;
    size_t sub_count, sub_cap;
    int next_sub_id;
    int flush_scheduled;
    int delivering;
    int freed;          /* pf_state_free during a delivery: done at its end */
    unsigned long deliveries;
};

void pf_free(void *p) { free(p); }

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

pf_state *pf_state_new(void)
{
    pf_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->values = cJSON_CreateObject();
    if (!s->values) {
        free(s);
        return NULL;
    }
    s->next_sub_id = 1;
    return s;
}

static void clear_dirty(pf_state *s)
{
    for (size_t i = 0; i < s->dirty_count; i++)
        free(s->dirty[i]);
    s->dirty_count = 0;
}

void pf_state_free(pf_state *s)
{
    if (!s)
        return;
    if (s->delivering) {
        /* A subscriber let the store go (or unmounted its component): the
         * delivery loop still reads it; it stops and frees it. */
        s->freed = 1;
        return;
    }
    pf_cancel_deferred(s);
    cJSON_Delete(s->values);
    clear_dirty(s);
    free(s->dirty);
    for (size_t i = 0; i < s->sub_count; i++)
        free(s->subs[i].key);
    free(s->subs);
    free(s);
}

/* ---- reading ------------------------------------------------------------- */

const cJSON *pf_state_get(const pf_state *s, const char *key)
{
    if (!s || !key)
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(s->values, key);
}

const cJSON *pf_state_get_n(const pf_state *s, const char *key, size_t key_len)
{
    if (!s || !key)
        return NULL;
    /* Keys are short; compare by length without copying. */
    for (const cJSON *it = s->values->child; it; it = it->next)
        if (strlen(it->string) == key_len && memcmp(it->string, key, key_len) == 0)
            return it;
    return NULL;
}

int pf_state_get_number(const pf_state *s, const char *key, double *out)
{
    const cJSON *v = pf_state_get(s, key);
    if (!v)
        return PF_ENOTFOUND;
    if (!cJSON_IsNumber(v))
        return PF_ETYPE;
    if (out)
        *out = v->valuedouble;
    return PF_OK;
}

int pf_state_get_bool(const pf_state *s, const char *key, int *out)
{
    const cJSON *v = pf_state_get(s, key);
    if (!v)
        return PF_ENOTFOUND;
    if (!cJSON_IsBool(v))
        return PF_ETYPE;
    if (out)
        *out = cJSON_IsTrue(v);
    return PF_OK;
}

int pf_state_get_string(const pf_state *s, const char *key, const char **out)
{
    const cJSON *v = pf_state_get(s, key);
    if (!v)
        return PF_ENOTFOUND;
    if (!cJSON_IsString(v))
        return PF_ETYPE;
    if (out)
        *out = v->valuestring;
    return PF_OK;
}

static int print_json(const cJSON *v, char **out, size_t *out_len)
{
    char *text = pf_json_print(v);
    if (!text)
        return PF_ENOMEM;
    *out = text;
    if (out_len)
        *out_len = strlen(text);
    return PF_OK;
}

int pf_state_get_json(const pf_state *s, const char *key, size_t key_len,
                      char **out, size_t *out_len)
{
    if (!s || !key || !out)
        return PF_EINVAL;
    const cJSON *v = pf_state_get_n(s, key, key_len);
    if (!v)
        return PF_ENOTFOUND;
    return print_json(v, out, out_len);
}

int pf_state_to_json(const pf_state *s, char **out, size_t *out_len)
{
    if (!s || !out)
        return PF_EINVAL;
    return print_json(s->values, out, out_len);
}

size_t pf_state_size(const pf_state *s)
{
    size_t n = 0;
    if (s)
        for (const cJSON *it = s->values->child; it; it = it->next)
            n++;
    return n;
}

/* ---- change tracking ----------------------------------------------------- */

static void deliver_deferred(void *ud) { pf_state_flush((pf_state *)ud); }

static int mark_dirty(pf_state *s, const char *key)
{
    for (size_t i = 0; i < s->dirty_count; i++)
        if (strcmp(s->dirty[i], key) == 0)
            return PF_OK;
    if (s->dirty_count == s->dirty_cap) {
        size_t cap = s->dirty_cap ? s->dirty_cap * 2 : 8;
        char **d = realloc(s->dirty, cap * sizeof *d);
        if (!d)
            return PF_ENOMEM;
        s->dirty = d;
        s->dirty_cap = cap;
    }
    char *copy = dup_n(key, strlen(key));
    if (!copy)
        return PF_ENOMEM;
    s->dirty[s->dirty_count++] = copy;
    if (!s->flush_scheduled && !s->delivering) {
        if (pf_defer(deliver_deferred, s) != PF_OK)
            return PF_ENOMEM;
        s->flush_scheduled = 1;
    }
    return PF_OK;
}

/* Every member of `a` is in `b` with an equal value. */
static int same_json(const cJSON *a, const cJSON *b);
static int members_in(const cJSON *a, const cJSON *b)
{
    for (const cJSON *x = a->child; x; x = x->next) {
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
        if (!y || !same_json(x, y))
            return 0;
    }
    return 1;
}

/* Two JSON values are equal: numbers exactly (cJSON_Compare allows a
 * relative error, so 2^53 + 2 "equalled" 2^53 and an update was lost), -0
 * apart from 0 (they print differently), object members in any order. */
static int same_json(const cJSON *a, const cJSON *b)
{
    int t = a->type & 0xFF;
    if (t != (b->type & 0xFF))
        return 0;
    if (t == cJSON_Number)
        return a->valuedouble == b->valuedouble && !signbit(a->valuedouble) == !signbit(b->valuedouble);
    if (t == cJSON_String || t == cJSON_Raw)
        return a->valuestring && b->valuestring ? strcmp(a->valuestring, b->valuestring) == 0
                                                : a->valuestring == b->valuestring;
    if (t == cJSON_Array) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!same_json(x, y))
                return 0;
        return !x && !y;
    }
    if (t == cJSON_Object)
        return members_in(a, b) && members_in(b, a);
    return 1; /* null, true, false */
}

/* Replaces (or adds) one member; owns `value`. Marks the key dirty unless the
 * old value is equal. */
static int put(pf_state *s, const char *key, cJSON *value)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(s->values, key);
    if (old && same_json(old, value)) {
        cJSON_Delete(value);
        return PF_OK;
    }
    int rc = mark_dirty(s, key);
    if (rc != PF_OK) {
        cJSON_Delete(value);
        return rc;
    }
    if (old) {
        if (!cJSON_ReplaceItemInObjectCaseSensitive(s->values, key, value)) {
            cJSON_Delete(value);
            return PF_ENOMEM;
        }
    } else if (!cJSON_AddItemToObject(s->values, key, value)) {
        cJSON_Delete(value);
        return PF_ENOMEM;
    }
    return PF_OK;
}

int pf_state_update(pf_state *s, const char *key, cJSON *value)
{
    if (!s || !key || !*key || !value) {
        cJSON_Delete(value);
        return PF_EINVAL;
    }
    return put(s, key, value);
}

cJSON *pf_state_edit(pf_state *s, const char *key)
{
    if (!s || !key || !*key)
        return NULL;
    cJSON *v = cJSON_GetObjectItemCaseSensitive(s->values, key);
    if (!v || mark_dirty(s, key) != PF_OK)
        return NULL;
    return v;
}

static int parse_json(const char *json, size_t len, cJSON **out, pf_parse_error *err)
{
    return pf_json_parse(json, len, PF_STATE_MAX_JSON, out, err);
}

int pf_state_update_json(pf_state *s, const char *key, size_t key_len,
                         const char *json, size_t json_len, pf_parse_error *err)
{
    if (!s || !key || key_len == 0 || memchr(key, 0, key_len)) {
        if (err)
            *err = (pf_parse_error){ PF_EINVAL, "a key must be a non-empty string without NUL", 0 };
        return PF_EINVAL;
    }
    cJSON *v = NULL;
    int rc = parse_json(json, json_len, &v, err);
    if (rc != PF_OK)
        return rc;
    char *k = dup_n(key, key_len);
    if (!k) {
        cJSON_Delete(v);
        return PF_ENOMEM;
    }
    rc = put(s, k, v);
    free(k);
    return rc;
}

int pf_state_set_multiple(pf_state *s, cJSON *object)
{
    if (!s || !object) {
        cJSON_Delete(object);
        return PF_EINVAL;
    }
    if (!cJSON_IsObject(object)) {
        cJSON_Delete(object);
        return PF_ETYPE;
    }
    for (cJSON *it = object->child; it; it = it->next)
        if (!it->string || !*it->string) {
            cJSON_Delete(object);
            return PF_ETYPE;
        }
    int rc = PF_OK;
    while (object->child && rc == PF_OK) {
        cJSON *item = cJSON_DetachItemViaPointer(object, object->child);
        char *key = item->string;   /* take the key; put() adds a copy */
        item->string = NULL;
        rc = put(s, key, item);
        cJSON_free(key);
    }
    cJSON_Delete(object);
    return rc;
}

int pf_state_set_multiple_json(pf_state *s, const char *json, size_t json_len,
                               pf_parse_error *err)
{
    if (!s)
        return PF_EINVAL;
    cJSON *v = NULL;
    int rc = parse_json(json, json_len, &v, err);
    if (rc != PF_OK)
        return rc;
    if (!cJSON_IsObject(v)) {
        cJSON_Delete(v);
        if (err)
            *err = (pf_parse_error){ PF_ETYPE, "set_multiple needs a JSON object", 0 };
        return PF_ETYPE;
    }
    rc = pf_state_set_multiple(s, v);
    if (rc == PF_ETYPE && err)
        *err = (pf_parse_error){ PF_ETYPE, "a key must be a non-empty string", 0 };
    return rc;
}

int pf_state_remove(pf_state *s, const char *key, size_t key_len)
{
    if (!s || !key)
        return PF_EINVAL;
    cJSON *v = (cJSON *)pf_state_get_n(s, key, key_len);
    if (!v)
        return PF_ENOTFOUND;
    int rc = mark_dirty(s, v->string);
    if (rc != PF_OK)
        return rc;
    cJSON_Delete(cJSON_DetachItemViaPointer(s->values, v));
    return PF_OK;
}

/* ---- subscriptions and delivery ------------------------------------------ */

int pf_state_subscribe(pf_state *s, const char *key, pf_state_fn fn, void *ud)
{
    if (!s || !fn)
        return PF_EINVAL;
    if (s->sub_count == s->sub_cap) {
        size_t cap = s->sub_cap ? s->sub_cap * 2 : 4;
        subscription *t = realloc(s->subs, cap * sizeof *t);
        if (!t)
            return PF_ENOMEM;
        s->subs = t;
        s->sub_cap = cap;
    }
    char *k = NULL;
    if (key && !(k = dup_n(key, strlen(key))))
        return PF_ENOMEM;
    int id = s->next_sub_id++;
    s->subs[s->sub_count++] = (subscription){ id, k, fn, ud, 0 };
    return id;
}

static void compact_subs(pf_state *s)
{
    size_t w = 0;
    for (size_t r = 0; r < s->sub_count; r++) {
        if (s->subs[r].removed)
            free(s->subs[r].key);
        else
            s->subs[w++] = s->subs[r];
    }
    s->sub_count = w;
}

int pf_state_unsubscribe(pf_state *s, int id)
{
    if (!s)
        return PF_EINVAL;
    for (size_t i = 0; i < s->sub_count; i++)
        if (s->subs[i].id == id && !s->subs[i].removed) {
            s->subs[i].removed = 1;
            if (!s->delivering)
                compact_subs(s);
            return PF_OK;
        }
    return PF_ENOTFOUND;
}

static int wants(const subscription *sub, char *const *keys, size_t n)
{
    if (!sub->key)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(sub->key, keys[i]) == 0)
            return 1;
    return 0;
}

void pf_state_flush(pf_state *s)
{
    if (!s || s->delivering)
        return;
    if (s->flush_scheduled) {
        pf_cancel_deferred(s);
        s->flush_scheduled = 0;
    }
    if (s->dirty_count == 0)
        return;
    /* Take the dirty set: changes made by subscribers start a new one. */
    char **keys = s->dirty;
    size_t n = s->dirty_count;
    s->dirty = NULL;
    s->dirty_count = s->dirty_cap = 0;
    s->delivering = 1;
    s->deliveries++;
    /* Subscribers added during delivery are not called this round. */
    size_t subs_now = s->sub_count;
    for (size_t i = 0; i < subs_now && !s->freed; i++) {
        subscription sub = s->subs[i];
        if (!sub.removed && wants(&sub, keys, n))
            sub.fn(sub.ud, s, (const char *const *)keys, n);
    }
    s->delivering = 0;
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    if (s->freed) {
        pf_state_free(s);
        return;
    }
    compact_subs(s);
    if (s->dirty_count && !s->flush_scheduled && pf_defer(deliver_deferred, s) == PF_OK)
        s->flush_scheduled = 1;
}

size_t pf_state_pending(const pf_state *s) { return s ? s->dirty_count : 0; }

unsigned long pf_state_deliveries(const pf_state *s) { return s ? s->deliveries : 0; }
