/* fuzz_chat_template.c — chat template rendering on arbitrary messages JSON.
 * Byte 0 picks the template (EXAONE 3 / 4), add_generation_prompt and
 * enable_thinking; the rest is split at the first NUL into messages and tools.
 * Rendering must succeed or fail with a message, never crash, and one
 * allocation is made to fail (the render must then fail cleanly too). */
#include "tokenizer/tokenizer.h"

#include "core/mem.h"
#include "formats/fmt_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int render(uint8_t flags, const uint8_t *body, size_t size, TokBytes *out, Error *err) {
    const uint8_t *nul = memchr(body, 0, size);
    size_t mlen = nul ? (size_t)(nul - body) : size;
    const char *tools = nul ? (const char *)nul + 1 : NULL;
    size_t tlen = nul ? size - mlen - 1 : 0;
    TokChatKind kind = (flags & 1) ? TOK_CHAT_EXAONE4 : TOK_CHAT_EXAONE3;
    int thinking = (int)((flags >> 2) % 3) - 1;
    return tok_chat_render(kind, (const char *)body, mlen, tools, tlen, (flags >> 1) & 1, thinking, out, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    Error err = {0};
    TokBytes out = {0};
    fmt_json_hooks(); /* cJSON's allocations count too */
    mem_fail_after(0);
    long before = mem_alloc_count();
    int rc = render(data[0], data + 1, size - 1, &out, &err);
    long n_allocs = mem_alloc_count() - before;
    if (rc != 0 && !err.message[0]) abort(); /* every failure explains itself */
    tok_bytes_free(&out);
    if (rc == 0 && n_allocs > 0) {
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < size && i < 64; i++) h = (h ^ data[i]) * 16777619u;
        Error err2 = {0};
        mem_fail_after(1 + (long)(h % (uint32_t)n_allocs));
        rc = render(data[0], data + 1, size - 1, &out, &err2);
        mem_fail_after(0);
        if (rc == 0 || !err2.message[0]) abort();
        tok_bytes_free(&out);
    }
    return 0;
}
