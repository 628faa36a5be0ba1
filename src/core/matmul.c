/* Portable reference paths of matmul.h. Kept simple and obviously right:
 * they are the oracle the fast paths are tested against (besides PyTorch). */
#include "matmul.h"

#include <string.h>

typedef struct {
    float *C;
    const float *A, *B;
    int64_t M, N, K;
    int accumulate;
} MatmulJob;

static void nt_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    MatmulJob *j = ctx;
    for (int64_t i = begin; i < end; i++)
        for (int64_t n = 0; n < j->N; n++) {
            const float *a = j->A + i * j->K, *b = j->B + n * j->K;
            float sum = 0;
            for (int64_t k = 0; k < j->K; k++) sum += a[k] * b[k];
            float *c = j->C + i * j->N + n;
            *c = j->accumulate ? *c + sum : sum;
        }
}

static void nn_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    MatmulJob *j = ctx;
    for (int64_t i = begin; i < end; i++) {
        float *c = j->C + i * j->N;
        if (!j->accumulate) memset(c, 0, (size_t)j->N * sizeof *c);
        for (int64_t k = 0; k < j->K; k++) {
            float a = j->A[i * j->K + k];
            const float *b = j->B + k * j->N;
            for (int64_t n = 0; n < j->N; n++) c[n] += a * b[n];
        }
    }
}

/* Rows of C are split across threads; each row i of C = sum over k of A[k,i] * B[k,:]. */
static void tn_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    MatmulJob *j = ctx;
    for (int64_t i = begin; i < end; i++) {
        float *c = j->C + i * j->N;
        if (!j->accumulate) memset(c, 0, (size_t)j->N * sizeof *c);
        for (int64_t k = 0; k < j->K; k++) {
            float a = j->A[k * j->M + i];
            const float *b = j->B + k * j->N;
            for (int64_t n = 0; n < j->N; n++) c[n] += a * b[n];
        }
    }
}

void matmul_f32_nt(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate) {
    MatmulJob job = {C, A, B, M, N, K, accumulate};
    pool_parallel_for(pool, M, nt_rows, &job);
}

void matmul_f32_nn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate) {
    MatmulJob job = {C, A, B, M, N, K, accumulate};
    pool_parallel_for(pool, M, nn_rows, &job);
}

void matmul_f32_tn(ThreadPool *pool, float *C, const float *A, const float *B, int64_t M, int64_t N, int64_t K,
                   int accumulate) {
    MatmulJob job = {C, A, B, M, N, K, accumulate};
    pool_parallel_for(pool, M, tn_rows, &job);
}
