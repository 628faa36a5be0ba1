/* libFuzzer target: gguf_parse on arbitrary bytes, then every getter on every key
 * and the first and last byte of every tensor. */
#include "formats/gguf.h"

#include "core/mem.h"

#include <stdint.h>
#include <string.h>

/* Parses again with one allocation made to fail (which one depends on the
 * input): the parser must then report an error and free everything. */
static void parse_with_failing_allocation(const uint8_t *data, size_t size, long n_allocs) {
    if (n_allocs <= 0) return;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size && i < 64; i++) h = (h ^ data[i]) * 16777619u;
    Gguf *g2 = NULL;
    Error err2 = {0};
    mem_fail_after(1 + (long)(h % (uint32_t)n_allocs));
    int rc = gguf_parse(&g2, data, size, "fuzz", &err2);
    mem_fail_after(0);
    if (rc == 0 || !err2.message[0]) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Gguf *g;
    Error err = {0};
    mem_fail_after(0);
    if (gguf_parse(&g, data, size, "fuzz", &err) != 0) {
        if (!err.message[0]) __builtin_trap();
        return 0;
    }
    long n_allocs = mem_alloc_count();
    volatile double sink = 0;
    for (size_t i = 0; i < gguf_kv_count(g); i++) {
        const GgufKV *kv = gguf_kv(g, i);
        if (gguf_find_kv(g, kv->key) != kv) __builtin_trap();
        int64_t v;
        double d;
        uint32_t u32;
        float f;
        int b;
        if (gguf_kv_int(kv, &v) == 0) sink += (double)v;
        if (gguf_kv_float(kv, &d) == 0) sink += d;
        gguf_get_u32(g, kv->key, &u32);
        gguf_get_f32(g, kv->key, &f);
        gguf_get_bool(g, kv->key, &b);
        const char *s = gguf_get_str(g, kv->key);
        if (s) sink += (double)strlen(s);
        size_t n = kv->type == GGUF_TYPE_ARRAY ? (size_t)kv->n : 0;
        for (size_t k = 0; k < n && k < 64; k++) {
            size_t len;
            const char *e = gguf_kv_arr_str(kv, k, &len);
            if (e && len) sink += (unsigned char)e[len - 1];
            if (gguf_kv_arr_int(kv, k, &v) == 0) sink += (double)v;
            if (gguf_kv_arr_float(kv, k, &d) == 0) sink += d;
        }
    }
    for (size_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *t = gguf_tensor(g, i);
        if (gguf_find_tensor(g, t->name) != t) __builtin_trap();
        if (t->size) sink += ((const uint8_t *)t->data)[0] + ((const uint8_t *)t->data)[t->size - 1];
    }
    (void)sink;
    gguf_close(g);
    parse_with_failing_allocation(data, size, n_allocs);
    return 0;
}
