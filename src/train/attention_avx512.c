/* AVX-512 attention for one (batch, head) pair (see attention.h).
 *
 * Scores for 16 keys at once need the keys transposed: work holds K_hᵀ
 * [hs, T] (forward) or V_hᵀ (backward, for dP = dout · Vᵀ), so a score block
 * is hs broadcast-FMAs with no horizontal sums. Rows of q, k, v, dout (hs
 * floats) stay in registers; the head size is a compile-time constant
 * (HS16 = hs / 16 vectors) so those arrays really are registers.
 * work: attention_work_floats(T, hs) per thread (attention.h). */
#include "kernels_avx512.h"
#include "simd_avx512.h"

#include <math.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

static void transpose_head(float *dst, const float *src, int64_t ld, int T, int hs) {
    for (int t = 0; t < T; t++)
        for (int d = 0; d < hs; d++) dst[(int64_t)d * T + t] = src[t * ld + d];
}

/* R rows at once: s_r[t] = sum_d a_r[d] * XT[d, t] for t < L, s_r = s + r*T.
 * R x 4 key blocks of accumulators: per d, 4 loads of XT serve 4R FMAs. */
INLINE void scores_rows(float *s, const float *const *a, const float *XT, int T, int L, const int hs, const int R) {
    for (int t0 = 0; t0 < L; t0 += 64) {
        __m512 acc[4][4];
        __mmask16 m[4];
        for (int j = 0; j < 4; j++) {
            m[j] = t0 + 16 * j < L ? simd_tail(L - t0 - 16 * j) : 0;
            for (int r = 0; r < R; r++) acc[r][j] = _mm512_setzero_ps();
        }
        for (int d = 0; d < hs; d++) {
            const float *row = XT + (int64_t)d * T + t0;
            __m512 x[4];
            for (int j = 0; j < 4; j++) x[j] = _mm512_maskz_loadu_ps(m[j], row + 16 * j);
            for (int r = 0; r < R; r++) {
                __m512 b = _mm512_set1_ps(a[r][d]);
                for (int j = 0; j < 4; j++) acc[r][j] = _mm512_fmadd_ps(b, x[j], acc[r][j]);
            }
        }
        for (int r = 0; r < R; r++)
            for (int j = 0; j < 4; j++) _mm512_mask_storeu_ps(s + (int64_t)r * T + t0 + 16 * j, m[j], acc[r][j]);
    }
}

/* Scores of queries i0 .. i0+n-1 (n <= 4) against keys [0, L). */
INLINE void scores_block(float *s, const float *const *a, int n, const float *XT, int T, int L, const int hs) {
    if (n == 4) {
        scores_rows(s, a, XT, T, L, hs, 4);
        return;
    }
    for (int r = 0; r < n; r++) scores_rows(s + (int64_t)r * T, a + r, XT, T, L, hs, 1);
}

INLINE void head_forward(float *out, float *att, const float *q, const float *k, const float *v, int64_t ld,
                         int64_t out_ld, int T, int prefix, float *work, const int HS16) {
    const int hs = HS16 * 16;
    float scale = 1.0f / sqrtf((float)hs);
    transpose_head(work, k, ld, T, hs);
    float *qs = work + (int64_t)hs * T; /* 4 scaled query rows */
    for (int i0 = 0; i0 < T; i0 += 4) {
        int n = T - i0 < 4 ? T - i0 : 4, Lmax = i0 + n > prefix ? i0 + n : prefix;
        const float *rows[4];
        for (int r = 0; r < n; r++) {
            for (int d = 0; d < hs; d++) qs[r * hs + d] = q[(i0 + r) * ld + d] * scale;
            rows[r] = qs + r * hs;
        }
        scores_block(att + (int64_t)i0 * T, rows, n, work, T, Lmax, hs);
        for (int i = i0; i < i0 + n; i++) {
            int L = i + 1 > prefix ? i + 1 : prefix;
            float *p = att + (int64_t)i * T;
            __m512 vmax = _mm512_set1_ps(-INFINITY);
            for (int t = 0; t < L; t += 16)
                vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(vmax, simd_tail(L - t), p + t));
            __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax)), sum = _mm512_setzero_ps();
            for (int t = 0; t < L; t += 16) {
                __mmask16 m = simd_tail(L - t);
                __m512 e = _mm512_maskz_mov_ps(m, simd_exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, p + t), mx)));
                _mm512_mask_storeu_ps(p + t, m, e);
                sum = _mm512_add_ps(sum, e);
            }
            __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
            for (int t = 0; t < L; t += 16) {
                __mmask16 m = simd_tail(L - t);
                _mm512_mask_storeu_ps(p + t, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, p + t), inv));
            }
            if (L < T) memset(p + L, 0, (size_t)(T - L) * sizeof *p);
            __m512 o[HS16];
            for (int j = 0; j < HS16; j++) o[j] = _mm512_setzero_ps();
            for (int t = 0; t < L; t++) {
                __m512 b = _mm512_set1_ps(p[t]);
                for (int j = 0; j < HS16; j++) o[j] = _mm512_fmadd_ps(b, _mm512_loadu_ps(v + t * ld + 16 * j), o[j]);
            }
            for (int j = 0; j < HS16; j++) _mm512_storeu_ps(out + i * out_ld + 16 * j, o[j]);
        }
    }
}

/* Pass 2 for keys t .. t+KB-1: dk += sum_i dS[i,key] q_i, dv += sum_i P[i,key] dout_i,
 * over the queries that see key t. Those that see t+1 are a subset of them, and
 * masked entries of dS and P are exactly 0, so the extra terms add nothing. */
INLINE void key_grads(float *dk, float *dv, const float *dS, const float *att, const float *q, const float *dout,
                      int64_t ld, int64_t out_ld, int T, int prefix, int t, const int HS16, const int KB) {
    __m512 ak[2][8], av[2][8];
    for (int b = 0; b < KB; b++)
        for (int j = 0; j < HS16; j++) ak[b][j] = av[b][j] = _mm512_setzero_ps();
    for (int i = t < prefix ? 0 : t; i < T; i++) {
        __m512 qi[8], gi[8];
        for (int j = 0; j < HS16; j++) {
            qi[j] = _mm512_loadu_ps(q + i * ld + 16 * j);
            gi[j] = _mm512_loadu_ps(dout + i * out_ld + 16 * j);
        }
        for (int b = 0; b < KB; b++) {
            __m512 bs = _mm512_set1_ps(dS[(int64_t)i * T + t + b]), bp = _mm512_set1_ps(att[(int64_t)i * T + t + b]);
            for (int j = 0; j < HS16; j++) {
                ak[b][j] = _mm512_fmadd_ps(bs, qi[j], ak[b][j]);
                av[b][j] = _mm512_fmadd_ps(bp, gi[j], av[b][j]);
            }
        }
    }
    for (int b = 0; b < KB; b++) {
        float *dkt = dk + (t + b) * ld, *dvt = dv + (t + b) * ld;
        for (int j = 0; j < HS16; j++) {
            _mm512_storeu_ps(dkt + 16 * j, _mm512_add_ps(ak[b][j], _mm512_loadu_ps(dkt + 16 * j)));
            _mm512_storeu_ps(dvt + 16 * j, _mm512_add_ps(av[b][j], _mm512_loadu_ps(dvt + 16 * j)));
        }
    }
}

/* Two passes, so that no row of dk / dv is read and written once per query:
 *   1. per query i: dP_i = dout_i · Vᵀ (4 queries x 64 keys per block, via Vᵀ), then
 *      dS_i = P_i (dP_i - P_i·dP_i) * scale, kept in work; dq_i += dS_i · K
 *      accumulated in registers;
 *   2. per key t: dk_t += sum_i dS[i,t] q_i and dv_t += sum_i P[i,t] dout_i over
 *      the queries that see t (i >= t, or all i when t is in the prefix),
 *      accumulated in registers. */
INLINE void head_backward(float *dq, float *dk, float *dv, const float *dout, const float *att, const float *q,
                          const float *k, const float *v, int64_t ld, int64_t out_ld, int T, int prefix, float *work,
                          const int HS16) {
    const int hs = HS16 * 16;
    __m512 scale = _mm512_set1_ps(1.0f / sqrtf((float)hs));
    transpose_head(work, v, ld, T, hs);
    float *dS = work + (int64_t)hs * T; /* [T, T], only visible entries written */
    for (int i = 0; i < T; i++) {
        int L = i + 1 > prefix ? i + 1 : prefix;
        const float *p = att + (int64_t)i * T;
        float *ds = dS + (int64_t)i * T;
        if (i % 4 == 0) { /* dP of queries i .. i+3 */
            int n = T - i < 4 ? T - i : 4, Lmax = i + n > prefix ? i + n : prefix;
            const float *rows[4];
            for (int r = 0; r < n; r++) rows[r] = dout + (i + r) * out_ld;
            scores_block(ds, rows, n, work, T, Lmax, hs);
        }
        __m512 dot = _mm512_setzero_ps();
        for (int t = 0; t < L; t += 16) {
            __mmask16 m = simd_tail(L - t);
            dot = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p + t), _mm512_maskz_loadu_ps(m, ds + t), dot);
        }
        __m512 vdot = _mm512_set1_ps(_mm512_reduce_add_ps(dot));
        for (int t = 0; t < L; t += 16) {
            __mmask16 m = simd_tail(L - t);
            __m512 r = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, ds + t), vdot), scale);
            _mm512_mask_storeu_ps(ds + t, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, p + t), r));
        }
        if (L < T) memset(ds + L, 0, (size_t)(T - L) * sizeof *ds); /* masked: exactly 0, pass 2 may read it */
        __m512 acc[HS16];
        for (int j = 0; j < HS16; j++) acc[j] = _mm512_setzero_ps();
        for (int t = 0; t < L; t++) {
            __m512 bs = _mm512_set1_ps(ds[t]);
            for (int j = 0; j < HS16; j++) acc[j] = _mm512_fmadd_ps(bs, _mm512_loadu_ps(k + t * ld + 16 * j), acc[j]);
        }
        for (int j = 0; j < HS16; j++)
            _mm512_storeu_ps(dq + i * ld + 16 * j, _mm512_add_ps(acc[j], _mm512_loadu_ps(dq + i * ld + 16 * j)));
    }
    /* Two keys per pass when the accumulators fit in registers (hs <= 64). */
    int t = 0;
    if (HS16 <= 4)
        for (; t + 2 <= T; t += 2) key_grads(dk, dv, dS, att, q, dout, ld, out_ld, T, prefix, t, HS16, 2);
    for (; t < T; t++) key_grads(dk, dv, dS, att, q, dout, ld, out_ld, T, prefix, t, HS16, 1);
}

/* The caller (attention.c) only comes here for hs in {32, 64, 128}. */
void attention_head_forward_avx512(float *out, float *att, const float *q, const float *k, const float *v,
                                   int64_t ld, int64_t out_ld, int T, int hs, int prefix, float *work) {
    if (hs == 64) head_forward(out, att, q, k, v, ld, out_ld, T, prefix, work, 4);
    else if (hs == 32) head_forward(out, att, q, k, v, ld, out_ld, T, prefix, work, 2);
    else head_forward(out, att, q, k, v, ld, out_ld, T, prefix, work, 8);
}

void attention_head_backward_avx512(float *dq, float *dk, float *dv, const float *dout, const float *att,
                                    const float *q, const float *k, const float *v, int64_t ld, int64_t out_ld,
                                    int T, int hs, int prefix, float *work) {
    if (hs == 64) head_backward(dq, dk, dv, dout, att, q, k, v, ld, out_ld, T, prefix, work, 4);
    else if (hs == 32) head_backward(dq, dk, dv, dout, att, q, k, v, ld, out_ld, T, prefix, work, 2);
    else head_backward(dq, dk, dv, dout, att, q, k, v, ld, out_ld, T, prefix, work, 8);
}
