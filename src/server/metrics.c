/* Prometheus metrics (see metrics.h). */
#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ROUTES 12
#define N_STATUS 8

static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
#define N_BUCKETS (sizeof buckets / sizeof *buckets)

static struct {
    pthread_mutex_t mu;
    const char *routes[N_ROUTES];
    int statuses[N_ROUTES][N_STATUS];
    long counts[N_ROUTES][N_STATUS];
    long hist[N_BUCKETS + 1];
    double sum;
    long n;
    long prompt_tokens, completion_tokens, images;
} M = {.mu = PTHREAD_MUTEX_INITIALIZER};

void metrics_request(const char *route, int status, double seconds) {
    pthread_mutex_lock(&M.mu);
    int r = 0;
    /* routes are string constants of the router; the table is bounded */
    while (r < N_ROUTES && M.routes[r] && strcmp(M.routes[r], route) != 0) r++;
    if (r == N_ROUTES) r = N_ROUTES - 1, route = "other";
    if (!M.routes[r]) M.routes[r] = route;
    int s = 0;
    while (s < N_STATUS && M.statuses[r][s] && M.statuses[r][s] != status) s++;
    if (s == N_STATUS) s = N_STATUS - 1;
    M.statuses[r][s] = status;
    M.counts[r][s]++;
    size_t b = 0;
    while (b < N_BUCKETS && seconds > buckets[b]) b++;
    M.hist[b]++;
    M.sum += seconds;
    M.n++;
    pthread_mutex_unlock(&M.mu);
}

void metrics_tokens(long prompt, long completion) {
    pthread_mutex_lock(&M.mu);
    M.prompt_tokens += prompt;
    M.completion_tokens += completion;
    pthread_mutex_unlock(&M.mu);
}

void metrics_images(long n) {
    pthread_mutex_lock(&M.mu);
    M.images += n;
    pthread_mutex_unlock(&M.mu);
}

char *metrics_render(int queued, int running, int slots) {
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return NULL;
    pthread_mutex_lock(&M.mu);
    fputs("# HELP exaone_requests_total HTTP requests by route and status.\n# TYPE exaone_requests_total counter\n", f);
    for (int r = 0; r < N_ROUTES && M.routes[r]; r++)
        for (int s = 0; s < N_STATUS && M.statuses[r][s]; s++)
            fprintf(f, "exaone_requests_total{route=\"%s\",status=\"%d\"} %ld\n", M.routes[r], M.statuses[r][s],
                    M.counts[r][s]);
    fprintf(f, "# HELP exaone_tokens_total Tokens read (prompt) and generated (completion).\n"
               "# TYPE exaone_tokens_total counter\n"
               "exaone_tokens_total{type=\"prompt\"} %ld\nexaone_tokens_total{type=\"completion\"} %ld\n",
            M.prompt_tokens, M.completion_tokens);
    fprintf(f, "# HELP exaone_images_total Images drawn or edited.\n# TYPE exaone_images_total counter\n"
               "exaone_images_total %ld\n", M.images);
    fprintf(f, "# HELP exaone_queue_depth Requests waiting for a model slot.\n# TYPE exaone_queue_depth gauge\n"
               "exaone_queue_depth %d\n", queued);
    fprintf(f, "# HELP exaone_slots_busy Model slots at work.\n# TYPE exaone_slots_busy gauge\nexaone_slots_busy %d\n"
               "# HELP exaone_slots Model slots.\n# TYPE exaone_slots gauge\nexaone_slots %d\n", running, slots);
    fputs("# HELP exaone_request_duration_seconds Request latency.\n"
          "# TYPE exaone_request_duration_seconds histogram\n", f);
    long cum = 0;
    for (size_t b = 0; b < N_BUCKETS; b++) {
        cum += M.hist[b];
        fprintf(f, "exaone_request_duration_seconds_bucket{le=\"%g\"} %ld\n", buckets[b], cum);
    }
    cum += M.hist[N_BUCKETS];
    fprintf(f, "exaone_request_duration_seconds_bucket{le=\"+Inf\"} %ld\n", cum);
    fprintf(f, "exaone_request_duration_seconds_sum %.6f\nexaone_request_duration_seconds_count %ld\n", M.sum, M.n);
    pthread_mutex_unlock(&M.mu);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
