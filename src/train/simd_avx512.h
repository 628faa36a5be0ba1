/* simd_avx512.h — inline AVX-512 helpers shared by the src/train/ *_avx512.c files
 * kernels. Include only from *_avx512.c files (they get the AVX-512 flags). */
#ifndef EXAONE_TRAIN_SIMD_AVX512_H
#define EXAONE_TRAIN_SIMD_AVX512_H

#include <immintrin.h>
#include <stdint.h>

/* Lanes 0..n-1 of 16 (n may exceed 16). */
static inline __mmask16 simd_tail(int64_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

/* exp(x), ~1 ulp: x = n ln2 + r with |r| <= ln2/2, Cephes' degree-6 polynomial for
 * e^r, then scalef for 2^n (which also underflows cleanly to 0 for very negative x). */
static inline __m512 simd_exp(__m512 x) {
    x = _mm512_min_ps(x, _mm512_set1_ps(88.7f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

/* 1 / (1 + exp(-x)) */
static inline __m512 simd_sigmoid(__m512 x) {
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 e = simd_exp(_mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), x), _mm512_set1_ps(-88.0f)));
    return _mm512_div_ps(one, _mm512_add_ps(one, e));
}

#endif
