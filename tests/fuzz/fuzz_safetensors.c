/* libFuzzer target: st_parse on arbitrary bytes, then touch everything it hands out. */
#include "formats/safetensors.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    SafeTensors *st;
    Error err = {0};
    if (st_parse(&st, data, size, "fuzz", &err) != 0) {
        /* Every failure must say why. */
        if (!err.message[0]) __builtin_trap();
        return 0;
    }
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
    return 0;
}
