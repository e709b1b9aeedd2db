// fuzz_ot_client.cc: the OT client (pf_ot_client.h) fed server messages,
// with local edits, undo/redo and reconnects in between. Input: a script
// (fuzz_util.h); plain lines are server messages, and
//
//   !s<pos>,<ndel> text   a local splice      !T<cursor> text  a local text
//   !u / !r               undo / redo         !k<pos>          set_cursor
//   !d / !o               transport closed / opened
//   !t<ms>                the clock moves (ack timeout)
//
// Checked after every step: a mirror of the view, changed only by the
// local edits that succeeded and by the operations `changed` reports,
// equals the client's document (so every reported op turns the old text
// into the new one); remote cursors stay inside the text; every message the
// client sends is one JSON object.
#include <cstdint>
#include <string>

#include "fuzz_util.h"

extern "C" {
#include "fake_host.h"
#include "pf_json.h"
#include "pf_ot.h"
#include "pf_ot_client.h"
#include "pf_text.h"
}

namespace {

struct Mirror {
    pf_text *view = nullptr;
    pf_ot_client *client = nullptr;
};

std::string text_of(pf_text *t)
{
    size_t len = 0;
    const char *d = pf_text_data(t, &len);
    return std::string(d ? d : "", len);
}

void on_send(void *, const char *json, size_t len)
{
    // Strict: a local edit cannot insert U+0000 (refused), so every frame
    // the client sends is one a strict peer takes.
    cJSON *v = NULL;
    if (pf_json_parse(json, len, len, &v, NULL) != PF_OK || !cJSON_IsObject(v))
        fuzz::fail("the client sent something that is not a JSON object a strict parser takes", std::string(json, len));
    cJSON_Delete(v);
}

void on_changed(void *ud, const pf_ot_op *op, int)
{
    Mirror *m = static_cast<Mirror *>(ud);
    if (pf_ot_apply(op, m->view) != PF_OK)
        fuzz::fail("a reported change does not fit the text it was made on");
}

void on_cursor(void *ud, const char *, size_t, size_t position)
{
    Mirror *m = static_cast<Mirror *>(ud);
    if (position != SIZE_MAX && position > pf_text_length(pf_ot_client_text(m->client)))
        fuzz::fail("a remote cursor is past the end of the text");
}

void on_error(void *, int, const char *msg)
{
    if (!msg)
        fuzz::fail("an error without a message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fake_host_reset();
    Mirror m;
    m.view = pf_text_new();
    pf_ot_client_events ev = {};
    ev.send = on_send;
    ev.changed = on_changed;
    ev.cursor = on_cursor;
    ev.error = on_error;
    ev.ud = &m;
    if (!m.view || pf_ot_client_new(nullptr, &ev, &m.client) != PF_OK)
        fuzz::fail("cannot create a client");
    pf_ot_client_connected(m.client);
    for (const std::string &line : fuzz::lines(data, size)) {
        if (line.size() >= 2 && line[0] == '!') {
            switch (line[1]) {
            case 's': {
                size_t end = 2;
                long pos = fuzz::number(line, 2, 0, &end);
                long ndel = end < line.size() && line[end] == ',' ? fuzz::number(line, end + 1, 0, &end) : 0;
                std::string ins = end < line.size() ? line.substr(end + (line[end] == ' ')) : std::string();
                if (pos < 0 || ndel < 0)
                    break;
                if (pf_ot_client_local_splice(m.client, (size_t)pos, (size_t)ndel, ins.data(), ins.size()) == PF_OK &&
                    pf_text_splice(m.view, (size_t)pos, (size_t)ndel, ins.data(), ins.size()) != PF_OK)
                    fuzz::fail("the client took a splice the view refuses", line);
                break;
            }
            case 'T': {
                std::string text = fuzz::rest_after_number(line, 2);
                if (pf_ot_client_local_text(m.client, text.data(), text.size(), fuzz::number(line, 2, -1)) == PF_OK)
                    pf_text_set(m.view, text.data(), text.size());
                break;
            }
            case 'u': pf_ot_client_undo(m.client); break;
            case 'r': pf_ot_client_redo(m.client); break;
            case 'k': pf_ot_client_set_cursor(m.client, (size_t)fuzz::number(line, 2, 0) & 0xffffff); break;
            case 'd': pf_ot_client_disconnected(m.client); break;
            case 'o': pf_ot_client_connected(m.client); break;
            case 't': fake_host_advance((double)(fuzz::number(line, 2, 1000) & 0xfffffff)); break;
            default: pf_ot_client_message(m.client, line.data(), line.size()); break;
            }
        } else {
            pf_ot_client_message(m.client, line.data(), line.size());
        }
        if (text_of(m.view) != text_of(pf_ot_client_text(m.client)))
            fuzz::fail("the view and the client's document differ after", line);
        for (size_t i = 0; i < pf_ot_client_cursor_count(m.client); i++) {
            const char *user = nullptr;
            size_t user_len = 0, pos = 0;
            if (pf_ot_client_cursor(m.client, i, &user, &user_len, &pos) == PF_OK &&
                pos > pf_text_length(pf_ot_client_text(m.client)))
                fuzz::fail("a stored remote cursor is past the end");
        }
    }
    pf_ot_client_free(m.client);
    pf_text_free(m.view);
    fake_host_reset();
    return 0;
}
