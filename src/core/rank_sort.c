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

/* a before b in rank_sort's order (scores equal: lower id first) */
static int ranks_before(RankItem a, RankItem b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
}

int64_t rank_top(RankItem *items, RankItem *tmp, int64_t n, int64_t k) {
    if (k <= 0) return 0;
    if (n <= k) {
        rank_sort(items, tmp, n);
        return n;
    }
    /* Quickselect (Hoare partition, median of three) of the k-th best in a
     * copy; ids are distinct, so the order is total and the k-th is unique. */
    memcpy(tmp, items, (size_t)n * sizeof *items);
    int64_t lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        RankItem a = tmp[lo], b = tmp[mid], c = tmp[hi], pivot;
        if (ranks_before(a, b)) pivot = ranks_before(b, c) ? b : ranks_before(a, c) ? c : a;
        else pivot = ranks_before(a, c) ? a : ranks_before(b, c) ? c : b;
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (ranks_before(tmp[i], pivot)) i++;
            while (ranks_before(pivot, tmp[j])) j--;
            if (i <= j) {
                RankItem t = tmp[i];
                tmp[i++] = tmp[j];
                tmp[j--] = t;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else break;
    }
    RankItem kth = tmp[want];
    int64_t kept = 0;
    for (int64_t i = 0; i < n; i++) /* in id order, so rank_sort's ties come out right */
        if (!ranks_before(kth, items[i])) items[kept++] = items[i];
    rank_sort(items, tmp, kept);
    return kept;
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
