/* error.h — the one way a fallible function reports what went wrong.
 *
 * Functions that can fail on input return an int status (0 = ok, non-zero =
 * failure) and fill an Error with a message that names the file, the tensor
 * or the byte offset. Callers pass the Error down unchanged; the CLI prints
 * it once at the top. Nothing reachable from user input calls abort().
 *
 *     Error err = {0};
 *     if (st_open(&file, path, &err) != 0) { log_error("%s", err.message); return 1; }
 */
#ifndef EXAONE_ERROR_H
#define EXAONE_ERROR_H

#include <stdarg.h>

typedef struct {
    char message[1024];
} Error;

/* Sets the message (printf format) and returns -1, so callers can write
 * `return error_set(err, "...")`. err may be NULL. */
int error_set(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int error_vset(Error *err, const char *fmt, va_list ap);

/* Prepends "context: " to an existing message, e.g. the file name, so that
 * inner parsers need not know which file they are reading. Returns -1. */
int error_prefix(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Invariant check for our own logic only (never for untrusted data): holds in
 * release builds too, prints where it failed and aborts. */
#define EXA_ASSERT(cond)                                                          \
    do {                                                                          \
        if (!(cond)) exa_assert_fail(#cond, __FILE__, __LINE__);                  \
    } while (0)
_Noreturn void exa_assert_fail(const char *expr, const char *file, int line);

#endif
