/* groupnorm.h — group normalisation over NHWC activations (Wu & He 2018),
 * as torch.nn.GroupNorm(G, C, eps, affine=True):
 *   for each image b and group g of C/G adjacent channels, over all H*W pixels
 *   and the group's channels: y = (x - mean) * rstd * weight[c] + bias[c],
 *   rstd = 1 / sqrt(var + eps), var the biased variance.
 *
 * Legend: B batch, P = H*W pixels, C channels, G groups (C % G == 0).
 * Saved for backward: inp, and mean[B*G], rstd[B*G] (filled by forward).
 * Backward accumulates into dinp, dweight, dbias. Groups are split across
 * threads (each owns its channels, so dweight needs no reduction).
 */
#ifndef EXAONE_TRAIN_VISION_GROUPNORM_H
#define EXAONE_TRAIN_VISION_GROUPNORM_H

#include "../../core/threadpool.h"
#include "../real.h"

#include <stdint.h>

/* out[B,P,C]; mean, rstd [B,G] */
void groupnorm_forward(ThreadPool *pool, real *out, real *mean, real *rstd, const real *inp, const real *weight,
                       const real *bias, int B, int64_t P, int C, int G, real eps);
void groupnorm_backward(ThreadPool *pool, real *dinp, real *dweight, real *dbias, const real *dout,
                        const real *inp, const real *weight, const real *mean, const real *rstd, int B, int64_t P,
                        int C, int G);

#endif
