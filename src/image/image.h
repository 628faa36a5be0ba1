/* image.h — an 8-bit image in memory and the basic operations on it.
 *
 * Pixels are row-major, channels interleaved: pixel (x, y) channel c is
 * pixels[(y * width + x) * channels + c]. channels is 1 (gray), 2 (gray +
 * alpha), 3 (RGB) or 4 (RGBA). Every function that makes an image returns a
 * new one (free with image_free) or NULL with err filled.
 *
 *     Image *img = image_new(64, 64, 3, &err);
 *     Image *rgb = image_convert(rgba, 3, IMAGE_WHITE, &err);   // alpha over white
 *     Image *tile = image_crop(pattern, x, y, 128, 128, 1, &err); // wraps around
 *     image_free(img);
 */
#ifndef EXAONE_IMAGE_H
#define EXAONE_IMAGE_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

/* Larger sides are refused everywhere: a 16384 x 16384 RGBA image is 1 GiB. */
#define IMAGE_MAX_SIDE 16384

typedef struct {
    int width, height, channels;
    uint8_t *pixels; /* [height][width][channels] */
} Image;

static const uint8_t IMAGE_WHITE[3] = {255, 255, 255};

Image *image_new(int width, int height, int channels, Error *err);
void image_free(Image *img);
size_t image_bytes(const Image *img);

/* Any channel count -> `channels` (1, 3 or 4). Gray is replicated; RGB -> gray
 * uses BT.601 luma; losing alpha composites over `background` (RGB). */
Image *image_convert(const Image *src, int channels, const uint8_t background[3], Error *err);

/* The width x height window at (x, y). With wrap != 0 coordinates are taken
 * modulo the source size (for tileable textures), otherwise the window must
 * lie inside the image. */
Image *image_crop(const Image *src, int x, int y, int width, int height, int wrap, Error *err);

#endif
