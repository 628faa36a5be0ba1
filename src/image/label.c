/* A 3x5 pixel font (see label.h). */
#include "label.h"

#include <ctype.h>
#include <string.h>

/* Each glyph: 5 rows of 3 pixels, top to bottom, '1' = ink. */
static const char *glyph(int c) {
    static const char *const digits[10] = {
        "111101101101111", "010110010010111", "111001111100111", "111001111001111", "101101111001001",
        "111100111001111", "111100111101111", "111001001001001", "111101111101111", "111101111001111"};
    static const char *const letters[26] = {
        "010101111101101", "110101110101110", "011100100100011", "110101101101110", "111100110100111",
        "111100110100100", "011100101101011", "101101111101101", "111010010010111", "001001001101010",
        "101101110101101", "100100100100111", "101111111101101", "110101101101101", "010101101101010",
        "110101110100100", "010101101110011", "110101110101101", "011100010001110", "111010010010010",
        "101101101101111", "101101101101010", "101101111111101", "101101010101101", "101101010010010",
        "111001010100111"};
    if (c >= '0' && c <= '9') return digits[c - '0'];
    if (c >= 'A' && c <= 'Z') return letters[c - 'A'];
    switch (c) {
    case '-': return "000000111000000";
    case '.': return "000000000000010";
    case ',': return "000000000010100";
    case '\'': return "010010000000000";
    case ':': return "000010000010000";
    case '#': return "101111101111101";
    case '?': return "111001010000010";
    case '/': return "001001010100100";
    case '+': return "000010111010000";
    default: return NULL;
    }
}

int label_width(const char *text, int size) { return (int)strlen(text) * 4 * size; }

void label_draw(Image *img, int x, int y, const char *text, int size, const uint8_t colour[3]) {
    if (img->channels != 3) return;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++, x += 4 * size) {
        const char *g = glyph(toupper(*p));
        for (int r = 0; g && r < 5; r++)
            for (int c = 0; c < 3; c++) {
                if (g[r * 3 + c] != '1') continue;
                for (int dy = 0; dy < size; dy++)
                    for (int dx = 0; dx < size; dx++) {
                        int px = x + c * size + dx, py = y + r * size + dy;
                        if (px < 0 || py < 0 || px >= img->width || py >= img->height) continue;
                        memcpy(img->pixels + ((size_t)py * img->width + px) * 3, colour, 3);
                    }
            }
    }
}
