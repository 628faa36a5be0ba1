/* Shared plumbing of the emoji evaluation commands (see emoji_eval.h). */
#include "emoji_eval.h"

#include "../core/mem.h"
#include "../train/vision/vq_data.h"
#include "mini_cli.h"

#include <stdio.h>
#include <string.h>

int emoji_eval_open(EmojiEval *ev, const char *command, const char *data_dir, const char *model_dir,
                    const MiniModel *m) {
    char dir[1024], path[1100];
    Error err = {0};
    memset(ev, 0, sizeof *ev);
    if (!data_dir) {
        char cache[1000];
        mini_cli_cache_dir(cache, sizeof cache);
        snprintf(dir, sizeof dir, "%s/dataset", cache);
        data_dir = dir;
    }
    const MiniVocab *v = mini_vocab(m);
    ev->grid_h = v->grid_h;
    ev->grid_w = v->grid_w;
    snprintf(path, sizeof path, "%s/emoji64.tsv", data_dir);
    int rc = emoji_table_load(&ev->table, path, &err);
    snprintf(path, sizeof path, "%s/emoji64.bin", data_dir);
    if (!rc) rc = image_pack_open(&ev->pack, path, &err);
    ev->pack_open = !rc;
    if (!rc && ev->pack.channels != 3) rc = error_set(&err, "%s: want RGB images", path);
    snprintf(path, sizeof path, "%s/vq.safetensors", model_dir);
    if (!rc) rc = vq_load(&ev->vq, path, NULL, NULL, &err);
    if (!rc) {
        ev->height = ev->grid_h * vq_factor(&ev->vq->config);
        ev->width = ev->grid_w * vq_factor(&ev->vq->config);
    }
    for (int i = 0; !rc && i < ev->table.n; i++)
        if (ev->table.rows[i].row >= (long)ev->pack.count)
            rc = error_set(&err, "%s/emoji64.tsv: row %ld is past the %u images of emoji64.bin", data_dir,
                           ev->table.rows[i].row, ev->pack.count);
    if (rc) {
        fprintf(stderr, "%s: %s (prepare the dataset with tools/fetch-data and exaone data prepare)\n", command,
                err.message);
        emoji_eval_close(ev);
    }
    return rc;
}

MiniModel *emoji_eval_open_with_model(EmojiEval *ev, const char *command, const char *model, int threads,
                                      const char *data_dir, char *dir, size_t dir_cap) {
    MiniModel *m = mini_cli_open(command, model, threads, dir, dir_cap, NULL);
    if (m && emoji_eval_open(ev, command, data_dir, dir, m) != 0) {
        mini_free(m);
        return NULL;
    }
    return m;
}

void emoji_eval_close(EmojiEval *ev) {
    emoji_table_free(&ev->table);
    if (ev->pack_open) image_pack_close(&ev->pack);
    vq_free(ev->vq);
    memset(ev, 0, sizeof *ev);
}

Image *emoji_eval_image(const EmojiEval *ev, const EmojiRow *r, Error *err) {
    Image *img = image_new(ev->pack.width, ev->pack.height, 3, err);
    if (img) memcpy(img->pixels, image_pack_pixels(&ev->pack, (uint32_t)r->row), image_bytes(img));
    return img;
}

int emoji_eval_codes(EmojiEval *ev, const Image *rgb, int *codes, Error *err) {
    int G = ev->grid_h * ev->grid_w;
    if (rgb->width != ev->width || rgb->height != ev->height || rgb->channels != 3)
        return error_set(err, "eval: picture is %dx%d, the VQ wants %dx%d RGB", rgb->width, rgb->height, ev->width,
                         ev->height);
    float *x = mem_alloc((size_t)rgb->width * rgb->height * 3 * sizeof(float));
    int32_t *c32 = mem_alloc((size_t)G * sizeof(int32_t));
    int rc = x && c32 ? 0 : error_set(err, "eval: out of memory");
    if (!rc) {
        vq_pixels_to_float(x, rgb->pixels, rgb->height, rgb->width, 0);
        rc = vq_encode(ev->vq, x, 1, rgb->height, rgb->width, c32, err);
    }
    for (int g = 0; !rc && g < G; g++) codes[g] = c32[g];
    mem_free(x);
    mem_free(c32);
    return rc;
}

int emoji_eval_test_items(const EmojiEval *ev, int **out, int *n) {
    *n = 0;
    *out = mem_alloc(((size_t)ev->table.n + 1) * sizeof(int));
    if (!*out) return -1;
    for (int i = 0; i < ev->table.n; i++) {
        const EmojiRow *r = &ev->table.rows[i];
        if (r->split != SPLIT_TEST || !*r->en_label || !*r->ko_label) continue;
        int seen = 0;
        for (int k = 0; k < *n && !seen; k++) seen = strcmp(ev->table.rows[(*out)[k]].item, r->item) == 0;
        if (!seen) (*out)[(*n)++] = i;
    }
    return 0;
}
