/* bench/matvec.c — decode-time linear_forward (M = 1) in GB/s of weight
 * streamed, against this machine's read bandwidth measured in the same run
 * with the same thread pool. Weights are cycled over enough copies (>= 256
 * MiB) that they come from memory, as each layer's weights do in decode.
 * The anchor is a plain AVX-512 sum over weight-sized slices of a 256 MiB
 * buffer, re-measured before every kernel with the same best-of-calls
 * statistic (on a shared machine short calls catch quiet moments).
 * usage: matvec THREADS N K [N K ...] */
#include "bench_common.h"

#include "core/dtype.h"
#include "core/kernels.h"
#include "core/mem.h"
#include "core/threadpool.h"

#include <immintrin.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const float *buf;
    size_t n;
    float sums[64];
} ReadJob;

static void read_share(void *ctx, int64_t begin, int64_t end, int thread) {
    ReadJob *job = ctx;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;
    for (int64_t i = begin * 32; i < end * 32; i += 32) {
        s0 = _mm512_add_ps(s0, _mm512_load_ps(job->buf + i));
        s1 = _mm512_add_ps(s1, _mm512_load_ps(job->buf + i + 16));
    }
    job->sums[thread] = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

int main(int argc, char **argv) {
    if (argc < 4 || argc % 2 != 0) {
        fprintf(stderr, "usage: matvec THREADS N K [N K ...]\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    ThreadPool *pool = pool_new(threads);
    size_t total = (size_t)256 << 20;
    float *big = mem_alloc_aligned(total);
    memset(big, 1, total);
    ReadJob rj = {big, total / 4, {0}};
    printf("%-14s %-5s %10s %8s %10s %8s   (read: AVX-512 sum over same-size slices, measured just before)\n",
           "weight NxK", "dtype", "MB", "GB/s", "read GB/s", "%read");
    DType types[] = {DTYPE_Q4_0, DTYPE_Q8_0, DTYPE_Q4_K, DTYPE_F16, DTYPE_BF16, DTYPE_F32};
    for (int s = 2; s + 1 < argc; s += 2) {
        int64_t N = atoll(argv[s]), K = atoll(argv[s + 1]);
        float *x = mem_alloc_aligned((size_t)K * 4), *y = mem_alloc_aligned((size_t)N * 4);
        bench_fill(x, K, 3);
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            size_t row;
            if (dtype_row_bytes(types[t], K, &row) != 0) continue;
            size_t bytes = row * (size_t)N;
            int copies = (int)((total + bytes - 1) / bytes);
            if (copies < 1) copies = 1;
            if ((double)bytes * copies > 3e9) continue;
            uint8_t *w = mem_alloc_aligned(bytes * (size_t)copies);
            if (!w) continue;
            /* random f32 rows quantized into the type; copies share content */
            float *rowf = mem_alloc((size_t)K * 4);
            for (int64_t n = 0; n < N; n++) {
                bench_fill(rowf, K, (uint32_t)n);
                if (types[t] == DTYPE_Q4_K) { /* no q4_K quantizer: random bytes with sane scales */
                    for (size_t i = 0; i < row; i++) w[(size_t)n * row + i] = (uint8_t)(rowf[i % (size_t)K] * 255);
                    for (size_t b = 0; b < row / sizeof(BlockQ4_K); b++) {
                        BlockQ4_K *blk = (BlockQ4_K *)(w + (size_t)n * row) + b;
                        blk->d = f32_to_f16(0.001f);
                        blk->dmin = f32_to_f16(0.001f);
                    }
                } else {
                    dtype_from_f32(types[t], rowf, w + (size_t)n * row, K);
                }
            }
            mem_free(rowf);
            for (int c = 1; c < copies; c++) memcpy(w + bytes * (size_t)c, w, bytes);
            /* the anchor right before each kernel: the machine is shared, so
             * bandwidth drifts over a run */
            /* anchor: the same statistic on the same access pattern — best
             * single pass over one weight-sized slice, slices cycled through
             * 256 MiB so they come from memory */
            size_t slice = (bytes + 127) / 128 * 128 < total ? (bytes + 127) / 128 * 128 : total;
            size_t slices = total / slice, at = 0;
            double t_read;
            BENCH_BEST(t_read, 0.5, {
                rj.buf = big + (at * slice) / 4;
                pool_parallel_for(pool, (int64_t)(slice / 128), read_share, &rj);
                at = (at + 1) % slices;
            });
            double bw = (double)slice / t_read * 1e-9;
            int next = 0;
            double tm;
            BENCH_BEST(tm, 1.0, {
                linear_forward(pool, y, x, w + bytes * (size_t)next, types[t], 1, N, K);
                next = (next + 1) % copies;
            });
            double gbs = (double)bytes / tm * 1e-9;
            char shape[48];
            snprintf(shape, sizeof shape, "%lldx%lld", (long long)N, (long long)K);
            printf("%-14s %-5s %10.1f %8.1f %10.1f %7.1f%%\n", shape, dtype_name(types[t]), (double)bytes / 1e6, gbs,
                   bw, 100 * gbs / bw);
            fflush(stdout);
            mem_free_aligned(w);
        }
        mem_free_aligned(x);
        mem_free_aligned(y);
    }
    mem_free_aligned(big);
    pool_free(pool);
    return 0;
}
