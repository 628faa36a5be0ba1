/* MLP nonlinearities (see activation.h). */
#include "activation.h"

#ifdef TRAIN_REAL_IS_FLOAT
#include "../core/cpu.h"
#include "kernels_avx512.h"
#define FAST (cpu_features()->avx512)
#else
#define FAST 0
#endif

#include <stddef.h>
#include <tgmath.h>

#define GELU_SCALE 0.7978845608028654 /* sqrt(2/pi) */

/* One job type for all four; out is dinp in the backward passes. */
typedef struct {
    real *out;
    const real *inp, *dout;
    int F;
} ActJob;

static void gelu_forward_range(void *ctx, int64_t begin, int64_t end, int thread) {
#ifdef TRAIN_REAL_IS_FLOAT
    if (FAST) {
        ActJob *f = ctx;
        gelu_forward_avx512(f->out + begin, f->inp + begin, end - begin);
        return;
    }
#endif
    ActJob *j = ctx;
    for (int64_t i = begin; i < end; i++) {
        real x = j->inp[i];
        real u = (real)GELU_SCALE * (x + (real)0.044715 * x * x * x);
        j->out[i] = (real)0.5 * x * (1 + tanh(u));
    }
}

static void gelu_backward_range(void *ctx, int64_t begin, int64_t end, int thread) {
#ifdef TRAIN_REAL_IS_FLOAT
    if (FAST) {
        ActJob *f = ctx;
        gelu_backward_avx512(f->out + begin, f->inp + begin, f->dout + begin, end - begin);
        return;
    }
#endif
    ActJob *j = ctx;
    for (int64_t i = begin; i < end; i++) {
        real x = j->inp[i];
        real u = (real)GELU_SCALE * (x + (real)0.044715 * x * x * x);
        real th = tanh(u);
        real du = (real)GELU_SCALE * (1 + (real)(3 * 0.044715) * x * x);
        real grad = (real)0.5 * (1 + th) + (real)0.5 * x * (1 - th * th) * du;
        j->out[i] += grad * j->dout[i];
    }
}

static void swiglu_forward_rows(void *ctx, int64_t begin, int64_t end, int thread) {
#ifdef TRAIN_REAL_IS_FLOAT
    if (FAST) {
        ActJob *f = ctx;
        swiglu_forward_avx512(f->out + begin * f->F, f->inp + begin * 2 * f->F, end - begin, f->F);
        return;
    }
#endif
    ActJob *j = ctx;
    int F = j->F;
    for (int64_t n = begin; n < end; n++) {
        const real *gate = j->inp + n * 2 * F, *up = gate + F;
        real *y = j->out + n * F;
        for (int f = 0; f < F; f++) {
            real sig = 1 / (1 + exp(-gate[f]));
            y[f] = gate[f] * sig * up[f];
        }
    }
}

static void swiglu_backward_rows(void *ctx, int64_t begin, int64_t end, int thread) {
#ifdef TRAIN_REAL_IS_FLOAT
    if (FAST) {
        ActJob *f = ctx;
        swiglu_backward_avx512(f->out + begin * 2 * f->F, f->inp + begin * 2 * f->F, f->dout + begin * f->F,
                               end - begin, f->F);
        return;
    }
#endif
    ActJob *j = ctx;
    int F = j->F;
    for (int64_t n = begin; n < end; n++) {
        const real *gate = j->inp + n * 2 * F, *up = gate + F, *dy = j->dout + n * F;
        real *dgate = j->out + n * 2 * F, *dup = dgate + F;
        for (int f = 0; f < F; f++) {
            real g = gate[f], sig = 1 / (1 + exp(-g));
            dup[f] += dy[f] * g * sig;
            dgate[f] += dy[f] * up[f] * sig * (1 + g * (1 - sig));
        }
    }
}

void gelu_forward(ThreadPool *pool, real *out, const real *inp, int64_t count) {
    ActJob job = {out, inp, NULL, 1};
    pool_parallel_for(pool, count, gelu_forward_range, &job);
}

void gelu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t count) {
    ActJob job = {dinp, inp, dout, 1};
    pool_parallel_for(pool, count, gelu_backward_range, &job);
}

void swiglu_forward(ThreadPool *pool, real *out, const real *inp, int64_t N, int F) {
    ActJob job = {out, inp, NULL, F};
    pool_parallel_for(pool, N, swiglu_forward_rows, &job);
}

void swiglu_backward(ThreadPool *pool, real *dinp, const real *inp, const real *dout, int64_t N, int F) {
    ActJob job = {dinp, inp, dout, F};
    pool_parallel_for(pool, N, swiglu_backward_rows, &job);
}
