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

/* Steps of k (pairs of k for bf16) per block: a product's f32 sums are
 * split at multiples of this, so a kernel that wants the very same numbers
 * (conv2d's direct path) splits its sums there too. */
#define GEMM_KC 384

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
    const float *b_packed; /* or NULL: B already in panels (gemm_avx512_pack_b, same bf16_dot) */
} GemmArgs;

void gemm_avx512(ThreadPool *pool, const GemmArgs *args);

/* B of args (f32) in the panels gemm_rect would pack, for every k block at
 * once: block pc (KC steps of k; a step is a pair of k rounded to bf16 when
 * bf16_dot) starts at pc * N_pad (N_pad = N rounded up to the panel width)
 * and its panel of columns j at + j * kc. Products with many calls and few
 * rows then skip packing B, which otherwise costs as much as the product.
 * dst holds gemm_avx512_packed_floats(N, K, bf16_dot) floats, 64-byte
 * aligned (half as many for bf16: two values a float). */
int64_t gemm_avx512_packed_floats(int64_t N, int64_t K, int bf16_dot);
void gemm_avx512_pack_b(const GemmArgs *args, float *dst);

#endif
