/* Fixed worker slots and a bounded job queue (see pool.h). */
#include "slots.h"

#include "../core/mem.h"

#include <errno.h>
#include <string.h>
#include <time.h>

double slots_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
    SlotPool *pool;
    int slot;
} WorkerArg;

static void *worker_main(void *arg) {
    WorkerArg a = *(WorkerArg *)arg;
    mem_free(arg);
    SlotPool *p = a.pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stop) pthread_cond_wait(&p->work, &p->mu);
        if (p->stop) break;
        Job *job = p->head;
        p->head = job->next;
        if (!p->head) p->tail = NULL;
        p->queued--;
        p->running++;
        job->state = JOB_RUNNING;
        pthread_mutex_unlock(&p->mu);
        if (!atomic_load(&job->cancel)) job->run(job, a.slot);
        pthread_mutex_lock(&p->mu);
        p->running--;
        job->state = JOB_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int slots_init(SlotPool *p, int n_slots, int max_queue) {
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->done, &ca);
    pthread_condattr_destroy(&ca);
    p->n_slots = n_slots;
    p->max_queue = max_queue;
    p->threads = mem_calloc((size_t)n_slots, sizeof *p->threads);
    if (!p->threads) return -1;
    for (int i = 0; i < n_slots; i++) {
        WorkerArg *a = mem_alloc(sizeof *a);
        if (a) *a = (WorkerArg){p, i};
        if (!a || pthread_create(&p->threads[i], NULL, worker_main, a) != 0) {
            mem_free(a);
            slots_destroy(p);
            return -1;
        }
        p->started++;
    }
    return 0;
}

void slots_destroy(SlotPool *p) {
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++) pthread_join(p->threads[i], NULL);
    mem_free(p->threads);
    p->threads = NULL;
    p->started = 0;
}

int slots_submit(SlotPool *p, Job *job) {
    pthread_mutex_lock(&p->mu);
    /* free slots absorb jobs at once; beyond them at most max_queue wait */
    int waiting_after = p->queued + 1 - (p->n_slots - p->running);
    if (p->stop || waiting_after > p->max_queue) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    job->pool = p;
    job->state = JOB_QUEUED;
    job->next = NULL;
    if (p->tail) p->tail->next = job;
    else p->head = job;
    p->tail = job;
    p->queued++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int job_write(Job *job, const char *bytes, size_t n) {
    SlotPool *p = job->pool;
    pthread_mutex_lock(&p->mu);
    int rc = 0;
    if (job->out_len + n > job->out_cap) {
        size_t cap = job->out_cap ? job->out_cap * 2 : 4096;
        while (cap < job->out_len + n) cap *= 2;
        char *q = mem_realloc(job->out, cap);
        if (!q) {
            job->out_failed = 1;
            rc = -1;
        } else {
            job->out = q;
            job->out_cap = cap;
        }
    }
    if (rc == 0) {
        memcpy(job->out + job->out_len, bytes, n);
        job->out_len += n;
    }
    pthread_cond_broadcast(&p->done);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void slots_cancel(SlotPool *p, Job *job) {
    atomic_store(&job->cancel, 1);
    pthread_mutex_lock(&p->mu);
    if (job->state == JOB_QUEUED) {
        Job **pp = &p->head, *prev = NULL;
        while (*pp && *pp != job) prev = *pp, pp = &(*pp)->next;
        if (*pp) {
            *pp = job->next;
            if (p->tail == job) p->tail = prev;
            p->queued--;
            job->state = JOB_DONE;
        }
    }
    pthread_mutex_unlock(&p->mu);
}

int slots_wait(SlotPool *p, Job *job, int want_output, double seconds) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long ns = ts.tv_nsec + (long)(seconds * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&p->mu);
    while (job->state != JOB_DONE && !(want_output && job->out_read < job->out_len))
        if (pthread_cond_timedwait(&p->done, &p->mu, &ts) == ETIMEDOUT) break;
    int state = job->state;
    pthread_mutex_unlock(&p->mu);
    return state;
}

size_t job_read(Job *job, char *buf, size_t max) {
    SlotPool *p = job->pool;
    pthread_mutex_lock(&p->mu);
    size_t n = job->out_len - job->out_read;
    if (n > max) n = max;
    if (n) memcpy(buf, job->out + job->out_read, n);
    job->out_read += n;
    /* everything read: start over instead of growing the buffer forever */
    if (job->out_read == job->out_len) job->out_read = job->out_len = 0;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void job_free_output(Job *job) {
    mem_free(job->out);
    job->out = NULL;
    job->out_len = job->out_cap = job->out_read = 0;
}

void slots_stats(SlotPool *p, int *queued, int *running) {
    pthread_mutex_lock(&p->mu);
    *queued = p->queued;
    *running = p->running;
    pthread_mutex_unlock(&p->mu);
}
