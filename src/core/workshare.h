/* workshare.h — a parallel loop whose pieces are handed out on demand.
 *
 * pool_parallel_for gives each thread one fixed range, so the call lasts as
 * long as the slowest thread. On a shared machine a thread that loses its
 * core for a while then stalls everyone. workshare_for cuts [0, n) into
 * pieces of `chunk` and lets threads take the next piece when they are
 * free, so a slowed thread simply does fewer pieces.
 *
 *     workshare_for(pool, n_cols, 256, gemm_columns, &job);  // fn(ctx, begin, end, thread)
 */
#ifndef EXAONE_WORKSHARE_H
#define EXAONE_WORKSHARE_H

#include "threadpool.h"

#include <stdint.h>

/* fn may be called several times per thread, always with whole pieces
 * (the last one possibly shorter). pool may be NULL. */
void workshare_for(ThreadPool *pool, int64_t n, int64_t chunk, ParallelFn fn, void *ctx);

#endif
