/* test_mini_lora.c — LoRA on EXAONE-mini against the PyTorch reference (tests/ref/mini_lora_ref.py)
 * and finite differences.
 *
 * A random mini (our exporter, weights widened so logits are O(1)) and a t2i sequence go to
 * the reference, which makes a random PEFT adapter on all six modules of every layer and
 * computes, in float64, the logits of W' = W + (alpha/r)·B·A, the loss and autograd's dA, dB.
 *  - inference: mini_lora_load + mini_lora_merge_into + mini_feed: max |logit diff| <= 1e-4;
 *  - training: the Gpt with a GptLora holding the same A, B: logits <= 1e-4, loss rel 1e-5,
 *    dA, dB max diff <= 1e-4 · max |grad|;
 *  - finite differences: the loss along the gradient direction, central differences of the
 *    float32 forward at h = 2e-2 and 1e-2, Richardson-extrapolated: slope within 1e-3
 *    (relative) of |g| (float rounding of the loss bounds what this can resolve; the LoRA
 *    layer itself is checked in double in test_lora.c);
 *  - B = 0 (a fresh adapter) leaves the logits bit-identical to the base, and the frozen
 *    base parameters do not move;
 *  - save -> load round trip; `lora merge` writes W' (<= 1e-6 relative) and leaves the rest
 *    byte-identical; bad adapters are errors naming the problem.
 */
#include "../harness.h"
#include "fd_slope.h"
#include "tiny_mini.h"

#include "core/file.h"
#include "core/mem.h"
#include "formats/safetensors.h"
#include "models/mini.h"
#include "models/mini_lora.h"
#include "tokenizer/tokenizer.h"
#include "train/gpt.h"
#include "train/gpt_lora.h"
#include "train/mini_train.h"
#include "train/mini_tune_data.h"
#include "train/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR "build/tmp/mini_lora"
#define BASE DIR "/base"
#define ADAPTER DIR "/adapter"

static int tokens[96], targets[96], segments[96];
static MiniSeq seq = {tokens, targets, segments, 96, 0, 0, -1};
static int V, ready;

static double max_diff(const float *a, const float *b, size_t n, double *scale) {
    double d = 0;
    *scale = 0;
    for (size_t i = 0; i < n; i++) {
        double x = fabs((double)a[i] - (double)b[i]);
        if (x > d || x != x) d = x != x ? INFINITY : x;
        if (fabs((double)b[i]) > *scale) *scale = fabs((double)b[i]);
    }
    return d;
}

/* The random base, a t2i sequence and the reference's outputs (once). */
static int setup(void) {
    if (ready) return ready > 0;
    ready = -1;
    Error err = {0};
    CHECK(system("rm -rf " DIR " && mkdir -p " DIR) == 0);
    const char *text = "small coral stripes large teal checks 작은 줄무늬";
    const char *texts[1] = {text};
    size_t lens[1] = {strlen(text)};
    TokTrainOptions opt = {300, 1, 0, mini_special_names, MINI_N_SPECIAL, 0};
    Tokenizer *tok = NULL;
    if (tok_train_bpe(texts, lens, 1, &opt, DIR "/tok.json", &err) != 0 || tok_load(&tok, DIR "/tok.json", &err) != 0) {
        CHECKF(0, "tokenizer: %s", err.message);
        return 0;
    }
    MiniVocab v = {.n_text = (int)tok_vocab_size(tok), .n_codes = 40, .grid_h = 8, .grid_w = 8};
    for (int i = 0; i < MINI_N_SPECIAL; i++)
        v.special[i] = tok_token_to_id(tok, mini_special_names[i], strlen(mini_special_names[i]));
    Gpt *g = tiny_mini_gpt(&v, 48, 11, 0.2f, 0.15f, &err);
    CHECKF(g != NULL, "%s", err.message);
    if (!g) return 0;
    CHECKF(mini_export(g, v.n_text, v.n_codes, DIR "/tok.json", BASE, 0, &err) == 0, "%s", err.message);
    V = g->config.vocab;
    gpt_free(g);
    int codes[64];
    for (int i = 0; i < 64; i++) codes[i] = (i * 13 + 5) % v.n_codes;
    TokIds ids = {0};
    CHECK(tok_encode(tok, "small coral stripes", 19, &ids, &err) == 0);
    CHECK(mini_seq_t2i(&v, &seq, MINI_LANG_EN, ids.ids, (int)ids.n, codes, &err) == 0);
    tok_ids_free(&ids);
    tok_free(tok);
    FILE *f = fopen(DIR "/input.json", "w");
    if (!f) return 0;
    fprintf(f, "{\"prefix\": %d, \"image_start\": %d", seq.prefix, seq.image_start);
    const char *keys[3] = {"tokens", "segments", "targets"};
    const int *vals[3] = {tokens, segments, targets};
    for (int k = 0; k < 3; k++) {
        fprintf(f, ", \"%s\": [", keys[k]);
        for (int t = 0; t < seq.len; t++) fprintf(f, "%s%d", t ? ", " : "", vals[k][t]);
        fprintf(f, "]");
    }
    fprintf(f, "}\n");
    fclose(f);
    int rc = system("/usr/bin/python3 tests/ref/mini_lora_ref.py " BASE " " DIR);
    CHECKF(rc == 0, "tests/ref/mini_lora_ref.py failed (%d)", rc);
    if (rc == 0) ready = 1;
    return ready > 0;
}

static float *read_f32(const char *path, size_t n) {
    char *data = NULL;
    size_t size = 0;
    Error err = {0};
    if (file_read_all(path, (size_t)1 << 28, &data, &size, &err) != 0 || size != n * sizeof(float)) {
        mem_free(data);
        return NULL;
    }
    return (float *)data;
}

TEST(adapter_logits_match_peft_merge) {
    if (!setup()) return;
    MiniModel *m = NULL;
    MiniLora *a = NULL;
    MiniState *st = NULL;
    Error err = {0};
    CHECKF(mini_load(&m, BASE, 1, &err) == 0, "%s", err.message);
    CHECKF(mini_lora_load(&a, ADAPTER, mini_config(m), 1.0f, &err) == 0, "%s", err.message);
    float *ref = read_f32(DIR "/logits.f32", (size_t)seq.len * V);
    float *out = mem_alloc((size_t)seq.len * V * sizeof(float));
    CHECK(ref != NULL);
    if (m && a && ref && out && mini_state_new(&st, m, &err) == 0) {
        CHECK(mini_lora_rank(a) == 4 && mini_lora_alpha(a) == 8.0f);
        CHECKF(mini_lora_merge_into(m, a, &err) == 0, "%s", err.message);
        CHECK(mini_feed(m, st, tokens, segments, seq.len, seq.prefix, seq.image_start, out, NULL, &err) == 0);
        double scale, d = max_diff(out, ref, (size_t)seq.len * V, &scale);
        CHECKF(d <= 1e-4, "runtime with adapter: max |diff| %.3g (max |logit| %.3g)", d, scale);
        printf("  runtime + adapter: max |diff| %.2e, max |logit| %.2f\n", d, scale);
    }
    mini_state_free(st);
    mem_free(out);
    mem_free(ref);
    mini_lora_free(a);
    mini_free(m);
}

/* Copies the reference adapter's A, B into the tuner's table (same PEFT names). */
static int load_params(GptLora *l, const char *path) {
    SafeTensors *st = NULL;
    Error err = {0};
    if (st_open(&st, path, &err) != 0) return -1;
    int rc = st_count(st) == (size_t)l->table.count ? 0 : -1;
    for (int i = 0; i < l->table.count && !rc; i++) {
        const ParamEntry *e = &l->table.entries[i];
        const StTensor *t = st_find(st, e->name);
        if (!t || t->size != e->numel * sizeof(float)) rc = -1;
        else memcpy(l->params + e->offset, t->data, t->size);
    }
    st_close(st);
    return rc;
}

typedef struct {
    Gpt *g;
    const GptBatch *b;
} LossAt;

static double loss_at(void *user) {
    LossAt *at = user;
    Error err = {0};
    return gpt_forward(at->g, at->b, 1, seq.len, &err) == 0 ? (double)at->g->loss : NAN;
}

TEST(tuner_matches_autograd_and_finite_differences) {
    if (!setup()) return;
    Gpt *g = NULL;
    GptLora *l = NULL;
    MiniConfig mc;
    Error err = {0};
    CHECKF(mini_gpt_load(&g, &mc, BASE, 1, 96, NULL, &err) == 0, "%s", err.message);
    if (!g) return;
    float *base_before = mem_alloc(g->table.total * sizeof(float));
    memcpy(base_before, g->params, g->table.total * sizeof(float));
    GptBatch b = {tokens, targets, &seq.prefix, &seq.image_start, segments};
    /* a fresh adapter (B = 0) is the base, bit for bit */
    float *plain = mem_alloc((size_t)seq.len * V * sizeof(float));
    CHECK(gpt_forward(g, &b, 1, seq.len, &err) == 0);
    memcpy(plain, gpt_logits(g), (size_t)seq.len * V * sizeof(float));
    CHECKF(gpt_lora_new(&l, g, 4, 8.0f, (1u << GPT_LORA_SLOTS) - 1, 3, &err) == 0, "%s", err.message);
    if (!l) goto done;
    CHECK(gpt_forward(g, &b, 1, seq.len, &err) == 0);
    CHECK(memcmp(plain, gpt_logits(g), (size_t)seq.len * V * sizeof(float)) == 0);
    CHECK(load_params(l, ADAPTER "/adapter_model.safetensors") == 0);
    float *ref = read_f32(DIR "/logits.f32", (size_t)seq.len * V);
    CHECK(ref != NULL);
    memset(l->grads, 0, l->table.total * sizeof(float));
    CHECK(gpt_forward(g, &b, 1, seq.len, &err) == 0);
    if (ref) {
        double scale, d = max_diff(gpt_logits(g), ref, (size_t)seq.len * V, &scale);
        CHECKF(d <= 1e-4, "tuner logits: max |diff| %.3g", d);
        printf("  tuner logits: max |diff| %.2e\n", d);
    }
    mem_free(ref);
    FILE *f = fopen(DIR "/loss.txt", "r");
    double ref_loss = NAN;
    if (f) {
        CHECK(fscanf(f, "%lf", &ref_loss) == 1);
        fclose(f);
    }
    double loss = g->loss;
    CHECKF(fabs(loss - ref_loss) <= 1e-5 * fabs(ref_loss), "loss %.8f, reference %.8f", loss, ref_loss);
    gpt_backward(g, 1.0f);
    SafeTensors *gs = NULL;
    CHECKF(st_open(&gs, DIR "/grads.safetensors", &err) == 0, "%s", err.message);
    for (int i = 0; gs && i < l->table.count; i++) {
        const ParamEntry *e = &l->table.entries[i];
        const StTensor *t = st_find(gs, e->name);
        CHECKF(t && t->size == e->numel * sizeof(float), "grads: %s", e->name);
        if (!t) continue;
        double scale, d = max_diff(l->grads + e->offset, (const float *)t->data, e->numel, &scale);
        CHECKF(d <= 1e-4 * scale, "%s: max |diff| %.3g, max |grad| %.3g", e->name, d, scale);
    }
    st_close(gs);
    /* finite differences along the gradient direction: d/dh L(θ + h·g/|g|) = |g| */
    LossAt at = {g, &b};
    double slope[2], norm;
    double fd = fd_slope_along_gradient(l->params, l->grads, l->table.total, loss_at, &at, slope, &norm);
    CHECKF(fabs(fd - norm) <= 1e-3 * norm, "finite differences %.6f vs |grad| %.6f", fd, norm);
    printf("  finite differences along the gradient: %.6f (h 2e-2: %.6f, 1e-2: %.6f) vs |grad| %.6f\n", fd, slope[0],
           slope[1], norm);
    /* the frozen base never moves (backward writes no weight gradients into it either) */
    CHECK(memcmp(base_before, g->params, g->table.total * sizeof(float)) == 0);
    /* PEFT files of the tuner's table load back as the same deltas */
    CHECKF(mini_lora_save(DIR "/saved", l, BASE, &err) == 0, "%s", err.message);
    MiniLora *back = NULL;
    CHECKF(mini_lora_load(&back, DIR "/saved", &mc, 1.0f, &err) == 0, "%s", err.message);
    for (int layer = 0; back && layer < mc.n_layers; layer++)
        for (int s = 0; s < GPT_LORA_SLOTS; s++) {
            const ExaoneLoraDelta *d = mini_lora_delta(back, layer, s);
            CHECK(d && d->scale == 2.0f);
            if (d) CHECK(memcmp(d->A, gpt_lora_A(l, layer, s), sizeof(float) * (size_t)(d->r * d->in)) == 0 &&
                         memcmp(d->B, gpt_lora_B(l, layer, s), sizeof(float) * (size_t)(d->r * d->out)) == 0);
        }
    mini_lora_free(back);
done:
    gpt_lora_free(l);
    gpt_free(g);
    mem_free(plain);
    mem_free(base_before);
}

TEST(merge_equals_base_plus_delta) {
    if (!setup()) return;
    Error err = {0};
    CHECKF(mini_lora_merge(BASE, ADAPTER, 1.0f, DIR "/merged", &err) == 0, "%s", err.message);
    SafeTensors *out = NULL, *ref = NULL, *base = NULL;
    CHECK(st_open(&out, DIR "/merged/model.safetensors", &err) == 0);
    CHECK(st_open(&ref, DIR "/merged.safetensors", &err) == 0);
    CHECK(st_open(&base, BASE "/model.safetensors", &err) == 0);
    if (out && ref && base) {
        CHECK(st_count(out) == st_count(base));
        int adapted = 0;
        for (size_t i = 0; i < st_count(out); i++) {
            const StTensor *t = st_tensor(out, i), *r = st_find(ref, t->name), *b = st_find(base, t->name);
            CHECK(b && b->size == t->size);
            if (!b || b->size != t->size) continue;
            if (!r) {
                CHECKF(memcmp(t->data, b->data, t->size) == 0, "%s changed", t->name);
                continue;
            }
            adapted++;
            double scale, d = max_diff((const float *)t->data, (const float *)r->data, t->size / 4, &scale);
            CHECKF(d <= 1e-6 * scale, "%s: max |diff| %.3g", t->name, d);
        }
        CHECK(adapted == 12);
    }
    st_close(out);
    st_close(ref);
    st_close(base);
    CHECK(file_exists(DIR "/merged/config.json") && file_exists(DIR "/merged/tokenizer.json"));
}

TEST(bad_adapters_are_errors) {
    if (!setup()) return;
    MiniConfig c;
    char *json = NULL;
    size_t len = 0;
    Error err = {0};
    CHECK(file_read_all(BASE "/config.json", 1 << 20, &json, &len, &err) == 0);
    CHECK(mini_config_parse(&c, json, len, "config", &err) == 0);
    mem_free(json);
    MiniLora *a = NULL;
    CHECK(mini_lora_load(&a, DIR "/nowhere", &c, 1, &err) != 0 && strstr(err.message, "adapter_config.json"));
    /* an adapter for a model with another width: shapes named in the error */
    MiniConfig wide = c;
    wide.d_model = 64;
    CHECK(mini_lora_load(&a, ADAPTER, &wide, 1, &err) != 0 && strstr(err.message, "shape"));
    /* fewer layers than the adapter: tensors left over */
    MiniConfig shallow = c;
    shallow.n_layers = 1;
    CHECK(mini_lora_load(&a, ADAPTER, &shallow, 1, &err) != 0 && strstr(err.message, "match"));
    /* a config without r */
    CHECK(system("mkdir -p " DIR "/bad && cp " ADAPTER "/adapter_model.safetensors " DIR "/bad/ && "
                 "echo '{\"lora_alpha\": 8}' > " DIR "/bad/adapter_config.json") == 0);
    CHECK(mini_lora_load(&a, DIR "/bad", &c, 1, &err) != 0 && strstr(err.message, "\"r\""));
    CHECK(a == NULL);
    unsigned mask;
    CHECK(gpt_lora_parse_targets("q_proj,c_fc", &mask, &err) == 0 && mask == ((1u << GPT_LORA_Q) | (1u << GPT_LORA_FC)));
    CHECK(gpt_lora_parse_targets("gate_proj", &mask, &err) != 0 && strstr(err.message, "gate_proj"));
    CHECK(gpt_lora_parse_targets("", &mask, &err) != 0);
}

/* Every allocation of the adapter loader, the merge into a model and the data-list parser may
 * fail: each must report it (and leak nothing: LeakSanitizer under `make asan`). */
TEST(loaders_survive_allocation_failure) {
    if (!setup()) return;
    MiniModel *m = NULL;
    Error err = {0};
    CHECK(mini_load(&m, BASE, 1, &err) == 0);
    if (!m) return;
    int done = 0;
    for (long n = 1; n < 100000 && !done; n++) {
        MiniLora *a = NULL;
        mem_fail_after(n);
        int rc = mini_lora_load(&a, ADAPTER, mini_config(m), 1.0f, &err);
        if (rc == 0) rc = mini_lora_merge_into(m, a, &err);
        long made = mem_alloc_count();
        mem_fail_after(0);
        CHECKF(rc == 0 || err.message[0], "allocation %ld: failure without a message", n);
        mini_lora_free(a);
        done = rc == 0 && made < n;
    }
    CHECK(done);
    const char *tsv = "a.png\tcoral\nb.png\tteal\n";
    done = 0;
    for (long n = 1; n < 100000 && !done; n++) {
        MiniTuneList l = {0};
        mem_fail_after(n);
        int rc = mini_tune_list_parse(&l, tsv, strlen(tsv), 0, "dir", "prompts.tsv", &err);
        long made = mem_alloc_count();
        mem_fail_after(0);
        CHECKF(rc == 0 || err.message[0], "allocation %ld: failure without a message", n);
        if (rc == 0) CHECK(l.n == 2 && !strcmp(l.e[1].image, "dir/b.png") && !strcmp(l.e[1].prompt, "teal"));
        mini_tune_list_free(&l);
        done = rc == 0 && made < n;
    }
    CHECK(done);
    mini_free(m);
}

/* A text pair ({"source", "target"}) is one translate sequence, the same tokens as
 * mini_seq_translate gives; mixing it with image pairs, a pair in one language and a
 * missing field are handled by the list parser. */
TEST(text_pairs_become_translate_sequences) {
    if (!setup()) return;
    Error err = {0};
    MiniModel *m = NULL;
    CHECKF(mini_load(&m, BASE, 1, &err) == 0, "%s", err.message);
    if (!m) return;
    const char *jsonl = "{\"source\": \"coral stripes\", \"target\": \"작은 줄무늬\"}\n"
                        "# a comment\n{\"source\": \"줄무늬\", \"target\": \"teal\"}\n";
    MiniTuneList l = {0};
    CHECKF(mini_tune_list_parse(&l, jsonl, strlen(jsonl), 1, "dir", "t.jsonl", &err) == 0, "%s", err.message);
    CHECK(l.n == 2 && !l.e[0].image && !strcmp(l.e[0].prompt, "coral stripes") && !strcmp(l.e[1].target, "teal"));
    MiniTuneSet set = {0};
    const MiniVocab *v = mini_vocab(m);
    CHECKF(mini_tune_set_build(&set, &l, BASE, mini_tokenizer(m), v, 96, &err) == 0, "%s", err.message);
    int ex[4];
    CHECK(mini_tune_examples(&set, -1, ex) == 2 && ex[0] == MINI_TASK_TRANSLATE &&
          ex[1] == MINI_N_TASKS + MINI_TASK_TRANSLATE);
    CHECK(mini_tune_examples(&set, MINI_TASK_T2I, ex) == 0);
    CHECK(set.lang[0] == MINI_LANG_EN && set.tgt_lang[0] == MINI_LANG_KO && set.lang[1] == MINI_LANG_KO);
    /* the same sequence, built by hand */
    TokIds src = {0}, tgt = {0};
    CHECK(tok_encode(mini_tokenizer(m), "coral stripes", 13, &src, &err) == 0);
    CHECK(tok_encode(mini_tokenizer(m), "작은 줄무늬", strlen("작은 줄무늬"), &tgt, &err) == 0);
    int t2[96], g2[96], s2[96];
    MiniSeq want = {t2, g2, s2, 96, 0, 0, -1};
    CHECK(mini_seq_translate(v, &want, MINI_LANG_EN, src.ids, (int)src.n, MINI_LANG_KO, tgt.ids, (int)tgt.n, &err) == 0);
    mini_seq_pad(v, &want);
    CHECK(mini_tune_seq(&set, v, ex[0] = MINI_TASK_TRANSLATE, &seq, &err) == 0);
    CHECK(seq.len == want.len && seq.prefix == want.prefix && !memcmp(tokens, t2, sizeof t2) &&
          !memcmp(targets, g2, sizeof g2) && !memcmp(segments, s2, sizeof s2));
    tok_ids_free(&src);
    tok_ids_free(&tgt);
    mini_tune_set_free(&set);
    mini_tune_list_free(&l);
    /* too long for the context: an error naming the pair */
    CHECK(mini_tune_list_parse(&l, jsonl, strlen(jsonl), 1, "dir", "t.jsonl", &err) == 0);
    CHECK(mini_tune_set_build(&set, &l, BASE, mini_tokenizer(m), v, 8, &err) != 0 && strstr(err.message, "text pair 1"));
    mini_tune_list_free(&l);
    const char *bad[][2] = {
        {"{\"source\": \"apple\", \"target\": \"pear\"}\n", "t.jsonl:1: \"source\" and \"target\" are both English"},
        {"{\"source\": \"사과\", \"target\": \"배\"}\n", "are both Korean"},
        {"{\"source\": \"apple\"}\n", "t.jsonl:1: a text pair needs string fields \"source\" and \"target\""},
        {"{\"source\": \"apple\", \"target\": \"\"}\n", "t.jsonl:1: empty target"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.message[0] = 0;
        CHECKF(mini_tune_list_parse(&l, bad[i][0], strlen(bad[i][0]), 1, "dir", "t.jsonl", &err) != 0 &&
                   strstr(err.message, bad[i][1]),
               "%s: got '%s'", bad[i][0], err.message);
        mini_tune_list_free(&l);
    }
    mini_free(m);
}

int main(void) {
    RUN(adapter_logits_match_peft_merge);
    RUN(tuner_matches_autograd_and_finite_differences);
    RUN(merge_equals_base_plus_delta);
    RUN(bad_adapters_are_errors);
    RUN(loaders_survive_allocation_failure);
    RUN(text_pairs_become_translate_sequences);
    return harness_finish();
}
