// Tests of runtime/pf_state.h: the State store.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "fake_host.h"
#include "pf_loop.h"
#include "pf_state.h"
}

namespace {

struct Recorder {
    std::vector<std::vector<std::string>> calls;
    static void cb(void *ud, pf_state *, const char *const *keys, size_t n)
    {
        auto *r = static_cast<Recorder *>(ud);
        r->calls.emplace_back(keys, keys + n);
    }
};

class StateTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake_host_reset();
        s = pf_state_new();
        ASSERT_NE(s, nullptr);
    }
    void TearDown() override
    {
        pf_state_free(s);
        fake_host_reset();
    }
    int update(const char *key, const std::string &json, pf_parse_error *err = nullptr)
    {
        return pf_state_update_json(s, key, strlen(key), json.data(), json.size(), err);
    }
    std::string get(const char *key)
    {
        char *out = nullptr;
        size_t len = 0;
        int rc = pf_state_get_json(s, key, strlen(key), &out, &len);
        if (rc != PF_OK)
            return std::string("<") + pf_strerror(rc) + ">";
        std::string r(out, len);
        pf_free(out);
        return r;
    }
    pf_state *s = nullptr;
};

TEST_F(StateTest, GetOfMissingKeyIsNotFound)
{
    EXPECT_EQ(pf_state_get(s, "posts"), nullptr);
    char *out = nullptr;
    size_t len = 0;
    EXPECT_EQ(pf_state_get_json(s, "posts", 5, &out, &len), PF_ENOTFOUND);
    double d;
    EXPECT_EQ(pf_state_get_number(s, "posts", &d), PF_ENOTFOUND);
}

TEST_F(StateTest, UpdateAndGetRoundTripsJson)
{
    ASSERT_EQ(update("posts", "[{\"id\":1,\"title\":\"h\\u00e9llo \\ud83d\\ude00\"}]"), PF_OK);
    EXPECT_EQ(get("posts"), "[{\"id\":1,\"title\":\"héllo 😀\"}]");
    ASSERT_EQ(update("loading", " true "), PF_OK);
    int b = 0;
    EXPECT_EQ(pf_state_get_bool(s, "loading", &b), PF_OK);
    EXPECT_EQ(b, 1);
    EXPECT_EQ(pf_state_size(s), 2u);
}

TEST_F(StateTest, TypedReadsRejectWrongTypes)
{
    ASSERT_EQ(update("count", "3"), PF_OK);
    ASSERT_EQ(update("name", "\"ann\""), PF_OK);
    double d = 0;
    int b = 0;
    const char *str = nullptr;
    EXPECT_EQ(pf_state_get_number(s, "count", &d), PF_OK);
    EXPECT_EQ(d, 3.0);
    EXPECT_EQ(pf_state_get_string(s, "count", &str), PF_ETYPE);
    EXPECT_EQ(pf_state_get_bool(s, "name", &b), PF_ETYPE);
    EXPECT_EQ(pf_state_get_number(s, "name", &d), PF_ETYPE);
    EXPECT_EQ(pf_state_get_string(s, "name", &str), PF_OK);
    EXPECT_STREQ(str, "ann");
}

TEST_F(StateTest, MalformedJsonIsRejectedWithPositionAndChangesNothing)
{
    ASSERT_EQ(update("posts", "[1,2]"), PF_OK);
    const char *bad[] = { "", "{", "[1,2", "{\"a\":}", "tru", "\"unterminated", "[1] [2]", "nul", "{\"a\":1}x" };
    for (const char *b : bad) {
        pf_parse_error err;
        EXPECT_EQ(update("posts", b, &err), PF_EJSON) << b;
        EXPECT_EQ(err.code, PF_EJSON) << b;
        EXPECT_NE(err.msg, nullptr) << b;
        EXPECT_LE(err.pos, strlen(b)) << b;
    }
    EXPECT_EQ(get("posts"), "[1,2]");
    pf_parse_error err;
    EXPECT_EQ(update("posts", "[1] [2]", &err), PF_EJSON);
    EXPECT_EQ(err.pos, 4u);
    EXPECT_EQ(pf_state_pending(s), 1u); // only the first, valid update
}

TEST_F(StateTest, EmbeddedNulIsMalformed)
{
    std::string text("[1,\0 2]", 7);
    EXPECT_EQ(update("k", text), PF_EJSON);
    EXPECT_EQ(pf_state_get(s, "k"), nullptr);
}

TEST_F(StateTest, BadKeysAreRejected)
{
    EXPECT_EQ(pf_state_update_json(s, "", 0, "1", 1, nullptr), PF_EINVAL);
    EXPECT_EQ(pf_state_update_json(s, "a\0b", 3, "1", 1, nullptr), PF_EINVAL);
    EXPECT_EQ(pf_state_update_json(s, nullptr, 0, "1", 1, nullptr), PF_EINVAL);
    EXPECT_EQ(pf_state_update(s, "", cJSON_CreateNumber(1)), PF_EINVAL);
    EXPECT_EQ(pf_state_update(s, "k", nullptr), PF_EINVAL);
    EXPECT_EQ(pf_state_update_json(s, "k", 1, nullptr, 0, nullptr), PF_EINVAL);
    EXPECT_EQ(pf_state_size(s), 0u);
}

TEST_F(StateTest, DeeplyNestedInputIsAnErrorNotACrash)
{
    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    EXPECT_EQ(update("deep", deep), PF_EJSON);
}

TEST_F(StateTest, SetMultipleIsAtomicAndNeedsAnObject)
{
    const char *ok = "{\"posts\":[],\"loading\":false,\"connected\":true}";
    ASSERT_EQ(pf_state_set_multiple_json(s, ok, strlen(ok), nullptr), PF_OK);
    EXPECT_EQ(pf_state_size(s), 3u);
    EXPECT_EQ(get("loading"), "false");

    const char *not_object[] = { "[1,2]", "3", "\"str\"", "null" };
    for (const char *t : not_object) {
        pf_parse_error err;
        EXPECT_EQ(pf_state_set_multiple_json(s, t, strlen(t), &err), PF_ETYPE) << t;
        EXPECT_EQ(err.code, PF_ETYPE);
    }
    const char *empty_key = "{\"loading\":true,\"\":1}";
    EXPECT_EQ(pf_state_set_multiple_json(s, empty_key, strlen(empty_key), nullptr), PF_ETYPE);
    const char *broken = "{\"loading\":true,\"posts\":[1,}";
    EXPECT_EQ(pf_state_set_multiple_json(s, broken, strlen(broken), nullptr), PF_EJSON);
    EXPECT_EQ(get("loading"), "false"); // neither bad input changed anything
    EXPECT_EQ(get("posts"), "[]");
}

TEST_F(StateTest, ManyUpdatesInOneTickNotifyOnce)
{
    Recorder all, posts_only, other;
    ASSERT_GT(pf_state_subscribe(s, nullptr, Recorder::cb, &all), 0);
    ASSERT_GT(pf_state_subscribe(s, "posts", Recorder::cb, &posts_only), 0);
    ASSERT_GT(pf_state_subscribe(s, "unrelated", Recorder::cb, &other), 0);
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(update("posts", "[" + std::to_string(i) + "]"), PF_OK);
    ASSERT_EQ(update("loading", "false"), PF_OK);
    EXPECT_TRUE(all.calls.empty()); // nothing delivered synchronously
    EXPECT_TRUE(fake_host_flush_requested());
    fake_host_run_flush();
    ASSERT_EQ(all.calls.size(), 1u);
    EXPECT_EQ(all.calls[0], (std::vector<std::string>{ "posts", "loading" }));
    ASSERT_EQ(posts_only.calls.size(), 1u);
    EXPECT_TRUE(other.calls.empty());
    EXPECT_EQ(pf_state_deliveries(s), 1u);
    EXPECT_EQ(get("posts"), "[99]");
}

TEST_F(StateTest, EqualValueDoesNotNotify)
{
    ASSERT_EQ(update("posts", "[{\"id\":1}]"), PF_OK);
    pf_state_flush(s);
    Recorder r;
    pf_state_subscribe(s, nullptr, Recorder::cb, &r);
    ASSERT_EQ(update("posts", "[ { \"id\" : 1 } ]"), PF_OK);
    fake_host_run_flush();
    EXPECT_TRUE(r.calls.empty());
    EXPECT_EQ(pf_state_pending(s), 0u);
}

struct Chain {
    pf_state *s;
    int rounds = 0;
    static void cb(void *ud, pf_state *st, const char *const *, size_t)
    {
        auto *c = static_cast<Chain *>(ud);
        if (++c->rounds < 3) {
            std::string v = std::to_string(c->rounds);
            pf_state_update_json(st, "n", 1, v.data(), v.size(), nullptr);
        }
    }
};

TEST_F(StateTest, UpdatesFromASubscriberArriveAtTheNextFlush)
{
    Chain c{ s };
    pf_state_subscribe(s, nullptr, Chain::cb, &c);
    update("n", "0");
    fake_host_run_flush();
    EXPECT_EQ(c.rounds, 1);
    fake_host_run_flush();
    EXPECT_EQ(c.rounds, 2);
    fake_host_run_flush();
    EXPECT_EQ(c.rounds, 3);
    fake_host_run_flush();
    EXPECT_EQ(c.rounds, 3);
}

struct SelfRemover {
    pf_state *s;
    int id = 0;
    int calls = 0;
    static void cb(void *ud, pf_state *st, const char *const *, size_t)
    {
        auto *r = static_cast<SelfRemover *>(ud);
        r->calls++;
        EXPECT_EQ(pf_state_unsubscribe(st, r->id), PF_OK);
    }
};

TEST_F(StateTest, UnsubscribeFromInsideACallback)
{
    SelfRemover r{ s };
    Recorder after;
    r.id = pf_state_subscribe(s, nullptr, SelfRemover::cb, &r);
    pf_state_subscribe(s, nullptr, Recorder::cb, &after);
    update("a", "1");
    fake_host_run_flush();
    update("a", "2");
    fake_host_run_flush();
    EXPECT_EQ(r.calls, 1);
    EXPECT_EQ(after.calls.size(), 2u);
    EXPECT_EQ(pf_state_unsubscribe(s, r.id), PF_ENOTFOUND);
}

TEST_F(StateTest, RemoveMarksDirty)
{
    update("a", "1");
    pf_state_flush(s);
    Recorder r;
    pf_state_subscribe(s, "a", Recorder::cb, &r);
    EXPECT_EQ(pf_state_remove(s, "a", 1), PF_OK);
    EXPECT_EQ(pf_state_remove(s, "a", 1), PF_ENOTFOUND);
    fake_host_run_flush();
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_EQ(get("a"), "<not found>");
}

TEST_F(StateTest, FreeWithPendingFlushCancelsIt)
{
    Recorder r;
    pf_state_subscribe(s, nullptr, Recorder::cb, &r);
    update("a", "1");
    pf_state_free(s);
    s = nullptr;
    fake_host_run_flush(); // must not touch the freed store
    EXPECT_TRUE(r.calls.empty());
}

struct SelfFreer {
    int calls = 0;
    static void cb(void *ud, pf_state *st, const char *const *, size_t)
    {
        static_cast<SelfFreer *>(ud)->calls++;
        // What changes here is dropped with the store; a pending flush it
        // schedules is cancelled.
        EXPECT_EQ(pf_state_update_json(st, "b", 1, "2", 1, nullptr), PF_OK);
        pf_state_free(st);
        // The next allocation may take the store's memory; the delivery
        // loop must not read it after this.
        void *p = malloc(64);
        memset(p, 0xAB, 64);
        free(p);
    }
};

TEST_F(StateTest, FreeFromInsideACallbackStopsTheDeliveryAndFreesAfterIt)
{
    Recorder before, after;
    SelfFreer f;
    pf_state_subscribe(s, nullptr, Recorder::cb, &before);
    pf_state_subscribe(s, nullptr, SelfFreer::cb, &f);
    pf_state_subscribe(s, nullptr, Recorder::cb, &after);
    update("a", "1");
    pf_state_flush(s);
    s = nullptr; // freed by the callback (ASan/LSan check the rest)
    fake_host_run_flush();
    EXPECT_EQ(before.calls.size(), 1u);
    EXPECT_EQ(f.calls, 1);
    EXPECT_TRUE(after.calls.empty()) << "no subscriber after the one that freed the store";
}

TEST_F(StateTest, ToJsonHoldsEveryKey)
{
    update("b", "{\"x\":[1,2]}");
    update("a", "\"<script>\"");
    char *out = nullptr;
    size_t len = 0;
    ASSERT_EQ(pf_state_to_json(s, &out, &len), PF_OK);
    EXPECT_EQ(std::string(out, len), "{\"b\":{\"x\":[1,2]},\"a\":\"<script>\"}");
    pf_free(out);
}

TEST_F(StateTest, OversizedJsonIsRejectedBeforeParsing)
{
    // The length check happens before any byte is read.
    const char dummy[] = "1";
    pf_parse_error err;
    EXPECT_EQ(pf_state_update_json(s, "k", 1, dummy, PF_STATE_MAX_JSON + 1, &err), PF_ETOOBIG);
    EXPECT_EQ(err.code, PF_ETOOBIG);
}

TEST_F(StateTest, FreeAcceptsNull) { pf_state_free(nullptr); }

TEST(Strerror, EveryCodeHasAMessage)
{
    for (int c = 0; c >= -13; c--)
        EXPECT_STRNE(pf_strerror(c), "unknown error") << c;
    EXPECT_STREQ(pf_strerror(-9999), "unknown error");
}

} // namespace

namespace {

class StateNulTest : public ::testing::Test {
protected:
    void SetUp() override { fake_host_reset(); s = pf_state_new(); }
    void TearDown() override { pf_state_free(s); }
    pf_state *s = nullptr;
};

TEST_F(StateNulTest, U0000EscapeIsRefusedNotTruncated)
{
    const char *t = "\"x\\u0000y\"";
    pf_parse_error err;
    EXPECT_EQ(pf_state_update_json(s, "k", 1, t, strlen(t), &err), PF_EJSON);
    EXPECT_EQ(err.pos, 2u);
    EXPECT_EQ(pf_state_get(s, "k"), nullptr);
    // An escaped backslash followed by u0000 is plain text, and fine.
    const char *ok = "\"x\\\\u0000y\"";
    EXPECT_EQ(pf_state_update_json(s, "k", 1, ok, strlen(ok), &err), PF_OK);
    EXPECT_STREQ(cJSON_GetStringValue(pf_state_get(s, "k")), "x\\u0000y");
}

} // namespace

// Numbers compare exactly: cJSON_Compare's relative epsilon made 2^53 + 2
// "equal" to 2^53 and 0.30000000000000004 to 0.3, and the update was lost.
TEST(State, AnUpdateToANumberThatDiffersInItsLastBitIsKept)
{
    fake_host_reset();
    pf_state *s = pf_state_new();
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "9007199254740992", 16, nullptr), PF_OK);
    pf_state_flush(s);
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "9007199254740994", 16, nullptr), PF_OK);
    double v = 0;
    ASSERT_EQ(pf_state_get_number(s, "n", &v), PF_OK);
    EXPECT_EQ(v, 9007199254740994.0);
    EXPECT_EQ(pf_state_pending(s), 1u);
    pf_state_flush(s);
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "[0.3,{\"a\":1}]", 13, nullptr), PF_OK);
    pf_state_flush(s);
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "[0.30000000000000004,{\"a\":1}]", 29, nullptr), PF_OK);
    EXPECT_EQ(pf_state_pending(s), 1u);
    pf_state_flush(s);
    // -0 prints differently from 0; equal values, members in another order, are no change.
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "{\"x\":0,\"y\":[true,null,\"s\"]}", 27, nullptr), PF_OK);
    pf_state_flush(s);
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "{\"y\":[true,null,\"s\"],\"x\":0}", 27, nullptr), PF_OK);
    EXPECT_EQ(pf_state_pending(s), 0u);
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "{\"y\":[true,null,\"s\"],\"x\":-0}", 28, nullptr), PF_OK);
    EXPECT_EQ(pf_state_pending(s), 1u);
    pf_state_flush(s);
    // A duplicate member does not make two different objects equal.
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "{\"x\":1,\"x\":1}", 13, nullptr), PF_OK);
    pf_state_flush(s);
    ASSERT_EQ(pf_state_update_json(s, "n", 1, "{\"x\":1,\"y\":2}", 13, nullptr), PF_OK);
    EXPECT_EQ(pf_state_pending(s), 1u);
    pf_state_free(s);
    fake_host_reset();
}
