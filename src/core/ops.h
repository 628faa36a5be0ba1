/* ops.h — element-wise and row-wise f32 operations of the transformer.
 *
 * Rows are contiguous; `rows` rows of n elements. In-place use is allowed
 * wherever y and x may be the same pointer (every op here).
 *
 *     ops_rmsnorm(h, x, ln_weight, T, d_model, 1e-5f);
 *     ops_rope_inv_freq(inv_freq, head_dim, 1e6f);          // once per model
 *     ops_rope(q, positions, inv_freq, T, n_heads, head_dim); // in place
 *     ops_softmax(scores, n_rows, n_keys);
 *
 * Formulas follow the HF PyTorch modules they replace (cited per function),
 * computed in f32 with f64 row sums for the norms.
 */
#ifndef EXAONE_OPS_H
#define EXAONE_OPS_H

#include <stdint.h>

/* Row softmax, max-subtracted for stability. Rows of -inf only give zeros. */
void ops_softmax(float *x, int64_t rows, int64_t n);

/* HF LlamaRMSNorm: y = x / sqrt(mean(x^2) + eps) * weight (weight NULL: 1). */
void ops_rmsnorm(float *y, const float *x, const float *weight, int64_t rows, int64_t n, float eps);

/* torch.nn.LayerNorm: y = (x - mean) / sqrt(var + eps) * weight + bias
 * (biased variance; weight/bias NULL: 1/0). */
void ops_layernorm(float *y, const float *x, const float *weight, const float *bias, int64_t rows, int64_t n,
                   float eps);

/* inv_freq[i] = 1 / theta^(2i/head_dim), i < head_dim/2, in f32 like HF's
 * _compute_default_rope_parameters. Scaled RoPE (llama3) edits it after. */
void ops_rope_inv_freq(float *inv_freq, int64_t head_dim, float theta);

/* HF apply_rotary_pos_emb with rotate_half on x[T, n_heads, head_dim]
 * (head_dim even): angle_i = (f32)position[t] * inv_freq[i mod head_dim/2],
 *   y[i]        = x[i] cos - x[i + h/2] sin      (i < h/2)
 *   y[i + h/2]  = x[i + h/2] cos + x[i] sin. In place. */
void ops_rope(float *x, const int32_t *positions, const float *inv_freq, int64_t T, int64_t n_heads,
              int64_t head_dim);

/* y = x * sigmoid(x) */
void ops_silu(float *y, const float *x, int64_t n);
/* GELU, tanh approximation (gelu_pytorch_tanh / "gelu_new") */
void ops_gelu_tanh(float *y, const float *x, int64_t n);
/* GELU, exact: x/2 (1 + erf(x/sqrt 2)) */
void ops_gelu_erf(float *y, const float *x, int64_t n);
/* y = silu(gate) * up (the Llama MLP) */
void ops_swiglu(float *y, const float *gate, const float *up, int64_t n);
/* y = a + b */
void ops_add(float *y, const float *a, const float *b, int64_t n);
/* y = x * s */
void ops_scale(float *y, const float *x, float s, int64_t n);

#endif
