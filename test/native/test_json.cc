/* test_json.cc: runtime/pf_json.c's printer, pf_json_print, which must print
 * byte for byte what cJSON_PrintUnformatted prints (the runtime calls it
 * instead so that cJSON's printer stays out of the wasm). */
#include <gtest/gtest.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "cJSON.h"
#include "pf_json.h"

namespace {

/* Prints v both ways, checks they agree and returns the text. */
std::string both(const cJSON *v)
{
    char *ours = pf_json_print(v);
    char *theirs = cJSON_PrintUnformatted(v);
    EXPECT_TRUE(ours != NULL);
    EXPECT_TRUE(theirs != NULL);
    std::string a = ours ? ours : "(null)", b = theirs ? theirs : "(null)";
    EXPECT_EQ(a, b);
    free(ours);
    cJSON_free(theirs);
    return a;
}

std::string both_text(const char *json)
{
    cJSON *v = cJSON_Parse(json);
    EXPECT_TRUE(v != NULL) << json;
    std::string s = both(v);
    cJSON_Delete(v);
    return s;
}

} // namespace

TEST(JsonPrint, ScalarsAndContainers)
{
    EXPECT_EQ(both_text("null"), "null");
    EXPECT_EQ(both_text("true"), "true");
    EXPECT_EQ(both_text("false"), "false");
    EXPECT_EQ(both_text("[]"), "[]");
    EXPECT_EQ(both_text("{}"), "{}");
    EXPECT_EQ(both_text(" { \"a\" : [ 1 , { \"b\" : [ ] } , \"x\" ] , \"c\" : { } } "),
              "{\"a\":[1,{\"b\":[]},\"x\"],\"c\":{}}");
    EXPECT_EQ(both_text("[[[[[[1]]]]],2]"), "[[[[[[1]]]]],2]");
}

TEST(JsonPrint, Numbers)
{
    const double xs[] = { 0.0, -0.0, 1, -1, 0.1, 0.1 + 0.2, 1e21, 1e-7, 123456789012345678.0,
                          5e-324, 1.7976931348623157e308, -2.5, 4294967296.0, 1.0 / 3 };
    for (double x : xs) {
        cJSON *n = cJSON_CreateNumber(x);
        both(n);
        cJSON_Delete(n);
    }
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(NAN));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(INFINITY));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(-INFINITY));
    EXPECT_EQ(both(arr), "[null,null,null]");
    cJSON_Delete(arr);
}

TEST(JsonPrint, StringsAreEscapedAsCJsonEscapes)
{
    std::string all;
    for (int c = 1; c < 128; c++)
        all += (char)c;
    all += "\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \x7f";
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, all.c_str(), all.c_str());
    cJSON_AddStringToObject(o, "", "");
    cJSON_AddStringToObject(o, "q", "\"\\/<\b\f\n\r\t\x01\x1f");
    both(o);
    cJSON_Delete(o);
    EXPECT_EQ(both_text("\"a\\u0001b\\\"c\\\\d\\/e\\u2028\""), "\"a\\u0001b\\\"c\\\\d/e\xe2\x80\xa8\"");
}

TEST(JsonPrint, RawItemsAndFailures)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateRaw("{\"already\":\"json\"}"));
    EXPECT_EQ(both(arr), "[{\"already\":\"json\"}]");
    cJSON_Delete(arr);

    EXPECT_EQ(pf_json_print(NULL), nullptr);
    cJSON invalid;
    memset(&invalid, 0, sizeof invalid); /* cJSON_Invalid */
    EXPECT_EQ(pf_json_print(&invalid), nullptr);
    EXPECT_EQ(cJSON_PrintUnformatted(&invalid), nullptr);
    cJSON raw;
    memset(&raw, 0, sizeof raw);
    raw.type = cJSON_Raw; /* without text */
    EXPECT_EQ(pf_json_print(&raw), nullptr);
}
