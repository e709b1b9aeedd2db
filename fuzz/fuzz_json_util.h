// fuzz_json_util.h: JSON helpers of the fuzz targets (need the runtime).
#ifndef PF_FUZZ_JSON_UTIL_H
#define PF_FUZZ_JSON_UTIL_H

#include <cstring>

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

}  // namespace fuzz

#endif
