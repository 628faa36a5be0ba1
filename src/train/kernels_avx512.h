/* kernels_avx512.h — AVX-512 versions of the training layers' inner loops.
 * Defined in src/train/ *_avx512.c files; call only when cpu_features()->avx512.
 * Each does the same work as the portable loop it replaces (same arguments,
 * a range of rows or elements), so the portable code is the reference. */
#ifndef EXAONE_TRAIN_KERNELS_AVX512_H
#define EXAONE_TRAIN_KERNELS_AVX512_H

#include <stdint.h>

/* activation.h, over elements [0, count) / rows [0, N) */
void gelu_forward_avx512(float *out, const float *inp, int64_t count);
void gelu_backward_avx512(float *dinp, const float *inp, const float *dout, int64_t count);
/* vision/pointwise.h's SiLU backward over elements [0, count), accumulating
 * (its forward is src/core/ops_avx512.h's ops_silu_avx512) */
void silu_backward_avx512(float *dinp, const float *inp, const float *dout, int64_t count);
void swiglu_forward_avx512(float *out, const float *inp, int64_t N, int F);
void swiglu_backward_avx512(float *dinp, const float *inp, const float *dout, int64_t N, int F);

/* crossentropy.h, one row: returns lse and fills *zsum (sum of logits). */
float crossentropy_row_forward_avx512(const float *z, int V, float *zsum);
/* dz (+)= (exp(z - lse) - uniform) * dloss; overwrite when inplace. */
void crossentropy_row_backward_avx512(float *dz, const float *z, int V, float lse, float uniform, float dloss,
                                      int inplace);

/* attention.h, one (batch, head) pair; see attention_avx512.c for the layout of work
 * ([2*hs*T] floats per thread). */
void attention_head_forward_avx512(float *out, float *att, const float *q, const float *k, const float *v,
                                   int64_t ld, int64_t out_ld, int T, int hs, int prefix, float *work);
void attention_head_backward_avx512(float *dq, float *dk, float *dv, const float *dout, const float *att,
                                    const float *q, const float *k, const float *v, int64_t ld, int64_t out_ld,
                                    int T, int hs, int prefix, float *work);

/* adamw.c: one tensor's update, same arithmetic as the portable loop. */
void adamw_update_avx512(float *p, const float *g, float *m, float *v, int64_t n, float decay, float grad_factor,
                         float beta1, float beta2, float eps, float step_size, float bias2_sqrt);

#endif
