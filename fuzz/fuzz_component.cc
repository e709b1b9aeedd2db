// fuzz_component.cc: a live component fed network input on the fake host.
//
// Built twice per component class (FUZZ_<CLASS> picks it below):
//
//   fuzz_<name>_msg     the whole input is one message on an open, loaded
//                       component (after a fixed prelude);
//   fuzz_<name>_script  the input is a script (fuzz_util.h): messages,
//                       socket opens and closes, HTTP answers, SSE events,
//                       clock moves and DOM events, in any order.
//
// After every step the harness runs the pending flushes and frames, so the
// state, render and diff paths run on whatever the messages left. At the
// end every DOM patch the component sent is applied to the reference DOM of
// test/native/dom_ref_applier.h, which must then equal the component's
// tree; then the component is unmounted and every allocation must be freed
// (LeakSanitizer).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dom_ref_applier.h"
#include "fuzz_util.h"

// The component under test: one of these is defined by the Makefile.
#if defined(FUZZ_LIVE_POST_LIST)
#define FUZZ_CLASS pf_live_post_list_class
#define FUZZ_NAME "LivePostList"
#define FUZZ_PROPS "{\"token\":\"T\"}"
#define FUZZ_PRELUDE "!o", "{\"type\":\"snapshot\",\"posts\":[{\"id\":1,\"title\":\"Hi\",\"content\":\"first\",\"author_id\":3,\"author_name\":\"alice\",\"published\":true,\"created_at\":\"2026-11-26T14:00:00.000Z\",\"updated_at\":\"2026-11-26T14:00:00.000Z\"}],\"seq\":1}"
#elif defined(FUZZ_NOTIFICATION_SYSTEM)
#define FUZZ_CLASS pf_notification_system_class
#define FUZZ_NAME "NotificationSystem"
#define FUZZ_PROPS "{\"token\":\"T\"}"
#define FUZZ_PRELUDE "!o", "!h200 {\"notifications\":[{\"id\":30,\"user_id\":3,\"title\":\"old\",\"message\":\"m\",\"read\":true,\"created_at\":\"2026-11-26T14:45:00.000Z\"}]}"
#define FUZZ_SSE 1
#elif defined(FUZZ_CHAT_ROOM)
#define FUZZ_CLASS pf_chat_room_class
#define FUZZ_NAME "ChatRoom"
#define FUZZ_PROPS "{\"room\":\"lobby\",\"token\":\"T\",\"user\":\"alice\"}"
#define FUZZ_PRELUDE "!o", "{\"type\":\"history\",\"messages\":[{\"type\":\"message\",\"id\":3,\"seq\":1,\"user\":\"bob\",\"user_id\":2,\"text\":\"hi\",\"timestamp\":\"2026-11-26T14:40:00.000Z\"}],\"seq\":1}"
#elif defined(FUZZ_DOCUMENT_EDITOR)
#define FUZZ_CLASS pf_document_editor_class
#define FUZZ_NAME "DocumentEditor"
#define FUZZ_PROPS "{\"doc\":\"d1\",\"token\":\"T\",\"user\":{\"id\":1,\"name\":\"alice\"}}"
#define FUZZ_PRELUDE "!o", "{\"type\":\"snapshot\",\"rev\":3,\"content\":\"hello world\",\"users\":[{\"id\":2,\"name\":\"bob\"}]}"
#elif defined(FUZZ_KEYED_LIST)
// No connection of its own: messages come through pf_component_deliver (the
// page's handle.deliver). Its rows are memoized, so renders share them.
#define FUZZ_CLASS keyed_list_class
#define FUZZ_NAME "KeyedList"
#define FUZZ_PROPS "{\"items\":[{\"id\":1,\"label\":\"a\"},{\"id\":2,\"label\":\"b\"}]}"
#define FUZZ_PRELUDE "{\"type\":\"set\",\"items\":[{\"id\":1,\"label\":\"one\"},{\"id\":2,\"label\":\"two\"},{\"id\":\"x\",\"label\":\"<b>three</b>\"}]}"
#define FUZZ_DELIVER 1
#elif defined(FUZZ_LIVE_COUNTER)
// The example of docs/components.md (examples/live_counter.c).
#define FUZZ_CLASS live_counter_class
#define FUZZ_NAME "LiveCounter"
#define FUZZ_PROPS "{\"url\":\"ws://example.test/counter\",\"label\":\"n\"}"
#define FUZZ_PRELUDE "!o", "{\"type\":\"count\",\"value\":1}"
#else
#error "define one of FUZZ_LIVE_POST_LIST, FUZZ_NOTIFICATION_SYSTEM, FUZZ_CHAT_ROOM, FUZZ_DOCUMENT_EDITOR, FUZZ_KEYED_LIST, FUZZ_LIVE_COUNTER"
#endif

extern "C" {
#include "fake_host.h"
#include "pf_component.h"
#include "pf_host.h"
#include "pf_loop.h"
#include "pf_text.h"
#include "pf_vdom.h"
extern const pf_component_class FUZZ_CLASS;
}

namespace {

const int32_t kRoot = 7;

// How a plain line reaches the component: a WebSocket frame, or for the
// NotificationSystem (SSE, then the HTTP load) the data of a "notification".
#ifdef FUZZ_SSE
const bool kSse = true;
#else
const bool kSse = false;
#endif

struct Harness {
    pf_component *c = nullptr;
    size_t http_next = 0;   // the oldest HTTP request not answered yet
    RefDom dom;             // the page, as the patches sent so far left it
    size_t patches = 0;     // patches applied to `dom`

    // Applies the patches sent since the last call, as the bindings would.
    void apply_patches()
    {
        for (; patches < fake_host_count(FAKE_DOM_PATCH); patches++) {
            const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, patches);
            if (e->handle != kRoot)
                continue;
            std::string err = dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len);
            if (!err.empty())
                fuzz::fail("a DOM patch does not apply", err);
        }
    }

    void tick()
    {
        for (int i = 0; i < 4 && (fake_host_flush_requested() || fake_host_frame_requested()); i++) {
            fake_host_run_flush();
            fake_host_run_frame();
        }
    }

    int32_t newest(fake_effect_kind kind)
    {
        const fake_effect *e = fake_host_last(kind);
        return e ? e->handle : 0;
    }

    void message(const std::string &m)
    {
#ifdef FUZZ_DELIVER
        pf_component_deliver(c, m.data(), m.size());
        return;
#endif
        if (kSse) {
            int32_t h = newest(FAKE_SSE_OPEN);
            if (h)
                pf_io_sse(h, "notification", 12, "", 0, m.data(), m.size(), -1);
        } else {
            int32_t h = newest(FAKE_WS_OPEN);
            if (h)
                pf_io_message(h, m.data(), m.size());
        }
    }

    static void collect(const pf_vnode *n, const std::string &attr, std::vector<const pf_vnode *> &out)
    {
        for (; n; n = n->next) {
            if (n->kind == PF_VNODE_ELEMENT && pf_vnode_attr(n, attr.c_str()))
                out.push_back(n);
            collect(n->first_child, attr, out);
        }
    }

    void dom_event(const std::string &line)
    {
        // !d<index> <type> <value>
        size_t end = 2;
        long index = fuzz::number(line, 2, 0, &end);
        std::string rest = fuzz::rest_after_number(line, 2);
        size_t sp = rest.find(' ');
        std::string type = rest.substr(0, sp);
        std::string value = sp == std::string::npos ? std::string() : rest.substr(sp + 1);
        if (type.empty())
            type = "click";
        // A control's value comes from a JS string: always valid UTF-8 once
        // the bindings encode it, and the HTML parser never leaves a NUL.
        size_t cps = 0, bad = 0;
        if (pf_utf8_count(value.data(), value.size(), &cps, &bad) != PF_OK ||
            value.find('\0') != std::string::npos)
            return;
        std::vector<const pf_vnode *> found;
        collect(pf_vdom_root(pf_component_tree(c)), "data-on-" + type, found);
        if (found.empty())
            return;
        const pf_vnode *n = found[(size_t)(index < 0 ? -index : index) % found.size()];
        // The user typed: the browser changed the control before the event.
        bool control = n->tag_len && (std::string(n->tag, n->tag_len) == "input" ||
                                      std::string(n->tag, n->tag_len) == "textarea");
        if (control && (type == "input" || type == "change")) {
            apply_patches();
            if (RefNode *r = dom.mutable_node(n->id)) {
                r->value = value;
                r->has_value = true;
            }
        }
        int32_t sel = (int32_t)value.size() / 2;
        pf_component_dispatch(kRoot, n->id, type.data(), type.size(), value.data(), value.size(),
                              sel, sel);
    }

    void step(const std::string &line)
    {
        if (line.size() < 2 || line[0] != '!') {
            message(line);
            tick();
            return;
        }
        switch (line[1]) {
        case 'o': {
            int32_t h = newest(kSse ? FAKE_SSE_OPEN : FAKE_WS_OPEN);
            if (h)
                pf_io_opened(h);
            break;
        }
        case 'c': {
            int32_t h = newest(FAKE_WS_OPEN);
            std::string reason = fuzz::rest_after_number(line, 2);
            if (h)
                pf_io_closed(h, (int)fuzz::number(line, 2, 1006), reason.data(), reason.size());
            break;
        }
        case 't': {
            long ms = fuzz::number(line, 2, 1000);
            fake_host_advance((double)(ms < 0 ? 0 : ms));
            break;
        }
        case 'h': {
            const fake_effect *e = fake_host_nth(FAKE_HTTP_REQUEST, http_next);
            if (!e)
                break;
            http_next++;
            std::string body = fuzz::rest_after_number(line, 2);
            pf_io_http_done(e->handle, (int)fuzz::number(line, 2, 200), body.data(), body.size());
            break;
        }
        case 'x': {
            int32_t h = newest(FAKE_SSE_OPEN);
            if (h)
                pf_io_error(h, (int)fuzz::number(line, 2, 0));
            break;
        }
        case 'e': {
            int32_t h = newest(FAKE_SSE_OPEN);
            std::vector<std::string> f = fuzz::split(line.substr(2), '\t');
            while (f.size() < 4)
                f.push_back(f.size() == 2 ? "-1" : "");
            if (h)
                pf_io_sse(h, f[0].data(), f[0].size(), f[1].data(), f[1].size(), f[3].data(),
                          f[3].size(), (int)fuzz::number(f[2], 0, -1));
            break;
        }
        case 'n':
            pf_net_changed(line.size() > 2 ? line[2] == '1' : 1, line.size() > 3 ? line[3] == '1' : 1);
            break;
        case 'd':
            dom_event(line);
            break;
        default:
            message(line);
            break;
        }
        tick();
    }

    void check_patches()
    {
        apply_patches();
        std::string diff = dom.compare(pf_component_tree(c));
        if (!diff.empty())
            fuzz::fail("the patched DOM differs from the component's tree", diff);
    }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fake_host_reset();
    // A class with PF_COMPONENT_REGISTER_AT_LOAD is registered already.
    int rc = pf_component_register(&FUZZ_CLASS);
    if (rc != PF_OK && rc != PF_EEXIST)
        fuzz::fail("cannot register " FUZZ_NAME);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fake_host_reset();
    Harness h;
    static const char props[] = FUZZ_PROPS;
    if (pf_component_mount(FUZZ_NAME, kRoot, props, sizeof props - 1, &h.c) != PF_OK)
        fuzz::fail("mount failed");
    h.tick();
#ifdef FUZZ_SINGLE
    static const char *const prelude[] = { FUZZ_PRELUDE };
    for (const char *line : prelude)
        h.step(line);
    h.message(std::string(reinterpret_cast<const char *>(data), size));
    h.tick();
    fake_host_advance(30000); /* timers the message armed (countdowns, retries) */
    h.tick();
#else
    for (const std::string &line : fuzz::lines(data, size))
        h.step(line);
#endif
    h.check_patches();
    pf_component_unmount_all();
    fake_host_reset();
    return 0;
}
