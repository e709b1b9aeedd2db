// test_html.cc: the safe markup builder, URL and style checks, escaping
// (runtime/pf_html.h), with a corpus of hostile input.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "pf_html.h"
#include "pf_vdom.h"
}

namespace {

// Renders what `fill` builds and returns its HTML, or "ERR:<code>".
template <typename F>
std::string html_of(F fill)
{
    pf_html *h = pf_html_new();
    fill(h);
    pf_vdom *t = nullptr;
    int rc = pf_html_finish(h, &t);
    pf_html_free(h);
    if (rc != PF_OK)
        return "ERR:" + std::to_string(rc);
    char *s = nullptr;
    size_t n = 0;
    EXPECT_EQ(pf_vdom_to_html(t, &s, &n), PF_OK);
    std::string out(s, n);
    free(s);
    pf_vdom_free(t);
    return out;
}

int attr_rc(const char *tag, const char *name, const std::string &value)
{
    pf_html *h = pf_html_new();
    pf_html_open(h, tag);
    int rc = pf_html_attrn(h, name, value.data(), value.size());
    pf_html_free(h);
    return rc;
}

}  // namespace

// ---- escaping ---------------------------------------------------------------

TEST(Html, EscapeFunctions)
{
    const char *s = "<a href=\"x\" title='y'>&amp;</a>";
    std::string text(pf_html_escaped_len(s, strlen(s), 0), '\0');
    text.resize(pf_html_escape(&text[0], s, strlen(s), 0));
    EXPECT_EQ(text, "&lt;a href=\"x\" title='y'&gt;&amp;amp;&lt;/a&gt;");
    std::string attr(pf_html_escaped_len(s, strlen(s), 1), '\0');
    attr.resize(pf_html_escape(&attr[0], s, strlen(s), 1));
    EXPECT_EQ(attr, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    EXPECT_EQ(pf_html_escaped_len("", 0, 1), 0u);
}

TEST(Html, HostileTextIsAlwaysText)
{
    const std::vector<std::string> corpus = {
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "'; alert(1); '",
        "</textarea><script>alert(1)</script>",
        "<!-- comment --><![CDATA[x]]>",
        "&lt;already escaped&gt;",
        "<<>><</>",
        "\xE2\x80\xAE" "evil\xE2\x80\x8B",  // RLO, zero-width space
        "<a href=\"javascript:alert(1)\">x</a>",
        "{{constructor.constructor('alert(1)')()}}",
    };
    for (const std::string &s : corpus) {
        std::string out = html_of([&](pf_html *h) {
            pf_html_open(h, "p");
            pf_html_attrn(h, "title", s.data(), s.size());
            pf_html_text(h, s.data(), s.size());
            pf_html_close(h);
        });
        // No raw '<' or quote from the input survives: the only tags are ours.
        size_t lt = 0;
        for (char c : out)
            lt += c == '<';
        EXPECT_EQ(lt, 2u) << out;
        // The start tag holds exactly the two quotes that delimit the value.
        std::string start = out.substr(0, out.find('>') + 1);
        size_t quotes = 0;
        for (char c : start)
            quotes += c == '"';
        EXPECT_EQ(quotes, 2u) << out;
        EXPECT_EQ(out.find("<script"), std::string::npos);
    }
}

TEST(Html, SeedPostMarkup)
{
    std::string out = html_of([](pf_html *h) {
        pf_html_open(h, "article");
        pf_html_attr(h, "class", "post");
        pf_html_attr(h, "data-id", "42");
        pf_html_open(h, "h3");
        pf_html_str(h, "Tom & Jerry <3");
        pf_html_close(h);
        pf_html_open(h, "small");
        pf_html_textf(h, "By %s \xE2\x80\xA2 %s", "O'Brien", "2024-01-01");
        pf_html_close(h);
        pf_html_close(h);
    });
    EXPECT_EQ(out, "<article class=\"post\" data-id=\"42\"><h3>Tom &amp; Jerry &lt;3</h3>"
                   "<small>By O'Brien \xE2\x80\xA2 2024-01-01</small></article>");
}

TEST(Html, InvalidUtf8AndNulBecomeReplacementCharacters)
{
    const char bad[] = { 'a', '\0', 'b', (char)0xFF, 'c', (char)0xED, (char)0xA0, (char)0x80, 'd', (char)0xC3 };
    std::string out = html_of([&](pf_html *h) { pf_html_text(h, bad, sizeof bad); });
    EXPECT_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "d\xEF\xBF\xBD");
    std::string ok = "caf\xC3\xA9 \xF0\x9F\x98\x80";
    EXPECT_EQ(html_of([&](pf_html *h) { pf_html_text(h, ok.data(), ok.size()); }), ok);
}

// ---- elements and attributes ------------------------------------------------

TEST(Html, RefusesScriptingElements)
{
    for (const char *tag : { "script", "SCRIPT", "ScRiPt", "style", "iframe", "object", "embed",
                             "base", "meta", "link", "svg", "math", "template", "noscript" }) {
        pf_html *h = pf_html_new();
        EXPECT_EQ(pf_html_open(h, tag), PF_EUNSAFE) << tag;
        pf_html_free(h);
    }
    for (const char *tag : { "", "di v", "<div", "1div", "div>", "a\"b" }) {
        pf_html *h = pf_html_new();
        EXPECT_EQ(pf_html_open(h, tag), PF_EINVAL) << tag;
        pf_html_free(h);
    }
    pf_html *h = pf_html_new();
    EXPECT_EQ(pf_html_open(h, nullptr), PF_EINVAL);
    pf_html_free(h);
}

TEST(Html, RefusesEventHandlerAttributes)
{
    for (const char *name : { "onclick", "ONCLICK", "OnMouseOver", "onerror", "on", "onload",
                              "onfocusin", "onbeforetoggle", "srcdoc", "SRCSET", "http-equiv" }) {
        EXPECT_EQ(attr_rc("div", name, "alert(1)"), PF_EUNSAFE) << name;
    }
    for (const char *name : { " onclick", "on click", "\"x", "a=b", "", "x>", "1a", "\tonclick" }) {
        EXPECT_EQ(attr_rc("div", name, "v"), PF_EINVAL) << name;
    }
    for (const char *name : { "class", "title", "data-on-click", "data-id", "aria-label", "one",
                              "x-only", "button" }) {
        // "one" starts with "on" and is refused too: there is no such
        // standard attribute and the prefix rule must not have exceptions.
        int want = (strncmp(name, "on", 2) == 0) ? PF_EUNSAFE : PF_OK;
        EXPECT_EQ(attr_rc("div", name, "v"), want) << name;
    }
}

TEST(Html, StickyErrorsAndReuse)
{
    pf_html *h = pf_html_new();
    EXPECT_EQ(pf_html_open(h, "div"), PF_OK);
    EXPECT_EQ(pf_html_attr(h, "onclick", "x()"), PF_EUNSAFE);
    EXPECT_NE(std::string(pf_html_message(h)).find("event handlers"), std::string::npos);
    EXPECT_EQ(pf_html_str(h, "later"), PF_EUNSAFE);  // sticky
    EXPECT_EQ(pf_html_close(h), PF_EUNSAFE);
    EXPECT_EQ(pf_html_status(h), PF_EUNSAFE);
    pf_vdom *t = reinterpret_cast<pf_vdom *>(1);
    EXPECT_EQ(pf_html_finish(h, &t), PF_EUNSAFE);
    EXPECT_EQ(t, nullptr);
    // The builder is reset and reusable.
    EXPECT_EQ(pf_html_status(h), PF_OK);
    EXPECT_EQ(pf_html_open(h, "p"), PF_OK);
    EXPECT_EQ(pf_html_close(h), PF_OK);
    EXPECT_EQ(pf_html_finish(h, &t), PF_OK);
    EXPECT_EQ(pf_vdom_node_count(t), 1u);
    pf_vdom_free(t);
    pf_html_free(h);
    pf_html_free(nullptr);
}

TEST(Html, StructureErrors)
{
    EXPECT_EQ(html_of([](pf_html *h) { pf_html_open(h, "div"); }), "ERR:" + std::to_string(PF_ESTATE));
    EXPECT_EQ(html_of([](pf_html *h) { pf_html_close(h); }), "ERR:" + std::to_string(PF_ESTATE));
    EXPECT_EQ(html_of([](pf_html *h) { pf_html_attr(h, "class", "x"); }), "ERR:" + std::to_string(PF_EINVAL));
    EXPECT_EQ(html_of([](pf_html *h) {
                  pf_html_open(h, "img");
                  pf_html_open(h, "b");
              }),
              "ERR:" + std::to_string(PF_EINVAL));
    EXPECT_EQ(html_of([](pf_html *h) {
                  pf_html_open(h, "br");
                  pf_html_str(h, "x");
              }),
              "ERR:" + std::to_string(PF_ESTATE));
    EXPECT_EQ(html_of([](pf_html *h) {
                  for (int i = 0; i < PF_HTML_MAX_DEPTH + 1; i++)
                      pf_html_open(h, "div");
              }),
              "ERR:" + std::to_string(PF_ETOOBIG));
    EXPECT_EQ(html_of([](pf_html *h) {
                  pf_html_open(h, "img");
                  pf_html_attr(h, "alt", "a");
                  pf_html_close(h);
                  pf_html_open(h, "br");
                  pf_html_close(h);
              }),
              "<img alt=\"a\"><br>");
}

TEST(Html, AttributesReplaceKeysAndClasses)
{
    pf_html *h = pf_html_new();
    pf_html_open(h, "div");
    pf_html_attr(h, "ID", "plain");
    pf_html_attr(h, "Class", "a");
    pf_html_attr(h, "class", "b");
    const char *classes[] = { "notification-item", nullptr, "", "unread" };
    pf_html_class(h, classes, 4);
    pf_html_attr(h, "data-id", "7");
    pf_html_attr(h, "id", "again");  // data-id stays the key
    pf_html_close(h);
    pf_vdom *t = nullptr;
    ASSERT_EQ(pf_html_finish(h, &t), PF_OK);
    const pf_vnode *n = pf_vdom_root(t)->first_child;
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(std::string(n->key, n->key_len), "7");
    EXPECT_EQ(n->attr_count, 3u);
    EXPECT_STREQ(pf_vnode_attr(n, "class")->value, "notification-item unread");
    EXPECT_STREQ(pf_vnode_attr(n, "id")->value, "again");
    pf_vdom_free(t);
    pf_html_free(h);
}

TEST(Html, ValueAttributeOnControlsIsTheProperty)
{
    pf_html *h = pf_html_new();
    pf_html_open(h, "textarea");
    pf_html_attr(h, "value", "</textarea><script>x</script>");
    pf_html_close(h);
    pf_html_open(h, "input");
    pf_html_attr(h, "VALUE", "a\"b");
    pf_html_close(h);
    pf_html_open(h, "button");
    pf_html_attr(h, "value", "plain");  // an attribute elsewhere
    pf_html_close(h);
    pf_vdom *t = nullptr;
    ASSERT_EQ(pf_html_finish(h, &t), PF_OK);
    const pf_vnode *ta = pf_vdom_root(t)->first_child;
    EXPECT_TRUE(ta->has_value);
    EXPECT_EQ(ta->attr_count, 0u);
    EXPECT_TRUE(ta->next->has_value);
    EXPECT_FALSE(ta->next->next->has_value);
    char *s = nullptr;
    size_t n = 0;
    ASSERT_EQ(pf_vdom_to_html(t, &s, &n), PF_OK);
    EXPECT_EQ(std::string(s, n),
              "<textarea>&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>"
              "<input value=\"a&quot;b\"><button value=\"plain\"></button>");
    free(s);
    pf_vdom_free(t);
    pf_html_free(h);
}

TEST(Html, TextMergesAndEmptyTextAddsNothing)
{
    pf_html *h = pf_html_new();
    pf_html_open(h, "p");
    pf_html_str(h, "");
    for (int i = 0; i < 1000; i++)
        pf_html_textf(h, "%d,", i % 10);
    pf_html_close(h);
    pf_vdom *t = nullptr;
    ASSERT_EQ(pf_html_finish(h, &t), PF_OK);
    const pf_vnode *p = pf_vdom_root(t)->first_child;
    ASSERT_EQ(p->child_count, 1u);
    EXPECT_EQ(p->first_child->text_len, 2000u);
    EXPECT_EQ(std::string(p->first_child->text, 4), "0,1,");
    pf_vdom_free(t);
    pf_html_free(h);
}

TEST(Html, EventHandlersAreDataAttributes)
{
    EXPECT_EQ(html_of([](pf_html *h) {
                  pf_html_open(h, "button");
                  pf_html_on(h, "click", "toggle_panel");
                  pf_html_close(h);
              }),
              "<button data-on-click=\"toggle_panel\"></button>");
    for (auto bad : std::vector<std::pair<const char *, const char *>>{
             { "Click", "x" }, { "click", "alert(1)" }, { "click", "a b" }, { "", "x" },
             { "click", "" }, { "cl1ck", "x" }, { "click", "x\"" } }) {
        pf_html *h = pf_html_new();
        pf_html_open(h, "div");
        EXPECT_EQ(pf_html_on(h, bad.first, bad.second), PF_EINVAL) << bad.first << " " << bad.second;
        pf_html_free(h);
    }
}

TEST(Html, TrustedMarkupIsExplicit)
{
    EXPECT_EQ(html_of([](pf_html *h) {
                  pf_html_open(h, "div");
                  pf_html_trusted_markup(h, "<b>bold</b>", 11);
                  pf_html_close(h);
              }),
              "<div><b>bold</b></div>");
    EXPECT_EQ(html_of([](pf_html *h) {
                  pf_html_open(h, "div");
                  pf_html_str(h, "x");
                  pf_html_trusted_markup(h, "<b>", 3);
              }),
              "ERR:" + std::to_string(PF_ESTATE));
    EXPECT_EQ(html_of([](pf_html *h) {
                  pf_html_open(h, "div");
                  pf_html_trusted_markup(h, "<b>", 3);
                  pf_html_open(h, "p");
              }),
              "ERR:" + std::to_string(PF_ESTATE));
}

// ---- URLs -------------------------------------------------------------------

TEST(Html, UnsafeUrlsAreRefusedInEveryDisguise)
{
    const std::vector<std::string> bad = {
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "\tjavascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java\rscript:alert(1)",
        std::string("java\0script:alert(1)", 20),
        "\x01javascript:alert(1)",
        "javascript\x7f:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#0000106&#0000097vascript:alert(1)",
        "&#x6A;&#x61;&#x76;&#x61;script:alert(1)",
        "javascript&colon;alert(1)",
        "javascript&COLON;alert(1)",
        "javascript&#58;alert(1)",
        "javascript&#x3a;alert(1)",
        "javascript&#x3A alert(1)",
        "java&Tab;script:alert(1)",
        "java&NewLine;script:alert(1)",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,x",
        "data:application/javascript,alert(1)",
        "file:///etc/passwd",
        "blob:https://x/1",
        "livescript:x",
        "\xE2\x80\xAEjavascript:alert(1)",      // RLO before the scheme
        "\xC2\xA0javascript:alert(1)",          // no-break space
        "\xEF\xBD\x8A" "avascript:alert(1)",       // fullwidth j
        "%6Aavascript:alert(1)",
        "x:y",
        ":nothing",
    };
    for (const std::string &u : bad) {
        EXPECT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_LINK), PF_EUNSAFE) << u;
        EXPECT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_SRC), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("a", "href", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("img", "src", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("form", "action", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("button", "FORMACTION", u), PF_EUNSAFE) << u;
    }
}

TEST(Html, SafeUrlsAreAccepted)
{
    const std::vector<std::string> good = {
        "https://example.com/a?b=c&d=e#f",
        "http://example.com",
        "HTTPS://EXAMPLE.COM",
        "mailto:someone@example.com",
        "/static/notification-icon.png",
        "relative/path",
        "?q=javascript:alert(1)",
        "#javascript:x",
        "//cdn.example.com/x.js",
        "./a:b",
        "",
        "posts/1?x=a&amp;b",
        "  https://example.com  ",
    };
    for (const std::string &u : good) {
        EXPECT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_LINK), PF_OK) << u;
        EXPECT_EQ(attr_rc("a", "href", u), PF_OK) << u;
    }
}

TEST(Html, DataImagesOnlyForImgSrc)
{
    // data:image/ is allowed where an image is loaded (<img src>, a
    // notification icon), SVG included: an image never runs its script.
    for (std::string u : { "data:image/png;base64,iVBORw0KGgo=", "data:IMAGE/JPEG,abc", "data:image/gif,x",
                           "data:image/webp;base64,UklGRg==", "data:image/svg+xml,<svg onload=alert(1)>",
                           "data:image/svg+xml;base64,PHN2Zz4=", "data:image/SVG+XML;charset=utf-8,%3Csvg%3E",
                           " data:image/png,x" }) {
        EXPECT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_IMG), PF_OK) << u;
        EXPECT_EQ(attr_rc("img", "src", u), PF_OK) << u;
        EXPECT_EQ(attr_rc("IMG", "SRC", u), PF_OK) << u;
        // Anywhere else data: is refused: links, frames, media, posters.
        EXPECT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_SRC), PF_EUNSAFE) << u;
        EXPECT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_LINK), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("a", "href", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("video", "src", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("source", "src", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("input", "src", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("video", "poster", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("img", "lowsrc", u), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("form", "action", u), PF_EUNSAFE) << u;
    }
    // Not images, or not a type we know: refused even in <img src>.
    for (std::string u : { "data:image/,x", "data:image/pngx,x", "data:image/png", "data:image/svg,x",
                           "data:image/svg+xmlx,x", "data:text/html,<script>alert(1)</script>",
                           "data:text/html;base64,PHNjcmlwdD4=", "data:,x", "data:application/xhtml+xml,x",
                           "data:imagex/png,x", "data:image\xE2\x80\xAE/png,x", "data:image/p\xC3\xA9ng,x" }) {
        EXPECT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_IMG), PF_EUNSAFE) << u;
        EXPECT_EQ(attr_rc("img", "src", u), PF_EUNSAFE) << u;
    }
    // The style check treats url() as a non-image load: no data: there.
    std::string s = "background: url(data:image/png;base64,iVBORw0KGgo=)";
    EXPECT_EQ(pf_html_check_style(s.data(), s.size()), PF_EUNSAFE);
}

// ---- style ------------------------------------------------------------------

TEST(Html, StyleValuesAreChecked)
{
    for (std::string s : { "left: 12px;", "color: red; background: url(/img/a.png)",
                           "background:url('https://x/y.png')" }) {
        EXPECT_EQ(pf_html_check_style(s.data(), s.size()), PF_OK) << s;
        EXPECT_EQ(attr_rc("span", "style", s), PF_OK) << s;
    }
    for (std::string s : { "width: expression(alert(1))", "width: EXPRESSION (alert(1))",
                           "background: url(javascript:alert(1))", "background:url( 'java\tscript:x' )",
                           "-moz-binding: url(x.xml#xss)", "behavior: url(x.htc)",
                           "@import 'x.css'", "color: \\72 ed", "x: e/**/xpression(alert(1))",
                           "background: url(data:text/html,x)", "</style><script>" }) {
        EXPECT_EQ(pf_html_check_style(s.data(), s.size()), PF_EUNSAFE) << s;
        EXPECT_EQ(attr_rc("span", "style", s), PF_EUNSAFE) << s;
    }
}

TEST(Html, GeneratedJavascriptDisguisesAreAllRefused)
{
    // Spell "javascript:" with random case, random whitespace and control
    // characters between letters, and random letters or the colon as
    // decimal, hex or named character references (with and without ';').
    std::mt19937 rng(2024);
    const std::string word = "javascript:";
    const char *junk[] = { " ", "\t", "\n", "\r", "\x01", "\x0b", "\x0c", "\x1f", "\x7f", "&#9;", "&#x0A;",
                           "&Tab;", "&NewLine;" };
    for (int iter = 0; iter < 3000; iter++) {
        std::string u;
        if (rng() % 2)
            u += junk[rng() % 13];
        for (char ch : word) {
            char c = (rng() % 2) ? (char)toupper((unsigned char)ch) : ch;
            switch (rng() % 5) {
            case 0: u += "&#" + std::string(rng() % 3, '0') + std::to_string((int)c) + ((rng() % 2) ? ";" : ""); break;
            case 1: {
                char hex[16];
                // Always with ';': without it the next letter could be a hex
                // digit and extend the reference (as in a browser).
                snprintf(hex, sizeof hex, (rng() % 2) ? "&#x%x;" : "&#X%X;", (unsigned)c);
                u += hex;
                break;
            }
            case 2:
                if (c == ':') {
                    u += (rng() % 2) ? "&colon;" : "&COLON";
                    break;
                }
                u += c;
                break;
            default: u += c;
            }
            if (rng() % 3 == 0)
                u += junk[rng() % 13];
        }
        u += "alert(1)";
        ASSERT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_LINK), PF_EUNSAFE) << u;
        ASSERT_EQ(pf_html_check_url(u.data(), u.size(), PF_HTML_URL_SRC), PF_EUNSAFE) << u;
    }
}

TEST(Html, UnsafeUrlFromDataIsDroppedNotFatal)
{
    // The seed's avatars: <img src="{user.avatar}" alt="{user.name}">. One
    // hostile avatar must not stop the editor from rendering.
    pf_html *h = pf_html_new();
    const char *avatars[] = { "/a.png", "javascript:alert(1)", "https://x/c.png" };
    for (const char *a : avatars) {
        pf_html_open(h, "img");
        int rc = pf_html_attr(h, "src", a);
        EXPECT_EQ(rc, strcmp(a, "javascript:alert(1)") == 0 ? PF_EUNSAFE : PF_OK);
        pf_html_attr(h, "alt", "user");
        pf_html_close(h);
    }
    pf_html_open(h, "span");
    EXPECT_EQ(pf_html_attr(h, "style", "left: expression(alert(1))"), PF_EUNSAFE);
    pf_html_close(h);
    EXPECT_EQ(pf_html_status(h), PF_OK);
    EXPECT_EQ(pf_html_dropped(h), 2u);
    pf_vdom *t = nullptr;
    ASSERT_EQ(pf_html_finish(h, &t), PF_OK);
    EXPECT_EQ(pf_html_dropped(h), 0u);  // a new count for the next build
    char *s = nullptr;
    size_t n = 0;
    ASSERT_EQ(pf_vdom_to_html(t, &s, &n), PF_OK);
    EXPECT_EQ(std::string(s, n), "<img src=\"/a.png\" alt=\"user\"><img alt=\"user\">"
                                 "<img src=\"https://x/c.png\" alt=\"user\"><span></span>");
    free(s);
    pf_vdom_free(t);
    pf_html_free(h);
}
