// fuzz_state.cc: the state store's JSON input. Each line is one write:
//
//   key=json     pf_state_update_json
//   -key         pf_state_remove
//   !f           deliver the pending changes (pf_state_flush)
//   anything else  pf_state_set_multiple_json
//
// After each write the store must still serialize to a JSON object that
// parses and holds as many keys as the store says, and a failed write must
// leave the store as it was.
#include <cstdlib>
#include <string>

#include "fuzz_util.h"

extern "C" {
#include "pf_json.h"
#include "pf_state.h"
}

namespace {

unsigned long notified;

void on_change(void *, pf_state *, const char *const *keys, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!keys[i])
            fuzz::fail("a notification names a NULL key");
    notified += count;
}

std::string dump(const pf_state *s)
{
    char *out = nullptr;
    size_t len = 0;
    if (pf_state_to_json(s, &out, &len) != PF_OK)
        fuzz::fail("pf_state_to_json failed");
    std::string r(out, len);
    pf_free(out);
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_state *s = pf_state_new();
    if (!s)
        return 0;
    pf_state_subscribe(s, nullptr, on_change, nullptr);
    pf_state_subscribe(s, "a", on_change, nullptr);
    for (const std::string &line : fuzz::lines(data, size)) {
        std::string before = dump(s);
        int rc;
        size_t eq = line.find('=');
        pf_parse_error err;
        if (line == "!f") {
            pf_state_flush(s);
            continue;
        } else if (!line.empty() && line[0] == '-') {
            rc = pf_state_remove(s, line.data() + 1, line.size() - 1);
        } else if (eq != std::string::npos && eq < 32 && (line.empty() || line[0] != '{')) {
            rc = pf_state_update_json(s, line.data(), eq, line.data() + eq + 1, line.size() - eq - 1, &err);
            if (rc == PF_OK) {
                char *back = nullptr;
                size_t back_len = 0;
                if (pf_state_get_json(s, line.data(), eq, &back, &back_len) != PF_OK)
                    fuzz::fail("a key just set cannot be read back", line);
                pf_free(back);
            }
        } else {
            rc = pf_state_set_multiple_json(s, line.data(), line.size(), &err);
        }
        std::string after = dump(s);
        if (rc != PF_OK && rc != PF_ENOTFOUND && before != after)
            fuzz::fail("a failed write changed the store", line);
        cJSON *v = nullptr;
        if (pf_json_parse(after.data(), after.size(), 1 << 24, &v, nullptr) != PF_OK || !cJSON_IsObject(v))
            fuzz::fail("the store does not serialize to a JSON object", after);
        if ((size_t)cJSON_GetArraySize(v) != pf_state_size(s))
            fuzz::fail("serialized keys and pf_state_size disagree", after);
        cJSON_Delete(v);
    }
    pf_state_flush(s);
    pf_state_free(s);
    return 0;
}
