/* tokenizer.c — encode and decode: added tokens first, then normalizer,
 * pre-tokenizer and BPE on the text between them (HF's order); decode and the
 * streaming decoder; splitting one text over threads. */
#include "../core/mem.h"
#include "tok_internal.h"

#include <pthread.h>
#include <utf8proc.h>

/* ---- UTF-8 repair ---- */

static const uint8_t replacement[3] = {0xEF, 0xBF, 0xBD};

/* 1 when s[0..n) is the start of a valid UTF-8 character that needs more bytes. */
static int incomplete_utf8(const uint8_t *s, size_t n) {
    if (n == 0 || n >= 4 || s[0] < 0xC2 || s[0] > 0xF4) return 0;
    int bad;
    return tok_utf8_valid(s, n, &bad) == 0 && (size_t)bad == n;
}

/* Appends s[0..n) to out with each maximal invalid subsequence replaced by U+FFFD.
 * pending (decoding) keeps an incomplete tail there instead of replacing it.
 * changed (encoding) makes the copy lazy: nothing is appended unless something
 * had to be replaced, so valid text costs no copy; *changed says which. */
static int utf8_repair(const uint8_t *s, size_t n, TokBytes *out, TokStream *pending, int *changed) {
    int replaced = 0;
    size_t i = 0, clean = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        int bad, len = tok_utf8_valid(s + i, n - i, &bad);
        if (len > 0) {
            i += (size_t)len;
            continue;
        }
        if (pending && incomplete_utf8(s + i, n - i)) {
            if (tok_bytes_append(out, s + clean, i - clean) != 0) return -1;
            memcpy(pending->pending, s + i, n - i);
            pending->n_pending = (int)(n - i);
            return 0;
        }
        replaced = 1;
        if (tok_bytes_append(out, s + clean, i - clean) != 0 || tok_bytes_append(out, replacement, 3) != 0) return -1;
        i += (size_t)bad;
        clean = i;
    }
    if (pending) pending->n_pending = 0;
    if (changed) {
        *changed = replaced;
        if (!replaced) return 0;
    }
    if (n == 0) return tok_bytes_append(out, "", 0);
    return tok_bytes_append(out, s + clean, n - clean);
}

int tok_utf8_sanitize(const uint8_t *in, size_t n, TokBytes *out, int *changed, Error *err) {
    return utf8_repair(in, n, out, NULL, changed) == 0 ? 0 : error_set(err, "out of memory");
}

/* ---- encoding ---- */

/* Pieces wait in a short queue before BPE so that their cache lines (hot cache,
 * word cache) are prefetched while earlier pieces are merged: the caches are
 * bigger than L2 and a lookup is otherwise a stall. Only used when pieces point
 * into the caller's text (no normalizer or prefix-space copies that get reused). */
#define QUEUE 8

typedef struct {
    const Tokenizer *tok;
    TokBpeScratch *bpe;
    TokPreScratch pre;
    TokBytes norm;
    TokIds *out;
    Error *err;
    int use_queue;
    size_t q_head, q_n;
    const uint8_t *q_piece[QUEUE];
    size_t q_len[QUEUE];
} Encoder;

static int encoder_init(Encoder *e, const Tokenizer *tok, size_t text_len, TokIds *out, Error *err) {
    memset(e, 0, sizeof *e);
    e->tok = tok;
    e->out = out;
    e->err = err;
    e->bpe = tok_bpe_scratch_get(tok, text_len);
    e->pre.md = pcre2_match_data_create(8, NULL);
    if (!e->bpe || !e->pre.md) return error_set(err, "out of memory"); /* encoder_free cleans up */
    e->use_queue = tok->n_norms == 0;
    for (int i = 0; i < tok->n_pre; i++)
        if (tok->pre[i].kind == PRE_BYTELEVEL && tok->pre[i].add_prefix_space) e->use_queue = 0;
    return 0;
}

static void encoder_free(Encoder *e) {
    tok_bpe_scratch_put(e->tok, e->bpe);
    pcre2_match_data_free(e->pre.md);
    for (int i = 0; i < 8; i++) tok_bytes_free(&e->pre.prefixed[i]);
    tok_bytes_free(&e->norm);
    e->bpe = NULL;
    e->pre.md = NULL;
}

static int flush_queue(Encoder *e) {
    for (; e->q_n > 0; e->q_n--, e->q_head = (e->q_head + 1) % QUEUE)
        if (tok_bpe_word(e->tok, e->bpe, e->q_piece[e->q_head], e->q_len[e->q_head], e->out, e->err) != 0) return -1;
    return 0;
}

static int on_piece(void *ctx, const uint8_t *piece, size_t len) {
    Encoder *e = ctx;
    if (!e->use_queue) return tok_bpe_word(e->tok, e->bpe, piece, len, e->out, e->err) != 0 ? 1 : 0;
    if (e->q_n == QUEUE) {
        if (tok_bpe_word(e->tok, e->bpe, e->q_piece[e->q_head], e->q_len[e->q_head], e->out, e->err) != 0) return 1;
        e->q_head = (e->q_head + 1) % QUEUE;
        e->q_n--;
    }
    tok_bpe_prefetch(e->bpe, piece, len);
    size_t tail = (e->q_head + e->q_n) % QUEUE;
    e->q_piece[tail] = piece;
    e->q_len[tail] = len;
    e->q_n++;
    return 0;
}

static int encode_segment(Encoder *e, const uint8_t *text, size_t len) {
    if (len == 0) return 0;
    if (e->tok->n_norms) {
        e->norm.len = 0;
        if (tok_normalize(e->tok, text, len, &e->norm, e->err) != 0) return -1;
        text = (const uint8_t *)e->norm.data;
        len = e->norm.len;
    }
    int rc = tok_pretokenize(e->tok, &e->pre, 0, text, len, on_piece, e);
    if (rc == 0 && flush_queue(e) != 0) return -1;
    if (rc == 1) return -1;
    if (rc == -2) return error_set(e->err, "out of memory");
    if (rc != 0) return error_set(e->err, "pre-tokenizer regex failed");
    return 0;
}

/* HF single_word: the characters around the match must not be alphanumeric or '_'
 * (Rust's char::is_alphanumeric: letters and numbers). */
static int is_word_char(const uint8_t *t, size_t at, size_t n, int before) {
    if (before ? at == 0 : at >= n) return 0;
    size_t p = at;
    if (before) {
        p = at - 1;
        while (p > 0 && (t[p] & 0xC0) == 0x80) p--;
    }
    int len;
    uint32_t cp = tok_utf8_decode(t + p, &len);
    if (cp == '_') return 1;
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) || tok_is_numeric(cp);
}

static int is_space_byte(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13); }

static int encode_text(Encoder *e, const uint8_t *t, size_t n) {
    const Tokenizer *tok = e->tok;
    if (tok->n_added == 0) return encode_segment(e, t, n);
    size_t cut = 0, p = 0;
    while (p < n) {
        if (!tok->added_first[t[p]]) {
            p++;
            continue;
        }
        size_t mlen = 0;
        int a = tok_match_added(tok, t + p, n - p, &mlen);
        if (a < 0) {
            p++;
            continue;
        }
        const AddedToken *at = &tok->added[a];
        size_t ms = p, me = p + mlen;
        if (at->single_word && (is_word_char(t, ms, n, 1) || is_word_char(t, me, n, 0))) {
            p = me;
            continue;
        }
        if (at->lstrip)
            while (ms > cut && is_space_byte(t[ms - 1])) ms--;
        if (at->rstrip)
            while (me < n && is_space_byte(t[me])) me++;
        if (encode_segment(e, t + cut, ms - cut) != 0) return -1;
        if (tok_ids_push(e->out, at->id) != 0) return error_set(e->err, "out of memory");
        cut = p = me;
    }
    return encode_segment(e, t + cut, n - cut);
}

/* Points *text at a repaired copy (in fixed) when the input is not valid UTF-8. */
static int sanitize_input(const void **text, size_t *len, TokBytes *fixed, Error *err) {
    int changed;
    if (tok_utf8_sanitize(*text, *len, fixed, &changed, err) != 0) {
        tok_bytes_free(fixed); /* what was repaired before the allocation failed */
        return -1;
    }
    if (changed) {
        *text = fixed->data;
        *len = fixed->len;
    }
    return 0;
}

int tok_encode(const Tokenizer *tok, const void *text, size_t len, TokIds *out, Error *err) {
    TokBytes fixed = {0};
    if (sanitize_input(&text, &len, &fixed, err) != 0) return -1;
    Encoder e;
    int rc = encoder_init(&e, tok, len, out, err);
    if (rc == 0) rc = encode_text(&e, text, len);
    encoder_free(&e);
    tok_bytes_free(&fixed);
    return rc;
}

/* ---- parallel encoding ---- */

/* Whether every step leaves a cut before a newline that follows a visible ASCII
 * character (see split_points). */
static int parallel_safe(const Tokenizer *tok) {
    if (tok->added_has_newline) return 0;
    for (size_t i = 0; i < tok->n_added; i++)
        if (tok->added[i].rstrip) return 0; /* it would swallow the newline we cut at */
    for (int i = 0; i < tok->n_pre; i++) {
        const PreStep *st = &tok->pre[i];
        if (st->kind == PRE_SPLIT && !st->fast_gpt2) return 0;
        if (st->kind == PRE_BYTELEVEL && (st->add_prefix_space || !st->use_regex)) return 0;
    }
    for (int i = 0; i < tok->n_pre; i++)
        if (tok->pre[i].kind != PRE_DIGITS) return 1; /* some step runs the GPT-2 regex */
    return 0;
}

/* A cut at b is safe when t[b] == '\n' and t[b-1] is printable ASCII: no regex
 * alternative runs from a visible character across a newline, the regex has no
 * lookbehind, no added token holds a newline, and normalizers act per character
 * here. So the pieces after b do not depend on the text before b. */
static size_t split_points(const uint8_t *t, size_t n, int parts, size_t *cuts) {
    size_t k = 0, prev = 0;
    for (int i = 1; i < parts; i++) {
        size_t b = n / (size_t)parts * (size_t)i;
        if (b <= prev) b = prev + 1;
        while (b < n && !(t[b] == '\n' && t[b - 1] > ' ' && t[b - 1] < 0x7F)) b++;
        if (b >= n) break;
        cuts[k++] = prev = b;
    }
    return k;
}

typedef struct {
    const Tokenizer *tok;
    const uint8_t *text;
    size_t begin[64], end[64];
    TokIds ids[64];
    Error errs[64];
    int rc[64];
} ParallelJob;

typedef struct {
    ParallelJob *job;
    int part;
} PartArg;

static void *encode_part(void *arg) {
    PartArg *a = arg;
    ParallelJob *job = a->job;
    int i = a->part;
    Encoder e;
    job->rc[i] = encoder_init(&e, job->tok, job->end[i] - job->begin[i], &job->ids[i], &job->errs[i]);
    if (job->rc[i] == 0) job->rc[i] = encode_text(&e, job->text + job->begin[i], job->end[i] - job->begin[i]);
    encoder_free(&e);
    return NULL;
}

int tok_encode_parallel(const Tokenizer *tok, const void *text, size_t len, int n_threads, TokIds *out, Error *err) {
    if (n_threads <= 1 || len < 4096 || !parallel_safe(tok)) return tok_encode(tok, text, len, out, err);
    if (n_threads > 64) n_threads = 64;
    TokBytes fixed = {0};
    if (sanitize_input(&text, &len, &fixed, err) != 0) return -1;
    ParallelJob *job = mem_calloc(1, sizeof *job);
    if (!job) {
        tok_bytes_free(&fixed);
        return error_set(err, "out of memory");
    }
    size_t cuts[64];
    size_t n_cuts = split_points(text, len, n_threads, cuts);
    int parts = (int)n_cuts + 1;
    job->tok = tok;
    job->text = text;
    for (int i = 0; i < parts; i++) {
        job->begin[i] = i == 0 ? 0 : cuts[i - 1];
        job->end[i] = i == parts - 1 ? len : cuts[i];
    }
    /* One thread per part (plain pthreads: one short job, no pool to keep warm). */
    int rc = 0;
    PartArg args[64];
    pthread_t threads[64];
    int started[64] = {0};
    for (int i = 1; i < parts; i++) {
        args[i] = (PartArg){job, i};
        started[i] = pthread_create(&threads[i], NULL, encode_part, &args[i]) == 0;
        if (!started[i]) encode_part(&args[i]); /* no thread: do it here */
    }
    args[0] = (PartArg){job, 0};
    encode_part(&args[0]);
    for (int i = 1; i < parts; i++)
        if (started[i]) pthread_join(threads[i], NULL);
    for (int i = 0; i < parts && rc == 0; i++) {
        if (job->rc[i] != 0) {
            *err = job->errs[i];
            rc = -1;
            break;
        }
        for (size_t k = 0; k < job->ids[i].n; k++)
            if (tok_ids_push(out, job->ids[i].ids[k]) != 0) {
                rc = error_set(err, "out of memory");
                break;
            }
    }
    for (int i = 0; i < parts; i++) tok_ids_free(&job->ids[i]);
    mem_free(job);
    tok_bytes_free(&fixed);
    return rc;
}

/* ---- decoding ---- */

static int id_bytes(const Tokenizer *tok, int32_t id, const uint8_t **data, size_t *len) {
    if (id < 0 || (size_t)id >= tok->n_ids || tok->str_len[id] == UINT32_MAX) return -1;
    *data = (const uint8_t *)tok->bytes + tok->byte_off[id];
    *len = tok->byte_len[id];
    return 0;
}

int tok_decode(const Tokenizer *tok, const int32_t *ids, size_t n, int skip_special, TokBytes *out, Error *err) {
    TokBytes raw = {0};
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data;
        size_t len;
        if (id_bytes(tok, ids[i], &data, &len) != 0) continue;
        if (skip_special && tok->special[ids[i]]) continue;
        if (tok_bytes_append(&raw, data, len) != 0) {
            tok_bytes_free(&raw);
            return error_set(err, "out of memory");
        }
    }
    int rc = utf8_repair((const uint8_t *)raw.data, raw.len, out, NULL, NULL);
    tok_bytes_free(&raw);
    return rc == 0 ? 0 : error_set(err, "out of memory");
}

int tok_stream_push(const Tokenizer *tok, TokStream *stream, int32_t id, TokBytes *out, Error *err) {
    const uint8_t *data;
    size_t len;
    if (id_bytes(tok, id, &data, &len) != 0) return 0;
    uint8_t joined[8];
    size_t n_pending = (size_t)stream->n_pending;
    if (n_pending == 0) return utf8_repair(data, len, out, stream, NULL) == 0 ? 0 : error_set(err, "out of memory");
    /* Finish the held-back character first; the rest of the token goes through as usual. */
    size_t take = len < 4 ? len : 4;
    memcpy(joined, stream->pending, n_pending);
    memcpy(joined + n_pending, data, take);
    size_t n = n_pending + take;
    int bad, clen = tok_utf8_valid(joined, n, &bad);
    size_t used;
    if (clen > 0) {
        if (tok_bytes_append(out, joined, (size_t)clen) != 0) return error_set(err, "out of memory");
        used = (size_t)clen - n_pending;
    } else if (incomplete_utf8(joined, n)) {
        memcpy(stream->pending, joined, n);
        stream->n_pending = (int)n;
        return 0;
    } else {
        if (tok_bytes_append(out, replacement, 3) != 0) return error_set(err, "out of memory");
        /* the maximal subpart always ends inside pending or at the first bad byte of data */
        used = (size_t)bad > n_pending ? (size_t)bad - n_pending : 0;
    }
    stream->n_pending = 0;
    return utf8_repair(data + used, len - used, out, stream, NULL) == 0 ? 0 : error_set(err, "out of memory");
}

int tok_stream_flush(TokStream *stream, TokBytes *out, Error *err) {
    if (stream->n_pending == 0) return 0;
    stream->n_pending = 0;
    return tok_bytes_append(out, replacement, 3) == 0 ? 0 : error_set(err, "out of memory");
}
