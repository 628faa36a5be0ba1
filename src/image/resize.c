/* resize.c — box (area) and bilinear resampling, separable in x then y.
 *
 * Both filters are written as one weight table per axis: destination index
 * -> (first source index, weights). Resampling is then two passes of the
 * same weighted sum, in float, rounded once at the end. */
#include "resize.h"

#include "../core/mem.h"

#include <math.h>

typedef struct {
    int *first;   /* [n_out] first source index */
    int *count;   /* [n_out] number of taps */
    float *weight; /* [n_out][max_taps] */
    int max_taps;
} Taps;

static void taps_free(Taps *t) {
    mem_free(t->first);
    mem_free(t->count);
    mem_free(t->weight);
    t->first = t->count = NULL;
    t->weight = NULL;
}

static int taps_build(Taps *t, int n_in, int n_out, ImageFilter filter) {
    double scale = (double)n_in / n_out;
    t->max_taps = filter == IMAGE_BOX ? (int)ceil(scale) + 2 : 2;
    t->first = mem_alloc(sizeof(int) * (size_t)n_out);
    t->count = mem_alloc(sizeof(int) * (size_t)n_out);
    t->weight = mem_calloc((size_t)n_out * (size_t)t->max_taps, sizeof(float));
    if (!t->first || !t->count || !t->weight) {
        taps_free(t);
        return -1;
    }
    for (int o = 0; o < n_out; o++) {
        float *w = t->weight + (size_t)o * (size_t)t->max_taps;
        if (filter == IMAGE_BOX && scale > 1.0) {
            /* Destination pixel o covers source interval [o*scale, (o+1)*scale). */
            double lo = o * scale, hi = (o + 1) * scale;
            int first = (int)floor(lo), n = 0;
            for (int i = first; i < hi && i < n_in && n < t->max_taps; i++, n++) {
                double overlap = fmin(hi, i + 1.0) - fmax(lo, (double)i);
                w[n] = (float)(overlap / scale);
            }
            t->first[o] = first;
            t->count[o] = n;
        } else {
            /* Bilinear (and box when enlarging, where it degenerates to it). */
            double centre = (o + 0.5) * scale - 0.5;
            if (centre < 0) centre = 0;
            if (centre > n_in - 1) centre = n_in - 1;
            int i0 = (int)floor(centre);
            if (i0 >= n_in - 1) i0 = n_in > 1 ? n_in - 2 : 0;
            double f = centre - i0;
            t->first[o] = i0;
            t->count[o] = n_in > 1 ? 2 : 1;
            w[0] = (float)(1.0 - f);
            w[1] = (float)f;
            if (n_in == 1) w[0] = 1.0f;
        }
    }
    return 0;
}

Image *image_resize(const Image *src, int width, int height, ImageFilter filter, Error *err) {
    Image *dst = image_new(width, height, src->channels, err);
    if (!dst) return NULL;
    Taps tx = {0}, ty = {0};
    int ch = src->channels;
    /* Intermediate: src->height rows of the new width, float. */
    float *mid = mem_alloc(sizeof(float) * (size_t)src->height * (size_t)width * (size_t)ch);
    if (!mid || taps_build(&tx, src->width, width, filter) != 0 ||
        taps_build(&ty, src->height, height, filter) != 0) {
        mem_free(mid);
        taps_free(&tx);
        taps_free(&ty);
        image_free(dst);
        error_set(err, "out of memory resizing %dx%d to %dx%d", src->width, src->height, width, height);
        return NULL;
    }
    for (int y = 0; y < src->height; y++) {
        const uint8_t *row = src->pixels + (size_t)y * (size_t)src->width * (size_t)ch;
        for (int x = 0; x < width; x++) {
            const float *w = tx.weight + (size_t)x * (size_t)tx.max_taps;
            for (int c = 0; c < ch; c++) {
                float s = 0;
                for (int k = 0; k < tx.count[x]; k++) s += w[k] * row[(size_t)(tx.first[x] + k) * (size_t)ch + (size_t)c];
                mid[((size_t)y * (size_t)width + (size_t)x) * (size_t)ch + (size_t)c] = s;
            }
        }
    }
    for (int y = 0; y < height; y++) {
        const float *w = ty.weight + (size_t)y * (size_t)ty.max_taps;
        for (int x = 0; x < width; x++) {
            for (int c = 0; c < ch; c++) {
                float s = 0;
                for (int k = 0; k < ty.count[y]; k++)
                    s += w[k] * mid[((size_t)(ty.first[y] + k) * (size_t)width + (size_t)x) * (size_t)ch + (size_t)c];
                float v = floorf(s + 0.5f);
                dst->pixels[((size_t)y * (size_t)width + (size_t)x) * (size_t)ch + (size_t)c] =
                    (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
    mem_free(mid);
    taps_free(&tx);
    taps_free(&ty);
    return dst;
}
