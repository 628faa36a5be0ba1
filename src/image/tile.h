/* tile.h — seamless patterns: repeating an image and measuring its seams.
 *
 * A tile is seamless when stepping across its wrap edge (last column to
 * first, last row to first) changes pixels no more than stepping between two
 * neighbouring interior columns/rows does. image_seam_measure reports both,
 * so a test can assert wrap <= interior * (1 + margin).
 *
 *     Image *big = image_repeat(tile, 3, 3, &err);
 *     ImageSeam s; image_seam_measure(tile, &s);
 *     if (s.wrap_x > s.interior_x * 1.1) ... visible vertical seam
 */
#ifndef EXAONE_IMAGE_TILE_H
#define EXAONE_IMAGE_TILE_H

#include "image.h"

/* nx x ny copies of src side by side (at most IMAGE_MAX_SIDE per side). */
Image *image_repeat(const Image *src, int nx, int ny, Error *err);

typedef struct {
    /* mean |a - b| over channels, per adjacent pixel pair */
    double wrap_x;     /* column width-1 vs column 0 */
    double interior_x; /* column x vs x+1, averaged over x in [0, width-2] */
    double wrap_y;     /* row height-1 vs row 0 */
    double interior_y;
} ImageSeam;

/* Needs width, height >= 2. */
void image_seam_measure(const Image *img, ImageSeam *out);

#endif
