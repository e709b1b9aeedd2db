/*
 * ot_native.c: replays editing traces through pf_text (the "native build"
 * row of the benchmark table).
 *
 *   ot_native TRACE.json [TRACE.json ...]
 *
 * Each trace is a decompressed file of /work/shared/traces (gunzip -c). The
 * JSON is parsed and the patches collected before timing; the timed part is
 * the replay only, best of several runs, in two ways:
 *   splice  every patch through pf_text_splice (the patch entry);
 *   op      every patch built as a text-unicode op and applied with
 *           pf_ot_apply (the path of a remote operation).
 * The result is checked against endContent. Prints a table; never fails on
 * a timing (exit status 1 only if a trace cannot be read or mismatches).
 *
 * Build (native): gcc -std=c99 -O2 -I runtime -I/usr/include/cjson
 *   bench/ot_native.c runtime/pf_text.c runtime/pf_ot.c runtime/pf_error.c
 *   -lcjson -lm
 * The same program runs as wasm under Node (the "wasm, C only" row):
 *   emcc -std=c99 -O2 -I runtime -I build/deps/cjson bench/ot_native.c
 *   runtime/pf_text.c runtime/pf_ot.c runtime/pf_error.c build/deps/cjson/cJSON.c
 *   -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o ot_bench.cjs
 *   node --no-experimental-fetch ot_bench.cjs build/traces/NAME.json ...
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cJSON.h"
#include "pf_ot.h"
#include "pf_text.h"

typedef struct patch {
    size_t pos, del;
    const char *ins;
    size_t ins_len;
} patch;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0, k;
    char *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static int check(pf_text *t, const char *end)
{
    size_t len;
    const char *data = pf_text_data(t, &len);
    return len == strlen(end) && memcmp(data, end, len) == 0;
}

int main(int argc, char **argv)
{
    const int runs = 7;
    int status = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s TRACE.json [TRACE.json ...]\n", argv[0]);
        return 2;
    }
    printf("%-28s %9s %12s %12s %10s\n", "trace", "patches", "splice ms", "op ms", "ns/patch");
    for (int a = 1; a < argc; a++) {
        const char *path = argv[a];
        const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t len = strlen(path);
        if (len > 3 && strcmp(path + len - 3, ".gz") == 0) {
            fprintf(stderr, "%s: decompress first (gunzip -c)\n", path);
            status = 1;
            continue;
        }
        size_t jlen;
        char *json = read_all(path, &jlen);
        cJSON *root = json ? cJSON_ParseWithLength(json, jlen) : NULL;
        free(json);
        if (!root) {
            fprintf(stderr, "%s: cannot read or parse\n", path);
            status = 1;
            continue;
        }
        const char *start = cJSON_GetStringValue(cJSON_GetObjectItem(root, "startContent"));
        const char *end = cJSON_GetStringValue(cJSON_GetObjectItem(root, "endContent"));
        cJSON *txns = cJSON_GetObjectItem(root, "txns"), *txn, *p;
        size_t n = 0, cap = 1024;
        patch *ps = malloc(cap * sizeof *ps);
        cJSON_ArrayForEach(txn, txns) {
            cJSON_ArrayForEach(p, cJSON_GetObjectItem(txn, "patches")) {
                if (n == cap)
                    ps = realloc(ps, (cap *= 2) * sizeof *ps);
                ps[n].pos = (size_t)cJSON_GetArrayItem(p, 0)->valuedouble;
                ps[n].del = (size_t)cJSON_GetArrayItem(p, 1)->valuedouble;
                ps[n].ins = cJSON_GetArrayItem(p, 2)->valuestring;
                ps[n].ins_len = strlen(ps[n].ins);
                n++;
            }
        }
        /* Pack the inserted strings into one buffer, in order, as a JS
         * harness has them (cJSON's one-malloc-per-string layout would make
         * the replay measure cache misses on the trace, not the engine). */
        size_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += ps[i].ins_len;
        char *arena = malloc(total + 1), *w = arena;
        for (size_t i = 0; i < n; i++) {
            memcpy(w, ps[i].ins, ps[i].ins_len);
            ps[i].ins = w;
            w += ps[i].ins_len;
        }
        if (!start || !end) {
            fprintf(stderr, "%s: not a trace\n", path);
            status = 1;
            continue;
        }
        double best_splice = 1e30, best_op = 1e30;
        int ok = 1;
        pf_ot_op *op = pf_ot_new();
        for (int r = 0; r < runs; r++) {
            pf_text *t = pf_text_new();
            pf_text_set(t, start, strlen(start));
            double t0 = now_ms();
            for (size_t i = 0; i < n; i++)
                if (pf_text_splice(t, ps[i].pos, ps[i].del, ps[i].ins, ps[i].ins_len) != PF_OK)
                    ok = 0;
            double t1 = now_ms();
            ok &= check(t, end);
            pf_text_free(t);
            if (t1 - t0 < best_splice)
                best_splice = t1 - t0;

            t = pf_text_new();
            pf_text_set(t, start, strlen(start));
            t0 = now_ms();
            for (size_t i = 0; i < n; i++) {
                pf_ot_clear(op);
                pf_ot_skip(op, ps[i].pos);
                pf_ot_insert(op, ps[i].ins, ps[i].ins_len);
                pf_ot_delete(op, ps[i].del);
                pf_ot_trim(op);
                if (pf_ot_apply(op, t) != PF_OK)
                    ok = 0;
            }
            t1 = now_ms();
            ok &= check(t, end);
            pf_text_free(t);
            if (t1 - t0 < best_op)
                best_op = t1 - t0;
        }
        pf_ot_free(op);
        printf("%-28s %9lu %12.2f %12.2f %10.1f%s\n", name, (unsigned long)n,
               best_splice, best_op, best_splice * 1e6 / (double)(n ? n : 1),
               ok ? "" : "  MISMATCH");
        if (!ok)
            status = 1;
        free(ps);
        free(arena);
        cJSON_Delete(root);
    }
    return status;
}
