/* normalize.c — the HF normalizers a byte-level BPE may ask for (NFC, NFD, NFKC,
 * NFKD, Lowercase, and Sequence of them), through utf8proc. EXAONE's tokenizers
 * have none; they are here so other tokenizer.json files load. */
#include "../core/mem.h"
#include "tok_internal.h"

#include <utf8proc.h>

static int normalize_one(NormKind kind, const uint8_t *text, size_t len, TokBytes *out, Error *err) {
    if (kind == NORM_LOWERCASE) {
        for (size_t i = 0; i < len;) {
            int n;
            uint32_t cp = tok_utf8_decode(text + i, &n);
            uint8_t buf[4];
            int m = tok_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), buf);
            if (tok_bytes_append(out, buf, (size_t)m) != 0) return error_set(err, "out of memory");
            i += (size_t)n;
        }
        return 0;
    }
    int options = UTF8PROC_STABLE;
    if (kind == NORM_NFC || kind == NORM_NFKC) options |= UTF8PROC_COMPOSE;
    else options |= UTF8PROC_DECOMPOSE;
    if (kind == NORM_NFKC || kind == NORM_NFKD) options |= UTF8PROC_COMPAT;
    /* Decompose into our own buffer (mem_* so allocation failure is testable), then
     * compose in place and re-encode, as utf8proc_map would. */
    utf8proc_ssize_t need = utf8proc_decompose(text, (utf8proc_ssize_t)len, NULL, 0, (utf8proc_option_t)options);
    if (need < 0) return error_set(err, "normalizer: %s", utf8proc_errmsg(need));
    size_t bytes;
    if (size_mul((size_t)need + 1, 4, &bytes) != 0) return error_set(err, "normalizer: text too long");
    utf8proc_int32_t *buf = mem_alloc(bytes);
    if (!buf) return error_set(err, "out of memory");
    need = utf8proc_decompose(text, (utf8proc_ssize_t)len, buf, need, (utf8proc_option_t)options);
    utf8proc_ssize_t n = need < 0 ? need : utf8proc_normalize_utf32(buf, need, (utf8proc_option_t)options);
    int rc = 0;
    if (n < 0) rc = error_set(err, "normalizer: %s", utf8proc_errmsg(n));
    for (utf8proc_ssize_t i = 0; rc == 0 && i < n; i++) {
        uint8_t enc[4];
        int m = tok_utf8_encode((uint32_t)buf[i], enc);
        if (tok_bytes_append(out, enc, (size_t)m) != 0) rc = error_set(err, "out of memory");
    }
    mem_free(buf);
    return rc;
}

int tok_normalize(const Tokenizer *tok, const uint8_t *text, size_t len, TokBytes *out, Error *err) {
    TokBytes tmp = {0};
    int rc = 0;
    for (int i = 0; i < tok->n_norms && rc == 0; i++) {
        TokBytes next = {0};
        const uint8_t *src = i == 0 ? text : (const uint8_t *)tmp.data;
        size_t n = i == 0 ? len : tmp.len;
        TokBytes *dst = i == tok->n_norms - 1 ? out : &next;
        rc = normalize_one(tok->norms[i], src, n, dst, err);
        if (dst == &next) {
            tok_bytes_free(&tmp);
            tmp = next;
        }
    }
    tok_bytes_free(&tmp);
    return rc;
}
