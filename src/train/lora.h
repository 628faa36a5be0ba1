/* lora.h — the trainable low-rank path of a LoRA linear layer (legend in real.h;
 * OC = output channels, r = rank).
 *
 * LoRA (Hu et al. 2021) as PEFT computes it: y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ with
 * A [r, C], B [OC, r] and s = alpha / r. W is frozen and handled by the caller
 * (any dtype, src/core/kernels.h); these functions add the low-rank term and
 * its gradients. Saved for backward: x and v = s·x·Aᵀ [N, r].
 * Backward accumulates into dx, dA, dB (dx may be NULL):
 *   dv = dy·B,  dB += dyᵀ·v,  dA += s·dvᵀ·x,  dx += s·dv·A
 * Like the other layers it is written against `real`, so the finite-difference
 * test compiles it in double.
 */
#ifndef EXAONE_TRAIN_LORA_H
#define EXAONE_TRAIN_LORA_H

#include "real.h"
#include "../core/threadpool.h"

#include <stdint.h>

/* y[N,OC] += s·(x·Aᵀ)·Bᵀ; v[N,r] receives s·x·Aᵀ; tmp[N,OC] is scratch. */
void lora_forward(ThreadPool *pool, real *y, real *v, real *tmp, const real *x, const real *A, const real *B,
                  real scale, int64_t N, int C, int OC, int r);
/* dv[N,r] is scratch (overwritten). */
void lora_backward(ThreadPool *pool, real *dx, real *dA, real *dB, real *dv, const real *dy, const real *x,
                   const real *v, const real *A, const real *B, real scale, int64_t N, int C, int OC, int r);

#endif
