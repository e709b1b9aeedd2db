/* test_text.cc: the document buffer (runtime/pf_text.h) and the editing
 * traces of /work/shared/traces, found through PF_TRACES_DIR. */
#include <gtest/gtest.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "cJSON.h"
#include "pf_ot.h"
#include "pf_text.h"
#include "test_ot_util.h"

using namespace ot_test;

namespace {

struct Text {
    pf_text *t;
    explicit Text(const std::string &s = "") : t(pf_text_new()) {
        EXPECT_EQ(pf_text_set(t, s.data(), s.size()), PF_OK);
    }
    ~Text() { pf_text_free(t); }
    std::string str() { return text_str(t); }
    std::string range(size_t pos, size_t n) {
        char *s = NULL;
        size_t len = 0;
        int rc = pf_text_get_range(t, pos, n, &s, &len);
        if (rc != PF_OK)
            return "<error " + std::to_string(rc) + ">";
        std::string out(s, len);
        EXPECT_EQ(strlen(s), len);
        free(s);
        return out;
    }
};

/* The reference: a vector of code points. */
std::string splice_ref(const std::string &doc, size_t pos, size_t ndel,
                       const std::string &ins) {
    std::vector<std::string> d = code_points(doc);
    std::string out;
    for (size_t i = 0; i < pos; i++)
        out += d[i];
    out += ins;
    for (size_t i = pos + ndel; i < d.size(); i++)
        out += d[i];
    return out;
}

} /* namespace */

TEST(Text, EmptyAndSet) {
    Text t;
    EXPECT_EQ(pf_text_length(t.t), 0u);
    EXPECT_EQ(t.str(), "");
    EXPECT_EQ(t.range(0, 0), "");
    EXPECT_EQ(pf_text_set(t.t, "a\xE4\xB8\xAD\xF0\x9F\x98\x85", 8), PF_OK);
    EXPECT_EQ(pf_text_length(t.t), 3u);
    EXPECT_EQ(pf_text_byte_length(t.t), 8u);
    EXPECT_EQ(pf_text_set(t.t, "\xED\xA0\x80", 3), PF_EUTF8);
    EXPECT_EQ(t.str(), "a\xE4\xB8\xAD\xF0\x9F\x98\x85");   /* unchanged */
    EXPECT_EQ(pf_text_set(NULL, "a", 1), PF_EINVAL);
    EXPECT_EQ(pf_text_set(t.t, NULL, 1), PF_EINVAL);
    EXPECT_EQ(pf_text_length(NULL), 0u);
    EXPECT_EQ(pf_text_byte_length(NULL), 0u);
    pf_text_free(NULL);
    size_t n = 5;
    EXPECT_NE(pf_text_data(NULL, &n), nullptr);
    EXPECT_EQ(n, 0u);
}

TEST(Text, SpliceBasics) {
    Text t("hello world");
    EXPECT_EQ(pf_text_splice(t.t, 5, 6, "!", 1), PF_OK);
    EXPECT_EQ(t.str(), "hello!");
    EXPECT_EQ(pf_text_splice(t.t, 0, 0, "oh ", 3), PF_OK);
    EXPECT_EQ(t.str(), "oh hello!");
    EXPECT_EQ(pf_text_splice(t.t, 9, 0, NULL, 0), PF_OK);
    EXPECT_EQ(pf_text_splice(t.t, 10, 0, "x", 1), PF_ERANGE);
    EXPECT_EQ(pf_text_splice(t.t, 8, 2, "", 0), PF_ERANGE);
    EXPECT_EQ(pf_text_splice(t.t, 0, 0, "\xC3", 1), PF_EUTF8);
    EXPECT_EQ(pf_text_splice(t.t, 0, 0, NULL, 1), PF_EINVAL);
    EXPECT_EQ(pf_text_splice(NULL, 0, 0, "a", 1), PF_EINVAL);
    EXPECT_EQ(t.str(), "oh hello!");
}

TEST(Text, UnicodePositions) {
    /* e + combining acute (2 code points), CJK, emoji outside the BMP. */
    Text t("e\xCC\x81\xE4\xB8\xAD\xF0\x9F\x98\x85z");
    EXPECT_EQ(pf_text_length(t.t), 5u);
    EXPECT_EQ(t.range(1, 1), "\xCC\x81");
    EXPECT_EQ(t.range(3, 2), "\xF0\x9F\x98\x85z");
    EXPECT_EQ(t.range(5, 0), "");
    EXPECT_EQ(t.range(4, 2), "<error -6>");
    EXPECT_EQ(t.range(6, 0), "<error -6>");
    EXPECT_EQ(pf_text_splice(t.t, 3, 1, "\xF0\x9F\xA4\x96\xF0\x9F\xA4\x96", 8), PF_OK);
    EXPECT_EQ(t.str(), "e\xCC\x81\xE4\xB8\xAD\xF0\x9F\xA4\x96\xF0\x9F\xA4\x96z");
    EXPECT_EQ(pf_text_splice(t.t, 1, 1, NULL, 0), PF_OK);
    EXPECT_EQ(t.range(0, 3), "e\xE4\xB8\xAD\xF0\x9F\xA4\x96");
    EXPECT_TRUE(pf_text_equals(t.t, "e\xE4\xB8\xAD\xF0\x9F\xA4\x96\xF0\x9F\xA4\x96z", 13));
    EXPECT_FALSE(pf_text_equals(t.t, "e", 1));
}

TEST(Text, RangeAcrossTheGap) {
    Text t("abcdef\xE4\xB8\xAD" "ghi");
    pf_text_splice(t.t, 3, 0, "X", 1);   /* gap now after X */
    EXPECT_EQ(t.range(1, 5), "bcXde");
    EXPECT_EQ(t.range(4, 0), "");
    EXPECT_EQ(t.range(0, 11), "abcXdef\xE4\xB8\xAD" "ghi");
    EXPECT_EQ(t.range(7, 2), "\xE4\xB8\xAD" "g");
}

TEST(Text, SpliceBatch) {
    Text t("abc");
    const char arena[] = "XY\xF0\x9F\x98\x85";
    const uint32_t quads[] = {
        0, 1, 0, 1,      /* "abc" -> "Xbc" */
        3, 0, 2, 4,      /* -> "Xbc<emoji>" */
        1, 1, 0, 0,      /* -> "Xc<emoji>" */
        9, 0, 0, 1,      /* past the end: stops here */
        0, 0, 1, 1,
    };
    size_t done = 99;
    EXPECT_EQ(pf_text_splice_batch(t.t, quads, 5, arena, 6, &done), PF_ERANGE);
    EXPECT_EQ(done, 3u);
    EXPECT_EQ(t.str(), "Xc\xF0\x9F\x98\x85");
    const uint32_t outside[] = { 0, 0, 4, 3 };
    EXPECT_EQ(pf_text_splice_batch(t.t, outside, 1, arena, 6, &done), PF_ERANGE);
    EXPECT_EQ(done, 0u);
    const uint32_t split[] = { 0, 0, 3, 2 };   /* half an emoji */
    EXPECT_EQ(pf_text_splice_batch(t.t, split, 1, arena, 6, NULL), PF_EUTF8);
    EXPECT_EQ(pf_text_splice_batch(NULL, quads, 1, arena, 6, NULL), PF_EINVAL);
    EXPECT_EQ(pf_text_splice_batch(t.t, NULL, 0, NULL, 0, &done), PF_OK);
    EXPECT_EQ(done, 0u);
    EXPECT_EQ(t.str(), "Xc\xF0\x9F\x98\x85");
}

TEST(Text, RandomSplicesMatchReference) {
    Rng r(3);
    for (int round = 0; round < 20; round++) {
        std::string ref;
        Text t;
        for (int i = 0; i < 300; i++) {
            size_t len = cp_len(ref);
            size_t pos = r.below(len + 1);
            size_t ndel = r.below(len - pos + 1);
            if (r.below(3))
                ndel = ndel > 3 ? 3 : ndel;
            std::string ins = r.below(4) ? rand_word(r) : "";
            ASSERT_EQ(pf_text_splice(t.t, pos, ndel, ins.data(), ins.size()), PF_OK);
            ref = splice_ref(ref, pos, ndel, ins);
            ASSERT_EQ(pf_text_length(t.t), cp_len(ref));
            if (i % 37 == 0) {
                size_t a = r.below(cp_len(ref) + 1);
                size_t n = r.below(cp_len(ref) - a + 1);
                std::vector<std::string> cps = code_points(ref);
                std::string want;
                for (size_t k = a; k < a + n; k++)
                    want += cps[k];
                ASSERT_EQ(t.range(a, n), want);
            }
            if (i % 50 == 0) {
                ASSERT_EQ(t.str(), ref);
            }
        }
        ASSERT_EQ(t.str(), ref);
    }
}

TEST(Text, LargeDocumentSmallEdits) {
    /* A 1 MB document: 20,000 local edits must not be quadratic. */
    std::string big(1 << 20, 'x');
    big += "\xE4\xB8\xAD";
    Text t(big);
    for (int i = 0; i < 20000; i++) {
        size_t pos = 500000 + (size_t)(i % 100);
        ASSERT_EQ(pf_text_splice(t.t, pos, i % 2, "ab", 2), PF_OK);
    }
    EXPECT_EQ(pf_text_length(t.t), (size_t)(1 << 20) + 1 + 20000 * 2 - 10000);
}

/* ------------------------------------------------------------------------ */
/* Editing traces                                                           */
/* ------------------------------------------------------------------------ */

static bool read_file(const std::string &path, std::string *out) {
    FILE *f = fopen(path.c_str(), "rb");
    if (!f)
        return false;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        out->append(buf, n);
    fclose(f);
    return true;
}

/* PF_TRACES_DIR from the environment. Under em++ and Node, getenv() sees
 * Emscripten's own small environment, not the process's, so fall back to
 * reading /proc/self/environ (NODERAWFS reaches the real file system). */
static std::string traces_dir() {
    const char *dir = getenv("PF_TRACES_DIR");
    if (dir)
        return dir;
    std::string env;
    FILE *f = fopen("/proc/self/environ", "rb");
    if (!f)
        return "";
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        env.append(buf, n);
    fclose(f);
    const std::string key = "PF_TRACES_DIR=";
    size_t at = 0;
    while (at < env.size()) {
        size_t end = env.find('\0', at);
        if (end == std::string::npos)
            end = env.size();
        if (env.compare(at, key.size(), key) == 0)
            return env.substr(at + key.size(), end - at - key.size());
        at = end + 1;
    }
    return "";
}

static void replay_trace(const char *name) {
    std::string dir_s = traces_dir();
    const char *dir = dir_s.c_str();
    ASSERT_TRUE(dir && *dir)
        << "PF_TRACES_DIR is not set: it must name a directory holding the "
           "decompressed traces (NAME.json) of /work/shared/traces";
    std::string path = std::string(dir) + "/" + name + ".json", json;
    ASSERT_TRUE(read_file(path, &json)) << "cannot read " << path;
    cJSON *root = cJSON_ParseWithLength(json.data(), json.size());
    ASSERT_NE(root, nullptr) << path;
    json.clear();
    json.shrink_to_fit();
    const char *start = cJSON_GetStringValue(cJSON_GetObjectItem(root, "startContent"));
    const char *end = cJSON_GetStringValue(cJSON_GetObjectItem(root, "endContent"));
    cJSON *txns = cJSON_GetObjectItem(root, "txns");
    ASSERT_TRUE(start && end && cJSON_IsArray(txns));
    pf_text *t = pf_text_new();
    ASSERT_EQ(pf_text_set(t, start, strlen(start)), PF_OK);
    /* Half the patches go through pf_text_splice, the other half through
     * the OT path (op built, applied with pf_ot_apply), both checked. */
    size_t count = 0;
    pf_ot_op *op = pf_ot_new();
    cJSON *txn;
    cJSON_ArrayForEach(txn, txns) {
        cJSON *patch;
        cJSON_ArrayForEach(patch, cJSON_GetObjectItem(txn, "patches")) {
            size_t pos = (size_t)cJSON_GetArrayItem(patch, 0)->valuedouble;
            size_t del = (size_t)cJSON_GetArrayItem(patch, 1)->valuedouble;
            const char *ins = cJSON_GetArrayItem(patch, 2)->valuestring;
            size_t ins_len = strlen(ins);
            if (count % 2 == 0) {
                ASSERT_EQ(pf_text_splice(t, pos, del, ins, ins_len), PF_OK) << count;
            } else {
                pf_ot_clear(op);
                pf_ot_skip(op, pos);
                pf_ot_insert(op, ins, ins_len);
                pf_ot_delete(op, del);
                pf_ot_trim(op);
                ASSERT_EQ(pf_ot_apply(op, t), PF_OK) << count;
            }
            count++;
        }
    }
    pf_ot_free(op);
    EXPECT_GT(count, 1000u);
    size_t len;
    const char *data = pf_text_data(t, &len);
    EXPECT_EQ(len, strlen(end));
    EXPECT_TRUE(len == strlen(end) && memcmp(data, end, len) == 0)
        << name << " did not replay to its endContent";
    pf_text_free(t);
    cJSON_Delete(root);
}

TEST(TextTrace, AutomergePaper) { replay_trace("automerge-paper"); }
TEST(TextTrace, SephBlog1) { replay_trace("seph-blog1"); }
TEST(TextTrace, FriendsforeverFlat) { replay_trace("friendsforever_flat"); }
