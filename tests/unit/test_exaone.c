/* test_exaone.c — the EXAONE runtime against the independent PyTorch reference
 * (tests/ref/exaone_ref.py): logits over a 64-token prompt that crosses the sliding
 * window, greedy continuations through the KV cache, and clean errors on bad input. */
#include "../harness.h"
#include "core/file.h"
#include "core/mem.h"
#include "formats/safetensors.h"
#include "models/exaone.h"
#include "models/exaone_quantize.h"

#include <sys/stat.h>

static char ref_dir[512];
static int ref_ok = -1;

static int have_ref(void) {
    if (ref_ok < 0) ref_ok = harness_ref("exaone_ref.py", ref_dir, sizeof ref_dir) == 0;
    return ref_ok;
}

static int read_ids(const char *path, int32_t *ids, int max) {
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    int n = 0, v;
    while (n < max && fscanf(fp, "%d", &v) == 1) ids[n++] = v;
    fclose(fp);
    return n;
}

static float *read_f32(const char *path, size_t n) {
    float *buf = malloc(n * sizeof(float));
    FILE *fp = fopen(path, "rb");
    if (!fp || !buf || fread(buf, sizeof(float), n, fp) != n) {
        if (fp) fclose(fp);
        free(buf);
        return NULL;
    }
    fclose(fp);
    return buf;
}

typedef struct {
    double max, mean;  /* |ours - ref| over all logits of the prompt; max -1 on failure */
    int top1_mismatch; /* positions whose argmax differs although ref's top-2 gap > gap */
} Diff;

/* model: the file to run (NULL: the variant's folder); ref_name: the reference logits in the
 * variant's folder. split > 0: prefill `split` tokens, then one at a time (the decode path). */
static Diff logit_stats(const char *variant, const char *model, const char *ref_name, DType kv_type, int split,
                        double gap) {
    Diff r = {-1, 0, 0};
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/%s", ref_dir, variant);
    Error err = {0};
    ExaoneModel *m = NULL;
    if (exaone_load(&m, model ? model : dir, &err) != 0) {
        printf("  load %s: %s\n", variant, err.message);
        return r;
    }
    int32_t ids[64];
    snprintf(path, sizeof path, "%s/prompt.txt", dir);
    int n = read_ids(path, ids, 64);
    int V = m->cfg.vocab;
    snprintf(path, sizeof path, "%s/%s", dir, ref_name);
    float *ref = read_f32(path, (size_t)n * V);
    float *ours = malloc((size_t)n * V * sizeof(float));
    ExaoneState *s = NULL;
    ThreadPool *pool = pool_new(2);
    if (n == 64 && ref && ours && exaone_state_new(&s, m, 0, kv_type, &err) == 0) {
        int ok = exaone_forward(s, pool, ids, split ? split : n, ours, 1, &err) == 0;
        for (int t = split; ok && split && t < n; t++)
            ok = exaone_forward(s, pool, ids + t, 1, ours + (size_t)t * V, 0, &err) == 0;
        if (ok) {
            r.max = 0;
            for (int t = 0; t < n; t++) {
                const float *a = ours + (size_t)t * V, *b = ref + (size_t)t * V;
                int ia = 0, ib = 0, ib2 = -1;
                for (int v = 0; v < V; v++) {
                    double d = fabs((double)a[v] - b[v]);
                    if (!(d <= r.max)) r.max = d; /* NaN propagates as a failure */
                    r.mean += d;
                    if (a[v] > a[ia]) ia = v;
                    if (b[v] > b[ib]) {
                        ib2 = ib;
                        ib = v;
                    } else if (v != ib && (ib2 < 0 || b[v] > b[ib2])) {
                        ib2 = v;
                    }
                }
                if (ia != ib && ib2 >= 0 && b[ib] - b[ib2] > gap) r.top1_mismatch++;
            }
            r.mean /= (double)n * V;
        } else {
            printf("  forward %s: %s\n", variant, err.message);
        }
    } else {
        printf("  setup %s failed: %s\n", variant, err.message);
    }
    pool_free(pool);
    exaone_state_free(s);
    exaone_free(m);
    free(ref);
    free(ours);
    return r;
}

static double logit_diff(const char *variant, const char *model, const char *ref_name, DType kv_type, int split) {
    return logit_stats(variant, model, ref_name, kv_type, split, 1e9).max;
}

static double prompt_logit_diff(const char *variant, DType kv_type, int split) {
    return logit_diff(variant, NULL, "logits.f32", kv_type, split);
}

static const char *variants[] = {"exaone30", "exaone35", "exaone4_hybrid", "exaone4_types", "exaone4_full", NULL};

/* f32 weights, f32 cache: the only differences are float32 rounding vs the float64 reference. */
TEST(logits_f32_match_pytorch) {
    if (!have_ref()) SKIP("reference script failed");
    for (int i = 0; variants[i]; i++) {
        double d = prompt_logit_diff(variants[i], DTYPE_F32, 0);
        CHECKF(d >= 0 && d <= 1e-4, "%s: max abs logit diff %g > 1e-4", variants[i], d);
    }
}

/* The same through the decode path: 5-token prefill, then 59 single-token steps that walk
 * past the sliding window one position at a time. */
TEST(logits_decode_path_match_pytorch) {
    if (!have_ref()) SKIP("reference script failed");
    for (int i = 0; variants[i]; i++) {
        double d = prompt_logit_diff(variants[i], DTYPE_F32, 5);
        CHECKF(d >= 0 && d <= 1e-4, "%s: max abs logit diff %g > 1e-4", variants[i], d);
    }
}

/* bf16 weights: the kernels round activations to bf16 before the dot products, and the
 * reference (exaone_ref.py mm(act="bf16")) does the same, so most logits agree to f32
 * rounding (mean bound 1e-3). Where an activation lies within f32 noise of a bf16
 * rounding boundary the two sides round it differently: one bf16 ulp (2^-8 relative) on
 * one activation, which moved logits by <= 0.02 in this model; bound max 0.05. Any real
 * error (wrong layout, scale, norm) moves the mean by O(1). */
TEST(logits_bf16_weights_match_pytorch) {
    if (!have_ref()) SKIP("reference script failed");
    Diff d = logit_stats("exaone4_bf16", NULL, "logits.f32", DTYPE_F32, 0, 0.05);
    printf("  bf16: max %.3g mean %.3g\n", d.max, d.mean);
    CHECKF(d.max >= 0 && d.max <= 0.05 && d.mean <= 1e-3 && d.top1_mismatch == 0,
           "bf16: max %g (<= 0.05), mean %g (<= 1e-3), %d top-1 mismatches", d.max, d.mean, d.top1_mismatch);
}

/* f16 cache against the f32 reference: K and V round to 11 significant bits (relative
 * error <= 2^-11); through 3-4 layers with unit-scale logits that moved logits by 3e-3;
 * bound 2e-2, which still catches a wrong mask, RoPE or norm (those move logits by O(1)). */
TEST(logits_f16_cache) {
    if (!have_ref()) SKIP("reference script failed");
    double d = prompt_logit_diff("exaone4_hybrid", DTYPE_F16, 0);
    printf("  f16 cache max abs diff %.3g\n", d);
    CHECKF(d >= 0 && d <= 2e-2, "f16 cache: max abs logit diff %g > 2e-2", d);
}

/* f16 and q8_0 caches (decode path) against a reference that rounds K and V the same way (exaone_ref.py
 * forward(kv=...), ggml's q8_0 rule per block of 32 = one head of exaone4_types). Left:
 * values within f32 noise of a rounding boundary, one step apart (2^-11 relative for
 * f16, 1/127 of the block's largest value for q8_0); these logits have scale ~8 (tied
 * std-1 embeddings). Bounds for both: mean 2e-3, max 0.1 (measured: f16 8.7e-3 / 3.9e-4, q8_0
 * 2e-5 / 2e-6); without the cache rounding in the reference the q8_0 mean is 0.06. */
TEST(logits_kv_cache_types_match_emulated_reference) {
    if (!have_ref()) SKIP("reference script failed");
    Diff f = logit_stats("exaone4_types", NULL, "logits_kv_f16.f32", DTYPE_F16, 5, 1e9);
    Diff q = logit_stats("exaone4_types", NULL, "logits_kv_q8_0.f32", DTYPE_Q8_0, 5, 1e9);
    printf("  f16 cache: max %.3g mean %.3g; q8_0 cache: max %.3g mean %.3g\n", f.max, f.mean, q.max, q.mean);
    CHECKF(f.max >= 0 && f.max <= 0.1 && f.mean <= 2e-3, "f16 cache: max %g, mean %g", f.max, f.mean);
    CHECKF(q.max >= 0 && q.max <= 0.1 && q.mean <= 2e-3, "q8_0 cache: max %g, mean %g", q.max, q.mean);
}

/* GGUF written by exaone_write_gguf, read back: f32 must be exact (names, metadata,
 * rope_freqs for llama3, the sliding-window pattern all survive the trip). */
TEST(gguf_f32_round_trip_matches_pytorch) {
    if (!have_ref()) SKIP("reference script failed");
    for (int i = 0; variants[i]; i++) {
        char dir[700], out[800];
        snprintf(dir, sizeof dir, "%s/%s", ref_dir, variants[i]);
        snprintf(out, sizeof out, "%s/%s.f32.gguf", ref_dir, variants[i]);
        Error err = {0};
        ExaoneModel *m = NULL;
        int rc = exaone_load(&m, dir, &err) == 0 ? exaone_write_gguf(m, out, DTYPE_F32, &err) : -1;
        exaone_free(m);
        CHECKF(rc == 0, "%s: %s", variants[i], err.message);
        double d = logit_diff(variants[i], out, "logits.f32", DTYPE_F32, 0);
        CHECKF(d >= 0 && d <= 1e-4, "%s via GGUF: max abs logit diff %g > 1e-4", variants[i], d);
    }
}

/* q8_0 / q4_0: the reference runs PyTorch with weights quantized by ggml's rules and
 * activations quantized to q8_0 as llama.cpp's dot products do (exaone_ref.py ggml_q8_0,
 * mm(act="q8_0")), so both sides compute the same quantized products. Residual: an
 * activation within f32 noise of a q8_0 rounding boundary rounds differently, moving it
 * by one step (1/127 of its block's largest value); measured effect <= 0.07 on these
 * unit-scale logits (|logit| <= 6). Bounds: max 0.15, mean 1e-2, and the argmax agrees
 * wherever the reference's top-2 gap exceeds 0.15. A wrong block layout, scale or
 * nibble order moves the mean by O(1). */
TEST(gguf_quantized_match_pytorch) {
    if (!have_ref()) SKIP("reference script failed");
    const char *qv[] = {"exaone30", "exaone4_hybrid", NULL};
    const DType types[] = {DTYPE_Q8_0, DTYPE_Q4_0};
    for (int i = 0; qv[i]; i++)
        for (int k = 0; k < 2; k++) {
            char dir[700], out[800], ref_name[64];
            snprintf(dir, sizeof dir, "%s/%s", ref_dir, qv[i]);
            snprintf(out, sizeof out, "%s/%s.%s.gguf", ref_dir, qv[i], dtype_name(types[k]));
            snprintf(ref_name, sizeof ref_name, "logits_%s.f32", dtype_name(types[k]));
            Error err = {0};
            ExaoneModel *m = NULL;
            int rc = exaone_load(&m, dir, &err) == 0 ? exaone_write_gguf(m, out, types[k], &err) : -1;
            exaone_free(m);
            CHECKF(rc == 0, "%s: %s", qv[i], err.message);
            Diff d = logit_stats(qv[i], out, ref_name, DTYPE_F32, 0, 0.15);
            printf("  %s %s: max %.3g mean %.3g\n", qv[i], dtype_name(types[k]), d.max, d.mean);
            CHECKF(d.max >= 0 && d.max <= 0.15 && d.mean <= 1e-2 && d.top1_mismatch == 0,
                   "%s %s: max %g (<= 0.15), mean %g (<= 1e-2), %d top-1 mismatches", qv[i], dtype_name(types[k]),
                   d.max, d.mean, d.top1_mismatch);
        }
}

TEST(greedy_matches_pytorch) {
    if (!have_ref()) SKIP("reference script failed");
    const char *all[] = {"exaone30", "exaone35", "exaone4_hybrid", "exaone4_types", "exaone4_full", "exaone4_bf16",
                         NULL};
    for (int i = 0; all[i]; i++) {
        char dir[700], path[800];
        snprintf(dir, sizeof dir, "%s/%s", ref_dir, all[i]);
        int32_t ids[128], want[32];
        snprintf(path, sizeof path, "%s/prompt.txt", dir);
        int n = read_ids(path, ids, 64);
        snprintf(path, sizeof path, "%s/greedy.txt", dir);
        int nw = read_ids(path, want, 32);
        Error err = {0};
        ExaoneModel *m = NULL;
        ExaoneState *s = NULL;
        CHECK(n == 64 && nw == 32);
        if (exaone_load(&m, dir, &err) != 0 || exaone_state_new(&s, m, 0, DTYPE_F32, &err) != 0) {
            CHECKF(0, "%s: %s", all[i], err.message);
            exaone_free(m);
            continue;
        }
        float *logits = malloc(sizeof(float) * (size_t)m->cfg.vocab);
        int32_t tok = -1;
        int same = 0;
        for (int step = 0; step < 32; step++) {
            int rc = step == 0 ? exaone_forward(s, NULL, ids, n, logits, 0, &err)
                               : exaone_forward(s, NULL, &tok, 1, logits, 0, &err);
            if (rc != 0) break;
            tok = 0;
            for (int v = 1; v < m->cfg.vocab; v++)
                if (logits[v] > logits[tok]) tok = v;
            if (tok != want[step]) break;
            same++;
        }
        CHECKF(same == 32, "%s: greedy continuation diverges at step %d", all[i], same);
        free(logits);
        exaone_state_free(s);
        exaone_free(m);
    }
}

/* ---------------------------------------------------------------- bad input */
static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static char *read_text(const char *path) {
    char *buf = NULL;
    size_t n = 0;
    Error err = {0};
    return file_read_all(path, 1 << 20, &buf, &n, &err) == 0 ? buf : NULL;
}

/* A copy of a reference variant with config edits (from -> to) and one tensor dropped. */
static int make_broken(const char *dst, const char *variant, const char *from, const char *to, const char *drop) {
    char src[700], path[800];
    snprintf(src, sizeof src, "%s/%s", ref_dir, variant);
    mkdir(dst, 0755);
    snprintf(path, sizeof path, "%s/config.json", src);
    char *cfg = read_text(path);
    if (!cfg) return -1;
    char out[8192];
    char *at = from ? strstr(cfg, from) : NULL;
    if (at)
        snprintf(out, sizeof out, "%.*s%s%s", (int)(at - cfg), cfg, to, at + strlen(from));
    else
        snprintf(out, sizeof out, "%s", cfg);
    mem_free(cfg);
    snprintf(path, sizeof path, "%s/config.json", dst);
    write_text(path, out);
    SafeTensors *st = NULL;
    Error err = {0};
    if (st_open_dir(&st, src, &err) != 0) return -1;
    size_t n = st_count(st), k = 0;
    StTensor *ts = calloc(n, sizeof *ts);
    for (size_t i = 0; i < n; i++)
        if (!drop || strcmp(st_tensor(st, i)->name, drop) != 0) ts[k++] = *st_tensor(st, i);
    snprintf(path, sizeof path, "%s/model.safetensors", dst);
    int rc = st_save(path, ts, k, NULL, &err);
    free(ts);
    st_close(st);
    return rc;
}

static void expect_load_error(const char *dir, const char *needle1, const char *needle2) {
    Error err = {0};
    ExaoneModel *m = NULL;
    int rc = exaone_load(&m, dir, &err);
    CHECKF(rc != 0 && m == NULL, "%s loaded but should not", dir);
    CHECKF(strstr(err.message, needle1) && strstr(err.message, needle2), "message \"%s\" lacks \"%s\"/\"%s\"",
           err.message, needle1, needle2);
    exaone_free(m);
}

TEST(bad_inputs_are_clear_errors) {
    if (!have_ref()) SKIP("reference script failed");
    char dir[700];
    snprintf(dir, sizeof dir, "%s/bad_arch", ref_dir);
    CHECK(make_broken(dir, "exaone4_full", "\"exaone4\"", "\"llama\"", NULL) == 0);
    expect_load_error(dir, "config.json", "unsupported architecture");
    snprintf(dir, sizeof dir, "%s/bad_missing", ref_dir);
    CHECK(make_broken(dir, "exaone4_full", NULL, NULL, "model.layers.1.self_attn.k_norm.weight") == 0);
    expect_load_error(dir, "model.safetensors", "missing tensor model.layers.1.self_attn.k_norm.weight");
    snprintf(dir, sizeof dir, "%s/bad_shape", ref_dir);
    CHECK(make_broken(dir, "exaone30", "\"intermediate_size\": 96", "\"intermediate_size\": 80", NULL) == 0);
    expect_load_error(dir, "transformer.h.0.mlp.c_fc_0.weight", "expected [80, 64]");
    snprintf(dir, sizeof dir, "%s/bad_window", ref_dir);
    CHECK(make_broken(dir, "exaone4_hybrid", "\"sliding_window_pattern\": 4", "\"sliding_window_pattern\": null",
                      NULL) == 0);
    expect_load_error(dir, "config.json", "which layers slide");

    /* context overflow: the config allows 128 positions */
    Error err = {0};
    ExaoneModel *m = NULL;
    ExaoneState *s = NULL;
    snprintf(dir, sizeof dir, "%s/exaone4_full", ref_dir);
    CHECK(exaone_load(&m, dir, &err) == 0);
    if (!m) return;
    CHECK(exaone_state_new(&s, m, 1000, DTYPE_F16, &err) != 0 && strstr(err.message, "max_position_embeddings"));
    CHECK(exaone_state_new(&s, m, 40, DTYPE_F16, &err) == 0);
    int32_t ids[41] = {0};
    float *logits = malloc(sizeof(float) * (size_t)m->cfg.vocab);
    CHECK(exaone_forward(s, NULL, ids, 30, logits, 0, &err) == 0);
    CHECK(exaone_forward(s, NULL, ids, 11, logits, 0, &err) != 0 && strstr(err.message, "context overflow"));
    CHECK(exaone_state_pos(s) == 30);
    ids[0] = m->cfg.vocab;
    CHECK(exaone_forward(s, NULL, ids, 1, logits, 0, &err) != 0 && strstr(err.message, "outside the vocabulary"));
    free(logits);
    exaone_state_free(s);
    exaone_free(m);
}

/* Our q4_K encoder, decoded by the shared ggml-layout decoder (dtype_to_f32): each value
 * within 1.5 steps of its sub-block's (max - min)/15 grid (one step covers rounding, the
 * extra half the 6-bit rounding of scale and min), and RMS error below 0.4 steps. */
TEST(q4_K_encoder_round_trip) {
    enum { N = 4096 };
    static float x[N], y[N];
    static BlockQ4_K blocks[N / QK_K];
    uint32_t r = 1;
    for (int i = 0; i < N; i++) {
        r = r * 1664525u + 1013904223u;
        float u = (float)((r >> 8) & 0xFFFF) / 65536.0f - 0.5f;
        x[i] = u * (1 + (i / 32) % 7) + ((i / 256) % 3 == 0 ? 0.8f : 0.0f); /* varied ranges and offsets */
    }
    exaone_quantize_row(DTYPE_Q4_K, x, blocks, N);
    dtype_to_f32(DTYPE_Q4_K, blocks, y, N);
    double worst = 0, sq = 0, steps = 0;
    for (int j = 0; j < N / 32; j++) {
        float lo = 0, hi = 0;
        for (int i = 0; i < 32; i++) {
            lo = fminf(lo, x[j * 32 + i]);
            hi = fmaxf(hi, x[j * 32 + i]);
        }
        double step = (hi - lo) / 15.0;
        for (int i = 0; i < 32; i++) {
            double e = fabs((double)y[j * 32 + i] - x[j * 32 + i]) / step;
            worst = e > worst ? e : worst;
            sq += e * e;
            steps += 1;
        }
    }
    printf("  q4_K: worst %.2f steps, rms %.2f steps\n", worst, sqrt(sq / steps));
    CHECK(worst <= 1.5);
    CHECK(sqrt(sq / steps) <= 0.4);
}

/* Every allocation of the loader may fail: a clean error, no crash (leaks show under make asan). */
TEST(load_survives_allocation_failures) {
    if (!have_ref()) SKIP("reference script failed");
    char dir[700];
    snprintf(dir, sizeof dir, "%s/exaone4_types", ref_dir);
    for (long k = 1; k < 400; k++) {
        Error err = {0};
        ExaoneModel *m = NULL;
        mem_fail_after(k);
        int rc = exaone_load(&m, dir, &err);
        long used = mem_alloc_count();
        mem_fail_after(0);
        exaone_free(m);
        if (rc == 0) {
            CHECK(used < k); /* the failure point was past the last allocation: done */
            break;
        }
        CHECKF(err.message[0] != 0, "allocation failure %ld gave no message", k);
    }
}

int main(void) {
    RUN(logits_f32_match_pytorch);
    RUN(logits_decode_path_match_pytorch);
    RUN(logits_bf16_weights_match_pytorch);
    RUN(logits_f16_cache);
    RUN(logits_kv_cache_types_match_emulated_reference);
    RUN(gguf_f32_round_trip_matches_pytorch);
    RUN(gguf_quantized_match_pytorch);
    RUN(greedy_matches_pytorch);
    RUN(bad_inputs_are_clear_errors);
    RUN(q4_K_encoder_round_trip);
    RUN(load_survives_allocation_failures);
    return harness_finish();
}
