/* 2-D convolution and nearest upsampling (see conv2d.h). */
#include "conv2d.h"

#include "../../core/error.h"
#include "vision_gemm.h"

#include <string.h>

size_t conv2d_scratch_need(const Conv2dShape *s, int H, int W) {
    size_t Ho = (size_t)conv2d_out_size(H, s->k, s->stride, s->pad);
    size_t Wo = (size_t)conv2d_out_size(W, s->k, s->stride, s->pad);
    return Ho * Wo * (size_t)s->C * (size_t)s->k * (size_t)s->k;
}

static int is_pointwise(const Conv2dShape *s) { return s->k == 1 && s->stride == 1 && s->pad == 0; }

typedef struct {
    real *col;        /* [rows, C*k*k] for the images of this chunk */
    const real *inp;  /* first image of the chunk, [b, H, W, C] */
    real *dinp;       /* same image, gradient (col2im) */
    const real *dcol;
    int H, W, Ho, Wo;
    const Conv2dShape *s;
} ColJob;

/* One output pixel per row: col[row, c*k*k + ky*k + kx] = inp[b, oy*s-pad+ky, ox*s-pad+kx, c]
 * (zero outside the image). */
static void im2col_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    ColJob *j = ctx;
    const Conv2dShape *s = j->s;
    int k = s->k, C = s->C, kk = k * k;
    int64_t ckk = (int64_t)C * kk;
    for (int64_t r = begin; r < end; r++) {
        int64_t b = r / ((int64_t)j->Ho * j->Wo);
        int oy = (int)(r / j->Wo % j->Ho), ox = (int)(r % j->Wo);
        real *dst = j->col + r * ckk;
        for (int ky = 0; ky < k; ky++) {
            int iy = oy * s->stride - s->pad + ky;
            for (int kx = 0; kx < k; kx++) {
                int ix = ox * s->stride - s->pad + kx;
                real *d = dst + ky * k + kx;
                if (iy < 0 || iy >= j->H || ix < 0 || ix >= j->W) {
                    for (int c = 0; c < C; c++) d[(int64_t)c * kk] = 0;
                    continue;
                }
                const real *src = j->inp + ((b * j->H + iy) * j->W + ix) * C;
                for (int c = 0; c < C; c++) d[(int64_t)c * kk] = src[c];
            }
        }
    }
}

/* The adjoint of im2col, as a gather over input rows (b, iy) so threads never
 * write the same input pixel: dinp[b,iy,ix,c] += dcol[row(oy,ox), c,ky,kx] for
 * every (ky,kx) with oy*s - pad + ky = iy and ox*s - pad + kx = ix. */
static void col2im_input_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    ColJob *j = ctx;
    const Conv2dShape *s = j->s;
    int k = s->k, C = s->C, kk = k * k;
    int64_t ckk = (int64_t)C * kk;
    for (int64_t r = begin; r < end; r++) {
        int64_t b = r / j->H;
        int iy = (int)(r % j->H);
        for (int ix = 0; ix < j->W; ix++) {
            real *d = j->dinp + ((b * j->H + iy) * j->W + ix) * C;
            for (int ky = 0; ky < k; ky++) {
                int ty = iy + s->pad - ky;
                if (ty < 0 || ty % s->stride) continue;
                int oy = ty / s->stride;
                if (oy >= j->Ho) continue;
                for (int kx = 0; kx < k; kx++) {
                    int tx = ix + s->pad - kx;
                    if (tx < 0 || tx % s->stride) continue;
                    int ox = tx / s->stride;
                    if (ox >= j->Wo) continue;
                    const real *g = j->dcol + ((b * j->Ho + oy) * j->Wo + ox) * ckk + ky * k + kx;
                    for (int c = 0; c < C; c++) d[c] += g[(int64_t)c * kk];
                }
            }
        }
    }
}

/* Whole images per chunk, as many as the scratch holds. */
static int chunk_images(const ConvScratch *scratch, const Conv2dShape *s, int H, int W) {
    size_t per_image = conv2d_scratch_need(s, H, W);
    EXA_ASSERT(scratch->cap >= per_image);
    size_t n = scratch->cap / per_image;
    return n > (size_t)1 << 20 ? 1 << 20 : (int)n;
}

typedef struct {
    real *out;
    const real *bias;
    int64_t OC;
} BiasJob;

static void add_bias_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    BiasJob *j = ctx;
    for (int64_t r = begin; r < end; r++)
        for (int64_t o = 0; o < j->OC; o++) j->out[r * j->OC + o] += j->bias[o];
}

void conv2d_forward(ThreadPool *pool, ConvScratch *scratch, real *out, const real *inp, const real *weight,
                    const real *bias, int B, int H, int W, const Conv2dShape *s) {
    int Ho = conv2d_out_size(H, s->k, s->stride, s->pad), Wo = conv2d_out_size(W, s->k, s->stride, s->pad);
    int64_t ckk = (int64_t)s->C * s->k * s->k, pix = (int64_t)Ho * Wo;
    EXA_ASSERT(scratch->wt_cap >= (size_t)(ckk * s->OC));
    for (int64_t o = 0; o < s->OC; o++)
        for (int64_t j = 0; j < ckk; j++) scratch->wt[j * s->OC + o] = weight[o * ckk + j];
    if (is_pointwise(s)) {
        gemm_nn(pool, out, inp, scratch->wt, (int64_t)B * pix, s->OC, s->C, 0);
    } else {
        int step = chunk_images(scratch, s, H, W);
        for (int b0 = 0; b0 < B; b0 += step) {
            int nb = B - b0 < step ? B - b0 : step;
            ColJob job = {scratch->col, inp + (int64_t)b0 * H * W * s->C, NULL, NULL, H, W, Ho, Wo, s};
            pool_parallel_for(pool, nb * pix, im2col_rows, &job);
            gemm_nn(pool, out + b0 * pix * s->OC, scratch->col, scratch->wt, nb * pix, s->OC, ckk, 0);
        }
    }
    if (bias) {
        BiasJob job = {out, bias, s->OC};
        pool_parallel_for(pool, (int64_t)B * pix, add_bias_rows, &job);
    }
}

typedef struct {
    real *dbias;
    const real *dout;
    int64_t rows, OC;
} BiasGradJob;

static void bias_grad_channels(void *ctx, int64_t begin, int64_t end, int thread) {
    BiasGradJob *j = ctx;
    for (int64_t r = 0; r < j->rows; r++)
        for (int64_t o = begin; o < end; o++) j->dbias[o] += j->dout[r * j->OC + o];
}

void conv2d_backward(ThreadPool *pool, ConvScratch *scratch, real *dinp, real *dweight, real *dbias,
                     const real *dout, const real *inp, const real *weight, int B, int H, int W,
                     const Conv2dShape *s) {
    int Ho = conv2d_out_size(H, s->k, s->stride, s->pad), Wo = conv2d_out_size(W, s->k, s->stride, s->pad);
    int64_t ckk = (int64_t)s->C * s->k * s->k, pix = (int64_t)Ho * Wo;
    if (dbias) {
        BiasGradJob job = {dbias, dout, (int64_t)B * pix, s->OC};
        pool_parallel_for(pool, s->OC, bias_grad_channels, &job);
    }
    if (is_pointwise(s)) {
        gemm_tn(pool, dweight, dout, inp, s->OC, s->C, (int64_t)B * pix, 1);
        if (dinp) gemm_nn(pool, dinp, dout, weight, (int64_t)B * pix, s->C, s->OC, 1);
        return;
    }
    int step = chunk_images(scratch, s, H, W);
    for (int b0 = 0; b0 < B; b0 += step) {
        int nb = B - b0 < step ? B - b0 : step;
        const real *g = dout + b0 * pix * s->OC;
        ColJob job = {scratch->col, inp + (int64_t)b0 * H * W * s->C, NULL, scratch->dcol, H, W, Ho, Wo, s};
        pool_parallel_for(pool, nb * pix, im2col_rows, &job);
        gemm_tn(pool, dweight, g, scratch->col, s->OC, ckk, nb * pix, 1);
        if (!dinp) continue;
        gemm_nn(pool, scratch->dcol, g, weight, nb * pix, ckk, s->OC, 0);
        job.dinp = dinp + (int64_t)b0 * H * W * s->C;
        pool_parallel_for(pool, (int64_t)nb * H, col2im_input_rows, &job);
    }
}

typedef struct {
    real *dst;
    const real *src;
    int H, W, C;
} UpJob;

static void upsample_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    UpJob *j = ctx;
    for (int64_t r = begin; r < end; r++) { /* r = b*H + y, an input row */
        const real *in = j->src + r * j->W * j->C;
        for (int dy = 0; dy < 2; dy++) {
            real *o = j->dst + (r * 2 + dy) * 2 * j->W * j->C;
            for (int x = 0; x < j->W; x++) {
                memcpy(o + (2 * x) * j->C, in + x * j->C, (size_t)j->C * sizeof(real));
                memcpy(o + (2 * x + 1) * j->C, in + x * j->C, (size_t)j->C * sizeof(real));
            }
        }
    }
}

static void upsample_grad_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    UpJob *j = ctx;
    int64_t W2C = 2 * (int64_t)j->W * j->C;
    for (int64_t r = begin; r < end; r++) {
        real *d = j->dst + r * j->W * j->C;
        const real *g0 = j->src + (r * 2) * W2C, *g1 = g0 + W2C;
        for (int x = 0; x < j->W; x++)
            for (int c = 0; c < j->C; c++) {
                int64_t a = (2 * x) * j->C + c, b = a + j->C;
                d[x * j->C + c] += g0[a] + g0[b] + g1[a] + g1[b];
            }
    }
}

void upsample2x_forward(ThreadPool *pool, real *out, const real *inp, int B, int H, int W, int C) {
    UpJob job = {out, inp, H, W, C};
    pool_parallel_for(pool, (int64_t)B * H, upsample_rows, &job);
}

void upsample2x_backward(ThreadPool *pool, real *dinp, const real *dout, int B, int H, int W, int C) {
    UpJob job = {dinp, dout, H, W, C};
    pool_parallel_for(pool, (int64_t)B * H, upsample_grad_rows, &job);
}
