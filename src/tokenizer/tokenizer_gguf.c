/* tokenizer_gguf.c — the tokenizer stored in a GGUF file's metadata, under
 * llama.cpp's key names: tokenizer.ggml.model ("gpt2" = byte-level BPE),
 * .tokens (spellings by id), .merges ("a b" by rank), .token_type (llama.cpp
 * token types: CONTROL = special, USER_DEFINED = added), .pre (the
 * pre-tokenizer: "exaone", "exaone4", ...), and tokenizer.chat_template. */
#include "../core/mem.h"
#include "../formats/gguf.h"
#include "tok_internal.h"

/* Copies a string array into one NUL-separated arena (GGUF strings are not
 * NUL-terminated) and fills ptrs. */
static int gguf_strings(const Gguf *g, const char *key, char **arena, const char ***ptrs, size_t *n, Error *err) {
    *arena = NULL;
    *ptrs = NULL;
    *n = 0;
    const GgufKV *kv = gguf_find_kv(g, key);
    if (!kv) return 0;
    if (kv->type != GGUF_TYPE_ARRAY || kv->elem_type != GGUF_TYPE_STRING) return error_set(err, "%s is not a string array", key);
    size_t total = 0, count = (size_t)kv->n, bytes;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        if (!gguf_kv_arr_str(kv, i, &len)) return error_set(err, "%s[%zu] is unreadable", key, i);
        if (size_add(total, len + 1, &total) != 0) return error_set(err, "%s is too large", key);
    }
    if (size_mul(count ? count : 1, sizeof **ptrs, &bytes) != 0) return error_set(err, "%s is too large", key);
    *arena = mem_alloc(total ? total : 1);
    *ptrs = mem_alloc(bytes);
    if (!*arena || !*ptrs) {
        mem_free(*arena);
        mem_free((void *)*ptrs);
        *arena = NULL;
        *ptrs = NULL;
        return error_set(err, "out of memory for %s", key);
    }
    char *p = *arena;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const char *s = gguf_kv_arr_str(kv, i, &len);
        if (memchr(s, 0, len)) {
            mem_free(*arena);
            mem_free((void *)*ptrs);
            *arena = NULL;
            *ptrs = NULL;
            return error_set(err, "%s[%zu] contains a NUL byte", key, i);
        }
        memcpy(p, s, len);
        p[len] = 0;
        (*ptrs)[i] = p;
        p += len + 1;
    }
    *n = count;
    return 0;
}

int tok_new_from_gguf(Tokenizer **out, const Gguf *g, Error *err) {
    *out = NULL;
    const char *model = gguf_get_str(g, "tokenizer.ggml.model");
    if (!model) return error_set(err, "no tokenizer in this GGUF (tokenizer.ggml.model is missing)");
    if (strcmp(model, "gpt2") != 0)
        return error_set(err, "tokenizer.ggml.model \"%s\" is not supported (only byte-level BPE, \"gpt2\")", model);
    char *tok_arena = NULL, *merge_arena = NULL;
    const char **tokens = NULL, **merges = NULL;
    size_t n_tokens = 0, n_merges = 0;
    int32_t *types = NULL;
    int rc = -1;
    if (gguf_strings(g, "tokenizer.ggml.tokens", &tok_arena, &tokens, &n_tokens, err) != 0 ||
        gguf_strings(g, "tokenizer.ggml.merges", &merge_arena, &merges, &n_merges, err) != 0)
        goto done;
    if (n_tokens == 0) {
        error_set(err, "tokenizer.ggml.tokens is missing or empty");
        goto done;
    }
    const GgufKV *kv = gguf_find_kv(g, "tokenizer.ggml.token_type");
    if (kv) {
        if (kv->type != GGUF_TYPE_ARRAY || kv->n != n_tokens) {
            error_set(err, "tokenizer.ggml.token_type must list one type per token");
            goto done;
        }
        types = mem_alloc(n_tokens * sizeof *types);
        if (!types) {
            error_set(err, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n_tokens; i++) {
            int64_t v;
            if (gguf_kv_arr_int(kv, i, &v) != 0 || v < INT32_MIN || v > INT32_MAX) {
                error_set(err, "tokenizer.ggml.token_type[%zu] is not an integer", i);
                goto done;
            }
            types[i] = (int32_t)v;
        }
    }
    rc = tok_new_from_arrays(out, tokens, n_tokens, merges, n_merges, types, gguf_get_str(g, "tokenizer.ggml.pre"), err);
    if (rc == 0) {
        const char *tmpl = gguf_get_str(g, "tokenizer.chat_template");
        if (tmpl && !((*out)->chat_template = mem_strdup(tmpl))) {
            tok_free(*out);
            *out = NULL;
            rc = error_set(err, "out of memory");
        }
    }
done:
    mem_free(tok_arena);
    mem_free(merge_arena);
    mem_free((void *)tokens);
    mem_free((void *)merges);
    mem_free(types);
    return rc;
}

int tok_load_gguf(Tokenizer **out, const char *path, Error *err) {
    Gguf *g;
    if (gguf_open(&g, path, err) != 0) return -1;
    int rc = tok_new_from_gguf(out, g, err);
    gguf_close(g);
    return rc == 0 ? 0 : error_prefix(err, "%s", path); /* gguf_open names the file itself */
}
