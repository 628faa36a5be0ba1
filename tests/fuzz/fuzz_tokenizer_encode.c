/* fuzz_tokenizer_encode.c — encode arbitrary bytes with a small trained
 * tokenizer (tests/data/tiny_tokenizer.json; run from the repository root).
 * Checks: the scanner splits like PCRE2, decode(encode(x)) == x for valid
 * UTF-8 (== the U+FFFD-repaired x otherwise), streaming decode == decode,
 * two threads == one. A broken property aborts, which is what a fuzzer sees. */
#include "core/file.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/tokenizer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static Tokenizer *tok;
static pcre2_code *re;
static pcre2_match_data *md;

typedef struct {
    size_t ends[4096];
    size_t n;
    const uint8_t *base;
} Pieces;

static int collect(void *ctx, const uint8_t *piece, size_t len) {
    Pieces *p = ctx;
    if (p->n < 4096) p->ends[p->n++] = (size_t)(piece - p->base) + len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Error err = {0};
    if (!tok) {
        if (tok_load(&tok, "tests/data/tiny_tokenizer.json", &err) != 0) abort();
        if (tok_compile_regex(&re, TOK_GPT2_PATTERN, strlen(TOK_GPT2_PATTERN), &err) != 0) abort();
        md = pcre2_match_data_create(8, NULL);
    }
    TokBytes fixed = {0};
    int changed;
    if (tok_utf8_sanitize(data, size, &fixed, &changed, &err) != 0) abort();
    const uint8_t *text = changed ? (const uint8_t *)fixed.data : data;
    size_t len = changed ? fixed.len : size;

    static Pieces fast, slow;
    fast.n = slow.n = 0;
    fast.base = slow.base = text;
    if (tok_split_gpt2(re, md, text, len, 0, collect, &fast) != 0) abort();
    if (tok_split_gpt2(re, md, text, len, 1, collect, &slow) != 0) abort();
    if (fast.n != slow.n || memcmp(fast.ends, slow.ends, fast.n * sizeof fast.ends[0]) != 0) abort();

    TokIds ids = {0}, par = {0};
    TokBytes out = {0}, streamed = {0};
    if (tok_encode(tok, data, size, &ids, &err) != 0) abort();
    if (tok_decode(tok, ids.ids, ids.n, 0, &out, &err) != 0) abort();
    if (out.len != len || (len && memcmp(out.data, text, len) != 0)) abort();
    TokStream st = {0};
    for (size_t i = 0; i < ids.n; i++)
        if (tok_stream_push(tok, &st, ids.ids[i], &streamed, &err) != 0) abort();
    tok_stream_flush(&st, &streamed, &err);
    if (streamed.len != out.len || (out.len && memcmp(streamed.data, out.data, out.len) != 0)) abort();
    if (tok_encode_parallel(tok, data, size, 2, &par, &err) != 0) abort();
    if (par.n != ids.n || (ids.n && memcmp(par.ids, ids.ids, ids.n * sizeof *ids.ids) != 0)) abort();
    tok_ids_free(&ids);
    tok_ids_free(&par);
    tok_bytes_free(&out);
    tok_bytes_free(&streamed);
    tok_bytes_free(&fixed);
    return 0;
}
