/* matmul.h — f32 matrix products for training and prefill (row-major).
 *
 * The three layouts a Linear layer needs (llm.c's matmul_forward/backward):
 *   forward    out  = x · Wᵀ          matmul_f32_nt(C=out[M,N], A=x[M,K],    B=W[N,K])
 *   backward   dx   = dout · W         matmul_f32_nn(C=dx[M,K],  A=dout[M,N], B=W[N,K])
 *              dW  += doutᵀ · x        matmul_f32_tn(C=dW[N,K],  A=dout[M,N], B=x[M,K])
 * accumulate = 1 adds into C (gradients accumulate), 0 overwrites it.
 * pool may be NULL (single thread). Each has a portable C path and an
 * AVX-512 path picked at run time (EXAONE_PORTABLE=1 forces portable).
 */
#ifndef EXAONE_MATMUL_H
#define EXAONE_MATMUL_H

#include "threadpool.h"

#include <stdint.h>

/* C[M,N] (+)= A[M,K] · B[N,K]ᵀ */
void matmul_f32_nt(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate);
/* B[N,K] of matmul_f32_nt packed once, for weights multiplied many times by
 * few rows (token-by-token inference): packing B would otherwise cost as
 * much as the product. Without AVX-512 panels stay NULL and B is used as is.
 * Results are bit-identical to matmul_f32_nt, or with as_bf16 to
 * matmul_f32_as_bf16_nt (panels of bf16 pairs: half the bytes to stream,
 * twice the multiply rate; NULL without AVX512-BF16). B must outlive the pack. */
typedef struct {
    const float *B;
    float *panels;
    int64_t N, K;
    int as_bf16;
} MatmulPackedB;

/* 0, or -1 when out of memory (p then still works unpacked). */
int matmul_pack_nt(MatmulPackedB *p, const float *B, int64_t N, int64_t K);
int matmul_pack_nt_as_bf16(MatmulPackedB *p, const float *B, int64_t N, int64_t K);
void matmul_packed_free(MatmulPackedB *p);
/* C[M,N] (+)= A[M,K] · Bᵀ */
void matmul_f32_nt_packed(ThreadPool *pool, float *C, const float *A, const MatmulPackedB *B, int64_t M,
                          int accumulate);

/* C[M,N] (+)= A[M,K] · B[K,N] */
void matmul_f32_nn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate);
/* C[M,N] (+)= A[K,M]ᵀ · B[K,N] */
void matmul_f32_tn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate);

/* The same three products with both f32 operands rounded to bf16 (nearest
 * even) and f32 sums, as vdpbf16ps does: training's bf16 matmuls with f32
 * master weights (the rounding happens while packing, so nothing is stored in
 * bf16). Twice the f32 FMA peak on AVX512-BF16; the portable path (also taken
 * without AVX512-BF16) does the same arithmetic in another sum order, except
 * that the AVX-512 path treats subnormal operands as zero. */
void matmul_f32_as_bf16_nt(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N,
                           int64_t K, int accumulate);
void matmul_f32_as_bf16_nn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N,
                           int64_t K, int accumulate);
void matmul_f32_as_bf16_tn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N,
                           int64_t K, int accumulate);

/* C[M,N] (+)= A[M,K] · B[N,K]ᵀ with B in bfloat16: A is rounded to bf16
 * (nearest even) and products are summed in f32, as vdpbf16ps does (the
 * product of two bf16 is exact in f32, so only the sum order differs between
 * paths). The portable path does the same arithmetic, except that the
 * AVX-512 path treats subnormal A as zero (vcvtne2ps2bf16). */
void matmul_bf16_nt(ThreadPool *pool, float *C, const float *A, const uint16_t *B, int64_t M, int64_t N, int64_t K,
                    int accumulate);

#endif
