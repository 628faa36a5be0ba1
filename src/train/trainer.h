/* trainer.h — one training run: model + AdamW + data + schedule, stepped.
 *
 *     Trainer *tr;
 *     if (trainer_new(&tr, &config, &err) != 0) ...
 *     while (tr->step < config.steps) {
 *         TrainStats s;
 *         trainer_step(tr, &s, &err);           // s.loss, s.grad_norm, s.lr, s.seconds
 *     }
 *     trainer_free(tr);
 *
 * A step is: zero the gradients, `accum` micro-batches of forward + backward
 * (each scaled by 1/accum), the mean of the gradients over MPI ranks (dist.h),
 * global-norm clipping, one AdamW update at the warmup + cosine learning rate
 * of that step. The reported loss is the mean over micro-batches and ranks.
 */
#ifndef EXAONE_TRAIN_TRAINER_H
#define EXAONE_TRAIN_TRAINER_H

#include "../core/error.h"
#include "../core/threadpool.h"
#include "adamw.h"
#include "data.h"
#include "dist.h"
#include "gpt.h"
#include "train_config.h"

#include <stdint.h>

typedef struct {
    TrainConfig config;
    ThreadPool *pool;
    Gpt *model;
    AdamW opt;
    TokenData data;
    Dist *dist;
    int *inputs, *targets; /* [batch*seq] */
    int64_t step;          /* optimizer steps done */
    float last_loss;       /* loss of the last step (NaN before the first; kept in checkpoints) */
} Trainer;

typedef struct {
    float loss, grad_norm, lr;
    double seconds;
} TrainStats;

/* dist may be NULL (one process); it is borrowed, not owned. */
int trainer_new(Trainer **out, const TrainConfig *config, Dist *dist, Error *err);
void trainer_free(Trainer *tr);
int trainer_step(Trainer *tr, TrainStats *stats, Error *err);

#endif
