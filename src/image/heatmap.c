/* A saliency map over a picture (see heatmap.h). */
#include "heatmap.h"

#include <math.h>

/* 0 -> dark blue, 1/3 -> cyan, 2/3 -> yellow, 1 -> red: piecewise linear. */
static void colour_of(float v, float rgb[3]) {
    static const float stops[4][3] = {{0, 0, 96}, {0, 200, 255}, {255, 230, 0}, {220, 0, 0}};
    float t = v < 0 ? 0 : v > 1 ? 3 : v * 3;
    int i = t >= 3 ? 2 : (int)t;
    float f = t - (float)i;
    for (int c = 0; c < 3; c++) rgb[c] = stops[i][c] + f * (stops[i + 1][c] - stops[i][c]);
}

/* map value at pixel (x, y) of a width x height picture, bilinear between cell centres. */
static float sample(const float *map, int mh, int mw, int x, int y, int width, int height) {
    float fx = ((float)x + 0.5f) * (float)mw / (float)width - 0.5f, fy = ((float)y + 0.5f) * (float)mh / (float)height - 0.5f;
    int x0 = (int)floorf(fx), y0 = (int)floorf(fy);
    float ax = fx - (float)x0, ay = fy - (float)y0;
    int x1 = x0 + 1 < mw ? x0 + 1 : mw - 1, y1 = y0 + 1 < mh ? y0 + 1 : mh - 1;
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    float top = map[y0 * mw + x0] * (1 - ax) + map[y0 * mw + x1] * ax;
    float bottom = map[y1 * mw + x0] * (1 - ax) + map[y1 * mw + x1] * ax;
    return top * (1 - ay) + bottom * ay;
}

Image *heatmap_overlay(const Image *rgb, const float *map, int mh, int mw, int scale, Error *err) {
    if (rgb->channels != 3 || mh <= 0 || mw <= 0 || scale < 1 || scale > 64) {
        error_set(err, "heatmap: want an RGB picture, a map grid and a scale in 1..64");
        return NULL;
    }
    Image *out = image_new(rgb->width * scale, rgb->height * scale, 3, err);
    if (!out) return NULL;
    float peak = 0;
    for (int i = 0; i < mh * mw; i++) peak = map[i] > peak ? map[i] : peak;
    for (int y = 0; y < out->height; y++)
        for (int x = 0; x < out->width; x++) {
            const uint8_t *p = rgb->pixels + ((size_t)(y / scale) * rgb->width + x / scale) * 3;
            float grey = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
            float v = peak > 0 ? sample(map, mh, mw, x, y, out->width, out->height) / peak : 0, c[3];
            colour_of(v, c);
            float a = 0.3f + 0.45f * v; /* hotter regions cover more of the picture */
            uint8_t *o = out->pixels + ((size_t)y * out->width + x) * 3;
            for (int k = 0; k < 3; k++) o[k] = (uint8_t)lrintf((1 - a) * grey + a * c[k]);
        }
    return out;
}
