/*
 * ws_native.c: inbound message throughput of pf_ws and pf_pool, natively.
 *
 * Feeds 300-byte post_updated frames through pf_io_message (the host's
 * event entry point, exactly as bindings/ would) to a subscriber callback,
 * and compares with cJSON alone (parse + delete of the same frames), the
 * floor any JSON-over-WebSocket client pays. Prints a table; never fails
 * on a timing.
 *
 * Build and run (from the repository root):
 *   gcc -std=c99 -O2 -DNDEBUG -I runtime -I test -I/usr/include/cjson \
 *       bench/ws_native.c runtime/pf_ws.c runtime/pf_pool.c runtime/pf_backoff.c \
 *       runtime/pf_error.c runtime/pf_loop.c test/fake_host.c -lcjson -o /tmp/ws_native
 *   /tmp/ws_native [frames]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cJSON.h"
#include "fake_host.h"
#include "pf_host.h"
#include "pf_pool.h"
#include "pf_ws.h"

#define FRAME_BYTES 300

static char *frames;
static size_t *offsets, *lengths;
static size_t nframes;
static unsigned long delivered, checksum;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Builds `n` post_updated frames of exactly FRAME_BYTES bytes, seq 1..n. */
static void make_frames(size_t n)
{
    static const char head[] =
        "{\"type\":\"post_updated\",\"seq\":%lu,\"post\":{\"id\":42,\"title\":\"Live runtime\","
        "\"content\":\"%s\",\"author_id\":7,\"author_name\":\"Ada\",\"published\":true,"
        "\"created_at\":\"2026-11-26T14:00:00Z\",\"updated_at\":\"2026-11-26T14:05:00Z\"},"
        "\"changes\":{\"title\":\"Live runtime\"}}";
    char pad[FRAME_BYTES + 1];
    frames = malloc(n * (FRAME_BYTES + 1));
    offsets = malloc(n * sizeof *offsets);
    lengths = malloc(n * sizeof *lengths);
    if (!frames || !offsets || !lengths) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        char *out = frames + i * (FRAME_BYTES + 1);
        int len = snprintf(out, FRAME_BYTES + 1, head, (unsigned long)(i + 1), "");
        size_t fill = len < FRAME_BYTES ? (size_t)(FRAME_BYTES - len) : 0;
        memset(pad, 'x', fill);
        pad[fill] = 0;
        len = snprintf(out, FRAME_BYTES + 1, head, (unsigned long)(i + 1), pad);
        offsets[i] = i * (FRAME_BYTES + 1);
        lengths[i] = (size_t)len;
    }
    nframes = n;
}

static void on_message(void *ud, const char *text, size_t len, const cJSON *msg, int64_t seq)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    (void)ud;
    (void)text;
    delivered++;
    checksum += len + (unsigned long)seq + (type ? (unsigned char)type->valuestring[5] : 0);
}

static double bench_cjson(void)
{
    double t0 = now_s();
    for (size_t i = 0; i < nframes; i++) {
        cJSON *m = cJSON_ParseWithLength(frames + offsets[i], lengths[i]);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(m, "seq");
        checksum += lengths[i] + (unsigned long)seq->valuedouble + (unsigned char)type->valuestring[5];
        delivered++;
        cJSON_Delete(m);
    }
    return now_s() - t0;
}

static double bench_ws(void)
{
    pf_ws_callbacks cb = { NULL, on_message, NULL, NULL, NULL, NULL };
    pf_ws *ws = pf_ws_new("ws://bench/ws/posts", 19, NULL, &cb, NULL);
    double t0, t;
    int32_t h;
    pf_ws_connect(ws);
    h = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(h);
    t0 = now_s();
    for (size_t i = 0; i < nframes; i++)
        pf_io_message(h, frames + offsets[i], lengths[i]);
    t = now_s() - t0;
    pf_ws_free(ws);
    return t;
}

static double bench_pool(size_t subscribers)
{
    pf_pool_sub_callbacks cb = { NULL, on_message, NULL, NULL };
    pf_pool *pool = pf_pool_new(NULL, NULL, NULL);
    pf_pool_sub *sub;
    double t0, t;
    int32_t h;
    for (size_t i = 0; i < subscribers; i++)
        pf_pool_subscribe(pool, "ws://bench/ws/posts", 19, NULL, &cb, NULL, &sub);
    h = fake_host_last(FAKE_WS_OPEN)->handle;
    pf_io_opened(h);
    t0 = now_s();
    for (size_t i = 0; i < nframes; i++)
        pf_io_message(h, frames + offsets[i], lengths[i]);
    t = now_s() - t0;
    pf_pool_free(pool);
    return t;
}

static void row(const char *name, double secs)
{
    printf("%-36s %12.0f %10.2f\n", name, nframes / secs, secs * 1e9 / nframes);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200000;
    double best[4] = { 1e9, 1e9, 1e9, 1e9 };
    if (n == 0)
        n = 200000;
    make_frames(n);
    for (int round = 0; round < 5; round++) {
        double t;
        fake_host_reset();
        t = bench_cjson();
        best[0] = t < best[0] ? t : best[0];
        fake_host_reset();
        t = bench_ws();
        best[1] = t < best[1] ? t : best[1];
        fake_host_reset();
        t = bench_pool(1);
        best[2] = t < best[2] ? t : best[2];
        fake_host_reset();
        t = bench_pool(4);
        best[3] = t < best[3] ? t : best[3];
    }
    fake_host_reset();
    printf("%zu frames of %d bytes, best of 5 rounds\n", nframes, FRAME_BYTES);
    printf("%-36s %12s %10s\n", "path", "msgs/s", "ns/msg");
    row("cJSON parse+delete only (floor)", best[0]);
    row("pf_io_message -> pf_ws -> callback", best[1]);
    row("pf_io_message -> pf_pool (1 sub)", best[2]);
    row("pf_io_message -> pf_pool (4 subs)", best[3]);
    printf("(delivered %lu, checksum %lu)\n", delivered, checksum);
    free(frames);
    free(offsets);
    free(lengths);
    return 0;
}
