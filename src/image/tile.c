/* Repeating tiles and measuring wrap-edge seams (tile.h). */
#include "tile.h"

#include "../core/mem.h"

#include <stdlib.h>
#include <string.h>

Image *image_repeat(const Image *src, int nx, int ny, Error *err) {
    if (nx < 1 || ny < 1 || (int64_t)src->width * nx > IMAGE_MAX_SIDE || (int64_t)src->height * ny > IMAGE_MAX_SIDE) {
        error_set(err, "image: %dx%d repeats of a %dx%d image are out of range (max side %d)", nx, ny, src->width,
                  src->height, IMAGE_MAX_SIDE);
        return NULL;
    }
    Image *out = image_new(src->width * nx, src->height * ny, src->channels, err);
    if (!out) return NULL;
    size_t row = (size_t)src->width * (size_t)src->channels;
    for (int y = 0; y < out->height; y++) {
        const uint8_t *s = src->pixels + (size_t)(y % src->height) * row;
        uint8_t *d = out->pixels + (size_t)y * row * (size_t)nx;
        for (int i = 0; i < nx; i++) memcpy(d + (size_t)i * row, s, row);
    }
    return out;
}

/* Mean |a - b| between column xa and column xb (or rows, when vertical). */
static double line_diff(const Image *img, int a, int b, int vertical) {
    int n = vertical ? img->width : img->height, ch = img->channels;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        const uint8_t *p = vertical ? img->pixels + ((size_t)a * img->width + i) * ch
                                    : img->pixels + ((size_t)i * img->width + a) * ch;
        const uint8_t *q = vertical ? img->pixels + ((size_t)b * img->width + i) * ch
                                    : img->pixels + ((size_t)i * img->width + b) * ch;
        for (int c = 0; c < ch; c++) sum += abs((int)p[c] - (int)q[c]);
    }
    return sum / ((double)n * ch);
}

void image_seam_measure(const Image *img, ImageSeam *out) {
    memset(out, 0, sizeof *out);
    if (img->width < 2 || img->height < 2) return;
    out->wrap_x = line_diff(img, img->width - 1, 0, 0);
    out->wrap_y = line_diff(img, img->height - 1, 0, 1);
    for (int x = 0; x + 1 < img->width; x++) out->interior_x += line_diff(img, x, x + 1, 0);
    for (int y = 0; y + 1 < img->height; y++) out->interior_y += line_diff(img, y, y + 1, 1);
    out->interior_x /= img->width - 1;
    out->interior_y /= img->height - 1;
}
