/* linear.h — fully connected layer out = inp · wᵀ + bias (legend in real.h;
 * linear_layer_ because src/core/kernels.h owns linear_forward, the inference path;
 * OC = output channels). Weights are [OC, C] like torch.nn.Linear, so HF
 * checkpoints map 1:1. In the float library the products run on
 * src/core/matmul.h (its fast paths when present); in the double test build
 * they fall back to plain loops here.
 * Saved for backward: inp. Backward accumulates into dinp, dw, dbias.
 *
 * precision LINEAR_BF16 runs the three products (forward, dinp, dw) with both
 * operands rounded to bf16 and f32 sums (vdpbf16ps, twice the f32 FMA peak):
 * mixed-precision training in the sense of Micikevicius et al. 2018, where the
 * weights, their gradients and AdamW stay f32 and only the products' inputs
 * are bf16. Nothing is stored in bf16; the rounding happens while packing.
 */
#ifndef EXAONE_TRAIN_LINEAR_H
#define EXAONE_TRAIN_LINEAR_H

#include "real.h"
#include "../core/threadpool.h"

#include <stdint.h>

typedef enum { LINEAR_F32 = 0, LINEAR_BF16 = 1 } LinearPrecision;

/* out[N,OC] = inp[N,C] · wᵀ + bias[OC] (bias may be NULL). */
void linear_layer_forward(ThreadPool *pool, LinearPrecision precision, real *out, const real *inp, const real *w,
                          const real *bias, int64_t N, int C, int OC);
/* dinp[N,C] += dout·w; dw[OC,C] += doutᵀ·inp; dbias[OC] += colsum(dout).
 * dinp, dw and dbias may be NULL (dw NULL: a frozen weight, e.g. under LoRA). */
void linear_layer_backward(ThreadPool *pool, LinearPrecision precision, real *dinp, real *dw, real *dbias,
                           const real *dout, const real *inp, const real *w, int64_t N, int C, int OC);

/* Wall seconds, CPU seconds (all threads) and floating-point operations spent
 * in the matrix products since the last reset (main-thread counters, for
 * benchmarks: % of FMA peak). */
void linear_profile(double *seconds, double *cpu_seconds, double *flops);
void linear_profile_reset(void);

#endif
