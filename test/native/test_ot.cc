/* test_ot.cc: the text-unicode operation type (runtime/pf_ot.h). */
#include <gtest/gtest.h>

#include <stdlib.h>
#include <string.h>

#include <string>

#include "cJSON.h"
#include "pf_ot.h"
#include "test_ot_util.h"

using namespace ot_test;

namespace {

#include "test_ot_golden.inc"

struct Op {
    pf_ot_op *op;
    explicit Op(pf_ot_op *o = NULL) : op(o) {}
    ~Op() { pf_ot_free(op); }
    Op(const Op &) = delete;
    Op &operator=(const Op &) = delete;
    pf_ot_op **out() { pf_ot_free(op); op = NULL; return &op; }
};

std::string norm(const char *json) {
    Op op(parse(json));
    EXPECT_NE(op.op, nullptr) << json;
    return op.op ? ser(op.op) : "<null>";
}

int parse_err(const char *json, pf_parse_error *e, unsigned flags = 0) {
    pf_ot_op *op = (pf_ot_op *)1;
    int rc = pf_ot_parse(json, strlen(json), flags, &op, e);
    EXPECT_EQ(op, nullptr);
    return rc;
}

std::string transform_s(const char *a, const char *b, int side) {
    Op x(parse(a)), y(parse(b)), r;
    EXPECT_EQ(pf_ot_transform(x.op, y.op, side, r.out()), PF_OK);
    return ser(r.op);
}

std::string compose_s(const char *a, const char *b) {
    Op x(parse(a)), y(parse(b)), r;
    EXPECT_EQ(pf_ot_compose(x.op, y.op, r.out()), PF_OK);
    return ser(r.op);
}

std::string diff_s(const char *a, const char *b, long cursor) {
    Op r;
    EXPECT_EQ(pf_ot_diff(a, strlen(a), b, strlen(b), cursor, r.out()), PF_OK);
    return ser(r.op);
}

} /* namespace */

/* ------------------------------------------------------------------------ */
/* Parse and serialize                                                      */
/* ------------------------------------------------------------------------ */

TEST(OtParse, ValidForms) {
    EXPECT_EQ(norm("[]"), "[]");
    EXPECT_EQ(norm(" [ 5 , \"abc\" , {\"d\" : 4} ] "), "[5,\"abc\",{\"d\":4}]");
    EXPECT_EQ(norm("[{\"d\":\"xy\"}]"), "[{\"d\":\"xy\"}]");
    EXPECT_EQ(norm("[\"a\\n\\\"\\\\\\/\\t\\u00e9\\ud83d\\ude05\"]"),
              "[\"a\\n\\\"\\\\/\\t\xC3\xA9\xF0\x9F\x98\x85\"]");
    EXPECT_EQ(norm("[1e1,\"x\"]"), "[10,\"x\"]");
    EXPECT_EQ(norm("[2.0,\"x\"]"), "[2,\"x\"]");
    EXPECT_EQ(norm("[\"\\u0000\"]"), "[\"\\u0000\"]");
}

TEST(OtParse, NormalizesByDefault) {
    EXPECT_EQ(norm("[0,\"\",{\"d\":0},{\"d\":\"\"}]"), "[]");
    EXPECT_EQ(norm("[1,2,\"a\",\"b\",{\"d\":1},{\"d\":2}]"), "[3,\"ab\",{\"d\":3}]");
    EXPECT_EQ(norm("[{\"d\":\"a\"},{\"d\":\"b\"}]"), "[{\"d\":\"ab\"}]");
    EXPECT_EQ(norm("[{\"d\":\"a\"},{\"d\":2}]"), "[{\"d\":3}]");
    EXPECT_EQ(norm("[\"x\",5]"), "[\"x\"]");
    EXPECT_EQ(norm("[5]"), "[]");
    EXPECT_EQ(norm("[-0,\"x\"]"), "[\"x\"]");
}

TEST(OtParse, StrictFollowsCheckOp) {
    pf_parse_error e;
    EXPECT_EQ(parse_err("[0,\"x\"]", &e, PF_OT_STRICT), PF_EINVAL);
    EXPECT_EQ(parse_err("[\"\"]", &e, PF_OT_STRICT), PF_EINVAL);
    EXPECT_EQ(parse_err("[{\"d\":0}]", &e, PF_OT_STRICT), PF_EINVAL);
    EXPECT_EQ(parse_err("[{\"d\":\"\"}]", &e, PF_OT_STRICT), PF_EINVAL);
    EXPECT_EQ(parse_err("[1,2,\"x\"]", &e, PF_OT_STRICT), PF_EINVAL);
    EXPECT_EQ(e.pos, 3u);
    EXPECT_EQ(parse_err("[\"x\",2]", &e, PF_OT_STRICT), PF_EINVAL);
    EXPECT_STREQ(e.msg, "trailing skip");
    pf_ot_op *op = NULL;
    const char *ok = "[1,\"a\",\"b\",{\"d\":1},{\"d\":\"x\"}]";
    ASSERT_EQ(pf_ot_parse(ok, strlen(ok), PF_OT_STRICT, &op, NULL), PF_OK);
    EXPECT_EQ(ser(op), "[1,\"ab\",{\"d\":2}]");
    pf_ot_free(op);
}

TEST(OtParse, RejectsBadJson) {
    pf_parse_error e;
    const char *bad[] = {
        "", "   ", "[", "[1", "[1,", "[1 2]", "[\"abc", "[\"a\\x\"]", "[\"\\u12\"]",
        "[\"\\u12g4\"]", "[{\"d\"}]", "[{\"d\":1", "[{\"d\":1,}]", "[1]x", "[]]",
        "[01]", "[1.]", "[1e]", "[-]", "[+1]", "[\"a\x01\"]", "[{d:1}]", "x",
        "[{\"d\" 1}]", "[,]", "[1,]",
    };
    for (const char *s : bad) {
        int rc = parse_err(s, &e);
        EXPECT_EQ(rc, PF_EJSON) << s;
        EXPECT_EQ(e.code, rc);
        EXPECT_NE(e.msg, nullptr);
        EXPECT_LE(e.pos, strlen(s));
    }
    EXPECT_EQ(parse_err("[1 2]", &e), PF_EJSON);
    EXPECT_EQ(e.pos, 3u);
}

TEST(OtParse, RejectsWrongTypes) {
    pf_parse_error e;
    const char *bad[] = {
        "{}", "\"abc\"", "5", "true", "null", "[true]", "[null]", "[[1]]",
        "[{}]", "[{\"x\":1}]", "[{\"d\":true}]", "[{\"d\":[1]}]",
        "[{\"d\":1,\"x\":2}]", "[{\"dd\":1}]", "[false]",
    };
    for (const char *s : bad) {
        EXPECT_EQ(parse_err(s, &e), PF_ETYPE) << s;
        EXPECT_EQ(e.code, PF_ETYPE);
    }
    EXPECT_EQ(parse_err("[1,true]", &e), PF_ETYPE);
    EXPECT_EQ(e.pos, 3u);
}

TEST(OtParse, RejectsBadNumbers) {
    pf_parse_error e;
    const char *bad[] = {
        "[-1]", "[1.5]", "[{\"d\":-3}]", "[{\"d\":0.5}]", "[2147483648]",
        "[99999999999999999999999]", "[1e300]", "[-5,\"x\"]",
    };
    for (const char *s : bad)
        EXPECT_EQ(parse_err(s, &e), PF_ERANGE) << s;
    EXPECT_EQ(norm("[2147483647,\"x\"]"), "[2147483647,\"x\"]");
}

TEST(OtParse, RejectsBadUnicode) {
    pf_parse_error e;
    const char *bad[] = {
        "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800x\"]", "[\"\\ud800\\u0041\"]",
        "[\"\xED\xA0\x80\"]",       /* encoded surrogate */
        "[\"\xC0\xAF\"]",           /* overlong */
        "[\"\xF4\x90\x80\x80\"]",   /* above U+10FFFF */
        "[\"\xE4\xB8\"]",           /* truncated */
        "[\"\x80\"]", "[\"\xFF\"]", "[{\"d\":\"\\udfff\"}]",
    };
    for (const char *s : bad)
        EXPECT_EQ(parse_err(s, &e), PF_EUTF8) << s;
    EXPECT_EQ(parse_err("[\"ab\\ud800\"]", &e), PF_EUTF8);
    EXPECT_EQ(e.pos, 4u);
}

TEST(OtParse, NullArguments) {
    pf_parse_error e;
    EXPECT_EQ(pf_ot_parse("[]", 2, 0, NULL, &e), PF_EINVAL);
    pf_ot_op *op;
    EXPECT_EQ(pf_ot_parse(NULL, 3, 0, &op, NULL), PF_EINVAL);
    EXPECT_EQ(pf_ot_parse(NULL, 0, 0, &op, &e), PF_EJSON);
}

TEST(OtParse, NeverReadsPastLength) {
    /* Every prefix of a valid op is rejected, never read beyond. */
    std::string s = "[5,\"a\xF0\x9F\x98\x85\\u00e9\",{\"d\":\"xy\"},{\"d\":12}]";
    for (size_t n = 0; n < s.size(); n++) {
        char *copy = (char *)malloc(n ? n : 1);
        memcpy(copy, s.data(), n);
        pf_ot_op *op = NULL;
        pf_parse_error e;
        EXPECT_NE(pf_ot_parse(copy, n, 0, &op, &e), PF_OK) << n;
        EXPECT_EQ(op, nullptr);
        free(copy);
    }
}

TEST(OtParse, RandomBytesNeverCrash) {
    Rng r(7);
    const char pieces[] = "[]{}\",:0123456789-.e\\ud\xF0\x9F\x98\x85";
    for (int i = 0; i < 3000; i++) {
        std::string s = "[";
        size_t n = r.below(20);
        for (size_t k = 0; k < n; k++)
            s += pieces[r.below(sizeof pieces - 1)];
        pf_ot_op *op = NULL;
        pf_parse_error e;
        int rc = pf_ot_parse(s.data(), s.size(), r.below(2), &op, &e);
        if (rc == PF_OK) {
            std::string again = ser(op);
            Op back(parse(again));
            ASSERT_NE(back.op, nullptr) << again;
            EXPECT_TRUE(pf_ot_equal(op, back.op));
            pf_ot_free(op);
        } else {
            EXPECT_EQ(op, nullptr);
            EXPECT_EQ(e.code, rc);
        }
    }
}

TEST(OtSerialize, EscapesAndRoundTrips) {
    Op op(pf_ot_new());
    pf_ot_skip(op.op, 3);
    const char ins[] = "q\"\\\n\r\t\b\x01\x7f\xE4\xB8\xAD";
    ASSERT_EQ(pf_ot_insert(op.op, ins, sizeof ins - 1), PF_OK);
    pf_ot_delete(op.op, 2);
    std::string s = ser(op.op);
    EXPECT_EQ(s, "[3,\"q\\\"\\\\\\n\\r\\t\\u0008\\u0001\x7f\xE4\xB8\xAD\",{\"d\":2}]");
    Op back(parse(s));
    EXPECT_TRUE(pf_ot_equal(op.op, back.op));
    cJSON *j = cJSON_ParseWithLength(s.data(), s.size());
    ASSERT_NE(j, nullptr);
    EXPECT_STREQ(cJSON_GetArrayItem(j, 1)->valuestring, "q\"\\\n\r\t\b\x01\x7f\xE4\xB8\xAD");
    cJSON_Delete(j);
    size_t n = 99;
    char *empty = pf_ot_serialize(NULL, &n);
    EXPECT_STREQ(empty, "[]");
    EXPECT_EQ(n, 2u);
    free(empty);
}

/* ------------------------------------------------------------------------ */
/* Building, access                                                         */
/* ------------------------------------------------------------------------ */

TEST(OtBuild, AppendMergesLikeMakeAppend) {
    Op op(pf_ot_new());
    EXPECT_EQ(pf_ot_skip(op.op, 0), PF_OK);
    EXPECT_EQ(pf_ot_count(op.op), 0u);
    pf_ot_skip(op.op, 2);
    pf_ot_skip(op.op, 3);
    pf_ot_insert(op.op, "a", 1);
    pf_ot_insert(op.op, "", 0);
    pf_ot_insert(op.op, "\xF0\x9F\x98\x85", 4);
    pf_ot_delete_text(op.op, "x", 1);
    pf_ot_delete_text(op.op, "y", 1);
    EXPECT_EQ(ser(op.op), "[5,\"a\xF0\x9F\x98\x85\",{\"d\":\"xy\"}]");
    pf_ot_delete(op.op, 2);
    EXPECT_EQ(ser(op.op), "[5,\"a\xF0\x9F\x98\x85\",{\"d\":4}]");
    pf_ot_skip(op.op, 1);
    EXPECT_EQ(ser(op.op), "[5,\"a\xF0\x9F\x98\x85\",{\"d\":4},1]");
    pf_ot_trim(op.op);
    EXPECT_EQ(ser(op.op), "[5,\"a\xF0\x9F\x98\x85\",{\"d\":4}]");
    pf_ot_component c;
    ASSERT_EQ(pf_ot_get(op.op, 1, &c), PF_OK);
    EXPECT_EQ(c.kind, PF_OT_INSERT);
    EXPECT_EQ(c.n, 2u);
    EXPECT_EQ(std::string(c.text, c.text_len), "a\xF0\x9F\x98\x85");
    ASSERT_EQ(pf_ot_get(op.op, 2, &c), PF_OK);
    EXPECT_EQ(c.kind, PF_OT_DELETE);
    EXPECT_EQ(c.text, nullptr);
    EXPECT_EQ(pf_ot_get(op.op, 3, &c), PF_ERANGE);
    EXPECT_EQ(pf_ot_get(NULL, 0, &c), PF_EINVAL);
    EXPECT_EQ(pf_ot_base_length(op.op), 9u);
    EXPECT_EQ(pf_ot_length_delta(op.op), -2);
}

TEST(OtBuild, RejectsInvalidText) {
    Op op(pf_ot_new());
    pf_ot_insert(op.op, "a", 1);
    EXPECT_EQ(pf_ot_insert(op.op, "\xED\xA0\x80", 3), PF_EUTF8);
    EXPECT_EQ(pf_ot_delete_text(op.op, "\xC3", 1), PF_EUTF8);
    EXPECT_EQ(pf_ot_insert(op.op, NULL, 1), PF_EINVAL);
    EXPECT_EQ(pf_ot_insert(NULL, "a", 1), PF_EINVAL);
    EXPECT_EQ(pf_ot_skip(NULL, 1), PF_EINVAL);
    EXPECT_EQ(pf_ot_delete(NULL, 1), PF_EINVAL);
    EXPECT_EQ(ser(op.op), "[\"a\"]");
}

TEST(OtBuild, CloneClearEqualNoop) {
    Op a(parse("[1,\"x\",{\"d\":\"y\"}]"));
    Op b(pf_ot_clone(a.op));
    EXPECT_TRUE(pf_ot_equal(a.op, b.op));
    Op c(parse("[1,\"x\",{\"d\":1}]"));
    EXPECT_FALSE(pf_ot_equal(a.op, c.op));
    pf_ot_clear(b.op);
    EXPECT_TRUE(pf_ot_is_noop(b.op));
    EXPECT_FALSE(pf_ot_is_noop(a.op));
    EXPECT_EQ(pf_ot_clone(NULL), nullptr);
    pf_ot_free(NULL);
    EXPECT_TRUE(pf_ot_equal(NULL, NULL));
}

TEST(OtBuild, NormalizeInPlace) {
    Op op(pf_ot_new());
    pf_ot_skip(op.op, 4);
    EXPECT_EQ(pf_ot_normalize(op.op), PF_OK);
    EXPECT_EQ(ser(op.op), "[]");
    EXPECT_EQ(pf_ot_normalize(NULL), PF_EINVAL);
}

/* ------------------------------------------------------------------------ */
/* Apply                                                                    */
/* ------------------------------------------------------------------------ */

TEST(OtApply, Basic) {
    Op op(parse("[5,\"abc\",{\"d\":4}]"));
    EXPECT_EQ(apply_str("0123456789", op.op), "01234abc9");
    Op ins(parse("[\"hi \"]"));
    EXPECT_EQ(apply_str("", ins.op), "hi ");
    Op end(parse("[3,\"!\"]"));
    EXPECT_EQ(apply_str("abc", end.op), "abc!");
}

TEST(OtApply, CountsCodePoints) {
    /* e + combining acute is two code points; the emoji is one. */
    std::string doc = "e\xCC\x81\xF0\x9F\x98\x85\xE4\xB8\xAD\xE6\x96\x87!";
    Op a(parse("[1,{\"d\":1},1,\"\xF0\x9F\xA4\x96\",{\"d\":1}]"));
    EXPECT_EQ(apply_str(doc, a.op), "e\xF0\x9F\x98\x85\xF0\x9F\xA4\x96\xE6\x96\x87!");
    Op b(parse("[5,{\"d\":\"!\"}]"));
    EXPECT_EQ(apply_str(doc, b.op), "e\xCC\x81\xF0\x9F\x98\x85\xE4\xB8\xAD\xE6\x96\x87");
}

TEST(OtApply, RejectsPastTheEndWithoutChange) {
    pf_text *t = pf_text_new();
    pf_text_set(t, "abc", 3);
    Op skip(parse("[4,\"x\"]"));
    EXPECT_EQ(pf_ot_apply(skip.op, t), PF_ERANGE);
    Op del(parse("[\"x\",2,{\"d\":2}]"));
    EXPECT_EQ(pf_ot_apply(del.op, t), PF_ERANGE);
    EXPECT_EQ(text_str(t), "abc");
    EXPECT_EQ(pf_ot_apply(NULL, t), PF_EINVAL);
    EXPECT_EQ(pf_ot_apply(skip.op, NULL), PF_EINVAL);
    pf_text_free(t);
}

/* ------------------------------------------------------------------------ */
/* Transform, compose (hand cases from ot-text-unicode's own tests)         */
/* ------------------------------------------------------------------------ */

TEST(OtTransform, TieBreak) {
    EXPECT_EQ(transform_s("[\"a\"]", "[\"b\"]", PF_OT_LEFT), "[\"a\"]");
    EXPECT_EQ(transform_s("[\"a\"]", "[\"b\"]", PF_OT_RIGHT), "[1,\"a\"]");
    EXPECT_EQ(transform_s("[3,\"a\"]", "[3,\"bb\"]", PF_OT_RIGHT), "[5,\"a\"]");
}

TEST(OtTransform, Cases) {
    EXPECT_EQ(transform_s("[]", "[]", PF_OT_LEFT), "[]");
    EXPECT_EQ(transform_s("[3,\"a\"]", "[1,\"\xF0\x9F\x98\x85\"]", PF_OT_LEFT), "[4,\"a\"]");
    EXPECT_EQ(transform_s("[3,\"a\"]", "[1,{\"d\":1}]", PF_OT_LEFT), "[2,\"a\"]");
    EXPECT_EQ(transform_s("[1,{\"d\":3}]", "[2,{\"d\":3}]", PF_OT_LEFT), "[1,{\"d\":1}]");
    EXPECT_EQ(transform_s("[{\"d\":\"abc\"}]", "[1,\"X\"]", PF_OT_LEFT),
              "[{\"d\":\"a\"},1,{\"d\":\"bc\"}]");
    EXPECT_EQ(transform_s("[1,\"x\"]", "[{\"d\":3}]", PF_OT_LEFT), "[\"x\"]");
    EXPECT_EQ(transform_s("[{\"d\":2}]", "[{\"d\":2}]", PF_OT_LEFT), "[]");
    Op a(parse("[]")), r;
    EXPECT_EQ(pf_ot_transform(a.op, a.op, 2, r.out()), PF_EINVAL);
    EXPECT_EQ(pf_ot_transform(NULL, a.op, 0, r.out()), PF_EINVAL);
    EXPECT_EQ(pf_ot_transform(a.op, a.op, 0, NULL), PF_EINVAL);
}

// Found by fuzz/fuzz_ot (clang UBSan: "applying zero offset to null
// pointer"): an operation of skips and numeric deletes has no text pool, and
// compose took the text of its deletes as NULL + 0.
/* A merged skip that would pass SIZE_MAX (2^32 - 1 in wasm) is a range
 * error, as the parser reports it; it was reported as out of memory. */
TEST(OtTransform, MergedCountPastSizeMaxIsARangeError) {
    const size_t h = SIZE_MAX / 2;   /* h + h + 2 == SIZE_MAX + 1 */
    Op a(pf_ot_new()), b(pf_ot_new()), r;
    ASSERT_EQ(pf_ot_skip(a.op, h), PF_OK);
    ASSERT_EQ(pf_ot_delete(a.op, 1), PF_OK);
    ASSERT_EQ(pf_ot_skip(a.op, h), PF_OK);
    ASSERT_EQ(pf_ot_delete(a.op, 1), PF_OK);
    ASSERT_EQ(pf_ot_skip(a.op, 2), PF_OK);
    ASSERT_EQ(pf_ot_insert(a.op, "x", 1), PF_OK);
    ASSERT_EQ(pf_ot_skip(b.op, h), PF_OK);
    ASSERT_EQ(pf_ot_delete(b.op, 1), PF_OK);
    ASSERT_EQ(pf_ot_skip(b.op, h), PF_OK);
    ASSERT_EQ(pf_ot_delete(b.op, 1), PF_OK);
    /* b deletes what a deletes: a's three skips merge. */
    EXPECT_EQ(pf_ot_transform(a.op, b.op, PF_OT_LEFT, r.out()), PF_ERANGE);
    EXPECT_EQ(r.op, nullptr);
    /* compose: b's deletes cancel a's inserts, a's skips merge. */
    Op c(pf_ot_new());
    ASSERT_EQ(pf_ot_skip(c.op, h), PF_OK);
    ASSERT_EQ(pf_ot_insert(c.op, "a", 1), PF_OK);
    ASSERT_EQ(pf_ot_skip(c.op, h), PF_OK);
    ASSERT_EQ(pf_ot_insert(c.op, "b", 1), PF_OK);
    ASSERT_EQ(pf_ot_skip(c.op, 2), PF_OK);
    ASSERT_EQ(pf_ot_insert(c.op, "x", 1), PF_OK);
    EXPECT_EQ(pf_ot_compose(c.op, b.op, r.out()), PF_ERANGE);
    EXPECT_EQ(r.op, nullptr);
}

TEST(OtCompose, OperationWithoutTextAsTheSecond) {
    EXPECT_EQ(compose_s("[5,\"abc\"]", "[6,{\"d\":5}]"), "[5,\"a\",{\"d\":3}]");
    EXPECT_EQ(compose_s("[{\"d\":2}]", "[{\"d\":1}]"), "[{\"d\":3}]");
    EXPECT_EQ(compose_s("[1]", "[1,{\"d\":1}]"), "[1,{\"d\":1}]");
}

TEST(OtCompose, Cases) {
    EXPECT_EQ(compose_s("[\"abc\"]", "[1,{\"d\":1}]"), "[\"ac\"]");
    EXPECT_EQ(compose_s("[\"a\"]", "[5,\"b\"]"), "[\"a\",4,\"b\"]");
    EXPECT_EQ(compose_s("[{\"d\":\"x\"}]", "[{\"d\":\"y\"}]"), "[{\"d\":\"xy\"}]");
    EXPECT_EQ(compose_s("[{\"d\":\"x\"}]", "[{\"d\":1}]"), "[{\"d\":2}]");
    EXPECT_EQ(compose_s("[1,\"\xF0\x9F\x98\x85\xF0\x9F\xA4\x96\"]", "[2,{\"d\":1}]"),
              "[1,\"\xF0\x9F\x98\x85\"]");
    EXPECT_EQ(compose_s("[\"ab\"]", "[{\"d\":\"abcd\"}]"), "[{\"d\":\"cd\"}]");
    Op a(parse("[]")), r;
    EXPECT_EQ(pf_ot_compose(NULL, a.op, r.out()), PF_EINVAL);
    EXPECT_EQ(pf_ot_compose(a.op, a.op, NULL), PF_EINVAL);
}

/* ------------------------------------------------------------------------ */
/* Invert, cursors, diff                                                    */
/* ------------------------------------------------------------------------ */

TEST(OtInvert, Basic) {
    Op a(parse("[2,\"xy\",{\"d\":\"\xF0\x9F\x98\x85q\"}]")), inv;
    ASSERT_EQ(pf_ot_invert(a.op, inv.out()), PF_OK);
    EXPECT_EQ(ser(inv.op), "[2,{\"d\":\"xy\"},\"\xF0\x9F\x98\x85q\"]");
    Op n(parse("[1,{\"d\":2}]"));
    EXPECT_FALSE(pf_ot_is_invertible(n.op));
    EXPECT_EQ(pf_ot_invert(n.op, inv.out()), PF_ESTATE);
    EXPECT_EQ(inv.op, nullptr);
    pf_text *t = pf_text_new();
    pf_text_set(t, "a\xE4\xB8\xAD" "bc", 6);
    ASSERT_EQ(pf_ot_make_invertible(n.op, t, inv.out()), PF_OK);
    EXPECT_EQ(ser(inv.op), "[1,{\"d\":\"\xE4\xB8\xAD" "b\"}]");
    EXPECT_TRUE(pf_ot_is_invertible(inv.op));
    Op big(parse("[3,{\"d\":2}]"));
    EXPECT_EQ(pf_ot_make_invertible(big.op, t, inv.out()), PF_ERANGE);
    Op stripped;
    Op wt(parse("[1,{\"d\":\"ab\"},\"c\"]"));
    ASSERT_EQ(pf_ot_strip_invertible(wt.op, stripped.out()), PF_OK);
    EXPECT_EQ(ser(stripped.op), "[1,{\"d\":2},\"c\"]");
    pf_text_free(t);
}

TEST(OtCursor, TransformPosition) {
    Op ins(parse("[2,\"abc\"]"));
    EXPECT_EQ(pf_ot_transform_position(1, ins.op), 1u);
    EXPECT_EQ(pf_ot_transform_position(2, ins.op), 2u);   /* stays before */
    EXPECT_EQ(pf_ot_transform_position(3, ins.op), 6u);
    Op del(parse("[2,{\"d\":3}]"));
    EXPECT_EQ(pf_ot_transform_position(2, del.op), 2u);
    EXPECT_EQ(pf_ot_transform_position(4, del.op), 2u);
    EXPECT_EQ(pf_ot_transform_position(7, del.op), 4u);
    Op emoji(parse("[\"\xF0\x9F\x98\x85\"]"));
    EXPECT_EQ(pf_ot_transform_position(0, emoji.op), 0u);
    EXPECT_EQ(pf_ot_transform_position(1, emoji.op), 2u);
    size_t a = 5, f = 1;
    pf_ot_transform_selection(&a, &f, del.op);
    EXPECT_EQ(a, 2u);
    EXPECT_EQ(f, 1u);
    EXPECT_EQ(pf_ot_transform_position(9, NULL), 9u);
    /* Past SIZE_MAX (2^32 - 1 in wasm) it stops there, never wraps. */
    Op skip_ins(pf_ot_new());
    ASSERT_EQ(pf_ot_skip(skip_ins.op, SIZE_MAX - 2), PF_OK);
    ASSERT_EQ(pf_ot_insert(skip_ins.op, "abc", 3), PF_OK);
    ASSERT_EQ(pf_ot_skip(skip_ins.op, 5), PF_OK);
    ASSERT_EQ(pf_ot_insert(skip_ins.op, "d", 1), PF_OK);
    EXPECT_EQ(pf_ot_transform_position(SIZE_MAX - 1, skip_ins.op), SIZE_MAX);
    EXPECT_EQ(pf_ot_transform_position(SIZE_MAX - 3, skip_ins.op), SIZE_MAX - 3);
    EXPECT_EQ(pf_ot_transform_position(SIZE_MAX - 5, ins.op), SIZE_MAX - 2);
    a = SIZE_MAX - 1;
    f = 3;
    pf_ot_transform_selection(&a, &f, ins.op);
    EXPECT_EQ(a, SIZE_MAX);
    EXPECT_EQ(f, 6u);
    /* Once it stopped there, a later delete does not bring it back to a
     * wrong place below. */
    Op ins_del(parse("[\"aaaaaaaaaaaaaaaaaaaa\",{\"d\":15}]"));
    EXPECT_EQ(pf_ot_transform_position(SIZE_MAX - 10, ins_del.op), SIZE_MAX);
    EXPECT_EQ(pf_ot_transform_position(5, ins_del.op), 20u);
}

TEST(OtDiff, TextareaEdits) {
    EXPECT_EQ(diff_s("abc", "abc", 1), "[]");
    EXPECT_EQ(diff_s("abc", "abXc", 3), "[2,\"X\"]");
    EXPECT_EQ(diff_s("aa", "aaa", 1), "[\"a\"]");
    EXPECT_EQ(diff_s("aa", "aaa", 3), "[2,\"a\"]");
    EXPECT_EQ(diff_s("aa", "aaa", -1), "[2,\"a\"]");
    EXPECT_EQ(diff_s("aaa", "aa", 1), "[1,{\"d\":\"a\"}]");       /* backspace at 2 */
    EXPECT_EQ(diff_s("abcdef", "aXf", 2), "[1,\"X\",{\"d\":\"bcde\"}]");
    EXPECT_EQ(diff_s("", "\xF0\x9F\x98\x85", 1), "[\"\xF0\x9F\x98\x85\"]");
    /* Same first byte, different emoji: never split a code point. */
    EXPECT_EQ(diff_s("x\xF0\x9F\x98\x85y", "x\xF0\x9F\xA4\x96y", 2),
              "[1,\"\xF0\x9F\xA4\x96\",{\"d\":\"\xF0\x9F\x98\x85\"}]");
    EXPECT_EQ(diff_s("e\xCC\x81", "e\xCC\x80", 2), "[1,\"\xCC\x80\",{\"d\":\"\xCC\x81\"}]");
    EXPECT_EQ(diff_s("\xE4\xB8\xAD", "\xE4\xB8\xAD\xE4\xB8\xAD", 1), "[\"\xE4\xB8\xAD\"]");
    Op r;
    EXPECT_EQ(pf_ot_diff("\xC3", 1, "a", 1, 0, r.out()), PF_EUTF8);
    EXPECT_EQ(pf_ot_diff(NULL, 1, "a", 1, 0, r.out()), PF_EINVAL);
    EXPECT_EQ(pf_ot_diff("a", 1, "b", 1, 99, r.out()), PF_OK);  /* bad hint ignored */
    EXPECT_EQ(ser(r.op), "[\"b\",{\"d\":\"a\"}]");
}

TEST(OtDiff, RandomEditsRoundTrip) {
    Rng r(11);
    for (int i = 0; i < 2000; i++) {
        std::string a, b;
        size_t n = r.below(6);
        for (size_t k = 0; k < n; k++)
            a += rand_word(r);
        Op op(rand_op(r, a));
        b = apply_str(a, op.op);
        long cursor = (long)r.below(cp_len(b) + 2) - 1;
        Op d;
        ASSERT_EQ(pf_ot_diff(a.data(), a.size(), b.data(), b.size(), cursor, d.out()), PF_OK);
        EXPECT_EQ(apply_str(a, d.op), b);
        Op inv;
        ASSERT_EQ(pf_ot_invert(d.op, inv.out()), PF_OK);
        EXPECT_EQ(apply_str(b, inv.op), a);
    }
}

static std::string diff_min_s(const std::string &a, const std::string &b, size_t max) {
    Op r;
    EXPECT_EQ(pf_ot_diff_min(a.data(), a.size(), b.data(), b.size(), max, r.out()), PF_OK);
    return ser(r.op);
}

TEST(OtDiffMin, SeveralRegions) {
    EXPECT_EQ(diff_min_s("", "", 10), "[]");
    EXPECT_EQ(diff_min_s("abc", "abc", 10), "[]");
    EXPECT_EQ(diff_min_s("xabc", "QxabcQ", 10), "[\"Q\",4,\"Q\"]");
    EXPECT_EQ(diff_min_s("hello world", "hallo wereld!", 10),
              "[1,{\"d\":\"e\"},\"a\",5,{\"d\":\"o\"},\"e\",1,\"e\",2,\"!\"]");
    EXPECT_EQ(diff_min_s("a\xF0\x9F\x98\x85" "b\xE4\xB8\xAD", "\xF0\x9F\x98\x85" "b\xF0\x9F\xA4\x96\xE4\xB8\xAD", 10),
              "[{\"d\":\"a\"},2,\"\xF0\x9F\xA4\x96\"]");
    /* Too many edits: one region. */
    EXPECT_EQ(diff_min_s("xabc", "QxabcQ", 1), "[\"QxabcQ\",{\"d\":\"xabc\"}]");
    Op r;
    EXPECT_EQ(pf_ot_diff_min("\xC3", 1, "a", 1, 5, r.out()), PF_EUTF8);
    EXPECT_EQ(pf_ot_diff_min("a", 1, "b", 1, 5, NULL), PF_EINVAL);
}

TEST(OtDiffMin, RandomPairsRoundTrip) {
    Rng r(12);
    for (int i = 0; i < 1500; i++) {
        std::string a, b;
        size_t n = r.below(8), m = r.below(8);
        for (size_t k = 0; k < n; k++)
            a += rand_word(r);
        for (size_t k = 0; k < m; k++)
            b += rand_word(r);
        if (r.below(2)) {
            Op op(rand_op(r, a));
            b = apply_str(a, op.op);
        }
        Op d, inv;
        ASSERT_EQ(pf_ot_diff_min(a.data(), a.size(), b.data(), b.size(), r.below(3) ? 1000 : 3, d.out()), PF_OK);
        ASSERT_EQ(apply_str(a, d.op), b) << a << " -> " << b << " via " << ser(d.op);
        ASSERT_EQ(pf_ot_invert(d.op, inv.out()), PF_OK);
        ASSERT_EQ(apply_str(b, inv.op), a);
    }
}

/* ------------------------------------------------------------------------ */
/* Golden vectors from ot-text-unicode                                      */
/* ------------------------------------------------------------------------ */

static pf_ot_op *field_op(cJSON *v, const char *name) {
    char *s = cJSON_PrintUnformatted(cJSON_GetObjectItem(v, name));
    pf_ot_op *op = NULL;
    pf_parse_error e;
    EXPECT_EQ(pf_ot_parse(s, strlen(s), PF_OT_STRICT, &op, &e), PF_OK) << s << " " << e.msg;
    free(s);
    return op;
}

TEST(OtGolden, MatchesOtTextUnicode) {
    size_t n = sizeof ot_golden / sizeof *ot_golden;
    ASSERT_GT(n, 100u);
    for (size_t i = 0; i < n; i++) {
        cJSON *v = cJSON_Parse(ot_golden[i]);
        ASSERT_NE(v, nullptr) << i;
        std::string doc = cJSON_GetObjectItem(v, "doc")->valuestring;
        Op a(field_op(v, "a")), b(field_op(v, "b")), c(field_op(v, "c"));
        Op l(field_op(v, "l")), rr(field_op(v, "r")), comp(field_op(v, "comp"));
        Op got;
        ASSERT_EQ(pf_ot_transform(a.op, b.op, PF_OT_LEFT, got.out()), PF_OK);
        EXPECT_TRUE(pf_ot_equal(got.op, l.op)) << i << ": " << ser(got.op) << " vs " << ser(l.op);
        ASSERT_EQ(pf_ot_transform(a.op, b.op, PF_OT_RIGHT, got.out()), PF_OK);
        EXPECT_TRUE(pf_ot_equal(got.op, rr.op)) << i << ": " << ser(got.op) << " vs " << ser(rr.op);
        ASSERT_EQ(pf_ot_compose(a.op, c.op, got.out()), PF_OK);
        EXPECT_TRUE(pf_ot_equal(got.op, comp.op)) << i << ": " << ser(got.op) << " vs " << ser(comp.op);
        std::string da = cJSON_GetObjectItem(v, "da")->valuestring;
        EXPECT_EQ(apply_str(doc, a.op), da) << i;
        EXPECT_EQ(apply_str(da, c.op), cJSON_GetObjectItem(v, "dac")->valuestring) << i;
        size_t pos = (size_t)cJSON_GetObjectItem(v, "pos")->valuedouble;
        EXPECT_EQ(pf_ot_transform_position(pos, a.op),
                  (size_t)cJSON_GetObjectItem(v, "posA")->valuedouble) << i;
        cJSON *inv = cJSON_GetObjectItem(v, "inv");
        if (cJSON_IsNull(inv)) {
            EXPECT_FALSE(pf_ot_is_invertible(a.op));
        } else {
            Op want(field_op(v, "inv"));
            ASSERT_EQ(pf_ot_invert(a.op, got.out()), PF_OK);
            EXPECT_TRUE(pf_ot_equal(got.op, want.op)) << i;
        }
        cJSON_Delete(v);
    }
}

/* ------------------------------------------------------------------------ */
/* Properties (fixed seed)                                                  */
/* ------------------------------------------------------------------------ */

TEST(OtProperty, TP1) {
    Rng r(42);
    for (int i = 0; i < 3000; i++) {
        std::string d;
        size_t n = r.below(8);
        for (size_t k = 0; k < n; k++)
            d += rand_word(r);
        Op a(rand_op(r, d)), b(rand_op(r, d)), a2, b2;
        ASSERT_EQ(pf_ot_transform(a.op, b.op, PF_OT_LEFT, a2.out()), PF_OK);
        ASSERT_EQ(pf_ot_transform(b.op, a.op, PF_OT_RIGHT, b2.out()), PF_OK);
        std::string x = apply_str(apply_str(d, a.op), b2.op);
        std::string y = apply_str(apply_str(d, b.op), a2.op);
        ASSERT_EQ(x, y) << "doc " << d << " a " << ser(a.op) << " b " << ser(b.op);
        /* Transform keeps invertibility when both inputs have it. */
        if (pf_ot_is_invertible(a.op) && pf_ot_is_invertible(b.op)) {
            EXPECT_TRUE(pf_ot_is_invertible(a2.op));
        }
    }
}

TEST(OtProperty, ComposeMatchesSequentialApply) {
    Rng r(43);
    for (int i = 0; i < 3000; i++) {
        std::string d;
        size_t n = r.below(8);
        for (size_t k = 0; k < n; k++)
            d += rand_word(r);
        Op a(rand_op(r, d));
        std::string da = apply_str(d, a.op);
        Op b(rand_op(r, da)), ab;
        ASSERT_EQ(pf_ot_compose(a.op, b.op, ab.out()), PF_OK);
        ASSERT_EQ(apply_str(d, ab.op), apply_str(da, b.op))
            << "doc " << d << " a " << ser(a.op) << " b " << ser(b.op);
        /* Compose commutes with transform against a concurrent op. */
        Op c(rand_op(r, d)), abt, at, bt, ct, atbt;
        ASSERT_EQ(pf_ot_transform(ab.op, c.op, PF_OT_LEFT, abt.out()), PF_OK);
        ASSERT_EQ(pf_ot_transform(a.op, c.op, PF_OT_LEFT, at.out()), PF_OK);
        ASSERT_EQ(pf_ot_transform(c.op, a.op, PF_OT_RIGHT, ct.out()), PF_OK);
        ASSERT_EQ(pf_ot_transform(b.op, ct.op, PF_OT_LEFT, bt.out()), PF_OK);
        ASSERT_EQ(pf_ot_compose(at.op, bt.op, atbt.out()), PF_OK);
        std::string dc = apply_str(d, c.op);
        EXPECT_EQ(apply_str(dc, abt.op), apply_str(dc, atbt.op));
    }
}

TEST(OtProperty, InvertUndoes) {
    Rng r(44);
    for (int i = 0; i < 3000; i++) {
        std::string d;
        size_t n = r.below(8);
        for (size_t k = 0; k < n; k++)
            d += rand_word(r);
        Op a(rand_op(r, d)), full, inv;
        pf_text *t = pf_text_new();
        pf_text_set(t, d.data(), d.size());
        ASSERT_EQ(pf_ot_make_invertible(a.op, t, full.out()), PF_OK);
        pf_text_free(t);
        ASSERT_EQ(pf_ot_invert(full.op, inv.out()), PF_OK);
        EXPECT_EQ(apply_str(apply_str(d, a.op), inv.op), d) << ser(full.op);
        Op twice;
        ASSERT_EQ(pf_ot_invert(inv.op, twice.out()), PF_OK);
        EXPECT_TRUE(pf_ot_equal(twice.op, full.op));
    }
}

TEST(OtProperty, SerializeParseRoundTrip) {
    Rng r(45);
    for (int i = 0; i < 2000; i++) {
        std::string d;
        size_t n = r.below(8);
        for (size_t k = 0; k < n; k++)
            d += rand_word(r);
        Op a(rand_op(r, d));
        std::string s = ser(a.op);
        Op b;
        ASSERT_EQ(pf_ot_parse(s.data(), s.size(), PF_OT_STRICT, b.out(), NULL), PF_OK) << s;
        EXPECT_TRUE(pf_ot_equal(a.op, b.op)) << s;
    }
}
