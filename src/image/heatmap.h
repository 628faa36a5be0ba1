/* heatmap.h — a saliency map drawn over a picture.
 *
 * heatmap_overlay greys the picture and blends over it a map (any grid,
 * bilinearly upsampled to the picture) coloured dark blue -> cyan -> yellow
 * -> red from 0 to the map's maximum, and scales the result by an integer
 * factor so 64x64 emoji stay visible.
 *
 *     Image *tile = heatmap_overlay(rgb, map, 8, 8, 2, &err);
 */
#ifndef EXAONE_IMAGE_HEATMAP_H
#define EXAONE_IMAGE_HEATMAP_H

#include "image.h"

/* rgb: a 3-channel picture; map [map_h, map_w] >= 0. Returns a new RGB
 * image of (width * scale) x (height * scale). */
Image *heatmap_overlay(const Image *rgb, const float *map, int map_h, int map_w, int scale, Error *err);

#endif
