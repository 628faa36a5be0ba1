/* png.h — PNG files on libpng: any PNG in, RGB8 or RGBA8 out; text metadata.
 *
 * Reading accepts every colour type and bit depth (palette, gray, 16-bit,
 * tRNS, interlaced) and returns 8-bit RGB (alpha composited over white) or
 * RGBA. Sizes of 0 or over IMAGE_MAX_SIDE per side are refused before any
 * pixel memory is allocated; errors name the file. libpng's own allocations
 * go through mem_alloc too, so mem_fail_after() reaches them.
 *
 * Writing stores 8-bit gray/RGB/RGBA and key/value text chunks (prompt,
 * seed, model, settings): tEXt when the value is Latin-1-safe ASCII, iTXt
 * (UTF-8) otherwise, because tEXt cannot carry Korean. The file is written
 * atomically (src/core/file.h).
 *
 *     Image *img; PngText text = {0};
 *     if (pngio_read_file("in.png", 3, &img, &text, &err) != 0) ...
 *     const char *prompt = pngio_text_get(&text, "prompt");
 *     PngTextEntry meta[] = {{"prompt", "빨간 사과"}, {"seed", "42"}};
 *     pngio_write_file("out.png", img, meta, 2, &err);
 *     image_free(img); pngio_text_free(&text);
 *
 * (The prefix is pngio_ because libpng owns png_.)
 */
#ifndef EXAONE_FORMATS_PNG_H
#define EXAONE_FORMATS_PNG_H

#include "../core/error.h"
#include "../image/image.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *key;   /* 1..79 printable Latin-1 characters */
    const char *value; /* UTF-8 */
} PngTextEntry;

typedef struct {
    int count;
    char **keys;
    char **values;
} PngText;

/* channels: 3 (RGB, alpha over white) or 4 (RGBA). text may be NULL.
 * name is used in error messages (a file name, or e.g. "request image"). */
int pngio_decode(const uint8_t *data, size_t size, const char *name, int channels, Image **out, PngText *text,
                 Error *err);
int pngio_read_file(const char *path, int channels, Image **out, PngText *text, Error *err);

/* The size in the IHDR header, without decoding, so a caller with a tighter
 * bound than IMAGE_MAX_SIDE (the server) can refuse before any pixels are
 * allocated. Fails on a bad signature or a missing/short IHDR. */
int pngio_probe(const uint8_t *data, size_t size, const char *name, int *width, int *height, Error *err);

/* img: 1, 3 or 4 channels (2 is written as 4). *out is mem_free'd by the caller. */
int pngio_encode(const Image *img, const PngTextEntry *text, int n_text, uint8_t **out, size_t *out_size, Error *err);
int pngio_write_file(const char *path, const Image *img, const PngTextEntry *text, int n_text, Error *err);

const char *pngio_text_get(const PngText *text, const char *key);
void pngio_text_free(PngText *text);

#endif
