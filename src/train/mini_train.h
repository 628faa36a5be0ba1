/* mini_train.h — training EXAONE-mini: the loop, checkpoints, export.
 *
 *     MiniTrainOptions o; mini_train_defaults(&o);
 *     o.data_dir = "~/.cache/exaone/mini/corpus"; o.tokenizer = ".../tokenizer.json";
 *     o.out_dir = "~/.cache/exaone/mini/run"; o.export_dir = "models/exaone-mini";
 *     mini_train(&o, &err);
 *
 * data_dir holds train.tsv and (optionally) val.tsv in the corpus format of
 * mini_data.h. out_dir gets ckpt.safetensors (parameters with their HF names,
 * AdamW moments "optim.m"/"optim.v", and __metadata__ step / config / seed),
 * rewritten atomically every ckpt_seconds, and log.csv (one line per logged
 * step: step, tokens, train loss, lr, grad norm, seconds, val loss or empty).
 * A run started on an out_dir with a checkpoint resumes from it: batches are
 * a pure function of (seed, step), so the resumed run is bit-identical to an
 * uninterrupted one at the same thread count.
 */
#ifndef EXAONE_TRAIN_MINI_TRAIN_H
#define EXAONE_TRAIN_MINI_TRAIN_H

#include "../core/error.h"
#include "../models/mini.h"
#include "gpt.h"
#include "mini_data.h"

#include <stdint.h>

typedef struct {
    const char *data_dir, *tokenizer, *out_dir, *export_dir;
    int d_model, n_layers, n_heads, ffn, T, B, n_codes, grid;
    int64_t steps, warmup;
    float lr, min_lr, weight_decay;
    double max_seconds;  /* stop (after a checkpoint) when reached; 0 = no limit */
    int64_t stop_after;  /* stop (after a checkpoint) at this step; 0 = run to `steps` */
    int ckpt_seconds, log_every, eval_every, eval_batches, threads;
    int export_bf16;
    const char *init;    /* model.safetensors (F32/BF16 export) to start a new run from; NULL: random */
    int bf16_matmuls;    /* linear layers multiply in bf16 (f32 master weights; gpt.h) */
    MiniDataOptions data;
} MiniTrainOptions;

void mini_train_defaults(MiniTrainOptions *o);
/* GptConfig of EXAONE-mini for a text vocabulary of n_text tokens. */
void mini_gpt_config(const MiniTrainOptions *o, int n_text, GptConfig *c);
int mini_train(const MiniTrainOptions *o, Error *err);
/* A Gpt for B x T tokens (T capped at max_seq) with the weights of an EXAONE-mini
 * folder (config.json + model.safetensors, F32 or BF16); *mc receives its config. */
int mini_gpt_load(Gpt **out, MiniConfig *mc, const char *dir, int B, int T, ThreadPool *pool, Error *err);
/* Writes dir/model.safetensors (F32 or BF16), dir/config.json, dir/tokenizer.json. */
int mini_export(const Gpt *model, int n_text, int n_codes, const char *tokenizer, const char *dir, int bf16,
                Error *err);
/* The reverse: an exported model folder (config.json, model.safetensors in
 * F32 or BF16) as a training-engine Gpt sized for micro-batches of max_B
 * sequences of the model's max_seq, e.g. for gradients of a trained model
 * (mini_explain.h). pool may be NULL. */
int mini_import(Gpt **out, const char *dir, int max_B, ThreadPool *pool, Error *err);

#endif
