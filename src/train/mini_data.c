/* EXAONE-mini corpus loading and mixed-task batches (see mini_data.h). */
#include "mini_data.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CORPUS_BYTES ((size_t)2 << 30)

void mini_data_defaults(MiniDataOptions *o) {
    o->ratio[MINI_TASK_T2I] = 0.35f;
    o->ratio[MINI_TASK_I2T] = 0.30f;
    o->ratio[MINI_TASK_TRANSLATE] = 0.20f;
    o->ratio[MINI_TASK_LM] = 0.15f;
    o->cfg_drop = 0.1f;
    o->seed = 1337;
    o->balance_families = 0;
}

int mini_data_parse_ratios(MiniDataOptions *o, const char *text, Error *err) {
    float r[MINI_N_TASKS];
    const char *p = text;
    float sum = 0;
    for (int i = 0; i < MINI_N_TASKS; i++) {
        char *end;
        r[i] = strtof(p, &end);
        if (end == p || !(r[i] >= 0) || r[i] > 1e6f) break;
        sum += r[i];
        p = end;
        if (i == MINI_N_TASKS - 1) {
            if (*p || !(sum > 0)) break;
            memcpy(o->ratio, r, sizeof r);
            return 0;
        }
        if (*p++ != ',') break;
    }
    return error_set(err, "ratios '%s': want four non-negative numbers t2i,i2t,translate,lm with a positive sum", text);
}

/* ---------------------------------------------------------------- parsing */

static int grow(void **p, int *cap, int need, size_t elem, Error *err) {
    if (need <= *cap) return 0;
    int n = *cap ? *cap : 256;
    while (n < need) {
        if (n > (1 << 28)) return error_set(err, "mini corpus: too many records");
        n *= 2;
    }
    void *q = mem_realloc(*p, (size_t)n * elem);
    if (!q) return error_set(err, "mini corpus: out of memory");
    *p = q;
    *cap = n;
    return 0;
}

static int parse_lang(const char *s, size_t n) {
    if (n == 2 && memcmp(s, "ko", 2) == 0) return MINI_LANG_KO;
    if (n == 2 && memcmp(s, "en", 2) == 0) return MINI_LANG_EN;
    return -2;
}

/* Splits line [s, e) at tabs into at most max fields. */
static int split_tabs(const char *s, const char *e, const char **f, size_t *fn, int max) {
    int n = 0;
    while (n < max) {
        const char *t = memchr(s, '\t', (size_t)(e - s));
        if (!t || n == max - 1) t = e;
        f[n] = s;
        fn[n] = (size_t)(t - s);
        n++;
        if (t == e) break;
        s = t + 1;
    }
    return n;
}

static int encode(MiniCorpus *c, const Tokenizer *tok, const char *s, size_t n, int64_t *off, int *len,
                  Error *err) {
    *off = (int64_t)c->ids.n;
    if (tok_encode(tok, s, n, &c->ids, err) != 0) return -1;
    if (c->ids.n - (size_t)*off > 100000) return error_set(err, "text of %zu tokens is too long", n);
    *len = (int)(c->ids.n - (size_t)*off);
    return 0;
}

static int parse_int(const char **p, const char *e, int *v) {
    const char *s = *p;
    while (s < e && *s == ' ') s++;
    long x = 0;
    const char *d = s;
    while (s < e && *s >= '0' && *s <= '9' && x < (1L << 30)) x = x * 10 + (*s++ - '0');
    if (s == d || x >= (1L << 30)) return -1;
    *v = (int)x;
    *p = s;
    return 0;
}

/* Items are numbered densely from 0 and each has a record of its own, so no item number
 * can exceed the corpus's byte count: a larger one would only size tables (a fuzzed F
 * record asked for 2 GB). */
static int check_item(int item, size_t corpus_bytes, Error *err) {
    if (item < 0 || (size_t)item > corpus_bytes)
        return error_set(err, "item %d out of range: items are numbered from 0 and the corpus has %zu bytes", item,
                         corpus_bytes);
    return 0;
}

static int parse_line(MiniCorpus *c, const Tokenizer *tok, const char *s, const char *e, size_t corpus_bytes,
                      Error *err) {
    const char *f[4] = {0};
    size_t fn[4] = {0};
    int nf = split_tabs(s, e, f, fn, 4);
    int G = c->vocab.grid_h * c->vocab.grid_w;
    if (fn[0] != 1) return error_set(err, "unknown record type");
    char kind = f[0][0];
    if (kind == 'I' || kind == 'C') {
        int item;
        const char *p = f[1];
        if (nf < 3 || parse_int(&p, f[1] + fn[1], &item) != 0 || p != f[1] + fn[1])
            return error_set(err, "%c record needs ITEM (a number) and more fields", kind);
        if (check_item(item, corpus_bytes, err)) return -1;
        if (item >= c->n_items) c->n_items = item + 1;
        if (kind == 'I') {
            if (grow((void **)&c->image_item, &c->cap_images, c->n_images + 1, sizeof(int), err)) return -1;
            int cap = c->cap_images;
            int *codes = mem_realloc(c->codes, (size_t)cap * (size_t)G * sizeof(int));
            if (!codes) return error_set(err, "mini corpus: out of memory");
            c->codes = codes;
            const char *q = f[2], *qe = f[2] + fn[2];
            for (int i = 0; i < G; i++) {
                int code;
                if (parse_int(&q, qe, &code) != 0 || code >= c->vocab.n_codes)
                    return error_set(err, "image code %d is missing or not below the codebook size %d", i,
                                     c->vocab.n_codes);
                codes[(size_t)c->n_images * (size_t)G + (size_t)i] = code;
            }
            while (q < qe && *q == ' ') q++;
            if (q != qe) return error_set(err, "more than %d image codes", G);
            c->image_item[c->n_images++] = item;
            return 0;
        }
        if (nf < 4) return error_set(err, "C record needs ITEM, lang and text");
        int lang = parse_lang(f[2], fn[2]);
        if (lang < 0) return error_set(err, "language must be ko or en");
        if (grow((void **)&c->captions, &c->cap_captions, c->n_captions + 1, sizeof(MiniText), err)) return -1;
        MiniText *t = &c->captions[c->n_captions];
        t->item = item;
        t->lang = lang;
        if (encode(c, tok, f[3], fn[3], &t->off, &t->n, err)) return -1;
        c->n_captions++;
        return 0;
    }
    if (kind == 'P') {
        if (nf < 3) return error_set(err, "P record needs english and korean text");
        if (grow((void **)&c->pairs, &c->cap_pairs, c->n_pairs + 1, sizeof(MiniPair), err)) return -1;
        MiniPair *pr = &c->pairs[c->n_pairs];
        if (encode(c, tok, f[1], fn[1], &pr->src_off, &pr->n_src, err)) return -1;
        if (encode(c, tok, f[2], fn[2], &pr->tgt_off, &pr->n_tgt, err)) return -1;
        c->n_pairs++;
        return 0;
    }
    if (kind == 'T') {
        if (nf < 3) return error_set(err, "T record needs lang and text");
        int lang = parse_lang(f[1], fn[1]);
        if (lang < 0) return error_set(err, "language must be ko or en");
        if (grow((void **)&c->texts, &c->cap_texts, c->n_texts + 1, sizeof(MiniText), err)) return -1;
        MiniText *t = &c->texts[c->n_texts];
        t->item = -1;
        t->lang = lang;
        if (encode(c, tok, f[2], fn[2], &t->off, &t->n, err)) return -1;
        c->n_texts++;
        return 0;
    }
    if (kind == 'F') {
        int item, family;
        const char *p = f[1], *q = nf >= 3 ? f[2] : NULL;
        if (nf < 3 || parse_int(&p, f[1] + fn[1], &item) != 0 || p != f[1] + fn[1] ||
            parse_int(&q, f[2] + fn[2], &family) != 0 || q != f[2] + fn[2])
            return error_set(err, "F record needs ITEM and FAMILY (numbers)");
        if (check_item(item, corpus_bytes, err)) return -1;
        if (grow((void **)&c->item_family, &c->cap_family, item + 1, sizeof(int), err)) return -1;
        for (int i = c->n_family_set; i <= item; i++) c->item_family[i] = -1;
        if (item + 1 > c->n_family_set) c->n_family_set = item + 1;
        c->item_family[item] = family;
        return 0;
    }
    return error_set(err, "unknown record type '%c'", kind);
}

static int cmp_image(const void *a, const void *b, void *arg) {
    const int *item = arg;
    int x = item[*(const int *)a], y = item[*(const int *)b];
    return x < y ? -1 : x > y ? 1 : *(const int *)a - *(const int *)b;
}

/* Groups images by item (stable), so an item's images are one range. */
static int index_items(MiniCorpus *c, Error *err) {
    int G = c->vocab.grid_h * c->vocab.grid_w, n = c->n_images;
    c->item_first = mem_calloc((size_t)c->n_items + 1, sizeof(int));
    c->item_count = mem_calloc((size_t)c->n_items + 1, sizeof(int));
    int *order = mem_calloc((size_t)n + 1, sizeof(int));
    int *codes = mem_calloc((size_t)n * (size_t)G + 1, sizeof(int));
    int *item = mem_calloc((size_t)n + 1, sizeof(int));
    if (!c->item_first || !c->item_count || !order || !codes || !item) {
        mem_free(order);
        mem_free(codes);
        mem_free(item);
        return error_set(err, "mini corpus: out of memory");
    }
    for (int i = 0; i < n; i++) order[i] = i;
    qsort_r(order, (size_t)n, sizeof(int), cmp_image, c->image_item);
    for (int i = 0; i < n; i++) {
        memcpy(codes + (size_t)i * (size_t)G, c->codes + (size_t)order[i] * (size_t)G, (size_t)G * sizeof(int));
        item[i] = c->image_item[order[i]];
    }
    for (int i = n - 1; i >= 0; i--) {
        c->item_first[item[i]] = i;
        c->item_count[item[i]]++;
    }
    mem_free(order);
    mem_free(c->codes);
    mem_free(c->image_item);
    c->codes = codes;
    c->image_item = item;
    return 0;
}

/* Lists the captions of items with an image by family, for balanced
 * sampling: an item without an F record is its own family. */
static int index_families(MiniCorpus *c, Error *err) {
    int n = c->n_captions, max_family = -1;
    for (int i = 0; i < c->n_family_set; i++) max_family = c->item_family[i] > max_family ? c->item_family[i] : max_family;
    /* family ids: F families 0 .. max_family, then one per item without one */
    int slots = max_family + 1 + c->n_items;
    int *dense = mem_alloc(((size_t)slots + 1) * sizeof(int));
    c->family_first = mem_calloc((size_t)slots + 1, sizeof(int));
    c->family_count = mem_calloc((size_t)slots + 1, sizeof(int));
    c->family_captions = mem_alloc(((size_t)n + 1) * sizeof(int));
    int *of = mem_alloc(((size_t)n + 1) * sizeof(int));
    if (!dense || !c->family_first || !c->family_count || !c->family_captions || !of) {
        mem_free(dense);
        mem_free(of);
        return error_set(err, "mini corpus: out of memory");
    }
    for (int i = 0; i < slots; i++) dense[i] = -1;
    int F = 0;
    for (int k = 0; k < n; k++) {
        int item = c->captions[k].item;
        of[k] = -1;
        if (item >= c->n_items || c->item_count[item] == 0) continue;
        int fam = item < c->n_family_set && c->item_family[item] >= 0 ? c->item_family[item] : max_family + 1 + item;
        if (dense[fam] < 0) dense[fam] = F++;
        of[k] = dense[fam];
        c->family_count[of[k]]++;
    }
    for (int f = 1; f < F; f++) c->family_first[f] = c->family_first[f - 1] + c->family_count[f - 1];
    memset(c->family_count, 0, (size_t)F * sizeof(int));
    for (int k = 0; k < n; k++)
        if (of[k] >= 0) c->family_captions[c->family_first[of[k]] + c->family_count[of[k]]++] = k;
    c->n_families = F;
    mem_free(dense);
    mem_free(of);
    return 0;
}

int mini_corpus_parse(MiniCorpus **out, const char *text, size_t len, const char *label, const Tokenizer *tok,
                      const MiniVocab *vocab, Error *err) {
    *out = NULL;
    MiniCorpus *c = mem_calloc(1, sizeof *c);
    if (!c) return error_set(err, "%s: out of memory", label);
    c->vocab = *vocab;
    const char *s = text, *end = text + len;
    int line = 0;
    while (s < end) {
        const char *e = memchr(s, '\n', (size_t)(end - s));
        if (!e) e = end;
        line++;
        const char *le = e > s && e[-1] == '\r' ? e - 1 : e;
        if (le > s && *s != '#' && parse_line(c, tok, s, le, len, err) != 0) {
            error_prefix(err, "%s:%d", label, line);
            mini_corpus_free(c);
            return -1;
        }
        s = e + 1;
    }
    if (index_items(c, err) != 0 || index_families(c, err) != 0) {
        mini_corpus_free(c);
        return error_prefix(err, "%s", label);
    }
    *out = c;
    return 0;
}

int mini_corpus_load(MiniCorpus **out, const char *path, const Tokenizer *tok, const MiniVocab *vocab, Error *err) {
    char *text;
    size_t size;
    *out = NULL;
    if (file_read_all(path, MAX_CORPUS_BYTES, &text, &size, err) != 0) return -1;
    int rc = mini_corpus_parse(out, text, size, path, tok, vocab, err);
    mem_free(text);
    return rc;
}

void mini_corpus_free(MiniCorpus *c) {
    if (!c) return;
    mem_free(c->codes);
    mem_free(c->image_item);
    mem_free(c->item_first);
    mem_free(c->item_count);
    mem_free(c->item_family);
    mem_free(c->family_first);
    mem_free(c->family_count);
    mem_free(c->family_captions);
    mem_free(c->captions);
    mem_free(c->texts);
    mem_free(c->pairs);
    tok_ids_free(&c->ids);
    mem_free(c);
}

/* ---------------------------------------------------------------- batches */

int mini_batch_new(MiniBatch **out, int B, int T, Error *err) {
    *out = NULL;
    if (B <= 0 || T <= 0 || B > (1 << 16) || T > (1 << 20)) return error_set(err, "mini batch %d x %d", B, T);
    MiniBatch *b = mem_calloc(1, sizeof *b);
    size_t N = (size_t)B * (size_t)T;
    if (b) {
        b->B = B;
        b->T = T;
        b->tokens = mem_calloc(N, sizeof(int));
        b->targets = mem_calloc(N, sizeof(int));
        b->segments = mem_calloc(N, sizeof(int));
        b->prefix = mem_calloc((size_t)B, sizeof(int));
        b->image_start = mem_calloc((size_t)B, sizeof(int));
        b->task = mem_calloc((size_t)B, sizeof(int));
    }
    if (!b || !b->tokens || !b->targets || !b->segments || !b->prefix || !b->image_start || !b->task) {
        mini_batch_free(b);
        return error_set(err, "mini batch: out of memory");
    }
    *out = b;
    return 0;
}

void mini_batch_free(MiniBatch *b) {
    if (!b) return;
    mem_free(b->tokens);
    mem_free(b->targets);
    mem_free(b->segments);
    mem_free(b->prefix);
    mem_free(b->image_start);
    mem_free(b->task);
    mem_free(b);
}

static int task_has_data(const MiniCorpus *c, int task) {
    switch (task) {
    case MINI_TASK_T2I:
    case MINI_TASK_I2T: return c->n_captions > 0 && c->n_images > 0;
    case MINI_TASK_TRANSLATE: return c->n_pairs > 0;
    default: return c->n_texts > 0;
    }
}

/* The choices that make one sample; drawn from an Rng (training) or from an
 * index (evaluation). */
typedef struct {
    int task;
    int64_t record;  /* caption, pair or text */
    uint64_t pick;   /* which image of the item / where an LM window starts */
    int to_en;       /* translate direction */
    int drop;        /* empty t2i prompt */
} Draw;

/* The caption's item must have an image; walks forward to the next caption
 * that does (every corpus with captions of imageless items stays usable). */
static int caption_with_image(const MiniCorpus *c, int64_t k) {
    for (int i = 0; i < c->n_captions; i++) {
        const MiniText *t = &c->captions[(k + i) % c->n_captions];
        if (t->item < c->n_items && c->item_count[t->item] > 0) return (int)((k + i) % c->n_captions);
    }
    return -1;
}

static int build_row(MiniBatch *b, int row, const MiniCorpus *c, const Draw *d, Error *err) {
    const MiniVocab *v = &c->vocab;
    int T = b->T, G = v->grid_h * v->grid_w;
    MiniSeq s = {b->tokens + (size_t)row * T, b->targets + (size_t)row * T, b->segments + (size_t)row * T, T, 0, 0,
                 -1};
    /* a corpus whose every text is empty has no token buffer; offsets are then all 0 */
    static const int32_t no_tokens[1];
    const int32_t *ids = c->ids.ids ? c->ids.ids : no_tokens;
    int rc;
    if (d->task == MINI_TASK_T2I || d->task == MINI_TASK_I2T) {
        int k = caption_with_image(c, d->record);
        if (k < 0) return error_set(err, "mini data: no caption belongs to an item with an image");
        const MiniText *t = &c->captions[k];
        int image = c->item_first[t->item] + (int)(d->pick % (uint64_t)c->item_count[t->item]);
        const int *codes = c->codes + (size_t)image * (size_t)G;
        int room = T - G - 5, n = t->n < room ? t->n : room;
        if (n < 0) return error_set(err, "mini data: context %d cannot hold an image of %d codes", T, G);
        if (d->task == MINI_TASK_T2I)
            rc = d->drop ? mini_seq_t2i(v, &s, MINI_LANG_NONE, NULL, 0, codes, err)
                         : mini_seq_t2i(v, &s, t->lang, ids + t->off, n, codes, err);
        else
            rc = mini_seq_i2t(v, &s, codes, t->lang, ids + t->off, n, err);
    } else if (d->task == MINI_TASK_TRANSLATE) {
        const MiniPair *p = &c->pairs[d->record % c->n_pairs];
        const int32_t *src = ids + (d->to_en ? p->tgt_off : p->src_off), *tgt = ids + (d->to_en ? p->src_off : p->tgt_off);
        int ns = d->to_en ? p->n_tgt : p->n_src, nt = d->to_en ? p->n_src : p->n_tgt;
        /* too long for the context: keep the start of both sides, src at most half */
        int room = T - 4;
        if (ns + nt > room) {
            if (ns > room / 2) ns = room / 2;
            if (nt > room - ns) nt = room - ns;
        }
        rc = mini_seq_translate(v, &s, d->to_en ? MINI_LANG_KO : MINI_LANG_EN, src, ns,
                                d->to_en ? MINI_LANG_EN : MINI_LANG_KO, tgt, nt, err);
    } else {
        const MiniText *t = &c->texts[d->record % c->n_texts];
        int room = T - 3, n = t->n, start = 0;
        if (n > room) {
            start = (int)(d->pick % (uint64_t)(n - room + 1));
            n = room;
        }
        rc = mini_seq_lm(v, &s, t->lang, ids + t->off + start, n, err);
    }
    if (rc != 0) return -1;
    mini_seq_pad(v, &s);
    b->prefix[row] = s.prefix;
    b->image_start[row] = s.image_start;
    b->task[row] = d->task;
    return 0;
}

static uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int mini_batch_fill(MiniBatch *b, const MiniCorpus *c, const MiniDataOptions *o, int64_t step, Error *err) {
    float total = 0;
    for (int k = 0; k < MINI_N_TASKS; k++)
        if (task_has_data(c, k)) total += o->ratio[k];
    if (!(total > 0)) return error_set(err, "mini data: no task with a positive ratio has data");
    for (int row = 0; row < b->B; row++) {
        Rng rng;
        rng_seed(&rng, mix(o->seed ^ mix((uint64_t)step * 65537u + (uint64_t)row)));
        double u = rng_uniform(&rng) * total, acc = 0;
        Draw d = {MINI_TASK_LM, 0, 0, 0, 0};
        for (int k = 0; k < MINI_N_TASKS; k++) {
            if (!task_has_data(c, k) || !(o->ratio[k] > 0)) continue;
            d.task = k;
            acc += o->ratio[k];
            if (u < acc) break;
        }
        uint64_t n = d.task == MINI_TASK_TRANSLATE ? (uint64_t)c->n_pairs
                     : d.task == MINI_TASK_LM      ? (uint64_t)c->n_texts
                                                   : (uint64_t)c->n_captions;
        d.record = (int64_t)rng_below(&rng, n);
        if (o->balance_families && c->n_families > 0 && (d.task == MINI_TASK_T2I || d.task == MINI_TASK_I2T)) {
            int f = (int)rng_below(&rng, (uint64_t)c->n_families); /* then its captions equally */
            d.record = c->family_captions[c->family_first[f] + (int)rng_below(&rng, (uint64_t)c->family_count[f])];
        }
        d.pick = rng_u64(&rng);
        d.to_en = (int)(rng_u64(&rng) & 1);
        d.drop = rng_uniform(&rng) < o->cfg_drop;
        if (build_row(b, row, c, &d, err) != 0) return -1;
    }
    return 0;
}

int mini_batch_compact(MiniBatch *b, const MiniVocab *v) {
    int T = b->T, used = 1;
    for (int r = 0; r < b->B; r++) {
        int len = T;
        while (len > 0 && b->tokens[(size_t)r * T + len - 1] == v->special[MINI_PAD]) len--;
        if (len > used) used = len;
    }
    int Tn = (used + 7) / 8 * 8;
    if (Tn > T) Tn = T;
    /* rows only move towards the start, so ascending memmove is safe */
    for (int r = 1; r < b->B && Tn < T; r++) {
        memmove(b->tokens + (size_t)r * Tn, b->tokens + (size_t)r * T, (size_t)Tn * sizeof(int));
        memmove(b->targets + (size_t)r * Tn, b->targets + (size_t)r * T, (size_t)Tn * sizeof(int));
        memmove(b->segments + (size_t)r * Tn, b->segments + (size_t)r * T, (size_t)Tn * sizeof(int));
    }
    return Tn;
}

int mini_batch_fill_eval(MiniBatch *b, int row, const MiniCorpus *c, int task, int64_t index, Error *err) {
    if (row < 0 || row >= b->B || task < 0 || task >= MINI_N_TASKS) return error_set(err, "mini eval: bad row/task");
    if (!task_has_data(c, task)) return error_set(err, "mini eval: task %d has no data", task);
    Draw d = {task, index, 0, (int)(index & 1), 0};
    if (task == MINI_TASK_TRANSLATE) d.record = index / 2;
    return build_row(b, row, c, &d, err);
}
