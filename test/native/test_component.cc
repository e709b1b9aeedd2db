// test_component.cc: the live component framework (runtime/pf_component.h)
// with a small list component in the style of the seed's LivePostList and
// NotificationSystem, on the fake host.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dom_ref_applier.h"

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_component.h"
#include "pf_dom.h"
#include "pf_html.h"
#include "pf_loop.h"
#include "pf_state.h"
}

namespace {

// ---- the test component ---------------------------------------------------

struct ListSelf {
    std::string title;
    bool connect = false;
    std::string url = "/ws/posts";
    int did_mount = 0, messages = 0, events = 0, connection_events = 0, resyncs = 0;
    pf_ws_state last_state = PF_WS_IDLE;
    pf_ws_cause last_cause = PF_WS_CAUSE_NONE;
    std::vector<std::string> raw;  // every frame's text, in order
    int *will_unmount_counter = nullptr;
    std::string last_handler, last_key, last_value, last_type;
    int32_t last_sel_start = -2, last_sel_end = -2;
    int unmount_self_rc = 1;
};

int g_will_unmount = 0;
int g_destroyed = 0;

int list_create(pf_component *c, const cJSON *props, void **self)
{
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(props, "fail")))
        return PF_EINVAL;
    ListSelf *s = new ListSelf;
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(props, "title");
    s->title = cJSON_IsString(title) ? title->valuestring : "Posts";
    s->connect = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(props, "connect"));
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(props, "url");
    if (cJSON_IsString(url))
        s->url = url->valuestring;
    pf_state *st = pf_component_state(c);
    const char *init = "{\"posts\":[],\"count\":0,\"content\":\"\",\"open\":false}";
    EXPECT_EQ(pf_state_set_multiple_json(st, init, strlen(init), nullptr), PF_OK);
    *self = s;
    return PF_OK;
}

void list_did_mount(pf_component *c, void *self)
{
    ListSelf *s = static_cast<ListSelf *>(self);
    s->did_mount++;
    if (s->connect) {
        EXPECT_EQ(pf_component_ws_connect(c, s->url.data(), s->url.size(), nullptr), PF_OK);
    }
}

void list_on_message(pf_component *c, void *self, const cJSON *msg, const char *raw, size_t raw_len)
{
    (void)raw;
    (void)raw_len;
    ListSelf *s = static_cast<ListSelf *>(self);
    s->messages++;
    s->raw.emplace_back(raw, raw_len);
    pf_state *st = pf_component_state(c);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    if (!cJSON_IsString(type))
        return;
    if (strcmp(type->valuestring, "post_created") == 0) {
        cJSON *posts = cJSON_Duplicate(pf_state_get(st, "posts"), 1);
        cJSON_InsertItemInArray(posts, 0, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(msg, "post"), 1));
        pf_state_update(st, "posts", posts);
    } else if (strcmp(type->valuestring, "post_deleted") == 0) {
        int id = cJSON_GetObjectItemCaseSensitive(msg, "post_id")->valueint;
        cJSON *posts = cJSON_Duplicate(pf_state_get(st, "posts"), 1);
        for (int i = 0; i < cJSON_GetArraySize(posts); i++)
            if (cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(posts, i), "id")->valueint == id) {
                cJSON_DeleteItemFromArray(posts, i);
                break;
            }
        pf_state_update(st, "posts", posts);
    } else if (strcmp(type->valuestring, "clear") == 0) {
        pf_state_update(st, "content", cJSON_CreateString(""));
    } else if (strcmp(type->valuestring, "unmount_me") == 0) {
        s->unmount_self_rc = pf_component_unmount(c);
    }
}

void list_on_connection(pf_component *c, void *self, const pf_ws_event *ev)
{
    (void)c;
    ListSelf *s = static_cast<ListSelf *>(self);
    s->connection_events++;
    s->last_state = ev->state;
    s->last_cause = ev->cause;
}

void list_on_resync(pf_component *c, void *self)
{
    (void)c;
    static_cast<ListSelf *>(self)->resyncs++;
}

int list_on_event(pf_component *c, void *self, const pf_component_event *ev)
{
    ListSelf *s = static_cast<ListSelf *>(self);
    s->events++;
    s->last_type.assign(ev->type, ev->type_len);
    s->last_handler.assign(ev->handler, ev->handler_len);
    s->last_key = ev->key ? std::string(ev->key, ev->key_len) : "<none>";
    s->last_value.assign(ev->value, ev->value_len);
    s->last_sel_start = ev->selection_start;
    s->last_sel_end = ev->selection_end;
    pf_state *st = pf_component_state(c);
    if (s->last_handler == "edit")
        pf_state_update(st, "content", cJSON_CreateString(s->last_value.c_str()));
    else if (s->last_handler == "toggle") {
        int open = 0;
        pf_state_get_bool(st, "open", &open);
        pf_state_update(st, "open", cJSON_CreateBool(!open));
    }
    return PF_OK;
}

int list_render(pf_component *c, void *self, pf_html *h)
{
    ListSelf *s = static_cast<ListSelf *>(self);
    pf_state *st = pf_component_state(c);
    double count = 0;
    int open = 0, bad = 0;
    const char *content = "";
    pf_state_get_number(st, "count", &count);
    pf_state_get_bool(st, "open", &open);
    pf_state_get_bool(st, "bad", &bad);
    pf_state_get_string(st, "content", &content);
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "live-post-list");
    if (bad)
        pf_html_attr(h, "onclick", "alert(1)");
    pf_html_open(h, "h2");
    pf_html_str(h, s->title.c_str());
    pf_html_close(h);
    pf_html_open(h, "button");
    pf_html_attr(h, "class", open ? "toggle active" : "toggle");
    pf_html_on(h, "click", "toggle");
    pf_html_textf(h, "%d", (int)count);
    pf_html_close(h);
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "posts");
    const cJSON *post;
    cJSON_ArrayForEach(post, pf_state_get(st, "posts"))
    {
        pf_html_open(h, "article");
        pf_html_attrf(h, "data-id", "%d", cJSON_GetObjectItemCaseSensitive(post, "id")->valueint);
        pf_html_open(h, "h3");
        pf_html_str(h, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(post, "title")));
        pf_html_close(h);
        pf_html_open(h, "button");
        pf_html_on(h, "click", "remove");
        pf_html_str(h, "x");
        pf_html_close(h);
        pf_html_close(h);
    }
    pf_html_close(h);
    pf_html_open(h, "textarea");
    pf_html_attr(h, "class", "editor");
    pf_html_on(h, "input", "edit");
    pf_html_value(h, content, strlen(content));
    pf_html_close(h);
    pf_html_close(h);
    return PF_OK;
}

void list_will_unmount(pf_component *c, void *self)
{
    (void)c;
    (void)self;
    g_will_unmount++;
}

void list_destroy(void *self)
{
    g_destroyed++;
    delete static_cast<ListSelf *>(self);
}

const pf_component_class list_class = {
    "TestList", list_create, list_did_mount, list_on_message, list_on_connection,
    list_on_resync, list_on_event, list_render, list_will_unmount, list_destroy,
};

// ---- fixture ----------------------------------------------------------------

class Component : public ::testing::Test {
  protected:
    void SetUp() override
    {
        fake_host_reset();
        g_will_unmount = g_destroyed = 0;
        ASSERT_EQ(pf_component_register(&list_class), PF_OK);
    }
    void TearDown() override
    {
        fake_host_on_dom_patch(nullptr, nullptr); // a test's hook data is gone
        pf_component_unmount_all();
        EXPECT_EQ(pf_component_pool_connections(), 0u); // teardown closes them all
        EXPECT_EQ(pf_component_pool_configure(0, 0), PF_OK);
        pf_component_registry_clear();
        fake_host_reset();
    }

    // Applies every patch recorded since `from` to dom.
    std::string apply_patches(RefDom &dom, size_t from, RefStats *st = nullptr)
    {
        for (size_t i = from; i < fake_host_count(FAKE_DOM_PATCH); i++) {
            const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, i);
            std::string err = dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len, st);
            if (!err.empty())
                return err;
        }
        return "";
    }

    void run_tick()
    {
        fake_host_run_flush();
        fake_host_run_frame();
    }

    static const pf_vnode *find_by_attr(const pf_vnode *n, const char *name, const char *value)
    {
        for (; n; n = n->next) {
            const pf_vattr *a = pf_vnode_attr(n, name);
            if (n->kind == PF_VNODE_ELEMENT && a && strcmp(a->value, value) == 0)
                return n;
            const pf_vnode *f = find_by_attr(n->first_child, name, value);
            if (f)
                return f;
        }
        return nullptr;
    }
};

}  // namespace

// ---- registry and mount errors ---------------------------------------------

TEST_F(Component, RegistryRejectsBadAndDuplicateClasses)
{
    EXPECT_EQ(pf_component_register(nullptr), PF_EINVAL);
    pf_component_class nameless = list_class;
    nameless.name = "";
    EXPECT_EQ(pf_component_register(&nameless), PF_EINVAL);
    pf_component_class no_render = list_class;
    no_render.name = "NoRender";
    no_render.render = nullptr;
    EXPECT_EQ(pf_component_register(&no_render), PF_EINVAL);
    EXPECT_EQ(pf_component_register(&list_class), PF_EEXIST);
    EXPECT_EQ(pf_component_class_find("TestList"), &list_class);
    EXPECT_EQ(pf_component_class_find("Nope"), nullptr);
}

TEST_F(Component, MountErrorsAreClear)
{
    pf_component *c = reinterpret_cast<pf_component *>(1);
    EXPECT_EQ(pf_component_mount("Nope", 1, nullptr, 0, &c), PF_ENOTFOUND);
    EXPECT_EQ(c, nullptr);
    EXPECT_EQ(pf_component_mount("TestList", 0, nullptr, 0, &c), PF_EINVAL);
    EXPECT_EQ(pf_component_mount(nullptr, 1, nullptr, 0, &c), PF_EINVAL);
    EXPECT_EQ(pf_component_mount("TestList", 1, "{bad", 4, &c), PF_EJSON);
    EXPECT_EQ(pf_component_mount("TestList", 1, "[1]", 3, &c), PF_ETYPE);
    EXPECT_EQ(pf_component_mount("TestList", 1, "{\"fail\":true}", 13, &c), PF_EINVAL);
    EXPECT_EQ(pf_component_count(), 0u);
    EXPECT_EQ(fake_host_count(FAKE_DOM_PATCH), 0u);

    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    pf_component *again = nullptr;
    EXPECT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &again), PF_EEXIST);
    EXPECT_EQ(again, nullptr);
    EXPECT_EQ(pf_component_count(), 1u);
    EXPECT_EQ(pf_component_find(1), c);
    EXPECT_EQ(pf_component_unmount_root(2), PF_ENOTFOUND);
    EXPECT_EQ(pf_component_unmount(nullptr), PF_EINVAL);
}

// ---- lifecycle --------------------------------------------------------------

TEST_F(Component, MountRendersAtOnceThenDidMount)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 7, "{\"title\":\"<b>News</b>\"}", 23, &c), PF_OK);
    ListSelf *s = static_cast<ListSelf *>(pf_component_self(c));
    EXPECT_EQ(s->did_mount, 1);
    EXPECT_EQ(pf_component_root(c), 7);
    EXPECT_EQ(pf_component_class_of(c), &list_class);
    ASSERT_EQ(fake_host_count(FAKE_DOM_PATCH), 1u);
    EXPECT_EQ(fake_host_nth(FAKE_DOM_PATCH, 0)->handle, 7);
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
    EXPECT_EQ(pf_component_render_count(c), 1u);
    // The title is text, not markup.
    const RefNode *h2 = dom.root()->children[0]->children[0];
    EXPECT_EQ(h2->children[0]->text, "<b>News</b>");
    // Initial state from create causes no second render.
    run_tick();
    EXPECT_EQ(fake_host_count(FAKE_DOM_PATCH), 1u);
}

TEST_F(Component, HundredStateUpdatesRenderOncePerFrame)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    unsigned long renders = pf_component_render_count(c);
    for (int i = 1; i <= 100; i++)
        ASSERT_EQ(pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(i)), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_DOM_PATCH), 1u);  // nothing before the frame
    fake_host_run_flush();
    EXPECT_EQ(fake_host_frame_requested(), 1);
    // More changes after the flush but before the frame join the same render.
    for (int i = 0; i < 5; i++)
        pf_component_invalidate(c);
    fake_host_run_frame();
    EXPECT_EQ(pf_component_render_count(c), renders + 1);
    ASSERT_EQ(fake_host_count(FAKE_DOM_PATCH), 2u);
    RefStats st;
    ASSERT_EQ(apply_patches(dom, 1, &st), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
    EXPECT_EQ(st.total, 1u);  // only the counter's text
    EXPECT_EQ(st.ops[PF_DOM_SET_TEXT], 1u);
    run_tick();
    EXPECT_EQ(pf_component_render_count(c), renders + 1);
    EXPECT_EQ(fake_host_frame_requested(), 0);
}

TEST_F(Component, MessagesFromTheConnectionUpdateTheList)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 3, "{\"connect\":true}", 16, &c), PF_OK);
    ListSelf *s = static_cast<ListSelf *>(pf_component_self(c));
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    const fake_effect *open = fake_host_last(FAKE_WS_OPEN);
    EXPECT_STREQ(open->text, "/ws/posts");
    int32_t ws = open->handle;
    EXPECT_EQ(s->last_state, PF_WS_CONNECTING);
    pf_io_opened(ws);
    EXPECT_EQ(s->last_state, PF_WS_OPEN);
    EXPECT_NE(pf_component_ws(c), nullptr);
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    for (int i = 1; i <= 3; i++) {
        std::string m = "{\"type\":\"post_created\",\"post\":{\"id\":" + std::to_string(i) +
                        ",\"title\":\"<script>alert(" + std::to_string(i) + ")</script>\"}}";
        pf_io_message(ws, m.data(), m.size());
    }
    pf_io_message(ws, "not json", 8);
    EXPECT_EQ(s->messages, 3);
    EXPECT_GE(fake_host_count(FAKE_LOG), 1u);
    run_tick();
    ASSERT_EQ(fake_host_count(FAKE_DOM_PATCH), 2u);
    ASSERT_EQ(apply_patches(dom, 1), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
    const RefNode *posts = dom.root()->children[0]->children[2];
    ASSERT_EQ(posts->children.size(), 3u);
    EXPECT_EQ(posts->children[0]->attrs.at("data-id"), "3");
    EXPECT_EQ(posts->children[0]->children[0]->children[0]->text, "<script>alert(3)</script>");

    // A deletion is one REMOVE.
    const char del[] = "{\"type\":\"post_deleted\",\"post_id\":2}";
    EXPECT_EQ(pf_component_deliver(c, del, sizeof del - 1), PF_OK);
    EXPECT_EQ(pf_component_deliver(c, "{", 1), PF_EJSON);
    run_tick();
    RefStats st;
    ASSERT_EQ(apply_patches(dom, 2, &st), "");
    EXPECT_EQ(st.total, 1u);
    EXPECT_EQ(st.ops[PF_DOM_REMOVE], 1u);

    // Sending goes to the same socket.
    EXPECT_EQ(pf_component_ws_send(c, "{}", 2), PF_OK);
    EXPECT_EQ(fake_host_last(FAKE_WS_SEND)->handle, ws);

    // The server can ask for a resync.
    const char resync[] = "{\"type\":\"resync\"}";
    pf_io_message(ws, resync, sizeof resync - 1);
    EXPECT_EQ(s->resyncs, 1);

    // A dropped link is reported and retried; sends wait in the outbox.
    pf_io_closed(ws, 1006, "", 0);
    EXPECT_EQ(s->last_state, PF_WS_RECONNECTING);
    EXPECT_EQ(pf_component_ws_send(c, "{\"q\":1}", 7), PF_OK);
    EXPECT_EQ(pf_ws_outbox_len(pf_component_ws(c)), 1u);
    fake_host_advance(60000);
    EXPECT_GE(fake_host_count(FAKE_WS_OPEN), 2u);  // retried (and timed out again)
    pf_component_ws_close(c);
    EXPECT_EQ(pf_component_ws(c), nullptr);
    EXPECT_EQ(pf_component_ws_send(c, "{}", 2), PF_ESTATE);
}

TEST_F(Component, EventsAreRoutedWithHandlerKeyValueAndSelection)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    ListSelf *s = static_cast<ListSelf *>(pf_component_self(c));
    const char m[] = "{\"type\":\"post_created\",\"post\":{\"id\":42,\"title\":\"t\"}}";
    pf_component_deliver(c, m, sizeof m - 1);
    run_tick();
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");

    const pf_vnode *root = pf_vdom_root(pf_component_tree(c));
    const pf_vnode *remove = find_by_attr(root->first_child, "data-on-click", "remove");
    ASSERT_NE(remove, nullptr);
    EXPECT_EQ(pf_component_dispatch(1, remove->id, "click", 5, nullptr, 0, -1, -1), PF_OK);
    EXPECT_EQ(s->last_handler, "remove");
    EXPECT_EQ(s->last_key, "42");  // the article the button is in
    EXPECT_EQ(s->last_type, "click");
    EXPECT_EQ(s->last_sel_start, -1);

    const pf_vnode *toggle = find_by_attr(root->first_child, "data-on-click", "toggle");
    ASSERT_NE(toggle, nullptr);
    uint32_t toggle_id = toggle->id;  // the node itself goes with the next render
    EXPECT_EQ(pf_component_dispatch(1, toggle_id, "click", 5, nullptr, 0, -1, -1), PF_OK);
    EXPECT_EQ(s->last_key, "<none>");

    // Typing in the editor: value and selection reach the component; its
    // intended value follows, and the render writes it once (the applier
    // skips an equal value, so the caret stays).
    const pf_vnode *editor = find_by_attr(root->first_child, "data-on-input", "edit");
    ASSERT_NE(editor, nullptr);
    uint32_t editor_id = editor->id;
    dom.mutable_node(editor_id)->value = "hello";
    size_t before = fake_host_count(FAKE_DOM_PATCH);
    EXPECT_EQ(pf_component_dispatch(1, editor_id, "input", 5, "hello", 5, 5, 5), PF_OK);
    EXPECT_EQ(s->last_value, "hello");
    EXPECT_EQ(s->last_sel_start, 5);
    EXPECT_EQ(s->last_sel_end, 5);
    run_tick();
    RefStats st;
    ASSERT_EQ(apply_patches(dom, before, &st), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
    EXPECT_EQ(dom.node(editor_id)->value, "hello");
    EXPECT_EQ(pf_vdom_find(pf_component_tree(c), editor_id), find_by_attr(pf_vdom_root(pf_component_tree(c))->first_child, "data-on-input", "edit"));

    // Undeclared handlers, unknown nodes and roots are refused.
    int events = s->events;
    EXPECT_EQ(pf_component_dispatch(1, editor_id, "click", 5, nullptr, 0, -1, -1), PF_ENOTFOUND);
    EXPECT_EQ(pf_component_dispatch(1, 99999, "click", 5, nullptr, 0, -1, -1), PF_ENOTFOUND);
    EXPECT_EQ(pf_component_dispatch(1, 0, "click", 5, nullptr, 0, -1, -1), PF_ENOTFOUND);
    EXPECT_EQ(pf_component_dispatch(2, toggle_id, "click", 5, nullptr, 0, -1, -1), PF_ENOTFOUND);
    EXPECT_EQ(pf_component_dispatch(1, toggle_id, "", 0, nullptr, 0, -1, -1), PF_EINVAL);
    EXPECT_EQ(pf_component_dispatch(1, toggle_id, nullptr, 5, nullptr, 0, -1, -1), PF_EINVAL);
    std::string long_type(40, 'a');
    EXPECT_EQ(pf_component_dispatch(1, toggle_id, long_type.data(), long_type.size(), nullptr, 0, -1, -1), PF_EINVAL);
    EXPECT_EQ(s->events, events);
}

TEST_F(Component, MirroredValueCanBeClearedAfterTyping)
{
    // The chat input: the user types, the component mirrors it (edit), then
    // clears it after sending. The clear is a change of intent, so written.
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    uint32_t editor = find_by_attr(pf_vdom_root(pf_component_tree(c))->first_child, "data-on-input", "edit")->id;
    for (const char *typed : { "h", "he", "hello" }) {
        dom.mutable_node(editor)->value = typed;
        ASSERT_EQ(pf_component_dispatch(1, editor, "input", 5, typed, strlen(typed), -1, -1), PF_OK);
    }
    run_tick();
    ASSERT_EQ(apply_patches(dom, 1), "");
    EXPECT_EQ(dom.node(editor)->value, "hello");
    size_t before = fake_host_count(FAKE_DOM_PATCH);
    const char m[] = "{\"type\":\"clear\"}";
    pf_component_deliver(c, m, sizeof m - 1);
    run_tick();
    RefStats st;
    ASSERT_EQ(apply_patches(dom, before, &st), "");
    EXPECT_EQ(st.ops[PF_DOM_SET_VALUE], 1u);
    EXPECT_EQ(dom.node(editor)->value, "");
}

TEST_F(Component, TypedThenClearedInOneFrameIsStillCleared)
{
    // Typing and sending within one animation frame (a paste and Enter, a
    // fast test driver): the state goes "" -> "x" -> "" before any render,
    // so the intended value did not change, but the DOM's did. The render
    // must still clear the control.
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    uint32_t editor = find_by_attr(pf_vdom_root(pf_component_tree(c))->first_child, "data-on-input", "edit")->id;
    dom.mutable_node(editor)->value = "typed";
    ASSERT_EQ(pf_component_dispatch(1, editor, "input", 5, "typed", 5, -1, -1), PF_OK);
    size_t before = fake_host_count(FAKE_DOM_PATCH);
    const char m[] = "{\"type\":\"clear\"}";
    pf_component_deliver(c, m, sizeof m - 1);
    run_tick();
    RefStats st;
    ASSERT_EQ(apply_patches(dom, before, &st), "");
    EXPECT_EQ(st.ops[PF_DOM_SET_VALUE], 1u);
    EXPECT_EQ(dom.node(editor)->value, "");
}

TEST_F(Component, FailedRenderKeepsTheDom)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    size_t logs = fake_host_count(FAKE_LOG);
    pf_state_update(pf_component_state(c), "bad", cJSON_CreateTrue());
    run_tick();
    EXPECT_EQ(fake_host_count(FAKE_DOM_PATCH), 1u);
    EXPECT_EQ(pf_component_last_error(c), PF_EUNSAFE);
    EXPECT_GT(fake_host_count(FAKE_LOG), logs);
    EXPECT_EQ(fake_host_last(FAKE_LOG)->code, PF_LOG_ERROR);
    // It says why (it logged "ok": the builder's reset wiped the reason).
    EXPECT_NE(std::string(fake_host_last(FAKE_LOG)->text), "ok");
    EXPECT_NE(std::string(fake_host_last(FAKE_LOG)->text).find("refused"), std::string::npos)
        << fake_host_last(FAKE_LOG)->text;
    // Recovery: the next good render diffs against the last good tree.
    pf_state_update(pf_component_state(c), "bad", cJSON_CreateFalse());
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(9));
    run_tick();
    EXPECT_EQ(pf_component_last_error(c), PF_OK);
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
}

TEST_F(Component, BrowserCallsAreANarrowSet)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 4, nullptr, 0, &c), PF_OK);
    const char args[] = "{\"title\":\"New\",\"body\":\"</script>\"}";
    EXPECT_EQ(pf_component_call(c, "notify", args, sizeof args - 1), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_CALL), 1u);
    EXPECT_STREQ(fake_host_last(FAKE_CALL)->name, "notify");
    EXPECT_EQ(fake_host_last(FAKE_CALL)->handle, 4);
    EXPECT_STREQ(fake_host_last(FAKE_CALL)->text, args);
    EXPECT_EQ(pf_component_call(c, "focus", nullptr, 0), PF_OK);
    EXPECT_STREQ(fake_host_last(FAKE_CALL)->text, "{}");
    EXPECT_EQ(pf_component_call(c, "eval", "{}", 2), PF_EINVAL);
    EXPECT_EQ(pf_component_call(c, "execute_js", "{}", 2), PF_EINVAL);
    EXPECT_EQ(pf_component_call(c, "notify", "{", 1), PF_EJSON);
    EXPECT_EQ(pf_component_call(c, "notify", "[1]", 3), PF_ETYPE);
    EXPECT_EQ(fake_host_count(FAKE_CALL), 2u);
    EXPECT_EQ(pf_component_emit(c, "changed", "{\"n\":1}", 7), PF_OK);
    EXPECT_STREQ(fake_host_last(FAKE_EMIT)->name, "changed");
    EXPECT_EQ(pf_component_emit(c, "changed", "{oops", 5), PF_EJSON);
    EXPECT_EQ(pf_component_emit(c, "", nullptr, 0), PF_EINVAL);
}

TEST_F(Component, UnmountCleansUpEverything)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 5, "{\"connect\":true}", 16, &c), PF_OK);
    int32_t ws = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(ws); // open: only the idle timeout closes it after the unmount
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(3));
    fake_host_run_flush();  // a render is now scheduled for the frame
    ASSERT_EQ(fake_host_frame_requested(), 1);
    size_t patches = fake_host_count(FAKE_DOM_PATCH);
    EXPECT_EQ(pf_component_unmount(c), PF_OK);
    EXPECT_EQ(g_will_unmount, 1);
    EXPECT_EQ(g_destroyed, 1);
    EXPECT_EQ(pf_component_count(), 0u);
    // The shared socket outlives its last user by the idle timeout.
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    fake_host_advance(30000);
    ASSERT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(fake_host_last(FAKE_WS_CLOSE)->handle, ws);
    EXPECT_EQ(pf_component_pool_connections(), 0u);
    ASSERT_EQ(fake_host_count(FAKE_DOM_PATCH), patches + 1);
    ASSERT_EQ(apply_patches(dom, patches), "");
    EXPECT_EQ(dom.root()->children.size(), 0u);
    EXPECT_EQ(dom.live_ids(), 1u);
    fake_host_run_frame();  // the cancelled render does not run
    EXPECT_EQ(fake_host_count(FAKE_DOM_PATCH), patches + 1);
    pf_io_message(ws, "{}", 2);  // late frames for the old socket are dropped
    // The root can be mounted again.
    ASSERT_EQ(pf_component_mount("TestList", 5, nullptr, 0, &c), PF_OK);
}

TEST_F(Component, CannotUnmountItselfFromACallback)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    ListSelf *s = static_cast<ListSelf *>(pf_component_self(c));
    const char m[] = "{\"type\":\"unmount_me\"}";
    pf_component_deliver(c, m, sizeof m - 1);
    EXPECT_EQ(s->unmount_self_rc, PF_ESTATE);
    EXPECT_EQ(pf_component_count(), 1u);
}

TEST_F(Component, ThousandMountUnmountCycles)
{
    // Leaks show up in LeakSanitizer's report at exit.
    for (int i = 0; i < 1000; i++) {
        pf_component *c = nullptr;
        // Ten URLs in turn over the pool's eight sockets: every mount opens
        // a new one (evicting the oldest idle socket), so unmounts happen
        // while connecting and while open, as without the pool.
        std::string props = "{\"connect\":true,\"title\":\"t\",\"url\":\"/ws/t" + std::to_string(i % 10) + "\"}";
        ASSERT_EQ(pf_component_mount("TestList", 10 + (i % 3), props.data(), props.size(), &c), PF_OK);
        ASSERT_NE(fake_host_last(FAKE_WS_OPEN), nullptr);
        const char m[] = "{\"type\":\"post_created\",\"post\":{\"id\":1,\"title\":\"a\"}}";
        int32_t ws = fake_host_last(FAKE_WS_OPEN)->handle;
        if (i % 4)
            pf_io_opened(ws);  // and sometimes unmount while still connecting
        pf_io_message(ws, m, sizeof m - 1);
        if (i % 2)
            run_tick();
        else
            fake_host_run_flush();  // leave a render pending across unmount
        ASSERT_EQ(pf_component_unmount(c), PF_OK);
        if (i % 100 == 99)
            fake_host_clear_effects();
    }
    EXPECT_EQ(pf_component_count(), 0u);
    EXPECT_EQ(g_destroyed, 1000);
    EXPECT_EQ(g_will_unmount, 1000);
    EXPECT_EQ(pf_component_pool_connections(), 8u);
    run_tick();
}

// ---- shared connections (the connection pool) ---------------------------------

namespace {

ListSelf *self_of(pf_component *c) { return static_cast<ListSelf *>(pf_component_self(c)); }

TEST_F(Component, TwoComponentsOnOneUrlShareOneSocket)
{
    pf_component *a = nullptr, *b = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    ASSERT_EQ(pf_component_mount("TestList", 2, "{\"connect\":true}", 16, &b), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    EXPECT_EQ(pf_component_ws(a), pf_component_ws(b));
    EXPECT_EQ(self_of(b)->last_state, PF_WS_CONNECTING); // told where the socket stands
    EXPECT_EQ(self_of(b)->last_cause, PF_WS_CAUSE_SHARED);
    int32_t ws = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(ws);
    EXPECT_EQ(self_of(a)->last_state, PF_WS_OPEN);
    EXPECT_EQ(self_of(b)->last_state, PF_WS_OPEN);
    const char m1[] = "{\"type\":\"post_created\",\"post\":{\"id\":1,\"title\":\"a\"},\"seq\":1}";
    pf_io_message(ws, m1, sizeof m1 - 1);
    EXPECT_EQ(self_of(a)->messages, 1);
    EXPECT_EQ(self_of(b)->messages, 1);

    // Both send through the one socket.
    EXPECT_EQ(pf_component_ws_send(a, "{\"text\":\"a\"}", 12), PF_OK);
    EXPECT_EQ(pf_component_ws_send(b, "{\"text\":\"b\"}", 12), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_WS_SEND), 2u);
    EXPECT_EQ(fake_host_nth(FAKE_WS_SEND, 0)->handle, ws);
    EXPECT_EQ(fake_host_nth(FAKE_WS_SEND, 1)->handle, ws);

    // Unmounting one leaves the socket to the other.
    ASSERT_EQ(pf_component_unmount(a), PF_OK);
    fake_host_advance(60000);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    const char m2[] = "{\"type\":\"post_created\",\"post\":{\"id\":2,\"title\":\"b\"},\"seq\":2}";
    pf_io_message(ws, m2, sizeof m2 - 1);
    EXPECT_EQ(self_of(b)->messages, 2);

    // A drop and its retry reach the remaining component; sends queue.
    pf_io_closed(ws, 1006, "", 0);
    EXPECT_EQ(self_of(b)->last_state, PF_WS_RECONNECTING);
    EXPECT_EQ(pf_component_ws_send(b, "{\"q\":1}", 7), PF_OK);
    EXPECT_EQ(pf_ws_outbox_len(pf_component_ws(b)), 1u);

    // The last one leaving closes it, after the idle timeout only.
    ASSERT_EQ(pf_component_unmount(b), PF_OK);
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    fake_host_advance(30000);
    EXPECT_EQ(pf_component_pool_connections(), 0u);
}

TEST_F(Component, LateJoinerIsReplayedTheInitialStateAndWhatFollowed)
{
    pf_component *a = nullptr, *b = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    int32_t ws = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(ws);
    const std::vector<std::string> frames = {
        "{\"type\":\"hello\"}", // before the initial state: not kept
        "{\"type\":\"snapshot\",\"posts\":[],\"seq\":4}",
        "{\"type\":\"post_created\",\"post\":{\"id\":5,\"title\":\"x\"},\"seq\":5}",
        "{\"type\":\"post_deleted\",\"post_id\":5,\"seq\":6}",
    };
    for (const std::string &f : frames)
        pf_io_message(ws, f.data(), f.size());
    ASSERT_EQ(pf_component_mount("TestList", 2, "{\"connect\":true}", 16, &b), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    EXPECT_EQ(self_of(b)->last_state, PF_WS_OPEN);
    EXPECT_EQ(self_of(b)->last_cause, PF_WS_CAUSE_SHARED);
    EXPECT_EQ(self_of(b)->raw, std::vector<std::string>(frames.begin() + 1, frames.end()));
    const char m[] = "{\"type\":\"post_created\",\"post\":{\"id\":7,\"title\":\"y\"},\"seq\":7}";
    pf_io_message(ws, m, sizeof m - 1);
    EXPECT_EQ(self_of(a)->raw.back(), m);
    EXPECT_EQ(self_of(b)->raw.back(), m);
    EXPECT_EQ(self_of(a)->raw.size(), 5u);
    EXPECT_EQ(self_of(b)->raw.size(), 4u);
}

TEST_F(Component, LateJoinerGetsAResyncWhenTooMuchCameSince)
{
    pf_component *a = nullptr, *b = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    int32_t ws = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(ws);
    const char snap[] = "{\"type\":\"snapshot\",\"posts\":[],\"seq\":0}";
    pf_io_message(ws, snap, sizeof snap - 1);
    for (int i = 1; i <= 600; i++) {
        std::string f = "{\"type\":\"clear\",\"seq\":" + std::to_string(i) + "}";
        pf_io_message(ws, f.data(), f.size());
    }
    EXPECT_EQ(self_of(a)->messages, 601);
    ASSERT_EQ(pf_component_mount("TestList", 2, "{\"connect\":true}", 16, &b), PF_OK);
    EXPECT_EQ(self_of(b)->messages, 0);
    EXPECT_EQ(self_of(b)->resyncs, 1);
}

TEST_F(Component, DifferentUrlsOrOptionsGetTheirOwnSockets)
{
    pf_component *a = nullptr, *b = nullptr, *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    const char p2[] = "{\"connect\":true,\"url\":\"/ws/room/2\"}";
    ASSERT_EQ(pf_component_mount("TestList", 2, p2, sizeof p2 - 1, &b), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    ASSERT_EQ(pf_component_mount("TestList", 3, nullptr, 0, &c), PF_OK);
    pf_ws_opts o = {};
    o.no_outbox = 1;
    ASSERT_EQ(pf_component_ws_connect(c, "/ws/posts", 9, &o), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 3u);
    EXPECT_NE(pf_component_ws(c), pf_component_ws(a));
    // Explicit default options are the defaults: shared.
    pf_ws_opts d = {};
    d.connect_timeout_ms = 10000;
    ASSERT_EQ(pf_component_ws_connect(c, "/ws/posts", 9, &d), PF_OK);
    EXPECT_EQ(pf_component_ws(c), pf_component_ws(a));
    // A private socket is never shared.
    ASSERT_EQ(pf_component_ws_connect_private(c, "/ws/posts", 9, nullptr), PF_OK);
    EXPECT_NE(pf_component_ws(c), pf_component_ws(a));
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 4u);
    EXPECT_EQ(pf_component_pool_connections(), 3u); // posts, room 2, posts without outbox (idle)
}

TEST_F(Component, PoolLimitsConnectionsAndReusesIdleOnes)
{
    ASSERT_EQ(pf_component_pool_configure(1, 500), PF_OK);
    pf_component *a = nullptr, *b = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    EXPECT_EQ(pf_component_pool_configure(2, 500), PF_ESTATE); // a socket is held
    ASSERT_EQ(pf_component_mount("TestList", 2, nullptr, 0, &b), PF_OK);
    // Full of sockets in use: b gets a socket of its own, outside the pool,
    // and works like any other.
    ASSERT_EQ(pf_component_ws_connect(b, "/ws/room/2", 10, nullptr), PF_OK);
    ASSERT_NE(pf_component_ws(b), nullptr);
    EXPECT_NE(pf_component_ws(b), pf_component_ws(a));
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    pf_io_opened(fake_host_last(FAKE_WS_OPEN)->handle);
    EXPECT_EQ(pf_component_ws_send(b, "{}", 2), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_SEND), 1u);
    // Closing it closes the socket at once (it is nobody else's).
    pf_component_ws_close(b);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    fake_host_clear_effects();
    // Once the first leaves, its idle socket gives way at once.
    pf_component_ws_close(a);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);
    EXPECT_EQ(pf_component_ws_connect(b, "/ws/room/2", 10, nullptr), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 1u);
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    // Idle timeout as configured.
    pf_component_ws_close(b);
    fake_host_advance(499);
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    fake_host_advance(1);
    EXPECT_EQ(pf_component_pool_connections(), 0u);
}

int g_full_events;
void count_full_event(void *ud, const pf_sse_message *m)
{
    (void)ud;
    (void)m;
    g_full_events++;
}

TEST_F(Component, FullPoolGivesAnEventStreamOfItsOwn)
{
    ASSERT_EQ(pf_component_pool_configure(1, 500), PF_OK);
    pf_component *a = nullptr, *b = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    ASSERT_EQ(pf_component_mount("TestList", 2, nullptr, 0, &b), PF_OK);
    g_full_events = 0;
    const pf_pool_sse_callbacks cb = {nullptr, count_full_event, nullptr, nullptr};
    ASSERT_EQ(pf_component_sse_connect(b, "/events/x", 9, nullptr, "7", 1, &cb, nullptr), PF_OK);
    ASSERT_NE(pf_component_sse(b), nullptr);
    EXPECT_EQ(pf_component_pool_connections(), 1u); // the socket of a only
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    const fake_effect *open = fake_host_last(FAKE_SSE_OPEN);
    EXPECT_NE(strstr(open->text, "last_event_id=7"), nullptr) << open->text;
    pf_io_opened(open->handle);
    pf_io_sse(open->handle, "notification", 12, "8", 1, "{\"id\":8}", 8, -1);
    EXPECT_EQ(g_full_events, 1);
    // Nobody else's: closing ends it at once, and unmount frees it.
    pf_component_sse_close(b);
    EXPECT_EQ(pf_component_sse(b), nullptr);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    ASSERT_EQ(pf_component_sse_connect(b, "/events/x", 9, nullptr, nullptr, 0, &cb, nullptr), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_EQ(pf_component_unmount(b), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 2u);
}

} // namespace

// ---- the app's token provider for shared connections (issue #4) ----------

namespace {

std::vector<std::string> g_token_asks;

void record_token_ask(void *ud, const char *url, size_t len)
{
    (void)ud;
    g_token_asks.emplace_back(url, len);
}

} // namespace

TEST_F(Component, SharedSocketAsksTheTokenProviderOnceOn4001)
{
    g_token_asks.clear();
    pf_component_set_token_provider(record_token_ask, nullptr);
    pf_component *a = nullptr, *b = nullptr;
    const char props[] = "{\"connect\":true,\"url\":\"/ws/posts?token=old\"}";
    ASSERT_EQ(pf_component_mount("TestList", 1, props, sizeof props - 1, &a), PF_OK);
    ASSERT_EQ(pf_component_mount("TestList", 2, props, sizeof props - 1, &b), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    pf_io_opened(fake_host_last(FAKE_WS_OPEN)->handle);
    pf_io_closed(fake_host_last(FAKE_WS_OPEN)->handle, 4001, "Authentication required", 23);
    // Asked once for the shared socket, not once per component.
    ASSERT_EQ(g_token_asks, std::vector<std::string>{ "/ws/posts?token=old" });
    EXPECT_EQ(self_of(a)->last_state, PF_WS_AUTH_FAILED);
    EXPECT_EQ(self_of(b)->last_state, PF_WS_AUTH_FAILED);
    fake_host_advance(60000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u); // it waits for the answer
    // The fresh token replaces the one in the URL.
    ASSERT_EQ(pf_component_pool_set_token("fresh", 5), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/posts?token=fresh");
    pf_io_opened(fake_host_last(FAKE_WS_OPEN)->handle);
    EXPECT_EQ(self_of(a)->last_state, PF_WS_OPEN);
    EXPECT_EQ(self_of(b)->last_state, PF_WS_OPEN);
    // Refused again at once: no second ask, no loop.
    pf_io_closed(fake_host_last(FAKE_WS_OPEN)->handle, 4001, "", 0);
    EXPECT_EQ(g_token_asks.size(), 1u);
    EXPECT_EQ(self_of(b)->last_state, PF_WS_AUTH_FAILED);
    fake_host_advance(120000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    pf_component_set_token_provider(nullptr, nullptr);
}

TEST_F(Component, OwnSocketOfAFullPoolFollowsTheSharedToken)
{
    // A component that found the pool full has a socket of its own, which
    // takes the shared token, asks the provider after a 4001 and takes the
    // fresh token as the shared sockets do. (a's shared socket never opens
    // here and retries on its own: the opens counted are those of b's URL.)
    auto opens_of = [](const char *prefix) {
        size_t n = 0;
        for (size_t i = 0; i < fake_host_count(FAKE_WS_OPEN); i++)
            n += strncmp(fake_host_nth(FAKE_WS_OPEN, i)->text, prefix, strlen(prefix)) == 0;
        return n;
    };
    g_token_asks.clear();
    pf_component_set_token_provider(record_token_ask, nullptr);
    ASSERT_EQ(pf_component_pool_configure(1, 500), PF_OK);
    pf_component *a = nullptr, *b = nullptr, *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    ASSERT_EQ(pf_component_pool_set_token("t1", 2), PF_OK);
    ASSERT_EQ(pf_component_mount("TestList", 2, nullptr, 0, &b), PF_OK);
    ASSERT_EQ(pf_component_ws_connect(b, "/ws/room/2?token=old", 20, nullptr), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/room/2?token=t1");
    int32_t hb = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(hb);
    pf_io_closed(hb, 4001, "", 0);
    ASSERT_EQ(g_token_asks, std::vector<std::string>{ "/ws/room/2?token=old" });
    EXPECT_EQ(self_of(b)->last_state, PF_WS_AUTH_FAILED);
    fake_host_advance(60000);
    EXPECT_EQ(opens_of("/ws/room/2"), 1u); // it waits for the answer
    ASSERT_EQ(pf_component_pool_set_token("fresh", 5), PF_OK);
    ASSERT_EQ(opens_of("/ws/room/2"), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/room/2?token=fresh");
    pf_io_opened(fake_host_last(FAKE_WS_OPEN)->handle);
    EXPECT_EQ(self_of(b)->last_state, PF_WS_OPEN);
    // A socket the component asked to be private keeps its own credentials.
    ASSERT_EQ(pf_component_mount("TestList", 3, nullptr, 0, &c), PF_OK);
    ASSERT_EQ(pf_component_ws_connect_private(c, "/ws/room/3?token=mine", 21, nullptr), PF_OK);
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/room/3?token=mine");
    pf_io_opened(fake_host_last(FAKE_WS_OPEN)->handle);
    pf_io_closed(fake_host_last(FAKE_WS_OPEN)->handle, 4001, "", 0);
    EXPECT_EQ(g_token_asks.size(), 1u);
    EXPECT_EQ(self_of(c)->last_state, PF_WS_AUTH_FAILED);
    ASSERT_EQ(pf_component_pool_set_token("fresh", 5), PF_OK);
    EXPECT_EQ(opens_of("/ws/room/3"), 1u);
    pf_component_set_token_provider(nullptr, nullptr);
}

namespace {
pf_component *g_unmount_target;
int g_unmount_rc = 1;
void unmount_from_provider(void *ud, const char *url, size_t len)
{
    (void)ud;
    (void)url;
    (void)len;
    g_unmount_rc = pf_component_unmount(g_unmount_target);
}
} // namespace

TEST_F(Component, TokenProviderCannotUnmountTheComponentItIsAskedFor)
{
    // The provider is app code called from the component's own socket: it
    // may not free the component under that socket's callback.
    ASSERT_EQ(pf_component_pool_configure(1, 500), PF_OK);
    pf_component *a = nullptr, *b = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    ASSERT_EQ(pf_component_mount("TestList", 2, nullptr, 0, &b), PF_OK);
    ASSERT_EQ(pf_component_ws_connect(b, "/ws/room/2", 10, nullptr), PF_OK);
    g_unmount_target = b;
    g_unmount_rc = 1;
    pf_component_set_token_provider(unmount_from_provider, nullptr);
    int32_t hb = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(hb);
    pf_io_closed(hb, 4001, "", 0);
    EXPECT_EQ(g_unmount_rc, PF_ESTATE);
    EXPECT_EQ(pf_component_find(2), b);
    pf_component_set_token_provider(nullptr, nullptr);
    EXPECT_EQ(pf_component_unmount(b), PF_OK);
}

TEST_F(Component, OwnEventStreamOfAFullPoolFollowsTheSharedToken)
{
    g_token_asks.clear();
    pf_component_set_token_provider(record_token_ask, nullptr);
    ASSERT_EQ(pf_component_pool_configure(1, 500), PF_OK);
    pf_component *a = nullptr, *b = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    ASSERT_EQ(pf_component_pool_set_token("t1", 2), PF_OK);
    ASSERT_EQ(pf_component_mount("TestList", 2, nullptr, 0, &b), PF_OK);
    const pf_pool_sse_callbacks cb = {nullptr, count_full_event, nullptr, nullptr};
    ASSERT_EQ(pf_component_sse_connect(b, "/events/x?token=old", 19, nullptr, nullptr, 0, &cb, nullptr), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/x?token=t1");
    pf_io_error(fake_host_last(FAKE_SSE_OPEN)->handle, 401);
    ASSERT_EQ(g_token_asks, std::vector<std::string>{ "/events/x?token=old" });
    fake_host_advance(60000);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    ASSERT_EQ(pf_component_pool_set_token("fresh", 5), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/x?token=fresh");
    pf_component_set_token_provider(nullptr, nullptr);
}

TEST_F(Component, SharedSocketWithoutATokenProviderStopsOn4001)
{
    pf_component *a = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, "{\"connect\":true}", 16, &a), PF_OK);
    pf_io_opened(fake_host_last(FAKE_WS_OPEN)->handle);
    pf_io_closed(fake_host_last(FAKE_WS_OPEN)->handle, 4001, "", 0);
    EXPECT_EQ(self_of(a)->last_state, PF_WS_AUTH_FAILED);
    fake_host_advance(120000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
}

// ---- page code that runs while a patch is applied ---------------------------

namespace {
struct PatchHook {
    int calls = 0;
    int unmount_rc = 1, flush_rc = 1;
    int fail_first = 0;  // patches to fail (the host emptied the root)
    bool unmount = false, flush = false;
};

int patch_hook(int32_t root, void *ud)
{
    PatchHook *h = static_cast<PatchHook *>(ud);
    h->calls++;
    // Chromium fires blur/focusout at once when a patch moves or removes the
    // focused element; a page listener may unmount or flush the component.
    if (h->unmount)
        h->unmount_rc = pf_component_unmount_root(root);
    if (h->flush) {
        h->flush = false;
        pf_component *c = pf_component_find(root);
        pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(7));
        h->flush_rc = pf_component_flush(c);
    }
    if (h->fail_first > 0) {
        h->fail_first--;
        return PF_EHOST;
    }
    return 0;
}
}  // namespace

// Unmounting from inside the patch freed the instance under
// pf_component_render_now (ASan: heap-use-after-free). It is refused like
// any unmount from the instance's own callbacks; the JS API retries it once
// the patch has returned, which succeeds.
TEST_F(Component, UnmountWhileItsPatchIsAppliedIsRefusedThenWorks)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    PatchHook h;
    h.unmount = true;
    fake_host_on_dom_patch(patch_hook, &h);
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(3));
    run_tick();
    EXPECT_EQ(h.calls, 1);
    EXPECT_EQ(h.unmount_rc, PF_ESTATE);
    EXPECT_EQ(pf_component_count(), 1u);
    EXPECT_EQ(pf_component_last_error(c), PF_OK);
    h.unmount = false;
    EXPECT_EQ(pf_component_unmount(c), PF_OK);
    EXPECT_EQ(pf_component_count(), 0u);
    EXPECT_EQ(g_destroyed, 1);
}

// A flush from inside the patch would diff against the tree being applied;
// it is deferred to the next frame instead, which renders the change.
TEST_F(Component, RenderRequestedWhileItsPatchIsAppliedComesNextFrame)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    PatchHook h;
    h.flush = true;
    fake_host_on_dom_patch(patch_hook, &h);
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(3));
    run_tick();
    EXPECT_EQ(h.flush_rc, PF_OK);
    EXPECT_EQ(h.calls, 1);  // no patch sent from inside the patch
    EXPECT_EQ(pf_component_render_count(c), 2u);
    run_tick();  // the next frame renders count 7
    EXPECT_EQ(h.calls, 2);
    EXPECT_EQ(pf_component_render_count(c), 3u);
    double count = 0;
    ASSERT_EQ(pf_state_get_number(pf_component_state(c), "count", &count), PF_OK);
    EXPECT_EQ(count, 7);
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, 0), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
}

// A patch the host could not apply (it emptied the root): the component
// sends its whole tree again at once, and later renders diff against it.
TEST_F(Component, APatchTheHostFailedIsFollowedByTheWholeTree)
{
    pf_component *c = nullptr;
    ASSERT_EQ(pf_component_mount("TestList", 1, nullptr, 0, &c), PF_OK);
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(2));
    run_tick();
    size_t before = fake_host_count(FAKE_DOM_PATCH);
    PatchHook h;
    h.fail_first = 1;
    fake_host_on_dom_patch(patch_hook, &h);
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(3));
    run_tick();
    EXPECT_EQ(h.calls, 2);
    ASSERT_EQ(fake_host_count(FAKE_DOM_PATCH), before + 2);
    EXPECT_EQ(pf_component_last_error(c), PF_OK);
    EXPECT_EQ(fake_host_last(FAKE_LOG)->code, PF_LOG_WARN);
    // The second patch alone builds the DOM: it starts from an empty root.
    RefDom dom;
    ASSERT_EQ(apply_patches(dom, before + 1), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
    pf_state_update(pf_component_state(c), "count", cJSON_CreateNumber(4));
    run_tick();
    ASSERT_EQ(apply_patches(dom, before + 2), "");
    EXPECT_EQ(dom.compare(pf_component_tree(c)), "");
}
