/* conv2d.h — 2-D convolution as im2col + GEMM, and nearest 2x upsampling.
 *
 * Layout: activations are NHWC, x[B, H, W, C] row-major, so a conv is the
 * Linear layer of llm.c applied to im2col rows: out[B*Ho*Wo, OC] =
 * col[B*Ho*Wo, C*k*k] · weight[OC, C*k*k]ᵀ. The weight keeps PyTorch's
 * Conv2d layout [OC, C, k, k] (columns ordered c, ky, kx), so checkpoints map
 * 1:1 onto torch. The GEMMs are src/core/matmul.h's.
 *
 * Dimension legend (see also ../real.h):
 *   B batch   H, W input height/width   Ho, Wo output height/width
 *   C input channels   OC output channels   k kernel size (square)
 *   Ho = (H + 2 pad - k) / stride + 1
 *
 * The im2col buffer is the only big temporary. It is processed a few whole
 * images at a time so its size stays bounded: ConvScratch.cap must hold at
 * least one image's columns (Ho*Wo*C*k*k reals; conv2d_scratch_need) for
 * backward; forward only needs one output pixel's (C*k*k) and goes through
 * the pixels in chunks of what cap holds.
 * 1x1 stride-1 convolutions skip im2col entirely. Inside, im2col columns are
 * ordered (ky, kx, c) so a row is built from whole pixels (memcpy of C
 * values, NHWC); the weight is permuted to match in ConvScratch (wt_cap >=
 * OC*C*k*k) and gradients permuted back, so parameters stay in torch order.
 *
 * Saved for backward: inp (the caller keeps it). Backward accumulates (+=)
 * into dinp (may be NULL: the first layer), dweight and dbias (may be NULL
 * when the conv has no bias).
 */
#ifndef EXAONE_TRAIN_VISION_CONV2D_H
#define EXAONE_TRAIN_VISION_CONV2D_H

#include "../../core/threadpool.h"
#include "../real.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    real *col;  /* [cap] im2col rows */
    real *dcol; /* [cap] their gradient (backward only) */
    size_t cap;
    /* [wt_cap] each: the weight with columns in im2col order (ky, kx, c),
     * transposed to [C*k*k, OC] for forward (wt), as [OC, C*k*k] for backward
     * (wp), and its gradient in that order (dwp). */
    real *wt, *wp, *dwp;
    size_t wt_cap;
    /* 1: forward products round both operands to bf16 (f32 sums), twice the
     * multiply rate: for inference (a large picture's VQ decoding); training
     * leaves it 0 */
    int forward_bf16;
} ConvScratch;

typedef struct {
    int C, OC, k, stride, pad;
} Conv2dShape;

static inline int conv2d_out_size(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

/* Reals of im2col for one image of H x W input. */
size_t conv2d_scratch_need(const Conv2dShape *s, int H, int W);

/* out[B,Ho,Wo,OC] = conv(inp[B,H,W,C]) + bias */
void conv2d_forward(ThreadPool *pool, ConvScratch *scratch, real *out, const real *inp, const real *weight,
                    const real *bias, int B, int H, int W, const Conv2dShape *s);
void conv2d_backward(ThreadPool *pool, ConvScratch *scratch, real *dinp, real *dweight, real *dbias,
                     const real *dout, const real *inp, const real *weight, int B, int H, int W,
                     const Conv2dShape *s);

/* conv2d_forward of upsample2x_forward(inp) (up: room for it, [B,2H,2W,C],
 * used only when the direct path cannot take the shape; see conv2d_direct.h). */
void conv2d_forward_upsampled(ThreadPool *pool, ConvScratch *scratch, real *out, real *up, const real *inp,
                              const real *weight, const real *bias, int B, int H, int W, const Conv2dShape *s);

/* out[B,2H,2W,C]: each input pixel repeated 2x2 (torch F.interpolate nearest). */
void upsample2x_forward(ThreadPool *pool, real *out, const real *inp, int B, int H, int W, int C);
/* dinp[B,H,W,C] += sum of the 2x2 block of dout[B,2H,2W,C] */
void upsample2x_backward(ThreadPool *pool, real *dinp, const real *dout, int B, int H, int W, int C);

#endif
