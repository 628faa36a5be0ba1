/* qgemm_avx512.h — internal: the prefill GEMM of linear_forward for q8_0,
 * q4_0 and q4_K weights (vpdpbusd with output columns in the lanes; see the
 * .c). Call only when cpu_features() reports avx512 + avx512_vnni, with
 * act->xq holding x as q8_0 (q4_K: q8_K) rows and act->avx at least
 * qgemm_x_bytes(w_type, M, K) bytes.
 *
 *     qgemm_prepare(pool, &act);   // per-block d_x and Σ q_x into act.avx
 *     qgemm(pool, &act);           // act.y[M,N]
 *
 * Each worker thread packs the weight rows it is about to use into its
 * SCRATCH_QPANEL slot (K·54 bytes, q4_K K·60), never the whole matrix.
 */
#ifndef EXAONE_QGEMM_AVX512_H
#define EXAONE_QGEMM_AVX512_H

#include "kernels_avx512.h"

/* Plain arithmetic (compiled without AVX-512 flags, safe on any CPU). */
static inline size_t qgemm_x_bytes(DType w_type, int64_t M, int64_t K) {
    if (w_type == DTYPE_Q4_K) return (size_t)(M * (K / QK_K)) * 9 * sizeof(float); /* d_x, 8 sub-block sums */
    return (size_t)(M * (K / QK8_0)) * (sizeof(float) + sizeof(int32_t));
}
void qgemm_prepare(ThreadPool *pool, LinearAct *act);
void qgemm(ThreadPool *pool, LinearAct *act);

#endif
