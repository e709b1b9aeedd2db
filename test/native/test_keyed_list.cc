// test_keyed_list.cc: the KeyedList example component (examples/keyed_list.c)
// on the fake host, its patches checked by the reference applier.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dom_ref_applier.h"

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_component.h"
#include "pf_components.h"
#include "pf_dom.h"
#include "pf_state.h"
extern const pf_component_class keyed_list_class;
}

namespace {

class KeyedList : public ::testing::Test {
  protected:
    void SetUp() override
    {
        fake_host_reset();
        ASSERT_EQ(pf_components_register_builtin(), PF_OK);
        // Registered at load (PF_COMPONENT_REGISTER_AT_LOAD) unless an
        // earlier test cleared the registry.
        int rc = pf_component_register(&keyed_list_class);
        ASSERT_TRUE(rc == PF_OK || rc == PF_EEXIST) << rc;
        ASSERT_EQ(pf_component_class_find("KeyedList"), &keyed_list_class);
    }
    void TearDown() override
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }

    pf_component *mount(const std::string &props)
    {
        pf_component *c = nullptr;
        EXPECT_EQ(pf_component_mount("KeyedList", 1, props.data(), props.size(), &c), PF_OK);
        applied_ = 0;
        sync();
        return c;
    }

    // Applies the patches not yet applied; fails the test on a bad patch.
    void sync(RefStats *st = nullptr)
    {
        for (; applied_ < fake_host_count(FAKE_DOM_PATCH); applied_++) {
            const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, applied_);
            ASSERT_EQ(dom_.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len, st), "");
        }
    }

    // Delivers a message and runs the frame, as the browser would.
    void send(pf_component *c, const std::string &json, RefStats *st = nullptr)
    {
        ASSERT_EQ(pf_component_deliver(c, json.data(), json.size()), PF_OK);
        fake_host_run_flush();
        fake_host_run_frame();
        sync(st);
        ASSERT_EQ(dom_.compare(pf_component_tree(c)), "");
    }

    std::string items_json(pf_component *c)
    {
        char *s = cJSON_PrintUnformatted(pf_state_get(pf_component_state(c), "items"));
        std::string out(s);
        cJSON_free(s);
        return out;
    }

    // The tbody of the reference DOM: div > table > tbody.
    const RefNode *tbody() const { return dom_.root()->children[0]->children[1]->children[0]; }

    std::vector<std::string> row_ids() const
    {
        std::vector<std::string> ids;
        for (const RefNode *tr : tbody()->children)
            ids.push_back(tr->attrs.at("data-id"));
        return ids;
    }

    static std::string label_of(const RefNode *tr) { return tr->children[1]->children[0]->children[0]->text; }

    // The node id of the first element under `n` with attribute name=value.
    static uint32_t find(const RefNode *n, const char *name, const char *value)
    {
        auto it = n->attrs.find(name);
        if (n->kind == PF_VNODE_ELEMENT && it != n->attrs.end() && it->second == value)
            return n->id;
        for (const RefNode *ch : n->children)
            if (uint32_t id = find(ch, name, value))
                return id;
        return 0;
    }

    RefDom dom_;
    size_t applied_ = 0;
};

const char *kThree = "{\"items\":[{\"id\":1,\"label\":\"one\"},{\"id\":2,\"label\":\"two\"},{\"id\":3,\"label\":\"three\"}]}";

}  // namespace

TEST_F(KeyedList, MountRendersItemsFromProps)
{
    pf_component *c = mount(kThree);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(dom_.compare(pf_component_tree(c)), "");
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "1", "2", "3" }));
    EXPECT_EQ(label_of(tbody()->children[1]), "two");
    char *html = nullptr;
    size_t len = 0;
    ASSERT_EQ(pf_vdom_to_html(pf_component_tree(c), &html, &len), PF_OK);
    EXPECT_NE(std::string(html).find("<tr data-id=\"1\"><td class=\"id\">1</td><td class=\"label\">"
                                     "<a data-on-click=\"select\">one</a></td><td>"
                                     "<a class=\"remove\" data-on-click=\"remove\">x</a></td></tr>"),
              std::string::npos)
        << html;
    free(html);
    EXPECT_TRUE(cJSON_IsNull(pf_state_get(pf_component_state(c), "selected")));
}

TEST_F(KeyedList, InvalidItemsInPropsAreDropped)
{
    pf_component *c = mount("{\"items\":[{\"id\":1},{\"label\":\"x\"},{\"id\":true,\"label\":\"y\"},"
                            "{\"id\":\"k\",\"label\":\"ok\"},7]}");
    EXPECT_EQ(items_json(c), "[{\"id\":\"k\",\"label\":\"ok\"}]");
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "k" }));
}

TEST_F(KeyedList, UpdateTouchesOneTextNode)
{
    pf_component *c = mount(kThree);
    RefStats st;
    send(c, "{\"type\":\"update\",\"id\":2,\"label\":\"<b>2</b>\"}", &st);
    EXPECT_EQ(st.total, 1u);
    EXPECT_EQ(st.ops[PF_DOM_SET_TEXT], 1u);
    EXPECT_EQ(label_of(tbody()->children[1]), "<b>2</b>");
}

TEST_F(KeyedList, EveryOperation)
{
    pf_component *c = mount(kThree);
    send(c, "{\"type\":\"append\",\"items\":[{\"id\":4,\"label\":\"four\"},{\"id\":5,\"label\":\"five\"}]}");
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "1", "2", "3", "4", "5" }));
    RefStats st;
    send(c, "{\"type\":\"swap\",\"a\":1,\"b\":3}", &st);
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "1", "4", "3", "2", "5" }));
    EXPECT_EQ(st.ops[PF_DOM_MOVE], 2u);
    EXPECT_EQ(st.ops[PF_DOM_CREATE_ELEMENT], 0u);
    send(c, "{\"type\":\"remove\",\"id\":3}");
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "1", "4", "2", "5" }));
    send(c, "{\"type\":\"update_every\",\"step\":2,\"suffix\":\" !!!\"}");
    EXPECT_EQ(label_of(tbody()->children[0]), "one !!!");
    EXPECT_EQ(label_of(tbody()->children[1]), "four");
    EXPECT_EQ(label_of(tbody()->children[2]), "two !!!");
    send(c, "{\"type\":\"select\",\"id\":4}");
    EXPECT_EQ(tbody()->children[1]->attrs.at("class"), "danger");
    send(c, "{\"type\":\"select\",\"id\":null}");
    EXPECT_EQ(tbody()->children[1]->attrs.count("class"), 0u);
    send(c, "{\"type\":\"set\",\"items\":[{\"id\":\"a\",\"label\":\"A\"}]}");
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "a" }));
    send(c, "{\"type\":\"clear\"}");
    EXPECT_TRUE(tbody()->children.empty());
    EXPECT_EQ(items_json(c), "[]");
}

TEST_F(KeyedList, SwapKeepsEveryItem)
{
    std::string props = "{\"items\":[";
    for (int i = 1; i <= 1000; i++)
        props += (i > 1 ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"label\":\"l\"}";
    props += "]}";
    pf_component *c = mount(props);
    RefStats st;
    send(c, "{\"type\":\"swap\",\"a\":1,\"b\":998}", &st);
    std::vector<std::string> ids = row_ids();
    ASSERT_EQ(ids.size(), 1000u);
    EXPECT_EQ(ids[1], "999");
    EXPECT_EQ(ids[998], "2");
    EXPECT_EQ(st.ops[PF_DOM_MOVE], 2u);
    EXPECT_EQ(st.total, 2u);
}

TEST_F(KeyedList, BadMessagesAreIgnoredAndLogged)
{
    pf_component *c = mount(kThree);
    std::string before = items_json(c);
    const char *bad[] = {
        "{\"type\":\"nope\"}", "{}", "{\"type\":\"update\",\"id\":99,\"label\":\"x\"}",
        "{\"type\":\"update\",\"id\":1}", "{\"type\":\"swap\",\"a\":0,\"b\":3}",
        "{\"type\":\"swap\",\"a\":-1,\"b\":0}", "{\"type\":\"remove\",\"id\":{}}",
        "{\"type\":\"set\",\"items\":5}", "{\"type\":\"update_every\",\"step\":0,\"suffix\":\"x\"}",
        "[1,2]",
    };
    size_t logs = fake_host_count(FAKE_LOG);
    for (const char *m : bad)
        send(c, m);
    EXPECT_EQ(items_json(c), before);
    EXPECT_EQ(fake_host_count(FAKE_LOG) - logs, sizeof bad / sizeof *bad);
    EXPECT_EQ(pf_component_deliver(c, "{nope", 5), PF_EJSON);
}

TEST_F(KeyedList, ClickEventsUseTheRowKey)
{
    mount(kThree);
    const RefNode *row2 = tbody()->children[1];
    uint32_t select2 = row2->children[1]->children[0]->id;
    uint32_t remove3 = tbody()->children[2]->children[2]->children[0]->id;
    ASSERT_EQ(pf_component_dispatch(1, select2, "click", 5, nullptr, 0, -1, -1), PF_OK);
    const fake_effect *e = fake_host_last(FAKE_EMIT);
    ASSERT_NE(e, nullptr);
    EXPECT_STREQ(e->name, "selected");
    EXPECT_STREQ(e->text, "{\"id\":\"2\"}");
    fake_host_run_flush();
    fake_host_run_frame();
    sync();
    EXPECT_EQ(tbody()->children[1]->attrs.at("class"), "danger");
    ASSERT_EQ(pf_component_dispatch(1, remove3, "click", 5, nullptr, 0, -1, -1), PF_OK);
    EXPECT_STREQ(fake_host_last(FAKE_EMIT)->name, "removed");
    fake_host_run_flush();
    fake_host_run_frame();
    sync();
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "1", "2" }));
    // The id cell declares no handler: nothing happens.
    uint32_t cell = tbody()->children[0]->children[0]->id;
    EXPECT_EQ(pf_component_dispatch(1, cell, "click", 5, nullptr, 0, -1, -1), PF_ENOTFOUND);
}

TEST_F(KeyedList, InputMirrorsAndSubmitAddsThenClears)
{
    pf_component *c = mount(kThree);
    uint32_t input = find(dom_.root(), "data-on-input", "edit");
    uint32_t form = find(dom_.root(), "data-on-submit", "add");
    ASSERT_NE(input, 0u);
    ASSERT_NE(form, 0u);
    ASSERT_EQ(pf_component_dispatch(1, input, "input", 5, "hi <b>", 6, 6, 6), PF_OK);
    fake_host_run_flush();
    fake_host_run_frame();
    RefStats st;
    sync(&st);
    const char *text = nullptr;
    ASSERT_EQ(pf_state_get_string(pf_component_state(c), "text", &text), PF_OK);
    EXPECT_STREQ(text, "hi <b>");
    // The intended value follows the typing, which the DOM already holds:
    // nothing to write.
    EXPECT_EQ(st.total, 0u);
    EXPECT_EQ(st.ops[PF_DOM_SET_VALUE], 0u);
    ASSERT_EQ(pf_component_dispatch(1, form, "submit", 6, nullptr, 0, -1, -1), PF_OK);
    EXPECT_STREQ(fake_host_last(FAKE_EMIT)->name, "added");
    EXPECT_STREQ(fake_host_last(FAKE_EMIT)->text, "{\"id\":\"4\",\"label\":\"hi <b>\"}");
    fake_host_run_flush();
    fake_host_run_frame();
    sync();
    EXPECT_EQ(row_ids(), (std::vector<std::string>{ "1", "2", "3", "4" }));
    EXPECT_EQ(label_of(tbody()->children[3]), "hi <b>");
    EXPECT_EQ(dom_.mutable_node(input)->value, "");
    // An empty box adds nothing.
    ASSERT_EQ(pf_component_dispatch(1, form, "submit", 6, nullptr, 0, -1, -1), PF_OK);
    EXPECT_EQ(items_json(c).find("\"id\":5"), std::string::npos);
}

TEST_F(KeyedList, BurstOfMessagesRendersOnce)
{
    pf_component *c = mount(kThree);
    unsigned long renders = pf_component_render_count(c);
    for (int i = 0; i < 100; i++) {
        std::string m = "{\"type\":\"update\",\"id\":1,\"label\":\"v" + std::to_string(i) + "\"}";
        ASSERT_EQ(pf_component_deliver(c, m.data(), m.size()), PF_OK);
    }
    fake_host_run_flush();
    fake_host_run_frame();
    EXPECT_EQ(pf_component_render_count(c), renders + 1);
    sync();
    EXPECT_EQ(label_of(tbody()->children[0]), "v99");
}

TEST_F(KeyedList, FlushRendersNowAndCancelsTheFrame)
{
    pf_component *c = mount(kThree);
    unsigned long renders = pf_component_render_count(c);
    const char *m = "{\"type\":\"update\",\"id\":3,\"label\":\"now\"}";
    ASSERT_EQ(pf_component_deliver(c, m, strlen(m)), PF_OK);
    ASSERT_EQ(pf_component_flush(c), PF_OK);
    EXPECT_EQ(pf_component_render_count(c), renders + 1);
    sync();
    EXPECT_EQ(label_of(tbody()->children[2]), "now");
    fake_host_run_flush();
    fake_host_run_frame();
    EXPECT_EQ(pf_component_render_count(c), renders + 1);  // nothing left to render
    EXPECT_EQ(pf_component_flush(c), PF_OK);               // nothing pending: no render
    EXPECT_EQ(pf_component_render_count(c), renders + 1);
    EXPECT_EQ(pf_component_flush(nullptr), PF_EINVAL);
}

TEST_F(KeyedList, UnmountEmptiesTheRoot)
{
    pf_component *c = mount(kThree);
    const char *m = "{\"type\":\"clear\"}";
    ASSERT_EQ(pf_component_deliver(c, m, strlen(m)), PF_OK);  // render still pending
    ASSERT_EQ(pf_component_unmount(c), PF_OK);
    sync();
    EXPECT_TRUE(dom_.root()->children.empty());
    EXPECT_EQ(pf_component_count(), 0u);
    fake_host_run_flush();
    fake_host_run_frame();  // the cancelled render does not run
}
