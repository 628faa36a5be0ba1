#define _POSIX_C_SOURCE 200809L
#include "threadpool.h"

#include "cpu.h"
#include "mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <immintrin.h>

struct ThreadPool {
    int n_threads;
    pthread_t *threads;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    /* A job is published by bumping generation. Share t is run by whoever
     * claims it first (claimed[t]: generation it was last claimed for): its
     * worker, or the caller once it has finished share 0, so a worker that
     * has lost its core does not hold the call up. done counts finished
     * shares of the current job. */
    _Atomic uint64_t generation;
    _Atomic uint64_t *claimed;
    _Atomic int done;
    _Atomic int stop;
    ParallelFn fn;
    void *ctx;
    int64_t n;
    int each; /* 1: pool_run_each semantics */
};

typedef struct {
    ThreadPool *pool;
    int index;
} WorkerArg;

/* Claims share t of job gen; fails if someone already did (then the job
 * may even be over and its parameters replaced, so nothing is read after). */
static int claim_share(ThreadPool *pool, int thread, uint64_t gen) {
    uint64_t seen = atomic_load_explicit(&pool->claimed[thread], memory_order_acquire);
    return seen < gen && atomic_compare_exchange_strong(&pool->claimed[thread], &seen, gen);
}

static void run_share(ThreadPool *pool, int thread) {
    if (pool->each) {
        pool->fn(pool->ctx, thread, thread + 1, thread);
        return;
    }
    int64_t n = pool->n, t = pool->n_threads;
    int64_t begin = n * thread / t, end = n * (thread + 1) / t;
    if (begin < end) pool->fn(pool->ctx, begin, end, thread);
}

static void *worker_main(void *arg) {
    WorkerArg *worker = arg;
    ThreadPool *pool = worker->pool;
    int index = worker->index;
    mem_free(worker);
    uint64_t seen = 0;
    for (;;) {
        /* Spin a while (cheap when jobs come back to back), then sleep. */
        int spins = 0;
        while (atomic_load_explicit(&pool->generation, memory_order_acquire) == seen &&
               !atomic_load(&pool->stop)) {
            if (++spins < 200000) {
                _mm_pause();
                continue;
            }
            pthread_mutex_lock(&pool->mutex);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->mutex);
            pthread_mutex_unlock(&pool->mutex);
        }
        if (atomic_load(&pool->stop)) return NULL;
        seen = atomic_load(&pool->generation);
        if (claim_share(pool, index, seen)) {
            run_share(pool, index);
            atomic_fetch_add_explicit(&pool->done, 1, memory_order_release);
        }
    }
}

ThreadPool *pool_new(int n_threads) {
    if (n_threads <= 0) n_threads = cpu_count();
    ThreadPool *pool = mem_calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->n_threads = n_threads;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    if (n_threads > 1) {
        pool->threads = mem_calloc((size_t)n_threads, sizeof(pthread_t));
        pool->claimed = mem_calloc((size_t)n_threads, sizeof *pool->claimed);
        if (!pool->threads || !pool->claimed) {
            pool_free(pool);
            return NULL;
        }
        for (int i = 1; i < n_threads; i++) {
            WorkerArg *arg = mem_alloc(sizeof *arg);
            if (arg) *arg = (WorkerArg){pool, i}; /* before the thread starts: it reads and frees arg */
            if (!arg || pthread_create(&pool->threads[i], NULL, worker_main, arg) != 0) {
                mem_free(arg);
                pool->n_threads = i; /* only join what started */
                pool_free(pool);
                return NULL;
            }
        }
    }
    return pool;
}

void pool_free(ThreadPool *pool) {
    if (!pool) return;
    if (pool->threads) {
        pthread_mutex_lock(&pool->mutex);
        atomic_store(&pool->stop, 1);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
        for (int i = 1; i < pool->n_threads; i++) pthread_join(pool->threads[i], NULL);
    }
    mem_free(pool->threads);
    mem_free((void *)pool->claimed);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->wake);
    mem_free(pool);
}

int pool_threads(const ThreadPool *pool) { return pool ? pool->n_threads : 1; }

static void dispatch(ThreadPool *pool, int64_t n, ParallelFn fn, void *ctx, int each) {
    if (!pool || pool->n_threads == 1) {
        if (each)
            fn(ctx, 0, 1, 0);
        else if (n > 0)
            fn(ctx, 0, n, 0);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    pool->each = each;
    atomic_store(&pool->done, 0);
    uint64_t gen = atomic_load(&pool->generation) + 1;
    atomic_store(&pool->claimed[0], gen);
    pthread_mutex_lock(&pool->mutex);
    atomic_store_explicit(&pool->generation, gen, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    run_share(pool, 0);
    int finished = 1;
    /* Shares whose worker has not turned up yet are run here. */
    for (int t = 1; t < pool->n_threads; t++)
        if (claim_share(pool, t, gen)) {
            run_share(pool, t);
            finished++;
        }
    while (atomic_load_explicit(&pool->done, memory_order_acquire) + finished < pool->n_threads) _mm_pause();
}

void pool_parallel_for(ThreadPool *pool, int64_t n, ParallelFn fn, void *ctx) {
    dispatch(pool, n, fn, ctx, 0);
}

void pool_run_each(ThreadPool *pool, ParallelFn fn, void *ctx) { dispatch(pool, 0, fn, ctx, 1); }
