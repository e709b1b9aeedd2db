// test_dom.cc: the keyed diff and the patch format (runtime/pf_dom.h).
//
// Every diff here is checked by applying it with the reference applier
// (dom_ref_applier.h) and comparing the result with the target tree, ids
// included.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dom_ref_applier.h"

extern "C" {
#include "pf_dom.h"
#include "pf_html.h"
#include "pf_vdom.h"
}

namespace {

// ---- a description of a tree, to generate, mutate and build -------------

struct Desc {
    bool is_text = false;
    std::string text;
    std::string tag = "div";
    std::string key;
    std::vector<std::pair<std::string, std::string>> attrs;
    bool has_value = false;
    std::string value;
    bool html = false;
    std::string markup;
    std::vector<Desc> kids;
};

void build_into(pf_html *h, const Desc &d)
{
    if (d.is_text) {
        pf_html_text(h, d.text.data(), d.text.size());
        return;
    }
    pf_html_open(h, d.tag.c_str());
    if (!d.key.empty())
        pf_html_attr(h, "data-id", d.key.c_str());
    for (const auto &a : d.attrs)
        pf_html_attrn(h, a.first.c_str(), a.second.data(), a.second.size());
    if (d.has_value)
        pf_html_value(h, d.value.data(), d.value.size());
    if (d.html)
        pf_html_trusted_markup(h, d.markup.data(), d.markup.size());
    else
        for (const Desc &k : d.kids)
            build_into(h, k);
    pf_html_close(h);
}

pf_vdom *build(const std::vector<Desc> &top)
{
    pf_html *h = pf_html_new();
    for (const Desc &d : top)
        build_into(h, d);
    pf_vdom *t = nullptr;
    int rc = pf_html_finish(h, &t);
    EXPECT_EQ(rc, PF_OK) << pf_html_message(h);
    pf_html_free(h);
    return t;
}

class Gen {
  public:
    explicit Gen(uint32_t seed) : rng_(seed) {}

    int pick(int n) { return (int)(rng_() % (uint32_t)n); }
    bool chance(int pct) { return pick(100) < pct; }

    Desc node(int depth)
    {
        static const char *texts[] = { "a", "b", "hello", "<x>", "\xC3\xBC", "a & b" };
        static const char *tags[] = { "div", "span", "p", "li", "input", "textarea" };
        static const char *vals[] = { "1", "2", "x y", "\"q\"", "" };
        static const char *marks[] = { "<b>1</b>", "<i>2</i>", "" };
        Desc d;
        if (chance(25)) {
            d.is_text = true;
            d.text = texts[pick(6)];
            return d;
        }
        d.tag = tags[pick(6)];
        if (chance(50))
            d.key = "k" + std::to_string(pick(8));
        static const char *names[] = { "class", "title", "data-x" };
        for (const char *n : names)
            if (chance(40))
                d.attrs.push_back({ n, vals[pick(5)] });
        if ((d.tag == "input" || d.tag == "textarea") && chance(50)) {
            d.has_value = true;
            d.value = vals[pick(5)];
        }
        if (d.tag == "input")
            return d;
        if (chance(5)) {
            d.html = true;
            d.markup = marks[pick(3)];
            return d;
        }
        d.kids = list(depth - 1);
        return d;
    }

    std::vector<Desc> list(int depth)
    {
        std::vector<Desc> v;
        if (depth <= 0)
            return v;
        int n = pick(7);
        for (int i = 0; i < n; i++)
            v.push_back(node(depth));
        return v;
    }

    void mutate(std::vector<Desc> &v, int depth)
    {
        if (v.size() > 1 && chance(10))
            std::shuffle(v.begin(), v.end(), rng_);
        if (v.size() > 1 && chance(20))
            std::swap(v[pick((int)v.size())], v[pick((int)v.size())]);
        if (!v.empty() && chance(15))
            v.erase(v.begin() + pick((int)v.size()));
        if (depth > 0 && chance(15))
            v.insert(v.begin() + pick((int)v.size() + 1), node(depth));
        for (Desc &d : v) {
            if (d.is_text) {
                if (chance(10))
                    d.text += "!";
                continue;
            }
            if (chance(10) && !d.attrs.empty())
                d.attrs.erase(d.attrs.begin() + pick((int)d.attrs.size()));
            if (chance(10))
                d.attrs.push_back({ "title", std::to_string(pick(3)) });
            if (chance(5))
                d.key = chance(50) ? "" : "k" + std::to_string(pick(8));
            if (d.has_value && chance(20))
                d.value += "v";
            if (d.tag != "input" && chance(3)) {
                d.html = !d.html;
                d.markup = "<u>m</u>";
            }
            if (!d.html && d.tag != "input")
                mutate(d.kids, depth - 1);
        }
    }

  private:
    std::mt19937 rng_;
};

// Diffs prev -> next into a fresh patch and applies it to dom.
std::string diff_apply(RefDom &dom, const pf_vdom *prev, pf_vdom *next, uint32_t *next_id,
                       RefStats *stats = nullptr, size_t *bytes_out = nullptr)
{
    pf_dom_patch *p = pf_dom_patch_new();
    int rc = pf_dom_diff(prev, next, next_id, p);
    if (rc != PF_OK) {
        pf_dom_patch_free(p);
        return std::string("diff failed: ") + pf_strerror(rc);
    }
    size_t len = 0;
    const uint8_t *b = pf_dom_patch_bytes(p, &len);
    if (bytes_out)
        *bytes_out = len;
    std::string err = dom.apply(b, len, stats);
    pf_dom_patch_free(p);
    return err;
}

// ---- list helpers (the seed's LivePostList markup) ------------------------

struct Post {
    int id;
    std::string title, content, author;
};

pf_vdom *render_posts(const std::vector<Post> &posts)
{
    pf_html *h = pf_html_new();
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "live-post-list");
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "status");
    pf_html_str(h, "Live Updates");
    pf_html_close(h);
    pf_html_open(h, "div");
    pf_html_attr(h, "class", "posts");
    for (const Post &p : posts) {
        pf_html_open(h, "article");
        pf_html_attr(h, "class", "post");
        pf_html_attrf(h, "data-id", "%d", p.id);
        pf_html_open(h, "h3");
        pf_html_str(h, p.title.c_str());
        pf_html_close(h);
        pf_html_open(h, "p");
        pf_html_textf(h, "%s...", p.content.c_str());
        pf_html_close(h);
        pf_html_open(h, "small");
        pf_html_textf(h, "By %s", p.author.c_str());
        pf_html_close(h);
        pf_html_close(h);
    }
    pf_html_close(h);
    pf_html_close(h);
    pf_vdom *t = nullptr;
    EXPECT_EQ(pf_html_finish(h, &t), PF_OK);
    pf_html_free(h);
    return t;
}

std::vector<Post> make_posts(int n)
{
    std::vector<Post> v;
    for (int i = 0; i < n; i++)
        v.push_back({ i, "Title " + std::to_string(i), "Content " + std::to_string(i), "author" });
    return v;
}

// Ids of the subtree of the article with data-id `key`.
std::set<uint32_t> item_ids(const pf_vdom *t, const std::string &key)
{
    std::set<uint32_t> ids;
    const pf_vnode *posts = pf_vdom_root(t)->first_child->last_child;
    for (const pf_vnode *a = posts->first_child; a; a = a->next) {
        if (std::string(a->key, a->key_len) != key)
            continue;
        std::vector<const pf_vnode *> stack{ a };
        while (!stack.empty()) {
            const pf_vnode *n = stack.back();
            stack.pop_back();
            ids.insert(n->id);
            for (const pf_vnode *c = n->first_child; c; c = c->next)
                stack.push_back(c);
        }
    }
    return ids;
}

}  // namespace

// ---- format ---------------------------------------------------------------

TEST(Dom, EmptyPatchIsHeaderOnly)
{
    pf_dom_patch *p = pf_dom_patch_new();
    size_t len = 0;
    const uint8_t *b = pf_dom_patch_bytes(p, &len);
    ASSERT_EQ(len, 3u);
    EXPECT_EQ(b[0], 'P');
    EXPECT_EQ(b[1], 'F');
    EXPECT_EQ(b[2], 1);
    EXPECT_EQ(pf_dom_patch_op_count(p), 0u);
    pf_dom_patch_free(p);
    pf_dom_patch_free(nullptr);
}

TEST(Dom, FirstRenderEncodingIsExact)
{
    pf_html *h = pf_html_new();
    pf_html_open(h, "p");
    pf_html_attr(h, "class", "x");
    pf_html_str(h, "hi");
    pf_html_close(h);
    pf_vdom *t = nullptr;
    ASSERT_EQ(pf_html_finish(h, &t), PF_OK);
    uint32_t next_id = 1;
    pf_dom_patch *p = pf_dom_patch_new();
    ASSERT_EQ(pf_dom_diff(nullptr, t, &next_id, p), PF_OK);
    size_t len = 0;
    const uint8_t *b = pf_dom_patch_bytes(p, &len);
    const uint8_t want[] = {
        'P', 'F', 1,
        0x01, 1, 1, 'p',                        // CREATE_ELEMENT 1 "p"
        0x06, 1, 5, 'c', 'l', 'a', 's', 's', 1, 'x',  // SET_ATTR 1 class x
        0x02, 2, 2, 'h', 'i',                   // CREATE_TEXT 2 "hi"
        0x03, 1, 2, 0,                          // INSERT parent 1, id 2, append
        0x03, 0, 1, 0,                          // INSERT parent 0 (root), id 1, append
    };
    ASSERT_EQ(len, sizeof want);
    EXPECT_EQ(0, memcmp(b, want, len));
    EXPECT_EQ(pf_dom_patch_op_count(p), 5u);
    EXPECT_EQ(next_id, 3u);
    pf_dom_patch_free(p);
    pf_vdom_free(t);
    pf_html_free(h);
}

TEST(Dom, LongVarintsAndStringsRoundTrip)
{
    std::string big(300, 'z');  // length needs two varint bytes
    std::vector<Desc> top(1);
    top[0].attrs.push_back({ "title", big });
    pf_vdom *t = build(top);
    uint32_t next_id = 200000;  // ids need three varint bytes
    RefDom dom;
    // The reference applier rejects ids below its last one; start it high
    // by diffing from an empty tree with a high next_id.
    RefStats st;
    EXPECT_EQ(diff_apply(dom, nullptr, t, &next_id, &st), "");
    EXPECT_EQ(dom.compare(t), "");
    EXPECT_EQ(dom.node(200000)->attrs.at("title"), big);
    pf_vdom_free(t);
}

TEST(Dom, DecoderRejectsMalformedInput)
{
    const uint8_t bad_header[] = { 'P', 'G', 1 };
    EXPECT_EQ(pf_dom_patch_check_header(bad_header, 3), PF_EPROTO);
    EXPECT_EQ(pf_dom_patch_check_header(bad_header, 2), PF_EPROTO);
    pf_dom_op op;
    size_t pos = 0;
    const uint8_t unknown[] = { 0x7F, 1 };
    EXPECT_EQ(pf_dom_patch_next(unknown, sizeof unknown, &pos, &op), PF_EPROTO);
    EXPECT_EQ(pos, 0u);
    const uint8_t truncated_str[] = { 0x02, 1, 10, 'a' };
    pos = 0;
    EXPECT_EQ(pf_dom_patch_next(truncated_str, sizeof truncated_str, &pos, &op), PF_EPROTO);
    const uint8_t long_varint[] = { 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F };
    pos = 0;
    EXPECT_EQ(pf_dom_patch_next(long_varint, sizeof long_varint, &pos, &op), PF_EPROTO);
    const uint8_t max_varint[] = { 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F };
    pos = 0;
    EXPECT_EQ(pf_dom_patch_next(max_varint, sizeof max_varint, &pos, &op), 1);
    EXPECT_EQ(op.id, 0xFFFFFFFFu);
    pos = 0;
    EXPECT_EQ(pf_dom_patch_next(max_varint, 0, &pos, &op), 0);
    EXPECT_EQ(pf_dom_patch_next(nullptr, 0, &pos, &op), PF_EINVAL);
}

TEST(Dom, DecoderSurvivesRandomBytes)
{
    std::mt19937 rng(7);
    std::vector<uint8_t> buf;
    for (int iter = 0; iter < 5000; iter++) {
        buf.resize(rng() % 40);
        for (auto &b : buf)
            b = (uint8_t)(rng() % 12);  // mostly valid opcodes, to go deep
        size_t pos = 0;
        pf_dom_op op;
        int rc, guard = 0;
        while ((rc = pf_dom_patch_next(buf.data(), buf.size(), &pos, &op)) == 1 && guard++ < 100) {
            ASSERT_LE(pos, buf.size());
            if (op.str) {
                ASSERT_LE(op.str + op.str_len, (const char *)buf.data() + buf.size());
            }
        }
        EXPECT_TRUE(rc == 0 || rc == PF_EPROTO);
    }
}

TEST(Dom, DiffRejectsBadArguments)
{
    uint32_t zero = 0, one = 1;
    pf_dom_patch *p = pf_dom_patch_new();
    EXPECT_EQ(pf_dom_diff(nullptr, nullptr, nullptr, p), PF_EINVAL);
    EXPECT_EQ(pf_dom_diff(nullptr, nullptr, &one, nullptr), PF_EINVAL);
    EXPECT_EQ(pf_dom_diff(nullptr, nullptr, &zero, p), PF_EINVAL);
    EXPECT_EQ(pf_dom_diff(nullptr, nullptr, &one, p), PF_OK);
    EXPECT_EQ(pf_dom_patch_op_count(p), 0u);
    pf_dom_patch_free(p);
}

TEST(Dom, IdExhaustionIsAnErrorNotAWrap)
{
    std::vector<Desc> top(2);
    pf_vdom *t = build(top);
    uint32_t next_id = 0xFFFFFFFFu;
    pf_dom_patch *p = pf_dom_patch_new();
    EXPECT_EQ(pf_dom_diff(nullptr, t, &next_id, p), PF_ERANGE);
    pf_dom_patch_free(p);
    pf_vdom_free(t);
}

// ---- property: applying diff(A, B) to A gives B ---------------------------

TEST(Dom, PropertyRandomTreesChainedRenders)
{
    Gen g(12345);
    size_t total_ops = 0;
    for (int iter = 0; iter < 1500; iter++) {
        RefDom dom;
        uint32_t next_id = 1;
        std::vector<Desc> desc = g.list(4);
        pf_vdom *prev = build(desc);
        ASSERT_EQ(diff_apply(dom, nullptr, prev, &next_id), "") << "iter " << iter;
        ASSERT_EQ(dom.compare(prev), "") << "iter " << iter;
        for (int step = 0; step < 4; step++) {
            if (step == 3 && g.chance(30))
                desc = g.list(4);  // unrelated tree: heavy create/remove
            else
                g.mutate(desc, 3);
            pf_vdom *next = build(desc);
            RefStats st;
            ASSERT_EQ(diff_apply(dom, prev, next, &next_id, &st), "") << "iter " << iter << " step " << step;
            ASSERT_EQ(dom.compare(next), "") << "iter " << iter << " step " << step;
            // An unchanged tree must produce no ops at all.
            if (pf_vnode_equal(pf_vdom_root(prev), pf_vdom_root(next))) {
                ASSERT_EQ(st.total, 0u) << "iter " << iter;
            }
            total_ops += st.total;
            pf_vdom_free(prev);
            prev = next;
        }
        // Unmount: diff against nothing empties the root, forgets every id.
        ASSERT_EQ(diff_apply(dom, prev, nullptr, &next_id), "");
        EXPECT_EQ(dom.root()->children.size(), 0u);
        EXPECT_EQ(dom.live_ids(), 1u);
        pf_vdom_free(prev);
    }
    EXPECT_GT(total_ops, 10000u);  // the generator really exercises the diff
}

TEST(Dom, IdenticalRenderProducesNoOps)
{
    Gen g(99);
    for (int i = 0; i < 200; i++) {
        std::vector<Desc> d = g.list(4);
        pf_vdom *a = build(d), *b = build(d);
        uint32_t next_id = 1;
        pf_dom_patch *p = pf_dom_patch_new();
        ASSERT_EQ(pf_dom_diff(nullptr, a, &next_id, p), PF_OK);
        pf_dom_patch_reset(p);
        ASSERT_EQ(pf_dom_diff(a, b, &next_id, p), PF_OK);
        EXPECT_EQ(pf_dom_patch_op_count(p), 0u);
        pf_dom_patch_free(p);
        pf_vdom_free(a);
        pf_vdom_free(b);
    }
}

// ---- lists ---------------------------------------------------------------

TEST(Dom, OneItemUpdateInThousandTouchesOnlyThatItem)
{
    std::vector<Post> posts = make_posts(1000);
    pf_vdom *a = render_posts(posts);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");

    posts[500].title = "Edited <b>title</b>";
    pf_vdom *b = render_posts(posts);
    RefStats st;
    size_t bytes = 0;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st, &bytes), "");
    ASSERT_EQ(dom.compare(b), "");
    std::set<uint32_t> mine = item_ids(b, "500");
    for (uint32_t id : st.touched)
        EXPECT_TRUE(mine.count(id)) << "op touched node " << id << " outside item 500";
    EXPECT_EQ(st.total, 1u);
    EXPECT_EQ(st.ops[PF_DOM_SET_TEXT], 1u);
    EXPECT_LT(bytes, 40u);
    pf_vdom_free(a);
    pf_vdom_free(b);
}

TEST(Dom, PostCreatedAtTopIsOneInsertNoMoves)
{
    std::vector<Post> posts = make_posts(1000);
    pf_vdom *a = render_posts(posts);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    posts.insert(posts.begin(), Post{ 5000, "new", "fresh", "me" });
    pf_vdom *b = render_posts(posts);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.ops[PF_DOM_MOVE], 0u);
    EXPECT_EQ(st.ops[PF_DOM_REMOVE], 0u);
    EXPECT_EQ(st.ops[PF_DOM_CREATE_ELEMENT], 4u);  // article, h3, p, small
    std::set<uint32_t> mine = item_ids(b, "5000");
    for (uint32_t id : st.touched)
        EXPECT_TRUE(mine.count(id) || id == dom.root()->children[0]->children[1]->id);
    pf_vdom_free(a);
    pf_vdom_free(b);
}

TEST(Dom, PostDeletedIsOneRemove)
{
    std::vector<Post> posts = make_posts(1000);
    pf_vdom *a = render_posts(posts);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    std::set<uint32_t> gone = item_ids(a, "321");
    posts.erase(posts.begin() + 321);
    pf_vdom *b = render_posts(posts);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.total, 1u);
    EXPECT_EQ(st.ops[PF_DOM_REMOVE], 1u);
    EXPECT_EQ(dom.live_ids(), 1 + pf_vdom_node_count(b));
    pf_vdom_free(a);
    pf_vdom_free(b);
}

TEST(Dom, SwapTwoKeyedItemsIsMovesNotRecreation)
{
    std::vector<Post> posts = make_posts(10);
    pf_vdom *a = render_posts(posts);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    std::set<uint32_t> before2 = item_ids(a, "2"), before7 = item_ids(a, "7");
    std::swap(posts[2], posts[7]);
    pf_vdom *b = render_posts(posts);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.ops[PF_DOM_CREATE_ELEMENT] + st.ops[PF_DOM_CREATE_TEXT], 0u);
    EXPECT_EQ(st.ops[PF_DOM_REMOVE], 0u);
    EXPECT_GE(st.ops[PF_DOM_MOVE], 1u);
    EXPECT_LE(st.ops[PF_DOM_MOVE], 2u);
    EXPECT_EQ(st.total, st.ops[PF_DOM_MOVE]);
    EXPECT_EQ(item_ids(b, "2"), before2);  // same DOM nodes, moved
    EXPECT_EQ(item_ids(b, "7"), before7);
    pf_vdom_free(a);
    pf_vdom_free(b);
}

TEST(Dom, ReverseAndRotateUseFewestMoves)
{
    std::vector<Post> posts = make_posts(6);
    pf_vdom *a = render_posts(posts);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    std::reverse(posts.begin(), posts.end());
    pf_vdom *b = render_posts(posts);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.ops[PF_DOM_MOVE], 5u);
    EXPECT_EQ(st.total, 5u);
    std::rotate(posts.begin(), posts.begin() + 1, posts.end());  // first to last
    pf_vdom *c = render_posts(posts);
    RefStats st2;
    ASSERT_EQ(diff_apply(dom, b, c, &next_id, &st2), "");
    ASSERT_EQ(dom.compare(c), "");
    EXPECT_EQ(st2.total, 1u);
    EXPECT_EQ(st2.ops[PF_DOM_MOVE], 1u);
    pf_vdom_free(a);
    pf_vdom_free(b);
    pf_vdom_free(c);
}

TEST(Dom, DuplicateKeysDegradeToCreationNotCorruption)
{
    std::vector<Desc> v(3);
    for (auto &d : v) {
        d.key = "same";
        d.kids.resize(1);
        d.kids[0].is_text = true;
    }
    v[0].kids[0].text = "a";
    v[1].kids[0].text = "b";
    v[2].kids[0].text = "c";
    pf_vdom *a = build(v);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    std::swap(v[0], v[2]);
    v.pop_back();
    pf_vdom *b = build(v);
    ASSERT_EQ(diff_apply(dom, a, b, &next_id), "");
    ASSERT_EQ(dom.compare(b), "");
    pf_vdom_free(a);
    pf_vdom_free(b);
}

TEST(Dom, KeyWithDifferentTagIsReplaced)
{
    std::vector<Desc> v(1);
    v[0].key = "1";
    v[0].tag = "li";
    pf_vdom *a = build(v);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    v[0].tag = "div";
    pf_vdom *b = build(v);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.ops[PF_DOM_REMOVE], 1u);
    EXPECT_EQ(st.ops[PF_DOM_CREATE_ELEMENT], 1u);
    pf_vdom_free(a);
    pf_vdom_free(b);
}

// ---- attributes, text, trusted markup -------------------------------------

TEST(Dom, AttributeChangesAreMinimal)
{
    std::vector<Desc> v(1);
    v[0].attrs = { { "class", "a" }, { "title", "t" } };
    pf_vdom *a = build(v);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    v[0].attrs = { { "class", "b" }, { "data-x", "1" } };
    pf_vdom *b = build(v);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.ops[PF_DOM_SET_ATTR], 2u);
    EXPECT_EQ(st.ops[PF_DOM_REMOVE_ATTR], 1u);
    EXPECT_EQ(st.total, 3u);
    pf_vdom_free(a);
    pf_vdom_free(b);
}

TEST(Dom, TrustedMarkupTransitions)
{
    std::vector<Desc> v(1);
    v[0].kids.resize(2);
    v[0].kids[0].is_text = true;
    v[0].kids[0].text = "x";
    v[0].kids[1].tag = "b";
    pf_vdom *a = build(v);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    v[0].html = true;
    v[0].markup = "<em>trusted</em>";
    pf_vdom *b = build(v);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(st.ops[PF_DOM_SET_HTML], 1u);
    v[0].html = false;
    pf_vdom *c = build(v);
    ASSERT_EQ(diff_apply(dom, b, c, &next_id), "");
    ASSERT_EQ(dom.compare(c), "");
    pf_vdom_free(a);
    pf_vdom_free(b);
    pf_vdom_free(c);
}

// ---- the value property: focus, caret and typing survive renders ----------

TEST(Dom, ValueIsEmittedOnlyWhenTheIntendedValueChanges)
{
    std::vector<Desc> v(1);
    v[0].tag = "textarea";
    v[0].key = "editor";
    v[0].has_value = true;
    v[0].value = "hello";
    pf_vdom *a = build(v);
    RefDom dom;
    uint32_t next_id = 1;
    RefStats st0;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id, &st0), "");
    EXPECT_EQ(st0.ops[PF_DOM_SET_VALUE], 1u);
    uint32_t editor = pf_vdom_root(a)->first_child->id;

    // The user types; the DOM's value now differs from the component's.
    dom.mutable_node(editor)->value = "hello wor";

    // A render for an unrelated reason (another user joined) keeps it.
    v[0].attrs = { { "class", "editor busy" } };
    pf_vdom *b = build(v);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    EXPECT_EQ(st.ops[PF_DOM_SET_VALUE], 0u);
    EXPECT_EQ(dom.node(editor)->value, "hello wor");
    EXPECT_EQ(pf_vdom_root(b)->first_child->id, editor);  // same element: focus kept

    // The component deliberately sets a new value (a remote edit): emitted.
    v[0].value = "hello world";
    pf_vdom *c = build(v);
    RefStats st2;
    ASSERT_EQ(diff_apply(dom, b, c, &next_id, &st2), "");
    EXPECT_EQ(st2.ops[PF_DOM_SET_VALUE], 1u);
    EXPECT_EQ(st2.total, 1u);
    EXPECT_EQ(dom.node(editor)->value, "hello world");

    // Dropping the value property does not clear what is in the control.
    v[0].has_value = false;
    pf_vdom *d = build(v);
    RefStats st3;
    ASSERT_EQ(diff_apply(dom, c, d, &next_id, &st3), "");
    EXPECT_EQ(st3.total, 0u);
    pf_vdom_free(a);
    pf_vdom_free(b);
    pf_vdom_free(c);
    pf_vdom_free(d);
}

TEST(Dom, KeyedInputMovedKeepsItsNode)
{
    std::vector<Desc> v(3);
    for (int i = 0; i < 3; i++) {
        v[i].tag = "input";
        v[i].key = "in" + std::to_string(i);
        v[i].has_value = true;
        v[i].value = "v";
    }
    pf_vdom *a = build(v);
    RefDom dom;
    uint32_t next_id = 1;
    ASSERT_EQ(diff_apply(dom, nullptr, a, &next_id), "");
    uint32_t focused = pf_vdom_root(a)->first_child->next->id;  // "in1"
    std::swap(v[0], v[1]);
    pf_vdom *b = build(v);
    RefStats st;
    ASSERT_EQ(diff_apply(dom, a, b, &next_id, &st), "");
    ASSERT_EQ(dom.compare(b), "");
    EXPECT_EQ(pf_vdom_root(b)->first_child->id, focused);
    EXPECT_EQ(st.ops[PF_DOM_SET_VALUE], 0u);
    EXPECT_EQ(st.ops[PF_DOM_MOVE], 1u);
    pf_vdom_free(a);
    pf_vdom_free(b);
}

TEST(Dom, PatchStringsAreValidUtf8WhateverTheInput)
{
    // Random bytes as text and attribute values: the builder repairs them,
    // so every string in a patch decodes without replacement surprises.
    auto valid_utf8 = [](const char *s, size_t n) {
        const unsigned char *u = reinterpret_cast<const unsigned char *>(s);
        for (size_t i = 0; i < n;) {
            unsigned c = u[i];
            size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
            if (c == 0 || len == 0 || i + len > n)
                return false;
            for (size_t k = 1; k < len; k++)
                if ((u[i + k] & 0xC0) != 0x80)
                    return false;
            i += len;
        }
        return true;
    };
    std::mt19937 rng(5);
    for (int iter = 0; iter < 300; iter++) {
        std::vector<Desc> v(3);
        for (auto &d : v) {
            std::string junk(rng() % 12, '\0');
            for (auto &ch : junk)
                ch = (char)(rng() % 256);
            d.attrs.push_back({ "title", junk });
            d.kids.resize(1);
            d.kids[0].is_text = true;
            d.kids[0].text = junk + "x";
        }
        pf_vdom *t = build(v);
        uint32_t next_id = 1;
        pf_dom_patch *p = pf_dom_patch_new();
        ASSERT_EQ(pf_dom_diff(nullptr, t, &next_id, p), PF_OK);
        size_t len = 0, pos = PF_DOM_HEADER_LEN;
        const uint8_t *b = pf_dom_patch_bytes(p, &len);
        pf_dom_op op;
        while (pf_dom_patch_next(b, len, &pos, &op) == 1) {
            ASSERT_TRUE(valid_utf8(op.str, op.str_len));
            ASSERT_TRUE(valid_utf8(op.str2, op.str2_len));
        }
        pf_dom_patch_free(p);
        pf_vdom_free(t);
    }
}

TEST(Dom, ThousandItemRenderAndDiffIsFast)
{
    // Not a benchmark, a guard against accidental quadratic behaviour:
    // 50 renders and diffs of a 1,000-item list well inside the time limit.
    std::vector<Post> posts = make_posts(1000);
    pf_vdom *prev = render_posts(posts);
    uint32_t next_id = 1;
    pf_dom_patch *p = pf_dom_patch_new();
    ASSERT_EQ(pf_dom_diff(nullptr, prev, &next_id, p), PF_OK);
    EXPECT_LT(pf_vdom_arena_bytes(prev), (size_t)2 * 1024 * 1024);
    for (int i = 0; i < 50; i++) {
        posts[(size_t)(i * 37) % posts.size()].content += "+";
        pf_vdom *next = render_posts(posts);
        pf_dom_patch_reset(p);
        ASSERT_EQ(pf_dom_diff(prev, next, &next_id, p), PF_OK);
        EXPECT_EQ(pf_dom_patch_op_count(p), 1u);
        pf_vdom_free(prev);
        prev = next;
    }
    pf_dom_patch_free(p);
    pf_vdom_free(prev);
}

// A <select>'s value names one of its options: the browser ignores a value
// set before that option is in the select (and then shows the first one).
// The value is written after the children, when created and when diffed.
namespace {
pf_vdom *select_tree(const char *value, const std::vector<const char *> &options)
{
    pf_html *h = pf_html_new();
    pf_html_open(h, "select");
    pf_html_attr(h, "data-id", "s");
    pf_html_value(h, value, strlen(value));
    for (const char *o : options) {
        pf_html_open(h, "option");
        pf_html_attr(h, "value", o);
        pf_html_str(h, o);
        pf_html_close(h);
    }
    pf_html_close(h);
    pf_vdom *t = nullptr;
    EXPECT_EQ(pf_html_finish(h, &t), PF_OK);
    pf_html_free(h);
    return t;
}

// The ops of the diff prev -> next, as "OPNAME id" lines; *value_at is the
// index of SET_VALUE, *last_insert that of the last INSERT into `parent`.
std::vector<std::string> op_lines(const pf_vdom *prev, pf_vdom *next, uint32_t *next_id, uint32_t parent,
                                  int *value_at, int *last_insert)
{
    std::vector<std::string> lines;
    pf_dom_patch *p = pf_dom_patch_new();
    EXPECT_EQ(pf_dom_diff(prev, next, next_id, p), PF_OK);
    size_t len = 0, pos = PF_DOM_HEADER_LEN;
    const uint8_t *b = pf_dom_patch_bytes(p, &len);
    pf_dom_op op;
    *value_at = *last_insert = -1;
    while (pf_dom_patch_next(b, len, &pos, &op) == 1) {
        if (op.code == PF_DOM_SET_VALUE)
            *value_at = (int)lines.size();
        if ((op.code == PF_DOM_INSERT || op.code == PF_DOM_MOVE) && op.parent == parent)
            *last_insert = (int)lines.size();
        lines.push_back(std::string(pf_dom_opcode_name(op.code)) + " " + std::to_string(op.id));
    }
    pf_dom_patch_free(p);
    return lines;
}
}  // namespace

TEST(Dom, ASelectsValueIsWrittenAfterItsOptions)
{
    uint32_t next_id = 1;
    int value_at, last_insert;
    const uint32_t sel = 1; // the first node created
    pf_vdom *a = select_tree("b", { "a", "b", "c" });
    std::vector<std::string> ops = op_lines(nullptr, a, &next_id, sel, &value_at, &last_insert);
    ASSERT_EQ(pf_vdom_root(a)->first_child->id, sel);
    ASSERT_GE(value_at, 0);
    ASSERT_GE(last_insert, 0);
    EXPECT_GT(value_at, last_insert) << ops[value_at];
    // An option added in the render that selects it.
    pf_vdom *b = select_tree("d", { "a", "b", "c", "d" });
    ops = op_lines(a, b, &next_id, sel, &value_at, &last_insert);
    ASSERT_GE(value_at, 0);
    ASSERT_GE(last_insert, 0);
    EXPECT_GT(value_at, last_insert);
    pf_vdom_free(a);
    pf_vdom_free(b);
}
