/* Fused softmax + cross-entropy (see crossentropy.h). */
#include "crossentropy.h"

#ifdef TRAIN_REAL_IS_FLOAT
#include "../core/cpu.h"
#include "kernels_avx512.h"
#define FAST (cpu_features()->avx512)
#else
#define FAST 0
#endif

#include <tgmath.h>

typedef struct {
    real *losses, *lse, *dlogits;
    const real *logits, *clse;
    const int *targets;
    real dloss, smoothing;
    int V, ignore_index;
} CrossEntropyJob;

static void crossentropy_forward_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    CrossEntropyJob *j = ctx;
    int V = j->V;
    for (int64_t n = begin; n < end; n++) {
        const real *z = j->logits + n * V;
        real l, zsum = 0;
#ifdef TRAIN_REAL_IS_FLOAT
        if (FAST)
            l = crossentropy_row_forward_avx512(z, V, &zsum);
        else
#endif
        {
            real maxv = z[0], sum = 0;
            for (int v = 1; v < V; v++) maxv = z[v] > maxv ? z[v] : maxv;
            for (int v = 0; v < V; v++) {
                sum += exp(z[v] - maxv);
                zsum += z[v];
            }
            l = maxv + log(sum);
        }
        j->lse[n] = l;
        int y = j->targets[n];
        j->losses[n] = y == j->ignore_index ? 0 : l - (1 - j->smoothing) * z[y] - j->smoothing * zsum / (real)V;
    }
}

static void crossentropy_backward_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    CrossEntropyJob *j = ctx;
    int V = j->V;
    int inplace = j->dlogits == j->logits;
    real uniform = j->smoothing / (real)V;
    for (int64_t n = begin; n < end; n++) {
        const real *z = j->logits + n * V;
        real *dz = j->dlogits + n * V;
        int y = j->targets[n];
        if (y == j->ignore_index) {
            if (inplace)
                for (int v = 0; v < V; v++) dz[v] = 0;
            continue;
        }
        real l = j->clse[n];
#ifdef TRAIN_REAL_IS_FLOAT
        if (FAST) {
            crossentropy_row_backward_avx512(dz, z, V, l, uniform, j->dloss, inplace);
            dz[y] -= (1 - j->smoothing) * j->dloss;
            continue;
        }
#endif
        for (int v = 0; v < V; v++) {
            real g = (exp(z[v] - l) - uniform) * j->dloss;
            dz[v] = inplace ? g : dz[v] + g;
        }
        dz[y] -= (1 - j->smoothing) * j->dloss;
    }
}

int64_t crossentropy_forward(ThreadPool *pool, real *losses, real *lse, const real *logits, const int *targets,
                             int64_t N, int V, real smoothing, int ignore_index) {
    CrossEntropyJob job = {.losses = losses, .lse = lse, .logits = logits, .targets = targets,
                           .smoothing = smoothing, .V = V, .ignore_index = ignore_index};
    pool_parallel_for(pool, N, crossentropy_forward_rows, &job);
    int64_t count = 0;
    for (int64_t n = 0; n < N; n++) count += targets[n] != ignore_index;
    return count;
}

void crossentropy_backward(ThreadPool *pool, real *dlogits, const real *logits, const real *lse,
                           const int *targets, real dloss, int64_t N, int V, real smoothing, int ignore_index) {
    CrossEntropyJob job = {.dlogits = dlogits, .logits = logits, .clse = lse, .targets = targets, .dloss = dloss,
                           .smoothing = smoothing, .V = V, .ignore_index = ignore_index};
    pool_parallel_for(pool, N, crossentropy_backward_rows, &job);
}
