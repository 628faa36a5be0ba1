/* colour_names.c — basic colour terms from HSV rules (see colour_names.h).
 * The thresholds are eyeballed on the GIMP patterns and emoji: dark
 * oranges and yellows read as brown, pale reds as pink. */
#include "colour_names.h"

static const char *const names_en[COLOUR_COUNT] = {"black", "white", "gray", "red", "orange", "yellow",
                                                   "green", "blue", "purple", "pink", "brown"};
static const char *const names_ko_modifier[COLOUR_COUNT] = {"검은", "흰", "회색", "빨간", "주황색", "노란",
                                                            "초록색", "파란", "보라색", "분홍색", "갈색"};
static const char *const names_ko_noun[COLOUR_COUNT] = {"검은색", "흰색", "회색", "빨간색", "주황색", "노란색",
                                                        "초록색", "파란색", "보라색", "분홍색", "갈색"};

const char *colour_en(ColourTerm c) { return (unsigned)c < COLOUR_COUNT ? names_en[c] : "?"; }
const char *colour_ko_modifier(ColourTerm c) { return (unsigned)c < COLOUR_COUNT ? names_ko_modifier[c] : "?"; }
const char *colour_ko_noun(ColourTerm c) { return (unsigned)c < COLOUR_COUNT ? names_ko_noun[c] : "?"; }

ColourTerm colour_classify(uint8_t r8, uint8_t g8, uint8_t b8) {
    double r = r8 / 255.0, g = g8 / 255.0, b = b8 / 255.0;
    double max = r > g ? (r > b ? r : b) : (g > b ? g : b);
    double min = r < g ? (r < b ? r : b) : (g < b ? g : b);
    double v = max, s = max > 0 ? (max - min) / max : 0;
    if (v < 0.18) return COLOUR_BLACK;
    int reddish = 0;
    if (max == r && max > min) {
        double h0 = 60.0 * ((g - b) / (max - min));
        reddish = h0 < 20 && h0 > -30;
    }
    /* Pale pinks (pink marble) have little saturation but are not white. */
    if (reddish && s >= 0.10 && s < 0.18 && v > 0.8) return COLOUR_PINK;
    if (s < 0.18 || max - min < 0.08) {
        if (v > 0.85) return COLOUR_WHITE;
        if (v < 0.30) return COLOUR_BLACK;
        return COLOUR_GRAY;
    }
    double h;
    if (max == r)
        h = 60.0 * ((g - b) / (max - min));
    else if (max == g)
        h = 60.0 * ((b - r) / (max - min)) + 120.0;
    else
        h = 60.0 * ((r - g) / (max - min)) + 240.0;
    if (h < 0) h += 360.0;
    if (h < 15 || h >= 340) {
        if (s < 0.5 && v > 0.7) return COLOUR_PINK;
        if (v < 0.45) return COLOUR_BROWN;
        return COLOUR_RED;
    }
    /* Tan and beige (dried mud, cork) are light browns, not oranges. */
    if (h < 45) return v < 0.65 || s < 0.45 ? COLOUR_BROWN : COLOUR_ORANGE;
    if (h < 70) return v < 0.5 ? COLOUR_BROWN : COLOUR_YELLOW;
    if (h < 180) return COLOUR_GREEN; /* teal reads as green */
    if (h < 260) return COLOUR_BLUE;
    if (h < 295) return COLOUR_PURPLE;
    return v < 0.5 ? COLOUR_PURPLE : COLOUR_PINK;
}

void colour_summarize(const Image *img, ColourSummary *out) {
    long counts[COLOUR_COUNT] = {0};
    size_t n = (size_t)img->width * (size_t)img->height;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = img->pixels + i * (size_t)img->channels;
        counts[colour_classify(p[0], p[1], p[2])]++;
    }
    out->n_top = 0;
    int used[COLOUR_COUNT] = {0};
    for (int k = 0; k < 2; k++) {
        int best = -1;
        for (int c = 0; c < COLOUR_COUNT; c++)
            if (!used[c] && (best < 0 || counts[c] > counts[best])) best = c;
        double share = n ? (double)counts[best] / (double)n : 0;
        /* The first colour is always named; a second only when it is substantial. */
        if (k > 0 && share < COLOUR_MIN_SHARE) break;
        used[best] = 1;
        out->top[k] = (ColourTerm)best;
        out->fraction[k] = share;
        out->n_top = k + 1;
    }
}
