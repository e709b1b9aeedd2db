/* test_num.cc: runtime/pf_num.c (numbers to text and back, pf_fmt) and
 * cJSON's numbers through it (runtime/pf_cjson_shim.h). Built natively and
 * under em++, where the slow paths go to test/host_number.c (libc); the
 * browser's host (String/Number) is tested in test/js/numbers.test.mjs. */
#include <gtest/gtest.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "cJSON.h"
#include "pf_num.h"

namespace {

std::string fmt_num(double x)
{
    char buf[PF_NUM_MAX];
    size_t n = pf_num_format(x, buf);
    EXPECT_EQ(strlen(buf), n);
    EXPECT_LT(n, (size_t)PF_NUM_MAX);
    return std::string(buf, n);
}

double parse(const std::string &s)
{
    size_t n = pf_num_scan(s.data(), s.size());
    EXPECT_EQ(n, s.size()) << s;
    return pf_num_parse(s.data(), n);
}

uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* xorshift64*: deterministic, so a failure reproduces. */
struct Rng {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    uint64_t next()
    {
        s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
        return s * 2685821657736338717ull;
    }
};

TEST(Num, FormatsLikeJavaScriptString)
{
    EXPECT_EQ(fmt_num(0), "0");
    EXPECT_EQ(fmt_num(-0.0), "-0"); /* not String(-0): "-0" round-trips */
    EXPECT_EQ(fmt_num(123), "123");
    EXPECT_EQ(fmt_num(-42), "-42");
    EXPECT_EQ(fmt_num(9007199254740991.0), "9007199254740991");
    EXPECT_EQ(fmt_num(9007199254740992.0), "9007199254740992");
    EXPECT_EQ(fmt_num(0.1), "0.1");
    EXPECT_EQ(fmt_num(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(fmt_num(-2.5), "-2.5");
    EXPECT_EQ(fmt_num(1e21), "1e+21");
    EXPECT_EQ(fmt_num(1e20), "100000000000000000000");
    EXPECT_EQ(fmt_num(1.5e-7), "1.5e-7");
    EXPECT_EQ(fmt_num(0.000001), "0.000001");
    EXPECT_EQ(fmt_num(1.2345678901234567e-6), "0.0000012345678901234567");
    EXPECT_EQ(fmt_num(5e-324), "5e-324");
    EXPECT_EQ(fmt_num(1.7976931348623157e308), "1.7976931348623157e+308");
    EXPECT_EQ(fmt_num(NAN), "NaN");
    EXPECT_EQ(fmt_num(-INFINITY), "-Infinity");
}

TEST(Num, EveryFiniteDoubleRoundTripsExactly)
{
    Rng rng;
    for (int i = 0; i < 200000; i++) {
        double x = from_bits(rng.next());
        if (!isfinite(x))
            continue;
        std::string s = fmt_num(x);
        ASSERT_EQ(bits(parse(s)), bits(x)) << s;
        ASSERT_EQ(bits(strtod(s.c_str(), NULL)), bits(x)) << s; /* and libc agrees */
        /* No shorter text would do: one digit less does not read back. */
        char e[40];
        std::string sig;
        for (char c : s.substr(0, s.find('e')))
            if (c >= '0' && c <= '9' && (c != '0' || !sig.empty()))
                sig += c;
        while (!sig.empty() && sig.back() == '0')
            sig.pop_back();
        int digits = (int)sig.size();
        snprintf(e, sizeof e, "%.*e", digits > 1 ? digits - 2 : 0, x);
        if (digits > 1) {
            ASSERT_NE(strtod(e, NULL), x) << s << " vs " << e;
        }
    }
}

TEST(Num, ParsesLikeStrtod)
{
    Rng rng;
    const char *fixed[] = {"0", "-0", "1", "007", "0.1", "-.5", "5.", "+5", "1e5", "1E-5", "2.5e+3",
                           "123456789012345", "1234567890123456789", "0.30000000000000004",
                           "9007199254740993", "1e22", "1e23", "1e-22", "1e-400", "-1e400",
                           "2.2250738585072011e-308", "4.9406564584124654e-324",
                           "0.000000000000000000000000000001",
                           "179769313486231570000000000000000000000000000000000000000000000000000000"
                           "000000000000000000000000000000000000000000000000000000000000000000000000"
                           "000000000000000000000000000000000000000000000000000000000000000000000000"
                           "000000000000000000000000000000000000000000000000000000000000000000000000"
                           "00000000000000000"};
    for (const char *s : fixed)
        EXPECT_EQ(bits(parse(s)), bits(strtod(s, NULL))) << s;
    for (int i = 0; i < 100000; i++) {
        /* Random mantissas of 1 to 20 digits, a point somewhere, an exponent. */
        char s[64];
        int n = 0, digits = 1 + (int)(rng.next() % 20);
        if (rng.next() & 1)
            s[n++] = '-';
        int point = (int)(rng.next() % (digits + 1));
        for (int d = 0; d < digits; d++) {
            if (d == point && d)
                s[n++] = '.';
            s[n++] = (char)('0' + rng.next() % 10);
        }
        if (rng.next() & 1)
            n += snprintf(s + n, sizeof s - n, "e%d", (int)(rng.next() % 80) - 40);
        s[n] = 0;
        ASSERT_EQ(bits(parse(s)), bits(strtod(s, NULL))) << s;
    }
}

TEST(Num, ScanTakesTheLongestNumberPrefix)
{
    struct { const char *s; size_t n; } cases[] = {
        {"", 0}, {"-", 0}, {"+", 0}, {".", 0}, {"e5", 0}, {"x1", 0}, {"1", 1}, {"1e", 1},
        {"1e+", 1}, {"1e+2", 4}, {".5", 2}, {"5.", 2}, {"1.2.3", 3}, {"+5x", 2}, {"-1-2", 2},
        {"12e3e4", 4}, {"0x10", 1},
    };
    for (const auto &c : cases)
        EXPECT_EQ(pf_num_scan(c.s, strlen(c.s)), c.n) << c.s;
}

TEST(Num, FmtMatchesSnprintfForIntegersAndStrings)
{
    char a[128], b[128];
    int na = pf_fmt(a, sizeof a, "%d|%i|%u|%ld|%lu|%lld|%zu|%x|%08lx|%04x|%5d|%-5d|%05d|%c|%%",
                    -17, 0, 4000000000u, -2000000000L, 4000000000UL, (long long)INT64_MIN,
                    (size_t)123, 0xbeefu, 0x1234abUL, 7u, -3, 42, -42, 'z');
    int nb = snprintf(b, sizeof b, "%d|%i|%u|%ld|%lu|%lld|%zu|%x|%08lx|%04x|%5d|%-5d|%05d|%c|%%",
                      -17, 0, 4000000000u, -2000000000L, 4000000000UL, (long long)INT64_MIN,
                      (size_t)123, 0xbeefu, 0x1234abUL, 7u, -3, 42, -42, 'z');
    EXPECT_EQ(na, nb);
    EXPECT_STREQ(a, b);
    na = pf_fmt(a, sizeof a, "[%s][%.3s][%.*s][%8s][%-8s]", "hello", "hello", 2, "hello", "hi", "hi");
    nb = snprintf(b, sizeof b, "[%s][%.3s][%.*s][%8s][%-8s]", "hello", "hello", 2, "hello", "hi", "hi");
    EXPECT_EQ(na, nb);
    EXPECT_STREQ(a, b);
}

TEST(Num, FmtPrecisionNeverCutsAUtf8Character)
{
    char a[32];
    // "é" is 2 bytes, "😀" 4: a precision that ends inside one stops before it.
    EXPECT_EQ(pf_fmt(a, sizeof a, "[%.2s]", "a\xC3\xA9"), 3);
    EXPECT_STREQ(a, "[a]");
    EXPECT_EQ(pf_fmt(a, sizeof a, "[%.3s]", "a\xC3\xA9"), 5);
    EXPECT_STREQ(a, "[a\xC3\xA9]");
    pf_fmt(a, sizeof a, "[%.4s]", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    EXPECT_STREQ(a, "[\xF0\x9F\x98\x80]");
    pf_fmt(a, sizeof a, "[%.7s]", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    EXPECT_STREQ(a, "[\xF0\x9F\x98\x80]");
    pf_fmt(a, sizeof a, "[%.1s]", "\xF0\x9F\x98\x80");
    EXPECT_STREQ(a, "[]");
    // %.*s over bytes that are not NUL-terminated: nothing past them is read
    // (ASan would see it: the buffer is exactly 3 bytes on the heap).
    char *three = static_cast<char *>(malloc(3));
    memcpy(three, "a\xC3\xA9", 3);
    EXPECT_EQ(pf_fmt(a, sizeof a, "[%.*s]", 3, three), 5);
    EXPECT_STREQ(a, "[a\xC3\xA9]");
    EXPECT_EQ(pf_fmt(a, sizeof a, "[%.*s]", 2, three), 3);
    EXPECT_STREQ(a, "[a]");
    free(three);
}

TEST(Num, FmtRoundsPercentDotZeroFLikePrintf)
{
    const double xs[] = {0, 0.4, 0.5, 1.5, 2.5, -0.4, -2.5, 12.7, 1234567.5, 1e15 + 0.5, 3e9};
    for (double x : xs) {
        char a[64], b[64];
        pf_fmt(a, sizeof a, "%.0f", x);
        snprintf(b, sizeof b, "%.0f", x);
        EXPECT_STREQ(a, b) << x;
    }
}

TEST(Num, FmtTruncatesAndCountsLikeSnprintf)
{
    char buf[8];
    memset(buf, 'x', sizeof buf);
    EXPECT_EQ(pf_fmt(buf, 5, "abc%d", 12345), 8);
    EXPECT_STREQ(buf, "abc1");
    EXPECT_EQ(buf[5], 'x');
    EXPECT_EQ(pf_fmt(NULL, 0, "%s", "abc"), 3);
    EXPECT_EQ(pf_fmt(buf, sizeof buf, "%.17g", 0.5), 3);
    EXPECT_STREQ(buf, "0.5");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
    EXPECT_EQ(pf_fmt(buf, sizeof buf, "%q"), -1);  // a conversion pf_fmt does not know
#pragma GCC diagnostic pop
    EXPECT_STREQ(buf, "");
}

TEST(Num, CjsonNumbersRoundTripExactly)
{
    /* cJSON alone (with libc) printed 0.1 + 0.2 as 0.3. */
    cJSON *n = cJSON_CreateNumber(0.1 + 0.2);
    char *s = cJSON_PrintUnformatted(n);
    EXPECT_STREQ(s, "0.30000000000000004");
    cJSON_free(s);
    cJSON_Delete(n);

    Rng rng;
    cJSON *arr = cJSON_CreateArray();
    std::vector<double> xs;
    for (int i = 0; i < 5000; i++) {
        double x = from_bits(rng.next());
        if (!isfinite(x))
            continue;
        xs.push_back(x);
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(x));
    }
    s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    ASSERT_NE(s, nullptr);
    cJSON *back = cJSON_Parse(s);
    cJSON_free(s);
    ASSERT_NE(back, nullptr);
    ASSERT_EQ((size_t)cJSON_GetArraySize(back), xs.size());
    size_t i = 0;
    for (cJSON *it = back->child; it; it = it->next, i++)
        ASSERT_EQ(bits(it->valuedouble), bits(xs[i])) << i;
    cJSON_Delete(back);

    /* What cJSON accepts and rejects is unchanged. */
    cJSON *v = cJSON_Parse("[1e400, -0, 5, 2.5e-3]");
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(isinf(cJSON_GetArrayItem(v, 0)->valuedouble));
    EXPECT_TRUE(signbit(cJSON_GetArrayItem(v, 1)->valuedouble));
    EXPECT_EQ(cJSON_GetArrayItem(v, 2)->valueint, 5);
    EXPECT_EQ(cJSON_GetArrayItem(v, 3)->valuedouble, 2.5e-3);
    cJSON_Delete(v);
    EXPECT_EQ(cJSON_Parse("[-]"), nullptr);
    EXPECT_EQ(cJSON_Parse("[e5]"), nullptr);
}

} // namespace
