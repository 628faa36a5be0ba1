/* exaone mini-eval --full — EXAONE-mini's acceptance numbers (issue 8) on a
 * raw test split: VQ PSNR, caption accuracy among all test names, text->image
 * retrieval in pixel space, translation chrF.
 *
 * It reads the split before VQ encoding (tools/mini-corpus.py's RAW.tsv, whose
 * image records name PNGs) and encodes the images with the model's own VQ, so
 * the numbers belong to the shipped folder, whatever VQ a training run used,
 * and the real pixels are at hand for retrieval and PSNR. Item names are the
 * first caption of each item and language (tools/mini-corpus.py writes the
 * label first). */
#include "../core/mem.h"
#include "../core/progress.h"
#include "../core/file.h"
#include "../models/mini_image.h"
#include "../models/vq.h"
#include "../train/mini_data.h"
#include "../train/vision/vq_data.h"
#include "../train/vision/vq_train.h"
#include "args.h"
#include "chrf.h"
#include "commands.h"
#include "mini_cli.h"

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

enum { THUMB = 16 };

typedef struct {
    MiniModel *m;
    VqModel *vq;
    MiniCorpus *c;        /* captions and pairs of the split (image records removed) */
    int H, W, G;          /* image pixels, codes per image */
    int n_images;         /* images of eligible items, sorted by item */
    int *image_item;      /* [n_images] index into items */
    char **image_path;    /* [n_images] */
    uint8_t *rgb;         /* [n_images, H, W, 3] */
    float *thumb;         /* [n_images, THUMB*THUMB*3] */
    int *codes;           /* [n_images, G] */
    int n_items;          /* items with an image and a name in both languages */
    int *items;           /* [n_items] item numbers of the corpus */
    int *name[2];         /* [n_items] caption index of the name, by MINI_LANG_* */
    Error err;
} FullEval;

/* ---------------------------------------------------------------- loading */

typedef struct {
    int item;
    char *path;
} RawImage;

static int cmp_raw_image(const void *a, const void *b) {
    const RawImage *x = a, *y = b;
    return x->item != y->item ? (x->item < y->item ? -1 : 1) : strcmp(x->path, y->path);
}

/* Splits RAW.tsv: image records into *images, everything else into the
 * corpus parser. */
static int load_split(FullEval *e, const char *path, RawImage **images, int *n_images) {
    char *data = NULL, *rest = NULL;
    size_t size = 0, n_rest = 0;
    int cap = 0, rc = -1;
    *images = NULL;
    *n_images = 0;
    if (file_read_all(path, (size_t)1 << 30, &data, &size, &e->err) != 0) return -1;
    rest = mem_alloc(size + 1);
    if (!rest) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    for (size_t at = 0, line = 1; at < size; line++) {
        char *end = memchr(data + at, '\n', size - at);
        size_t len = end ? (size_t)(end - (data + at)) : size - at;
        char *s = data + at;
        at += len + (end != NULL);
        if (len >= 2 && s[0] == 'I' && s[1] == '\t') {
            char *p = s + 2, *tab = memchr(p, '\t', len - 2);
            long item = strtol(p, NULL, 10);
            if (!tab || item < 0 || item > 100000000) {
                error_set(&e->err, "%s:%zu: image record needs ITEM <tab> PNG", path, line);
                goto done;
            }
            size_t n = len - (size_t)(tab + 1 - s);
            if (n && tab[n] == '\r') n--;
            if (*n_images == cap) {
                cap = cap ? 2 * cap : 256;
                RawImage *grown = mem_realloc(*images, (size_t)cap * sizeof **images);
                if (!grown) {
                    error_set(&e->err, "out of memory");
                    goto done;
                }
                *images = grown;
            }
            RawImage *r = &(*images)[(*n_images)++];
            r->item = (int)item;
            r->path = mem_alloc(n + 1);
            if (!r->path) {
                (*n_images)--;
                error_set(&e->err, "out of memory");
                goto done;
            }
            memcpy(r->path, tab + 1, n);
            r->path[n] = 0;
        } else {
            memcpy(rest + n_rest, s, len);
            n_rest += len;
            rest[n_rest++] = '\n';
        }
    }
    rc = mini_corpus_parse(&e->c, rest, n_rest, path, mini_tokenizer(e->m), mini_vocab(e->m), &e->err);
    if (!rc) qsort(*images, (size_t)*n_images, sizeof **images, cmp_raw_image);
done:
    mem_free(data);
    mem_free(rest);
    return rc;
}

/* Area average of RGB [H, W, 3] to [THUMB, THUMB, 3] floats. */
static void thumbnail(const uint8_t *rgb, int H, int W, float *out) {
    int fy = H / THUMB, fx = W / THUMB;
    for (int y = 0; y < THUMB; y++)
        for (int x = 0; x < THUMB; x++)
            for (int ch = 0; ch < 3; ch++) {
                float sum = 0;
                for (int yy = 0; yy < fy; yy++)
                    for (int xx = 0; xx < fx; xx++) sum += rgb[((size_t)(y * fy + yy) * W + (x * fx + xx)) * 3 + ch];
                out[(y * THUMB + x) * 3 + ch] = sum / (float)(fy * fx);
            }
}

/* Eligible items, their names, and the pixels and codes of their images. */
static int prepare(FullEval *e, RawImage *raw, int n_raw) {
    const MiniCorpus *c = e->c;
    int *position = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    int *has_image = mem_calloc((size_t)c->n_items + 1, sizeof(int));
    e->name[0] = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    e->name[1] = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    e->items = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    int rc = -1;
    if (!position || !has_image || !e->name[0] || !e->name[1] || !e->items) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    for (int i = 0; i < c->n_items; i++) e->name[0][i] = e->name[1][i] = -1;
    for (int i = c->n_captions - 1; i >= 0; i--) /* backwards: the first caption wins */
        if (c->captions[i].lang == MINI_LANG_KO || c->captions[i].lang == MINI_LANG_EN)
            e->name[c->captions[i].lang][c->captions[i].item] = i;
    for (int i = 0; i < n_raw; i++)
        if (raw[i].item < c->n_items) has_image[raw[i].item] = 1;
    e->n_items = 0;
    for (int i = 0; i < c->n_items; i++) {
        position[i] = -1;
        if (has_image[i] && e->name[0][i] >= 0 && e->name[1][i] >= 0) {
            position[i] = e->n_items;
            e->name[0][e->n_items] = e->name[0][i];
            e->name[1][e->n_items] = e->name[1][i];
            e->items[e->n_items++] = i;
        }
    }
    size_t px = (size_t)e->H * e->W * 3;
    e->image_item = mem_alloc(((size_t)n_raw + 1) * sizeof(int));
    e->image_path = mem_calloc((size_t)n_raw + 1, sizeof(char *));
    e->rgb = mem_alloc(((size_t)n_raw + 1) * px);
    e->thumb = mem_alloc(((size_t)n_raw + 1) * THUMB * THUMB * 3 * sizeof(float));
    e->codes = mem_alloc(((size_t)n_raw + 1) * (size_t)e->G * sizeof(int));
    float *x = mem_alloc(px * sizeof(float));
    int32_t *c32 = mem_alloc((size_t)e->G * sizeof(int32_t));
    if (!e->image_item || !e->image_path || !e->rgb || !e->thumb || !e->codes || !x || !c32) {
        mem_free(x);
        mem_free(c32);
        error_set(&e->err, "out of memory");
        goto done;
    }
    Progress bar;
    progress_begin(&bar, "encoding the test images", n_raw, "image");
    e->n_images = 0;
    for (int i = 0; i < n_raw; i++) {
        progress_update(&bar, i + 1, NULL);
        if (raw[i].item >= c->n_items || position[raw[i].item] < 0) continue;
        int k = e->n_images;
        uint8_t *rgb = e->rgb + (size_t)k * px;
        if (mini_image_read_rgb(raw[i].path, rgb, e->H, e->W, &e->err) != 0) break;
        vq_pixels_to_float(x, rgb, e->H, e->W, 0);
        if (vq_encode(e->vq, x, 1, e->H, e->W, c32, &e->err) != 0) break;
        for (int g = 0; g < e->G; g++) e->codes[(size_t)k * e->G + g] = c32[g];
        thumbnail(rgb, e->H, e->W, e->thumb + (size_t)k * THUMB * THUMB * 3);
        e->image_item[k] = position[raw[i].item];
        e->image_path[k] = raw[i].path;
        raw[i].path = NULL;
        e->n_images++;
    }
    progress_done(&bar);
    mem_free(x);
    mem_free(c32);
    if (e->err.message[0]) goto done;
    rc = 0;
done:
    mem_free(position);
    mem_free(has_image);
    return rc;
}

/* ---------------------------------------------------------------- metrics */

/* The q-th of `use` query items, spread evenly over all n. */
static int query_item(int q, int use, int n) { return (int)((int64_t)q * n / use); }

static const char *lang_name(int lang) { return lang == MINI_LANG_KO ? "ko" : "en"; }

static const MiniText *name_of(const FullEval *e, int item, int lang) { return &e->c->captions[e->name[lang][item]]; }

static int caption_accuracy(FullEval *e, int use) {
    int n = e->n_items;
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
            const MiniText *t = name_of(e, j, lang);
            texts[j] = e->c->ids.ids + t->off;
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
            int item = query_item(q, use, n);
            for (int i = 0; i < e->n_images; i++) {
                if (e->image_item[i] != item) continue;
                if (mini_score_sums(e->m, MINI_TASK_I2T, e->codes + (size_t)i * e->G, lang, texts, lens, n, scores,
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
    int n = e->n_items, N = e->n_images, G = e->G, rc = -1;
    int *query = mem_alloc((size_t)N * sizeof(int)), *qcodes = mem_alloc((size_t)N * G * sizeof(int));
    double *uncond = mem_alloc((size_t)N * sizeof(double)), *row = mem_alloc((size_t)N * sizeof(double));
    double *best = mem_alloc((size_t)n * sizeof(double)), *cap = NULL;
    int n_query = 0;
    if (!query || !qcodes || !uncond || !row || !best) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    for (int q = 0; q < use; q++) {
        int item = query_item(q, use, n);
        for (int i = 0; i < N; i++)
            if (e->image_item[i] == item) {
                memcpy(qcodes + (size_t)n_query * G, e->codes + (size_t)i * G, (size_t)G * sizeof(int));
                query[n_query++] = i;
            }
    }
    cap = mem_alloc(((size_t)n * n_query + 1) * sizeof(double));
    if (!cap) {
        error_set(&e->err, "out of memory");
        goto done;
    }
    if (mini_score_images(e->m, MINI_LANG_NONE, NULL, 0, e->codes, N, uncond, &e->err)) goto done;
    for (int lang = 0; lang < 2; lang++) {
        Progress bar;
        char label[64];
        snprintf(label, sizeof label, "scoring images under %s names", lang_name(lang));
        progress_begin(&bar, label, n, "name");
        int top1 = 0, top5 = 0, rtop1 = 0, rtop5 = 0, is_query = 0;
        for (int j = 0; j < n; j++) {
            const MiniText *t = name_of(e, j, lang);
            const int32_t *ids = e->c->ids.ids + t->off;
            if (mini_score_images(e->m, lang, ids, t->n, qcodes, n_query, cap + (size_t)j * n_query, &e->err))
                goto done;
            /* retrieval: is j a query item? then score every image */
            is_query = 0;
            for (int q = 0; q < use; q++) is_query |= query_item(q, use, n) == j;
            if (is_query) {
                if (mini_score_images(e->m, lang, ids, t->n, e->codes, N, row, &e->err)) goto done;
                for (int k = 0; k < n; k++) best[k] = -1e300;
                for (int i = 0; i < N; i++) {
                    double pmi = row[i] - uncond[i];
                    if (pmi > best[e->image_item[i]]) best[e->image_item[i]] = pmi;
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
            int item = e->image_item[query[qi]], rank = 0;
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
    return rc;
}

static char *decode_text(FullEval *e, const int32_t *ids, int n) {
    TokBytes out = {0};
    if (tok_decode(mini_tokenizer(e->m), ids, (size_t)n, 1, &out, &e->err) || tok_bytes_append(&out, "", 1)) {
        tok_bytes_free(&out);
        return NULL;
    }
    return out.data;
}

static int retrieval(FullEval *e, int use, uint64_t seed) {
    int n = e->n_items, rc = -1, hits_all = 0, queries_all = 0;
    size_t px = (size_t)e->H * e->W * 3;
    int *codes = mem_alloc((size_t)e->G * sizeof(int));
    uint8_t *rgb = mem_alloc(px);
    float *thumb = mem_alloc(THUMB * THUMB * 3 * sizeof(float));
    double *dist = mem_alloc((size_t)n * sizeof(double));
    if (!codes || !rgb || !thumb || !dist) {
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
            int item = query_item(q, use, n);
            const MiniText *t = name_of(e, item, lang);
            char *prompt = decode_text(e, e->c->ids.ids + t->off, t->n);
            o.seed = seed + (uint64_t)e->items[item];
            int bad = !prompt || mini_draw(e->m, prompt, &o, codes, &e->err) ||
                      mini_image_codes_rgb(e->vq, codes, mini_vocab(e->m)->grid_h, mini_vocab(e->m)->grid_w, rgb,
                                           &e->err);
            mem_free(prompt);
            if (bad) goto done;
            thumbnail(rgb, e->H, e->W, thumb);
            for (int j = 0; j < n; j++) dist[j] = 1e300;
            for (int i = 0; i < e->n_images; i++) {
                const float *g = e->thumb + (size_t)i * THUMB * THUMB * 3;
                double d = 0;
                for (int k = 0; k < THUMB * THUMB * 3; k++) d += (double)(thumb[k] - g[k]) * (thumb[k] - g[k]);
                if (d < dist[e->image_item[i]]) dist[e->image_item[i]] = d;
            }
            int rank = 0;
            for (int j = 0; j < n; j++) rank += dist[j] < dist[item];
            top1 += rank == 0;
            top5 += rank < 5;
            progress_update(&bar, q + 1, "top-5 %.3f", (double)top5 / (q + 1));
        }
        progress_done(&bar);
        hits_all += top5;
        queries_all += use;
        printf("t2i_top5.%s      %.3f  (%d %s names drawn, seed = item, cfg %g; the item among the 5 nearest of %d "
               "items (%d images), 16x16 RGB L2; top-1 %.3f; chance %.4f)\n",
               lang_name(lang), use ? (double)top5 / use : 0, use, lang_name(lang), (double)o.cfg, n, e->n_images,
               use ? (double)top1 / use : 0, n ? 5.0 / n : 0);
        fflush(stdout);
    }
    printf("t2i_top5         %.3f  (both languages, %d drawings)\n", queries_all ? (double)hits_all / queries_all : 0,
           queries_all);
    rc = 0;
done:
    mem_free(codes);
    mem_free(rgb);
    mem_free(thumb);
    mem_free(dist);
    return rc;
}

static int translation(FullEval *e, int64_t max_pairs) {
    const MiniCorpus *c = e->c;
    int n = c->n_pairs < max_pairs ? c->n_pairs : (int)max_pairs;
    for (int to_en = 0; to_en < 2; to_en++) {
        double sum = 0;
        int exact = 0;
        Progress bar;
        progress_begin(&bar, to_en ? "translating ko->en" : "translating en->ko", n, "pair");
        for (int k = 0; k < n; k++) {
            const MiniPair *p = &c->pairs[k];
            char *src = decode_text(e, c->ids.ids + (to_en ? p->tgt_off : p->src_off), to_en ? p->n_tgt : p->n_src);
            char *ref = decode_text(e, c->ids.ids + (to_en ? p->src_off : p->tgt_off), to_en ? p->n_src : p->n_tgt);
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
    char dir[1024], vq_path[1100];
    FullEval e = {0};
    e.m = mini_cli_open("exaone mini-eval", model, (int)threads, dir, sizeof dir, NULL);
    if (!e.m) return 1;
    RawImage *raw = NULL;
    int n_raw = 0, rc = 1;
    double t0 = time_seconds();
    snprintf(vq_path, sizeof vq_path, "%s/vq.safetensors", dir);
    if (vq_load(&e.vq, vq_path, NULL, NULL, &e.err) != 0) goto done;
    e.G = mini_vocab(e.m)->grid_h * mini_vocab(e.m)->grid_w;
    e.H = mini_vocab(e.m)->grid_h * vq_factor(&e.vq->config);
    e.W = mini_vocab(e.m)->grid_w * vq_factor(&e.vq->config);
    if (e.H % THUMB || e.W % THUMB) {
        error_set(&e.err, "%s: images of %dx%d do not shrink to %dx%d thumbnails", dir, e.W, e.H, THUMB, THUMB);
        goto done;
    }
    if (load_split(&e, split, &raw, &n_raw) || prepare(&e, raw, n_raw)) goto done;
    if (e.n_items < 5) {
        error_set(&e.err, "%s: %d items with an image and both names; the metrics need at least 5", split, e.n_items);
        goto done;
    }
    int use = N && N < e.n_items ? (int)N : e.n_items;
    printf("# exaone mini-eval --full %s  (model %s)\n", split, dir);
    printf("items            %d of %d with an image and KO and EN names (queries: %d), %d images, %d pairs\n",
           e.n_items, e.c->n_items, use, e.n_images, e.c->n_pairs);
    double psnr;
    if (vq_eval_psnr(e.vq, e.rgb, e.n_images, e.H, e.W, 16, &psnr, &e.err)) goto done;
    printf("vq_psnr_db       %.2f  (%d test images %dx%d, through %s)\n", psnr, e.n_images, e.W, e.H, vq_path);
    fflush(stdout);
    if (caption_accuracy(&e, use) || (draw_scores && drawing_direction(&e, use)) || retrieval(&e, use, (uint64_t)seed) || translation(&e, pairs)) goto done;
    printf("seconds          %.0f  (%d thread(s))\n", time_seconds() - t0, (int)threads);
    rc = 0;
done:
    if (rc) fprintf(stderr, "exaone mini-eval: %s\n", e.err.message);
    for (int i = 0; i < n_raw; i++) mem_free(raw[i].path);
    mem_free(raw);
    for (int i = 0; i < e.n_images; i++) mem_free(e.image_path[i]);
    mem_free(e.image_path);
    mem_free(e.image_item);
    mem_free(e.rgb);
    mem_free(e.thumb);
    mem_free(e.codes);
    mem_free(e.items);
    mem_free(e.name[0]);
    mem_free(e.name[1]);
    mini_corpus_free(e.c);
    vq_free(e.vq);
    mini_free(e.m);
    return rc;
}
