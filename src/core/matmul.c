/* Portable reference paths of matmul.h. Kept simple and obviously right:
 * they are the oracle the fast paths are tested against (besides PyTorch). */
#include "matmul.h"

#include "cpu.h"
#include "dtype.h"
#include "matmul_avx512.h"
#include "mem.h"

#include <string.h>

typedef struct {
    float *C;
    const float *A, *B;
    const uint16_t *B16;
    int64_t M, N, K;
    int accumulate;
} MatmulJob;

/* The value an operand enters a product with: itself, or rounded to bf16 (the
 * _as_bf16 entry points). always_inline with a constant flag, so the f32
 * loops stay as plain as they read. */
#define INLINE static inline __attribute__((always_inline))
INLINE float operand(float x, int as_bf16) { return as_bf16 ? bf16_to_f32(f32_to_bf16(x)) : x; }

INLINE void nt_rows(MatmulJob *j, int64_t begin, int64_t end, int as_bf16) {
    for (int64_t i = begin; i < end; i++)
        for (int64_t n = 0; n < j->N; n++) {
            const float *a = j->A + i * j->K, *b = j->B + n * j->K;
            float sum = 0;
            for (int64_t k = 0; k < j->K; k++) sum += operand(a[k], as_bf16) * operand(b[k], as_bf16);
            float *c = j->C + i * j->N + n;
            *c = j->accumulate ? *c + sum : sum;
        }
}

INLINE void nn_rows(MatmulJob *j, int64_t begin, int64_t end, int as_bf16) {
    for (int64_t i = begin; i < end; i++) {
        float *c = j->C + i * j->N;
        if (!j->accumulate) memset(c, 0, (size_t)j->N * sizeof *c);
        for (int64_t k = 0; k < j->K; k++) {
            float a = operand(j->A[i * j->K + k], as_bf16);
            const float *b = j->B + k * j->N;
            for (int64_t n = 0; n < j->N; n++) c[n] += a * operand(b[n], as_bf16);
        }
    }
}

/* Rows of C are split across threads; each row i of C = sum over k of A[k,i] * B[k,:]. */
INLINE void tn_rows(MatmulJob *j, int64_t begin, int64_t end, int as_bf16) {
    for (int64_t i = begin; i < end; i++) {
        float *c = j->C + i * j->N;
        if (!j->accumulate) memset(c, 0, (size_t)j->N * sizeof *c);
        for (int64_t k = 0; k < j->K; k++) {
            float a = operand(j->A[k * j->M + i], as_bf16);
            const float *b = j->B + k * j->N;
            for (int64_t n = 0; n < j->N; n++) c[n] += a * operand(b[n], as_bf16);
        }
    }
}

static void nt_f32(void *ctx, int64_t begin, int64_t end, int thread) { nt_rows(ctx, begin, end, 0); }
static void nn_f32(void *ctx, int64_t begin, int64_t end, int thread) { nn_rows(ctx, begin, end, 0); }
static void tn_f32(void *ctx, int64_t begin, int64_t end, int thread) { tn_rows(ctx, begin, end, 0); }
static void nt_bf16(void *ctx, int64_t begin, int64_t end, int thread) { nt_rows(ctx, begin, end, 1); }
static void nn_bf16(void *ctx, int64_t begin, int64_t end, int thread) { nn_rows(ctx, begin, end, 1); }
static void tn_bf16(void *ctx, int64_t begin, int64_t end, int thread) { tn_rows(ctx, begin, end, 1); }

/* bf16 rounding of both operands, f32 sums: the arithmetic of vdpbf16ps. */
static void bf16_nt_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    MatmulJob *j = ctx;
    for (int64_t i = begin; i < end; i++)
        for (int64_t n = 0; n < j->N; n++) {
            const float *a = j->A + i * j->K;
            const uint16_t *b = j->B16 + n * j->K;
            float sum = 0;
            for (int64_t k = 0; k < j->K; k++) sum += bf16_to_f32(f32_to_bf16(a[k])) * bf16_to_f32(b[k]);
            float *c = j->C + i * j->N + n;
            *c = j->accumulate ? *c + sum : sum;
        }
}

/* One strided f32 product on the AVX-512 GEMM (as_bf16: vdpbf16ps) if the
 * CPU has it; returns 0 when the caller must take the portable path. */
static int gemm_fast(ThreadPool *pool, float *C, const float *A, int64_t a_rs, int64_t a_cs, const float *B,
                     int64_t b_rs, int64_t b_cs, int64_t M, int64_t N, int64_t K, int accumulate, int as_bf16) {
    if (!(as_bf16 ? cpu_features()->avx512_bf16 : cpu_features()->avx512)) return 0;
    GemmArgs args = {C, A, a_rs, a_cs, B, DTYPE_F32, b_rs, b_cs, M, N, K, accumulate, as_bf16, NULL};
    gemm_avx512(pool, &args);
    return 1;
}

static void matmul_nt(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                      int accumulate, int as_bf16) {
    if (gemm_fast(pool, C, A, K, 1, B, 1, K, M, N, K, accumulate, as_bf16)) return;
    MatmulJob job = {C, A, B, NULL, M, N, K, accumulate};
    pool_parallel_for(pool, M, as_bf16 ? nt_bf16 : nt_f32, &job);
}

static void matmul_nn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                      int accumulate, int as_bf16) {
    if (gemm_fast(pool, C, A, K, 1, B, N, 1, M, N, K, accumulate, as_bf16)) return;
    MatmulJob job = {C, A, B, NULL, M, N, K, accumulate};
    pool_parallel_for(pool, M, as_bf16 ? nn_bf16 : nn_f32, &job);
}

static void matmul_tn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                      int accumulate, int as_bf16) {
    if (gemm_fast(pool, C, A, 1, M, B, N, 1, M, N, K, accumulate, as_bf16)) return;
    MatmulJob job = {C, A, B, NULL, M, N, K, accumulate};
    pool_parallel_for(pool, M, as_bf16 ? tn_bf16 : tn_f32, &job);
}

void matmul_f32_nt(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate) {
    matmul_nt(pool, C, A, B, M, N, K, accumulate, 0);
}
void matmul_f32_nn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate) {
    matmul_nn(pool, C, A, B, M, N, K, accumulate, 0);
}
void matmul_f32_tn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate) {
    matmul_tn(pool, C, A, B, M, N, K, accumulate, 0);
}
static int pack_nt(MatmulPackedB *p, const float *B, int64_t N, int64_t K, int as_bf16) {
    *p = (MatmulPackedB){B, NULL, N, K, as_bf16};
    if (!(as_bf16 ? cpu_features()->avx512_bf16 : cpu_features()->avx512)) return 0;
    p->panels = mem_alloc_aligned((size_t)gemm_avx512_packed_floats(N, K, as_bf16) * sizeof(float));
    if (!p->panels) return -1;
    GemmArgs args = {NULL, NULL, K, 1, B, DTYPE_F32, 1, K, 0, N, K, 0, as_bf16, NULL};
    gemm_avx512_pack_b(&args, p->panels);
    return 0;
}

int matmul_pack_nt(MatmulPackedB *p, const float *B, int64_t N, int64_t K) { return pack_nt(p, B, N, K, 0); }
int matmul_pack_nt_as_bf16(MatmulPackedB *p, const float *B, int64_t N, int64_t K) { return pack_nt(p, B, N, K, 1); }

void matmul_packed_free(MatmulPackedB *p) {
    mem_free_aligned(p->panels);
    p->panels = NULL;
}

void matmul_f32_nt_packed(ThreadPool *pool, float *C, const float *A, const MatmulPackedB *B, int64_t M,
                          int accumulate) {
    if (!B->panels) {
        matmul_nt(pool, C, A, B->B, M, B->N, B->K, accumulate, B->as_bf16);
        return;
    }
    GemmArgs args = {C, A, B->K, 1, B->B, DTYPE_F32, 1, B->K, M, B->N, B->K, accumulate, B->as_bf16, B->panels};
    gemm_avx512(pool, &args);
}

void matmul_f32_as_bf16_nt(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N,
                           int64_t K, int accumulate) {
    matmul_nt(pool, C, A, B, M, N, K, accumulate, 1);
}
void matmul_f32_as_bf16_nn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N,
                           int64_t K, int accumulate) {
    matmul_nn(pool, C, A, B, M, N, K, accumulate, 1);
}
void matmul_f32_as_bf16_tn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N,
                           int64_t K, int accumulate) {
    matmul_tn(pool, C, A, B, M, N, K, accumulate, 1);
}

void matmul_bf16_nt(ThreadPool *pool, float *C, const float *A, const uint16_t *B, int64_t M, int64_t N, int64_t K,
                    int accumulate) {
    if (cpu_features()->avx512_bf16) {
        GemmArgs args = {C, A, K, 1, B, DTYPE_BF16, 1, K, M, N, K, accumulate, 1, NULL};
        gemm_avx512(pool, &args);
        return;
    }
    MatmulJob job = {C, A, NULL, B, M, N, K, accumulate};
    pool_parallel_for(pool, M, bf16_nt_rows, &job);
}
