/* pointwise.h — elementwise activations of the conv nets (legend: n elements).
 *   silu  y = x sigmoid(x)   (Elfwing et al. 2018; torch.nn.SiLU)
 *   relu  y = max(x, 0)      (derivative 0 at x = 0, as torch)
 * Saved for backward: inp. Backward accumulates into dinp.
 */
#ifndef EXAONE_TRAIN_VISION_POINTWISE_H
#define EXAONE_TRAIN_VISION_POINTWISE_H

#include "../../core/threadpool.h"
#include "../real.h"

#include <stdint.h>

void silu_forward(ThreadPool *pool, real *out, const real *inp, int64_t n);
void silu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t n);
void relu_forward(ThreadPool *pool, real *out, const real *inp, int64_t n);
void relu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t n);
/* out[n] += inp[n] (residual connections). */
void add_inplace(ThreadPool *pool, real *out, const real *inp, int64_t n);

#endif
