/* vq_train.h — training the VQ image tokenizer (src/models/vq.h).
 *
 * The loop: sample a batch (random horizontal flips), forward, backward,
 * AdamW (src/train/adamw.h; no weight decay on this model), EMA codebook
 * update and dead-code restarts; learning rate warmup + cosine
 * (src/train/schedule.h). Every step is logged to OUT/loss.csv; every
 * checkpoint_seconds the model goes to OUT/checkpoint.safetensors (with the
 * optimizer moments, for resume) and OUT/vq.safetensors (weights only); the
 * held-out PSNR is measured every eval_every steps and at the end, and
 * OUT/grid.png shows held-out originals | reconstructions.
 * Batches are drawn from a generator seeded by (seed, step), and checkpoints
 * hold the whole training state (moments, EMA, code usage, restart generator),
 * so a resumed run is bit-identical to an uninterrupted one; resuming drops
 * loss.csv rows past the checkpoint (written before a crash), so the log reads
 * as one run.
 *
 *     VqTrainConfig cfg;
 *     vq_train_config_default(&cfg);
 *     cfg.data = "~/.cache/exaone/npm/package/img/google/64"; cfg.out_dir = "runs/vq"; cfg.steps = 5000;
 *     if (vq_train(&cfg, &err) != 0) ...
 */
#ifndef EXAONE_TRAIN_VISION_VQ_TRAIN_H
#define EXAONE_TRAIN_VISION_VQ_TRAIN_H

#include "../../core/error.h"
#include "../../models/vq.h"

#include <stdint.h>

typedef struct {
    const char *data;        /* directory of PNGs or a file listing them */
    const char *out_dir;
    int64_t steps;
    int batch, image_size;
    float lr, min_lr;
    int64_t warmup;
    uint64_t seed;
    int threads;
    int checkpoint_seconds;
    int eval_every;          /* steps; 0: only at the end */
    int resume;              /* continue from OUT/checkpoint.safetensors when it exists */
    const char *init;        /* weights (vq.safetensors) to start a new run from, fresh optimizer; NULL: random */
    int decoder_only;        /* freeze encoder and codebook (codes stay valid for a trained transformer) */
    int64_t stop_after;      /* checkpoint and stop at this step (0: run to `steps`, which the schedule spans) */
    VqConfig model;
} VqTrainConfig;

/* batch 16, 64x64, lr 4e-4 -> 4e-5, warmup 100, seed 1, 1 thread, checkpoint
 * every 300 s, eval every 500 steps, resume on, default model. */
void vq_train_config_default(VqTrainConfig *cfg);
int vq_train(const VqTrainConfig *cfg, Error *err);

/* Mean per-image PSNR (dB, pixels in [0,1]) of the reconstructions of
 * images [n,H,W,3], batch images at a time. */
int vq_eval_psnr(VqModel *m, const uint8_t *images, int n, int H, int W, int batch, double *psnr, Error *err);
/* A PNG with up to `rows` rows of `per_row` pairs original | reconstruction. */
int vq_write_grid(VqModel *m, const uint8_t *images, int n, int H, int W, int per_row, int rows, const char *path,
                  Error *err);

#endif
