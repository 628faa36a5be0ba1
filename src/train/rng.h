/* rng.h — the trainer's random numbers: xoshiro256** (Blackman & Vigna
 * 2018) seeded by splitmix64, normals by Box-Muller. The whole state is four
 * words, so a checkpoint can store it and --resume continues bit-identically.
 */
#ifndef EXAONE_TRAIN_RNG_H
#define EXAONE_TRAIN_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} Rng;

void rng_seed(Rng *rng, uint64_t seed);
uint64_t rng_u64(Rng *rng);
/* Uniform in [0, 1). */
double rng_uniform(Rng *rng);
/* Uniform integer in [0, n), n > 0. */
uint64_t rng_below(Rng *rng, uint64_t n);
/* Standard normal. */
double rng_normal(Rng *rng);
/* Two independent standard normals from one Box-Muller draw (both of its outputs). */
void rng_normal2(Rng *rng, double *a, double *b);

#endif
