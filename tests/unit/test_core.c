/* Core services: errors, allocation fault injection, atomic files, thread
 * pool, f16/bf16 conversions. */
#include "../harness.h"

#include "core/dtype.h"
#include "core/error.h"
#include "core/file.h"
#include "core/mem.h"
#include "core/rank_sort.h"
#include "core/threadpool.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

TEST(error_prefix_names_the_file) {
    Error err = {0};
    CHECK(error_set(&err, "tensor %s: bad shape", "wte") == -1);
    error_prefix(&err, "%s", "model.safetensors");
    CHECK_STR(err.message, "model.safetensors: tensor wte: bad shape");
}

TEST(error_prefix_truncates_cleanly) {
    Error err = {0};
    char long_text[2000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    error_set(&err, "%s", long_text);
    error_prefix(&err, "file");
    CHECK(strncmp(err.message, "file: xxx", 9) == 0);
    CHECK(strlen(err.message) == sizeof err.message - 1);
}

TEST(mem_fail_after_fails_exactly_once) {
    mem_fail_after(3);
    void *a = mem_alloc(8), *b = mem_alloc(8), *c = mem_alloc(8), *d = mem_alloc(8);
    CHECK(a && b && !c && d);
    mem_free(a);
    mem_free(b);
    mem_free(d);
    mem_fail_after(0);
    CHECK(size_mul((size_t)1 << 62, 8, &(size_t){0}) == -1);
    size_t out = 0;
    CHECK(size_add(3, 4, &out) == 0 && out == 7);
}

TEST(atomic_write_replaces_whole_file) {
    Error err = {0};
    char path[] = "build/test_core_atomic.bin";
    CHECK(file_write_atomic(path, "old", 3, &err) == 0);
    AtomicFile f;
    CHECK(atomic_open(&f, path, &err) == 0);
    atomic_write(&f, "new-content", 11, &err);
    /* Before commit the old file is intact. */
    char *data = NULL;
    size_t n = 0;
    CHECK(file_read_all(path, 1 << 20, &data, &n, &err) == 0);
    CHECK(n == 3 && memcmp(data, "old", 3) == 0);
    mem_free(data);
    atomic_abort(&f);
    CHECK(access(f.temp_path, F_OK) != 0);
    CHECK(file_write_atomic(path, "new-content", 11, &err) == 0);
    CHECK(file_read_all(path, 1 << 20, &data, &n, &err) == 0);
    CHECK(n == 11 && memcmp(data, "new-content", 11) == 0);
    mem_free(data);
    MappedFile map;
    CHECK(file_map(&map, path, &err) == 0 && map.size == 11 && map.data[0] == 'n');
    file_unmap(&map);
    CHECK(file_map(&map, "build/no-such-file", &err) != 0);
    CHECK(strstr(err.message, "build/no-such-file") != NULL);
    unlink(path);
}

static void add_range(void *ctx, int64_t begin, int64_t end, int thread) {
    _Atomic long *sum = ctx;
    for (int64_t i = begin; i < end; i++) atomic_fetch_add(sum, (long)i);
}

TEST(threadpool_covers_every_index_once) {
    for (int threads = 1; threads <= 3; threads++) {
        ThreadPool *pool = pool_new(threads);
        CHECK(pool != NULL);
        for (int64_t n = 0; n < 50; n += 7) {
            for (int rep = 0; rep < 20; rep++) {
                _Atomic long sum = 0;
                pool_parallel_for(pool, n, add_range, &sum);
                CHECK(sum == n * (n - 1) / 2);
            }
        }
        pool_free(pool);
    }
}

TEST(f16_and_bf16_round_trip) {
    /* Every finite half converts to float and back unchanged. */
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        if (((h >> 10) & 0x1f) == 31) continue;
        if (f32_to_f16(f16_to_f32((uint16_t)h)) != h) bad++;
    }
    CHECK(bad == 0);
    CHECK(f16_to_f32(0x3c00) == 1.0f);
    CHECK(f32_to_f16(65504.0f) == 0x7bff);
    CHECK(f32_to_f16(1e6f) == 0x7c00);
    CHECK(f32_to_bf16(1.0f) == 0x3f80);
    CHECK(bf16_to_f32(0x4049) == 3.140625f);
    /* round to nearest even at the halfway point */
    CHECK(f32_to_bf16(bf16_to_f32(0x3f80) + 0.00390625f) == 0x3f80);
}

/* A writer killed mid-write leaves PATH.tmp.PID; the next write of PATH removes it
 * when that process is gone, and keeps a live writer's file. */
TEST(atomic_write_removes_stale_temps) {
    Error err = {0};
    const char *dead = "build/tmp/stale.bin.tmp.2147483646"; /* above any pid_max: no such process */
    char live[128];
    snprintf(live, sizeof live, "build/tmp/stale.bin.tmp.%ld", (long)getppid());
    CHECK(file_write_atomic(dead, "x", 1, &err) == 0 && file_write_atomic(live, "y", 1, &err) == 0);
    CHECK(file_write_atomic("build/tmp/stale.bin", "new", 3, &err) == 0);
    CHECK(!file_exists(dead));
    CHECK(file_exists(live));
    unlink(live);
    unlink("build/tmp/stale.bin");
}

static int by_score_then_id(const void *a, const void *b) {
    const RankItem *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1; /* -0 == +0 here */
    return x->id < y->id ? -1 : x->id > y->id;
}

/* rank_sort must put items exactly where qsort with the samplers' old
 * comparator (score descending, then id ascending) did: many ties, negative
 * and positive scores, -0 next to +0, tiny and huge magnitudes, n = 0 .. 5000. */
TEST(rank_sort_matches_the_comparator_order) {
    const float pool[] = {0.0f, -0.0f, 1.0f, -1.0f, 3.5f, -3.5f, 1e-30f, -1e-30f, 1e30f, -1e30f, 2.0f, 0.5f, -7.25f};
    int n_pool = (int)(sizeof pool / sizeof pool[0]), bad = 0;
    RankItem *a = mem_alloc(sizeof(RankItem) * 5000), *b = mem_alloc(sizeof(RankItem) * 5000),
             *tmp = mem_alloc(sizeof(RankItem) * 5000);
    uint32_t r = 99;
    for (int n = 0; n <= 5000 && a && b && tmp; n = n < 8 ? n + 1 : n * 3) {
        for (int i = 0; i < n; i++) {
            r = r * 1664525u + 1013904223u;
            /* half from a small pool (ties), half random bits of finite floats */
            float v = (r >> 31) ? pool[(r >> 8) % (uint32_t)n_pool] : (float)((int32_t)r >> 4) * 1e-3f;
            a[i] = b[i] = (RankItem){v, i};
        }
        rank_sort(a, tmp, n);
        qsort(b, (size_t)n, sizeof *b, by_score_then_id);
        for (int i = 0; i < n; i++) bad += a[i].id != b[i].id;
    }
    CHECKF(bad == 0, "%d items out of place", bad);
    mem_free(a);
    mem_free(b);
    mem_free(tmp);
}

/* rank_top's k items are exactly rank_sort's first k, for k from 1 past n. */
TEST(rank_top_is_the_head_of_rank_sort) {
    const float pool[] = {0.0f, -0.0f, 1.0f, -1.0f, 3.5f, 2.0f, 0.5f};
    RankItem *a = mem_alloc(sizeof(RankItem) * 3000), *b = mem_alloc(sizeof(RankItem) * 3000),
             *tmp = mem_alloc(sizeof(RankItem) * 3000);
    uint32_t r = 7;
    int bad = 0, cases = 0;
    for (int n = 1; n <= 3000 && a && b && tmp; n = n * 4 + 1)
        for (int round = 0; round < 3; round++) {
            int64_t ks[] = {1, 2, 40, n - 1, n, n + 5};
            for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
                for (int i = 0; i < n; i++) {
                    r = r * 1664525u + 1013904223u;
                    float v = round == 0 ? pool[(r >> 8) % 7] : (float)((int32_t)r >> (round == 1 ? 28 : 4));
                    a[i] = b[i] = (RankItem){v, i};
                }
                int64_t got = rank_top(a, tmp, n, ks[q]), want = ks[q] < n ? ks[q] : n;
                rank_sort(b, tmp, n);
                cases++;
                if (ks[q] <= 0) continue;
                if (got != want) bad++;
                for (int64_t i = 0; i < want && got == want; i++) bad += a[i].id != b[i].id;
            }
        }
    CHECKF(bad == 0, "%d differences over %d cases", bad, cases);
    mem_free(a);
    mem_free(b);
    mem_free(tmp);
}

int main(void) {
    RUN(error_prefix_names_the_file);
    RUN(error_prefix_truncates_cleanly);
    RUN(mem_fail_after_fails_exactly_once);
    RUN(atomic_write_replaces_whole_file);
    RUN(atomic_write_removes_stale_temps);
    RUN(threadpool_covers_every_index_once);
    RUN(f16_and_bf16_round_trip);
    RUN(rank_sort_matches_the_comparator_order);
    RUN(rank_top_is_the_head_of_rank_sort);
    return harness_finish();
}
