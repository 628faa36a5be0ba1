/* ops_avx512.h — internal: AVX-512 versions of the ops.h functions whose
 * cost matters per token (exp-heavy and row norms). Call only when
 * cpu_features()->avx512. Same formulas as ops.c; exp is a degree-7
 * polynomial after range reduction (relative error < 1 ulp of f32). */
#ifndef EXAONE_OPS_AVX512_H
#define EXAONE_OPS_AVX512_H

#include <stdint.h>

void ops_softmax_avx512(float *x, int64_t rows, int64_t n);
void ops_rmsnorm_avx512(float *y, const float *x, const float *weight, int64_t rows, int64_t n, float eps);
void ops_silu_avx512(float *y, const float *x, int64_t n);
void ops_gelu_tanh_avx512(float *y, const float *x, int64_t n);
void ops_swiglu_avx512(float *y, const float *gate, const float *up, int64_t n);
/* Attention's weighted sum of value rows (see ops_avx512.c); hs % 16 == 0. */
void ops_attend_values_avx512(float *o, const float *V, int64_t ldv, const float *p, int64_t ldp, int rows, int C,
                              int hs);

#endif
