/* exaone_lora.h — LoRA adapters for the EXAONE models in Hugging Face PEFT's format.
 *
 * An adapter folder holds adapter_config.json (r, lora_alpha, target_modules) and
 * adapter_model.safetensors with, per adapted module,
 *     base_model.model.<module>.lora_A.weight  [r, in]
 *     base_model.model.<module>.lora_B.weight  [out, r]
 * where <module> is the HF path ("model.layers.3.self_attn.q_proj"). PEFT applies it
 * as W + (alpha/r)·B·A; we never form that product at inference: attaching an adapter
 * hangs an ExaoneLoraDelta on the module's ExaoneMat and the forward adds
 * scale·(x·Aᵀ)·Bᵀ after the frozen product (several adapters chain).
 *
 *     ExaoneLora *a;
 *     exaone_lora_load(&a, "my-adapter", m, 1.0f, &err);   // user scale on top of alpha/r
 *     exaone_lora_attach(a, m);                            // until exaone_lora_detach / free
 */
#ifndef EXAONE_MODELS_EXAONE_LORA_H
#define EXAONE_MODELS_EXAONE_LORA_H

#include "../core/error.h"
#include "../core/threadpool.h"
#include "../formats/safetensors.h"
#include "exaone.h"

#include <stdint.h>

/* The seven linear modules of a layer an adapter may target. */
enum { EXAONE_LORA_Q, EXAONE_LORA_K, EXAONE_LORA_V, EXAONE_LORA_O, EXAONE_LORA_GATE, EXAONE_LORA_UP,
       EXAONE_LORA_DOWN, EXAONE_LORA_SLOTS };
#define EXAONE_LORA_MAX_RANK 256

typedef struct ExaoneLoraDelta {
    const float *A, *B; /* [r, in], [out, r] */
    int r;
    int64_t in, out;
    float scale; /* alpha / r times the user's scale */
    const struct ExaoneLoraDelta *next;
} ExaoneLoraDelta;

typedef struct ExaoneLora ExaoneLora;

/* The module's matrix in a layer (slot is EXAONE_LORA_*). */
ExaoneMat *exaone_lora_mat(ExaoneLayer *ly, int slot);
/* "model.layers.<l>.self_attn.q_proj" (4.0) or "transformer.h.<l>.attn.attention.q_proj" (3.x). */
void exaone_lora_module(ExaoneArch arch, int layer, int slot, char *buf, size_t size);
/* Last component of the module name in arch (q_proj ... out_proj / o_proj, c_fc_0 / gate_proj ...). */
const char *exaone_lora_slot_name(ExaoneArch arch, int slot);
/* "q_proj,v_proj", "all" / "all-linear": a bit mask of slots; both architectures' names are accepted. */
int exaone_lora_parse_targets(const char *list, unsigned *mask, Error *err);

/* y[M, out] += scale·(x·Aᵀ)·Bᵀ for every delta of the chain. */
void exaone_lora_apply(ThreadPool *pool, float *y, const float *x, const ExaoneLoraDelta *d, int64_t M);

/* adapter_config.json text (PEFT): r in 1..EXAONE_LORA_MAX_RANK and lora_alpha;
 * options this runtime does not implement (DoRA, rsLoRA, per-module patterns)
 * are errors rather than silently different results. path names it in errors. */
int exaone_lora_config_parse(const char *text, size_t len, const char *path, int *rank, float *alpha, Error *err);
int exaone_lora_load(ExaoneLora **out, const char *dir, const ExaoneModel *m, float user_scale, Error *err);
/* Hooks the adapter onto m's matrices (in front of adapters attached before). */
void exaone_lora_attach(ExaoneLora *a, ExaoneModel *m);
/* "DIR[:SCALE]" (the --lora flag): load and attach in one go; *out is the caller's to
 * free after m stops being used. */
int exaone_lora_attach_spec(ExaoneLora **out, const char *spec, ExaoneModel *m, Error *err);
/* Removes every adapter from m. */
void exaone_lora_detach_all(ExaoneModel *m);
void exaone_lora_free(ExaoneLora *a);
int exaone_lora_rank(const ExaoneLora *a);
float exaone_lora_alpha(const ExaoneLora *a);
/* The delta of (layer, slot), or NULL when the adapter does not target it. */
const ExaoneLoraDelta *exaone_lora_delta(const ExaoneLora *a, int layer, int slot);

/* Writes adapter_config.json + adapter_model.safetensors into dir (created if needed).
 * A[l*SLOTS + s], B[...]: f32 matrices, NULL where the slot is not targeted. */
int exaone_lora_save(const char *dir, const ExaoneModel *m, int rank, float alpha, unsigned targets,
                     const float *const *A, const float *const *B, Error *err);

/* The PEFT file pieces, shared with EXAONE-mini's adapters (mini_lora.h):
 * adapter_config.json's r and lora_alpha (rejecting variants we do not implement);
 * a [rows, cols] F32/F16/BF16 tensor into dst (returns 1 if absent, -1 on a bad one);
 * both files of an adapter (targets: module short names for target_modules). */
int exaone_lora_read_config(const char *dir, int *rank, float *alpha, Error *err);
int exaone_lora_read_matrix(const SafeTensors *st, const char *name, int64_t rows, int64_t cols, float *dst,
                            const char *path, Error *err);
int exaone_lora_write(const char *dir, const char *base, int rank, float alpha, const char *const *targets,
                      int n_targets, const StTensor *tensors, size_t n, Error *err);

/* "PATH" or "PATH:SCALE" (the --lora flag). path receives a copy of PATH. */
int exaone_lora_spec(const char *spec, char *path, size_t size, float *scale, Error *err);

#endif
