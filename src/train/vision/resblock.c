/* Residual block (see resblock.h). */
#include "resblock.h"

#include "../../core/mem.h"
#include "groupnorm.h"
#include "pointwise.h"

#include <string.h>

static Conv2dShape conv1_shape(const ResBlock *rb) { return (Conv2dShape){rb->C, rb->OC, 3, 1, 1}; }
static Conv2dShape conv2_shape(const ResBlock *rb) { return (Conv2dShape){rb->OC, rb->OC, 3, 1, 1}; }
static Conv2dShape nin_shape(const ResBlock *rb) { return (Conv2dShape){rb->C, rb->OC, 1, 1, 0}; }

int resblock_new(ResBlock *rb, int max_B, int H, int W, int C, int OC, int G, real eps, Error *err) {
    memset(rb, 0, sizeof *rb);
    *rb = (ResBlock){.max_B = max_B, .H = H, .W = W, .C = C, .OC = OC, .G = G, .eps = eps};
    size_t pix = (size_t)max_B * (size_t)H * (size_t)W, cmax = (size_t)(C > OC ? C : OC);
    size_t sizes[] = {pix * C, pix * C, pix * OC, pix * OC, pix * OC, pix * cmax, pix * cmax};
    real **bufs[] = {&rb->h1, &rb->a1, &rb->c1, &rb->h2, &rb->a2, &rb->g1, &rb->g2};
    for (int i = 0; i < 7; i++)
        if (!(*bufs[i] = mem_alloc_aligned(sizes[i] * sizeof(real)))) goto oom;
    real **stats[] = {&rb->mean1, &rb->rstd1, &rb->mean2, &rb->rstd2};
    for (int i = 0; i < 4; i++)
        if (!(*stats[i] = mem_alloc((size_t)max_B * (size_t)G * sizeof(real)))) goto oom;
    return 0;
oom:
    resblock_free(rb);
    return error_set(err, "residual block %dx%dx%d->%d: out of memory", H, W, C, OC);
}

void resblock_free(ResBlock *rb) {
    real *bufs[] = {rb->h1, rb->a1, rb->c1, rb->h2, rb->a2, rb->g1, rb->g2};
    for (int i = 0; i < 7; i++) mem_free_aligned(bufs[i]);
    mem_free(rb->mean1);
    mem_free(rb->rstd1);
    mem_free(rb->mean2);
    mem_free(rb->rstd2);
    memset(rb, 0, sizeof *rb);
}

size_t resblock_scratch_need(const ResBlock *rb) {
    Conv2dShape s1 = conv1_shape(rb), s2 = conv2_shape(rb);
    size_t a = conv2d_scratch_need(&s1, rb->H, rb->W), b = conv2d_scratch_need(&s2, rb->H, rb->W);
    return a > b ? a : b;
}

void resblock_forward(ThreadPool *pool, ConvScratch *scratch, ResBlock *rb, real *out, const real *inp,
                      const ResBlockParams *p, int B) {
    int64_t P = (int64_t)rb->H * rb->W, n_in = B * P * rb->C, n_out = B * P * rb->OC;
    Conv2dShape s1 = conv1_shape(rb), s2 = conv2_shape(rb), sn = nin_shape(rb);
    groupnorm_forward(pool, rb->h1, rb->mean1, rb->rstd1, inp, p->norm1_w, p->norm1_b, B, P, rb->C, rb->G, rb->eps);
    silu_forward(pool, rb->a1, rb->h1, n_in);
    conv2d_forward(pool, scratch, rb->c1, rb->a1, p->conv1_w, p->conv1_b, B, rb->H, rb->W, &s1);
    groupnorm_forward(pool, rb->h2, rb->mean2, rb->rstd2, rb->c1, p->norm2_w, p->norm2_b, B, P, rb->OC, rb->G,
                      rb->eps);
    silu_forward(pool, rb->a2, rb->h2, n_out);
    conv2d_forward(pool, scratch, out, rb->a2, p->conv2_w, p->conv2_b, B, rb->H, rb->W, &s2);
    if (rb->C != rb->OC) {
        /* out += nin(x): the 1x1 conv writes into g1, which is free in forward. */
        conv2d_forward(pool, scratch, rb->g1, inp, p->nin_w, p->nin_b, B, rb->H, rb->W, &sn);
        add_inplace(pool, out, rb->g1, n_out);
    } else {
        add_inplace(pool, out, inp, n_out);
    }
}

void resblock_backward(ThreadPool *pool, ConvScratch *scratch, ResBlock *rb, real *dinp, const ResBlockParams *grads,
                       const real *dout, const real *inp, const ResBlockParams *p, int B) {
    int64_t P = (int64_t)rb->H * rb->W, n_in = B * P * rb->C, n_out = B * P * rb->OC;
    Conv2dShape s1 = conv1_shape(rb), s2 = conv2_shape(rb), sn = nin_shape(rb);
    if (rb->C != rb->OC)
        conv2d_backward(pool, scratch, dinp, grads->nin_w, grads->nin_b, dout, inp, p->nin_w, B, rb->H, rb->W, &sn);
    else
        add_inplace(pool, dinp, dout, n_out);
    /* g1, g2 take turns as "gradient of the previous activation" (zeroed first: backward adds). */
    memset(rb->g1, 0, (size_t)n_out * sizeof(real));
    conv2d_backward(pool, scratch, rb->g1, grads->conv2_w, grads->conv2_b, dout, rb->a2, p->conv2_w, B, rb->H, rb->W,
                    &s2);
    memset(rb->g2, 0, (size_t)n_out * sizeof(real));
    silu_backward(pool, rb->g2, rb->h2, rb->g1, n_out);
    memset(rb->g1, 0, (size_t)n_out * sizeof(real));
    groupnorm_backward(pool, rb->g1, grads->norm2_w, grads->norm2_b, rb->g2, rb->c1, p->norm2_w, rb->mean2, rb->rstd2,
                       B, P, rb->OC, rb->G);
    memset(rb->g2, 0, (size_t)n_in * sizeof(real));
    conv2d_backward(pool, scratch, rb->g2, grads->conv1_w, grads->conv1_b, rb->g1, rb->a1, p->conv1_w, B, rb->H, rb->W,
                    &s1);
    memset(rb->g1, 0, (size_t)n_in * sizeof(real));
    silu_backward(pool, rb->g1, rb->h1, rb->g2, n_in);
    groupnorm_backward(pool, dinp, grads->norm1_w, grads->norm1_b, rb->g1, inp, p->norm1_w, rb->mean1, rb->rstd1, B, P,
                       rb->C, rb->G);
}
