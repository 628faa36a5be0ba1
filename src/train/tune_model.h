/* tune_model.h — LoRA fine-tuning of an EXAONE 3.x / 4.0 model: the frozen base (any
 * dtype, still mmap'ed by exaone_load) plus trainable f32 low-rank A, B on the target
 * modules (lora.h). Forward and backward are built from the trainer's layers (RMSNorm,
 * GQA attention, RoPE, SwiGLU, cross-entropy); the frozen products run on
 * src/core/kernels.h forward and on dequantized row blocks of W backward (dx = dy·W).
 *
 * Memory: only each layer's input is kept through the forward; backward recomputes one
 * layer at a time (activation checkpointing), so activations are O(layers·T·C + T·V)
 * instead of O(layers·T·(C + F + heads·T)).
 *
 *     TuneModel *t;
 *     tune_model_new(&t, m, pool, rank, alpha, targets, max_T, seed, &err);
 *     memset(t->grads, 0, ...); tune_model_step(t, ids, targets, T, 1.0f, 1, &loss, &n, &err);
 *     adamw_step(&opt, pool, t->params, t->grads, &t->table, &cfg, lr, 1);
 */
#ifndef EXAONE_TRAIN_TUNE_MODEL_H
#define EXAONE_TRAIN_TUNE_MODEL_H

#include "../core/error.h"
#include "../core/threadpool.h"
#include "../models/exaone.h"
#include "params.h"

#include <stdint.h>

typedef struct TuneModel TuneModel;
struct TuneModel {
    const ExaoneModel *m;
    ThreadPool *pool;
    int rank, max_T;
    float alpha, scale;
    unsigned targets;
    ParamTable table; /* PEFT names: base_model.model.<module>.lora_A.weight ... */
    float *params, *grads;
    int *slot_param;  /* [layers * slots]: index of lora_A in table (lora_B follows), -1 if none */
    struct TuneBuffers *buf;
};

/* A ~ Kaiming-uniform(a = sqrt 5) like PEFT, B = 0 (so the first forward is the base). */
int tune_model_new(TuneModel **out, const ExaoneModel *m, ThreadPool *pool, int rank, float alpha, unsigned targets,
                   int max_T, uint64_t seed, Error *err);
void tune_model_free(TuneModel *t);
/* Pointers to A / B of (layer, slot), or NULL when not targeted. */
float *tune_model_A(const TuneModel *t, int layer, int slot);
float *tune_model_B(const TuneModel *t, int layer, int slot);

/* One sequence: tokens[T], targets[T] (the next token, or -1 where no loss is taken).
 * *loss_sum and *count receive the summed loss and the number of counted targets.
 * With backward, gradients of dloss · mean loss are accumulated into t->grads. */
int tune_model_step(TuneModel *t, const int32_t *tokens, const int *targets, int T, float dloss, int backward,
                    double *loss_sum, int64_t *count, Error *err);

#endif
