/* VQ image data (see vq_data.h). */
#include "vq_data.h"

#include "../../core/file.h"
#include "../../core/log.h"
#include "../../core/mem.h"
#include "../../formats/png.h"
#include "../../image/image.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vq_png_read(const char *path, uint8_t **rgb, int *H, int *W, Error *err) {
    *rgb = NULL;
    Image *img;
    if (pngio_read_file(path, 3, &img, NULL, err) != 0) return -1;
    /* hand the pixel buffer over; the Image shell is freed */
    *rgb = img->pixels, *H = img->height, *W = img->width;
    img->pixels = NULL;
    image_free(img);
    return 0;
}

int vq_png_write(const char *path, const uint8_t *rgb, int H, int W, Error *err) {
    Image img = {.width = W, .height = H, .channels = 3, .pixels = (uint8_t *)rgb};
    return pngio_write_file(path, &img, NULL, 0, err);
}

/* Skin-tone variants of an emoji ("1f44b-1f3fd.png") are one item: the key
 * drops the modifiers -1f3fb..-1f3ff so all variants fall on the same side. */
static void item_key(char *key, size_t size, const char *base) {
    size_t n = 0;
    for (const char *p = base; *p && n + 1 < size;) {
        if (strncmp(p, "-1f3f", 5) == 0 && p[5] >= 'b' && p[5] <= 'f') {
            p += 6;
            continue;
        }
        key[n++] = *p++;
    }
    key[n] = 0;
}

int vq_is_held_out(const char *path) {
    const char *base = strrchr(path, '/');
    char key[256];
    item_key(key, sizeof key, base ? base + 1 : path);
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 1099511628211ull;
    /* FNV's low bits depend only on the inputs' low bits: mix before taking
     * the remainder (MurmurHash3's fmix64), or similar names all land alike. */
    h ^= h >> 33, h *= 0xff51afd7ed558ccdull, h ^= h >> 33, h *= 0xc4ceb9fe1a85ec53ull, h ^= h >> 33;
    return h % 20 == 0;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct {
    char **items;
    int count, cap;
} NameList;

static int list_push(NameList *l, char *s) {
    if (!s) return -1;
    if (l->count == l->cap) {
        int cap = l->cap ? l->cap * 2 : 256;
        char **grown = mem_realloc(l->items, (size_t)cap * sizeof *grown);
        if (!grown) {
            mem_free(s);
            return -1;
        }
        l->items = grown, l->cap = cap;
    }
    l->items[l->count++] = s;
    return 0;
}

static void list_free(NameList *l) {
    for (int i = 0; i < l->count; i++) mem_free(l->items[i]);
    mem_free(l->items);
}

static int list_paths(NameList *l, const char *dir_or_list, Error *err) {
    if (dir_exists(dir_or_list)) {
        DIR *d = opendir(dir_or_list);
        if (!d) return error_set(err, "%s: cannot open directory", dir_or_list);
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 4, ".png") != 0) continue;
            char *p = mem_alloc(strlen(dir_or_list) + len + 2);
            if (p) sprintf(p, "%s/%s", dir_or_list, e->d_name);
            if (list_push(l, p) != 0) {
                closedir(d);
                return error_set(err, "%s: out of memory", dir_or_list);
            }
        }
        closedir(d);
    } else {
        char *text;
        size_t size;
        if (file_read_all(dir_or_list, (size_t)1 << 30, &text, &size, err) != 0) return -1;
        for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n"))
            if (*line && list_push(l, mem_strdup(line)) != 0) {
                mem_free(text);
                return error_set(err, "%s: out of memory", dir_or_list);
            }
        mem_free(text);
    }
    qsort(l->items, (size_t)l->count, sizeof *l->items, compare_names);
    return 0;
}

int vq_dataset_load(VqDataset *ds, const char *dir_or_list, int H, int W, Error *err) {
    memset(ds, 0, sizeof *ds);
    ds->H = H, ds->W = W;
    NameList l = {0};
    if (list_paths(&l, dir_or_list, err) != 0) {
        list_free(&l);
        return -1;
    }
    size_t per = (size_t)H * W * 3;
    ds->train = mem_alloc(per * (size_t)(l.count ? l.count : 1));
    ds->eval = mem_alloc(per * (size_t)(l.count ? l.count : 1));
    if (!ds->train || !ds->eval) {
        list_free(&l);
        vq_dataset_free(ds);
        return error_set(err, "%s: out of memory for %d images", dir_or_list, l.count);
    }
    int skipped = 0;
    for (int i = 0; i < l.count; i++) {
        uint8_t *rgb;
        int h, w;
        Error e = {0};
        if (vq_png_read(l.items[i], &rgb, &h, &w, &e) != 0) {
            log_warn("skipping %s", e.message);
            skipped++;
            continue;
        }
        if (h != H || w != W) {
            skipped++;
            mem_free(rgb);
            continue;
        }
        int held = vq_is_held_out(l.items[i]);
        memcpy((held ? ds->eval : ds->train) + per * (size_t)(held ? ds->n_eval : ds->n_train), rgb, per);
        if (held) ds->n_eval++;
        else ds->n_train++;
        mem_free(rgb);
    }
    list_free(&l);
    if (skipped) log_info("%s: skipped %d files that are not %dx%d PNGs", dir_or_list, skipped, W, H);
    if (ds->n_train == 0) {
        vq_dataset_free(ds);
        return error_set(err, "%s: no %dx%d PNG images to train on", dir_or_list, W, H);
    }
    return 0;
}

void vq_dataset_free(VqDataset *ds) {
    mem_free(ds->train), mem_free(ds->eval);
    memset(ds, 0, sizeof *ds);
}

void vq_pixels_to_float(float *out, const uint8_t *rgb, int H, int W, int flip) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const uint8_t *src = rgb + ((size_t)y * W + (size_t)(flip ? W - 1 - x : x)) * 3;
            float *dst = out + ((size_t)y * W + x) * 3;
            for (int c = 0; c < 3; c++) dst[c] = (float)src[c] * (2.0f / 255.0f) - 1.0f;
        }
}

void vq_pixels_to_u8(uint8_t *out, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = (x[i] + 1.0f) * 127.5f + 0.5f;
        out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}
