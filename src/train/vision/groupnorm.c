/* Group normalisation (see groupnorm.h).
 *
 * Work is split by image. Per image, one pass gathers per-channel sums over
 * the pixels (contiguous in NHWC, so it vectorizes whatever the group size),
 * the groups combine them, and a second pass applies a per-channel affine
 * map. Sums are in double: a group holds up to H*W*C/G values.
 * dweight/dbias: each thread sums its images locally and adds them under a
 * lock, so with several threads the order of those few additions varies.
 */
#include "groupnorm.h"

#include "../../core/error.h"

#include <pthread.h>
#include <string.h>
#include <tgmath.h>

#define MAX_CHANNELS 4096

typedef struct {
    real *out, *mean, *rstd, *dinp, *dweight, *dbias;
    const real *inp, *dout, *weight, *bias;
    int B, C, G;
    int64_t P;
    real eps;
    pthread_mutex_t lock;
} GnJob;

static void forward_images(void *ctx, int64_t begin, int64_t end, int thread) {
    GnJob *j = ctx;
    int C = j->C, cg = C / j->G;
    double sum[MAX_CHANNELS], sq[MAX_CHANNELS];
    real scale[MAX_CHANNELS], shift[MAX_CHANNELS];
    for (int64_t b = begin; b < end; b++) {
        const real *x = j->inp + b * j->P * C;
        memset(sum, 0, (size_t)C * sizeof *sum);
        memset(sq, 0, (size_t)C * sizeof *sq);
        for (int64_t p = 0; p < j->P; p++)
            for (int c = 0; c < C; c++) {
                double v = x[p * C + c];
                sum[c] += v;
                sq[c] += v * v;
            }
        for (int g = 0; g < j->G; g++) {
            double s = 0, q = 0, n = (double)j->P * cg;
            for (int c = g * cg; c < (g + 1) * cg; c++) s += sum[c], q += sq[c];
            double m = s / n, var = q / n - m * m;
            if (var < 0) var = 0;
            real rs = (real)(1.0 / sqrt(var + (double)j->eps));
            j->mean[b * j->G + g] = (real)m;
            j->rstd[b * j->G + g] = rs;
            for (int c = g * cg; c < (g + 1) * cg; c++) {
                scale[c] = rs * j->weight[c];
                shift[c] = j->bias[c] - (real)m * scale[c];
            }
        }
        real *y = j->out + b * j->P * C;
        for (int64_t p = 0; p < j->P; p++)
            for (int c = 0; c < C; c++) y[p * C + c] = x[p * C + c] * scale[c] + shift[c];
    }
}

void groupnorm_forward(ThreadPool *pool, real *out, real *mean, real *rstd, const real *inp, const real *weight,
                       const real *bias, int B, int64_t P, int C, int G, real eps) {
    EXA_ASSERT(C <= MAX_CHANNELS && C % G == 0);
    GnJob job = {.out = out, .mean = mean, .rstd = rstd, .inp = inp, .weight = weight, .bias = bias,
                 .B = B, .C = C, .G = G, .P = P, .eps = eps};
    pool_parallel_for(pool, B, forward_images, &job);
}

/* With xhat = (x - mean) rstd and dxhat = dout * weight, over a group of n values:
 *   dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))
 * which per channel is dx = dout a[c] + x bx[g] + c0[g]. The group means come
 * from per-channel sums A = sum dout, Bc = sum dout x (sum dout xhat = rstd (Bc - mean A)). */
static void backward_images(void *ctx, int64_t begin, int64_t end, int thread) {
    GnJob *j = ctx;
    int C = j->C, G = j->G, cg = C / G;
    double A[MAX_CHANNELS], Bc[MAX_CHANNELS], dw[MAX_CHANNELS], db[MAX_CHANNELS];
    real a[MAX_CHANNELS], bx[MAX_CHANNELS], c0[MAX_CHANNELS];
    memset(dw, 0, (size_t)C * sizeof *dw);
    memset(db, 0, (size_t)C * sizeof *db);
    for (int64_t b = begin; b < end; b++) {
        const real *x = j->inp + b * j->P * C, *dy = j->dout + b * j->P * C;
        memset(A, 0, (size_t)C * sizeof *A);
        memset(Bc, 0, (size_t)C * sizeof *Bc);
        for (int64_t p = 0; p < j->P; p++)
            for (int c = 0; c < C; c++) {
                double d = dy[p * C + c];
                A[c] += d;
                Bc[c] += d * x[p * C + c];
            }
        for (int g = 0; g < G; g++) {
            double m = j->mean[b * G + g], rs = j->rstd[b * G + g], n = (double)j->P * cg;
            double sum_d = 0, sum_dx = 0;
            for (int c = g * cg; c < (g + 1) * cg; c++) {
                double dxhat_c = rs * (Bc[c] - m * A[c]);
                sum_d += j->weight[c] * A[c];
                sum_dx += j->weight[c] * dxhat_c;
                dw[c] += dxhat_c;
                db[c] += A[c];
            }
            double mean_d = sum_d / n, mean_dx = sum_dx / n;
            for (int c = g * cg; c < (g + 1) * cg; c++) {
                a[c] = (real)(rs * j->weight[c]);
                bx[c] = (real)(-rs * rs * mean_dx);
                c0[c] = (real)(-rs * mean_d + rs * rs * m * mean_dx);
            }
        }
        real *dx = j->dinp + b * j->P * C;
        for (int64_t p = 0; p < j->P; p++)
            for (int c = 0; c < C; c++) dx[p * C + c] += dy[p * C + c] * a[c] + x[p * C + c] * bx[c] + c0[c];
    }
    pthread_mutex_lock(&j->lock);
    for (int c = 0; c < C; c++) j->dweight[c] += (real)dw[c], j->dbias[c] += (real)db[c];
    pthread_mutex_unlock(&j->lock);
}

void groupnorm_backward(ThreadPool *pool, real *dinp, real *dweight, real *dbias, const real *dout,
                        const real *inp, const real *weight, const real *mean, const real *rstd, int B, int64_t P,
                        int C, int G) {
    EXA_ASSERT(C <= MAX_CHANNELS && C % G == 0);
    GnJob job = {.dinp = dinp, .dweight = dweight, .dbias = dbias, .inp = inp, .dout = dout, .weight = weight,
                 .mean = (real *)mean, .rstd = (real *)rstd, .B = B, .C = C, .G = G, .P = P};
    pthread_mutex_init(&job.lock, NULL);
    pool_parallel_for(pool, B, backward_images, &job);
    pthread_mutex_destroy(&job.lock);
}
