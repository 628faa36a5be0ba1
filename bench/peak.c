/* bench/peak.c — what this machine can do at most: f32 FMA, bf16 dot
 * (vdpbf16ps), int8 dot (vpdpbusd) throughput and memory read bandwidth,
 * on 1 and 2 threads. The roofline the kernel benches are measured against.
 * Every figure is the best short burst (~0.5 ms compute, 16 MiB read) per
 * thread, summed over threads: on a shared machine that is what a core can
 * do while it has the core, the same statistic the kernel benches use.
 * usage: peak [THREADS] [compute]   prints "name threads value unit" lines;
 * "compute" skips the bandwidth test. */
#include "bench_common.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define ITERS 200000L /* ~0.5 ms a burst: on a shared machine only short bursts get a whole core */
#define BURSTS 400
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

/* Each thread times its own bursts and keeps the fastest (seconds per burst
 * in result). */
static void *job_main(void *arg) {
    PeakJob *job = arg;
    if (job->kind == 3) { /* best 16 MiB slice, slices cycled through the share */
        size_t slice = (size_t)4 << 20, slices = job->n / slice;
        double best = 1e30;
        volatile double sink = 0;
        for (int rep = 0; rep < 5 * (int)slices; rep++) {
            double t0 = bench_now();
            sink += run_read(job->buf + (size_t)(rep % (int)slices) * slice, slice);
            double dt = bench_now() - t0;
            best = dt < best ? dt : best;
        }
        job->result = best;
        return NULL;
    }
    double best = 1e30;
    volatile double sink = 0;
    for (int b = 0; b < BURSTS; b++) {
        double t0 = bench_now();
        sink += job->kind == 0 ? run_fma() : job->kind == 1 ? run_bf16() : run_vnni();
        double dt = bench_now() - t0;
        best = dt < best ? dt : best;
    }
    job->result = best;
    return NULL;
}

/* The sum over threads of each thread's best burst rate (bursts per second;
 * a bandwidth burst reads one 16 MiB slice). */
static double run_threads(int threads, int kind, float *buf, size_t n) {
    pthread_t tid[16];
    PeakJob jobs[16];
    for (int t = 0; t < threads; t++) {
        jobs[t] = (PeakJob){kind, 0, buf + (n / (size_t)threads) * (size_t)t, n / (size_t)threads};
        pthread_create(&tid[t], NULL, job_main, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double rate = 0;
    for (int t = 0; t < threads; t++) rate += 1.0 / jobs[t].result;
    return rate;
}

int main(int argc, char **argv) {
    int max_threads = argc > 1 ? atoi(argv[1]) : 2;
    int compute_only = argc > 2 && strcmp(argv[2], "compute") == 0;
    size_t n = compute_only ? 1024 : (size_t)1 << 28; /* 1 GiB of floats: far beyond any cache */
    float *buf = aligned_alloc(64, n * sizeof(float));
    if (!buf) return 1;
    memset(buf, 0, n * sizeof(float));
    for (int threads = 1; threads <= max_threads; threads++) {
        double ops = (double)ITERS * NACC; /* instructions per burst */
        printf("fma_f32 %d %.1f GFLOP/s\n", threads, ops * 32 * run_threads(threads, 0, buf, n) * 1e-9);
        printf("dot_bf16 %d %.1f GFLOP/s\n", threads, ops * 64 * run_threads(threads, 1, buf, n) * 1e-9);
        printf("dot_int8 %d %.1f GOP/s\n", threads, ops * 128 * run_threads(threads, 2, buf, n) * 1e-9);
        fflush(stdout);
        if (compute_only) continue;
        printf("read_bw %d %.1f GB/s\n", threads, (double)((size_t)16 << 20) * run_threads(threads, 3, buf, n) * 1e-9);
        fflush(stdout);
    }
    free(buf);
    return 0;
}
