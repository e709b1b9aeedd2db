// test_document_editor.cc: the DocumentEditor component
// (components/pf_document_editor.c) on the fake host: join and snapshot,
// local range edits sent as content_change with rev/src/seq, save status,
// remote operations shown as set_range_text calls with UTF-16 offsets,
// undo, presence and cursors, reconnects that lose nothing, hostile input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "live_component_util.h"

extern "C" {
#include "pf_document_editor.h"
#include "pf_ws.h"
}

namespace {

// "😀" (U+1F600): one code point, two UTF-16 units, four UTF-8 bytes.
#define GRIN "\xF0\x9F\x98\x80"

struct RangeCall {
    std::string text;
    int start, end;
};

class DocumentEditor : public ::testing::Test {
  protected:
    pf_component *c = nullptr;
    int32_t ws = 0;
    size_t calls_seen = 0;

    void SetUp() override
    {
        fake_host_reset();
        ASSERT_EQ(pf_component_register(&pf_document_editor_class), PF_OK);
    }
    void TearDown() override
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }

    void mount(const std::string &props = "{\"doc\":\"d1\",\"token\":\"T\",\"user\":{\"id\":1,\"name\":\"alice\"}}")
    {
        ASSERT_EQ(pf_component_mount("DocumentEditor", 3, props.data(), props.size(), &c), PF_OK);
        ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), 1u);
        ws = fake_host_last(FAKE_WS_OPEN)->handle;
        pf_io_opened(ws);
        lc_tick();
    }

    void snapshot(const std::string &content, int rev = 3, const std::string &users = "[]")
    {
        lc_ws(ws, "{\"type\":\"snapshot\",\"rev\":" + std::to_string(rev) + ",\"content\":" + lc_json_str(content) +
                      ",\"users\":" + users + "}");
        lc_tick();
    }

    std::vector<std::string> sent(size_t from = 0)
    {
        std::vector<std::string> out;
        for (size_t i = from; i < fake_host_count(FAKE_WS_SEND); i++) {
            std::string t = fake_host_nth(FAKE_WS_SEND, i)->text;
            if (t.find("\"ping\"") == std::string::npos)
                out.push_back(t);
        }
        return out;
    }

    // set_range_text calls made since the last call of this function.
    std::vector<RangeCall> ranges()
    {
        std::vector<RangeCall> out;
        for (; calls_seen < fake_host_count(FAKE_CALL); calls_seen++) {
            const fake_effect *e = fake_host_nth(FAKE_CALL, calls_seen);
            if (std::string(e->name, e->name_len) != "set_range_text")
                continue;
            cJSON *a = cJSON_Parse(e->text);
            EXPECT_STREQ(cJSON_GetObjectItem(a, "key")->valuestring, "editor");
            out.push_back({ cJSON_GetObjectItem(a, "text")->valuestring,
                            (int)cJSON_GetObjectItem(a, "start")->valuedouble,
                            (int)cJSON_GetObjectItem(a, "end")->valuedouble });
            cJSON_Delete(a);
        }
        return out;
    }

    // A mirror of the textarea: the snapshot and every range call, applied
    // with UTF-16 offsets as setRangeText does.
    std::u16string view;
    void sync_view()
    {
        for (const RangeCall &r : ranges()) {
            std::u16string t = utf16(r.text);
            ASSERT_LE(r.start, r.end);
            ASSERT_LE((size_t)r.end, view.size());
            view.replace(r.start, r.end - r.start, t);
        }
    }
    static std::u16string utf16(const std::string &s)
    {
        std::u16string out;
        for (size_t i = 0; i < s.size();) {
            unsigned char b = s[i];
            uint32_t cp;
            int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
            cp = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
            for (int k = 1; k < n; k++)
                cp = (cp << 6) | (s[i + k] & 0x3F);
            i += n;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                out.push_back((char16_t)(0xD800 + (cp >> 10)));
                out.push_back((char16_t)(0xDC00 + (cp & 0x3FF)));
            } else {
                out.push_back((char16_t)cp);
            }
        }
        return out;
    }
    std::string text()
    {
        size_t len;
        const char *t = pf_text_data(pf_ot_client_text(pf_document_editor_client(c)), &len);
        return std::string(t, len);
    }
    std::string html() { return lc_html(c); }
    // Advances the clock until the n-th socket attempt starts.
    void reopen(size_t n)
    {
        for (int i = 0; i < 600 && fake_host_count(FAKE_WS_OPEN) < n; i++)
            fake_host_advance(100);
        ASSERT_EQ(fake_host_count(FAKE_WS_OPEN), n);
    }
};

}  // namespace

TEST_F(DocumentEditor, JoinsAndShowsTheSnapshotAsARangeReplacement)
{
    mount();
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/docs/d1?token=T");
    std::vector<std::string> s = sent();
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].find("{\"type\":\"join\",\"src\":\""), 0u) << s[0];
    // Read-only until the snapshot.
    EXPECT_NE(html().find("readonly"), std::string::npos);
    snapshot("h\xC3\xA9llo " GRIN " world", 3,
             "[{\"id\":1,\"name\":\"alice\",\"avatar\":\"https://a.example/1.png\",\"cursor\":null},"
             "{\"id\":2,\"name\":\"bob\",\"avatar\":\"\",\"cursor\":4}]");
    std::vector<RangeCall> r = ranges();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].text, "h\xC3\xA9llo " GRIN " world");
    EXPECT_EQ(r[0].start, 0);
    EXPECT_EQ(r[0].end, 0);
    EXPECT_EQ(pf_document_editor_length16(c), 14u);
    std::string h = html();
    EXPECT_EQ(h.find("readonly"), std::string::npos);
    EXPECT_NE(h.find("<span class=\"user-count\">2 online</span>"), std::string::npos) << h;
    EXPECT_NE(h.find("<img class=\"avatar\" data-user=\"1\" src=\"https://a.example/1.png\" alt=\"alice\" "
                     "title=\"alice\">"),
              std::string::npos)
        << h;
    EXPECT_NE(h.find("<div class=\"save-status\" data-saving=\"false\">\xE2\x9C\x85 Saved</div>"), std::string::npos);
    // The textarea never carries the text.
    EXPECT_EQ(h.find("world"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(DocumentEditor, LocalSpliceSendsTheRangeAndAckSaves)
{
    mount();
    snapshot("a" GRIN "b");
    size_t from = fake_host_count(FAKE_WS_SEND);
    // Type "x" after "a😀" (UTF-16 offset 3 = code point 2).
    ASSERT_EQ(pf_document_editor_splice(c, 3, 0, "x", 1), PF_OK);
    lc_tick();
    std::vector<std::string> s = sent(from);
    ASSERT_EQ(s.size(), 1u);
    cJSON *m = cJSON_Parse(s[0].c_str());
    EXPECT_STREQ(cJSON_GetObjectItem(m, "type")->valuestring, "content_change");
    EXPECT_EQ(cJSON_GetObjectItem(m, "rev")->valuedouble, 3);
    EXPECT_EQ(cJSON_GetObjectItem(m, "seq")->valuedouble, 1);
    EXPECT_TRUE(cJSON_IsString(cJSON_GetObjectItem(m, "src")));
    char *ops = cJSON_PrintUnformatted(cJSON_GetObjectItem(m, "operations"));
    EXPECT_STREQ(ops, "[2,\"x\"]");
    free(ops);
    cJSON_Delete(m);
    EXPECT_EQ(text(), "a" GRIN "xb");
    EXPECT_NE(html().find("\xF0\x9F\x92\xBE Saving..."), std::string::npos);
    // More typing while one is in flight is buffered.
    ASSERT_EQ(pf_document_editor_splice(c, 4, 0, GRIN, 4), PF_OK);
    ASSERT_EQ(pf_document_editor_splice(c, 0, 1, "", 0), PF_OK); // delete "a"
    EXPECT_EQ(sent(from).size(), 1u);
    EXPECT_EQ(text(), GRIN "x" GRIN "b");
    EXPECT_EQ(pf_document_editor_length16(c), 6u);
    // A range that splits a surrogate pair is refused (the bindings fall back).
    EXPECT_EQ(pf_document_editor_splice(c, 1, 0, "y", 1), PF_ERANGE);
    EXPECT_EQ(pf_document_editor_splice(c, 5, 2, "", 0), PF_ERANGE);
    lc_ws(ws, "{\"type\":\"ack\",\"rev\":3,\"seq\":1}");
    lc_tick();
    s = sent(from);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_NE(s[1].find("\"rev\":4"), std::string::npos) << s[1];
    EXPECT_NE(s[1].find("\"seq\":2"), std::string::npos) << s[1];
    EXPECT_NE(html().find("Saving..."), std::string::npos);
    lc_ws(ws, "{\"type\":\"ack\",\"rev\":4,\"seq\":2}");
    lc_tick();
    EXPECT_NE(html().find("\xE2\x9C\x85 Saved"), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(DocumentEditor, RemoteOperationsBecomeRangeCallsInUtf16)
{
    mount();
    view.clear();
    snapshot("a" GRIN "b" GRIN "c");
    sync_view();
    // Insert after "a😀b" (code point 3 = UTF-16 4).
    lc_ws(ws, "{\"type\":\"content_change\",\"rev\":3,\"operations\":[3,\"X\"],\"user_id\":2,\"src\":\"B\",\"seq\":1}");
    std::vector<RangeCall> r = ranges();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].start, 4);
    EXPECT_EQ(r[0].end, 4);
    EXPECT_EQ(r[0].text, "X");
    view.replace(4, 0, u"X");
    // Delete "😀b" and replace the last "😀" with "🎉" in one operation; the
    // seq repeats the other client's: it is not a stream position here.
    lc_ws(ws, "{\"type\":\"content_change\",\"rev\":4,\"operations\":[1,{\"d\":2},1,\"\xF0\x9F\x8E\x89\",{\"d\":1}],"
              "\"user_id\":2,\"src\":\"B\",\"seq\":1}");
    r = ranges();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].start, 1);
    EXPECT_EQ(r[0].end, 4);
    EXPECT_EQ(r[0].text, "");
    EXPECT_EQ(r[1].start, 2);
    EXPECT_EQ(r[1].end, 4);
    EXPECT_EQ(r[1].text, "\xF0\x9F\x8E\x89");
    view.replace(1, 3, u"");
    view.replace(2, 2, utf16("\xF0\x9F\x8E\x89"));
    EXPECT_EQ(view, utf16(text()));
    EXPECT_EQ(text(), "aX\xF0\x9F\x8E\x89" "c");
    EXPECT_EQ(pf_document_editor_length16(c), 5u);
}

TEST_F(DocumentEditor, RandomEditsKeepTheViewAndTheIndexInStep)
{
    mount();
    view.clear();
    snapshot("");
    sync_view();
    const char *pieces[] = { "a", GRIN, "\xE4\xB8\xAD", "\n", "\xF0\x9F\x8E\x89" "z" };
    uint32_t seed = 7;
    auto rnd = [&](uint32_t n) {
        seed = seed * 1103515245u + 12345u;
        return n ? (seed >> 8) % n : 0;
    };
    int rev = 3;
    for (int i = 0; i < 400; i++) {
        size_t len16 = pf_document_editor_length16(c);
        ASSERT_EQ(len16, view.size());
        size_t cps = pf_text_length(pf_ot_client_text(pf_document_editor_client(c)));
        if (rnd(3) == 0) {
            // A remote op at a random code point.
            size_t pos = rnd((uint32_t)cps + 1);
            size_t del = pos < cps && rnd(2) ? 1 + rnd((uint32_t)(cps - pos < 3 ? cps - pos : 3)) : 0;
            std::string ops = "[";
            if (pos)
                ops += std::to_string(pos) + ",";
            ops += lc_json_str(pieces[rnd(5)]);
            if (del)
                ops += ",{\"d\":" + std::to_string(del) + "}";
            ops += "]";
            // Based on the server rev; the client transforms past its own.
            lc_ws(ws, "{\"type\":\"content_change\",\"rev\":" + std::to_string(rev) + ",\"operations\":" + ops +
                          ",\"user_id\":2,\"src\":\"B\",\"seq\":" + std::to_string(i) + "}");
            rev++;
            sync_view();
        } else {
            // A local edit at a character boundary of the view.
            size_t p = rnd((uint32_t)view.size() + 1);
            if (p < view.size() && view[p] >= 0xDC00 && view[p] < 0xE000)
                p--;
            size_t d = 0;
            if (p < view.size() && rnd(2))
                d = (view[p] >= 0xD800 && view[p] < 0xDC00) ? 2 : 1;
            std::string ins = rnd(4) ? pieces[rnd(5)] : "";
            ASSERT_EQ(pf_document_editor_splice(c, p, d, ins.data(), ins.size()), PF_OK);
            view.replace(p, d, utf16(ins));
        }
        // Ack whatever is in flight now and then.
        std::vector<std::string> s = sent();
        if (!s.empty() && rnd(4) == 0) {
            cJSON *m = cJSON_Parse(s.back().c_str());
            if (std::string(cJSON_GetObjectItem(m, "type")->valuestring) == "content_change") {
                int seq = (int)cJSON_GetObjectItem(m, "seq")->valuedouble;
                int base = (int)cJSON_GetObjectItem(m, "rev")->valuedouble;
                if (base == rev && pf_ot_client_has_pending(pf_document_editor_client(c))) {
                    lc_ws(ws, "{\"type\":\"ack\",\"rev\":" + std::to_string(rev) + ",\"seq\":" +
                                  std::to_string(seq) + "}");
                    rev++;
                }
            }
            cJSON_Delete(m);
        }
    }
    EXPECT_EQ(view, utf16(text()));
}

TEST_F(DocumentEditor, UndoAndRedoUpdateTheTextareaByRanges)
{
    mount();
    snapshot("abc");
    ranges();
    ASSERT_EQ(pf_document_editor_splice(c, 3, 0, GRIN, 4), PF_OK);
    ASSERT_EQ(pf_document_editor_undo(c, 0), PF_OK);
    std::vector<RangeCall> r = ranges();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].start, 3);
    EXPECT_EQ(r[0].end, 5);
    EXPECT_EQ(r[0].text, "");
    EXPECT_EQ(text(), "abc");
    ASSERT_EQ(pf_document_editor_undo(c, 1), PF_OK);
    r = ranges();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].start, 3);
    EXPECT_EQ(r[0].end, 3);
    EXPECT_EQ(r[0].text, GRIN);
    EXPECT_EQ(pf_document_editor_undo(c, 1), PF_ESTATE);
}

TEST_F(DocumentEditor, PresenceAndRemoteCursors)
{
    mount();
    snapshot(GRIN "hello", 3, "[{\"id\":1,\"name\":\"alice\",\"avatar\":\"\"}]");
    EXPECT_NE(html().find("1 online"), std::string::npos);
    lc_ws(ws, "{\"type\":\"user_joined\",\"user\":{\"id\":2,\"name\":\"bob\",\"avatar\":\"/img/b.png\"}}");
    lc_ws(ws, "{\"type\":\"user_joined\",\"user\":{\"id\":2,\"name\":\"bob\",\"avatar\":\"/img/b.png\"}}");
    lc_ws(ws, "{\"type\":\"cursor_update\",\"user_id\":2,\"position\":3,\"rev\":3}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("2 online"), std::string::npos) << h;
    EXPECT_NE(h.find("src=\"/img/b.png\""), std::string::npos);
    EXPECT_NE(h.find("<span class=\"cursor\" data-user=\"2\" data-pos=\"3\" data-offset=\"4\" title=\"bob\"></span>"),
              std::string::npos)
        << h;
    // A remote insert before the cursor moves it.
    lc_ws(ws, "{\"type\":\"content_change\",\"rev\":3,\"operations\":[\"ab\"],\"user_id\":3,\"src\":\"C\",\"seq\":1}");
    lc_tick();
    EXPECT_NE(html().find("data-pos=\"5\" data-offset=\"6\""), std::string::npos) << html();
    lc_ws(ws, "{\"type\":\"user_left\",\"user_id\":2}");
    lc_tick();
    h = html();
    EXPECT_NE(h.find("1 online"), std::string::npos);
    EXPECT_EQ(h.find("class=\"cursor\""), std::string::npos);
    EXPECT_EQ(lc_check_patches(c), "");
}

// The users list is looked up by string id (user_find's strcmp): users
// whose id is missing, empty or of another JSON type are never listed, and
// looking them up (a join, a leave, a cursor) never reads a NULL id.
TEST_F(DocumentEditor, UsersWithoutAUsableIdAreIgnored)
{
    mount();
    snapshot("abc", 3,
             "[{\"id\":1,\"name\":\"alice\"},{\"name\":\"no id\"},{\"id\":null},{\"id\":true},"
             "{\"id\":{}},{\"id\":[7]},{\"id\":\"\"},{\"id\":7,\"name\":\"seven\"},{\"id\":\"x\"},5,null]");
    EXPECT_NE(html().find("3 online"), std::string::npos) << html();
    for (const char *id : { "null", "true", "{}", "[7]", "\"\"", "1.5e400" }) {
        std::string i(id);
        lc_ws(ws, "{\"type\":\"user_joined\",\"user\":{\"id\":" + i + ",\"name\":\"bad\"}}");
        lc_ws(ws, "{\"type\":\"cursor_update\",\"user_id\":" + i + ",\"position\":1,\"rev\":3}");
        lc_ws(ws, "{\"type\":\"user_left\",\"user_id\":" + i + "}");
    }
    lc_ws(ws, "{\"type\":\"user_left\"}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("3 online"), std::string::npos) << h;
    EXPECT_EQ(h.find(">bad<"), std::string::npos);
    lc_ws(ws, "{\"type\":\"user_left\",\"user_id\":\"7\"}");  // "7" and 7 are one user
    lc_ws(ws, "{\"type\":\"user_left\",\"user_id\":\"x\"}");
    lc_tick();
    EXPECT_NE(html().find("1 online"), std::string::npos) << html();
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(DocumentEditor, ReconnectResubmitsAndLosesNothing)
{
    mount();
    snapshot("doc", 5);
    ASSERT_EQ(pf_document_editor_splice(c, 3, 0, "1", 1), PF_OK);
    std::vector<std::string> s = sent();
    ASSERT_EQ(s.size(), 2u);
    std::string first = s[1];
    EXPECT_NE(first.find("\"seq\":1"), std::string::npos);
    // The link drops before the ack; typing goes on offline.
    pf_io_closed(ws, 1006, "", 0);
    lc_tick();
    EXPECT_NE(html().find("Reconnecting"), std::string::npos);
    ASSERT_EQ(pf_document_editor_splice(c, 4, 0, "2", 1), PF_OK);
    size_t before = fake_host_count(FAKE_WS_SEND);
    reopen(2);
    ws = fake_host_last(FAKE_WS_OPEN)->handle;
    EXPECT_STREQ(fake_host_last(FAKE_WS_OPEN)->text, "/ws/docs/d1?token=T"); // no since=
    pf_io_opened(ws);
    lc_tick();
    s = sent(before);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_NE(s[0].find("\"type\":\"join\",\"rev\":5"), std::string::npos) << s[0];
    // The same operation with the same (src, seq), resubmitted.
    EXPECT_EQ(s[1].substr(0, s[1].find("\"cursor_position\"")), first.substr(0, first.find("\"cursor_position\"")));
    // The server had applied it: a duplicate ack; then the buffer goes.
    lc_ws(ws, "{\"type\":\"ack\",\"rev\":5,\"seq\":1,\"duplicate\":true}");
    s = sent(before);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_NE(s[2].find("\"operations\":[4,\"2\"]"), std::string::npos) << s[2];
    EXPECT_NE(s[2].find("\"seq\":2"), std::string::npos) << s[2];
    lc_ws(ws, "{\"type\":\"ack\",\"rev\":6,\"seq\":2}");
    lc_tick();
    EXPECT_EQ(text(), "doc12");
    EXPECT_NE(html().find("Saved"), std::string::npos);

    // A restarted server that lost the revision answers with a snapshot:
    // the unacknowledged edit is rebased on it and sent again.
    ASSERT_EQ(pf_document_editor_splice(c, 5, 0, "3", 1), PF_OK);
    pf_io_closed(ws, 1012, "Server restarting", 17);
    reopen(3);
    ws = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(ws);
    ranges();
    snapshot("doc12", 7);
    EXPECT_EQ(text(), "doc123");
    EXPECT_TRUE(ranges().empty()); // the textarea already shows it
    s = sent();
    EXPECT_NE(s.back().find("\"operations\":[5,\"3\"]"), std::string::npos) << s.back();
    EXPECT_NE(s.back().find("\"rev\":7"), std::string::npos) << s.back();
}

TEST_F(DocumentEditor, EditsTheServerKeepsRefusingAreShownAsNotSavedUntilAnAck)
{
    mount();
    snapshot("doc", 5);
    ASSERT_EQ(pf_document_editor_splice(c, 3, 0, "!", 1), PF_OK);
    // The server refuses the edit each time it comes back (after a rejoin
    // and a snapshot); the client gives it up after a few rounds.
    int rounds = 0;
    for (; rounds < 10 && html().find("Edits not saved") == std::string::npos; rounds++) {
        std::string op;
        for (const std::string &m : sent())
            if (m.find("\"content_change\"") != std::string::npos)
                op = m;
        ASSERT_FALSE(op.empty());
        cJSON *m = cJSON_Parse(op.c_str());
        int seq = (int)cJSON_GetObjectItem(m, "seq")->valuedouble;
        cJSON_Delete(m);
        lc_ws(ws, "{\"type\":\"error\",\"code\":\"too_large\",\"message\":\"<b>too large</b>\",\"seq\":" +
                      std::to_string(seq) + "}");
        lc_tick();
        snapshot("doc", 5);
    }
    EXPECT_EQ(rounds, 4);
    // Escaped, and still shown after the snapshot that replaced the text.
    EXPECT_NE(html().find("<p class=\"error\">Edits not saved: &lt;b&gt;too large&lt;/b&gt;</p>"), std::string::npos)
        << html();
    EXPECT_EQ(text(), "doc");
    // A later edit that the server takes clears it.
    size_t from = fake_host_count(FAKE_WS_SEND);
    ASSERT_EQ(pf_document_editor_splice(c, 0, 0, "a", 1), PF_OK);
    ASSERT_EQ(sent(from).size(), 1u);
    cJSON *m = cJSON_Parse(sent(from)[0].c_str());
    int seq = (int)cJSON_GetObjectItem(m, "seq")->valuedouble;
    cJSON_Delete(m);
    lc_ws(ws, "{\"type\":\"ack\",\"rev\":5,\"seq\":" + std::to_string(seq) + "}");
    lc_tick();
    EXPECT_EQ(html().find("Edits not saved"), std::string::npos) << html();
    EXPECT_EQ(text(), "adoc");
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(DocumentEditor, AckTimeoutReconnects)
{
    mount();
    snapshot("x");
    ASSERT_EQ(pf_document_editor_splice(c, 1, 0, "y", 1), PF_OK);
    fake_host_advance(10500);
    EXPECT_GE(fake_host_count(FAKE_WS_CLOSE), 1u);
}

TEST_F(DocumentEditor, FallbackWholeTextAndLocalCursor)
{
    mount();
    snapshot("hello world");
    ASSERT_EQ(pf_document_editor_replace_text(c, "hello " GRIN " world", 16, 8), PF_OK);
    EXPECT_EQ(text(), "hello " GRIN " world");
    EXPECT_EQ(pf_document_editor_length16(c), 14u);
    std::vector<std::string> s = sent();
    EXPECT_NE(s.back().find("\"rev\":3,\"operations\":[5,\" " GRIN "\"]"), std::string::npos) << s.back();
    lc_ws(ws, "{\"type\":\"ack\",\"rev\":3,\"seq\":1}");
    ASSERT_EQ(pf_document_editor_set_cursor(c, 8), PF_OK);
    EXPECT_NE(sent().back().find("{\"type\":\"cursor_update\",\"position\":7,\"rev\":4}"), std::string::npos)
        << sent().back();
    EXPECT_EQ(pf_document_editor_set_cursor(c, 7), PF_ERANGE); // inside the emoji
}

TEST_F(DocumentEditor, ANulByteInALocalEditIsRefusedAndChangesNothing)
{
    // A document holds no U+0000 (docs/protocol.md section 9): clients
    // refuse frames with \u0000, so such an insert would stop them all.
    mount();
    snapshot("hello");
    size_t from = fake_host_count(FAKE_WS_SEND);
    EXPECT_EQ(pf_document_editor_splice(c, 1, 0, "a\0b", 3), PF_EINVAL);
    EXPECT_EQ(pf_document_editor_replace_text(c, "he\0llo", 6, 3), PF_EINVAL);
    lc_tick();
    EXPECT_EQ(text(), "hello");
    EXPECT_EQ(sent(from).size(), 0u);
    ASSERT_EQ(pf_document_editor_splice(c, 1, 0, "a\xEF\xBF\xBD" "b", 5), PF_OK); // U+FFFD is fine
    EXPECT_EQ(text(), "ha\xEF\xBF\xBD" "bello");
}

TEST_F(DocumentEditor, HostileNamesAndAvatarsAreEscaped)
{
    mount("{\"doc\":\"d1\",\"user\":{\"id\":\"<b>\",\"name\":\"<script>x</script>\",\"avatar\":\"javascript:alert(1)\"}}");
    std::string users = "[";
    int id = 10;
    for (const char *h : kHostile) {
        if (users.size() > 1)
            users += ",";
        users += "{\"id\":" + std::to_string(id++) + ",\"name\":" + lc_json_str(h) + ",\"avatar\":" +
                 lc_json_str(std::string("javascript:alert(1)//") + h) + "}";
    }
    users += ",{\"id\":" + lc_json_str("\"><script>") + ",\"name\":\"x\",\"avatar\":\"data:text/html,<svg onload=alert(1)>\"}";
    // An SVG data: image is an image (the reference server's avatars): kept,
    // escaped, as the src of an <img>, where it cannot run script.
    users += ",{\"id\":99,\"name\":\"svg\",\"avatar\":\"data:image/svg+xml,<svg onload=alert(1)>\"}]";
    snapshot("text", 3, users);
    lc_ws(ws, "{\"type\":\"cursor_update\",\"user_id\":\"\\\"><img src=x onerror=alert(1)>\",\"position\":2}");
    lc_ws(ws, "{\"type\":\"user_joined\",\"user\":{\"id\":\"<i>\",\"name\":" + lc_json_str(kHostile[1]) + "}}");
    lc_tick();
    std::string h = html();
    EXPECT_EQ(h.find("<script"), std::string::npos) << h;
    EXPECT_EQ(h.find("<img src=x"), std::string::npos) << h;
    EXPECT_EQ(h.find("src=\"javascript:"), std::string::npos) << h;
    // Every avatar but the SVG image was unsafe.
    size_t src = h.find(" src=\"");
    ASSERT_NE(src, std::string::npos) << h;
    EXPECT_EQ(h.find(" src=\"", src + 1), std::string::npos) << h;
    EXPECT_EQ(h.compare(src, 48, " src=\"data:image/svg+xml,&lt;svg onload=alert(1)"), 0) << h.substr(src, 60);
    EXPECT_EQ(h.find("<svg"), std::string::npos) << h;
    EXPECT_NE(h.find("&lt;script&gt;"), std::string::npos);
    EXPECT_NE(h.find("10 online"), std::string::npos) << h;
    EXPECT_EQ(lc_check_patches(c), "");
}

TEST_F(DocumentEditor, BadPropsAndMalformedFrames)
{
    ASSERT_EQ(pf_component_mount("DocumentEditor", 4, "{\"doc\":\"../x\"}", 14, &c), PF_OK);
    EXPECT_EQ(fake_host_count(FAKE_WS_OPEN), 0u);
    lc_tick();
    EXPECT_NE(html().find("Invalid document id"), std::string::npos);
    pf_component_unmount(c);
    mount();
    snapshot("abc");
    for (const char *f : { "{\"type\":\"content_change\",\"rev\":3,\"operations\":[9,\"x\"]}",
                           "{\"type\":\"content_change\"}", "{\"type\":\"ack\"}", "{\"type\":\"snapshot\"}",
                           "{\"type\":\"user_joined\",\"user\":5}", "{\"type\":\"user_left\"}",
                           "{\"type\":\"cursor_update\",\"user_id\":2,\"position\":-1}", "[1]", "{\"error\":\"x\"}" })
        lc_ws(ws, f);
    lc_tick();
    EXPECT_EQ(lc_check_patches(c), "");
    EXPECT_EQ(pf_document_editor_splice(c, 1, 0, "\xff", 1), PF_EUTF8);
    EXPECT_EQ(pf_document_editor_splice(nullptr, 0, 0, "", 0), PF_EINVAL);
}

// Bob's cursor is shown; the link drops; bob leaves while we are away. On the
// rejoin the server announces only who is present (nobody but us), so bob's
// user_left never arrives. The user list is reset, and bob's cursor goes with him.
TEST_F(DocumentEditor, TheCursorOfAUserWhoLeftWhileTheLinkWasDownIsNotDrawn)
{
    mount();
    lc_ws(ws, "{\"type\":\"snapshot\",\"rev\":3,\"content\":\"hello\",\"users\":[{\"id\":1,\"name\":\"alice\",\"avatar\":\"\",\"cursor\":null},{\"id\":2,\"name\":\"bob\",\"avatar\":\"\",\"cursor\":null}]}");
    lc_ws(ws, "{\"type\":\"cursor_update\",\"user_id\":2,\"position\":3,\"rev\":3}");
    lc_tick();
    ASSERT_NE(html().find("class=\"cursor\" data-user=\"2\""), std::string::npos) << html();
    EXPECT_EQ(html().find("data-stale"), std::string::npos);
    pf_io_closed(ws, 1006, "", 0);
    lc_tick();
    // While the link is down: the list is marked stale, bob's cursor (which
    // would no longer move) is not drawn.
    EXPECT_NE(html().find("<div class=\"users\" data-stale=\"true\">"), std::string::npos) << html();
    EXPECT_EQ(html().find("class=\"cursor\""), std::string::npos) << html();
    reopen(2);
    ws = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(ws);
    lc_tick();
    // Rejoin at rev 3, nothing changed; only alice (ourselves) is present.
    lc_ws(ws, "{\"type\":\"user_joined\",\"user\":{\"id\":1,\"name\":\"alice\",\"avatar\":\"\"}}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("1 online"), std::string::npos);
    EXPECT_EQ(h.find("data-stale"), std::string::npos) << h;
    EXPECT_EQ(h.find("class=\"cursor\""), std::string::npos) << "bob's cursor still drawn though he is gone";
    EXPECT_EQ(lc_check_patches(c), "");
}
// Same, but the server cannot serve the rev and sends a fresh snapshot
// listing only alice: bob's cursor goes too.
TEST_F(DocumentEditor, ASnapshotWithoutAUserDropsItsCursor)
{
    mount();
    lc_ws(ws, "{\"type\":\"snapshot\",\"rev\":3,\"content\":\"hello\",\"users\":[{\"id\":2,\"name\":\"bob\",\"avatar\":\"\",\"cursor\":null}]}");
    lc_ws(ws, "{\"type\":\"cursor_update\",\"user_id\":2,\"position\":3,\"rev\":3}");
    lc_tick();
    lc_ws(ws, "{\"type\":\"resync\"}");
    lc_tick();
    lc_ws(ws, "{\"type\":\"snapshot\",\"rev\":9,\"content\":\"hello world\",\"users\":[{\"id\":1,\"name\":\"alice\",\"avatar\":\"\",\"cursor\":null}]}");
    lc_tick();
    std::string h = html();
    EXPECT_EQ(h.find("data-user=\"2\""), std::string::npos) << "bob's cursor survives a snapshot without him";
}
// The protocol: snapshot users carry "cursor" (their position at rev). A
// freshly joined editor should show them.
TEST_F(DocumentEditor, TheCursorsASnapshotCarriesAreShown)
{
    mount();
    lc_ws(ws, "{\"type\":\"snapshot\",\"rev\":3,\"content\":\"hello\",\"users\":[{\"id\":1,\"name\":\"alice\",\"avatar\":\"\",\"cursor\":null},{\"id\":2,\"name\":\"bob\",\"avatar\":\"\",\"cursor\":4}]}");
    lc_tick();
    std::string h = html();
    EXPECT_NE(h.find("class=\"cursor\" data-user=\"2\" data-pos=\"4\""), std::string::npos) << "bob's cursor from the snapshot";
    // Out of range, fractional or not a number: no cursor, no error.
    lc_ws(ws, "{\"type\":\"snapshot\",\"rev\":4,\"content\":\"hi\",\"users\":[{\"id\":2,\"name\":\"bob\",\"cursor\":1e300},"
              "{\"id\":3,\"name\":\"carol\",\"cursor\":1.5},{\"id\":4,\"name\":\"dan\",\"cursor\":\"7\"},{\"id\":5,\"name\":\"eve\",\"cursor\":9}]}");
    lc_tick();
    h = html();
    EXPECT_EQ(h.find("data-user=\"3\" data-pos"), std::string::npos);
    EXPECT_EQ(h.find("data-user=\"4\" data-pos"), std::string::npos);
    EXPECT_NE(h.find("class=\"cursor\" data-user=\"5\" data-pos=\"2\""), std::string::npos) << "clamped to the text\n" << h;
    EXPECT_EQ(lc_check_patches(c), "");
}
