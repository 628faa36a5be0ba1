#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double time_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_begin(Progress *bar, const char *label, int64_t total, const char *unit) {
    memset(bar, 0, sizeof *bar);
    snprintf(bar->label, sizeof bar->label, "%s", label);
    snprintf(bar->unit, sizeof bar->unit, "%s", unit ? unit : "it");
    bar->total = total;
    bar->start_seconds = time_seconds();
    bar->is_tty = isatty(STDERR_FILENO) && log_get_level() <= LOG_INFO;
}

static void format_duration(char *out, size_t size, double seconds) {
    if (seconds < 0 || seconds > 1e7) {
        snprintf(out, size, "--:--");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        snprintf(out, size, "%02ld:%02ld", s / 60, s % 60);
}

void progress_update(Progress *bar, int64_t current, const char *extra_fmt, ...) {
    bar->current = current;
    if (!bar->is_tty) return;
    double now = time_seconds();
    /* Redraw at most 10 times a second: drawing is slower than many steps. */
    if (current < bar->total && now - bar->last_draw_seconds < 0.1) return;
    bar->last_draw_seconds = now;
    double elapsed = now - bar->start_seconds;
    double rate = elapsed > 0 ? (double)current / elapsed : 0;
    double eta = rate > 0 ? (double)(bar->total - current) / rate : -1;
    char eta_text[32], extra[128] = "";
    format_duration(eta_text, sizeof eta_text, eta);
    if (extra_fmt) {
        va_list ap;
        va_start(ap, extra_fmt);
        vsnprintf(extra, sizeof extra, extra_fmt, ap);
        va_end(ap);
    }
    int width = 24;
    int filled = bar->total > 0 ? (int)((double)width * (double)current / (double)bar->total) : 0;
    if (filled > width) filled = width;
    char cells[64];
    for (int i = 0; i < width; i++) cells[i] = i < filled ? '#' : '.';
    cells[width] = 0;
    fprintf(stderr, "\r%s [%s] %lld/%lld %.1f %s/s ETA %s %s\033[K", bar->label, cells,
            (long long)current, (long long)bar->total, rate, bar->unit, eta_text, extra);
    fflush(stderr);
}

void progress_done(Progress *bar) {
    double elapsed = time_seconds() - bar->start_seconds;
    if (bar->is_tty) fprintf(stderr, "\n");
    char took[32];
    format_duration(took, sizeof took, elapsed);
    log_debug("%s: %lld %s in %s", bar->label, (long long)bar->current, bar->unit, took);
}
