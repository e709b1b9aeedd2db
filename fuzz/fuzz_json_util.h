// fuzz_json_util.h: JSON helpers of the fuzz targets (need the runtime).
#ifndef PF_FUZZ_JSON_UTIL_H
#define PF_FUZZ_JSON_UTIL_H

#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_util.h"

extern "C" {
#include "pf_json.h"
}

namespace fuzz {

// Whether `text` is a JSON object whose "type" is "snapshot".
inline bool is_snapshot(const char *text, size_t len)
{
    cJSON *v = nullptr;
    if (pf_json_parse(text, len, (size_t)1 << 26, &v, nullptr) != PF_OK)
        return false;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "type");
    bool yes = cJSON_IsObject(v) && cJSON_IsString(t) && strcmp(t->valuestring, "snapshot") == 0;
    cJSON_Delete(v);
    return yes;
}

// The stream-position check of pf_ws and pf_sse: a seq is delivered once
// and in order, except that a snapshot sets the position and a resync
// forgets it.
struct SeqCheck {
    int64_t last = -1;
    void reset() { last = -1; }
    void delivered(const char *text, size_t len, int64_t seq)
    {
        if (is_snapshot(text, len)) {
            if (seq >= 0)
                last = seq;
        } else if (seq >= 0) {
            if (seq <= last)
                fail("a seq delivered twice or out of order", std::to_string(seq));
            last = seq;
        }
    }
};

}  // namespace fuzz

#endif
