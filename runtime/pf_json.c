/* pf_json.c: strict, never-truncating JSON parsing (see pf_json.h). */
#include "pf_json.h"

#include <string.h>

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
