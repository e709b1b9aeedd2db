// fuzz_json.cc: pf_json_parse, the strict parser every network message goes
// through. Whatever it accepts must print back to JSON that it accepts
// again and that prints the same (cJSON's printer and parser agree).
#include <cstdlib>
#include <string>

#include "fuzz_util.h"

extern "C" {
#include "pf_json.h"
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = reinterpret_cast<const char *>(data);
    cJSON *v = nullptr;
    pf_parse_error err;
    int rc = pf_json_parse(text, size, 1 << 20, &v, &err);
    if (rc != PF_OK) {
        if (v || err.code != rc || !err.msg || err.pos > size)
            fuzz::fail("a failed parse must leave *out alone and say where", std::to_string(err.pos));
        return 0;
    }
    char *printed = cJSON_PrintUnformatted(v);
    if (!printed)
        fuzz::fail("cannot print what was parsed");
    cJSON *again = nullptr;
    if (pf_json_parse(printed, strlen(printed), 1 << 22, &again, &err) != PF_OK)
        fuzz::fail("printed JSON does not parse again", printed);
    char *printed2 = cJSON_PrintUnformatted(again);
    if (!printed2 || strcmp(printed, printed2) != 0)
        fuzz::fail("print/parse/print is not stable", printed);
    free(printed);
    free(printed2);
    cJSON_Delete(again);
    cJSON_Delete(v);
    return 0;
}
