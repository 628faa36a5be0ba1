/* kernels.h — the Linear layer of inference: y = x · Wᵀ for any weight dtype.
 *
 *     // x[M,K] f32 activations, W[N,K] straight from the (mmap'd) model file
 *     linear_forward(pool, y, x, W, DTYPE_Q4_0, M, N, K);   // y[M,N] f32
 *
 * M = 1 is decode (a matrix-vector product: bound by how fast W streams from
 * memory); M > 1 is prefill (a GEMM). K must be a whole number of blocks of
 * w_type (32 for q8_0/q4_0, 256 for q4_K); check with linear_supported()
 * when shapes come from a file.
 *
 * What is computed, per weight type (identical on every code path up to the
 * order of f32 additions, so tests can hold both paths to one reference):
 *   f32   x · Wᵀ in f32.
 *   f16   W widened exactly to f32, then as f32.
 *   bf16  x rounded to bf16 (nearest even) and f32 sums of exact bf16
 *         products — what vdpbf16ps computes (see matmul_bf16_nt; its
 *         AVX-512 path treats subnormal x as zero, as vcvtne2ps2bf16 does).
 *   q8_0, q4_0   each row of x quantized to q8_0 blocks by ggml's rule (the
 *         bytes dtype_from_f32(DTYPE_Q8_0) writes), then per block of 32
 *         d_w · d_x · Σ q_w·q_x with the integer sum exact (llama.cpp's
 *         vec_dot_q8_0_q8_0 / q4_0_q8_0). q4_0's q_w is the nibble minus 8.
 *   q4_K  each row of x quantized per 256 to q8_K: d = amax/127 (f32),
 *         q = roundf(x/d) (computed as x·(1/d)); then per sub-block s of 32
 *         d·sc_s·d_x·Σ q_w·q_x − dmin·m_s·d_x·Σ q_x.
 *
 * Scratch rule: linear_forward needs room for the converted activations
 * (linear_workspace_size bytes). It takes it from the calling thread's
 * SCRATCH_ACT slot (scratch.h), which grows only when a larger M·K is first
 * seen, so decode steps after the first never allocate. Callers that manage
 * their own arena call linear_forward_ws with a buffer of that size instead.
 * Prefill (M >= 16) with q8_0/q4_0/q4_K weights also takes a panel of at
 * most K·60 bytes per worker thread (SCRATCH_QPANEL) to repack the weight
 * rows it is about to use; the model's weights are never copied whole.
 * If the scratch cannot be allocated, linear_forward falls back to a slower
 * path that needs none, so it never fails.
 */
#ifndef EXAONE_KERNELS_H
#define EXAONE_KERNELS_H

#include "dtype.h"
#include "threadpool.h"

#include <stddef.h>
#include <stdint.h>

/* 1 if linear_forward handles w_type with rows of K elements. */
int linear_supported(DType w_type, int64_t K);

/* Bytes of workspace linear_forward_ws needs for M rows of K (64-byte aligned). */
size_t linear_workspace_size(DType w_type, int64_t M, int64_t K);

/* y[M,N] = x[M,K] · W[N,K]ᵀ; W rows are packed dtype rows (GGUF layout). */
void linear_forward(ThreadPool *pool, float *y, const float *x, const void *W, DType w_type, int64_t M, int64_t N,
                    int64_t K);
/* Same with caller-provided workspace (64-byte aligned, linear_workspace_size bytes). */
void linear_forward_ws(ThreadPool *pool, float *y, const float *x, const void *W, DType w_type, int64_t M, int64_t N,
                       int64_t K, void *work);

/* Several weights that read the same x (Q, K and V; gate and up), in one
 * share-out over the pool: x is converted once and the rows of all the
 * weights are handed out together, so a decode step wakes the threads once
 * instead of once per weight. ys[i][M,Ns[i]] = x · Ws[i]ᵀ, the same numbers
 * as n calls of linear_forward. The weights share w_type and K; at most
 * LINEAR_MANY_MAX of them. */
#define LINEAR_MANY_MAX 4
void linear_forward_many(ThreadPool *pool, int n, float *const ys[], const float *x, const void *const Ws[],
                         DType w_type, int64_t M, const int64_t Ns[], int64_t K);

/* Activation quantization used above, exposed for tests and callers that
 * reuse one quantized x for several weights. dst holds K/256 blocks. */
void quantize_row_q8_K(const float *x, BlockQ8_K *dst, int64_t K);
/* The same bytes (q8_0 as dtype_from_f32 writes them, q8_K as above),
 * vectorised when the CPU allows. */
void quantize_row_q8_0_fast(const float *x, BlockQ8_0 *dst, int64_t K);
void quantize_row_q8_K_fast(const float *x, BlockQ8_K *dst, int64_t K);

#endif
