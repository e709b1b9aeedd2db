// live_component_util.h: helpers shared by the tests of the live components
// (LivePostList, NotificationSystem, ChatRoom) on the fake host.
//
// Header-only, everything in an anonymous namespace, like dom_ref_applier.h.
#ifndef PF_TEST_LIVE_COMPONENT_UTIL_H
#define PF_TEST_LIVE_COMPONENT_UTIL_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "dom_ref_applier.h"

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_component.h"
#include "pf_host.h"
#include "pf_loop.h"
#include "pf_state.h"
#include "pf_vdom.h"
}

namespace {

// Runs flushes and frames until nothing is pending (state notifications are
// delivered at a flush, renders happen at the next frame).
inline void lc_tick()
{
    for (int i = 0; i < 4; i++) {
        fake_host_run_flush();
        fake_host_run_frame();
    }
}

// The component's last rendered tree as HTML.
inline std::string lc_html(const pf_component *c)
{
    char *out = nullptr;
    size_t len = 0;
    if (pf_vdom_to_html(pf_component_tree(c), &out, &len) != PF_OK)
        return "<error>";
    std::string s(out, len);
    free(out);
    return s;
}

inline size_t lc_count(const std::string &hay, const std::string &needle)
{
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1))
        n++;
    return n;
}

// The first element (depth first) whose attribute `name` is `value`
// (value NULL: any value), below `n` and its following siblings.
inline const pf_vnode *lc_find(const pf_vnode *n, const char *name, const char *value)
{
    for (; n; n = n->next) {
        if (n->kind == PF_VNODE_ELEMENT) {
            const pf_vattr *a = pf_vnode_attr(n, name);
            if (a && (!value || strcmp(a->value, value) == 0))
                return n;
        }
        const pf_vnode *f = lc_find(n->first_child, name, value);
        if (f)
            return f;
    }
    return nullptr;
}

inline const pf_vnode *lc_find_in(const pf_component *c, const char *name, const char *value)
{
    return lc_find(pf_vdom_root(pf_component_tree(c))->first_child, name, value);
}

// Dispatches a delegated DOM event to the element declaring
// data-on-<type>="<handler>" (inside the element with data-id `key`, when
// given), as the bindings would.
inline int lc_dispatch(const pf_component *c, const char *type, const char *handler,
                       const std::string &value = "", const char *key = nullptr)
{
    std::string attr = std::string("data-on-") + type;
    const pf_vnode *scope = pf_vdom_root(pf_component_tree(c))->first_child;
    if (key) {
        const pf_vnode *k = lc_find(scope, "data-id", key);
        if (!k)
            return PF_ENOTFOUND;
        if (const pf_vattr *a = pf_vnode_attr(k, attr.c_str()); a && strcmp(a->value, handler) == 0)
            return pf_component_dispatch(pf_component_root(c), k->id, type, strlen(type),
                                         value.data(), value.size(), -1, -1);
        scope = k->first_child;
    }
    const pf_vnode *n = lc_find(scope, attr.c_str(), handler);
    if (!n)
        return PF_ENOTFOUND;
    return pf_component_dispatch(pf_component_root(c), n->id, type, strlen(type), value.data(),
                                 value.size(), -1, -1);
}

inline void lc_ws(int32_t h, const std::string &frame)
{
    pf_io_message(h, frame.data(), frame.size());
}

inline void lc_http(int32_t h, int status, const std::string &body)
{
    pf_io_http_done(h, status, body.data(), body.size());
}

inline double lc_num(const pf_component *c, const char *key)
{
    double v = -12345;
    pf_state_get_number(pf_component_state(c), key, &v);
    return v;
}

// Applies every patch recorded so far to a fresh reference DOM and compares
// it with the component's tree: "" when they agree.
inline std::string lc_check_patches(const pf_component *c)
{
    RefDom dom;
    for (size_t i = 0; i < fake_host_count(FAKE_DOM_PATCH); i++) {
        const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, i);
        if (e->handle != pf_component_root(c))
            continue;
        std::string err = dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len);
        if (!err.empty())
            return err;
    }
    return dom.compare(pf_component_tree(c));
}

// A JSON string literal for `s` (escaped by cJSON).
inline std::string lc_json_str(const std::string &s)
{
    cJSON *j = cJSON_CreateString(s.c_str());
    char *p = cJSON_PrintUnformatted(j);
    std::string out(p);
    free(p);
    cJSON_Delete(j);
    return out;
}

// Hostile strings used in every field.
const char *const kHostile[] = {
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "&lt;b&gt; &amp; ' \" `",
    "</article><p>injected</p>",
    "\xff\xfe invalid utf8 \xc3",
};

}  // namespace

#endif
