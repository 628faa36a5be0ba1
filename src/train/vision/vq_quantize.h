/* vq_quantize.h — the vector quantizer of a VQ-VAE (van den Oord et al. 2017).
 *
 * Legend: N vectors to quantize (B*h*w encoder outputs), D code dimension,
 * K codebook entries. z[N,D], codebook[K,D], idx[N], zq[N,D].
 *
 *   forward   idx[n] = argmin_k ||z[n] - e_k||²   (computed as ||e_k||² - 2 z·e_k,
 *             one GEMM; ties go to the lowest k, as torch.argmin), zq[n] = e_idx[n]
 *   loss      commitment  beta * mean((z - sg(zq))²)
 *             codebook    mean((sg(z) - zq)²)  (only when the codebook learns by
 *             gradient; with EMA updates it is left out, VQ-VAE-2 / Razavi 2019)
 *   backward  straight-through: dz += dzq + 2 beta (z - zq) / (N D);
 *             dcodebook[idx[n]] += 2 (zq - z) / (N D)  (dcodebook may be NULL)
 *
 * EMA codebook (VQ-VAE appendix; "Laplace smoothing" of the counts as in
 * Sonnet's VectorQuantizerEMA):
 *   cluster_size[k] = decay cs[k] + (1 - decay) count_k
 *   embed_sum[k]    = decay es[k] + (1 - decay) sum of z assigned to k
 *   e_k = embed_sum[k] / ((cs[k] + eps) / (n + K eps) n),  n = sum cs
 * Dead-code restart (Dhariwal et al. 2020, Jukebox): a code not chosen for
 * dead_after steps is replaced by a random row of the current z, and its EMA
 * statistics restart from that row (cluster_size 1).
 */
#ifndef EXAONE_TRAIN_VISION_VQ_QUANTIZE_H
#define EXAONE_TRAIN_VISION_VQ_QUANTIZE_H

#include "../../core/error.h"
#include "../../core/threadpool.h"
#include "../real.h"
#include "../rng.h"

#include <stdint.h>

/* idx[N], zq[N,D]; scratch holds N*K + K + K*D reals (scores, code norms,
 * the transposed codebook). */
void vq_quantize_forward(ThreadPool *pool, real *zq, int32_t *idx, real *scratch, const real *z, const real *codebook, int64_t N,
                int D, int K);
/* mean((z - zq)²) over N*D values, in double. */
double vq_mse(const real *z, const real *zq, int64_t N, int D);
void vq_quantize_backward(ThreadPool *pool, real *dz, real *dcodebook, const real *dzq, const real *z, const real *zq,
                 const int32_t *idx, int64_t N, int D, real beta);

typedef struct {
    int K, D;
    real decay, eps;      /* EMA decay (0 disables EMA updates), Laplace smoothing eps */
    int dead_after;       /* restart codes unused this many steps (0 disables) */
    real *cluster_size;   /* [K] */
    real *embed_sum;      /* [K,D] */
    int64_t *last_used;   /* [K] step a code was last chosen */
    int64_t *count;       /* [K] assignments in the current step (temporary) */
} VqEma;

int vq_ema_new(VqEma *ema, int K, int D, real decay, real eps, int dead_after, Error *err);
void vq_ema_free(VqEma *ema);
/* Sets the EMA statistics from a codebook (cluster_size 1, embed_sum = e_k)
 * and marks every code as used at `step`. */
void vq_ema_reset(VqEma *ema, const real *codebook, int64_t step);
/* Counts idx for usage; with decay > 0 also does the EMA update of codebook. */
void vq_ema_update(VqEma *ema, real *codebook, const real *z, const int32_t *idx, int64_t N, int64_t step);
/* Restarts dead codes from random rows of z[N,D]; returns how many. */
int vq_restart_dead(VqEma *ema, real *codebook, const real *z, int64_t N, int64_t step, Rng *rng);

#endif
