/* data.h — the token stream a training run reads.
 *
 * A data file is raw little-endian int32 token ids, mapped read-only. Every
 * sequence of a run has a global number: step s, micro-batch g (counted over
 * all data-parallel ranks: g = rank * accum + a) and row b give sequence
 * (s, g * B + b), and its window of T+1 tokens starts at a position hashed
 * from (seed, s, sequence). Inputs are the first T tokens, targets the last
 * T. Being a pure function of the step, the sampler has no state to save:
 * a resumed run, or N ranks instead of N accumulation steps, read exactly
 * the same windows. With path "random", tokens are synthetic (uniform ids,
 * from the same hash) — for benchmarks.
 */
#ifndef EXAONE_TRAIN_DATA_H
#define EXAONE_TRAIN_DATA_H

#include "../core/error.h"
#include "../core/file.h"

#include <stdint.h>

typedef struct {
    MappedFile map;
    const int32_t *tokens; /* NULL when synthetic */
    int64_t count;
    int vocab;
    uint64_t seed;
} TokenData;

/* Checks every id is in [0, vocab) and that there are at least T+1 tokens. */
int data_open(TokenData *data, const char *path, int vocab, int T, uint64_t seed, Error *err);
void data_close(TokenData *data);
/* inputs/targets [B*T]: sequences first .. first+B-1 of the given step. */
void data_batch(const TokenData *data, int64_t step, int64_t first, int *inputs, int *targets, int B, int T);

#endif
