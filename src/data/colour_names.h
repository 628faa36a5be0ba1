/* colour_names.h — naming the dominant colours of an image, in EN and KO.
 *
 * Each pixel is put into one of eleven basic colour terms (Berlin & Kay's
 * universal set: black, white, gray, red, orange, yellow, green, blue,
 * purple, pink, brown) by rules on hue, saturation and value; the terms that
 * cover the most pixels are the image's colours. Korean has two forms: the
 * modifier used before a noun ("빨간 사과") and the noun ("빨간색").
 *
 *     ColourSummary s;
 *     colour_summarize(img, &s);           // img: RGB
 *     colour_en(s.top[0]), colour_ko_modifier(s.top[0]), s.fraction[0]
 */
#ifndef EXAONE_DATA_COLOUR_NAMES_H
#define EXAONE_DATA_COLOUR_NAMES_H

#include "../image/image.h"

typedef enum {
    COLOUR_BLACK, COLOUR_WHITE, COLOUR_GRAY, COLOUR_RED, COLOUR_ORANGE, COLOUR_YELLOW,
    COLOUR_GREEN, COLOUR_BLUE, COLOUR_PURPLE, COLOUR_PINK, COLOUR_BROWN, COLOUR_COUNT
} ColourTerm;

typedef struct {
    /* Colour terms by pixel share, largest first; n_top of them cover at
     * least COLOUR_MIN_SHARE of the pixels each (1 or 2). */
    ColourTerm top[2];
    double fraction[2];
    int n_top;
} ColourSummary;

#define COLOUR_MIN_SHARE 0.25

ColourTerm colour_classify(uint8_t r, uint8_t g, uint8_t b);
/* img: 3 channels. */
void colour_summarize(const Image *img, ColourSummary *out);
const char *colour_en(ColourTerm c);
const char *colour_ko_modifier(ColourTerm c);
const char *colour_ko_noun(ColourTerm c);

#endif
