/* progress.h — a progress bar with rate and ETA for long jobs.
 *
 * Draws on stderr only when stderr is a terminal; when piped or logged it
 * stays silent (except progress_done's one summary line at LOG_INFO), so
 * logs of CI runs are not flooded with carriage returns.
 *
 *     Progress bar;
 *     progress_begin(&bar, "training", total_steps, "step");
 *     for (...) { ...; progress_update(&bar, step + 1, "loss %.3f", loss); }
 *     progress_done(&bar);
 */
#ifndef EXAONE_PROGRESS_H
#define EXAONE_PROGRESS_H

#include <stdint.h>

typedef struct {
    char label[64];
    char unit[16];
    int64_t total;
    int64_t current;
    double start_seconds;
    double last_draw_seconds;
    int is_tty;
} Progress;

void progress_begin(Progress *bar, const char *label, int64_t total, const char *unit);
/* extra_fmt may be NULL; it is appended after the rate (e.g. the loss). */
void progress_update(Progress *bar, int64_t current, const char *extra_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void progress_done(Progress *bar);

/* Monotonic wall-clock seconds. */
double time_seconds(void);
/* CPU seconds of this process, all threads (on a shared machine wall time
 * mostly measures the other jobs; CPU time is what a benchmark can compare). */
double cpu_seconds(void);

#endif
