/* test_vq_grad.c — the vision layers' backward passes against finite
 * differences, in double precision.
 *
 * The layer sources are compiled a second time into this test with
 * real = double (src/train/real.h), so the very code that trains is checked,
 * not a copy. For each layer: L = sum(dout * f(x, w)); backward's gradients of
 * every input and parameter must match central differences
 * (L(v + h) - L(v - h)) / 2h to a relative error of 1e-5 (max abs difference
 * over the tensor / max abs gradient). Gradient buffers start at 0.5 and have
 * 0.5 subtracted afterwards: backward must accumulate, not overwrite.
 */
#define TRAIN_REAL double
#include "../../src/train/vision/conv2d.c"
#include "../../src/train/vision/groupnorm.c"
#include "../../src/train/vision/pointwise.c"
#include "../../src/train/vision/resblock.c"
#include "../../src/train/vision/vq_quantize.c"
#include "../harness.h"

#define TOL 1e-5
#define STEP 1e-6
#define START 0.5

static uint64_t lcg = 88172645463325252ull;
static double rnd(void) { /* uniform in [-1, 1) */
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) / (double)(1ull << 52) - 1.0;
}
static real *rand_buf(int64_t n, double scale) {
    real *b = malloc((size_t)n * sizeof *b);
    for (int64_t i = 0; i < n; i++) b[i] = rnd() * scale;
    return b;
}
static real *grad_buf(int64_t n) {
    real *b = malloc((size_t)n * sizeof *b);
    for (int64_t i = 0; i < n; i++) b[i] = START;
    return b;
}
static double dot(const real *a, const real *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* A scalar loss of the current values of every buffer. */
typedef double (*LossFn)(void *ctx);

/* Checks grad (backward's, START-offset) against central differences of loss in v. */
static void fd_check(const char *what, LossFn loss, void *ctx, real *v, real *grad, int64_t n) {
    double diff = 0, scale = 0;
    for (int64_t i = 0; i < n; i++) {
        real keep = v[i];
        v[i] = keep + STEP;
        double up = loss(ctx);
        v[i] = keep - STEP;
        double down = loss(ctx);
        v[i] = keep;
        double numeric = (up - down) / (2 * STEP), analytic = grad[i] - START;
        if (fabs(numeric - analytic) > diff) diff = fabs(numeric - analytic);
        if (fabs(numeric) > scale) scale = fabs(numeric);
    }
    double rel = diff / (scale > 0 ? scale : 1);
    CHECKF(rel <= TOL && scale > 0, "%s: relative error %.3g (max |grad| %.3g)", what, rel, scale);
}

/* ---- conv2d ---- */

typedef struct {
    ConvScratch scratch;
    Conv2dShape s;
    int B, H, W;
    real *x, *w, *b, *out, *dout;
    int64_t n_out;
} ConvCase;

static double conv_loss(void *ctx) {
    ConvCase *c = ctx;
    conv2d_forward(NULL, &c->scratch, c->out, c->x, c->w, c->b, c->B, c->H, c->W, &c->s);
    return dot(c->out, c->dout, c->n_out);
}

static void check_conv(int k, int stride, int pad, int C, int OC) {
    ConvCase c = {.s = {C, OC, k, stride, pad}, .B = 2, .H = 7, .W = 6};
    int Ho = conv2d_out_size(c.H, k, stride, pad), Wo = conv2d_out_size(c.W, k, stride, pad);
    int64_t n_in = (int64_t)c.B * c.H * c.W * C, n_w = (int64_t)OC * C * k * k;
    c.n_out = (int64_t)c.B * Ho * Wo * OC;
    /* Room for exactly one image: the two images go through separate chunks. */
    c.scratch.cap = conv2d_scratch_need(&c.s, c.H, c.W);
    c.scratch.col = malloc(c.scratch.cap * sizeof(real));
    c.scratch.dcol = malloc(c.scratch.cap * sizeof(real));
    c.scratch.wt_cap = (size_t)n_w;
    c.scratch.wt = malloc(c.scratch.wt_cap * sizeof(real));
    c.scratch.wp = malloc(c.scratch.wt_cap * sizeof(real));
    c.scratch.dwp = malloc(c.scratch.wt_cap * sizeof(real));
    c.x = rand_buf(n_in, 1), c.w = rand_buf(n_w, 0.5), c.b = rand_buf(OC, 0.5);
    c.out = malloc((size_t)c.n_out * sizeof(real)), c.dout = rand_buf(c.n_out, 1);
    real *dx = grad_buf(n_in), *dw = grad_buf(n_w), *db = grad_buf(OC);
    conv_loss(&c);
    conv2d_backward(NULL, &c.scratch, dx, dw, db, c.dout, c.x, c.w, c.B, c.H, c.W, &c.s);
    char what[64];
    snprintf(what, sizeof what, "conv k%d s%d p%d dinp", k, stride, pad);
    fd_check(what, conv_loss, &c, c.x, dx, n_in);
    snprintf(what, sizeof what, "conv k%d s%d p%d dweight", k, stride, pad);
    fd_check(what, conv_loss, &c, c.w, dw, n_w);
    snprintf(what, sizeof what, "conv k%d s%d p%d dbias", k, stride, pad);
    fd_check(what, conv_loss, &c, c.b, db, OC);
    free(c.scratch.col), free(c.scratch.dcol), free(c.scratch.wt), free(c.scratch.wp), free(c.scratch.dwp), free(c.x), free(c.w), free(c.b), free(c.out), free(c.dout);
    free(dx), free(dw), free(db);
}

TEST(conv2d_k3_s1_p1) { check_conv(3, 1, 1, 3, 4); }
TEST(conv2d_k4_s2_p1) { check_conv(4, 2, 1, 3, 5); }
TEST(conv2d_k3_s2_p1) { check_conv(3, 2, 1, 2, 3); }
TEST(conv2d_k1_s1_p0) { check_conv(1, 1, 0, 5, 3); }

/* ---- groupnorm ---- */

typedef struct {
    int B, C, G;
    int64_t P, n;
    real *x, *w, *b, *out, *mean, *rstd, *dout;
} GnCase;

static double gn_loss(void *ctx) {
    GnCase *c = ctx;
    groupnorm_forward(NULL, c->out, c->mean, c->rstd, c->x, c->w, c->b, c->B, c->P, c->C, c->G, 1e-6);
    return dot(c->out, c->dout, c->n);
}

TEST(groupnorm) {
    GnCase c = {.B = 2, .C = 6, .G = 3, .P = 10};
    c.n = c.B * c.P * c.C;
    c.x = rand_buf(c.n, 2), c.w = rand_buf(c.C, 1), c.b = rand_buf(c.C, 1), c.dout = rand_buf(c.n, 1);
    c.out = malloc((size_t)c.n * sizeof(real)), c.mean = malloc(6 * sizeof(real)), c.rstd = malloc(6 * sizeof(real));
    real *dx = grad_buf(c.n), *dw = grad_buf(c.C), *db = grad_buf(c.C);
    gn_loss(&c);
    groupnorm_backward(NULL, dx, dw, db, c.dout, c.x, c.w, c.mean, c.rstd, c.B, c.P, c.C, c.G);
    fd_check("groupnorm dinp", gn_loss, &c, c.x, dx, c.n);
    fd_check("groupnorm dweight", gn_loss, &c, c.w, dw, c.C);
    fd_check("groupnorm dbias", gn_loss, &c, c.b, db, c.C);
    free(c.x), free(c.w), free(c.b), free(c.dout), free(c.out), free(c.mean), free(c.rstd), free(dx), free(dw), free(db);
}

/* ---- pointwise and upsampling ---- */

typedef struct {
    int kind; /* 0 silu, 1 relu, 2 upsample */
    real *x, *out, *dout;
    int64_t n, n_out;
} PwCase;

static double pw_loss(void *ctx) {
    PwCase *c = ctx;
    if (c->kind == 0) silu_forward(NULL, c->out, c->x, c->n);
    if (c->kind == 1) relu_forward(NULL, c->out, c->x, c->n);
    if (c->kind == 2) upsample2x_forward(NULL, c->out, c->x, 2, 3, 4, 5);
    return dot(c->out, c->dout, c->n_out);
}

static void check_pointwise(int kind, const char *what) {
    PwCase c = {.kind = kind, .n = 2 * 3 * 4 * 5};
    c.n_out = kind == 2 ? 4 * c.n : c.n;
    c.x = rand_buf(c.n, 3), c.out = malloc((size_t)c.n_out * sizeof(real)), c.dout = rand_buf(c.n_out, 1);
    real *dx = grad_buf(c.n);
    pw_loss(&c);
    if (kind == 0) silu_backward(NULL, dx, c.x, c.dout, c.n);
    if (kind == 1) relu_backward(NULL, dx, c.x, c.dout, c.n);
    if (kind == 2) upsample2x_backward(NULL, dx, c.dout, 2, 3, 4, 5);
    fd_check(what, pw_loss, &c, c.x, dx, c.n);
    free(c.x), free(c.out), free(c.dout), free(dx);
}

TEST(silu) { check_pointwise(0, "silu"); }
TEST(relu) { check_pointwise(1, "relu"); }
TEST(upsample2x) { check_pointwise(2, "upsample2x"); }

/* ---- residual block ---- */

typedef struct {
    ResBlock rb;
    ConvScratch scratch;
    ResBlockParams p;
    real *x, *out, *dout;
    int B;
    int64_t n_out;
} ResCase;

static double res_loss(void *ctx) {
    ResCase *c = ctx;
    resblock_forward(NULL, &c->scratch, &c->rb, c->out, c->x, &c->p, c->B);
    return dot(c->out, c->dout, c->n_out);
}

static void check_resblock(int C, int OC) {
    ResCase c = {.B = 2};
    Error err = {0};
    int H = 4, W = 5, G = 2;
    CHECK(resblock_new(&c.rb, c.B, H, W, C, OC, G, 1e-6, &err) == 0);
    c.scratch.cap = resblock_scratch_need(&c.rb);
    c.scratch.col = malloc(c.scratch.cap * sizeof(real));
    c.scratch.dcol = malloc(c.scratch.cap * sizeof(real));
    c.scratch.wt_cap = (size_t)OC * (C > OC ? C : OC) * 9;
    c.scratch.wt = malloc(c.scratch.wt_cap * sizeof(real));
    c.scratch.wp = malloc(c.scratch.wt_cap * sizeof(real));
    c.scratch.dwp = malloc(c.scratch.wt_cap * sizeof(real));
    int64_t sizes[10] = {C, C, (int64_t)OC * C * 9, OC, OC, OC, (int64_t)OC * OC * 9, OC, C != OC ? (int64_t)OC * C : 0,
                         C != OC ? OC : 0};
    const char *names[10] = {"norm1.weight", "norm1.bias", "conv1.weight", "conv1.bias", "norm2.weight",
                             "norm2.bias", "conv2.weight", "conv2.bias", "nin_shortcut.weight", "nin_shortcut.bias"};
    real **pp = (real **)&c.p;
    ResBlockParams g;
    real **gg = (real **)&g;
    for (int i = 0; i < 10; i++) {
        pp[i] = sizes[i] ? rand_buf(sizes[i], i == 0 || i == 4 ? 1 : 0.4) : NULL;
        gg[i] = sizes[i] ? grad_buf(sizes[i]) : NULL;
    }
    int64_t n_in = (int64_t)c.B * H * W * C;
    c.n_out = (int64_t)c.B * H * W * OC;
    c.x = rand_buf(n_in, 1), c.out = malloc((size_t)c.n_out * sizeof(real)), c.dout = rand_buf(c.n_out, 1);
    real *dx = grad_buf(n_in);
    res_loss(&c);
    resblock_backward(NULL, &c.scratch, &c.rb, dx, &g, c.dout, c.x, &c.p, c.B);
    char what[80];
    snprintf(what, sizeof what, "resblock %d->%d dinp", C, OC);
    fd_check(what, res_loss, &c, c.x, dx, n_in);
    for (int i = 0; i < 10; i++) {
        if (!sizes[i]) continue;
        snprintf(what, sizeof what, "resblock %d->%d %s", C, OC, names[i]);
        fd_check(what, res_loss, &c, pp[i], gg[i], sizes[i]);
    }
    for (int i = 0; i < 10; i++) free(pp[i]), free(gg[i]);
    resblock_free(&c.rb);
    free(c.scratch.col), free(c.scratch.dcol), free(c.scratch.wt), free(c.scratch.wp), free(c.scratch.dwp), free(c.x), free(c.out), free(c.dout), free(dx);
}

TEST(resblock_same_channels) { check_resblock(4, 4); }
TEST(resblock_nin_shortcut) { check_resblock(4, 6); }

/* ---- vector quantizer: the differentiable parts (commitment and codebook losses
 * with the assignment fixed; the straight-through pass is checked against torch) ---- */

typedef struct {
    real *z, *codebook, *zq, *scratch, beta;
    int32_t *idx;
    int64_t N;
    int D, K;
} VqCase;

static double vq_commit_loss(void *ctx) {
    VqCase *c = ctx;
    vq_quantize_forward(NULL, c->zq, c->idx, c->scratch, c->z, c->codebook, c->N, c->D, c->K);
    return c->beta * vq_mse(c->z, c->zq, c->N, c->D);
}

TEST(vq_commitment_and_codebook_loss) {
    VqCase c = {.N = 12, .D = 3, .K = 5, .beta = 0.25};
    c.z = rand_buf(c.N * c.D, 1), c.codebook = rand_buf((int64_t)c.K * c.D, 1);
    c.zq = malloc((size_t)(c.N * c.D) * sizeof(real)), c.idx = malloc((size_t)c.N * sizeof(int32_t));
    c.scratch = malloc((size_t)(c.N * c.K + c.K + c.K * c.D) * sizeof(real));
    real *dz = grad_buf(c.N * c.D), *dcb = grad_buf((int64_t)c.K * c.D), *zero = calloc((size_t)(c.N * c.D), sizeof(real));
    vq_commit_loss(&c);
    /* dzq = 0: only the commitment term reaches z. */
    vq_quantize_backward(NULL, dz, dcb, zero, c.z, c.zq, c.idx, c.N, c.D, c.beta);
    fd_check("vq commitment dz", vq_commit_loss, &c, c.z, dz, c.N * c.D);
    /* The codebook term mean((sg(z) - zq)²) is beta-free: rescale the loss by 1/beta. */
    for (int64_t i = 0; i < (int64_t)c.K * c.D; i++) dcb[i] = (dcb[i] - START) * c.beta + START;
    fd_check("vq codebook dcodebook", vq_commit_loss, &c, c.codebook, dcb, (int64_t)c.K * c.D);
    free(c.z), free(c.codebook), free(c.zq), free(c.idx), free(c.scratch), free(dz), free(dcb), free(zero);
}

int main(void) {
    RUN(conv2d_k3_s1_p1);
    RUN(conv2d_k4_s2_p1);
    RUN(conv2d_k3_s2_p1);
    RUN(conv2d_k1_s1_p0);
    RUN(groupnorm);
    RUN(silu);
    RUN(relu);
    RUN(upsample2x);
    RUN(resblock_same_channels);
    RUN(resblock_nin_shortcut);
    RUN(vq_commitment_and_codebook_loss);
    return harness_finish();
}
