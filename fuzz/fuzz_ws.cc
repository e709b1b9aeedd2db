// fuzz_ws.cc: pf_ws's handling of what a server sends: frames (seq,
// duplicates, resync, ping/pong, rate-limit and error replies, snapshots),
// close codes, and the reconnects, heartbeats and outbox they drive. The
// first byte picks options (no_tree, no_seq, drop-oldest outbox, a small
// outbox and frame limit); the rest is a script (fuzz_util.h): plain lines
// are frames on the newest socket, and
//
//   !o  opened   !c<code> reason  closed   !t<ms>  clock   !n<on><vis>
//   !s text      the app sends     !k token  set token     !C / !R  close / reconnect
//
// Checked: delivered frames have a parsed object unless no_tree, a seq is
// never delivered twice or out of order (unless no_seq), the outbox stays
// within its bound (plus the rate-limit requeues), and every byte is freed.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "fuzz_json_util.h"

extern "C" {
#include "fake_host.h"
#include "pf_host.h"
#include "pf_ws.h"
}

namespace {

struct Ctx {
    pf_ws *ws = nullptr;
    pf_ws_opts opts = {};
    fuzz::SeqCheck seq;
};

void on_message(void *ud, const char *text, size_t len, const cJSON *msg, int64_t seq)
{
    Ctx *c = static_cast<Ctx *>(ud);
    if (!text)
        fuzz::fail("a frame without text");
    if (!c->opts.no_tree && !msg)
        fuzz::fail("a frame without its parsed object");
    if (!c->opts.no_seq)
        c->seq.delivered(text, len, seq);
}

void on_resync(void *ud)
{
    static_cast<Ctx *>(ud)->seq.reset();
}

void on_state(void *, const pf_ws_event *ev)
{
    if (!ev)
        fuzz::fail("a state event without an event");
}

void refresh_token(void *, pf_ws *ws)
{
    pf_ws_set_token(ws, "fresh", 5);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fake_host_reset();
    Ctx c;
    uint8_t o = data[0];
    c.opts.no_tree = o & 1;
    c.opts.no_seq = (o >> 1) & 1;
    c.opts.full_policy = (o >> 2) & 1 ? PF_WS_FULL_DROP_OLDEST : PF_WS_FULL_REJECT;
    if ((o >> 3) & 1) {
        c.opts.outbox_max = 3;
        c.opts.outbox_max_bytes = 64;
        c.opts.max_frame_bytes = 256;
        c.opts.resend_window = 2;
    }
    c.opts.no_outbox = (o >> 4) & 1;
    c.opts.max_retries = (o >> 5) & 1 ? 3 : 0;
    pf_ws_callbacks cb = {};
    cb.on_state = on_state;
    cb.on_message = on_message;
    cb.on_resync = on_resync;
    cb.refresh_token = refresh_token;
    c.ws = pf_ws_new("/ws/fuzz", 8, &c.opts, &cb, &c);
    if (!c.ws || pf_ws_connect(c.ws) != PF_OK)
        fuzz::fail("cannot create the socket");
    // A rate-limit reply puts the rejected send back at the front even when
    // the outbox is full (it is never dropped): at most resend_window more.
    size_t outbox_max = (c.opts.outbox_max ? c.opts.outbox_max : 256) +
                        (c.opts.resend_window ? c.opts.resend_window : 16);
    for (const std::string &line : fuzz::lines(data + 1, size - 1)) {
        const fake_effect *e = fake_host_last(FAKE_WS_OPEN);
        int32_t h = e ? e->handle : 0;
        if (line.size() >= 2 && line[0] == '!') {
            std::string rest = fuzz::rest_after_number(line, 2);
            switch (line[1]) {
            case 'o': pf_io_opened(h); break;
            case 'c': pf_io_closed(h, (int)fuzz::number(line, 2, 1006), rest.data(), rest.size()); break;
            case 't': fake_host_advance((double)(fuzz::number(line, 2, 1000) & 0xfffffff)); break;
            case 'n': pf_net_changed(line.size() > 2 ? line[2] == '1' : 1, line.size() > 3 ? line[3] == '1' : 1); break;
            case 's': pf_ws_send(c.ws, line.data() + 2, line.size() - 2, line.size() > 2 && line[2] == '!' ? PF_WS_SEND_NO_QUEUE : 0); break;
            case 'k': pf_ws_set_token(c.ws, line.data() + 2, line.size() - 2); break;
            case 'C': pf_ws_close(c.ws); break;
            case 'R': pf_ws_reconnect(c.ws); break;
            default: pf_io_message(h, line.data(), line.size()); break;
            }
        } else {
            pf_io_message(h, line.data(), line.size());
        }
        if (pf_ws_outbox_len(c.ws) > outbox_max)
            fuzz::fail("the outbox grew past its bound");
    }
    pf_ws_free(c.ws);
    fake_host_reset();
    return 0;
}
