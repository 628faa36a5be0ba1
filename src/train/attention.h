/* attention.h — multi-head scaled dot-product attention with a causal or
 * prefix-LM mask (legend in real.h).
 *
 * Query i of sequence b sees key j when  j <= i  or  j < prefix[b]:
 * the first prefix[b] tokens (e.g. the prompt or the image of an
 * image->text sample) attend to each other bidirectionally, later tokens are
 * causal and see the whole prefix (prefix-LM, Raffel et al. 2020 §3.2.1;
 * the EXAONE-mini task layout). prefix == NULL, or prefix[b] <= 1, is the
 * plain causal mask; prefix[b] >= T is full bidirectional attention.
 * The visible keys of query i are therefore the range [0, max(i+1, prefix)).
 *
 * Grouped-query attention (Ainslie et al. 2023; EXAONE uses 8 kv heads): NKV
 * kv heads (NKV divides NH), query head h reads kv head h / (NH / NKV);
 * NKV = NH is ordinary multi-head attention.
 * q, k, v: rows n = b*T + t at stride ld (e.g. the fused qkv buffer
 * [N, C + 2 KVC], KVC = NKV*hs, with q = qkv, k = qkv + C, v = qkv + C + KVC);
 * query head h is channels [h*hs, (h+1)*hs) of a q row, kv head g channels
 * [g*hs, (g+1)*hs) of a k / v row. out [N, C] with C = NH*hs.
 * Saved for backward: q, k, v and att [B,NH,T,T] (the softmax probabilities;
 * masked entries are 0). Backward accumulates into dq, dk, dv (same stride
 * ld). Both passes need scratch of attention_scratch_floats() floats (per
 * thread work space). (b, kv head) pairs are split across threads; with AVX-512
 * and hs in {32, 64, 128} the per-head work runs in attention_avx512.c.
 */
#ifndef EXAONE_TRAIN_ATTENTION_H
#define EXAONE_TRAIN_ATTENTION_H

#include "real.h"
#include "../core/threadpool.h"

#include <stdint.h>

/* Size of the scratch buffer for up to T tokens, head size hs, n_threads threads. */
int64_t attention_scratch_floats(int T, int hs, int n_threads);
void attention_forward(ThreadPool *pool, real *out, real *att, real *scratch, const real *q, const real *k,
                       const real *v, int64_t ld, const int *prefix, int B, int T, int NH, int NKV, int hs);
void attention_backward(ThreadPool *pool, real *dq, real *dk, real *dv, real *scratch, const real *dout,
                        const real *att, const real *q, const real *k, const real *v, int64_t ld,
                        const int *prefix, int B, int T, int NH, int NKV, int hs);

#endif
