/* test_conv_direct.c — conv2d's direct bf16 path (conv2d_direct.h) gives
 * the very bits of the im2col + bf16 GEMM it replaces.
 *
 * The reference here is built from the lower pieces, not from conv2d.c: an
 * im2col written out in loops (columns in (ky, kx, c) order), the weight
 * transposed to match, matmul_f32_as_bf16_nn, then the bias. Shapes cover
 * what the path has to get right: channels that are not a multiple of 32,
 * fewer than 16 and more than 32 outputs (one or two halves, several
 * panels), sums longer than one GEMM block (128 channels x 9 taps = 576
 * pairs > 384), rows that do not divide into tiles of 12, 1x1 kernels,
 * fused 2x upsampling, several images, and scratch so small that the input
 * goes through in many bands. Values include subnormals and ties.
 */
#include "../../src/core/cpu.h"
#include "../../src/core/matmul.h"
#include "../../src/core/mem.h"
#include "../../src/core/threadpool.h"
#include "../../src/train/vision/conv2d.h"
#include "../../src/train/vision/conv2d_direct.h"
#include "../harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static ThreadPool *pool;
static uint64_t rng = 88172645463325252ull;

static float next_value(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    int r = (int)(rng % 1000);
    if (r == 0) return 1e-40f;            /* a subnormal */
    if (r == 1) return 1.0f + 1.0f / 256; /* halfway between two bf16 */
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2 - 1);
}

/* out = conv(upsampled? inp) + bias the long way: im2col, GEMM, bias. */
static void reference(float *out, const float *inp, const float *weight, const float *bias, int B, int H, int W,
                      const Conv2dShape *s, int upsample) {
    int Hc = H << upsample, Wc = W << upsample, k = s->k, C = s->C, OC = s->OC;
    int Ho = Hc + 2 * s->pad - k + 1, Wo = Wc + 2 * s->pad - k + 1;
    int64_t ckk = (int64_t)C * k * k, rows = (int64_t)B * Ho * Wo;
    float *col = calloc((size_t)(rows * ckk), sizeof(float)), *wt = malloc((size_t)(ckk * OC) * sizeof(float));
    for (int b = 0; b < B; b++)
        for (int y = 0; y < Ho; y++)
            for (int x = 0; x < Wo; x++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = y - s->pad + ky, ix = x - s->pad + kx;
                        if (iy < 0 || iy >= Hc || ix < 0 || ix >= Wc) continue;
                        const float *src = inp + (((int64_t)b * H + (iy >> upsample)) * W + (ix >> upsample)) * C;
                        float *dst = col + (((int64_t)b * Ho + y) * Wo + x) * ckk + (int64_t)(ky * k + kx) * C;
                        memcpy(dst, src, (size_t)C * sizeof(float));
                    }
    for (int o = 0; o < OC; o++)
        for (int c = 0; c < C; c++)
            for (int q = 0; q < k * k; q++) wt[((int64_t)q * C + c) * OC + o] = weight[((int64_t)o * C + c) * k * k + q];
    matmul_f32_as_bf16_nn(pool, out, col, wt, rows, OC, ckk, 0);
    for (int64_t r = 0; r < rows; r++)
        for (int o = 0; o < OC; o++) out[r * OC + o] += bias[o];
    free(col), free(wt);
}

/* Direct path (cap floats of band scratch) against the reference; returns
 * the number of differing outputs, -1 when the path did not take the shape. */
static int64_t compare(int B, int H, int W, int C, int OC, int k, int upsample, size_t cap) {
    Conv2dShape s = {C, OC, k, 1, k / 2};
    int Ho = (H << upsample) + 2 * s.pad - k + 1, Wo = (W << upsample) + 2 * s.pad - k + 1;
    size_t n_in = (size_t)B * H * W * C, n_w = (size_t)OC * C * k * k, n_out = (size_t)B * Ho * Wo * OC;
    float *inp = malloc(n_in * sizeof(float)), *weight = malloc(n_w * sizeof(float)), *bias = malloc(OC * sizeof(float));
    float *want = malloc(n_out * sizeof(float)), *got = malloc(n_out * sizeof(float));
    float *up = malloc((size_t)B * (H << upsample) * (W << upsample) * C * sizeof(float));
    for (size_t i = 0; i < n_in; i++) inp[i] = next_value();
    for (size_t i = 0; i < n_w; i++) weight[i] = next_value();
    for (int i = 0; i < OC; i++) bias[i] = next_value();
    ConvScratch sc = {.cap = cap, .wt_cap = n_w * 2 + 32 * 9 * (size_t)C, .forward_bf16 = 1};
    sc.col = mem_alloc_aligned(sc.cap * sizeof(float)), sc.wt = mem_alloc_aligned(sc.wt_cap * sizeof(float));
    int64_t bad = -1;
    if (conv2d_direct_fits(&s, H, W, upsample, sc.cap, sc.wt_cap)) {
        reference(want, inp, weight, bias, B, H, W, &s, upsample);
        memset(got, 0xff, n_out * sizeof(float));
        if (upsample)
            conv2d_forward_upsampled(pool, &sc, got, up, inp, weight, bias, B, H, W, &s);
        else
            conv2d_forward(pool, &sc, got, inp, weight, bias, B, H, W, &s);
        bad = 0;
        for (size_t i = 0; i < n_out; i++) bad += memcmp(&got[i], &want[i], sizeof(float)) != 0;
    }
    mem_free_aligned(sc.col), mem_free_aligned(sc.wt);
    free(inp), free(weight), free(bias), free(want), free(got), free(up);
    return bad;
}

static void check(int B, int H, int W, int C, int OC, int k, int upsample, size_t cap) {
    int64_t bad = compare(B, H, W, C, OC, k, upsample, cap);
    CHECKF(bad == 0, "B%d %dx%d C%d OC%d k%d up%d cap %zu: %s", B, H, W, C, OC, k, upsample, cap,
           bad < 0 ? "not taken by the direct path" : "outputs differ from im2col + GEMM");
}

TEST(direct_conv_equals_im2col_gemm) {
    if (!cpu_features()->avx512_bf16) SKIP("no avx512_bf16: the direct path is off");
    size_t big = 1 << 22;
    check(1, 13, 29, 32, 32, 3, 0, big);   /* rows of 29: 2 tiles of 12 and one of 5 */
    check(2, 7, 11, 6, 3, 3, 0, big);      /* the decoder's conv_out shape: 3 outputs */
    check(1, 9, 14, 34, 17, 3, 0, big);    /* 34 channels: a partial 32; 17 outputs */
    check(1, 6, 25, 128, 64, 3, 0, big);   /* 576 pairs: two GEMM blocks of sums */
    check(1, 5, 12, 64, 130, 3, 0, big);   /* five panels, the last of 2 */
    check(2, 8, 9, 64, 32, 1, 0, big);     /* 1x1 (nin shortcut, post_quant_conv) */
    check(1, 6, 7, 32, 48, 3, 1, big);     /* upsampled 2x: 12x14 */
    check(2, 5, 8, 128, 128, 3, 1, big);   /* upsampled, two blocks, two images */
    check(1, 40, 17, 32, 32, 3, 0, 2000);  /* a band of 5 rows at a time */
    check(3, 9, 10, 16, 20, 3, 1, 1000);   /* bands of 3 rows, upsampled, 3 images */
}

TEST(direct_conv_declines_what_it_cannot_do) {
    Conv2dShape odd = {3, 32, 3, 1, 1}, strided = {32, 32, 3, 2, 1}, k4 = {32, 32, 4, 2, 1}, fine = {32, 32, 3, 1, 1};
    CHECK(!conv2d_direct_fits(&odd, 8, 8, 0, 1 << 20, 1 << 20));    /* odd channels: no whole pairs */
    CHECK(!conv2d_direct_fits(&strided, 8, 8, 0, 1 << 20, 1 << 20));
    CHECK(!conv2d_direct_fits(&k4, 8, 8, 0, 1 << 20, 1 << 20));
    CHECK(conv2d_direct_fits(&fine, 8, 8, 0, 1 << 20, 1 << 20));
    CHECK(!conv2d_direct_fits(&fine, 8, 8, 0, 100, 1 << 20));        /* not one band row */
    CHECK(!conv2d_direct_fits(&fine, 8, 8, 0, 1 << 20, 32 * 9 * 16 - 1)); /* no room for the weight */
}

int main(void) {
    pool = pool_new(2);
    RUN(direct_conv_equals_im2col_gemm);
    RUN(direct_conv_declines_what_it_cannot_do);
    pool_free(pool);
    return harness_finish();
}
