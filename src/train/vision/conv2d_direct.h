/* conv2d_direct.h — internal to conv2d.c: the bf16 forward of stride-1
 * 3x3 (pad 1) and 1x1 convolutions without im2col.
 *
 * conv2d_forward with ConvScratch.forward_bf16 is an im2col copy, a bf16
 * repack of that copy for the GEMM, then the GEMM. On a decoder's layers
 * (N = OC of 32..128) the two copies cost more than the products (perf, a
 * 1024x1024 decode: pack 30 %, im2col 12 %, products 27 %). This path makes
 * one bf16 copy of the input rows with the zero border (and the nearest 2x
 * upsampling, when asked) and lets the microkernel read each tap of twelve
 * neighbouring pixels straight from it, so nothing else is copied.
 *
 * Same numbers as the GEMM path, bit for bit: channel pairs (c, c+1) of one
 * tap are one bf16 pair as there, sums are split at multiples of GEMM_KC
 * pairs as there, and the bias is added last (tests/unit/test_conv2d.c).
 *
 * Needs avx512_bf16 (conv2d.c asks cpu_features()). Scratch: the band of
 * padded input rows lives in ConvScratch.col, the packed weight in .wt.
 */
#ifndef EXAONE_TRAIN_VISION_CONV2D_DIRECT_H
#define EXAONE_TRAIN_VISION_CONV2D_DIRECT_H

#include "conv2d.h"

/* Pixels of slack after the band: a row's last tile reads DMR pixels even
 * when fewer are left. */
#define CONV2D_DIRECT_SLACK 12

/* Output rows per band for a conv input Wc pixels wide (after upsampling)
 * in col_cap floats; < 1 when not even one fits. */
int64_t conv2d_direct_band_rows(const Conv2dShape *s, int Wc, size_t col_cap);
/* 1 if the direct path takes this shape on an H x W input (2H x 2W after
 * upsampling when upsample) with the scratch's capacities. */
int conv2d_direct_fits(const Conv2dShape *s, int H, int W, int upsample, size_t col_cap, size_t wt_cap);
/* out[B,Ho,Wo,OC] = conv(inp[B,H,W,C], upsampled 2x first when upsample) + bias. */
void conv2d_direct_bf16_avx512(ThreadPool *pool, ConvScratch *sc, float *out, const float *inp, const float *weight,
                               const float *bias, int B, int H, int W, const Conv2dShape *s, int upsample);

#endif
