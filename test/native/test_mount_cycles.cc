// test_mount_cycles.cc: 10,000 mount / feed / render / unmount cycles of
// each live component on the fake host (issue #8 part 3). Natively the test
// binary runs under AddressSanitizer with LeakSanitizer on (make
// test-native), which reports anything a cycle left behind when the binary
// exits; under em++ (make test-wasm) the heap in use (mallinfo) after the
// cycles must equal the heap in use after the first one.
#include <gtest/gtest.h>

#include <string>

#include "live_component_util.h"

#ifdef __EMSCRIPTEN__
#include <malloc.h>
#endif

extern "C" {
#include "pf_components.h"
#include "pf_document_editor.h"
}

namespace {

const int kCycles = 10000;

long heap_in_use()
{
#ifdef __EMSCRIPTEN__
    return (long)mallinfo().uordblks;
#else
    return -1;  // ASan's allocator: LeakSanitizer checks at exit instead
#endif
}

// One life of a component: mount, connect, a few messages of each kind it
// handles, a render, a user action where it has one, unmount.
void cycle(const char *name, int i)
{
    std::string props = "{\"token\":\"T\",\"room\":\"r1\",\"doc\":\"d1\",\"user\":{\"id\":1,\"name\":\"me\"}}";
    pf_component *c = nullptr;
    size_t loads = fake_host_count(FAKE_HTTP_REQUEST);
    ASSERT_EQ(pf_component_mount(name, 7, props.data(), props.size(), &c), PF_OK);
    std::string n = std::to_string(i);
    if (strcmp(name, "NotificationSystem") == 0) {
        int32_t sse = fake_host_last(FAKE_SSE_OPEN)->handle;
        if (fake_host_count(FAKE_HTTP_REQUEST) == loads)
            pf_io_opened(sse); /* a new stream; one still shared loads at once */
        lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
                "{\"notifications\":[{\"id\":1,\"title\":\"t\",\"message\":\"m\",\"read\":false}],\"unread_count\":1}");
        std::string data = "{\"id\":2,\"title\":\"n" + n + "\",\"message\":\"<b>x</b>\",\"read\":false}";
        pf_io_sse(sse, "notification", 12, "2", 1, data.data(), data.size(), -1);
        lc_tick();
        lc_dispatch(c, "click", "mark_read", "", "2");
        lc_tick();
        // The mark-read POST is still in flight when the component goes.
    } else {
        int32_t ws = fake_host_last(FAKE_WS_OPEN)->handle;
        pf_io_opened(ws);
        if (strcmp(name, "LivePostList") == 0) {
            lc_ws(ws, "{\"type\":\"snapshot\",\"posts\":[{\"id\":1,\"title\":\"a\",\"content\":\"b\",\"author_id\":1,"
                      "\"published\":true,\"created_at\":\"2026-11-26T14:00:00.000Z\"}],\"seq\":1}");
            lc_ws(ws, "{\"type\":\"post_created\",\"post\":{\"id\":2,\"title\":\"t" + n +
                          "\",\"content\":\"<i>c</i>\",\"author_id\":1,\"published\":true,\"created_at\":"
                          "\"2026-11-26T14:01:00.000Z\"},\"seq\":2}");
            lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":1,\"seq\":3}");
        } else if (strcmp(name, "ChatRoom") == 0) {
            lc_ws(ws, "{\"type\":\"history\",\"messages\":[{\"type\":\"message\",\"id\":1,\"seq\":1,\"user\":\"b\","
                      "\"user_id\":2,\"text\":\"hi\",\"timestamp\":\"x\"}],\"seq\":1}");
            lc_ws(ws, "{\"type\":\"message\",\"id\":2,\"seq\":2,\"user\":\"b\",\"user_id\":2,\"text\":\"m" + n +
                          "\",\"timestamp\":\"x\"}");
            lc_ws(ws, "{\"type\":\"user_joined\",\"user_id\":3,\"user\":{\"id\":3,\"name\":\"c\"},\"message\":\"c joined\"}");
            lc_tick();
            lc_dispatch(c, "input", "draft", "typed " + n);
            lc_tick();
            lc_dispatch(c, "submit", "send");
        } else {
            lc_ws(ws, "{\"type\":\"snapshot\",\"rev\":0,\"content\":\"hello\",\"users\":[{\"id\":2,\"name\":\"b\"}]}");
            lc_tick();
            pf_document_editor_splice(c, 5, 0, " world", 6);
            lc_ws(ws, "{\"type\":\"content_change\",\"rev\":0,\"operations\":[\"<\"],\"user_id\":2,\"src\":\"o\",\"seq\":1}");
            lc_ws(ws, "{\"type\":\"cursor_update\",\"user_id\":2,\"position\":1,\"rev\":1}");
            // The local edit stays unacknowledged: unmount with an op in flight.
        }
    }
    lc_tick();
    fake_host_advance(30000);  // timers: heartbeat, ack timeout, countdowns
    lc_tick();
    ASSERT_EQ(pf_component_unmount(c), PF_OK);
    lc_tick();
    // A shared socket outlives its last component by the pool's idle time;
    // let it close so that the next cycle opens (and frees) its own.
    fake_host_advance(31000);
    lc_tick();
    EXPECT_EQ(pf_component_pool_connections(), 0u) << name << " cycle " << i;
    fake_host_clear_effects();
}

class MountCycles : public ::testing::TestWithParam<const char *> {
  protected:
    void SetUp() override
    {
        fake_host_reset();
        ASSERT_EQ(pf_components_register_builtin(), PF_OK);
    }
    void TearDown() override
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }
};

}  // namespace

TEST_P(MountCycles, TenThousandCyclesLeakNothing)
{
    const char *name = GetParam();
    cycle(name, 0);
    ASSERT_FALSE(HasFatalFailure());
    long after_first = heap_in_use();
    for (int i = 1; i < kCycles; i++) {
        cycle(name, i);
        ASSERT_FALSE(HasFatalFailure()) << "cycle " << i;
    }
    EXPECT_EQ(heap_in_use(), after_first) << name << ": heap in use after " << kCycles << " cycles";
}

INSTANTIATE_TEST_SUITE_P(Components, MountCycles,
                         ::testing::Values("LivePostList", "NotificationSystem", "ChatRoom", "DocumentEditor"),
                         [](const ::testing::TestParamInfo<const char *> &info) { return std::string(info.param); });
