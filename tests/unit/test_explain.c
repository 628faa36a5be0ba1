/* EXAONE-mini explanation maps (mini_explain.h): gradient x input from the
 * training engine against finite differences through the inference engine,
 * determinism, normalisation and word splitting, the two-emoji mechanics on
 * a model built to look at one half, and the pictures (heat map, labels,
 * side-by-side frames). All on small random models: nothing here depends on
 * how well the shipped model is trained. */
#include "../harness.h"

#include "core/mem.h"
#include "formats/png.h"
#include "image/bars.h"
#include "image/heatmap.h"
#include "image/label.h"
#include "image/side_by_side.h"
#include "models/mini_explain.h"
#include "train/mini_train.h"
#include "train/rng.h"

#define DIR "build/tmp/explain"

static const char *train_text = "a red apple a blue star grinning face 빨간 사과 파란 별 웃는 얼굴 하트 눈";

typedef struct {
    Tokenizer *tok;
    MiniVocab v;
    Gpt *g;
} Tiny;

/* A 2-layer d=32 model over a small BPE; weights widened from GPT-2's init
 * so logits are O(1) (near 0 every gradient is tiny and any bug hides). */
static void tiny_free(Tiny *t);

/* A tiny random model; on failure (reported as a check) nothing is left to free. */
static int tiny_new(Tiny *t, uint64_t seed) {
    Error err = {0};
    memset(t, 0, sizeof *t);
    CHECK(system("mkdir -p " DIR) == 0);
    const char *texts[1] = {train_text};
    size_t lens[1] = {strlen(train_text)};
    TokTrainOptions opt = {300, 1, 0, mini_special_names, MINI_N_SPECIAL, 0};
    CHECKF(tok_train_bpe(texts, lens, 1, &opt, DIR "/tok.json", &err) == 0, "%s", err.message);
    CHECKF(tok_load(&t->tok, DIR "/tok.json", &err) == 0, "%s", err.message);
    if (!t->tok) {
        tiny_free(t);
        return -1;
    }
    t->v.n_text = (int)tok_vocab_size(t->tok);
    t->v.n_codes = 24;
    t->v.grid_h = t->v.grid_w = 8;
    for (int i = 0; i < MINI_N_SPECIAL; i++)
        t->v.special[i] = tok_token_to_id(t->tok, mini_special_names[i], strlen(mini_special_names[i]));
    MiniTrainOptions o;
    mini_train_defaults(&o);
    o.d_model = 32;
    o.n_layers = 2;
    o.n_heads = 4;
    o.ffn = 64;
    o.n_codes = t->v.n_codes;
    GptConfig gc;
    mini_gpt_config(&o, t->v.n_text, &gc);
    CHECKF(gpt_new(&t->g, &gc, 4, o.T, NULL, &err) == 0, "%s", err.message);
    if (!t->g) {
        tiny_free(t);
        return -1;
    }
    Rng rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < t->g->table.count; i++) {
        const ParamEntry *e = &t->g->table.entries[i];
        int is_norm = strstr(e->name, "ln_") != NULL;
        for (size_t k = 0; k < e->numel; k++)
            t->g->params[e->offset + k] = is_norm ? 1.0f + 0.3f * (float)rng_normal(&rng) : 0.25f * (float)rng_normal(&rng);
    }
    return 0;
}

static void tiny_free(Tiny *t) {
    gpt_free(t->g);
    tok_free(t->tok);
    t->g = NULL, t->tok = NULL;
}

static MiniModel *tiny_export_load(Tiny *t, const char *dir) {
    Error err = {0};
    MiniModel *m = NULL;
    CHECKF(mini_export(t->g, t->v.n_text, t->v.n_codes, DIR "/tok.json", dir, 0, &err) == 0, "%s", err.message);
    CHECKF(mini_load(&m, dir, 1, &err) == 0, "%s", err.message);
    return m;
}

static void random_codes(int *codes, int n_codes, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    for (int g = 0; g < 64; g++) codes[g] = (int)rng_below(&rng, (uint64_t)n_codes);
}

/* ---------------------------------------------------------------- gradient */

/* d/da sum log p(caption) with input row j scaled by (1 + a), at a = 0, by
 * central differences in the inference engine (mini.c): the exported wpe
 * row of position j is the only weight that reaches row j alone, so adding
 * a * x_j to it scales x_j. */
static double fd_attribution(Tiny *t, const MiniSeq *seq, const float *x_j, int j, float a) {
    int C = t->g->config.d_model;
    float *wpe = t->g->params + t->g->table.entries[params_find(&t->g->table, "transformer.wpe.weight")].offset;
    float saved[64];
    memcpy(saved, wpe + (size_t)j * C, (size_t)C * sizeof(float));
    double lp[2] = {0, 0};
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < C; k++) wpe[(size_t)j * C + k] = saved[k] + (s ? -a : a) * x_j[k];
        MiniModel *m = tiny_export_load(t, DIR "/fd");
        Error err = {0};
        int count = 0;
        CHECK(m && mini_seq_logprob(m, seq, &lp[s], &count, &err) == 0);
        mini_free(m);
    }
    memcpy(wpe + (size_t)j * C, saved, (size_t)C * sizeof(float));
    return (lp[0] - lp[1]) / (2.0 * a);
}

TEST(gradient_matches_finite_differences) {
    Tiny t;
    if (tiny_new(&t, 3) != 0) return;
    Error err = {0};
    MiniModel *m = tiny_export_load(&t, DIR "/model");
    Gpt *g = NULL;
    CHECKF(mini_import(&g, DIR "/model", 2, NULL, &err) == 0, "%s", err.message);
    if (!m || !g) {
        mini_free(m);
        gpt_free(g);
        tiny_free(&t);
        return;
    }
    int tokens[96], targets[96], segments[96], codes[64];
    random_codes(codes, t.v.n_codes, 11);
    TokIds ids = {0};
    CHECK(tok_encode(t.tok, "a red apple", 11, &ids, &err) == 0);
    MiniSeq seq = {tokens, targets, segments, 96, 0, 0, -1};
    CHECK(mini_seq_i2t(&t.v, &seq, codes, MINI_LANG_EN, ids.ids, (int)ids.n, &err) == 0);
    /* two rows: the whole caption, and its first token only (a second row of
     * the micro-batch must not leak into the first) */
    int rows[2 * 96];
    memcpy(rows, seq.targets, (size_t)seq.len * sizeof(int));
    for (int k = 0; k < seq.len; k++) rows[seq.len + k] = k == seq.prefix - 1 ? seq.targets[k] : GPT_IGNORE_INDEX;
    float attr[2 * 96];
    CHECKF(mini_explain_gradient(g, &seq, rows, 2, attr, &err) == 0, "%s", err.message);
    /* x0 of the first row, for the directions of the finite differences */
    GptBatch gb = {seq.tokens, NULL, &seq.prefix, &seq.image_start, seq.segments};
    CHECK(gpt_forward(g, &gb, 1, seq.len, &err) == 0);
    int C = g->config.d_model;
    float *x0 = mem_alloc((size_t)seq.len * C * sizeof(float));
    memcpy(x0, gpt_input_embeddings(g), (size_t)seq.len * C * sizeof(float));
    /* image positions, the language tag, a caption token (its own input) */
    int probe[] = {seq.image_start, seq.image_start + 27, seq.image_start + 63, seq.prefix - 1, seq.prefix + 1};
    double worst = 0, largest = 0;
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
        int j = probe[i];
        double fd = fd_attribution(&t, &seq, x0 + (size_t)j * C, j, 1e-2f);
        double err_j = fabs(fd - attr[j]);
        worst = err_j > worst ? err_j : worst;
        largest = fabs(attr[j]) > largest ? fabs(attr[j]) : largest;
        CHECKF(err_j <= 1e-3 + 1e-2 * fabs(fd), "position %d: gradient x input %.6f, finite difference %.6f", j,
               (double)attr[j], fd);
    }
    printf("  gradient x input vs finite differences: worst error %.2e (largest attribution %.3f)\n", worst, largest);
    CHECK(largest > 0.05); /* the check compared something, not zeros */
    /* row 2 (first token only) differs from row 1 and is zero after its target */
    double diff = 0;
    for (int k = 0; k < seq.len; k++) diff += fabs(attr[seq.len + k] - attr[k]);
    CHECK(diff > 1e-3);
    for (int k = seq.prefix; k < seq.len; k++) CHECK(attr[seq.len + k] == 0.0f);
    mem_free(x0);
    tok_ids_free(&ids);
    gpt_free(g);
    mini_free(m);
    tiny_free(&t);
}

/* ---------------------------------------------------------------- maps */

static void check_maps(const MiniExplanation *e) {
    for (int w = 0; w < e->n_words; w++) {
        double sum = 0;
        int negative = 0;
        for (int g = 0; g < 64; g++) {
            sum += e->maps[w * 64 + g];
            negative |= e->maps[w * 64 + g] < 0;
        }
        CHECKF(!negative && fabs(sum - 1) < 1e-5, "word %d: sum %.6f", w, sum);
    }
}

TEST(maps_are_normalised_deterministic_and_split_by_word) {
    Tiny t;
    if (tiny_new(&t, 5) != 0) return;
    Error err = {0};
    MiniModel *m = tiny_export_load(&t, DIR "/model5");
    Gpt *g = NULL;
    CHECK(mini_import(&g, DIR "/model5", 4, NULL, &err) == 0);
    if (!m || !g) {
        mini_free(m);
        gpt_free(g);
        tiny_free(&t);
        return;
    }
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    o.seed = 9;
    int codes[64], again[64];
    CHECK(mini_draw(m, "a red apple", &o, codes, &err) == 0);
    CHECK(mini_draw(m, "a red apple", &o, again, &err) == 0);
    CHECK(memcmp(codes, again, sizeof codes) == 0);
    int blank[64];
    random_codes(blank, t.v.n_codes, 77);
    MiniExplainAids aids = {g, blank};
    for (int method = 0; method < MINI_EXPLAIN_N_METHODS; method++) {
        for (int dir = 0; dir < 2; dir++) {
            MiniExplanation a, b;
            const char *text = dir ? "빨간 사과" : "a red apple";
            int ra = dir ? mini_explain_caption(m, &aids, codes, MINI_LANG_KO, text, method, &a, &err)
                         : mini_explain_draw(m, &aids, text, codes, method, &a, &err);
            CHECKF(ra == 0, "%s", err.message);
            int rb = dir ? mini_explain_caption(m, &aids, again, MINI_LANG_KO, text, method, &b, &err)
                         : mini_explain_draw(m, &aids, text, again, method, &b, &err);
            CHECK(rb == 0);
            if (ra || rb) continue;
            CHECK(a.n_words == (dir ? 2 : 3) && a.grid_h == 8 && a.grid_w == 8);
            CHECK(strcmp(a.words[dir ? 1 : 2], dir ? "사과" : "apple") == 0);
            CHECK(a.n_words == b.n_words && memcmp(a.maps, b.maps, (size_t)a.n_words * 64 * sizeof(float)) == 0);
            check_maps(&a);
            /* the words' maps differ from each other: the text matters */
            double diff = 0;
            for (int k = 0; k < 64; k++) diff += fabs(a.maps[k] - a.maps[64 + k]);
            CHECKF(diff > 1e-4, "method %s dir %d: words have the same map", mini_explain_method_name(method), dir);
            mini_explanation_free(&a);
            mini_explanation_free(&b);
        }
    }
    MiniExplanation e;
    CHECK(mini_explain_caption(m, NULL, codes, MINI_LANG_EN, "a red apple", MINI_EXPLAIN_GRADIENT, &e, &err) != 0);
    CHECK(strstr(err.message, "Gpt") != NULL);
    CHECK(mini_explain_caption(m, NULL, codes, MINI_LANG_EN, "a red apple", MINI_EXPLAIN_OCCLUSION, &e, &err) != 0);
    CHECK(strstr(err.message, "blank picture") != NULL);
    CHECK(mini_explain_caption(m, NULL, codes, MINI_LANG_EN, "a red apple", MINI_EXPLAIN_SHAPLEY, &e, &err) != 0);
    CHECK(strstr(err.message, "blank picture") != NULL);
    gpt_free(g);
    mini_free(m);
    tiny_free(&t);
}

/* A model built to look at one half: every layer's q and k project onto one
 * direction u; image columns 0-3 carry +u (or -u), 4-7 the opposite, and the
 * caption segment +u. So caption tokens attend to the columns of the same
 * sign, and the name's map must lie on that half. */
static double built_model_left_share(int sign, int method) {
    Tiny t;
    double share = -1;
    if (tiny_new(&t, 8) != 0) return share;
    Gpt *g = t.g;
    int C = g->config.d_model;
    float u[32];
    for (int k = 0; k < C; k++) u[k] = (k % 3 == 0 ? 1.0f : -0.5f) / sqrtf((float)C * 0.5f);
    float *col = g->params + g->table.entries[params_find(&g->table, "transformer.wpe_col.weight")].offset;
    float *seg = g->params + g->table.entries[params_find(&g->table, "transformer.wse.weight")].offset;
    for (int c = 0; c < 8; c++)
        for (int k = 0; k < C; k++) col[c * C + k] += (float)(c < 4 ? sign : -sign) * 6.0f * u[k];
    for (int k = 0; k < C; k++) seg[MINI_SEG_I2T_TEXT * C + k] += 6.0f * u[k];
    for (int l = 0; l < g->config.n_layers; l++) {
        char name[96];
        snprintf(name, sizeof name, "transformer.h.%d.attn.attention.q_proj.weight", l);
        float *wq = g->params + g->table.entries[params_find(&g->table, name)].offset;
        snprintf(name, sizeof name, "transformer.h.%d.attn.attention.k_proj.weight", l);
        float *wk = g->params + g->table.entries[params_find(&g->table, name)].offset;
        for (int i = 0; i < C; i++)
            for (int k = 0; k < C; k++) wq[i * C + k] = wk[i * C + k] = 1.5f * u[i] * u[k] * (float)C;
    }
    MiniModel *m = tiny_export_load(&t, DIR "/half");
    Error err = {0};
    int codes[64], blank[64];
    random_codes(codes, t.v.n_codes, 4);
    random_codes(blank, t.v.n_codes, 9);
    MiniExplainAids aids = {NULL, blank};
    MiniExplanation e;
    if (m && mini_explain_caption(m, &aids, codes, MINI_LANG_EN, "grinning face", method, &e, &err) == 0) {
        float map[64];
        mini_explain_mean_map(&e, map);
        share = map_left_share(map, 8, 8);
        mini_explanation_free(&e);
    }
    mini_free(m);
    tiny_free(&t);
    return share;
}

TEST(two_halves_mechanics_on_a_built_model) {
    for (int method = MINI_EXPLAIN_ATTENTION; method < MINI_EXPLAIN_N_METHODS; method++) {
        if (method == MINI_EXPLAIN_GRADIENT) continue; /* checked against finite differences above */
        double left = built_model_left_share(+1, method), right = built_model_left_share(-1, method);
        printf("  %s: left share %.3f when built to look left, %.3f when built to look right\n",
               mini_explain_method_name(method), left, right);
        CHECK(left > 0.7);
        CHECK(right >= 0 && right < 0.3);
    }
}

/* Occlusion recomputed by hand: for a one-word caption, blank each 2x2 block
 * of codes, sum the word's token log p drops from separately built sequences
 * and compare with the map (every cell of a block gets the block's clamped
 * drop, then the map is scaled to sum 1). */
TEST(occlusion_matches_blanked_blocks_by_hand) {
    Tiny t;
    if (tiny_new(&t, 11) != 0) return;
    Error err = {0};
    MiniModel *m = tiny_export_load(&t, DIR "/model11");
    int codes[64], blank[64], blocked[64], S = t.g->max_T;
    random_codes(codes, t.v.n_codes, 5);
    random_codes(blank, t.v.n_codes, 6);
    const char *word = "apple";
    TokIds ids = {0};
    CHECK(m && tok_encode(t.tok, word, strlen(word), &ids, &err) == 0);
    int *buf = mem_alloc((size_t)S * 3 * sizeof(int));
    float *logp = mem_alloc((size_t)S * sizeof(float));
    MiniExplainAids aids = {NULL, blank};
    MiniExplanation e = {0};
    if (!m || !buf || !logp || ids.n == 0 ||
        mini_explain_caption(m, &aids, codes, MINI_LANG_EN, word, MINI_EXPLAIN_OCCLUSION, &e, &err) != 0) {
        CHECKF(0, "setup: %s", err.message);
        goto done;
    }
    CHECK(e.n_words == 1);
    MiniSeq seq = {buf, buf + S, buf + 2 * S, S, 0, 0, -1};
    double drops[16], total = 0, word_lp[17];
    for (int b = -1; b < 16; b++) { /* b = -1: the picture itself */
        memcpy(blocked, codes, sizeof codes);
        for (int g = 0; g < 64 && b >= 0; g++)
            if ((g / 8) / 2 * 4 + (g % 8) / 2 == b) blocked[g] = blank[g];
        CHECK(mini_seq_i2t(&t.v, &seq, blocked, MINI_LANG_EN, ids.ids, (int)ids.n, &err) == 0);
        CHECK(mini_seq_target_logprobs(m, &seq, logp, &err) == 0);
        word_lp[b + 1] = 0;
        for (int k = 0; k < (int)ids.n; k++) word_lp[b + 1] += logp[seq.prefix + k - 1]; /* not <eos> */
        if (b >= 0) total += 4 * (drops[b] = word_lp[0] > word_lp[b + 1] ? word_lp[0] - word_lp[b + 1] : 0);
    }
    CHECKF(total > 0, "no block matters to the word: the check would be empty");
    double worst = 0;
    for (int g = 0; g < 64 && total > 0; g++) {
        double want = drops[(g / 8) / 2 * 4 + (g % 8) / 2] / total, d = fabs(e.maps[g] - want);
        worst = d > worst ? d : worst;
    }
    printf("  occlusion: largest difference from the hand-made map %.2e\n", worst);
    CHECK(worst < 1e-5);
done:
    mini_explanation_free(&e);
    tok_ids_free(&ids);
    mem_free(buf);
    mem_free(logp);
    mini_free(m);
    tiny_free(&t);
}

/* Shapley values of a two-word prompt, by hand: with two parts every
 * antithetic pair of orders gives the exact value
 *   phi_A = ((v(A) - v(none)) + (v(AB) - v(B))) / 2,
 * v(S) = log p(code g) of the drawing with only S's words in the prompt (no
 * word: the empty prompt), from four separately built sequences. The map is
 * the clamped values scaled to sum 1. */
TEST(shapley_matches_two_word_values_by_hand) {
    Tiny t;
    if (tiny_new(&t, 12) != 0) return;
    Error err = {0};
    MiniModel *m = tiny_export_load(&t, DIR "/model12");
    int codes[64], S = t.g->max_T;
    random_codes(codes, t.v.n_codes, 15);
    TokIds both = {0}, first = {0};
    CHECK(m && tok_encode(t.tok, "red apple", 9, &both, &err) == 0 && tok_encode(t.tok, "red", 3, &first, &err) == 0);
    int *buf = mem_alloc((size_t)S * 3 * sizeof(int));
    float *logp = mem_alloc((size_t)S * sizeof(float));
    MiniExplanation e = {0};
    if (!m || !buf || !logp || first.n == 0 || both.n <= first.n || memcmp(both.ids, first.ids, first.n * 4) != 0 ||
        mini_explain_draw(m, NULL, "red apple", codes, MINI_EXPLAIN_SHAPLEY, &e, &err) != 0) {
        CHECKF(0, "setup: %s", err.message);
        goto done;
    }
    CHECK(e.n_words == 2);
    MiniSeq seq = {buf, buf + S, buf + 2 * S, S, 0, 0, -1};
    double v[4][64]; /* subsets as bit masks: 1 = "red", 2 = "apple" */
    for (int mask = 0; mask < 4; mask++) {
        int32_t ids[64];
        int n = 0;
        for (size_t k = 0; k < both.n; k++)
            if (mask & (k < first.n ? 1 : 2)) ids[n++] = both.ids[k];
        CHECK(mini_seq_t2i(&t.v, &seq, n ? MINI_LANG_EN : MINI_LANG_NONE, n ? ids : NULL, n, codes, &err) == 0);
        CHECK(mini_seq_target_logprobs(m, &seq, logp, &err) == 0);
        for (int g = 0; g < 64; g++) v[mask][g] = logp[seq.image_start + g - 1];
    }
    double worst = 0, signal = 0;
    for (int w = 0; w < 2; w++) {
        int self = w ? 2 : 1, other = 3 - self;
        double phi[64], total = 0;
        for (int g = 0; g < 64; g++) {
            phi[g] = ((v[self][g] - v[0][g]) + (v[3][g] - v[other][g])) / 2;
            phi[g] = phi[g] > 0 ? phi[g] : 0;
            total += phi[g];
        }
        signal += total;
        for (int g = 0; g < 64 && total > 0; g++) {
            double d = fabs(e.maps[w * 64 + g] - phi[g] / total);
            worst = d > worst ? d : worst;
        }
    }
    CHECKF(signal > 0, "no word matters to the drawing: the check would be empty");
    printf("  shapley: largest difference from the hand-made two-word map %.2e\n", worst);
    CHECK(worst < 1e-5);
done:
    mini_explanation_free(&e);
    tok_ids_free(&both);
    tok_ids_free(&first);
    mem_free(buf);
    mem_free(logp);
    mini_free(m);
    tiny_free(&t);
}

/* partition keeps each quarter's blocks together in the orders: for a
 * caption its maps differ from shapley's; a prompt's words have no quarters,
 * so for a drawing the two are the same bytes. */
TEST(partition_differs_for_captions_only) {
    Tiny t;
    if (tiny_new(&t, 13) != 0) return;
    Error err = {0};
    MiniModel *m = tiny_export_load(&t, DIR "/model13");
    int codes[64], blank[64];
    random_codes(codes, t.v.n_codes, 21);
    random_codes(blank, t.v.n_codes, 22);
    MiniExplainAids aids = {NULL, blank};
    MiniExplanation s = {0}, p = {0}, ds = {0}, dp = {0};
    if (!m || mini_explain_caption(m, &aids, codes, MINI_LANG_EN, "a red apple", MINI_EXPLAIN_SHAPLEY, &s, &err) ||
        mini_explain_caption(m, &aids, codes, MINI_LANG_EN, "a red apple", MINI_EXPLAIN_PARTITION, &p, &err) ||
        mini_explain_draw(m, &aids, "a red apple", codes, MINI_EXPLAIN_SHAPLEY, &ds, &err) ||
        mini_explain_draw(m, &aids, "a red apple", codes, MINI_EXPLAIN_PARTITION, &dp, &err)) {
        CHECKF(0, "setup: %s", err.message);
    } else {
        size_t bytes = (size_t)s.n_words * 64 * sizeof(float);
        CHECK(s.n_words == p.n_words && memcmp(s.maps, p.maps, bytes) != 0);
        CHECK(ds.n_words == dp.n_words && memcmp(ds.maps, dp.maps, (size_t)ds.n_words * 64 * sizeof(float)) == 0);
    }
    mini_explanation_free(&s);
    mini_explanation_free(&p);
    mini_explanation_free(&ds);
    mini_explanation_free(&dp);
    mini_free(m);
    tiny_free(&t);
}

/* ---------------------------------------------------------------- pictures */

TEST(side_by_side_and_left_share) {
    Error err = {0};
    Image *red = image_new(64, 64, 3, &err), *blue = image_new(32, 64, 3, &err);
    for (int i = 0; i < 64 * 64; i++) red->pixels[i * 3] = 255, red->pixels[i * 3 + 1] = 0, red->pixels[i * 3 + 2] = 0;
    for (int i = 0; i < 32 * 64; i++) blue->pixels[i * 3] = 0, blue->pixels[i * 3 + 1] = 0, blue->pixels[i * 3 + 2] = 255;
    Image *pair = image_side_by_side(red, blue, 64, 64, IMAGE_WHITE, &err);
    CHECK(pair && pair->width == 64 && pair->height == 64);
    if (pair) {
        const uint8_t *p = pair->pixels;
        CHECK(p[(40 * 64 + 10) * 3] == 255 && p[(40 * 64 + 10) * 3 + 2] == 0);      /* red 32x32 at rows 16..47 */
        CHECK(p[(5 * 64 + 10) * 3 + 1] == 255);                                    /* white above it */
        CHECK(p[(5 * 64 + 48) * 3 + 2] == 255 && p[(5 * 64 + 48) * 3] == 0);       /* 32x64 blue fills its half */
        CHECK(p[(40 * 64 + 31) * 3] == 255 && p[(40 * 64 + 32) * 3 + 2] == 255);   /* the seam at x = 32 */
    }
    float map[64] = {0};
    CHECK(map_left_share(map, 8, 8) == 0);
    for (int y = 0; y < 8; y++) map[y * 8 + 3] = 1;
    CHECK(map_left_share(map, 8, 8) == 1);
    map[7 * 8 + 4] = 3;
    CHECK_NEAR(map_left_share(map, 8, 8), 8.0 / 11.0, 1e-12);
    Image *bad = image_new(8, 8, 1, &err);
    CHECK(image_side_by_side(bad, blue, 64, 64, IMAGE_WHITE, &err) == NULL && err.message[0]);
    image_free(bad);
    image_free(pair);
    image_free(red);
    image_free(blue);
}

TEST(heatmap_and_labels) {
    Error err = {0};
    Image *grey = image_new(64, 64, 3, &err);
    memset(grey->pixels, 128, image_bytes(grey));
    float map[4] = {0, 0, 0, 1}; /* hot bottom-right */
    Image *h = heatmap_overlay(grey, map, 2, 2, 2, &err);
    CHECK(h && h->width == 128 && h->height == 128);
    if (h) {
        const uint8_t *cold = h->pixels + (size_t)(5 * 128 + 5) * 3, *hot = h->pixels + (size_t)(122 * 128 + 122) * 3;
        CHECK(hot[0] > cold[0] + 60 && cold[2] > hot[2]); /* red where the map is high, blue where low */
    }
    Image *label = image_new(40, 10, 3, &err);
    memset(label->pixels, 255, image_bytes(label));
    CHECK(label_width("a1", 1) == 8);
    label_draw(label, 0, 0, "a1\xea\xb0\x80", 1, IMAGE_BLACK); /* Hangul bytes draw nothing */
    int ink = 0;
    for (size_t i = 0; i < image_bytes(label); i += 3) ink += label->pixels[i] == 0;
    CHECK(ink == 10 + 8); /* 'A' has 10 pixels, '1' has 8 */
    CHECK(heatmap_overlay(label, map, 0, 2, 1, &err) == NULL);
    image_free(label);
    image_free(h);
    image_free(grey);
}

TEST(bar_chart) {
    double v[2 * 2] = {0.5, 1.0, 0.0, 0.25};
    const char *groups[] = {"EN-MAN", "KO-WOMAN"}, *series[] = {"A", "B/C"};
    Error err = {0};
    CHECKF(plot_bars_png(DIR "/bars.png", v, 2, 2, groups, series, &err) == 0, "%s", err.message);
    Image *img = NULL;
    CHECK(pngio_read_file(DIR "/bars.png", 3, &img, NULL, &err) == 0);
    if (!img) return;
    /* bar heights: count blue (series 0) and orange (series 1) pixels per column */
    int blue = 0, orange = 0;
    for (int i = 0; i < img->width * img->height; i++) {
        const uint8_t *p = img->pixels + (size_t)i * 3;
        blue += p[0] == 40 && p[1] == 90 && p[2] == 200;
        orange += p[0] == 230 && p[1] == 130 && p[2] == 20;
    }
    /* blue: 0.5 and 0 of 240 px, 10 px wide (+ legend 100 px); orange: 1.0 and 0.25 */
    CHECKF(blue == 120 * 10 + 100 && orange == (240 + 60) * 10 + 100, "blue %d orange %d", blue, orange);
    image_free(img);
    CHECK(plot_bars_png(DIR "/bars.png", v, 0, 2, groups, series, &err) != 0);
}

int main(void) {
    RUN(gradient_matches_finite_differences);
    RUN(maps_are_normalised_deterministic_and_split_by_word);
    RUN(occlusion_matches_blanked_blocks_by_hand);
    RUN(shapley_matches_two_word_values_by_hand);
    RUN(partition_differs_for_captions_only);
    RUN(two_halves_mechanics_on_a_built_model);
    RUN(side_by_side_and_left_share);
    RUN(heatmap_and_labels);
    RUN(bar_chart);
    return harness_finish();
}
