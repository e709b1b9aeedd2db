/* pf_json.c: strict, never-truncating JSON parsing (see pf_json.h). */
#include "pf_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pf_num.h"

static int fail(pf_parse_error *err, int code, const char *msg, size_t pos)
{
    if (err)
        *err = (pf_parse_error){ code, msg, pos };
    return code;
}

/* Finds a raw NUL or a \u0000 escape; returns its offset or len if none. */
static size_t find_nul(const char *text, size_t len, const char **msg)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == 0) {
            *msg = "NUL byte in JSON text";
            return i;
        }
        if (text[i] == '\\' && i + 1 < len) {
            if (text[i + 1] == 'u' && i + 5 < len && memcmp(text + i + 2, "0000", 4) == 0) {
                *msg = "strings may not contain U+0000";
                return i;
            }
            i++; /* skip the escaped character, so "\\u0000" is not matched */
        }
    }
    return len;
}

int pf_json_parse(const char *text, size_t len, size_t max_len, cJSON **out, pf_parse_error *err)
{
    if (err)
        *err = (pf_parse_error){ PF_OK, NULL, 0 };
    if (!text || !out)
        return fail(err, PF_EINVAL, "no JSON text", 0);
    if (len > max_len)
        return fail(err, PF_ETOOBIG, "JSON text is larger than the limit", 0);
    const char *msg = NULL;
    size_t nul = find_nul(text, len, &msg);
    if (nul < len)
        return fail(err, PF_EJSON, msg, nul);
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!v) {
        size_t pos = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        return fail(err, PF_EJSON, "malformed JSON", pos);
    }
    size_t pos = (size_t)(end - text);
    while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
        pos++;
    if (pos < len) {
        cJSON_Delete(v);
        return fail(err, PF_EJSON, "unexpected characters after the JSON value", pos);
    }
    *out = v;
    return PF_OK;
}

/* ---- printing ------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} out_buf;

static void put(out_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->cap - b->len <= n) {
        size_t cap = b->cap * 2 > b->len + n + 1 ? b->cap * 2 : b->len + n + 1;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* A string as cJSON's print_string_ptr writes it: '"', '\\' and the
 * control characters escaped (short forms where JSON has them, else
 * \u00XX), every other byte as it is; NULL prints as "". */
static void put_string(out_buf *b, const char *s)
{
    static const char plain[] = "\"\\\b\f\n\r\t", esc[] = "\"\\bfnrt";
    put(b, "\"", 1);
    while (s && *s) {
        size_t run = 0;
        while (s[run] && (unsigned char)s[run] >= 32 && s[run] != '"' && s[run] != '\\')
            run++;
        put(b, s, run);
        s += run;
        if (!*s)
            break;
        char e[8] = "\\";
        const char *m = strchr(plain, *s);
        if (m) {
            e[1] = esc[m - plain];
            put(b, e, 2);
        } else {
            put(b, e, (size_t)pf_fmt(e + 1, sizeof e - 1, "u%04x", (unsigned)(unsigned char)*s) + 1);
        }
        s++;
    }
    put(b, "\"", 1);
}

static void put_value(out_buf *b, const cJSON *v)
{
    char num[26];
    switch (v->type & 0xFF) {
    case cJSON_NULL:
        put(b, "null", 4);
        break;
    case cJSON_False:
        put(b, "false", 5);
        break;
    case cJSON_True:
        put(b, "true", 4);
        break;
    case cJSON_Number:
        /* cJSON prints "%1.15g" (then "%1.17g" if that did not read back
         * exactly); with pf_cjson_shim.h both are pf_fmt's shortest text. */
        if (isnan(v->valuedouble) || isinf(v->valuedouble))
            put(b, "null", 4);
        else
            put(b, num, (size_t)pf_fmt(num, sizeof num, "%1.15g", v->valuedouble));
        break;
    case cJSON_Raw:
        if (v->valuestring)
            put(b, v->valuestring, strlen(v->valuestring));
        else
            b->failed = 1;
        break;
    case cJSON_String:
        put_string(b, v->valuestring);
        break;
    case cJSON_Array:
    case cJSON_Object: {
        int object = (v->type & 0xFF) == cJSON_Object;
        put(b, object ? "{" : "[", 1);
        for (const cJSON *c = v->child; c; c = c->next) {
            if (c != v->child)
                put(b, ",", 1);
            if (object) {
                put_string(b, c->string);
                put(b, ":", 1);
            }
            put_value(b, c);
        }
        put(b, object ? "}" : "]", 1);
        break;
    }
    default:
        b->failed = 1;
    }
}

char *pf_json_print(const cJSON *item)
{
    if (!item)
        return NULL;
    out_buf b = { NULL, 0, 0, 0 };
    put_value(&b, item);
    put(&b, "", 0);
    if (b.failed || !b.p) {
        free(b.p);
        return NULL;
    }
    b.p[b.len] = 0;
    return b.p;
}
