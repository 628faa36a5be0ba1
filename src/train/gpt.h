/* gpt.h — a decoder-only transformer for training (legend in real.h).
 *
 * Pre-norm blocks:  x += out_proj(attention(rope?(qkv(norm1(x)))))
 *                   x += c_proj(act(c_fc(norm2(x))))
 * then ln_f and the LM head (tied to wte or its own lm_head.weight), with a
 * fused softmax + cross-entropy loss. Choices per config: LayerNorm or
 * RMSNorm, GELU or SwiGLU MLP, learned or rotary positions, optional 2-D
 * learned (row, col) positions for a grid of image tokens, biases or not,
 * tied or untied embeddings. Masks are causal, or prefix-LM per sequence.
 *
 * Memory: all parameters live in one float buffer laid out by `table`
 * (params.h) with the HF tensor names of EXAONE 3.x
 * ("transformer.h.0.attn.attention.q_proj.weight", ...); gradients live in a
 * parallel buffer with the same layout; every activation comes from one
 * arena sized at gpt_new for at most B x T tokens, so a step never allocates.
 * q/k/v weights (and c_fc_0/c_fc_1) sit next to each other in the buffer, so
 * each is one [C + 2 KVC, C] (or [2F, C]) product. With n_kv_heads < n_heads the
 * attention is grouped-query (k_proj / v_proj are [KVC, C], KVC = n_kv_heads * hs).
 *
 *     Gpt *model;
 *     if (gpt_new(&model, &config, B, T, pool, &err) != 0) ...
 *     gpt_init_random(model, seed);
 *     gpt_zero_grad(model);
 *     gpt_forward(model, &batch, B, T, &err);   // model->loss
 *     gpt_backward(model, 1.0f);
 *     ... adamw_step(...model->params, model->grads...) ...
 *     gpt_free(model);
 */
#ifndef EXAONE_TRAIN_GPT_H
#define EXAONE_TRAIN_GPT_H

#include "../core/error.h"
#include "../core/threadpool.h"
#include "linear.h"
#include "params.h"

#include <stdint.h>

enum { GPT_NORM_LAYER = 0, GPT_NORM_RMS = 1 };
enum { GPT_MLP_GELU = 0, GPT_MLP_SWIGLU = 1 };
enum { GPT_POS_LEARNED = 0, GPT_POS_ROPE = 1 };
#define GPT_IGNORE_INDEX (-100)

typedef struct {
    int vocab, d_model, n_layers, n_heads, ffn, max_seq;
    int n_kv_heads;              /* grouped-query attention; 0 = n_heads (model->config holds the value) */
    int norm, mlp, pos;          /* GPT_NORM_*, GPT_MLP_*, GPT_POS_* */
    int tied;                    /* lm head reuses transformer.wte.weight */
    int bias;                    /* linear layers have biases */
    int grid_h, grid_w;          /* 2-D image positions (0 = none) */
    int n_segments;              /* learned segment/direction embedding rows (0 = none) */
    int decay_embeddings;        /* AdamW decays wte/wpe/lm_head too */
    float rope_theta, norm_eps;
    float label_smoothing;
} GptConfig;

/* One micro-batch. tokens/targets are [B*T]; targets may be NULL (no loss),
 * GPT_IGNORE_INDEX marks a position without loss. prefix [B] (NULL: causal)
 * and image_start [B] (NULL or < 0: no image; needs grid_h/grid_w) are
 * per sequence. segments [B*T] (NULL, or -1 at a position: none; needs
 * n_segments) adds row segments[n] of transformer.wse.weight to the input, the
 * task-direction x role embedding of BiART (L-Verse, Kim et al. 2022). */
typedef struct {
    const int *tokens, *targets, *prefix, *image_start;
    const int *segments;
} GptBatch;

typedef struct GptLayer GptLayer;
typedef struct GptActs GptActs;

typedef struct {
    GptConfig config;
    ParamTable table;
    float *params, *grads; /* [table.total] each */
    ThreadPool *pool;
    /* LINEAR_BF16: every linear layer's products (forward and backward) in
     * bf16 with f32 sums; params, grads and the optimizer stay f32. A run-time
     * choice, not part of the model: set it any time after gpt_new. Attention
     * scores and the other layers are f32 either way. */
    LinearPrecision precision;
    int max_B, max_T;
    /* last forward */
    int B, T;
    float loss;
    int64_t n_targets;
    /* internals: pointers into params/grads/arena */
    GptLayer *layer, *dlayer;
    GptActs *acts;
    struct GptLora *lora; /* attached adapter (gpt_lora.h) or NULL */
    float *arena;
    int *int_arena;
} Gpt;

/* Sets the defaults every config starts from (eps 1e-5, theta 10000, ...). */
void gpt_config_defaults(GptConfig *config);
/* Checks the config and allocates parameters, gradients and activations for
 * micro-batches up to max_B x max_T. pool may be NULL. */
int gpt_new(Gpt **out, const GptConfig *config, int max_B, int max_T, ThreadPool *pool, Error *err);
void gpt_free(Gpt *model);
/* GPT-2 style init: N(0, 0.02), residual projections / sqrt(2 n_layers),
 * norm weights 1, biases 0. */
void gpt_init_random(Gpt *model, uint64_t seed);
/* Fills model->loss (mean over targets not ignored) when batch->targets. */
int gpt_forward(Gpt *model, const GptBatch *batch, int B, int T, Error *err);
void gpt_zero_grad(Gpt *model);
/* Accumulates grad_scale * d(loss)/d(params) into model->grads (grad_scale =
 * 1/accumulation_steps for gradient accumulation). Needs a forward with targets. */
void gpt_backward(Gpt *model, float grad_scale);
/* The logits [B*T, V] of the last forward (overwritten by gpt_backward). */
const float *gpt_logits(const Gpt *model);
/* The input embeddings x0 [B*T, C] of the last forward (token + positions +
 * segment), and, after a gpt_backward of a forward with targets, d(loss)/d x0
 * [B*T, C]: together they give gradient x input attribution (mini_explain.h).
 * Both are valid until the next forward. */
const float *gpt_input_embeddings(const Gpt *model);
const float *gpt_input_grad(const Gpt *model);

#endif
