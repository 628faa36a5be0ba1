/* LayerNorm and RMSNorm (see norm.h). mean is NULL for RMSNorm throughout. */
#include "norm.h"

/* No AVX-512 version: these loops are bound by memory traffic (a 2048 x 512
 * fwd+bwd moves ~32 MB), and one measured 0.9-1.3x of this code in
 * bench/train_kernels.sh, so it did not stay. */

#include <stddef.h>
#include <tgmath.h>

typedef struct {
    real *out, *mean, *rstd, *dinp, *dw, *db;
    const real *inp, *w, *b, *dout;
    const real *cmean, *crstd;
    int C;
    real eps;
} NormJob;

static void norm_forward_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    NormJob *j = ctx;
    int C = j->C;
    for (int64_t n = begin; n < end; n++) {
        const real *x = j->inp + n * C;
        real *y = j->out + n * C;
        real m = 0;
        if (j->mean) {
            for (int c = 0; c < C; c++) m += x[c];
            m /= (real)C;
            j->mean[n] = m;
        }
        real v = 0;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        real r = 1 / sqrt(v / (real)C + j->eps);
        j->rstd[n] = r;
        for (int c = 0; c < C; c++) y[c] = (x[c] - m) * r * j->w[c] + (j->b ? j->b[c] : 0);
    }
}

/* dinp rows. With xhat = (x - mean) * rstd and g = dout * w:
 *   layernorm  dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
 *   rmsnorm    dx = rstd * (g - xhat * mean(g * xhat)) */
static void norm_backward_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    NormJob *j = ctx;
    int C = j->C;
    for (int64_t n = begin; n < end; n++) {
        const real *x = j->inp + n * C, *dy = j->dout + n * C;
        real *dx = j->dinp + n * C;
        real m = j->cmean ? j->cmean[n] : 0, r = j->crstd[n];
        real g_mean = 0, gx_mean = 0;
        for (int c = 0; c < C; c++) {
            real g = dy[c] * j->w[c];
            g_mean += g;
            gx_mean += g * (x[c] - m) * r;
        }
        g_mean = j->cmean ? g_mean / (real)C : 0;
        gx_mean /= (real)C;
        for (int c = 0; c < C; c++) {
            real xhat = (x[c] - m) * r;
            dx[c] += r * (dy[c] * j->w[c] - g_mean - xhat * gx_mean);
        }
    }
}

/* dw[c] += sum_n dout[n,c] * xhat[n,c]; db[c] += sum_n dout[n,c]. Split by columns. */
typedef struct {
    NormJob *job;
    int64_t N;
} NormColumns;

static void norm_backward_columns(void *ctx, int64_t begin, int64_t end, int thread) {
    NormColumns *cols = ctx;
    NormJob *j = cols->job;
    int C = j->C;
    for (int64_t n = 0; n < cols->N; n++) {
        const real *x = j->inp + n * C, *dy = j->dout + n * C;
        real m = j->cmean ? j->cmean[n] : 0, r = j->crstd[n];
        for (int64_t c = begin; c < end; c++) {
            j->dw[c] += dy[c] * (x[c] - m) * r;
            if (j->db) j->db[c] += dy[c];
        }
    }
}

static void norm_backward(ThreadPool *pool, NormJob *job, int64_t N) {
    if (job->dinp) pool_parallel_for(pool, N, norm_backward_rows, job);
    NormColumns cols = {job, N};
    pool_parallel_for(pool, job->C, norm_backward_columns, &cols);
}

void layernorm_forward(ThreadPool *pool, real *out, real *mean, real *rstd, const real *inp, const real *w,
                       const real *b, int64_t N, int C, real eps) {
    NormJob job = {.out = out, .mean = mean, .rstd = rstd, .inp = inp, .w = w, .b = b, .C = C, .eps = eps};
    pool_parallel_for(pool, N, norm_forward_rows, &job);
}

void layernorm_backward(ThreadPool *pool, real *dinp, real *dw, real *db, const real *dout, const real *inp,
                        const real *w, const real *mean, const real *rstd, int64_t N, int C) {
    NormJob job = {.dinp = dinp, .dw = dw, .db = db, .dout = dout, .inp = inp, .w = w, .cmean = mean,
                   .crstd = rstd, .C = C};
    norm_backward(pool, &job, N);
}

void rmsnorm_forward(ThreadPool *pool, real *out, real *rstd, const real *inp, const real *w, int64_t N, int C,
                     real eps) {
    NormJob job = {.out = out, .rstd = rstd, .inp = inp, .w = w, .C = C, .eps = eps};
    pool_parallel_for(pool, N, norm_forward_rows, &job);
}

void rmsnorm_backward(ThreadPool *pool, real *dinp, real *dw, const real *dout, const real *inp, const real *w,
                      const real *rstd, int64_t N, int C) {
    NormJob job = {.dinp = dinp, .dw = dw, .dout = dout, .inp = inp, .w = w, .crstd = rstd, .C = C};
    norm_backward(pool, &job, N);
}
