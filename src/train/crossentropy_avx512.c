/* AVX-512 rows of the fused softmax + cross-entropy (see crossentropy.h). */
#include "kernels_avx512.h"
#include "simd_avx512.h"

#include <math.h>

float crossentropy_row_forward_avx512(const float *z, int V, float *zsum) {
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    for (int v = 0; v < V; v += 16) vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(vmax, simd_tail(V - v), z + v));
    float maxv = _mm512_reduce_max_ps(vmax);
    __m512 m = _mm512_set1_ps(maxv), sum = _mm512_setzero_ps(), zs = _mm512_setzero_ps();
    for (int v = 0; v < V; v += 16) {
        __mmask16 k = simd_tail(V - v);
        __m512 x = _mm512_maskz_loadu_ps(k, z + v);
        sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(k, simd_exp(_mm512_sub_ps(x, m))));
        zs = _mm512_add_ps(zs, x);
    }
    *zsum = _mm512_reduce_add_ps(zs);
    return maxv + logf(_mm512_reduce_add_ps(sum));
}

void crossentropy_row_backward_avx512(float *dz, const float *z, int V, float lse, float uniform, float dloss,
                                      int inplace) {
    __m512 l = _mm512_set1_ps(lse), u = _mm512_set1_ps(uniform), d = _mm512_set1_ps(dloss);
    for (int v = 0; v < V; v += 16) {
        __mmask16 k = simd_tail(V - v);
        __m512 g = _mm512_mul_ps(_mm512_sub_ps(simd_exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, z + v), l)), u), d);
        if (!inplace) g = _mm512_add_ps(g, _mm512_maskz_loadu_ps(k, dz + v));
        _mm512_mask_storeu_ps(dz + v, k, g);
    }
}
