// test_notification_system.cc: the NotificationSystem component
// (components/pf_notification_system.c) on the fake host: REST load, the SSE
// stream, the badge, the panel, marking as read, browser notifications,
// hostile and malformed input.
#include <gtest/gtest.h>

#include <string>

#include "live_component_util.h"

extern "C" {
extern const pf_component_class pf_notification_system_class;
}

namespace {

std::string notif(int id, const std::string &title, bool read = false,
                  const std::string &message = "msg", const std::string &icon = "\xF0\x9F\x93\xA2")
{
    return "{\"id\":" + std::to_string(id) + ",\"user_id\":3,\"title\":" + lc_json_str(title) +
           ",\"message\":" + lc_json_str(message) + ",\"icon\":" + lc_json_str(icon) +
           ",\"read\":" + (read ? "true" : "false") + ",\"created_at\":\"2026-11-26T14:45:00.000Z\"}";
}

class Notification : public ::testing::Test {
  protected:
    pf_component *c = nullptr;
    int32_t sse = 0;

    void SetUp() override
    {
        fake_host_reset();
        ASSERT_EQ(pf_component_register(&pf_notification_system_class), PF_OK);
    }
    void TearDown() override
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }

    // Mounts, opens the stream and answers the load with `body`.
    void mount_loaded(const std::string &body, const std::string &props = "{\"token\":\"T\"}")
    {
        ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
        open_then_load(body);
    }

    // Opens the stream the mount asked for, then answers the load it asks.
    void open_then_load(const std::string &body)
    {
        ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
        ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 0u) << "the load does not wait for the stream";
        sse = fake_host_last(FAKE_SSE_OPEN)->handle;
        pf_io_opened(sse);
        ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
        lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200, body);
        lc_tick();
    }

    void push(const std::string &data, const char *event = "notification", const std::string &id = "")
    {
        pf_io_sse(sse, event, strlen(event), id.data(), id.size(), data.data(), data.size(), -1);
    }

    std::string html() { return lc_html(c); }
    size_t items() { return lc_count(html(), "class=\"notification-item"); }

    // The stream goes silent past its idle timeout, is opened again and
    // opens: the list is loaded again. Returns that GET's handle.
    int32_t stream_back_after_loss()
    {
        size_t nreq = fake_host_count(FAKE_HTTP_REQUEST), opens = fake_host_count(FAKE_SSE_OPEN);
        fake_host_advance(45000);
        for (int i = 0; i < 600 && fake_host_count(FAKE_SSE_OPEN) == opens; i++)
            fake_host_advance(100);
        EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), opens + 1);
        sse = fake_host_last(FAKE_SSE_OPEN)->handle;
        pf_io_opened(sse);
        EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), nreq + 1) << "no reload after the stream came back";
        return fake_host_last(FAKE_HTTP_REQUEST)->handle;
    }
};

}  // namespace

TEST_F(Notification, OpensTheStreamThenLoadsTheList)
{
    std::string props = "{\"token\":\"T k\",\"api\":\"http://h\"}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications?token=T%20k");
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 0u); // the load waits for the stream
    EXPECT_NE(html().find("<p class=\"loading\">Loading notifications...</p>"), std::string::npos) << html();
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    const fake_effect *req = fake_host_last(FAKE_HTTP_REQUEST);
    ASSERT_NE(req, nullptr);
    EXPECT_STREQ(req->name, "GET");
    EXPECT_STREQ(req->text, "http://h/api/notifications?days=7&token=T%20k\n");
    // A read heard while the list loads applies to the list (made before it).
    push("{\"ids\":[29],\"unread_count\":2}", "read");
    lc_http(req->handle, 200, "{\"notifications\":[" + notif(31, "new") + "," + notif(30, "old", true) + "," +
                                  notif(29, "older") + "],\"unread_count\":4,\"last_event_id\":31}");
    lc_tick();
    EXPECT_EQ(html().find("notification-item unread\" data-id=\"29\""), std::string::npos) << html();
    std::string h = html();
    // One unread in the list plus two the list does not show.
    EXPECT_NE(h.find("<button class=\"notification-button\" data-on-click=\"toggle\" aria-label=\"Notifications, 3 unread\" aria-expanded=\"false\">\xF0\x9F\x94\x94 "
                     "<span class=\"badge\">3</span></button>"),
              std::string::npos);
    EXPECT_NE(h.find("<div class=\"notification-item unread\" data-id=\"31\" data-on-click=\"mark_read\">"
                     "<div class=\"notification-icon\">\xF0\x9F\x93\xA2</div><div class=\"notification-content\">"
                     "<h4>new</h4><p>msg</p><small><time datetime=\"2026-11-26T14:45:00.000Z\">2026-11-26 14:45 UTC</time></small>"
                     "<button type=\"button\" class=\"mark-read\" data-on-click=\"mark_read\">Mark as read</button></div></div>"),
              std::string::npos);
    EXPECT_NE(h.find("<div class=\"notification-item\" data-id=\"30\""), std::string::npos);
    EXPECT_NE(h.find("<div class=\"notification-panel\">"), std::string::npos);
    EXPECT_NE(h.find(">Mark all as read</button>"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(Notification, PlainArrayAndNoUnreadMeansNoBadge)
{
    mount_loaded("[" + notif(1, "a", true) + "]", "{}");
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications");
    std::string h = html();
    EXPECT_EQ(h.find("class=\"badge\""), std::string::npos);
    EXPECT_EQ(h.find("Mark all as read"), std::string::npos);
    EXPECT_EQ(items(), 1u);
}

TEST_F(Notification, LiveNotificationsGoOnTopDedupedAndNotifyTheBrowser)
{
    mount_loaded("{\"notifications\":[" + notif(1, "first", true) + "],\"unread_count\":0}");
    push(notif(2, "second", false, "bob replied"), "notification", "2");
    lc_tick();
    std::string h = html();
    EXPECT_LT(h.find("data-id=\"2\""), h.find("data-id=\"1\""));
    EXPECT_NE(h.find("<span class=\"badge\">1</span>"), std::string::npos);
    ASSERT_EQ(fake_host_count(FAKE_CALL), 1u);
    const fake_effect *call = fake_host_last(FAKE_CALL);
    EXPECT_STREQ(call->name, "notify");
    cJSON *args = cJSON_Parse(call->text);
    ASSERT_NE(args, nullptr);
    EXPECT_STREQ(cJSON_GetObjectItem(args, "title")->valuestring, "second");
    EXPECT_STREQ(cJSON_GetObjectItem(args, "body")->valuestring, "bob replied");
    // The emoji icon is not an image URL: the default icon goes instead.
    EXPECT_STREQ(cJSON_GetObjectItem(args, "icon")->valuestring, "/static/notification-icon.png");
    cJSON_Delete(args);
    // A duplicate (replayed) id changes nothing and does not notify again.
    push(notif(2, "second again"), "notification", "2");
    // A read one is listed but not notified.
    push(notif(3, "already read", true), "notification", "3");
    lc_tick();
    EXPECT_EQ(fake_host_count(FAKE_CALL), 1u);
    EXPECT_EQ(items(), 3u);
    EXPECT_EQ(html().find("second again"), std::string::npos);
    EXPECT_NE(html().find("<span class=\"badge\">1</span>"), std::string::npos);
    // An icon that is an image URL is passed on.
    push(notif(4, "pic", false, "m", "/img/a.png"), "notification", "4");
    EXPECT_NE(std::string(fake_host_last(FAKE_CALL)->text).find("\"icon\":\"/img/a.png\""), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(Notification, KeepsAtMostFifty)
{
    mount_loaded("[]");
    for (int i = 1; i <= 60; i++)
        push(notif(i, "n" + std::to_string(i)), "notification", std::to_string(i));
    lc_tick();
    EXPECT_EQ(items(), 50u);
    std::string h = html();
    EXPECT_NE(h.find("data-id=\"60\""), std::string::npos);
    EXPECT_EQ(h.find("data-id=\"10\""), std::string::npos);
    EXPECT_LT(h.find("data-id=\"60\""), h.find("data-id=\"11\""));
    // The ten that fell off are still unread on the server.
    EXPECT_NE(h.find("<span class=\"badge\">60</span>"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(Notification, OpeningThePanelMarksAllAsRead)
{
    mount_loaded("{\"notifications\":[" + notif(7, "a") + "," + notif(6, "b") + "],\"unread_count\":2}");
    size_t before = fake_host_count(FAKE_HTTP_REQUEST);
    ASSERT_EQ(lc_dispatch(c, "click", "toggle"), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 1);
    const fake_effect *req = fake_host_last(FAKE_HTTP_REQUEST);
    EXPECT_STREQ(req->name, "POST");
    EXPECT_STREQ(req->text, "/api/notifications/read-all?token=T\n");
    lc_http(req->handle, 200, "{\"updated\":2,\"unread_count\":0}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("<div class=\"notification-panel active\">"), std::string::npos);
    EXPECT_EQ(h.find("class=\"badge\""), std::string::npos);
    EXPECT_EQ(h.find("Mark all as read"), std::string::npos);
    EXPECT_EQ(h.find("unread"), std::string::npos);
    // Closing does not post again; reopening with nothing unread neither.
    ASSERT_EQ(lc_dispatch(c, "click", "toggle"), PF_OK);
    lc_tick();
    EXPECT_NE(html().find("<div class=\"notification-panel\">"), std::string::npos);
    ASSERT_EQ(lc_dispatch(c, "click", "toggle"), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 1);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(Notification, ClickingOneMarksItRead)
{
    mount_loaded("{\"notifications\":[" + notif(7, "a") + "," + notif(6, "b") + "],\"unread_count\":2}");
    size_t before = fake_host_count(FAKE_HTTP_REQUEST);
    ASSERT_EQ(lc_dispatch(c, "click", "mark_read", "", "6"), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 1);
    EXPECT_STREQ(fake_host_last(FAKE_HTTP_REQUEST)->text, "/api/notifications/6/read?token=T\n");
    std::string h = html();
    EXPECT_NE(h.find("<div class=\"notification-item\" data-id=\"6\""), std::string::npos);
    EXPECT_NE(h.find("<div class=\"notification-item unread\" data-id=\"7\""), std::string::npos);
    EXPECT_NE(h.find("<span class=\"badge\">1</span>"), std::string::npos);
    // Again: already read, no request.
    ASSERT_EQ(lc_dispatch(c, "click", "mark_read", "", "6"), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 1);
    // A 404 answer is not an error shown to the user; a 500 is.
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 404, "{}");
    lc_tick();
    EXPECT_EQ(html().find("class=\"error\""), std::string::npos);
    ASSERT_EQ(lc_dispatch(c, "click", "mark_all_read"), PF_OK);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 500, "");
    lc_tick();
    EXPECT_NE(html().find("<p class=\"error\">Could not mark notifications as read</p>"), std::string::npos);
    EXPECT_EQ(html().find("class=\"badge\""), std::string::npos);
}

TEST_F(Notification, HostileStringsInEveryFieldAreText)
{
    mount_loaded("[]");
    int id = 1;
    for (const char *h : kHostile) {
        push(notif(id, h, false, h, h), "notification", std::to_string(id));
        id++;
    }
    push("{\"id\":50,\"title\":\"t\",\"icon\":\"javascript:alert(1)//\",\"read\":false}");
    lc_tick();
    std::string out = html();
    EXPECT_EQ(out.find("<script"), std::string::npos);
    EXPECT_EQ(out.find("<img"), std::string::npos);
    EXPECT_EQ(out.find("<a "), std::string::npos);
    EXPECT_NE(out.find("<h4>&lt;script&gt;alert(1)&lt;/script&gt;</h4>"), std::string::npos);
    EXPECT_EQ(items(), 7u);
    // Browser notifications carry the strings as JSON values.
    ASSERT_EQ(fake_host_count(FAKE_CALL), 7u);
    cJSON *args = cJSON_Parse(fake_host_nth(FAKE_CALL, 0)->text);
    ASSERT_NE(args, nullptr);
    EXPECT_STREQ(cJSON_GetObjectItem(args, "title")->valuestring, "<script>alert(1)</script>");
    cJSON_Delete(args);
    // A javascript: icon never reaches the browser.
    EXPECT_EQ(std::string(fake_host_last(FAKE_CALL)->text).find("javascript"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(Notification, MalformedEventsAndLoadsAreIgnored)
{
    mount_loaded("{\"notifications\":[1,\"x\",{\"id\":\"9\"},{\"title\":\"no id\"}," + notif(5, "ok") +
                     "],\"unread_count\":\"many\",\"last_event_id\":{}}",
                 "{}");
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications");
    push("not json");
    push("[1]");
    push("{\"id\":\"1\"}");
    push("{\"title\":\"x\"}");
    push(notif(6, "other event"), "mystery");
    push("{\"id\":8,\"title\":5,\"message\":[],\"icon\":null,\"read\":\"yes\",\"created_at\":{}}");
    lc_tick();
    EXPECT_GE(lc_num(c, "ignored"), 5);
    std::string h = html();
    EXPECT_EQ(items(), 2u);
    EXPECT_NE(h.find("<div class=\"notification-item unread\" data-id=\"8\""), std::string::npos);
    EXPECT_NE(h.find("<h4></h4><p></p><small></small>"), std::string::npos);
    EXPECT_EQ(h.find("other event"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(Notification, AStreamRefusedAtOnceDoesNotHoldTheListBackAndALoadFailureIsShown)
{
    std::string props = "{\"token\":\"T\"}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    // The stream is refused: 401 stops it and says why; the list loads now.
    pf_io_error(sse, 401);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 500, "oops");
    lc_tick();
    EXPECT_NE(html().find("<p class=\"error\">Could not load notifications (HTTP 500)</p>"), std::string::npos);
    EXPECT_NE(html().find("data-state=\"auth_failed\""), std::string::npos);
    EXPECT_NE(html().find("No notifications"), std::string::npos); // no longer loading
    fake_host_advance(120000);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
}

// A stream that hangs does not hold the list back past FIRST_LOAD_WAIT_MS;
// when it opens at last, the list is loaded again (reads between the two
// were not heard), and what the stream brought meanwhile stays on top.
TEST_F(Notification, AHangingStreamDoesNotHoldTheListBack)
{
    std::string props = "{}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    fake_host_advance(1999);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 0u);
    fake_host_advance(1);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200, "[" + notif(3, "old") + "]");
    lc_tick();
    EXPECT_EQ(items(), 1u);
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 2u) << "no reload when the stream opened after the load";
    push(notif(9, "live"));
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200, "[" + notif(3, "old", true) + "]");
    lc_tick();
    std::string h = html();
    EXPECT_LT(h.find("data-id=\"9\""), h.find("data-id=\"3\""));
    EXPECT_EQ(lc_num(c, "unread_count"), 1);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    // A load still in flight when the stream opens is asked again.
    pf_component_unmount_all();
    fake_host_reset();
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    fake_host_advance(2000);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    pf_io_opened(fake_host_last(FAKE_SSE_OPEN)->handle);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 2u);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_ABORT), 1u);
}

namespace {

TEST_F(Notification, ASilentStreamIsReopenedFromTheLastEventId)
{
    mount_loaded("{\"notifications\":[],\"unread_count\":0,\"last_event_id\":4}");
    push(notif(5, "live"), "notification", "5");
    fake_host_advance(30000);
    pf_io_sse(sse, nullptr, 0, nullptr, 0, nullptr, 0, -1); // ": keep-alive"
    fake_host_advance(44999);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
    fake_host_advance(1); // 45 s with neither event nor comment
    ASSERT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    lc_tick();
    EXPECT_NE(html().find("data-state=\"reconnecting\""), std::string::npos);
    for (int i = 0; i < 600 && fake_host_count(FAKE_SSE_OPEN) < 2; i++)
        fake_host_advance(100);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications?token=T&last_event_id=5");
}

TEST_F(Notification, AStreamDroppedBeforeItsFirstEventResumesFromTheListsLastEventId)
{
    // Opened with no event id, the list ends at 4, no event before a drop:
    // the stream must come back from 4, so that what was posted while it
    // was down comes as events (each asks for a browser notification), not
    // only in the reloaded list.
    mount_loaded("{\"notifications\":[],\"unread_count\":0,\"last_event_id\":4}");
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications?token=T");
    pf_io_error(sse, 0);
    for (int i = 0; i < 600 && fake_host_count(FAKE_SSE_OPEN) < 2; i++)
        fake_host_advance(100);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications?token=T&last_event_id=4");
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    push(notif(5, "while down"), "notification", "5"); // the replay
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_CALL), 1u);
    EXPECT_STREQ(fake_host_last(FAKE_CALL)->name, "notify");
}

TEST_F(Notification, OneNewOnlyInTheReloadAfterALateFirstOpenStillGetsItsBrowserNotification)
{
    // The stream's first attempt hangs: the list loads without it after
    // FIRST_LOAD_WAIT_MS; a notification is posted; the attempt (made with
    // no event id) opens at last, so nothing is replayed, and the reload
    // is the only place the new one shows up: it still gets its browser
    // notification, once.
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, "{\"token\":\"T\"}", 13, &c), PF_OK);
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    fake_host_advance(2000);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[" + notif(3, "old") + "],\"unread_count\":1,\"last_event_id\":3}");
    lc_tick();
    EXPECT_EQ(fake_host_count(FAKE_CALL), 0u); // the first list asks for none
    pf_io_opened(sse);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 2u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[" + notif(4, "posted meanwhile") + "," + notif(3, "old") +
                "],\"unread_count\":2,\"last_event_id\":4}");
    lc_tick();
    EXPECT_EQ(items(), 2u);
    ASSERT_EQ(fake_host_count(FAKE_CALL), 1u);
    EXPECT_NE(std::string(fake_host_last(FAKE_CALL)->text).find("posted meanwhile"), std::string::npos);
    push(notif(4, "posted meanwhile"), "notification", "4"); // a late replay of it
    lc_tick();
    EXPECT_EQ(fake_host_count(FAKE_CALL), 1u);
    EXPECT_EQ(items(), 2u);
}

TEST_F(Notification, IdleTimeoutZeroTurnsTheCheckOff)
{
    mount_loaded("{\"notifications\":[],\"unread_count\":0}", "{\"idle_timeout\":0}");
    fake_host_advance(3600 * 1000.0);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
}

} // namespace

// ---- one shared event stream per URL (issue #4) -----------------------------

namespace {

class SharedStream : public Notification {
  protected:
    // Mounts another NotificationSystem on `root` and answers its load: at
    // once when it joins an open stream, else when its own stream opens.
    pf_component *mount_on(int32_t root, const std::string &body, const std::string &props = "{\"token\":\"T\"}")
    {
        pf_component *x = nullptr;
        size_t loads = fake_host_count(FAKE_HTTP_REQUEST), opens = fake_host_count(FAKE_SSE_OPEN);
        EXPECT_EQ(pf_component_mount("NotificationSystem", root, props.data(), props.size(), &x), PF_OK);
        if (fake_host_count(FAKE_SSE_OPEN) > opens)
            pf_io_opened(fake_host_last(FAKE_SSE_OPEN)->handle);
        EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), loads + 1);
        lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200, body);
        lc_tick();
        return x;
    }
    std::string status(pf_component *x)
    {
        const cJSON *v = pf_state_get(pf_component_state(x), "status");
        return cJSON_IsString(v) ? v->valuestring : "";
    }
    size_t items_of(pf_component *x) { return lc_count(lc_html(x), "class=\"notification-item"); }
    // Lets `ms` pass on an open stream that sends ": keep-alive" every 10 s
    // (else its 45 s dead-link check would reopen it).
    void keep_alive_for(double ms)
    {
        for (double t = 0; t < ms; t += 10000) {
            fake_host_advance(ms - t < 10000 ? ms - t : 10000);
            pf_io_sse(sse, nullptr, 0, nullptr, 0, nullptr, 0, -1);
        }
    }
};

const char kEmpty[] = "{\"notifications\":[],\"unread_count\":0}";

}  // namespace

TEST_F(SharedStream, TwoComponentsOnOneUrlShareOneStreamAndBothGetEachEventOnce)
{
    mount_loaded(kEmpty);
    pf_component *b = mount_on(3, kEmpty);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);  // one EventSource for both
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    EXPECT_EQ(pf_component_sse(c), pf_component_sse(b));
    EXPECT_EQ(status(b), "open");  // a late joiner sees where the stream stands
    push(notif(7, "hello"), "notification", "7");
    push(notif(7, "hello"), "notification", "7");  // a replayed duplicate
    lc_tick();
    EXPECT_EQ(items(), 1u);
    EXPECT_EQ(items_of(b), 1u);
    EXPECT_EQ(fake_host_count(FAKE_CALL), 2u);  // one browser notification each
    EXPECT_EQ(lc_check_patches(c), "");
    EXPECT_EQ(lc_check_patches(b), "");
}

TEST_F(SharedStream, UnmountingOneKeepsTheStreamTheLastClosesItAfterTheIdleTimeout)
{
    mount_loaded(kEmpty);
    pf_component *b = mount_on(3, kEmpty);
    ASSERT_EQ(pf_component_unmount(c), PF_OK);
    c = nullptr;
    keep_alive_for(60000);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
    push(notif(8, "still here"), "notification", "8");
    lc_tick();
    EXPECT_EQ(items_of(b), 1u);
    EXPECT_EQ(status(b), "open");
    ASSERT_EQ(pf_component_unmount(b), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
    EXPECT_EQ(pf_component_pool_connections(), 1u);  // idle, still warm
    keep_alive_for(29999);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
    fake_host_advance(1);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    EXPECT_EQ(pf_component_pool_connections(), 0u);
}

TEST_F(SharedStream, RemountWithinTheIdleTimeoutReusesTheStream)
{
    mount_loaded(kEmpty);
    ASSERT_EQ(pf_component_unmount(c), PF_OK);
    c = mount_on(2, kEmpty);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    EXPECT_EQ(status(c), "open");
    keep_alive_for(60000);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 0u);
}

TEST_F(SharedStream, DifferentUrlsOrTokensGetTheirOwnStreams)
{
    mount_loaded(kEmpty);
    pf_component *b = mount_on(3, kEmpty, "{\"token\":\"T\",\"url\":\"/events/other\"}");
    pf_component *d = mount_on(4, kEmpty, "{\"token\":\"U\"}");
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 3u);
    EXPECT_STREQ(fake_host_nth(FAKE_SSE_OPEN, 1)->text, "/events/other?token=T");
    EXPECT_STREQ(fake_host_nth(FAKE_SSE_OPEN, 2)->text, "/events/notifications?token=U");
    EXPECT_NE(pf_component_sse(b), pf_component_sse(c));
    EXPECT_NE(pf_component_sse(d), pf_component_sse(c));
    EXPECT_EQ(pf_component_pool_connections(), 3u);
    push(notif(9, "only the first"), "notification", "9");
    lc_tick();
    EXPECT_EQ(items(), 1u);
    EXPECT_EQ(items_of(b), 0u);
    EXPECT_EQ(items_of(d), 0u);
}

TEST_F(SharedStream, TheLimitCountsStreamsAndAnIdleOneGivesWay)
{
    ASSERT_EQ(pf_component_pool_configure(1, 500), PF_OK);
    mount_loaded(kEmpty);
    pf_component *b = mount_on(3, kEmpty, "{\"token\":\"T\",\"url\":\"/events/other\"}");
    // Full: b gets a stream of its own, outside the pool, and stays live.
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    EXPECT_NE(pf_component_sse(b), nullptr);
    EXPECT_EQ(lc_html(b).find("Live notifications are unavailable"), std::string::npos);
    // Once the first leaves, its idle stream makes room at once.
    ASSERT_EQ(pf_component_unmount(c), PF_OK);
    c = nullptr;
    pf_component *d = mount_on(4, kEmpty, "{\"token\":\"T\",\"url\":\"/events/other\"}");
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 1u);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 3u);
    EXPECT_NE(pf_component_sse(d), nullptr);
    EXPECT_NE(pf_component_sse(d), pf_component_sse(b));
    EXPECT_EQ(pf_component_pool_connections(), 1u);
    // b's own stream closes with b, at once.
    ASSERT_EQ(pf_component_unmount(b), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_SSE_CLOSE), 2u);
    pf_component_unmount_all();
    EXPECT_EQ(pf_component_pool_configure(0, 0), PF_OK);
}

TEST_F(SharedStream, ALateJoinerGetsWhatCameAfterItsLoadAndResumeUsesTheStreamsId)
{
    mount_loaded("{\"notifications\":[],\"unread_count\":0,\"last_event_id\":4}");
    push(notif(5, "five"), "notification", "5");
    pf_component *b = nullptr;
    ASSERT_EQ(pf_component_mount("NotificationSystem", 3, "{\"token\":\"T\"}", 13, &b), PF_OK);
    push(notif(6, "six"), "notification", "6");  // while b's list loads
    // b's list was made before 6 came: it ends at 5.
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[" + notif(5, "five") + "],\"unread_count\":1,\"last_event_id\":5}");
    lc_tick();
    EXPECT_EQ(items(), 2u);
    EXPECT_EQ(items_of(b), 2u);  // 5 from the load, 6 from the shared stream's record
    EXPECT_NE(lc_html(b).find("<h4>six</h4>"), std::string::npos);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    // A drop: the one stream resumes from the last event any of them got.
    pf_io_error(sse, 0);
    for (int i = 0; i < 600 && fake_host_count(FAKE_SSE_OPEN) < 2; i++)
        fake_host_advance(100);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications?token=T&last_event_id=6");
}

TEST_F(SharedStream, A401AsksTheAppsTokenProviderOnceAndRetriesWithTheFreshToken)
{
    static int asks;
    asks = 0;
    pf_component_set_token_provider([](void *, const char *, size_t) { asks++; }, nullptr);
    mount_loaded(kEmpty);
    pf_component *b = mount_on(3, kEmpty);
    pf_io_error(sse, 401);
    EXPECT_EQ(asks, 1);
    EXPECT_EQ(status(c), "auth_failed");
    EXPECT_EQ(status(b), "auth_failed");
    ASSERT_EQ(pf_component_pool_set_token("fresh", 5), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_STREQ(fake_host_last(FAKE_SSE_OPEN)->text, "/events/notifications?token=fresh");
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    EXPECT_EQ(status(b), "open");
    pf_io_error(sse, 401);  // refused again before it stayed up: stop
    EXPECT_EQ(asks, 1);
    fake_host_advance(120000);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    pf_component_set_token_provider(nullptr, nullptr);
}

// A server whose data was reset sends resync; the reload is its whole truth.
namespace {
std::string resync_notif(int id, const std::string &title, bool read = false)
{
    return "{\"id\":" + std::to_string(id) + ",\"user_id\":3,\"title\":" + lc_json_str(title) +
           ",\"message\":\"m\",\"icon\":\"x\",\"read\":" + (read ? "true" : "false") +
           ",\"created_at\":\"2026-11-26T14:45:00.000Z\"}";
}
class NotificationResync : public ::testing::Test {
  protected:
    pf_component *c = nullptr;
    int32_t sse = 0;
    void SetUp() override { fake_host_reset(); ASSERT_EQ(pf_component_register(&pf_notification_system_class), PF_OK); }
    void TearDown() override { pf_component_unmount_all(); pf_component_registry_clear(); fake_host_reset(); }
    void push(const std::string &data, const char *event = "notification", const std::string &id = "")
    { pf_io_sse(sse, event, strlen(event), id.data(), id.size(), data.data(), data.size(), -1); }
    std::string html() { return lc_html(c); }
};
}
// The server's data was reset: it sends resync; the component reloads. The
// old notifications must not survive the reload, and new ids that collide
// with them must not be dropped as duplicates.
TEST_F(NotificationResync, AResyncReloadReplacesTheListAndANewIdLikeAnOldOneIsShown)
{
    std::string props = "{\"token\":\"T\"}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[" + resync_notif(3, "old three") + "," + resync_notif(2, "old two", true) + "," + resync_notif(1, "old one", true) +
            "],\"unread_count\":1,\"last_event_id\":3}");
    lc_tick();
    EXPECT_NE(html().find("old three"), std::string::npos);
    size_t nreq = fake_host_count(FAKE_HTTP_REQUEST);
    push("", "resync");
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), nreq + 1) << "resync did not reload";
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[],\"unread_count\":0,\"last_event_id\":0}");
    lc_tick();
    std::string h = html();
    EXPECT_EQ(h.find("old three"), std::string::npos) << "stale notification still shown";
    EXPECT_EQ(lc_num(c, "unread_count"), 0) << "badge disagrees with the server's unread_count 0";
    // The reset server numbers from 1 again.
    push(resync_notif(1, "brand new"), "notification", "1");
    lc_tick();
    h = html();
    EXPECT_NE(h.find("brand new"), std::string::npos) << "new notification dropped as a duplicate\n" << h;
}

// A load that fails is tried again (5 s, then 10 s, ...): the list and the
// badge come from the server in the end, with what the stream brought kept.
// Before, the first failure left the badge at what the stream alone showed.
TEST_F(Notification, AFailedLoadIsTriedAgainAndBringsTheServersList)
{
    std::string props = "{\"token\":\"T\"}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 0, "");
    lc_tick();
    EXPECT_NE(html().find("Could not load notifications (network error)"), std::string::npos);
    push(notif(10, "live"), "notification", "10");
    lc_tick();
    EXPECT_EQ(items(), 1u);
    fake_host_advance(4900);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
    fake_host_advance(200);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 2u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 503, "busy");
    lc_tick();
    fake_host_advance(9900);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 2u);
    fake_host_advance(200);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 3u);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[" + notif(10, "live") + "," + notif(9, "nine") + "," + notif(8, "eight") +
                "],\"unread_count\":3,\"last_event_id\":10}");
    lc_tick();
    std::string h = html();
    EXPECT_EQ(items(), 3u);
    EXPECT_NE(h.find("<span class=\"badge\">3</span>"), std::string::npos) << h;
    EXPECT_EQ(h.find("Could not load"), std::string::npos);
    fake_host_advance(120000);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 3u); // loaded: no more tries
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(Notification, ALoadRefusedWith401IsNotTriedAgain)
{
    std::string props = "{\"token\":\"T\"}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    pf_io_opened(fake_host_last(FAKE_SSE_OPEN)->handle);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 401, "{}");
    lc_tick();
    fake_host_advance(300000);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
}

// "Mark all as read" that the server never got: the badge came back only
// with a page reload, and the error stayed after a later success. Now the
// list is loaded again at once (still unread on the server: shown unread),
// and the next mark-as-read that works clears the error.
TEST_F(Notification, AFailedMarkAsReadLoadsTheListAgainAndALaterSuccessClearsTheError)
{
    std::string list = "{\"notifications\":[" + notif(7, "a") + "," + notif(6, "b") + "],\"unread_count\":2}";
    mount_loaded(list);
    size_t before = fake_host_count(FAKE_HTTP_REQUEST);
    ASSERT_EQ(lc_dispatch(c, "click", "toggle"), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 1);
    EXPECT_EQ(html().find("class=\"badge\""), std::string::npos); // marked here at once
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 0, "");
    lc_tick();
    EXPECT_NE(html().find("Could not mark notifications as read"), std::string::npos);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 2);
    const fake_effect *reload = fake_host_last(FAKE_HTTP_REQUEST);
    EXPECT_STREQ(reload->name, "GET");
    lc_http(reload->handle, 200, list);
    lc_tick();
    EXPECT_NE(html().find("<span class=\"badge\">2</span>"), std::string::npos) << html();
    EXPECT_NE(html().find("Could not mark notifications as read"), std::string::npos) << "kept after the reload";
    // Close and open the panel: marked again, and this time it works.
    ASSERT_EQ(lc_dispatch(c, "click", "toggle"), PF_OK);
    ASSERT_EQ(lc_dispatch(c, "click", "toggle"), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 3);
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200, "{\"updated\":2,\"unread_count\":0}");
    lc_tick();
    std::string h = html();
    EXPECT_EQ(h.find("Could not mark"), std::string::npos);
    EXPECT_EQ(h.find("class=\"badge\""), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

// Marking read in one window reaches the user's other windows as `event:
// read` (no id): the items named, or all up to an id, turn read and the
// badge takes the server's unread count; nothing is posted back.
TEST_F(Notification, AReadEventFromAnotherWindowMarksItemsAndTheCount)
{
    mount_loaded("{\"notifications\":[" + notif(7, "a") + "," + notif(6, "b") + "," + notif(5, "c") +
                 "],\"unread_count\":5,\"last_event_id\":7}");
    size_t nreq = fake_host_count(FAKE_HTTP_REQUEST);
    EXPECT_NE(html().find("<span class=\"badge\">5</span>"), std::string::npos);
    push("{\"ids\":[6],\"unread_count\":4}", "read");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("<div class=\"notification-item\" data-id=\"6\""), std::string::npos) << h;
    EXPECT_NE(h.find("<div class=\"notification-item unread\" data-id=\"7\""), std::string::npos);
    EXPECT_NE(h.find("<span class=\"badge\">4</span>"), std::string::npos);
    // A notification newer than the read-all stays unread.
    push(notif(8, "new"), "notification", "8");
    push("{\"all\":true,\"up_to\":7,\"unread_count\":1}", "read");
    lc_tick();
    h = html();
    EXPECT_NE(h.find("<div class=\"notification-item unread\" data-id=\"8\""), std::string::npos) << h;
    EXPECT_EQ(lc_count(h, "notification-item unread"), 1u);
    EXPECT_EQ(lc_num(c, "unread_count"), 1);
    push("{\"all\":true,\"unread_count\":0}", "read");
    lc_tick();
    EXPECT_EQ(html().find("unread"), std::string::npos);
    EXPECT_EQ(html().find("class=\"badge\""), std::string::npos);
    // A malformed one is ignored.
    double ignored = lc_num(c, "ignored");
    push("{\"ids\":\"7\"}", "read");
    EXPECT_EQ(lc_num(c, "ignored"), ignored + 1);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), nreq);
    EXPECT_EQ(lc_check_patches(c), "");
}

// Read events are not replayed: when the stream comes back after a loss the
// list is loaded again, and what another window read meanwhile shows read.
TEST_F(Notification, AStreamBackAfterALossReloadsTheListForReadsItMissed)
{
    mount_loaded("{\"notifications\":[" + notif(5, "a") + "],\"unread_count\":1,\"last_event_id\":5}");
    size_t nreq = fake_host_count(FAKE_HTTP_REQUEST);
    fake_host_advance(45000); // silent: closed and reopened
    for (int i = 0; i < 600 && fake_host_count(FAKE_SSE_OPEN) < 2; i++)
        fake_host_advance(100);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), nreq);
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), nreq + 1) << "no reload after the stream came back";
    EXPECT_STREQ(fake_host_last(FAKE_HTTP_REQUEST)->name, "GET");
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[" + notif(5, "a", true) + "],\"unread_count\":0,\"last_event_id\":5}");
    lc_tick();
    EXPECT_EQ(html().find("unread"), std::string::npos);
    EXPECT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    EXPECT_EQ(lc_check_patches(c), "");
}

// Items are reachable with the keyboard: each holds a real <button> (Enter
// and Space click it), which marks the item read and stays, aria-disabled,
// so that focus is not lost.
TEST_F(Notification, EachItemHasAButtonThatMarksItRead)
{
    mount_loaded("{\"notifications\":[" + notif(7, "a") + "," + notif(6, "b", true) + "],\"unread_count\":1}");
    std::string h = html();
    EXPECT_EQ(lc_count(h, "<button type=\"button\" class=\"mark-read\" data-on-click=\"mark_read\">Mark as read</button>"), 1u) << h;
    EXPECT_EQ(lc_count(h, "<button type=\"button\" class=\"mark-read\" data-on-click=\"mark_read\" aria-disabled=\"true\">Mark as read</button>"), 1u);
    const pf_vnode *item = lc_find_in(c, "data-id", "7");
    ASSERT_NE(item, nullptr);
    const pf_vnode *button = lc_find(item->first_child, "class", "mark-read");
    ASSERT_NE(button, nullptr) << "no button in the item";
    uint32_t button_id = button->id;
    size_t before = fake_host_count(FAKE_HTTP_REQUEST);
    ASSERT_EQ(pf_component_dispatch(pf_component_root(c), button_id, "click", 5, "", 0, -1, -1), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), before + 1);
    EXPECT_STREQ(fake_host_last(FAKE_HTTP_REQUEST)->text, "/api/notifications/7/read?token=T\n");
    EXPECT_EQ(html().find("notification-item unread"), std::string::npos);
    EXPECT_EQ(lc_count(html(), "aria-disabled=\"true\">Mark as read</button>"), 2u);
    // The same button (the focused element) is kept.
    button = lc_find(lc_find_in(c, "data-id", "7")->first_child, "class", "mark-read");
    ASSERT_NE(button, nullptr);
    EXPECT_EQ(button->id, button_id);
    EXPECT_EQ(lc_check_patches(c), "");
}

// created_at is shown as <time datetime="..."> with readable text; anything
// that is not an HTML date and time is shown as sent, as text.
TEST_F(Notification, TimestampsAreTimeElementsAndOthersTextAsSent)
{
    mount_loaded("[]");
    const std::pair<const char *, const char *> cases[] = {
        { "2026-11-27T23:34:05.123Z", "<time datetime=\"2026-11-27T23:34:05.123Z\">2026-11-27 23:34 UTC</time>" },
        { "2026-11-27T23:34Z", "<time datetime=\"2026-11-27T23:34Z\">2026-11-27 23:34 UTC</time>" },
        { "2026-11-27 23:34:05+02:00", "<time datetime=\"2026-11-27 23:34:05+02:00\">2026-11-27 23:34 +02:00</time>" },
        { "2026-11-27T23:34:05", "<time datetime=\"2026-11-27T23:34:05\">2026-11-27 23:34</time>" },
        { "yesterday", "yesterday" },
        { "2026-13-01T00:00Z", "2026-13-01T00:00Z" },
        { "2026-02-31T00:00Z", "2026-02-31T00:00Z" },  /* no such day */
        { "2026-02-29T00:00Z", "2026-02-29T00:00Z" },
        { "2028-02-29T00:00Z", "<time datetime=\"2028-02-29T00:00Z\">2028-02-29 00:00 UTC</time>" },
        { "2100-02-29T00:00Z", "2100-02-29T00:00Z" },
        { "2000-02-29T00:00Z", "<time datetime=\"2000-02-29T00:00Z\">2000-02-29 00:00 UTC</time>" },
        { "0000-01-01T00:00Z", "0000-01-01T00:00Z" },  /* HTML's years start at 1 */
        { "2026-11-27T23:34:05.1234Z", "2026-11-27T23:34:05.1234Z" },  /* at most 3 digits */
        { "2026-11-27T24:00Z", "2026-11-27T24:00Z" },
        { "2026-11-27T23:34:05.Z", "2026-11-27T23:34:05.Z" },
        { "2026-11-27T23:34:05Zjunk", "2026-11-27T23:34:05Zjunk" },
        { "2026-11-27T23:34+2:00", "2026-11-27T23:34+2:00" },
        { "2026-11-27T23:34Z\"><script>x</script>", "2026-11-27T23:34Z\"&gt;&lt;script&gt;x&lt;/script&gt;" },
        { "2026-11-2", "2026-11-2" },
    };
    int id = 1;
    for (const auto &k : cases)
        push("{\"id\":" + std::to_string(id++) + ",\"title\":\"t\",\"created_at\":" + lc_json_str(k.first) + "}");
    lc_tick();
    std::string h = html();
    for (const auto &k : cases)
        EXPECT_NE(h.find(std::string("<small>") + k.second + "</small>"), std::string::npos) << k.first << "\n" << h;
    EXPECT_EQ(h.find("<script"), std::string::npos);
    EXPECT_EQ(lc_count(h, "<time "), 6u);
    EXPECT_EQ(lc_check_patches(c), "");
}

// The same when the stream's first attempt fails: the list loads at once,
// without it, and again when the stream opens (reads between the load and
// the stream's opening would be missed otherwise).
TEST_F(Notification, AStreamThatOpensAfterAFailedFirstAttemptReloadsTheList)
{
    std::string props = "{\"token\":\"T\"}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    pf_io_error(fake_host_last(FAKE_SSE_OPEN)->handle, 0);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u) << "the list waits for a failed stream";
    lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200,
            "{\"notifications\":[" + notif(5, "a") + "],\"unread_count\":1,\"last_event_id\":5}");
    size_t nreq = fake_host_count(FAKE_HTTP_REQUEST);
    for (int i = 0; i < 600 && fake_host_count(FAKE_SSE_OPEN) < 2; i++)
        fake_host_advance(100);
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 2u);
    pf_io_opened(fake_host_last(FAKE_SSE_OPEN)->handle);
    ASSERT_EQ(fake_host_count(FAKE_HTTP_REQUEST), nreq + 1) << "no reload after the stream opened late";
    // A normal first open (the mount) loads once.
    pf_component_unmount_all();
    fake_host_reset();
    mount_loaded("[]");
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u);
}

// A read event (another window) heard while the list reloads after the
// stream came back: the loaded list may be older than the read; the read
// applies to it too.
TEST_F(Notification, AReadEventHeardDuringAReloadAppliesToTheLoadedList)
{
    mount_loaded("{\"notifications\":[" + notif(6, "b") + "," + notif(5, "a") + "],\"unread_count\":2,\"last_event_id\":6}");
    int32_t get = stream_back_after_loss();
    push("{\"ids\":[5],\"unread_count\":1}", "read");
    lc_tick();
    EXPECT_EQ(lc_num(c, "unread_count"), 1);
    // The server answered the GET before the read.
    lc_http(get, 200, "{\"notifications\":[" + notif(6, "b") + "," + notif(5, "a") + "],\"unread_count\":2,\"last_event_id\":6}");
    lc_tick();
    EXPECT_EQ(lc_num(c, "unread_count"), 1);
    EXPECT_EQ(html().find("notification-item unread\" data-id=\"5\""), std::string::npos) << html();
    EXPECT_NE(html().find("notification-item unread\" data-id=\"6\""), std::string::npos) << html();
}

// The loaded list is newer than the read event heard during the load: the
// read's older unread_count does not replace the list's.
TEST_F(Notification, AReadEventHeardDuringAReloadKeepsANewerListsCount)
{
    mount_loaded("{\"notifications\":[" + notif(6, "b") + "," + notif(5, "a") + "],\"unread_count\":5,\"last_event_id\":6}");
    int32_t get = stream_back_after_loss();
    push("{\"ids\":[5],\"unread_count\":4}", "read");
    lc_tick();
    EXPECT_EQ(lc_num(c, "unread_count"), 4);
    // The server answered after the read and after notification 7 came:
    // 7 and 6 unread, 5 read, 3 older unread beyond the list: 5 in all.
    lc_http(get, 200, "{\"notifications\":[" + notif(7, "c") + "," + notif(6, "b") + "," + notif(5, "a", true) +
                          "],\"unread_count\":5,\"last_event_id\":7}");
    lc_tick();
    EXPECT_EQ(lc_num(c, "unread_count"), 5) << html();
}

// Another window of the user marks a notification read after this window's
// list was made on the server but before this window's stream first opened:
// the read event went to the streams open then and is never replayed.
// Before, the list was loaded first and the stream opened after it: item 5
// stayed unread and the badge said 2 until a reload. The stream now opens
// first and the list is loaded once it is open. The simulated server below
// answers each GET with what it has when the GET is asked, so the test
// holds for either order.
TEST_F(Notification, AReadBeforeTheStreamFirstOpensIsNotMissed)
{
    bool five_read = false;
    size_t answered = 0;
    auto serve = [&] {
        while (answered < fake_host_count(FAKE_HTTP_REQUEST)) {
            const fake_effect *get = fake_host_nth(FAKE_HTTP_REQUEST, answered++);
            ASSERT_STREQ(get->name, "GET");
            lc_http(get->handle, 200,
                    "{\"notifications\":[" + notif(6, "b") + "," + notif(5, "a", five_read) +
                        "],\"unread_count\":" + (five_read ? "1" : "2") + ",\"last_event_id\":6}");
        }
    };
    std::string props = "{\"token\":\"T\"}";
    ASSERT_EQ(pf_component_mount("NotificationSystem", 2, props.data(), props.size(), &c), PF_OK);
    serve();
    ASSERT_EQ(fake_host_count(FAKE_SSE_OPEN), 1u);
    five_read = true; // the other window; no stream of this one hears it
    sse = fake_host_last(FAKE_SSE_OPEN)->handle;
    pf_io_opened(sse);
    serve();
    lc_tick();
    EXPECT_EQ(lc_num(c, "unread_count"), 1) << html();
    EXPECT_EQ(html().find("notification-item unread\" data-id=\"5\""), std::string::npos) << html();
    EXPECT_NE(html().find("notification-item unread\" data-id=\"6\""), std::string::npos) << html();
    EXPECT_EQ(fake_host_count(FAKE_HTTP_REQUEST), 1u) << "one GET on mount, not two";
    EXPECT_EQ(lc_check_patches(c), "");
}
