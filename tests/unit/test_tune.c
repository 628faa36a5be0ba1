/* test_tune.c — LoRA on the EXAONE models against the PyTorch reference (tests/ref/lora_ref.py).
 *
 * Per variant (3.x with llama3 RoPE and tied head, 4.0 full attention, 4.0 hybrid):
 *  - inference: the adapter loaded from its PEFT files and hooked onto the runtime gives the
 *    logits of PEFT's merged weights W + (alpha/r)·B·A, max abs diff <= 1e-4 (f32 vs f64);
 *  - training: tune_model_step with the adapter's A and B gives the reference loss (rel 1e-5)
 *    and torch autograd's dL/dA, dL/dB: max abs diff <= 1e-4 · max |grad| per tensor, and
 *    finite differences of the loss along that gradient give its norm (rel 1e-3, fd_slope.h);
 *  - exaone_lora_save of those parameters reloads to the same deltas (PEFT names, shapes).
 */
#include "../harness.h"
#include "fd_slope.h"

#include "core/mem.h"
#include "core/threadpool.h"
#include "formats/safetensors.h"
#include "models/exaone.h"
#include "models/exaone_lora.h"
#include "models/exaone_lora_merge.h"
#include "tokenizer/tokenizer.h"
#include "train/tune_data.h"
#include "train/tune_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char ref_dir[300];
static const char *variants[] = {"v3_llama3", "v4_full", "v4_hybrid"};

static int read_tokens(const char *dir, int32_t *ids, int *tgt, int max) {
    char path[700];
    snprintf(path, sizeof path, "%s/tokens.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[8192];
    int n = 0;
    if (fgets(line, sizeof line, f))
        for (char *p = strtok(line, " \n"); p && n < max; p = strtok(NULL, " \n")) ids[n++] = atoi(p);
    int m = 0;
    if (fgets(line, sizeof line, f))
        for (char *p = strtok(line, " \n"); p && m < max; p = strtok(NULL, " \n")) tgt[m++] = atoi(p);
    fclose(f);
    return n == m ? n : 0;
}

typedef struct {
    TuneModel *t;
    const int32_t *ids;
    const int *tgt;
    int T;
} StepLoss;

/* Mean loss per target token at the tuner's current parameters (forward only). */
static double step_loss(void *user) {
    StepLoss *at = user;
    double loss = 0;
    int64_t count = 0;
    Error err = {0};
    if (tune_model_step(at->t, at->ids, at->tgt, at->T, 1.0f, 0, &loss, &count, &err) != 0 || count == 0) return NAN;
    return loss / (double)count;
}

static float *read_f32(const char *path, size_t n) {
    float *p = malloc(n * sizeof(float));
    FILE *f = fopen(path, "rb");
    if (!f || fread(p, sizeof(float), n, f) != n) {
        if (f) fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    return p;
}

TEST(adapter_logits_match_peft_merge) {
    ThreadPool *pool = pool_new(2);
    for (int v = 0; v < 3; v++) {
        char dir[700], ad[760], path[800];
        snprintf(dir, sizeof dir, "%s/%s", ref_dir, variants[v]);
        snprintf(ad, sizeof ad, "%s/adapter", dir);
        Error err = {0};
        ExaoneModel *m = NULL;
        ExaoneLora *a = NULL;
        ExaoneState *s = NULL;
        int32_t ids[64];
        int tgt[64];
        int T = read_tokens(dir, ids, tgt, 64);
        CHECK(T > 0);
        if (exaone_load(&m, dir, &err) || exaone_lora_load(&a, ad, m, 1.0f, &err) ||
            exaone_state_new(&s, m, 64, DTYPE_F32, &err)) {
            CHECKF(0, "%s: %s", variants[v], err.message);
        } else {
            exaone_lora_attach(a, m);
            int V = m->cfg.vocab;
            float *logits = malloc(sizeof(float) * (size_t)T * V);
            snprintf(path, sizeof path, "%s/logits.f32", dir);
            float *ref = read_f32(path, (size_t)T * V);
            CHECK(ref != NULL);
            CHECK(exaone_forward(s, pool, ids, T, logits, 1, &err) == 0);
            double d = 0;
            for (size_t i = 0; ref && i < (size_t)T * V; i++) d = fmax(d, fabs(logits[i] - ref[i]));
            CHECKF(d <= 1e-4, "%s: max abs logit diff %g > 1e-4", variants[v], d);
            /* without the adapter the logits must differ (the hook is really in the path) */
            exaone_lora_detach_all(m);
            exaone_state_rewind(s, 0);
            CHECK(exaone_forward(s, pool, ids, T, logits, 1, &err) == 0);
            double d0 = 0;
            for (size_t i = 0; ref && i < (size_t)T * V; i++) d0 = fmax(d0, fabs(logits[i] - ref[i]));
            CHECKF(d0 > 1e-2, "%s: detached adapter changes nothing (%g)", variants[v], d0);
            free(logits);
            free(ref);
        }
        exaone_state_free(s);
        exaone_lora_free(a);
        exaone_free(m);
    }
    pool_free(pool);
}

TEST(tune_gradients_match_autograd) {
    ThreadPool *pool = pool_new(2);
    for (int v = 0; v < 3; v++) {
        char dir[700], ad[760], path[800];
        snprintf(dir, sizeof dir, "%s/%s", ref_dir, variants[v]);
        snprintf(ad, sizeof ad, "%s/adapter", dir);
        Error err = {0};
        ExaoneModel *m = NULL;
        ExaoneLora *a = NULL;
        TuneModel *t = NULL;
        SafeTensors *g = NULL;
        int32_t ids[64];
        int tgt[64];
        int T = read_tokens(dir, ids, tgt, 64);
        snprintf(path, sizeof path, "%s/grads.safetensors", dir);
        if (exaone_load(&m, dir, &err) || exaone_lora_load(&a, ad, m, 1.0f, &err) || st_open(&g, path, &err)) {
            CHECKF(0, "%s: %s", variants[v], err.message);
            goto next;
        }
        unsigned targets = 0;
        for (int l = 0; l < m->cfg.n_layers; l++)
            for (int sl = 0; sl < EXAONE_LORA_SLOTS; sl++)
                if (exaone_lora_delta(a, l, sl)) targets |= 1u << sl;
        if (tune_model_new(&t, m, pool, exaone_lora_rank(a), exaone_lora_alpha(a), targets, T, 7, &err)) {
            CHECKF(0, "%s: %s", variants[v], err.message);
            goto next;
        }
        for (int l = 0; l < m->cfg.n_layers; l++)
            for (int sl = 0; sl < EXAONE_LORA_SLOTS; sl++) {
                const ExaoneLoraDelta *d = exaone_lora_delta(a, l, sl);
                if (!d) continue;
                memcpy(tune_model_A(t, l, sl), d->A, sizeof(float) * d->r * d->in);
                memcpy(tune_model_B(t, l, sl), d->B, sizeof(float) * d->r * d->out);
            }
        double loss = 0;
        int64_t count = 0;
        CHECK(tune_model_step(t, ids, tgt, T, 1.0f, 1, &loss, &count, &err) == 0);
        snprintf(path, sizeof path, "%s/loss.txt", dir);
        FILE *f = fopen(path, "r");
        double ref_loss = 0;
        CHECK(f && fscanf(f, "%lf", &ref_loss) == 1);
        if (f) fclose(f);
        double mean = count ? loss / (double)count : 0;
        CHECKF(fabs(mean - ref_loss) <= 1e-5 * fabs(ref_loss), "%s: loss %.8g vs reference %.8g", variants[v], mean,
               ref_loss);
        CHECK((size_t)t->table.count == st_count(g));
        for (int i = 0; i < t->table.count; i++) {
            const ParamEntry *e = &t->table.entries[i];
            const StTensor *rt = st_find(g, e->name);
            CHECKF(rt && rt->size == e->numel * sizeof(float), "%s: no reference gradient for %s", variants[v], e->name);
            if (!rt) continue;
            const float *rg = rt->data, *ours = t->grads + e->offset;
            double mx = 0, diff = 0;
            for (size_t k = 0; k < e->numel; k++) {
                mx = fmax(mx, fabs(rg[k]));
                diff = fmax(diff, fabs(rg[k] - ours[k]));
            }
            CHECKF(mx > 0 && diff <= 1e-4 * mx, "%s: %s max diff %g (max |grad| %g)", variants[v], e->name, diff, mx);
        }
        StepLoss at = {t, ids, tgt, T};
        double slope[2], norm;
        double fd = fd_slope_along_gradient(t->params, t->grads, t->table.total, step_loss, &at, slope, &norm);
        CHECKF(fabs(fd - norm) <= 1e-3 * norm, "%s: finite differences %.6f vs |grad| %.6f", variants[v], fd, norm);
        printf("  %s: finite differences along the gradient %.6f (h 2e-2: %.6f, 1e-2: %.6f) vs |grad| %.6f\n",
               variants[v], fd, slope[0], slope[1], norm);
        /* save -> load round trip under PEFT names */
        const float *As[64] = {0}, *Bs[64] = {0};
        for (int l = 0; l < m->cfg.n_layers; l++)
            for (int sl = 0; sl < EXAONE_LORA_SLOTS; sl++) {
                As[l * EXAONE_LORA_SLOTS + sl] = tune_model_A(t, l, sl);
                Bs[l * EXAONE_LORA_SLOTS + sl] = tune_model_B(t, l, sl);
            }
        char out[700];
        snprintf(out, sizeof out, "build/tmp_tune_%s", variants[v]);
        ExaoneLora *back = NULL;
        CHECK(exaone_lora_save(out, m, t->rank, t->alpha, targets, As, Bs, &err) == 0);
        CHECKF(exaone_lora_load(&back, out, m, 1.0f, &err) == 0, "%s", err.message);
        for (int l = 0; back && l < m->cfg.n_layers; l++)
            for (int sl = 0; sl < EXAONE_LORA_SLOTS; sl++) {
                const ExaoneLoraDelta *d1 = exaone_lora_delta(a, l, sl), *d2 = exaone_lora_delta(back, l, sl);
                CHECK((d1 == NULL) == (d2 == NULL));
                if (d1 && d2)
                    CHECK(!memcmp(d1->A, d2->A, sizeof(float) * d1->r * d1->in) &&
                          !memcmp(d1->B, d2->B, sizeof(float) * d1->r * d1->out) && d1->scale == d2->scale);
            }
        exaone_lora_free(back);
    next:
        tune_model_free(t);
        st_close(g);
        exaone_lora_free(a);
        exaone_free(m);
    }
    pool_free(pool);
}

TEST(bad_adapters_are_errors) {
    Error err = {0};
    unsigned mask = 0;
    CHECK(exaone_lora_parse_targets("q_proj,bogus", &mask, &err) != 0);
    CHECK(exaone_lora_parse_targets("q_proj,c_proj", &mask, &err) == 0 &&
          mask == ((1u << EXAONE_LORA_Q) | (1u << EXAONE_LORA_DOWN)));
    char p[64];
    float s = 0;
    CHECK(exaone_lora_spec("dir:0.5", p, sizeof p, &s, &err) == 0 && !strcmp(p, "dir") && s == 0.5f);
    CHECK(exaone_lora_spec("dir", p, sizeof p, &s, &err) == 0 && s == 1.0f);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/v4_full", ref_dir);
    ExaoneModel *m = NULL;
    ExaoneLora *a = NULL;
    if (exaone_load(&m, dir, &err) == 0) {
        /* an adapter of another architecture names modules this model lacks */
        char other[760];
        snprintf(other, sizeof other, "%s/v3_llama3/adapter", ref_dir);
        CHECK(exaone_lora_load(&a, other, m, 1.0f, &err) != 0);
        CHECK(exaone_lora_load(&a, "build/no-such-adapter", m, 1.0f, &err) != 0);
        exaone_free(m);
    }
}

/* exaone lora merge: adapted matrices equal the reference W + (alpha/r)·B·A (f64, rounded
 * to f32; ours sums r products in f32: bound 1e-6 relative to the largest weight), every
 * other tensor is byte-identical to the base. */
TEST(merge_equals_base_plus_delta) {
    for (int v = 0; v < 3; v++) {
        char dir[700], ad[760], out[700], path[800];
        snprintf(dir, sizeof dir, "%s/%s", ref_dir, variants[v]);
        snprintf(ad, sizeof ad, "%s/adapter", dir);
        snprintf(out, sizeof out, "build/tmp_merge_%s", variants[v]);
        Error err = {0};
        if (exaone_lora_merge(dir, ad, 1.0f, out, &err) != 0) {
            CHECKF(0, "%s: %s", variants[v], err.message);
            continue;
        }
        SafeTensors *base = NULL, *merged = NULL, *ref = NULL;
        snprintf(path, sizeof path, "%s/merged.safetensors", dir);
        CHECK(st_open(&ref, path, &err) == 0);
        CHECK(st_open_dir(&base, dir, &err) == 0);
        CHECK(st_open_dir(&merged, out, &err) == 0);
        if (!ref || !base || !merged) goto next;
        CHECK(st_count(base) == st_count(merged));
        int adapted = 0;
        for (size_t i = 0; i < st_count(base); i++) {
            const StTensor *b = st_tensor(base, i), *m = st_find(merged, b->name), *r = st_find(ref, b->name);
            CHECKF(m && m->size == b->size && m->dtype == b->dtype, "%s: %s lost", variants[v], b->name);
            if (!m) continue;
            if (!r) {
                CHECKF(!memcmp(m->data, b->data, b->size), "%s: %s changed", variants[v], b->name);
                continue;
            }
            adapted++;
            const float *mf = m->data, *rf = r->data, *bf = b->data;
            double mx = 0, diff = 0, moved = 0;
            for (size_t k = 0; k < b->size / 4; k++) {
                mx = fmax(mx, fabs(rf[k]));
                diff = fmax(diff, fabs(mf[k] - rf[k]));
                moved = fmax(moved, fabs(mf[k] - bf[k]));
            }
            CHECKF(diff <= 1e-6 * mx && moved > 1e-3, "%s: %s diff %g (max %g), moved %g", variants[v], b->name, diff,
                   mx, moved);
        }
        CHECK((size_t)adapted == st_count(ref));
    next:
        st_close(ref);
        st_close(base);
        st_close(merged);
    }
}

/* Loss only on assistant turns, with the real EXAONE 3.5 / 4.0 templates and tokenizers:
 * the tokens that are targets decode to exactly the two answers, each followed by the
 * end-of-turn marker, and nothing of the system / user turns. */
TEST(targets_are_the_assistant_turns) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("no ../shared/exaone");
    const char *folders[] = {"EXAONE-4.0-1.2B", "EXAONE-3.5-2.4B-Instruct"};
    const char *conv = "[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                       "{\"role\":\"user\",\"content\":\"Capital of France?\"},"
                       "{\"role\":\"assistant\",\"content\":\"Paris.\"},"
                       "{\"role\":\"user\",\"content\":\"그리고 한국은?\"},"
                       "{\"role\":\"assistant\",\"content\":\"서울입니다.\"}]";
    for (int f = 0; f < 2; f++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%s", shared, folders[f]);
        Error err = {0};
        Tokenizer *tok = NULL;
        TokChatKind kind;
        if (tok_load(&tok, dir, &err) || tok_chat_kind(tok_chat_template(tok), &kind, &err)) {
            CHECKF(0, "%s: %s", folders[f], err.message);
            tok_free(tok);
            continue;
        }
        TuneExample e;
        CHECKF(tune_data_render(&e, conv, tok, kind, 4096, &err) == 0, "%s: %s", folders[f], err.message);
        TokIds ans = {0};
        for (int i = 0; i < e.n; i++)
            if (e.targets[i] >= 0) {
                CHECK(i + 1 < e.n && e.targets[i] == e.tokens[i + 1]);
                tok_ids_push(&ans, e.targets[i]);
            }
        TokBytes text = {0};
        CHECK(tok_decode(tok, ans.ids, ans.n, 0, &text, &err) == 0);
        char buf[512] = {0};
        memcpy(buf, text.data, text.len < 511 ? text.len : 511);
        CHECKF(!strcmp(buf, "Paris.[|endofturn|]\n서울입니다.[|endofturn|]\n") ||
                   !strcmp(buf, "Paris.[|endofturn|]\n서울입니다.[|endofturn|]"),
               "%s: answer tokens decode to '%s'", folders[f], buf);
        /* truncation keeps only targets inside the window */
        TuneExample s;
        CHECK(tune_data_render(&s, conv, tok, kind, 10, &err) == 0 && s.n == 10 && s.targets[9] == -1);
        mem_free(s.tokens);
        mem_free(s.targets);
        /* a conversation without an answer, or an answer the template cannot place, is an error */
        CHECK(tune_data_render(&s, "[{\"role\":\"user\",\"content\":\"hi\"}]", tok, kind, 64, &err) != 0);
        tok_bytes_free(&text);
        tok_ids_free(&ans);
        mem_free(e.tokens);
        mem_free(e.targets);
        tok_free(tok);
    }
}

int main(void) {
    if (harness_ref("lora_ref.py", ref_dir, sizeof ref_dir) != 0) {
        printf("FAIL lora_ref.py did not run\n");
        return 1;
    }
    RUN(adapter_logits_match_peft_merge);
    RUN(tune_gradients_match_autograd);
    RUN(merge_equals_base_plus_delta);
    RUN(targets_are_the_assistant_turns);
    RUN(bad_adapters_are_errors);
    return harness_finish();
}
