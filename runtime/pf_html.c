/* pf_html.c: the safe markup builder, URL/style checks and escaping. */
#include "pf_html.h"
#include "pf_num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAME 128

struct pf_html {
    pf_vdom *tree;        /* being built; NULL only after an allocation failure */
    pf_vnode *cur;        /* the open element new nodes are appended to */
    int depth;
    int err;              /* sticky: first error, PF_OK if none */
    const char *msg;      /* constant sentence about err */
    size_t dropped;       /* unsafe URL/style values dropped this render */
    pf_vnode *text_node;  /* last Text node created, for merging */
    size_t text_cap;      /* bytes reserved for text_node's data (without NUL) */
    /* Memoization (pf_html_memo) */
    const pf_vdom *prev;  /* borrowed; NULL: nothing to reuse */
    pf_vmemo **index;     /* open-addressing table of prev's memos, or NULL */
    size_t index_cap;     /* power of two, or 0 before the first lookup */
    int pending;          /* pf_html_memo returned 0: the next open is memoized */
    int memo_depth;       /* memoized elements open */
    const char *pending_deps; /* copied into the tree being built */
    uint32_t pending_len, pending_hash;
    size_t hits, misses, last_hits, last_misses;
};

static void mark_inner(pf_html *h);

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int eq_ci(const char *a, size_t an, const char *b)
{
    /* The first byte rejects almost every candidate of the name lists
     * before strlen: this runs for every element and attribute rendered. */
    if (an == 0 || lower(a[0]) != b[0])
        return an == 0 && b[0] == '\0';
    size_t bn = strlen(b);
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (lower(a[i]) != b[i])
            return 0;
    return 1;
}

static int in_list(const char *s, size_t n, const char *const *list)
{
    if (n == 0)
        return 0;
    char first = lower(s[0]);
    for (; *list; list++)
        if ((*list)[0] == first && eq_ci(s, n, *list))
            return 1;
    return 0;
}

static int fail(pf_html *h, int err, const char *msg)
{
    if (h->err == PF_OK) {
        h->err = err;
        h->msg = msg;
    }
    return h->err;
}

static const char *const void_tags[] = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link",
    "meta", "source", "track", "wbr", NULL
};

/* Elements that run code, load documents or change how the page is parsed
 * or resolved. Components have no business emitting them. svg and math are
 * refused because foreign content parses differently (mXSS) and has its own
 * script vectors. */
static const char *const refused_tags[] = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed",
    "applet", "base", "link", "meta", "noscript", "template", "xmp",
    "plaintext", "noembed", "noframes", "svg", "math", "portal", "param",
    "listing", NULL
};

/* Attributes whose value is a URL the browser may navigate to or load. */
static const char *const url_attrs[] = {
    "href", "src", "action", "formaction", "poster", "cite", "background",
    "longdesc", "codebase", "data", "manifest", "icon", "ping", "xlink:href",
    "lowsrc", "dynsrc", "profile", "classid", "archive", NULL
};
static const char *const src_attrs[] = { "src", "poster", "lowsrc", "dynsrc", NULL };

/* Attributes refused outright: documents in a string, lists of URLs we do
 * not parse, and ways to smuggle markup through other attributes. */
static const char *const refused_attrs[] = {
    "srcdoc", "srcset", "imagesrcset", "http-equiv", "xmlns", NULL
};

int pf_html_is_void_tag(const char *tag, size_t len)
{
    return tag && in_list(tag, len, void_tags);
}

/* ------------------------------------------------------------------------ */
/* Escaping                                                                 */
/* ------------------------------------------------------------------------ */

static const char *escape_of(char c, int in_attr)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return in_attr ? "&quot;" : NULL;
    case '\'': return in_attr ? "&#39;" : NULL;
    default: return NULL;
    }
}

size_t pf_html_escaped_len(const char *src, size_t len, int in_attr)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        const char *e = escape_of(src[i], in_attr);
        n += e ? strlen(e) : 1;
    }
    return n;
}

size_t pf_html_escape(char *dst, const char *src, size_t len, int in_attr)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        const char *e = escape_of(src[i], in_attr);
        if (e) {
            size_t el = strlen(e);
            memcpy(dst + w, e, el);
            w += el;
        } else {
            dst[w++] = src[i];
        }
    }
    return w;
}

/* ------------------------------------------------------------------------ */
/* URL check                                                                */
/* ------------------------------------------------------------------------ */

/* Reads a URL the way a browser finds its scheme, but more suspiciously:
 * character references are decoded (in case the value ever reaches an HTML
 * parser), ASCII whitespace and control characters vanish wherever they are,
 * and every non-ASCII character reads as NON_ASCII, which no scheme allows. */
#define NON_ASCII 0x80

typedef struct url_reader {
    const unsigned char *s;
    size_t len, pos;
} url_reader;

static const struct { const char *name; char c; } named_refs[] = {
    { "colon", ':' }, { "tab", '\t' }, { "newline", '\n' }, { "sol", '/' },
    { "quest", '?' }, { "num", '#' }, { "amp", '&' }, { "lpar", '(' },
    { "rpar", ')' }, { "period", '.' }, { "plus", '+' }, { "dash", '-' },
    { "hyphen", '-' }, { "comma", ',' }, { "semi", ';' }, { "bsol", '\\' },
    { "nbsp", (char)NON_ASCII }, { NULL, 0 }
};

/* Decodes a character reference at s[pos] == '&'. Returns the code point
 * (NON_ASCII for anything above ASCII) and sets *used, or -1 if there is no
 * reference there. The ';' is optional, as legacy parsing allows. */
static int decode_ref(const unsigned char *s, size_t len, size_t pos, size_t *used)
{
    size_t i = pos + 1;
    if (i < len && s[i] == '#') {
        i++;
        int hex = 0;
        if (i < len && (s[i] == 'x' || s[i] == 'X')) {
            hex = 1;
            i++;
        }
        size_t start = i;
        unsigned long cp = 0;
        while (i < len) {
            int d;
            if (is_digit(s[i]))
                d = s[i] - '0';
            else if (hex && s[i] >= 'a' && s[i] <= 'f')
                d = s[i] - 'a' + 10;
            else if (hex && s[i] >= 'A' && s[i] <= 'F')
                d = s[i] - 'A' + 10;
            else
                break;
            if (cp < 0x110000)
                cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            i++;
        }
        if (i == start)
            return -1;
        if (i < len && s[i] == ';')
            i++;
        *used = i - pos;
        return cp < 0x80 ? (int)cp : NON_ASCII;
    }
    size_t start = i;
    while (i < len && i - start < 32 && (is_alpha(s[i]) || is_digit(s[i])))
        i++;
    for (size_t k = 0; named_refs[k].name; k++) {
        /* Prefix match without ';' as legacy parsing does, case-insensitive
         * to err on the side of refusing. */
        size_t nl = strlen(named_refs[k].name);
        if (i - start >= nl && eq_ci((const char *)s + start, nl, named_refs[k].name)) {
            size_t end = start + nl;
            if (end < len && s[end] == ';')
                end++;
            *used = end - pos;
            return (unsigned char)named_refs[k].c;
        }
    }
    return -1;
}

/* Next significant character, or -1 at the end. */
static int url_next(url_reader *r)
{
    while (r->pos < r->len) {
        int c = r->s[r->pos];
        size_t used = 1;
        if (c == '&') {
            int d = decode_ref(r->s, r->len, r->pos, &used);
            if (d >= 0)
                c = d;
            else
                used = 1;
        }
        r->pos += used;
        if (c <= 0x20 || c == 0x7f)
            continue;
        if (c >= 0x80)
            return NON_ASCII;
        return (int)(unsigned char)lower((char)c);
    }
    return -1;
}

/* Image types a data: URL may carry in <img src>. SVG is among them: an
 * image loaded by <img> (or as a notification icon) never runs its script;
 * only an SVG opened as a document could, and data: is refused everywhere
 * a document can be opened (links, frames, objects). */
static const char *const data_image_types[] = {
    "png", "gif", "jpeg", "jpg", "webp", "avif", "bmp", "svg+xml", NULL
};

/* Reads significant characters into buf (lowercased, at most cap kept)
 * until one of `stops`; *n counts them all, kept or not. Returns the stop
 * character, or -1 at the end of the URL. A non-ASCII character is kept
 * as NON_ASCII, which matches no scheme or media type. */
static int url_word(url_reader *r, const char *stops, char *buf, size_t cap, size_t *n)
{
    *n = 0;
    for (;;) {
        int c = url_next(r);
        if (c < 0)
            return -1;
        if (strchr(stops, c))
            return c;
        if (*n < cap)
            buf[*n] = (char)c;
        (*n)++;
    }
}

int pf_html_check_url(const char *url, size_t len, int use)
{
    if (!url && len)
        return PF_EINVAL;
    url_reader r = { (const unsigned char *)url, len, 0 };
    char word[16];
    size_t n;
    int c = url_word(&r, ":/?#\\", word, sizeof word, &n);
    if (c != ':')
        return PF_OK; /* no scheme: relative (or scheme-relative) */
    if (n == 0 || n > sizeof word)
        return PF_EUNSAFE;
    if (eq_ci(word, n, "http") || eq_ci(word, n, "https") || eq_ci(word, n, "mailto"))
        return PF_OK;
    if (use != PF_HTML_URL_IMG || !eq_ci(word, n, "data"))
        return PF_EUNSAFE;
    /* data:image/<type>[;...],... */
    if (url_word(&r, "/", word, sizeof word, &n) != '/' || !eq_ci(word, n, "image"))
        return PF_EUNSAFE;
    if (url_word(&r, ";,", word, sizeof word, &n) < 0 || n > sizeof word)
        return PF_EUNSAFE;
    for (size_t k = 0; data_image_types[k]; k++)
        if (eq_ci(word, n, data_image_types[k]))
            return PF_OK;
    return PF_EUNSAFE;
}

/* ------------------------------------------------------------------------ */
/* Style check                                                              */
/* ------------------------------------------------------------------------ */

static int contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

int pf_html_check_style(const char *style, size_t len)
{
    if (!style && len)
        return PF_EINVAL;
    /* Normalise: lowercase, no whitespace, controls or comments. A backslash
     * (CSS escape) is refused outright since it can spell anything. */
    char *norm = malloc(len + 1);
    if (!norm)
        return PF_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)style[i];
        if (c == '/' && i + 1 < len && style[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < len && !(style[j] == '*' && style[j + 1] == '/'))
                j++;
            i = j + 1;
            continue;
        }
        if (c <= 0x20 || c == 0x7f)
            continue;
        norm[n++] = lower((char)c);
    }
    int rc = PF_OK;
    static const char *const bad[] = {
        "\\", "expression(", "javascript:", "vbscript:", "-moz-binding",
        "behavior", "@import", "<", "&", NULL
    };
    for (size_t k = 0; bad[k] && rc == PF_OK; k++)
        if (contains(norm, n, bad[k]))
            rc = PF_EUNSAFE;
    /* Every url(...) must hold an image-safe URL. */
    for (size_t i = 0; rc == PF_OK && i + 4 <= n; i++) {
        if (memcmp(norm + i, "url(", 4) != 0)
            continue;
        size_t s = i + 4, e = s;
        while (e < n && norm[e] != ')')
            e++;
        if (s < e && (norm[s] == '"' || norm[s] == '\''))
            s++;
        size_t t = e;
        if (t > s && (norm[t - 1] == '"' || norm[t - 1] == '\''))
            t--;
        if (pf_html_check_url(norm + s, t - s, PF_HTML_URL_SRC) != PF_OK)
            rc = PF_EUNSAFE;
        i = e;
    }
    free(norm);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Name checks                                                              */
/* ------------------------------------------------------------------------ */

int pf_html_check_attr_name(const char *name, size_t len)
{
    if (!name || len == 0 || len > MAX_NAME)
        return PF_EINVAL;
    if (!(is_alpha(name[0]) || name[0] == '_' || name[0] == ':'))
        return PF_EINVAL;
    for (size_t i = 1; i < len; i++) {
        char c = name[i];
        if (!(is_alpha(c) || is_digit(c) || c == '_' || c == ':' || c == '.' || c == '-'))
            return PF_EINVAL;
    }
    /* Every inline event handler attribute starts with "on"; refusing the
     * prefix also covers handlers browsers add later. */
    if (len >= 2 && lower(name[0]) == 'o' && lower(name[1]) == 'n')
        return PF_EUNSAFE;
    if (in_list(name, len, refused_attrs))
        return PF_EUNSAFE;
    return PF_OK;
}

static int check_tag(const char *tag, size_t len)
{
    if (len == 0 || len > 64 || !is_alpha(tag[0]))
        return PF_EINVAL;
    for (size_t i = 1; i < len; i++)
        if (!(is_alpha(tag[i]) || is_digit(tag[i]) || tag[i] == '-'))
            return PF_EINVAL;
    if (in_list(tag, len, refused_tags))
        return PF_EUNSAFE;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* Builder                                                                  */
/* ------------------------------------------------------------------------ */

static void builder_start(pf_html *h)
{
    free(h->index);
    h->index = NULL;
    h->index_cap = 0;
    h->prev = NULL;
    h->pending = 0;
    h->memo_depth = 0;
    h->pending_deps = NULL;
    h->last_hits = h->hits;
    h->last_misses = h->misses;
    h->hits = h->misses = 0;
    h->tree = pf_vdom_new();
    h->cur = h->tree ? pf_vdom_root(h->tree) : NULL;
    h->depth = 0;
    h->err = h->tree ? PF_OK : PF_ENOMEM;
    h->msg = h->tree ? "ok" : "out of memory";
    h->text_node = NULL;
    h->text_cap = 0;
    h->dropped = 0;
}

pf_html *pf_html_new(void)
{
    pf_html *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    builder_start(h);
    if (!h->tree) {
        free(h);
        return NULL;
    }
    return h;
}

void pf_html_free(pf_html *h)
{
    if (!h)
        return;
    pf_vdom_free(h->tree);
    free(h->index);
    free(h);
}

void pf_html_reset(pf_html *h)
{
    if (!h)
        return;
    pf_vdom_free(h->tree);
    builder_start(h);
}

int pf_html_status(const pf_html *h)
{
    return h ? h->err : PF_EINVAL;
}

size_t pf_html_dropped(const pf_html *h)
{
    return h ? h->dropped : 0;
}

const char *pf_html_message(const pf_html *h)
{
    return h ? h->msg : "no builder";
}

int pf_html_finish(pf_html *h, pf_vdom **out)
{
    if (!h || !out)
        return PF_EINVAL;
    *out = NULL;
    if (h->err == PF_OK && h->depth != 0)
        fail(h, PF_ESTATE, "elements left open at the end of render");
    if (h->err == PF_OK && h->pending)
        fail(h, PF_ESTATE, "pf_html_memo returned 0 but no element was opened");
    int rc = h->err;
    if (rc == PF_OK) {
        *out = h->tree;
        h->tree = NULL;
    }
    pf_vdom_free(h->tree);
    const char *why = h->msg;
    builder_start(h);
    if (rc != PF_OK)
        h->msg = why; /* still says why, for the caller's log */
    if (rc == PF_OK && h->err != PF_OK)
        return PF_OK; /* the tree is out; the next render will report ENOMEM */
    return rc;
}

static const char *copy_lower(pf_html *h, const char *s, size_t len)
{
    char *d = pf__vdom_alloc(h->tree, len + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < len; i++)
        d[i] = lower(s[i]);
    return d;
}

int pf_html_open(pf_html *h, const char *tag)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!tag)
        return fail(h, PF_EINVAL, "element name is NULL");
    size_t len = strlen(tag);
    int rc = check_tag(tag, len);
    if (rc == PF_EUNSAFE)
        return fail(h, rc, "element refused: it can run or load code");
    if (rc != PF_OK)
        return fail(h, rc, "malformed element name");
    if (h->cur->has_html)
        return fail(h, PF_ESTATE, "element holds trusted markup and cannot have children");
    if (h->cur->is_void)
        return fail(h, PF_EINVAL, "void elements cannot have children");
    if (h->depth >= PF_HTML_MAX_DEPTH)
        return fail(h, PF_ETOOBIG, "elements nested too deeply");
    pf_vnode *n = pf__vdom_alloc(h->tree, sizeof *n);
    const char *t = n ? copy_lower(h, tag, len) : NULL;
    if (!t)
        return fail(h, PF_ENOMEM, "out of memory");
    n->kind = PF_VNODE_ELEMENT;
    n->tag = t;
    n->tag_len = (uint32_t)len;
    n->is_void = (uint8_t)pf_html_is_void_tag(t, len);
    if (h->pending) {
        h->pending = 0;
        if (pf__vdom_add_memo(h->tree, n, h->pending_deps, h->pending_len, h->pending_hash, NULL,
                              h->memo_depth) != PF_OK)
            return fail(h, PF_ENOMEM, "out of memory");
        mark_inner(h);
        h->memo_depth++;
    }
    pf__vnode_append(h->cur, n);
    pf__vdom_count_node(h->tree);
    h->cur = n;
    h->depth++;
    return PF_OK;
}

int pf_html_close(pf_html *h)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (h->depth == 0)
        return fail(h, PF_ESTATE, "close without a matching open");
    if (h->pending)
        return fail(h, PF_ESTATE, "pf_html_memo returned 0 but no element was opened");
    if (h->cur->memo)
        h->memo_depth--;
    h->cur = h->cur->parent;
    h->depth--;
    return PF_OK;
}

static int is_value_owner(const pf_vnode *n)
{
    return eq_ci(n->tag, n->tag_len, "input") || eq_ci(n->tag, n->tag_len, "textarea") ||
           eq_ci(n->tag, n->tag_len, "select");
}

/* Stores name=value on the current element, replacing an earlier value.
 * `name` is already checked and lowercase. */
static int set_attr(pf_html *h, const char *name, size_t name_len, const char *value, size_t value_len)
{
    pf_vnode *n = h->cur;
    uint32_t vlen = 0;
    const char *v = pf__vdom_text(h->tree, value, value_len, &vlen);
    if (!v)
        return fail(h, value_len > ((size_t)1 << 30) ? PF_ETOOBIG : PF_ENOMEM, "attribute value too large or out of memory");
    pf_vattr *a = n->attrs, *last = NULL;
    while (a && !(a->name_len == name_len && memcmp(a->name, name, name_len) == 0)) {
        last = a;
        a = a->next;
    }
    if (!a) {
        a = pf__vdom_alloc(h->tree, sizeof *a);
        const char *nm = a ? copy_lower(h, name, name_len) : NULL;
        if (!nm)
            return fail(h, PF_ENOMEM, "out of memory");
        a->name = nm;
        a->name_len = (uint32_t)name_len;
        if (last)
            last->next = a;
        else
            n->attrs = a;
        n->attr_count++;
    }
    a->value = v;
    a->value_len = vlen;
    /* data-id wins over id as the key: lists in the seed key their items
     * with data-id, and a page may use id for styling. */
    if (name_len == 7 && memcmp(name, "data-id", 7) == 0) {
        n->key = v;
        n->key_len = vlen;
    } else if (name_len == 2 && memcmp(name, "id", 2) == 0 && !pf_vnode_attr(n, "data-id")) {
        n->key = v;
        n->key_len = vlen;
    }
    return PF_OK;
}

int pf_html_attrn(pf_html *h, const char *name, const char *value, size_t value_len)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!name || (!value && value_len))
        return fail(h, PF_EINVAL, "attribute name or value is NULL");
    if (h->cur == pf_vdom_root(h->tree))
        return fail(h, PF_EINVAL, "attributes need an open element");
    size_t name_len = strlen(name);
    int rc = pf_html_check_attr_name(name, name_len);
    if (rc == PF_EUNSAFE)
        return fail(h, rc, "attribute refused: event handlers (on*) and srcdoc/srcset are not allowed; use pf_html_on");
    if (rc != PF_OK)
        return fail(h, rc, "malformed attribute name");
    char lname[MAX_NAME];
    for (size_t i = 0; i < name_len; i++)
        lname[i] = lower(name[i]);
    if (name_len == 5 && memcmp(lname, "value", 5) == 0 && is_value_owner(h->cur))
        return pf_html_value(h, value ? value : "", value_len);
    /* An unsafe URL or style usually comes from data (a post's link, a
     * user's avatar), not from the component's code: drop the attribute and
     * go on, so one hostile record cannot blank the whole list. */
    if (in_list(lname, name_len, url_attrs)) {
        int use = PF_HTML_URL_LINK;
        if (name_len == 3 && memcmp(lname, "src", 3) == 0 && eq_ci(h->cur->tag, h->cur->tag_len, "img"))
            use = PF_HTML_URL_IMG;
        else if (in_list(lname, name_len, src_attrs))
            use = PF_HTML_URL_SRC;
        if (pf_html_check_url(value, value_len, use) != PF_OK) {
            h->dropped++;
            return PF_EUNSAFE;
        }
    }
    if (name_len == 5 && memcmp(lname, "style", 5) == 0) {
        rc = pf_html_check_style(value, value_len);
        if (rc == PF_ENOMEM)
            return fail(h, rc, "out of memory");
        if (rc != PF_OK) {
            h->dropped++;
            return PF_EUNSAFE;
        }
    }
    return set_attr(h, lname, name_len, value ? value : "", value_len);
}

int pf_html_attr(pf_html *h, const char *name, const char *value)
{
    return pf_html_attrn(h, name, value, value ? strlen(value) : 0);
}

/* Formats into `stack` (FORMAT_STACK bytes) when it fits, else into a
 * malloc'ed string: most formatted values are short (ids, counts, dates),
 * and a render formats many of them. Returns NULL when out of memory or on
 * a bad format; free the result with format_free. */
#define FORMAT_STACK 256

static char *vformat(char *stack, const char *fmt, va_list ap, size_t *out_len)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = pf_vfmt(stack, FORMAT_STACK, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    *out_len = (size_t)n;
    if (n < FORMAT_STACK)
        return stack;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    pf_vfmt(s, (size_t)n + 1, fmt, ap);
    return s;
}

static void format_free(char *s, char *stack)
{
    if (s != stack)
        free(s);
}

/* Formats fmt/ap and hands the result to pf_html_attrn (attr) or
 * pf_html_text: the one body of pf_html_attrf and pf_html_textf. */
static int emit_formatted(pf_html *h, int attr, const char *name, const char *fmt, va_list ap)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!fmt)
        return fail(h, PF_EINVAL, "format is NULL");
    char stack[FORMAT_STACK];
    size_t len = 0;
    char *s = vformat(stack, fmt, ap, &len);
    if (!s)
        return fail(h, PF_ENOMEM, "out of memory or bad format");
    int rc = attr ? pf_html_attrn(h, name, s, len) : pf_html_text(h, s, len);
    format_free(s, stack);
    return rc;
}

int pf_html_attrf(pf_html *h, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = emit_formatted(h, 1, name, fmt, ap);
    va_end(ap);
    return rc;
}

int pf_html_class(pf_html *h, const char *const *classes, size_t count)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!classes && count)
        return fail(h, PF_EINVAL, "class list is NULL");
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        if (classes[i])
            total += strlen(classes[i]) + 1;
    char *s = malloc(total + 1);
    if (!s)
        return fail(h, PF_ENOMEM, "out of memory");
    size_t w = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = classes[i] ? strlen(classes[i]) : 0;
        if (n == 0)
            continue;
        if (w)
            s[w++] = ' ';
        memcpy(s + w, classes[i], n);
        w += n;
    }
    int rc = pf_html_attrn(h, "class", s, w);
    free(s);
    return rc;
}

static int check_content_allowed(pf_html *h)
{
    if (h->cur->has_html)
        return fail(h, PF_ESTATE, "element holds trusted markup and cannot have children");
    if (h->cur->is_void)
        return fail(h, PF_ESTATE, "void elements cannot have content");
    return PF_OK;
}

int pf_html_text(pf_html *h, const char *text, size_t len)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!text && len)
        return fail(h, PF_EINVAL, "text is NULL");
    if (check_content_allowed(h))
        return h->err;
    if (len == 0)
        return PF_OK;
    uint32_t tlen = 0;
    const char *t = pf__vdom_text(h->tree, text, len, &tlen);
    if (!t)
        return fail(h, PF_ENOMEM, "text too large or out of memory");
    pf_vnode *last = h->cur->last_child;
    if (last && last == h->text_node) {
        /* Merge with the preceding text: the DOM would merge adjacent text
         * on a reparse anyway, and one node diffs cheaper than many. The
         * buffer grows by doubling so many small appends stay linear. */
        size_t need = (size_t)last->text_len + tlen;
        if (need > ((size_t)1 << 30))
            return fail(h, PF_ETOOBIG, "text too large");
        if (need > h->text_cap) {
            size_t cap = need * 2;
            char *buf = pf__vdom_alloc(h->tree, cap + 1);
            if (!buf)
                return fail(h, PF_ENOMEM, "out of memory");
            memcpy(buf, last->text, last->text_len);
            last->text = buf;
            h->text_cap = cap;
        }
        char *buf = (char *)last->text;
        memcpy(buf + last->text_len, t, tlen);
        buf[need] = '\0';
        last->text_len = (uint32_t)need;
        return PF_OK;
    }
    pf_vnode *n = pf__vdom_alloc(h->tree, sizeof *n);
    if (!n)
        return fail(h, PF_ENOMEM, "out of memory");
    n->kind = PF_VNODE_TEXT;
    n->tag = "";
    n->text = t;
    n->text_len = tlen;
    pf__vnode_append(h->cur, n);
    pf__vdom_count_node(h->tree);
    h->text_node = n;
    h->text_cap = tlen;
    return PF_OK;
}

int pf_html_str(pf_html *h, const char *text)
{
    return pf_html_text(h, text, text ? strlen(text) : 0);
}

int pf_html_textf(pf_html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = emit_formatted(h, 0, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int pf_html_value(pf_html *h, const char *value, size_t len)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!value && len)
        return fail(h, PF_EINVAL, "value is NULL");
    if (h->cur == pf_vdom_root(h->tree))
        return fail(h, PF_EINVAL, "the value property needs an open element");
    uint32_t vlen = 0;
    const char *v = pf__vdom_text(h->tree, value ? value : "", len, &vlen);
    if (!v)
        return fail(h, PF_ENOMEM, "value too large or out of memory");
    h->cur->has_value = 1;
    h->cur->value = v;
    h->cur->value_len = vlen;
    return PF_OK;
}

int pf_html_on(pf_html *h, const char *event, const char *handler)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    size_t el = event ? strlen(event) : 0, hl = handler ? strlen(handler) : 0;
    if (el == 0 || el > 32 || hl == 0 || hl > 64)
        return fail(h, PF_EINVAL, "event or handler name empty or too long");
    for (size_t i = 0; i < el; i++)
        if (!(event[i] >= 'a' && event[i] <= 'z'))
            return fail(h, PF_EINVAL, "event names are lowercase letters");
    for (size_t i = 0; i < hl; i++) {
        char c = handler[i];
        if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == ':'))
            return fail(h, PF_EINVAL, "handler names are letters, digits, _ - . :");
    }
    char name[8 + 32 + 1];
    memcpy(name, "data-on-", 8);
    memcpy(name + 8, event, el);
    name[8 + el] = '\0';
    return pf_html_attrn(h, name, handler, hl);
}

int pf_html_trusted_markup(pf_html *h, const char *markup, size_t len)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!markup && len)
        return fail(h, PF_EINVAL, "markup is NULL");
    if (h->cur->first_child)
        return fail(h, PF_ESTATE, "trusted markup replaces all children; element already has some");
    if (check_content_allowed(h))
        return h->err;
    uint32_t mlen = 0;
    const char *m = pf__vdom_text(h->tree, markup ? markup : "", len, &mlen);
    if (!m)
        return fail(h, PF_ENOMEM, "markup too large or out of memory");
    h->cur->has_html = 1;
    h->cur->text = m;
    h->cur->text_len = mlen;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* Memoized subtrees                                                        */
/* ------------------------------------------------------------------------ */

static uint32_t memo_hash(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* The memoized elements open (around what is being added) have one
 * inside them. */
static void mark_inner(pf_html *h)
{
    for (pf_vnode *n = h->memo_depth ? h->cur : NULL; n; n = n->parent)
        if (n->memo)
            n->memo->has_inner = 1;
}

void pf_html_set_previous(pf_html *h, const pf_vdom *prev)
{
    if (!h)
        return;
    free(h->index);
    h->index = NULL;
    h->index_cap = 0;
    h->prev = prev;
}

size_t pf_html_memo_hits(const pf_html *h) { return h ? h->last_hits : 0; }
size_t pf_html_memo_misses(const pf_html *h) { return h ? h->last_misses : 0; }

/* Builds the table of the previous tree's reusable memos on first use.
 * Returns 0 when there is nothing to look up (or no memory: then every
 * memo simply misses, which is correct, only slower). */
static int memo_index(pf_html *h)
{
    if (h->index_cap)
        return h->index != NULL;
    h->index_cap = 1; /* tried */
    size_t n = pf__vdom_memo_count(h->prev);
    if (n == 0 || n > ((size_t)1 << 28))
        return 0;
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    h->index = calloc(cap, sizeof *h->index);
    if (!h->index)
        return 0;
    h->index_cap = cap;
    /* Newest first on the list: insert oldest first so that, of equal
     * deps, the one rendered first is found first. Order only matters for
     * which of two identical subtrees is copied, not for correctness. */
    for (pf_vmemo *m = pf__vdom_memos(h->prev); m; m = m->next) {
        if (m->stale)
            continue;
        size_t s = m->hash & (cap - 1);
        while (h->index[s])
            s = (s + 1) & (cap - 1);
        h->index[s] = m;
    }
    return 1;
}

int pf_html_memo(pf_html *h, const void *deps, size_t len)
{
    if (!h)
        return PF_EINVAL;
    if (h->err)
        return h->err;
    if (!deps && len)
        return fail(h, PF_EINVAL, "memo deps are NULL");
    if (h->pending)
        return fail(h, PF_ESTATE, "pf_html_memo twice without opening an element");
    if (check_content_allowed(h))
        return h->err;
    if (len > ((size_t)1 << 30))
        return fail(h, PF_ETOOBIG, "memo deps too large");
    uint32_t hash = memo_hash(deps, len);
    if (h->prev && memo_index(h)) {
        size_t s = hash & (h->index_cap - 1);
        for (pf_vmemo *m; (m = h->index[s]) != NULL; s = (s + 1) & (h->index_cap - 1)) {
            if (m->hash != hash || m->deps_len != len || m->stale ||
                (len && memcmp(m->deps, deps, len) != 0))
                continue;
            /* Shared when it can be, copied otherwise (pf_vdom.h). */
            pf_vnode *copy = NULL;
            int max_depth = PF_HTML_MAX_DEPTH - h->depth;
            int rc = h->memo_depth ? 0 : pf__vnode_share(h->tree, h->cur, h->prev, m, max_depth, &copy);
            if (rc == 0) {
                rc = pf__vnode_copy(h->tree, h->cur, m->node, max_depth, h->memo_depth, &copy);
                mark_inner(h);
            }
            if (rc == 1)
                rc = PF_OK;
            if (rc == PF_ETOOBIG)
                return fail(h, rc, "elements nested too deeply");
            if (rc != PF_OK)
                return fail(h, PF_ENOMEM, "out of memory");
            /* The copy's own record names the node it came from. */
            h->text_node = NULL;
            pf__vdom_set_memo_from(h->tree, pf__vdom_serial(h->prev));
            h->hits++;
            return 1;
        }
    }
    /* Build it: the next open takes the deps. */
    uint32_t dlen = (uint32_t)len;
    char *d = pf__vdom_alloc(h->tree, len + 1);
    if (!d)
        return fail(h, PF_ENOMEM, "out of memory");
    if (len)
        memcpy(d, deps, len);
    h->pending = 1;
    h->pending_deps = d;
    h->pending_len = dlen;
    h->pending_hash = hash;
    h->misses++;
    return 0;
}
