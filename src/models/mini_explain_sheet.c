/* Pictures of word <-> region maps: one labelled tile per word, a contact
 * sheet of them, and the legend (see mini_explain.h). */
#include "mini_explain.h"

#include "../core/mem.h"
#include "../formats/png.h"
#include "../image/grid.h"
#include "../image/heatmap.h"
#include "../image/label.h"
#include "../image/resize.h"

#include <stdio.h>
#include <string.h>

enum { LABEL_SIZE = 2, LABEL_STRIP = 5 * LABEL_SIZE + 6 };

/* Small pictures (64x64 emoji) are blown up so a map cell is visible. */
static int scale_for(const Image *rgb) {
    int side = rgb->width > rgb->height ? rgb->width : rgb->height;
    return side >= 128 ? 1 : (128 + side - 1) / side;
}

/* picture (scaled) under a white strip holding text. */
static Image *labelled(const Image *picture, const char *text, Error *err) {
    Image *out = image_new(picture->width, picture->height + LABEL_STRIP, 3, err);
    if (!out) return NULL;
    memset(out->pixels, 255, (size_t)out->width * LABEL_STRIP * 3);
    memcpy(out->pixels + (size_t)out->width * LABEL_STRIP * 3, picture->pixels, image_bytes(picture));
    label_draw(out, 3, 3, text, LABEL_SIZE, IMAGE_BLACK);
    return out;
}

Image *mini_explain_tile(const MiniExplanation *e, int word, const Image *rgb, Error *err) {
    if (word < 0 || word >= e->n_words) {
        error_set(err, "explain: no word %d", word);
        return NULL;
    }
    Image *heat = heatmap_overlay(rgb, e->maps + (size_t)word * e->grid_h * e->grid_w, e->grid_h, e->grid_w,
                                  scale_for(rgb), err);
    if (!heat) return NULL;
    char text[96];
    snprintf(text, sizeof text, "%d %s", word + 1, e->words[word]);
    Image *out = labelled(heat, text, err);
    image_free(heat);
    return out;
}

Image *mini_explain_sheet(const MiniExplanation *e, const Image *rgb, Error *err) {
    int n = e->n_words + 1;
    Image **tiles = mem_calloc((size_t)n, sizeof *tiles), *sheet = NULL;
    if (!tiles) {
        error_set(err, "explain: out of memory");
        return NULL;
    }
    int scale = scale_for(rgb); /* the picture itself as the first tile */
    Image *plain = image_resize(rgb, rgb->width * scale, rgb->height * scale, IMAGE_BILINEAR, err);
    if (plain) tiles[0] = labelled(plain, "image", err);
    image_free(plain);
    int ok = tiles[0] != NULL;
    for (int w = 0; ok && w < e->n_words; w++) ok = (tiles[w + 1] = mini_explain_tile(e, w, rgb, err)) != NULL;
    if (ok) sheet = image_grid((const Image *const *)tiles, n, n < 5 ? n : 5, 4, IMAGE_WHITE, err);
    for (int i = 0; i < n; i++) image_free(tiles[i]);
    mem_free(tiles);
    return sheet;
}

char *mini_explain_legend(const MiniExplanation *e) {
    size_t cap = 1;
    for (int w = 0; w < e->n_words; w++) cap += strlen(e->words[w]) + 16;
    char *out = mem_alloc(cap), *p = out;
    if (!out) return NULL;
    *p = 0;
    for (int w = 0; w < e->n_words; w++) p += snprintf(p, cap - (size_t)(p - out), "%d %s\n", w + 1, e->words[w]);
    return out;
}

int mini_explain_write(const MiniExplanation *e, const Image *rgb, const char *path, const char *what, Error *err) {
    Image *sheet = mini_explain_sheet(e, rgb, err);
    char *legend = sheet ? mini_explain_legend(e) : NULL;
    int rc = -1;
    if (sheet && !legend) error_set(err, "explain: out of memory");
    if (legend) {
        PngTextEntry meta[] = {{"explains", what}, {"words", legend}};
        rc = pngio_write_file(path, sheet, meta, 2, err);
    }
    image_free(sheet);
    mem_free(legend);
    return rc;
}
