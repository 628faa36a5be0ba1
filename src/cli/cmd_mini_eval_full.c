/* exaone mini-eval --full — EXAONE-mini's acceptance numbers (issue 8) on a
 * raw test split: VQ PSNR, caption accuracy among all test names, text->image
 * retrieval in pixel space, translation chrF.
 *
 * The split, its names and the retrieval judge are mini_split.h's (shared
 * with tools/eval-intent). */
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/vq.h"
#include "../train/vision/vq_train.h"
#include "args.h"
#include "chrf.h"
#include "commands.h"
#include "mini_cli.h"
#include "mini_split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: exaone mini-eval --full [-m MODEL] [-n N] [--pairs N] [--threads N] RAW.tsv\n\n"
    "EXAONE-mini's acceptance metrics on a raw split (image records name PNGs: the\n"
    "RAW/test.tsv of tools/train-mini, before `exaone mini-encode`). The images are\n"
    "encoded with the model folder's vq.safetensors. One line per metric:\n"
    "  vq_psnr_db            mean PSNR of the test images through the VQ (encode, decode)\n"
    "  caption_top1.LANG     an image's own item name is ranked first by mean log p(name | image)\n"
    "                        (exaone score) among the names of ALL test items (ties count as\n"
    "                        hits only for identical names); top-5 and chance in the details\n"
    "  t2i_top5.LANG         the item's name is drawn (seed = item number, cfg 3); the item is\n"
    "                        among the 5 items nearest to the drawing, an item's distance being\n"
    "                        the L2 distance of 16x16 RGB thumbnails to its nearest test image\n"
    "  chrf.SRC-TGT          chrF2 (x100) of beam-4 translations of the test pairs\n"
    "With --draw-scores, also the drawing direction as a judge (slow: names x images passes):\n"
    "  caption_top1_draw.LANG  names ranked by log p(image | name) (Bayes, uniform prior)\n"
    "  t2i_top5_score.LANG     items ranked by log p(image | name) - log p(image | empty prompt)\n\n"
    "options:\n"
    "  -n N              query items for captions and drawings (default all; spread evenly);\n"
    "                    the candidate names and images are always all of the split\n"
    "  --pairs N         translation pairs per direction (default all)\n"
    "  --seed S          added to the item number to seed each drawing (default 0)\n"
    "  --draw-scores     add the two drawing-direction metrics above\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

typedef struct {
    MiniModel *m; /* borrowed from the MiniSplitEval */
    VqModel *vq;
    MiniSplit *s;
    Error err;
} FullEval;

/* ---------------------------------------------------------------- metrics */

static const char *lang_name(int lang) { return lang == MINI_LANG_KO ? "ko" : "en"; }

static int caption_accuracy(FullEval *e, int use) {
    const MiniSplit *s = e->s;
    int n = s->n_items;
    const int32_t **texts = mem_alloc((size_t)n * sizeof *texts);
    int *lens = mem_alloc((size_t)n * sizeof(int));
    double *scores = mem_alloc((size_t)n * sizeof(double)), *prior = mem_alloc((size_t)n * sizeof(double));
    double *pmi = mem_alloc((size_t)n * sizeof(double));
    int rc = -1;
    if (!texts || !lens || !scores || !prior || !pmi) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    for (int lang = 0; lang < 2; lang++) {
        for (int j = 0; j < n; j++) {
            const MiniText *t = mini_split_name(s, j, lang);
            texts[j] = s->c->ids.ids + t->off;
            lens[j] = t->n;
        }
        /* two rankings from one pass: the mean log p(name | image) that `exaone
         * score` prints, and its PMI with the name's prior log p(name) (mini.h) */
        if (mini_score_sums(e->m, MINI_TASK_LM, NULL, lang, texts, lens, n, prior, &e->err)) goto done;
        int queries = 0, top1 = 0, top5 = 0, pmi_top1 = 0, pmi_top5 = 0;
        Progress bar;
        char label[64];
        snprintf(label, sizeof label, "ranking %s names", lang_name(lang));
        progress_begin(&bar, label, use, "item");
        for (int q = 0; q < use; q++) {
            int item = mini_split_query_item(q, use, n);
            for (int i = 0; i < s->n_images; i++) {
                if (s->image_item[i] != item) continue;
                if (mini_score_sums(e->m, MINI_TASK_I2T, s->codes + (size_t)i * s->G, lang, texts, lens, n, scores,
                                    &e->err))
                    goto done;
                for (int j = 0; j < n; j++) pmi[j] = scores[j] - prior[j], scores[j] /= lens[j] + 1;
                int rank = 0, pmi_rank = 0;
                for (int j = 0; j < n; j++) rank += scores[j] > scores[item], pmi_rank += pmi[j] > pmi[item];
                queries++;
                top1 += rank == 0;
                top5 += rank < 5;
                pmi_top1 += pmi_rank == 0;
                pmi_top5 += pmi_rank < 5;
            }
            progress_update(&bar, q + 1, "top-1 %.3f", queries ? (double)top1 / queries : 0);
        }
        progress_done(&bar);
        printf("caption_top1.%s  %.3f  (%d images of %d items, true name first among %d %s names; top-5 %.3f; "
               "chance %.4f)\n",
               lang_name(lang), queries ? (double)top1 / queries : 0, queries, use, n, lang_name(lang),
               queries ? (double)top5 / queries : 0, 1.0 / n);
        printf("caption_top1_pmi.%s  %.3f  (the same, ranked by log p(name | image) - log p(name); top-5 %.3f)\n",
               lang_name(lang), queries ? (double)pmi_top1 / queries : 0, queries ? (double)pmi_top5 / queries : 0);
        fflush(stdout);
    }
    rc = 0;
done:
    mem_free(texts);
    mem_free(lens);
    mem_free(scores);
    mem_free(prior);
    mem_free(pmi);
    return rc;
}

/* The drawing direction as a judge (mini_score_image.c): captioning ranks all
 * names for each query image by log p(image | name) (Bayes with a uniform
 * prior over the names), and text->image retrieval ranks all items for each
 * query name by the PMI log p(image | name) - log p(image | empty prompt),
 * an item scoring as its best image; the empty-prompt term keeps images that
 * are easy to predict (plain, common codes) from winning every query. */
static int drawing_direction(FullEval *e, int use) {
    const MiniSplit *s = e->s;
    int n = s->n_items, N = s->n_images, G = s->G, rc = -1;
    int *query = mem_alloc((size_t)N * sizeof(int)), *qcodes = mem_alloc((size_t)N * G * sizeof(int));
    double *uncond = mem_alloc((size_t)N * sizeof(double)), *row = mem_alloc((size_t)N * sizeof(double));
    double *best = mem_alloc((size_t)n * sizeof(double)), *cap = NULL;
    char *is_query = mem_calloc((size_t)n + 1, 1); /* [n] the item is one of the queries */
    int n_query = 0;
    if (!query || !qcodes || !uncond || !row || !best || !is_query) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    for (int q = 0; q < use; q++) {
        int item = mini_split_query_item(q, use, n);
        is_query[item] = 1;
        for (int i = 0; i < N; i++)
            if (s->image_item[i] == item) {
                memcpy(qcodes + (size_t)n_query * G, s->codes + (size_t)i * G, (size_t)G * sizeof(int));
                query[n_query++] = i;
            }
    }
    cap = mem_alloc(((size_t)n * n_query + 1) * sizeof(double));
    if (!cap) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    if (mini_score_images(e->m, MINI_LANG_NONE, NULL, 0, s->codes, N, uncond, &e->err)) goto done;
    for (int lang = 0; lang < 2; lang++) {
        Progress bar;
        char label[64];
        snprintf(label, sizeof label, "scoring images under %s names", lang_name(lang));
        progress_begin(&bar, label, n, "name");
        int top1 = 0, top5 = 0, rtop1 = 0, rtop5 = 0;
        for (int j = 0; j < n; j++) {
            const MiniText *t = mini_split_name(s, j, lang);
            const int32_t *ids = s->c->ids.ids + t->off;
            double *cap_row = cap + (size_t)j * n_query;
            if (!is_query[j]) {
                if (mini_score_images(e->m, lang, ids, t->n, qcodes, n_query, cap_row, &e->err)) goto done;
            } else {
                /* a query name: retrieval scores every image, the query
                 * images' captioning scores among them */
                if (mini_score_images(e->m, lang, ids, t->n, s->codes, N, row, &e->err)) goto done;
                for (int qi = 0; qi < n_query; qi++) cap_row[qi] = row[query[qi]];
                for (int k = 0; k < n; k++) best[k] = -1e300;
                for (int i = 0; i < N; i++) {
                    double pmi = row[i] - uncond[i];
                    if (pmi > best[s->image_item[i]]) best[s->image_item[i]] = pmi;
                }
                int rank = 0;
                for (int k = 0; k < n; k++) rank += best[k] > best[j];
                rtop1 += rank == 0;
                rtop5 += rank < 5;
            }
            progress_update(&bar, j + 1, NULL);
        }
        progress_done(&bar);
        for (int qi = 0; qi < n_query; qi++) {
            int item = s->image_item[query[qi]], rank = 0;
            for (int j = 0; j < n; j++) rank += cap[(size_t)j * n_query + qi] > cap[(size_t)item * n_query + qi];
            top1 += rank == 0;
            top5 += rank < 5;
        }
        printf("caption_top1_draw.%s  %.3f  (%d images, true name first among %d by log p(image | name); top-5 %.3f)\n",
               lang_name(lang), n_query ? (double)top1 / n_query : 0, n_query, n, n_query ? (double)top5 / n_query : 0);
        printf("t2i_top5_score.%s  %.3f  (%d names, the item among the 5 best of %d by max over its images of "
               "log p(image | name) - log p(image); top-1 %.3f)\n",
               lang_name(lang), use ? (double)rtop5 / use : 0, use, n, use ? (double)rtop1 / use : 0);
        fflush(stdout);
    }
    rc = 0;
done:
    mem_free(query);
    mem_free(qcodes);
    mem_free(uncond);
    mem_free(row);
    mem_free(best);
    mem_free(cap);
    mem_free(is_query);
    return rc;
}

static int retrieval(FullEval *e, int use, uint64_t seed) {
    MiniSplit *s = e->s;
    int n = s->n_items, rc = -1, hits_all = 0, queries_all = 0;
    int *codes = mem_alloc((size_t)s->G * sizeof(int));
    if (!codes) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    for (int lang = 0; lang < 2; lang++) {
        int top1 = 0, top5 = 0;
        Progress bar;
        char label[64];
        snprintf(label, sizeof label, "drawing %s names", lang_name(lang));
        progress_begin(&bar, label, use, "drawing");
        for (int q = 0; q < use; q++) {
            int item = mini_split_query_item(q, use, n), rank;
            const MiniText *t = mini_split_name(s, item, lang);
            char *prompt = mini_split_text(e->m, s, t->off, t->n, &e->err);
            o.seed = seed + (uint64_t)s->items[item];
            int bad = !prompt || mini_draw(e->m, prompt, &o, codes, &e->err) ||
                      mini_split_rank_codes(s, e->vq, mini_vocab(e->m), codes, item, &rank, &e->err);
            mem_free(prompt);
            if (bad) goto done;
            top1 += rank == 0;
            top5 += rank < 5;
            progress_update(&bar, q + 1, "top-5 %.3f", (double)top5 / (q + 1));
        }
        progress_done(&bar);
        hits_all += top5;
        queries_all += use;
        printf("t2i_top5.%s      %.3f  (%d %s names drawn, seed = item, cfg %g; the item among the 5 nearest of %d "
               "items (%d images), 16x16 RGB L2; top-1 %.3f; chance %.4f)\n",
               lang_name(lang), use ? (double)top5 / use : 0, use, lang_name(lang), (double)o.cfg, n, s->n_images,
               use ? (double)top1 / use : 0, n ? 5.0 / n : 0);
        fflush(stdout);
    }
    printf("t2i_top5         %.3f  (both languages, %d drawings)\n", queries_all ? (double)hits_all / queries_all : 0,
           queries_all);
    rc = 0;
done:
    mem_free(codes);
    return rc;
}

static int translation(FullEval *e, int64_t max_pairs) {
    const MiniCorpus *c = e->s->c;
    int n = c->n_pairs < max_pairs ? c->n_pairs : (int)max_pairs;
    for (int to_en = 0; to_en < 2; to_en++) {
        double sum = 0;
        int exact = 0;
        Progress bar;
        progress_begin(&bar, to_en ? "translating ko->en" : "translating en->ko", n, "pair");
        for (int k = 0; k < n; k++) {
            const MiniPair *p = &c->pairs[k];
            char *src = mini_split_text(e->m, e->s, to_en ? p->tgt_off : p->src_off, to_en ? p->n_tgt : p->n_src, &e->err);
            char *ref = mini_split_text(e->m, e->s, to_en ? p->src_off : p->tgt_off, to_en ? p->n_src : p->n_tgt, &e->err);
            char *hyp = NULL;
            int bad = !src || !ref ||
                      mini_translate(e->m, src, to_en ? MINI_LANG_EN : MINI_LANG_KO, 48, 4, &hyp, &e->err);
            if (!bad) {
                sum += chrf(hyp, ref);
                exact += strcmp(hyp, ref) == 0;
            }
            mem_free(src);
            mem_free(ref);
            mem_free(hyp);
            if (bad) return -1;
            progress_update(&bar, k + 1, "chrF %.1f", sum / (k + 1));
        }
        progress_done(&bar);
        printf("chrf.%s       %.1f  (%d test pairs, beam 4, sentence chrF2 averaged; exact %.3f)\n",
               to_en ? "ko-en" : "en-ko", n ? sum / n : 0, n, n ? (double)exact / n : 0);
        fflush(stdout);
    }
    return 0;
}

/* ---------------------------------------------------------------- command */

int cmd_mini_eval_full(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone mini-eval --full");
    const char *model = NULL, *split = NULL;
    int64_t N = 0, pairs = 1 << 30, threads = 1, seed = 0;
    int draw_scores = 0;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_flag(&args, NULL, "--full")) continue;
        if (args_flag(&args, NULL, "--draw-scores")) {
            draw_scores = 1;
            continue;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_int(&args, "-n", NULL, 1, 1000000, &N)) continue;
        if (args_int(&args, NULL, "--pairs", 0, 1 << 30, &pairs)) continue;
        if (args_int(&args, NULL, "--seed", 0, (int64_t)1 << 40, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (!split && args_positional(&args, &split)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!split) {
        fprintf(stderr, "exaone mini-eval --full: missing RAW.tsv (see --help)\n");
        return 2;
    }
    MiniSplitEval opened;
    double t0 = time_seconds();
    int rc = 1;
    if (mini_split_eval_open(&opened, "exaone mini-eval", model, (int)threads, split, 5)) goto done;
    FullEval e = {.m = opened.m, .vq = opened.vq, .s = opened.s};
    const MiniSplit *s = e.s;
    int use = N && N < s->n_items ? (int)N : s->n_items;
    printf("# exaone mini-eval --full %s  (model %s)\n", split, opened.dir);
    printf("items            %d of %d with an image and KO and EN names (queries: %d), %d images, %d pairs\n",
           s->n_items, s->c->n_items, use, s->n_images, s->c->n_pairs);
    double psnr;
    int failed = vq_eval_psnr(e.vq, s->rgb, s->n_images, s->H, s->W, 16, &psnr, &e.err);
    if (!failed) {
        printf("vq_psnr_db       %.2f  (%d test images %dx%d, through %s)\n", psnr, s->n_images, s->W, s->H,
               opened.vq_path);
        fflush(stdout);
        failed = caption_accuracy(&e, use) || (draw_scores && drawing_direction(&e, use)) ||
                 retrieval(&e, use, (uint64_t)seed) || translation(&e, pairs);
    }
    if (failed) {
        fprintf(stderr, "exaone mini-eval: %s\n", e.err.message);
        goto done;
    }
    printf("seconds          %.0f  (%d thread(s))\n", time_seconds() - t0, (int)threads);
    rc = 0;
done:
    mini_split_eval_close(&opened);
    return rc;
}
