// test_vdom.cc: render trees (runtime/pf_vdom.h): lifetime, lookup,
// equality, serialisation and the arena.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "pf_dom.h"
#include "pf_html.h"
#include "pf_vdom.h"
}

namespace {

pf_vdom *finish(pf_html *h)
{
    pf_vdom *t = nullptr;
    EXPECT_EQ(pf_html_finish(h, &t), PF_OK) << pf_html_message(h);
    return t;
}

std::string to_html(const pf_vdom *t)
{
    char *s = nullptr;
    size_t n = 0;
    EXPECT_EQ(pf_vdom_to_html(t, &s, &n), PF_OK);
    std::string out(s, n);
    EXPECT_EQ(strlen(s), n);  // NUL-terminated
    free(s);
    return out;
}

// <ul class=l><li data-id=a id=x>A<b>!</b></li><li>B</li></ul>
pf_vdom *sample(pf_html *h, const char *cls = "l", const char *b_text = "B")
{
    pf_html_open(h, "ul");
    pf_html_attr(h, "class", cls);
    pf_html_open(h, "li");
    pf_html_attr(h, "id", "x");
    pf_html_attr(h, "data-id", "a");
    pf_html_str(h, "A");
    pf_html_open(h, "b");
    pf_html_str(h, "!");
    pf_html_close(h);
    pf_html_close(h);
    pf_html_open(h, "li");
    pf_html_str(h, b_text);
    pf_html_close(h);
    pf_html_close(h);
    return finish(h);
}

}  // namespace

TEST(Vdom, NewTreeIsAnEmptyRoot)
{
    pf_vdom *t = pf_vdom_new();
    ASSERT_NE(t, nullptr);
    const pf_vnode *r = pf_vdom_root(t);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->kind, PF_VNODE_ELEMENT);
    EXPECT_EQ(r->tag_len, 0u);
    EXPECT_EQ(r->id, 0u);
    EXPECT_EQ(r->child_count, 0u);
    EXPECT_EQ(pf_vdom_node_count(t), 0u);
    EXPECT_EQ(to_html(t), "");
    EXPECT_EQ(pf_vdom_find(t, 0), r);
    EXPECT_EQ(pf_vdom_find(t, 1), nullptr);
    pf_vdom_free(t);
    pf_vdom_free(nullptr);
    EXPECT_EQ(pf_vdom_root(nullptr), nullptr);
    EXPECT_EQ(pf_vdom_node_count(nullptr), 0u);
    EXPECT_EQ(pf_vdom_find(nullptr, 0), nullptr);
    char *s;
    size_t n;
    EXPECT_EQ(pf_vdom_to_html(nullptr, &s, &n), PF_EINVAL);
}

TEST(Vdom, StructureLookupAndKeys)
{
    pf_html *h = pf_html_new();
    pf_vdom *t = sample(h);
    EXPECT_EQ(pf_vdom_node_count(t), 7u);  // ul, li, "A", b, "!", li, "B"
    const pf_vnode *ul = pf_vdom_root(t)->first_child;
    ASSERT_EQ(ul->child_count, 2u);
    const pf_vnode *li = ul->first_child;
    EXPECT_EQ(std::string(li->key, li->key_len), "a");
    EXPECT_EQ(li->next->key, nullptr);
    EXPECT_EQ(li->parent, ul);
    EXPECT_EQ(ul->parent, pf_vdom_root(t));
    const pf_vnode *bang = li->last_child->first_child;
    EXPECT_EQ(bang->kind, PF_VNODE_TEXT);
    EXPECT_EQ(pf_vnode_keyed_ancestor(bang), li);
    EXPECT_EQ(pf_vnode_keyed_ancestor(ul), nullptr);
    EXPECT_STREQ(pf_vnode_attr(li, "id")->value, "x");
    EXPECT_EQ(pf_vnode_attr(li, "nope"), nullptr);
    EXPECT_EQ(pf_vnode_attr(nullptr, "id"), nullptr);

    // Ids come from the diff; afterwards every node can be found by id.
    uint32_t next_id = 1;
    pf_dom_patch *p = pf_dom_patch_new();
    ASSERT_EQ(pf_dom_diff(nullptr, t, &next_id, p), PF_OK);
    EXPECT_EQ(next_id, 1 + pf_vdom_node_count(t));
    EXPECT_EQ(pf_vdom_find(t, bang->id), bang);
    EXPECT_EQ(pf_vdom_find(t, ul->id), ul);
    pf_dom_patch_free(p);
    pf_vdom_free(t);
    pf_html_free(h);
}

TEST(Vdom, EqualityIgnoresIdsAndAttributeOrder)
{
    pf_html *h = pf_html_new();
    pf_vdom *a = sample(h), *b = sample(h);
    EXPECT_TRUE(pf_vnode_equal(pf_vdom_root(a), pf_vdom_root(b)));
    pf_vdom *c = sample(h, "other");
    EXPECT_FALSE(pf_vnode_equal(pf_vdom_root(a), pf_vdom_root(c)));
    pf_vdom *d = sample(h, "l", "C");
    EXPECT_FALSE(pf_vnode_equal(pf_vdom_root(a), pf_vdom_root(d)));

    pf_html_open(h, "p");
    pf_html_attr(h, "a", "1");
    pf_html_attr(h, "b", "2");
    pf_html_close(h);
    pf_vdom *e = finish(h);
    pf_html_open(h, "p");
    pf_html_attr(h, "b", "2");
    pf_html_attr(h, "a", "1");
    pf_html_close(h);
    pf_vdom *f = finish(h);
    EXPECT_TRUE(pf_vnode_equal(pf_vdom_root(e), pf_vdom_root(f)));
    pf_html_open(h, "p");
    pf_html_attr(h, "b", "2");
    pf_html_attr(h, "a", "1");
    pf_html_value(h, "v", 1);
    pf_html_close(h);
    pf_vdom *g = finish(h);
    EXPECT_FALSE(pf_vnode_equal(pf_vdom_root(f), pf_vdom_root(g)));
    EXPECT_TRUE(pf_vnode_equal(nullptr, nullptr));
    EXPECT_FALSE(pf_vnode_equal(pf_vdom_root(a), nullptr));
    for (pf_vdom *t : { a, b, c, d, e, f, g })
        pf_vdom_free(t);
    pf_html_free(h);
}

TEST(Vdom, SerialisesNestedAndTrustedMarkup)
{
    pf_html *h = pf_html_new();
    pf_vdom *t = sample(h);
    EXPECT_EQ(to_html(t), "<ul class=\"l\"><li id=\"x\" data-id=\"a\">A<b>!</b></li><li>B</li></ul>");
    pf_vdom_free(t);

    pf_html_trusted_markup(h, "<hr>", 4);
    t = finish(h);
    EXPECT_EQ(to_html(t), "<hr>");
    pf_vdom_free(t);

    for (int i = 0; i < PF_HTML_MAX_DEPTH; i++)
        pf_html_open(h, "i");
    pf_html_str(h, "deep");
    for (int i = 0; i < PF_HTML_MAX_DEPTH; i++)
        pf_html_close(h);
    t = finish(h);
    std::string out = to_html(t);
    EXPECT_EQ(out.size(), (size_t)PF_HTML_MAX_DEPTH * 7 + 4);
    EXPECT_EQ(out.substr(PF_HTML_MAX_DEPTH * 3, 4), "deep");
    pf_vdom_free(t);
    pf_html_free(h);
}

TEST(Vdom, ArenaKeepsBigTreesCheap)
{
    // 1,000 items of 4 nodes each: the arena grows by doubling blocks, so
    // the tree costs a bounded multiple of its contents, in few mallocs.
    pf_html *h = pf_html_new();
    for (int i = 0; i < 1000; i++) {
        pf_html_open(h, "article");
        pf_html_attrf(h, "data-id", "%d", i);
        pf_html_open(h, "h3");
        pf_html_textf(h, "Post number %d", i);
        pf_html_close(h);
        pf_html_open(h, "p");
        pf_html_str(h, "Some content that is not very long...");
        pf_html_close(h);
        pf_html_close(h);
    }
    pf_vdom *t = finish(h);
    EXPECT_EQ(pf_vdom_node_count(t), 5000u);
    size_t bytes = pf_vdom_arena_bytes(t);
    EXPECT_GT(bytes, 5000 * sizeof(pf_vnode));
    EXPECT_LT(bytes, (size_t)2 * 1024 * 1024);
    pf_vdom_free(t);
    pf_html_free(h);
}
