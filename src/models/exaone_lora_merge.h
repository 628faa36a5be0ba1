/* exaone_lora_merge.h — `exaone lora merge`: base (safetensors folder) + PEFT adapter ->
 * a plain model folder whose adapted matrices are W + (alpha/r)·user_scale·B·A. */
#ifndef EXAONE_MODELS_EXAONE_LORA_MERGE_H
#define EXAONE_MODELS_EXAONE_LORA_MERGE_H

#include "../core/error.h"

int exaone_lora_merge(const char *base_dir, const char *adapter_dir, float user_scale, const char *out_dir,
                      Error *err);

#endif
