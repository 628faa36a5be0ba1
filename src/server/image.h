/* image.h — the server's pixels: PNG bytes <-> RGBA in memory, resizing and
 * making a drawing tile seamlessly (pattern mode).
 *
 * Decoding is bounded: images over IMAGE_MAX_SIDE on a side are refused
 * before anything is allocated for their pixels.
 */
#ifndef EXAONE_SERVER_IMAGE_H
#define EXAONE_SERVER_IMAGE_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_SIDE 4096

typedef struct {
    int w, h;
    uint8_t *rgba; /* [h][w][4], mem_alloc'd */
} Image;

void image_free(Image *im);
/* Any PNG (palette, grey, 16-bit, interlaced) -> 8-bit RGBA. */
int image_decode_png(Image *out, const uint8_t *data, size_t size, Error *err);
/* RGBA -> PNG bytes (mem_alloc'd). */
int image_encode_png(const Image *im, uint8_t **out, size_t *size, Error *err);
/* Bilinear resize of RGBA (out mem_alloc'd). */
int image_resize(const Image *in, int w, int h, Image *out, Error *err);
/* rgb [h][w][3] <-> RGBA (alpha 255 / dropped, composited over white). */
int image_from_rgb(const uint8_t *rgb, int w, int h, Image *out, Error *err);
int image_to_rgb(const Image *im, uint8_t **rgb, Error *err);
/* In place: blends the image with itself shifted by half a period so that
 * its opposite edges meet (Efros-style cross-fade), for wallpaper patterns. */
void image_make_tileable(Image *im);

#endif
