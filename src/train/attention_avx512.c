/* AVX-512 attention for one (batch, head) pair (see attention.h).
 *
 * Scores for 16 keys at once need the keys transposed: work holds K_hᵀ
 * [hs, T] (forward) or V_hᵀ (backward, for dP = dout · Vᵀ), so a score block
 * is hs broadcast-FMAs with no horizontal sums. Rows of q, k, v, dout (hs
 * floats) stay in registers; the head size is a compile-time constant
 * (HS16 = hs / 16 vectors) so those arrays really are registers.
 * work: [hs*T] transposed block + [T] row scratch. */
#include "kernels_avx512.h"
#include "simd_avx512.h"

#include <math.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

static void transpose_head(float *dst, const float *src, int64_t ld, int T, int hs) {
    for (int t = 0; t < T; t++)
        for (int d = 0; d < hs; d++) dst[(int64_t)d * T + t] = src[t * ld + d];
}

/* s[t] = sum_d a[d] * XT[d, t] for t < L (XT rows of length T). */
INLINE void scores_row(float *s, const float *a, const float *XT, int T, int L, const int hs) {
    for (int t0 = 0; t0 < L; t0 += 64) {
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        __mmask16 m[4];
        for (int j = 0; j < 4; j++) m[j] = t0 + 16 * j < L ? simd_tail(L - t0 - 16 * j) : 0;
        for (int d = 0; d < hs; d++) {
            __m512 b = _mm512_set1_ps(a[d]);
            const float *row = XT + (int64_t)d * T + t0;
            for (int j = 0; j < 4; j++) acc[j] = _mm512_fmadd_ps(b, _mm512_maskz_loadu_ps(m[j], row + 16 * j), acc[j]);
        }
        for (int j = 0; j < 4; j++) _mm512_mask_storeu_ps(s + t0 + 16 * j, m[j], acc[j]);
    }
}

INLINE void head_forward(float *out, float *att, const float *q, const float *k, const float *v, int64_t ld,
                         int64_t out_ld, int T, int prefix, float *work, const int HS16) {
    const int hs = HS16 * 16;
    float scale = 1.0f / sqrtf((float)hs);
    transpose_head(work, k, ld, T, hs);
    float *qs = work + (int64_t)hs * T;
    for (int i = 0; i < T; i++) {
        int L = i + 1 > prefix ? i + 1 : prefix;
        float *p = att + (int64_t)i * T;
        for (int d = 0; d < hs; d++) qs[d] = q[i * ld + d] * scale;
        scores_row(p, qs, work, T, L, hs);
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (int t = 0; t < L; t += 16) vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(vmax, simd_tail(L - t), p + t));
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

INLINE void head_backward(float *dq, float *dk, float *dv, const float *dout, const float *att, const float *q,
                          const float *k, const float *v, int64_t ld, int64_t out_ld, int T, int prefix, float *work,
                          const int HS16) {
    const int hs = HS16 * 16;
    __m512 scale = _mm512_set1_ps(1.0f / sqrtf((float)hs));
    transpose_head(work, v, ld, T, hs);
    float *ds = work + (int64_t)hs * T;
    for (int i = 0; i < T; i++) {
        int L = i + 1 > prefix ? i + 1 : prefix;
        const float *p = att + (int64_t)i * T, *g = dout + i * out_ld;
        scores_row(ds, g, work, T, L, hs); /* dP */
        __m512 dot = _mm512_setzero_ps();
        for (int t = 0; t < L; t += 16) {
            __mmask16 m = simd_tail(L - t);
            dot = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p + t), _mm512_maskz_loadu_ps(m, ds + t), dot);
        }
        __m512 vdot = _mm512_set1_ps(_mm512_reduce_add_ps(dot));
        for (int t = 0; t < L; t += 16) { /* dS = P (dP - dot) * scale */
            __mmask16 m = simd_tail(L - t);
            __m512 r = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, ds + t), vdot), scale);
            _mm512_mask_storeu_ps(ds + t, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, p + t), r));
        }
        __m512 qi[HS16], gi[HS16], acc[HS16];
        for (int j = 0; j < HS16; j++) {
            qi[j] = _mm512_loadu_ps(q + i * ld + 16 * j);
            gi[j] = _mm512_loadu_ps(g + 16 * j);
            acc[j] = _mm512_setzero_ps();
        }
        for (int t = 0; t < L; t++) {
            __m512 bs = _mm512_set1_ps(ds[t]), bp = _mm512_set1_ps(p[t]);
            const float *kt = k + t * ld;
            float *dkt = dk + t * ld, *dvt = dv + t * ld;
            for (int j = 0; j < HS16; j++) {
                acc[j] = _mm512_fmadd_ps(bs, _mm512_loadu_ps(kt + 16 * j), acc[j]);
                _mm512_storeu_ps(dkt + 16 * j, _mm512_fmadd_ps(bs, qi[j], _mm512_loadu_ps(dkt + 16 * j)));
                _mm512_storeu_ps(dvt + 16 * j, _mm512_fmadd_ps(bp, gi[j], _mm512_loadu_ps(dvt + 16 * j)));
            }
        }
        for (int j = 0; j < HS16; j++)
            _mm512_storeu_ps(dq + i * ld + 16 * j, _mm512_add_ps(acc[j], _mm512_loadu_ps(dq + i * ld + 16 * j)));
    }
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
