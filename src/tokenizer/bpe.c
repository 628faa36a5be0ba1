/* bpe.c — merging the bytes of one pre-token by merge rank.
 *
 * Same result as HF's BPE::merge_word: repeatedly merge the adjacent pair
 * with the lowest rank, the leftmost one among equals. Symbols live in a
 * doubly linked array and candidate pairs in a binary min-heap keyed by
 * (rank, position), so a word of n bytes costs O(n log n) hash lookups;
 * entries made stale by an earlier merge are dropped when popped.
 *
 * Words repeat a lot in real text, so the ids of each piece are cached in a
 * fixed-size table (cleared when full). All buffers belong to the scratch and
 * only grow; nothing is allocated per token. */
#include "../core/mem.h"
#include "tok_internal.h"

#define CACHE_SLOTS (1u << 15)
#define CACHE_MAX_PIECE 128u
#define CACHE_ARENA (1u << 20)

typedef struct {
    uint64_t hash;
    uint32_t key_off, ids_off;
    uint16_t key_len, n_ids; /* key_len 0: empty */
} CacheSlot;

struct TokBpeScratch {
    int32_t *sym, *prev, *next;
    uint64_t *heap;
    size_t cap, heap_cap;
    CacheSlot *slots;
    uint8_t *keys;
    int32_t *ids;
    size_t keys_used, ids_used, n_cached;
};

TokBpeScratch *tok_bpe_scratch_new(void) {
    TokBpeScratch *s = mem_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->slots = mem_calloc(CACHE_SLOTS, sizeof *s->slots);
    s->keys = mem_alloc(CACHE_ARENA);
    s->ids = mem_alloc(CACHE_ARENA * sizeof *s->ids);
    if (!s->slots || !s->keys || !s->ids) {
        tok_bpe_scratch_free(s);
        return NULL;
    }
    return s;
}

void tok_bpe_scratch_free(TokBpeScratch *s) {
    if (!s) return;
    mem_free(s->sym);
    mem_free(s->prev);
    mem_free(s->next);
    mem_free(s->heap);
    mem_free(s->slots);
    mem_free(s->keys);
    mem_free(s->ids);
    mem_free(s);
}

static int grow(TokBpeScratch *s, size_t n) {
    if (n <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < n) cap *= 2;
    int32_t *a = mem_realloc(s->sym, cap * sizeof *a);
    if (!a) return -1;
    s->sym = a;
    if (!(a = mem_realloc(s->prev, cap * sizeof *a))) return -1;
    s->prev = a;
    if (!(a = mem_realloc(s->next, cap * sizeof *a))) return -1;
    s->next = a;
    /* n-1 initial pairs plus at most two per merge */
    uint64_t *h = mem_realloc(s->heap, 3 * cap * sizeof *h);
    if (!h) return -1;
    s->heap = h;
    s->cap = cap;
    s->heap_cap = 3 * cap;
    return 0;
}

/* Heap entries pack rank (high 32 bits) and the left symbol's position, so the
 * smallest value is the lowest rank, then the leftmost pair: HF's ordering. */
static void heap_push(uint64_t *heap, size_t *n, uint64_t v) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (heap[parent] <= v) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = v;
}

static uint64_t heap_pop(uint64_t *heap, size_t *n) {
    uint64_t top = heap[0], last = heap[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        uint64_t mv = last;
        if (l < *n && heap[l] < mv) { m = l; mv = heap[l]; }
        if (r < *n && heap[r] < mv) { m = r; }
        if (m == i) break;
        heap[i] = heap[m];
        i = m;
    }
    if (*n) heap[i] = last;
    return top;
}

static void push_pair(const Tokenizer *tok, TokBpeScratch *s, size_t *n_heap, int32_t pos) {
    int32_t right = s->next[pos], new_id;
    if (right < 0) return;
    int32_t rank = tok_merge_lookup(tok, s->sym[pos], s->sym[right], &new_id);
    if (rank >= 0) heap_push(s->heap, n_heap, ((uint64_t)(uint32_t)rank << 32) | (uint32_t)pos);
}

/* Merges sym[0..n) in place; returns the number of symbols left, written compactly. */
static size_t merge_word(const Tokenizer *tok, TokBpeScratch *s, size_t n) {
    size_t n_heap = 0;
    for (size_t i = 0; i < n; i++) {
        s->prev[i] = (int32_t)i - 1;
        s->next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
    }
    for (size_t i = 0; i + 1 < n; i++) push_pair(tok, s, &n_heap, (int32_t)i);
    while (n_heap) {
        uint64_t top = heap_pop(s->heap, &n_heap);
        int32_t pos = (int32_t)(uint32_t)top, rank = (int32_t)(top >> 32);
        if (s->sym[pos] < 0) continue; /* merged away */
        int32_t right = s->next[pos], new_id;
        if (right < 0) continue;
        if (tok_merge_lookup(tok, s->sym[pos], s->sym[right], &new_id) != rank) continue; /* stale */
        s->sym[pos] = new_id;
        s->sym[right] = -1;
        s->next[pos] = s->next[right];
        if (s->next[right] >= 0) s->prev[s->next[right]] = pos;
        if (s->prev[pos] >= 0) push_pair(tok, s, &n_heap, s->prev[pos]);
        push_pair(tok, s, &n_heap, pos);
    }
    size_t k = 0;
    for (int32_t i = 0; i >= 0; i = s->next[i]) s->sym[k++] = s->sym[i];
    return k;
}

static CacheSlot *cache_find(TokBpeScratch *s, uint64_t hash, const uint8_t *piece, size_t len) {
    for (size_t i = hash & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        CacheSlot *c = &s->slots[i];
        if (c->key_len == 0) return c;
        if (c->hash == hash && c->key_len == len && memcmp(s->keys + c->key_off, piece, len) == 0) return c;
    }
}

static void cache_store(TokBpeScratch *s, CacheSlot *slot, uint64_t hash, const uint8_t *piece, size_t len,
                        const int32_t *ids, size_t n_ids) {
    if (s->n_cached >= CACHE_SLOTS / 2 || s->keys_used + len > CACHE_ARENA || s->ids_used + n_ids > CACHE_ARENA) {
        memset(s->slots, 0, CACHE_SLOTS * sizeof *s->slots);
        s->keys_used = s->ids_used = s->n_cached = 0;
        slot = cache_find(s, hash, piece, len);
    }
    memcpy(s->keys + s->keys_used, piece, len);
    memcpy(s->ids + s->ids_used, ids, n_ids * sizeof *ids);
    *slot = (CacheSlot){hash, (uint32_t)s->keys_used, (uint32_t)s->ids_used, (uint16_t)len, (uint16_t)n_ids};
    s->keys_used += len;
    s->ids_used += n_ids;
    s->n_cached++;
}

static int append_ids(TokIds *out, const int32_t *ids, size_t n) {
    if (out->n + n > out->cap) {
        size_t cap = out->cap ? out->cap : 256;
        while (cap < out->n + n) cap *= 2;
        int32_t *grown = mem_realloc(out->ids, cap * sizeof *grown);
        if (!grown) return -1;
        out->ids = grown;
        out->cap = cap;
    }
    memcpy(out->ids + out->n, ids, n * sizeof *ids);
    out->n += n;
    return 0;
}

int tok_bpe_word(const Tokenizer *tok, TokBpeScratch *s, const uint8_t *piece, size_t len, TokIds *out, Error *err) {
    if (len == 0) return 0;
    uint64_t hash = 0;
    CacheSlot *slot = NULL;
    if (len <= CACHE_MAX_PIECE) {
        hash = tok_hash_bytes(piece, len);
        slot = cache_find(s, hash, piece, len);
        if (slot->key_len) {
            if (append_ids(out, s->ids + slot->ids_off, slot->n_ids) != 0) return error_set(err, "out of memory");
            return 0;
        }
    }
    if (grow(s, len) != 0) return error_set(err, "out of memory for a %zu-byte word", len);
    size_t n = 0;
    if (tok->ignore_merges) {
        TokBytes spelled = {0};
        int32_t whole = -1;
        if (tok_bytes_to_spelling(piece, len, &spelled, err) != 0) return -1;
        whole = tok_token_to_id(tok, spelled.data, spelled.len);
        tok_bytes_free(&spelled);
        if (whole >= 0) s->sym[n++] = whole;
    }
    if (n == 0) {
        /* A byte with no token is dropped, as HF's BPE does without an unk token. */
        for (size_t i = 0; i < len; i++)
            if (tok->byte_id[piece[i]] >= 0) s->sym[n++] = tok->byte_id[piece[i]];
        if (n > 1) n = merge_word(tok, s, n);
    }
    if (append_ids(out, s->sym, n) != 0) return error_set(err, "out of memory");
    if (slot) cache_store(s, slot, hash, piece, len, s->sym, n);
    return 0;
}
