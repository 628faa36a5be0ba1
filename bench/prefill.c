/* bench/prefill.c — linear_forward with M > 1 (prompt processing) for every
 * weight dtype, in GFLOP/s (2·M·N·K per call) next to the measured peak of
 * the unit it runs on. usage: prefill THREADS PEAK_F32 PEAK_BF16 PEAK_INT8 M N K */
#include "bench_common.h"

#include "core/dtype.h"
#include "core/kernels.h"
#include "core/mem.h"
#include "core/threadpool.h"

#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: prefill THREADS PEAK_F32 PEAK_BF16 PEAK_INT8 M N K\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    double peaks[3] = {atof(argv[2]), atof(argv[3]), atof(argv[4])};
    int64_t M = atoll(argv[5]), N = atoll(argv[6]), K = atoll(argv[7]);
    ThreadPool *pool = pool_new(threads);
    DType types[] = {DTYPE_F32, DTYPE_F16, DTYPE_BF16, DTYPE_Q8_0, DTYPE_Q4_0, DTYPE_Q4_K};
    const int unit[] = {0, 0, 1, 2, 2, 2};
    const char *unit_name[] = {"f32 fma", "bf16 dot", "int8 dot"};
    float *x = mem_alloc_aligned((size_t)(M * K) * 4), *y = mem_alloc_aligned((size_t)(M * N) * 4);
    float *wf = mem_alloc_aligned((size_t)(N * K) * 4);
    bench_fill(x, M * K, 1);
    bench_fill(wf, N * K, 2);
    for (int t = 0; t < 6; t++) {
        size_t row;
        if (dtype_row_bytes(types[t], K, &row) != 0) continue;
        uint8_t *w = mem_alloc_aligned(row * (size_t)N);
        if (types[t] == DTYPE_Q4_K) { /* no q4_K quantizer: random bytes with small scales */
            for (size_t i = 0; i < row * (size_t)N; i++) w[i] = (uint8_t)((i * 2654435761u) >> 13);
            for (int64_t b = 0; b < N * K / QK_K; b++) {
                ((BlockQ4_K *)w)[b].d = f32_to_f16(0.001f);
                ((BlockQ4_K *)w)[b].dmin = f32_to_f16(0.001f);
            }
        } else {
            for (int64_t n = 0; n < N; n++) dtype_from_f32(types[t], wf + n * K, w + (size_t)n * row, K);
        }
        double tm, tc;
        BENCH_BEST2(tm, tc, 1.0, linear_forward(pool, y, x, w, types[t], M, N, K));
        double flops = 2.0 * (double)M * (double)N * (double)K, g = flops / tm * 1e-9;
        printf("prefill %lldx%lldx%lld %-5s %8.1f GFLOP/s %6.1f%% of %s peak (cpu time)\n", (long long)M,
               (long long)N, (long long)K, dtype_name(types[t]), g, 100 * flops / (tc / threads) * 1e-9 / peaks[unit[t]],
               unit_name[unit[t]]);
        fflush(stdout);
        mem_free_aligned(w);
    }
    mem_free_aligned(x);
    mem_free_aligned(y);
    mem_free_aligned(wf);
    pool_free(pool);
    return 0;
}
