/* pool.h — a fixed set of model slots (worker threads) fed by a bounded
 * queue. Each worker owns slot index i (its backend instances), so a model
 * instance is never shared between threads.
 *
 * A Job belongs to the connection that submitted it. The connection frees it
 * only once the job is DONE or after taking it back out of the queue
 * (slots_cancel), so workers never touch freed jobs. Cancellation is a flag
 * the job's run function checks between tokens (client gone, timeout).
 */
#ifndef EXAONE_SERVER_POOL_H
#define EXAONE_SERVER_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

typedef struct Job Job;
struct Job {
    void (*run)(Job *job, int slot); /* on a worker; sets its own results */
    void *ctx;
    atomic_int cancel;               /* 1: stop as soon as possible */
    int state;                       /* JOB_*, under the pool's lock */
    double deadline;                 /* monotonic seconds; 0: none */
    int timed_out;
    /* streamed bytes (SSE), written by the worker, read by the connection */
    char *out;
    size_t out_len, out_cap, out_read;
    int out_failed;
    Job *next;
    struct SlotPool *pool;
};

typedef struct SlotPool {
    pthread_mutex_t mu;
    pthread_cond_t work, done; /* work: a job was queued; done: a job finished or wrote */
    Job *head, *tail;
    int queued, running, max_queue, n_slots, stop, started;
    pthread_t *threads;
} SlotPool;

int slots_init(SlotPool *p, int n_slots, int max_queue);
/* Stops the workers after the jobs they run; queued jobs are left to their owners. */
void slots_destroy(SlotPool *p);
/* 0 queued; -1 when slots and queue are full (the caller answers 503). */
int slots_submit(SlotPool *p, Job *job);
/* Appends streamed bytes (worker side); -1 when out of memory. */
int job_write(Job *job, const char *bytes, size_t n);
/* Marks the job cancelled; takes it out of the queue if it has not started. */
void slots_cancel(SlotPool *p, Job *job);
/* Waits up to `seconds` for the job to finish or (want_output) to have
 * unread output; returns the job's state. */
int slots_wait(SlotPool *p, Job *job, int want_output, double seconds);
/* Copies up to max unread bytes; returns how many. */
size_t job_read(Job *job, char *buf, size_t max);
void job_free_output(Job *job);
void slots_stats(SlotPool *p, int *queued, int *running);
double slots_now(void);

#endif
