// fuzz_ot.cc: the OT operation parser and the OT functions on what it
// parses. Input: three lines, a document (UTF-8), operation A and operation
// B (JSON, as they come from the server). Checked:
//
//   - parse (normalizing and strict) never crashes; what parses serializes
//     to JSON that parses to an equal operation;
//   - apply either fits the document or leaves it unchanged;
//   - when A and B both apply to the document, transform converges (TP1):
//     doc.A.B' == doc.B.A' with A' = T(A, B, left), B' = T(B, A, right);
//   - when B applies after A, compose(A, B) does what A then B do;
//   - A made invertible and inverted undoes A; the cursor transform stays
//     inside the new text; pf_ot_diff of the two texts rebuilds the second.
#include <cstdlib>
#include <string>

#include "fuzz_util.h"

extern "C" {
#include "pf_ot.h"
#include "pf_text.h"
}

namespace {

std::string text_of(pf_text *t)
{
    size_t len = 0;
    const char *d = pf_text_data(t, &len);
    return std::string(d ? d : "", len);
}

pf_text *make_text(const std::string &s)
{
    pf_text *t = pf_text_new();
    if (t && pf_text_set(t, s.data(), s.size()) != PF_OK) {
        pf_text_free(t);
        return nullptr;
    }
    return t;
}

std::string ser(const pf_ot_op *op)
{
    size_t len = 0;
    char *s = pf_ot_serialize(op, &len);
    if (!s)
        fuzz::fail("serialize failed");
    std::string r(s, len);
    free(s);
    return r;
}

// The text after applying `op` to `doc`, or false if it does not fit.
bool applied(const std::string &doc, const pf_ot_op *op, std::string *out)
{
    pf_text *t = make_text(doc);
    if (!t)
        return false;
    int rc = pf_ot_apply(op, t);
    std::string now = text_of(t);
    pf_text_free(t);
    if (rc != PF_OK) {
        if (now != doc)
            fuzz::fail("a failed apply changed the document", ser(op));
        return false;
    }
    *out = now;
    return true;
}

pf_ot_op *parse_checked(const std::string &json)
{
    pf_ot_op *strict = nullptr;
    pf_parse_error err;
    if (pf_ot_parse(json.data(), json.size(), PF_OT_STRICT, &strict, &err) != PF_OK && strict) {
        fuzz::fail("a failed parse left an operation");
    }
    pf_ot_op *op = nullptr;
    int rc = pf_ot_parse(json.data(), json.size(), 0, &op, &err);
    if (rc != PF_OK) {
        if (op)
            fuzz::fail("a failed parse left an operation");
        if (strict)
            fuzz::fail("strict parse accepts what the normalizing parse refuses", json);
        return nullptr;
    }
    if (strict && !pf_ot_equal(strict, op))
        fuzz::fail("strict and normalizing parses disagree", json);
    pf_ot_free(strict);
    std::string s = ser(op);
    pf_ot_op *back = nullptr;
    if (pf_ot_parse(s.data(), s.size(), PF_OT_STRICT, &back, nullptr) != PF_OK || !pf_ot_equal(op, back))
        fuzz::fail("serialized operation does not parse back equal", s);
    pf_ot_free(back);
    return op;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::vector<std::string> l = fuzz::lines(data, size);
    while (l.size() < 3)
        l.push_back("[]");
    const std::string &doc = l[0];
    pf_ot_op *a = parse_checked(l[1]);
    pf_ot_op *b = parse_checked(l[2]);
    pf_text *t = make_text(doc);
    if (!a || !b || !t) {
        pf_ot_free(a);
        pf_ot_free(b);
        pf_text_free(t);
        return 0;
    }
    std::string da, db;
    bool a_fits = applied(doc, a, &da);
    bool b_fits = applied(doc, b, &db);

    if (a_fits) {
        // Cursor transform stays inside the new text.
        size_t n = pf_text_length(t);
        pf_text *ta = make_text(da);
        size_t na = pf_text_length(ta);
        for (size_t cur : { (size_t)0, n / 2, n })
            if (pf_ot_transform_position(cur, a) > na)
                fuzz::fail("a cursor moved past the end", ser(a));
        // Invert.
        // {"d": "text"} is not checked against the document, so the text
        // is stripped first and taken from the document.
        pf_ot_op *num_a = nullptr, *inv_a = nullptr, *inv = nullptr;
        if (pf_ot_strip_invertible(a, &num_a) != PF_OK)
            fuzz::fail("strip_invertible failed");
        if (pf_ot_make_invertible(num_a, t, &inv_a) != PF_OK)
            fuzz::fail("make_invertible failed on an op that applies", ser(a));
        if (pf_ot_invert(inv_a, &inv) != PF_OK)
            fuzz::fail("invert failed on an invertible op", ser(inv_a));
        std::string undone;
        if (!applied(da, inv, &undone) || undone != doc)
            fuzz::fail("the inverse does not undo", ser(a) + " / " + ser(inv));
        pf_ot_op *stripped = nullptr;
        if (pf_ot_strip_invertible(inv_a, &stripped) != PF_OK)
            fuzz::fail("strip_invertible failed");
        std::string again;
        if (!applied(doc, stripped, &again) || again != da)
            fuzz::fail("the stripped op differs from the op", ser(a));
        pf_ot_free(stripped);
        pf_ot_free(num_a);
        pf_ot_free(inv_a);
        pf_ot_free(inv);
        // Diff of the texts rebuilds the second.
        pf_ot_op *d = nullptr;
        if (pf_ot_diff(doc.data(), doc.size(), da.data(), da.size(), (long)(na / 2), &d) != PF_OK)
            fuzz::fail("diff failed on valid UTF-8");
        std::string rebuilt;
        if (!applied(doc, d, &rebuilt) || rebuilt != da)
            fuzz::fail("diff does not rebuild the text", ser(d));
        pf_ot_free(d);
        if (pf_ot_diff_min(doc.data(), doc.size(), da.data(), da.size(), 64, &d) != PF_OK)
            fuzz::fail("diff_min failed on valid UTF-8");
        if (!applied(doc, d, &rebuilt) || rebuilt != da)
            fuzz::fail("diff_min does not rebuild the text", ser(d));
        pf_ot_free(d);
        pf_text_free(ta);

        // Compose: B after A.
        std::string dab;
        if (applied(da, b, &dab)) {
            pf_ot_op *ab = nullptr;
            if (pf_ot_compose(a, b, &ab) != PF_OK)
                fuzz::fail("compose failed", ser(a) + " ; " + ser(b));
            std::string composed;
            if (!applied(doc, ab, &composed) || composed != dab)
                fuzz::fail("compose(A, B) differs from A then B", ser(a) + " ; " + ser(b) + " = " + ser(ab));
            pf_ot_free(ab);
        }
    }
    if (a_fits && b_fits) {
        pf_ot_op *a2 = nullptr, *b2 = nullptr;
        if (pf_ot_transform(a, b, PF_OT_LEFT, &a2) != PF_OK || pf_ot_transform(b, a, PF_OT_RIGHT, &b2) != PF_OK)
            fuzz::fail("transform failed", ser(a) + " ; " + ser(b));
        std::string x, y;
        if (!applied(da, b2, &x) || !applied(db, a2, &y) || x != y)
            fuzz::fail("transform does not converge (TP1)", ser(a) + " ; " + ser(b));
        pf_ot_free(a2);
        pf_ot_free(b2);
    } else {
        // Transform of ops on different documents must still not crash.
        pf_ot_op *o = nullptr;
        if (pf_ot_transform(a, b, PF_OT_LEFT, &o) == PF_OK)
            pf_ot_free(o);
        if (pf_ot_compose(a, b, &o) == PF_OK)
            pf_ot_free(o);
    }
    pf_ot_free(a);
    pf_ot_free(b);
    pf_text_free(t);
    return 0;
}
