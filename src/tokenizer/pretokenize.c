/* pretokenize.c — cutting text into the pieces BPE sees.
 *
 * The GPT-2 regex ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|
 * \s+(?!\S)|\s+) is the reference, run by PCRE2 with PCRE2_UTF|PCRE2_UCP. It is
 * also the slow part of an HF tokenizer, so the common characters (ASCII,
 * Hangul, Latin-1, general punctuation) go through a scanner that makes the
 * same decisions as the regex: at each position it tries the alternatives in
 * the regex's order, and it only decides when every character it had to look
 * at (the run and the one after it) has a class it knows. Otherwise that one
 * match is left to PCRE2, so a character the scanner does not know can never
 * change the result. tests/unit/test_tokenizer.c checks scanner == PCRE2 on
 * the golden texts and on random bytes.
 *
 * Steps compose as in HF's Sequence: each step refines the pieces of the
 * previous one; ByteLevel(use_regex=false) keeps its piece whole. */
#include "../core/mem.h"
#include "tok_internal.h"

#include <pthread.h>
#include <utf8proc.h>

enum { CL_UNKNOWN = 0, CL_LETTER, CL_NUMBER, CL_SPACE, CL_OTHER };

static uint8_t ascii_class[128];
static uint8_t latin1_class[96]; /* U+00A0..U+00FF */

static void init_classes(void) {
    for (int c = 0; c < 128; c++) {
        uint8_t k = CL_OTHER;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k = CL_LETTER;
        else if (c >= '0' && c <= '9') k = CL_NUMBER;
        else if (c == ' ' || (c >= 9 && c <= 13)) k = CL_SPACE;
        ascii_class[c] = k;
    }
    for (int c = 0xA0; c < 0x100; c++) {
        uint8_t k = CL_OTHER;
        if (c == 0xA0) k = CL_SPACE;
        else if (c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7)) k = CL_LETTER;
        else if (c == 0xB2 || c == 0xB3 || c == 0xB9 || (c >= 0xBC && c <= 0xBE)) k = CL_NUMBER;
        latin1_class[c - 0xA0] = k;
    }
}

/* Class of the character at p (valid UTF-8), CL_UNKNOWN when the scanner must defer. */
static inline int char_class(const uint8_t *p, int *len) {
    uint8_t c = p[0];
    if (c < 0x80) {
        *len = 1;
        return ascii_class[c];
    }
    uint32_t cp = tok_utf8_decode(p, len);
    if (cp >= 0xAC00 && cp <= 0xD7A3) return CL_LETTER;   /* Hangul syllables (Lo) */
    if (cp >= 0x1100 && cp <= 0x11FF) return CL_LETTER;   /* Hangul Jamo (Lo) */
    if (cp >= 0x3131 && cp <= 0x318E) return CL_LETTER;   /* Hangul compatibility Jamo (Lo) */
    if (cp >= 0xA0 && cp <= 0xFF) return latin1_class[cp - 0xA0];
    if (cp >= 0x2010 && cp <= 0x2027) return CL_OTHER;    /* dashes, quotes, bullets, ellipsis */
    if (cp >= 0x2030 && cp <= 0x205E) return CL_OTHER;    /* per mille .. four dots */
    if (cp >= 0x3001 && cp <= 0x3003) return CL_OTHER;    /* 、。〃 */
    if (cp >= 0x3008 && cp <= 0x3011) return CL_OTHER;    /* CJK brackets */
    return CL_UNKNOWN;
}

/* One regex match starting at text[p] (the regex always matches at p: every character
 * is in one of its classes). Returns 0 when a character of unknown class was involved. */
static int scan_one(const uint8_t *t, size_t p, size_t e, size_t *end) {
    int len, len2;
    int c = char_class(t + p, &len);
    if (c == CL_UNKNOWN) return 0;
    if (t[p] == '\'' && p + 1 < e) {
        uint8_t a = t[p + 1], b = p + 2 < e ? t[p + 2] : 0;
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            *end = p + 2;
            return 1;
        }
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
            *end = p + 3;
            return 1;
        }
    }
    size_t q = p;
    int run = c;
    if (t[p] == ' ' && p + 1 < e) {
        int c2 = char_class(t + p + 1, &len2);
        if (c2 == CL_UNKNOWN) return 0;
        if (c2 != CL_SPACE) {
            run = c2;
            q = p + 1;
        }
    }
    if (run != CL_SPACE) {
        while (q < e) {
            int k = char_class(t + q, &len);
            if (k == CL_UNKNOWN) return 0;
            if (k != run) break;
            q += (size_t)len;
        }
        *end = q;
        return 1;
    }
    /* \s+(?!\S) takes the run but its last character when a non-space follows;
     * a lone space character before a non-space falls to \s+. */
    size_t last = p;
    while (q < e) {
        int k = char_class(t + q, &len);
        if (k == CL_UNKNOWN) return 0;
        if (k != CL_SPACE) break;
        last = q;
        q += (size_t)len;
    }
    *end = (q < e && last > p) ? last : q;
    return 1;
}

/* Next match of re in text[p, len) (unanchored): *ms..*me. Returns 1, 0 if none, -1 on error. */
static int regex_next(const pcre2_code *re, pcre2_match_data *md, const uint8_t *text, size_t len, size_t p,
                      size_t *ms, size_t *me) {
    int rc = pcre2_match(re, text, len, p, PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) return -1;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *ms = ov[0];
    *me = ov[1];
    return 1;
}

int tok_split_gpt2(const pcre2_code *re, pcre2_match_data *md, const uint8_t *text, size_t len, int force_pcre2,
                   TokPieceFn fn, void *ctx) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_classes);
    size_t p = 0;
    while (p < len) {
        size_t end, ms;
        if (force_pcre2 || !scan_one(text, p, len, &end)) {
            int rc = regex_next(re, md, text, len, p, &ms, &end);
            if (rc < 0) return -1;
            if (rc == 0 || ms != p || end <= p) return -1; /* cannot happen for this regex */
        }
        int rc = fn(ctx, text + p, end - p);
        if (rc) return rc;
        p = end;
    }
    return 0;
}

int tok_is_numeric(uint32_t cp) {
    if (cp < 0x80) return cp >= '0' && cp <= '9';
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
}

typedef struct {
    const Tokenizer *tok;
    TokPreScratch *scratch;
    int next_step;
    TokPieceFn fn;
    void *ctx;
} Chain;

static int chain_piece(void *ctx, const uint8_t *piece, size_t len) {
    Chain *c = ctx;
    if (len == 0) return 0;
    return tok_pretokenize(c->tok, c->scratch, c->next_step, piece, len, c->fn, c->ctx);
}

/* HF Digits: every numeric character alone (individual) or runs of them, isolated. */
static int split_digits(const uint8_t *t, size_t n, int individual, TokPieceFn fn, void *ctx) {
    size_t start = 0, p = 0;
    while (p < n) {
        int len;
        uint32_t cp = tok_utf8_decode(t + p, &len);
        if (!tok_is_numeric(cp)) {
            p += (size_t)len;
            continue;
        }
        size_t q = p + (size_t)len;
        if (!individual) {
            while (q < n) {
                int l2;
                if (!tok_is_numeric(tok_utf8_decode(t + q, &l2))) break;
                q += (size_t)l2;
            }
        }
        int rc;
        if (p > start && (rc = fn(ctx, t + start, p - start))) return rc;
        if ((rc = fn(ctx, t + p, q - p))) return rc;
        start = p = q;
    }
    return start < n ? fn(ctx, t + start, n - start) : 0;
}

/* HF Split with a regex: each match becomes a cut point; behavior says on which
 * side of the cut the match goes (or that it is dropped). */
static int split_regex(const PreStep *st, pcre2_match_data *md, const uint8_t *t, size_t n, TokPieceFn fn,
                       void *ctx) {
    size_t p = 0, cut = 0;
    while (p < n) {
        size_t ms, me;
        int found = regex_next(st->re, md, t, n, p, &ms, &me);
        if (found < 0) return -1;
        if (!found) break;
        if (me == ms) { /* an empty match cuts nothing */
            int len;
            if (ms >= n) break;
            tok_utf8_decode(t + ms, &len);
            p = ms + (size_t)len;
            continue;
        }
        int rc = 0;
        switch (st->behavior) {
        case SPLIT_ISOLATED:
            if (ms > cut) rc = fn(ctx, t + cut, ms - cut);
            if (!rc) rc = fn(ctx, t + ms, me - ms);
            cut = me;
            break;
        case SPLIT_REMOVED:
            if (ms > cut) rc = fn(ctx, t + cut, ms - cut);
            cut = me;
            break;
        case SPLIT_MERGED_PREVIOUS:
            rc = fn(ctx, t + cut, me - cut);
            cut = me;
            break;
        case SPLIT_MERGED_NEXT:
            if (ms > cut) rc = fn(ctx, t + cut, ms - cut);
            cut = ms;
            break;
        case SPLIT_CONTIGUOUS:
            return -1; /* rejected at load time */
        }
        if (rc) return rc;
        p = me;
    }
    return cut < n ? fn(ctx, t + cut, n - cut) : 0;
}

int tok_pretokenize(const Tokenizer *tok, TokPreScratch *scratch, int step, const uint8_t *text, size_t len,
                    TokPieceFn fn, void *ctx) {
    if (step >= tok->n_pre) return fn(ctx, text, len);
    const PreStep *st = &tok->pre[step];
    Chain chain = {tok, scratch, step + 1, fn, ctx};
    switch (st->kind) {
    case PRE_DIGITS:
        return split_digits(text, len, st->individual, chain_piece, &chain);
    case PRE_SPLIT:
        if (st->fast_gpt2) return tok_split_gpt2(st->re, scratch->md, text, len, 0, chain_piece, &chain);
        return split_regex(st, scratch->md, text, len, chain_piece, &chain);
    case PRE_BYTELEVEL:
        if (st->add_prefix_space && len > 0 && text[0] != ' ') {
            TokBytes *buf = &scratch->prefixed[step];
            buf->len = 0;
            if (tok_bytes_append(buf, " ", 1) != 0 || tok_bytes_append(buf, text, len) != 0) return -2;
            text = (const uint8_t *)buf->data;
            len = buf->len;
        }
        if (!st->use_regex) return chain_piece(&chain, text, len);
        return tok_split_gpt2(st->re, scratch->md, text, len, 0, chain_piece, &chain);
    }
    return -1;
}
