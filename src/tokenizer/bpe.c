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

/* At most 2^18 slots (6 MB) + 4 MB of keys + 4 MB of ids per scratch: enough for
 * the distinct words of a few MB of mixed Korean/English text. */
#define CACHE_MAX_SLOTS (1u << 18)
#define CACHE_MAX_PIECE 128u
#define CACHE_MAX_ARENA (1u << 22)
#define CACHE_MAX_IDS (1u << 20)

typedef struct {
    uint64_t hash;
    uint32_t key_off, ids_off;
    uint16_t key_len, n_ids; /* key_len 0: empty */
} CacheSlot;

/* The hot cache: direct-mapped, for short frequent words (" the", "는", ","), with
 * the key and ids inline so a hit costs one cache line and no pointer chase. */
#define HOT_SLOTS 8192u
typedef struct {
    uint64_t k0, k1; /* the word's bytes, zero padded */
    int32_t ids[3];
    uint8_t len, n_ids;
} HotSlot;

struct TokBpeScratch {
    HotSlot *hot;
    int32_t *sym, *prev, *next, *rank_at, *new_at;
    uint64_t *heap;
    size_t cap, heap_cap;
    CacheSlot *slots;
    uint8_t *keys;
    int32_t *ids;
    size_t keys_used, ids_used, n_cached;
    size_t n_slots, arena, id_arena; /* sized to the text, growing with use */
};

TokBpeScratch *tok_bpe_scratch_new(size_t text_len) {
    TokBpeScratch *s = mem_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n_slots = 256;
    while (s->n_slots < CACHE_MAX_SLOTS && s->n_slots < text_len / 2) s->n_slots *= 2;
    s->arena = text_len < 4096 ? 4096 : text_len > CACHE_MAX_ARENA ? CACHE_MAX_ARENA : text_len;
    s->id_arena = s->arena / 2 > CACHE_MAX_IDS ? CACHE_MAX_IDS : s->arena / 2;
    s->slots = mem_calloc(s->n_slots, sizeof *s->slots);
    s->hot = mem_calloc(HOT_SLOTS, sizeof *s->hot);
    s->keys = mem_alloc(s->arena);
    s->ids = mem_alloc(s->id_arena * sizeof *s->ids);
    if (!s->slots || !s->hot || !s->keys || !s->ids) {
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
    mem_free(s->rank_at);
    mem_free(s->new_at);
    mem_free(s->heap);
    mem_free(s->slots);
    mem_free(s->hot);
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
    if (!(a = mem_realloc(s->rank_at, cap * sizeof *a))) return -1;
    s->rank_at = a;
    if (!(a = mem_realloc(s->new_at, cap * sizeof *a))) return -1;
    s->new_at = a;
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

/* Rank of the pair starting at symbol pos (with its right neighbour), remembered in
 * rank_at/new_at so that heap entries are validated without another lookup. */
static inline int32_t pair_rank(const Tokenizer *tok, int32_t left, int32_t right, int32_t *new_id) {
    if (tok->byte_pair_rank && left < 256 && right < 256 && tok->byte_pair_rank[left << 8 | right] != -2) {
        size_t k = (size_t)left << 8 | (size_t)right;
        *new_id = tok->byte_pair_new[k];
        return tok->byte_pair_rank[k];
    }
    return tok_merge_lookup(tok, left, right, new_id);
}

int tok_bpe_prepare(Tokenizer *tok, Error *err) {
    /* Only ids below 256 are tabled; -2 marks "not a byte-token pair, hash it". */
    mem_free(tok->byte_pair_rank);
    mem_free(tok->byte_pair_new);
    tok->byte_pair_rank = mem_alloc(65536 * sizeof *tok->byte_pair_rank);
    tok->byte_pair_new = mem_alloc(65536 * sizeof *tok->byte_pair_new);
    if (!tok->byte_pair_rank || !tok->byte_pair_new) {
        mem_free(tok->byte_pair_rank);
        mem_free(tok->byte_pair_new);
        tok->byte_pair_rank = tok->byte_pair_new = NULL;
        return error_set(err, "out of memory");
    }
    for (int32_t a = 0; a < 256; a++)
        for (int32_t b = 0; b < 256; b++) {
            size_t k = (size_t)a << 8 | (size_t)b;
            tok->byte_pair_new[k] = -1;
            tok->byte_pair_rank[k] = (size_t)a < tok->n_ids && (size_t)b < tok->n_ids
                                         ? tok_merge_lookup(tok, a, b, &tok->byte_pair_new[k])
                                         : -2;
        }
    return 0;
}

TokBpeScratch *tok_bpe_scratch_get(const Tokenizer *tok, size_t text_len) {
    Tokenizer *t = (Tokenizer *)tok; /* the pool is the one mutable part, behind its lock */
    TokBpeScratch *s = NULL;
    pthread_mutex_lock(&t->pool_lock);
    if (t->n_pool > 0) s = t->pool[--t->n_pool];
    pthread_mutex_unlock(&t->pool_lock);
    if (s && s->n_slots < CACHE_MAX_SLOTS && s->n_slots < text_len / 2) { /* too small for this text */
        tok_bpe_scratch_free(s);
        s = NULL;
    }
    return s ? s : tok_bpe_scratch_new(text_len);
}

void tok_bpe_scratch_put(const Tokenizer *tok, TokBpeScratch *s) {
    if (!s) return;
    Tokenizer *t = (Tokenizer *)tok;
    pthread_mutex_lock(&t->pool_lock);
    if (t->n_pool < 64) {
        t->pool[t->n_pool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&t->pool_lock);
    tok_bpe_scratch_free(s);
}

static void push_pair(const Tokenizer *tok, TokBpeScratch *s, size_t *n_heap, int32_t pos) {
    int32_t right = s->next[pos];
    s->rank_at[pos] = right < 0 ? -1 : pair_rank(tok, s->sym[pos], s->sym[right], &s->new_at[pos]);
    if (s->rank_at[pos] >= 0) heap_push(s->heap, n_heap, ((uint64_t)(uint32_t)s->rank_at[pos] << 32) | (uint32_t)pos);
}

/* Long words: a linked list of symbols and a heap of (rank, position). */
static size_t merge_long(const Tokenizer *tok, TokBpeScratch *s, size_t n) {
    size_t n_heap = 0;
    for (size_t i = 0; i < n; i++) {
        s->prev[i] = (int32_t)i - 1;
        s->next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
    }
    for (size_t i = 0; i < n; i++) push_pair(tok, s, &n_heap, (int32_t)i);
    while (n_heap) {
        uint64_t top = heap_pop(s->heap, &n_heap);
        int32_t pos = (int32_t)(uint32_t)top, rank = (int32_t)(top >> 32);
        if (s->sym[pos] < 0 || s->rank_at[pos] != rank) continue; /* merged away or stale */
        int32_t right = s->next[pos];
        s->sym[pos] = s->new_at[pos];
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

/* Short words (almost all of them): flat arrays; each step merges the leftmost pair
 * of lowest rank, which is the order HF's heap of (rank, position) gives. */
static size_t merge_short(const Tokenizer *tok, TokBpeScratch *s, size_t n) {
    int32_t *sym = s->sym, *rank = s->rank_at, *new_id = s->new_at;
    for (size_t i = 0; i + 1 < n; i++) rank[i] = pair_rank(tok, sym[i], sym[i + 1], &new_id[i]);
    while (n > 1) {
        size_t best = n;
        uint32_t best_rank = UINT32_MAX;
        for (size_t i = 0; i + 1 < n; i++)
            if ((uint32_t)rank[i] < best_rank) { /* -1 compares as the largest */
                best_rank = (uint32_t)rank[i];
                best = i;
            }
        if (best == n) break;
        sym[best] = new_id[best];
        n--;
        for (size_t i = best + 1; i < n; i++) {
            sym[i] = sym[i + 1];
            rank[i] = rank[i + 1];
            new_id[i] = new_id[i + 1];
        }
        if (best > 0) rank[best - 1] = pair_rank(tok, sym[best - 1], sym[best], &new_id[best - 1]);
        rank[best] = best + 1 < n ? pair_rank(tok, sym[best], sym[best + 1], &new_id[best]) : -1;
    }
    return n;
}

static size_t merge_word(const Tokenizer *tok, TokBpeScratch *s, size_t n) {
    return n <= 48 ? merge_short(tok, s, n) : merge_long(tok, s, n);
}

static CacheSlot *cache_find(TokBpeScratch *s, uint64_t hash, const uint8_t *piece, size_t len) {
    for (size_t i = hash & (s->n_slots - 1);; i = (i + 1) & (s->n_slots - 1)) {
        CacheSlot *c = &s->slots[i];
        if (c->key_len == 0) return c;
        if (c->hash == hash && c->key_len == len && memcmp(s->keys + c->key_off, piece, len) == 0) return c;
    }
}

/* Doubles whichever part of the cache is full (a pooled scratch serves ever more
 * text), up to the caps; -1 when a full part cannot grow. */
static int cache_grow(TokBpeScratch *s, size_t len, size_t n_ids) {
    if (s->keys_used + len > s->arena) {
        if (s->arena >= CACHE_MAX_ARENA) return -1;
        size_t arena = s->arena * 2 > CACHE_MAX_ARENA ? CACHE_MAX_ARENA : s->arena * 2;
        uint8_t *keys = mem_realloc(s->keys, arena);
        if (!keys) return -1;
        s->keys = keys;
        s->arena = arena;
    }
    if (s->ids_used + n_ids > s->id_arena) {
        if (s->id_arena >= CACHE_MAX_IDS) return -1;
        size_t id_arena = s->id_arena * 2 > CACHE_MAX_IDS ? CACHE_MAX_IDS : s->id_arena * 2;
        int32_t *ids = mem_realloc(s->ids, id_arena * sizeof *ids);
        if (!ids) return -1;
        s->ids = ids;
        s->id_arena = id_arena;
    }
    if (s->n_cached >= s->n_slots / 2) {
        if (s->n_slots >= CACHE_MAX_SLOTS) return -1;
        size_t n_slots = s->n_slots * 2;
        CacheSlot *slots = mem_calloc(n_slots, sizeof *slots);
        if (!slots) return -1;
        for (size_t i = 0; i < s->n_slots; i++) {
            const CacheSlot *c = &s->slots[i];
            if (!c->key_len) continue;
            size_t k = c->hash & (n_slots - 1);
            while (slots[k].key_len) k = (k + 1) & (n_slots - 1);
            slots[k] = *c;
        }
        mem_free(s->slots);
        s->slots = slots;
        s->n_slots = n_slots;
    }
    return 0;
}

static void cache_store(TokBpeScratch *s, CacheSlot *slot, uint64_t hash, const uint8_t *piece, size_t len,
                        const int32_t *ids, size_t n_ids) {
    if (s->n_cached >= s->n_slots / 2 || s->keys_used + len > s->arena || s->ids_used + n_ids > s->id_arena) {
        if (len > CACHE_MAX_ARENA || n_ids > CACHE_MAX_IDS) return;
        if (cache_grow(s, len, n_ids) != 0) {
            memset(s->slots, 0, s->n_slots * sizeof *s->slots); /* full: start over */
            s->keys_used = s->ids_used = s->n_cached = 0;
        }
        if (s->keys_used + len > s->arena || s->ids_used + n_ids > s->id_arena) return;
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
    if (n == 0) return 0;
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

/* Word hash: two 8-byte loads for short words (and their hot-cache key), FNV beyond. */
static inline uint64_t word_hash(const uint8_t *piece, size_t len, uint64_t *k0, uint64_t *k1) {
    *k0 = *k1 = 0;
    if (len > 16) return tok_hash_bytes(piece, len);
    memcpy(k0, piece, len < 8 ? len : 8);
    if (len > 8) memcpy(k1, piece + 8, len - 8);
    uint64_t hash = (*k0 * 0x9E3779B97F4A7C15ull) ^ ((*k1 + len) * 0xC2B2AE3D27D4EB4Full);
    return hash ^ (hash >> 31);
}

void tok_bpe_prefetch(const TokBpeScratch *s, const uint8_t *piece, size_t len) {
    uint64_t k0, k1, hash = word_hash(piece, len, &k0, &k1);
    if (len <= 16) __builtin_prefetch(&s->hot[(hash >> 7) & (HOT_SLOTS - 1)]);
    if (len <= CACHE_MAX_PIECE) __builtin_prefetch(&s->slots[hash & (s->n_slots - 1)]);
}

int tok_bpe_word(const Tokenizer *tok, TokBpeScratch *s, const uint8_t *piece, size_t len, TokIds *out, Error *err) {
    if (len == 0) return 0;
    uint64_t k0, k1, hash = word_hash(piece, len, &k0, &k1);
    CacheSlot *slot = NULL;
    HotSlot *hot = NULL;
    if (len <= 16) {
        hot = &s->hot[(hash >> 7) & (HOT_SLOTS - 1)];
        if (hot->len == len && hot->k0 == k0 && hot->k1 == k1)
            return append_ids(out, hot->ids, hot->n_ids) == 0 ? 0 : error_set(err, "out of memory");
    }
    if (len <= CACHE_MAX_PIECE) {
        slot = cache_find(s, hash, piece, len);
        if (slot->key_len) {
            const int32_t *ids = s->ids + slot->ids_off;
            if (hot && slot->n_ids <= 3) {
                *hot = (HotSlot){k0, k1, {0, 0, 0}, (uint8_t)len, (uint8_t)slot->n_ids};
                memcpy(hot->ids, ids, slot->n_ids * sizeof *ids);
            }
            if (append_ids(out, ids, slot->n_ids) != 0) return error_set(err, "out of memory");
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
    if (hot && n <= 3) {
        *hot = (HotSlot){k0, k1, {0, 0, 0}, (uint8_t)len, (uint8_t)n};
        memcpy(hot->ids, s->sym, n * sizeof *s->sym);
    }
    return 0;
}
