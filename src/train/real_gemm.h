/* real_gemm.h — the three GEMM layouts of the training layers, on `real`.
 *
 * In the library (real = float) they are src/core/matmul.h's kernels, so the
 * convolutions get whatever speed that file has. The gradient test compiles
 * the layers with real = double, where these are plain loops that are
 * obviously right. Included by linear.c and the vision layers.
 *   gemm_nt  C[M,N] (+)= A[M,K] · B[N,K]ᵀ
 *   gemm_nn  C[M,N] (+)= A[M,K] · B[K,N]
 *   gemm_tn  C[M,N] (+)= A[K,M]ᵀ · B[K,N]
 * and gemm_*_bf16, the same with both operands rounded to bf16 (sums stay in
 * real): the bf16 matmuls of mixed-precision training.
 */
#ifndef EXAONE_TRAIN_REAL_GEMM_H
#define EXAONE_TRAIN_REAL_GEMM_H

#include "../core/threadpool.h"
#include "real.h"

#include <stdint.h>
#include <string.h>

#ifdef TRAIN_REAL_IS_FLOAT
#include "../core/matmul.h"
#define gemm_nt matmul_f32_nt
#define gemm_nn matmul_f32_nn
#define gemm_tn matmul_f32_tn
#define gemm_nt_bf16 matmul_f32_as_bf16_nt
#define gemm_nn_bf16 matmul_f32_as_bf16_nn
#define gemm_tn_bf16 matmul_f32_as_bf16_tn
#else
#include "../core/dtype.h"

/* An operand as the product sees it: itself, or rounded to bf16 (the _bf16
 * variants, which in float run on vdpbf16ps: both operands rounded, exact
 * products, sums in the accumulator's type). */
static inline real gemm_operand(real x, int as_bf16) {
    return as_bf16 ? (real)bf16_to_f32(f32_to_bf16((float)x)) : x;
}
/* One loop for the three layouts: element (i,k) of A is A[i*a_rs + k*a_cs],
 * element (k,j) of B is B[k*b_rs + j*b_cs]. */
static inline void gemm_loops(real *C, const real *A, int64_t a_rs, int64_t a_cs, const real *B, int64_t b_rs,
                              int64_t b_cs, int64_t M, int64_t N, int64_t K, int accumulate, int as_bf16) {
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            real s = 0;
            for (int64_t k = 0; k < K; k++)
                s += gemm_operand(A[i * a_rs + k * a_cs], as_bf16) * gemm_operand(B[k * b_rs + j * b_cs], as_bf16);
            C[i * N + j] = accumulate ? C[i * N + j] + s : s;
        }
}
#define GEMM_LAYOUTS(suffix, as_bf16)                                                                              \
    static inline void gemm_nt##suffix(ThreadPool *pool, real *C, const real *A, const real *B, int64_t M,         \
                                       int64_t N, int64_t K, int accumulate) {                                   \
        gemm_loops(C, A, K, 1, B, 1, K, M, N, K, accumulate, as_bf16);                                            \
    }                                                                                                              \
    static inline void gemm_nn##suffix(ThreadPool *pool, real *C, const real *A, const real *B, int64_t M,         \
                                       int64_t N, int64_t K, int accumulate) {                                   \
        gemm_loops(C, A, K, 1, B, N, 1, M, N, K, accumulate, as_bf16);                                            \
    }                                                                                                              \
    static inline void gemm_tn##suffix(ThreadPool *pool, real *C, const real *A, const real *B, int64_t M,         \
                                       int64_t N, int64_t K, int accumulate) {                                   \
        gemm_loops(C, A, 1, M, B, N, 1, M, N, K, accumulate, as_bf16);                                            \
    }
GEMM_LAYOUTS(, 0)
GEMM_LAYOUTS(_bf16, 1)
#undef GEMM_LAYOUTS
#endif

#endif
