/* Group normalisation (see groupnorm.h). Statistics are summed in double:
 * a group holds up to 64*64*C/G values and float sums lose digits there. */
#include "groupnorm.h"

#include <tgmath.h>

typedef struct {
    real *out, *mean, *rstd, *dinp, *dweight, *dbias;
    const real *inp, *dout, *weight, *bias;
    int B, C, G;
    int64_t P;
    real eps;
} GnJob;

static void forward_groups(void *ctx, int64_t begin, int64_t end, int thread) {
    GnJob *j = ctx;
    int cg = j->C / j->G;
    for (int64_t g = begin; g < end; g++)
        for (int b = 0; b < j->B; b++) {
            const real *x = j->inp + (int64_t)b * j->P * j->C + g * cg;
            double sum = 0, sq = 0;
            for (int64_t p = 0; p < j->P; p++)
                for (int c = 0; c < cg; c++) {
                    double v = x[p * j->C + c];
                    sum += v;
                    sq += v * v;
                }
            double n = (double)j->P * cg, m = sum / n, var = sq / n - m * m;
            if (var < 0) var = 0;
            real rs = (real)(1.0 / sqrt(var + (double)j->eps));
            j->mean[(int64_t)b * j->G + g] = (real)m;
            j->rstd[(int64_t)b * j->G + g] = rs;
            real *y = j->out + (int64_t)b * j->P * j->C + g * cg;
            const real *w = j->weight + g * cg, *bi = j->bias + g * cg;
            for (int64_t p = 0; p < j->P; p++)
                for (int c = 0; c < cg; c++) y[p * j->C + c] = (x[p * j->C + c] - (real)m) * rs * w[c] + bi[c];
        }
}

void groupnorm_forward(ThreadPool *pool, real *out, real *mean, real *rstd, const real *inp, const real *weight,
                       const real *bias, int B, int64_t P, int C, int G, real eps) {
    GnJob job = {.out = out, .mean = mean, .rstd = rstd, .inp = inp, .weight = weight, .bias = bias,
                 .B = B, .C = C, .G = G, .P = P, .eps = eps};
    pool_parallel_for(pool, G, forward_groups, &job);
}

/* With xhat = (x - mean) rstd and dxhat = dout * weight, over a group of n values:
 *   dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)). */
static void backward_groups(void *ctx, int64_t begin, int64_t end, int thread) {
    GnJob *j = ctx;
    int cg = j->C / j->G;
    for (int64_t g = begin; g < end; g++)
        for (int b = 0; b < j->B; b++) {
            int64_t off = (int64_t)b * j->P * j->C + g * cg;
            const real *x = j->inp + off, *dy = j->dout + off, *w = j->weight + g * cg;
            real m = j->mean[(int64_t)b * j->G + g], rs = j->rstd[(int64_t)b * j->G + g];
            double sum_d = 0, sum_dx = 0;
            for (int64_t p = 0; p < j->P; p++)
                for (int c = 0; c < cg; c++) {
                    real xh = (x[p * j->C + c] - m) * rs, d = dy[p * j->C + c];
                    sum_d += d * w[c];
                    sum_dx += d * w[c] * xh;
                    j->dweight[g * cg + c] += d * xh;
                    j->dbias[g * cg + c] += d;
                }
            double n = (double)j->P * cg;
            real mean_d = (real)(sum_d / n), mean_dx = (real)(sum_dx / n);
            real *dx = j->dinp + off;
            for (int64_t p = 0; p < j->P; p++)
                for (int c = 0; c < cg; c++) {
                    real xh = (x[p * j->C + c] - m) * rs;
                    dx[p * j->C + c] += rs * (dy[p * j->C + c] * w[c] - mean_d - xh * mean_dx);
                }
        }
}

void groupnorm_backward(ThreadPool *pool, real *dinp, real *dweight, real *dbias, const real *dout,
                        const real *inp, const real *weight, const real *mean, const real *rstd, int B, int64_t P,
                        int C, int G) {
    GnJob job = {.dinp = dinp, .dweight = dweight, .dbias = dbias, .inp = inp, .dout = dout, .weight = weight,
                 .mean = (real *)mean, .rstd = (real *)rstd, .B = B, .C = C, .G = G, .P = P};
    pool_parallel_for(pool, G, backward_groups, &job);
}
