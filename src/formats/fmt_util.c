#include "fmt_util.h"

#include "../core/mem.h"

#include <cjson/cJSON.h>

size_t fmt_utf8_valid_prefix(const char *s, size_t n) {
    const uint8_t *start = (const uint8_t *)s, *p = start, *end = p + n;
    while (p < end) {
        uint8_t c = *p;
        if (c == 0) return (size_t)(p - start);
        if (c < 0x80) {
            p++;
            continue;
        }
        int len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return (size_t)(p - start);
        }
        if (end - p < len) return (size_t)(p - start);
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80) return (size_t)(p - start);
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return (size_t)(p - start);
        p += len;
    }
    return n;
}

int fmt_utf8_valid(const char *s, size_t n) { return fmt_utf8_valid_prefix(s, n) == n; }

static void *json_alloc(size_t size) { return mem_alloc(size); }
static void json_free(void *ptr) { mem_free(ptr); }

void fmt_json_hooks(void) {
    cJSON_Hooks hooks = {json_alloc, json_free};
    cJSON_InitHooks(&hooks);
}
