/* fmt_util.h — small helpers shared by the file-format parsers.
 *
 * Little-endian loads that never assume alignment (a file's bytes can sit at
 * any address), UTF-8 validation for names that come from files, and the
 * cJSON allocation hook so JSON parsing also goes through mem_alloc (and so
 * fail-after-N injection reaches it).
 */
#ifndef EXAONE_FMT_UTIL_H
#define EXAONE_FMT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t fmt_load_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t fmt_load_u64(const uint8_t *p) {
    return (uint64_t)fmt_load_u32(p) | (uint64_t)fmt_load_u32(p + 4) << 32;
}
static inline void fmt_store_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void fmt_store_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF)
 * and contains no NUL byte (names become C strings). */
int fmt_utf8_valid(const char *s, size_t n);
/* How many leading bytes of s[0..n) are valid by that rule: the byte offset of the
 * first bad sequence, or n. */
size_t fmt_utf8_valid_prefix(const char *s, size_t n);

/* Routes cJSON's allocations through mem_alloc/mem_free. Idempotent. */
void fmt_json_hooks(void);

#endif
