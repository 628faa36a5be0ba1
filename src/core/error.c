#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int error_vset(Error *err, const char *fmt, va_list ap) {
    if (err) vsnprintf(err->message, sizeof err->message, fmt, ap);
    return -1;
}

int error_set(Error *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, fmt, ap);
    va_end(ap);
    return -1;
}

int error_prefix(Error *err, const char *fmt, ...) {
    if (!err) return -1;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    size_t plen = strlen(prefix) + 2; /* "prefix: " */
    size_t cap = sizeof err->message;
    if (plen >= cap) plen = cap - 1;
    size_t old_len = strnlen(err->message, cap - 1);
    if (old_len > cap - 1 - plen) old_len = cap - 1 - plen; /* keep the start of the old message */
    memmove(err->message + plen, err->message, old_len);
    err->message[plen + old_len] = 0;
    memcpy(err->message, prefix, plen - 2);
    memcpy(err->message + plen - 2, ": ", 2);
    return -1;
}

void exa_assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "exaone: internal error: assertion `%s` failed at %s:%d\n", expr, file, line);
    abort();
}
