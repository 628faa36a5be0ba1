/* AVX-512 GELU and SwiGLU (see activation.h for the formulas). GELU uses
 * 0.5 (1 + tanh(u)) = sigmoid(2u), which needs one exp and has no
 * cancellation near u = 0. */
#include "kernels_avx512.h"
#include "simd_avx512.h"

#define GELU_SCALE 0.7978845608028654f

static inline __m512 gelu_u2(__m512 x) { /* 2u = 2 sqrt(2/pi) (x + 0.044715 x^3) */
    __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    return _mm512_mul_ps(_mm512_set1_ps(2.0f * GELU_SCALE), _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), x3, x));
}

void gelu_forward_avx512(float *out, const float *inp, int64_t count) {
    for (int64_t i = 0; i < count; i += 16) {
        __mmask16 m = simd_tail(count - i);
        __m512 x = _mm512_maskz_loadu_ps(m, inp + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(x, simd_sigmoid(gelu_u2(x))));
    }
}

void gelu_backward_avx512(float *dinp, const float *inp, const float *dout, int64_t count) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = 0; i < count; i += 16) {
        __mmask16 m = simd_tail(count - i);
        __m512 x = _mm512_maskz_loadu_ps(m, inp + i);
        __m512 s = simd_sigmoid(gelu_u2(x));
        /* d/dx x s(2u) = s + 2 x s (1 - s) du,  du = sqrt(2/pi) (1 + 3 * 0.044715 x^2) */
        __m512 du = _mm512_mul_ps(_mm512_set1_ps(GELU_SCALE),
                                  _mm512_fmadd_ps(_mm512_set1_ps(3.0f * 0.044715f), _mm512_mul_ps(x, x), one));
        __m512 ds = _mm512_mul_ps(_mm512_mul_ps(s, _mm512_sub_ps(one, s)), _mm512_add_ps(x, x));
        __m512 g = _mm512_fmadd_ps(ds, du, s);
        __m512 d = _mm512_maskz_loadu_ps(m, dinp + i);
        _mm512_mask_storeu_ps(dinp + i, m, _mm512_fmadd_ps(g, _mm512_maskz_loadu_ps(m, dout + i), d));
    }
}

void swiglu_forward_avx512(float *out, const float *inp, int64_t N, int F) {
    for (int64_t n = 0; n < N; n++) {
        const float *gate = inp + n * 2 * F, *up = gate + F;
        float *y = out + n * F;
        for (int f = 0; f < F; f += 16) {
            __mmask16 m = simd_tail(F - f);
            __m512 g = _mm512_maskz_loadu_ps(m, gate + f);
            __m512 silu = _mm512_mul_ps(g, simd_sigmoid(g));
            _mm512_mask_storeu_ps(y + f, m, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(m, up + f)));
        }
    }
}

void swiglu_backward_avx512(float *dinp, const float *inp, const float *dout, int64_t N, int F) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t n = 0; n < N; n++) {
        const float *gate = inp + n * 2 * F, *up = gate + F, *dy = dout + n * F;
        float *dgate = dinp + n * 2 * F, *dup = dgate + F;
        for (int f = 0; f < F; f += 16) {
            __mmask16 m = simd_tail(F - f);
            __m512 g = _mm512_maskz_loadu_ps(m, gate + f), u = _mm512_maskz_loadu_ps(m, up + f);
            __m512 d = _mm512_maskz_loadu_ps(m, dy + f), s = simd_sigmoid(g);
            __m512 silu = _mm512_mul_ps(g, s);
            _mm512_mask_storeu_ps(dup + f, m, _mm512_fmadd_ps(d, silu, _mm512_maskz_loadu_ps(m, dup + f)));
            /* d silu / dg = s (1 + g (1 - s)) */
            __m512 dsilu = _mm512_mul_ps(s, _mm512_fmadd_ps(g, _mm512_sub_ps(one, s), one));
            _mm512_mask_storeu_ps(dgate + f, m,
                                  _mm512_fmadd_ps(_mm512_mul_ps(d, u), dsilu, _mm512_maskz_loadu_ps(m, dgate + f)));
        }
    }
}

/* SiLU of the vision layers (vision/pointwise.h; its forward is ops_silu_avx512):
 * dinp += dout (s + x s (1 - s)) */
void silu_backward_avx512(float *dinp, const float *inp, const float *dout, int64_t count) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = 0; i < count; i += 16) {
        __mmask16 m = simd_tail(count - i);
        __m512 x = _mm512_maskz_loadu_ps(m, inp + i), s = simd_sigmoid(x);
        __m512 d = _mm512_fmadd_ps(_mm512_mul_ps(x, s), _mm512_sub_ps(one, s), s);
        __m512 g = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dout + i), d, _mm512_maskz_loadu_ps(m, dinp + i));
        _mm512_mask_storeu_ps(dinp + i, m, g);
    }
}
