/* gpt_lora.h — LoRA adapters on the trainer's transformer (gpt.h): the base
 * weights stay frozen, only low-rank A [r, in] and B [out, r] per targeted
 * module train (lora.h: y += s·(x·Aᵀ)·Bᵀ, s = alpha / r, as PEFT applies it).
 * This is how EXAONE-mini (a GELU, learned-position Gpt) is tuned.
 *
 * Modules per layer (PEFT names "transformer.h.<l>.<path>"): q_proj, k_proj,
 * v_proj (rows of the fused qkv product), out_proj, c_fc (GELU MLP only),
 * c_proj. Parameters live in their own table (params.h) with PEFT key names
 * base_model.model.<module>.lora_A.weight / lora_B.weight, so the optimizer,
 * checkpoints and adapter files walk one table.
 *
 * Attaching sets model->lora; from then on gpt_forward adds the low-rank terms,
 * gpt_backward accumulates dA, dB into lora->grads and skips the frozen
 * weights' matrix gradients (the expensive part); model->grads is scratch.
 *
 *     GptLora *lora;
 *     gpt_lora_new(&lora, model, 8, 16.0f, mask, seed, &err);   // B = 0: same logits as the base
 *     gpt_forward(model, &batch, B, T, &err); gpt_backward(model, 1.0f);
 *     adamw_step(&opt, pool, lora->params, lora->grads, &lora->table, &cfg, lr, clip);
 *     gpt_lora_free(lora);                                      // detaches
 */
#ifndef EXAONE_TRAIN_GPT_LORA_H
#define EXAONE_TRAIN_GPT_LORA_H

#include "../core/error.h"
#include "gpt.h"
#include "params.h"

#include <stddef.h>
#include <stdint.h>

enum { GPT_LORA_Q, GPT_LORA_K, GPT_LORA_V, GPT_LORA_O, GPT_LORA_FC, GPT_LORA_PROJ, GPT_LORA_SLOTS };
#define GPT_LORA_MAX_RANK 256

typedef struct GptLora {
    Gpt *model;
    int rank, n_layers;
    float alpha, scale;
    unsigned targets;           /* bit mask of GPT_LORA_* */
    ParamTable table;
    float *params, *grads;      /* [table.total] each */
    int *slot_param;            /* [n_layers * SLOTS]: index of lora_A in table (lora_B follows), -1 if none */
    float *saved;               /* [n_layers * SLOTS, max_N, r]: s·x·Aᵀ of the last forward */
    float *dense, *tmp, *dv;    /* [max_N, widest]: strided output slices; scratch; [max_N, r] */
    int64_t max_N;
} GptLora;

/* "q_proj" ... "c_proj" */
const char *gpt_lora_slot_name(int slot);
/* "transformer.h.<layer>.attn.attention.q_proj" (no ".weight"). */
void gpt_lora_module(int layer, int slot, char *buf, size_t size);
/* "q_proj,v_proj", "all" / "all-linear" -> bit mask. */
int gpt_lora_parse_targets(const char *list, unsigned *mask, Error *err);
/* in / out features of a slot for a config (GELU MLP). */
void gpt_lora_slot_shape(const GptConfig *c, int slot, int *in, int *out);

/* A ~ Kaiming-uniform(a = sqrt 5) as PEFT initialises it, B = 0. Attaches to model. */
int gpt_lora_new(GptLora **out, Gpt *model, int rank, float alpha, unsigned targets, uint64_t seed, Error *err);
/* Detaches from the model and frees. */
void gpt_lora_free(GptLora *lora);
/* A / B of (layer, slot), NULL when not targeted. */
float *gpt_lora_A(const GptLora *lora, int layer, int slot);
float *gpt_lora_B(const GptLora *lora, int layer, int slot);

/* Hooks called by gpt.c. y / dy are [N, ldy] with the slot's outputs at column 0
 * (the caller offsets into fused q|k|v rows); x [N, in]; dx [N, in] accumulates. */
void gpt_lora_forward(GptLora *lora, int layer, int slot, float *y, int ldy, const float *x, int64_t N);
void gpt_lora_backward(GptLora *lora, int layer, int slot, float *dx, const float *dy, int ldy, const float *x,
                       int64_t N);

#endif
