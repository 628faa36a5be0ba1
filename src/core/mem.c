#include "mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Shared by all threads; the counter is atomic so concurrent callers (server
 * workers) still see exactly one failing allocation. */
static _Atomic long fail_at = 0;
static _Atomic long alloc_count = 0;
static _Thread_local long failures = 0;
static _Atomic size_t largest = 0;

/* Remembers the largest request (a test's check that input cannot ask for a lot). */
static void note_size(size_t size) {
    size_t seen = atomic_load(&largest);
    while (size > seen && !atomic_compare_exchange_weak(&largest, &seen, size)) {
    }
}

static int should_fail(void) {
    long n = atomic_fetch_add(&alloc_count, 1) + 1;
    long target = atomic_load(&fail_at);
    if (target > 0 && n == target) {
        failures++;
        return 1;
    }
    return 0;
}

/* p, counted as a failure when NULL. */
static void *counted(void *p) {
    if (!p) failures++;
    return p;
}

long mem_failures(void) { return failures; }

void mem_fail_after(long n) {
    atomic_store(&alloc_count, 0);
    atomic_store(&largest, 0);
    atomic_store(&fail_at, n);
}

long mem_alloc_count(void) { return atomic_load(&alloc_count); }

size_t mem_largest_request(void) { return atomic_load(&largest); }

void *mem_alloc(size_t size) {
    note_size(size);
    if (should_fail()) return NULL;
    return counted(malloc(size ? size : 1));
}

void *mem_calloc(size_t count, size_t size) {
    note_size(count && size > SIZE_MAX / count ? SIZE_MAX : count * size);
    if (should_fail()) return NULL;
    if (count == 0 || size == 0) return counted(calloc(1, 1));
    return counted(calloc(count, size));
}

void *mem_realloc(void *ptr, size_t size) {
    note_size(size);
    if (should_fail()) return NULL;
    return counted(realloc(ptr, size ? size : 1));
}

char *mem_strndup(const char *s, size_t n) {
    char *copy = mem_alloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, s, n);
    copy[n] = 0;
    return copy;
}

char *mem_strdup(const char *s) { return mem_strndup(s, strlen(s)); }

void mem_free(void *ptr) { free(ptr); }

void *mem_alloc_aligned(size_t size) {
    note_size(size);
    if (should_fail()) return NULL;
    size_t rounded = (size + 63) & ~(size_t)63;
    if (rounded < size) return counted(NULL);
    return counted(aligned_alloc(64, rounded ? rounded : 64));
}

void mem_free_aligned(void *ptr) { free(ptr); }
