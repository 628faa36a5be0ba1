/* adamw.h — AdamW with decoupled weight decay and global-norm clipping.
 *
 * Loshchilov & Hutter 2019 (decoupled decay), as torch.optim.AdamW does it:
 *   p -= lr * wd * p                       (only tensors with decay = 1)
 *   m  = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g²
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * The decay mask comes from the parameter table (params.h): norms, biases
 * and (unless configured) embeddings are not decayed.
 * Clipping (torch.nn.utils.clip_grad_norm_): with the global L2 norm of all
 * gradients, g *= min(1, max_norm / (norm + 1e-6)); the factor is folded into
 * the update instead of a separate pass over the gradients.
 *
 *     AdamW opt;
 *     adamw_new(&opt, table.total, &err);
 *     float norm = grad_global_norm(pool, grads, table.total);
 *     adamw_step(&opt, pool, params, grads, &table, &cfg, lr, grad_clip_factor(norm, cfg.grad_clip));
 *     adamw_free(&opt);
 */
#ifndef EXAONE_TRAIN_ADAMW_H
#define EXAONE_TRAIN_ADAMW_H

#include "../core/error.h"
#include "../core/threadpool.h"
#include "params.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    float beta1, beta2, eps, weight_decay;
    float grad_clip; /* max global norm; <= 0 disables clipping */
} AdamWConfig;

typedef struct {
    size_t n;
    float *m, *v; /* first and second moments [n] */
    int64_t step; /* updates done so far */
} AdamW;

/* beta1 0.9, beta2 0.95, eps 1e-8, weight_decay 0.1, grad_clip 1.0 */
void adamw_config_defaults(AdamWConfig *cfg);
int adamw_new(AdamW *opt, size_t n, Error *err);
void adamw_free(AdamW *opt);
/* sqrt(sum g²), summed in double. */
float grad_global_norm(ThreadPool *pool, const float *grads, size_t n);
/* min(1, max_norm / (norm + 1e-6)), or 1 when max_norm <= 0. */
float grad_clip_factor(float norm, float max_norm);
/* One update of every tensor in table with gradients grads * grad_factor. */
void adamw_step(AdamW *opt, ThreadPool *pool, float *params, const float *grads, const ParamTable *table,
                const AdamWConfig *cfg, float lr, float grad_factor);

#endif
