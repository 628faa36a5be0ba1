/* peak_fma.c — measured f32 FMA peak of this machine (GFLOP/s), for bench/train.sh.
 * THREADS threads each run independent chains of 512-bit FMAs (12 accumulators hide
 * the FMA latency) for ~0.5 s; prints "peak_gflops=X peak_gflops_per_cpu=Y" (Y per
 * CPU-second of one core: on a shared machine, what a core does while it runs us). With a second argument "bf16"
 * the chains are vdpbf16ps instead (the peak of bf16 matmuls: 64 flops an instruction).
 * Build: gcc -O2 -mavx512f -mavx512bf16 -pthread. */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERS 100000000L

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *run_bf16(void *arg) {
    __m512 acc[12];
    __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f803f80), b = (__m512bh)_mm512_set1_epi32(0x33d633d6);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < ITERS; it++)
#pragma GCC unroll 12 /* else -O2 keeps acc[] in memory: store-forwarding bound at ~1/4 of peak */
        for (int i = 0; i < 12; i++) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    float sum = 0;
    for (int i = 0; i < 12; i++) sum += _mm512_reduce_add_ps(acc[i]);
    *(float *)arg = sum;
    return NULL;
}

static void *run(void *arg) {
    __m512 acc[12], a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < ITERS; it++)
#pragma GCC unroll 12 /* else -O2 keeps acc[] in memory: store-forwarding bound at ~1/4 of peak */
        for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    float sum = 0;
    for (int i = 0; i < 12; i++) sum += _mm512_reduce_add_ps(acc[i]);
    *(float *)arg = sum;
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1, bf16 = argc > 2 && argv[2][0] == 'b';
    pthread_t tid[256];
    float sink[256];
    double start = clock_s(CLOCK_MONOTONIC), cpu_start = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int t = 0; t < threads; t++) pthread_create(&tid[t], NULL, bf16 ? run_bf16 : run, &sink[t]);
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double elapsed = clock_s(CLOCK_MONOTONIC) - start, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    double flops = threads * (double)ITERS * 12 * 16 * (bf16 ? 4 : 2);
    printf("peak_gflops=%.1f peak_gflops_per_cpu=%.1f\n", flops / elapsed / 1e9, flops / cpu / 1e9);
    return sink[0] == 12345.0f;
}
