/* Vector quantizer (see vq_quantize.h). */
#include "vq_quantize.h"

#include "../../core/mem.h"
#include "../real_gemm.h"

#include <string.h>

typedef struct {
    real *zq;
    int32_t *idx;
    const real *scores, *norms, *codebook;
    int D, K;
} ArgminJob;

static void argmin_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    ArgminJob *j = ctx;
    for (int64_t n = begin; n < end; n++) {
        const real *s = j->scores + n * j->K;
        int best = 0;
        real best_d = j->norms[0] - 2 * s[0];
        for (int k = 1; k < j->K; k++) {
            real d = j->norms[k] - 2 * s[k];
            if (d < best_d) best_d = d, best = k;
        }
        j->idx[n] = best;
        memcpy(j->zq + n * j->D, j->codebook + (int64_t)best * j->D, (size_t)j->D * sizeof(real));
    }
}

void vq_quantize_forward(ThreadPool *pool, real *zq, int32_t *idx, real *scratch, const real *z, const real *codebook, int64_t N,
                int D, int K) {
    real *scores = scratch, *norms = scratch + N * K, *transposed = norms + K;
    for (int k = 0; k < K; k++) {
        real s = 0;
        for (int d = 0; d < D; d++) {
            real e = codebook[(int64_t)k * D + d];
            s += e * e;
            transposed[(int64_t)d * K + k] = e;
        }
        norms[k] = s;
    }
    gemm_nn(pool, scores, z, transposed, N, K, D, 0);
    ArgminJob job = {zq, idx, scores, norms, codebook, D, K};
    pool_parallel_for(pool, N, argmin_rows, &job);
}

double vq_mse(const real *z, const real *zq, int64_t N, int D) {
    double s = 0;
    for (int64_t i = 0; i < N * D; i++) {
        double d = (double)z[i] - (double)zq[i];
        s += d * d;
    }
    return s / (double)(N * D);
}

void vq_quantize_backward(ThreadPool *pool, real *dz, real *dcodebook, const real *dzq, const real *z, const real *zq,
                 const int32_t *idx, int64_t N, int D, real beta) {
    real scale = (real)2 / (real)(N * D);
    for (int64_t n = 0; n < N; n++)
        for (int d = 0; d < D; d++) {
            int64_t i = n * D + d;
            real diff = z[i] - zq[i];
            dz[i] += dzq[i] + beta * scale * diff;
            if (dcodebook) dcodebook[(int64_t)idx[n] * D + d] -= scale * diff;
        }
}

int vq_ema_new(VqEma *ema, int K, int D, real decay, real eps, int dead_after, Error *err) {
    memset(ema, 0, sizeof *ema);
    *ema = (VqEma){.K = K, .D = D, .decay = decay, .eps = eps, .dead_after = dead_after};
    ema->cluster_size = mem_calloc((size_t)K, sizeof(real));
    ema->embed_sum = mem_calloc((size_t)K * (size_t)D, sizeof(real));
    ema->last_used = mem_calloc((size_t)K, sizeof(int64_t));
    ema->count = mem_calloc((size_t)K, sizeof(int64_t));
    if (!ema->cluster_size || !ema->embed_sum || !ema->last_used || !ema->count) {
        vq_ema_free(ema);
        return error_set(err, "codebook %dx%d: out of memory for EMA statistics", K, D);
    }
    return 0;
}

void vq_ema_free(VqEma *ema) {
    mem_free(ema->cluster_size);
    mem_free(ema->embed_sum);
    mem_free(ema->last_used);
    mem_free(ema->count);
    memset(ema, 0, sizeof *ema);
}

void vq_ema_reset(VqEma *ema, const real *codebook, int64_t step) {
    for (int k = 0; k < ema->K; k++) {
        ema->cluster_size[k] = 1;
        ema->last_used[k] = step;
    }
    memcpy(ema->embed_sum, codebook, (size_t)ema->K * (size_t)ema->D * sizeof(real));
}

void vq_ema_update(VqEma *ema, real *codebook, const real *z, const int32_t *idx, int64_t N, int64_t step) {
    int K = ema->K, D = ema->D;
    memset(ema->count, 0, (size_t)K * sizeof *ema->count);
    for (int64_t n = 0; n < N; n++) {
        ema->count[idx[n]]++;
        ema->last_used[idx[n]] = step;
    }
    if (ema->decay <= 0) return;
    real decay = ema->decay, keep = 1 - decay;
    for (int k = 0; k < K; k++) {
        ema->cluster_size[k] = decay * ema->cluster_size[k] + keep * (real)ema->count[k];
        for (int d = 0; d < D; d++) ema->embed_sum[(int64_t)k * D + d] *= decay;
    }
    for (int64_t n = 0; n < N; n++) {
        real *es = ema->embed_sum + (int64_t)idx[n] * D;
        for (int d = 0; d < D; d++) es[d] += keep * z[n * D + d];
    }
    double total = 0;
    for (int k = 0; k < K; k++) total += ema->cluster_size[k];
    for (int k = 0; k < K; k++) {
        real smoothed = (real)((ema->cluster_size[k] + ema->eps) / (total + K * (double)ema->eps) * total);
        for (int d = 0; d < D; d++) codebook[(int64_t)k * D + d] = ema->embed_sum[(int64_t)k * D + d] / smoothed;
    }
}

int vq_restart_dead(VqEma *ema, real *codebook, const real *z, int64_t N, int64_t step, Rng *rng) {
    if (ema->dead_after <= 0 || N <= 0) return 0;
    int restarted = 0, D = ema->D;
    for (int k = 0; k < ema->K; k++) {
        if (step - ema->last_used[k] < ema->dead_after) continue;
        const real *row = z + (int64_t)rng_below(rng, (uint64_t)N) * D;
        memcpy(codebook + (int64_t)k * D, row, (size_t)D * sizeof(real));
        memcpy(ema->embed_sum + (int64_t)k * D, row, (size_t)D * sizeof(real));
        ema->cluster_size[k] = 1;
        ema->last_used[k] = step;
        restarted++;
    }
    return restarted;
}
