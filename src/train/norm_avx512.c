/* AVX-512 rows of LayerNorm / RMSNorm (see norm.h; mean NULL = RMSNorm). */
#include "kernels_avx512.h"
#include "simd_avx512.h"

#include <math.h>

void norm_row_forward_avx512(float *y, float *mean, float *rstd, const float *x, const float *w, const float *b,
                             int C, float eps) {
    float m = 0;
    if (mean) {
        __m512 s = _mm512_setzero_ps();
        for (int c = 0; c < C; c += 16) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(simd_tail(C - c), x + c));
        m = _mm512_reduce_add_ps(s) / (float)C;
        *mean = m;
    }
    __m512 vm = _mm512_set1_ps(m), v = _mm512_setzero_ps();
    for (int c = 0; c < C; c += 16) {
        __mmask16 k = simd_tail(C - c);
        __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + c), vm);
        v = _mm512_fmadd_ps(d, d, v);
    }
    float r = 1.0f / sqrtf(_mm512_reduce_add_ps(v) / (float)C + eps);
    *rstd = r;
    __m512 vr = _mm512_set1_ps(r);
    for (int c = 0; c < C; c += 16) {
        __mmask16 k = simd_tail(C - c);
        __m512 xhat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + c), vm), vr);
        __m512 o = _mm512_mul_ps(xhat, _mm512_maskz_loadu_ps(k, w + c));
        if (b) o = _mm512_add_ps(o, _mm512_maskz_loadu_ps(k, b + c));
        _mm512_mask_storeu_ps(y + c, k, o);
    }
}

void norm_row_backward_avx512(float *dx, const float *dy, const float *x, const float *w, const float *cmean,
                              float rstd, int C) {
    __m512 vm = _mm512_set1_ps(cmean ? *cmean : 0.0f), vr = _mm512_set1_ps(rstd);
    __m512 gs = _mm512_setzero_ps(), gxs = _mm512_setzero_ps();
    for (int c = 0; c < C; c += 16) {
        __mmask16 k = simd_tail(C - c);
        __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, dy + c), _mm512_maskz_loadu_ps(k, w + c));
        __m512 xhat = _mm512_maskz_mul_ps(k, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + c), vm), vr);
        gs = _mm512_add_ps(gs, g);
        gxs = _mm512_fmadd_ps(g, xhat, gxs);
    }
    __m512 g_mean = _mm512_set1_ps(cmean ? _mm512_reduce_add_ps(gs) / (float)C : 0.0f);
    __m512 gx_mean = _mm512_set1_ps(_mm512_reduce_add_ps(gxs) / (float)C);
    for (int c = 0; c < C; c += 16) {
        __mmask16 k = simd_tail(C - c);
        __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, dy + c), _mm512_maskz_loadu_ps(k, w + c));
        __m512 xhat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + c), vm), vr);
        __m512 t = _mm512_fnmadd_ps(xhat, gx_mean, _mm512_sub_ps(g, g_mean));
        _mm512_mask_storeu_ps(dx + c, k, _mm512_fmadd_ps(vr, t, _mm512_maskz_loadu_ps(k, dx + c)));
    }
}

void norm_columns_backward_avx512(float *dw, float *db, const float *dout, const float *inp, const float *cmean,
                                  const float *crstd, int64_t N, int C, int64_t c0, int64_t c1) {
    for (int64_t n = 0; n < N; n++) {
        const float *x = inp + n * C, *dy = dout + n * C;
        __m512 vm = _mm512_set1_ps(cmean ? cmean[n] : 0.0f), vr = _mm512_set1_ps(crstd[n]);
        for (int64_t c = c0; c < c1; c += 16) {
            __mmask16 k = simd_tail(c1 - c);
            __m512 d = _mm512_maskz_loadu_ps(k, dy + c);
            __m512 xhat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + c), vm), vr);
            _mm512_mask_storeu_ps(dw + c, k, _mm512_fmadd_ps(d, xhat, _mm512_maskz_loadu_ps(k, dw + c)));
            if (db) _mm512_mask_storeu_ps(db + c, k, _mm512_add_ps(d, _mm512_maskz_loadu_ps(k, db + c)));
        }
    }
}
