/* crossentropy.h — fused softmax + cross-entropy over the vocabulary, with
 * an ignore index and label smoothing (legend in real.h).
 *
 * With z the logits row, lse = log sum_v exp(z_v), and the smoothed target
 * q = (1 - eps) onehot(y) + eps / V (Szegedy et al. 2016 §7; torch's
 * cross_entropy(label_smoothing=eps)):
 *   loss = -sum_v q_v log softmax(z)_v = lse - (1 - eps) z_y - eps * mean(z)
 *   dz   = (softmax(z) - q) * dloss
 * Rows whose target is `ignore_index` have loss 0 and no gradient. The
 * probabilities are never stored: forward keeps only lse[N], backward
 * recomputes softmax from the logits. So that the model need not hold a
 * second [N,V] buffer, dlogits may be the logits buffer itself (then it is
 * overwritten with the gradient — the one exception to "backward
 * accumulates", since the logits are dead after it); otherwise it
 * accumulates. Rows are split across pool threads.
 */
#ifndef EXAONE_TRAIN_CROSSENTROPY_H
#define EXAONE_TRAIN_CROSSENTROPY_H

#include "real.h"
#include "../core/threadpool.h"

#include <stdint.h>

/* losses[N], lse[N] from logits[N,V] and targets[N]. Returns the number of
 * rows not ignored (the mean loss is sum(losses) / that count). */
int64_t crossentropy_forward(ThreadPool *pool, real *losses, real *lse, const real *logits, const int *targets,
                             int64_t N, int V, real smoothing, int ignore_index);
/* dlogits[N,V] (+)= (softmax - q) * dloss for every row not ignored
 * (dloss is d(total)/d(loss of one row), e.g. 1/count for a mean). */
void crossentropy_backward(ThreadPool *pool, real *dlogits, const real *logits, const real *lse,
                           const int *targets, real dloss, int64_t N, int V, real smoothing, int ignore_index);

#endif
