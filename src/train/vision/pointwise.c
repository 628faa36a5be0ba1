/* Elementwise activations (see pointwise.h). */
#include "pointwise.h"

#include <stddef.h>
#include <tgmath.h>

#ifdef TRAIN_REAL_IS_FLOAT
#include "../../core/cpu.h"
#include "../../core/ops_avx512.h"
#include "../kernels_avx512.h"
#define FAST_SILU (cpu_features()->avx512)
#else
#define FAST_SILU 0
#define ops_silu_avx512(...) ((void)0)
#define silu_backward_avx512(...) ((void)0)
#endif

typedef struct {
    real *out;
    const real *inp, *dout;
} PwJob;

static void silu_fwd(void *ctx, int64_t begin, int64_t end, int thread) {
    PwJob *j = ctx;
    if (FAST_SILU) {
        ops_silu_avx512(j->out + begin, j->inp + begin, end - begin);
        return;
    }
    for (int64_t i = begin; i < end; i++) {
        real x = j->inp[i];
        j->out[i] = x / (1 + exp(-x));
    }
}

/* d/dx x s(x) = s + x s (1 - s) */
static void silu_bwd(void *ctx, int64_t begin, int64_t end, int thread) {
    PwJob *j = ctx;
    if (FAST_SILU) {
        silu_backward_avx512(j->out + begin, j->inp + begin, j->dout + begin, end - begin);
        return;
    }
    for (int64_t i = begin; i < end; i++) {
        real x = j->inp[i], s = 1 / (1 + exp(-x));
        j->out[i] += j->dout[i] * (s + x * s * (1 - s));
    }
}

static void relu_fwd(void *ctx, int64_t begin, int64_t end, int thread) {
    PwJob *j = ctx;
    for (int64_t i = begin; i < end; i++) j->out[i] = j->inp[i] > 0 ? j->inp[i] : 0;
}

static void relu_bwd(void *ctx, int64_t begin, int64_t end, int thread) {
    PwJob *j = ctx;
    for (int64_t i = begin; i < end; i++)
        if (j->inp[i] > 0) j->out[i] += j->dout[i];
}

static void add_fwd(void *ctx, int64_t begin, int64_t end, int thread) {
    PwJob *j = ctx;
    for (int64_t i = begin; i < end; i++) j->out[i] += j->inp[i];
}

void silu_forward(ThreadPool *pool, real *out, const real *inp, int64_t n) {
    PwJob job = {out, inp, NULL};
    pool_parallel_for(pool, n, silu_fwd, &job);
}
void silu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t n) {
    PwJob job = {dinp, inp, dout};
    pool_parallel_for(pool, n, silu_bwd, &job);
}
void relu_forward(ThreadPool *pool, real *out, const real *inp, int64_t n) {
    PwJob job = {out, inp, NULL};
    pool_parallel_for(pool, n, relu_fwd, &job);
}
void relu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t n) {
    PwJob job = {dinp, inp, dout};
    pool_parallel_for(pool, n, relu_bwd, &job);
}
void add_inplace(ThreadPool *pool, real *out, const real *inp, int64_t n) {
    PwJob job = {out, inp, NULL};
    pool_parallel_for(pool, n, add_fwd, &job);
}
