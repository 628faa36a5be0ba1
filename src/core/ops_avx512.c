/* AVX-512 ops (see ops_avx512.h). Tails use masked loads and stores. */
#include "ops_avx512.h"

#include <immintrin.h>
#include <math.h>

#define INLINE static inline __attribute__((always_inline))

static inline __mmask16 tail_mask(int64_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

/* e^x: x = k ln2 + r, |r| <= ln2/2, e^r by its Taylor series to r^7 (error
 * < r^8/8! ~ 6e-9 relative), then scalef multiplies by 2^k with correct
 * overflow to inf and underflow to 0. */
INLINE __m512 exp512(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-104.0f));
    x = _mm512_min_ps(x, _mm512_set1_ps(89.0f));
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693145751953125f), x); /* ln2 split: hi exact in f32 */
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
}

void ops_softmax_avx512(float *x, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (int64_t i = 0; i < n; i += 16)
            vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), tail_mask(n - i), row + i));
        float max = _mm512_reduce_max_ps(vmax);
        if (max == -INFINITY) {
            for (int64_t i = 0; i < n; i++) row[i] = 0;
            continue;
        }
        __m512 vm = _mm512_set1_ps(max), sum = _mm512_setzero_ps();
        for (int64_t i = 0; i < n; i += 16) {
            __mmask16 m = tail_mask(n - i);
            __m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, row + i), vm));
            sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(m, e));
            _mm512_mask_storeu_ps(row + i, m, e);
        }
        __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
        for (int64_t i = 0; i < n; i += 16) {
            __mmask16 m = tail_mask(n - i);
            _mm512_mask_storeu_ps(row + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + i), inv));
        }
    }
}

void ops_rmsnorm_avx512(float *y, const float *x, const float *weight, int64_t rows, int64_t n, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *in = x + r * n;
        float *out = y + r * n;
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(); /* f64 sums, as ops.c */
        for (int64_t i = 0; i < n; i += 16) {
            __m512 v = _mm512_maskz_loadu_ps(tail_mask(n - i), in + i);
            __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
            __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
            s0 = _mm512_fmadd_pd(lo, lo, s0);
            s1 = _mm512_fmadd_pd(hi, hi, s1);
        }
        double ss = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
        __m512 inv = _mm512_set1_ps((float)(1.0 / sqrt(ss / (double)n + (double)eps)));
        for (int64_t i = 0; i < n; i += 16) {
            __mmask16 m = tail_mask(n - i);
            __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, in + i), inv);
            if (weight) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, weight + i));
            _mm512_mask_storeu_ps(out + i, m, v);
        }
    }
}

/* x * sigmoid(a·x) = x / (1 + e^(-a·x)); a = 1 gives silu. */
INLINE __m512 x_sigmoid(__m512 x, __m512 ax) {
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), exp512(_mm512_sub_ps(_mm512_setzero_ps(), ax))));
}

void ops_silu_avx512(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        _mm512_mask_storeu_ps(y + i, m, x_sigmoid(v, v));
    }
}

/* 0.5 x (1 + tanh(u)) = x · sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3). */
void ops_gelu_tanh_avx512(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 cube = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
        __m512 u = _mm512_mul_ps(_mm512_set1_ps(2.0f * 0.7978845608028654f),
                                 _mm512_fmadd_ps(cube, _mm512_set1_ps(0.044715f), v));
        _mm512_mask_storeu_ps(y + i, m, x_sigmoid(v, u));
    }
}

void ops_swiglu_avx512(float *y, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(x_sigmoid(g, g), _mm512_maskz_loadu_ps(m, up + i)));
    }
}

/* o[e] = sum over j < rows of p[(e / hs) * ldp + j] * V[j * ldv + e], for
 * e < C, summed in j order from 0 with a rounded product and a rounded
 * add each step (no FMA): the numbers of the plain loop `o[e] += a * v[e]`
 * built with -ffp-contract=off (C11), so callers get the same bits. The
 * outputs stay in registers, 256 at a time, while the rows stream past
 * once. hs must be a multiple of 16. */
void ops_attend_values_avx512(float *o, const float *V, int64_t ldv, const float *p, int64_t ldp, int rows, int C,
                              int hs) {
    enum { CHUNK = 16 }; /* zmm accumulators */
    for (int e0 = 0; e0 < C; e0 += CHUNK * 16) {
        int nv = (C - e0) / 16 < CHUNK ? (C - e0) / 16 : CHUNK;
        __m512 acc[CHUNK];
        const float *w[CHUNK];
        for (int q = 0; q < CHUNK; q++) {
            acc[q] = _mm512_setzero_ps();
            w[q] = p + (int64_t)((e0 + 16 * (q < nv ? q : 0)) / hs) * ldp;
        }
        for (int j = 0; j < rows; j++) {
            const float *v = V + (int64_t)j * ldv + e0;
#pragma GCC unroll 16
            for (int q = 0; q < CHUNK; q++)
                if (q < nv) acc[q] = _mm512_add_ps(acc[q], _mm512_mul_ps(_mm512_set1_ps(w[q][j]), _mm512_loadu_ps(v + 16 * q)));
        }
        for (int q = 0; q < nv; q++) _mm512_storeu_ps(o + e0 + 16 * q, acc[q]);
    }
}
