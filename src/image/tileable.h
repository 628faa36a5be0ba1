/* tileable.h — turning a drawing into a seamless wallpaper tile.
 *
 * The image is blended with itself shifted by half a period on both axes
 * (Efros-style cross-fade): the original dominates in the middle, the shifted
 * copy at the borders, so opposite edges continue each other. Used by the
 * server's pattern mode.
 *
 *     if (image_make_tileable(img, &err) != 0) ...
 */
#ifndef EXAONE_IMAGE_TILEABLE_H
#define EXAONE_IMAGE_TILEABLE_H

#include "image.h"

/* In place, any channel count; images under 2x2 are left as they are. */
int image_make_tileable(Image *img, Error *err);

#endif
