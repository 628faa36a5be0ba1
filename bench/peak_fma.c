/* peak_fma.c — measured f32 FMA peak of this machine (GFLOP/s), for bench/train.sh.
 * THREADS threads each run independent chains of 512-bit FMAs (12 accumulators hide
 * the FMA latency) for ~0.5 s; prints "peak_gflops=X". Build: gcc -O2 -mavx512f -pthread. */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERS 100000000L

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *run(void *arg) {
    __m512 acc[12], a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < ITERS; it++)
        for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    float sum = 0;
    for (int i = 0; i < 12; i++) sum += _mm512_reduce_add_ps(acc[i]);
    *(float *)arg = sum;
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    pthread_t tid[256];
    float sink[256];
    double start = now();
    for (int t = 0; t < threads; t++) pthread_create(&tid[t], NULL, run, &sink[t]);
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double elapsed = now() - start;
    printf("peak_gflops=%.1f\n", threads * (double)ITERS * 12 * 16 * 2 / elapsed / 1e9);
    return sink[0] == 12345.0f;
}
