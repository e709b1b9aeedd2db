/* test_ot_client.cc: the OT client state machine (runtime/pf_ot_client.h). */
#include <gtest/gtest.h>

#include <string.h>

#include <string>
#include <vector>

#include "cJSON.h"
#include "fake_host.h"
#include "pf_ot_client.h"
#include "test_ot_util.h"

using namespace ot_test;

namespace {

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

class OtClient : public ::testing::Test {
protected:
    pf_ot_client *c = NULL;
    std::vector<std::string> sent, changes, errors, cursors;
    int dead = 0;

    void SetUp() override {
        fake_host_reset();
        pf_ot_client_events ev;
        memset(&ev, 0, sizeof ev);
        ev.send = [](void *ud, const char *j, size_t n) {
            ((OtClient *)ud)->sent.push_back(std::string(j, n));
        };
        ev.changed = [](void *ud, const pf_ot_op *op, int origin) {
            ((OtClient *)ud)->changes.push_back(std::to_string(origin) + ser(op));
        };
        ev.dead_link = [](void *ud) { ((OtClient *)ud)->dead++; };
        ev.error = [](void *ud, int err, const char *msg) {
            ((OtClient *)ud)->errors.push_back(std::to_string(err) + ":" + msg);
        };
        ev.cursor = [](void *ud, const char *u, size_t n, size_t pos) {
            ((OtClient *)ud)->cursors.push_back(std::string(u, n) + "@" +
                                                (pos == (size_t)-1 ? "gone" : std::to_string(pos)));
        };
        ev.ud = this;
        pf_ot_client_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.src = "me";
        cfg.src_len = 2;
        cfg.ack_timeout_ms = 5000;
        cfg.undo_group_ms = 500;
        ASSERT_EQ(pf_ot_client_new(&cfg, &ev, &c), PF_OK);
    }
    void TearDown() override {
        pf_ot_client_free(c);
        fake_host_reset();
    }
    int msg(const std::string &json) {
        return pf_ot_client_message(c, json.data(), json.size());
    }
    std::string text() { return text_str(pf_ot_client_text(c)); }
    /* Connects and receives a snapshot. */
    void join(const std::string &content, size_t rev) {
        ASSERT_EQ(pf_ot_client_connected(c), PF_OK);
        ASSERT_FALSE(sent.empty());
        EXPECT_EQ(field(sent.back(), "type"), "join");
        std::string snap = "{\"type\":\"snapshot\",\"rev\":" + std::to_string(rev) +
                           ",\"content\":\"" + content + "\",\"users\":[]}";
        ASSERT_EQ(msg(snap), PF_OK);
        sent.clear();
        changes.clear();
    }
    std::string remote(size_t rev, const char *ops, const char *src = "other", int seq = 1) {
        return "{\"type\":\"content_change\",\"rev\":" + std::to_string(rev) +
               ",\"operations\":" + ops + ",\"user_id\":\"u2\",\"src\":\"" + src +
               "\",\"seq\":" + std::to_string(seq) + "}";
    }
    std::string ack(size_t rev, int seq) {
        return "{\"type\":\"ack\",\"rev\":" + std::to_string(rev) + ",\"seq\":" +
               std::to_string(seq) + "}";
    }
    void type(size_t pos, const char *s) {
        ASSERT_EQ(pf_ot_client_local_splice(c, pos, 0, s, strlen(s)), PF_OK);
    }
};

} /* namespace */

TEST_F(OtClient, NextSeqFromConfig) {
    pf_ot_client *x = NULL;
    pf_ot_client_events ev;
    memset(&ev, 0, sizeof ev);
    ev.send = [](void *ud, const char *j, size_t n) {
        ((std::vector<std::string> *)ud)->push_back(std::string(j, n));
    };
    std::vector<std::string> out;
    ev.ud = &out;
    pf_ot_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.src = "kept";
    cfg.src_len = 4;
    cfg.next_seq = 41;
    ASSERT_EQ(pf_ot_client_new(&cfg, &ev, &x), PF_OK);
    pf_ot_client_connected(x);
    const char *snap = "{\"type\":\"snapshot\",\"rev\":0,\"content\":\"\"}";
    ASSERT_EQ(pf_ot_client_message(x, snap, strlen(snap)), PF_OK);
    ASSERT_EQ(pf_ot_client_local_splice(x, 0, 0, "a", 1), PF_OK);
    EXPECT_EQ(field(out.back(), "seq"), "41");
    EXPECT_EQ(field(out.back(), "src"), "kept");
    pf_ot_client_free(x);
}

TEST_F(OtClient, NewValidatesAndGeneratesSrc) {
    pf_ot_client *x = NULL;
    pf_ot_client_events ev;
    memset(&ev, 0, sizeof ev);
    EXPECT_EQ(pf_ot_client_new(NULL, &ev, &x), PF_EINVAL);
    EXPECT_EQ(pf_ot_client_new(NULL, NULL, &x), PF_EINVAL);
    ev.send = [](void *, const char *, size_t) {};
    ASSERT_EQ(pf_ot_client_new(NULL, &ev, &x), PF_OK);
    size_t n;
    const char *src = pf_ot_client_src(x, &n);
    EXPECT_EQ(n, 16u);
    EXPECT_EQ(strlen(src), 16u);
    EXPECT_EQ(pf_ot_client_state(x), PF_OT_OFFLINE);
    EXPECT_FALSE(pf_ot_client_has_rev(x));
    pf_ot_client_free(x);
    pf_ot_client_free(NULL);
}

TEST_F(OtClient, FirstJoinAndSnapshot) {
    ASSERT_EQ(pf_ot_client_connected(c), PF_OK);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(field(sent[0], "type"), "join");
    EXPECT_EQ(field(sent[0], "rev"), "");
    EXPECT_EQ(field(sent[0], "src"), "me");
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_JOINING);
    ASSERT_EQ(msg("{\"type\":\"snapshot\",\"rev\":4,\"content\":\"hi \xF0\x9F\x98\x85\",\"users\":[]}"), PF_OK);
    EXPECT_EQ(text(), "hi \xF0\x9F\x98\x85");
    EXPECT_EQ(pf_ot_client_rev(c), 4u);
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_SYNCED);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0], "1[\"hi \xF0\x9F\x98\x85\"]");
}

TEST_F(OtClient, OneInFlightLaterEditsBuffer) {
    join("abc", 10);
    type(3, "d");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(field(sent[0], "type"), "content_change");
    EXPECT_EQ(field(sent[0], "rev"), "10");
    EXPECT_EQ(field(sent[0], "operations"), "[3,\"d\"]");
    EXPECT_EQ(field(sent[0], "src"), "me");
    EXPECT_EQ(field(sent[0], "seq"), "1");
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_AWAITING);
    type(4, "e");
    ASSERT_EQ(pf_ot_client_local_splice(c, 0, 1, NULL, 0), PF_OK);
    EXPECT_EQ(sent.size(), 1u);
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_AWAITING_BUFFER);
    EXPECT_EQ(text(), "bcde");
    ASSERT_EQ(msg(ack(10, 1)), PF_OK);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(field(sent[1], "rev"), "11");
    EXPECT_EQ(field(sent[1], "seq"), "2");
    EXPECT_EQ(field(sent[1], "operations"), "[{\"d\":1},3,\"e\"]");
    ASSERT_EQ(msg(ack(11, 2)), PF_OK);
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_SYNCED);
    EXPECT_EQ(pf_ot_client_rev(c), 12u);
    EXPECT_TRUE(changes.empty());   /* local edits are not reported */
}

TEST_F(OtClient, RemoteOpTransformsAgainstPendingWithBrief) {
    join("ab", 0);
    type(1, "A");            /* outstanding */
    type(2, "C");            /* buffer */
    /* Another client inserted at the same place on rev 0: the server puts
     * ours (arriving later) first, so the client must too. */
    ASSERT_EQ(msg(remote(0, "[1,\"B\"]")), PF_OK);
    EXPECT_EQ(text(), "aACBb");
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0], "0[3,\"B\"]");
    EXPECT_EQ(pf_ot_client_rev(c), 1u);
    ASSERT_EQ(msg(ack(1, 1)), PF_OK);
    EXPECT_EQ(field(sent.back(), "rev"), "2");
    EXPECT_EQ(field(sent.back(), "operations"), "[2,\"C\"]");
}

TEST_F(OtClient, StaleAndFutureMessages) {
    join("abc", 5);
    ASSERT_EQ(msg(remote(4, "[\"x\"]")), PF_OK);          /* already seen */
    EXPECT_EQ(text(), "abc");
    ASSERT_EQ(msg(remote(7, "[\"x\"]")), PF_OK);          /* gap: catch up */
    EXPECT_EQ(text(), "abc");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(field(sent[0], "type"), "join");
    EXPECT_EQ(field(sent[0], "rev"), "5");
    ASSERT_EQ(msg(remote(8, "[\"x\"]")), PF_OK);          /* no second join */
    EXPECT_EQ(sent.size(), 1u);
    ASSERT_EQ(msg(ack(5, 1)), PF_OK);                     /* nothing in flight */
    EXPECT_EQ(pf_ot_client_rev(c), 5u);
}

TEST_F(OtClient, OwnOpInStreamIsAnAck) {
    join("", 0);
    type(0, "x");
    ASSERT_EQ(msg(remote(0, "[\"x\"]", "me", 1)), PF_OK);
    EXPECT_EQ(text(), "x");
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_SYNCED);
    EXPECT_EQ(pf_ot_client_rev(c), 1u);
    ASSERT_EQ(msg(ack(0, 1)), PF_OK);                     /* duplicate ack */
    EXPECT_EQ(pf_ot_client_rev(c), 1u);
}

TEST_F(OtClient, AckTimeoutReportsDeadLinkAndReconnectResubmits) {
    join("abc", 3);
    type(0, "x");
    EXPECT_EQ(dead, 0);
    fake_host_advance(4999);
    EXPECT_EQ(dead, 0);
    fake_host_advance(2);
    EXPECT_EQ(dead, 1);
    pf_ot_client_disconnected(c);
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_OFFLINE);
    type(1, "y");                                   /* typed offline: buffered */
    sent.clear();
    ASSERT_EQ(pf_ot_client_connected(c), PF_OK);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(field(sent[0], "type"), "join");
    EXPECT_EQ(field(sent[0], "rev"), "3");
    EXPECT_EQ(field(sent[1], "seq"), "1");          /* same (src, seq) */
    EXPECT_EQ(field(sent[1], "rev"), "3");
    EXPECT_EQ(field(sent[1], "operations"), "[\"x\"]");
    /* Catch-up: someone else's op, then ours (so it was applied before). */
    ASSERT_EQ(msg(remote(3, "[3,\"!\"]")), PF_OK);
    ASSERT_EQ(msg(remote(4, "[\"x\"]", "me", 1)), PF_OK);
    EXPECT_EQ(text(), "xyabc!");
    EXPECT_EQ(field(sent.back(), "seq"), "2");
    EXPECT_EQ(field(sent.back(), "rev"), "5");
    ASSERT_EQ(msg(ack(4, 1)), PF_OK);                /* the dedupe ack: stale */
    ASSERT_EQ(msg(ack(5, 2)), PF_OK);
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_SYNCED);
    EXPECT_EQ(dead, 1);
}

TEST_F(OtClient, OfflineEditsBeforeFirstSnapshot) {
    type(0, "typed");
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_OFFLINE);
    ASSERT_EQ(pf_ot_client_connected(c), PF_OK);
    ASSERT_EQ(sent.size(), 1u);                     /* join only */
    ASSERT_EQ(msg("{\"type\":\"snapshot\",\"rev\":2,\"content\":\"hello\"}"), PF_OK);
    EXPECT_EQ(text(), "typedhello");
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(field(sent[1], "operations"), "[\"typed\"]");
    EXPECT_EQ(field(sent[1], "rev"), "2");
}

TEST_F(OtClient, ErrorResyncsAndKeepsTypedText) {
    join("hello world", 0);
    type(5, ",");
    type(12, "!");
    sent.clear();
    ASSERT_EQ(msg("{\"type\":\"error\",\"code\":\"bad_operation\",\"message\":\"no\",\"seq\":1}"), PF_OK);
    ASSERT_EQ(errors.size(), 1u);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(field(sent[0], "type"), "join");
    EXPECT_EQ(field(sent[0], "rev"), "");
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_JOINING);
    ASSERT_EQ(msg(remote(0, "[\"zz\"]")), PF_OK);           /* ignored while joining */
    /* Meanwhile someone else changed the start. */
    ASSERT_EQ(msg("{\"type\":\"snapshot\",\"rev\":7,\"content\":\"Oh, hello world\"}"), PF_OK);
    EXPECT_EQ(text(), "Oh, hello, world!");
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(field(sent[1], "rev"), "7");
    EXPECT_EQ(field(sent[1], "seq"), "2");                  /* a new op */
    EXPECT_EQ(field(sent[1], "operations"), "[9,\",\",6,\"!\"]");
    EXPECT_EQ(changes.back(), "1[\"Oh, \"]");
}

TEST_F(OtClient, ErrorAboutNoOperationOfOursDoesNotRejoin) {
    /* A server that follows every join with such an error must not keep
     * the client rejoining: nothing of ours is in question. */
    join("abc", 0);
    sent.clear();
    ASSERT_EQ(msg("{\"type\":\"error\",\"code\":\"unknown_type\",\"message\":\"<b>no</b>\"}"), PF_OK);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_TRUE(sent.empty());
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_SYNCED);
    type(3, "d");                                           /* still live */
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(field(sent[0], "operations"), "[3,\"d\"]");
    /* Not even with an operation in flight when the code cannot be about
     * it: a binary frame (operations are text). */
    ASSERT_EQ(msg("{\"type\":\"error\",\"code\":\"invalid_frame\",\"message\":\"binary\"}"), PF_OK);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_AWAITING);
    EXPECT_EQ(errors.size(), 2u);
    /* `error` (one op in flight, one message sent) makes the client rejoin;
     * the snapshot at `rev` with `content` gives `expect`, and the re-sent
     * edit (seq `seq`) is acked. */
    auto resyncs = [&](const char *error, int rev, const char *content, const char *expect, int seq) {
        ASSERT_EQ(msg(error), PF_OK);
        ASSERT_EQ(sent.size(), 2u);
        EXPECT_EQ(field(sent[1], "type"), "join");
        EXPECT_EQ(pf_ot_client_state(c), PF_OT_JOINING);
        std::string snap = std::string("{\"type\":\"snapshot\",\"rev\":") + std::to_string(rev) +
                           ",\"content\":\"" + content + "\"}";
        ASSERT_EQ(msg(snap), PF_OK);
        EXPECT_EQ(text(), expect);
        ASSERT_EQ(msg(ack(rev, seq)), PF_OK);
        EXPECT_EQ(pf_ot_client_state(c), PF_OT_SYNCED);
    };
    /* Before any ack, unknown_type may answer the operation itself (a
     * server that does not know content_change): resync. */
    resyncs("{\"type\":\"error\",\"code\":\"unknown_type\",\"message\":\"content_change?\"}", 1, "abc",
            "abcd", 2);
    /* Once the server has acked an operation it knows content_change: its
     * unknown_type is about something else (a cursor_update, say). */
    sent.clear();
    type(4, "e");
    ASSERT_EQ(sent.size(), 1u);
    ASSERT_EQ(msg("{\"type\":\"error\",\"code\":\"unknown_type\",\"message\":\"cursor_update?\"}"), PF_OK);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_AWAITING);
    /* Any other error without seq could be about the one in flight. */
    resyncs("{\"type\":\"error\",\"code\":\"internal_error\",\"message\":\"x\"}", 2, "abcd", "abcde", 4);
    /* "not_joined" asks for the rejoin. */
    sent.clear();
    ASSERT_EQ(msg("{\"type\":\"error\",\"code\":\"not_joined\",\"message\":\"join first\"}"), PF_OK);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(field(sent[0], "type"), "join");
}

TEST_F(OtClient, StaleErrorIgnoredSnapshotWithSeqDropsAppliedOp) {
    join("abc", 0);
    type(0, "x");
    pf_ot_client_disconnected(c);
    type(1, "y");
    ASSERT_EQ(pf_ot_client_connected(c), PF_OK);
    sent.clear();
    /* Rev 0 is no longer in history: snapshot, which says seq 1 from us is
     * in it already. Only "y" is left to send. */
    ASSERT_EQ(msg("{\"type\":\"snapshot\",\"rev\":9,\"content\":\"QxabcQ\",\"seq\":1}"), PF_OK);
    EXPECT_EQ(text(), "QxyabcQ");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(field(sent[0], "operations"), "[2,\"y\"]");
    EXPECT_EQ(field(sent[0], "seq"), "2");
    ASSERT_EQ(msg("{\"type\":\"error\",\"code\":\"rev_too_old\",\"message\":\"old\",\"seq\":1}"), PF_OK);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_AWAITING);
}

TEST_F(OtClient, RemoteCursors) {
    join("abcdef", 0);
    type(0, "XY");      /* pending: remote positions shift by 2 */
    ASSERT_EQ(msg("{\"type\":\"cursor_update\",\"user_id\":\"bob\",\"position\":3}"), PF_OK);
    ASSERT_EQ(msg("{\"type\":\"cursor_update\",\"user_id\":7,\"position\":99}"), PF_OK);
    ASSERT_EQ(pf_ot_client_cursor_count(c), 2u);
    const char *u;
    size_t ul, pos;
    ASSERT_EQ(pf_ot_client_cursor(c, 0, &u, &ul, &pos), PF_OK);
    EXPECT_EQ(std::string(u, ul), "bob");
    EXPECT_EQ(pos, 5u);
    ASSERT_EQ(pf_ot_client_cursor(c, 1, &u, &ul, &pos), PF_OK);
    EXPECT_EQ(std::string(u, ul), "7");
    EXPECT_EQ(pos, 8u);                                     /* clamped */
    ASSERT_EQ(msg(remote(0, "[{\"d\":1}]")), PF_OK);
    ASSERT_EQ(pf_ot_client_cursor(c, 0, &u, &ul, &pos), PF_OK);
    EXPECT_EQ(pos, 4u);
    type(0, "_");
    ASSERT_EQ(pf_ot_client_cursor(c, 0, &u, &ul, &pos), PF_OK);
    EXPECT_EQ(pos, 5u);
    ASSERT_EQ(msg("{\"type\":\"user_left\",\"user_id\":\"bob\"}"), PF_OK);
    EXPECT_EQ(pf_ot_client_cursor_count(c), 1u);
    EXPECT_EQ(cursors.back(), "bob@gone");
    EXPECT_EQ(pf_ot_client_cursor(c, 5, &u, &ul, &pos), PF_ERANGE);
    EXPECT_EQ(msg("{\"type\":\"cursor_update\",\"position\":1}"), PF_EPROTO);
}

TEST_F(OtClient, SetCursorAndCursorPosition) {
    EXPECT_EQ(pf_ot_client_set_cursor(c, 0), PF_ESTATE);
    join("abc", 0);
    EXPECT_EQ(pf_ot_client_set_cursor(c, 4), PF_ERANGE);
    ASSERT_EQ(pf_ot_client_set_cursor(c, 2), PF_OK);
    EXPECT_EQ(field(sent.back(), "type"), "cursor_update");
    EXPECT_EQ(field(sent.back(), "position"), "2");
    ASSERT_EQ(pf_ot_client_local_text(c, "abXc", 4, 3), PF_OK);
    EXPECT_EQ(field(sent.back(), "operations"), "[2,\"X\"]");
    EXPECT_EQ(field(sent.back(), "cursor_position"), "3");
    /* Positions go out relative to the server text: "X" is not acked. */
    ASSERT_EQ(pf_ot_client_set_cursor(c, 4), PF_OK);
    EXPECT_EQ(field(sent.back(), "position"), "3");
    EXPECT_EQ(field(sent.back(), "rev"), "0");
    ASSERT_EQ(pf_ot_client_set_cursor(c, 1), PF_OK);
    EXPECT_EQ(field(sent.back(), "position"), "1");
}

TEST_F(OtClient, LocalEditValidation) {
    join("abc", 0);
    EXPECT_EQ(pf_ot_client_local_splice(c, 4, 0, "x", 1), PF_ERANGE);
    EXPECT_EQ(pf_ot_client_local_splice(c, 2, 2, "x", 1), PF_ERANGE);
    EXPECT_EQ(pf_ot_client_local_splice(c, 0, 0, "\xC3", 1), PF_EUTF8);
    pf_ot_op *op = parse("[5,\"x\"]");
    EXPECT_EQ(pf_ot_client_local_op(c, op), PF_ERANGE);
    pf_ot_free(op);
    EXPECT_EQ(pf_ot_client_local_op(c, NULL), PF_EINVAL);
    EXPECT_EQ(pf_ot_client_local_text(c, "\xF0\x9F", 2, 0), PF_EUTF8);
    EXPECT_EQ(pf_ot_client_local_text(c, "abc", 3, 1), PF_OK);   /* no-op */
    EXPECT_TRUE(sent.empty());
    EXPECT_EQ(text(), "abc");
    EXPECT_EQ(pf_ot_client_state(c), PF_OT_SYNCED);
}

TEST_F(OtClient, BadMessages) {
    EXPECT_EQ(msg("{"), PF_EJSON);
    EXPECT_EQ(msg("{\"type\":\"pong\"}"), PF_ENOTFOUND);
    EXPECT_EQ(msg("{\"type\":\"user_joined\",\"user\":{}}"), PF_ENOTFOUND);
    EXPECT_EQ(msg("[]"), PF_ENOTFOUND);
    EXPECT_EQ(msg("{\"type\":\"ack\",\"rev\":\"1\",\"seq\":1}"), PF_EPROTO);
    EXPECT_EQ(msg("{\"type\":\"snapshot\",\"rev\":1}"), PF_EPROTO);
    EXPECT_EQ(msg("{\"type\":\"content_change\",\"rev\":1}"), PF_EPROTO);
    EXPECT_EQ(pf_ot_client_message(NULL, "{}", 2), PF_EINVAL);
    /* cJSON alone would apply "a" for "a\u0000b" and diverge: refused. */
    EXPECT_EQ(msg("{\"type\":\"snapshot\",\"rev\":1,\"content\":\"a\\u0000b\"}"), PF_EJSON);
    EXPECT_EQ(msg("{\"type\":\"ack\",\"rev\":0,\"seq\":1} x"), PF_EJSON);
    join("abc", 0);
    /* A remote op that does not fit: resync, not a crash. */
    ASSERT_EQ(msg(remote(0, "[9,\"x\"]")), PF_OK);
    EXPECT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(sent.back(), "type"), "join");
    EXPECT_EQ(text(), "abc");
}

TEST_F(OtClient, UndoGroupsTypingAndRedo) {
    join("", 0);
    type(0, "a");
    fake_host_advance(100);
    type(1, "b");
    fake_host_advance(100);
    type(2, "c");
    fake_host_advance(2000);          /* a pause: a new group */
    type(3, "d");
    EXPECT_TRUE(pf_ot_client_can_undo(c));
    EXPECT_FALSE(pf_ot_client_can_redo(c));
    ASSERT_EQ(pf_ot_client_undo(c), PF_OK);
    EXPECT_EQ(text(), "abc");
    EXPECT_EQ(changes.back(), "2[3,{\"d\":\"d\"}]");
    ASSERT_EQ(pf_ot_client_undo(c), PF_OK);
    EXPECT_EQ(text(), "");
    EXPECT_EQ(pf_ot_client_undo(c), PF_ESTATE);
    ASSERT_EQ(pf_ot_client_redo(c), PF_OK);
    EXPECT_EQ(text(), "abc");
    ASSERT_EQ(pf_ot_client_redo(c), PF_OK);
    EXPECT_EQ(text(), "abcd");
    EXPECT_EQ(pf_ot_client_redo(c), PF_ESTATE);
    ASSERT_EQ(pf_ot_client_undo(c), PF_OK);
    type(3, "Z");                      /* a new edit clears redo */
    EXPECT_FALSE(pf_ot_client_can_redo(c));
    EXPECT_EQ(pf_ot_client_undo(NULL), PF_EINVAL);
}

TEST_F(OtClient, UndoTransformsAgainstRemoteOps) {
    join("hello", 0);
    type(5, " world");
    ASSERT_EQ(msg(ack(0, 1)), PF_OK);
    /* Someone else prepends; our undo must remove only our text. */
    ASSERT_EQ(msg(remote(1, "[\">> \"]")), PF_OK);
    EXPECT_EQ(text(), ">> hello world");
    ASSERT_EQ(pf_ot_client_undo(c), PF_OK);
    EXPECT_EQ(text(), ">> hello");
    EXPECT_EQ(field(sent.back(), "operations"), "[8,{\"d\":6}]");
    /* Someone deletes what the redo would restore around: still fine. */
    ASSERT_EQ(msg(ack(2, 2)), PF_OK);
    ASSERT_EQ(msg(remote(3, "[{\"d\":3}]")), PF_OK);
    EXPECT_EQ(text(), "hello");
    ASSERT_EQ(pf_ot_client_redo(c), PF_OK);
    EXPECT_EQ(text(), "hello world");
}

TEST_F(OtClient, UnicodeEdits) {
    join("e\xCC\x81\xE4\xB8\xAD", 0);
    ASSERT_EQ(pf_ot_client_local_splice(c, 2, 1, "\xF0\x9F\x98\x85", 4), PF_OK);
    EXPECT_EQ(text(), "e\xCC\x81\xF0\x9F\x98\x85");
    EXPECT_EQ(field(sent.back(), "operations"), "[2,\"\xF0\x9F\x98\x85\",{\"d\":1}]");
    ASSERT_EQ(msg(remote(0, "[1,{\"d\":1}]")), PF_OK);        /* drops the accent */
    EXPECT_EQ(text(), "e\xF0\x9F\x98\x85");
}

// A remote edit in the middle of a typing burst does not split its undo
// group: one undo removes the whole burst, and leaves the remote text.
TEST_F(OtClient, ARemoteEditDuringATypingBurstDoesNotSplitItsUndoGroup) {
    join("base.", 0);
    type(5, " a");
    fake_host_advance(100);
    ASSERT_EQ(msg(ack(0, 1)), PF_OK);
    ASSERT_EQ(msg(remote(1, "[\"R\"]")), PF_OK);   /* someone else, elsewhere */
    EXPECT_EQ(text(), "Rbase. a");
    fake_host_advance(100);
    type(8, "b");
    fake_host_advance(100);
    type(9, "c");
    ASSERT_EQ(pf_ot_client_undo(c), PF_OK);
    EXPECT_EQ(text(), "Rbase.");
    ASSERT_EQ(pf_ot_client_redo(c), PF_OK);
    EXPECT_EQ(text(), "Rbase. abc");
}

// Our cursor is said again after every rejoin (catch-up or snapshot): a
// restarted server keeps no cursors and catch-up replays none, so the
// others showed it where it was before the drop until we moved.
TEST_F(OtClient, OurCursorIsSaidAgainAfterARejoin) {
    join("abcdef", 0);
    pf_ot_client_disconnected(c);
    ASSERT_EQ(pf_ot_client_connected(c), PF_OK);
    EXPECT_EQ(field(sent.back(), "type"), "join"); /* no cursor set yet: none sent */
    ASSERT_EQ(pf_ot_client_set_cursor(c, 4), PF_OK);
    pf_ot_client_disconnected(c);
    sent.clear();
    ASSERT_EQ(pf_ot_client_connected(c), PF_OK);  /* a rejoin with rev: catch-up */
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(field(sent[0], "type"), "join");
    EXPECT_EQ(field(sent[1], "type"), "cursor_update");
    EXPECT_EQ(field(sent[1], "position"), "4");
    EXPECT_EQ(field(sent[1], "rev"), "0");
    /* A resync's snapshot (the rev was too old): said again after it, moved
     * by what the snapshot changed before it. */
    sent.clear();
    ASSERT_EQ(msg("{\"type\":\"snapshot\",\"rev\":9,\"content\":\"XXabcdef\",\"users\":[]}"), PF_OK);
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(field(sent.back(), "type"), "cursor_update");
    EXPECT_EQ(field(sent.back(), "position"), "6");
    EXPECT_EQ(field(sent.back(), "rev"), "9");
}
