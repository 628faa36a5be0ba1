/* Multi-head attention with causal / prefix-LM masks (see attention.h). */
#include "attention.h"

#ifdef TRAIN_REAL_IS_FLOAT
#include "../core/cpu.h"
#include "kernels_avx512.h"
#endif

#include <string.h>
#include <tgmath.h>

typedef struct {
    real *out, *att, *dq, *dk, *dv, *scratch;
    const real *q, *k, *v, *dout, *catt;
    int64_t ld;
    const int *prefix;
    int T, NH, NKV, hs;
    int fast; /* AVX-512 per-head kernels */
} AttentionJob;

/* Per thread: a transposed [hs, T] head block, a [T, T] score block and a row of hs. */
static int64_t attention_work_floats(int T, int hs) { return (int64_t)hs * T + (int64_t)T * T + hs; }

int64_t attention_scratch_floats(int T, int hs, int n_threads) { return n_threads * attention_work_floats(T, hs); }

/* Clamped prefix of sequence b. */
static int attention_prefix(const AttentionJob *j, int b) {
    int p = j->prefix ? j->prefix[b] : 0;
    return p > j->T ? j->T : p;
}

/* Number of keys query i may see. */
static int attention_visible(const AttentionJob *j, int b, int i) {
    int p = attention_prefix(j, b);
    return i + 1 > p ? i + 1 : p;
}

static real attention_dot(const real *a, const real *b, int n) {
    /* Four partial sums: lets the compiler use vector lanes without -ffast-math. */
    real s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* Tasks are (sequence, kv head) pairs: the query heads that share a kv head run in
 * one task, so their dk / dv sums never race. */
static void attention_forward_heads(void *ctx, int64_t begin, int64_t end, int thread) {
    AttentionJob *j = ctx;
    int T = j->T, NH = j->NH, NKV = j->NKV, hs = j->hs, C = NH * hs, group = NH / NKV;
    real scale = 1 / sqrt((real)hs);
    for (int64_t task = begin; task < end; task++) {
        int b = (int)(task / NKV), g = (int)(task % NKV);
        for (int h = g * group; h < (g + 1) * group; h++) {
            int64_t bh = (int64_t)b * NH + h;
#ifdef TRAIN_REAL_IS_FLOAT
            if (j->fast) {
                int64_t first = (int64_t)b * T;
                attention_head_forward_avx512(j->out + first * C + h * hs, j->att + bh * T * T,
                                              j->q + first * j->ld + h * hs, j->k + first * j->ld + g * hs,
                                              j->v + first * j->ld + g * hs, j->ld, C, T, hs, attention_prefix(j, b),
                                              j->scratch + thread * attention_work_floats(T, hs));
                continue;
            }
#endif
            for (int i = 0; i < T; i++) {
                int64_t row = (int64_t)b * T + i;
                const real *qi = j->q + row * j->ld + h * hs;
                real *p = j->att + (bh * T + i) * T;
                int L = attention_visible(j, b, i);
                real maxv = -INFINITY;
                for (int t = 0; t < L; t++) {
                    const real *kt = j->k + ((int64_t)b * T + t) * j->ld + g * hs;
                    p[t] = attention_dot(qi, kt, hs) * scale;
                    if (p[t] > maxv) maxv = p[t];
                }
                real sum = 0;
                for (int t = 0; t < L; t++) {
                    p[t] = exp(p[t] - maxv);
                    sum += p[t];
                }
                real inv = 1 / sum;
                for (int t = 0; t < L; t++) p[t] *= inv;
                for (int t = L; t < T; t++) p[t] = 0;
                real *o = j->out + row * C + h * hs;
                memset(o, 0, (size_t)hs * sizeof *o);
                for (int t = 0; t < L; t++) {
                    const real *vt = j->v + ((int64_t)b * T + t) * j->ld + g * hs;
                    for (int d = 0; d < hs; d++) o[d] += p[t] * vt[d];
                }
            }
        }
    }
}

/* Per query row i, with P the probabilities and dP_t = dout_i · v_t:
 *   dS_t = P_t (dP_t - sum_u P_u dP_u)          (softmax backward)
 *   dq_i += scale sum_t dS_t k_t,  dk_t += scale dS_t q_i,  dv_t += P_t dout_i */
static void attention_backward_heads(void *ctx, int64_t begin, int64_t end, int thread) {
    AttentionJob *j = ctx;
    int T = j->T, NH = j->NH, NKV = j->NKV, hs = j->hs, C = NH * hs, group = NH / NKV;
    real scale = 1 / sqrt((real)hs);
    for (int64_t task = begin; task < end; task++) {
        int b = (int)(task / NKV), g = (int)(task % NKV);
        for (int h = g * group; h < (g + 1) * group; h++) {
            int64_t bh = (int64_t)b * NH + h;
#ifdef TRAIN_REAL_IS_FLOAT
            if (j->fast) {
                int64_t first = (int64_t)b * T, qo = first * j->ld + h * hs, ko = first * j->ld + g * hs;
                attention_head_backward_avx512(j->dq + qo, j->dk + ko, j->dv + ko, j->dout + first * C + h * hs,
                                               j->catt + bh * T * T, j->q + qo, j->k + ko, j->v + ko, j->ld, C, T, hs,
                                               attention_prefix(j, b), j->scratch + thread * attention_work_floats(T, hs));
                continue;
            }
#endif
            real *dp = j->scratch + thread * attention_work_floats(T, hs);
            for (int i = 0; i < T; i++) {
                int64_t row = (int64_t)b * T + i;
                const real *p = j->catt + (bh * T + i) * T;
                const real *dout = j->dout + row * C + h * hs;
                const real *qi = j->q + row * j->ld + h * hs;
                real *dqi = j->dq + row * j->ld + h * hs;
                int L = attention_visible(j, b, i);
                real dot = 0;
                for (int t = 0; t < L; t++) {
                    int64_t trow = ((int64_t)b * T + t) * j->ld + g * hs;
                    dp[t] = attention_dot(dout, j->v + trow, hs);
                    dot += p[t] * dp[t];
                    real *dvt = j->dv + trow;
                    for (int d = 0; d < hs; d++) dvt[d] += p[t] * dout[d];
                }
                for (int t = 0; t < L; t++) {
                    int64_t trow = ((int64_t)b * T + t) * j->ld + g * hs;
                    real ds = p[t] * (dp[t] - dot) * scale;
                    const real *kt = j->k + trow;
                    real *dkt = j->dk + trow;
                    for (int d = 0; d < hs; d++) {
                        dqi[d] += ds * kt[d];
                        dkt[d] += ds * qi[d];
                    }
                }
            }
        }
    }
}

static int attention_fast(int hs) {
#ifdef TRAIN_REAL_IS_FLOAT
    return cpu_features()->avx512 && (hs == 32 || hs == 64 || hs == 128);
#else
    return 0;
#endif
}

void attention_forward(ThreadPool *pool, real *out, real *att, real *scratch, const real *q, const real *k,
                       const real *v, int64_t ld, const int *prefix, int B, int T, int NH, int NKV, int hs) {
    AttentionJob job = {.out = out, .att = att, .scratch = scratch, .q = q, .k = k, .v = v, .ld = ld,
                        .prefix = prefix, .T = T, .NH = NH, .NKV = NKV, .hs = hs, .fast = attention_fast(hs)};
    pool_parallel_for(pool, (int64_t)B * NKV, attention_forward_heads, &job);
}

void attention_backward(ThreadPool *pool, real *dq, real *dk, real *dv, real *scratch, const real *dout,
                        const real *att, const real *q, const real *k, const real *v, int64_t ld,
                        const int *prefix, int B, int T, int NH, int NKV, int hs) {
    AttentionJob job = {.dq = dq, .dk = dk, .dv = dv, .scratch = scratch, .dout = dout, .catt = att, .q = q,
                        .k = k, .v = v, .ld = ld, .prefix = prefix, .T = T, .NH = NH, .NKV = NKV, .hs = hs,
                        .fast = attention_fast(hs)};
    pool_parallel_for(pool, (int64_t)B * NKV, attention_backward_heads, &job);
}
