// Tests of runtime/pf_loop.h: timers, deferred work, I/O routing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "fake_host.h"
#include "pf_error.h"
#include "pf_loop.h"
}

namespace {

class LoopTest : public ::testing::Test {
protected:
    void SetUp() override { fake_host_reset(); }
    void TearDown() override { fake_host_reset(); }
};

std::vector<std::string> trace;
void note(void *ud) { trace.push_back(static_cast<const char *>(ud)); }

TEST_F(LoopTest, TimersFireInDueOrderAndOnlyOnce)
{
    trace.clear();
    pf_timer_set(30, note, (void *)"c");
    pf_timer_set(10, note, (void *)"a");
    uint32_t b = pf_timer_set(20, note, (void *)"b");
    ASSERT_GT(b, 0u);
    EXPECT_EQ(fake_host_next_timer_in(), 10);
    fake_host_advance(15);
    EXPECT_EQ(trace, (std::vector<std::string>{ "a" }));
    pf_timer_clear(b);
    fake_host_advance(100);
    EXPECT_EQ(trace, (std::vector<std::string>{ "a", "c" }));
    EXPECT_EQ(fake_host_armed_timers(), 0u);
    pf_timer_clear(b); // already cleared: ignored
    pf_timer_clear(0);
}

TEST_F(LoopTest, DeferRunsAtFlushInOrderAndRequestsOnce)
{
    trace.clear();
    pf_defer(note, (void *)"1");
    pf_defer(note, (void *)"2");
    EXPECT_TRUE(fake_host_flush_requested());
    EXPECT_TRUE(trace.empty());
    fake_host_run_flush();
    EXPECT_EQ(trace, (std::vector<std::string>{ "1", "2" }));
}

void redefer(void *ud)
{
    int *n = static_cast<int *>(ud);
    if (++*n < 5)
        pf_defer(redefer, ud);
}

TEST_F(LoopTest, TaskDeferredDuringFlushWaitsForTheNextOne)
{
    int n = 0;
    pf_defer(redefer, &n);
    fake_host_run_flush();
    EXPECT_EQ(n, 1);
    EXPECT_TRUE(fake_host_flush_requested());
    for (int i = 0; i < 10; i++)
        fake_host_run_flush();
    EXPECT_EQ(n, 5);
}

TEST_F(LoopTest, CancelDeferredDropsTasksOfOneOwner)
{
    trace.clear();
    const char *keep = "keep";
    const char *drop = "drop";
    pf_defer(note, (void *)drop);
    pf_defer(note, (void *)keep);
    pf_defer_frame(note, (void *)drop);
    pf_cancel_deferred((void *)drop);
    fake_host_run_flush();
    fake_host_run_frame();
    EXPECT_EQ(trace, (std::vector<std::string>{ "keep" }));
}

struct IoLog {
    std::vector<std::string> events;
};

void on_opened(void *ud, int32_t h) { static_cast<IoLog *>(ud)->events.push_back("open " + std::to_string(h)); }
void on_message(void *ud, int32_t, const char *d, size_t n) { static_cast<IoLog *>(ud)->events.push_back("msg " + std::string(d, n)); }
void on_closed(void *ud, int32_t, int code, const char *r, size_t n)
{
    static_cast<IoLog *>(ud)->events.push_back("close " + std::to_string(code) + " " + std::string(r, n));
}
const pf_io_handler handler = { on_opened, on_message, on_closed, nullptr, nullptr, nullptr };

TEST_F(LoopTest, IoEventsReachTheWatcherUntilClose)
{
    IoLog log;
    int32_t h = pf_host_ws_open("ws://x/", 7);
    ASSERT_EQ(pf_io_watch(h, &handler, &log), PF_OK);
    pf_io_opened(h);
    pf_io_message(h, "{}", 2);
    pf_io_message(h + 100, "lost", 4); // unknown handle: dropped
    pf_io_closed(h, 1006, "", 0);
    pf_io_message(h, "after", 5);      // released after close
    EXPECT_EQ(log.events, (std::vector<std::string>{ "open 1", "msg {}", "close 1006 " }));
    EXPECT_EQ(pf_io_watch(0, &handler, &log), PF_EINVAL);
    EXPECT_EQ(pf_io_watch(5, nullptr, &log), PF_EINVAL);
}

void on_net(void *ud, int online, int visible) { *static_cast<int *>(ud) = online * 10 + visible; }

TEST_F(LoopTest, NetListenersHearChanges)
{
    int a = -1, b = -1;
    pf_net_listen(on_net, &a);
    pf_net_listen(on_net, &b);
    pf_net_unlisten(&b);
    pf_net_changed(0, 1);
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, -1);
}

} // namespace
