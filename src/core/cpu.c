#define _POSIX_C_SOURCE 200809L
#include "cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static CpuFeatures features;
static int loaded = 0;

void cpu_features_reload(void) {
    memset(&features, 0, sizeof features);
    __builtin_cpu_init();
    const char *portable = getenv("EXAONE_PORTABLE");
    features.portable_forced = portable && portable[0] && strcmp(portable, "0") != 0;
    features.avx2 = __builtin_cpu_supports("avx2");
    features.fma = __builtin_cpu_supports("fma");
    features.f16c = 1; /* part of x86-64-v3, which the build requires */
    features.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    features.avx512_vnni = features.avx512 && __builtin_cpu_supports("avx512vnni");
    features.avx512_bf16 = features.avx512 && __builtin_cpu_supports("avx512bf16");
    if (features.portable_forced) {
        features.avx512 = features.avx512_vnni = features.avx512_bf16 = 0;
    }
    loaded = 1;
}

const CpuFeatures *cpu_features(void) {
    if (!loaded) cpu_features_reload();
    return &features;
}

int cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

const char *cpu_describe(void) {
    static char text[96];
    const CpuFeatures *f = cpu_features();
    snprintf(text, sizeof text, "%s%s%s%s", f->portable_forced ? "portable" : "avx2 fma",
             f->avx512 ? " avx512" : "", f->avx512_bf16 ? " bf16" : "", f->avx512_vnni ? " vnni" : "");
    return text;
}
