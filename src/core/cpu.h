/* cpu.h — which instruction sets this CPU has, asked once at start.
 *
 * The binary is built for x86-64-v3 (AVX2 + FMA) so it runs on any recent
 * x86 machine; kernels with AVX-512 (F/BW/VL), AVX512-BF16 or AVX512-VNNI
 * live in *_avx512.c files compiled with those flags and are chosen here at
 * run time. EXAONE_PORTABLE=1 in the environment forces the portable C
 * paths, so tests can check both on one machine.
 */
#ifndef EXAONE_CPU_H
#define EXAONE_CPU_H

typedef struct {
    int avx2;
    int fma;
    int f16c;
    int avx512;      /* F + BW + VL + DQ */
    int avx512_bf16;
    int avx512_vnni;
    int portable_forced; /* EXAONE_PORTABLE=1 */
} CpuFeatures;

/* Cached after the first call. Honours EXAONE_PORTABLE. */
const CpuFeatures *cpu_features(void);
/* For tests: re-read the environment (EXAONE_PORTABLE) and features. */
void cpu_features_reload(void);
/* Number of online cores (>= 1). */
int cpu_count(void);
/* A short description, e.g. "avx512 bf16 vnni", for `exaone info`/bench. */
const char *cpu_describe(void);

#endif
