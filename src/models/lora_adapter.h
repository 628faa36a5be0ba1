/* lora_adapter.h — a PEFT LoRA adapter folder read into one delta per (layer, slot),
 * for any model that can name its adaptable modules and give their shapes: the EXAONE
 * text models (exaone_lora.h) and EXAONE-mini (mini_lora.h) differ only in that.
 *
 * The folder holds adapter_config.json (r, lora_alpha: exaone_lora_read_config) and
 * adapter_model.safetensors with base_model.model.<module>.lora_A.weight [r, in] and
 * lora_B.weight [out, r] for every adapted module. The loader checks every tensor's
 * shape and dtype, that A and B come in pairs and that every tensor in the file
 * belongs to one of the model's modules (a file for another model is an error, not
 * an adapter that silently does nothing).
 *
 *     LoraLayout lay = {n_layers, n_slots, my_module_name, my_slot_shape, model, "EXAONE-mini"};
 *     LoraAdapter a;
 *     if (lora_adapter_load(&a, "my-adapter", &lay, 1.0f, &err) != 0) ...;
 *     const ExaoneLoraDelta *d = lora_adapter_delta(&a, layer, slot);   // NULL: not adapted
 *     lora_adapter_free(&a);
 */
#ifndef EXAONE_MODELS_LORA_ADAPTER_H
#define EXAONE_MODELS_LORA_ADAPTER_H

#include "../core/error.h"
#include "exaone_lora.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int n_layers, n_slots;
    /* the HF module path of (layer, slot), e.g. "model.layers.3.self_attn.q_proj" */
    void (*module)(const void *model, int layer, int slot, char *buf, size_t size);
    /* the slot's weight is [out, in] (the same in every layer) */
    void (*shape)(const void *model, int slot, int64_t *in, int64_t *out);
    const void *model;
    const char *what; /* names the model in errors: "this model", "EXAONE-mini" */
} LoraLayout;

typedef struct {
    int n_layers, n_slots, rank;
    float alpha;
    ExaoneLoraDelta *deltas; /* [n_layers * n_slots]; A == NULL where not adapted */
    float *data;             /* every A and B */
} LoraAdapter;

/* Each delta's scale is alpha / r times user_scale. On failure *a is empty. */
int lora_adapter_load(LoraAdapter *a, const char *dir, const LoraLayout *layout, float user_scale, Error *err);
void lora_adapter_free(LoraAdapter *a);
/* The delta of (layer, slot), or NULL when the adapter does not target it. */
const ExaoneLoraDelta *lora_adapter_delta(const LoraAdapter *a, int layer, int slot);

#endif
