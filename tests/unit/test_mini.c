/* EXAONE-mini: the sequence format and data loader (masks, ignore-index,
 * segments, determinism), and the forward pass — training engine, one-shot
 * inference and KV-cached inference — against an independent PyTorch
 * re-implementation (tests/ref/mini_ref.py) on a random model saved by our
 * exporter, and on the shipped weights when they exist. */
#include "../harness.h"
#include "tiny_mini.h"

#include "core/file.h"
#include "core/mem.h"
#include "models/mini.h"
#include "models/mini_image.h"
#include "models/vq.h"
#include "train/gpt.h"
#include "train/mini_data.h"
#include "train/mini_train.h"
#include "train/rng.h"

#define DIR "build/tmp/mini"
#define IGN GPT_IGNORE_INDEX

static const char *corpus_text =
    "# test corpus\n"
    "I\t0\t1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 "
    "37 38 39 40 41 42 43 44 45 46 47 48 49 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n"
    "C\t0\ten\ta red apple\n"
    "C\t0\tko\t빨간 사과\n"
    "I\t1\t" "5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 "
    "5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5\n"
    "C\t1\ten\ta blue star\r\n"
    "P\tOpen file\t파일 열기\n"
    "T\tko\t이것은 빨간 사과입니다.\n";

static const char *train_text = "a red apple a blue star 빨간 사과 파란 별 Open file 파일 열기 이것은 빨간 사과입니다.";

static Tokenizer *make_tokenizer(const char *path) {
    Error err = {0};
    const char *texts[1] = {train_text};
    size_t lens[1] = {strlen(train_text)};
    TokTrainOptions opt = {320, 1, 0, mini_special_names, MINI_N_SPECIAL, 0};
    CHECK(system("mkdir -p " DIR) == 0);
    CHECKF(tok_train_bpe(texts, lens, 1, &opt, path, &err) == 0, "train: %s", err.message);
    Tokenizer *tok = NULL;
    CHECKF(tok_load(&tok, path, &err) == 0, "load: %s", err.message);
    return tok;
}

static void make_vocab(const Tokenizer *tok, MiniVocab *v) {
    memset(v, 0, sizeof *v);
    v->n_text = (int)tok_vocab_size(tok);
    v->n_codes = 50;
    v->grid_h = v->grid_w = 8;
    for (int i = 0; i < MINI_N_SPECIAL; i++)
        v->special[i] = tok_token_to_id(tok, mini_special_names[i], strlen(mini_special_names[i]));
}

/* ---------------------------------------------------------------- data */

/* The invariants every row must satisfy, derived from mini_seq.h. */
static void check_row(const MiniBatch *b, int row, const MiniVocab *v) {
    int T = b->T;
    const int *tk = b->tokens + row * T, *tg = b->targets + row * T, *sg = b->segments + row * T;
    int task = b->task[row], prefix = b->prefix[row], len = 0;
    while (len < T && tk[len] != v->special[MINI_PAD]) len++;
    int first_tag[MINI_N_TASKS] = {MINI_T2I, MINI_I2T, MINI_TRANSLATE, MINI_LM};
    CHECK(tk[0] == v->special[first_tag[task]]);
    for (int t = 0; t < T; t++) {
        if (t >= len) {
            CHECK(tg[t] == IGN && sg[t] == -1);
            continue;
        }
        /* loss exactly on the generated part: predict token t+1 once t+1 >= gen start */
        int gen_start = task == MINI_TASK_LM ? 2 : prefix;
        int want = t + 1 < len && t + 1 >= gen_start ? tk[t + 1] : IGN;
        CHECKF(tg[t] == want, "task %d row %d t %d: target %d want %d", task, row, t, tg[t], want);
        CHECK(sg[t] >= 0 && sg[t] < MINI_N_SEGMENTS);
    }
    if (task == MINI_TASK_T2I) {
        int s = b->image_start[row];
        CHECK(s == prefix && tk[s - 1] == v->special[MINI_BOI]);
        for (int g = 0; g < 64; g++) CHECK(mini_is_code(v, tk[s + g]) && sg[s + g] == MINI_SEG_T2I_IMAGE);
        CHECK(tk[s + 64] == v->special[MINI_EOI] && len == s + 65);
        for (int t = 0; t < s; t++) CHECK(sg[t] == MINI_SEG_T2I_TEXT);
    } else if (task == MINI_TASK_I2T) {
        int s = b->image_start[row];
        CHECK(s == 2 && tk[s + 64] == v->special[MINI_EOI] && prefix == s + 66);
        CHECK(tk[prefix - 1] == v->special[MINI_KO] || tk[prefix - 1] == v->special[MINI_EN]);
        CHECK(sg[s] == MINI_SEG_I2T_IMAGE && sg[prefix] == MINI_SEG_I2T_TEXT);
        CHECK(tk[len - 1] == v->special[MINI_EOS]);
    } else if (task == MINI_TASK_TRANSLATE) {
        CHECK(b->image_start[row] == -1 && sg[0] == MINI_SEG_TR_SRC && sg[prefix - 1] == MINI_SEG_TR_TGT);
        CHECK(tk[len - 1] == v->special[MINI_EOS]);
    } else {
        CHECK(prefix == 0 && b->image_start[row] == -1 && sg[0] == MINI_SEG_LM && tk[len - 1] == v->special[MINI_EOS]);
    }
}

/* The random model of the forward test, loaded into m; the test is skipped
 * without it and ends when it does not load. */
#define NEED_RANDOM_MODEL(m, err)                                                                  \
    if (!file_exists(DIR "/random/config.json")) SKIP("needs the random model of the forward test"); \
    CHECKF(mini_load(&(m), DIR "/random", 1, &(err)) == 0, "%s", (err).message);                    \
    if (!(m)) return

/* config.json values are checked as the types they are used as: a norm_eps
 * that is > 0 as a double but 0 as a float (fuzzing found 1e-55) is refused. */
TEST(config_parser_checks_norm_eps_as_float) {
    const char *base = "{\"model_type\": \"exaone-mini\", \"vocab_size\": 9024, \"n_text\": 8000, \"n_codes\": 1024, "
                       "\"grid_h\": 8, \"grid_w\": 8, \"d_model\": 256, \"n_layers\": 6, \"n_heads\": 8, \"ffn\": 1024, "
                       "\"max_seq\": 96, \"n_segments\": 7, \"rms_norm\": 0, \"bias\": 0, \"tied\": 1, \"norm_eps\": %s}";
    struct {
        const char *eps;
        int ok;
    } rows[] = {{"1e-5", 1}, {"1", 1}, {"1e-55", 0}, {"0", 0}, {"-1e-5", 0}, {"1e300", 0}, {"2", 0}, {"\"1e-5\"", 0}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char json[1024];
        snprintf(json, sizeof json, base, rows[i].eps);
        MiniConfig c;
        Error err = {0};
        int rc = mini_config_parse(&c, json, strlen(json), "config.json", &err);
        CHECKF(rows[i].ok ? rc == 0 && c.norm_eps > 0 : rc != 0 && strstr(err.message, "norm_eps") != NULL,
               "norm_eps %s: rc %d, %s", rows[i].eps, rc, err.message);
    }
}

/* Sampling's candidate order: probability descending, equal ones by index
 * ascending. With top-k 2 over three tied maxima (1, 2, 4) only 1 and 2 may
 * come out; with top-p just above the first share, only index 1. */
TEST(sampler_keeps_the_top_candidates_ties_by_index) {
    float logits[10] = {1, 3, 3, 2, 3, 0, -1, 2.5f, 3, -4};
    logits[8] = 2.9f;
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    o.top_k = 2;
    o.top_p = 1;
    unsigned char scratch[10 * MINI_SAMPLE_SCRATCH];
    Rng rng;
    rng_seed(&rng, 3);
    int seen[10] = {0};
    for (int i = 0; i < 2000; i++) seen[mini_sample(logits, 10, &o, &rng, scratch)]++;
    CHECKF(seen[1] > 800 && seen[2] > 800 && seen[1] + seen[2] == 2000, "top-2 draws: %d at 1, %d at 2, %d at 4",
           seen[1], seen[2], seen[4]);
    o.top_k = 0;
    o.top_p = 0.01f;
    for (int i = 0; i < 100; i++) CHECK(mini_sample(logits, 10, &o, &rng, scratch) == 1);
}

TEST(data_loader_masks_targets_segments) {
    Tokenizer *tok = make_tokenizer(DIR "/tok.json");
    if (!tok) return;
    MiniVocab v;
    make_vocab(tok, &v);
    MiniCorpus *c = NULL;
    Error err = {0};
    CHECKF(mini_corpus_parse(&c, corpus_text, strlen(corpus_text), "corpus", tok, &v, &err) == 0, "%s", err.message);
    if (!c) {
        tok_free(tok);
        return;
    }
    CHECK(c->n_images == 2 && c->n_items == 2 && c->n_captions == 3 && c->n_pairs == 1 && c->n_texts == 1);
    CHECK(c->codes[64] == 5 && c->codes[63] == 14);
    MiniBatch *b = NULL, *b2 = NULL;
    CHECK(mini_batch_new(&b, 64, 96, &err) == 0 && mini_batch_new(&b2, 64, 96, &err) == 0);
    MiniDataOptions o;
    mini_data_defaults(&o);
    o.cfg_drop = 0.3f;
    int seen[MINI_N_TASKS] = {0}, dropped = 0;
    for (int step = 0; step < 4; step++) {
        CHECK(mini_batch_fill(b, c, &o, step, &err) == 0);
        for (int r = 0; r < b->B; r++) {
            check_row(b, r, &v);
            seen[b->task[r]]++;
            dropped += b->task[r] == MINI_TASK_T2I && b->tokens[r * 96 + 1] == v.special[MINI_BOI];
        }
    }
    for (int k = 0; k < MINI_N_TASKS; k++) CHECKF(seen[k] > 10, "task %d seen %d times", k, seen[k]);
    CHECKF(dropped > 3, "CFG drops %d", dropped);
    /* determinism: same (seed, step) -> same batch; another step differs */
    CHECK(mini_batch_fill(b, c, &o, 7, &err) == 0 && mini_batch_fill(b2, c, &o, 7, &err) == 0);
    CHECK(memcmp(b->tokens, b2->tokens, 64 * 96 * sizeof(int)) == 0);
    CHECK(memcmp(b->targets, b2->targets, 64 * 96 * sizeof(int)) == 0);
    CHECK(mini_batch_fill(b2, c, &o, 8, &err) == 0);
    CHECK(memcmp(b->tokens, b2->tokens, 64 * 96 * sizeof(int)) != 0);
    /* compaction keeps every row's tokens, at the new stride */
    CHECK(mini_batch_fill(b, c, &o, 9, &err) == 0);
    memcpy(b2->tokens, b->tokens, 64 * 96 * sizeof(int));
    memcpy(b2->targets, b->targets, 64 * 96 * sizeof(int));
    int Tn = mini_batch_compact(b, &v);
    CHECK(Tn % 8 == 0 && Tn <= 96 && Tn >= 67);
    for (int r = 0; r < 64; r++) {
        CHECK(memcmp(b->tokens + r * Tn, b2->tokens + r * 96, (size_t)Tn * sizeof(int)) == 0);
        CHECK(memcmp(b->targets + r * Tn, b2->targets + r * 96, (size_t)Tn * sizeof(int)) == 0);
        for (int t = Tn; t < 96; t++) CHECK(b2->targets[r * 96 + t] == IGN);
    }
    /* eval rows: translate alternates directions */
    CHECK(mini_batch_fill_eval(b, 0, c, MINI_TASK_TRANSLATE, 0, &err) == 0);
    CHECK(mini_batch_fill_eval(b, 1, c, MINI_TASK_TRANSLATE, 1, &err) == 0);
    CHECK(b->tokens[1] == v.special[MINI_EN] && b->tokens[96 + 1] == v.special[MINI_KO]);
    check_row(b, 0, &v);
    check_row(b, 1, &v);
    mini_batch_free(b);
    mini_batch_free(b2);
    mini_corpus_free(c);
    tok_free(tok);
}

TEST(data_loader_rejects_bad_lines) {
    Tokenizer *tok = make_tokenizer(DIR "/tok.json");
    if (!tok) return;
    MiniVocab v;
    make_vocab(tok, &v);
    static const char *bad[] = {
        "I\t0\t1 2 3\n",                    /* too few codes */
        "C\t0\tfr\tbonjour\n",              /* unknown language */
        "X\tsomething\n",                   /* unknown record */
        "C\tx\ten\ttext\n",                 /* item is not a number */
        "P\tonly english\n",                /* pair without korean */
        "T\ten\n",                          /* no text */
        "F\t0\n",                           /* family without its number */
        "F\t0\tx\n",                        /* family is not a number */
        "F\t305805858\t11\n",               /* item far past the corpus: would size a 1.2 GB table */
        "C\t99999\ten\ttext\n",             /* the same for a caption's item */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        MiniCorpus *c = NULL;
        Error err = {0};
        char text[256];
        snprintf(text, sizeof text, "T\ten\tfine\n%s", bad[i]);
        CHECKF(mini_corpus_parse(&c, text, strlen(text), "bad", tok, &v, &err) != 0, "case %zu accepted", i);
        CHECKF(strstr(err.message, "bad:2") != NULL, "case %zu: %s", i, err.message);
        if (bad[i][0] == 'F' && bad[i][2] == '3') CHECKF(strstr(err.message, "item 305805858 out of range"), "%s", err.message);
        mini_corpus_free(c);
    }
    MiniDataOptions o;
    Error err = {0};
    CHECK(mini_data_parse_ratios(&o, "1,2,3,4", &err) == 0 && o.ratio[3] == 4.0f);
    CHECK(mini_data_parse_ratios(&o, "1,2,3", &err) != 0);
    CHECK(mini_data_parse_ratios(&o, "0,0,0,0", &err) != 0);
    CHECK(mini_data_parse_ratios(&o, "1,2,3,-4", &err) != 0);
    tok_free(tok);
}

/* Seven items of one image and one caption each: items 0-5 are one family
 * (F records; think one emoji in six skin-tone forms), item 6 has none (its
 * own family). Item k's image is all code k. i2t only. Without balancing an
 * item is drawn 1/7 of the time; with it item 6 half the time and each
 * of the six 1/12; and F records alone change nothing. */
TEST(balanced_sampling_draws_families_evenly) {
    Tokenizer *tok = make_tokenizer(DIR "/tok.json");
    if (!tok) return;
    MiniVocab v;
    make_vocab(tok, &v);
    char text[8192], plain[8192];
    size_t n = 0, np = 0;
    for (int k = 0; k < 7; k++) {
        char line[512], codes[256];
        size_t cl = 0;
        for (int g = 0; g < 64; g++) cl += (size_t)snprintf(codes + cl, sizeof codes - cl, g ? " %d" : "%d", k);
        size_t len = (size_t)snprintf(line, sizeof line, "I\t%d\t%s\nC\t%d\ten\ta red apple\n", k, codes, k);
        memcpy(plain + np, line, len), np += len;
        memcpy(text + n, line, len), n += len;
        if (k < 6) n += (size_t)snprintf(text + n, sizeof text - n, "F\t%d\t3\n", k);
    }
    MiniCorpus *c = NULL, *cp = NULL;
    Error err = {0};
    CHECKF(mini_corpus_parse(&c, text, n, "fam", tok, &v, &err) == 0, "%s", err.message);
    CHECKF(mini_corpus_parse(&cp, plain, np, "plain", tok, &v, &err) == 0, "%s", err.message);
    MiniBatch *b = NULL, *b2 = NULL;
    CHECK(mini_batch_new(&b, 64, 96, &err) == 0 && mini_batch_new(&b2, 64, 96, &err) == 0);
    if (!c || !cp || !b || !b2) goto done;
    CHECK(c->n_families == 2 && cp->n_families == 7);
    MiniDataOptions o;
    mini_data_defaults(&o);
    CHECK(mini_data_parse_ratios(&o, "0,1,0,0", &err) == 0);
    for (int balanced = 0; balanced < 2; balanced++) {
        o.balance_families = balanced;
        int drawn[7] = {0}, total = 0;
        for (int step = 0; step < 30; step++) {
            CHECK(mini_batch_fill(b, c, &o, step, &err) == 0);
            for (int r = 0; r < 64; r++, total++) drawn[b->tokens[r * 96 + 2] - v.n_text]++;
        }
        double lone = (double)drawn[6] / total;
        printf("  %s: item 6 drawn %.3f of %d; items 0-5:", balanced ? "balanced" : "plain", lone, total);
        for (int k = 0; k < 6; k++) printf(" %.3f", (double)drawn[k] / total);
        printf("\n");
        if (balanced) {
            CHECK(lone > 0.45 && lone < 0.55);
            for (int k = 0; k < 6; k++) CHECK(drawn[k] > total / 12 * 0.7 && drawn[k] < total / 12 * 1.3);
        } else {
            CHECK(lone > 0.11 && lone < 0.18);
        }
    }
    /* off by default: the F records change no batch */
    mini_data_defaults(&o);
    CHECK(mini_batch_fill(b, c, &o, 5, &err) == 0 && mini_batch_fill(b2, cp, &o, 5, &err) == 0);
    CHECK(memcmp(b->tokens, b2->tokens, 64 * 96 * sizeof(int)) == 0);
done:
    mini_batch_free(b);
    mini_batch_free(b2);
    mini_corpus_free(c);
    mini_corpus_free(cp);
    tok_free(tok);
}

/* ---------------------------------------------------------------- forward */

static int write_input(const char *dir, const MiniSeq *s) {
    char path[256];
    snprintf(path, sizeof path, "%s/input.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "{\"prefix\": %d, \"image_start\": %d, \"tokens\": [", s->prefix, s->image_start);
    for (int t = 0; t < s->len; t++) fprintf(f, "%s%d", t ? ", " : "", s->tokens[t]);
    fprintf(f, "], \"segments\": [");
    for (int t = 0; t < s->len; t++) fprintf(f, "%s%d", t ? ", " : "", s->segments[t]);
    fprintf(f, "]}\n");
    return fclose(f);
}

static float *run_reference(const char *dir, int n) {
    char cmd[512], path[256];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/ref/mini_ref.py %s " DIR, dir);
    if (system(cmd) != 0) return NULL;
    snprintf(path, sizeof path, DIR "/logits.f32");
    char *data = NULL;
    size_t size = 0;
    Error err = {0};
    if (file_read_all(path, 1 << 28, &data, &size, &err) != 0 || size != (size_t)n * sizeof(float)) {
        mem_free(data);
        return NULL;
    }
    return (float *)data;
}

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

/* One-shot and KV-cached inference logits of `s` against the reference. */
static void compare_model(const char *dir, const MiniSeq *s, const float *gpt_logits) {
    MiniModel *m = NULL;
    Error err = {0};
    CHECKF(mini_load(&m, dir, 1, &err) == 0, "load %s: %s", dir, err.message);
    if (!m) return;
    int V = mini_config(m)->vocab, n = s->len;
    CHECK(write_input(DIR, s) == 0);
    float *ref = run_reference(dir, n * V);
    CHECKF(ref != NULL, "tests/ref/mini_ref.py failed on %s", dir);
    float *one = mem_alloc((size_t)n * V * sizeof(float)), *inc = mem_alloc((size_t)n * V * sizeof(float));
    MiniState *st = NULL;
    CHECK(mini_state_new(&st, m, &err) == 0);
    if (ref && one && inc && st) {
        double scale, d;
        CHECK(mini_feed(m, st, s->tokens, s->segments, n, s->prefix, s->image_start, one, NULL, &err) == 0);
        d = max_diff(one, ref, (size_t)n * V, &scale);
        CHECKF(d <= 1e-3, "%s one-shot: max |diff| %.3g (max |logit| %.3g)", dir, d, scale);
        printf("  %s: one-shot max |diff| %.2e, max |logit| %.2f\n", dir, d, scale);
        /* KV cache: the prefix in one call, then one token a call */
        mini_state_reset(st);
        CHECK(mini_feed(m, st, s->tokens, s->segments, s->prefix, s->prefix, s->image_start, inc, NULL, &err) == 0);
        for (int t = s->prefix; t < n; t++)
            CHECK(mini_feed(m, st, s->tokens + t, s->segments + t, 1, s->prefix, -1, NULL, inc + (size_t)t * V,
                            &err) == 0);
        d = max_diff(inc, ref, (size_t)n * V, &scale);
        CHECKF(d <= 1e-3, "%s KV cache: max |diff| %.3g", dir, d);
        if (gpt_logits) {
            d = max_diff(gpt_logits, ref, (size_t)n * V, &scale);
            CHECKF(d <= 1e-3, "%s training engine: max |diff| %.3g", dir, d);
        }
    }
    mem_free(ref);
    mem_free(one);
    mem_free(inc);
    mini_state_free(st);
    mini_free(m);
}

TEST(forward_matches_pytorch_random_model) {
    Tokenizer *tok = make_tokenizer(DIR "/tok.json");
    if (!tok) return;
    MiniVocab v;
    make_vocab(tok, &v);
    Error err = {0};
    Gpt *g = tiny_mini_gpt(&v, 64, 7, 0.3f, 0.25f, &err);
    CHECKF(g != NULL, "%s", err.message);
    if (!g) {
        tok_free(tok);
        return;
    }
    CHECKF(mini_export(g, v.n_text, v.n_codes, DIR "/tok.json", DIR "/random", 0, &err) == 0, "%s", err.message);
    /* an i2t sequence: image (2-D positions), bidirectional prefix, causal caption */
    int tokens[96], targets[96], segments[96], codes[64];
    for (int i = 0; i < 64; i++) codes[i] = (i * 7) % v.n_codes;
    TokIds ids = {0};
    CHECK(tok_encode(tok, "a red apple", 11, &ids, &err) == 0);
    MiniSeq s = {tokens, targets, segments, 96, 0, 0, -1};
    CHECK(mini_seq_i2t(&v, &s, codes, MINI_LANG_EN, ids.ids, (int)ids.n, &err) == 0);
    GptBatch gb = {tokens, NULL, &s.prefix, &s.image_start, segments};
    CHECK(gpt_forward(g, &gb, 1, s.len, &err) == 0);
    compare_model(DIR "/random", &s, gpt_logits(g));
    /* the same through BF16 export is read back (the reference reads BF16 too) */
    CHECK(mini_export(g, v.n_text, v.n_codes, DIR "/tok.json", DIR "/random-bf16", 1, &err) == 0);
    compare_model(DIR "/random-bf16", &s, NULL);
    tok_ids_free(&ids);
    gpt_free(g);
    tok_free(tok);
}

TEST(forward_matches_pytorch_shipped_model) {
    if (!file_exists("models/exaone-mini/model.safetensors")) SKIP("models/exaone-mini not trained yet");
    MiniModel *m = NULL;
    Error err = {0};
    CHECKF(mini_load(&m, "models/exaone-mini", 1, &err) == 0, "%s", err.message);
    if (!m) return;
    int tokens[128], targets[128], segments[128];
    int cap = mini_config(m)->max_seq < 128 ? mini_config(m)->max_seq : 128;
    MiniSeq s = {tokens, targets, segments, cap, 0, 0, -1};
    TokIds ids = {0};
    CHECK(tok_encode(mini_tokenizer(m), "a red apple", 11, &ids, &err) == 0);
    CHECK(mini_seq_translate(mini_vocab(m), &s, MINI_LANG_EN, ids.ids, (int)ids.n, MINI_LANG_KO, ids.ids,
                             (int)ids.n, &err) == 0);
    /* and an image sequence, where the 2-D positions and the image segments
     * come in: i2t (bidirectional image prefix, causal caption) */
    int i2t_tokens[128], i2t_targets[128], i2t_segments[128], codes[64];
    for (int i = 0; i < 64; i++) codes[i] = (i * 37 + 11) % mini_vocab(m)->n_codes;
    MiniSeq image = {i2t_tokens, i2t_targets, i2t_segments, cap, 0, 0, -1};
    CHECK(mini_seq_i2t(mini_vocab(m), &image, codes, MINI_LANG_EN, ids.ids, (int)ids.n, &err) == 0);
    mini_free(m);
    compare_model("models/exaone-mini", &s, NULL);
    compare_model("models/exaone-mini", &image, NULL);
    tok_ids_free(&ids);
}

TEST(draw_is_reproducible) {
    MiniModel *m = NULL;
    Error err = {0};
    NEED_RANDOM_MODEL(m, err);
    int a[64], b[64], c[64];
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    o.seed = 5;
    CHECK(mini_draw(m, "a red apple", &o, a, &err) == 0);
    CHECK(mini_draw(m, "a red apple", &o, b, &err) == 0);
    o.seed = 6;
    CHECK(mini_draw(m, "a red apple", &o, c, &err) == 0);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
    for (int i = 0; i < 64; i++) CHECK(a[i] >= 0 && a[i] < mini_vocab(m)->n_codes);
    double good;
    CHECK(mini_score(m, a, "a red apple", &good, &err) == 0 && good < 0);
    /* pixels: a random VQ decoder in the model folder; the same codes give the
     * same PNG bytes, metadata included */
    VqConfig vc;
    vq_config_default(&vc);
    vc.n_embed = mini_vocab(m)->n_codes;
    VqModel *vq = NULL;
    CHECKF(vq_new(&vq, &vc, NULL, &err) == 0, "%s", err.message);
    if (!vq) {
        mini_free(m);
        return;
    }
    vq_init_random(vq, 3);
    CHECKF(vq_save(vq, DIR "/random/vq.safetensors", NULL, NULL, 0, &err) == 0, "%s", err.message);
    vq_free(vq);
    const char *meta[] = {"prompt", "빨간 사과", "seed", "5", NULL};
    CHECKF(mini_image_decode(DIR "/random", a, 1, 8, 8, DIR "/a.png", meta, &err) == 0, "%s", err.message);
    CHECK(mini_image_decode(DIR "/random", b, 1, 8, 8, DIR "/b.png", meta, &err) == 0);
    CHECK(mini_image_decode(DIR "/random", c, 1, 8, 8, DIR "/c.png", meta, &err) == 0);
    char *pa = NULL, *pb = NULL, *pc = NULL;
    size_t na = 0, nb = 0, nc = 0;
    CHECK(file_read_all(DIR "/a.png", 1 << 20, &pa, &na, &err) == 0);
    CHECK(file_read_all(DIR "/b.png", 1 << 20, &pb, &nb, &err) == 0);
    CHECK(file_read_all(DIR "/c.png", 1 << 20, &pc, &nc, &err) == 0);
    CHECK(pa && pb && na == nb && memcmp(pa, pb, na) == 0);
    CHECK(pa && pc && (na != nc || memcmp(pa, pc, na) != 0));
    CHECK(pa && memmem(pa, na, "iTXtprompt", 10) != NULL);
    /* and back: the decoded image encodes to codes of the codebook */
    int back[64];
    CHECKF(mini_image_encode(DIR "/random", DIR "/a.png", back, 8, 8, &err) == 0, "%s", err.message);
    for (int i = 0; i < 64; i++) CHECK(back[i] >= 0 && back[i] < vc.n_embed);
    mem_free(pa);
    mem_free(pb);
    mem_free(pc);
    mini_free(m);
}

/* The batched ranking of many texts against one image (shared prefix cache,
 * one token per step for all) gives mini_score's numbers for each text,
 * whatever the lengths (0 tokens, and more texts than one batch holds). */
TEST(score_texts_matches_score) {
    MiniModel *m = NULL;
    Error err = {0};
    NEED_RANDOM_MODEL(m, err);
    static const char *names[] = {"a red apple", "a blue star", "빨간 사과", "", "star", "Open file",
                                  "이것은 빨간 사과입니다.", "a red apple a blue star"};
    enum { N_NAMES = 8, N = 40 };
    int codes[64];
    for (int i = 0; i < 64; i++) codes[i] = (i * 13 + 5) % mini_vocab(m)->n_codes;
    TokIds ids[N_NAMES] = {{0}};
    const int32_t *texts[N];
    int lens[N];
    double batched[N], pmi_want[N];
    for (int i = 0; i < N_NAMES; i++)
        CHECK(tok_encode(mini_tokenizer(m), names[i], strlen(names[i]), &ids[i], &err) == 0);
    for (int i = 0; i < N; i++) texts[i] = ids[i % N_NAMES].ids, lens[i] = (int)ids[i % N_NAMES].n;
    CHECKF(mini_score_texts(m, codes, MINI_LANG_EN, texts, lens, N, batched, &err) == 0, "%s", err.message);
    for (int i = 0; i < N; i++) {
        int tokens[96], targets[96], segments[96], count;
        double sum;
        MiniSeq s = {tokens, targets, segments, 96, 0, 0, -1};
        static const int32_t none[1] = {0}; /* an empty caption, not "no caption" */
        CHECK(mini_seq_i2t(mini_vocab(m), &s, codes, MINI_LANG_EN, texts[i] ? texts[i] : none, lens[i], &err) == 0);
        CHECK(mini_seq_logprob(m, &s, &sum, &count, &err) == 0 && count == lens[i] + 1);
        CHECKF(fabs(sum / count - batched[i]) < 1e-4, "text %d: one pass %.6f, batched %.6f", i, sum / count,
               batched[i]);
        pmi_want[i] = sum;
        CHECK(mini_seq_lm(mini_vocab(m), &s, MINI_LANG_EN, texts[i] ? texts[i] : none, lens[i], &err) == 0);
        CHECK(mini_seq_logprob(m, &s, &sum, &count, &err) == 0 && count == lens[i] + 1);
        pmi_want[i] -= sum;
    }
    /* the PMI ranking: log p(text | image) - log p(text) from the LM task */
    CHECKF(mini_score_texts_pmi(m, codes, MINI_LANG_EN, texts, lens, N, batched, &err) == 0, "%s", err.message);
    for (int i = 0; i < N; i++)
        CHECKF(fabs(pmi_want[i] - batched[i]) < 1e-3, "text %d: pmi one pass %.6f, batched %.6f", i, pmi_want[i],
               batched[i]);
    for (int i = 0; i < N_NAMES; i++) tok_ids_free(&ids[i]);
    mini_free(m);
}

/* Scoring many images under one prompt (the prompt's cache fed once, copied
 * per image) gives the sum of log p(code) that one pass over each whole t2i
 * sequence gives: mini_seq_logprob counts the codes and the final <eoi>, so
 * the <eoi> term is taken off with a feed of the full sequence. */
TEST(score_images_matches_one_pass) {
    MiniModel *m = NULL;
    Error err = {0};
    NEED_RANDOM_MODEL(m, err);
    const MiniVocab *v = mini_vocab(m);
    int V = mini_config(m)->vocab, G = v->grid_h * v->grid_w;
    enum { N = 3 };
    int codes[N * 64];
    CHECK(G == 64);
    for (int i = 0; i < N * 64; i++) codes[i] = (i * 29 + 7 * (i / 64)) % v->n_codes;
    TokIds ids = {0};
    CHECK(tok_encode(mini_tokenizer(m), "a red apple", 11, &ids, &err) == 0);
    double got[N], empty[N];
    CHECKF(mini_score_images(m, MINI_LANG_EN, ids.ids, (int)ids.n, codes, N, got, &err) == 0, "%s", err.message);
    CHECKF(mini_score_images(m, MINI_LANG_NONE, NULL, 0, codes, N, empty, &err) == 0, "%s", err.message);
    float *logits = mem_alloc((size_t)96 * V * sizeof(float));
    MiniState *st = NULL;
    CHECK(logits && mini_state_new(&st, m, &err) == 0);
    for (int i = 0; i < N && logits && st; i++)
        for (int with_text = 0; with_text < 2; with_text++) {
            int tokens[96], targets[96], segments[96], count;
            double sum;
            MiniSeq s = {tokens, targets, segments, 96, 0, 0, -1};
            CHECK(mini_seq_t2i(v, &s, with_text ? MINI_LANG_EN : MINI_LANG_NONE, with_text ? ids.ids : NULL,
                               with_text ? (int)ids.n : 0, codes + i * 64, &err) == 0);
            CHECK(mini_seq_logprob(m, &s, &sum, &count, &err) == 0 && count == G + 1);
            mini_state_reset(st);
            CHECK(mini_feed(m, st, tokens, segments, s.len, s.prefix, s.image_start, logits, NULL, &err) == 0);
            const float *last = logits + (size_t)(s.len - 2) * V; /* the last code's row predicts <eoi> */
            double mx = -1e30, z = 0;
            for (int k = 0; k < V; k++) mx = last[k] > mx ? last[k] : mx;
            for (int k = 0; k < V; k++) z += exp(last[k] - mx);
            double want = sum - (last[v->special[MINI_EOI]] - mx - log(z));
            double have = with_text ? got[i] : empty[i];
            CHECKF(fabs(want - have) < 1e-3, "image %d (%s prompt): one pass %.6f, cached %.6f", i,
                   with_text ? "text" : "empty", want, have);
        }
    /* different images get different scores (the test can tell them apart) */
    CHECK(fabs(got[0] - got[1]) > 1e-6);
    mini_state_free(st);
    mem_free(logits);
    tok_ids_free(&ids);
    mini_free(m);
}

/* Greedy decoding through the KV cache (beam 1) equals recomputing the whole
 * sequence from scratch at every step. */
TEST(kv_cached_greedy_matches_recompute) {
    MiniModel *m = NULL;
    Error err = {0};
    NEED_RANDOM_MODEL(m, err);
    const MiniVocab *v = mini_vocab(m);
    int V = mini_config(m)->vocab, steps = 8;
    char *fast = NULL;
    CHECK(mini_translate(m, "a red apple", MINI_LANG_KO, steps, 1, &fast, &err) == 0);
    int tokens[96], targets[96], segments[96];
    MiniSeq s = {tokens, targets, segments, 96, 0, 0, -1};
    TokIds src = {0}, gen = {0};
    CHECK(tok_encode(mini_tokenizer(m), "a red apple", 11, &src, &err) == 0);
    CHECK(mini_seq_translate(v, &s, MINI_LANG_EN, src.ids, (int)src.n, MINI_LANG_KO, NULL, 0, &err) == 0);
    float *logits = mem_alloc((size_t)96 * V * sizeof(float));
    MiniState *st = NULL;
    CHECK(mini_state_new(&st, m, &err) == 0);
    for (int i = 0; i < steps && logits && st; i++) {
        mini_state_reset(st);
        CHECK(mini_feed(m, st, tokens, segments, s.len, s.prefix, -1, logits, NULL, &err) == 0);
        const float *l = logits + (size_t)(s.len - 1) * V;
        int best = -1;
        for (int k = 0; k < v->n_text; k++) {
            int special = 0;
            for (int j = 0; j < MINI_N_SPECIAL; j++) special |= j != MINI_EOS && k == v->special[j];
            if (!special && (best < 0 || l[k] > l[best])) best = k;
        }
        if (best == v->special[MINI_EOS]) break;
        tok_ids_push(&gen, best);
        tokens[s.len] = best;
        segments[s.len] = MINI_SEG_TR_TGT;
        s.len++;
    }
    TokBytes slow = {0};
    CHECK(tok_decode(mini_tokenizer(m), gen.ids, gen.n, 1, &slow, &err) == 0);
    tok_bytes_append(&slow, "", 1);
    CHECKF(fast && slow.data && strcmp(fast, slow.data) == 0, "cached '%s' vs recomputed '%s'", fast, slow.data);
    char *wide = NULL;
    CHECK(mini_translate(m, "a red apple", MINI_LANG_KO, steps, 4, &wide, &err) == 0 && wide);
    mem_free(wide);
    mem_free(fast);
    mem_free(logits);
    tok_bytes_free(&slow);
    tok_ids_free(&src);
    tok_ids_free(&gen);
    mini_state_free(st);
    mini_free(m);
}

/* Every allocation of the loaders can fail: each one, in turn, must give a
 * clean error (and the run after it a working model). */
TEST(loaders_survive_allocation_failure) {
    if (!file_exists(DIR "/random/config.json")) SKIP("needs the random model of the forward test");
    Error err = {0};
    MiniModel *m = NULL;
    long total = 0;
    mem_fail_after(1000000000L); /* counts allocations without failing */
    CHECK(mini_load(&m, DIR "/random", 1, &err) == 0);
    total = mem_alloc_count();
    mini_free(m);
    mem_fail_after(0);
    int failures = 0;
    for (long n = 1; n <= total; n++) {
        m = NULL;
        mem_fail_after(n);
        int rc = mini_load(&m, DIR "/random", 1, &err);
        mem_fail_after(0);
        if (rc != 0) {
            failures++;
            CHECK(m == NULL && err.message[0]);
        } else {
            mini_free(m);
        }
    }
    CHECKF(failures > total / 2, "%d of %ld injected failures reported", failures, total);
    Tokenizer *tok = NULL;
    CHECK(tok_load(&tok, DIR "/tok.json", &err) == 0);
    if (!tok) return;
    MiniVocab v;
    make_vocab(tok, &v);
    /* image records only: tok_encode does not survive every allocation
     * failure yet (tokenizer.c frees its PCRE2 match data twice) */
    char images[2048];
    const char *line2 = strstr(corpus_text, "I\t1\t"), *line2_end = strchr(line2, '\n');
    snprintf(images, sizeof images, "I\t0\t%.*s\n%.*s\n", (int)(line2_end - line2 - 4), line2 + 4,
             (int)(line2_end - line2), line2);
    for (long n = 1; n <= 40; n++) {
        MiniCorpus *c = NULL;
        mem_fail_after(n);
        int rc = mini_corpus_parse(&c, images, strlen(images), "corpus", tok, &v, &err);
        mem_fail_after(0);
        CHECK(rc == 0 ? c != NULL && c->n_images == 2 : c == NULL);
        mini_corpus_free(c);
    }
    tok_free(tok);
}

static int run_training(const char *out, const char *export_dir, int64_t stop_after, int bf16_matmuls, Error *err) {
    MiniTrainOptions o;
    mini_train_defaults(&o);
    o.data_dir = DIR "/corpus";
    o.tokenizer = DIR "/tok.json";
    o.out_dir = out;
    o.export_dir = export_dir;
    o.d_model = 32;
    o.n_layers = 1;
    o.n_heads = 2;
    o.ffn = 64;
    o.B = 4;
    o.n_codes = 50;
    o.steps = 6;
    o.warmup = 2;
    o.log_every = 1;
    o.stop_after = stop_after;
    o.bf16_matmuls = bf16_matmuls;
    return mini_train(&o, err);
}

/* A run stopped and resumed from its checkpoint ends bit-identical to an
 * uninterrupted one: batches are a function of (seed, step), the optimizer
 * state is in the checkpoint. Returns the final checkpoint (NULL on failure). */
static char *check_resume(int bf16_matmuls, size_t *size) {
    Error err = {0};
    CHECK(system("rm -rf " DIR "/run-a " DIR "/run-b " DIR "/export-a") == 0);
    CHECKF(run_training(DIR "/run-a", DIR "/export-a", 0, bf16_matmuls, &err) == 0, "%s", err.message);
    /* the same run stopped at step 3, then resumed from its checkpoint */
    CHECKF(run_training(DIR "/run-b", NULL, 3, bf16_matmuls, &err) == 0, "%s", err.message);
    char *mid = NULL;
    size_t nmid = 0;
    CHECK(file_read_all(DIR "/run-b/ckpt.safetensors", 1 << 26, &mid, &nmid, &err) == 0);
    CHECKF(run_training(DIR "/run-b", NULL, 0, bf16_matmuls, &err) == 0, "%s", err.message);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CHECK(file_read_all(DIR "/run-a/ckpt.safetensors", 1 << 26, &a, &na, &err) == 0);
    CHECK(file_read_all(DIR "/run-b/ckpt.safetensors", 1 << 26, &b, &nb, &err) == 0);
    CHECKF(a && b && na == nb && memcmp(a, b, na) == 0, "bf16_matmuls %d: resumed run differs", bf16_matmuls);
    CHECK(a && mid && (na != nmid || memcmp(a, mid, na) != 0)); /* the resumed leg did train */
    CHECK(file_exists(DIR "/export-a/model.safetensors") && file_exists(DIR "/export-a/config.json"));
    mem_free(b);
    mem_free(mid);
    *size = na;
    return a;
}

/* Also with bf16 matmuls, which must then train differently from f32. */
TEST(resume_is_bit_identical) {
    Tokenizer *tok = make_tokenizer(DIR "/tok.json");
    if (!tok) return;
    tok_free(tok);
    Error err = {0};
    CHECK(system("rm -rf " DIR "/corpus && mkdir -p " DIR "/corpus") == 0);
    CHECK(file_write_atomic(DIR "/corpus/train.tsv", corpus_text, strlen(corpus_text), &err) == 0);
    size_t n_f32 = 0, n_bf16 = 0;
    char *f32 = check_resume(0, &n_f32), *bf16 = check_resume(1, &n_bf16);
    CHECK(f32 && bf16 && (n_f32 != n_bf16 || memcmp(f32, bf16, n_f32) != 0));
    mem_free(f32);
    mem_free(bf16);
}

int main(void) {
    RUN(config_parser_checks_norm_eps_as_float);
    RUN(sampler_keeps_the_top_candidates_ties_by_index);
    RUN(data_loader_masks_targets_segments);
    RUN(data_loader_rejects_bad_lines);
    RUN(balanced_sampling_draws_families_evenly);
    RUN(forward_matches_pytorch_random_model);
    RUN(forward_matches_pytorch_shipped_model);
    RUN(draw_is_reproducible);
    RUN(score_texts_matches_score);
    RUN(score_images_matches_one_pass);
    RUN(kv_cached_greedy_matches_recompute);
    RUN(loaders_survive_allocation_failure);
    RUN(resume_is_bit_identical);
    return harness_finish();
}
