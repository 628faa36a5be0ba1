/* resize.h — scaling 8-bit images.
 *
 * IMAGE_BOX averages every source pixel the destination pixel covers (exact
 * area weights, so 64 -> 32 is the mean of each 2x2 block); it is the right
 * filter for shrinking. IMAGE_BILINEAR samples at pixel centres (half-pixel
 * convention, edges clamped) and suits enlarging; IMAGE_BOX also falls back
 * to it when enlarging.
 *
 *     Image *small = image_resize(big, 64, 64, IMAGE_BOX, &err);
 */
#ifndef EXAONE_IMAGE_RESIZE_H
#define EXAONE_IMAGE_RESIZE_H

#include "image.h"

typedef enum { IMAGE_BOX = 0, IMAGE_BILINEAR = 1 } ImageFilter;

Image *image_resize(const Image *src, int width, int height, ImageFilter filter, Error *err);

#endif
