/* bench/peak.c — what this machine can do at most: f32 FMA, bf16 dot
 * (vdpbf16ps), int8 dot (vpdpbusd) throughput and memory read bandwidth,
 * on 1 and 2 threads. The roofline the kernel benches are measured against.
 * usage: peak [THREADS]   prints "name threads value unit" lines. */
#include "bench_common.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define ITERS 50000000L
#define NACC 12

typedef struct {
    int kind;
    double result;
    const float *buf;
    size_t n;
} PeakJob;

/* Independent accumulators hide the 4-cycle latency of two pipes. */
static double run_fma(void) {
    __m512 acc[NACC], b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < NACC; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < ITERS; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < NACC; i++) acc[i] = _mm512_fmadd_ps(acc[i], b, c);
    }
    float sink = 0;
    for (int i = 0; i < NACC; i++) sink += _mm512_reduce_add_ps(acc[i]);
    return sink;
}

static double run_bf16(void) {
    __m512 acc[NACC];
    __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80), b = (__m512bh)_mm512_set1_epi16(0x3400);
    for (int i = 0; i < NACC; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < ITERS; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < NACC; i++) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    }
    float sink = 0;
    for (int i = 0; i < NACC; i++) sink += _mm512_reduce_add_ps(acc[i]);
    return sink;
}

static double run_vnni(void) {
    __m512i acc[NACC], a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    for (int i = 0; i < NACC; i++) acc[i] = _mm512_set1_epi32(i);
    for (long it = 0; it < ITERS; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < NACC; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    }
    long sink = 0;
    for (int i = 0; i < NACC; i++) sink += _mm512_reduce_add_epi32(acc[i]);
    return (double)sink;
}

static double run_read(const float *buf, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 64) {
        s0 = _mm512_add_ps(s0, _mm512_load_ps(buf + i));
        s1 = _mm512_add_ps(s1, _mm512_load_ps(buf + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_load_ps(buf + i + 32));
        s3 = _mm512_add_ps(s3, _mm512_load_ps(buf + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

static void *job_main(void *arg) {
    PeakJob *job = arg;
    switch (job->kind) {
    case 0: job->result = run_fma(); break;
    case 1: job->result = run_bf16(); break;
    case 2: job->result = run_vnni(); break;
    default:
        for (int rep = 0; rep < 5; rep++) job->result += run_read(job->buf, job->n);
        break;
    }
    return NULL;
}

/* Seconds for every thread to run its job once (all start together). */
static double run_threads(int threads, int kind, float *buf, size_t n) {
    pthread_t tid[16];
    PeakJob jobs[16];
    double t0 = bench_now();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (PeakJob){kind, 0, buf + (n / (size_t)threads) * (size_t)t, n / (size_t)threads};
        pthread_create(&tid[t], NULL, job_main, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double dt = bench_now() - t0;
    volatile double sink = 0;
    for (int t = 0; t < threads; t++) sink += jobs[t].result;
    return dt;
}

int main(int argc, char **argv) {
    int max_threads = argc > 1 ? atoi(argv[1]) : 2;
    size_t n = (size_t)1 << 28; /* 1 GiB of floats: far beyond any cache */
    float *buf = aligned_alloc(64, n * sizeof(float));
    if (!buf) return 1;
    memset(buf, 0, n * sizeof(float));
    for (int threads = 1; threads <= max_threads; threads++) {
        double ops = (double)ITERS * NACC * threads, best;
        best = 1e30;
        for (int r = 0; r < 7; r++) { double t = run_threads(threads, 0, buf, n); best = t < best ? t : best; }
        printf("fma_f32 %d %.1f GFLOP/s\n", threads, ops * 32 / best * 1e-9);
        best = 1e30;
        for (int r = 0; r < 7; r++) { double t = run_threads(threads, 1, buf, n); best = t < best ? t : best; }
        printf("dot_bf16 %d %.1f GFLOP/s\n", threads, ops * 64 / best * 1e-9);
        best = 1e30;
        for (int r = 0; r < 7; r++) { double t = run_threads(threads, 2, buf, n); best = t < best ? t : best; }
        printf("dot_int8 %d %.1f GOP/s\n", threads, ops * 128 / best * 1e-9);
        best = 1e30;
        for (int r = 0; r < 7; r++) { double t = run_threads(threads, 3, buf, n); best = t < best ? t : best; }
        printf("read_bw %d %.1f GB/s\n", threads, 5.0 * (double)n * sizeof(float) / best * 1e-9);
        fflush(stdout);
    }
    free(buf);
    return 0;
}
