/* rank_sort.h — candidates by score, best first, for the samplers.
 *
 * Sampling sorts a whole vocabulary (102,400 logits for EXAONE 4.0, 1,024
 * image codes for EXAONE-mini) every token; a qsort with a comparator spent
 * milliseconds a token there. This is an LSD radix sort on the bits of the
 * score (4 passes of 8 bits), O(n), stable: equal scores keep their input
 * order, so items given in id order come out as the comparator
 * "score descending, then id ascending" would put them. -0 and +0 count as
 * equal; NaN scores sort as their bits say (first if positive, last if not).
 *
 *     RankItem *items = ..., *tmp = ...;   // n each
 *     rank_sort(items, tmp, n);            // items[0] has the highest score
 */
#ifndef EXAONE_CORE_RANK_SORT_H
#define EXAONE_CORE_RANK_SORT_H

#include <stdint.h>

typedef struct {
    float score;
    int32_t id;
} RankItem;

void rank_sort(RankItem *items, RankItem *tmp, int64_t n);
/* The best k of items[0, n) (given in id order), in rank_sort's order, in
 * items[0, k); the rest is lost. O(n): a selection finds the k-th, then
 * only k items are sorted (top-k sampling over a 102,400-token vocabulary
 * keeps 40). Returns min(k, n). */
int64_t rank_top(RankItem *items, RankItem *tmp, int64_t n, int64_t k);

#endif
