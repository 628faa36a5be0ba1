/* matmul_avx512.h — internal: the AVX-512 GEMM behind matmul.h and
 * kernels.h. Call only when cpu_features() reports avx512 (and avx512_bf16
 * for the bf16 variant).
 *
 * One strided product covers every layout: element (m,k) of A is
 * A[m*a_rs + k*a_cs] and element (k,n) of B is B[k*b_rs + n*b_cs], so
 * nt/nn/tn differ only in strides. B may be f32, f16 or bf16 (converted
 * while packing, so f16/bf16 weights are never expanded in memory).
 */
#ifndef EXAONE_MATMUL_AVX512_H
#define EXAONE_MATMUL_AVX512_H

#include "dtype.h"
#include "threadpool.h"

#include <stdint.h>

typedef struct {
    float *C; /* [M,N], row stride N */
    const float *A;
    int64_t a_rs, a_cs;
    const void *B;
    DType b_type; /* DTYPE_F32, DTYPE_F16 or DTYPE_BF16 */
    int64_t b_rs, b_cs;
    int64_t M, N, K;
    int accumulate;
    int bf16_dot; /* 1: round A and B to bf16 and use vdpbf16ps (needs avx512_bf16) */
} GemmArgs;

void gemm_avx512(ThreadPool *pool, const GemmArgs *args);

#endif
