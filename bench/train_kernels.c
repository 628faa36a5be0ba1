/* train_kernels.c — each AVX-512 training kernel against its portable C path, same
 * data, one thread (bench/train_kernels.sh builds and runs it). A kernel that is not
 * faster here does not stay. Shapes are those of the d=512 bench model (T=256, B=8). */
#include "core/cpu.h"
#include "core/progress.h"
#include "train/activation.h"
#include "train/adamw.h"
#include "train/attention.h"
#include "train/crossentropy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 8, T = 256, C = 512, NH = 8, HS = 64, F = 2048, V = 16384, N = B * T };

static float *buf(size_t n, unsigned seed) {
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = (float)((seed = seed * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
    return p;
}

static float *qkv, *dqkv, *out, *dout, *att, *scratch, *logits,
    *losses, *lse, *h, *hact, *dh, *dhact, *params, *grads;
static int *targets;
static ParamTable table;
static AdamW opt;

static void run_attention(void) {
    attention_forward(NULL, out, att, scratch, qkv, qkv + C, qkv + 2 * C, 3 * C, NULL, B, T, NH, NH, HS);
    attention_backward(NULL, dqkv, dqkv + C, dqkv + 2 * C, scratch, dout, att, qkv, qkv + C, qkv + 2 * C, 3 * C, NULL, B,
                       T, NH, NH, HS);
}
static void run_crossentropy(void) {
    crossentropy_forward(NULL, losses, lse, logits, targets, N, V, 0.1f, -100);
    crossentropy_backward(NULL, logits, logits, lse, targets, 1.0f / N, N, V, 0.1f, -100);
}
static void run_gelu(void) {
    gelu_forward(NULL, hact, h, (int64_t)N * F);
    gelu_backward(NULL, dh, h, dhact, (int64_t)N * F);
}
static void run_swiglu(void) {
    swiglu_forward(NULL, hact, h, N, F / 2);
    swiglu_backward(NULL, dh, h, dhact, N, F / 2);
}
static void run_adamw(void) {
    AdamWConfig cfg;
    adamw_config_defaults(&cfg);
    adamw_step(&opt, NULL, params, grads, &table, &cfg, 1e-4f, 1.0f);
}

static double time_it(void (*fn)(void)) {
    fn(); /* warm caches */
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = time_seconds();
        fn();
        double t = time_seconds() - t0;
        if (t < best) best = t;
    }
    return best;
}

int main(void) {
    qkv = buf((size_t)N * 3 * C, 1), dqkv = buf((size_t)N * 3 * C, 2), out = buf((size_t)N * C, 3);
    dout = buf((size_t)N * C, 4), att = buf((size_t)B * NH * T * T, 5);
    scratch = buf((size_t)attention_scratch_floats(T, HS, 1), 6);
    logits = buf((size_t)N * V, 16);
    losses = buf(N, 17), lse = buf(N, 18), h = buf((size_t)N * F, 19), hact = buf((size_t)N * F, 20);
    dh = buf((size_t)N * F, 21), dhact = buf((size_t)N * F, 22);
    targets = malloc(N * sizeof(int));
    for (int i = 0; i < N; i++) targets[i] = (i * 7919) % V;
    Error err = {0};
    params_add(&table, "w", 16 << 20, 0, PARAM_DECAY, &err); /* 16M parameters, like a ~16M model */
    params = buf(table.total, 23), grads = buf(table.total, 24);
    adamw_new(&opt, table.total, &err);
    struct {
        const char *name;
        void (*fn)(void);
    } kernels[] = {{"attention fwd+bwd (B8 T256 8x64)", run_attention},
                   {"cross-entropy fwd+bwd (2048 x 16384)", run_crossentropy},
                   {"gelu fwd+bwd (2048 x 2048)", run_gelu},
                   {"swiglu fwd+bwd (2048 x 1024)", run_swiglu},
                   {"adamw step (16M params)", run_adamw}};
    printf("%-40s %10s %10s %8s\n", "kernel (1 thread)", "avx512 ms", "portable", "speedup");
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        unsetenv("EXAONE_PORTABLE");
        cpu_features_reload();
        if (!cpu_features()->avx512) {
            printf("no AVX-512 on this CPU\n");
            return 0;
        }
        double fast = time_it(kernels[k].fn);
        setenv("EXAONE_PORTABLE", "1", 1);
        cpu_features_reload();
        double slow = time_it(kernels[k].fn);
        printf("%-40s %10.2f %10.2f %7.1fx\n", kernels[k].name, fast * 1e3, slow * 1e3, slow / fast);
    }
    return 0;
}
