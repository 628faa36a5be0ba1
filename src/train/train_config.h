/* train_config.h — the `exaone train CONFIG` file: readable key = value lines.
 *
 *     # model
 *     vocab = 8192        d_model = 256     n_layers = 6    n_heads = 4
 *     ffn = 1024          max_seq = 128     norm = rms      mlp = swiglu
 *     pos = rope          tied = 1          bias = 0        n_kv_heads = 2
 *     # training
 *     data = tokens.bin   (int32 little-endian token ids; "random" = synthetic)
 *     steps = 1000  batch = 16  seq = 128  accum = 1  lr = 3e-4  min_lr = 3e-5
 *     warmup = 100  weight_decay = 0.1  grad_clip = 1.0  seed = 1  threads = 0
 *     log = train.csv     checkpoint = ckpt.safetensors   checkpoint_every = 100
 *     bf16 = 0            (1: bf16 matmuls, f32 master weights and AdamW)
 *
 * One key per line ('#' starts a comment). Unknown keys and bad values are
 * errors naming the file and line, so a typo never silently trains the
 * wrong model. Defaults: train_config_defaults.
 */
#ifndef EXAONE_TRAIN_CONFIG_H
#define EXAONE_TRAIN_CONFIG_H

#include "../core/error.h"
#include "adamw.h"
#include "gpt.h"

#include <stdint.h>

typedef struct {
    GptConfig model;
    AdamWConfig adamw;
    char data[512];       /* token file, or "random" */
    char log[512];        /* CSV log path ("" = none) */
    char checkpoint[512]; /* checkpoint path ("" = none) */
    int64_t steps, warmup, checkpoint_every;
    int batch, seq, accum, threads;
    float lr, min_lr;
    uint64_t seed;
    int bf16; /* 1: linear layers multiply in bf16 (f32 master weights, gpt.h) */
} TrainConfig;

void train_config_defaults(TrainConfig *cfg);
/* Parses text (path is for messages). */
int train_config_parse(TrainConfig *cfg, const char *text, const char *path, Error *err);
int train_config_load(TrainConfig *cfg, const char *path, Error *err);

#endif
