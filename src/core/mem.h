/* mem.h — allocation with a fault-injection hook (SQLite's fail-after-N).
 *
 * Everything that allocates on behalf of input (loaders, tokenizer, server
 * request parsing) goes through mem_alloc/mem_calloc/mem_realloc so a test can
 * make the N-th allocation fail and check that every caller returns a clean
 * error without leaking. Hot loops never allocate at all.
 *
 *     mem_fail_after(3);          // the 3rd allocation from now returns NULL
 *     ...                         // run the loader, expect an error
 *     mem_fail_after(0);          // back to normal
 */
#ifndef EXAONE_MEM_H
#define EXAONE_MEM_H

#include <stddef.h>
#include <stdint.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *ptr, size_t size);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
void mem_free(void *ptr);

/* 64-byte aligned, for kernel buffers (AVX-512 loads). Free with mem_free_aligned. */
void *mem_alloc_aligned(size_t size);
void mem_free_aligned(void *ptr);

/* n > 0: the n-th allocation from now fails (and only that one). 0: off. */
void mem_fail_after(long n);
/* How many allocations have been made since the last mem_fail_after call. */
long mem_alloc_count(void);
/* The largest size asked of mem_* since the last mem_fail_after call (granted or not). */
size_t mem_largest_request(void);
/* How many allocations of the calling thread have returned NULL (injected or
 * real), ever. Compared before and after a call into a library that reports a
 * failed allocation like bad input (cJSON, libpng), it tells the two apart. */
long mem_failures(void);

/* Overflow-checked size arithmetic for sizes that come from input.
 * Return 0 on success, -1 on overflow (out untouched). */
static inline int size_mul(size_t a, size_t b, size_t *out) {
    size_t r;
    if (__builtin_mul_overflow(a, b, &r)) return -1;
    *out = r;
    return 0;
}
static inline int size_add(size_t a, size_t b, size_t *out) {
    size_t r;
    if (__builtin_add_overflow(a, b, &r)) return -1;
    *out = r;
    return 0;
}

#endif
