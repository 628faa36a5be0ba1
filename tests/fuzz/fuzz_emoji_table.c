/* libFuzzer target: the emoji64.tsv reader (emoji_table.h) on arbitrary bytes. */
#include "data/emoji_table.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    EmojiTable t;
    Error err = {0};
    if (emoji_table_parse(&t, (const char *)data, size, "fuzz.tsv", &err) != 0) {
        if (!err.message[0]) __builtin_trap(); /* every failure says why */
        return 0;
    }
    /* what the reader promises its callers */
    for (int i = 0; i < t.n; i++) {
        const EmojiRow *r = &t.rows[i];
        if (r->row < 0 || r->tone < EMOJI_TONE_MIXED || r->tone > 5 || r->gender < 0 || r->gender > 3) __builtin_trap();
        if (!r->item || !r->base || !r->style || !r->en_label || !r->ko_label) __builtin_trap();
        if (strchr(r->en_label, '\t') || strchr(r->ko_label, '\n')) __builtin_trap();
    }
    emoji_table_free(&t);
    return 0;
}
