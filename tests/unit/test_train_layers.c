/* test_train_layers.c — each float training layer against PyTorch autograd.
 *
 * tests/ref/train_layers_ref.py writes, per layer, random inputs, a random upstream
 * gradient dout, torch's output and input gradients. We run the library's float
 * layers (with a 2-thread pool, so the row/column splits are exercised; once with the
 * AVX-512 kernels when the CPU has them, once with EXAONE_PORTABLE=1) on the same
 * data; every output and gradient must agree to 1e-4 relative (train_ref.h measure).
 * Gradient buffers start at 0.5 and 0.5 is subtracted afterwards: backward must add.
 */
#include "../../src/core/cpu.h"
#include "../../src/core/threadpool.h"
#include "../../src/train/activation.h"
#include "../../src/train/attention.h"
#include "../../src/train/crossentropy.h"
#include "../../src/train/embedding.h"
#include "../../src/train/linear.h"
#include "../../src/train/norm.h"
#include "../../src/train/rope.h"
#include "../harness.h"
#include "train_ref.h"

#define TOL 1e-4
#define START 0.5f

static ThreadPool *pool;
static RefFile ref;
static char ref_dir[300];

static int open_ref(const char *layer) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s.bin", ref_dir, layer);
    if (ref_load(&ref, path) != 0) {
        CHECKF(0, "cannot read %s", path);
        return -1;
    }
    return 0;
}

static const float *in(const char *name) { return ref_get(&ref, name)->f32; }
static int64_t numel(const char *name) { return ref_get(&ref, name)->numel; }

/* A gradient buffer shaped like reference tensor `name`, pre-filled with START. */
static float *grad_like(const char *name) {
    int64_t n = numel(name);
    float *g = malloc((size_t)n * sizeof *g);
    for (int64_t i = 0; i < n; i++) g[i] = START;
    return g;
}

static void expect(const char *label, float *got, const char *ref_name, int is_grad) {
    int64_t n = numel(ref_name);
    if (is_grad)
        for (int64_t i = 0; i < n; i++) got[i] -= START;
    double e = ref_rel_error(got, in(ref_name), n);
    CHECKF(e <= TOL, "%s: %s relative error %.3g", label, ref_name, e);
    free(got);
}

static float *empty_like(const char *name) { return calloc((size_t)numel(name), sizeof(float)); }

TEST(norms_match_torch) {
    for (int rms = 0; rms <= 1; rms++) {
        if (open_ref(rms ? "rmsnorm" : "layernorm") != 0) return;
        int C = (int)ref_get(&ref, "w")->numel;
        int64_t N = numel("inp") / C;
        float *out = empty_like("out"), *mean = calloc((size_t)N, 4), *rstd = calloc((size_t)N, 4);
        float *dinp = grad_like("inp"), *dw = grad_like("w"), *db = rms ? NULL : grad_like("b");
        if (rms) {
            rmsnorm_forward(pool, out, rstd, in("inp"), in("w"), N, C, 1e-5f);
            rmsnorm_backward(pool, dinp, dw, in("dout"), in("inp"), in("w"), rstd, N, C);
        } else {
            layernorm_forward(pool, out, mean, rstd, in("inp"), in("w"), in("b"), N, C, 1e-5f);
            layernorm_backward(pool, dinp, dw, db, in("dout"), in("inp"), in("w"), mean, rstd, N, C);
        }
        const char *label = rms ? "rmsnorm" : "layernorm";
        expect(label, out, "out", 0);
        expect(label, dinp, "dinp", 1);
        expect(label, dw, "dw", 1);
        if (db) expect(label, db, "db", 1);
        free(mean);
        free(rstd);
        ref_free(&ref);
    }
}

TEST(linear_matches_torch) {
    if (open_ref("linear") != 0) return;
    int OC = (int)numel("bias"), C = (int)(numel("w") / OC);
    int64_t N = numel("inp") / C;
    float *out = empty_like("out"), *dinp = grad_like("inp"), *dw = grad_like("w"), *db = grad_like("bias");
    linear_layer_forward(pool, LINEAR_F32, out, in("inp"), in("w"), in("bias"), N, C, OC);
    linear_layer_backward(pool, LINEAR_F32, dinp, dw, db, in("dout"), in("inp"), in("w"), N, C, OC);
    expect("linear", out, "out", 0);
    expect("linear", dinp, "dinp", 1);
    expect("linear", dw, "dw", 1);
    expect("linear", db, "dbias", 1);
    ref_free(&ref);
}

TEST(attention_matches_torch) {
    const char *names[3] = {"attention_causal", "attention_prefix", "attention_gqa"};
    for (int k = 0; k < 3; k++) {
        if (open_ref(names[k]) != 0) return;
        const RefTensor *qkv = ref_get(&ref, "qkv");
        const int32_t *heads = ref_get(&ref, "heads")->i32; /* NH, NKV, hs */
        int B = (int)qkv->dims[0], T = (int)qkv->dims[1], NH = heads[0], NKV = heads[1], hs = heads[2];
        int C = NH * hs, KVC = NKV * hs, W = C + 2 * KVC;
        const RefTensor *prefix = ref_find(&ref, "prefix");
        float *out = empty_like("out"), *att = calloc((size_t)B * NH * T * T, 4);
        float *scratch = calloc((size_t)attention_scratch_floats(T, hs, pool_threads(pool)), 4);
        float *d = grad_like("qkv");
        attention_forward(pool, out, att, scratch, qkv->f32, qkv->f32 + C, qkv->f32 + C + KVC, W,
                          prefix ? prefix->i32 : NULL, B, T, NH, NKV, hs);
        attention_backward(pool, d, d + C, d + C + KVC, scratch, in("dout"), att, qkv->f32, qkv->f32 + C,
                           qkv->f32 + C + KVC, W, prefix ? prefix->i32 : NULL, B, T, NH, NKV, hs);
        expect(names[k], out, "out", 0);
        expect(names[k], d, "dqkv", 1);
        free(att);
        free(scratch);
        ref_free(&ref);
    }
}

TEST(rope_matches_torch) {
    if (open_ref("rope") != 0) return;
    const RefTensor *x = ref_get(&ref, "x");
    int B = (int)x->dims[0], T = (int)x->dims[1], NH = (int)x->dims[2], hs = (int)x->dims[3];
    int64_t N = (int64_t)B * T;
    float *cs = calloc((size_t)T * hs / 2, 4), *sn = calloc((size_t)T * hs / 2, 4);
    int *pos = calloc((size_t)N, sizeof(int));
    positions_1d(pos, B, T);
    rope_table(cs, sn, T, hs, 10000.0);
    float *out = empty_like("x"), *dx = empty_like("x");
    memcpy(out, x->f32, (size_t)x->numel * 4);
    memcpy(dx, in("dout"), (size_t)x->numel * 4);
    rope_forward(out, NH * hs, pos, cs, sn, N, NH, hs);
    rope_backward(dx, NH * hs, pos, cs, sn, N, NH, hs); /* in place: d(rotated) -> d(input) */
    expect("rope", out, "out", 0);
    expect("rope", dx, "dx", 0);
    free(cs);
    free(sn);
    free(pos);
    ref_free(&ref);
}

TEST(activations_match_torch) {
    if (open_ref("gelu") != 0) return;
    float *out = empty_like("out"), *d = grad_like("inp");
    gelu_forward(pool, out, in("inp"), numel("inp"));
    gelu_backward(pool, d, in("inp"), in("dout"), numel("inp"));
    expect("gelu", out, "out", 0);
    expect("gelu", d, "dinp", 1);
    ref_free(&ref);
    if (open_ref("swiglu") != 0) return;
    const RefTensor *x = ref_get(&ref, "inp");
    int F = (int)x->dims[1] / 2;
    out = empty_like("out"), d = grad_like("inp");
    swiglu_forward(pool, out, x->f32, x->dims[0], F);
    swiglu_backward(pool, d, x->f32, in("dout"), x->dims[0], F);
    expect("swiglu", out, "out", 0);
    expect("swiglu", d, "dinp", 1);
    ref_free(&ref);
}

TEST(crossentropy_matches_torch) {
    if (open_ref("crossentropy") != 0) return;
    const RefTensor *z = ref_get(&ref, "logits");
    int64_t N = z->dims[0];
    int V = (int)z->dims[1];
    const int *targets = ref_get(&ref, "targets")->i32;
    float *losses = calloc((size_t)N, 4), *lse = calloc((size_t)N, 4);
    int64_t count = crossentropy_forward(pool, losses, lse, z->f32, targets, N, V, 0.1f, -100);
    double sum = 0;
    for (int64_t n = 0; n < N; n++) sum += losses[n];
    float loss = (float)(sum / (double)count);
    CHECKF(fabs(loss - in("loss")[0]) <= TOL * fabs(in("loss")[0]), "loss %.7f, torch %.7f", loss, in("loss")[0]);
    float *d = grad_like("dlogits");
    crossentropy_backward(pool, d, z->f32, lse, targets, 1.0f / (float)count, N, V, 0.1f, -100);
    expect("crossentropy", d, "dlogits", 1);
    /* in place, as the model runs it */
    float *buf = empty_like("logits");
    memcpy(buf, z->f32, (size_t)z->numel * 4);
    crossentropy_backward(pool, buf, buf, lse, targets, 1.0f / (float)count, N, V, 0.1f, -100);
    expect("crossentropy(in place)", buf, "dlogits", 0);
    free(losses);
    free(lse);
    ref_free(&ref);
}

TEST(embedding_matches_torch) {
    if (open_ref("embedding") != 0) return;
    const RefTensor *table = ref_get(&ref, "table");
    int C = (int)table->dims[1];
    int64_t N = numel("ids");
    float *out = empty_like("out"), *d = grad_like("table");
    embedding_forward(out, ref_get(&ref, "ids")->i32, table->f32, N, C, 0);
    embedding_backward(d, in("dout"), ref_get(&ref, "ids")->i32, N, C);
    expect("embedding", out, "out", 0);
    expect("embedding", d, "dtable", 1);
    ref_free(&ref);
}

/* The AVX-512 attention kernel is specialised per head size (32, 64, 128); the torch
 * data above covers 64. The other two are held against the portable path (itself held
 * against torch and finite differences) on random data with odd T and prefixes. */
static void attention_run(int hs, int NH, int NKV, int T, const float *qkv, const float *dout, const int *prefix,
                          float *out, float *dqkv) {
    int B = 2, C = NH * hs, KVC = NKV * hs, W = C + 2 * KVC;
    float *att = calloc((size_t)B * NH * T * T, 4);
    float *scratch = calloc((size_t)attention_scratch_floats(T, hs, pool_threads(pool)), 4);
    memset(dqkv, 0, (size_t)B * T * W * 4);
    attention_forward(pool, out, att, scratch, qkv, qkv + C, qkv + C + KVC, W, prefix, B, T, NH, NKV, hs);
    attention_backward(pool, dqkv, dqkv + C, dqkv + C + KVC, scratch, dout, att, qkv, qkv + C, qkv + C + KVC, W,
                       prefix, B, T, NH, NKV, hs);
    free(att);
    free(scratch);
}

TEST(attention_head_sizes_match_portable) {
    if (!cpu_features()->avx512) SKIP("no AVX-512 on this CPU");
    int sizes[2] = {32, 128}, T = 37, prefix[2] = {5, 40};
    for (int k = 0; k < 2; k++)
        for (int NKV = 1; NKV <= 2; NKV++) {
            int hs = sizes[k], NH = 2, W = (NH + 2 * NKV) * hs;
            size_t n_in = (size_t)2 * T * W, n_out = (size_t)2 * T * NH * hs;
            float *qkv = malloc(n_in * 4), *dout = malloc(n_out * 4);
            uint32_t r = 12345;
            for (size_t i = 0; i < n_in; i++) qkv[i] = (float)((r = r * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
            for (size_t i = 0; i < n_out; i++) dout[i] = (float)((r = r * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
            float *out_fast = malloc(n_out * 4), *out_ref = malloc(n_out * 4);
            float *d_fast = malloc(n_in * 4), *d_ref = malloc(n_in * 4);
            attention_run(hs, NH, NKV, T, qkv, dout, prefix, out_fast, d_fast);
            setenv("EXAONE_PORTABLE", "1", 1);
            cpu_features_reload();
            attention_run(hs, NH, NKV, T, qkv, dout, prefix, out_ref, d_ref);
            unsetenv("EXAONE_PORTABLE");
            cpu_features_reload();
            double eo = ref_rel_error(out_fast, out_ref, (int64_t)n_out), ed = ref_rel_error(d_fast, d_ref, (int64_t)n_in);
            CHECKF(eo <= 1e-5 && ed <= 1e-5, "hs %d, %d kv heads: out error %.3g, dqkv error %.3g", hs, NKV, eo, ed);
            free(qkv), free(dout), free(out_fast), free(out_ref), free(d_fast), free(d_ref);
        }
}

int main(void) {
    if (harness_ref("train_layers_ref.py", ref_dir, sizeof ref_dir) != 0) {
        printf("FAIL reference script\n");
        return 1;
    }
    pool = pool_new(2);
    RUN(attention_head_sizes_match_portable);
    /* Twice: with the kernels this CPU picks (AVX-512 here), then the portable C paths. */
    for (int portable = 0; portable <= 1; portable++) {
        if (portable) {
            setenv("EXAONE_PORTABLE", "1", 1);
            cpu_features_reload();
        }
        printf("-- %s paths (%s)\n", portable ? "portable" : "dispatched", cpu_describe());
        RUN(norms_match_torch);
        RUN(linear_matches_torch);
        RUN(attention_matches_torch);
        RUN(rope_matches_torch);
        RUN(activations_match_torch);
        RUN(crossentropy_matches_torch);
        RUN(embedding_matches_torch);
    }
    pool_free(pool);
    return harness_finish();
}
