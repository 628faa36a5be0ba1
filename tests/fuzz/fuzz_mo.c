/* libFuzzer target: mo_parse on arbitrary bytes, every entry touched, and one
 * allocation made to fail. */
#include "formats/mo.h"

#include "core/mem.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    MoCatalog cat;
    Error err = {0};
    mem_fail_after(0);
    if (mo_parse(data, size, "fuzz", &cat, &err) != 0) {
        if (!err.message[0] || cat.count) __builtin_trap();
        return 0;
    }
    long n_allocs = mem_alloc_count();
    volatile size_t sink = 0;
    for (size_t i = 0; i < cat.count; i++) {
        if (!cat.entries[i].msgid[0] || !cat.entries[i].msgstr[0]) __builtin_trap();
        sink += strlen(cat.entries[i].msgid) + strlen(cat.entries[i].msgstr);
        if (cat.entries[i].context) sink += strlen(cat.entries[i].context);
    }
    mo_free(&cat);
    if (n_allocs > 0) {
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < size && i < 64; i++) h = (h ^ data[i]) * 16777619u;
        mem_fail_after(1 + (long)(h % (uint32_t)n_allocs));
        int rc = mo_parse(data, size, "fuzz", &cat, &err);
        mem_fail_after(0);
        if (rc == 0 || cat.count || !err.message[0]) __builtin_trap();
    }
    return 0;
}
