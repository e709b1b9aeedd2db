// test_transport_edges.cc: edge cases of pf_ws, pf_sse, pf_pool and pf_loop
// that a review found (each failed, or was a use-after-free under ASan,
// before its fix): an oversize send under dropOldest, seqs past 2^53, the
// heartbeat judged per connection, SSE retry: after a visibility change,
// a pool freed from a callback of pf_pool_set_token, pf_cancel_deferred
// inside a running round, a joiner of a stopped shared socket, and a
// retry_after beyond what a host timer holds.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_host.h"
#include "pf_loop.h"
#include "pf_pool.h"
#include "pf_sse.h"
#include "pf_state.h"
#include "pf_ws.h"
}

namespace {

// ---------------------------------------------------------------- helpers
struct WRec {
    std::vector<pf_ws_event> states;
    std::vector<std::string> msgs;
    std::vector<int64_t> seqs;
    std::vector<int> errors;
    std::vector<std::string> error_texts;
    int resyncs = 0;
};
void w_state(void *ud, const pf_ws_event *ev) { static_cast<WRec *>(ud)->states.push_back(*ev); }
void w_msg(void *ud, const char *t, size_t n, const cJSON *, int64_t seq)
{
    static_cast<WRec *>(ud)->msgs.emplace_back(t, n);
    static_cast<WRec *>(ud)->seqs.push_back(seq);
}
void w_resync(void *ud) { static_cast<WRec *>(ud)->resyncs++; }
void w_err(void *ud, int e, const char *t, size_t n)
{
    static_cast<WRec *>(ud)->errors.push_back(e);
    static_cast<WRec *>(ud)->error_texts.emplace_back(t ? std::string(t, n) : "");
}
const pf_ws_callbacks kWsCb = {w_state, w_msg, w_resync, w_err, nullptr, nullptr};

class TransportEdges : public ::testing::Test {
  protected:
    void SetUp() override { fake_host_reset(); }
    void TearDown() override { fake_host_reset(); }
    int32_t ws_handle() { return fake_host_last(FAKE_WS_OPEN)->handle; }
    void wmsg(const std::string &s) { pf_io_message(ws_handle(), s.data(), s.size()); }
};

// ------------------------------------------------ 1. outbox dropOldest
TEST_F(TransportEdges, DropOldestRefusesASendThatCanNeverFitAndDropsNothing)
{
    WRec r;
    pf_ws_opts o = {};
    o.full_policy = PF_WS_FULL_DROP_OLDEST;
    o.outbox_max_bytes = 10;
    pf_ws *ws = pf_ws_new("ws://h/ws/chat", 14, &o, &kWsCb, &r);
    ASSERT_EQ(pf_ws_connect(ws), PF_OK); // connecting: sends are queued
    EXPECT_EQ(pf_ws_send(ws, "aa", 2, 0), PF_OK);
    EXPECT_EQ(pf_ws_send(ws, "bb", 2, 0), PF_OK);
    EXPECT_EQ(pf_ws_send(ws, "cc", 2, 0), PF_OK);
    ASSERT_EQ(pf_ws_outbox_len(ws), 3u);
    // One frame larger than outbox_max_bytes: no amount of dropping can
    // make room for it.
    int rc = pf_ws_send(ws, "0123456789ABCDEF", 16, 0);
    EXPECT_EQ(rc, PF_EFULL);
    EXPECT_EQ(pf_ws_outbox_len(ws), 3u) << "queued sends were dropped for nothing";
    EXPECT_TRUE(r.errors.empty());
    pf_ws_free(ws);
}

// ------------------------------------------------ 2. seq beyond 2^53
TEST_F(TransportEdges, SeqsPast2Pow53AreNoSeqsAndNeverDuplicates)
{
    WRec r;
    pf_ws_opts o = {};
    o.no_heartbeat = 1;
    pf_ws *ws = pf_ws_new("ws://h/ws/posts", 15, &o, &kWsCb, &r);
    pf_ws_connect(ws);
    pf_io_opened(ws_handle());
    wmsg("{\"type\":\"post_created\",\"seq\":9007199254740992}"); // 2^53
    wmsg("{\"type\":\"post_created\",\"seq\":9007199254740993}"); // 2^53 + 1
    pf_ws_stats st = pf_ws_get_stats(ws);
    // 2^53+1 is a different message: it is either a seq the client can no
    // longer tell apart (should count as "no seq") or at least not a duplicate.
    EXPECT_EQ(r.msgs.size(), 2u);
    EXPECT_EQ(st.duplicates, 0u);
    pf_ws_free(ws);
}

TEST_F(TransportEdges, SeqsPast2Pow53AreNoSeqsOnTheNoTreePathToo)
{
    WRec r;
    pf_ws_opts o = {};
    o.no_heartbeat = 1;
    o.no_tree = 1;
    pf_ws *ws = pf_ws_new("ws://h/ws/posts", 15, &o, &kWsCb, &r);
    pf_ws_connect(ws);
    pf_io_opened(ws_handle());
    wmsg("{\"type\":\"post_created\",\"seq\":9007199254740992}");
    wmsg("{\"type\":\"post_created\",\"seq\":9007199254740993}");
    EXPECT_EQ(r.msgs.size(), 2u);
    pf_ws_free(ws);
}

// ------------------------------------------------ 3. heartbeat per connection
TEST_F(TransportEdges, APongOnAnEarlierConnectionDoesNotMakeASilentNewOneDead)
{
    WRec r;
    pf_ws_opts o = {};
    o.heartbeat_interval_ms = 1000;
    o.heartbeat_timeout_ms = 500;
    pf_ws *ws = pf_ws_new("ws://h/ws/posts", 15, &o, &kWsCb, &r);
    pf_ws_connect(ws);
    pf_io_opened(ws_handle());
    fake_host_advance(1000); // ping
    wmsg("{\"type\":\"pong\"}");
    // The server restarts (as a core-only build, or behind a proxy that
    // drops app-level pings): a fresh connection.
    pf_io_closed(ws_handle(), 1012, "", 0);
    fake_host_advance(fake_host_next_timer_in());
    int32_t h2 = ws_handle();
    pf_io_opened(h2);
    size_t opens_before = fake_host_count(FAKE_WS_OPEN);
    fake_host_advance(1000); // ping on the new connection, never answered
    fake_host_advance(500);
    pf_ws_stats st = pf_ws_get_stats(ws);
    // protocol.md section 4: a client that never gets a pong on a
    // connection assumes a core-only server and turns dead-link detection
    // off for that connection.
    EXPECT_EQ(st.core_only, 1);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), opens_before);
    pf_ws_free(ws);
}

// ------------------------------------------------ 4. SSE retry: floor
struct SRec {
    std::vector<pf_ws_event> states;
};
void s_state(void *ud, const pf_ws_event *ev) { static_cast<SRec *>(ud)->states.push_back(*ev); }
const pf_sse_callbacks kSseCb = {s_state, nullptr, nullptr, nullptr, nullptr, nullptr};

TEST_F(TransportEdges, SseBecomingVisibleStillWaitsForTheServersRetry)
{
    SRec r;
    pf_sse *s = pf_sse_new("http://h/events", 15, nullptr, &kSseCb, &r);
    pf_sse_connect(s);
    int32_t h = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(h);
    pf_io_sse(h, "", 0, "", 0, "", 0, 30000); // retry: 30000
    pf_io_error(h, 503);                     // stream drops
    ASSERT_EQ(pf_sse_get_state(s), PF_WS_RECONNECTING);
    EXPECT_GE(r.states.back().delay_ms, 30000);
    fake_host_set_visible(0);
    pf_net_changed(1, 0);
    fake_host_advance(1000);
    fake_host_set_visible(1);
    pf_net_changed(1, 1); // the tab comes back 1 s later
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u) << "reopened 29 s before the server's retry:";
    pf_sse_free(s);
}

// ------------------------------------------------ 5. pool: set_token + free
struct PSub {
    pf_pool *pool_to_free = nullptr;
    std::vector<pf_ws_state> states;
};
void p_state(void *ud, const pf_ws_event *ev)
{
    PSub *p = static_cast<PSub *>(ud);
    p->states.push_back(ev->state);
    if (p->pool_to_free && ev->state == PF_WS_CONNECTING) {
        pf_pool *pool = p->pool_to_free;
        p->pool_to_free = nullptr;
        pf_pool_free(pool); // documented as safe inside a subscriber callback
    }
}
const pf_pool_sub_callbacks kPSubCb = {p_state, nullptr, nullptr, nullptr};

TEST_F(TransportEdges, PoolSetTokenSurvivesASubscriberThatFreesThePool)
{
    pf_pool_opts po = {};
    po.ws.no_heartbeat = 1;
    pf_pool *pool = pf_pool_new(&po, nullptr, nullptr); // no provider, no token
    PSub a, b;
    pf_pool_sub *sa = nullptr, *sb = nullptr;
    ASSERT_EQ(pf_pool_subscribe(pool, "ws://h/ws/a", 11, nullptr, &kPSubCb, &a, &sa), PF_OK);
    ASSERT_EQ(pf_pool_subscribe(pool, "ws://h/ws/b", 11, nullptr, &kPSubCb, &b, &sb), PF_OK);
    // Both sockets are refused: they wait in auth_failed for a token.
    pf_io_closed(fake_host_nth(FAKE_WS_OPEN, 0)->handle, 4001, "", 0);
    pf_io_closed(fake_host_nth(FAKE_WS_OPEN, 1)->handle, 4001, "", 0);
    ASSERT_EQ(a.states.back(), PF_WS_AUTH_FAILED);
    // The app sets a fresh token; the first socket's subscriber tears the
    // pool down as its socket restarts (e.g. the page navigates away).
    a.pool_to_free = pool;
    pf_pool_set_token(pool, "tok", 3); // the pool is freed at its end (ASan)
    EXPECT_EQ(a.pool_to_free, nullptr);
}

// ------------------------------------------------ 6. pf_loop: cancel in batch
struct Obj {
    int alive = 1;
};
int g_obj_runs;
void obj_task(void *ud)
{
    g_obj_runs += static_cast<Obj *>(ud)->alive; // freed: ASan stops here
}
Obj *g_victim;
void killer_task(void *)
{
    pf_cancel_deferred(g_victim); // "Removes every deferred task ... whose ud is ud"
    delete g_victim;
}

TEST_F(TransportEdges, CancelDeferredInsideAFlushStopsATaskOfTheSameRound)
{
    g_obj_runs = 0;
    g_victim = new Obj;
    pf_defer(killer_task, nullptr);
    pf_defer(obj_task, g_victim);
    fake_host_run_flush();
    EXPECT_EQ(g_obj_runs, 0);
}

// The same through a real user of pf_defer: a pf_state subscriber that
// frees another store whose notification is pending in the same flush.
pf_state *g_other;
void sub_a(void *, pf_state *, const char *const *, size_t)
{
    pf_state_free(g_other); // calls pf_cancel_deferred(g_other)
    g_other = nullptr;
}
void sub_b(void *, pf_state *, const char *const *, size_t) {}

TEST_F(TransportEdges, AStoreFreedByAnotherStoresSubscriberDuringAFlushIsNotDelivered)
{
    pf_state *a = pf_state_new();
    g_other = pf_state_new();
    pf_state_subscribe(a, nullptr, sub_a, nullptr);
    pf_state_subscribe(g_other, nullptr, sub_b, nullptr);
    pf_state_update_json(a, "k", 1, "1", 1, nullptr);
    pf_state_update_json(g_other, "k", 1, "2", 1, nullptr);
    fake_host_run_flush();
    pf_state_free(a);
}

} // namespace

namespace {
// ------------------------------------------------ 7. pool: stopped socket reused
struct PSub2 {
    std::vector<pf_ws_event> states;
};
void p2_state(void *ud, const pf_ws_event *ev) { static_cast<PSub2 *>(ud)->states.push_back(*ev); }
const pf_pool_sub_callbacks kP2Cb = {p2_state, nullptr, nullptr, nullptr};

TEST_F(TransportEdges, AJoinerOfAStoppedSharedSocketStartsItAgain)
{
    pf_pool_opts po = {};
    po.ws.no_heartbeat = 1;
    po.ws.max_retries = 1;
    pf_pool *pool = pf_pool_new(&po, nullptr, nullptr);
    PSub2 a, b;
    pf_pool_sub *sa = nullptr, *sb = nullptr;
    ASSERT_EQ(pf_pool_subscribe(pool, "ws://h/ws/room/r1", 17, nullptr, &kP2Cb, &a, &sa), PF_OK);
    pf_io_closed(ws_handle(), 1006, "", 0);            // server down
    fake_host_advance(fake_host_next_timer_in());      // retry 1
    pf_io_closed(ws_handle(), 1006, "", 0);            // still down: max retries
    ASSERT_EQ(a.states.back().state, PF_WS_CLOSED);
    ASSERT_EQ(a.states.back().cause, PF_WS_CAUSE_MAX_RETRIES);
    pf_pool_unsubscribe(sa);                           // the component unmounts
    size_t opens = fake_host_count(FAKE_WS_OPEN);
    fake_host_advance(5000);                           // server back; user navigates back
    ASSERT_EQ(pf_pool_subscribe(pool, "ws://h/ws/room/r1", 17, nullptr, &kP2Cb, &b, &sb), PF_OK);
    fake_host_advance(20000);
    EXPECT_GT(fake_host_count(FAKE_WS_OPEN), opens) << "the new subscriber sits on a dead socket";
    pf_pool_free(pool);
}

// ------------------------------------------------ 8. retry_after beyond setTimeout range
TEST_F(TransportEdges, RetryAfterIsBoundedLikeThe4029Reason)
{
    WRec r;
    pf_ws_opts o = {};
    o.no_heartbeat = 1;
    pf_ws *ws = pf_ws_new("ws://h/ws/chat", 14, &o, &kWsCb, &r);
    pf_ws_connect(ws);
    pf_io_opened(ws_handle());
    pf_ws_send(ws, "{\"text\":\"x\"}", 12, 0);
    wmsg("{\"error\":\"Rate limit exceeded\",\"retry_after\":3000000}");
    EXPECT_LE(fake_host_next_timer_in(), 2147483647.0);
    pf_ws_free(ws);
}
} // namespace
