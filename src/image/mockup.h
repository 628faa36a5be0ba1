/* mockup.h — a pattern shown as cloth: mapped onto a garment silhouette
 * with folds and shading, drawn entirely by our own code (no pictures).
 *
 * Silhouettes are closed outlines in unit coordinates, smoothed with
 * Catmull-Rom splines and filled with 4x4 supersampling. The pattern is
 * repeated (wrapping, bilinear) at a given scale and shifted slightly along
 * the folds; folds are a smooth low-frequency height field that modulates
 * luminance, the edge of the silhouette is darkened (a blurred mask), and the
 * garment casts a soft shadow on a light background.
 *
 *     Image *m = mockup_render(pattern, MOCKUP_TSHIRT, 768, 0.25, &err);
 */
#ifndef EXAONE_IMAGE_MOCKUP_H
#define EXAONE_IMAGE_MOCKUP_H

#include "image.h"

typedef enum { MOCKUP_TSHIRT, MOCKUP_DRESS, MOCKUP_HOODIE, MOCKUP_SCARF, MOCKUP_N_GARMENTS } MockupGarment;

extern const char *const mockup_garment_names[MOCKUP_N_GARMENTS];
/* "tshirt" -> MOCKUP_TSHIRT; -1 when unknown. */
int mockup_garment_parse(const char *name);

/* Coverage of the garment in [0, 1], size x size floats (mem_free). */
float *mockup_mask(MockupGarment g, int size, Error *err);

/* RGB image size x size (64..4096). tile_frac: width of one pattern repeat
 * as a fraction of the image (0.02..1). */
Image *mockup_render(const Image *pattern, MockupGarment g, int size, double tile_frac, Error *err);

#endif
