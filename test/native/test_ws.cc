// test_ws.cc: the reconnecting WebSocket (pf_ws) against the fake host.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_host.h"
#include "pf_ws.h"
}

namespace {

const char kUrl[] = "ws://h/ws/posts";

struct Rec {
    std::vector<pf_ws_event> states;
    std::vector<std::string> msgs;
    std::vector<int64_t> seqs;
    std::vector<std::string> types;
    std::vector<int> errors;
    int resyncs = 0;
    int refreshes = 0;
    int url_calls = 0;
    std::string token_on_refresh; // answered synchronously when non-empty
    bool free_on_message = false;
    bool close_on_message = false;
    bool free_on_state = false;
    pf_ws *ws = nullptr;
};

void on_state(void *ud, const pf_ws_event *ev)
{
    Rec *r = static_cast<Rec *>(ud);
    r->states.push_back(*ev);
    if (r->free_on_state && ev->state == PF_WS_OPEN) {
        pf_ws_free(r->ws);
        r->ws = nullptr;
    }
}

void on_message(void *ud, const char *text, size_t len, const cJSON *msg, int64_t seq)
{
    Rec *r = static_cast<Rec *>(ud);
    r->msgs.emplace_back(text, len);
    r->seqs.push_back(seq);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(msg, "type");
    r->types.push_back(cJSON_IsString(t) ? t->valuestring : "");
    if (r->free_on_message) {
        pf_ws_free(r->ws);
        r->ws = nullptr;
    } else if (r->close_on_message) {
        pf_ws_close(r->ws);
    }
}

void on_resync(void *ud) { static_cast<Rec *>(ud)->resyncs++; }

void on_error(void *ud, int err, const char *, size_t) { static_cast<Rec *>(ud)->errors.push_back(err); }

std::string g_url;

const char *get_url(void *ud, size_t *len)
{
    Rec *r = static_cast<Rec *>(ud);
    r->url_calls++;
    g_url = "ws://h/ws/room/1?attempt=" + std::to_string(r->url_calls);
    *len = g_url.size();
    return g_url.c_str();
}

void refresh_token(void *ud, pf_ws *ws)
{
    Rec *r = static_cast<Rec *>(ud);
    r->refreshes++;
    if (!r->token_on_refresh.empty())
        pf_ws_set_token(ws, r->token_on_refresh.data(), r->token_on_refresh.size());
}

class WsTest : public ::testing::Test {
  protected:
    Rec rec;
    pf_ws *ws = nullptr;
    pf_ws_callbacks cb = {on_state, on_message, on_resync, on_error, nullptr, nullptr};

    void SetUp() override { fake_host_reset(); }
    void TearDown() override
    {
        pf_ws_free(rec.ws ? rec.ws : nullptr);
        rec.ws = ws = nullptr;
        fake_host_reset();
    }

    pf_ws *make(const pf_ws_opts *o = nullptr, const char *url = kUrl)
    {
        ws = pf_ws_new(url, strlen(url), o, &cb, &rec);
        rec.ws = ws;
        return ws;
    }
    pf_ws *connect(const pf_ws_opts *o = nullptr, const char *url = kUrl)
    {
        make(o, url);
        EXPECT_EQ(pf_ws_connect(ws), PF_OK);
        return ws;
    }
    pf_ws *connect_open(const pf_ws_opts *o = nullptr, const char *url = kUrl)
    {
        connect(o, url);
        pf_io_opened(handle());
        EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN);
        return ws;
    }
    int32_t handle() { return fake_host_last(FAKE_WS_OPEN)->handle; }
    std::string last_url() { return fake_host_last(FAKE_WS_OPEN)->text; }
    size_t opens() { return fake_host_count(FAKE_WS_OPEN); }
    size_t sends() { return fake_host_count(FAKE_WS_SEND); }
    std::string sent(size_t n) { return fake_host_nth(FAKE_WS_SEND, n)->text; }
    void msg(const std::string &s) { pf_io_message(handle(), s.data(), s.size()); }
    void server_close(int code, const std::string &reason = "")
    {
        pf_io_closed(handle(), code, reason.data(), reason.size());
    }
    const pf_ws_event &last_state() { return rec.states.back(); }
};

// ---- connecting and sending ------------------------------------------------

TEST_F(WsTest, ConnectOpensTheUrlAndReportsStates)
{
    make();
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_IDLE);
    EXPECT_EQ(opens(), 0u); // idle until connect
    pf_ws_connect(ws);
    ASSERT_EQ(opens(), 1u);
    EXPECT_EQ(last_url(), kUrl);
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
    pf_io_opened(handle());
    EXPECT_EQ(last_state().state, PF_WS_OPEN);
    EXPECT_STREQ(pf_ws_state_name(PF_WS_RATE_LIMITED), "rate_limited");
    EXPECT_EQ(pf_ws_connect(ws), PF_OK); // already connected: no second socket
    EXPECT_EQ(opens(), 1u);
}

TEST_F(WsTest, NewRejectsBadArgumentsAndFreeAcceptsNull)
{
    EXPECT_EQ(pf_ws_new(nullptr, 0, nullptr, nullptr, nullptr), nullptr);
    EXPECT_EQ(pf_ws_new("", 0, nullptr, nullptr, nullptr), nullptr);
    pf_ws_free(nullptr);
    EXPECT_EQ(pf_ws_send(nullptr, "x", 1, 0), PF_EINVAL);
    EXPECT_EQ(pf_ws_connect(nullptr), PF_EINVAL);
}

TEST_F(WsTest, SendGoesOutWhenOpen)
{
    connect_open();
    EXPECT_EQ(pf_ws_send(ws, "{\"text\":\"hi\"}", 13, 0), PF_OK);
    ASSERT_EQ(sends(), 1u);
    EXPECT_EQ(sent(0), "{\"text\":\"hi\"}");
    EXPECT_EQ(pf_ws_outbox_len(ws), 0u);
}

TEST_F(WsTest, OutboxQueuesWhileDisconnectedAndFlushesInOrder)
{
    connect();
    EXPECT_EQ(pf_ws_send(ws, "a", 1, 0), PF_OK);
    EXPECT_EQ(pf_ws_send(ws, "b", 1, 0), PF_OK);
    EXPECT_EQ(sends(), 0u);
    EXPECT_EQ(pf_ws_outbox_len(ws), 2u);
    pf_io_opened(handle());
    ASSERT_EQ(sends(), 2u);
    EXPECT_EQ(sent(0), "a");
    EXPECT_EQ(sent(1), "b");
    EXPECT_EQ(pf_ws_outbox_len(ws), 0u);
}

// An owner counts its own queued frames by their text, and takes back the
// ones it will send itself; the rest keep their order, and the bytes they
// hold are counted right (the byte limit).
TEST_F(WsTest, OutboxFindCountsAndRemovesFramesByTheirText)
{
    pf_ws_opts o = {};
    o.outbox_max_bytes = 6;
    connect(&o);
    for (const char *f : { "ab", "c", "ab", "d" })
        EXPECT_EQ(pf_ws_send(ws, f, strlen(f), 0), PF_OK);
    EXPECT_EQ(pf_ws_send(ws, "e", 1, 0), PF_EFULL);
    EXPECT_EQ(pf_ws_outbox_find(ws, "ab", 2, 0), 2u);
    EXPECT_EQ(pf_ws_outbox_find(ws, "a", 1, 0), 0u);
    EXPECT_EQ(pf_ws_outbox_len(ws), 4u);
    EXPECT_EQ(pf_ws_outbox_find(ws, "ab", 2, 1), 2u);
    EXPECT_EQ(pf_ws_outbox_len(ws), 2u);
    EXPECT_EQ(pf_ws_outbox_find(ws, "ab", 2, 0), 0u);
    EXPECT_EQ(pf_ws_send(ws, "efgh", 4, 0), PF_OK); // the bytes of both "ab" were freed
    EXPECT_EQ(pf_ws_outbox_find(nullptr, "c", 1, 1), 0u);
    pf_io_opened(handle());
    ASSERT_EQ(sends(), 3u);
    EXPECT_EQ(sent(0), "c");
    EXPECT_EQ(sent(1), "d");
    EXPECT_EQ(sent(2), "efgh");
}

TEST_F(WsTest, OutboxFullRejectsWithEfullAndNeverDropsSilently)
{
    pf_ws_opts o = {};
    o.outbox_max = 2;
    connect(&o);
    EXPECT_EQ(pf_ws_send(ws, "a", 1, 0), PF_OK);
    EXPECT_EQ(pf_ws_send(ws, "b", 1, 0), PF_OK);
    EXPECT_EQ(pf_ws_send(ws, "c", 1, 0), PF_EFULL);
    EXPECT_EQ(pf_ws_outbox_len(ws), 2u);
    pf_io_opened(handle());
    ASSERT_EQ(sends(), 2u);
    EXPECT_EQ(sent(1), "b");
}

TEST_F(WsTest, OutboxByteLimitRejectsToo)
{
    pf_ws_opts o = {};
    o.outbox_max_bytes = 10;
    connect(&o);
    EXPECT_EQ(pf_ws_send(ws, "12345678", 8, 0), PF_OK);
    EXPECT_EQ(pf_ws_send(ws, "123", 3, 0), PF_EFULL);
    EXPECT_EQ(pf_ws_send(ws, "12", 2, 0), PF_OK);
}

TEST_F(WsTest, DropOldestPolicyReportsEachDrop)
{
    pf_ws_opts o = {};
    o.outbox_max = 2;
    o.full_policy = PF_WS_FULL_DROP_OLDEST;
    connect(&o);
    pf_ws_send(ws, "a", 1, 0);
    pf_ws_send(ws, "b", 1, 0);
    EXPECT_EQ(pf_ws_send(ws, "c", 1, 0), PF_OK);
    ASSERT_EQ(rec.errors.size(), 1u);
    EXPECT_EQ(rec.errors[0], PF_EFULL);
    pf_io_opened(handle());
    ASSERT_EQ(sends(), 2u);
    EXPECT_EQ(sent(0), "b");
    EXPECT_EQ(sent(1), "c");
}

TEST_F(WsTest, NoQueueSendIsNeverQueuedOrReplayed)
{
    connect();
    EXPECT_EQ(pf_ws_send(ws, "op", 2, PF_WS_SEND_NO_QUEUE), PF_ESTATE);
    EXPECT_EQ(pf_ws_outbox_len(ws), 0u);
    pf_io_opened(handle());
    EXPECT_EQ(sends(), 0u);
    EXPECT_EQ(pf_ws_send(ws, "op", 2, PF_WS_SEND_NO_QUEUE), PF_OK);
    EXPECT_EQ(sends(), 1u);
}

TEST_F(WsTest, NoOutboxChannelOptsOutOfReplayEntirely)
{
    pf_ws_opts o = {};
    o.no_outbox = 1; // the OT channel resubmits by itself
    connect_open(&o);
    pf_ws_send(ws, "{\"type\":\"content_change\",\"seq\":1}", 33, 0);
    server_close(1006);
    EXPECT_EQ(pf_ws_send(ws, "{\"seq\":2}", 9, 0), PF_ESTATE);
    fake_host_advance(60000);
    pf_io_opened(handle());
    EXPECT_EQ(sends(), 1u); // nothing replayed by the socket layer
    // A rate-limit reply does not requeue an opted-out send either.
    msg("{\"error\":\"Rate limit exceeded\",\"retry_after\":1}");
    EXPECT_EQ(pf_ws_outbox_len(ws), 0u);
    EXPECT_EQ(pf_ws_send(ws, "x", 1, 0), PF_ESTATE); // held, and may not queue
}

TEST_F(WsTest, HostSendFailureKeepsTheFrameQueued)
{
    connect_open();
    fake_host_fail_sends(handle(), PF_EHOST);
    EXPECT_EQ(pf_ws_send(ws, "a", 1, 0), PF_OK);
    EXPECT_EQ(pf_ws_outbox_len(ws), 1u);
    // An opted-out send cannot jump the queue.
    EXPECT_EQ(pf_ws_send(ws, "b", 1, PF_WS_SEND_NO_QUEUE), PF_ESTATE);
    fake_host_fail_sends(0, 0);
    server_close(1006);
    fake_host_advance(2000);
    pf_io_opened(handle());
    ASSERT_EQ(sends(), 1u);
    EXPECT_EQ(sent(0), "a");
}

TEST_F(WsTest, ClientCloseSends1000AndNeverReconnects)
{
    connect_open();
    pf_ws_send(ws, "late", 4, PF_WS_SEND_NO_QUEUE);
    pf_ws_close(ws);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_last(FAKE_WS_CLOSE)->code, 1000);
    EXPECT_EQ(last_state().state, PF_WS_CLOSED);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_APP);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 1u);
    // Queued sends wait for the next connect.
    EXPECT_EQ(pf_ws_send(ws, "q", 1, 0), PF_OK);
    pf_ws_connect(ws);
    pf_io_opened(handle());
    EXPECT_EQ(sent(sends() - 1), "q");
}

TEST_F(WsTest, OptedOutSendReportsAHostFailure)
{
    connect_open();
    fake_host_fail_sends(handle(), PF_EHOST);
    EXPECT_EQ(pf_ws_send(ws, "op", 2, PF_WS_SEND_NO_QUEUE), PF_EHOST);
    EXPECT_EQ(pf_ws_outbox_len(ws), 0u);
}

TEST_F(WsTest, ReconnectDropsTheLinkAndTriesAtOnce)
{
    connect_open();
    msg("{\"seq\":3}");
    EXPECT_EQ(pf_ws_reconnect(ws), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_last(FAKE_WS_CLOSE)->code, 4000);
    ASSERT_EQ(opens(), 2u);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?since=3");
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
    EXPECT_EQ(last_state().attempt, 0u);
    pf_ws_close(ws);
    EXPECT_EQ(pf_ws_reconnect(ws), PF_OK); // stopped: starts again
    EXPECT_EQ(opens(), 3u);
}

// ---- close codes ----------------------------------------------------------

struct CloseCase {
    int code;
    const char *reason;
    pf_ws_state state;
    bool reconnects;
    double min_delay, max_delay;
};

class WsCloseCodeTest : public WsTest, public ::testing::WithParamInterface<CloseCase> {};

TEST_P(WsCloseCodeTest, FollowsTheProtocolTable)
{
    const CloseCase &c = GetParam();
    connect_open();
    server_close(c.code, c.reason);
    EXPECT_EQ(last_state().state, c.state) << "code " << c.code;
    EXPECT_EQ(last_state().code, c.code);
    if (!c.reconnects) {
        EXPECT_EQ(fake_host_armed_timers(), 0u);
        fake_host_advance(3600 * 1000.0);
        EXPECT_EQ(opens(), 1u);
        return;
    }
    double delay = last_state().delay_ms;
    EXPECT_GE(delay, c.min_delay);
    EXPECT_LE(delay, c.max_delay);
    EXPECT_DOUBLE_EQ(fake_host_next_timer_in(), delay);
    fake_host_advance(delay - 1);
    EXPECT_EQ(opens(), 1u);
    fake_host_advance(1);
    EXPECT_EQ(opens(), 2u);
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
}

INSTANTIATE_TEST_SUITE_P(
    Table, WsCloseCodeTest,
    ::testing::Values(
        CloseCase{1000, "", PF_WS_RECONNECTING, true, 250, 1000}, // server-side 1000
        CloseCase{1001, "", PF_WS_RECONNECTING, true, 250, 1000},
        CloseCase{1006, "", PF_WS_RECONNECTING, true, 250, 1000},
        CloseCase{1011, "", PF_WS_RECONNECTING, true, 250, 1000},
        CloseCase{1012, "", PF_WS_RECONNECTING, true, 250, 1000},
        CloseCase{4000, "", PF_WS_RECONNECTING, true, 250, 1000},
        CloseCase{4500, "", PF_WS_RECONNECTING, true, 250, 1000},
        CloseCase{1013, "", PF_WS_RECONNECTING, true, 15000, 16000},
        CloseCase{4029, "30", PF_WS_RATE_LIMITED, true, 30000, 30000},
        CloseCase{4029, "2.5", PF_WS_RATE_LIMITED, true, 2500, 2500},
        CloseCase{4029, "slow down", PF_WS_RATE_LIMITED, true, 15000, 16000},
        CloseCase{4001, "Authentication required", PF_WS_AUTH_FAILED, false, 0, 0},
        CloseCase{4003, "", PF_WS_FORBIDDEN, false, 0, 0},
        CloseCase{4004, "", PF_WS_NOT_FOUND, false, 0, 0}));

TEST_F(WsTest, StoppedSocketRestartsOnConnect)
{
    connect_open();
    server_close(4004);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_NOT_FOUND);
    pf_ws_connect(ws);
    EXPECT_EQ(opens(), 2u);
}

// ---- backoff, timeouts, retries -------------------------------------------

TEST_F(WsTest, BackoffGrowsWithFreshJitterAndResetsOnlyAfterUptime)
{
    pf_ws_opts o = {};
    o.no_heartbeat = 1;
    connect(&o);
    pf_backoff_opts b = pf_backoff_opts_resolve(nullptr);
    for (unsigned n = 0; n < 8; n++) {
        server_close(1006); // fails before opening
        const pf_ws_event &ev = last_state();
        ASSERT_EQ(ev.state, PF_WS_RECONNECTING);
        EXPECT_GE(ev.delay_ms, b.min_ms);
        EXPECT_LE(ev.delay_ms, pf_backoff_ceiling(&b, n)) << "attempt " << n;
        fake_host_advance(ev.delay_ms);
        ASSERT_EQ(opens(), n + 2);
    }
    // A short-lived open does not reset the schedule.
    pf_io_opened(handle());
    fake_host_advance(1000);
    server_close(1006);
    EXPECT_EQ(last_state().attempt, 9u);
    fake_host_advance(last_state().delay_ms);
    // Staying up for reset_after_ms does.
    pf_io_opened(handle());
    fake_host_advance(5000);
    server_close(1006);
    EXPECT_EQ(last_state().attempt, 1u);
    EXPECT_LE(last_state().delay_ms, 1000.0);
}

TEST_F(WsTest, ConnectTimeoutClosesAndRetries)
{
    pf_ws_opts o = {};
    o.connect_timeout_ms = 3000;
    connect(&o);
    int32_t h = handle();
    fake_host_advance(2999);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    fake_host_advance(1);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_last(FAKE_WS_CLOSE)->handle, h);
    EXPECT_EQ(last_state().state, PF_WS_RECONNECTING);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_CONNECT_TIMEOUT);
    pf_io_opened(h); // a late open of the abandoned socket is ignored
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_RECONNECTING);
    fake_host_advance(last_state().delay_ms);
    EXPECT_EQ(opens(), 2u);
    pf_io_opened(handle());
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN);
    fake_host_advance(10000); // the timer of an open socket is gone
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
}

TEST_F(WsTest, MaxRetriesGivesUp)
{
    pf_ws_opts o = {};
    o.max_retries = 2;
    connect(&o);
    server_close(1006);
    fake_host_advance(last_state().delay_ms);
    server_close(1006);
    fake_host_advance(last_state().delay_ms);
    EXPECT_EQ(opens(), 3u);
    server_close(1006);
    EXPECT_EQ(last_state().state, PF_WS_CLOSED);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_MAX_RETRIES);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 3u);
}

TEST_F(WsTest, HostOpenFailureBacksOff)
{
    make();
    fake_host_fail_next_open(PF_EHOST);
    pf_ws_connect(ws);
    EXPECT_EQ(last_state().state, PF_WS_RECONNECTING);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_HOST);
    fake_host_advance(last_state().delay_ms);
    EXPECT_EQ(opens(), 2u);
    EXPECT_EQ(last_state().state, PF_WS_CONNECTING);
}

// ---- rate limits ----------------------------------------------------------

TEST_F(WsTest, RateLimitHoldsSendsRequeuesTheRejectedOneAndReleases)
{
    pf_ws_opts o = {};
    o.no_heartbeat = 1;
    connect_open(&o);
    pf_ws_send(ws, "a", 1, 0);
    pf_ws_send(ws, "b", 1, 0);
    ASSERT_EQ(sends(), 2u);
    msg("{\"error\": \"Rate limit exceeded\", \"retry_after\": 2}");
    EXPECT_EQ(last_state().state, PF_WS_RATE_LIMITED);
    EXPECT_DOUBLE_EQ(last_state().delay_ms, 2000);
    EXPECT_EQ(rec.msgs.size(), 0u); // consumed, reported as a state
    EXPECT_EQ(pf_ws_outbox_len(ws), 1u); // "b" was rejected: back in the queue
    EXPECT_EQ(pf_ws_send(ws, "c", 1, 0), PF_OK);
    EXPECT_EQ(sends(), 2u); // held
    fake_host_advance(1999);
    EXPECT_EQ(sends(), 2u);
    fake_host_advance(1);
    ASSERT_EQ(sends(), 4u);
    EXPECT_EQ(sent(2), "b");
    EXPECT_EQ(sent(3), "c");
    EXPECT_EQ(last_state().state, PF_WS_OPEN);
    EXPECT_EQ(pf_ws_get_stats(ws).requeued, 1u);
}

TEST_F(WsTest, EachRateLimitReplyRequeuesOneMoreInOrder)
{
    connect_open();
    pf_ws_send(ws, "a", 1, 0);
    pf_ws_send(ws, "b", 1, 0);
    pf_ws_send(ws, "c", 1, 0);
    msg("{\"error\":\"Rate limit exceeded\",\"retry_after\":60}");
    msg("{\"error\":\"Rate limit exceeded\",\"retry_after\":60}");
    EXPECT_EQ(pf_ws_outbox_len(ws), 2u);
    fake_host_advance(60000);
    ASSERT_EQ(sends(), 5u);
    EXPECT_EQ(sent(3), "b");
    EXPECT_EQ(sent(4), "c");
}

TEST_F(WsTest, RateLimitReplyForAnOptedOutSendRequeuesNothing)
{
    connect_open();
    pf_ws_send(ws, "a", 1, 0);
    pf_ws_send(ws, "op", 2, PF_WS_SEND_NO_QUEUE);
    msg("{\"error\":\"Rate limit exceeded\",\"retry_after\":1}");
    EXPECT_EQ(pf_ws_outbox_len(ws), 0u); // "op" was the rejected one
    fake_host_advance(1000);
    EXPECT_EQ(sends(), 2u);
}

TEST_F(WsTest, RateLimitSurvivesAReconnect)
{
    connect_open();
    msg("{\"error\":\"Rate limit exceeded\",\"retry_after\":10}");
    server_close(1006);
    pf_ws_send(ws, "x", 1, 0);
    fake_host_advance(1000);
    pf_io_opened(handle());
    EXPECT_EQ(last_state().state, PF_WS_RATE_LIMITED);
    EXPECT_EQ(sends(), 0u);
    fake_host_advance(9000);
    ASSERT_EQ(sends(), 1u);
    EXPECT_EQ(last_state().state, PF_WS_OPEN);
}

TEST_F(WsTest, OtherErrorRepliesReachTheApp)
{
    connect_open();
    msg("{\"error\":\"Invalid JSON format\"}");
    ASSERT_EQ(rec.msgs.size(), 1u);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN);
}

// ---- heartbeat ------------------------------------------------------------

pf_ws_opts hb_opts()
{
    pf_ws_opts o = {};
    o.heartbeat_interval_ms = 1000;
    o.heartbeat_timeout_ms = 500;
    return o;
}

TEST_F(WsTest, PingsAfterIdleAndKeepsALiveLink)
{
    pf_ws_opts o = hb_opts();
    connect_open(&o);
    fake_host_advance(999);
    EXPECT_EQ(sends(), 0u);
    fake_host_advance(1);
    ASSERT_EQ(sends(), 1u);
    EXPECT_EQ(sent(0), "{\"type\":\"ping\"}");
    msg("{\"type\":\"pong\"}");
    EXPECT_EQ(rec.msgs.size(), 0u); // pongs are not delivered
    for (int i = 0; i < 10; i++) {
        fake_host_advance(1000);
        msg("{\"type\":\"pong\"}");
    }
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    EXPECT_EQ(pf_ws_get_stats(ws).pings, 11u);
}

TEST_F(WsTest, InboundFramesPostponeThePing)
{
    pf_ws_opts o = hb_opts();
    connect_open(&o);
    for (int i = 0; i < 10; i++) {
        fake_host_advance(600);
        msg("{\"type\":\"post_updated\"}");
    }
    EXPECT_EQ(sends(), 0u);
}

TEST_F(WsTest, DeadLinkIsClosedAndReconnected)
{
    pf_ws_opts o = hb_opts();
    connect_open(&o);
    fake_host_advance(1000);
    msg("{\"type\":\"pong\"}"); // this server answers pings
    fake_host_advance(1000);   // idle again: second ping
    ASSERT_EQ(sends(), 2u);
    fake_host_advance(499);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    fake_host_advance(1); // interval + timeout without a frame
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_last(FAKE_WS_CLOSE)->code, 4000);
    EXPECT_EQ(last_state().state, PF_WS_RECONNECTING);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_DEAD_LINK);
    fake_host_advance(last_state().delay_ms);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(WsTest, CoreOnlyServerKeepsItsLinkAndGetsNoMorePings)
{
    pf_ws_opts o = hb_opts();
    connect_open(&o);
    fake_host_advance(1000);
    ASSERT_EQ(sends(), 1u);
    fake_host_advance(500); // never answered
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    EXPECT_EQ(pf_ws_get_stats(ws).core_only, 1);
    fake_host_advance(60000);
    EXPECT_EQ(sends(), 1u);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN);
}

TEST_F(WsTest, BusyServerThatAnswersPingsLateIsNotKilled)
{
    pf_ws_opts o = hb_opts();
    connect_open(&o);
    fake_host_advance(1000);
    msg("{\"type\":\"pong\"}");
    fake_host_advance(1000); // ping 2
    fake_host_advance(200);
    msg("{\"type\":\"post_updated\"}"); // a frame, but no pong
    fake_host_advance(300);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
}

TEST_F(WsTest, ServerPingGetsAPong)
{
    connect_open();
    msg("{\"type\":\"ping\"}");
    ASSERT_EQ(sends(), 1u);
    EXPECT_EQ(sent(0), "{\"type\":\"pong\"}");
    EXPECT_EQ(rec.msgs.size(), 0u);
}

TEST_F(WsTest, NoPingWhileRateLimited)
{
    pf_ws_opts o = hb_opts();
    connect_open(&o);
    msg("{\"error\":\"Rate limit exceeded\",\"retry_after\":5}");
    fake_host_advance(4000);
    EXPECT_EQ(sends(), 0u);
}

// ---- resume, dedupe, resync -----------------------------------------------

TEST_F(WsTest, ResumesWithSinceAndDropsDuplicates)
{
    connect_open();
    msg("{\"type\":\"post_created\",\"seq\":1}");
    msg("{\"type\":\"post_updated\",\"seq\":2}");
    msg("{\"type\":\"post_deleted\",\"seq\":3}");
    EXPECT_EQ(pf_ws_last_seq(ws), 3);
    server_close(1006);
    fake_host_advance(last_state().delay_ms);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?since=3");
    pf_io_opened(handle());
    msg("{\"type\":\"post_updated\",\"seq\":2}");
    msg("{\"type\":\"post_deleted\",\"seq\":3}");
    msg("{\"type\":\"post_created\",\"seq\":4}");
    ASSERT_EQ(rec.seqs.size(), 4u);
    EXPECT_EQ(rec.seqs.back(), 4);
    EXPECT_EQ(pf_ws_get_stats(ws).duplicates, 2u);
    msg("{\"type\":\"message\",\"text\":\"no seq\"}");
    EXPECT_EQ(rec.seqs.back(), -1);
}

TEST_F(WsTest, SinceJoinsAnExistingQuery)
{
    pf_ws_opts o = {};
    const char url[] = "ws://h/ws/posts?room=a b";
    make(&o, url);
    pf_ws_set_last_seq(ws, 41);
    pf_ws_set_token(ws, "a.b+c/d", 7);
    pf_ws_connect(ws);
    EXPECT_EQ(last_url(), std::string(url) + "&token=a.b%2Bc%2Fd&since=41");
}

TEST_F(WsTest, NoResumeOptionLeavesTheUrlAlone)
{
    pf_ws_opts o = {};
    o.no_resume = 1;
    connect_open(&o);
    msg("{\"seq\":5}");
    server_close(1006);
    fake_host_advance(1000);
    EXPECT_EQ(last_url(), kUrl);
}

TEST_F(WsTest, ResyncReachesTheOwnerAndRestartsNumbering)
{
    connect_open();
    msg("{\"type\":\"post_created\",\"seq\":100}");
    msg("{\"type\":\"resync\"}");
    EXPECT_EQ(rec.resyncs, 1);
    EXPECT_EQ(pf_ws_last_seq(ws), -1);
    msg("{\"type\":\"snapshot\",\"posts\":[],\"seq\":7}");
    msg("{\"type\":\"post_created\",\"seq\":8}");
    EXPECT_EQ(rec.seqs.size(), 3u);
    EXPECT_EQ(pf_ws_last_seq(ws), 8);
}

TEST_F(WsTest, SnapshotIsAlwaysDeliveredAndSetsThePosition)
{
    connect_open();
    msg("{\"type\":\"post_created\",\"seq\":10}");
    msg("{\"type\":\"snapshot\",\"posts\":[],\"seq\":5}");
    EXPECT_EQ(rec.types.back(), "snapshot");
    EXPECT_EQ(pf_ws_last_seq(ws), 5);
}

// ---- credentials ----------------------------------------------------------

TEST_F(WsTest, UrlProviderIsAskedOnEveryAttempt)
{
    cb.get_url = get_url;
    connect();
    EXPECT_EQ(last_url(), "ws://h/ws/room/1?attempt=1");
    server_close(1006);
    fake_host_advance(1000);
    EXPECT_EQ(last_url(), "ws://h/ws/room/1?attempt=2");
    EXPECT_EQ(rec.url_calls, 2);
}

TEST_F(WsTest, Auth4001AsksTheTokenProviderOnceThenGivesUp)
{
    cb.refresh_token = refresh_token;
    rec.token_on_refresh = "fresh";
    make();
    pf_ws_set_token(ws, "stale", 5);
    pf_ws_connect(ws);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?token=stale");
    pf_io_opened(handle());
    server_close(4001, "Authentication required");
    EXPECT_EQ(rec.refreshes, 1);
    ASSERT_EQ(opens(), 2u); // tried once more, at once
    EXPECT_EQ(last_url(), std::string(kUrl) + "?token=fresh");
    bool saw_auth_failed = false;
    for (auto &e : rec.states)
        saw_auth_failed |= e.state == PF_WS_AUTH_FAILED;
    EXPECT_TRUE(saw_auth_failed);
    pf_io_opened(handle());
    server_close(4001);
    EXPECT_EQ(rec.refreshes, 1);
    EXPECT_EQ(last_state().state, PF_WS_AUTH_FAILED);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(WsTest, AsyncTokenProviderResumesWhenTheTokenArrives)
{
    cb.refresh_token = refresh_token; // answers later
    connect_open();
    server_close(4001);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_AUTH_FAILED);
    fake_host_advance(60000);
    EXPECT_EQ(opens(), 1u);
    pf_ws_set_token(ws, "t2", 2);
    EXPECT_EQ(opens(), 2u);
    EXPECT_EQ(last_url(), std::string(kUrl) + "?token=t2");
}

TEST_F(WsTest, TokenRetryBudgetReturnsAfterAStableConnection)
{
    cb.refresh_token = refresh_token;
    rec.token_on_refresh = "t";
    pf_ws_opts o = {};
    o.no_heartbeat = 1;
    connect_open(&o);
    server_close(4001);
    pf_io_opened(handle());
    fake_host_advance(6000); // stable
    server_close(4001);      // the token expired an hour later: ask again
    EXPECT_EQ(rec.refreshes, 2);
    EXPECT_EQ(opens(), 3u);
}

// ---- network --------------------------------------------------------------

TEST_F(WsTest, OfflinePausesAndOnlineReconnectsAtOnce)
{
    make();
    fake_host_set_online(0);
    pf_ws_connect(ws);
    EXPECT_EQ(opens(), 0u);
    EXPECT_EQ(last_state().state, PF_WS_OFFLINE);
    fake_host_advance(60000);
    EXPECT_EQ(opens(), 0u);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    EXPECT_EQ(opens(), 1u);
}

TEST_F(WsTest, GoingOfflineDuringBackoffCancelsTheAttempt)
{
    connect_open();
    server_close(1006);
    fake_host_set_online(0);
    pf_net_changed(0, 1);
    EXPECT_EQ(last_state().state, PF_WS_OFFLINE);
    EXPECT_EQ(fake_host_armed_timers(), 0u);
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(opens(), 1u);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(WsTest, CloseWhileOfflineWaitsForOnline)
{
    connect_open();
    fake_host_set_online(0);
    pf_net_changed(0, 1);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN); // the socket reports by itself
    server_close(1006);
    EXPECT_EQ(last_state().state, PF_WS_OFFLINE);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(WsTest, BecomingVisibleShortensTheBackoff)
{
    connect();
    for (int i = 0; i < 6; i++) { // grow the delay
        server_close(1006);
        fake_host_advance(last_state().delay_ms);
    }
    server_close(1006);
    size_t before = opens();
    pf_net_changed(1, 0); // hidden: attempts continue on schedule
    EXPECT_EQ(opens(), before);
    pf_net_changed(1, 1);
    EXPECT_EQ(opens(), before + 1);
}

TEST_F(WsTest, OnlineDoesNotShortenAServerRequestedWait)
{
    connect_open();
    server_close(4029, "20");
    fake_host_set_online(0);
    pf_net_changed(0, 1);
    fake_host_advance(5000);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    EXPECT_EQ(opens(), 1u);
    EXPECT_DOUBLE_EQ(fake_host_next_timer_in(), 15000);
    fake_host_advance(15000);
    EXPECT_EQ(opens(), 2u);
}

// ---- bad frames and re-entrancy -------------------------------------------

TEST_F(WsTest, MalformedFramesAreReportedAndNeverAbort)
{
    connect_open();
    msg("not json");
    msg("[1,2,3]");
    msg("{\"type\":");
    pf_io_message(handle(), "", 0);
    EXPECT_EQ(rec.errors.size(), 4u);
    EXPECT_EQ(rec.errors[0], PF_EJSON);
    EXPECT_EQ(rec.errors[1], PF_EPROTO);
    EXPECT_EQ(pf_ws_get_stats(ws).malformed, 4u);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN);
    msg("{\"type\":\"post_created\",\"seq\":1}");
    EXPECT_EQ(rec.msgs.size(), 1u);
}

// The same strictness as pf_sse (found by fuzz/fuzz_sse): bytes after the
// JSON value, a raw NUL or "\u0000" refuse the frame rather than cut it.
TEST_F(WsTest, FramesWithTrailingBytesOrNulAreRefusedNotCut)
{
    connect_open();
    msg("{\"type\":\"post_created\",\"seq\":5}");
    msg("{\"type\":\"snapshot\",\"seq\":1} x");
    msg(std::string("{\"type\":\"post_created\",\"seq\":6}\0", 32));
    msg("{\"type\":\"message\",\"text\":\"cut\\u0000here\",\"seq\":7}");
    ASSERT_EQ(rec.errors.size(), 3u);
    EXPECT_EQ(rec.errors[0], PF_EJSON);
    EXPECT_EQ(rec.errors[2], PF_EJSON);
    EXPECT_EQ(pf_ws_last_seq(ws), 5);
    EXPECT_EQ(rec.msgs.size(), 1u);
}

TEST_F(WsTest, HugeFramesGetEtoobigAndAreDropped)
{
    pf_ws_opts o = {};
    o.max_frame_bytes = 64;
    connect_open(&o);
    std::string big = "{\"type\":\"post_created\",\"content\":\"" + std::string(100, 'x') + "\"}";
    msg(big);
    ASSERT_EQ(rec.errors.size(), 1u);
    EXPECT_EQ(rec.errors[0], PF_ETOOBIG);
    EXPECT_EQ(rec.msgs.size(), 0u);
    EXPECT_EQ(pf_ws_get_stats(ws).too_big, 1u);
    msg("{\"type\":\"ok\"}");
    EXPECT_EQ(rec.msgs.size(), 1u);
}

TEST_F(WsTest, MessageCarriesTextAndParsedObject)
{
    connect_open();
    msg("{\"type\":\"post_updated\",\"post\":{\"id\":3},\"seq\":9}");
    ASSERT_EQ(rec.msgs.size(), 1u);
    EXPECT_EQ(rec.types[0], "post_updated");
    EXPECT_EQ(rec.seqs[0], 9);
    EXPECT_EQ(pf_ws_get_stats(ws).received, 1u);
}

TEST_F(WsTest, FreeInsideOnMessageIsSafe)
{
    rec.free_on_message = true;
    connect_open();
    msg("{\"type\":\"a\"}");
    EXPECT_EQ(rec.ws, nullptr);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_armed_timers(), 0u);
    fake_host_advance(100000);
}

TEST_F(WsTest, FreeInsideOnStateIsSafe)
{
    rec.free_on_state = true;
    make();
    pf_ws_connect(ws);
    pf_io_opened(handle());
    EXPECT_EQ(rec.ws, nullptr);
    EXPECT_EQ(fake_host_armed_timers(), 0u);
}

TEST_F(WsTest, CloseInsideOnMessageIsSafe)
{
    rec.close_on_message = true;
    connect_open();
    msg("{\"type\":\"a\"}");
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_CLOSED);
    fake_host_advance(100000);
    EXPECT_EQ(opens(), 1u);
}

} // namespace

// ---- opts.no_tree: frames checked and read without a cJSON tree ----------

extern "C" {
#include "pf_ws_internal.h"
}

namespace {

int scan(const char *s, pf__ws_scan_result *r = nullptr)
{
    pf__ws_scan_result tmp;
    return pf__ws_scan(s, strlen(s), r ? r : &tmp);
}

} // namespace

TEST(WsScan, AcceptsExactlyOneStrictJsonObject)
{
    const char *good[] = {
        "{}", " {\"a\":1} ", "{\"a\":[1,-2.5e+3,0,true,false,null,\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"]}",
        "{\"a\":{\"b\":{\"c\":[[],{}]}}}", "\t\r\n{\"k\":\"\xc3\xa9\xf0\x9f\x98\x80\"}\n", "{\"a\":0.5,\"b\":1E9}",
    };
    for (const char *g : good)
        EXPECT_EQ(scan(g), PF_OK) << g;
    const char *bad[] = {
        "", "   ", "{", "}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{a:1}", "{'a':1}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":+1}",
        "{\"a\":NaN}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"tab\there\"}",
        "{\"a\":[1,2,]}", "{\"a\":[1 2]}", "{}{}", "{} x", "{\"a\":\"unterminated}",
    };
    for (const char *b : bad)
        EXPECT_EQ(scan(b), PF_EJSON) << b;
    EXPECT_EQ(scan("[1,2]"), PF_EPROTO);
    EXPECT_EQ(scan("\"s\""), PF_EPROTO);
    EXPECT_EQ(scan("42"), PF_EPROTO);
    EXPECT_EQ(scan("null"), PF_EPROTO);
    std::string deep(2000, '[');
    pf__ws_scan_result r;
    EXPECT_EQ(pf__ws_scan(deep.data(), deep.size(), &r), PF_EJSON);
}

TEST(WsScan, ReadsTopLevelTypeAndSeq)
{
    pf__ws_scan_result r;
    ASSERT_EQ(scan("{\"post\":{\"seq\":9,\"type\":\"x\"},\"type\":\"post_updated\",\"seq\":42}", &r), PF_OK);
    EXPECT_EQ(std::string(r.type, r.type_len), "post_updated");
    EXPECT_EQ(r.seq, 42);
    EXPECT_EQ(r.simple, 1);
    ASSERT_EQ(scan("{\"a\":1}", &r), PF_OK);
    EXPECT_EQ(r.type, nullptr);
    EXPECT_EQ(r.seq, -1);
    EXPECT_EQ(r.simple, 1);
    // Anything unusual leaves the frame to the full parse.
    const char *not_simple[] = {
        "{\"seq\":1.0}", "{\"seq\":-1}", "{\"seq\":1e2}", "{\"seq\":\"1\"}", "{\"seq\":1234567890123456}",
        "{\"type\":\"a\\u0062\"}", "{\"type\":1}", "{\"error\":\"x\"}", "{\"ty\\u0070e\":\"x\"}",
        "{\"type\":\"a\",\"type\":\"b\"}", "{\"seq\":1,\"seq\":2}",
    };
    for (const char *s : not_simple) {
        ASSERT_EQ(scan(s, &r), PF_OK) << s;
        EXPECT_EQ(r.simple, 0) << s;
    }
}

TEST_F(WsTest, NoTreeDeliversTextAndSeqWithoutAParse)
{
    pf_ws_opts o = {};
    o.no_tree = 1;
    o.no_heartbeat = 1;
    connect_open(&o);
    msg("{\"type\":\"post_updated\",\"seq\":1,\"post\":{\"id\":1}}");
    msg("{\"type\":\"post_updated\",\"seq\":1}"); // duplicate
    msg("{\"type\":\"post_updated\",\"seq\":2}");
    msg("{\"type\":\"note\"}");
    msg("not json");
    msg("[1]");
    ASSERT_EQ(rec.msgs.size(), 3u);
    EXPECT_EQ(rec.seqs, (std::vector<int64_t>{1, 2, -1}));
    EXPECT_EQ(rec.types, (std::vector<std::string>{"", "", ""})); // msg is NULL
    EXPECT_EQ(rec.errors, (std::vector<int>{PF_EJSON, PF_EPROTO}));
    pf_ws_stats st = pf_ws_get_stats(ws);
    EXPECT_EQ(st.duplicates, 1u);
    EXPECT_EQ(st.malformed, 2u);
    EXPECT_EQ(pf_ws_last_seq(ws), 2);
}

TEST_F(WsTest, NoTreeStillHandlesControlFrames)
{
    pf_ws_opts o = {};
    o.no_tree = 1;
    o.no_heartbeat = 1;
    connect_open(&o);
    msg("{\"type\":\"snapshot\",\"seq\":10,\"posts\":[]}");
    EXPECT_EQ(pf_ws_last_seq(ws), 10);
    EXPECT_EQ(rec.types.back(), "snapshot"); // parsed in full: msg given
    msg("{\"type\":\"x\",\"seq\":10}");
    EXPECT_EQ(rec.msgs.size(), 1u);
    msg("{\"type\":\"resync\"}");
    EXPECT_EQ(rec.resyncs, 1);
    EXPECT_EQ(pf_ws_last_seq(ws), -1);
    msg("{\"type\":\"ping\"}");
    EXPECT_EQ(sent(sends() - 1), "{\"type\":\"pong\"}");
    EXPECT_EQ(pf_ws_send(ws, "a", 1, 0), PF_OK);
    msg("{\"error\":\"Rate limit exceeded\",\"retry_after\":1}");
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_RATE_LIMITED);
    EXPECT_EQ(pf_ws_outbox_len(ws), 1u);
}

// ---- seq gaps ---------------------------------------------------------------

namespace {

TEST_F(WsTest, SeqGapReconnectsWithSinceAndTheReplayFillsIt)
{
    connect_open();
    msg("{\"type\":\"post_created\",\"seq\":1}");
    msg("{\"type\":\"post_created\",\"seq\":2}");
    msg("{\"type\":\"post_created\",\"seq\":5}"); // 3 and 4 were lost
    EXPECT_EQ(rec.seqs, (std::vector<int64_t>{1, 2}));  // 5 is not delivered out of order
    EXPECT_EQ(pf_ws_last_seq(ws), 2);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_last(FAKE_WS_CLOSE)->code, 4000);
    bool saw_gap = false;
    for (const pf_ws_event &e : rec.states)
        saw_gap = saw_gap || (e.state == PF_WS_RECONNECTING && e.cause == PF_WS_CAUSE_GAP);
    EXPECT_TRUE(saw_gap);
    ASSERT_EQ(opens(), 2u); // at once, no backoff
    EXPECT_EQ(last_url(), std::string(kUrl) + "?since=2");
    pf_io_opened(handle());
    msg("{\"type\":\"post_created\",\"seq\":3}");
    msg("{\"type\":\"post_created\",\"seq\":4}");
    msg("{\"type\":\"post_created\",\"seq\":5}");
    msg("{\"type\":\"post_created\",\"seq\":6}");
    EXPECT_EQ(rec.seqs, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(rec.resyncs, 0);
    EXPECT_EQ(pf_ws_get_stats(ws).gaps, 1u);
    EXPECT_EQ(pf_ws_get_stats(ws).duplicates, 0u);
}

TEST_F(WsTest, SeqGapTheServerCannotFillResyncsOnceAndGoesOn)
{
    connect_open();
    msg("{\"type\":\"post_created\",\"seq\":1}");
    msg("{\"type\":\"post_created\",\"seq\":4}");
    ASSERT_EQ(opens(), 2u);
    pf_io_opened(handle());
    msg("{\"type\":\"post_created\",\"seq\":4}"); // the replay skips 2 and 3 again
    EXPECT_EQ(opens(), 2u);                        // no reconnect loop
    EXPECT_EQ(rec.resyncs, 1);
    ASSERT_EQ(rec.errors.size(), 1u);
    EXPECT_EQ(rec.errors[0], PF_EPROTO);
    EXPECT_EQ(rec.seqs, (std::vector<int64_t>{1, 4}));
    msg("{\"type\":\"post_created\",\"seq\":5}");
    EXPECT_EQ(rec.seqs.back(), 5);
    EXPECT_EQ(pf_ws_get_stats(ws).gaps, 2u);
}

TEST_F(WsTest, SeqGapWithoutResumeResyncsAtOnce)
{
    pf_ws_opts o = {};
    o.no_resume = 1;
    connect_open(&o);
    msg("{\"type\":\"post_created\",\"seq\":1}");
    msg("{\"type\":\"post_created\",\"seq\":3}");
    EXPECT_EQ(opens(), 1u);
    EXPECT_EQ(rec.resyncs, 1);
    EXPECT_EQ(rec.seqs, (std::vector<int64_t>{1, 3}));
}

TEST_F(WsTest, SeqGapOnTheFastPathAlsoReconnects)
{
    pf_ws_opts o = {};
    o.no_tree = 1;
    o.no_heartbeat = 1;
    connect_open(&o);
    msg("{\"type\":\"m\",\"seq\":10}");
    msg("{\"type\":\"m\",\"seq\":12}");
    EXPECT_EQ(rec.seqs, (std::vector<int64_t>{10}));
    EXPECT_EQ(last_url(), std::string(kUrl) + "?since=10");
}

TEST_F(WsTest, NoSeqChannelHasNoGaps)
{
    pf_ws_opts o = {};
    o.no_seq = 1;
    connect_open(&o);
    msg("{\"type\":\"ack\",\"seq\":1}");
    msg("{\"type\":\"ack\",\"seq\":7}");
    EXPECT_EQ(opens(), 1u);
    EXPECT_EQ(rec.seqs.size(), 2u);
    EXPECT_EQ(rec.resyncs, 0);
}

// ---- probe on coming back online / visible -----------------------------------

TEST_F(WsTest, BackOnlineProbesAnOpenLinkAndClosesItWhenNoPongComes)
{
    pf_ws_opts o = hb_opts();
    o.heartbeat_interval_ms = 60000;
    connect_open(&o);
    fake_host_advance(10);
    fake_host_set_online(0);
    pf_net_changed(0, 1);
    EXPECT_EQ(sends(), 0u);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    ASSERT_EQ(sends(), 1u); // at once, not at the next idle tick (60 s away)
    EXPECT_EQ(sent(0), "{\"type\":\"ping\"}");
    fake_host_advance(499);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    fake_host_advance(1);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(last_state().state, PF_WS_RECONNECTING);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_DEAD_LINK);
    fake_host_advance(last_state().delay_ms);
    EXPECT_EQ(opens(), 2u);
}

TEST_F(WsTest, BackOnlineProbeAnsweredKeepsTheLink)
{
    pf_ws_opts o = hb_opts();
    o.heartbeat_interval_ms = 60000;
    connect_open(&o);
    fake_host_set_online(0);
    pf_net_changed(0, 1);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    ASSERT_EQ(sends(), 1u);
    fake_host_advance(100);
    msg("{\"type\":\"pong\"}");
    fake_host_advance(5000);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    EXPECT_EQ(pf_ws_get_state(ws), PF_WS_OPEN);
    EXPECT_EQ(pf_ws_get_stats(ws).core_only, 0);
}

TEST_F(WsTest, BecomingVisibleProbesAKnownPingerAndDetectsTheDeadLink)
{
    pf_ws_opts o = hb_opts();
    o.heartbeat_interval_ms = 1000;
    connect_open(&o);
    fake_host_advance(1000);
    msg("{\"type\":\"pong\"}"); // this server answers pings
    fake_host_set_visible(0);
    pf_net_changed(1, 0);
    fake_host_advance(200);
    size_t before = sends();
    fake_host_set_visible(1);
    pf_net_changed(1, 1);
    ASSERT_EQ(sends(), before + 1);
    fake_host_advance(500);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(last_state().cause, PF_WS_CAUSE_DEAD_LINK);
}

TEST_F(WsTest, BecomingVisibleLeavesACoreOnlyServerAlone)
{
    pf_ws_opts o = hb_opts();
    o.heartbeat_interval_ms = 60000;
    connect_open(&o);
    fake_host_set_visible(0);
    pf_net_changed(1, 0);
    fake_host_set_visible(1);
    pf_net_changed(1, 1);
    ASSERT_EQ(sends(), 1u);   // the probe
    fake_host_advance(500);   // unanswered: a server that never pongs
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    EXPECT_EQ(pf_ws_get_stats(ws).core_only, 1);
    pf_net_changed(1, 0);
    pf_net_changed(1, 1);
    EXPECT_EQ(sends(), 1u);   // no more pings on this connection
}

TEST_F(WsTest, NoProbeWithoutHeartbeat)
{
    pf_ws_opts o = {};
    o.no_heartbeat = 1;
    connect_open(&o);
    fake_host_set_online(0);
    pf_net_changed(0, 1);
    fake_host_set_online(1);
    pf_net_changed(1, 1);
    EXPECT_EQ(sends(), 0u);
    fake_host_advance(600000);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
}

} // namespace
