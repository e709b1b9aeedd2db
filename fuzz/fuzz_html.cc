// fuzz_html.cc: the markup builder (pf_html) with hostile names and values,
// and the diff (pf_dom) between trees built from the input. Lines build the
// first tree until a line "=", then the second; the second lines build a
// third tree too:
//
//   <tag   open        >   close          @name=value  attribute
//   vtext  value       oevent=handler     mmarkup      trusted markup
//   #deps  memo: the next element is reused from the tree before when deps
//          match (its lines up to the matching close are then skipped)
//   anything else      text (also checked as a URL and a style value)
//
// Checked: pf_html refuses what it must without crashing; the trees print
// as HTML; the patches from nothing to tree 1, from tree 1 to tree 2 and
// from tree 2 to tree 3, applied to the reference DOM
// (test/native/dom_ref_applier.h), give tree 2, then tree 3. Each tree is
// built after the one before was diffed (as a component renders), and
// tree 1 is freed before tree 3 is built: subtrees tree 2 shares from it
// must outlive it.
#include <cstdlib>
#include <string>

#include "dom_ref_applier.h"
#include "fuzz_util.h"

extern "C" {
#include "pf_dom.h"
#include "pf_html.h"
#include "pf_vdom.h"
}

namespace {

// Builds one line; returns how many lines to skip after it (a reused
// memoized element's own lines).
size_t build_line(pf_html *h, const std::vector<std::string> &lines, size_t i, size_t to)
{
    const std::string &line = lines[i];
    if (line.empty())
        return 0;
    if (line[0] == '#') {
        if (pf_html_memo(h, line.data() + 1, line.size() - 1) != 1)
            return 0;
        size_t j = i + 1, depth = 0;
        for (; j < to; j++) {
            if (!lines[j].empty() && lines[j][0] == '<')
                depth++;
            else if (!lines[j].empty() && lines[j][0] == '>' && depth && --depth == 0)
                break;
        }
        return j < to ? j - i : to - i - 1;
    }
    std::string rest = line.substr(1);
    size_t eq = rest.find('=');
    std::string name = rest.substr(0, eq);
    std::string value = eq == std::string::npos ? std::string() : rest.substr(eq + 1);
    switch (line[0]) {
    case '<': pf_html_open(h, rest.c_str()); break;
    case '>': pf_html_close(h); break;
    case '@': pf_html_attrn(h, name.c_str(), value.data(), value.size()); break;
    case 'v': pf_html_value(h, rest.data(), rest.size()); break;
    case 'o': pf_html_on(h, name.c_str(), value.c_str()); break;
    case 'm': pf_html_trusted_markup(h, rest.data(), rest.size()); break;
    default:
        pf_html_check_url(line.data(), line.size(), 0);
        pf_html_check_url(line.data(), line.size(), 1);
        pf_html_check_style(line.data(), line.size());
        pf_html_text(h, line.data(), line.size());
        break;
    }
    return 0;
}

// The tree built by `lines` after `prev` (NULL when the builder refused it).
pf_vdom *build(const std::vector<std::string> &lines, size_t from, size_t to, const pf_vdom *prev)
{
    pf_html *h = pf_html_new();
    if (!h)
        return nullptr;
    pf_html_set_previous(h, prev);
    for (size_t i = from; i < to; i++)
        i += build_line(h, lines, i, to);
    pf_vdom *tree = nullptr;
    if (pf_html_finish(h, &tree) != PF_OK)
        tree = nullptr;
    pf_html_free(h);
    if (tree) {
        char *html = nullptr;
        size_t len = 0;
        if (pf_vdom_to_html(tree, &html, &len) != PF_OK)
            fuzz::fail("a finished tree does not print");
        free(html);
    }
    return tree;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::vector<std::string> l = fuzz::lines(data, size);
    size_t split = l.size();
    for (size_t i = 0; i < l.size(); i++)
        if (l[i] == "=") {
            split = i;
            break;
        }
    size_t second = split < l.size() ? split + 1 : split;
    pf_vdom *a = build(l, 0, split, nullptr);
    pf_vdom *b = nullptr, *c = nullptr;
    pf_dom_patch *p = pf_dom_patch_new();
    uint32_t next_id = 1;
    RefDom dom;
    const uint8_t *bytes;
    size_t len;
    if (p && pf_dom_diff(nullptr, a, &next_id, p) == PF_OK) {
        bytes = pf_dom_patch_bytes(p, &len);
        std::string err = dom.apply(bytes, len);
        if (!err.empty())
            fuzz::fail("the first patch does not apply", err);
        pf_dom_patch_reset(p);
        b = build(l, second, l.size(), a);
        if (pf_dom_diff(a, b, &next_id, p) == PF_OK) {
            bytes = pf_dom_patch_bytes(p, &len);
            err = dom.apply(bytes, len);
            if (!err.empty())
                fuzz::fail("the second patch does not apply", err);
            if (b) {
                err = dom.compare(b);
                if (!err.empty())
                    fuzz::fail("the patched DOM differs from the second tree", err);
                pf_vdom_free(a);
                a = nullptr;
                c = build(l, second, l.size(), b);
                pf_dom_patch_reset(p);
                if (pf_dom_diff(b, c, &next_id, p) == PF_OK) {
                    bytes = pf_dom_patch_bytes(p, &len);
                    err = dom.apply(bytes, len);
                    if (!err.empty())
                        fuzz::fail("the third patch does not apply", err);
                    if (c && !(err = dom.compare(c)).empty())
                        fuzz::fail("the patched DOM differs from the third tree", err);
                }
            }
        }
    }
    pf_dom_patch_free(p);
    pf_vdom_free(a);
    pf_vdom_free(b);
    pf_vdom_free(c);
    return 0;
}
