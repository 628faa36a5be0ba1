/* test_lora.c — the LoRA linear layer's backward against central finite
 * differences in double precision (the same method as test_train_grad.c: the
 * layer sources are #included with TRAIN_REAL=double).
 *
 * Layer: y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ with W frozen; L = sum(y * R) for a fixed
 * random R. Checked: dL/dx (through W and the low-rank path), dL/dA, dL/dB,
 * relative error <= 1e-6 per tensor. B is non-zero here (PEFT starts it at
 * zero, which would hide a wrong dA). Gradients start at 0.25 so the check
 * also proves accumulation.
 */
#define TRAIN_REAL double
#include "../../src/train/linear.c"
#include "../../src/train/lora.c"

#include "../harness.h"

#include <math.h>
#include <stdlib.h>

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static double rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / (double)(1ull << 52) - 1.0;
}

enum { N = 5, C = 12, OC = 7, R = 3 };
static double x[N * C], W[OC * C], A[R * C], B[OC * R], Rm[N * OC];
static double y[N * OC], v[N * R], tmp[N * OC], dv[N * R];
static const double scale = 16.0 / R;

static double objective(void) {
    linear_layer_forward(NULL, LINEAR_F32, y, x, W, NULL, N, C, OC);
    lora_forward(NULL, y, v, tmp, x, A, B, scale, N, C, OC, R);
    double s = 0;
    for (int i = 0; i < N * OC; i++) s += y[i] * Rm[i];
    return s;
}

static double check(double *p, const double *grad, int n) {
    double max_diff = 0, max_num = 0;
    for (int i = 0; i < n; i++) {
        double keep = p[i], h = 1e-5;
        p[i] = keep + h;
        double plus = objective();
        p[i] = keep - h;
        double minus = objective();
        p[i] = keep;
        double numeric = (plus - minus) / (2 * h), analytic = grad[i] - 0.25;
        if (fabs(numeric - analytic) > max_diff) max_diff = fabs(numeric - analytic);
        if (fabs(numeric) > max_num) max_num = fabs(numeric);
    }
    return max_num > 0 ? max_diff / max_num : 1;
}

TEST(lora_finite_differences) {
    double *all[] = {x, W, A, B, Rm};
    int sizes[] = {N * C, OC * C, R * C, OC * R, N * OC};
    for (int t = 0; t < 5; t++)
        for (int i = 0; i < sizes[t]; i++) all[t][i] = rnd();
    static double dx[N * C], dA[R * C], dB[OC * R], dW[OC * C];
    for (int i = 0; i < N * C; i++) dx[i] = 0.25;
    for (int i = 0; i < R * C; i++) dA[i] = 0.25;
    for (int i = 0; i < OC * R; i++) dB[i] = 0.25;
    objective();
    /* frozen path: dx += dy·W (the tuner does this with dequantized rows) */
    linear_layer_backward(NULL, LINEAR_F32, dx, dW, NULL, Rm, x, W, N, C, OC);
    lora_backward(NULL, dx, dA, dB, dv, Rm, x, v, A, B, scale, N, C, OC, R);
    double ex = check(x, dx, N * C), eA = check(A, dA, R * C), eB = check(B, dB, OC * R);
    CHECKF(ex <= 1e-6, "dx relative error %g", ex);
    CHECKF(eA <= 1e-6, "dA relative error %g", eA);
    CHECKF(eB <= 1e-6, "dB relative error %g", eB);
}

TEST(lora_zero_B_is_identity) {
    /* PEFT's init (B = 0) must leave the base output untouched. */
    double y0[N * OC], Bz[OC * R] = {0};
    linear_layer_forward(NULL, LINEAR_F32, y0, x, W, NULL, N, C, OC);
    for (int i = 0; i < N * OC; i++) y[i] = y0[i];
    lora_forward(NULL, y, v, tmp, x, A, Bz, scale, N, C, OC, R);
    double d = 0;
    for (int i = 0; i < N * OC; i++) d = fmax(d, fabs(y[i] - y0[i]));
    CHECK(d == 0);
}

int main(void) {
    RUN(lora_finite_differences);
    RUN(lora_zero_B_is_identity);
    return harness_finish();
}
