/* lora.c — LoRA's low-rank term on top of the trainer's linear layer (lora.h). */
#include "lora.h"
#include "linear.h"

#include <string.h>

void lora_forward(ThreadPool *pool, real *y, real *v, real *tmp, const real *x, const real *A, const real *B,
                  real scale, int64_t N, int C, int OC, int r) {
    linear_layer_forward(pool, LINEAR_F32, v, x, A, NULL, N, C, r);
    for (int64_t i = 0; i < N * r; i++) v[i] *= scale;
    linear_layer_forward(pool, LINEAR_F32, tmp, v, B, NULL, N, r, OC);
    for (int64_t i = 0; i < N * OC; i++) y[i] += tmp[i];
}

void lora_backward(ThreadPool *pool, real *dx, real *dA, real *dB, real *dv, const real *dy, const real *x,
                   const real *v, const real *A, const real *B, real scale, int64_t N, int C, int OC, int r) {
    memset(dv, 0, sizeof(real) * (size_t)(N * r));
    /* y += v·Bᵀ: the trainer's linear backward gives dv and dB at once */
    linear_layer_backward(pool, LINEAR_F32, dv, dB, NULL, dy, v, B, N, r, OC);
    for (int64_t i = 0; i < N * r; i++) dv[i] *= scale;
    /* v/s = x·Aᵀ */
    linear_layer_backward(pool, LINEAR_F32, dx, dA, NULL, dv, x, A, N, C, r);
}
