// test_chat_room.cc: the ChatRoom component (components/pf_chat_room.c) on
// the fake host: history, messages, presence, sending, the rate-limit
// countdown with held sends, errors, 4001, hostile and malformed input.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "live_component_util.h"

extern "C" {
#include "pf_ws.h"
extern const pf_component_class pf_chat_room_class;
}

namespace {

std::string chat_msg(int id, const std::string &user, const std::string &text, int seq = -1)
{
    return "{\"type\":\"message\",\"id\":" + std::to_string(id) +
           (seq >= 0 ? ",\"seq\":" + std::to_string(seq) : std::string()) + ",\"user\":" + lc_json_str(user) +
           ",\"user_id\":2,\"text\":" + lc_json_str(text) + ",\"timestamp\":\"2026-11-26T14:40:00.000Z\"}";
}

class ChatRoom : public ::testing::Test {
  protected:
    pf_component *c = nullptr;
    int32_t ws = 0;

    void SetUp() override
    {
        fake_host_reset();
        ASSERT_EQ(pf_component_register(&pf_chat_room_class), PF_OK);
    }
    void TearDown() override
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }

    void mount(const std::string &props, bool open = true)
    {
        ASSERT_EQ(pf_component_mount("ChatRoom", 3, props.data(), props.size(), &c), PF_OK);
        if (!open)
            return;
        ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
        ws = fake_host_last(FAKE_WS_OPEN)->handle;
        pf_io_opened(ws);
        lc_tick();
    }

    int type_and_send(const std::string &text)
    {
        int rc = lc_dispatch(c, "input", "draft", text);
        if (rc != PF_OK)
            return rc;
        lc_tick();
        rc = lc_dispatch(c, "submit", "send");
        lc_tick();
        return rc;
    }

    std::string html() { return lc_html(c); }

    // The connection `h` drops (1006).
    void drop(int32_t h)
    {
        pf_io_closed(h, 1006, "", 0);
        lc_tick();
    }
    // `ms` later the component has made a new socket, which opens; its handle.
    int32_t reopen(int32_t old, double ms = 40000)
    {
        fake_host_advance(ms);
        int32_t h = fake_host_last(FAKE_WS_OPEN)->handle;
        EXPECT_NE(h, old);
        pf_io_opened(h);
        lc_tick();
        return h;
    }
    // The texts of frames sent on `ws`, from the n-th on, pings excluded,
    // without their client id (`cids` gets those, in order, if given).
    std::vector<std::string> sent(size_t from = 0, std::vector<std::string> *cids = nullptr)
    {
        std::vector<std::string> out;
        for (size_t i = from; i < fake_host_count(FAKE_WS_SEND); i++) {
            std::string t = fake_host_nth(FAKE_WS_SEND, i)->text;
            if (t.find("\"ping\"") != std::string::npos || t.find("\"pong\"") != std::string::npos)
                continue;
            size_t at = t.find(",\"cid\":\"");
            EXPECT_NE(at, std::string::npos) << t;
            if (at != std::string::npos) {
                size_t end = t.find('"', at + 8);
                if (cids)
                    cids->push_back(t.substr(at + 8, end - at - 8));
                t.erase(at, end + 1 - at);
            }
            out.push_back(t);
        }
        return out;
    }
};

}  // namespace

TEST_F(ChatRoom, RoomHistoryMessagesAndPresence)
{
    mount("{\"room\":\"lobby\",\"token\":\"T\"}");
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/room/lobby?token=T");
    EXPECT_NE(html().find("<div class=\"chat-status\" data-state=\"open\">\xF0\x9F\x9F\xA2 Connected</div>"),
              std::string::npos);
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[" + chat_msg(3, "bob", "hi", 1) + "," +
                  chat_msg(3, "bob", "hi dup") + "],\"seq\":1}");
    lc_ws(ws, chat_msg(4, "alice", "hello bob", 2));
    lc_ws(ws, chat_msg(4, "alice", "hello bob (dup)"));
    lc_ws(ws, "{\"type\":\"user_joined\",\"user_id\":4,\"user\":{\"id\":4,\"name\":\"carol\"},"
              "\"message\":\"carol joined the room\"}");
    lc_ws(ws, "{\"type\":\"user_left\",\"user_id\":4}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("<li class=\"message\" data-id=\"m3\"><strong class=\"user\" dir=\"auto\">bob</strong>: "
                     "<span class=\"text\" dir=\"auto\">hi</span> <small class=\"time\" dir=\"auto\"><time datetime=\"2026-11-26T14:40:00.000Z\">2026-11-26 14:40 UTC</time></small></li>"),
              std::string::npos);
    EXPECT_NE(h.find("data-id=\"m4\""), std::string::npos);
    EXPECT_EQ(h.find("dup"), std::string::npos);
    EXPECT_NE(h.find("<li class=\"notice\" data-id=\"l1\" dir=\"auto\">carol joined the room</li>"), std::string::npos);
    EXPECT_NE(h.find(">User 4 left the room</li>"), std::string::npos);
    EXPECT_LT(h.find("m3"), h.find("m4"));
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(ChatRoom, SendsFromTheBoxAndClearsIt)
{
    mount("{\"user\":\"alice\"}");
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/chat");
    ASSERT_EQ(type_and_send("hello \"world\" <b>"), PF_OK);
    EXPECT_EQ(sent(), (std::vector<std::string>{ "{\"user\":\"alice\",\"text\":\"hello \\\"world\\\" <b>\"}" }));
    // The input was cleared after sending.
    const pf_vnode *input = lc_find_in(c, "data-on-input", "draft");
    ASSERT_NE(input, nullptr);
    EXPECT_TRUE(input->has_value);
    EXPECT_EQ(input->value_len, 0u);
    RefDom dom;
    for (size_t i = 0; i < fake_host_count(FAKE_DOM_PATCH); i++) {
        const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, i);
        ASSERT_EQ(dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len), "");
    }
    ASSERT_EQ(dom.compare(pf_component_tree(c)), "");
    // Blank drafts are not sent; too long ones are refused and kept.
    ASSERT_EQ(type_and_send("   "), PF_OK);
    EXPECT_EQ(sent().size(), 1u);
    EXPECT_EQ(type_and_send(std::string(4001, 'x')), PF_ERANGE);
    EXPECT_NE(html().find("Message too long"), std::string::npos);
    EXPECT_EQ(sent().size(), 1u);
    // A room sends only the text.
}

TEST_F(ChatRoom, RateLimitCountsDownAndSendsHeldMessagesInOrder)
{
    mount("{\"room\":\"r1\"}");
    ASSERT_EQ(type_and_send("one"), PF_OK);
    ASSERT_EQ(sent(), (std::vector<std::string>{ "{\"text\":\"one\"}" }));
    lc_ws(ws, "{\"error\":\"Rate limit exceeded\",\"retry_after\":3}");
    lc_tick();
    EXPECT_NE(html().find("<div class=\"rate-limit\">Rate limit exceeded: retry in 3 s</div>"), std::string::npos);
    ASSERT_EQ(type_and_send("two"), PF_OK);
    ASSERT_EQ(type_and_send("three"), PF_OK);
    EXPECT_EQ(sent().size(), 1u);  // held
    EXPECT_NE(html().find("3 messages waiting to be sent"), std::string::npos);
    fake_host_advance(1000);
    lc_tick();
    EXPECT_NE(html().find("retry in 2 s"), std::string::npos);
    fake_host_advance(1000);
    lc_tick();
    EXPECT_NE(html().find("retry in 1 s"), std::string::npos);
    EXPECT_EQ(sent().size(), 1u);
    fake_host_advance(1000);
    lc_tick();
    EXPECT_EQ(sent(), (std::vector<std::string>{ "{\"text\":\"one\"}", "{\"text\":\"one\"}",
                                                 "{\"text\":\"two\"}", "{\"text\":\"three\"}" }));
    std::string h = html();
    EXPECT_EQ(h.find("Rate limit"), std::string::npos);
    EXPECT_EQ(h.find("waiting to be sent"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(ChatRoom, ErrorsAreShownAsLines)
{
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"error\":\"Invalid JSON format\"}");
    lc_ws(ws, "{\"type\":\"error\",\"code\":\"invalid_message\",\"message\":\"<b>text must be</b>\"}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("<li class=\"error\" data-id=\"l1\" dir=\"auto\">Invalid JSON format</li>"), std::string::npos);
    EXPECT_NE(h.find("<li class=\"error\" data-id=\"l2\" dir=\"auto\">&lt;b&gt;text must be&lt;/b&gt;</li>"), std::string::npos);
}

TEST_F(ChatRoom, AuthFailureIsShownWithoutAReconnectLoop)
{
    mount("{\"room\":\"r1\",\"token\":\"bad\"}");
    pf_io_closed(ws, 4001, "Authentication required", 23);
    lc_tick();
    EXPECT_NE(html().find("data-state=\"auth_failed\">\xF0\x9F\x94\xB4 Authentication required</div>"),
              std::string::npos);
    fake_host_advance(300000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    // Typing meanwhile is kept, not lost.
    ASSERT_EQ(type_and_send("later"), PF_OK);
    EXPECT_NE(html().find("1 message waiting to be sent"), std::string::npos);
}

TEST_F(ChatRoom, MessagesTypedWhileDisconnectedGoOutOnReconnect)
{
    mount("{\"room\":\"r1\"}");
    pf_io_closed(ws, 1006, "", 0);
    lc_tick();
    EXPECT_NE(html().find("Reconnecting in"), std::string::npos);
    ASSERT_EQ(type_and_send("a"), PF_OK);
    ASSERT_EQ(type_and_send("b"), PF_OK);
    EXPECT_TRUE(sent().empty());
    fake_host_advance(40000);
    int32_t ws2 = fake_host_last(FAKE_WS_OPEN)->handle;
    ASSERT_NE(ws2, ws);
    pf_io_opened(ws2);
    lc_tick();
    EXPECT_EQ(sent(), (std::vector<std::string>{ "{\"text\":\"a\"}", "{\"text\":\"b\"}" }));
    EXPECT_EQ(html().find("waiting"), std::string::npos);
}

TEST_F(ChatRoom, AMessageNotEchoedIsSentAgainOnTheNextConnectionWithItsClientId)
{
    // "a" went out on a connection that dropped before the server's echo:
    // it may never have arrived, so the next connection sends it again,
    // with the same cid (the server stores a cid once). "b" was echoed: it
    // is not sent again. "c", typed while down, waited in the outbox.
    mount("{\"room\":\"r1\"}");
    ASSERT_EQ(type_and_send("a"), PF_OK);
    ASSERT_EQ(type_and_send("b"), PF_OK);
    std::vector<std::string> cids;
    ASSERT_EQ(sent(0, &cids), (std::vector<std::string>{ "{\"text\":\"a\"}", "{\"text\":\"b\"}" }));
    ASSERT_EQ(cids.size(), 2u);
    EXPECT_NE(cids[0], cids[1]);
    std::string echo_b = chat_msg(8, "alice", "b", 1);
    echo_b.insert(echo_b.size() - 1, ",\"cid\":\"" + cids[1] + "\"");
    lc_ws(ws, echo_b);
    lc_tick();
    drop(ws);
    ASSERT_EQ(type_and_send("c"), PF_OK);
    size_t before = fake_host_count(FAKE_WS_SEND);
    int32_t ws2 = reopen(ws);
    std::vector<std::string> again;
    // In the order typed: the resend first, then what waited.
    EXPECT_EQ(sent(before, &again), (std::vector<std::string>{ "{\"text\":\"a\"}", "{\"text\":\"c\"}" }));
    ASSERT_EQ(again.size(), 2u);
    EXPECT_EQ(again[0], cids[0]) << "a keeps its cid";
    // Both echoed now (a replayed, c live): a third connection sends nothing.
    for (const std::string &cid : again) {
        std::string echo = chat_msg(cid == cids[0] ? 7 : 9, "alice", cid == cids[0] ? "a" : "c");
        echo.insert(echo.size() - 1, ",\"cid\":\"" + cid + "\"");
        lc_ws(ws2, echo);
    }
    lc_tick();
    drop(ws2);
    before = fake_host_count(FAKE_WS_SEND);
    reopen(ws2);
    EXPECT_TRUE(sent(before).empty());
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(ChatRoom, ANewConnectionThatOpensOnHoldStillResendsAndAMessageNeverEchoedIsGivenUp)
{
    mount("{\"room\":\"r1\"}");
    std::vector<std::string> cids;
    ASSERT_EQ(type_and_send("b"), PF_OK);
    ASSERT_EQ(type_and_send("a"), PF_OK);
    sent(0, &cids);
    ASSERT_EQ(cids.size(), 2u);
    std::string echo_b = chat_msg(8, "alice", "b");
    echo_b.insert(echo_b.size() - 1, ",\"cid\":\"" + cids[0] + "\"");
    lc_ws(ws, echo_b); // the server keeps cids; "a" is never echoed
    lc_ws(ws, "{\"error\":\"Rate limit exceeded\",\"retry_after\":30}");
    lc_tick();
    int32_t cur = ws;
    size_t total = 0;
    for (int round = 0; round < 5; round++) {
        drop(cur);
        size_t before = fake_host_count(FAKE_WS_SEND);
        cur = reopen(cur, 60000);
        fake_host_advance(31000); // any hold carried over ends
        lc_tick();
        std::vector<std::string> got;
        std::vector<std::string> frames = sent(before, &got);
        size_t resends = (size_t)std::count(got.begin(), got.end(), cids[1]);
        total += resends;
        EXPECT_EQ(std::count(got.begin(), got.end(), cids[0]), 0) << "b was echoed";
        EXPECT_LE(resends, 1u) << "round " << round;
        if (round == 4) {
            EXPECT_EQ(resends, 0u) << "given up";
        }
    }
    // Three resends of ours on new connections (pf_ws's copy re-queued
    // after the hold is taken back, not sent as well); never "b", which
    // was echoed.
    EXPECT_EQ(total, 3u);
    EXPECT_EQ(html().find("waiting"), std::string::npos);
}

TEST_F(ChatRoom, AServerThatEchoesNoClientIdGetsNoResends)
{
    // Without a cid in the echoes the server may not keep them: after a
    // drop nothing already sent is sent again (it could be stored twice).
    mount("{\"room\":\"r1\"}");
    ASSERT_EQ(type_and_send("a"), PF_OK);
    lc_ws(ws, chat_msg(8, "alice", "a", 1));
    ASSERT_EQ(type_and_send("b"), PF_OK);
    lc_tick();
    drop(ws);
    size_t before = fake_host_count(FAKE_WS_SEND);
    reopen(ws);
    EXPECT_TRUE(sent(before).empty());
}

TEST_F(ChatRoom, AHistorySayingTheServerKeepsClientIdsLetsTheFirstMessageBeSentAgain)
{
    // "cids": true in the history: the first message, dropped before any
    // echo, is sent again with its cid on the next connection. The same
    // history without the flag (the test above) leaves it at most once.
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":true}");
    ASSERT_EQ(type_and_send("first"), PF_OK);
    std::vector<std::string> cids;
    ASSERT_EQ(sent(0, &cids), (std::vector<std::string>{ "{\"text\":\"first\"}" }));
    drop(ws);
    size_t before = fake_host_count(FAKE_WS_SEND);
    reopen(ws);
    std::vector<std::string> again;
    EXPECT_EQ(sent(before, &again), (std::vector<std::string>{ "{\"text\":\"first\"}" }));
    EXPECT_EQ(again, cids);
}

TEST_F(ChatRoom, AHistoryWithoutTheClientIdFlagGivesNoResends)
{
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":\"yes\"}");
    ASSERT_EQ(type_and_send("first"), PF_OK);
    drop(ws);
    size_t before = fake_host_count(FAKE_WS_SEND);
    reopen(ws);
    EXPECT_TRUE(sent(before).empty()) << "only true says so";
}

TEST_F(ChatRoom, HostileStringsInEveryFieldAreText)
{
    mount("{\"room\":\"r1\"}");
    int id = 1;
    for (const char *h : kHostile) {
        lc_ws(ws, "{\"type\":\"message\",\"id\":" + std::to_string(id) + ",\"user\":" + lc_json_str(h) +
                      ",\"text\":" + lc_json_str(h) + ",\"timestamp\":" + lc_json_str(h) + "}");
        lc_ws(ws, "{\"type\":\"user_joined\",\"message\":" + lc_json_str(h) + "}");
        lc_ws(ws, "{\"error\":" + lc_json_str(h) + "}");
        id++;
    }
    lc_ws(ws, "{\"type\":\"user_left\",\"user\":{\"name\":\"<script>x</script>\"}}");
    lc_tick();
    std::string out = html();
    EXPECT_EQ(out.find("<script"), std::string::npos);
    EXPECT_EQ(out.find("<img"), std::string::npos);
    EXPECT_EQ(out.find("<a "), std::string::npos);
    EXPECT_NE(out.find("&lt;script&gt;x&lt;/script&gt; left the room"), std::string::npos);
    EXPECT_EQ(lc_count(out, "<li "), 19u);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(ChatRoom, MalformedFramesAndWrongTypesAreIgnored)
{
    mount("{\"room\":\"r1\"}");
    const char *bad[] = {
        "not json", "[1]", "7", "{}", "{\"type\":[]}", "{\"type\":\"mystery\"}",
        "{\"type\":\"message\"}", "{\"type\":\"message\",\"text\":5}",
        "{\"type\":\"history\",\"messages\":\"x\"}", "{\"type\":\"history\"}",
    };
    for (const char *b : bad)
        lc_ws(ws, b);
    // Wrong types of optional fields: shown with defaults.
    lc_ws(ws, "{\"type\":\"message\",\"id\":\"x\",\"user\":5,\"user_id\":\"y\",\"text\":\"ok\",\"timestamp\":7}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[1,null,{\"text\":\"h\",\"user_id\":9}]}");
    lc_tick();
    EXPECT_GE(lc_num(c, "ignored"), 6);
    std::string h = html();
    EXPECT_NE(h.find("<strong class=\"user\" dir=\"auto\">User 9</strong>: <span class=\"text\" dir=\"auto\">h</span></li>"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(ChatRoom, HistoryIsBounded)
{
    mount("{\"room\":\"r1\"}");
    for (int i = 1; i <= 600; i++)
        lc_ws(ws, chat_msg(i, "u", "m" + std::to_string(i)));
    lc_tick();
    std::string h = html();
    EXPECT_EQ(lc_count(h, "<li class=\"message\""), 500u);
    EXPECT_EQ(h.find("data-id=\"m100\""), std::string::npos);
    EXPECT_NE(h.find("data-id=\"m101\""), std::string::npos);
    EXPECT_NE(h.find("data-id=\"m600\""), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(ChatRoom, InvalidRoomIsShownAndNothingConnects)
{
    mount("{\"room\":\"../admin\"}", false);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 0u);
    EXPECT_NE(html().find("<p class=\"error\">Invalid room id</p>"), std::string::npos);
    EXPECT_EQ(type_and_send("x"), PF_ESTATE);
}

// A second ChatRoom of a room joins the shared socket after more frames than
// the pool keeps for late joiners (512): the pool tells it to resync, and it
// takes a socket of its own, which starts with the room's history. The
// first one stays on the shared socket. Once per mount: a resync on its own
// socket does not open another.
TEST_F(ChatRoom, ALateSecondRoomOnABusySharedSocketGetsTheHistoryOnASocketOfItsOwn)
{
    mount("{\"room\":\"busy\"}");
    pf_component *first = c;
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[" + chat_msg(1, "bob", "first", 1) + "],\"seq\":1}");
    for (int i = 2; i <= 600; i++)
        lc_ws(ws, chat_msg(i, "bob", "m" + std::to_string(i), i));
    lc_tick();
    ASSERT_EQ(lc_count(lc_html(first), "<li class=\"message\""), 500u);

    pf_component *second = nullptr;
    std::string props = "{\"room\":\"busy\"}";
    ASSERT_EQ(pf_component_mount("ChatRoom", 4, props.data(), props.size(), &second), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    int32_t own = fake_host_last(FAKE_WS_OPEN)->handle;
    EXPECT_NE(own, ws);
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/room/busy");
    pf_io_opened(own);
    std::string hist = "{\"type\":\"history\",\"messages\":[";
    for (int i = 551; i <= 600; i++)
        hist += (i > 551 ? "," : "") + chat_msg(i, "bob", "m" + std::to_string(i), i);
    lc_ws(own, hist + "],\"seq\":600}");
    lc_ws(own, chat_msg(601, "carol", "after", 601));
    lc_ws(ws, chat_msg(601, "carol", "after", 601));
    lc_tick();
    std::string h = lc_html(second);
    EXPECT_EQ(lc_count(h, "<li class=\"message\""), 51u);
    EXPECT_NE(h.find("data-id=\"m551\""), std::string::npos);
    EXPECT_NE(h.find("data-id=\"m601\""), std::string::npos);
    EXPECT_EQ(lc_check_patches(second), "");
    // The first one kept its socket and its log.
    EXPECT_EQ(lc_count(lc_html(first), "<li class=\"message\""), 500u);
    EXPECT_NE(lc_html(first).find("data-id=\"m601\""), std::string::npos);
    EXPECT_EQ(fake_host_count(FAKE_WS_CLOSE), 0u);

    lc_ws(own, "{\"type\":\"resync\"}");
    lc_tick();
    fake_host_advance(10000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    EXPECT_EQ(pf_component_unmount(second), PF_OK);
}

// On a socket it shares from the start, a resync is followed by the room's
// history (the server's rule): nothing more is opened. A resync that no
// history follows within 5 s (a server that cannot fill a gap) moves the
// ChatRoom to a socket of its own, which starts with the history.
TEST_F(ChatRoom, AResyncWithoutAHistoryWithinFiveSecondsTakesASocketOfItsOwn)
{
    mount("{\"room\":\"r\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[" + chat_msg(1, "bob", "one", 1) + "],\"seq\":1}");
    lc_ws(ws, "{\"type\":\"resync\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[" + chat_msg(2, "bob", "two", 2) + "],\"seq\":2}");
    lc_tick();
    fake_host_advance(10000);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    EXPECT_NE(html().find("data-id=\"m2\""), std::string::npos);

    lc_ws(ws, "{\"type\":\"resync\"}");
    lc_ws(ws, chat_msg(9, "bob", "nine", 9));
    lc_tick();
    fake_host_advance(4900);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    fake_host_advance(200);
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    int32_t own = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(own);
    lc_ws(own, "{\"type\":\"history\",\"messages\":[" + chat_msg(8, "bob", "eight", 8) + "," +
                   chat_msg(9, "bob", "nine", 9) + "],\"seq\":9}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("data-id=\"m8\""), std::string::npos);
    EXPECT_EQ(h.find("data-id=\"m2\""), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

// A ChatRoom unmounted before its deferred switch runs opens nothing.
TEST_F(ChatRoom, UnmountedBeforeItsSwitchToASocketOfItsOwnOpensNothing)
{
    mount("{\"room\":\"busy\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0}");
    for (int i = 1; i <= 600; i++)
        lc_ws(ws, chat_msg(i, "bob", "m" + std::to_string(i), i));
    pf_component *second = nullptr;
    std::string props = "{\"room\":\"busy\"}";
    ASSERT_EQ(pf_component_mount("ChatRoom", 4, props.data(), props.size(), &second), PF_OK);
    EXPECT_EQ(pf_component_unmount(second), PF_OK);
    lc_tick();
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
}

namespace {
std::string echo_of(int id, const std::string &text, const std::string &cid)
{
    std::string e = chat_msg(id, "alice", text, id);
    e.insert(e.size() - 1, ",\"cid\":\"" + cid + "\"");
    return e;
}
}  // namespace

// Once the server keeps cids, at most 8 messages are out unechoed; the
// others wait and go out, in order, as echoes come. (After a rate-limit
// hold the whole queue went out at once; the server refused most of it and
// pf_ws puts a refused frame back only among the last 16 it sent.)
TEST_F(ChatRoom, AtMostEightMessagesAreOutWithoutTheirEchoTheRestFollowTheEchoes)
{
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":true}");
    for (int i = 1; i <= 20; i++)
        ASSERT_EQ(type_and_send("m" + std::to_string(i)), PF_OK);
    std::vector<std::string> cids;
    std::vector<std::string> out = sent(0, &cids);
    ASSERT_EQ(out.size(), 8u);
    EXPECT_EQ(out[7], "{\"text\":\"m8\"}");
    EXPECT_NE(html().find("12 messages waiting to be sent"), std::string::npos) << html();
    for (int k = 0; k < 20; k++) {
        // Echo the oldest one out; the next one waiting goes.
        lc_ws(ws, echo_of(k + 1, "m" + std::to_string(k + 1), cids[k]));
        lc_tick();
        std::vector<std::string> more;
        out = sent(0, &more);
        cids = more;
        ASSERT_EQ(out.size(), std::min<size_t>(20, 9 + k)) << k;
    }
    for (int i = 0; i < 20; i++)
        EXPECT_EQ(out[i], "{\"text\":\"m" + std::to_string(i + 1) + "\"}");
    EXPECT_EQ(html().find("waiting to be sent"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

// A message the server refuses for good comes back as an error with its
// cid: shown once, no longer kept, not sent again on the next connection,
// and its place among the eight goes to the next one.
TEST_F(ChatRoom, AMessageRefusedWithItsClientIdIsShownOnceAndNotSentAgain)
{
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":true}");
    ASSERT_EQ(type_and_send("refused"), PF_OK);
    ASSERT_EQ(type_and_send("fine"), PF_OK);
    std::vector<std::string> cids;
    ASSERT_EQ(sent(0, &cids).size(), 2u);
    lc_ws(ws, "{\"type\":\"error\",\"code\":\"invalid_message\",\"message\":\"no &lt;b&gt; here\",\"cid\":\"" +
                  cids[0] + "\"}");
    lc_tick();
    EXPECT_EQ(lc_count(html(), "<li class=\"error\""), 1u);
    drop(ws);
    size_t before = fake_host_count(FAKE_WS_SEND);
    reopen(ws);
    EXPECT_EQ(sent(before), (std::vector<std::string>{ "{\"text\":\"fine\"}" }));
    EXPECT_EQ(lc_count(html(), "<li class=\"error\""), 1u);
}

// Control characters (other than tab and line breaks) would be refused by
// the server: the draft is kept with a clear error, nothing is sent.
TEST_F(ChatRoom, AMessageWithControlCharactersKeepsTheDraftAndSaysWhy)
{
    mount("{\"room\":\"r1\"}");
    EXPECT_EQ(type_and_send("line one\x0bline two"), PF_EINVAL);
    EXPECT_EQ(fake_host_count(FAKE_WS_SEND), 0u);
    std::string h = html();
    EXPECT_NE(h.find("control characters"), std::string::npos);
    EXPECT_NE(h.find("value=\"line one"), std::string::npos) << h;
    // Tabs and line breaks are fine.
    EXPECT_EQ(type_and_send("a\tb\nc\r\nd"), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_SEND), 1u);
}

// A second ChatRoom that joins the room's shared socket during a rate-limit
// hold counts down what is left of it (it showed "retry in 1 s", then
// nothing, for a 10 s hold).
TEST_F(ChatRoom, ASecondRoomJoiningDuringAHoldCountsDownWhatIsLeft)
{
    mount("{\"room\":\"r1\"}");
    ASSERT_EQ(type_and_send("one"), PF_OK);
    lc_ws(ws, "{\"error\":\"Rate limit exceeded\",\"retry_after\":10}");
    lc_tick();
    fake_host_advance(3000);
    lc_tick();
    pf_component *second = nullptr;
    std::string props = "{\"room\":\"r1\"}";
    ASSERT_EQ(pf_component_mount("ChatRoom", 4, props.data(), props.size(), &second), PF_OK);
    lc_tick();
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
    std::string h = lc_html(second);
    EXPECT_NE(h.find("data-state=\"rate_limited\""), std::string::npos) << h;
    EXPECT_NE(h.find("Rate limit exceeded: retry in 7 s"), std::string::npos) << h;
    fake_host_advance(5000);
    lc_tick();
    EXPECT_NE(lc_html(second).find("retry in 2 s"), std::string::npos) << lc_html(second);
    fake_host_advance(2500);
    lc_tick();
    EXPECT_EQ(lc_html(second).find("Rate limit"), std::string::npos);
    EXPECT_EQ(pf_component_unmount(second), PF_OK);
}

// Replies that never carry the cid (a server error without it, an older
// server) cannot stall the queue for good: a message out unechoed for 10 s
// stops counting against the eight.
TEST_F(ChatRoom, MessagesNeverEchoedStopCountingAfterTenSeconds)
{
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":true}");
    for (int i = 1; i <= 9; i++)
        ASSERT_EQ(type_and_send("m" + std::to_string(i)), PF_OK);
    for (int i = 1; i <= 8; i++)
        lc_ws(ws, "{\"type\":\"error\",\"code\":\"internal_error\",\"message\":\"could not store\"}");
    lc_tick();
    EXPECT_EQ(sent().size(), 8u);
    fake_host_advance(9000);
    lc_tick();
    EXPECT_EQ(sent().size(), 8u);
    fake_host_advance(1100);
    lc_tick();
    std::vector<std::string> out = sent();
    ASSERT_EQ(out.size(), 9u);
    EXPECT_EQ(out[8], "{\"text\":\"m9\"}");
    EXPECT_EQ(html().find("waiting to be sent"), std::string::npos);
}

// m1, m2, m3 go out; the server refuses m3 with its rate-limit reply (pf_ws
// puts it back in its outbox) and the connection drops before m1 and m2 are
// echoed. The next connection sends the three again, in the order typed and
// once each: before, pf_ws's copy of m3 went first and m3 went twice, so the
// server stored m3 before m1 and m2.
TEST_F(ChatRoom, AfterAHoldAndADropTheUnechoedMessagesGoOutOnceInOrder)
{
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":true}");
    for (const char *t : { "m1", "m2", "m3" })
        ASSERT_EQ(type_and_send(t), PF_OK);
    std::vector<std::string> cids;
    ASSERT_EQ(sent(0, &cids).size(), 3u);
    lc_ws(ws, "{\"error\":\"Rate limit exceeded\",\"retry_after\":5}");
    lc_tick();
    EXPECT_NE(html().find("1 message waiting to be sent"), std::string::npos) << html();
    drop(ws);
    size_t before = fake_host_count(FAKE_WS_SEND);
    int32_t ws2 = reopen(ws); // the hold ended meanwhile
    std::vector<std::string> again;
    EXPECT_EQ(sent(before, &again),
              (std::vector<std::string>{ "{\"text\":\"m1\"}", "{\"text\":\"m2\"}", "{\"text\":\"m3\"}" }));
    EXPECT_EQ(again, cids);
    for (int i = 0; i < 3; i++)
        lc_ws(ws2, echo_of(i + 1, "m" + std::to_string(i + 1), cids[i]));
    lc_tick();
    EXPECT_EQ(html().find("waiting to be sent"), std::string::npos);
    EXPECT_EQ(sent(before).size(), 3u);
}

// Two ChatRooms on one shared socket: each shows only its own messages as
// waiting (before, each showed the socket's whole outbox).
TEST_F(ChatRoom, TheQueuedCountIsOnlyThisRoomsOwnMessages)
{
    mount("{\"room\":\"r1\"}");
    ASSERT_EQ(type_and_send("one"), PF_OK);
    lc_ws(ws, "{\"error\":\"Rate limit exceeded\",\"retry_after\":5}"); // "one" waits in pf_ws's outbox
    lc_tick();
    pf_component *second = nullptr;
    std::string props = "{\"room\":\"r1\"}";
    ASSERT_EQ(pf_component_mount("ChatRoom", 4, props.data(), props.size(), &second), PF_OK);
    lc_tick();
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u) << "shared";
    EXPECT_NE(html().find("1 message waiting to be sent"), std::string::npos) << html();
    EXPECT_EQ(lc_html(second).find("waiting to be sent"), std::string::npos) << lc_html(second);
    ASSERT_EQ(lc_dispatch(second, "input", "draft", "two"), PF_OK);
    lc_tick();
    ASSERT_EQ(lc_dispatch(second, "submit", "send"), PF_OK);
    lc_tick();
    EXPECT_NE(html().find("1 message waiting to be sent"), std::string::npos) << html();
    EXPECT_NE(lc_html(second).find("1 message waiting to be sent"), std::string::npos) << lc_html(second);
    fake_host_advance(5000);
    lc_tick();
    EXPECT_EQ(sent(), (std::vector<std::string>{ "{\"text\":\"one\"}", "{\"text\":\"one\"}", "{\"text\":\"two\"}" }));
    EXPECT_EQ(html().find("waiting to be sent"), std::string::npos);
    EXPECT_EQ(lc_html(second).find("waiting to be sent"), std::string::npos);
    EXPECT_EQ(pf_component_unmount(second), PF_OK);
}

// A ChatRoom that leaves its shared socket for one of its own (a resync
// without a history) takes back the message the shared socket re-queued
// after a rate-limit reply: it goes once, on the new socket, not a second
// time on the old one when its hold ends.
TEST_F(ChatRoom, AMessageRequeuedOnTheSharedSocketGoesOnceAfterTheSwitchToASocketOfItsOwn)
{
    mount("{\"room\":\"r\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":true}");
    ASSERT_EQ(type_and_send("one"), PF_OK);
    lc_ws(ws, "{\"error\":\"Rate limit exceeded\",\"retry_after\":8}");
    lc_ws(ws, "{\"type\":\"resync\"}");
    lc_tick();
    fake_host_advance(5100);
    ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 2u);
    int32_t own = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(own);
    lc_tick();
    fake_host_advance(10000); // the shared socket's hold ends
    lc_tick();
    EXPECT_EQ(sent(), (std::vector<std::string>{ "{\"text\":\"one\"}", "{\"text\":\"one\"}" }));
    EXPECT_EQ(fake_host_last(FAKE_WS_SEND)->handle, own);
    EXPECT_EQ(html().find("waiting to be sent"), std::string::npos);
}

// A message given up after MAX_RESENDS also leaves the socket's outbox: the
// copy pf_ws re-queued after a rate-limit reply is not sent on every later
// connection.
TEST_F(ChatRoom, AMessageGivenUpAfterItsResendsLeavesTheSocketsOutboxToo)
{
    mount("{\"room\":\"r1\"}");
    lc_ws(ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0,\"cids\":true}");
    ASSERT_EQ(type_and_send("m1"), PF_OK);
    int32_t cur = ws;
    std::string per_round;
    for (int round = 0; round < 6; round++) {
        size_t before = fake_host_count(FAKE_WS_SEND);
        lc_ws(cur, "{\"error\":\"Rate limit exceeded\",\"retry_after\":5}");
        lc_tick();
        drop(cur);
        size_t opens = fake_host_count(FAKE_WS_OPEN);
        for (int i = 0; i < 1200 && fake_host_count(FAKE_WS_OPEN) == opens; i++)
            fake_host_advance(100);
        cur = fake_host_last(FAKE_WS_OPEN)->handle;
        pf_io_opened(cur);
        lc_tick();
        fake_host_advance(6000); /* a hold carried over ends */
        lc_tick();
        per_round += std::to_string(sent(before).size()) + " ";
    }
    EXPECT_EQ(per_round, "1 1 1 0 0 0 ") << html();
}
