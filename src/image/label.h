/* label.h — tiny ASCII labels in a 3x5 pixel font, for contact sheets.
 *
 * Letters are drawn upper-case; digits, letters and - . , ' : # ? / + are
 * known, any other byte (e.g. UTF-8 Hangul) is drawn as nothing, so a
 * Korean word needs a legend beside the picture.
 *
 *     label_draw(img, 2, 2, "1 apple", 2, IMAGE_BLACK);   // 2x2 pixels per font pixel
 */
#ifndef EXAONE_IMAGE_LABEL_H
#define EXAONE_IMAGE_LABEL_H

#include "image.h"

static const uint8_t IMAGE_BLACK[3] = {0, 0, 0};

/* Pixel width of text at the given pixel size (4 font columns a character). */
int label_width(const char *text, int size);
/* Draws text with its top-left corner at (x, y) into a 3-channel img; pixels outside are clipped. */
void label_draw(Image *img, int x, int y, const char *text, int size, const uint8_t colour[3]);

#endif
