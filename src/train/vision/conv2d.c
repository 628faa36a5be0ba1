/* 2-D convolution and nearest upsampling (see conv2d.h). */
#include "conv2d.h"

#include "../../core/error.h"
#include "../real_gemm.h"
#ifdef TRAIN_REAL_IS_FLOAT
#include "../../core/cpu.h"
#include "conv2d_direct.h"
#endif

#include <string.h>

static int is_pointwise(const Conv2dShape *s) { return s->k == 1 && s->stride == 1 && s->pad == 0; }

/* Stride-1 convolutions get dinp as a convolution of dout with the flipped,
 * transposed kernel (padding k-1-pad): one more im2col and a GEMM instead of
 * a scatter-add of the column gradients (col2im), which is slower. */
static int grad_by_conv(const Conv2dShape *s) { return s->stride == 1 && s->pad <= s->k - 1; }

size_t conv2d_scratch_need(const Conv2dShape *s, int H, int W) {
    size_t Ho = (size_t)conv2d_out_size(H, s->k, s->stride, s->pad);
    size_t Wo = (size_t)conv2d_out_size(W, s->k, s->stride, s->pad), kk = (size_t)s->k * (size_t)s->k;
    size_t fwd = Ho * Wo * (size_t)s->C * kk, bwd = (size_t)H * (size_t)W * (size_t)s->OC * kk;
    return grad_by_conv(s) && bwd > fwd ? bwd : fwd;
}

typedef struct {
    real *col;        /* [rows, C*k*k] for the images of this chunk */
    const real *inp;  /* first image of the chunk, [b, H, W, C] */
    real *dinp;       /* same image, gradient (col2im) */
    const real *dcol;
    int H, W, Ho, Wo;
    const Conv2dShape *s;
    int64_t row0; /* im2col: col holds output pixel rows row0, row0 + 1, ... */
} ColJob;

/* One output pixel per row: col[row, (ky*k + kx)*C + c] = inp[b, oy*s-pad+ky, ox*s-pad+kx, c]
 * (zero outside the image). */
static void im2col_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    ColJob *j = ctx;
    const Conv2dShape *s = j->s;
    int k = s->k, C = s->C;
    int64_t ckk = (int64_t)C * k * k;
    for (int64_t r = j->row0 + begin; r < j->row0 + end; r++) {
        int64_t b = r / ((int64_t)j->Ho * j->Wo);
        int oy = (int)(r / j->Wo % j->Ho), ox = (int)(r % j->Wo);
        real *dst = j->col + (r - j->row0) * ckk;
        for (int ky = 0; ky < k; ky++) {
            int iy = oy * s->stride - s->pad + ky;
            for (int kx = 0; kx < k; kx++) {
                int ix = ox * s->stride - s->pad + kx;
                real *d = dst + (int64_t)(ky * k + kx) * C;
                if (iy < 0 || iy >= j->H || ix < 0 || ix >= j->W)
                    memset(d, 0, (size_t)C * sizeof(real));
                else
                    memcpy(d, j->inp + ((b * j->H + iy) * j->W + ix) * C, (size_t)C * sizeof(real));
            }
        }
    }
}

/* The adjoint of im2col, as a gather over input rows (b, iy) so threads never
 * write the same input pixel: for every kernel row ky that reaches iy from an
 * output row oy, and every kx, the output columns ox whose tap lands inside the
 * image add dcol[row(oy,ox), (ky,kx), :] into dinp[b, iy, ox*s - pad + kx, :]. */
static void col2im_input_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    ColJob *j = ctx;
    const Conv2dShape *s = j->s;
    int k = s->k, C = s->C, st = s->stride;
    int64_t ckk = (int64_t)C * k * k;
    for (int64_t r = begin; r < end; r++) {
        int64_t b = r / j->H;
        int iy = (int)(r % j->H);
        real *drow = j->dinp + (b * j->H + iy) * j->W * C;
        for (int ky = 0; ky < k; ky++) {
            int ty = iy + s->pad - ky;
            if (ty < 0 || ty % st) continue;
            int oy = ty / st;
            if (oy >= j->Ho) continue;
            const real *grow = j->dcol + (b * j->Ho + oy) * j->Wo * ckk;
            for (int kx = 0; kx < k; kx++) {
                /* ix = ox*st - pad + kx must lie in [0, W) */
                int lo = s->pad - kx > 0 ? (s->pad - kx + st - 1) / st : 0;
                int hi = (j->W - 1 + s->pad - kx) / st;
                if (hi > j->Wo - 1) hi = j->Wo - 1;
                for (int ox = lo; ox <= hi; ox++) {
                    real *d = drow + (int64_t)(ox * st - s->pad + kx) * C;
                    const real *g = grow + ox * ckk + (int64_t)(ky * k + kx) * C;
                    for (int c = 0; c < C; c++) d[c] += g[c];
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

#ifdef TRAIN_REAL_IS_FLOAT
int64_t conv2d_direct_band_rows(const Conv2dShape *s, int Wc, size_t col_cap) {
    int64_t row = (int64_t)(Wc + 2 * s->pad) * (s->C / 2), slack = (int64_t)CONV2D_DIRECT_SLACK * (s->C / 2);
    if (row <= 0 || (int64_t)col_cap < slack) return 0;
    return ((int64_t)col_cap - slack) / row - (s->k - 1);
}

int conv2d_direct_fits(const Conv2dShape *s, int H, int W, int upsample, size_t col_cap, size_t wt_cap) {
    int three = s->k == 3 && s->pad == 1, one = s->k == 1 && s->pad == 0;
    if (s->stride != 1 || !(three || one) || s->C < 2 || s->C % 2 || s->OC < 1 || H < 1 || W < 1) return 0;
    size_t panels = ((size_t)s->OC + 31) / 32, packed = panels * 32 * (size_t)(s->k * s->k) * (size_t)(s->C / 2);
    return packed <= wt_cap && conv2d_direct_band_rows(s, W << upsample, col_cap) >= 1;
}

/* The direct path when the CPU, the mode and the shape allow it. */
static int direct_forward(ThreadPool *pool, ConvScratch *scratch, real *out, const real *inp, const real *weight,
                          const real *bias, int B, int H, int W, const Conv2dShape *s, int upsample) {
    if (!scratch->forward_bf16 || !cpu_features()->avx512_bf16 ||
        !conv2d_direct_fits(s, H, W, upsample, scratch->cap, scratch->wt_cap))
        return 0;
    conv2d_direct_bf16_avx512(pool, scratch, out, inp, weight, bias, B, H, W, s, upsample);
    return 1;
}
#else
static int direct_forward(ThreadPool *pool, ConvScratch *scratch, real *out, const real *inp, const real *weight,
                          const real *bias, int B, int H, int W, const Conv2dShape *s, int upsample) {
    return 0;
}
#endif

void conv2d_forward_upsampled(ThreadPool *pool, ConvScratch *scratch, real *out, real *up, const real *inp,
                              const real *weight, const real *bias, int B, int H, int W, const Conv2dShape *s) {
    if (direct_forward(pool, scratch, out, inp, weight, bias, B, H, W, s, 1)) return;
    upsample2x_forward(pool, up, inp, B, H, W, s->C);
    conv2d_forward(pool, scratch, out, up, weight, bias, B, 2 * H, 2 * W, s);
}

void conv2d_forward(ThreadPool *pool, ConvScratch *scratch, real *out, const real *inp, const real *weight,
                    const real *bias, int B, int H, int W, const Conv2dShape *s) {
    if (direct_forward(pool, scratch, out, inp, weight, bias, B, H, W, s, 0)) return;
    int Ho = conv2d_out_size(H, s->k, s->stride, s->pad), Wo = conv2d_out_size(W, s->k, s->stride, s->pad);
    int64_t ckk = (int64_t)s->C * s->k * s->k, pix = (int64_t)Ho * Wo;
    EXA_ASSERT(scratch->wt_cap >= (size_t)(ckk * s->OC));
    int kk = s->k * s->k;
    /* torch column c*kk + q  ->  im2col column q*C + c, transposed */
    for (int64_t o = 0; o < s->OC; o++)
        for (int c = 0; c < s->C; c++)
            for (int q = 0; q < kk; q++)
                scratch->wt[((int64_t)q * s->C + c) * s->OC + o] = weight[o * ckk + (int64_t)c * kk + q];
    void (*gemm)(ThreadPool *, real *, const real *, const real *, int64_t, int64_t, int64_t, int) =
        scratch->forward_bf16 ? gemm_nn_bf16 : gemm_nn;
    if (is_pointwise(s)) {
        gemm(pool, out, inp, scratch->wt, (int64_t)B * pix, s->OC, s->C, 0);
    } else {
        /* as many output pixels per chunk as the scratch holds: whole images
         * in training, rows of one large image in inference */
        int64_t total = (int64_t)B * pix, step = (int64_t)(scratch->cap / (size_t)ckk);
        EXA_ASSERT(step >= 1);
        for (int64_t r0 = 0; r0 < total; r0 += step) {
            int64_t nr = total - r0 < step ? total - r0 : step;
            ColJob job = {scratch->col, inp, NULL, NULL, H, W, Ho, Wo, s, r0};
            pool_parallel_for(pool, nr, im2col_rows, &job);
            gemm(pool, out + r0 * s->OC, scratch->col, scratch->wt, nr, s->OC, ckk, 0);
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
    EXA_ASSERT(scratch->wt_cap >= (size_t)(ckk * s->OC));
    int kk = s->k * s->k, by_conv = grad_by_conv(s);
    /* The flipped transposed kernel of the dinp convolution is
     * Wf[c, o, q'] = W[o, c, kk-1-q'], stored as [(q' OC + o), C] (its im2col order). */
    Conv2dShape flipped = {s->OC, s->C, s->k, 1, s->k - 1 - s->pad};
    for (int64_t o = 0; o < s->OC; o++)
        for (int c = 0; c < s->C; c++)
            for (int q = 0; q < kk; q++) {
                real w = weight[o * ckk + (int64_t)c * kk + q];
                if (by_conv) scratch->wp[(((int64_t)(kk - 1 - q)) * s->OC + o) * s->C + c] = w;
                else scratch->wp[o * ckk + (int64_t)q * s->C + c] = w;
            }
    memset(scratch->dwp, 0, (size_t)(ckk * s->OC) * sizeof(real));
    int step = chunk_images(scratch, s, H, W);
    for (int b0 = 0; b0 < B; b0 += step) {
        int nb = B - b0 < step ? B - b0 : step;
        const real *g = dout + b0 * pix * s->OC;
        ColJob job = {scratch->col, inp + (int64_t)b0 * H * W * s->C, NULL, scratch->dcol, H, W, Ho, Wo, s, 0};
        pool_parallel_for(pool, nb * pix, im2col_rows, &job);
        gemm_tn(pool, scratch->dwp, g, scratch->col, s->OC, ckk, nb * pix, 1);
        if (!dinp) continue;
        real *d = dinp + (int64_t)b0 * H * W * s->C;
        if (by_conv) {
            ColJob jd = {scratch->dcol, g, NULL, NULL, Ho, Wo, H, W, &flipped, 0};
            pool_parallel_for(pool, (int64_t)nb * H * W, im2col_rows, &jd);
            gemm_nn(pool, d, scratch->dcol, scratch->wp, (int64_t)nb * H * W, s->C, (int64_t)s->OC * kk, 1);
        } else {
            gemm_nn(pool, scratch->dcol, g, scratch->wp, nb * pix, ckk, s->OC, 0);
            job.dinp = d;
            pool_parallel_for(pool, (int64_t)nb * H, col2im_input_rows, &job);
        }
    }
    for (int64_t o = 0; o < s->OC; o++)
        for (int c = 0; c < s->C; c++)
            for (int q = 0; q < kk; q++) dweight[o * ckk + (int64_t)c * kk + q] += scratch->dwp[o * ckk + (int64_t)q * s->C + c];
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
