/* tokenizer.h — byte-level BPE tokenizers as HuggingFace `tokenizers` runs them.
 *
 *     Tokenizer *tok;
 *     Error err = {0};
 *     if (tok_load(&tok, "models/exaone-4.0", &err) != 0) { log_error("%s", err.message); ... }
 *     TokIds ids = {0};
 *     tok_encode(tok, text, strlen(text), &ids, &err);          // appends to ids
 *     TokBytes out = {0};
 *     tok_decode(tok, ids.ids, ids.n, 0, &out, &err);            // out.data, out.len
 *     tok_ids_free(&ids); tok_bytes_free(&out); tok_free(tok);
 *
 * What is read: tokenizer.json (BPE model with vocab, merges as "a b" strings or
 * as pairs, added_tokens with their flags, normalizer NFC/NFD/NFKC/NFKD/Lowercase/
 * Sequence, pre_tokenizer ByteLevel/Digits/Split/Sequence, ByteLevel decoder); a
 * vocab.json + merges.txt + tokenizer_config.json folder; a GGUF file's
 * `tokenizer.ggml.*` keys (tok_new_from_gguf, built on tok_new_from_arrays).
 *
 * Encoding follows HF: added tokens are matched first, leftmost-longest, on the
 * raw text (never split by BPE); the rest is normalized, pre-tokenized (the
 * GPT-2 regex via PCRE2 with Unicode properties, with a hand-written scanner for
 * ASCII and Hangul that gives the same pieces) and merged by BPE rank.
 * Nothing is added around the ids (add_special_tokens=false).
 *
 * Invalid UTF-8: HF tokenizers only accept valid Unicode strings, so its callers
 * (Python `bytes.decode(errors="replace")`, JS `TextDecoder`) first replace every
 * maximal invalid subsequence by U+FFFD. tok_encode does exactly that, so ids
 * agree with what HF returns for the same bytes decoded that way.
 *
 * Decoding maps each id to its bytes (byte-level tokens) or its raw text (added
 * tokens) and, like HF's from_utf8_lossy, turns invalid UTF-8 into U+FFFD. The
 * streaming decoder (TokStream) never emits half a UTF-8 character: it holds
 * back an incomplete tail until the next id completes it (or flush replaces it).
 *
 * Thread safety: a loaded Tokenizer is read-only (except a lock-protected pool of
 * word caches); encode/decode may run on many threads at once.
 * tok_encode_parallel splits one text at boundaries where the pre-tokenizer
 * provably splits (a newline after a visible ASCII character).
 *
 * Speed: a word cache (hot direct-mapped part + growing hash table, kept between
 * calls), merge ranks in an open-addressing table (pairs of byte tokens in a flat
 * table), no allocation per token. bench/tokenizer.sh compares with HF.
 *
 * Not done like HF (no EXAONE tokenizer needs them): post_processor is ignored
 * (nothing is added, like add_special_tokens=false); added tokens are all matched
 * on the raw text (HF matches normalized=true ones after the normalizer);
 * lstrip/rstrip strip ASCII whitespace only; Split supports Isolated, Removed,
 * MergedWithPrevious, MergedWithNext without invert; transformers' decode-time
 * clean_up_tokenization_spaces is not applied.
 */
#ifndef EXAONE_TOKENIZER_H
#define EXAONE_TOKENIZER_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct Tokenizer Tokenizer;

typedef struct {
    int32_t *ids;
    size_t n, cap;
} TokIds;

typedef struct {
    char *data;
    size_t len, cap;
} TokBytes;

/* GGUF token types (llama.cpp's llama_token_type): what tok_new_from_arrays expects. */
enum { TOK_TYPE_NORMAL = 1, TOK_TYPE_UNKNOWN = 2, TOK_TYPE_CONTROL = 3, TOK_TYPE_USER_DEFINED = 4,
       TOK_TYPE_UNUSED = 5, TOK_TYPE_BYTE = 6 };

/* A model folder (tokenizer.json, else vocab.json + merges.txt [+ tokenizer_config.json]),
 * a tokenizer.json file, or a GGUF file (when the GGUF reader is linked in). Also picks up
 * the chat template (tokenizer_config.json "chat_template" or chat_template.jinja). */
int tok_load(Tokenizer **out, const char *path, Error *err);
/* tokenizer.json text (need not be NUL-terminated); name is used in error messages. */
int tok_new_from_json(Tokenizer **out, const char *json, size_t len, const char *name, Error *err);
/* vocab.json + merges.txt; config (tokenizer_config.json, may be NULL) supplies added tokens. */
int tok_new_from_files(Tokenizer **out, const char *vocab_json, const char *merges_txt, const char *config_json,
                       Error *err);
/* The GGUF form: tokens in GPT-2 byte-level spelling indexed by id, merges "a b" by rank,
 * token_types (may be NULL: all normal) marks CONTROL (special) and USER_DEFINED (added,
 * not special) tokens, which are matched before BPE. pre is tokenizer.ggml.pre: "exaone"
 * (digits split one by one, then GPT-2 regex), "exaone4", "gpt2" or "default" (GPT-2 regex). */
int tok_new_from_arrays(Tokenizer **out, const char *const *tokens, size_t n_tokens, const char *const *merges,
                        size_t n_merges, const int32_t *token_types, const char *pre, Error *err);
/* The tokenizer in a GGUF file's metadata (tokenizer.ggml.* and tokenizer.chat_template,
 * llama.cpp's keys); tokenizer.ggml.model must be "gpt2". tok_load does this for .gguf paths. */
struct Gguf;
int tok_new_from_gguf(Tokenizer **out, const struct Gguf *gguf, Error *err);
void tok_free(Tokenizer *tok);

int tok_encode(const Tokenizer *tok, const void *text, size_t len, TokIds *out, Error *err);
/* n_threads <= 1 is tok_encode. Same ids as tok_encode, always. */
int tok_encode_parallel(const Tokenizer *tok, const void *text, size_t len, int n_threads, TokIds *out, Error *err);
/* Appends the decoded text; skip_special drops special added tokens (HF skip_special_tokens).
 * Unknown ids are skipped, as HF does. */
int tok_decode(const Tokenizer *tok, const int32_t *ids, size_t n, int skip_special, TokBytes *out, Error *err);

typedef struct {
    uint8_t pending[4];
    int n_pending;
} TokStream;
/* Appends only complete UTF-8 characters (U+FFFD for bytes that can never complete one). */
int tok_stream_push(const Tokenizer *tok, TokStream *stream, int32_t id, TokBytes *out, Error *err);
int tok_stream_flush(TokStream *stream, TokBytes *out, Error *err);

size_t tok_vocab_size(const Tokenizer *tok);
/* -1 when absent. The text is the vocabulary spelling (GPT-2 byte-level form, or an added
 * token's content). */
int32_t tok_token_to_id(const Tokenizer *tok, const char *text, size_t len);
/* NULL when id is out of range; *len gets the length. */
const char *tok_id_to_token(const Tokenizer *tok, int32_t id, size_t *len);
int tok_is_special(const Tokenizer *tok, int32_t id);
/* The chat template read with the tokenizer, or NULL. */
const char *tok_chat_template(const Tokenizer *tok);

void tok_ids_free(TokIds *ids);
int tok_ids_push(TokIds *ids, int32_t id);
void tok_bytes_free(TokBytes *bytes);
int tok_bytes_append(TokBytes *bytes, const void *data, size_t n);

/* Replaces each maximal invalid UTF-8 subsequence by U+FFFD (Unicode "maximal subpart"
 * practice, as WHATWG TextDecoder and Python's errors="replace" do). Sets *changed. */
int tok_utf8_sanitize(const uint8_t *in, size_t n, TokBytes *out, int *changed, Error *err);

/* ---- chat templates (chat_template.c) ----
 * We do not run Jinja: we recognise the EXAONE templates by fingerprint and render them
 * with C code that reproduces their output byte for byte; other templates are an error. */
typedef enum { TOK_CHAT_UNKNOWN = 0, TOK_CHAT_EXAONE3, TOK_CHAT_EXAONE4 } TokChatKind;
/* Accepts a template text or the names "exaone3" / "exaone4". */
int tok_chat_kind(const char *template_text, TokChatKind *kind, Error *err);
/* messages: JSON array of {role, content, [tool_calls], [reasoning_content]}; tools: JSON
 * array or NULL; enable_thinking: -1 undefined, 0 false, 1 true. Appends to out. */
int tok_chat_render(TokChatKind kind, const char *messages_json, size_t messages_len, const char *tools_json,
                    size_t tools_len, int add_generation_prompt, int enable_thinking, TokBytes *out, Error *err);

/* ---- BPE trainer (bpe_train.c) ---- */
typedef struct {
    size_t vocab_size;           /* total, including the 256 bytes and the special tokens */
    size_t min_frequency;        /* pairs seen fewer times are never merged (>= 1) */
    int split_digits;            /* Digits(individual) before the GPT-2 regex (EXAONE 3.x style) */
    const char *const *specials; /* added as special tokens with the first ids */
    size_t n_specials;
    int show_progress;
} TokTrainOptions;
/* Trains on the texts and writes an HF-compatible tokenizer.json (atomically). */
int tok_train_bpe(const char *const *texts, const size_t *lens, size_t n_texts, const TokTrainOptions *opt,
                  const char *out_path, Error *err);

#endif
