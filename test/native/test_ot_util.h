/* test_ot_util.h: helpers shared by the pf_ot / pf_text / client / server
 * tests: a seeded generator, random operations, string round trips. */
#ifndef TEST_OT_UTIL_H
#define TEST_OT_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "pf_ot.h"
#include "pf_text.h"

namespace ot_test {

struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 2654435761u + 1) {}
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return (uint32_t)(s >> 11);
    }
    size_t below(size_t n) { return n ? next() % n : 0; }
};

/* Splits UTF-8 into code points (each as its own UTF-8 string). */
inline std::vector<std::string> code_points(const std::string &s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = (unsigned char)s[i];
        size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        out.push_back(s.substr(i, l));
        i += l;
    }
    return out;
}

inline size_t cp_len(const std::string &s) { return code_points(s).size(); }

inline std::string rand_word(Rng &r) {
    /* ASCII, Latin-1, CJK, emoji outside the BMP, combining marks. */
    static const char *const alphabet[] = {
        "a", "b", "c", "x", " ", "\n", "\xC3\xA9", "\xE4\xB8\xAD",
        "\xE6\x96\x87", "\xF0\x9F\x98\x85", "\xF0\x9F\xA4\x96",
        "e\xCC\x81", "\"", "\\",
    };
    std::string w;
    size_t n = 1 + r.below(4);
    for (size_t i = 0; i < n; i++)
        w += alphabet[r.below(sizeof alphabet / sizeof *alphabet)];
    return w;
}

/* A random normalized operation that applies to `doc`. */
inline pf_ot_op *rand_op(Rng &r, const std::string &doc) {
    std::vector<std::string> d = code_points(doc);
    pf_ot_op *op = pf_ot_new();
    size_t pos = 0;
    for (;;) {
        size_t left = d.size() - pos;
        size_t skip = r.below((left < 6 ? left : 6) + 1);
        pf_ot_skip(op, skip);
        pos += skip;
        left -= skip;
        switch (r.below(3)) {
        case 0: {
            std::string w = rand_word(r);
            pf_ot_insert(op, w.data(), w.size());
            break;
        }
        default: {
            size_t n = r.below((left < 5 ? left : 5) + 1);
            if (r.below(2)) {
                pf_ot_delete(op, n);
            } else {
                std::string t;
                for (size_t k = 0; k < n; k++)
                    t += d[pos + k];
                pf_ot_delete_text(op, t.data(), t.size());
            }
            pos += n;
        }
        }
        if (r.below(3) == 0 || pos >= d.size())
            break;
    }
    if (r.below(4) == 0) {
        pf_ot_skip(op, d.size() - pos);
        std::string w = rand_word(r);
        pf_ot_insert(op, w.data(), w.size());
    }
    pf_ot_trim(op);
    return op;
}

inline std::string text_str(pf_text *t) {
    size_t n;
    const char *p = pf_text_data(t, &n);
    return std::string(p, n);
}

/* Applies op to a string; returns "<error N>" on failure. */
inline std::string apply_str(const std::string &doc, const pf_ot_op *op) {
    pf_text *t = pf_text_new();
    pf_text_set(t, doc.data(), doc.size());
    int rc = pf_ot_apply(op, t);
    std::string out = rc == PF_OK ? text_str(t) : "<error " + std::to_string(rc) + ">";
    pf_text_free(t);
    return out;
}

inline std::string ser(const pf_ot_op *op) {
    size_t n;
    char *s = pf_ot_serialize(op, &n);
    std::string out(s, n);
    free(s);
    return out;
}

inline pf_ot_op *parse(const std::string &json) {
    pf_ot_op *op = NULL;
    pf_ot_parse(json.data(), json.size(), 0, &op, NULL);
    return op;
}

} /* namespace ot_test */

#endif
