/* libFuzzer target: st_parse on arbitrary bytes, then touch everything it hands out. */
#include "formats/safetensors.h"

#include "core/mem.h"

#include <stdint.h>
#include <string.h>

/* Parses again with one allocation made to fail (which one depends on the
 * input): the parser must then report an error and free everything. */
static void parse_with_failing_allocation(const uint8_t *data, size_t size, long n_allocs) {
    if (n_allocs <= 0) return;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size && i < 64; i++) h = (h ^ data[i]) * 16777619u;
    SafeTensors *g2 = NULL;
    Error err2 = {0};
    mem_fail_after(1 + (long)(h % (uint32_t)n_allocs));
    int rc = st_parse(&g2, data, size, "fuzz", &err2);
    mem_fail_after(0);
    if (rc == 0 || !err2.message[0]) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    SafeTensors *st;
    Error err = {0};
    mem_fail_after(0);
    if (st_parse(&st, data, size, "fuzz", &err) != 0) {
        /* Every failure must say why. */
        if (!err.message[0]) __builtin_trap();
        return 0;
    }
    long n_allocs = mem_alloc_count();
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < st_count(st); i++) {
        const StTensor *t = st_tensor(st, i);
        if (st_find(st, t->name) != t) __builtin_trap();
        if (t->size) sink ^= ((const uint8_t *)t->data)[0] ^ ((const uint8_t *)t->data)[t->size - 1];
        if (t->n_dims < 0 || t->n_dims > 8) __builtin_trap();
    }
    (void)st_metadata(st, "format");
    (void)sink;
    st_close(st);
    parse_with_failing_allocation(data, size, n_allocs);
    return 0;
}
