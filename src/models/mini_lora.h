/* mini_lora.h — PEFT LoRA adapters for EXAONE-mini.
 *
 * Same files as the EXAONE text models' adapters (exaone_lora.h):
 * adapter_config.json + adapter_model.safetensors with
 *     base_model.model.transformer.h.<l>.attn.attention.{q,k,v,out}_proj.lora_{A,B}.weight
 *     base_model.model.transformer.h.<l>.mlp.{c_fc,c_proj}.lora_{A,B}.weight
 * (the mini's own tensor names; slots numbered GPT_LORA_* as the tuner,
 * src/train/gpt_lora.h). The mini is small, so an adapter is merged into a
 * private copy of the weights it touches: W' = W + scale·(alpha/r)·B·A, PEFT's
 * formula; several adapters add up. The files on disk never change.
 *
 *     MiniLora *a;
 *     mini_lora_load(&a, "my-style", mini_config(m), 1.0f, &err);
 *     mini_lora_merge_into(m, a, &err);
 *     mini_lora_free(a);
 */
#ifndef EXAONE_MODELS_MINI_LORA_H
#define EXAONE_MODELS_MINI_LORA_H

#include "../core/error.h"
#include "../train/gpt_lora.h"
#include "exaone_lora.h"
#include "mini.h"

typedef struct MiniLora MiniLora;

int mini_lora_load(MiniLora **out, const char *dir, const MiniConfig *c, float user_scale, Error *err);
void mini_lora_free(MiniLora *a);
int mini_lora_rank(const MiniLora *a);
float mini_lora_alpha(const MiniLora *a);
/* The delta of (layer, slot), or NULL when the adapter does not target it. */
const ExaoneLoraDelta *mini_lora_delta(const MiniLora *a, int layer, int slot);
/* W += scale·B·A for every delta (on private copies of the weights). On failure m may be
 * partly merged: callers free it. */
int mini_lora_merge_into(MiniModel *m, const MiniLora *a, Error *err);
/* "DIR[:SCALE]": load and merge in one go (the --lora flag). */
int mini_lora_apply_spec(MiniModel *m, const char *spec, Error *err);

/* Writes a tuned adapter (gpt_lora.h) as PEFT files; base names the base model. */
int mini_lora_save(const char *dir, const GptLora *l, const char *base, Error *err);
/* `exaone lora merge` for an EXAONE-mini folder: out_dir gets the merged
 * model.safetensors plus copies of config.json, tokenizer.json, vq.safetensors. */
int mini_lora_merge(const char *base_dir, const char *adapter_dir, float user_scale, const char *out_dir, Error *err);
/* 1 when dir holds an EXAONE-mini model (config.json with "model_type": "exaone-mini"). */
int mini_lora_is_mini(const char *dir);

#endif
