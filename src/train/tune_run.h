/* tune_run.h — what every LoRA tuning run shares, whatever the model (EXAONE text
 * models: cmd_tune.c, EXAONE-mini: cmd_tune_mini.c): the resumable checkpoint of
 * the trainable table + AdamW state, the loss log, the loss-curve PNG, the epoch order.
 *
 * ADAPTER_DIR/tune-checkpoint.safetensors holds every table tensor, its AdamW moments
 * ("optimizer.exp_avg.<name>", "optimizer.exp_avg_sq.<name>") and metadata step,
 * adam_step, seed; it is written atomically, so a killed run resumes from the last one.
 */
#ifndef EXAONE_TRAIN_TUNE_RUN_H
#define EXAONE_TRAIN_TUNE_RUN_H

#include "../core/error.h"
#include "adamw.h"
#include "params.h"

#include <stdint.h>

#define TUNE_CKPT_NAME "tune-checkpoint.safetensors"

int tune_ckpt_save(const char *dir, const ParamTable *table, const float *params, const AdamW *opt, int64_t step,
                   uint64_t seed, Error *err);
/* Fails (naming the file) when the tensors or the seed do not match this run. */
int tune_ckpt_load(const char *dir, const ParamTable *table, float *params, AdamW *opt, int64_t *step, uint64_t seed,
                   Error *err);
/* After a resume, drops loss.csv rows past the checkpoint's step. */
int tune_csv_truncate(const char *path, int64_t step, Error *err);
/* loss.png from the second column of loss.csv (the whole run, resumed parts included). */
int tune_plot_csv(const char *csv_path, const char *png_path, Error *err);
/* A permutation of [0, n) that depends only on seed and epoch. */
void tune_epoch_order(int *perm, int n, uint64_t seed, int64_t epoch);

#endif
