/* chrF, the character n-gram F-score of translations (see chrf.h). */
#include "chrf.h"

#include <string.h>

static int utf8_chars(const char *s, unsigned *out, int cap) {
    int n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < cap) {
        unsigned c = *p++;
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        c &= extra == 3 ? 0x07 : extra == 2 ? 0x0F : extra == 1 ? 0x1F : 0x7F;
        for (; extra && (*p & 0xC0) == 0x80; extra--) c = (c << 6) | (*p++ & 0x3F);
        if (c != ' ') out[n++] = c; /* chrF ignores whitespace */
    }
    return n;
}

/* Matches of n-grams of hyp in ref (clipped counts), by brute force: strings are short. */
static int ngram_matches(const unsigned *h, int nh, const unsigned *r, int nr, int n, int *total_h, int *total_r) {
    *total_h = nh >= n ? nh - n + 1 : 0;
    *total_r = nr >= n ? nr - n + 1 : 0;
    char used[256] = {0};
    int match = 0;
    for (int i = 0; i + n <= nh; i++)
        for (int j = 0; j + n <= nr && j < 256; j++)
            if (!used[j] && memcmp(h + i, r + j, (size_t)n * sizeof *h) == 0) {
                used[j] = 1;
                match++;
                break;
            }
    return match;
}

/* Popović 2015, chrF with beta 2, n = 1..4, averaged over n (sentence level). */
double chrf(const char *hyp, const char *ref) {
    unsigned h[256], r[256];
    int nh = utf8_chars(hyp, h, 256), nr = utf8_chars(ref, r, 256);
    double p = 0, rc = 0;
    int orders = 0;
    for (int n = 1; n <= 4; n++) {
        int th, tr, m = ngram_matches(h, nh, r, nr, n, &th, &tr);
        if (!tr) continue;
        p += th ? (double)m / th : 0;
        rc += (double)m / tr;
        orders++;
    }
    if (!orders) return 0;
    p /= orders;
    rc /= orders;
    return p + rc > 0 ? 100.0 * 5 * p * rc / (4 * p + rc) : 0;
}
