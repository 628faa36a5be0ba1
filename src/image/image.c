/* image.c — allocation, channel conversion and cropping of 8-bit images. */
#include "image.h"

#include "../core/mem.h"

#include <string.h>

Image *image_new(int width, int height, int channels, Error *err) {
    if (width <= 0 || height <= 0 || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE) {
        error_set(err, "image size %dx%d is outside 1..%d per side", width, height, IMAGE_MAX_SIDE);
        return NULL;
    }
    if (channels < 1 || channels > 4) {
        error_set(err, "image channel count %d is not 1..4", channels);
        return NULL;
    }
    Image *img = mem_calloc(1, sizeof *img);
    size_t bytes = (size_t)width * (size_t)height * (size_t)channels;
    uint8_t *pixels = img ? mem_calloc(bytes, 1) : NULL;
    if (!pixels) {
        mem_free(img);
        error_set(err, "out of memory for a %dx%dx%d image", width, height, channels);
        return NULL;
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->pixels = pixels;
    return img;
}

void image_free(Image *img) {
    if (!img) return;
    mem_free(img->pixels);
    mem_free(img);
}

size_t image_bytes(const Image *img) { return (size_t)img->width * (size_t)img->height * (size_t)img->channels; }

/* One pixel to RGBA (straight alpha). */
static void pixel_to_rgba(const uint8_t *p, int channels, uint8_t rgba[4]) {
    switch (channels) {
    case 1: rgba[0] = rgba[1] = rgba[2] = p[0]; rgba[3] = 255; break;
    case 2: rgba[0] = rgba[1] = rgba[2] = p[0]; rgba[3] = p[1]; break;
    case 3: rgba[0] = p[0]; rgba[1] = p[1]; rgba[2] = p[2]; rgba[3] = 255; break;
    default: memcpy(rgba, p, 4); break;
    }
}

Image *image_convert(const Image *src, int channels, const uint8_t background[3], Error *err) {
    if (channels != 1 && channels != 3 && channels != 4) {
        error_set(err, "cannot convert an image to %d channels (1, 3 or 4)", channels);
        return NULL;
    }
    Image *dst = image_new(src->width, src->height, channels, err);
    if (!dst) return NULL;
    size_t n = (size_t)src->width * (size_t)src->height;
    for (size_t i = 0; i < n; i++) {
        uint8_t rgba[4];
        pixel_to_rgba(src->pixels + i * (size_t)src->channels, src->channels, rgba);
        uint8_t *out = dst->pixels + i * (size_t)channels;
        if (channels == 4) {
            memcpy(out, rgba, 4);
            continue;
        }
        uint8_t rgb[3];
        for (int c = 0; c < 3; c++) {
            /* Straight alpha: out = a*fg + (1-a)*bg, rounded. */
            unsigned v = (unsigned)rgba[c] * rgba[3] + (unsigned)background[c] * (255u - rgba[3]);
            rgb[c] = (uint8_t)((v + 127) / 255);
        }
        if (channels == 3) {
            memcpy(out, rgb, 3);
        } else {
            unsigned y = 299u * rgb[0] + 587u * rgb[1] + 114u * rgb[2];
            out[0] = (uint8_t)((y + 500) / 1000);
        }
    }
    return dst;
}

Image *image_crop(const Image *src, int x, int y, int width, int height, int wrap, Error *err) {
    if (!wrap && (x < 0 || y < 0 || width > src->width - x || height > src->height - y)) {
        error_set(err, "crop %dx%d at (%d,%d) is outside the %dx%d image", width, height, x, y, src->width,
                  src->height);
        return NULL;
    }
    Image *dst = image_new(width, height, src->channels, err);
    if (!dst) return NULL;
    size_t ch = (size_t)src->channels;
    for (int j = 0; j < height; j++) {
        int sy = ((y + j) % src->height + src->height) % src->height;
        for (int i = 0; i < width; i++) {
            int sx = ((x + i) % src->width + src->width) % src->width;
            memcpy(dst->pixels + ((size_t)j * (size_t)width + (size_t)i) * ch,
                   src->pixels + ((size_t)sy * (size_t)src->width + (size_t)sx) * ch, ch);
        }
    }
    return dst;
}
