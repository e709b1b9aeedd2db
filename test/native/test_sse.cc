// test_sse.cc: the reconnecting EventSource (pf_sse) against the fake host.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_host.h"
#include "pf_sse.h"
}

namespace {

const char kUrl[] = "http://h/events/notifications";

struct SseRec {
    std::vector<pf_ws_event> states;
    std::vector<std::string> events, ids, data;
    std::vector<int64_t> seqs;
    std::vector<bool> parsed;
    std::vector<int> errors;
    int resyncs = 0;
    int refreshes = 0;
    std::string token_on_refresh;
    bool free_on_message = false;
    pf_sse *sse = nullptr;
};

void on_state(void *ud, const pf_ws_event *ev) { static_cast<SseRec *>(ud)->states.push_back(*ev); }

void on_message(void *ud, const pf_sse_message *m)
{
    SseRec *r = static_cast<SseRec *>(ud);
    r->events.emplace_back(m->event, m->event_len);
    r->ids.emplace_back(m->id, m->id_len);
    r->data.emplace_back(m->data, m->data_len);
    r->seqs.push_back(m->seq);
    r->parsed.push_back(m->msg != nullptr);
    if (r->free_on_message) {
        pf_sse_free(r->sse);
        r->sse = nullptr;
    }
}

void on_resync(void *ud) { static_cast<SseRec *>(ud)->resyncs++; }
void on_error(void *ud, int err, const char *, size_t) { static_cast<SseRec *>(ud)->errors.push_back(err); }

void refresh_token(void *ud, pf_sse *sse)
{
    SseRec *r = static_cast<SseRec *>(ud);
    r->refreshes++;
    if (!r->token_on_refresh.empty())
        pf_sse_set_token(sse, r->token_on_refresh.data(), r->token_on_refresh.size());
}

class SseTest : public ::testing::Test {
  protected:
    SseRec rec;
    pf_sse_callbacks cb = {on_state, on_message, on_resync, on_error, nullptr, nullptr};

    void SetUp() override { fake_host_reset(); }
    void TearDown() override
    {
        pf_sse_free(rec.sse);
        rec.sse = nullptr;
        fake_host_reset();
    }
    pf_sse *make(const pf_sse_opts *o = nullptr)
    {
        rec.sse = pf_sse_new(kUrl, strlen(kUrl), o, &cb, &rec);
        return rec.sse;
    }
    pf_sse *connect_open(const pf_sse_opts *o = nullptr)
    {
        make(o);
        EXPECT_EQ(pf_sse_connect(rec.sse), PF_OK);
        pf_io_opened(handle());
        return rec.sse;
    }
    int32_t handle() { return fake_host_last(FAKE_SSE_OPEN)->handle; }
    std::string last_url() { return fake_host_last(FAKE_SSE_OPEN)->text; }
    size_t opens() { return fake_host_count(FAKE_SSE_OPEN); }
    void event(const std::string &ev, const std::string &id, const std::string &data, int retry = -1)
    {
        pf_io_sse(handle(), ev.data(), ev.size(), id.data(), id.size(), data.data(), data.size(), retry);
    }
    const pf_ws_event &last_state() { return rec.states.back(); }
};

TEST_F(SseTest, OpensDeliversParsedEventsAndRemembersTheId)
{
    make();
    pf_sse_connect(rec.sse);
    ASSERT_EQ(opens(), 1u);
    EXPECT_EQ(last_url(), kUrl);
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
    pf_io_opened(handle());
    EXPECT_EQ(last_state().state, PF_WS_OPEN);
    event("notification", "n-1", "{\"id\":1,\"title\":\"Hi\"}");
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0], "notification");
    EXPECT_EQ(rec.ids[0], "n-1");
    EXPECT_TRUE(rec.parsed[0]);
    size_t len = 0;
    EXPECT_STREQ(pf_sse_last_event_id(rec.sse, &len), "n-1");
    EXPECT_EQ(len, 3u);
}

TEST_F(SseTest, ErrorBacksOffAndTheNewSourceKeepsTheLastId)
{
    connect_open();
    event("notification", "a b/7", "{\"id\":7}");
    event("notification", "", "{\"id\":8}"); // no id: the last one stays
    pf_io_error(handle(), 0);
    EXPECT_EQ(last_state().state, PF_WS_RECONNECTING);
    double d = last_state().delay_ms;
    EXPECT_GE(d, 250.0);
    EXPECT_LE(d, 1000.0);
    fake_host_advance(d);
    ASSERT_EQ(opens(), 2u);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?last_event_id=a%20b%2F7");
}

TEST_F(SseTest, RepeatedErrorsBackOffInsteadOfAFixedRetry)
{
    make();
    pf_sse_connect(rec.sse);
    pf_backoff_opts b = pf_backoff_opts_resolve(nullptr);
    for (unsigned n = 0; n < 7; n++) {
        pf_io_error(handle(), 0);
        EXPECT_LE(last_state().delay_ms, pf_backoff_ceiling(&b, n));
        EXPECT_EQ(last_state().attempt, n + 1);
        fake_host_advance(last_state().delay_ms);
    }
    EXPECT_EQ(opens(), 8u);
}

TEST_F(SseTest, ServerRetryIsAFloor)
{
    connect_open();
    event("message", "", "", 5000); // retry:-only event
    EXPECT_EQ(rec.events.size(), 0u);
    EXPECT_EQ(pf_sse_server_retry_ms(rec.sse), 5000);
    pf_io_error(handle(), 0);
    EXPECT_DOUBLE_EQ(last_state().delay_ms, 5000);
    fake_host_advance(4999);
    EXPECT_EQ(opens(), 1u);
    fake_host_advance(1);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(SseTest, ABlockWithoutDataStillSetsRetryAndTheLastIdButIsNoEvent)
{
    // What the browser host passes for "retry: 2000\nid: 7\nevent: resync\n\n"
    // (bindings/pyframe_rt.js SseParser: never the event name of a block
    // without data, so no resync either).
    connect_open();
    event("message", "7", "", 2000);
    EXPECT_EQ(rec.events.size(), 0u);
    EXPECT_EQ(rec.resyncs, 0);
    EXPECT_EQ(pf_sse_server_retry_ms(rec.sse), 2000);
    size_t len = 0;
    EXPECT_STREQ(pf_sse_last_event_id(rec.sse, &len), "7");
    pf_io_error(handle(), 0);
    fake_host_advance(2000);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?last_event_id=7");
}

TEST_F(SseTest, Status204StopsForGood)
{
    connect_open();
    pf_io_error(handle(), 204);
    EXPECT_EQ(last_state().state, PF_WS_CLOSED);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_STOP);
    EXPECT_EQ(fake_host_armed_timers(), 0u);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 1u);
}

TEST_F(SseTest, ForbiddenAndNotFoundStop)
{
    connect_open();
    pf_io_error(handle(), 403);
    EXPECT_EQ(last_state().state, PF_WS_FORBIDDEN);
    pf_sse_connect(rec.sse);
    EXPECT_EQ(opens(), 2u);
    pf_io_error(handle(), 404);
    EXPECT_EQ(last_state().state, PF_WS_NOT_FOUND);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(SseTest, Unauthorized401AsksTheTokenProviderOnce)
{
    cb.refresh_token = refresh_token;
    rec.token_on_refresh = "new";
    connect_open();
    pf_io_error(handle(), 401);
    EXPECT_EQ(rec.refreshes, 1);
    ASSERT_EQ(opens(), 2u);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?token=new");
    pf_io_error(handle(), 401);
    EXPECT_EQ(rec.refreshes, 1);
    EXPECT_EQ(last_state().state, PF_WS_AUTH_FAILED);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(SseTest, ConnectTimeoutClosesAndRetries)
{
    pf_sse_opts o = {};
    o.connect_timeout_ms = 2000;
    make(&o);
    pf_sse_connect(rec.sse);
    fake_host_advance(2000);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_CONNECT_TIMEOUT);
    fake_host_advance(last_state().delay_ms);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(SseTest, MaxRetriesGivesUp)
{
    pf_sse_opts o = {};
    o.max_retries = 1;
    make(&o);
    pf_sse_connect(rec.sse);
    pf_io_error(handle(), 0);
    fake_host_advance(last_state().delay_ms);
    pf_io_error(handle(), 0);
    EXPECT_EQ(last_state().state, PF_WS_CLOSED);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_MAX_RETRIES);
}

TEST_F(SseTest, DuplicatesBySeqAreDroppedAndResyncIsSurfaced)
{
    connect_open();
    event("message", "1", "{\"seq\":1}");
    event("message", "2", "{\"seq\":2}");
    event("message", "2", "{\"seq\":2}");
    EXPECT_EQ(rec.events.size(), 2u);
    EXPECT_EQ(pf_sse_get_stats(rec.sse).duplicates, 1u);
    event("resync", "", "");
    EXPECT_EQ(rec.resyncs, 1);
    event("message", "", "{\"type\":\"resync\"}");
    EXPECT_EQ(rec.resyncs, 2);
    event("message", "3", "{\"seq\":1}"); // numbering restarted
    EXPECT_EQ(rec.events.size(), 3u);
}

TEST_F(SseTest, OfflinePausesAndOnlineReopensAtOnce)
{
    connect_open();
    pf_io_error(handle(), 0);
    fake_host_set_online(0);
    pf_net_changed(0, 1);
    EXPECT_EQ(last_state().state, PF_WS_OFFLINE);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 1u);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(SseTest, BecomingVisibleRetriesAtOnce)
{
    connect_open();
    for (int i = 0; i < 5; i++) {
        pf_io_error(handle(), 0);
        fake_host_advance(last_state().delay_ms);
    }
    pf_io_error(handle(), 0);
    pf_net_changed(1, 0);
    EXPECT_EQ(opens(), 6u);
    pf_net_changed(1, 1);
    EXPECT_EQ(opens(), 7u);
}

TEST_F(SseTest, MalformedAndHugeDataAreReported)
{
    pf_sse_opts o = {};
    o.max_data_bytes = 32;
    connect_open(&o);
    event("message", "", "plain text");
    event("message", "", "42");
    event("message", "", std::string(40, '{'));
    ASSERT_EQ(rec.errors.size(), 3u);
    EXPECT_EQ(rec.errors[0], PF_EJSON);
    EXPECT_EQ(rec.errors[1], PF_EPROTO);
    EXPECT_EQ(rec.errors[2], PF_ETOOBIG);
    EXPECT_EQ(rec.events.size(), 0u);
    EXPECT_EQ(pf_sse_get_state(rec.sse), PF_WS_OPEN);
}

// Found by fuzz/fuzz_sse: data with bytes after the JSON value was parsed
// up to the value (cJSON stops there), so `{"type":"snapshot","seq":1}#`
// reset the resume position and let a duplicate through.
TEST_F(SseTest, DataWithTrailingBytesOrNulIsRefusedNotCut)
{
    connect_open();
    event("message", "5", "{\"seq\":5}");
    event("message", "", "{\"type\":\"snapshot\",\"seq\":1}#");
    event("message", "", std::string("{\"seq\":6}\0", 10));
    event("message", "", "{\"text\":\"cut\\u0000here\",\"seq\":7}");
    ASSERT_EQ(rec.errors.size(), 3u);
    EXPECT_EQ(rec.errors[0], PF_EJSON);
    EXPECT_EQ(rec.errors[1], PF_EJSON);
    EXPECT_EQ(rec.errors[2], PF_EJSON);
    event("message", "", "{\"seq\":5}"); // still a duplicate
    EXPECT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(pf_sse_get_stats(rec.sse).duplicates, 1u);
}

TEST_F(SseTest, AllowTextDeliversUnparsedData)
{
    pf_sse_opts o = {};
    o.allow_text = 1;
    connect_open(&o);
    event("message", "", "plain text");
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_FALSE(rec.parsed[0]);
    EXPECT_EQ(rec.data[0], "plain text");
}

TEST_F(SseTest, SeededLastIdIsUsedOnTheFirstOpen)
{
    make();
    pf_sse_set_last_event_id(rec.sse, "99", 2);
    pf_sse_connect(rec.sse);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?last_event_id=99");
}

TEST_F(SseTest, CloseStopsAndFreeInsideACallbackIsSafe)
{
    connect_open();
    pf_sse_close(rec.sse);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    EXPECT_EQ(last_state().state, PF_WS_CLOSED);
    pf_sse_connect(rec.sse);
    pf_io_opened(handle());
    rec.free_on_message = true;
    event("message", "", "{}");
    EXPECT_EQ(rec.sse, nullptr);
    EXPECT_EQ(fake_host_armed_timers(), 0u);
    pf_sse_free(nullptr);
}

TEST_F(SseTest, ReconnectWhileOpenGoesToConnectingWithoutClosed)
{
    connect_open();
    size_t before = rec.states.size();
    ASSERT_EQ(pf_sse_reconnect(rec.sse), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    EXPECT_EQ(opens(), 2u);
    ASSERT_EQ(rec.states.size(), before + 1);
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
    pf_io_opened(handle());
    EXPECT_EQ(last_state().state, PF_WS_OPEN);
    // After a close it starts again, as pf_sse_connect.
    pf_sse_close(rec.sse);
    EXPECT_EQ(pf_sse_reconnect(rec.sse), PF_OK);
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
    EXPECT_EQ(opens(), 3u);
    EXPECT_EQ(pf_sse_reconnect(nullptr), PF_EINVAL);
}

} // namespace

// ---- dead-link detection (opts.idle_timeout_ms) -----------------------------

namespace {

TEST_F(SseTest, SilentStreamIsClosedAndReopenedWithTheLastEventId)
{
    pf_sse_opts o = {};
    o.idle_timeout_ms = 1000;
    connect_open(&o);
    event("notification", "n-7", "{\"id\":7}");
    fake_host_advance(900);
    pf_io_sse(handle(), nullptr, 0, nullptr, 0, nullptr, 0, -1); // ": keep-alive"
    EXPECT_EQ(rec.events.size(), 1u);                           // a comment is no event
    fake_host_advance(900);
    event("notification", "n-8", "{\"id\":8}");
    fake_host_advance(999);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u); // alive: each gap was under 1 s
    fake_host_advance(1);
    ASSERT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    EXPECT_EQ(last_state().state, PF_WS_RECONNECTING);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_DEAD_LINK);
    EXPECT_EQ(pf_sse_get_stats(rec.sse).dead_links, 1u);
    fake_host_advance(last_state().delay_ms);
    ASSERT_EQ(opens(), 2u);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?last_event_id=n-8");
    // The new stream is watched too; a late event of the old one is ignored.
    pf_io_opened(handle());
    fake_host_advance(1000);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 2u);
}

TEST_F(SseTest, NoIdleTimeoutByDefault)
{
    connect_open();
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
    EXPECT_EQ(last_state().state, PF_WS_OPEN);
}

TEST_F(SseTest, IdleTimeoutDoesNotRunWhileConnecting)
{
    pf_sse_opts o = {};
    o.idle_timeout_ms = 100;
    o.connect_timeout_ms = 5000;
    make(&o);
    pf_sse_connect(rec.sse);
    fake_host_advance(4999);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
}

} // namespace
