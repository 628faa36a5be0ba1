/* libFuzzer target: one conversation of `exaone tune`'s JSONL data
 * (src/train/tune_data.c) rendered with a chat template and tokenized piece by
 * piece with tests/data/tiny_tokenizer.json. Byte 0 picks the template (EXAONE
 * 3 / 4) and the length limit; the rest is the messages array. A rendered
 * example must keep its promises (targets are -1 or the next token, at most
 * max_len tokens); a failure must say why; one allocation failure per input
 * must fail cleanly. */
#include "core/mem.h"
#include "formats/fmt_util.h"
#include "train/tune_data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static Tokenizer *tokenizer(void) {
    static Tokenizer *tok;
    if (!tok) {
        Error err = {0};
        if (tok_load(&tok, "tests/data/tiny_tokenizer.json", &err) != 0) abort(); /* run from the repo root */
    }
    return tok;
}

static int render(uint8_t flags, const char *json, Error *err) {
    TokChatKind kind = flags & 1 ? TOK_CHAT_EXAONE4 : TOK_CHAT_EXAONE3;
    int max_len = 4 + (flags >> 1) * 8;
    TuneExample e;
    if (tune_data_render(&e, json, tokenizer(), kind, max_len, err) != 0) return -1;
    if (e.n < 0 || e.n > max_len || e.n_loss < 0 || e.n_loss > e.n) __builtin_trap();
    int loss = 0;
    for (int i = 0; i < e.n; i++) {
        if (e.targets[i] >= 0) {
            loss++;
            if (i + 1 >= e.n || e.targets[i] != e.tokens[i + 1]) __builtin_trap();
        } else if (e.targets[i] != -1) {
            __builtin_trap();
        }
    }
    if (loss != e.n_loss) __builtin_trap();
    mem_free(e.tokens);
    mem_free(e.targets);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    Tokenizer *tok = tokenizer();
    (void)tok;
    char *json = malloc(size);
    if (!json) return 0;
    memcpy(json, data + 1, size - 1);
    json[size - 1] = 0;
    Error err = {0};
    fmt_json_hooks();
    mem_fail_after(0);
    if (render(data[0], json, &err) != 0 && !err.message[0]) __builtin_trap();
    long n_allocs = mem_alloc_count();
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)((size * 2654435761u) % (size_t)n_allocs));
        err.message[0] = 0;
        int rc = render(data[0], json, &err);
        mem_fail_after(0);
        if (rc != 0 && !err.message[0]) __builtin_trap();
    }
    free(json);
    return 0;
}
