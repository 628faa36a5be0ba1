/* schedule.h — learning rate: linear warmup, then cosine decay to min_lr
 * (Loshchilov & Hutter 2017, SGDR without restarts; GPT-3's schedule).
 *
 *   step < warmup:  max_lr * (step + 1) / warmup
 *   after:          min_lr + (max_lr - min_lr) * (1 + cos(pi * p)) / 2,
 *                   p = (step - warmup) / (total - warmup), clamped to [0, 1]
 * step counts from 0.
 */
#ifndef EXAONE_TRAIN_SCHEDULE_H
#define EXAONE_TRAIN_SCHEDULE_H

#include <stdint.h>

float lr_warmup_cosine(int64_t step, int64_t warmup, int64_t total, float max_lr, float min_lr);

#endif
