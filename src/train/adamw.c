/* AdamW and gradient clipping (see adamw.h). */
#include "adamw.h"

#include "../core/cpu.h"
#include "../core/mem.h"
#include "kernels_avx512.h"

#include <math.h>
#include <string.h>

void adamw_config_defaults(AdamWConfig *cfg) {
    cfg->beta1 = 0.9f;
    cfg->beta2 = 0.95f;
    cfg->eps = 1e-8f;
    cfg->weight_decay = 0.1f;
    cfg->grad_clip = 1.0f;
}

int adamw_new(AdamW *opt, size_t n, Error *err) {
    memset(opt, 0, sizeof *opt);
    opt->m = mem_alloc_aligned(n * sizeof(float));
    opt->v = mem_alloc_aligned(n * sizeof(float));
    if (!opt->m || !opt->v) {
        adamw_free(opt);
        return error_set(err, "adamw: out of memory for %zu moments", n);
    }
    memset(opt->m, 0, n * sizeof(float));
    memset(opt->v, 0, n * sizeof(float));
    opt->n = n;
    return 0;
}

void adamw_free(AdamW *opt) {
    mem_free_aligned(opt->m);
    mem_free_aligned(opt->v);
    memset(opt, 0, sizeof *opt);
}

/* Per-thread partial sums, one cache line apart. */
#define NORM_MAX_THREADS 256
typedef struct {
    const float *g;
    double partial[NORM_MAX_THREADS][8];
} NormJob;

static void norm_range(void *ctx, int64_t begin, int64_t end, int thread) {
    NormJob *j = ctx;
    double sum = 0;
    for (int64_t i = begin; i < end; i++) sum += (double)j->g[i] * j->g[i];
    j->partial[thread % NORM_MAX_THREADS][0] += sum;
}

float grad_global_norm(ThreadPool *pool, const float *grads, size_t n) {
    NormJob job; /* 16 KB: fine on the caller's stack, workers only write their own row */
    memset(&job, 0, sizeof job);
    job.g = grads;
    pool_parallel_for(pool, (int64_t)n, norm_range, &job);
    double sum = 0;
    for (int t = 0; t < NORM_MAX_THREADS; t++) sum += job.partial[t][0];
    return (float)sqrt(sum);
}

float grad_clip_factor(float norm, float max_norm) {
    if (max_norm <= 0) return 1.0f;
    float f = max_norm / (norm + 1e-6f);
    return f < 1.0f ? f : 1.0f;
}

typedef struct {
    AdamW *opt;
    float *params;
    const float *grads;
    const ParamTable *table;
    const AdamWConfig *cfg;
    float lr, grad_factor, bias1, bias2_sqrt;
} AdamWJob;

/* The update of elements [0, n) of one tensor (the portable path; sqrtf's errno
 * keeps compilers from vectorizing it, hence adamw_update_avx512). */
static void adamw_update(float *p, const float *g, float *m, float *v, int64_t n, float decay, float grad_factor,
                         float beta1, float beta2, float eps, float step_size, float bias2_sqrt) {
    if (cpu_features()->avx512) {
        adamw_update_avx512(p, g, m, v, n, decay, grad_factor, beta1, beta2, eps, step_size, bias2_sqrt);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] * grad_factor;
        m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
        v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        p[i] = p[i] * decay - step_size * m[i] / (sqrtf(v[i]) / bias2_sqrt + eps);
    }
}

static void adamw_range(void *ctx, int64_t begin, int64_t end, int thread) {
    AdamWJob *j = ctx;
    const AdamWConfig *cfg = j->cfg;
    float step_size = j->lr / j->bias1;
    for (int e = 0; e < j->table->count; e++) {
        const ParamEntry *pe = &j->table->entries[e];
        int64_t lo = (int64_t)pe->offset, hi = lo + (int64_t)pe->numel;
        if (hi <= begin || lo >= end) continue;
        if (lo < begin) lo = begin;
        if (hi > end) hi = end;
        float decay = pe->decay ? 1.0f - j->lr * cfg->weight_decay : 1.0f;
        adamw_update(j->params + lo, j->grads + lo, j->opt->m + lo, j->opt->v + lo, hi - lo, decay, j->grad_factor,
                     cfg->beta1, cfg->beta2, cfg->eps, step_size, j->bias2_sqrt);
    }
}

void adamw_step(AdamW *opt, ThreadPool *pool, float *params, const float *grads, const ParamTable *table,
                const AdamWConfig *cfg, float lr, float grad_factor) {
    opt->step++;
    AdamWJob job = {opt, params, grads, table, cfg, lr, grad_factor,
                    (float)(1.0 - pow(cfg->beta1, (double)opt->step)),
                    (float)sqrt(1.0 - pow(cfg->beta2, (double)opt->step))};
    pool_parallel_for(pool, (int64_t)table->total, adamw_range, &job);
}
