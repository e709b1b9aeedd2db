// fuzz_sse.cc: pf_sse's handling of server-sent events. The SSE line format
// itself is parsed in JavaScript (the browser's EventSource, or the fetch
// reader in bindings/pyframe_rt.js); the C side gets whole events through
// pf_io_sse and errors through pf_io_error, and that is what is fuzzed. The
// first byte picks options (allow_text, a small data limit, max retries);
// the rest is a script: plain lines are the data of a "message" event, and
//
//   !e name\tid\tretry\tdata  one event   !x<status>  an error   !o  opened
//   !t<ms>  clock   !n<on><vis>   !k token   !C close   !O connect again
//
// Checked: a delivered event has a parsed object unless allow_text, a seq
// is never delivered twice or out of order, and every byte is freed.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "fuzz_json_util.h"

extern "C" {
#include "fake_host.h"
#include "pf_host.h"
#include "pf_sse.h"
}

namespace {

struct Ctx {
    pf_sse *sse = nullptr;
    pf_sse_opts opts = {};
    fuzz::SeqCheck seq;
};

void on_message(void *ud, const pf_sse_message *m)
{
    Ctx *c = static_cast<Ctx *>(ud);
    if (!m || !m->event || !m->data)
        fuzz::fail("an event without its fields");
    if (!c->opts.allow_text && !m->msg)
        fuzz::fail("an event without its parsed object");
    c->seq.delivered(m->data, m->data_len, m->seq);
}

void on_resync(void *ud)
{
    static_cast<Ctx *>(ud)->seq.reset();
}

void refresh_token(void *, pf_sse *sse)
{
    pf_sse_set_token(sse, "fresh", 5);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fake_host_reset();
    Ctx c;
    uint8_t o = data[0];
    c.opts.allow_text = o & 1;
    if ((o >> 1) & 1)
        c.opts.max_data_bytes = 64;
    c.opts.max_retries = (o >> 2) & 1 ? 2 : 0;
    c.opts.no_resume = (o >> 3) & 1;
    pf_sse_callbacks cb = {};
    cb.on_message = on_message;
    cb.on_resync = on_resync;
    cb.refresh_token = refresh_token;
    c.sse = pf_sse_new("/events/fuzz", 12, &c.opts, &cb, &c);
    if (!c.sse || pf_sse_connect(c.sse) != PF_OK)
        fuzz::fail("cannot create the event source");
    for (const std::string &line : fuzz::lines(data + 1, size - 1)) {
        const fake_effect *e = fake_host_last(FAKE_SSE_OPEN);
        int32_t h = e ? e->handle : 0;
        if (line.size() >= 2 && line[0] == '!') {
            switch (line[1]) {
            case 'o': pf_io_opened(h); break;
            case 'x': pf_io_error(h, (int)fuzz::number(line, 2, 0)); break;
            case 't': fake_host_advance((double)(fuzz::number(line, 2, 1000) & 0xfffffff)); break;
            case 'n': pf_net_changed(line.size() > 2 ? line[2] == '1' : 1, line.size() > 3 ? line[3] == '1' : 1); break;
            case 'k': pf_sse_set_token(c.sse, line.data() + 2, line.size() - 2); break;
            case 'C': pf_sse_close(c.sse); break;
            case 'O': pf_sse_connect(c.sse); break;
            case 'e': {
                std::vector<std::string> f = fuzz::split(line.substr(2), '\t');
                while (f.size() < 4)
                    f.push_back(f.size() == 2 ? "-1" : "");
                pf_io_sse(h, f[0].data(), f[0].size(), f[1].data(), f[1].size(), f[3].data(), f[3].size(),
                          (int)fuzz::number(f[2], 0, -1));
                break;
            }
            default: pf_io_sse(h, "message", 7, "", 0, line.data(), line.size(), -1); break;
            }
        } else {
            pf_io_sse(h, "message", 7, "", 0, line.data(), line.size(), -1);
        }
    }
    pf_sse_free(c.sse);
    fake_host_reset();
    return 0;
}
