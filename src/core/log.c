#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static LogLevel current_level = LOG_INFO;

void log_set_level(LogLevel level) { current_level = level; }
LogLevel log_get_level(void) { return current_level; }

void log_message(LogLevel level, const char *fmt, ...) {
    if (level < current_level) return;
    static const char *const prefix[] = {"debug: ", "", "warning: ", "error: "};
    /* One fprintf per line so lines from several threads do not interleave. */
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "exaone: %s%s\n", prefix[level < LOG_QUIET ? level : LOG_ERROR], line);
}
