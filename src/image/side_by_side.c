/* Two pictures side by side (see side_by_side.h). */
#include "side_by_side.h"

#include "resize.h"

#include <string.h>

Image *image_side_by_side(const Image *left, const Image *right, int width, int height, const uint8_t background[3],
                          Error *err) {
    if (left->channels != 3 || right->channels != 3 || width < 2 || height < 1) {
        error_set(err, "side by side: want two RGB pictures and a frame of at least 2x1");
        return NULL;
    }
    Image *out = image_new(width, height, 3, err);
    if (!out) return NULL;
    for (size_t i = 0; i < (size_t)width * height; i++) memcpy(out->pixels + i * 3, background, 3);
    const Image *pics[2] = {left, right};
    int half = width / 2;
    for (int k = 0; k < 2; k++) {
        const Image *p = pics[k];
        /* largest size with p's aspect inside half x height */
        int w = half, h = (int)((long)p->height * half / p->width);
        if (h > height) h = height, w = (int)((long)p->width * height / p->height);
        if (w < 1) w = 1;
        if (h < 1) h = 1;
        Image *small = image_resize(p, w, h, IMAGE_BOX, err);
        if (!small) {
            image_free(out);
            return NULL;
        }
        int x0 = k * half + (half - w) / 2, y0 = (height - h) / 2;
        for (int y = 0; y < h; y++)
            memcpy(out->pixels + ((size_t)(y0 + y) * width + x0) * 3, small->pixels + (size_t)y * w * 3, (size_t)w * 3);
        image_free(small);
    }
    return out;
}

double map_left_share(const float *map, int h, int w) {
    double left = 0, total = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            total += map[y * w + x];
            if (x < w / 2) left += map[y * w + x];
        }
    return total > 0 ? left / total : 0;
}
