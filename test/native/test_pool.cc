// test_pool.cc: one shared socket per URL (pf_pool) against the fake host.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_host.h"
#include "pf_pool.h"
}

namespace {

const char kPosts[] = "ws://h/ws/posts";
const char kChat[] = "ws://h/ws/chat";

struct Sub {
    std::vector<std::string> msgs;
    std::vector<pf_ws_state> states;
    std::vector<int> errors;
    int resyncs = 0;
    pf_pool_sub *self = nullptr;
    pf_pool_sub *unsubscribe_on_message = nullptr;
    pf_pool *free_pool_on_message = nullptr;
};

void on_state(void *ud, const pf_ws_event *ev) { static_cast<Sub *>(ud)->states.push_back(ev->state); }

void on_message(void *ud, const char *text, size_t len, const cJSON *, int64_t)
{
    Sub *s = static_cast<Sub *>(ud);
    s->msgs.emplace_back(text, len);
    if (s->unsubscribe_on_message) {
        pf_pool_unsubscribe(s->unsubscribe_on_message);
        s->unsubscribe_on_message = nullptr;
    }
    if (s->free_pool_on_message) {
        pf_pool_free(s->free_pool_on_message);
        s->free_pool_on_message = nullptr;
    }
}

void on_resync(void *ud) { static_cast<Sub *>(ud)->resyncs++; }
void on_error(void *ud, int err, const char *, size_t) { static_cast<Sub *>(ud)->errors.push_back(err); }

const pf_pool_sub_callbacks kSubCb = {on_state, on_message, on_resync, on_error};

std::string g_url;
const char *pool_get_url(void *, const char *url, size_t len, size_t *out_len)
{
    g_url = std::string(url, len) + "?v=2";
    *out_len = g_url.size();
    return g_url.c_str();
}

class PoolTest : public ::testing::Test {
  protected:
    pf_pool *pool = nullptr;

    void SetUp() override { fake_host_reset(); }
    void TearDown() override
    {
        pf_pool_free(pool);
        pool = nullptr;
        fake_host_reset();
    }
    pf_pool *make(size_t max = 0, double idle = 0, const pf_pool_callbacks *cb = nullptr)
    {
        pf_pool_opts o = {};
        o.max_connections = max;
        o.idle_timeout_ms = idle;
        o.ws.no_heartbeat = 1;
        pool = pf_pool_new(&o, cb, nullptr);
        return pool;
    }
    pf_pool_sub *sub(const char *url, Sub *s, const pf_pool_sub_opts *o = nullptr, int want = PF_OK)
    {
        pf_pool_sub *out = nullptr;
        EXPECT_EQ(pf_pool_subscribe(pool, url, strlen(url), o, &kSubCb, s, &out), want);
        s->self = out;
        return out;
    }
    const fake_effect *open_of(const char *url)
    {
        for (size_t i = fake_host_count(FAKE_WS_OPEN); i-- > 0;) {
            const fake_effect *e = fake_host_nth(FAKE_WS_OPEN, i);
            if (std::string(e->text).rfind(url, 0) == 0)
                return e;
        }
        return nullptr;
    }
    void msg(const char *url, const std::string &m)
    {
        pf_io_message(open_of(url)->handle, m.data(), m.size());
    }
};

TEST_F(PoolTest, SameUrlSharesOneSocketAndEverySubscriberHearsIt)
{
    make();
    Sub a, b;
    sub(kPosts, &a);
    sub(kPosts, &b);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    EXPECT_EQ(pf_pool_connections(pool), 1u);
    EXPECT_EQ(pf_pool_sub_ws(a.self), pf_pool_sub_ws(b.self));
    pf_io_opened(open_of(kPosts)->handle);
    EXPECT_EQ(a.states.back(), PF_WS_OPEN);
    EXPECT_EQ(b.states.back(), PF_WS_OPEN);
    msg(kPosts, "{\"type\":\"post_created\",\"seq\":1}");
    msg(kPosts, "{\"type\":\"resync\"}");
    EXPECT_EQ(a.msgs.size(), 1u);
    EXPECT_EQ(b.msgs.size(), 1u);
    EXPECT_EQ(a.resyncs, 1);
    EXPECT_EQ(b.resyncs, 1);
    msg(kPosts, "garbage");
    EXPECT_EQ(a.errors.size(), 1u);
    EXPECT_EQ(b.errors.size(), 1u);
}

TEST_F(PoolTest, TypeFilterDeliversOnlyWhatWasAskedFor)
{
    make();
    Sub all, deletes;
    pf_pool_sub_opts o = {};
    o.type = "post_deleted";
    sub(kPosts, &all);
    sub(kPosts, &deletes, &o);
    pf_io_opened(open_of(kPosts)->handle);
    msg(kPosts, "{\"type\":\"post_created\"}");
    msg(kPosts, "{\"type\":\"post_deleted\"}");
    msg(kPosts, "{\"no_type\":1}");
    EXPECT_EQ(all.msgs.size(), 3u);
    ASSERT_EQ(deletes.msgs.size(), 1u);
    EXPECT_EQ(deletes.msgs[0], "{\"type\":\"post_deleted\"}");
}

TEST_F(PoolTest, TypeFilterWorksWithoutATree)
{
    pf_pool_opts o = {};
    o.ws.no_heartbeat = 1;
    o.ws.no_tree = 1;
    pool = pf_pool_new(&o, nullptr, nullptr);
    Sub all, deletes;
    pf_pool_sub_opts so = {};
    so.type = "post_deleted";
    sub(kPosts, &all);
    sub(kPosts, &deletes, &so);
    pf_io_opened(open_of(kPosts)->handle);
    msg(kPosts, "{\"type\":\"post_created\",\"seq\":1}");
    msg(kPosts, "{\"type\":\"post_deleted\",\"seq\":2}");
    msg(kPosts, "{\"type\":\"post_deleted_not\",\"seq\":3}");
    msg(kPosts, "{\"no_type\":1}");
    EXPECT_EQ(all.msgs.size(), 4u);
    ASSERT_EQ(deletes.msgs.size(), 1u);
    EXPECT_EQ(deletes.msgs[0], "{\"type\":\"post_deleted\",\"seq\":2}");
}

TEST_F(PoolTest, IdleSocketClosesAfterTheTimeoutAndIsReusedBefore)
{
    make(0, 10000);
    Sub a, b;
    sub(kPosts, &a);
    pf_io_opened(open_of(kPosts)->handle);
    pf_pool_unsubscribe(a.self);
    fake_host_advance(9000);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    sub(kPosts, &b); // remount: still warm
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    fake_host_advance(60000);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    pf_pool_unsubscribe(b.self);
    fake_host_advance(9999);
    EXPECT_EQ(pf_pool_connections(pool), 1u);
    fake_host_advance(1);
    EXPECT_EQ(pf_pool_connections(pool), 0u);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_last(FAKE_WS_CLOSE)->code, 1000);
}

TEST_F(PoolTest, MaxConnectionsRejectsWithEfullOrEvictsAnIdleSocket)
{
    make(1);
    Sub a, b, c;
    sub(kPosts, &a);
    sub(kChat, &b, nullptr, PF_EFULL);
    EXPECT_EQ(b.self, nullptr);
    pf_pool_unsubscribe(a.self); // idle now
    sub(kChat, &c);
    EXPECT_EQ(pf_pool_connections(pool), 1u);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u); // the idle one went early
    EXPECT_NE(open_of(kChat), nullptr);
}

TEST_F(PoolTest, NoQueueChannelIsNotReplayedButOthersAre)
{
    make();
    Sub chat, ot;
    pf_pool_sub_opts o = {};
    o.no_queue = 1;
    sub(kPosts, &chat);
    sub(kPosts, &ot, &o);
    EXPECT_EQ(pf_pool_send(chat.self, "hello", 5, 0), PF_OK);
    EXPECT_EQ(pf_pool_send(ot.self, "op", 2, 0), PF_ESTATE);
    pf_io_opened(open_of(kPosts)->handle);
    ASSERT_EQ(fake_host_count(FAKE_WS_SEND), 1u);
    EXPECT_STREQ(fake_host_last(FAKE_WS_SEND)->text, "hello");
    EXPECT_EQ(pf_pool_send(ot.self, "op", 2, 0), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_SEND), 2u);
}

TEST_F(PoolTest, SocketReconnectsForItsSubscribersWithTheOwnersUrl)
{
    pf_pool_callbacks cb = {pool_get_url, nullptr};
    make(0, 0, &cb);
    pf_pool_set_token(pool, "tk", 2);
    Sub a;
    sub(kPosts, &a);
    EXPECT_STREQ(open_of(kPosts)->text, "ws://h/ws/posts?v=2&token=tk");
    pf_io_opened(open_of(kPosts)->handle);
    pf_io_closed(open_of(kPosts)->handle, 1006, "", 0);
    EXPECT_EQ(a.states.back(), PF_WS_RECONNECTING);
    fake_host_advance(1000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
}

TEST_F(PoolTest, DefaultTokenProviderReusesThePoolToken)
{
    make();
    Sub a;
    sub(kPosts, &a);
    pf_pool_sub *stream = nullptr; // and an event stream's 401 the same
    ASSERT_EQ(pf_pool_subscribe_sse(pool, "/events?token=old", 17, nullptr, nullptr, nullptr, &stream), PF_OK);
    pf_io_opened(open_of(kPosts)->handle);
    pf_io_opened(fake_host_last(FAKE_SSE_OPEN)->handle);
    pf_pool_set_token(pool, "fresh", 5);
    pf_io_closed(open_of(kPosts)->handle, 4001, "", 0);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "ws://h/ws/posts?token=fresh");
    pf_io_error(fake_host_last(FAKE_SSE_OPEN)->handle, 401);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events?token=fresh"); // replaces the URL's
}

TEST_F(PoolTest, UnsubscribingInsideACallbackIsSafe)
{
    make();
    Sub a, b;
    sub(kPosts, &a);
    sub(kPosts, &b);
    a.unsubscribe_on_message = b.self; // a removes b mid-dispatch
    pf_io_opened(open_of(kPosts)->handle);
    msg(kPosts, "{\"type\":\"x\"}");
    EXPECT_EQ(a.msgs.size(), 1u);
    EXPECT_EQ(b.msgs.size(), 0u);
    msg(kPosts, "{\"type\":\"y\"}");
    EXPECT_EQ(a.msgs.size(), 2u);
    a.unsubscribe_on_message = a.self; // and itself
    msg(kPosts, "{\"type\":\"z\"}");
    msg(kPosts, "{\"type\":\"w\"}");
    EXPECT_EQ(a.msgs.size(), 3u);
}

TEST_F(PoolTest, FreeingThePoolInsideACallbackIsSafe)
{
    make();
    Sub a, b;
    sub(kPosts, &a);
    sub(kPosts, &b);
    pf_io_opened(open_of(kPosts)->handle);
    a.free_pool_on_message = pool;
    msg(kPosts, "{\"type\":\"x\"}");
    pool = nullptr;
    EXPECT_EQ(b.msgs.size(), 0u); // delivery stopped with the pool
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_armed_timers(), 0u);
}

TEST_F(PoolTest, BadArguments)
{
    make();
    pf_pool_sub *out = nullptr;
    EXPECT_EQ(pf_pool_subscribe(pool, nullptr, 0, nullptr, &kSubCb, nullptr, &out), PF_EINVAL);
    EXPECT_EQ(pf_pool_subscribe(nullptr, kPosts, 5, nullptr, &kSubCb, nullptr, &out), PF_EINVAL);
    EXPECT_EQ(pf_pool_send(nullptr, "x", 1, 0), PF_EINVAL);
    pf_pool_unsubscribe(nullptr);
    pf_pool_free(nullptr);
}

// ---- event streams (pf_pool_subscribe_sse) ---------------------------------

struct Listener {
    std::vector<std::string> ids;
    std::vector<pf_ws_state> states;
    pf_pool_sub *self = nullptr;
};

void on_sse_state(void *ud, const pf_ws_event *ev) { static_cast<Listener *>(ud)->states.push_back(ev->state); }
void on_sse_message(void *ud, const pf_sse_message *m)
{
    static_cast<Listener *>(ud)->ids.emplace_back(m->id, m->id_len);
}

const pf_pool_sse_callbacks kSseCb = {on_sse_state, on_sse_message, nullptr, nullptr};
const char kEvents[] = "/events/notifications";

pf_pool_sub *listen(pf_pool *pool, Listener *l, const char *last_id = nullptr)
{
    pf_pool_sse_opts o = {};
    o.last_event_id = last_id;
    o.last_event_id_len = last_id ? strlen(last_id) : 0;
    EXPECT_EQ(pf_pool_subscribe_sse(pool, kEvents, strlen(kEvents), &o, &kSseCb, l, &l->self), PF_OK);
    return l->self;
}

void event(int32_t h, const std::string &id)
{
    std::string data = "{\"id\":" + id + "}";
    pf_io_sse(h, "notification", 12, id.data(), id.size(), data.data(), data.size(), -1);
}

TEST_F(PoolTest, StreamsAreSharedAndJoinersAreReplayedWhatCameAfterTheirId)
{
    pf_pool_opts o = {};
    o.join_replay_max = 3;
    pool = pf_pool_new(&o, nullptr, nullptr);
    Listener a, b, c, d;
    listen(pool, &a, "1");
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications?last_event_id=1");
    int32_t h = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(h);
    for (const char *id : {"2", "3", "4", "5"})
        event(h, id);
    listen(pool, &b, "4");  // replayed what came after its id
    listen(pool, &c, "1");  // its id is no longer kept: every kept event
    listen(pool, &d);       // no id: only what comes next
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    EXPECT_EQ(b.ids, std::vector<std::string>{"5"});
    EXPECT_EQ(c.ids, (std::vector<std::string>{"3", "4", "5"}));
    EXPECT_TRUE(d.ids.empty());
    EXPECT_EQ(d.states, std::vector<pf_ws_state>{PF_WS_OPEN});
    event(h, "6");
    EXPECT_EQ(a.ids.back(), "6");
    EXPECT_EQ(d.ids, std::vector<std::string>{"6"});
    // A stream is no socket.
    EXPECT_EQ(pf_pool_sub_ws(a.self), nullptr);
    EXPECT_EQ(pf_pool_sub_sse(a.self), pf_pool_sub_sse(d.self));
    EXPECT_EQ(pf_pool_send(a.self, "x", 1, 0), PF_EINVAL);
    // Unsubscribing one does not disturb the others.
    pf_pool_unsubscribe(b.self);
    event(h, "7");
    EXPECT_EQ(b.ids, (std::vector<std::string>{"5", "6"}));
    EXPECT_EQ(c.ids.back(), "7");
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
}

} // namespace
