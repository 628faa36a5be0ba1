/* kernels_avx512.h — internal: AVX-512 (VNNI, BF16) paths of linear_forward.
 * Call only when cpu_features() reports avx512 + avx512_vnni + avx512_bf16.
 *
 * kernels.c quantizes the activations into the portable form (LinearAct);
 * linear_avx512_prepare then lays them out once more for the vector loops
 * (quant_group_bytes per 4 blocks of q8_0/q4_0, reordered sub-blocks for q4_K),
 * in `avx` (linear_avx512_act_bytes bytes). From 16 x rows on, quantized
 * weights go to the prefill GEMM of qgemm_avx512.h instead, which keeps
 * only per-block scales and sums there and reads x's q8 bytes in place.
 */
#ifndef EXAONE_KERNELS_AVX512_H
#define EXAONE_KERNELS_AVX512_H

#include "dtype.h"
#include "threadpool.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    DType w_type;
    int64_t M, N, K;
    const float *x;        /* [M,K] f32 input */
    const void *xq;        /* q8_0: BlockQ8_0[M][K/32]; q4_K: BlockQ8_K[M][K/256] */
    const uint16_t *xbf;   /* bf16: [M][x_stride] rounded x, zero padded */
    int64_t x_stride;      /* bf16 row stride in elements (multiple of 32) */
    int fast;              /* 1: the AVX-512 paths run */
    void *avx;             /* AVX layout of xq (filled by linear_avx512_prepare) */
    const void *W;
    float *y;
} LinearAct;

/* q8_0/q4_0 activations per 4 blocks: int8 qs[128], int32 corr[2][16], float d[4], pad[12]. */
#define QUANT_GROUP_BYTES 320
/* q4_K activations per super-block: int8 qs[256], float bsum[8], d, pad[7]. */
#define Q4K_GROUP_BYTES 320

/* Plain arithmetic (compiled without AVX-512 flags, safe on any CPU). */
static inline size_t linear_avx512_act_bytes(DType w_type, int64_t M, int64_t K) {
    switch (w_type) {
    case DTYPE_Q8_0:
    case DTYPE_Q4_0: return (size_t)(M * ((K / QK8_0 + 3) / 4)) * QUANT_GROUP_BYTES;
    case DTYPE_Q4_K: return (size_t)(M * (K / QK_K)) * Q4K_GROUP_BYTES;
    default: return 0;
    }
}
/* Same bytes as dtype_from_f32(DTYPE_Q8_0) / quantize_row_q8_K. */
void quantize_q8_0_avx512(const float *x, BlockQ8_0 *dst, int64_t K);
void quantize_q8_K_avx512(const float *x, BlockQ8_K *dst, int64_t K);
void linear_avx512_prepare(ThreadPool *pool, LinearAct *act);
/* Weight rows [begin, end) by kernels.c's portable loops (a ParallelFn on a
 * LinearAct whose xq / xbf are prepared): the fallback when a kernel here
 * cannot get its scratch. */
void linear_portable_rows(void *ctx, int64_t begin, int64_t end, int thread);
void linear_avx512(ThreadPool *pool, LinearAct *act);
/* 1 if linear_avx512 runs act's rows one weight row at a time (no GEMM
 * path), so linear_avx512_many can share several weights' rows out. */
int linear_avx512_rowwise(const LinearAct *act);
/* acts[0..n) share x and its prepared layout; their rows go out as one job. */
void linear_avx512_many(ThreadPool *pool, LinearAct *acts, int n);

#endif
