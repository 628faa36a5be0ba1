#include "workshare.h"

#include <stdatomic.h>

typedef struct {
    ParallelFn fn;
    void *ctx;
    int64_t n, chunk;
    _Atomic int64_t next;
} WorkshareJob;

static void take_pieces(void *arg, int64_t begin_unused, int64_t end_unused, int thread) {
    WorkshareJob *job = arg;
    for (;;) {
        int64_t piece = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);
        int64_t begin = piece * job->chunk;
        if (begin >= job->n) return;
        int64_t end = begin + job->chunk < job->n ? begin + job->chunk : job->n;
        job->fn(job->ctx, begin, end, thread);
    }
}

void workshare_for(ThreadPool *pool, int64_t n, int64_t chunk, ParallelFn fn, void *ctx) {
    if (n <= 0) return;
    if (chunk < 1) chunk = 1;
    if (pool_threads(pool) == 1 || chunk >= n) {
        fn(ctx, 0, n, 0);
        return;
    }
    WorkshareJob job = {fn, ctx, n, chunk, 0};
    pool_run_each(pool, take_pieces, &job);
}
