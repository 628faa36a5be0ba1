/* vocab.c — building a Tokenizer: ids and spellings, the merge-rank table,
 * added tokens and their trie. Every loader (tokenizer.json, vocab.json +
 * merges.txt, GGUF arrays) goes through these functions, so they share one
 * set of checks. */
#include "../core/mem.h"
#include "tok_internal.h"

#include <stdlib.h>

int tok_alloc(Tokenizer **out, size_t n_ids, size_t strings_bytes, Error *err) {
    *out = NULL;
    if (n_ids == 0 || n_ids > (1u << 24)) return error_set(err, "vocabulary size %zu out of range", n_ids);
    if (strings_bytes >= UINT32_MAX) return error_set(err, "vocabulary text too large (%zu bytes)", strings_bytes);
    Tokenizer *tok = mem_calloc(1, sizeof *tok);
    if (!tok) return error_set(err, "out of memory");
    pthread_mutex_init(&tok->pool_lock, NULL);
    tok->n_ids = n_ids;
    tok->strings = mem_alloc(strings_bytes + 1);
    tok->str_off = mem_calloc(n_ids, sizeof *tok->str_off);
    tok->str_len = mem_alloc(n_ids * sizeof *tok->str_len);
    tok->special = mem_calloc(n_ids, 1);
    if (!tok->strings || !tok->str_off || !tok->str_len || !tok->special) {
        tok_free(tok);
        return error_set(err, "out of memory for %zu tokens", n_ids);
    }
    for (size_t i = 0; i < n_ids; i++) tok->str_len[i] = UINT32_MAX;
    tok->strings[0] = 0;
    tok->strings_cap = strings_bytes;
    *out = tok;
    return 0;
}

int tok_set_token(Tokenizer *tok, int32_t id, const char *spelling, size_t len, Error *err) {
    if (id < 0 || (size_t)id >= tok->n_ids) return error_set(err, "token id %d out of range", id);
    if (tok->str_len[id] != UINT32_MAX) return error_set(err, "token id %d given twice", id);
    size_t at = tok->strings_used;
    if (len > tok->strings_cap - at) return error_set(err, "token %d: vocabulary text larger than announced", id);
    tok->str_off[id] = (uint32_t)at;
    tok->str_len[id] = (uint32_t)len;
    memcpy(tok->strings + at, spelling, len);
    tok->strings_used = at + len;
    return 0;
}

static void vocab_insert(Tokenizer *tok, int32_t id) {
    uint64_t h = tok_hash_bytes(tok->strings + tok->str_off[id], tok->str_len[id]);
    size_t i = h & tok->vocab_mask;
    while (tok->vocab_slots[i] >= 0) i = (i + 1) & tok->vocab_mask;
    tok->vocab_slots[i] = id;
}

int32_t tok_token_to_id(const Tokenizer *tok, const char *text, size_t len) {
    uint64_t h = tok_hash_bytes(text, len);
    for (size_t i = h & tok->vocab_mask;; i = (i + 1) & tok->vocab_mask) {
        int32_t id = tok->vocab_slots[i];
        if (id < 0) return -1;
        if (tok->str_len[id] == len && memcmp(tok->strings + tok->str_off[id], text, len) == 0) return id;
    }
}

static int refresh_bytes(Tokenizer *tok, Error *err);

int tok_finish_vocab(Tokenizer *tok, Error *err) {
    size_t cap = 16;
    while (cap < tok->n_ids * 2) cap <<= 1;
    tok->vocab_slots = mem_alloc(cap * sizeof *tok->vocab_slots);
    tok->byte_off = mem_alloc(tok->n_ids * sizeof *tok->byte_off);
    tok->byte_len = mem_calloc(tok->n_ids, sizeof *tok->byte_len);
    if (!tok->vocab_slots || !tok->byte_off || !tok->byte_len) return error_set(err, "out of memory");
    memset(tok->vocab_slots, 0xff, cap * sizeof *tok->vocab_slots);
    tok->vocab_mask = cap - 1;
    for (size_t id = 0; id < tok->n_ids; id++) {
        if (tok->str_len[id] == UINT32_MAX) continue;
        /* A spelling given twice (an added token that repeats a vocab entry): the
         * lower id answers lookups, as for HF's model vocab. */
        if (tok_token_to_id(tok, tok->strings + tok->str_off[id], tok->str_len[id]) >= 0) continue;
        vocab_insert(tok, (int32_t)id);
    }
    return refresh_bytes(tok, err);
}

/* What decode emits for each id, and the ids of the 256 one-byte tokens. */
static int refresh_bytes(Tokenizer *tok, Error *err) {
    TokBytes all = {0};
    for (size_t id = 0; id < tok->n_ids; id++) {
        tok->byte_off[id] = (uint32_t)all.len;
        tok->byte_len[id] = 0;
        if (tok->str_len[id] == UINT32_MAX) continue;
        const char *s = tok->strings + tok->str_off[id];
        size_t before = all.len;
        int rc = tok->byte_level ? tok_spelling_to_bytes(s, tok->str_len[id], &all, err)
                                 : tok_bytes_append(&all, s, tok->str_len[id]);
        if (rc != 0) {
            tok_bytes_free(&all);
            return error_set(err, "out of memory");
        }
        if (all.len >= UINT32_MAX) {
            tok_bytes_free(&all);
            return error_set(err, "vocabulary too large");
        }
        tok->byte_len[id] = (uint32_t)(all.len - before);
    }
    mem_free(tok->bytes);
    tok->bytes = all.data;
    for (int b = 0; b < 256; b++) {
        uint8_t buf[4];
        char c = (char)b;
        int len = tok->byte_level ? tok_utf8_encode(tok_byte_to_char((uint8_t)b), buf) : 1;
        tok->byte_id[b] = tok->byte_level ? tok_token_to_id(tok, (const char *)buf, (size_t)len)
                                          : tok_token_to_id(tok, &c, 1);
    }
    return 0;
}

/* ---- merges: (left id, right id) -> (rank, merged id) ---- */

static inline size_t merge_slot(uint64_t key, size_t mask) { return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & mask; }

int tok_set_merges_begin(Tokenizer *tok, size_t n_merges, Error *err) {
    size_t cap = 16;
    while (cap < n_merges * 2 + 2) cap <<= 1;
    mem_free(tok->merges);
    tok->merges = mem_alloc(cap * sizeof *tok->merges);
    if (!tok->merges) return error_set(err, "out of memory for %zu merges", n_merges);
    for (size_t i = 0; i < cap; i++) tok->merges[i].rank = -1;
    tok->merge_mask = cap - 1;
    tok->n_merges = 0;
    return 0;
}

int32_t tok_merge_lookup(const Tokenizer *tok, int32_t left, int32_t right, int32_t *new_id) {
    uint64_t key = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
    for (size_t i = merge_slot(key, tok->merge_mask);; i = (i + 1) & tok->merge_mask) {
        const MergeSlot *m = &tok->merges[i];
        if (m->rank < 0) return -1;
        if (m->key == key) {
            *new_id = m->new_id;
            return m->rank;
        }
    }
}

int tok_add_merge(Tokenizer *tok, const char *left, size_t left_len, const char *right, size_t right_len,
                  Error *err) {
    if ((tok->n_merges + 1) * 2 > tok->merge_mask) return error_set(err, "more merges than announced");
    int32_t a = tok_token_to_id(tok, left, left_len), b = tok_token_to_id(tok, right, right_len);
    char joined[1024];
    if (left_len + right_len > sizeof joined)
        return error_set(err, "merge %zu is too long (%zu bytes)", tok->n_merges, left_len + right_len);
    memcpy(joined, left, left_len);
    memcpy(joined + left_len, right, right_len);
    int32_t c = tok_token_to_id(tok, joined, left_len + right_len);
    if (a < 0 || b < 0 || c < 0)
        return error_set(err, "merge %zu (\"%.*s\" \"%.*s\"): %s not in the vocabulary", tok->n_merges,
                         (int)left_len, left, (int)right_len, right, a < 0 ? "left part" : b < 0 ? "right part" : "merged token");
    int32_t existing;
    if (tok_merge_lookup(tok, a, b, &existing) >= 0) {
        tok->n_merges++; /* HF keeps the first rank of a repeated merge */
        return 0;
    }
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    size_t i = merge_slot(key, tok->merge_mask);
    while (tok->merges[i].rank >= 0) i = (i + 1) & tok->merge_mask;
    tok->merges[i].key = key;
    tok->merges[i].rank = (int32_t)tok->n_merges;
    tok->merges[i].new_id = c;
    tok->n_merges++;
    return 0;
}

/* ---- added tokens ---- */

int tok_add_added_token(Tokenizer *tok, int32_t id, const char *content, size_t len, int special, int lstrip,
                        int rstrip, int single_word, Error *err) {
    if (id < 0 || (size_t)id >= tok->n_ids) return error_set(err, "added token id %d out of range", id);
    if (len == 0) return error_set(err, "added token %d is empty", id);
    if (tok->str_len[id] == UINT32_MAX) return error_set(err, "added token %d has no vocabulary entry", id);
    if (tok->str_len[id] != len || memcmp(tok->strings + tok->str_off[id], content, len) != 0)
        return error_set(err, "added token %d \"%.*s\" differs from the vocabulary entry", id, (int)len, content);
    AddedToken *grown = mem_realloc(tok->added, (tok->n_added + 1) * sizeof *grown);
    if (!grown) return error_set(err, "out of memory");
    tok->added = grown;
    AddedToken *a = &tok->added[tok->n_added++];
    a->id = id;
    a->off = tok->str_off[id];
    a->len = (uint32_t)len;
    a->special = (uint8_t)(special != 0);
    a->lstrip = (uint8_t)(lstrip != 0);
    a->rstrip = (uint8_t)(rstrip != 0);
    a->single_word = (uint8_t)(single_word != 0);
    tok->special[id] = a->special;
    return 0;
}

static int32_t trie_child(const Tokenizer *tok, int32_t node, uint8_t byte) {
    for (int32_t c = tok->trie[node].first_child; c >= 0; c = tok->trie[c].next_sibling)
        if (tok->trie[c].byte == byte) return c;
    return -1;
}

int tok_finish_added(Tokenizer *tok, Error *err) {
    size_t total = 1;
    for (size_t i = 0; i < tok->n_added; i++) total += tok->added[i].len;
    mem_free(tok->trie);
    tok->trie = mem_alloc(total * sizeof *tok->trie);
    if (!tok->trie) return error_set(err, "out of memory");
    tok->n_trie = 1;
    tok->trie[0] = (TrieNode){-1, -1, -1, 0};
    memset(tok->added_first, 0, sizeof tok->added_first);
    tok->added_has_newline = 0;
    for (size_t i = 0; i < tok->n_added; i++) {
        const uint8_t *s = (const uint8_t *)tok->strings + tok->added[i].off;
        int32_t node = 0;
        tok->added_first[s[0]] = 1;
        for (uint32_t k = 0; k < tok->added[i].len; k++) {
            if (s[k] == '\n') tok->added_has_newline = 1;
            int32_t next = trie_child(tok, node, s[k]);
            if (next < 0) {
                next = (int32_t)tok->n_trie++;
                tok->trie[next] = (TrieNode){-1, tok->trie[node].first_child, -1, s[k]};
                tok->trie[node].first_child = next;
            }
            node = next;
        }
        /* With a repeated content the first entry wins, as in HF's trie. */
        if (tok->trie[node].added < 0) tok->trie[node].added = (int32_t)i;
    }
    return 0;
}

/* Longest added token starting at text[0]; returns its index or -1, *len its length. */
int tok_match_added(const Tokenizer *tok, const uint8_t *text, size_t n, size_t *len) {
    int32_t node = 0, best = -1;
    for (size_t k = 0; k < n; k++) {
        node = trie_child(tok, node, text[k]);
        if (node < 0) break;
        if (tok->trie[node].added >= 0) {
            best = tok->trie[node].added;
            *len = k + 1;
        }
    }
    return best;
}

void tok_free(Tokenizer *tok) {
    if (!tok) return;
    for (int i = 0; i < tok->n_pre; i++) pcre2_code_free(tok->pre[i].re);
    mem_free(tok->strings);
    mem_free(tok->str_off);
    mem_free(tok->str_len);
    mem_free(tok->bytes);
    mem_free(tok->byte_off);
    mem_free(tok->byte_len);
    mem_free(tok->special);
    mem_free(tok->vocab_slots);
    mem_free(tok->merges);
    mem_free(tok->added);
    mem_free(tok->trie);
    mem_free(tok->chat_template);
    for (int i = 0; i < tok->n_pool; i++) tok_bpe_scratch_free(tok->pool[i]);
    pthread_mutex_destroy(&tok->pool_lock);
    mem_free(tok->byte_pair_rank);
    mem_free(tok->byte_pair_new);
    mem_free(tok);
}

size_t tok_vocab_size(const Tokenizer *tok) { return tok->n_ids; }

const char *tok_id_to_token(const Tokenizer *tok, int32_t id, size_t *len) {
    if (id < 0 || (size_t)id >= tok->n_ids || tok->str_len[id] == UINT32_MAX) return NULL;
    *len = tok->str_len[id];
    return tok->strings + tok->str_off[id];
}

int tok_is_special(const Tokenizer *tok, int32_t id) {
    return id >= 0 && (size_t)id < tok->n_ids && tok->special[id];
}

const char *tok_chat_template(const Tokenizer *tok) { return tok->chat_template; }

int tok_ids_push(TokIds *ids, int32_t id) {
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 256;
        int32_t *grown = mem_realloc(ids->ids, cap * sizeof *grown);
        if (!grown) return -1;
        ids->ids = grown;
        ids->cap = cap;
    }
    ids->ids[ids->n++] = id;
    return 0;
}

void tok_ids_free(TokIds *ids) {
    mem_free(ids->ids);
    *ids = (TokIds){0};
}

int tok_bytes_append(TokBytes *bytes, const void *data, size_t n) {
    size_t need;
    if (size_add(bytes->len, n, &need) != 0 || size_add(need, 1, &need) != 0) return -1;
    if (need > bytes->cap) {
        size_t cap = bytes->cap ? bytes->cap : 64;
        while (cap < need) {
            if (size_mul(cap, 2, &cap) != 0) return -1;
        }
        char *grown = mem_realloc(bytes->data, cap);
        if (!grown) return -1;
        bytes->data = grown;
        bytes->cap = cap;
    }
    if (n) memcpy(bytes->data + bytes->len, data, n);
    bytes->len += n;
    bytes->data[bytes->len] = 0;
    return 0;
}

void tok_bytes_free(TokBytes *bytes) {
    mem_free(bytes->data);
    *bytes = (TokBytes){0};
}
