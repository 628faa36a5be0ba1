/* test_vq_layers.c — the VQ tokenizer's float layers and whole model against
 * PyTorch (tests/ref/vq_layers_ref.py): outputs and autograd gradients must
 * agree to 1e-4 relative (max abs difference / max abs reference value).
 * Layers run on a 2-thread pool so the work splits are exercised. Gradient
 * buffers start at 0.5 and have 0.5 subtracted: backward must accumulate.
 * The model case loads torch's state dict by name into our parameter table, so
 * it also proves the names and layouts map 1:1. Then: checkpoint round trip,
 * encode/decode consistency, EMA update, dead-code restarts.
 */
#include "../../src/core/file.h"
#include "../../src/core/mem.h"
#include "../../src/core/threadpool.h"
#include "../../src/models/vq.h"
#include "../../src/train/vision/conv2d.h"
#include "../../src/train/vision/groupnorm.h"
#include "../../src/train/vision/pointwise.h"
#include "../../src/train/vision/resblock.h"
#include "../../src/train/vision/vq_quantize.h"
#include "../harness.h"
#include "train_ref.h"

#define TOL 1e-4
#define START 0.5f

static ThreadPool *pool;
static RefFile ref;
static char ref_dir[300];
static int have_ref;

static int open_ref(const char *name) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s.bin", ref_dir, name);
    if (!have_ref || ref_load(&ref, path) != 0) {
        CHECKF(0, "cannot read %s", path);
        return -1;
    }
    return 0;
}

static const float *in(const char *name) {
    const RefTensor *t = ref_get(&ref, name);
    return t ? t->f32 : NULL;
}
static const int32_t *ints(const char *name) {
    const RefTensor *t = ref_get(&ref, name);
    return t ? t->i32 : NULL;
}
static int64_t numel(const char *name) {
    const RefTensor *t = ref_get(&ref, name);
    return t ? t->numel : 0;
}

static float *grad_like(const char *name) {
    int64_t n = numel(name);
    float *g = malloc((size_t)(n ? n : 1) * sizeof *g);
    for (int64_t i = 0; i < n; i++) g[i] = START;
    return g;
}

/* Compares got with reference tensor ref_name; frees got. */
static void expect(const char *label, float *got, const char *ref_name, int is_grad) {
    int64_t n = numel(ref_name);
    const float *want = in(ref_name);
    if (!want) {
        CHECKF(0, "%s: reference %s missing", label, ref_name);
        free(got);
        return;
    }
    if (is_grad)
        for (int64_t i = 0; i < n; i++) got[i] -= START;
    double rel = ref_rel_error(got, want, n);
    CHECKF(rel <= TOL, "%s: relative error %.3g vs torch", label, rel);
    free(got);
}

static ConvScratch scratch_for(size_t cap, size_t wt_cap) {
    ConvScratch s = {.cap = cap, .wt_cap = wt_cap};
    s.col = malloc(cap * sizeof(float)), s.dcol = malloc(cap * sizeof(float));
    s.wt = malloc(wt_cap * sizeof(float)), s.wp = malloc(wt_cap * sizeof(float)), s.dwp = malloc(wt_cap * sizeof(float));
    return s;
}
static void scratch_free(ConvScratch *s) { free(s->col), free(s->dcol), free(s->wt), free(s->wp), free(s->dwp); }

static void check_conv(const char *name) {
    if (open_ref(name)) return;
    const int32_t *sh = ints("shape");
    int B = sh[0], H = sh[1], W = sh[2];
    Conv2dShape s = {sh[3], sh[4], sh[5], sh[6], sh[7]};
    /* room for two images: 3 images make a full and a partial chunk */
    ConvScratch sc = scratch_for(2 * conv2d_scratch_need(&s, H, W), (size_t)numel("weight"));
    float *out = malloc((size_t)numel("out") * sizeof(float));
    conv2d_forward(pool, &sc, out, in("inp"), in("weight"), in("bias"), B, H, W, &s);
    expect(name, out, "out", 0);
    float *dx = grad_like("inp"), *dw = grad_like("weight"), *db = grad_like("bias");
    conv2d_backward(pool, &sc, dx, dw, db, in("dout"), in("inp"), in("weight"), B, H, W, &s);
    expect("dinp", dx, "dinp", 1);
    expect("dweight", dw, "dweight", 1);
    expect("dbias", db, "dbias", 1);
    scratch_free(&sc);
    ref_free(&ref);
}

TEST(conv2d_k3_s1_vs_torch) { check_conv("conv_k3s1"); }
TEST(conv2d_k4_s2_vs_torch) { check_conv("conv_k4s2"); }
TEST(conv2d_k3_s2_vs_torch) { check_conv("conv_k3s2"); }
TEST(conv2d_k1_s1_vs_torch) { check_conv("conv_k1s1"); }

TEST(upsample_vs_torch) {
    if (open_ref("upsample")) return;
    float *out = malloc((size_t)numel("out") * sizeof(float)), *dx = grad_like("inp");
    upsample2x_forward(pool, out, in("inp"), 2, 3, 5, 4);
    expect("upsample", out, "out", 0);
    upsample2x_backward(pool, dx, in("dout"), 2, 3, 5, 4);
    expect("dinp", dx, "dinp", 1);
    ref_free(&ref);
}

static void check_groupnorm(const char *name) {
    if (open_ref(name)) return;
    const int32_t *sh = ints("shape");
    int B = sh[0], C = sh[2], G = sh[3];
    int64_t P = sh[1];
    float *out = malloc((size_t)numel("out") * sizeof(float)), mean[64], rstd[64];
    groupnorm_forward(pool, out, mean, rstd, in("inp"), in("weight"), in("bias"), B, P, C, G, 1e-6f);
    expect(name, out, "out", 0);
    float *dx = grad_like("inp"), *dw = grad_like("weight"), *db = grad_like("bias");
    groupnorm_backward(pool, dx, dw, db, in("dout"), in("inp"), in("weight"), mean, rstd, B, P, C, G);
    expect("dinp", dx, "dinp", 1);
    expect("dweight", dw, "dweight", 1);
    expect("dbias", db, "dbias", 1);
    ref_free(&ref);
}

TEST(groupnorm_vs_torch) { check_groupnorm("groupnorm"); }
TEST(groupnorm_one_channel_groups_vs_torch) { check_groupnorm("groupnorm_c1"); }

TEST(silu_relu_vs_torch) {
    const char *names[2] = {"silu", "relu"};
    for (int k = 0; k < 2; k++) {
        if (open_ref(names[k])) return;
        int64_t n = numel("inp");
        float *out = malloc((size_t)n * sizeof(float)), *dx = grad_like("inp");
        if (k == 0) silu_forward(pool, out, in("inp"), n), silu_backward(pool, dx, in("inp"), in("dout"), n);
        else relu_forward(pool, out, in("inp"), n), relu_backward(pool, dx, in("inp"), in("dout"), n);
        expect(names[k], out, "out", 0);
        expect("dinp", dx, "dinp", 1);
        ref_free(&ref);
    }
}

static void check_resblock(const char *name) {
    if (open_ref(name)) return;
    const int32_t *sh = ints("shape");
    int B = sh[0], H = sh[1], W = sh[2], C = sh[3], OC = sh[4], G = sh[5];
    ResBlock rb;
    Error err = {0};
    CHECK(resblock_new(&rb, B, H, W, C, OC, G, 1e-6f, &err) == 0);
    ConvScratch sc = scratch_for(resblock_scratch_need(&rb), (size_t)OC * (C > OC ? C : OC) * 9);
    static const char *names[10] = {"norm1.weight", "norm1.bias", "conv1.weight", "conv1.bias", "norm2.weight",
                                    "norm2.bias", "conv2.weight", "conv2.bias", "nin_shortcut.weight",
                                    "nin_shortcut.bias"};
    ResBlockParams p = {0}, g = {0};
    float **pp = (float **)&p, **gg = (float **)&g;
    int n = C != OC ? 10 : 8;
    for (int i = 0; i < n; i++) {
        pp[i] = (float *)in(names[i]);
        gg[i] = grad_like(names[i]);
    }
    float *out = malloc((size_t)numel("out") * sizeof(float)), *dx = grad_like("inp");
    resblock_forward(pool, &sc, &rb, out, in("inp"), &p, B);
    expect(name, out, "out", 0);
    resblock_backward(pool, &sc, &rb, dx, &g, in("dout"), in("inp"), &p, B);
    expect("dinp", dx, "dinp", 1);
    for (int i = 0; i < n; i++) {
        char dname[64];
        snprintf(dname, sizeof dname, "d%s", names[i]);
        expect(dname, gg[i], dname, 1);
    }
    resblock_free(&rb);
    scratch_free(&sc);
    ref_free(&ref);
}

TEST(resblock_vs_torch) { check_resblock("resblock"); }
TEST(resblock_nin_shortcut_vs_torch) { check_resblock("resblock_nin"); }

TEST(quantizer_vs_torch) {
    if (open_ref("quantizer")) return;
    const int32_t *sh = ints("shape");
    int N = sh[0], D = sh[1], K = sh[2];
    float beta = in("params")[0], decay = in("params")[1], eps = in("params")[2];
    float *zq = malloc((size_t)N * D * sizeof(float)), *scratch = malloc((size_t)(N * K + K + K * D) * sizeof(float));
    int32_t idx[64];
    vq_quantize_forward(pool, zq, idx, scratch, in("z"), in("codebook"), N, D, K);
    int same = 1;
    for (int i = 0; i < N; i++) same &= idx[i] == ints("idx")[i];
    CHECKF(same, "nearest codes differ from torch.argmin");
    float loss = (float)(beta * vq_mse(in("z"), zq, N, D) + vq_mse(in("z"), zq, N, D));
    CHECK_NEAR(loss, in("loss")[0], 1e-5 * fabs(in("loss")[0]));
    float *dz = grad_like("dz"), *dcb = grad_like("dcodebook");
    vq_quantize_backward(pool, dz, dcb, in("dzq"), in("z"), zq, idx, N, D, beta);
    expect("zq", zq, "zq", 0);
    expect("dz (straight-through + commitment)", dz, "dz", 1);
    expect("dcodebook", dcb, "dcodebook", 1);
    /* EMA update from torch's starting statistics */
    VqEma ema;
    Error err = {0};
    CHECK(vq_ema_new(&ema, K, D, decay, eps, 0, &err) == 0);
    memcpy(ema.cluster_size, in("cluster_size"), (size_t)K * sizeof(float));
    memcpy(ema.embed_sum, in("embed_sum"), (size_t)K * D * sizeof(float));
    float *codebook = malloc((size_t)K * D * sizeof(float));
    vq_ema_update(&ema, codebook, in("z"), idx, N, 1);
    float *cs = malloc((size_t)K * sizeof(float)), *es = malloc((size_t)K * D * sizeof(float));
    memcpy(cs, ema.cluster_size, (size_t)K * sizeof(float));
    memcpy(es, ema.embed_sum, (size_t)K * D * sizeof(float));
    expect("EMA cluster_size", cs, "new_cluster_size", 0);
    expect("EMA embed_sum", es, "new_embed_sum", 0);
    expect("EMA codebook", codebook, "new_codebook", 0);
    vq_ema_free(&ema);
    free(scratch);
    ref_free(&ref);
}

TEST(dead_codes_restart_from_encoder_outputs) {
    int K = 6, D = 3, N = 5;
    VqEma ema;
    Error err = {0};
    CHECK(vq_ema_new(&ema, K, D, 0, 1e-5f, 10, &err) == 0);
    float codebook[18], z[15];
    for (int i = 0; i < 18; i++) codebook[i] = (float)i;
    for (int i = 0; i < 15; i++) z[i] = 100.0f + (float)i;
    vq_ema_reset(&ema, codebook, 0);
    int32_t idx[5] = {0, 0, 2, 2, 4};
    Rng rng;
    rng_seed(&rng, 3);
    vq_ema_update(&ema, codebook, z, idx, N, 9); /* codes 0, 2, 4 used at step 9 */
    CHECK(vq_restart_dead(&ema, codebook, z, N, 9, &rng) == 0);
    CHECK(vq_restart_dead(&ema, codebook, z, N, 10, &rng) == 3); /* 1, 3, 5: unused since step 0 */
    for (int k = 0; k < K; k++) {
        int used = k % 2 == 0, from_z = 0;
        for (int n = 0; n < N; n++) from_z |= memcmp(codebook + k * D, z + n * D, sizeof(float) * 3) == 0;
        CHECKF(used ? codebook[k * D] == (float)(k * D) : from_z, "code %d", k);
    }
    CHECK(vq_restart_dead(&ema, codebook, z, N, 11, &rng) == 0);
    vq_ema_free(&ema);
}

/* The whole model from torch's state dict. */
static VqModel *model_from_ref(Error *err) {
    const int32_t *c = ints("config");
    VqConfig cfg;
    vq_config_default(&cfg);
    cfg.ch = c[0], cfg.n_levels = c[1];
    for (int i = 0; i < cfg.n_levels; i++) cfg.ch_mult[i] = c[2 + i];
    const int32_t *r = c + 2 + cfg.n_levels;
    cfg.num_res_blocks = r[0], cfg.z_channels = r[1], cfg.embed_dim = r[2], cfg.n_embed = r[3], cfg.groups = r[4];
    VqModel *m;
    if (vq_new(&m, &cfg, pool, err) != 0) return NULL;
    int found = 0;
    for (int i = 0; i < m->table.count; i++) {
        const ParamEntry *e = &m->table.entries[i];
        const RefTensor *t = ref_find(&ref, e->name);
        CHECKF(t && t->numel == (int64_t)e->numel, "tensor %s missing in torch or of another size", e->name);
        if (t && t->numel == (int64_t)e->numel) memcpy(m->params + e->offset, t->f32, e->numel * sizeof(float)), found++;
    }
    /* every torch parameter is one of ours (the ref also holds grads, inputs, outputs) */
    int torch_params = 0;
    for (int i = 0; i < ref.count; i++)
        torch_params += strncmp(ref.t[i].name, "grad.", 5) == 0;
    CHECKF(found == torch_params && found == m->table.count, "%d of our %d tensors matched %d torch parameters", found,
           m->table.count, torch_params);
    m->codebook_ready = 1;
    return m;
}

/* The reference model with activations reserved for its batch geometry. */
static VqModel *reserved_model_from_ref(int *B, int *H, int *W, Error *err) {
    VqModel *m = model_from_ref(err);
    CHECKF(m, "%s", err->message);
    if (!m) return NULL;
    const int32_t *c = ints("config");
    const int32_t *g = c + 2 + c[1] + 5;
    *B = g[0], *H = g[1], *W = g[2];
    CHECK(vq_reserve(m, *B, *H, *W, err) == 0);
    return m;
}

TEST(model_vs_torch) {
    if (open_ref("model")) return;
    Error err = {0};
    int B, H, W;
    VqModel *m = reserved_model_from_ref(&B, &H, &W, &err);
    if (!m) return;
    vq_forward(m, in("images"), B);
    int64_t N = numel("codes");
    int same = 1;
    for (int64_t i = 0; i < N; i++) same &= m->idx[i] == ints("codes")[i];
    CHECKF(same, "codes differ from torch");
    CHECK_NEAR(m->loss, in("loss")[0], 1e-4 * in("loss")[0]);
    CHECK_NEAR(m->rec_mse, in("loss")[1], 1e-4 * in("loss")[1]);
    CHECK_NEAR(m->commit_mse, in("loss")[2], 1e-4 * in("loss")[2]);
    float *recon = malloc((size_t)numel("recon") * sizeof(float));
    memcpy(recon, m->recon, (size_t)numel("recon") * sizeof(float));
    expect("recon", recon, "recon", 0);
    vq_zero_grad(m);
    vq_backward(m, in("images"), B);
    int bad = 0;
    for (int i = 0; i < m->table.count; i++) {
        const ParamEntry *e = &m->table.entries[i];
        char name[128];
        snprintf(name, sizeof name, "grad.%s", e->name);
        const RefTensor *t = ref_find(&ref, name);
        if (!t) continue;
        double rel = ref_rel_error(m->grads + e->offset, t->f32, t->numel);
        if (rel > TOL) {
            printf("  gradient %s: relative error %.3g\n", e->name, rel);
            bad++;
        }
    }
    CHECKF(bad == 0, "%d parameter gradients differ from torch", bad);

    /* checkpoint round trip: same config, same bytes, same reconstruction */
    const char *path = "build/test_vq_model.safetensors";
    CHECK(vq_save(m, path, NULL, NULL, 42, &err) == 0);
    VqModel *m2 = NULL;
    int64_t step = 0;
    CHECKF(vq_load(&m2, path, pool, &step, &err) == 0, "%s", err.message);
    if (m2) {
        CHECK(step == 42 && m2->table.total == m->table.total);
        CHECK(memcmp(m2->params, m->params, m->table.total * sizeof(float)) == 0);
        CHECK(memcmp(&m2->config, &m->config, sizeof m->config) == 0);
        /* encode + decode of the loaded model = the training forward */
        int h = H / vq_factor(&m2->config), w = W / vq_factor(&m2->config);
        int32_t *codes = malloc((size_t)B * h * w * sizeof *codes);
        float *img = malloc((size_t)B * H * W * 3 * sizeof(float));
        CHECK(vq_encode(m2, in("images"), B, H, W, codes, &err) == 0);
        same = 1;
        for (int64_t i = 0; i < N; i++) same &= codes[i] == ints("codes")[i];
        CHECKF(same, "vq_encode codes differ");
        CHECK(vq_decode(m2, codes, B, h, w, img, &err) == 0);
        expect("decode(encode(x))", img, "recon", 0);
        codes[0] = m2->config.n_embed;
        CHECK(vq_decode(m2, codes, B, h, w, recon = malloc((size_t)B * H * W * 3 * sizeof(float)), &err) != 0);
        CHECK(strstr(err.message, "not in 0..") != NULL);
        free(recon);
        free(codes);
        vq_free(m2);
    }
    CHECK(vq_reserve(m, 1, 7, 8, &err) != 0);
    vq_free(m);
    ref_free(&ref);
}

TEST(load_rejects_bad_files) {
    Error err = {0};
    VqModel *m = NULL;
    const char *path = "build/test_vq_bad.safetensors";
    CHECK(file_write_atomic(path, "not a safetensors file", 22, &err) == 0);
    CHECK(vq_load(&m, path, pool, NULL, &err) != 0 && m == NULL);
    CHECK(vq_load(&m, "build/no/such/file.safetensors", pool, NULL, &err) != 0);
    CHECK(strstr(err.message, "no/such/file") != NULL);
}

/* A few hundred bytes of metadata asking for a model of gigabytes (ch 1024,
 * 16 res blocks per level) are refused before anything is allocated. */
TEST(load_refuses_a_config_the_file_cannot_hold) {
    Error err = {0};
    VqModel *m = NULL;
    CHECK(vq_load(&m, "tests/fuzz/corpus/vq_model/huge_config.safetensors", NULL, NULL, &err) != 0 && m == NULL);
    CHECKF(strstr(err.message, "more than its 11572 bytes of tensors hold"), "%s", err.message);
}

/* The largest config vq_config_check accepts builds its graph (6 levels of 16
 * res blocks once overflowed the op table and aborted). */
TEST(largest_config_builds) {
    Error err = {0};
    VqConfig cfg;
    vq_config_default(&cfg);
    cfg.ch = 1, cfg.groups = 1, cfg.n_levels = VQ_MAX_LEVELS, cfg.num_res_blocks = 16;
    for (int i = 0; i < VQ_MAX_LEVELS; i++) cfg.ch_mult[i] = 1;
    size_t n_params = 0;
    CHECKF(vq_param_count(&cfg, &n_params, &err) == 0 && n_params > 0, "%s", err.message);
    VqModel *m = NULL;
    CHECKF(vq_new(&m, &cfg, NULL, &err) == 0, "%s", err.message);
    vq_free(m);
}

/* Every allocation of the loader fails once in turn: each must give a clean error. */
TEST(load_survives_allocation_failures) {
    Error err = {0};
    VqConfig cfg;
    vq_config_default(&cfg);
    cfg.ch = 8, cfg.groups = 4, cfg.n_embed = 16, cfg.embed_dim = 4, cfg.z_channels = 4;
    VqModel *m = NULL;
    CHECK(vq_new(&m, &cfg, NULL, &err) == 0);
    if (!m) return;
    vq_init_random(m, 1);
    const char *path = "build/test_vq_alloc.safetensors";
    CHECK(vq_save(m, path, NULL, NULL, 7, &err) == 0);
    vq_free(m);
    int failures = 0, n;
    for (n = 1; n < 10000; n++) {
        mem_fail_after(n);
        m = NULL;
        int rc = vq_load(&m, path, NULL, NULL, &err);
        long made = mem_alloc_count();
        mem_fail_after(0);
        if (rc == 0) {
            vq_free(m);
            if (made < n) break; /* the n-th allocation never happened: all were tried */
        } else {
            CHECK(m == NULL && err.message[0]);
            failures++;
        }
    }
    CHECKF(failures > 10 && n < 10000, "%d injected failures over %d allocations", failures, n);
}

/* Decoder-only fine-tuning must leave the encoder and codebook untouched (so a
 * transformer trained on the codes stays valid) and give the decoder the same
 * gradients as the full backward. */
TEST(decoder_only_freezes_encoder_and_codebook) {
    if (open_ref("model")) return;
    Error err = {0};
    int B, H, W;
    VqModel *m = reserved_model_from_ref(&B, &H, &W, &err);
    if (!m) return;
    size_t total = m->table.total;
    float *full = malloc(total * sizeof(float)), *before = malloc(total * sizeof(float));
    memcpy(before, m->params, total * sizeof(float));
    vq_forward(m, in("images"), B);
    vq_zero_grad(m);
    vq_backward(m, in("images"), B);
    memcpy(full, m->grads, total * sizeof(float));
    m->decoder_only = 1;
    vq_forward(m, in("images"), B);
    vq_zero_grad(m);
    vq_backward(m, in("images"), B);
    int n_dec = 0, bad = 0;
    for (int i = 0; i < m->table.count; i++) {
        const ParamEntry *e = &m->table.entries[i];
        int is_dec = strncmp(e->name, "decoder.", 8) == 0 || strncmp(e->name, "post_quant_conv.", 16) == 0;
        n_dec += is_dec;
        for (size_t j = 0; j < e->numel; j++) {
            float want = is_dec ? full[e->offset + j] : 0.0f;
            if (m->grads[e->offset + j] != want) {
                bad++;
                printf("  %s[%zu]: %g, want %g\n", e->name, j, m->grads[e->offset + j], want);
                break;
            }
        }
    }
    CHECKF(n_dec > 0, "no decoder tensors found by name");
    CHECKF(bad == 0, "%d tensors have gradients other than the decoder's", bad);
    vq_codebook_update(m, 1000);
    CHECK(memcmp(before, m->params, total * sizeof(float)) == 0);
    free(full);
    free(before);
    vq_free(m);
    ref_free(&ref);
}

int main(void) {
    pool = pool_new(2);
    have_ref = harness_ref("vq_layers_ref.py", ref_dir, sizeof ref_dir) == 0;
    RUN(conv2d_k3_s1_vs_torch);
    RUN(conv2d_k4_s2_vs_torch);
    RUN(conv2d_k3_s2_vs_torch);
    RUN(conv2d_k1_s1_vs_torch);
    RUN(upsample_vs_torch);
    RUN(groupnorm_vs_torch);
    RUN(groupnorm_one_channel_groups_vs_torch);
    RUN(silu_relu_vs_torch);
    RUN(resblock_vs_torch);
    RUN(resblock_nin_shortcut_vs_torch);
    RUN(quantizer_vs_torch);
    RUN(dead_codes_restart_from_encoder_outputs);
    RUN(model_vs_torch);
    RUN(decoder_only_freezes_encoder_and_codebook);
    RUN(load_rejects_bad_files);
    RUN(load_refuses_a_config_the_file_cannot_hold);
    RUN(largest_config_builds);
    RUN(load_survives_allocation_failures);
    pool_free(pool);
    return harness_finish();
}

