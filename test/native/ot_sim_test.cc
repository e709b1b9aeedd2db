/* ot_sim_test.cc: many pf_ot_clients and one pf_ot_server, random edits and
 * random message delivery: delays, reordering across clients, lost
 * connections with resubmission, duplicated resubmits, rejected operations
 * (resync) and ack timeouts. Every client must converge to the server text,
 * and no edit may be lost or applied twice. */
#include <gtest/gtest.h>

#include <string.h>

#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cJSON.h"
#include "fake_host.h"
#include "pf_ot_client.h"
#include "pf_ot_server.h"
#include "test_ot_util.h"

using namespace ot_test;

namespace {

struct Sim;

struct Peer {
    Sim *sim = NULL;
    size_t index = 0;
    pf_ot_client *c = NULL;
    std::string user;
    bool connected = false;
    bool joined = false;            /* the server has handled its join */
    bool dead = false;              /* ack timeout reported */
    std::deque<std::string> up, down;
    std::string typed;              /* every code point inserted (insert-only) */
    int token = 0;
};

struct Config {
    uint64_t seed;
    size_t clients;
    int steps;
    bool insert_only;
    size_t max_history;
};

struct Sim {
    Config cfg;
    Rng rng;
    pf_ot_server *server = NULL;
    std::vector<Peer *> peers;
    Peer *current = NULL;           /* whose message the server is handling */
    size_t errors = 0, resubmits = 0, reconnects = 0, dupes = 0, timeouts = 0;

    explicit Sim(const Config &c) : cfg(c), rng(c.seed) {
        fake_host_reset();
        fake_host_seed((uint32_t)c.seed);
        EXPECT_EQ(pf_ot_server_new("", 0, 0, c.max_history, &server), PF_OK);
        for (size_t i = 0; i < c.clients; i++) {
            Peer *p = new Peer();
            p->sim = this;
            p->index = i;
            p->user = "user" + std::to_string(i);
            pf_ot_client_events ev;
            memset(&ev, 0, sizeof ev);
            ev.send = [](void *ud, const char *j, size_t n) {
                Peer *p = (Peer *)ud;
                if (p->connected)
                    p->up.push_back(std::string(j, n));
            };
            ev.dead_link = [](void *ud) { ((Peer *)ud)->dead = true; };
            ev.error = [](void *ud, int, const char *) { ((Peer *)ud)->sim->errors++; };
            ev.ud = p;
            pf_ot_client_config cc;
            memset(&cc, 0, sizeof cc);
            std::string src = "src" + std::to_string(i);
            cc.src = src.c_str();
            cc.src_len = src.size();
            cc.ack_timeout_ms = 400;
            cc.undo_group_ms = 50;
            EXPECT_EQ(pf_ot_client_new(&cc, &ev, &p->c), PF_OK);
            peers.push_back(p);
        }
    }
    ~Sim() {
        for (Peer *p : peers) {
            pf_ot_client_free(p->c);
            delete p;
        }
        pf_ot_server_free(server);
        fake_host_reset();
    }

    static void reply(void *ud, const char *j, size_t n) {
        Sim *s = (Sim *)ud;
        if (s->current->connected)
            s->current->down.push_back(std::string(j, n));
    }
    static void broadcast(void *ud, const char *j, size_t n) {
        Sim *s = (Sim *)ud;
        for (Peer *p : s->peers)
            if (p != s->current && p->connected && p->joined)
                p->down.push_back(std::string(j, n));
    }

    void server_receive(Peer *p, const std::string &msg) {
        pf_ot_server_io io = { reply, broadcast, this };
        current = p;
        cJSON *j = cJSON_Parse(msg.c_str());
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(j, "type"));
        if (type && strcmp(type, "join") == 0)
            p->joined = true;
        int rc = pf_ot_server_handle(server, p->user.data(), p->user.size(),
                                     msg.data(), msg.size(), &io);
        if (rc == PF_ENOTFOUND && type && strcmp(type, "cursor_update") == 0) {
            cJSON_AddStringToObject(j, "user_id", p->user.c_str());
            char *s = cJSON_PrintUnformatted(j);
            broadcast(this, s, strlen(s));
            free(s);
        }
        cJSON_Delete(j);
        current = NULL;
    }

    void connect(Peer *p) {
        p->connected = true;
        p->joined = false;
        p->dead = false;
        reconnects++;
        ASSERT_EQ(pf_ot_client_connected(p->c), PF_OK);
    }

    void disconnect(Peer *p) {
        /* What was on the wire to the server may or may not have arrived;
         * what was on its way back is lost. */
        if (rng.below(2)) {
            while (!p->up.empty()) {
                std::string m = p->up.front();
                p->up.pop_front();
                server_receive(p, m);
            }
        }
        p->up.clear();
        p->down.clear();
        p->connected = false;
        p->joined = false;
        pf_ot_client_disconnected(p->c);
    }

    std::string text(Peer *p) { return text_str(pf_ot_client_text(p->c)); }

    void local_edit(Peer *p) {
        size_t len = pf_text_length(pf_ot_client_text(p->c));
        if (cfg.insert_only) {
            /* A unique token, with non-ASCII, at a random place. */
            p->token++;
            std::string tok = "<" + std::to_string(p->index) + "." +
                              std::to_string(p->token) +
                              (p->token % 3 ? "\xF0\x9F\x98\x85" : "\xE4\xB8\xAD") + ">";
            size_t pos = rng.below(len + 1);
            ASSERT_EQ(pf_ot_client_local_splice(p->c, pos, 0, tok.data(), tok.size()), PF_OK);
            p->typed += tok;
            return;
        }
        std::string doc = text(p);
        switch (rng.below(10)) {
        case 0:
            pf_ot_client_undo(p->c);
            break;
        case 1:
            pf_ot_client_redo(p->c);
            break;
        case 2: {
            /* A textarea edit through the diff path. */
            pf_ot_op *op = rand_op(rng, doc);
            std::string next = apply_str(doc, op);
            pf_ot_free(op);
            ASSERT_EQ(pf_ot_client_local_text(p->c, next.data(), next.size(),
                                              (long)rng.below(cp_len(next) + 1)), PF_OK);
            break;
        }
        case 3:
            pf_ot_client_set_cursor(p->c, rng.below(len + 1));
            break;
        default: {
            pf_ot_op *op = rand_op(rng, doc);
            ASSERT_EQ(pf_ot_client_local_op(p->c, op), PF_OK);
            pf_ot_free(op);
        }
        }
        /* Keep documents small. */
        len = pf_text_length(pf_ot_client_text(p->c));
        if (len > 400) {
            size_t pos = rng.below(len - 100);
            ASSERT_EQ(pf_ot_client_local_splice(p->c, pos, 100, NULL, 0), PF_OK);
        }
    }

    void step() {
        Peer *p = peers[rng.below(peers.size())];
        if (p->dead && p->connected) {
            timeouts++;
            disconnect(p);
            connect(p);
            return;
        }
        size_t r = rng.below(1000);
        if (r < 300) {
            local_edit(p);
        } else if (r < 600) {
            if (!p->up.empty()) {
                std::string m = p->up.front();
                p->up.pop_front();
                server_receive(p, m);
            }
        } else if (r < 930) {
            if (!p->down.empty()) {
                std::string m = p->down.front();
                p->down.pop_front();
                int rc = pf_ot_client_message(p->c, m.data(), m.size());
                ASSERT_TRUE(rc == PF_OK || rc == PF_ENOTFOUND) << rc << " " << m;
            }
        } else if (r < 950) {
            if (p->connected)
                disconnect(p);
            else
                connect(p);
        } else if (r < 960) {
            /* A resubmit delivered twice. */
            if (!p->up.empty() && p->up.front().find("content_change") != std::string::npos) {
                dupes++;
                p->up.push_front(p->up.front());
            }
        } else if (r < 963) {
            /* A rejected operation: the server sees a future rev. */
            if (!p->up.empty() && p->up.front().find("content_change") != std::string::npos) {
                cJSON *j = cJSON_Parse(p->up.front().c_str());
                cJSON_ReplaceItemInObject(j, "rev",
                    cJSON_CreateNumber((double)pf_ot_server_rev(server) + 5));
                char *s = cJSON_PrintUnformatted(j);
                p->up.front() = s;
                free(s);
                cJSON_Delete(j);
            }
        } else {
            fake_host_advance((double)rng.below(200));
        }
    }

    /* Reconnects everyone and delivers everything until all is quiet. */
    void settle() {
        for (Peer *p : peers) {
            if (p->connected && p->dead)
                disconnect(p);
            if (!p->connected)
                connect(p);
        }
        for (int round = 0; round < 200000; round++) {
            bool busy = false;
            for (Peer *p : peers) {
                while (!p->up.empty()) {
                    std::string m = p->up.front();
                    p->up.pop_front();
                    server_receive(p, m);
                    busy = true;
                }
            }
            for (Peer *p : peers) {
                while (!p->down.empty()) {
                    std::string m = p->down.front();
                    p->down.pop_front();
                    pf_ot_client_message(p->c, m.data(), m.size());
                    busy = true;
                }
            }
            if (!busy)
                return;
        }
        ADD_FAILURE() << "the simulation did not settle";
    }

    void run() {
        for (int i = 0; i < cfg.steps; i++) {
            step();
            if (::testing::Test::HasFatalFailure())
                return;
        }
        settle();
        if (getenv("PF_SIM_STATS"))
            printf("seed %lu: reconnects %zu timeouts %zu errors %zu dupes %zu rev %zu len %zu\n",
                   (unsigned long)cfg.seed, reconnects, timeouts, errors, dupes,
                   pf_ot_server_rev(server), pf_text_length(pf_ot_server_text(server)));
        std::string want = text_str(pf_ot_server_text(server));
        for (Peer *p : peers) {
            EXPECT_EQ(text(p), want) << "client " << p->index << " seed " << cfg.seed;
            EXPECT_EQ(pf_ot_client_rev(p->c), pf_ot_server_rev(server));
            EXPECT_EQ(pf_ot_client_state(p->c), PF_OT_SYNCED);
            EXPECT_FALSE(pf_ot_client_has_pending(p->c));
        }
        /* No (src, seq) applied twice. */
        std::set<std::pair<std::string, uint64_t> > seen;
        for (size_t r = pf_ot_server_oldest_rev(server); r < pf_ot_server_rev(server); r++) {
            const char *src;
            size_t n;
            uint64_t seq;
            ASSERT_EQ(pf_ot_server_history(server, r, NULL, &src, &n, &seq), PF_OK);
            EXPECT_TRUE(seen.insert(std::make_pair(std::string(src, n), seq)).second)
                << "applied twice: " << std::string(src, n) << " " << seq;
        }
        if (cfg.insert_only) {
            /* Every typed code point is there exactly once. */
            std::vector<std::string> got = code_points(want), typed;
            for (Peer *p : peers) {
                std::vector<std::string> t = code_points(p->typed);
                typed.insert(typed.end(), t.begin(), t.end());
            }
            std::sort(got.begin(), got.end());
            std::sort(typed.begin(), typed.end());
            EXPECT_TRUE(got == typed) << "lost or duplicated text, seed " << cfg.seed
                                      << ": " << got.size() << " vs " << typed.size();
        }
    }
};

} /* namespace */

TEST(OtSim, InsertOnlyNothingLostOrDoubled) {
    for (uint64_t seed = 1; seed <= 4; seed++) {
        Sim sim({seed, 4, 2500, true, 100000});
        sim.run();
        EXPECT_GT(sim.reconnects, 10u);
        if (HasFailure())
            return;
    }
}

TEST(OtSim, MixedEditsUndoConverge) {
    for (uint64_t seed = 100; seed <= 104; seed++) {
        Sim sim({seed, 5, 2500, false, 100000});
        sim.run();
        if (HasFailure())
            return;
    }
}

TEST(OtSim, ShortHistoryForcesSnapshots) {
    /* The server keeps only 5 operations: reconnecting clients often get a
     * snapshot instead of a catch-up and must rebase their pending edits. */
    for (uint64_t seed = 200; seed <= 202; seed++) {
        Sim sim({seed, 4, 2000, true, 5});
        sim.run();
        if (HasFailure())
            return;
    }
    for (uint64_t seed = 300; seed <= 303; seed++) {
        Sim sim({seed, 4, 2000, false, 5});
        sim.run();
        if (HasFailure())
            return;
    }
}
