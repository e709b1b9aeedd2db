// fuzz_util.h: what the libFuzzer targets of fuzz/ share.
//
// Most targets read their input as a script: one step per line ('\n'). A
// line that starts with '!' is a command for the harness (open a socket,
// close it with a code, move the clock...), any other line is a message
// from the network. Commands take their arguments after one letter, so a
// fuzzer mutating a seed script reaches every command quickly:
//
//   !o            the host reports the newest socket / event source open
//   !c4001 text   the newest socket closes with code 4001, reason "text"
//   !t1500        the fake clock moves 1500 ms (timers fire)
//   !h200 body    the oldest unanswered HTTP request gets status 200, body
//   !x204         the newest event source fails with HTTP status 204
//   !e name\tid\tretry\tdata   one SSE event, fields split by tabs
//   !n01          online 0, visible 1
//   !d2 input hi  DOM event "input" on the 3rd element declaring
//                 data-on-input, with the value "hi"
//
// Targets ignore the commands that do not concern them. A failed check of
// an invariant calls fuzz_fail, which prints why and aborts, so that
// libFuzzer stores the input as a crash.
#ifndef PF_FUZZ_UTIL_H
#define PF_FUZZ_UTIL_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace fuzz {

[[noreturn]] inline void fail(const char *what, const std::string &detail = "")
{
    fprintf(stderr, "fuzz check failed: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
    abort();
}

// The input cut at every '\n' (an empty input is one empty line).
inline std::vector<std::string> lines(const uint8_t *data, size_t size)
{
    std::vector<std::string> out;
    const char *p = reinterpret_cast<const char *>(data);
    const char *end = p + size;
    for (;;) {
        const char *nl = static_cast<const char *>(memchr(p, '\n', (size_t)(end - p)));
        if (!nl) {
            out.emplace_back(p, (size_t)(end - p));
            return out;
        }
        out.emplace_back(p, (size_t)(nl - p));
        p = nl + 1;
    }
}

// The decimal number at the start of `s` from `pos` (bounded, may be
// negative), and where it ended in *end. `fallback` when there is none.
inline long number(const std::string &s, size_t pos, long fallback, size_t *end = nullptr)
{
    size_t i = pos;
    bool neg = i < s.size() && s[i] == '-';
    if (neg)
        i++;
    long v = 0;
    size_t digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 9; i++, digits++)
        v = v * 10 + (s[i] - '0');
    if (end)
        *end = digits ? i : pos;
    if (!digits)
        return fallback;
    return neg ? -v : v;
}

// What follows the number of a command ("!c4001 reason" -> "reason").
inline std::string rest_after_number(const std::string &s, size_t pos)
{
    size_t end = pos;
    number(s, pos, 0, &end);
    if (end < s.size() && s[end] == ' ')
        end++;
    return end < s.size() ? s.substr(end) : std::string();
}

// `s` cut at each `sep`.
inline std::vector<std::string> split(const std::string &s, char sep)
{
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t p = s.find(sep, start);
        if (p == std::string::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

}  // namespace fuzz

#endif
