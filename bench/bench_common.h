/* bench_common.h — timing helpers shared by the bench C programs. */
#ifndef EXAONE_BENCH_COMMON_H
#define EXAONE_BENCH_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best (smallest) seconds per call over repeats, running at least min_seconds. */
#define BENCH_BEST(out_seconds, min_seconds, ...)                                  \
    do {                                                                           \
        double best_ = 1e30, start_ = bench_now();                                 \
        int reps_ = 0;                                                             \
        while (reps_ < 3 || bench_now() - start_ < (min_seconds)) {                \
            double t0_ = bench_now();                                              \
            __VA_ARGS__;                                                           \
            double dt_ = bench_now() - t0_;                                        \
            if (dt_ < best_) best_ = dt_;                                          \
            reps_++;                                                               \
        }                                                                          \
        (out_seconds) = best_;                                                     \
    } while (0)

static inline void bench_fill(float *x, int64_t n, uint32_t seed) {
    uint32_t s = seed * 2654435761u + 1;
    for (int64_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((int32_t)(s >> 8) - (1 << 23)) / (float)(1 << 23);
    }
}

#endif
