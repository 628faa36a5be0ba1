/* Linear layer (see linear.h). */
#include "linear.h"

#include "real_gemm.h"
#include "../core/progress.h"

#include <string.h>
#include <time.h>

/* Layers run from one thread at a time (the pool splits inside them), so plain
 * counters suffice. */
static double profile_seconds, profile_cpu_seconds, profile_flops;

void linear_profile(double *seconds, double *cpu, double *flops) {
    *seconds = profile_seconds;
    *cpu = profile_cpu_seconds;
    *flops = profile_flops;
}

void linear_profile_reset(void) { profile_seconds = profile_cpu_seconds = profile_flops = 0; }

typedef struct {
    real *dbias;
    const real *dout;
    int64_t N;
    int OC;
} BiasJob;

static void bias_grad_columns(void *ctx, int64_t begin, int64_t end, int thread) {
    BiasJob *j = ctx;
    for (int64_t n = 0; n < j->N; n++) {
        const real *g = j->dout + n * j->OC;
        for (int64_t o = begin; o < end; o++) j->dbias[o] += g[o];
    }
}

static void linear_products_forward(ThreadPool *pool, LinearPrecision precision, real *out, const real *inp,
                                    const real *w, int64_t N, int C, int OC) {
    if (precision == LINEAR_BF16)
        gemm_nt_bf16(pool, out, inp, w, N, OC, C, 0);
    else
        gemm_nt(pool, out, inp, w, N, OC, C, 0);
}
static void linear_products_backward(ThreadPool *pool, LinearPrecision precision, real *dinp, real *dw,
                                     const real *dout, const real *inp, const real *w, int64_t N, int C, int OC) {
    if (precision == LINEAR_BF16) {
        if (dinp) gemm_nn_bf16(pool, dinp, dout, w, N, C, OC, 1);
        if (dw) gemm_tn_bf16(pool, dw, dout, inp, OC, C, N, 1);
    } else {
        if (dinp) gemm_nn(pool, dinp, dout, w, N, C, OC, 1);
        if (dw) gemm_tn(pool, dw, dout, inp, OC, C, N, 1);
    }
}

void linear_layer_forward(ThreadPool *pool, LinearPrecision precision, real *out, const real *inp, const real *w,
                          const real *bias, int64_t N, int C, int OC) {
    double start = time_seconds(), cpu_start = cpu_seconds();
    linear_products_forward(pool, precision, out, inp, w, N, C, OC);
    profile_seconds += time_seconds() - start;
    profile_cpu_seconds += cpu_seconds() - cpu_start;
    profile_flops += 2.0 * (double)N * C * OC;
    if (bias)
        for (int64_t n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[n * OC + o] += bias[o];
}

void linear_layer_backward(ThreadPool *pool, LinearPrecision precision, real *dinp, real *dw, real *dbias,
                           const real *dout, const real *inp, const real *w, int64_t N, int C, int OC) {
    double start = time_seconds(), cpu_start = cpu_seconds();
    linear_products_backward(pool, precision, dinp, dw, dout, inp, w, N, C, OC);
    profile_seconds += time_seconds() - start;
    profile_cpu_seconds += cpu_seconds() - cpu_start;
    profile_flops += ((dinp ? 2.0 : 0.0) + (dw ? 2.0 : 0.0)) * (double)N * C * OC;
    if (dbias) {
        BiasJob job = {dbias, dout, N, OC};
        pool_parallel_for(pool, OC, bias_grad_columns, &job);
    }
}
