/* exaone mini-eval — EXAONE-mini's held-out numbers: per-task loss,
 * retrieval in both directions, caption exact match, translation chrF. */
#include "../core/mem.h"
#include "../core/progress.h"
#include "../train/mini_data.h"
#include "args.h"
#include "chrf.h"
#include "commands.h"
#include "mini_cli.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone mini-eval [-m MODEL] [-n N] CORPUS.tsv\n\n"
    "Evaluates EXAONE-mini on an encoded corpus (normally the held-out test.tsv of\n"
    "tools/train-mini) and prints one line per metric:\n"
    "  loss.TASK           teacher-forced cross-entropy (nats/token) of the generated part\n"
    "  i2t_top1.LANG       an image's own label ranked first among 10 labels by log p(text | image)\n"
    "  t2i_top1.LANG       a label's own image ranked first among 10 images by log p(image | text)\n"
    "  caption_exact.LANG  beam-4 caption equals the label\n"
    "  chrf.SRC-TGT        chrF2 (character 1-4-gram F-score, x100) of beam-4 translations\n"
    "  draw_top1.LANG      a drawing of a label (seed = item number) is described best by that\n"
    "                      label among 10, by log p(label | drawing): the model judging itself\n"
    "Chance for the top-1 metrics is 0.10. The acceptance metrics of the test split:\n"
    "exaone mini-eval --full --help (tools/eval-mini).\n\n"
    "options:\n"
    "  -n N              items / pairs / texts to use per metric (default 100)\n"
    "  --draws N         drawings for draw_top1 (default 30)\n"
    "  --cfg X           guidance scale of those drawings (default 3)\n"
    "  --losses-only     stop after the losses (e.g. to compare F32 and BF16 weights)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

/* ---------------------------------------------------------------- helpers */

typedef struct {
    MiniModel *m;
    const MiniCorpus *c;
    int *tokens, *targets, *segments;
    MiniSeq seq;
    Error err;
} Eval;

static const int *item_codes(const Eval *e, int item) {
    return e->c->codes + (size_t)e->c->item_first[item] * (size_t)(e->c->vocab.grid_h * e->c->vocab.grid_w);
}

/* The first caption of each language is the label (tools/mini-corpus.py). */
static int label_of(const MiniCorpus *c, int item, int lang) {
    for (int i = 0; i < c->n_captions; i++)
        if (c->captions[i].item == item && c->captions[i].lang == lang) return i;
    return -1;
}

static char *decode(const Eval *e, const int32_t *ids, int n) {
    TokBytes out = {0};
    Error err = {0};
    if (tok_decode(mini_tokenizer(e->m), ids, (size_t)n, 1, &out, &err) || tok_bytes_append(&out, "", 1)) {
        tok_bytes_free(&out);
        return NULL;
    }
    return out.data;
}

/* Mean log-probability of the generated part of e->seq. */
static int seq_mean(Eval *e, double *mean) {
    double sum;
    int n;
    if (mini_seq_logprob(e->m, &e->seq, &sum, &n, &e->err) != 0) return -1;
    *mean = n ? sum / n : 0;
    return 0;
}

int cmd_mini_eval(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--full") == 0) return cmd_mini_eval_full(argc, argv);
    Args args;
    args_init(&args, argc, argv, "exaone mini-eval");
    const char *model = NULL, *corpus = NULL;
    int64_t N = 100, threads = 1, draws = 30;
    double cfg = 3;
    int losses_only = 0;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_int(&args, "-n", NULL, 1, 1000000, &N)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (args_int(&args, NULL, "--draws", 0, 100000, &draws)) continue;
        if (args_float(&args, NULL, "--cfg", 0, 100, &cfg)) continue;
        if (args_flag(&args, NULL, "--losses-only")) { losses_only = 1; continue; }
        if (!corpus && args_positional(&args, &corpus)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!corpus) {
        fprintf(stderr, "exaone mini-eval: missing CORPUS.tsv (see --help)\n");
        return 2;
    }
    Eval e = {0};
    e.m = mini_cli_open("exaone mini-eval", model, (int)threads, NULL, 0, NULL);
    if (!e.m) return 1;
    const MiniVocab *v = mini_vocab(e.m);
    MiniCorpus *c = NULL;
    int S = mini_config(e.m)->max_seq, rc = 1;
    e.tokens = mem_alloc((size_t)S * sizeof(int));
    e.targets = mem_alloc((size_t)S * sizeof(int));
    e.segments = mem_alloc((size_t)S * sizeof(int));
    e.seq = (MiniSeq){e.tokens, e.targets, e.segments, S, 0, 0, -1};
    if (!e.tokens || !e.targets || !e.segments ||
        mini_corpus_load(&c, corpus, mini_tokenizer(e.m), v, &e.err) != 0)
        goto fail;
    e.c = c;
    double t0 = time_seconds();
    /* items with an image and both labels */
    int *items = mem_alloc(((size_t)c->n_items + 1) * sizeof(int)), n_items = 0;
    if (!items) goto fail;
    for (int i = 0; i < c->n_items; i++)
        if (c->item_count[i] > 0 && label_of(c, i, MINI_LANG_EN) >= 0 && label_of(c, i, MINI_LANG_KO) >= 0)
            items[n_items++] = i;
    int use = n_items < N ? n_items : (int)N;
    printf("items        %d of %d with an image and both labels (using %d)\n", n_items, c->n_items, use);
    const int32_t *ids = c->ids.ids;
    /* losses */
    double loss[MINI_N_TASKS] = {0};
    int count[MINI_N_TASKS] = {0};
    for (int k = 0; k < use; k++) {
        const MiniText *t = &c->captions[label_of(c, items[k], k % 2 ? MINI_LANG_KO : MINI_LANG_EN)];
        double mean;
        if (mini_seq_t2i(v, &e.seq, t->lang, ids + t->off, t->n, item_codes(&e, items[k]), &e.err) || seq_mean(&e, &mean))
            goto fail_items;
        loss[MINI_TASK_T2I] -= mean, count[MINI_TASK_T2I]++;
        if (mini_seq_i2t(v, &e.seq, item_codes(&e, items[k]), t->lang, ids + t->off, t->n, &e.err) || seq_mean(&e, &mean))
            goto fail_items;
        loss[MINI_TASK_I2T] -= mean, count[MINI_TASK_I2T]++;
    }
    for (int k = 0; k < c->n_pairs && k < N; k++) {
        const MiniPair *p = &c->pairs[k];
        double mean;
        int to_en = k % 2;
        if (mini_seq_translate(v, &e.seq, to_en ? MINI_LANG_KO : MINI_LANG_EN, ids + (to_en ? p->tgt_off : p->src_off),
                               to_en ? p->n_tgt : p->n_src, to_en ? MINI_LANG_EN : MINI_LANG_KO,
                               ids + (to_en ? p->src_off : p->tgt_off), to_en ? p->n_src : p->n_tgt, &e.err) ||
            seq_mean(&e, &mean))
            goto fail_items;
        loss[MINI_TASK_TRANSLATE] -= mean, count[MINI_TASK_TRANSLATE]++;
    }
    for (int k = 0; k < c->n_texts && k < N; k++) {
        const MiniText *t = &c->texts[k];
        double mean;
        if (t->n + 3 > S) continue;
        if (mini_seq_lm(v, &e.seq, t->lang, ids + t->off, t->n, &e.err) || seq_mean(&e, &mean)) goto fail_items;
        loss[MINI_TASK_LM] -= mean, count[MINI_TASK_LM]++;
    }
    static const char *task_names[MINI_N_TASKS] = {"t2i", "i2t", "translate", "lm"};
    for (int k = 0; k < MINI_N_TASKS; k++)
        if (count[k]) printf("loss.%-9s %.4f  (%d sequences)\n", task_names[k], loss[k] / count[k], count[k]);
    fflush(stdout);
    if (losses_only) {
        rc = 0;
        goto fail_items;
    }
    /* retrieval among 10, both directions, both languages */
    for (int lang = 0; lang < 2; lang++) {
        int hit_i2t = 0, hit_t2i = 0, n = 0;
        for (int k = 0; k < use && n_items >= 10; k++, n++) {
            double best_i2t = -1e30, best_t2i = -1e30;
            int arg_i2t = -1, arg_t2i = -1;
            for (int j = 0; j < 10; j++) {
                int other = items[(k + j) % n_items];
                const MiniText *t = &c->captions[label_of(c, other, lang)];
                const MiniText *own = &c->captions[label_of(c, items[k], lang)];
                double a, b;
                /* i2t: own image, candidate label */
                if (mini_seq_i2t(v, &e.seq, item_codes(&e, items[k]), lang, ids + t->off, t->n, &e.err) ||
                    seq_mean(&e, &a))
                    goto fail_items;
                /* t2i: own label, candidate image */
                if (mini_seq_t2i(v, &e.seq, lang, ids + own->off, own->n, item_codes(&e, other), &e.err) ||
                    seq_mean(&e, &b))
                    goto fail_items;
                if (a > best_i2t) best_i2t = a, arg_i2t = j;
                if (b > best_t2i) best_t2i = b, arg_t2i = j;
            }
            hit_i2t += arg_i2t == 0;
            hit_t2i += arg_t2i == 0;
        }
        const char *ln = lang == MINI_LANG_KO ? "ko" : "en";
        if (n) printf("i2t_top1.%s  %.3f  (%d images, 10 labels each)\n", ln, (double)hit_i2t / n, n);
        if (n) printf("t2i_top1.%s  %.3f  (%d labels, 10 images each)\n", ln, (double)hit_t2i / n, n);
        fflush(stdout);
    }
    /* drawings judged by the model itself */
    for (int lang = 0; lang < 2 && n_items >= 10; lang++) {
        int hit = 0, n = 0, G = v->grid_h * v->grid_w;
        int *drawn = mem_alloc((size_t)G * sizeof(int));
        MiniDrawOptions o;
        mini_draw_defaults(&o);
        o.cfg = (float)cfg;
        for (int k = 0; drawn && k < draws && k < n_items; k++, n++) {
            const MiniText *own = &c->captions[label_of(c, items[k], lang)];
            char *prompt = decode(&e, ids + own->off, own->n);
            o.seed = (uint64_t)k;
            int bad = !prompt || mini_draw(e.m, prompt, &o, drawn, &e.err);
            mem_free(prompt);
            if (bad) {
                mem_free(drawn);
                goto fail_items;
            }
            double best = -1e30;
            int arg = -1;
            for (int j = 0; j < 10; j++) {
                const MiniText *t = &c->captions[label_of(c, items[(k + j) % n_items], lang)];
                double a;
                if (mini_seq_i2t(v, &e.seq, drawn, lang, ids + t->off, t->n, &e.err) || seq_mean(&e, &a)) {
                    mem_free(drawn);
                    goto fail_items;
                }
                if (a > best) best = a, arg = j;
            }
            hit += arg == 0;
        }
        mem_free(drawn);
        if (n) printf("draw_top1.%s %.3f  (%d drawings, cfg %g, 10 labels each)\n", lang == MINI_LANG_KO ? "ko" : "en",
                      (double)hit / n, n, cfg);
        fflush(stdout);
    }
    /* captions */
    for (int lang = 0; lang < 2; lang++) {
        int exact = 0, n = 0;
        for (int k = 0; k < use; k++, n++) {
            const MiniText *t = &c->captions[label_of(c, items[k], lang)];
            char *hyp = NULL, *ref = decode(&e, ids + t->off, t->n);
            if (!ref || mini_caption(e.m, item_codes(&e, items[k]), lang, 24, 4, &hyp, &e.err)) {
                mem_free(ref);
                goto fail_items;
            }
            exact += strcmp(hyp, ref) == 0;
            if (k < 3) printf("  caption.%s  \"%s\"  (label \"%s\")\n", lang == MINI_LANG_KO ? "ko" : "en", hyp, ref);
            mem_free(hyp);
            mem_free(ref);
        }
        printf("caption_exact.%s %.3f  (%d images)\n", lang == MINI_LANG_KO ? "ko" : "en", n ? (double)exact / n : 0, n);
        fflush(stdout);
    }
    /* translation */
    for (int dir = 0; dir < 2; dir++) {
        double sum = 0;
        int n = 0, exact = 0;
        for (int k = 0; k < c->n_pairs && n < N; k++, n++) {
            const MiniPair *p = &c->pairs[k];
            char *src = decode(&e, ids + (dir ? p->tgt_off : p->src_off), dir ? p->n_tgt : p->n_src);
            char *ref = decode(&e, ids + (dir ? p->src_off : p->tgt_off), dir ? p->n_src : p->n_tgt);
            char *hyp = NULL;
            int bad = !src || !ref || mini_translate(e.m, src, dir ? MINI_LANG_EN : MINI_LANG_KO, 48, 4, &hyp, &e.err);
            if (!bad) {
                sum += chrf(hyp, ref);
                exact += strcmp(hyp, ref) == 0;
                if (k < 3) printf("  %s  \"%s\" -> \"%s\"  (reference \"%s\")\n", dir ? "ko-en" : "en-ko", src, hyp, ref);
            }
            mem_free(src);
            mem_free(ref);
            mem_free(hyp);
            if (bad) goto fail_items;
        }
        if (n) printf("chrf.%s   %.1f  (exact %.3f, %d pairs)\n", dir ? "ko-en" : "en-ko", sum / n, (double)exact / n, n);
        fflush(stdout);
    }
    printf("seconds      %.1f\n", time_seconds() - t0);
    rc = 0;
fail_items:
    mem_free(items);
    if (rc) goto fail;
    goto done;
fail:
    fprintf(stderr, "exaone mini-eval: %s\n", e.err.message);
done:
    mini_corpus_free(c);
    mem_free(e.tokens);
    mem_free(e.targets);
    mem_free(e.segments);
    mini_free(e.m);
    return rc;
}
