// test_live_counter.cc: examples/live_counter.c, the component that
// docs/components.md walks through, on the fake host: what the guide says
// it does is what it does.
#include <gtest/gtest.h>

#include <string>

#include "live_component_util.h"

extern "C" {
extern const pf_component_class live_counter_class;
}

namespace {

class LiveCounter : public ::testing::Test {
  protected:
    pf_component *c = nullptr;

    void SetUp() override
    {
        fake_host_reset();
        // Registered at load (PF_COMPONENT_REGISTER_AT_LOAD) unless an
        // earlier test cleared the registry.
        int rc = pf_component_register(&live_counter_class);
        ASSERT_TRUE(rc == PF_OK || rc == PF_EEXIST) << rc;
    }
    void TearDown() override
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }
    void mount(const std::string &props)
    {
        ASSERT_EQ(pf_component_mount("LiveCounter", 5, props.data(), props.size(), &c), PF_OK);
        lc_tick();
    }
    std::string output()
    {
        const pf_vnode *o = lc_find_in(c, "class", "live-counter")->first_child->next;
        return o && o->first_child ? std::string(o->first_child->text, o->first_child->text_len) : "";
    }
};

TEST_F(LiveCounter, LocalCounterCountsClicksAndEmits)
{
    mount("{\"label\":\"Clicks\"}");
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 0u);
    EXPECT_EQ(lc_html(c),
              "<div class=\"live-counter\"><span class=\"label\">Clicks</span><output>0</output>"
              "<button type=\"button\" data-on-click=\"increment\">+1</button>"
              "<small class=\"status\">offline</small></div>");
    ASSERT_EQ(lc_dispatch(c, "click", "increment"), PF_OK);
    ASSERT_EQ(lc_dispatch(c, "click", "increment"), PF_OK);
    lc_tick();
    EXPECT_EQ(output(), "2");
    EXPECT_EQ(fake_host_count(FAKE_EMIT), 2u);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LiveCounter, ConnectedCounterShowsTheServersCount)
{
    mount("{\"url\":\"ws://example.test/counter\"}");
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    int32_t ws = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(ws);
    lc_tick();
    EXPECT_NE(lc_html(c).find("<small class=\"status\">open</small>"), std::string::npos) << lc_html(c);
    lc_ws(ws, "{\"type\":\"count\",\"value\":41}");
    lc_tick();
    EXPECT_EQ(output(), "41");

    // A click asks the server; the count changes when the server says so.
    size_t sends = fake_host_count(FAKE_WS_SEND);
    ASSERT_EQ(lc_dispatch(c, "click", "increment"), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_WS_SEND), sends + 1);
    EXPECT_EQ(std::string(fake_host_last(FAKE_WS_SEND)->text, fake_host_last(FAKE_WS_SEND)->text_len),
              "{\"type\":\"increment\"}");
    EXPECT_EQ(output(), "41");
    lc_ws(ws, "{\"type\":\"count\",\"value\":42}");
    lc_tick();
    EXPECT_EQ(output(), "42");

    // What the network sends that the component does not expect changes
    // nothing and fails nothing.
    for (const char *bad : {"{\"type\":\"count\",\"value\":\"43\"}", "{\"type\":\"count\"}",
                            "{\"type\":7,\"value\":1}", "[1,2]", "not json", "{\"type\":\"other\",\"value\":9}"})
        lc_ws(ws, bad);
    lc_tick();
    EXPECT_EQ(output(), "42");

    pf_io_closed(ws, 1006, "", 0);
    lc_tick();
    EXPECT_NE(lc_html(c).find("<small class=\"status\">reconnecting</small>"), std::string::npos) << lc_html(c);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LiveCounter, HostileLabelIsText)
{
    for (const char *h : kHostile) {
        mount("{\"label\":" + lc_json_str(h) + "}");
        const pf_vnode *label = lc_find_in(c, "class", "label");
        ASSERT_NE(label, nullptr);
        ASSERT_NE(label->first_child, nullptr);
        EXPECT_EQ(label->first_child->kind, PF_VNODE_TEXT);
        EXPECT_EQ(label->first_child->next, nullptr);
        ASSERT_EQ(pf_component_unmount(c), PF_OK);
    }
}

TEST_F(LiveCounter, UnknownHandlerIsRefused)
{
    mount("{}");
    EXPECT_EQ(pf_component_dispatch(pf_component_root(c), 9999, "click", 5, nullptr, 0, -1, -1), PF_ENOTFOUND);
}

}  // namespace
