/*
 * ot_replay.c: the "wasm, C loop" row of bench/ot.mjs. A bench-only wasm
 * (never part of dist/) that replays a trace inside wasm, so that no
 * operation crosses the JS boundary: JS hands over every patch once, packed,
 * then one call replays them all, each turned into a text-unicode operation
 * and applied with pf_ot_apply (the same work as ot_native.c's "op" column).
 *
 * Build (the bench target of the Makefile):
 *   emcc -std=c99 -O2 -Iruntime bench/ot_replay.c runtime/pf_ot.c
 *     runtime/pf_text.c runtime/pf_error.c -sENVIRONMENT=node -sMODULARIZE=1
 *     -sALLOW_MEMORY_GROWTH=1 -sEXPORTED_FUNCTIONS=[...] -o build/bench/ot_replay.cjs
 */
#include <stdint.h>
#include <stdlib.h>

#include "pf_ot.h"
#include "pf_text.h"

/* Replays `n` patches, quads[4i..4i+3] = {pos, ndel, ins_off, ins_len} into
 * arena (borrowed), on a new document holding `start`; the document is
 * returned (free with pf_text_free()) or NULL if a patch failed. `ops`
 * selects an op per patch (pf_ot_apply) instead of pf_text_splice. */
pf_text *bench_replay(const char *start, size_t start_len, const uint32_t *quads, size_t n,
                      const char *arena, int ops)
{
    pf_text *t = pf_text_new();
    pf_ot_op *op = pf_ot_new();
    int rc = t && op ? pf_text_set(t, start, start_len) : PF_ENOMEM;
    for (size_t i = 0; i < n && rc == PF_OK; i++) {
        const uint32_t *q = quads + 4 * i;
        if (!ops) {
            rc = pf_text_splice(t, q[0], q[1], arena + q[2], q[3]);
            continue;
        }
        pf_ot_clear(op);
        pf_ot_skip(op, q[0]);
        pf_ot_delete(op, q[1]);
        pf_ot_insert(op, arena + q[2], q[3]);
        pf_ot_trim(op);
        rc = pf_ot_apply(op, t);
    }
    pf_ot_free(op);
    if (rc != PF_OK) {
        pf_text_free(t);
        return NULL;
    }
    return t;
}
