/* grid.c — contact sheets of images (samples, evaluation pages). */
#include "grid.h"

#include <math.h>
#include <string.h>

Image *image_grid(const Image *const *images, int n, int columns, int gap, const uint8_t background[3], Error *err) {
    if (n <= 0) {
        error_set(err, "image grid: no images");
        return NULL;
    }
    if (gap < 0 || gap > 1024) {
        error_set(err, "image grid: gap %d is outside 0..1024", gap);
        return NULL;
    }
    int cell_w = 0, cell_h = 0, channels = 3;
    for (int i = 0; i < n; i++) {
        if (images[i]->width > cell_w) cell_w = images[i]->width;
        if (images[i]->height > cell_h) cell_h = images[i]->height;
        if (images[i]->channels == 2 || images[i]->channels == 4) channels = 4;
    }
    if (columns <= 0) columns = (int)ceil(sqrt((double)n));
    if (columns > n) columns = n;
    int rows = (n + columns - 1) / columns;
    int64_t w = (int64_t)columns * (cell_w + gap) + gap, h = (int64_t)rows * (cell_h + gap) + gap;
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) {
        error_set(err, "image grid: %d images of %dx%d make a %lldx%lld sheet, over %d per side", n, cell_w, cell_h,
                  (long long)w, (long long)h, IMAGE_MAX_SIDE);
        return NULL;
    }
    Image *sheet = image_new((int)w, (int)h, channels, err);
    if (!sheet) return NULL;
    size_t ch = (size_t)channels;
    for (size_t p = 0; p < (size_t)w * (size_t)h; p++) {
        memcpy(sheet->pixels + p * ch, background, 3);
        if (ch == 4) sheet->pixels[p * ch + 3] = 255;
    }
    for (int i = 0; i < n; i++) {
        Image *cell = image_convert(images[i], channels, background, err);
        if (!cell) {
            image_free(sheet);
            return NULL;
        }
        int x0 = gap + (i % columns) * (cell_w + gap) + (cell_w - cell->width) / 2;
        int y0 = gap + (i / columns) * (cell_h + gap) + (cell_h - cell->height) / 2;
        for (int y = 0; y < cell->height; y++)
            memcpy(sheet->pixels + ((size_t)(y0 + y) * (size_t)w + (size_t)x0) * ch,
                   cell->pixels + (size_t)y * (size_t)cell->width * ch, (size_t)cell->width * ch);
        image_free(cell);
    }
    return sheet;
}
