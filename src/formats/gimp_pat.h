/* gimp_pat.h — GIMP pattern files (.pat): one tileable image with a name.
 *
 * Layout (GIMP devel-docs/pat.txt), all u32 big-endian: header_size (24 +
 * the name's bytes, NUL included), version (1), width, height, bytes per
 * pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), magic "GPAT"; then the UTF-8
 * name up to header_size; then width*height*bpp bytes of pixels, row-major.
 * Sizes are checked against the file before anything is allocated.
 *
 *     GimpPattern pat;
 *     if (gimp_pat_read_file("brick.pat", &pat, &err) != 0) ...
 *     ... pat.name, pat.image->width, pat.image->channels ...
 *     gimp_pat_free(&pat);
 */
#ifndef EXAONE_FORMATS_GIMP_PAT_H
#define EXAONE_FORMATS_GIMP_PAT_H

#include "../core/error.h"
#include "../image/image.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *name;   /* as stored, e.g. "Brick" */
    Image *image; /* channels = bytes per pixel */
} GimpPattern;

int gimp_pat_parse(const uint8_t *data, size_t size, const char *source, GimpPattern *out, Error *err);
int gimp_pat_read_file(const char *path, GimpPattern *out, Error *err);
void gimp_pat_free(GimpPattern *pat);

#endif
