/* exaone_lora_merge.h — `exaone lora merge`: base (safetensors folder) + PEFT adapter ->
 * a plain model folder whose adapted matrices are W + (alpha/r)·user_scale·B·A. */
#ifndef EXAONE_MODELS_EXAONE_LORA_MERGE_H
#define EXAONE_MODELS_EXAONE_LORA_MERGE_H

#include "../core/error.h"
#include "exaone_lora.h"

/* One matrix to change: the base tensor's name ("....q_proj.weight") and its delta. */
typedef struct {
    char weight[200];
    const ExaoneLoraDelta *delta;
} LoraMergeItem;

/* The shared merge: base_dir's safetensors with every item's tensor replaced by
 * W + scale·B·A (computed in f32, stored in the tensor's dtype), written to
 * out_dir/model.safetensors; copy_files (those present) are copied from base_dir. */
int lora_merge_files(const char *base_dir, const LoraMergeItem *items, int n_items, const char *out_dir,
                     const char *const *copy_files, int n_copy, Error *err);

int exaone_lora_merge(const char *base_dir, const char *adapter_dir, float user_scale, const char *out_dir,
                      Error *err);

#endif
