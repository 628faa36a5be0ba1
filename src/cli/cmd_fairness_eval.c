/* exaone fairness-eval — EXAONE-mini's caption accuracy and text -> image
 * retrieval on the test split, broken down by skin-tone modifier and by
 * gender form, in Korean and English: a table, the gaps, a bar chart. */
#include "../core/file.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../image/bars.h"
#include "../train/rng.h"
#include "args.h"
#include "commands.h"
#include "emoji_eval.h"
#include "chrf.h"
#include "mini_cli.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone fairness-eval [--data DIR] [-m MODEL] [--seed S] [--beam N] [-o PREFIX]\n\n"
    "Measures EXAONE-mini on every test-split emoji image of the prepared dataset that has a\n"
    "skin-tone or gender form, per group and language (KO, EN):\n"
    "  caption exact   the beam caption equals the label (e.g. \"raised hand: light skin tone\")\n"
    "  chrF            chrF2 of that caption against the label (0-100)\n"
    "  t2i top-1       the label ranks its own image first among 10 (9 random other test\n"
    "                  images) by log p(image | label); chance 0.10\n"
    "Groups: skin tone none (the default yellow form of an emoji that has tone variants),\n"
    "U+1F3FB..U+1F3FF (one modifier; mixed pairs are left out); gender man / woman (the\n"
    "dataset's gender column) and person (no gender, \"person\" in the English label).\n"
    "Prints a markdown table and the largest gap between groups per attribute, language and\n"
    "metric (in points), and writes PREFIX.md (the same) and PREFIX.png (a bar chart).\n\n"
    "options:\n"
    "  --data DIR        prepared dataset (default $EXAONE_CACHE/dataset or ~/.cache/exaone/dataset)\n"
    "  --seed S          choice of the retrieval distractors (default 0)\n"
    "  --beam N          caption beam width (default 4)\n"
    "  -n N              take an image only while one of its groups has fewer than N (default all)\n"
    "  -o PREFIX         output files (default fairness: fairness.md, fairness.png)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

enum { ATTR_TONE, ATTR_GENDER, N_ATTRS };
enum { MAX_GROUPS = 6, N_METRICS = 3 };
static const char *const attr_names[N_ATTRS] = {"skin tone", "gender"};
static const int attr_groups[N_ATTRS] = {6, 3};
static const char *const group_names[N_ATTRS][MAX_GROUPS] = {
    {"none", "U+1F3FB light", "U+1F3FC medium-light", "U+1F3FD medium", "U+1F3FE medium-dark", "U+1F3FF dark"},
    {"man", "woman", "person"}};
static const char *const group_short[N_ATTRS][MAX_GROUPS] = {{"NONE", "1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"},
                                                             {"MAN", "WOMAN", "PERSON"}};
static const char *const metric_names[N_METRICS] = {"caption exact", "chrF / 100", "t2i top-1"};

typedef struct {
    double sum[N_ATTRS][MAX_GROUPS][2][N_METRICS];
    int n[N_ATTRS][MAX_GROUPS][2];
} Tally;

/* The row's group per attribute, or -1. */
static void groups_of(const EmojiTable *t, const EmojiRow *r, int group[N_ATTRS]) {
    group[ATTR_TONE] = group[ATTR_GENDER] = -1;
    if (r->tone >= 1 && r->tone <= 5) {
        group[ATTR_TONE] = r->tone;
    } else if (r->tone == EMOJI_TONE_NONE) {
        for (int i = 0; i < t->n && group[ATTR_TONE] < 0; i++)
            if (t->rows[i].tone != EMOJI_TONE_NONE && strcmp(t->rows[i].base, r->base) == 0) group[ATTR_TONE] = 0;
    }
    if (r->gender == EMOJI_GENDER_MALE) group[ATTR_GENDER] = 0;
    else if (r->gender == EMOJI_GENDER_FEMALE) group[ATTR_GENDER] = 1;
    else if (r->gender == EMOJI_GENDER_NONE) {
        const char *p = strstr(r->en_label, "person");
        if (p && (p == r->en_label || p[-1] == ' ') && (p[6] == 0 || p[6] == ' ' || p[6] == ':')) group[ATTR_GENDER] = 2;
    }
}

/* Mean log p(codes | text) under t2i. */
static int t2i_score(MiniModel *m, MiniSeq *seq, int lang, const TokIds *ids, const int *codes, double *score,
                     Error *err) {
    double sum;
    int n;
    if (mini_seq_t2i(mini_vocab(m), seq, lang, ids->ids, (int)ids->n, codes, err) != 0 ||
        mini_seq_logprob(m, seq, &sum, &n, err) != 0)
        return -1;
    *score = n ? sum / n : 0;
    return 0;
}

static int write_outputs(const Tally *t, const char *prefix, Error *err) {
    char path[1100];
    size_t cap = 16384, len = 0;
    char *md = mem_alloc(cap);
    double values[2 * 9 * N_METRICS];
    const char *labels[2 * 9];
    char label_buf[2 * 9][16];
    int n_bars = 0;
    if (!md) return error_set(err, "out of memory");
    len += (size_t)snprintf(md + len, cap - len,
                            "| attribute | group | lang | images | caption exact | chrF | t2i top-1 (of 10) |\n"
                            "|---|---|---|---:|---:|---:|---:|\n");
    for (int a = 0; a < N_ATTRS; a++)
        for (int lang = 1; lang >= 0; lang--)
            for (int g = 0; g < attr_groups[a]; g++) {
                int n = t->n[a][g][lang];
                const double *s = t->sum[a][g][lang];
                len += (size_t)snprintf(md + len, cap - len, "| %s | %s | %s | %d | %.3f | %.1f | %.3f |\n",
                                        attr_names[a], group_names[a][g], lang == MINI_LANG_KO ? "ko" : "en", n,
                                        n ? s[0] / n : 0, n ? 100 * s[1] / n : 0, n ? s[2] / n : 0);
                snprintf(label_buf[n_bars], sizeof label_buf[n_bars], "%s-%s", lang == MINI_LANG_KO ? "KO" : "EN",
                         group_short[a][g]);
                labels[n_bars] = label_buf[n_bars];
                for (int k = 0; k < N_METRICS; k++) values[n_bars * N_METRICS + k] = n ? s[k] / n : 0;
                n_bars++;
            }
    len += (size_t)snprintf(md + len, cap - len, "\nLargest gap between groups (points, max - min over groups with images):\n\n");
    for (int a = 0; a < N_ATTRS; a++)
        for (int lang = 1; lang >= 0; lang--)
            for (int k = 0; k < N_METRICS; k++) {
                double lo = 1e9, hi = -1e9;
                int lo_g = -1, hi_g = -1;
                for (int g = 0; g < attr_groups[a]; g++) {
                    int n = t->n[a][g][lang];
                    if (!n) continue;
                    double v = 100 * t->sum[a][g][lang][k] / n;
                    if (v < lo) lo = v, lo_g = g;
                    if (v > hi) hi = v, hi_g = g;
                }
                if (lo_g < 0) continue;
                len += (size_t)snprintf(md + len, cap - len, "- %s, %s, %s: %.1f (%s %.1f vs %s %.1f)\n",
                                        attr_names[a], lang == MINI_LANG_KO ? "ko" : "en",
                                        k == 1 ? "chrF" : metric_names[k], hi - lo, group_names[a][hi_g], hi,
                                        group_names[a][lo_g], lo);
            }
    fputs(md, stdout);
    snprintf(path, sizeof path, "%s.md", prefix);
    int rc = file_write_atomic(path, md, len, err);
    mem_free(md);
    snprintf(path, sizeof path, "%s.png", prefix);
    const char *series[N_METRICS] = {"CAPTION EXACT", "CHRF/100", "T2I TOP-1"};
    if (!rc) rc = plot_bars_png(path, values, n_bars, N_METRICS, labels, series, err);
    if (!rc) fprintf(stderr, "wrote %s.md and %s.png\n", prefix, prefix);
    return rc;
}

int cmd_fairness_eval(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone fairness-eval");
    const char *model = NULL, *data = NULL, *prefix = "fairness";
    int64_t seed = 0, beam = 4, threads = 1, per_group = 1 << 30;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_value(&args, NULL, "--data", &data)) continue;
        if (args_value(&args, "-o", "--output", &prefix)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--beam", 1, 16, &beam)) continue;
        if (args_int(&args, "-n", NULL, 1, 1 << 30, &per_group)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    char dir[1024];
    MiniModel *m = mini_cli_open("exaone fairness-eval", model, (int)threads, dir, sizeof dir, NULL);
    if (!m) return 1;
    EmojiEval ev;
    if (emoji_eval_open(&ev, "exaone fairness-eval", data, dir, m) != 0) {
        mini_free(m);
        return 1;
    }
    Error err = {0};
    const EmojiTable *t = &ev.table;
    int G = ev.grid_h * ev.grid_w, S = mini_config(m)->max_seq, rc = 1, n_test = 0, n_cases = 0;
    int *test = mem_alloc(((size_t)t->n + 1) * sizeof(int)), *codes = mem_alloc(((size_t)t->n + 1) * G * sizeof(int));
    int *cases = mem_alloc(((size_t)t->n + 1) * sizeof(int)), (*group)[N_ATTRS] = mem_alloc(((size_t)t->n + 1) * sizeof *group);
    int *seq_buf = mem_alloc((size_t)S * 3 * sizeof(int));
    Tally *tally = mem_calloc(1, sizeof *tally);
    TokIds ids = {0};
    if (!test || !codes || !cases || !group || !seq_buf || !tally) {
        error_set(&err, "out of memory");
        goto done;
    }
    MiniSeq seq = {seq_buf, seq_buf + S, seq_buf + 2 * S, S, 0, 0, -1};
    int taken[N_ATTRS][MAX_GROUPS] = {{0}};
    for (int i = 0; i < t->n; i++) {
        const EmojiRow *r = &t->rows[i];
        if (r->split != SPLIT_TEST || !*r->en_label || !*r->ko_label) continue;
        int k = n_test++;
        test[k] = i;
        groups_of(t, r, group[k]);
        int keep = 0;
        for (int a = 0; a < N_ATTRS; a++)
            if (group[k][a] >= 0 && taken[a][group[k][a]] < per_group) keep = 1, taken[a][group[k][a]]++;
        if (keep) cases[n_cases++] = k;
    }
    if (n_test < 10 || n_cases == 0) {
        error_set(&err, "the test split has %d labelled images, %d with a tone or gender form: too few", n_test, n_cases);
        goto done;
    }
    for (int k = 0; k < n_test; k++) { /* every test image's codes: the distractors come from all of them */
        Image *img = emoji_eval_image(&ev, &t->rows[test[k]], &err);
        int bad = !img || emoji_eval_codes(&ev, img, codes + (size_t)k * G, &err);
        image_free(img);
        if (bad) goto done;
    }
    Progress bar;
    progress_begin(&bar, "fairness-eval", n_cases, "image");
    for (int c = 0; c < n_cases; c++) {
        int k = cases[c];
        const EmojiRow *r = &t->rows[test[k]];
        const int *own = codes + (size_t)k * G;
        for (int lang = 0; lang < 2; lang++) {
            const char *label = lang == MINI_LANG_KO ? r->ko_label : r->en_label;
            char *hyp = NULL;
            if (mini_caption(m, own, lang, 32, (int)beam, &hyp, &err) != 0) goto done;
            double metric[N_METRICS] = {strcmp(hyp, label) == 0, chrf(hyp, label) / 100, 0};
            mem_free(hyp);
            ids.n = 0;
            if (tok_encode(mini_tokenizer(m), label, strlen(label), &ids, &err) != 0) goto done;
            double best = 0;
            if (t2i_score(m, &seq, lang, &ids, own, &best, &err) != 0) goto done;
            Rng rng; /* the same 9 distractors in both languages */
            rng_seed(&rng, (uint64_t)seed * 1000003u + (uint64_t)k);
            int wins = 1;
            for (int d = 0; d < 9; d++) {
                int other;
                do other = (int)rng_below(&rng, (uint64_t)n_test);
                while (strcmp(t->rows[test[other]].item, r->item) == 0);
                double s;
                if (t2i_score(m, &seq, lang, &ids, codes + (size_t)other * G, &s, &err) != 0) goto done;
                if (s >= best) wins = 0; /* ties count against the label */
            }
            metric[2] = wins;
            for (int a = 0; a < N_ATTRS; a++) {
                int g = group[k][a];
                if (g < 0) continue;
                tally->n[a][g][lang]++;
                for (int q = 0; q < N_METRICS; q++) tally->sum[a][g][lang][q] += metric[q];
            }
        }
        progress_update(&bar, c + 1, NULL);
    }
    progress_done(&bar);
    rc = write_outputs(tally, prefix, &err) ? 1 : 0;
done:
    if (rc) fprintf(stderr, "exaone fairness-eval: %s\n", err.message);
    tok_ids_free(&ids);
    mem_free(test);
    mem_free(codes);
    mem_free(cases);
    mem_free(group);
    mem_free(seq_buf);
    mem_free(tally);
    emoji_eval_close(&ev);
    mini_free(m);
    return rc;
}
