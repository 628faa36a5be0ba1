/* bench/matmul.c — our f32/bf16 GEMM against OpenBLAS sgemm, same run.
 * usage: matmul THREADS PEAK_F32 PEAK_BF16 M N K [M N K ...] (peaks in GFLOP/s for those threads) */
#include "bench_common.h"

#include "core/cpu.h"
#include "core/dtype.h"
#include "core/matmul.h"
#include "core/mem.h"
#include "core/threadpool.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>

void openblas_set_num_threads(int);

int main(int argc, char **argv) {
    if (argc < 7 || (argc - 4) % 3 != 0) {
        fprintf(stderr, "usage: matmul THREADS PEAK_F32 PEAK_BF16 M N K [M N K ...]\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    double peak_f32 = atof(argv[2]), peak_bf16 = atof(argv[3]);
    ThreadPool *pool = pool_new(threads);
    openblas_set_num_threads(threads);
    printf("%-18s %4s %9s %9s %9s %7s %7s %9s %7s\n", "shape MxNxK", "op", "ours", "openblas", "ratio", "%peak",
           "maxdiff", "bf16", "%peak");
    for (int s = 4; s + 2 < argc; s += 3) {
        int64_t M = atoll(argv[s]), N = atoll(argv[s + 1]), K = atoll(argv[s + 2]);
        float *A = mem_alloc_aligned((size_t)(M * K) * 4), *B = mem_alloc_aligned((size_t)(N * K) * 4);
        float *C = mem_alloc_aligned((size_t)(M * N) * 4), *R = mem_alloc_aligned((size_t)(M * N) * 4);
        uint16_t *B16 = mem_alloc_aligned((size_t)(N * K) * 2);
        bench_fill(A, M * K, 1);
        bench_fill(B, N * K, 2);
        for (int64_t i = 0; i < N * K; i++) B16[i] = f32_to_bf16(B[i]);
        double flops = 2.0 * (double)M * (double)N * (double)K;
        const char *ops[3] = {"nt", "nn", "tn"};
        for (int op = 0; op < 3; op++) {
            double t_ours, t_blas;
            /* nt: C = A[M,K] B[N,K]^T; nn: C = A[M,K] B[K,N]; tn: C = A[K,M]^T B[K,N] (same buffers, reinterpreted) */
            if (op == 0) {
                BENCH_BEST(t_ours, 1.0, matmul_f32_nt(pool, C, A, B, M, N, K, 0));
                BENCH_BEST(t_blas, 1.0,
                           cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, 1.0f, A,
                                       (int)K, B, (int)K, 0.0f, R, (int)N));
            } else if (op == 1) {
                BENCH_BEST(t_ours, 1.0, matmul_f32_nn(pool, C, A, B, M, N, K, 0));
                BENCH_BEST(t_blas, 1.0,
                           cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)N, (int)K, 1.0f, A,
                                       (int)K, B, (int)N, 0.0f, R, (int)N));
            } else {
                BENCH_BEST(t_ours, 1.0, matmul_f32_tn(pool, C, A, B, M, N, K, 0));
                BENCH_BEST(t_blas, 1.0,
                           cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)M, (int)N, (int)K, 1.0f, A,
                                       (int)M, B, (int)N, 0.0f, R, (int)N));
            }
            double maxdiff = 0;
            for (int64_t i = 0; i < M * N; i++) maxdiff = fmax(maxdiff, fabs((double)C[i] - (double)R[i]));
            double g_ours = flops / t_ours * 1e-9, g_blas = flops / t_blas * 1e-9;
            char shape[64];
            snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)M, (long long)N, (long long)K);
            if (op == 0) {
                double t_bf;
                BENCH_BEST(t_bf, 1.0, matmul_bf16_nt(pool, C, A, B16, M, N, K, 0));
                double g_bf = flops / t_bf * 1e-9;
                printf("%-18s %4s %9.1f %9.1f %8.2fx %6.1f%% %7.1e %9.1f %6.1f%%\n", shape, ops[op], g_ours, g_blas,
                       g_ours / g_blas, 100 * g_ours / peak_f32, maxdiff, g_bf, 100 * g_bf / peak_bf16);
            } else {
                printf("%-18s %4s %9.1f %9.1f %8.2fx %6.1f%% %7.1e\n", shape, ops[op], g_ours, g_blas, g_ours / g_blas,
                       100 * g_ours / peak_f32, maxdiff);
            }
            fflush(stdout);
        }
        mem_free_aligned(A);
        mem_free_aligned(B);
        mem_free_aligned(C);
        mem_free_aligned(R);
        mem_free_aligned(B16);
    }
    pool_free(pool);
    return 0;
}
