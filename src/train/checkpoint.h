/* checkpoint.h — training checkpoints as one safetensors file.
 *
 * Holds everything a run needs to continue bit-identically: every parameter
 * under its HF name (params.h), AdamW's moments as "optimizer.exp_avg.<name>"
 * and "optimizer.exp_avg_sq.<name>" (torch's state names), and in
 * __metadata__ the step, AdamW's step count, the data seed (the sampler is a
 * pure function of seed and step, data.h, so that is its whole state) and the
 * model dimensions, which a resume checks against its config. Written with
 * st_save, i.e. atomically: a crash leaves the previous checkpoint intact.
 *
 *     checkpoint_save("run.safetensors", trainer, &err);
 *     ... later, a trainer built from the same config ...
 *     checkpoint_load("run.safetensors", trainer, &err);   // trainer->step = saved step
 */
#ifndef EXAONE_TRAIN_CHECKPOINT_H
#define EXAONE_TRAIN_CHECKPOINT_H

#include "../core/error.h"
#include "trainer.h"

int checkpoint_save(const char *path, const Trainer *tr, Error *err);
int checkpoint_load(const char *path, Trainer *tr, Error *err);

#endif
