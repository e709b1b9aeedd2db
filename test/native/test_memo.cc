// test_memo.cc: memoized subtrees (pf_html_memo) through the builder, the
// diff and a live component, and in-place state edits (pf_state_edit).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dom_ref_applier.h"

extern "C" {
#include "cJSON.h"
#include "fake_host.h"
#include "pf_component.h"
#include "pf_dom.h"
#include "pf_html.h"
#include "pf_state.h"
#include "pf_vdom.h"
}

namespace {

// ---- a random tree description whose elements may be memoized -------------

struct MDesc {
    bool is_text = false;
    std::string text;
    std::string tag = "div";
    std::string key;
    std::vector<std::pair<std::string, std::string>> attrs;
    bool has_value = false;
    std::string value;
    bool memo = false;
    std::vector<MDesc> kids;
};

// Everything a subtree shows, as bytes: honest memo deps.
std::string deps_of(const MDesc &d)
{
    std::string s;
    if (d.is_text)
        return "T" + std::to_string(d.text.size()) + ":" + d.text;
    s = "E" + d.tag + "|" + d.key + "|";
    for (const auto &a : d.attrs)
        s += a.first + "=" + std::to_string(a.second.size()) + ":" + a.second + ";";
    if (d.has_value)
        s += "V" + std::to_string(d.value.size()) + ":" + d.value;
    s += "[";
    for (const MDesc &k : d.kids)
        s += deps_of(k) + ",";
    return s + "]";
}

void build_into(pf_html *h, const MDesc &d, bool use_memo)
{
    if (d.is_text) {
        pf_html_text(h, d.text.data(), d.text.size());
        return;
    }
    if (use_memo && d.memo) {
        std::string deps = deps_of(d);
        int rc = pf_html_memo(h, deps.data(), deps.size());
        ASSERT_GE(rc, 0) << pf_html_message(h);
        if (rc == 1)
            return;
    }
    pf_html_open(h, d.tag.c_str());
    if (!d.key.empty())
        pf_html_attr(h, "data-id", d.key.c_str());
    for (const auto &a : d.attrs)
        pf_html_attrn(h, a.first.c_str(), a.second.data(), a.second.size());
    if (d.has_value)
        pf_html_value(h, d.value.data(), d.value.size());
    for (const MDesc &k : d.kids)
        build_into(h, k, use_memo);
    pf_html_close(h);
}

pf_vdom *build(pf_html *h, const std::vector<MDesc> &top, const pf_vdom *prev, bool use_memo)
{
    pf_html_set_previous(h, prev);
    for (const MDesc &d : top)
        build_into(h, d, use_memo);
    pf_vdom *t = nullptr;
    EXPECT_EQ(pf_html_finish(h, &t), PF_OK) << pf_html_message(h);
    return t;
}

class MGen {
  public:
    explicit MGen(uint32_t seed) : rng_(seed) {}
    int pick(int n) { return (int)(rng_() % (uint32_t)n); }
    bool chance(int pct) { return pick(100) < pct; }

    MDesc node(int depth)
    {
        static const char *texts[] = { "a", "b", "<x>", "\xC3\xBC" };
        static const char *tags[] = { "div", "span", "li", "input" };
        MDesc d;
        if (chance(20)) {
            d.is_text = true;
            d.text = texts[pick(4)];
            return d;
        }
        d.tag = tags[pick(4)];
        d.memo = chance(60);
        if (chance(60))
            d.key = "k" + std::to_string(pick(6));
        if (chance(40))
            d.attrs.push_back({ "class", std::to_string(pick(3)) });
        if (d.tag == "input") {
            if (chance(50)) {
                d.has_value = true;
                d.value = std::to_string(pick(3));
            }
            return d;
        }
        d.kids = list(depth - 1);
        return d;
    }

    std::vector<MDesc> list(int depth)
    {
        std::vector<MDesc> v;
        if (depth <= 0)
            return v;
        int n = pick(6);
        for (int i = 0; i < n; i++)
            v.push_back(node(depth));
        return v;
    }

    void mutate(std::vector<MDesc> &v, int depth)
    {
        if (v.size() > 1 && chance(20))
            std::swap(v[pick((int)v.size())], v[pick((int)v.size())]);
        if (!v.empty() && chance(15))
            v.erase(v.begin() + pick((int)v.size()));
        if (depth > 0 && chance(15))
            v.insert(v.begin() + pick((int)v.size() + 1), node(depth));
        for (MDesc &d : v) {
            if (d.is_text) {
                if (chance(10))
                    d.text += "!";
                continue;
            }
            if (chance(10))
                d.attrs = { { "class", std::to_string(pick(3)) } };
            if (chance(5))
                d.key = chance(50) ? "" : "k" + std::to_string(pick(6));
            if (d.has_value && chance(20))
                d.value += "v";
            if (chance(5))
                d.memo = !d.memo;
            if (d.tag != "input")  // void: no children
                mutate(d.kids, depth - 1);
        }
    }

  private:
    std::mt19937 rng_;
};

std::string diff_apply(RefDom &dom, const pf_vdom *prev, pf_vdom *next, uint32_t *next_id,
                       RefStats *stats = nullptr)
{
    pf_dom_patch *p = pf_dom_patch_new();
    int rc = pf_dom_diff(prev, next, next_id, p);
    if (rc != PF_OK) {
        pf_dom_patch_free(p);
        return std::string("diff failed: ") + pf_strerror(rc);
    }
    size_t len = 0;
    const uint8_t *b = pf_dom_patch_bytes(p, &len);
    std::string err = dom.apply(b, len, stats);
    pf_dom_patch_free(p);
    return err;
}

}  // namespace

// patch(A, diff(A, B)) == B with memoization on: the memoized tree equals
// the tree built from scratch, the patch turns the DOM into it, ids
// included, and the memoized render makes exactly the same ops as the one
// without memoization.
TEST(Memo, PropertyRandomTreesChainedRendersWithMemo)
{
    MGen g(777);
    pf_html *h = pf_html_new();
    size_t hits = 0, misses = 0;
    for (int iter = 0; iter < 800; iter++) {
        RefDom dom, plain_dom;
        uint32_t next_id = 1, plain_next_id = 1;
        std::vector<MDesc> desc = g.list(4);
        pf_vdom *prev = build(h, desc, nullptr, true);
        pf_vdom *plain_prev = build(h, desc, nullptr, false);
        ASSERT_EQ(diff_apply(dom, nullptr, prev, &next_id), "");
        ASSERT_EQ(diff_apply(plain_dom, nullptr, plain_prev, &plain_next_id), "");
        for (int step = 0; step < 5; step++) {
            g.mutate(desc, 3);
            pf_vdom *next = build(h, desc, prev, true);
            hits += pf_html_memo_hits(h);
            misses += pf_html_memo_misses(h);
            pf_vdom *plain = build(h, desc, nullptr, false);
            ASSERT_TRUE(pf_vnode_equal(pf_vdom_root(next), pf_vdom_root(plain))) << "iter " << iter << " step " << step;
            RefStats st, plain_st;
            ASSERT_EQ(diff_apply(dom, prev, next, &next_id, &st), "") << "iter " << iter << " step " << step;
            ASSERT_EQ(dom.compare(next), "") << "iter " << iter << " step " << step;
            ASSERT_EQ(diff_apply(plain_dom, plain_prev, plain, &plain_next_id, &plain_st), "");
            EXPECT_EQ(st.ops, plain_st.ops) << "iter " << iter << " step " << step;
            pf_vdom_free(prev);
            pf_vdom_free(plain_prev);
            prev = next;
            plain_prev = plain;
        }
        ASSERT_EQ(diff_apply(dom, prev, nullptr, &next_id), "");
        EXPECT_EQ(dom.live_ids(), 1u);
        pf_vdom_free(prev);
        pf_vdom_free(plain_prev);
    }
    pf_html_free(h);
    EXPECT_GT(hits, 1000u);   // memoized subtrees really were reused
    EXPECT_GT(misses, 1000u); // and really were rebuilt when they changed
}

namespace {

std::vector<MDesc> rows(const std::vector<std::string> &labels)
{
    std::vector<MDesc> v;
    for (size_t i = 0; i < labels.size(); i++) {
        MDesc tr;
        tr.tag = "p";
        tr.key = std::to_string(i);
        tr.memo = true;
        MDesc t;
        t.is_text = true;
        t.text = labels[i];
        tr.kids.push_back(t);
        v.push_back(tr);
    }
    return v;
}

}  // namespace

TEST(Memo, UnchangedRowsAreCopiedAndSkippedAChangedOneIsRebuilt)
{
    std::vector<std::string> labels(100, "same");
    pf_html *h = pf_html_new();
    RefDom dom;
    uint32_t next_id = 1;
    pf_vdom *a = build(h, rows(labels), nullptr, true);
    EXPECT_EQ(pf_html_memo_misses(h), 100u);
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");

    labels[42] = "changed";
    pf_vdom *b = build(h, rows(labels), a, true);
    EXPECT_EQ(pf_html_memo_hits(h), 99u);
    EXPECT_EQ(pf_html_memo_misses(h), 1u);
    // Every row shows its own label, including the changed one.
    const pf_vnode *row = pf_vdom_root(b)->first_child;
    for (int i = 0; i < 42; i++)
        row = row->next;
    EXPECT_EQ(std::string(row->first_child->text), "changed");
    EXPECT_EQ(row->memo->src, nullptr);                 // built
    const pf_vnode *old43 = pf_vdom_root(a)->first_child;
    for (int i = 0; i < 43; i++)
        old43 = old43->next;
    EXPECT_EQ(row->next->memo->src, old43); // row 43 copied from row 43
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.total, 1u);
    EXPECT_EQ(st.ops[PF_DOM_SET_TEXT], 1u);

    // The same again: nothing to build, nothing to send.
    pf_vdom *c = build(h, rows(labels), b, true);
    EXPECT_EQ(pf_html_memo_hits(h), 100u);
    EXPECT_EQ(pf_html_memo_misses(h), 0u);
    RefStats st2;
    ASSERT_EQ(diff_apply(dom, b, c, &next_id, &st2), "");
    ASSERT_EQ(dom.compare(c), "");
    EXPECT_EQ(st2.total, 0u);

    // Swapping two rows moves them, and both are still copies.
    std::swap(labels[1], labels[98]);
    labels[1] = "one";
    labels[98] = "ninety-eight";
    pf_vdom *d = build(h, rows(labels), c, true);
    EXPECT_EQ(pf_html_memo_hits(h), 98u);
    RefStats st3;
    ASSERT_EQ(diff_apply(dom, c, d, &next_id, &st3), "");
    ASSERT_EQ(dom.compare(d), "");
    EXPECT_EQ(st3.total, 2u);
    pf_vdom_free(a);
    pf_vdom_free(b);
    pf_vdom_free(c);
    pf_vdom_free(d);
    pf_html_free(h);
}

TEST(Memo, CopiesAreOnlyTrustedAgainstTheTreeTheyCameFrom)
{
    // b copies rows from a, but is diffed against a2, an equal tree whose
    // nodes have other ids: the diff must compare and renumber, not skip.
    std::vector<std::string> labels = { "x", "y", "z" };
    pf_html *h = pf_html_new();
    pf_vdom *a = build(h, rows(labels), nullptr, true);
    RefDom scratch;
    uint32_t ids_a = 1;
    ASSERT_EQ(diff_apply(scratch, nullptr, a, &ids_a), "");
    RefDom dom;
    uint32_t next_id = 500;
    pf_vdom *a2 = build(h, rows(labels), nullptr, true);
    ASSERT_EQ(diff_apply(dom, nullptr, a2, &next_id), "");
    labels[1] = "Y";
    pf_vdom *b = build(h, rows(labels), a, true);
    EXPECT_EQ(pf_html_memo_hits(h), 2u);
    // b's unchanged rows share their children with a's until the diff
    // has to number them: then they get their own.
    const pf_vnode *a_row = pf_vdom_root(a)->first_child;
    const pf_vnode *b_row = pf_vdom_root(b)->first_child;
    EXPECT_EQ(b_row->first_child, a_row->first_child);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a2, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.total, 1u);
    EXPECT_NE(b_row->first_child, a_row->first_child);
    EXPECT_EQ(b_row->first_child->parent, b_row);
    EXPECT_EQ(b_row->memo->home, nullptr);
    EXPECT_EQ(pf_vdom_node_count(b), pf_vdom_node_count(a));
    // a was not touched: it still numbers as it did.
    EXPECT_EQ(scratch.compare(a), "");
    pf_vdom_free(a);
    pf_vdom_free(a2);
    pf_vdom_free(b);
    pf_html_free(h);
}

TEST(Memo, UnchangedRowsAreSharedAndOutliveTheTreeTheyCameFrom)
{
    std::vector<std::string> labels(50, "row");
    for (size_t i = 0; i < labels.size(); i++)
        labels[i] += std::to_string(i);
    pf_html *h = pf_html_new();
    RefDom dom;
    uint32_t next_id = 1;
    pf_vdom *a = build(h, rows(labels), nullptr, true);
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    std::swap(labels[3], labels[40]);
    pf_vdom *b = build(h, rows(labels), a, true);
    ASSERT_EQ(pf_html_memo_hits(h), 48u);
    // Row 5 of b is a new element whose children are row 5's of a.
    const pf_vnode *a5 = pf_vdom_root(a)->first_child, *b5 = pf_vdom_root(b)->first_child;
    for (int i = 0; i < 5; i++) {
        a5 = a5->next;
        b5 = b5->next;
    }
    EXPECT_NE(a5, b5);
    EXPECT_EQ(b5->first_child, a5->first_child);
    EXPECT_EQ(b5->memo->home, a);
    EXPECT_EQ(pf_vdom_node_count(b), pf_vdom_node_count(a));
    // Walks of the older tree do not climb into the newer one.
    EXPECT_TRUE(pf_vnode_equal(pf_vdom_root(a), pf_vdom_root(a)));
    char *html_a = nullptr, *html_b = nullptr;
    size_t na = 0, nb = 0;
    ASSERT_EQ(pf_vdom_to_html(a, &html_a, &na), PF_OK);
    EXPECT_NE(std::string(html_a, na).find("<p data-id=\"49\">row49</p>"), std::string::npos);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.ops[PF_DOM_SET_TEXT], 2u); // rows 3 and 40 got the other label
    EXPECT_EQ(st.total, 2u);
    // a goes (as a component frees the last render); b still holds its rows.
    pf_vdom_free(a);
    ASSERT_EQ(pf_vdom_to_html(b, &html_b, &nb), PF_OK);
    EXPECT_NE(std::string(html_b, nb).find("<p data-id=\"3\">row40</p>"), std::string::npos);
    EXPECT_NE(std::string(html_b, nb).find("<p data-id=\"5\">row5</p>"), std::string::npos);
    // Events find the row of a node by walking b, not through the shared
    // node's parent pointer (which leads into a).
    const pf_vnode *keyed = nullptr;
    EXPECT_EQ(pf__vdom_locate(b, b5->first_child->id, &keyed), b5->first_child);
    EXPECT_EQ(keyed, b5);
    // A render after b shares the same children again, from where they live.
    pf_vdom *c = build(h, rows(labels), b, true);
    EXPECT_EQ(pf_html_memo_hits(h), 50u);
    const pf_vnode *c5 = pf_vdom_root(c)->first_child;
    for (int i = 0; i < 5; i++)
        c5 = c5->next;
    EXPECT_EQ(c5->first_child, b5->first_child);
    EXPECT_EQ(c5->memo->home, b5->memo->home);
    RefStats st2;
    ASSERT_EQ(diff_apply(dom, b, c, &next_id, &st2), "");
    EXPECT_EQ(st2.total, 0u);
    ASSERT_EQ(dom.compare(c), "");
    free(html_a);
    free(html_b);
    pf_vdom_free(b);
    pf_vdom_free(c);
    pf_html_free(h);
}

TEST(Memo, TouchingANodeOfASharedRowGivesThatRowItsOwnChildren)
{
    // Rows 0 and 1 are shared from a into b. A node of row 1 about to
    // change in b (the user typed into it) makes b's row 1 take its own
    // copy of its children, and marks it stale, so c builds it again and
    // shares row 0 only; a is left as it was.
    std::vector<std::string> labels = { "x", "y" };
    pf_html *h = pf_html_new();
    RefDom dom;
    uint32_t next_id = 1;
    pf_vdom *a = build(h, rows(labels), nullptr, true);
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    pf_vdom *b = build(h, rows(labels), a, true);
    ASSERT_EQ(diff_apply(dom, a, b, &next_id), "");
    const pf_vnode *a1 = pf_vdom_root(a)->first_child->next;
    const pf_vnode *b1 = pf_vdom_root(b)->first_child->next;
    const pf_vnode *shared = b1->first_child;
    ASSERT_EQ(shared, a1->first_child);
    ASSERT_EQ(b1->memo->home, a);
    pf_vnode *t = pf__vdom_touch(b, shared->id);
    ASSERT_NE(t, nullptr);
    EXPECT_NE(t, shared);
    EXPECT_EQ(t, b1->first_child);
    EXPECT_EQ(t->parent, b1);
    EXPECT_EQ(std::string(t->text), "y");
    EXPECT_EQ(b1->memo->home, nullptr);
    EXPECT_TRUE(b1->memo->stale);
    EXPECT_EQ(a1->first_child, shared);
    EXPECT_FALSE(a1->memo->stale);
    EXPECT_FALSE(pf_vdom_root(b)->first_child->memo->stale);
    EXPECT_EQ(pf_vdom_node_count(b), pf_vdom_node_count(a));
    ASSERT_EQ(dom.compare(b), "");
    const pf_vnode *keyed = nullptr;
    EXPECT_EQ(pf__vdom_locate(b, t->id, &keyed), t);
    EXPECT_EQ(keyed, b1);
    pf_vdom_free(a);
    pf_vdom *c = build(h, rows(labels), b, true);
    EXPECT_EQ(pf_html_memo_hits(h), 1u);
    EXPECT_EQ(pf_html_memo_misses(h), 1u);
    EXPECT_EQ(pf__vdom_locate(c, 12345, &keyed), nullptr);
    EXPECT_EQ(keyed, nullptr);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, b, c, &next_id, &st), "");
    ASSERT_EQ(dom.compare(c), "");
    EXPECT_EQ(st.total, 0u);
    pf_vdom_free(b);
    pf_vdom_free(c);
    pf_html_free(h);
}

TEST(Memo, MemoryStaysBoundedWhileRowsChurn)
{
    // 1,000 rows, 300 renders that each change 5% of them at random: rows
    // are shared from older trees, but a tree whose rows were mostly
    // replaced is let go, so what the newest tree holds stays within a
    // small multiple of a fresh render.
    std::vector<std::string> labels(1000);
    for (size_t i = 0; i < labels.size(); i++)
        labels[i] = "label " + std::to_string(i);
    pf_html *h = pf_html_new();
    RefDom dom;
    uint32_t next_id = 1;
    pf_vdom *prev = build(h, rows(labels), nullptr, true);
    const size_t fresh = pf__vdom_held_bytes(prev);
    ASSERT_EQ(diff_apply(dom, nullptr, prev, &next_id), "");
    std::mt19937 rng(5);
    size_t most = 0, shared_renders = 0;
    for (int r = 0; r < 300; r++) {
        for (int k = 0; k < 50; k++)
            labels[rng() % labels.size()] += "!";
        pf_vdom *next = build(h, rows(labels), prev, true);
        ASSERT_NE(next, nullptr);
        RefStats st;
        ASSERT_EQ(diff_apply(dom, prev, next, &next_id, &st), "") << r;
        ASSERT_LE(st.total, 50u);
        pf_vdom_free(prev);
        prev = next;
        most = std::max(most, pf__vdom_held_bytes(prev));
        shared_renders += pf__vdom_held_bytes(prev) > pf_vdom_arena_bytes(prev);
    }
    ASSERT_EQ(dom.compare(prev), "");
    EXPECT_GT(shared_renders, 250u);
    EXPECT_LT(most, 4 * fresh) << "fresh render " << fresh;
    pf_vdom_free(prev);
    pf_html_free(h);
}

// Rows only (no memoized element inside another, so every reused row can
// be shared), random keys with duplicates, random moves, and now and then
// a diff against a tree the rows did not come from.
TEST(Memo, PropertySharedRowsChainedRenders)
{
    std::mt19937 rng(99);
    auto pick = [&](int n) { return (int)(rng() % (uint32_t)n); };
    pf_html *h = pf_html_new();
    size_t hits = 0;
    for (int iter = 0; iter < 300; iter++) {
        std::vector<MDesc> v;
        auto row = [&]() {
            MDesc tr;
            tr.tag = pick(2) ? "li" : "p";
            tr.memo = pick(10) < 8;
            if (pick(10) < 8)
                tr.key = "k" + std::to_string(pick(12));
            MDesc t;
            t.is_text = true;
            t.text = "t" + std::to_string(pick(4));
            tr.kids.push_back(t);
            if (pick(2)) {
                MDesc b;
                b.tag = "b";
                b.attrs.push_back({ "class", std::to_string(pick(3)) });
                b.kids.push_back(t);
                tr.kids.push_back(b);
            }
            return tr;
        };
        int n = pick(12);
        for (int i = 0; i < n; i++)
            v.push_back(row());
        RefDom dom;
        uint32_t next_id = 1;
        pf_vdom *prev = build(h, v, nullptr, true);
        ASSERT_EQ(diff_apply(dom, nullptr, prev, &next_id), "");
        for (int step = 0; step < 6; step++) {
            if (v.size() > 1 && pick(2))
                std::swap(v[pick((int)v.size())], v[pick((int)v.size())]);
            if (!v.empty() && pick(4) == 0)
                v.erase(v.begin() + pick((int)v.size()));
            if (pick(3) == 0)
                v.insert(v.begin() + pick((int)v.size() + 1), row());
            if (!v.empty() && pick(3) == 0)
                v[pick((int)v.size())].kids[0].text += "x";
            if (!v.empty() && pick(4) == 0)
                v.push_back(v[pick((int)v.size())]); // equal deps twice
            if (pick(5) == 0) {
                // A tree built after prev, diffed against an equal tree built
                // apart: nothing can be skipped, every shared row gets its
                // own children, and prev is left as it was.
                RefDom other;
                uint32_t other_id = 1;
                pf_vdom *twin = build(h, v, nullptr, true);
                ASSERT_EQ(diff_apply(other, nullptr, twin, &other_id), "");
                pf_vdom *again = build(h, v, prev, true);
                ASSERT_EQ(diff_apply(other, twin, again, &other_id), "") << iter << "/" << step;
                ASSERT_EQ(other.compare(again), "") << iter << "/" << step;
                pf_vdom_free(twin);
                pf_vdom_free(again);
                ASSERT_EQ(dom.compare(prev), "") << iter << "/" << step; // prev untouched
            }
            pf_vdom *next = build(h, v, prev, true);
            hits += pf_html_memo_hits(h);
            pf_vdom *plain = build(h, v, nullptr, false);
            ASSERT_TRUE(pf_vnode_equal(pf_vdom_root(next), pf_vdom_root(plain))) << iter << "/" << step;
            ASSERT_EQ(diff_apply(dom, prev, next, &next_id), "") << iter << "/" << step;
            ASSERT_EQ(dom.compare(next), "") << iter << "/" << step;
            // Every node is found with its row as its keyed ancestor.
            for (const pf_vnode *r = pf_vdom_root(next)->first_child; r; r = r->next)
                for (const pf_vnode *k = r->first_child; k; k = k->next) {
                    const pf_vnode *keyed = nullptr;
                    ASSERT_EQ(pf__vdom_locate(next, k->id, &keyed), k);
                    ASSERT_EQ(keyed, r->key ? r : nullptr);
                }
            pf_vdom_free(prev);
            pf_vdom_free(plain);
            prev = next;
        }
        pf_vdom_free(prev);
    }
    pf_html_free(h);
    EXPECT_GT(hits, 1000u);
}

TEST(Memo, ACopyPlacedDeeperThanTheDepthLimitIsAnError)
{
    // A memoized chain of 10 elements, first at the top, then (copied from
    // the last render, whose copy sizes are known from then on) under more
    // and more wrappers: the copy fits where its elements reach exactly
    // PF_HTML_MAX_DEPTH, as building it would, and is refused one level
    // deeper.
    const int chain = 10;
    const std::string deps = "chain";
    auto render = [&](int wrappers, const pf_vdom *prev, pf_vdom **out) -> int {
        pf_html *h = pf_html_new();
        pf_html_set_previous(h, prev);
        for (int i = 0; i < wrappers; i++)
            pf_html_open(h, "div");
        if (pf_html_memo(h, deps.data(), deps.size()) == 0) {
            for (int i = 0; i < chain; i++)
                pf_html_open(h, "span");
            pf_html_text(h, "deep", 4);
            for (int i = 0; i < chain; i++)
                pf_html_close(h);
        }
        for (int i = 0; i < wrappers; i++)
            pf_html_close(h);
        int rc = pf_html_finish(h, out);
        pf_html_free(h);
        return rc;
    };
    pf_vdom *a = nullptr, *b = nullptr, *c = nullptr, *d = nullptr;
    ASSERT_EQ(render(0, nullptr, &a), PF_OK);             // built
    ASSERT_EQ(render(1, a, &b), PF_OK);                   // first copy: measured
    ASSERT_EQ(render(PF_HTML_MAX_DEPTH - chain, b, &c), PF_OK); // copy of a copy: sizes kept
    std::string html_b, html_c;
    char *s = nullptr;
    size_t n = 0;
    ASSERT_EQ(pf_vdom_to_html(b, &s, &n), PF_OK);
    html_b.assign(s, n);
    free(s);
    ASSERT_EQ(pf_vdom_to_html(c, &s, &n), PF_OK);
    html_c.assign(s, n);
    free(s);
    EXPECT_NE(html_b.find("<span><span>"), std::string::npos);
    EXPECT_NE(html_c.find(">deep<"), std::string::npos);
    EXPECT_EQ(render(PF_HTML_MAX_DEPTH - chain + 1, c, &d), PF_ETOOBIG);
    EXPECT_EQ(d, nullptr);
    pf_vdom_free(a);
    pf_vdom_free(b);
    pf_vdom_free(c);
}

TEST(Memo, StaleSubtreeIsRebuilt)
{
    std::vector<std::string> labels = { "x", "y" };
    pf_html *h = pf_html_new();
    pf_vdom *a = build(h, rows(labels), nullptr, true);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    ASSERT_NE(pf__vdom_touch(a, pf_vdom_root(a)->first_child->first_child->id), nullptr);
    EXPECT_EQ(pf__vdom_touch(a, 12345), nullptr);
    pf_vdom *b = build(h, rows(labels), a, true);
    EXPECT_EQ(pf_html_memo_hits(h), 1u);
    EXPECT_EQ(pf_html_memo_misses(h), 1u);
    EXPECT_EQ(pf_vdom_root(b)->first_child->memo->src, nullptr);
    pf_vdom_free(a);
    pf_vdom_free(b);
    pf_html_free(h);
}

TEST(Memo, MisuseIsAStickyError)
{
    pf_html *h = pf_html_new();
    pf_vdom *t = nullptr;
    ASSERT_EQ(pf_html_memo(h, "a", 1), 0);
    EXPECT_EQ(pf_html_memo(h, "b", 1), PF_ESTATE);   // twice without open
    EXPECT_EQ(pf_html_finish(h, &t), PF_ESTATE);
    EXPECT_EQ(t, nullptr);
    ASSERT_EQ(pf_html_open(h, "div"), PF_OK);
    ASSERT_EQ(pf_html_memo(h, "a", 1), 0);
    EXPECT_EQ(pf_html_close(h), PF_ESTATE);          // memo, then close
    pf_html_reset(h);
    ASSERT_EQ(pf_html_open(h, "input"), PF_OK);
    EXPECT_EQ(pf_html_memo(h, "a", 1), PF_ESTATE);   // inside a void element
    pf_html_reset(h);
    EXPECT_EQ(pf_html_memo(h, nullptr, 3), PF_EINVAL);
    pf_html_reset(h);
    // Zero-length deps are fine: a subtree that depends on nothing.
    ASSERT_EQ(pf_html_memo(h, "", 0), 0);
    ASSERT_EQ(pf_html_open(h, "b"), PF_OK);
    ASSERT_EQ(pf_html_close(h), PF_OK);
    ASSERT_EQ(pf_html_finish(h, &t), PF_OK);
    pf_html_set_previous(h, t);
    EXPECT_EQ(pf_html_memo(h, "", 0), 1);
    pf_vdom *u = nullptr;
    ASSERT_EQ(pf_html_finish(h, &u), PF_OK);
    EXPECT_TRUE(pf_vnode_equal(pf_vdom_root(t), pf_vdom_root(u)));
    pf_vdom_free(t);
    pf_vdom_free(u);
    pf_html_free(h);
}

// ---- a live component with memoized rows holding an input ---------------------

namespace {

int memo_create(pf_component *c, const cJSON *, void **self)
{
    *self = nullptr;
    pf_state *st = pf_component_state(c);
    cJSON *v = cJSON_CreateArray();
    cJSON_AddItemToArray(v, cJSON_CreateString(""));
    cJSON_AddItemToArray(v, cJSON_CreateString(""));
    return pf_state_update(st, "values", v);
}

int memo_render(pf_component *c, void *, pf_html *h)
{
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, pf_state_get(pf_component_state(c), "values"))
    {
        std::string deps = std::to_string(i) + ":" + it->valuestring;
        if (pf_html_memo(h, deps.data(), deps.size()) == 0) {
            pf_html_open(h, "p");
            pf_html_attr(h, "data-id", std::to_string(i).c_str());
            pf_html_open(h, "input");
            pf_html_on(h, "input", "edit");
            pf_html_value(h, it->valuestring, strlen(it->valuestring));
            pf_html_close(h);
            pf_html_close(h);
        }
        i++;
    }
    return PF_OK;
}

void memo_on_message(pf_component *c, void *, const cJSON *msg, const char *, size_t)
{
    // {"type":"touch"}: changes nothing the rows show, but re-renders.
    (void)msg;
    pf_state_update(pf_component_state(c), "tick",
                    cJSON_CreateNumber((double)pf_component_render_count(c)));
}

int memo_on_event(pf_component *, void *, const pf_component_event *) { return PF_OK; }

const pf_component_class memo_class = {
    "MemoRows", memo_create, nullptr, memo_on_message, nullptr, nullptr,
    memo_on_event, memo_render, nullptr, nullptr,
};

// A MemoRows component mounted on the fake host, with the reference DOM its
// patches are applied to.
struct MemoRowsPage {
    pf_component *c = nullptr;
    RefDom dom;
    size_t applied = 0;

    MemoRowsPage()
    {
        fake_host_reset();
        EXPECT_EQ(pf_component_register(&memo_class), PF_OK);
        EXPECT_EQ(pf_component_mount("MemoRows", 1, nullptr, 0, &c), PF_OK);
    }
    ~MemoRowsPage()
    {
        pf_component_unmount_all();
        pf_component_registry_clear();
        fake_host_reset();
    }
    // Applies the patches sent since the last call.
    void sync(RefStats *st)
    {
        for (; applied < fake_host_count(FAKE_DOM_PATCH); applied++) {
            const fake_effect *e = fake_host_nth(FAKE_DOM_PATCH, applied);
            ASSERT_EQ(dom.apply(reinterpret_cast<const uint8_t *>(e->text), e->text_len, st), "");
        }
    }
    // A message that changes nothing the rows show, its render, its patch.
    void touch(RefStats *st)
    {
        const char m[] = "{\"type\":\"touch\"}";
        ASSERT_EQ(pf_component_deliver(c, m, sizeof m - 1), PF_OK);
        fake_host_run_flush();
        fake_host_run_frame();
        sync(st);
    }
    const pf_vnode *row(int i) const
    {
        const pf_vnode *r = pf_vdom_root(pf_component_tree(c))->first_child;
        while (i-- > 0)
            r = r->next;
        return r;
    }
};

}  // namespace

TEST(Memo, TypedValueInAMemoizedRowIsWrittenBackByTheNextRender)
{
    // The component never mirrors what is typed: its intent stays "". A
    // render after typing must write "" again, even though the row's deps
    // did not change: the typed value made the old row stale.
    MemoRowsPage page;
    page.sync(nullptr);
    uint32_t input1 = page.row(1)->first_child->id;
    page.dom.mutable_node(input1)->value = "typed";
    ASSERT_EQ(pf_component_dispatch(1, input1, "input", 5, "typed", 5, -1, -1), PF_OK);
    RefStats st;
    page.touch(&st);
    EXPECT_EQ(st.total, 1u);
    EXPECT_EQ(st.ops[PF_DOM_SET_VALUE], 1u);
    EXPECT_EQ(page.dom.node(input1)->value, "");
    // Row 0 was reused; the stale row 1 was built again.
    EXPECT_NE(page.row(0)->memo->src, nullptr);
    EXPECT_EQ(page.row(1)->memo->src, nullptr);
}

TEST(Memo, TypedValueInASharedRowIsWrittenBackByTheNextRender)
{
    // As above, but the rows are shared from an older render when the
    // user types: the value goes into the component's own copy of the row.
    MemoRowsPage page;
    page.sync(nullptr);
    page.touch(nullptr);
    ASSERT_NE(page.row(1)->memo->home, nullptr); // shared from the first render
    const pf_vnode *shared_input = page.row(1)->first_child;
    uint32_t input1 = shared_input->id;
    page.dom.mutable_node(input1)->value = "typed";
    ASSERT_EQ(pf_component_dispatch(1, input1, "input", 5, "typed", 5, -1, -1), PF_OK);
    EXPECT_EQ(page.row(1)->memo->home, nullptr);
    EXPECT_NE(page.row(1)->first_child, shared_input);
    EXPECT_EQ(std::string(page.row(1)->first_child->value), "typed");
    EXPECT_EQ(std::string(shared_input->value), ""); // the older render's node is unchanged
    RefStats st;
    page.touch(&st);
    EXPECT_EQ(st.total, 1u);
    EXPECT_EQ(st.ops[PF_DOM_SET_VALUE], 1u);
    EXPECT_EQ(page.dom.node(input1)->value, "");
    // Row 0 is reused (copied: the first render holds little else that is
    // still shared, so it is let go), row 1 built again.
    EXPECT_NE(page.row(0)->memo->src, nullptr);
    EXPECT_EQ(page.row(0)->memo->home, nullptr);
    EXPECT_EQ(page.row(1)->memo->src, nullptr);
}

// ---- pf_state_edit ------------------------------------------------------------

namespace {
int edit_notes;
void count_note(void *, pf_state *, const char *const *, size_t) { edit_notes++; }
}  // namespace

TEST(StateEdit, ChangesInPlaceAndNotifiesOnce)
{
    fake_host_reset();
    pf_state *s = pf_state_new();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(pf_state_edit(s, "items"), nullptr);   // not set
    EXPECT_EQ(pf_state_edit(s, ""), nullptr);
    EXPECT_EQ(pf_state_edit(nullptr, "items"), nullptr);
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < 1000; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(i));
    ASSERT_EQ(pf_state_update(s, "items", arr), PF_OK);
    pf_state_flush(s);
    edit_notes = 0;
    ASSERT_GT(pf_state_subscribe(s, "items", count_note, nullptr), 0);
    cJSON *v = pf_state_edit(s, "items");
    ASSERT_EQ(v, pf_state_get(s, "items"));          // the stored value, no copy
    cJSON_ReplaceItemInArray(v, 5, cJSON_CreateString("five"));
    cJSON *again = pf_state_edit(s, "items");
    ASSERT_EQ(again, v);
    cJSON_DeleteItemFromArray(again, 0);
    EXPECT_EQ(pf_state_pending(s), 1u);
    pf_state_flush(s);
    EXPECT_EQ(edit_notes, 1);
    EXPECT_STREQ(cJSON_GetArrayItem(pf_state_get(s, "items"), 4)->valuestring, "five");
    EXPECT_EQ(cJSON_GetArraySize(pf_state_get(s, "items")), 999);
    pf_state_free(s);
    fake_host_reset();
}
