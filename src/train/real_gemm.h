/* real_gemm.h — the three GEMM layouts of the training layers, on `real`.
 *
 * In the library (real = float) they are src/core/matmul.h's kernels, so the
 * convolutions get whatever speed that file has. The gradient test compiles
 * the layers with real = double, where these are plain loops that are
 * obviously right. Included by linear.c and the vision layers.
 *   gemm_nt  C[M,N] (+)= A[M,K] · B[N,K]ᵀ
 *   gemm_nn  C[M,N] (+)= A[M,K] · B[K,N]
 *   gemm_tn  C[M,N] (+)= A[K,M]ᵀ · B[K,N]
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
#else
static inline void gemm_nt(ThreadPool *pool, real *C, const real *A, const real *B, int64_t M, int64_t N,
                           int64_t K, int accumulate) {
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            real s = 0;
            for (int64_t k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k];
            C[i * N + j] = accumulate ? C[i * N + j] + s : s;
        }
}
static inline void gemm_nn(ThreadPool *pool, real *C, const real *A, const real *B, int64_t M, int64_t N,
                           int64_t K, int accumulate) {
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            real s = 0;
            for (int64_t k = 0; k < K; k++) s += A[i * K + k] * B[k * N + j];
            C[i * N + j] = accumulate ? C[i * N + j] + s : s;
        }
}
static inline void gemm_tn(ThreadPool *pool, real *C, const real *A, const real *B, int64_t M, int64_t N,
                           int64_t K, int accumulate) {
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            real s = 0;
            for (int64_t k = 0; k < K; k++) s += A[k * M + i] * B[k * N + j];
            C[i * N + j] = accumulate ? C[i * N + j] + s : s;
        }
}
#endif

#endif
