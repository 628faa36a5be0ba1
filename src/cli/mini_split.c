/* mini_split.c — a raw split loaded for evaluation and the thumbnail
 * retrieval judge (see mini_split.h). */
#include "mini_split.h"

#include "mini_cli.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/mini_image.h"
#include "../train/vision/vq_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THUMB = MINI_SPLIT_THUMB };

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
static int load_records(MiniSplit *s, const MiniModel *m, const char *path, RawImage **images, int *n_images,
                        Error *err) {
    char *data = NULL, *rest = NULL;
    size_t size = 0, n_rest = 0;
    int cap = 0, rc = -1;
    *images = NULL;
    *n_images = 0;
    if (file_read_all(path, (size_t)1 << 30, &data, &size, err) != 0) return -1;
    rest = mem_alloc(size + 1);
    if (!rest) {
        error_set(err, "out of memory");
        goto done;
    }
    for (size_t at = 0, line = 1; at < size; line++) {
        char *end = memchr(data + at, '\n', size - at);
        size_t len = end ? (size_t)(end - (data + at)) : size - at;
        char *p0 = data + at;
        at += len + (end != NULL);
        if (len >= 2 && p0[0] == 'I' && p0[1] == '\t') {
            char *p = p0 + 2, *tab = memchr(p, '\t', len - 2);
            long item = strtol(p, NULL, 10);
            if (!tab || item < 0 || item > 100000000) {
                error_set(err, "%s:%zu: image record needs ITEM <tab> PNG", path, line);
                goto done;
            }
            size_t n = len - (size_t)(tab + 1 - p0);
            if (n && tab[n] == '\r') n--;
            if (*n_images == cap) {
                cap = cap ? 2 * cap : 256;
                RawImage *grown = mem_realloc(*images, (size_t)cap * sizeof **images);
                if (!grown) {
                    error_set(err, "out of memory");
                    goto done;
                }
                *images = grown;
            }
            RawImage *r = &(*images)[(*n_images)++];
            r->item = (int)item;
            r->path = mem_alloc(n + 1);
            if (!r->path) {
                (*n_images)--;
                error_set(err, "out of memory");
                goto done;
            }
            memcpy(r->path, tab + 1, n);
            r->path[n] = 0;
        } else {
            memcpy(rest + n_rest, p0, len);
            n_rest += len;
            rest[n_rest++] = '\n';
        }
    }
    rc = mini_corpus_parse(&s->c, rest, n_rest, path, mini_tokenizer(m), mini_vocab(m), err);
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
static int prepare(MiniSplit *s, VqModel *vq, RawImage *raw, int n_raw, Error *err) {
    const MiniCorpus *c = s->c;
    int *position = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    int *has_image = mem_calloc((size_t)c->n_items + 1, sizeof(int));
    s->name[0] = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    s->name[1] = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    s->items = mem_alloc(((size_t)c->n_items + 1) * sizeof(int));
    s->distance = mem_alloc(((size_t)c->n_items + 1) * sizeof(double));
    int rc = -1;
    if (!position || !has_image || !s->name[0] || !s->name[1] || !s->items || !s->distance) {
        error_set(err, "out of memory");
        goto done;
    }
    for (int i = 0; i < c->n_items; i++) s->name[0][i] = s->name[1][i] = -1;
    for (int i = c->n_captions - 1; i >= 0; i--) /* backwards: the first caption wins */
        if (c->captions[i].lang == MINI_LANG_KO || c->captions[i].lang == MINI_LANG_EN)
            s->name[c->captions[i].lang][c->captions[i].item] = i;
    for (int i = 0; i < n_raw; i++)
        if (raw[i].item < c->n_items) has_image[raw[i].item] = 1;
    s->n_items = 0;
    for (int i = 0; i < c->n_items; i++) {
        position[i] = -1;
        if (has_image[i] && s->name[0][i] >= 0 && s->name[1][i] >= 0) {
            position[i] = s->n_items;
            s->name[0][s->n_items] = s->name[0][i];
            s->name[1][s->n_items] = s->name[1][i];
            s->items[s->n_items++] = i;
        }
    }
    size_t px = (size_t)s->H * s->W * 3;
    s->image_item = mem_alloc(((size_t)n_raw + 1) * sizeof(int));
    s->image_path = mem_calloc((size_t)n_raw + 1, sizeof(char *));
    s->rgb = mem_alloc(((size_t)n_raw + 1) * px);
    s->thumb = mem_alloc(((size_t)n_raw + 1) * THUMB * THUMB * 3 * sizeof(float));
    s->codes = mem_alloc(((size_t)n_raw + 1) * (size_t)s->G * sizeof(int));
    s->drawn_rgb = mem_alloc(px);
    s->drawn_thumb = mem_alloc(THUMB * THUMB * 3 * sizeof(float));
    float *x = mem_alloc(px * sizeof(float));
    int32_t *c32 = mem_alloc((size_t)s->G * sizeof(int32_t));
    if (!s->image_item || !s->image_path || !s->rgb || !s->thumb || !s->codes || !s->drawn_rgb || !s->drawn_thumb ||
        !x || !c32) {
        mem_free(x);
        mem_free(c32);
        error_set(err, "out of memory");
        goto done;
    }
    Progress bar;
    progress_begin(&bar, "encoding the test images", n_raw, "image");
    s->n_images = 0;
    int failed = 0;
    for (int i = 0; i < n_raw && !failed; i++) {
        progress_update(&bar, i + 1, NULL);
        if (raw[i].item >= c->n_items || position[raw[i].item] < 0) continue;
        int k = s->n_images;
        uint8_t *rgb = s->rgb + (size_t)k * px;
        failed = mini_image_read_rgb(raw[i].path, rgb, s->H, s->W, err) != 0;
        if (failed) break;
        vq_pixels_to_float(x, rgb, s->H, s->W, 0);
        failed = vq_encode(vq, x, 1, s->H, s->W, c32, err) != 0;
        if (failed) break;
        for (int g = 0; g < s->G; g++) s->codes[(size_t)k * s->G + g] = c32[g];
        thumbnail(rgb, s->H, s->W, s->thumb + (size_t)k * THUMB * THUMB * 3);
        s->image_item[k] = position[raw[i].item];
        s->image_path[k] = raw[i].path;
        raw[i].path = NULL;
        s->n_images++;
    }
    progress_done(&bar);
    mem_free(x);
    mem_free(c32);
    if (failed) goto done;
    rc = 0;
done:
    mem_free(position);
    mem_free(has_image);
    return rc;
}

int mini_split_load(MiniSplit **out, MiniModel *m, VqModel *vq, const char *path, Error *err) {
    *out = NULL;
    MiniSplit *s = mem_calloc(1, sizeof *s);
    if (!s) return error_set(err, "out of memory");
    const MiniVocab *v = mini_vocab(m);
    s->G = v->grid_h * v->grid_w;
    s->H = v->grid_h * vq_factor(&vq->config);
    s->W = v->grid_w * vq_factor(&vq->config);
    RawImage *raw = NULL;
    int n_raw = 0, rc = -1;
    if (s->H % THUMB || s->W % THUMB)
        error_set(err, "the model's VQ images of %dx%d do not shrink to %dx%d thumbnails", s->W, s->H, THUMB, THUMB);
    else if (!load_records(s, m, path, &raw, &n_raw, err) && !prepare(s, vq, raw, n_raw, err))
        rc = 0;
    for (int i = 0; i < n_raw; i++) mem_free(raw[i].path);
    mem_free(raw);
    if (rc) {
        mini_split_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void mini_split_free(MiniSplit *s) {
    if (!s) return;
    for (int i = 0; i < s->n_images; i++) mem_free(s->image_path[i]);
    mem_free(s->image_path);
    mem_free(s->image_item);
    mem_free(s->rgb);
    mem_free(s->thumb);
    mem_free(s->codes);
    mem_free(s->items);
    mem_free(s->name[0]);
    mem_free(s->name[1]);
    mem_free(s->drawn_rgb);
    mem_free(s->drawn_thumb);
    mem_free(s->distance);
    mini_corpus_free(s->c);
    mem_free(s);
}

const MiniText *mini_split_name(const MiniSplit *s, int item, int lang) { return &s->c->captions[s->name[lang][item]]; }

char *mini_split_text(const MiniModel *m, const MiniSplit *s, int64_t off, int n, Error *err) {
    TokBytes out = {0};
    if (tok_decode(mini_tokenizer(m), s->c->ids.ids + off, (size_t)n, 1, &out, err) ||
        tok_bytes_append(&out, "", 1)) {
        tok_bytes_free(&out);
        return NULL;
    }
    return out.data;
}

int mini_split_query_item(int q, int use, int n) { return (int)((int64_t)q * n / use); }

int mini_split_rank_codes(MiniSplit *s, VqModel *vq, const MiniVocab *v, const int *codes, int item, int *rank,
                          Error *err) {
    if (mini_image_codes_rgb(vq, codes, v->grid_h, v->grid_w, s->drawn_rgb, err)) return -1;
    thumbnail(s->drawn_rgb, s->H, s->W, s->drawn_thumb);
    for (int j = 0; j < s->n_items; j++) s->distance[j] = 1e300;
    for (int i = 0; i < s->n_images; i++) {
        const float *g = s->thumb + (size_t)i * THUMB * THUMB * 3;
        double d = 0;
        for (int k = 0; k < THUMB * THUMB * 3; k++) d += (double)(s->drawn_thumb[k] - g[k]) * (s->drawn_thumb[k] - g[k]);
        if (d < s->distance[s->image_item[i]]) s->distance[s->image_item[i]] = d;
    }
    *rank = 0;
    for (int j = 0; j < s->n_items; j++) *rank += s->distance[j] < s->distance[item];
    return 0;
}

int mini_split_eval_open(MiniSplitEval *e, const char *command, const char *model, int threads, const char *split,
                         int min_items) {
    memset(e, 0, sizeof *e);
    Error err = {0};
    e->m = mini_cli_open(command, model, threads, e->dir, sizeof e->dir, NULL);
    if (!e->m) return -1;
    snprintf(e->vq_path, sizeof e->vq_path, "%s/vq.safetensors", e->dir);
    if (vq_load(&e->vq, e->vq_path, NULL, NULL, &err) || mini_split_load(&e->s, e->m, e->vq, split, &err)) {
        fprintf(stderr, "%s: %s\n", command, err.message);
        return -1;
    }
    if (e->s->n_items < min_items) {
        fprintf(stderr, "%s: %s: %d items with an image and both names; the metrics need at least %d\n", command, split,
                e->s->n_items, min_items);
        return -1;
    }
    return 0;
}

void mini_split_eval_close(MiniSplitEval *e) {
    mini_split_free(e->s);
    vq_free(e->vq);
    mini_free(e->m);
    memset(e, 0, sizeof *e);
}
