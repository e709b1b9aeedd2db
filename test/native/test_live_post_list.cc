// test_live_post_list.cc: the LivePostList component (components/
// pf_live_post_list.c) on the fake host: loading, snapshot or REST, live
// events, the connection indicator, the 100-character cut, hostile and
// malformed input, resync.
#include <gtest/gtest.h>

#include <string>

#include "live_component_util.h"

extern "C" {
#include "pf_ws.h"
extern const pf_component_class pf_live_post_list_class;
}

namespace {

std::string post_json(int id, const std::string &title, const std::string &created,
                      const std::string &content = "body", const std::string &author = "alice")
{
    return "{\"id\":" + std::to_string(id) + ",\"title\":" + lc_json_str(title) +
           ",\"content\":" + lc_json_str(content) + ",\"author_id\":3,\"author_name\":" +
           lc_json_str(author) + ",\"published\":true,\"created_at\":" + lc_json_str(created) +
           ",\"updated_at\":" + lc_json_str(created) + "}";
}

std::string ts(int minute)
{
    char b[40];
    snprintf(b, sizeof b, "2026-11-26T14:%02d:00.000Z", minute);
    return b;
}

class LivePostList : public ::testing::Test {
  protected:
    pf_component *c = nullptr;
    int32_t ws = 0;

    void SetUp() override
    {
        fake_host_reset();
        ASSERT_EQ(pf_component_register(&pf_live_post_list_class), PF_OK);
    }
    void TearDown() override
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }

    void mount(const std::string &props = "{}")
    {
        ASSERT_EQ(pf_component_mount("LivePostList", 1, props.data(), props.size(), &c), PF_OK);
        ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
        ws = fake_host_last(FAKE_WS_OPEN)->handle;
    }

    // Mounts, opens and loads a snapshot.
    void mount_loaded(const std::string &posts)
    {
        mount();
        pf_io_opened(ws);
        lc_ws(ws, "{\"type\":\"snapshot\",\"posts\":[" + posts + "],\"seq\":10}");
        lc_tick();
    }

    std::string html() { return lc_html(c); }
    std::vector<std::string> ids()
    {
        std::vector<std::string> out;
        const pf_vnode *posts = lc_find_in(c, "class", "posts");
        for (const pf_vnode *n = posts ? posts->first_child : nullptr; n; n = n->next)
            if (pf_vnode_attr(n, "data-id"))
                out.push_back(pf_vnode_attr(n, "data-id")->value);
        return out;
    }
    // The text of post `id`'s <p> (its content as shown).
    std::string content_of(const char *id)
    {
        const pf_vnode *a = lc_find_in(c, "data-id", id);
        if (!a)
            return "<none>";
        const pf_vnode *p = a->first_child->next;
        return p->first_child ? std::string(p->first_child->text, p->first_child->text_len) : "";
    }
};

}  // namespace

TEST_F(LivePostList, ShowsLoadingThenTheSnapshotNewestFirst)
{
    mount("{\"token\":\"a b&c\"}");
    EXPECT_EQ(html(), "<div class=\"loading\">Loading posts...</div>");
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/posts?token=a%20b%26c");
    pf_io_opened(ws);
    lc_ws(ws, "{\"type\":\"snapshot\",\"posts\":[" + post_json(1, "old", ts(1)) + "," +
                  post_json(3, "new", ts(30)) + "," + post_json(2, "mid", ts(10)) + "," +
                  post_json(4, "tie", ts(10)) + "],\"seq\":7}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "3", "4", "2", "1" }));
    std::string h = html();
    EXPECT_NE(h.find("<div class=\"status\" data-state=\"open\">\xF0\x9F\x9F\xA2 Live Updates</div>"),
              std::string::npos);
    EXPECT_NE(h.find("<article class=\"post\" data-id=\"3\"><h3>new</h3><p>body</p>"
                     "<small>By <span class=\"author\" dir=\"auto\">alice</span> \xE2\x80\xA2 "
                     "<time datetime=\"2026-11-26T14:30:00.000Z\">2026-11-26 14:30 UTC</time></small></article>"),
              std::string::npos);
    EXPECT_EQ(pf_ws_last_seq(pf_component_ws(c)), 7);
    // A snapshot came: no REST request, even later.
    fake_host_advance(10000);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 0u);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, LoadsOverRestWhenNoSnapshotComes)
{
    mount("{\"api\":\"http://api.example\"}");
    pf_io_opened(ws);
    fake_host_advance(1000);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 0u);
    fake_host_advance(600);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    const fake_effect *req = fake_host_last(FAKE_HTTP_REQUEST);
    EXPECT_STREQ(req->name, "GET");
    EXPECT_STREQ(req->text, "http://api.example/api/posts?published=true\n");
    lc_tick();
    EXPECT_NE(html().find("Loading posts..."), std::string::npos);  // still loading
    lc_http(req->handle, 200, "{\"posts\":[" + post_json(2, "b", ts(2)) + "," + post_json(1, "a", ts(1)) +
                                  "],\"seq\":41}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "2", "1" }));
    // The list's seq is the socket's resume position.
    EXPECT_EQ(pf_ws_last_seq(pf_component_ws(c)), 41);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, AcceptsAPlainArrayAndLoadsAtOnceFromACoreServer)
{
    mount();
    pf_io_opened(ws);
    // A core server sends no snapshot: the first frame is an event.
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(9, "live", ts(50)) + "}");
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    const fake_effect *req = fake_host_last(FAKE_HTTP_REQUEST);
    EXPECT_STREQ(req->text, "/api/posts?published=true\n");
    // Another event while the request is in flight.
    lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":1}");
    // The answer predates both events.
    lc_http(req->handle, 200, "[" + post_json(1, "a", ts(1)) + "," + post_json(2, "b", ts(2)) + "]");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "9", "2" }));
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, RestAnswerSeqFiltersEventsItAlreadyHas)
{
    mount();
    pf_io_opened(ws);
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(5, "five", ts(5)) + ",\"seq\":3}");
    lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":5,\"seq\":4}");
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(6, "six", ts(6)) + ",\"seq\":5}");
    const fake_effect *req = fake_host_last(FAKE_HTTP_REQUEST);
    // The list is at seq 4 (post 5 created and deleted); event 5 is new.
    lc_http(req->handle, 200, "{\"posts\":[" + post_json(1, "a", ts(1)) + "],\"seq\":4}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "6", "1" }));
}

TEST_F(LivePostList, LiveEventsCreateUpdateDelete)
{
    mount_loaded(post_json(1, "one", ts(1)) + "," + post_json(2, "two", ts(2)));
    EXPECT_EQ(ids(), (std::vector<std::string>{ "2", "1" }));
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(3, "three", ts(3)) + ",\"seq\":11}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "3", "2", "1" }));
    // No duplicate by id (a replay without seq).
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(3, "three again", ts(3)) + "}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "3", "2", "1" }));
    EXPECT_EQ(lc_count(html(), "three again"), 1u);
    // An update replaces in place, even with a changed created_at.
    size_t before = fake_host_count(FAKE_DOM_PATCH);
    lc_ws(ws, "{\"type\":\"post_updated\",\"post\":" + post_json(1, "one!", ts(59)) +
                  ",\"changes\":{\"title\":{\"old\":\"one\",\"new\":\"one!\"}},\"seq\":12}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "3", "2", "1" }));
    EXPECT_NE(html().find("<h3>one!</h3>"), std::string::npos);
    // Only that post's nodes changed.
    ASSERT_EQ(fake_host_count(FAKE_DOM_PATCH), before + 1);
    {
        RefDom dom;
        for (size_t i = 0; i < before; i++) {
            const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, i);
            ASSERT_EQ(dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len), "");
        }
        RefStats st;
        const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, before);
        ASSERT_EQ(dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len, &st), "");
        EXPECT_EQ(st.ops[PF_DOM_SET_TEXT], 2u);  // title and date
        EXPECT_EQ(st.ops[PF_DOM_SET_ATTR], 1u);  // the date's datetime
        EXPECT_EQ(st.total, 3u);
    }
    lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":2,\"seq\":13}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "3", "1" }));
    lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":3,\"seq\":14}");
    lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":1,\"seq\":15}");
    lc_tick();
    EXPECT_NE(html().find("<div class=\"posts\"><p>No posts yet.</p></div>"), std::string::npos);
    EXPECT_EQ(lc_num(c, "count"), 0);
    EXPECT_EQ(lc_check_patches(c), "");
}

// Found by fuzz/fuzz_live_post_list_script (a leak): a post created between
// two listed ones was neither shown nor freed, because Debian's cJSON
// refuses cJSON_InsertItemInArray anywhere but at index 0.
TEST_F(LivePostList, APostOlderThanTheNewestIsInsertedInItsPlace)
{
    mount_loaded(post_json(1, "one", ts(10)) + "," + post_json(2, "two", ts(30)));
    EXPECT_EQ(ids(), (std::vector<std::string>{ "2", "1" }));
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(3, "three", ts(20)) + ",\"seq\":11}");
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(4, "four", ts(5)) + ",\"seq\":12}");
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(5, "five", ts(15)) + ",\"seq\":13}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "2", "3", "5", "1", "4" }));
    EXPECT_EQ(lc_num(c, "count"), 5);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, IndicatorFollowsTheConnection)
{
    mount_loaded(post_json(1, "one", ts(1)));
    EXPECT_NE(html().find("\xF0\x9F\x9F\xA2 Live Updates"), std::string::npos);
    pf_io_closed(ws, 1006, "", 0);
    lc_tick();
    EXPECT_NE(html().find("<div class=\"status\" data-state=\"reconnecting\">\xF0\x9F\x94\xB4 Live Updates"),
              std::string::npos);
    EXPECT_EQ(ids(), (std::vector<std::string>{ "1" }));  // the list stays
    fake_host_advance(60000);
    int32_t ws2 = fake_host_last(FAKE_WS_OPEN)->handle;
    ASSERT_NE(ws2, ws);
    // It resumes from the snapshot's seq: no reload.
    EXPECT_NE(std::string(fake_host_last(FAKE_WS_OPEN)->text).find("since=10"), std::string::npos);
    pf_io_opened(ws2);
    lc_tick();
    EXPECT_NE(html().find("\xF0\x9F\x9F\xA2 Live Updates"), std::string::npos);
    fake_host_advance(5000);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 0u);
}

TEST_F(LivePostList, AuthFailureStillShowsThePosts)
{
    mount("{\"token\":\"bad\"}");
    pf_io_opened(ws);
    pf_io_closed(ws, 4001, "Authentication required", 23);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200, "[" + post_json(1, "one", ts(1)) + "]");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "1" }));
    EXPECT_NE(html().find("data-state=\"auth_failed\">\xF0\x9F\x94\xB4 Live Updates"), std::string::npos);
    fake_host_advance(120000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);  // no reconnect loop
}

TEST_F(LivePostList, RestErrorsAreShownAndRetried)
{
    mount();
    pf_io_closed(ws, 1006, "", 0);  // the socket cannot open
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 500, "{\"error\":\"boom\"}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("<p class=\"error\">Could not load posts (HTTP 500)</p>"), std::string::npos);
    EXPECT_NE(h.find("No posts yet."), std::string::npos);
    fake_host_advance(5000);
    ASSERT_GE(fake_host_count(FAKE_HTTP_REQUEST), 2u);
    const fake_effect *req = fake_host_last(FAKE_HTTP_REQUEST);
    lc_http(req->handle, 200, "{\"posts\":{\"not\":\"an array\"}}");
    lc_tick();
    EXPECT_NE(html().find("the answer has no list of posts"), std::string::npos);
    fake_host_advance(10000);
    req = fake_host_last(FAKE_HTTP_REQUEST);
    lc_http(req->handle, 200, "[1, 2, {\"id\":\"x\"}, " + post_json(5, "ok", ts(5)) + "] trailing");
    lc_tick();
    EXPECT_NE(html().find("not valid JSON"), std::string::npos);
    fake_host_advance(20000);
    req = fake_host_last(FAKE_HTTP_REQUEST);
    lc_http(req->handle, 200, "[1, 2, {\"id\":\"x\"}, " + post_json(5, "ok", ts(5)) + "]");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "5" }));
    EXPECT_EQ(html().find("class=\"error\""), std::string::npos);
    EXPECT_GE(lc_num(c, "ignored"), 1);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, ContentIsCutAtOneHundredCodePoints)
{
    std::string a100(100, 'a'), a101(101, 'a');
    std::string emoji, cjk, combining, family, flags;
    for (int i = 0; i < 150; i++)
        emoji += "\xF0\x9F\x98\x80";  // 😀
    for (int i = 0; i < 120; i++)
        cjk += "\xE4\xB8\xAD";  // 中
    // 99 letters, then e + COMBINING ACUTE ACCENT straddling the cut.
    combining = std::string(99, 'x') + "e\xCC\x81" + "tail";
    // 98 letters then 👩‍👩‍👧 (woman ZWJ woman ZWJ girl).
    family = std::string(98, 'y') + "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7" + "z";
    // 99 letters then a flag (two regional indicators) across the cut.
    flags = std::string(99, 'f') + "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7" + "!";
    mount_loaded(post_json(1, "t", ts(1), a100) + "," + post_json(2, "t", ts(2), a101) + "," +
                 post_json(3, "t", ts(3), emoji) + "," + post_json(4, "t", ts(4), cjk) + "," +
                 post_json(5, "t", ts(5), combining) + "," + post_json(6, "t", ts(6), family) + "," +
                 post_json(7, "t", ts(7), flags) + "," + post_json(8, "t", ts(8), ""));
    EXPECT_EQ(content_of("1"), a100);                       // not cut: no "..."
    EXPECT_EQ(content_of("2"), a100 + "...");
    std::string e100;
    for (int i = 0; i < 100; i++)
        e100 += "\xF0\x9F\x98\x80";
    EXPECT_EQ(content_of("3"), e100 + "...");
    EXPECT_EQ(content_of("4"), cjk.substr(0, 300) + "...");
    EXPECT_EQ(content_of("5"), std::string(99, 'x') + "...");  // the accent stays with its e
    EXPECT_EQ(content_of("6"), std::string(98, 'y') + "...");  // the family is not split
    EXPECT_EQ(content_of("7"), std::string(99, 'f') + "...");  // nor the flag
    EXPECT_EQ(content_of("8"), "");
}

TEST_F(LivePostList, HostileStringsInEveryFieldAreText)
{
    std::string posts;
    int id = 1;
    for (const char *h : kHostile) {
        if (!posts.empty())
            posts += ",";
        posts += post_json(id, h, h, h, h);
        id++;
    }
    mount_loaded(posts);
    std::string out = html();
    EXPECT_EQ(out.find("<script"), std::string::npos);
    EXPECT_EQ(out.find("<img"), std::string::npos);
    EXPECT_EQ(out.find("<a "), std::string::npos);
    EXPECT_EQ(out.find("<p>injected"), std::string::npos);
    EXPECT_NE(out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    // The DOM gets the strings as Text nodes, byte for byte (invalid UTF-8
    // replaced).
    RefDom dom;
    for (size_t i = 0; i < fake_host_count(FAKE_DOM_PATCH); i++) {
        const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, i);
        ASSERT_EQ(dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len), "");
    }
    ASSERT_EQ(dom.compare(pf_component_tree(c)), "");
    EXPECT_EQ(ids().size(), 6u);
    EXPECT_EQ(content_of("1"), "<script>alert(1)</script>");
    const pf_vnode *h3 = lc_find_in(c, "data-id", "2")->first_child;
    EXPECT_EQ(std::string(h3->first_child->text), "\"><img src=x onerror=alert(1)>");
    // Huge strings are fine too.
    std::string huge(200000, '<');  // three of them stay under the 1 MiB frame limit
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(99, huge, ts(59), huge, huge) + "}");
    lc_tick();
    EXPECT_EQ(content_of("99"), std::string(100, '<') + "...");
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, MalformedFramesAndWrongTypesAreIgnored)
{
    mount_loaded(post_json(1, "one", ts(1)));
    std::string before = html();
    const char *bad[] = {
        "not json",
        "[1,2,3]",
        "42",
        "{}",
        "{\"type\":5}",
        "{\"type\":\"mystery\",\"post\":{}}",
        "{\"type\":\"post_created\"}",
        "{\"type\":\"post_created\",\"post\":\"x\"}",
        "{\"type\":\"post_created\",\"post\":{\"id\":\"7\",\"title\":\"string id\"}}",
        "{\"type\":\"post_created\",\"post\":{\"id\":1.5}}",
        "{\"type\":\"post_updated\",\"post\":[]}",
        "{\"type\":\"post_deleted\",\"post_id\":\"1\"}",
        "{\"type\":\"post_deleted\"}",
        "{\"type\":\"snapshot\",\"posts\":{\"id\":1}}",
        "{\"type\":\"error\",\"code\":\"unknown_type\",\"message\":\"<b>\"}",
    };
    for (const char *b : bad)
        lc_ws(ws, b);
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "1" }));
    EXPECT_GE(lc_num(c, "ignored"), 10);
    // A bad snapshot leaves the list as it was.
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 0u);
    // Wrong field types become empty strings; the post still shows.
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":{\"id\":8,\"title\":{\"x\":1},\"content\":[1],"
              "\"author_name\":null,\"created_at\":12}}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "8", "1" }));
    EXPECT_NE(html().find("<article class=\"post\" data-id=\"8\"><h3></h3><p></p><small>By <span class=\"author\" dir=\"auto\"></span> \xE2\x80\xA2 </small>"),
              std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, ResyncKeepsTheOldListUntilTheNewOneArrives)
{
    mount_loaded(post_json(1, "one", ts(1)) + "," + post_json(2, "two", ts(2)));
    lc_ws(ws, "{\"type\":\"resync\"}");
    lc_tick();
    std::string h = html();
    EXPECT_EQ(h.find("Loading"), std::string::npos);  // no flicker
    EXPECT_EQ(ids(), (std::vector<std::string>{ "2", "1" }));
    lc_ws(ws, "{\"type\":\"snapshot\",\"posts\":[" + post_json(3, "three", ts(3)) + "],\"seq\":1}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "3" }));
    EXPECT_EQ(pf_ws_last_seq(pf_component_ws(c)), 1);

    // Without a snapshot after the resync, REST reloads; the old list
    // stays on screen meanwhile.
    lc_ws(ws, "{\"type\":\"resync\"}");
    fake_host_advance(1600);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "3" }));
    EXPECT_EQ(html().find("Loading"), std::string::npos);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"posts\":[" + post_json(4, "four", ts(4)) + "],\"seq\":2}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "4" }));
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(LivePostList, UnmountWithARequestInFlightAbortsIt)
{
    mount();
    pf_io_closed(ws, 1006, "", 0);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    int32_t h = fake_host_last(FAKE_HTTP_REQUEST)->handle;
    ASSERT_EQ(pf_component_unmount(c), PF_OK);
    c = nullptr;
    EXPECT_EQ(fake_host_count(FAKE_HTTP_ABORT), 1u);
    lc_http(h, 200, "[]");  // dropped: nobody listens
    fake_host_advance(100000);
}

// A post created with a date between two shown ones goes between them (and
// is owned by the list: LeakSanitizer checks it is freed). Debian's cJSON
// refuses cJSON_InsertItemInArray anywhere but at index 0, which dropped
// and leaked such posts before the component linked them itself.
TEST_F(LivePostList, PostsCreatedBetweenOthersAreInsertedInOrder)
{
    mount_loaded(post_json(5, "five", ts(50)) + "," + post_json(3, "three", ts(30)) + "," +
                 post_json(1, "one", ts(10)));
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(4, "four", ts(40)) + ",\"seq\":11}");
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(2, "two", ts(20)) + ",\"seq\":12}");
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(0, "zero", ts(5)) + ",\"seq\":13}");
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(6, "six", ts(55)) + ",\"seq\":14}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "6", "5", "4", "3", "2", "1", "0" }));
    EXPECT_EQ(lc_num(c, "count"), 7);
    // Updating and deleting in the middle keeps the links right.
    lc_ws(ws, "{\"type\":\"post_updated\",\"post\":" + post_json(2, "two!", ts(20)) + ",\"seq\":15}");
    lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":4,\"seq\":16}");
    lc_ws(ws, "{\"type\":\"post_deleted\",\"post_id\":0,\"seq\":17}");
    lc_ws(ws, "{\"type\":\"post_created\",\"post\":" + post_json(7, "seven", ts(1)) + ",\"seq\":18}");
    lc_tick();
    EXPECT_EQ(ids(), (std::vector<std::string>{ "6", "5", "3", "2", "1", "7" }));
    EXPECT_NE(html().find("two!"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}
