/* AVX-512 AdamW update of one tensor (see adamw.h; same operations, in the same
 * order, as the portable loop in adamw.c, so both give identical results). */
#include "kernels_avx512.h"
#include "simd_avx512.h"

void adamw_update_avx512(float *p, const float *g, float *m, float *v, int64_t n, float decay, float grad_factor,
                         float beta1, float beta2, float eps, float step_size, float bias2_sqrt) {
    __m512 b1 = _mm512_set1_ps(beta1), b2 = _mm512_set1_ps(beta2), c1 = _mm512_set1_ps(1.0f - beta1);
    __m512 c2 = _mm512_set1_ps(1.0f - beta2), vd = _mm512_set1_ps(decay), gf = _mm512_set1_ps(grad_factor);
    __m512 ve = _mm512_set1_ps(eps), ss = _mm512_set1_ps(step_size), b2s = _mm512_set1_ps(bias2_sqrt);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = simd_tail(n - i);
        __m512 gi = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, g + i), gf);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_maskz_loadu_ps(k, m + i)), _mm512_mul_ps(c1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_maskz_loadu_ps(k, v + i)),
                                  _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
        __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), b2s), ve);
        __m512 upd = _mm512_div_ps(_mm512_mul_ps(ss, mi), denom);
        __m512 pi = _mm512_sub_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, p + i), vd), upd);
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(p + i, k, pi);
    }
}
