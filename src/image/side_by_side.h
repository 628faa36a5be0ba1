/* side_by_side.h — two pictures in one frame, left and right.
 *
 * Each picture is shrunk (box filter, aspect kept) to fit half the frame's
 * width and centred in its half on the background colour; used to build
 * two-emoji test pictures for the explanation maps (mini_explain.h).
 *
 *     Image *pair = image_side_by_side(apple, cat, 64, 64, IMAGE_WHITE, &err);  // two 32x32 emoji
 */
#ifndef EXAONE_IMAGE_SIDE_BY_SIDE_H
#define EXAONE_IMAGE_SIDE_BY_SIDE_H

#include "image.h"

/* left, right: 3-channel pictures. Returns a new width x height RGB image. */
Image *image_side_by_side(const Image *left, const Image *right, int width, int height, const uint8_t background[3],
                          Error *err);
/* The share of a non-negative map [h, w] in its left half (columns < w/2); 0 for an all-zero map. */
double map_left_share(const float *map, int h, int w);

#endif
