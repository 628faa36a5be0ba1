/* libFuzzer target: EXAONE-mini's tuning data lists (prompts.tsv, and JSONL of image-caption
 * and text pairs, src/train/mini_tune_data.h) on arbitrary bytes; the first byte picks the format. */
#include "train/mini_tune_data.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    int jsonl = data[0] & 1;
    MiniTuneList l = {0};
    Error err = {0};
    if (mini_tune_list_parse(&l, (const char *)data + 1, size - 1, jsonl, "base", "fuzz", &err) != 0) {
        if (!err.message[0]) __builtin_trap(); /* every failure says why */
    } else {
        /* what the parser promises: at least one pair; an image pair has a non-empty path
         * under base (or absolute) and prompt, a text pair a non-empty source and target */
        if (l.n < 1) __builtin_trap();
        for (int i = 0; i < l.n; i++) {
            const MiniTuneEntry *e = &l.e[i];
            if (!e->prompt[0] || (!e->image == !e->target)) __builtin_trap();
            if (e->target && !e->target[0]) __builtin_trap();
            if (e->image && (!e->image[0] || (strncmp(e->image, "base/", 5) != 0 && e->image[0] != '/')))
                __builtin_trap();
        }
    }
    mini_tune_list_free(&l);
    return 0;
}
