/* libFuzzer target: the sharded-checkpoint index (model.safetensors.index.json). */
#include "core/mem.h"
#include "formats/safetensors.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    StIndex *idx;
    Error err = {0};
    mem_fail_after(0);
    if (st_index_parse(&idx, (const char *)data, size, "fuzz", &err) != 0) {
        if (!err.message[0]) __builtin_trap();
        return 0;
    }
    for (size_t i = 0; i < st_index_count(idx); i++) {
        size_t j = st_index_shard_of(idx, i);
        if (j >= st_index_file_count(idx)) __builtin_trap();
        const char *file = st_index_file(idx, j);
        /* The index may only name plain files next to it. */
        if (strchr(file, '/') || strcmp(file, "..") == 0 || !file[0]) __builtin_trap();
        (void)strlen(st_index_tensor(idx, i));
    }
    st_index_free(idx);
    /* Again with one allocation (chosen by the input) failing: a clean error, no leak. */
    long n_allocs = mem_alloc_count();
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)((size * 2654435761u) % (size_t)n_allocs));
        int rc = st_index_parse(&idx, (const char *)data, size, "fuzz", &err);
        mem_fail_after(0);
        if (rc == 0 || !err.message[0]) __builtin_trap();
    }
    return 0;
}
