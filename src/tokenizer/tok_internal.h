/* tok_internal.h — the Tokenizer struct and helpers shared by the files in src/tokenizer/.
 * Not part of the public API (tokenizer.h is). */
#ifndef EXAONE_TOK_INTERNAL_H
#define EXAONE_TOK_INTERNAL_H

#include "tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* The GPT-2 pre-tokenizer regex, as HF's ByteLevel(use_regex=true) spells it. */
#define TOK_GPT2_PATTERN "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

typedef enum { PRE_BYTELEVEL, PRE_DIGITS, PRE_SPLIT } PreKind;
typedef enum { SPLIT_ISOLATED, SPLIT_REMOVED, SPLIT_MERGED_PREVIOUS, SPLIT_MERGED_NEXT, SPLIT_CONTIGUOUS } SplitBehavior;

typedef struct {
    PreKind kind;
    int use_regex;        /* ByteLevel */
    int add_prefix_space; /* ByteLevel */
    int individual;       /* Digits */
    SplitBehavior behavior;
    int fast_gpt2;        /* the regex is TOK_GPT2_PATTERN: use the scanner */
    pcre2_code *re;       /* ByteLevel with regex, Split */
} PreStep;

typedef enum { NORM_NFC, NORM_NFD, NORM_NFKC, NORM_NFKD, NORM_LOWERCASE } NormKind;

typedef struct {
    int32_t id;
    uint32_t off, len; /* content in Tokenizer.strings */
    uint8_t special, lstrip, rstrip, single_word;
} AddedToken;

/* Byte trie over added-token contents for leftmost-longest matching. */
typedef struct {
    int32_t first_child, next_sibling;
    int32_t added; /* index into added[], -1 if no token ends here */
    uint8_t byte;
} TrieNode;

typedef struct {
    uint64_t key; /* (left id << 32) | right id */
    int32_t rank, new_id; /* rank < 0: empty slot */
} MergeSlot;

struct Tokenizer {
    size_t n_ids;       /* max id + 1 */
    char *strings;      /* vocabulary spellings, back to back */
    size_t strings_used, strings_cap;
    uint32_t *str_off;  /* [n_ids + 0] offset of id's spelling; str_len gives its length */
    uint32_t *str_len;  /* UINT32_MAX: no token has this id */
    char *bytes;        /* decoded bytes of every id (what decode emits) */
    uint32_t *byte_off, *byte_len;
    uint8_t *special;   /* [n_ids] 1 for special added tokens */
    int32_t byte_id[256]; /* id of the one-byte token, -1 if absent */

    int32_t *vocab_slots; /* open addressing over spellings -> id, -1 empty */
    size_t vocab_mask;
    MergeSlot *merges;
    size_t merge_mask, n_merges;

    AddedToken *added;
    size_t n_added;
    TrieNode *trie;
    size_t n_trie;
    uint8_t added_first[256]; /* 1 when some added token starts with this byte */
    int added_has_newline;    /* an added token contains '\n': no parallel split */

    NormKind norms[8];
    int n_norms;
    PreStep pre[8];
    int n_pre;
    int byte_level;    /* ByteLevel decoding (all EXAONE tokenizers) */
    int ignore_merges; /* BPE: a piece that is a whole vocab token maps to it directly */

    char *chat_template;

    /* BPE scratches (word caches) kept between encode calls, so a stream of short
     * texts keeps its cache warm; one per concurrent caller. */
    pthread_mutex_t pool_lock;
    struct TokBpeScratch *pool[64];
    int n_pool;
    /* Pairs of one-byte tokens: rank and merged id without hashing (the first
     * lookups of every uncached word). */
    int32_t *byte_pair_rank, *byte_pair_new;
};

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid; on 0, *bad gets the
 * length of the maximal subpart to replace by one U+FFFD (>= 1). */
static inline int tok_utf8_valid(const uint8_t *s, size_t n, int *bad) {
    uint8_t c = s[0];
    if (c < 0x80) return 1;
    int need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    for (int i = 1; i <= need; i++) {
        if ((size_t)i >= n) {
            *bad = i;
            return 0;
        }
        uint8_t b = s[i];
        uint8_t l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (b < l || b > h) {
            *bad = i;
            return 0;
        }
    }
    return need + 1;
}

/* Decodes one character of valid UTF-8 (the caller sanitized the text). */
static inline uint32_t tok_utf8_decode(const uint8_t *s, int *len) {
    uint8_t c = s[0];
    if (c < 0x80) { *len = 1; return c; }
    if (c < 0xE0) { *len = 2; return ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F); }
    if (c < 0xF0) {
        *len = 3;
        return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    *len = 4;
    return ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
           (s[3] & 0x3F);
}

static inline int tok_utf8_encode(uint32_t cp, uint8_t *out) {
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static inline uint64_t tok_hash_bytes(const void *data, size_t n) {
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

/* ---- byte-level alphabet (bytelevel.c) ---- */
/* GPT-2's bytes_to_unicode: byte -> code point of its printable stand-in. */
uint32_t tok_byte_to_char(uint8_t byte);
/* Inverse; -1 when the code point stands for no byte. */
int tok_char_to_byte(uint32_t cp);
/* The spelling of raw bytes in byte-level form (UTF-8 of each stand-in). */
int tok_bytes_to_spelling(const uint8_t *in, size_t n, TokBytes *out, Error *err);
/* HF ByteLevel decoder rule for one token: every char maps to a byte, else raw UTF-8. */
int tok_spelling_to_bytes(const char *in, size_t n, TokBytes *out, Error *err);

/* ---- construction helpers (tokenizer.c) ---- */
/* A tokenizer with no ids yet; vocab and merges are added by the loaders below. */
int tok_alloc(Tokenizer **out, size_t n_ids, size_t strings_bytes, Error *err);
int tok_set_token(Tokenizer *tok, int32_t id, const char *spelling, size_t len, Error *err);
/* After all tokens (and after byte_level is set): the spelling hash, decoded bytes and
 * one-byte ids. */
int tok_finish_vocab(Tokenizer *tok, Error *err);
int tok_set_merges_begin(Tokenizer *tok, size_t n_merges, Error *err);
/* rank = order of the calls; returns -1 (with err) when a part is not in the vocab. */
int tok_add_merge(Tokenizer *tok, const char *left, size_t left_len, const char *right, size_t right_len,
                  Error *err);
int tok_add_added_token(Tokenizer *tok, int32_t id, const char *content, size_t len, int special, int lstrip,
                        int rstrip, int single_word, Error *err);
/* Builds the trie once all added tokens are in. */
int tok_finish_added(Tokenizer *tok, Error *err);
/* Longest added token starting at text[0]: its index in tok->added or -1; *len its length. */
int tok_match_added(const Tokenizer *tok, const uint8_t *text, size_t n, size_t *len);
int tok_set_pre_gpt2(Tokenizer *tok, int split_digits, Error *err);
int tok_compile_regex(pcre2_code **out, const char *pattern, size_t len, Error *err);
int32_t tok_merge_lookup(const Tokenizer *tok, int32_t left, int32_t right, int32_t *new_id);

/* ---- pre-tokenization (pretokenize.c) ---- */
typedef int (*TokPieceFn)(void *ctx, const uint8_t *piece, size_t len);

typedef struct {
    pcre2_match_data *md; /* for the PCRE2 paths */
    TokBytes prefixed[8]; /* add_prefix_space copies, one per step */
} TokPreScratch;

/* Runs steps [step, n_pre) of tok->pre over text and calls fn for every final piece. */
int tok_pretokenize(const Tokenizer *tok, TokPreScratch *scratch, int step, const uint8_t *text, size_t len,
                    TokPieceFn fn, void *ctx);
/* The GPT-2 regex split of text, by the scanner where it applies and PCRE2 elsewhere;
 * force_pcre2 runs PCRE2 only (tests compare the two). */
int tok_split_gpt2(const pcre2_code *re, pcre2_match_data *md, const uint8_t *text, size_t len, int force_pcre2,
                   TokPieceFn fn, void *ctx);
/* Unicode general category N (what Rust's char::is_numeric tests). */
int tok_is_numeric(uint32_t cp);

/* ---- BPE (bpe.c) ---- */
typedef struct TokBpeScratch TokBpeScratch;
TokBpeScratch *tok_bpe_scratch_new(size_t text_len);
void tok_bpe_scratch_free(TokBpeScratch *s);
/* From the tokenizer's pool (or new, sized for text_len); give it back with put. */
TokBpeScratch *tok_bpe_scratch_get(const Tokenizer *tok, size_t text_len);
void tok_bpe_scratch_put(const Tokenizer *tok, TokBpeScratch *s);
/* Fills the byte-pair table once merges are loaded. */
int tok_bpe_prepare(Tokenizer *tok, Error *err);
/* Starts loading the cache lines tok_bpe_word will read for this piece. */
void tok_bpe_prefetch(const TokBpeScratch *s, const uint8_t *piece, size_t len);
/* Appends the ids of one pre-token (raw bytes) to out. */
int tok_bpe_word(const Tokenizer *tok, TokBpeScratch *s, const uint8_t *piece, size_t len, TokIds *out, Error *err);

/* ---- normalizers (normalize.c) ---- */
int tok_normalize(const Tokenizer *tok, const uint8_t *text, size_t len, TokBytes *out, Error *err);

/* ---- loaders (tokenizer_json.c, tokenizer_gguf.c) ---- */
int tok_load_gguf(Tokenizer **out, const char *path, Error *err);
int tok_json_parse_model(Tokenizer **out, const void *root_json, const char *name, Error *err);

/* ---- Python-style JSON text (json_py.c), for chat templates and the trainer ---- */
/* json.dumps(value, ensure_ascii=False) with the default ", " / ": " separators. */
int tok_json_dump_py(const void *cjson_value, TokBytes *out, Error *err);
/* A JSON string literal (with quotes) in the same style. */
int tok_json_quote(const char *s, size_t n, TokBytes *out, Error *err);

#endif
