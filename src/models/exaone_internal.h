/* exaone_internal.h — shared between the EXAONE loader files (not a public API). */
#ifndef EXAONE_MODELS_INTERNAL_H
#define EXAONE_MODELS_INTERNAL_H

#include "../formats/safetensors.h"
#include "exaone.h"

/* Tensor names of one file format and architecture; layer names follow layer_fmt % i. */
typedef struct {
    const char *embed, *final_norm, *layer_fmt;
    const char *q, *k, *v, *o, *gate, *up, *down, *attn_norm, *ffn_norm, *q_norm, *k_norm;
    const char *head;
} ExaoneNames;

/* Finds a tensor by name (NULL if absent); tmp may be filled and returned. */
typedef const StTensor *(*ExaoneLookup)(void *ctx, const char *name, StTensor *tmp);

/* Checks and maps every weight of m->cfg's shape; label names the file in errors. */
int exaone_bind_weights(ExaoneModel *m, const ExaoneNames *names, ExaoneLookup lookup, void *ctx, const char *label,
                        Error *err);
/* Whether a matrix with rows of `cols` elements in dtype can be used by the forward pass. */
int exaone_weight_type_ok(int dtype, int64_t cols);
/* Hugging Face names for arch (the module paths of LoRA adapters). */
const ExaoneNames *exaone_hf_names(ExaoneArch arch);
/* llama.cpp GGUF names for arch "exaone" / "exaone4". */
const ExaoneNames *exaone_gguf_names(ExaoneArch arch);
int exaone_load_gguf(ExaoneModel *m, const char *path, Error *err);

#endif
