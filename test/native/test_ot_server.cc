/* test_ot_server.cc: the OT authority (runtime/pf_ot_server.h). */
#include <gtest/gtest.h>

#include <string.h>

#include <string>
#include <vector>

#include "cJSON.h"
#include "pf_ot_server.h"
#include "test_ot_util.h"

using namespace ot_test;

namespace {

struct Server {
    pf_ot_server *s = NULL;
    explicit Server(const std::string &content = "", size_t rev = 0, size_t max = 0) {
        EXPECT_EQ(pf_ot_server_new(content.data(), content.size(), rev, max, &s), PF_OK);
    }
    ~Server() { pf_ot_server_free(s); }
    std::string text() { return text_str(pf_ot_server_text(s)); }
    /* Submits an op given as JSON; returns the code and the applied rev. */
    int submit(size_t rev, const char *json, const char *src, uint64_t seq,
               size_t *at = NULL, std::string *applied = NULL) {
        pf_ot_op *op = parse(json);
        EXPECT_NE(op, nullptr) << json;
        pf_ot_op *out = NULL;
        size_t where = 999;
        int rc = pf_ot_server_submit(s, rev, op, src, strlen(src), seq, &where,
                                     applied ? &out : NULL);
        if (at)
            *at = where;
        if (applied && out)
            *applied = ser(out);
        pf_ot_free(out);
        pf_ot_free(op);
        return rc;
    }
};

struct Wire {
    std::vector<std::string> replies, broadcasts;
    pf_ot_server_io io;
    Wire() {
        io.reply = [](void *ud, const char *j, size_t n) {
            ((Wire *)ud)->replies.push_back(std::string(j, n));
        };
        io.broadcast = [](void *ud, const char *j, size_t n) {
            ((Wire *)ud)->broadcasts.push_back(std::string(j, n));
        };
        io.ud = this;
    }
    void clear() { replies.clear(); broadcasts.clear(); }
};

int handle(Server &srv, Wire &w, const std::string &json, const char *user = "u1") {
    return pf_ot_server_handle(srv.s, user, strlen(user), json.data(), json.size(), &w.io);
}

std::string field(const std::string &json, const char *key) {
    cJSON *j = cJSON_Parse(json.c_str());
    cJSON *v = cJSON_GetObjectItem(j, key);
    std::string out;
    if (cJSON_IsString(v))
        out = v->valuestring;
    else if (v) {
        char *s = cJSON_PrintUnformatted(v);
        out = s;
        free(s);
    }
    cJSON_Delete(j);
    return out;
}

} /* namespace */

TEST(OtServer, NewAndFree) {
    pf_ot_server *s = NULL;
    EXPECT_EQ(pf_ot_server_new("\xC3", 1, 0, 0, &s), PF_EUTF8);
    EXPECT_EQ(s, nullptr);
    EXPECT_EQ(pf_ot_server_new("a", 1, 0, 0, NULL), PF_EINVAL);
    ASSERT_EQ(pf_ot_server_new("hi", 2, 7, 0, &s), PF_OK);
    EXPECT_EQ(pf_ot_server_rev(s), 7u);
    EXPECT_EQ(pf_ot_server_oldest_rev(s), 7u);
    pf_ot_server_free(s);
    pf_ot_server_free(NULL);
    EXPECT_EQ(pf_ot_server_rev(NULL), 0u);
}

TEST(OtServer, SubmitAtCurrentRev) {
    Server srv("hello");
    size_t at;
    EXPECT_EQ(srv.submit(0, "[5,\" world\"]", "a", 1, &at), PF_OK);
    EXPECT_EQ(at, 0u);
    EXPECT_EQ(pf_ot_server_rev(srv.s), 1u);
    EXPECT_EQ(srv.text(), "hello world");
    const pf_ot_op *op;
    const char *src;
    size_t src_len;
    uint64_t seq;
    ASSERT_EQ(pf_ot_server_history(srv.s, 0, &op, &src, &src_len, &seq), PF_OK);
    EXPECT_EQ(ser(op), "[5,\" world\"]");
    EXPECT_EQ(std::string(src, src_len), "a");
    EXPECT_EQ(seq, 1u);
    EXPECT_EQ(pf_ot_server_history(srv.s, 1, &op, NULL, NULL, NULL), PF_ERANGE);
}

TEST(OtServer, TransformsAgainstHistoryWithSideLeft) {
    Server srv("ab");
    std::string applied;
    size_t at;
    ASSERT_EQ(srv.submit(0, "[1,\"X\"]", "a", 1), PF_OK);
    /* Made on rev 0 too: the later-arriving insert at the same place goes
     * first (side left). */
    ASSERT_EQ(srv.submit(0, "[1,\"Y\"]", "b", 1, &at, &applied), PF_OK);
    EXPECT_EQ(at, 1u);
    EXPECT_EQ(applied, "[1,\"Y\"]");
    EXPECT_EQ(srv.text(), "aYXb");
    ASSERT_EQ(srv.submit(0, "[{\"d\":2}]", "c", 1, &at, &applied), PF_OK);
    EXPECT_EQ(applied, "[{\"d\":1},2,{\"d\":1}]");
    EXPECT_EQ(srv.text(), "YX");
}

TEST(OtServer, DeduplicatesSrcSeq) {
    Server srv("");
    size_t at;
    ASSERT_EQ(srv.submit(0, "[\"a\"]", "c1", 1), PF_OK);
    ASSERT_EQ(srv.submit(1, "[1,\"b\"]", "c2", 1), PF_OK);
    EXPECT_EQ(srv.submit(0, "[\"a\"]", "c1", 1, &at), PF_OT_DUPLICATE);
    EXPECT_EQ(at, 0u);
    ASSERT_EQ(srv.submit(2, "[2,\"c\"]", "c1", 2), PF_OK);
    EXPECT_EQ(srv.submit(0, "[\"a\"]", "c1", 1, &at), PF_OT_DUPLICATE);
    EXPECT_EQ(at, 0u);
    EXPECT_EQ(srv.submit(2, "[2,\"c\"]", "c1", 2, &at), PF_OT_DUPLICATE);
    EXPECT_EQ(at, 2u);
    EXPECT_EQ(srv.text(), "abc");
    EXPECT_EQ(pf_ot_server_rev(srv.s), 3u);
    /* No src: no dedupe. */
    ASSERT_EQ(srv.submit(3, "[\"z\"]", "", 1), PF_OK);
    ASSERT_EQ(srv.submit(4, "[\"z\"]", "", 1), PF_OK);
    EXPECT_EQ(srv.text(), "zzabc");
}

TEST(OtServer, RejectsWithoutChange) {
    Server srv("abc", 0, 2);
    EXPECT_EQ(srv.submit(0, "[4,\"x\"]", "a", 1), PF_ERANGE);     /* too long */
    EXPECT_EQ(srv.submit(1, "[\"x\"]", "a", 1), PF_ERANGE);       /* future */
    EXPECT_EQ(srv.text(), "abc");
    EXPECT_EQ(pf_ot_server_rev(srv.s), 0u);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(srv.submit((size_t)i, "[\"x\"]", "a", (uint64_t)i + 1), PF_OK);
    EXPECT_EQ(pf_ot_server_oldest_rev(srv.s), 1u);
    EXPECT_EQ(srv.submit(0, "[\"y\"]", "b", 1), PF_ERANGE);       /* too old */
    EXPECT_EQ(srv.submit(1, "[\"y\"]", "b", 1), PF_OK);
    EXPECT_EQ(pf_ot_server_submit(NULL, 0, NULL, NULL, 0, 0, NULL, NULL), PF_EINVAL);
}

TEST(OtServer, HandleJoinAndSnapshot) {
    Server srv("h\xC3\xA9llo \xF0\x9F\x98\x85");
    Wire w;
    ASSERT_EQ(handle(srv, w, "{\"type\":\"join\"}"), PF_OK);
    ASSERT_EQ(w.replies.size(), 1u);
    EXPECT_EQ(field(w.replies[0], "type"), "snapshot");
    EXPECT_EQ(field(w.replies[0], "rev"), "0");
    EXPECT_EQ(field(w.replies[0], "content"), "h\xC3\xA9llo \xF0\x9F\x98\x85");
    EXPECT_EQ(field(w.replies[0], "users"), "[]");
    EXPECT_EQ(field(w.replies[0], "seq"), "");
    EXPECT_TRUE(w.broadcasts.empty());
}

TEST(OtServer, HandleContentChangeAckAndBroadcast) {
    Server srv("abc");
    Wire w;
    const char *msg = "{\"type\":\"content_change\",\"rev\":0,\"operations\":[3,\"!\"],"
                      "\"src\":\"s1\",\"seq\":1,\"cursor_position\":4}";
    ASSERT_EQ(handle(srv, w, msg, "alice"), PF_OK);
    ASSERT_EQ(w.replies.size(), 1u);
    EXPECT_EQ(field(w.replies[0], "type"), "ack");
    EXPECT_EQ(field(w.replies[0], "rev"), "0");
    EXPECT_EQ(field(w.replies[0], "seq"), "1");
    ASSERT_EQ(w.broadcasts.size(), 1u);
    EXPECT_EQ(field(w.broadcasts[0], "type"), "content_change");
    EXPECT_EQ(field(w.broadcasts[0], "operations"), "[3,\"!\"]");
    EXPECT_EQ(field(w.broadcasts[0], "user_id"), "alice");
    EXPECT_EQ(field(w.broadcasts[0], "src"), "s1");
    EXPECT_EQ(srv.text(), "abc!");
    /* The same (src, seq) again: acknowledged, not applied, not broadcast. */
    w.clear();
    ASSERT_EQ(handle(srv, w, msg, "alice"), PF_OK);
    ASSERT_EQ(w.replies.size(), 1u);
    EXPECT_EQ(field(w.replies[0], "type"), "ack");
    EXPECT_EQ(field(w.replies[0], "rev"), "0");
    EXPECT_TRUE(w.broadcasts.empty());
    EXPECT_EQ(srv.text(), "abc!");
    /* A join from that src now gets its last seq in the snapshot. */
    w.clear();
    ASSERT_EQ(handle(srv, w, "{\"type\":\"join\",\"src\":\"s1\"}"), PF_OK);
    EXPECT_EQ(field(w.replies[0], "seq"), "1");
}

TEST(OtServer, HandleCatchUp) {
    Server srv("", 0, 3);
    Wire w;
    for (int i = 0; i < 5; i++) {
        std::string m = "{\"type\":\"content_change\",\"rev\":" + std::to_string(i) +
                        ",\"operations\":[\"x\"],\"src\":\"s\",\"seq\":" +
                        std::to_string(i + 1) + "}";
        ASSERT_EQ(handle(srv, w, m), PF_OK);
    }
    w.clear();
    ASSERT_EQ(handle(srv, w, "{\"type\":\"join\",\"rev\":3}"), PF_OK);
    ASSERT_EQ(w.replies.size(), 2u);
    EXPECT_EQ(field(w.replies[0], "type"), "content_change");
    EXPECT_EQ(field(w.replies[0], "rev"), "3");
    EXPECT_EQ(field(w.replies[0], "seq"), "4");
    EXPECT_EQ(field(w.replies[1], "rev"), "4");
    w.clear();
    ASSERT_EQ(handle(srv, w, "{\"type\":\"join\",\"rev\":5}"), PF_OK);
    EXPECT_TRUE(w.replies.empty());
    ASSERT_EQ(handle(srv, w, "{\"type\":\"join\",\"rev\":1}"), PF_OK);   /* too old */
    ASSERT_EQ(w.replies.size(), 1u);
    EXPECT_EQ(field(w.replies[0], "type"), "snapshot");
    EXPECT_EQ(field(w.replies[0], "rev"), "5");
    w.clear();
    ASSERT_EQ(handle(srv, w, "{\"type\":\"join\",\"rev\":9}"), PF_OK);   /* future */
    EXPECT_EQ(field(w.replies[0], "type"), "snapshot");
}

TEST(OtServer, HandleErrors) {
    Server srv("abc");
    Wire w;
    EXPECT_EQ(handle(srv, w, "{nope"), PF_EJSON);
    ASSERT_EQ(w.replies.size(), 1u);
    EXPECT_EQ(field(w.replies[0], "type"), "error");
    EXPECT_EQ(field(w.replies[0], "code"), "bad_message");
    w.clear();
    EXPECT_EQ(handle(srv, w, "{\"type\":\"cursor_update\",\"position\":1}"), PF_ENOTFOUND);
    EXPECT_EQ(handle(srv, w, "{\"no_type\":1}"), PF_ENOTFOUND);
    EXPECT_TRUE(w.replies.empty());
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"operations\":[]}"), PF_EPROTO);
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"rev\":-1,\"operations\":[]}"), PF_EPROTO);
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"rev\":0,\"operations\":[],\"seq\":1.5}"), PF_EPROTO);
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"rev\":0,\"operations\":[],\"src\":3}"), PF_EPROTO);
    EXPECT_EQ(handle(srv, w, "{\"type\":\"join\",\"rev\":\"x\"}"), PF_EPROTO);
    w.clear();
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"rev\":0,\"operations\":[-1],\"src\":\"s\",\"seq\":4}"), PF_ERANGE);
    EXPECT_EQ(field(w.replies[0], "code"), "bad_operation");
    EXPECT_EQ(field(w.replies[0], "seq"), "4");
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"rev\":0,\"operations\":[9,\"x\"],\"src\":\"s\",\"seq\":5}"), PF_ERANGE);
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"rev\":0,\"operations\":{\"d\":1},\"src\":\"s\",\"seq\":6}"), PF_ETYPE);
    /* cJSON alone cut this insert to "a": refused whole instead. */
    w.clear();
    EXPECT_EQ(handle(srv, w, "{\"type\":\"content_change\",\"rev\":0,\"operations\":[\"a\\u0000b\"],\"src\":\"s\",\"seq\":7}"), PF_EJSON);
    EXPECT_EQ(field(w.replies[0], "code"), "bad_message");
    EXPECT_EQ(handle(srv, w, "{\"type\":\"join\"} trailing"), PF_EJSON);
    EXPECT_EQ(srv.text(), "abc");
    EXPECT_TRUE(w.broadcasts.empty());
    EXPECT_EQ(pf_ot_server_handle(NULL, "", 0, "{}", 2, &w.io), PF_EINVAL);
}

TEST(OtServer, RandomConcurrentSubmitsConverge) {
    /* Clients that each saw a random prefix of history submit ops; applying
     * the server's history in order always gives the server text. */
    Rng r(5);
    for (int round = 0; round < 30; round++) {
        Server srv("start");
        std::vector<std::string> texts = {"start"};   /* text at each rev */
        for (int i = 0; i < 40; i++) {
            size_t base = r.below(texts.size());
            pf_ot_op *op = rand_op(r, texts[base]);
            size_t at;
            pf_ot_op *applied = NULL;
            ASSERT_EQ(pf_ot_server_submit(srv.s, base, op, "c", 1, (uint64_t)i + 1, &at, &applied), PF_OK);
            ASSERT_EQ(at, texts.size() - 1);
            texts.push_back(apply_str(texts.back(), applied));
            ASSERT_EQ(texts.back(), srv.text());
            pf_ot_free(op);
            pf_ot_free(applied);
        }
    }
}
