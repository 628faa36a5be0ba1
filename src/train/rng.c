/* xoshiro256** + splitmix64 seeding (see rng.h). */
#include "rng.h"

#include <math.h>

static uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rng_seed(Rng *rng, uint64_t seed) {
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        rng->s[i] = z ^ (z >> 31);
    }
}

uint64_t rng_u64(Rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

double rng_uniform(Rng *rng) { return (double)(rng_u64(rng) >> 11) * 0x1.0p-53; }

uint64_t rng_below(Rng *rng, uint64_t n) {
    /* Rejection keeps it unbiased for any n. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = rng_u64(rng);
    while (x >= limit);
    return x % n;
}

double rng_normal(Rng *rng) {
    double u1 = rng_uniform(rng), u2 = rng_uniform(rng);
    return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
}

void rng_normal2(Rng *rng, double *a, double *b) {
    double u1 = rng_uniform(rng), u2 = rng_uniform(rng);
    double r = sqrt(-2.0 * log(1.0 - u1)), theta = 2.0 * M_PI * u2;
    *a = r * cos(theta);
    *b = r * sin(theta);
}
