/* test_train_grad.c — every training layer's backward against central finite
 * differences, in double precision.
 *
 * Method: the layer sources of src/train/ are #included below with
 * TRAIN_REAL=double, so this translation unit holds a double build of the very
 * code the trainer runs in float (real.h; in double, linear.c uses plain
 * loops instead of the f32 matmul kernels, which have their own tests). The
 * library's float copies of these symbols are never pulled from the archive,
 * because this file defines them all first.
 * For a layer y = f(x, w), take L = sum(y * R) with a fixed random R; its
 * backward, fed dout = R, must give dL/dx and dL/dw, which we compare with
 * (L(x + h) - L(x - h)) / 2h, h = 1e-5, for every element. Error measure per
 * tensor: max |analytic - numeric| / max |numeric| <= 1e-5.
 * Gradients start at 0.25 (not 0) so the check also proves that backward
 * accumulates (+=) instead of overwriting.
 */
#define TRAIN_REAL double
#include "../../src/train/activation.c"
#include "../../src/train/attention.c"
#include "../../src/train/crossentropy.c"
#include "../../src/train/embedding.c"
#include "../../src/train/linear.c"
#include "../../src/train/norm.c"
#include "../../src/train/residual.c"
#include "../../src/train/rope.c"

#include "../harness.h"

#include <stdint.h>

#define GRAD_START 0.25
#define GRAD_TOL 1e-5

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double rnd(void) { /* uniform in [-1, 1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / (double)(1ull << 52) - 1.0;
}
static double *rnd_buf(int64_t n, double scale) {
    double *p = malloc((size_t)n * sizeof *p);
    for (int64_t i = 0; i < n; i++) p[i] = rnd() * scale;
    return p;
}
static double *const_buf(int64_t n, double v) {
    double *p = malloc((size_t)n * sizeof *p);
    for (int64_t i = 0; i < n; i++) p[i] = v;
    return p;
}

/* A layer under test: forward fills out from the inputs; backward adds the
 * gradients of sum(out * dout) into the grad buffers. */
typedef struct Case Case;
struct Case {
    void (*forward)(Case *c);
    void (*backward)(Case *c);
    struct {
        const char *name;
        double *x, *grad;
        int64_t n;
    } in[4];
    int n_in;
    double *out, *dout;
    int64_t n_out;
    /* layer extras */
    int B, T, C, NH, hs, OC, F, V, flag;
    int *ids, *prefix;
    double *s1, *s2, *s3;
};

static void case_add(Case *c, const char *name, double *x, int64_t n) {
    c->in[c->n_in].name = name;
    c->in[c->n_in].x = x;
    c->in[c->n_in].grad = const_buf(n, GRAD_START);
    c->in[c->n_in].n = n;
    c->n_in++;
}

static double case_objective(Case *c) {
    c->forward(c);
    double sum = 0;
    for (int64_t i = 0; i < c->n_out; i++) sum += c->out[i] * c->dout[i];
    return sum;
}

static void case_check(Case *c, const char *label) {
    c->forward(c);
    c->backward(c);
    for (int t = 0; t < c->n_in; t++) {
        double max_diff = 0, max_num = 0;
        for (int64_t i = 0; i < c->in[t].n; i++) {
            double *x = &c->in[t].x[i], keep = *x, h = 1e-5;
            *x = keep + h;
            double plus = case_objective(c);
            *x = keep - h;
            double minus = case_objective(c);
            *x = keep;
            double numeric = (plus - minus) / (2 * h);
            double analytic = c->in[t].grad[i] - GRAD_START;
            if (fabs(analytic - numeric) > max_diff) max_diff = fabs(analytic - numeric);
            if (fabs(numeric) > max_num) max_num = fabs(numeric);
        }
        double rel = max_diff / (max_num > 0 ? max_num : 1);
        CHECKF(rel <= GRAD_TOL && max_num > 0, "%s: d%s relative error %.3g (max |grad| %.3g)", label,
               c->in[t].name, rel, max_num);
    }
}

static void case_free(Case *c) {
    for (int t = 0; t < c->n_in; t++) {
        free(c->in[t].x);
        free(c->in[t].grad);
    }
    free(c->out);
    free(c->dout);
    free(c->ids);
    free(c->prefix);
    free(c->s1);
    free(c->s2);
    free(c->s3);
}

static void case_output(Case *c, int64_t n) {
    c->n_out = n;
    c->out = const_buf(n, 0);
    c->dout = rnd_buf(n, 1);
}

/* ---- embedding ---- */
static void emb_fwd(Case *c) {
    int64_t N = (int64_t)c->B * c->T;
    if (c->flag) /* accumulate onto a base */
        for (int64_t i = 0; i < c->n_out; i++) c->out[i] = c->s1[i];
    embedding_forward(c->out, c->ids, c->in[0].x, N, c->C, c->flag);
}
static void emb_bwd(Case *c) { embedding_backward(c->in[0].grad, c->dout, c->ids, (int64_t)c->B * c->T, c->C); }

TEST(embedding_grad) {
    for (int accumulate = 0; accumulate <= 1; accumulate++) {
        Case c = {.forward = emb_fwd, .backward = emb_bwd, .B = 2, .T = 5, .C = 6, .flag = accumulate};
        int rows = 7, N = c.B * c.T;
        c.ids = malloc((size_t)N * sizeof(int));
        for (int n = 0; n < N; n++) c.ids[n] = n == 3 ? -1 : (n * 5) % rows; /* repeats and one skip */
        case_add(&c, "table", rnd_buf((int64_t)rows * c.C, 1), (int64_t)rows * c.C);
        case_output(&c, (int64_t)N * c.C);
        c.s1 = rnd_buf(c.n_out, 1);
        case_check(&c, accumulate ? "embedding(accumulate)" : "embedding");
        case_free(&c);
    }
}

TEST(positions_2d_raster) {
    /* B=2, T=8, a 2x3 grid starting at t=1 in sequence 0 and no image in sequence 1. */
    int start[2] = {1, -1}, rows[16], cols[16];
    positions_2d(rows, cols, start, 2, 8, 2, 3);
    int want_rows[8] = {-1, 0, 0, 0, 1, 1, 1, -1}, want_cols[8] = {-1, 0, 1, 2, 0, 1, 2, -1};
    for (int t = 0; t < 8; t++) {
        CHECK(rows[t] == want_rows[t]);
        CHECK(cols[t] == want_cols[t]);
        CHECK(rows[8 + t] == -1 && cols[8 + t] == -1);
    }
    int pos[6];
    positions_1d(pos, 2, 3);
    CHECK(pos[0] == 0 && pos[2] == 2 && pos[3] == 0 && pos[5] == 2);
}

/* ---- norms ---- flag: 0 layernorm+bias, 1 layernorm no bias, 2 rmsnorm */
static void norm_fwd(Case *c) {
    int64_t N = (int64_t)c->B * c->T;
    if (c->flag == 2)
        rmsnorm_forward(NULL, c->out, c->s2, c->in[0].x, c->in[1].x, N, c->C, 1e-5);
    else
        layernorm_forward(NULL, c->out, c->s1, c->s2, c->in[0].x, c->in[1].x, c->flag == 0 ? c->in[2].x : NULL, N,
                          c->C, 1e-5);
}
static void norm_bwd(Case *c) {
    int64_t N = (int64_t)c->B * c->T;
    if (c->flag == 2)
        rmsnorm_backward(NULL, c->in[0].grad, c->in[1].grad, c->dout, c->in[0].x, c->in[1].x, c->s2, N, c->C);
    else
        layernorm_backward(NULL, c->in[0].grad, c->in[1].grad, c->flag == 0 ? c->in[2].grad : NULL, c->dout,
                           c->in[0].x, c->in[1].x, c->s1, c->s2, N, c->C);
}

TEST(norm_grad) {
    const char *labels[3] = {"layernorm", "layernorm(no bias)", "rmsnorm"};
    for (int kind = 0; kind < 3; kind++) {
        Case c = {.forward = norm_fwd, .backward = norm_bwd, .B = 2, .T = 3, .C = 8, .flag = kind};
        int64_t N = 6;
        case_add(&c, "inp", rnd_buf(N * c.C, 2), N * c.C);
        case_add(&c, "w", rnd_buf(c.C, 1), c.C);
        if (kind == 0) case_add(&c, "b", rnd_buf(c.C, 1), c.C);
        case_output(&c, N * c.C);
        c.s1 = const_buf(N, 0);
        c.s2 = const_buf(N, 0);
        case_check(&c, labels[kind]);
        case_free(&c);
    }
}

/* ---- linear ---- flag: has bias */
static void linear_fwd(Case *c) {
    linear_layer_forward(NULL, LINEAR_F32, c->out, c->in[0].x, c->in[1].x, c->flag ? c->in[2].x : NULL, (int64_t)c->B * c->T, c->C,
                   c->OC);
}
static void linear_bwd(Case *c) {
    linear_layer_backward(NULL, LINEAR_F32, c->in[0].grad, c->in[1].grad, c->flag ? c->in[2].grad : NULL, c->dout, c->in[0].x,
                    c->in[1].x, (int64_t)c->B * c->T, c->C, c->OC);
}

TEST(linear_grad) {
    for (int bias = 0; bias <= 1; bias++) {
        Case c = {.forward = linear_fwd, .backward = linear_bwd, .B = 2, .T = 3, .C = 5, .OC = 7, .flag = bias};
        int64_t N = 6;
        case_add(&c, "inp", rnd_buf(N * c.C, 1), N * c.C);
        case_add(&c, "w", rnd_buf((int64_t)c.OC * c.C, 1), (int64_t)c.OC * c.C);
        if (bias) case_add(&c, "bias", rnd_buf(c.OC, 1), c.OC);
        case_output(&c, N * c.OC);
        case_check(&c, bias ? "linear(bias)" : "linear");
        case_free(&c);
    }
}

/* ---- rope ---- rows of stride ld = NH*hs + 3 (a strided view), positions not in order */
static void rope_fwd(Case *c) {
    for (int64_t i = 0; i < c->n_out; i++) c->out[i] = c->in[0].x[i];
    rope_forward(c->out, c->NH * c->hs + 3, c->ids, c->s1, c->s2, (int64_t)c->B * c->T, c->NH, c->hs);
}
static void rope_bwd(Case *c) {
    /* rope_backward works in place: rotate a copy of dout back, add to dx. */
    double *tmp = malloc((size_t)c->n_out * sizeof *tmp);
    for (int64_t i = 0; i < c->n_out; i++) tmp[i] = c->dout[i];
    rope_backward(tmp, c->NH * c->hs + 3, c->ids, c->s1, c->s2, (int64_t)c->B * c->T, c->NH, c->hs);
    for (int64_t i = 0; i < c->n_out; i++) c->in[0].grad[i] += tmp[i];
    free(tmp);
}

TEST(rope_grad) {
    Case c = {.forward = rope_fwd, .backward = rope_bwd, .B = 2, .T = 3, .NH = 2, .hs = 6};
    int64_t N = 6, n = N * (c.NH * c.hs + 3);
    int max_pos = 16;
    c.ids = malloc((size_t)N * sizeof(int));
    for (int i = 0; i < N; i++) c.ids[i] = (i * 7 + 2) % max_pos;
    c.s1 = const_buf((int64_t)max_pos * c.hs / 2, 0);
    c.s2 = const_buf((int64_t)max_pos * c.hs / 2, 0);
    rope_table(c.s1, c.s2, max_pos, c.hs, 10000.0);
    case_add(&c, "x", rnd_buf(n, 1), n);
    case_output(&c, n);
    case_check(&c, "rope");
    case_free(&c);
}

/* ---- attention ---- q,k,v interleaved in one [N,3C] buffer (ld = 3C), as in the model */
/* flag = number of kv heads (grouped-query when < NH); rows are [q C | k KVC | v KVC] */
static void attn_fwd(Case *c) {
    int C = c->NH * c->hs, KVC = c->flag * c->hs;
    const double *qkv = c->in[0].x;
    attention_forward(NULL, c->out, c->s1, c->s2, qkv, qkv + C, qkv + C + KVC, C + 2 * KVC, c->prefix, c->B, c->T,
                      c->NH, c->flag, c->hs);
}
static void attn_bwd(Case *c) {
    int C = c->NH * c->hs, KVC = c->flag * c->hs;
    const double *qkv = c->in[0].x;
    double *d = c->in[0].grad;
    attention_backward(NULL, d, d + C, d + C + KVC, c->s2, c->dout, c->s1, qkv, qkv + C, qkv + C + KVC, C + 2 * KVC,
                       c->prefix, c->B, c->T, c->NH, c->flag, c->hs);
}

TEST(attention_grad) {
    const char *labels[4] = {"attention(causal)", "attention(prefix)", "attention(bidirectional)",
                             "attention(grouped-query, prefix)"};
    for (int kind = 0; kind < 4; kind++) {
        Case c = {.forward = attn_fwd, .backward = attn_bwd, .B = 2, .T = 5, .NH = kind == 3 ? 4 : 2, .hs = 4};
        c.flag = kind == 3 ? 2 : c.NH; /* kv heads */
        int width = (c.NH + 2 * c.flag) * c.hs;
        int64_t N = (int64_t)c.B * c.T;
        if (kind > 0) {
            c.prefix = malloc(2 * sizeof(int));
            c.prefix[0] = kind == 2 ? 99 : 3;
            c.prefix[1] = kind == 2 ? 5 : 0;
        }
        c.s1 = const_buf((int64_t)c.B * c.NH * c.T * c.T, 0);
        c.s2 = const_buf(attention_scratch_floats(c.T, c.hs, 1), 0);
        case_add(&c, "qkv", rnd_buf(N * width, 1), N * width);
        case_output(&c, N * c.NH * c.hs);
        case_check(&c, labels[kind]);
        /* The mask itself: a masked probability is exactly 0, a visible one is not. */
        for (int b = 0; b < c.B; b++)
            for (int i = 0; i < c.T; i++)
                for (int t = 0; t < c.T; t++) {
                    int p = kind == 0 ? 0 : c.prefix[b];  /* head 1 of every kind */
                    int visible = t <= i || t < p;
                    double prob = c.s1[(((int64_t)b * c.NH + 1) * c.T + i) * c.T + t];
                    CHECK(visible ? prob > 0 : prob == 0);
                }
        case_free(&c);
    }
}

/* ---- activations ---- flag: 0 gelu, 1 swiglu */
static void act_fwd(Case *c) {
    if (c->flag)
        swiglu_forward(NULL, c->out, c->in[0].x, (int64_t)c->B * c->T, c->F);
    else
        gelu_forward(NULL, c->out, c->in[0].x, c->n_out);
}
static void act_bwd(Case *c) {
    if (c->flag)
        swiglu_backward(NULL, c->in[0].grad, c->in[0].x, c->dout, (int64_t)c->B * c->T, c->F);
    else
        gelu_backward(NULL, c->in[0].grad, c->in[0].x, c->dout, c->n_out);
}

TEST(activation_grad) {
    for (int swiglu = 0; swiglu <= 1; swiglu++) {
        Case c = {.forward = act_fwd, .backward = act_bwd, .B = 2, .T = 3, .F = 5, .flag = swiglu};
        int64_t N = 6, width = swiglu ? 2 * c.F : c.F;
        case_add(&c, "inp", rnd_buf(N * width, 3), N * width);
        case_output(&c, N * c.F);
        case_check(&c, swiglu ? "swiglu" : "gelu");
        case_free(&c);
    }
}

/* ---- cross-entropy ---- L = mean over kept rows, i.e. dout = 1/count on every row */
static void ce_fwd(Case *c) {
    crossentropy_forward(NULL, c->out, c->s1, c->in[0].x, c->ids, (int64_t)c->B * c->T, c->V, 0.1, -100);
}
static void ce_bwd(Case *c) {
    crossentropy_backward(NULL, c->in[0].grad, c->in[0].x, c->s1, c->ids, c->dout[0], (int64_t)c->B * c->T, c->V,
                          0.1, -100);
}

TEST(crossentropy_grad) {
    Case c = {.forward = ce_fwd, .backward = ce_bwd, .B = 2, .T = 4, .V = 11};
    int64_t N = 8;
    c.ids = malloc((size_t)N * sizeof(int));
    int count = 0;
    for (int n = 0; n < N; n++) {
        c.ids[n] = n % 3 == 2 ? -100 : (n * 4) % c.V;
        count += c.ids[n] != -100;
    }
    c.s1 = const_buf(N, 0);
    case_add(&c, "logits", rnd_buf(N * c.V, 3), N * c.V);
    case_output(&c, N);
    for (int64_t n = 0; n < N; n++) c.dout[n] = 1.0 / count;
    case_check(&c, "crossentropy");
    /* In place: the logits buffer turns into exactly the gradient. */
    double *buf = malloc((size_t)(N * c.V) * sizeof *buf);
    for (int64_t i = 0; i < N * c.V; i++) buf[i] = c.in[0].x[i];
    int64_t kept = crossentropy_forward(NULL, c.out, c.s1, buf, c.ids, N, c.V, 0.1, -100);
    CHECK(kept == count);
    crossentropy_backward(NULL, buf, buf, c.s1, c.ids, 1.0 / count, N, c.V, 0.1, -100);
    double worst = 0;
    for (int64_t i = 0; i < N * c.V; i++) worst = fmax(worst, fabs(buf[i] - (c.in[0].grad[i] - GRAD_START)));
    CHECKF(worst < 1e-12, "in-place gradient differs by %g", worst);
    free(buf);
    case_free(&c);
}

/* ---- residual ---- */
static void res_fwd(Case *c) { residual_forward(c->out, c->in[0].x, c->in[1].x, c->n_out); }
static void res_bwd(Case *c) { residual_backward(c->in[0].grad, c->in[1].grad, c->dout, c->n_out); }

TEST(residual_grad) {
    Case c = {.forward = res_fwd, .backward = res_bwd};
    case_add(&c, "a", rnd_buf(10, 1), 10);
    case_add(&c, "b", rnd_buf(10, 1), 10);
    case_output(&c, 10);
    case_check(&c, "residual");
    case_free(&c);
}

int main(void) {
    RUN(embedding_grad);
    RUN(positions_2d_raster);
    RUN(norm_grad);
    RUN(linear_grad);
    RUN(rope_grad);
    RUN(attention_grad);
    RUN(activation_grad);
    RUN(crossentropy_grad);
    RUN(residual_grad);
    return harness_finish();
}
