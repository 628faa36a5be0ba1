/* activation.h — the MLP nonlinearities (legend in real.h).
 *
 *   gelu    y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³)))
 *           (Hendrycks & Gimpel 2016, tanh form; torch gelu(approximate="tanh"))
 *   swiglu  y = silu(gate) * up, silu(g) = g * sigmoid(g)
 *           (Shazeer 2020; inp rows are [gate F | up F], the fused output of
 *           the adjacent c_fc_0 / c_fc_1 weights)
 * Saved for backward: inp. Backward accumulates into dinp. Elements are
 * split across pool threads (pool may be NULL).
 */
#ifndef EXAONE_TRAIN_ACTIVATION_H
#define EXAONE_TRAIN_ACTIVATION_H

#include "real.h"
#include "../core/threadpool.h"

#include <stdint.h>

/* out[n] = gelu(inp[n]) for n < count. */
void gelu_forward(ThreadPool *pool, real *out, const real *inp, int64_t count);
void gelu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t count);

/* out[N,F] from inp[N,2F]. */
void swiglu_forward(ThreadPool *pool, real *out, const real *inp, int64_t N, int F);
/* dinp[N,2F] += ... */
void swiglu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t N, int F);

#endif
