/* linear.h — fully connected layer out = inp · wᵀ + bias (legend in real.h;
 * linear_layer_ because src/core/kernels.h owns linear_forward, the inference path;
 * OC = output channels). Weights are [OC, C] like torch.nn.Linear, so HF
 * checkpoints map 1:1. In the float library the products run on
 * src/core/matmul.h (its fast paths when present); in the double test build
 * they fall back to plain loops here.
 * Saved for backward: inp. Backward accumulates into dinp, dw, dbias.
 */
#ifndef EXAONE_TRAIN_LINEAR_H
#define EXAONE_TRAIN_LINEAR_H

#include "real.h"
#include "../core/threadpool.h"

#include <stdint.h>

/* out[N,OC] = inp[N,C] · w[OC,C]ᵀ + bias[OC] (bias may be NULL). */
void linear_layer_forward(ThreadPool *pool, real *out, const real *inp, const real *w, const real *bias, int64_t N,
                    int C, int OC);
/* dinp[N,C] += dout·w; dw[OC,C] += doutᵀ·inp; dbias[OC] += colsum(dout).
 * dinp, dw and dbias may be NULL (dw NULL: a frozen weight, e.g. under LoRA). */
void linear_layer_backward(ThreadPool *pool, real *dinp, real *dw, real *dbias, const real *dout, const real *inp,
                     const real *w, int64_t N, int C, int OC);

/* Time and floating-point operations spent in the matrix products since the
 * last reset (main-thread counters, for benchmarks: % of FMA peak). */
void linear_profile(double *seconds, double *flops);
void linear_profile_reset(void);

#endif
