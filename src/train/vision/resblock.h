/* resblock.h — the residual block of VQGAN's encoder/decoder (Esser et al.
 * 2021, taming-transformers ResnetBlock without dropout/time embedding):
 *
 *   h   = conv1(silu(norm1(x)))          conv 3x3, C -> OC
 *   h   = conv2(silu(norm2(h)))          conv 3x3, OC -> OC
 *   out = shortcut(x) + h                shortcut = nin_shortcut (1x1) when C != OC
 *
 * Legend: B batch, H x W pixels (unchanged), C in / OC out channels, G norm groups.
 * Saved activations (allocated for max_B images by resblock_new, reused every
 * step): h1 = norm1(x), a1 = silu(h1), c1 = conv1(a1), h2 = norm2(c1), a2 = silu(h2)
 * and the norm statistics. g1, g2 are gradient temporaries.
 * Backward accumulates into dinp and every gradient in grads.
 */
#ifndef EXAONE_TRAIN_VISION_RESBLOCK_H
#define EXAONE_TRAIN_VISION_RESBLOCK_H

#include "../../core/error.h"
#include "conv2d.h"

/* Pointers into a parameter (or gradient) buffer. nin_* are NULL when C == OC. */
typedef struct {
    real *norm1_w, *norm1_b, *conv1_w, *conv1_b, *norm2_w, *norm2_b, *conv2_w, *conv2_b, *nin_w, *nin_b;
} ResBlockParams;

typedef struct {
    int max_B, H, W, C, OC, G;
    real eps;
    real *h1, *a1, *c1, *h2, *a2;           /* [B,H,W,C] (h1, a1), [B,H,W,OC] (c1, h2, a2) */
    real *mean1, *rstd1, *mean2, *rstd2;    /* [B,G] */
    real *g1, *g2;                          /* [B,H,W,max(C,OC)] */
} ResBlock;

int resblock_new(ResBlock *rb, int max_B, int H, int W, int C, int OC, int G, real eps, Error *err);
void resblock_free(ResBlock *rb);
/* Im2col reals the block's convolutions need per image. */
size_t resblock_scratch_need(const ResBlock *rb);

/* out[B,H,W,OC] from inp[B,H,W,C], B <= max_B. */
void resblock_forward(ThreadPool *pool, ConvScratch *scratch, ResBlock *rb, real *out, const real *inp,
                      const ResBlockParams *p, int B);
void resblock_backward(ThreadPool *pool, ConvScratch *scratch, ResBlock *rb, real *dinp, const ResBlockParams *grads,
                       const real *dout, const real *inp, const ResBlockParams *p, int B);

#endif
