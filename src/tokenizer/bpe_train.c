/* bpe_train.c — training a byte-level BPE vocabulary, written as tokenizer.json.
 *
 * The usual algorithm (Sennrich et al. 2016, byte-level as in GPT-2):
 * pre-tokenize the corpus with the same GPT-2 regex the tokenizer will use,
 * count distinct words, start from the 256 bytes and repeatedly merge the
 * most frequent adjacent pair. Pair counts are kept incrementally: a merge
 * only revisits the words that contain the pair (an occurrence list per
 * pair), and the most frequent pair comes from a max-heap whose stale entries
 * are refreshed when popped. Counts of pairs without the new symbol can only
 * fall, and pairs with it are pushed after each merge, so the heap top, once
 * fresh, is the true maximum. Ties go to the smaller (left, right) id pair,
 * which makes training deterministic.
 *
 * The output loads in HF tokenizers unchanged (tests/ref checks ids agree). */
#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "tok_internal.h"

typedef struct {
    uint32_t off, len; /* symbols in Trainer.syms */
    uint64_t count;
} Word;

typedef struct {
    int32_t word, next;
} OccNode;

typedef struct {
    uint64_t key; /* (a << 32) | b */
    int64_t count;
    int32_t occ_head;
    int32_t used;
} PairSlot;

typedef struct {
    int64_t count;
    uint64_t key;
} HeapItem;

typedef struct {
    /* distinct words */
    Word *words;
    size_t n_words, cap_words;
    uint8_t *word_bytes; /* word text, for the word hash */
    size_t n_word_bytes, cap_word_bytes;
    uint32_t *word_text_off;
    int32_t *word_slots;
    size_t word_mask;
    int32_t *syms;
    size_t n_syms;
    /* pairs */
    PairSlot *pairs;
    size_t pair_mask, n_pairs;
    OccNode *occ;
    size_t n_occ, cap_occ;
    HeapItem *heap;
    size_t n_heap, cap_heap;
    /* vocabulary: bytes of every token */
    TokBytes vocab_bytes;
    uint32_t *tok_off, *tok_len;
    size_t n_tokens, cap_tokens;
    int32_t *tok_slots;
    size_t tok_mask;
    /* merges as (a, b) ids */
    int32_t *merges;
    size_t n_merges;
    uint32_t *last_seen; /* per word: last merge step that rewrote it */
} Trainer;

static int oom(Error *err) { return error_set(err, "out of memory while training"); }

static int grow_array(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    size_t bytes;
    if (size_mul(c, elem, &bytes) != 0) return -1;
    void *q = mem_realloc(*p, bytes);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* ---- token table (bytes -> id), so a merge that spells an existing token reuses it ---- */

static int32_t token_find(const Trainer *t, const uint8_t *s, size_t n, size_t *slot) {
    uint64_t h = tok_hash_bytes(s, n);
    size_t i = h & t->tok_mask;
    for (;; i = (i + 1) & t->tok_mask) {
        int32_t id = t->tok_slots[i];
        if (id < 0) break;
        if (t->tok_len[id] == n && memcmp(t->vocab_bytes.data + t->tok_off[id], s, n) == 0) return id;
    }
    *slot = i;
    return -1;
}

static int32_t token_add(Trainer *t, const uint8_t *s, size_t n, Error *err) {
    size_t slot;
    int32_t id = token_find(t, s, n, &slot);
    if (id >= 0) return id;
    if (grow_array((void **)&t->tok_off, &t->cap_tokens, t->n_tokens + 1, sizeof *t->tok_off) != 0) return oom(err);
    uint32_t *len = mem_realloc(t->tok_len, t->cap_tokens * sizeof *len);
    if (!len) return oom(err);
    t->tok_len = len;
    t->tok_off[t->n_tokens] = (uint32_t)t->vocab_bytes.len;
    t->tok_len[t->n_tokens] = (uint32_t)n;
    if (tok_bytes_append(&t->vocab_bytes, s, n) != 0) return oom(err);
    t->tok_slots[slot] = (int32_t)t->n_tokens;
    return (int32_t)t->n_tokens++;
}

/* ---- words ---- */

static int word_add(Trainer *t, const uint8_t *s, size_t n, Error *err) {
    uint64_t h = tok_hash_bytes(s, n);
    size_t i = h & t->word_mask;
    for (;; i = (i + 1) & t->word_mask) {
        int32_t w = t->word_slots[i];
        if (w < 0) break;
        uint32_t off = t->word_text_off[w];
        uint32_t len = (uint32_t)(t->word_text_off[w + 1] - off);
        if (len == n && memcmp(t->word_bytes + off, s, n) == 0) {
            t->words[w].count++;
            return 0;
        }
    }
    if (t->n_words + 1 > t->word_mask / 2) return error_set(err, "too many distinct words for the word table");
    size_t cap_off = t->cap_words;
    if (grow_array((void **)&t->words, &t->cap_words, t->n_words + 1, sizeof *t->words) != 0) return oom(err);
    if (t->cap_words != cap_off || !t->word_text_off) {
        uint32_t *offs = mem_realloc(t->word_text_off, (t->cap_words + 1) * sizeof *offs);
        if (!offs) return oom(err);
        t->word_text_off = offs;
        if (t->n_words == 0) offs[0] = 0;
    }
    if (grow_array((void **)&t->word_bytes, &t->cap_word_bytes, t->n_word_bytes + n, 1) != 0) return oom(err);
    if (t->n_word_bytes + n >= UINT32_MAX) return error_set(err, "corpus has too much distinct text");
    memcpy(t->word_bytes + t->n_word_bytes, s, n);
    t->n_word_bytes += n;
    t->word_text_off[t->n_words + 1] = (uint32_t)t->n_word_bytes;
    t->words[t->n_words] = (Word){0, (uint32_t)n, 1};
    t->word_slots[i] = (int32_t)t->n_words++;
    return 0;
}

typedef struct {
    Trainer *t;
    Error *err;
} CountCtx;

static int on_word(void *ctx, const uint8_t *piece, size_t len) {
    CountCtx *c = ctx;
    return word_add(c->t, piece, len, c->err) != 0 ? 1 : 0;
}

/* ---- pairs ---- */

static PairSlot *pair_get(Trainer *t, int32_t a, int32_t b, int create) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & t->pair_mask;
    for (;; i = (i + 1) & t->pair_mask) {
        PairSlot *p = &t->pairs[i];
        if (!p->used) {
            if (!create) return NULL;
            p->used = 1;
            p->key = key;
            p->count = 0;
            p->occ_head = -1;
            t->n_pairs++;
            return p;
        }
        if (p->key == key) return p;
    }
}

static int pairs_rehash(Trainer *t, Error *err) {
    if ((t->n_pairs + 1) * 2 < t->pair_mask) return 0;
    size_t old_cap = t->pair_mask + 1, cap = old_cap * 2;
    PairSlot *old = t->pairs;
    t->pairs = mem_calloc(cap, sizeof *t->pairs);
    if (!t->pairs) {
        t->pairs = old;
        return oom(err);
    }
    t->pair_mask = cap - 1;
    t->n_pairs = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].used) continue;
        PairSlot *p = pair_get(t, (int32_t)(old[i].key >> 32), (int32_t)(uint32_t)old[i].key, 1);
        p->count = old[i].count;
        p->occ_head = old[i].occ_head;
    }
    mem_free(old);
    return 0;
}

static int pair_add(Trainer *t, int32_t a, int32_t b, int64_t delta, int32_t word, Error *err) {
    if (pairs_rehash(t, err) != 0) return -1;
    PairSlot *p = pair_get(t, a, b, 1);
    p->count += delta;
    if (word >= 0) {
        if (grow_array((void **)&t->occ, &t->cap_occ, t->n_occ + 1, sizeof *t->occ) != 0) return oom(err);
        t->occ[t->n_occ] = (OccNode){word, p->occ_head};
        p->occ_head = (int32_t)t->n_occ++;
    }
    return 0;
}

static int heap_less(const HeapItem *x, const HeapItem *y) { /* x ranks below y */
    return x->count < y->count || (x->count == y->count && x->key > y->key);
}

static int heap_push(Trainer *t, int64_t count, uint64_t key, Error *err) {
    if (grow_array((void **)&t->heap, &t->cap_heap, t->n_heap + 1, sizeof *t->heap) != 0) return oom(err);
    HeapItem v = {count, key};
    size_t i = t->n_heap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_less(&t->heap[parent], &v)) break;
        t->heap[i] = t->heap[parent];
        i = parent;
    }
    t->heap[i] = v;
    return 0;
}

static HeapItem heap_pop(Trainer *t) {
    HeapItem top = t->heap[0], last = t->heap[--t->n_heap];
    size_t i = 0, n = t->n_heap;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const HeapItem *mv = &last;
        if (l < n && heap_less(mv, &t->heap[l])) { m = l; mv = &t->heap[l]; }
        if (r < n && heap_less(mv, &t->heap[r])) m = r;
        if (m == i) break;
        t->heap[i] = t->heap[m];
        i = m;
    }
    if (n) t->heap[i] = last;
    return top;
}

/* Adds (sign=+1) or removes (-1) the pairs of word w; lists w under the pairs holding z (z >= 0). */
static int word_pairs(Trainer *t, int32_t w, int sign, int32_t z, Error *err) {
    const Word *word = &t->words[w];
    const int32_t *s = t->syms + word->off;
    for (uint32_t i = 0; i + 1 < word->len; i++) {
        int record = z >= 0 && (s[i] == z || s[i + 1] == z);
        if (pair_add(t, s[i], s[i + 1], sign * (int64_t)word->count, record ? w : -1, err) != 0) return -1;
    }
    return 0;
}

static int apply_merge(Trainer *t, int32_t a, int32_t b, int32_t z, int32_t head, uint32_t step, Error *err) {
    for (int32_t o = head; o >= 0; o = t->occ[o].next) {
        int32_t w = t->occ[o].word;
        if (t->last_seen[w] == step) continue;
        t->last_seen[w] = step;
        Word *word = &t->words[w];
        int32_t *s = t->syms + word->off;
        int found = 0;
        for (uint32_t i = 0; i + 1 < word->len; i++)
            if (s[i] == a && s[i + 1] == b) found = 1;
        if (!found) continue; /* a stale occurrence */
        if (word_pairs(t, w, -1, -1, err) != 0) return -1;
        uint32_t k = 0;
        for (uint32_t i = 0; i < word->len; i++) {
            if (i + 1 < word->len && s[i] == a && s[i + 1] == b) {
                s[k++] = z;
                i++;
            } else {
                s[k++] = s[i];
            }
        }
        word->len = k;
        if (word_pairs(t, w, +1, z, err) != 0) return -1;
    }
    return 0;
}

/* ---- output ---- */

static int write_json(const Trainer *t, const TokTrainOptions *opt, const char *path, Error *err) {
    TokBytes out = {0}, spelled = {0};
    int rc = 0;
#define PUT(s) (rc = rc ? rc : (tok_bytes_append(&out, s, strlen(s)) ? oom(err) : 0))
    PUT("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[");
    for (size_t i = 0; i < opt->n_specials && rc == 0; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s{\"id\":%zu,\"content\":", i ? "," : "", i);
        PUT(head);
        if (rc == 0) rc = tok_json_quote(opt->specials[i], strlen(opt->specials[i]), &out, err);
        PUT(",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}");
    }
    PUT("],\"normalizer\":null,\"pre_tokenizer\":");
    if (opt->split_digits)
        PUT("{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\",\"individual_digits\":true},"
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}]}");
    else
        PUT("{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}");
    PUT(",\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":false,\"use_regex\":true},"
        "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true},"
        "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
        "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"ignore_merges\":false,\"vocab\":{");
    size_t n_special = opt->n_specials;
    for (size_t id = 0; id < n_special + t->n_tokens && rc == 0; id++) {
        if (id) PUT(",");
        spelled.len = 0;
        if (id < n_special) {
            if (tok_bytes_append(&spelled, opt->specials[id], strlen(opt->specials[id])) != 0) rc = oom(err);
        } else {
            size_t k = id - n_special;
            rc = rc ? rc : tok_bytes_to_spelling((const uint8_t *)t->vocab_bytes.data + t->tok_off[k], t->tok_len[k], &spelled, err);
        }
        if (rc == 0) rc = tok_json_quote(spelled.data, spelled.len, &out, err);
        char num[32];
        snprintf(num, sizeof num, ":%zu", id);
        PUT(num);
    }
    PUT("},\"merges\":[");
    for (size_t m = 0; m < t->n_merges && rc == 0; m++) {
        spelled.len = 0;
        for (int side = 0; side < 2 && rc == 0; side++) {
            int32_t k = t->merges[2 * m + side];
            if (side && tok_bytes_append(&spelled, " ", 1) != 0) rc = oom(err);
            if (rc == 0)
                rc = tok_bytes_to_spelling((const uint8_t *)t->vocab_bytes.data + t->tok_off[k], t->tok_len[k], &spelled, err);
        }
        if (m) PUT(",");
        if (rc == 0) rc = tok_json_quote(spelled.data, spelled.len, &out, err);
    }
    PUT("]}}\n");
#undef PUT
    if (rc == 0) rc = file_write_atomic(path, out.data, out.len, err);
    tok_bytes_free(&out);
    tok_bytes_free(&spelled);
    return rc;
}

static void trainer_free(Trainer *t) {
    mem_free(t->words);
    mem_free(t->word_bytes);
    mem_free(t->word_text_off);
    mem_free(t->word_slots);
    mem_free(t->syms);
    mem_free(t->pairs);
    mem_free(t->occ);
    mem_free(t->heap);
    tok_bytes_free(&t->vocab_bytes);
    mem_free(t->tok_off);
    mem_free(t->tok_len);
    mem_free(t->tok_slots);
    mem_free(t->merges);
    mem_free(t->last_seen);
}

static int count_words(Trainer *t, const char *const *texts, const size_t *lens, size_t n_texts, int split_digits,
                       Error *err) {
    Tokenizer *pre = mem_calloc(1, sizeof *pre);
    if (!pre) return oom(err);
    pthread_mutex_init(&pre->pool_lock, NULL);
    TokPreScratch scratch = {0};
    scratch.md = pcre2_match_data_create(8, NULL);
    int rc = scratch.md ? tok_set_pre_gpt2(pre, split_digits, err) : oom(err);
    CountCtx ctx = {t, err};
    for (size_t i = 0; i < n_texts && rc == 0; i++) {
        TokBytes fixed = {0};
        int changed;
        const char *text = texts[i];
        size_t len = lens[i];
        rc = tok_utf8_sanitize((const uint8_t *)text, len, &fixed, &changed, err);
        if (rc == 0 && changed) {
            text = fixed.data;
            len = fixed.len;
        }
        if (rc == 0) {
            int r = tok_pretokenize(pre, &scratch, 0, (const uint8_t *)text, len, on_word, &ctx);
            if (r == 1) rc = -1;
            else if (r != 0) rc = error_set(err, "pre-tokenizer failed on text %zu", i);
        }
        tok_bytes_free(&fixed);
    }
    for (int i = 0; i < 8; i++) tok_bytes_free(&scratch.prefixed[i]);
    pcre2_match_data_free(scratch.md);
    tok_free(pre);
    return rc;
}

int tok_train_bpe(const char *const *texts, const size_t *lens, size_t n_texts, const TokTrainOptions *opt,
                  const char *out_path, Error *err) {
    if (opt->vocab_size < 256 + opt->n_specials)
        return error_set(err, "vocab size %zu is below 256 bytes + %zu specials", opt->vocab_size, opt->n_specials);
    Trainer t = {0};
    int rc = 0;
    size_t total = 0;
    for (size_t i = 0; i < n_texts; i++) total += lens[i];
    size_t wcap = 1024;
    while (wcap < total / 2 + 1024) wcap <<= 1;
    t.word_slots = mem_alloc(wcap * sizeof *t.word_slots);
    t.tok_mask = 1;
    while (t.tok_mask < opt->vocab_size * 4) t.tok_mask = t.tok_mask * 2 + 1;
    t.tok_slots = mem_alloc((t.tok_mask + 1) * sizeof *t.tok_slots);
    t.pairs = mem_calloc(1 << 16, sizeof *t.pairs);
    t.merges = mem_alloc(2 * opt->vocab_size * sizeof *t.merges);
    if (!t.word_slots || !t.tok_slots || !t.pairs || !t.merges) {
        trainer_free(&t);
        return oom(err);
    }
    memset(t.word_slots, 0xff, wcap * sizeof *t.word_slots);
    memset(t.tok_slots, 0xff, (t.tok_mask + 1) * sizeof *t.tok_slots);
    t.word_mask = wcap - 1;
    t.pair_mask = (1 << 16) - 1;
    for (int b = 0; b < 256 && rc == 0; b++) {
        uint8_t byte = (uint8_t)b;
        if (token_add(&t, &byte, 1, err) < 0) rc = -1;
    }
    if (rc == 0) rc = count_words(&t, texts, lens, n_texts, opt->split_digits, err);
    size_t n_syms = t.n_word_bytes;
    if (rc == 0 && !(t.syms = mem_alloc((n_syms + 1) * sizeof *t.syms))) rc = oom(err);
    if (rc == 0 && !(t.last_seen = mem_calloc(t.n_words + 1, sizeof *t.last_seen))) rc = oom(err);
    for (size_t w = 0; rc == 0 && w < t.n_words; w++) {
        uint32_t off = t.word_text_off[w];
        t.words[w].off = off;
        for (uint32_t i = 0; i < t.words[w].len; i++) t.syms[off + i] = t.word_bytes[off + i];
        rc = word_pairs(&t, (int32_t)w, +1, -1, err);
        /* every pair of the first pass needs its occurrence list */
        for (uint32_t i = 0; rc == 0 && i + 1 < t.words[w].len; i++)
            rc = pair_add(&t, t.syms[off + i], t.syms[off + i + 1], 0, (int32_t)w, err);
    }
    for (size_t i = 0; rc == 0 && i <= t.pair_mask; i++)
        if (t.pairs[i].used && t.pairs[i].count > 0) rc = heap_push(&t, t.pairs[i].count, t.pairs[i].key, err);
    size_t target = opt->vocab_size - opt->n_specials;
    Progress bar;
    if (opt->show_progress) progress_begin(&bar, "bpe merges", (int64_t)(target - t.n_tokens), "merge");
    uint32_t step = 0;
    size_t first_tokens = t.n_tokens;
    while (rc == 0 && t.n_tokens < target && t.n_heap > 0 && t.n_merges < opt->vocab_size) {
        HeapItem top = heap_pop(&t);
        int32_t a = (int32_t)(top.key >> 32), b = (int32_t)(uint32_t)top.key;
        PairSlot *p = pair_get(&t, a, b, 0);
        if (!p || p->count <= 0) continue;
        if (p->count != top.count) {
            rc = heap_push(&t, p->count, top.key, err);
            continue;
        }
        if ((size_t)p->count < opt->min_frequency) break;
        uint8_t joined[1024];
        size_t la = t.tok_len[a], lb = t.tok_len[b];
        if (la + lb > sizeof joined) {
            p->count = 0; /* never merge past 1 KiB tokens */
            continue;
        }
        memcpy(joined, t.vocab_bytes.data + t.tok_off[a], la);
        memcpy(joined + la, t.vocab_bytes.data + t.tok_off[b], lb);
        int32_t z = token_add(&t, joined, la + lb, err);
        if (z < 0) {
            rc = -1;
            break;
        }
        t.merges[2 * t.n_merges] = a;
        t.merges[2 * t.n_merges + 1] = b;
        t.n_merges++;
        step++;
        rc = apply_merge(&t, a, b, z, p->occ_head, step, err);
        /* push the pairs that hold z, with their final counts */
        if (rc == 0) {
            for (int32_t o = pair_get(&t, a, b, 1)->occ_head; o >= 0 && rc == 0; o = t.occ[o].next) {
                int32_t w = t.occ[o].word;
                if (t.last_seen[w] != step) continue;
                const int32_t *s = t.syms + t.words[w].off;
                for (uint32_t i = 0; i + 1 < t.words[w].len && rc == 0; i++) {
                    if (s[i] != z && s[i + 1] != z) continue;
                    PairSlot *q = pair_get(&t, s[i], s[i + 1], 0);
                    if (q && q->count > 0) rc = heap_push(&t, q->count, q->key, err);
                }
            }
        }
        if (opt->show_progress) progress_update(&bar, (int64_t)(t.n_tokens - first_tokens), NULL);
    }
    if (opt->show_progress) progress_done(&bar);
    if (rc == 0) {
        log_info("bpe: %zu distinct words, %zu merges, %zu tokens", t.n_words, t.n_merges, t.n_tokens + opt->n_specials);
        rc = write_json(&t, opt, out_path, err);
    }
    trainer_free(&t);
    return rc;
}
