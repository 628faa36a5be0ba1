/* data.h — the token stream a training run reads.
 *
 * A data file is raw little-endian int32 token ids (the output of
 * `exaone tokenize --ids` style tools), mapped read-only. Each micro-batch
 * takes B random windows of T+1 tokens: inputs are the first T, targets the
 * last T. The sampler's whole state is its Rng (rng.h), which checkpoints
 * store, so a resumed run reads exactly the windows it would have read.
 * With path "random", tokens are synthetic (uniform ids) — for benchmarks.
 */
#ifndef EXAONE_TRAIN_DATA_H
#define EXAONE_TRAIN_DATA_H

#include "../core/error.h"
#include "../core/file.h"
#include "rng.h"

#include <stdint.h>

typedef struct {
    MappedFile map;
    const int32_t *tokens; /* NULL when synthetic */
    int64_t count;
    int vocab;
    Rng rng;
} TokenData;

/* Checks every id is in [0, vocab). */
int data_open(TokenData *data, const char *path, int vocab, uint64_t seed, Error *err);
void data_close(TokenData *data);
/* inputs/targets [B*T]. Call data_check_length(T) once first. */
void data_next_batch(TokenData *data, int *inputs, int *targets, int B, int T);
/* Fails when the file is shorter than T+1 tokens. */
int data_check_length(const TokenData *data, int T, Error *err);

#endif
