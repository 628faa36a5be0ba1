/* threadpool.h — a fixed set of worker threads for data-parallel loops.
 *
 * One parallel_for at a time: the caller's thread does share 0, workers the
 * rest; the call returns when every share is done. Work is split into
 * contiguous ranges so each thread touches its own rows (no false sharing).
 * Workers spin briefly before sleeping, because decode calls parallel_for
 * hundreds of times per token and a futex wake per call costs more than the
 * matvec it splits. A share whose worker has not woken by the time the
 * caller finishes share 0 is run by the caller itself (on a shared machine a
 * worker can wait milliseconds for a core), so `thread` names the share, not
 * the OS thread; no two shares with the same index ever run at once.
 *
 *     ThreadPool *pool = pool_new(n_threads);
 *     pool_parallel_for(pool, n_rows, matvec_rows, &ctx);  // fn(ctx, begin, end, thread)
 *     pool_free(pool);
 */
#ifndef EXAONE_THREADPOOL_H
#define EXAONE_THREADPOOL_H

#include <stdint.h>

typedef struct ThreadPool ThreadPool;

/* fn handles [begin, end) of the n items; thread is 0..n_threads-1. */
typedef void (*ParallelFn)(void *ctx, int64_t begin, int64_t end, int thread);

/* n_threads <= 0 means one per core. Returns NULL on failure. */
ThreadPool *pool_new(int n_threads);
void pool_free(ThreadPool *pool);
int pool_threads(const ThreadPool *pool);

/* Splits [0, n) into n_threads contiguous ranges. pool may be NULL (runs inline). */
void pool_parallel_for(ThreadPool *pool, int64_t n, ParallelFn fn, void *ctx);

/* Runs fn(ctx, thread, thread + 1, thread) once on every thread: for work that
 * splits itself (e.g. 2-D tiles indexed by thread). */
void pool_run_each(ThreadPool *pool, ParallelFn fn, void *ctx);

#endif
