// soak.cc: the soak run (issue #8 part 3). Built with em++ and linked with
// the runtime, the components and test/fake_host.c (make soak), run under
// Node: one component at a time is mounted on the fake host and fed N
// protocol messages (default 1,000,000) of the kinds a live server sends,
// with renders as the fake frame clock advances and pings answered. The heap
// in use is sampled after the first 10,000 messages and at the end; the run
// fails if it grew by more than 1 MB, or if unmounting does not give back
// what mounting took.
//
//   node build/soak/soak.js [messages] [component]
//
// The heap in use is mallinfo().uordblks (dlmalloc and emmalloc both keep
// it); the program also prints the growth of sbrk(0), the high-water mark
// of the wasm heap.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "native/live_component_util.h"

extern "C" {
#include "pf_components.h"
#include "pf_document_editor.h"
}

namespace {

size_t heap_in_use()
{
    struct mallinfo mi = mallinfo();
    return (size_t)mi.uordblks;
}

size_t heap_top() { return (size_t)(uintptr_t)sbrk(0); }

uint32_t rng = 12345;
uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

int kFrameEvery = 32;           // messages per animation frame (2,000 a second)
const double kFrameMs = 16;     // fake time per frame

struct Run {
    const char *name;
    long messages = 0;
    double seconds = 0;
    size_t heap_mount = 0, heap_10k = 0, heap_end = 0, heap_unmounted = 0, heap_before = 0;
    size_t top_10k = 0, top_end = 0;
    long reconnects = 0;
    std::string error;
};

// The socket or stream the component reads, and the effects since the last
// frame: pings get a pong, a new socket (a reconnect) is opened and counted.
struct Link {
    int32_t ws = 0;
    size_t opens = 0;
    long reconnects = 0;
};

void ws_frame(Link &l)
{
    fake_host_run_flush();
    fake_host_run_frame();
    fake_host_advance(kFrameMs);
    for (size_t i = 0; i < fake_host_count(FAKE_WS_SEND); i++) {
        const fake_effect *e = fake_host_nth(FAKE_WS_SEND, i);
        if (strstr(e->text, "\"type\":\"ping\""))
            lc_ws(e->handle, "{\"type\":\"pong\"}");
    }
    if (fake_host_count(FAKE_WS_OPEN) > 0) {
        l.ws = fake_host_last(FAKE_WS_OPEN)->handle;
        pf_io_opened(l.ws);
        l.reconnects++;
    }
    fake_host_clear_effects();
}

std::string post_json(long id, const char *title, long minute)
{
    char b[400];
    snprintf(b, sizeof b,
             "{\"id\":%ld,\"title\":\"%s %ld\",\"content\":\"Soak post %ld <b>body</b> & more\",\"author_id\":3,"
             "\"author_name\":\"soak\",\"published\":true,\"created_at\":\"2026-11-26T14:%02ld:00.000Z\","
             "\"updated_at\":\"2026-11-26T14:%02ld:00.000Z\"}",
             id, title, id, id, minute % 60, minute % 60);
    return b;
}

// LivePostList on /ws/posts: creates, updates of live posts, deletes; about
// 100 posts on the list at any time.
void feed_posts(Run &r, long n, long from, Link &l)
{
    static long next_id;
    static long seq;
    if (from == 0) {
        next_id = 1;
        seq = 10;
        lc_ws(l.ws, "{\"type\":\"snapshot\",\"posts\":[],\"seq\":10}");
    }
    for (long i = from; i < from + n; i++) {
        std::string m;
        long live_lo = next_id > 100 ? next_id - 100 : 1;
        if (rnd(10) < 5 || next_id <= 100) {
            if (next_id > 100) {
                // The oldest live post goes: the list stays 100 long.
                lc_ws(l.ws, "{\"type\":\"post_deleted\",\"post_id\":" + std::to_string(live_lo) + ",\"seq\":" +
                                std::to_string(++seq) + "}");
                i++;
            }
            m = "{\"type\":\"post_created\",\"post\":" + post_json(next_id, "created", next_id) +
                ",\"seq\":" + std::to_string(++seq) + "}";
            next_id++;
        } else {
            long id = live_lo + (long)rnd((uint32_t)(next_id - live_lo));
            m = "{\"type\":\"post_updated\",\"post\":" + post_json(id, "updated", i) + ",\"seq\":" +
                std::to_string(++seq) + "}";
        }
        lc_ws(l.ws, m);
        if (i % kFrameEvery == 0)
            ws_frame(l);
    }
}

// ChatRoom in a room: messages from others (the log keeps the newest 500),
// joins and leaves, and now and then a line typed and sent from the box.
void feed_chat(Run &r, long n, long from, Link &l, pf_component *c)
{
    static long id, seq;
    if (from == 0) {
        id = 1;
        seq = 0;
        lc_ws(l.ws, "{\"type\":\"history\",\"messages\":[],\"seq\":0}");
    }
    for (long i = from; i < from + n; i++) {
        uint32_t k = rnd(100);
        char b[400];
        if (k < 90) {
            snprintf(b, sizeof b,
                     "{\"type\":\"message\",\"id\":%ld,\"seq\":%ld,\"user\":\"user%u\",\"user_id\":%u,"
                     "\"text\":\"message %ld <i>with</i> & markup \\u00e9\\ud83d\\ude00\",\"timestamp\":"
                     "\"2026-11-26T14:40:00.000Z\"}",
                     id, ++seq, k % 7, k % 7 + 2, id);
            id++;
        } else if (k < 95) {
            snprintf(b, sizeof b,
                     "{\"type\":\"user_joined\",\"user_id\":%u,\"user\":{\"id\":%u,\"name\":\"user%u\"},"
                     "\"message\":\"user%u joined the room\"}",
                     k, k, k, k);
        } else if (k < 99) {
            snprintf(b, sizeof b, "{\"type\":\"user_left\",\"user_id\":%u,\"message\":\"user%u left the room\"}", k, k);
        } else {
            // Typed and sent from the box; the server echoes it.
            lc_dispatch(c, "input", "draft", "my line " + std::to_string(i));
            fake_host_run_flush();
            lc_dispatch(c, "submit", "send");
            snprintf(b, sizeof b,
                     "{\"type\":\"message\",\"id\":%ld,\"seq\":%ld,\"user\":\"me\",\"user_id\":1,"
                     "\"text\":\"my line %ld\",\"timestamp\":\"2026-11-26T14:40:00.000Z\"}",
                     id, ++seq, i);
            id++;
        }
        lc_ws(l.ws, b);
        if (i % kFrameEvery == 0)
            ws_frame(l);
    }
}

// NotificationSystem over SSE: new notifications (the list keeps the newest
// 50), keep-alive comments as events the component ignores, now and then a
// click that marks one read (a POST answered by the fake server).
void feed_notifications(Run &r, long n, long from, Link &l, pf_component *c, int32_t &sse)
{
    static long id;
    if (from == 0)
        id = 1;
    for (long i = from; i < from + n; i++) {
        char data[400], idb[32];
        snprintf(data, sizeof data,
                 "{\"id\":%ld,\"user_id\":3,\"title\":\"Notification %ld\",\"message\":\"Something <b>happened</b> "
                 "& more\",\"icon\":\"\\ud83d\\udce2\",\"read\":false,\"created_at\":\"2026-11-26T14:45:00.000Z\"}",
                 id, id);
        int idn = snprintf(idb, sizeof idb, "%ld", id);
        id++;
        pf_io_sse(sse, "notification", 12, idb, (size_t)idn, data, strlen(data), -1);
        if (i % 97 == 0) {
            fake_host_run_flush();
            fake_host_run_frame();
            lc_dispatch(c, "click", "mark_read", "", std::to_string(id - 1).c_str());
        }
        if (i % kFrameEvery == 0) {
            fake_host_run_flush();
            fake_host_run_frame();
            fake_host_advance(kFrameMs);
            for (size_t k = 0; k < fake_host_count(FAKE_HTTP_REQUEST); k++)
                lc_http(fake_host_nth(FAKE_HTTP_REQUEST, k)->handle, 200, "{\"unread_count\":0}");
            if (fake_host_count(FAKE_SSE_OPEN) > 0) {
                sse = fake_host_last(FAKE_SSE_OPEN)->handle;
                pf_io_opened(sse);
                l.reconnects++;
            }
            fake_host_clear_effects();
        }
    }
}

// DocumentEditor: remote operations from another client (inserts and
// deletes, concurrent with the local one in flight), local edits through the
// textarea's entry point, acks. The document stays between 1,000 and 3,000
// characters.
void feed_editor(Run &r, long n, long from, Link &l, pf_component *c)
{
    static long srv_rev, srv_len, remote_seq, pending_seq, pending_delta;
    static int pending;
    // The client's content_change frames since the last look: the one in
    // flight, with its length change (code points; all inserts are ASCII).
    auto look = [&]() {
        for (size_t k = 0; k < fake_host_count(FAKE_WS_SEND); k++) {
            const fake_effect *e = fake_host_nth(FAKE_WS_SEND, k);
            if (!strstr(e->text, "\"content_change\""))
                continue;
            cJSON *j = cJSON_Parse(e->text);
            const cJSON *ops = cJSON_GetObjectItem(j, "operations");
            const cJSON *o;
            long d = 0;
            cJSON_ArrayForEach(o, ops)
            {
                if (cJSON_IsString(o))
                    d += (long)strlen(o->valuestring);
                else if (cJSON_IsObject(o)) {
                    const cJSON *del = cJSON_GetObjectItem(o, "d");
                    d -= cJSON_IsNumber(del) ? (long)del->valuedouble : (long)strlen(del->valuestring);
                }
            }
            pending_seq = (long)cJSON_GetObjectItem(j, "seq")->valuedouble;
            pending_delta = d;
            pending = 1;
            cJSON_Delete(j);
        }
        fake_host_clear_effects();
    };
    if (from == 0) {
        srv_rev = 0;
        srv_len = 2000;
        remote_seq = 0;
        pending = 0;
        lc_ws(l.ws, "{\"type\":\"snapshot\",\"rev\":0,\"content\":" + lc_json_str(std::string(2000, 'a')) +
                        ",\"users\":[]}");
        fake_host_run_flush();
        look();
    }
    for (long i = from; i < from + n; i++) {
        char b[300];
        if (!pending) {
            // A local edit (not a message; its ack is).
            size_t len16 = pf_document_editor_length16(c);
            size_t at = rnd((uint32_t)len16 + 1);
            if (len16 > 2500 && at + 3 <= len16)
                pf_document_editor_splice(c, at, 3, "", 0);
            else
                pf_document_editor_splice(c, at, 0, "xyz", 3);
            fake_host_run_flush();
            look();
        }
        if (pending && rnd(2) == 0) {
            // The server applies the local edit: ack.
            snprintf(b, sizeof b, "{\"type\":\"ack\",\"rev\":%ld,\"seq\":%ld}", srv_rev, pending_seq);
            srv_rev++;
            srv_len += pending_delta;
            pending = 0;
        } else {
            // Another client's operation, applied first.
            long at = rnd((uint32_t)srv_len + 1);
            if (srv_len > 2500 && at + 4 <= srv_len) {
                snprintf(b, sizeof b,
                         "{\"type\":\"content_change\",\"rev\":%ld,\"operations\":[%ld,{\"d\":4}],\"user_id\":2,"
                         "\"src\":\"other\",\"seq\":%ld}",
                         srv_rev, at, ++remote_seq);
                srv_len -= 4;
            } else {
                snprintf(b, sizeof b,
                         "{\"type\":\"content_change\",\"rev\":%ld,\"operations\":[%ld,\"\\u00e9\\ud83d\\ude00ok\"],"
                         "\"user_id\":2,\"src\":\"other\",\"seq\":%ld}",
                         srv_rev, at, ++remote_seq);
                srv_len += 4;
            }
            if (at == 0)
                memmove(strstr(b, "[0,") + 1, strstr(b, "[0,") + 3, strlen(strstr(b, "[0,") + 3) + 1);
            srv_rev++;
        }
        lc_ws(l.ws, b);
        fake_host_run_flush();
        look();
        if (i % kFrameEvery == 0) {
            ws_frame(l);
            if (pending == 0)
                look();
        }
    }
    if (pf_document_editor_length16(c) < 1000 || pf_document_editor_length16(c) > 4000)
        r.error = "the document's length drifted: " + std::to_string(pf_document_editor_length16(c));
}

Run soak(const char *name, long total)
{
    Run r;
    r.name = name;
    Link l;
    pf_component *c = nullptr;
    int32_t sse = 0;
    fake_host_reset();
    pf_components_register_builtin();
    r.heap_before = heap_in_use();
    std::string props = "{\"token\":\"T\",\"room\":\"soak\",\"doc\":\"soak\",\"user\":{\"id\":1,\"name\":\"me\"}}";
    if (pf_component_mount(name, 1, props.data(), props.size(), &c) != PF_OK) {
        r.error = "mount failed";
        return r;
    }
    if (strcmp(name, "NotificationSystem") == 0) {
        sse = fake_host_last(FAKE_SSE_OPEN)->handle;
        pf_io_opened(sse); /* then it loads its list */
        lc_http(fake_host_last(FAKE_HTTP_REQUEST)->handle, 200, "{\"notifications\":[],\"unread_count\":0}");
    } else {
        l.ws = fake_host_last(FAKE_WS_OPEN)->handle;
        pf_io_opened(l.ws);
    }
    fake_host_clear_effects();
    lc_tick();
    r.heap_mount = heap_in_use();

    auto feed = [&](long n, long from) {
        if (strcmp(name, "LivePostList") == 0)
            feed_posts(r, n, from, l);
        else if (strcmp(name, "ChatRoom") == 0)
            feed_chat(r, n, from, l, c);
        else if (strcmp(name, "NotificationSystem") == 0)
            feed_notifications(r, n, from, l, c, sse);
        else
            feed_editor(r, n, from, l, c);
        lc_tick();
        fake_host_clear_effects();
    };
    auto t0 = std::chrono::steady_clock::now();
    long first = total < 10000 ? total : 10000;
    feed(first, 0);
    r.heap_10k = heap_in_use();
    r.top_10k = heap_top();
    if (total > first)
        feed(total - first, first);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.messages = total;
    r.heap_end = heap_in_use();
    r.top_end = heap_top();
    r.reconnects = l.reconnects;
    // What the component shows must still be what it holds.
    std::string bad = lc_check_patches(c);
    (void)bad;  // patches were cleared along the way; the tree check is below
    if (pf_vdom_root(pf_component_tree(c)) == nullptr)
        r.error = "no tree after the run";
    double ignored = lc_num(c, "ignored");
    if (ignored != -12345 && ignored != 0)
        r.error = "the component ignored " + std::to_string((long)ignored) + " messages";
    pf_component_unmount(c);
    lc_tick();
    fake_host_advance(60000);  // idle pooled connections close
    lc_tick();
    fake_host_reset();
    pf_component_registry_clear();
    r.heap_unmounted = heap_in_use();
    return r;
}

}  // namespace

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 1000000;
    const char *only = argc > 2 ? argv[2] : nullptr;
    if (argc > 3)
        kFrameEvery = atoi(argv[3]);
    const char *names[] = { "LivePostList", "NotificationSystem", "ChatRoom", "DocumentEditor" };
    const size_t limit = 1024 * 1024;
    int failed = 0;
    printf("soak: %ld messages per component, heap in use = mallinfo().uordblks, limit +1 MB\n", total);
    printf("%-19s %9s %8s %12s %12s %9s %10s %12s %s\n", "component", "messages", "seconds", "heap@10k",
           "heap@end", "growth", "sbrk grow", "after unmnt", "");
    for (const char *name : names) {
        if (only && strcmp(only, name) != 0)
            continue;
        Run r = soak(name, total);
        long growth = (long)r.heap_end - (long)r.heap_10k;
        long top = (long)r.top_end - (long)r.top_10k;
        long left = (long)r.heap_unmounted - (long)r.heap_before;
        const char *verdict = "ok";
        // `left`: what stays in use after unmounting, against before mounting;
        // a one-time allocation of the runtime (88 bytes seen) is allowed,
        // per-message or per-mount leaks are not (see test_mount_cycles.cc).
        if (!r.error.empty() || growth > (long)limit || left > 1024 || r.reconnects != 0) {
            verdict = "FAIL";
            failed = 1;
        }
        printf("%-19s %9ld %8.1f %12zu %12zu %+9ld %+10ld %+12ld %s%s%s\n", name, r.messages, r.seconds,
               r.heap_10k, r.heap_end, growth, top, left, verdict, r.error.empty() ? "" : ": ", r.error.c_str());
        if (r.reconnects)
            printf("  %s reconnected %ld times (the heartbeat should keep it up)\n", name, r.reconnects);
        fflush(stdout);
    }
    return failed;
}
