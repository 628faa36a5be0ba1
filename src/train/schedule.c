/* Warmup + cosine learning-rate schedule (see schedule.h). */
#include "schedule.h"

#include <math.h>

float lr_warmup_cosine(int64_t step, int64_t warmup, int64_t total, float max_lr, float min_lr) {
    if (step < warmup) return max_lr * (float)(step + 1) / (float)warmup;
    double p = total > warmup ? (double)(step - warmup) / (double)(total - warmup) : 1.0;
    if (p > 1) p = 1;
    return (float)(min_lr + (max_lr - min_lr) * 0.5 * (1.0 + cos(M_PI * p)));
}
