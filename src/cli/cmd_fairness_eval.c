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
#include "cluster_bootstrap.h"
#include "mini_cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone fairness-eval [--data DIR] [-m MODEL] [--seed S] [--beam N] [--distractors N] [-o PREFIX]\n\n"
    "Measures EXAONE-mini on every test-split emoji image of the prepared dataset that has a\n"
    "skin-tone or gender form, per group and language (KO, EN):\n"
    "  caption exact   the beam caption equals the label (e.g. \"raised hand: light skin tone\")\n"
    "  chrF            chrF2 of that caption against the label (0-100)\n"
    "  base chrF       chrF2 of the caption against the default form's label (\"raised hand\"): the\n"
    "                  same reference for all six tone forms of an emoji, so tone groups are\n"
    "                  compared on recognising the same thing, not on how long their labels are\n"
    "  t2i top-1       the label ranks its own image first among 1 + N (N random other test\n"
    "                  images) by log p(image | label); chance 1/(1+N)\n"
    "Groups: skin tone none (the default yellow form of an emoji that has tone variants: the\n"
    "same base emoji as the tone groups), U+1F3FB..U+1F3FF (one modifier; mixed pairs are left\n"
    "out); gender man / woman (the dataset's gender column) and person (no gender, \"person\"\n"
    "in the English label). Each number has a 95 % interval from a cluster bootstrap over base\n"
    "emoji (all forms and styles of one base are resampled together, so tone groups, which\n"
    "share their bases, are compared paired; gender forms mostly are different bases).\n"
    "Prints a markdown table and the largest gap between groups per attribute, language and\n"
    "metric (in points, with the interval of that difference), and writes PREFIX.md (the\n"
    "same) and PREFIX.png (a bar chart).\n\n"
    "options:\n"
    "  --data DIR        prepared dataset (default $EXAONE_CACHE/dataset or ~/.cache/exaone/dataset)\n"
    "  --seed S          choice of the retrieval distractors and of the bootstrap (default 0)\n"
    "  --beam N          caption beam width (default 4)\n"
    "  --distractors N   other images per t2i ranking (default 9; 0: no t2i column)\n"
    "  -n N              take an image only while one of its groups has fewer than N (default all)\n"
    "  -o PREFIX         output files (default fairness: fairness.md, fairness.png)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

enum { ATTR_TONE, ATTR_GENDER, N_ATTRS };
enum { MAX_GROUPS = 6, N_METRICS = 4, BOOT_REPS = 1000 };
enum { M_EXACT, M_CHRF, M_BASE_CHRF, M_T2I };
static const char *const attr_names[N_ATTRS] = {"skin tone", "gender"};
static const int attr_groups[N_ATTRS] = {6, 3};
static const char *const group_names[N_ATTRS][MAX_GROUPS] = {
    {"none", "U+1F3FB light", "U+1F3FC medium-light", "U+1F3FD medium", "U+1F3FE medium-dark", "U+1F3FF dark"},
    {"man", "woman", "person"}};
static const char *const group_short[N_ATTRS][MAX_GROUPS] = {{"NONE", "1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"},
                                                             {"MAN", "WOMAN", "PERSON"}};
static const char *const metric_names[N_METRICS] = {"caption exact", "chrF", "base chrF", "t2i top-1"};

/* One measured image: its groups, its base emoji (the bootstrap's cluster)
 * and the metrics per language (chrF as a fraction). */
typedef struct {
    int group[N_ATTRS], base;
    double metric[2][N_METRICS];
} Case;

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

/* Appends printf-style text to a growing buffer; -1 when out of memory. */
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0) return -1;
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return 0;
        }
        char *bigger = mem_realloc(*buf, *cap * 2 + (size_t)n);
        if (!bigger) return -1;
        *buf = bigger;
        *cap = *cap * 2 + (size_t)n;
    }
}

/* The bootstrap of one attribute, language and metric over the cases. */
static int boot(ClusterBoot *b, const Case *cases, int n, int a, int lang, int k, uint64_t seed, Error *err) {
    double *value = mem_alloc(((size_t)n + 1) * sizeof(double));
    int *group = mem_alloc(((size_t)n + 1) * sizeof(int)), *cluster = mem_alloc(((size_t)n + 1) * sizeof(int));
    int rc = value && group && cluster ? 0 : error_set(err, "out of memory");
    for (int i = 0; !rc && i < n; i++) {
        value[i] = cases[i].metric[lang][k];
        group[i] = cases[i].group[a];
        cluster[i] = cases[i].base;
    }
    if (!rc) rc = cluster_boot_run(b, value, group, cluster, n, attr_groups[a], BOOT_REPS, seed, err);
    mem_free(value);
    mem_free(group);
    mem_free(cluster);
    return rc;
}

static int write_outputs(const Case *cases, int n, int with_t2i, uint64_t seed, const char *prefix, Error *err) {
    char path[1100];
    size_t cap = 1 << 15, len = 0;
    char *md = mem_alloc(cap);
    double values[2 * 9 * N_METRICS];
    const char *labels[2 * 9];
    char label_buf[2 * 9][16];
    int n_bars = 0, n_metrics = with_t2i ? N_METRICS : N_METRICS - 1, bad = !md;
    ClusterBoot b[N_ATTRS][2][N_METRICS];
    memset(b, 0, sizeof b);
    for (int a = 0; a < N_ATTRS && !bad; a++)
        for (int lang = 0; lang < 2 && !bad; lang++)
            for (int k = 0; k < n_metrics && !bad; k++)
                bad = boot(&b[a][lang][k], cases, n, a, lang, k, seed + 1 + (uint64_t)k, err) != 0;
    bad = bad || append(&md, &len, &cap, "| attribute | group | lang | images | bases |");
    for (int k = 0; k < n_metrics && !bad; k++) bad = append(&md, &len, &cap, " %s [95%% CI] |", metric_names[k]);
    bad = bad || append(&md, &len, &cap, "\n|---|---|---|---:|---:|");
    for (int k = 0; k < n_metrics && !bad; k++) bad = append(&md, &len, &cap, "---:|");
    bad = bad || append(&md, &len, &cap, "\n");
    for (int a = 0; a < N_ATTRS && !bad; a++)
        for (int lang = 1; lang >= 0 && !bad; lang--)
            for (int g = 0; g < attr_groups[a] && !bad; g++) {
                int images = 0, bases = 0;
                double sum[N_METRICS] = {0};
                for (int i = 0; i < n; i++) {
                    if (cases[i].group[a] != g) continue;
                    int seen = 0;
                    for (int j = 0; j < i && !seen; j++) seen = cases[j].group[a] == g && cases[j].base == cases[i].base;
                    bases += !seen;
                    images++;
                    for (int k = 0; k < N_METRICS; k++) sum[k] += cases[i].metric[lang][k];
                }
                bad = append(&md, &len, &cap, "| %s | %s | %s | %d | %d |", attr_names[a], group_names[a][g],
                             lang == MINI_LANG_KO ? "ko" : "en", images, bases);
                snprintf(label_buf[n_bars], sizeof label_buf[n_bars], "%s-%s", lang == MINI_LANG_KO ? "KO" : "EN",
                         group_short[a][g]);
                labels[n_bars] = label_buf[n_bars];
                for (int k = 0; k < n_metrics && !bad; k++) {
                    double lo, hi, scale = k == M_CHRF || k == M_BASE_CHRF ? 100 : 1, mean = images ? sum[k] / images : 0;
                    cluster_boot_interval(&b[a][lang][k], g, -1, 0.95, &lo, &hi);
                    bad = append(&md, &len, &cap, k == M_CHRF || k == M_BASE_CHRF ? " %.1f [%.1f, %.1f] |" : " %.3f [%.3f, %.3f] |",
                                 scale * mean, scale * lo, scale * hi);
                    values[n_bars * n_metrics + k] = mean;
                }
                bad = bad || append(&md, &len, &cap, "\n");
                n_bars++;
            }
    bad = bad || append(&md, &len, &cap,
                        "\nLargest gap between groups (points, max - min over groups with images; in brackets the 95 %% "
                        "interval of that difference from the same bootstrap, paired where the groups share bases):\n\n");
    for (int a = 0; a < N_ATTRS && !bad; a++)
        for (int lang = 1; lang >= 0 && !bad; lang--)
            for (int k = 0; k < n_metrics && !bad; k++) {
                double lo = 1e9, hi = -1e9, sum[MAX_GROUPS] = {0};
                int cnt[MAX_GROUPS] = {0}, lo_g = -1, hi_g = -1;
                for (int i = 0; i < n; i++)
                    if (cases[i].group[a] >= 0) sum[cases[i].group[a]] += cases[i].metric[lang][k], cnt[cases[i].group[a]]++;
                for (int g = 0; g < attr_groups[a]; g++) {
                    if (!cnt[g]) continue;
                    double v = 100 * sum[g] / cnt[g];
                    if (v < lo) lo = v, lo_g = g;
                    if (v > hi) hi = v, hi_g = g;
                }
                if (lo_g < 0) continue;
                double dlo = 0, dhi = 0;
                if (hi_g != lo_g) cluster_boot_interval(&b[a][lang][k], hi_g, lo_g, 0.95, &dlo, &dhi);
                bad = append(&md, &len, &cap, "- %s, %s, %s: %.1f [%.1f, %.1f] (%s %.1f vs %s %.1f)\n", attr_names[a],
                             lang == MINI_LANG_KO ? "ko" : "en", metric_names[k], hi - lo, 100 * dlo, 100 * dhi,
                             group_names[a][hi_g], hi, group_names[a][lo_g], lo);
            }
    for (int a = 0; a < N_ATTRS; a++)
        for (int lang = 0; lang < 2; lang++)
            for (int k = 0; k < N_METRICS; k++) cluster_boot_free(&b[a][lang][k]);
    if (bad) {
        mem_free(md);
        return err->message[0] ? -1 : error_set(err, "out of memory");
    }
    fputs(md, stdout);
    snprintf(path, sizeof path, "%s.md", prefix);
    int rc = file_write_atomic(path, md, len, err);
    mem_free(md);
    snprintf(path, sizeof path, "%s.png", prefix);
    const char *series[N_METRICS] = {"CAPTION EXACT", "CHRF/100", "BASE CHRF/100", "T2I TOP-1"};
    if (!rc) rc = plot_bars_png(path, values, n_bars, n_metrics, labels, series, err);
    if (!rc) fprintf(stderr, "wrote %s.md and %s.png\n", prefix, prefix);
    return rc;
}

/* The label of the default (no tone) form of r's base in r's style, else r's own. */
static const char *base_label(const EmojiTable *t, const EmojiRow *r, int lang) {
    const EmojiRow *best = r;
    for (int i = 0; i < t->n && best == r; i++) {
        const EmojiRow *o = &t->rows[i];
        if (o->tone == EMOJI_TONE_NONE && strcmp(o->base, r->base) == 0 && strcmp(o->style, r->style) == 0 &&
            *o->en_label && *o->ko_label)
            best = o;
    }
    return lang == MINI_LANG_KO ? best->ko_label : best->en_label;
}

int cmd_fairness_eval(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone fairness-eval");
    const char *model = NULL, *data = NULL, *prefix = "fairness";
    int64_t seed = 0, beam = 4, threads = 1, per_group = 1 << 30, distractors = 9;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_value(&args, NULL, "--data", &data)) continue;
        if (args_value(&args, "-o", "--output", &prefix)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX / 2, &seed)) continue;
        if (args_int(&args, NULL, "--beam", 1, 16, &beam)) continue;
        if (args_int(&args, NULL, "--distractors", 0, 1000, &distractors)) continue;
        if (args_int(&args, "-n", NULL, 1, 1 << 30, &per_group)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    char dir[1024];
    EmojiEval ev;
    MiniModel *m = emoji_eval_open_with_model(&ev, "exaone fairness-eval", model, (int)threads, data, dir, sizeof dir);
    if (!m) return 1;
    Error err = {0};
    const EmojiTable *t = &ev.table;
    int G = ev.grid_h * ev.grid_w, S = mini_config(m)->max_seq, rc = 1, n_test = 0, n_cases = 0;
    int *test = mem_alloc(((size_t)t->n + 1) * sizeof(int)), *codes = mem_alloc(((size_t)t->n + 1) * G * sizeof(int));
    int *case_of = mem_alloc(((size_t)t->n + 1) * sizeof(int)), *seq_buf = mem_alloc((size_t)S * 3 * sizeof(int));
    Case *cases = mem_calloc((size_t)t->n + 1, sizeof(Case));
    TokIds ids = {0};
    if (!test || !codes || !case_of || !seq_buf || !cases) {
        error_set(&err, "out of memory");
        goto done;
    }
    MiniSeq seq = {seq_buf, seq_buf + S, seq_buf + 2 * S, S, 0, 0, -1};
    int taken[N_ATTRS][MAX_GROUPS] = {{0}}, n_bases = 0;
    for (int i = 0; i < t->n; i++) {
        const EmojiRow *r = &t->rows[i];
        if (r->split != SPLIT_TEST || !*r->en_label || !*r->ko_label) continue;
        int k = n_test++;
        test[k] = i;
        Case *c = &cases[n_cases];
        groups_of(t, r, c->group);
        int keep = 0;
        for (int a = 0; a < N_ATTRS; a++)
            if (c->group[a] >= 0 && taken[a][c->group[a]] < per_group) keep = 1, taken[a][c->group[a]]++;
        if (!keep) continue;
        c->base = -1; /* the index of the first kept case of the same base */
        for (int j = 0; j < n_cases && c->base < 0; j++)
            if (strcmp(t->rows[test[case_of[j]]].base, r->base) == 0) c->base = cases[j].base;
        if (c->base < 0) c->base = n_bases++;
        case_of[n_cases++] = k;
    }
    if (n_test < 1 + distractors || n_cases == 0) {
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
        int k = case_of[c];
        const EmojiRow *r = &t->rows[test[k]];
        const int *own = codes + (size_t)k * G;
        for (int lang = 0; lang < 2; lang++) {
            const char *label = lang == MINI_LANG_KO ? r->ko_label : r->en_label;
            char *hyp = NULL;
            if (mini_caption(m, own, lang, 32, (int)beam, &hyp, &err) != 0) goto done;
            double *metric = cases[c].metric[lang];
            metric[M_EXACT] = strcmp(hyp, label) == 0;
            metric[M_CHRF] = chrf(hyp, label) / 100;
            metric[M_BASE_CHRF] = chrf(hyp, base_label(t, r, lang)) / 100;
            mem_free(hyp);
            if (!distractors) continue;
            ids.n = 0;
            if (tok_encode(mini_tokenizer(m), label, strlen(label), &ids, &err) != 0) goto done;
            double best = 0;
            if (t2i_score(m, &seq, lang, &ids, own, &best, &err) != 0) goto done;
            Rng rng; /* the same distractors in both languages */
            rng_seed(&rng, (uint64_t)seed * 1000003u + (uint64_t)k);
            int wins = 1;
            for (int d = 0; d < distractors; d++) {
                int other;
                do other = (int)rng_below(&rng, (uint64_t)n_test);
                while (strcmp(t->rows[test[other]].item, r->item) == 0);
                double s;
                if (t2i_score(m, &seq, lang, &ids, codes + (size_t)other * G, &s, &err) != 0) goto done;
                if (s >= best) wins = 0; /* ties count against the label */
            }
            metric[M_T2I] = wins;
        }
        progress_update(&bar, c + 1, NULL);
    }
    progress_done(&bar);
    rc = write_outputs(cases, n_cases, distractors > 0, (uint64_t)seed, prefix, &err) ? 1 : 0;
done:
    if (rc) fprintf(stderr, "exaone fairness-eval: %s\n", err.message);
    tok_ids_free(&ids);
    mem_free(test);
    mem_free(codes);
    mem_free(case_of);
    mem_free(seq_buf);
    mem_free(cases);
    emoji_eval_close(&ev);
    mini_free(m);
    return rc;
}
