/* norm.h — LayerNorm and RMSNorm over the last dimension (legend in real.h).
 *
 *   layernorm  y = (x - mean) * rstd * w + b     rstd = 1/sqrt(var + eps)
 *              (Ba, Kiros, Hinton 2016; biased variance like torch)
 *   rmsnorm    y = x * rstd * w                  rstd = 1/sqrt(mean(x²) + eps)
 *              (Zhang & Sennrich 2019; the EXAONE / Llama norm)
 * Saved for backward: the input, mean[N] (layernorm) and rstd[N].
 * Backward accumulates into dinp, dw, db. Rows are split across pool
 * threads; weight gradients are summed per column range so threads never
 * write the same element.
 */
#ifndef EXAONE_TRAIN_NORM_H
#define EXAONE_TRAIN_NORM_H

#include "real.h"
#include "../core/threadpool.h"

#include <stdint.h>

/* out[N,C], mean[N], rstd[N] from inp[N,C], w[C], b[C] (b may be NULL). */
void layernorm_forward(ThreadPool *pool, real *out, real *mean, real *rstd, const real *inp, const real *w,
                       const real *b, int64_t N, int C, real eps);
/* db may be NULL (no bias). */
void layernorm_backward(ThreadPool *pool, real *dinp, real *dw, real *db, const real *dout, const real *inp,
                        const real *w, const real *mean, const real *rstd, int64_t N, int C);

/* out[N,C], rstd[N] from inp[N,C], w[C]. */
void rmsnorm_forward(ThreadPool *pool, real *out, real *rstd, const real *inp, const real *w, int64_t N, int C,
                     real eps);
void rmsnorm_backward(ThreadPool *pool, real *dinp, real *dw, const real *dout, const real *inp, const real *w,
                      const real *rstd, int64_t N, int C);

#endif
