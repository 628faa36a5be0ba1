/* grid.h — N images composed into one contact sheet.
 *
 * Cells are the size of the largest image; smaller images sit centred in
 * their cell. `gap` pixels of `background` separate cells and frame the
 * sheet. The result has the largest channel count of the inputs (images with
 * fewer channels are converted; alpha is kept only if some input has it).
 *
 *     Image *sheet = image_grid(images, 64, 8, 2, IMAGE_WHITE, &err);
 */
#ifndef EXAONE_IMAGE_GRID_H
#define EXAONE_IMAGE_GRID_H

#include "image.h"

/* columns <= 0 picks ceil(sqrt(n)). */
Image *image_grid(const Image *const *images, int n, int columns, int gap, const uint8_t background[3], Error *err);

#endif
