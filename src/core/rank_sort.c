#include "rank_sort.h"

#include <string.h>

/* A key whose unsigned order is the reverse of the score's order: for
 * non-negative floats the bits grow with the value, for negative ones they
 * shrink, so flip all bits of negatives and the sign bit of the rest, then
 * complement the lot for "descending". */
static uint32_t descending_key(float score) {
    uint32_t bits;
    memcpy(&bits, &score, sizeof bits);
    if (bits == 0x80000000u) bits = 0; /* -0 = +0 */
    bits = bits & 0x80000000u ? ~bits : bits | 0x80000000u;
    return ~bits;
}

void rank_sort(RankItem *items, RankItem *tmp, int64_t n) {
    if (n < 2) return;
    for (int shift = 0; shift < 32; shift += 8) {
        int64_t start[257] = {0};
        for (int64_t i = 0; i < n; i++) start[1 + (descending_key(items[i].score) >> shift & 0xFF)]++;
        if (start[1 + (descending_key(items[0].score) >> shift & 0xFF)] == n) continue; /* one digit: nothing moves */
        for (int d = 0; d < 256; d++) start[d + 1] += start[d];
        for (int64_t i = 0; i < n; i++) tmp[start[descending_key(items[i].score) >> shift & 0xFF]++] = items[i];
        memcpy(items, tmp, (size_t)n * sizeof *items);
    }
}
