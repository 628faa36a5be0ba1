/* EXAONE-mini tasks: drawing (sampling + classifier-free guidance), greedy
 * captioning and translation, and scoring (see mini.h). */
#include "mini.h"

#include "../core/mem.h"
#include "../core/rank_sort.h"
#include "../train/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IGNORE (-100)

void mini_draw_defaults(MiniDrawOptions *o) {
    o->temperature = 1.0f;
    o->top_k = 0;
    o->top_p = 0.95f;
    o->cfg = 3.0f;
    o->seed = 0;
}

int mini_detect_lang(const char *text) {
    const unsigned char *p = (const unsigned char *)text;
    for (; *p; p++) /* U+AC00..U+D7A3 (Hangul syllables) are EA B0 80 .. ED 9E A3 in UTF-8 */
        if (*p >= 0xEA && *p <= 0xED && p[1] >= 0x80) return MINI_LANG_KO;
    return MINI_LANG_EN;
}

/* Buffers for one sequence of up to max_seq tokens. */
typedef struct {
    int *tokens, *targets, *segments;
    MiniSeq seq;
    float *logits, *uncond; /* [V] */
} Work;

static int work_new(Work *w, const MiniModel *m, Error *err) {
    int S = mini_config(m)->max_seq, V = mini_config(m)->vocab;
    memset(w, 0, sizeof *w);
    w->tokens = mem_alloc((size_t)S * sizeof(int));
    w->targets = mem_alloc((size_t)S * sizeof(int));
    w->segments = mem_alloc((size_t)S * sizeof(int));
    w->logits = mem_alloc((size_t)V * sizeof(float));
    w->uncond = mem_alloc((size_t)V * sizeof(float));
    if (!w->tokens || !w->targets || !w->segments || !w->logits || !w->uncond)
        return error_set(err, "mini: out of memory");
    w->seq = (MiniSeq){w->tokens, w->targets, w->segments, S, 0, 0, -1};
    return 0;
}

static void work_free(Work *w) {
    mem_free(w->tokens);
    mem_free(w->targets);
    mem_free(w->segments);
    mem_free(w->logits);
    mem_free(w->uncond);
}

static int encode(const MiniModel *m, const char *text, TokIds *ids, Error *err) {
    if (tok_encode(mini_tokenizer(m), text, strlen(text), ids, err) != 0) return -1;
    if (ids->n > (size_t)mini_config(m)->max_seq)
        return error_set(err, "mini: text of %zu tokens is longer than the context", ids->n);
    return 0;
}

/* ---------------------------------------------------------------- drawing */

typedef RankItem Cand; /* score: unnormalised probability; id: token */

_Static_assert(2 * sizeof(Cand) <= MINI_SAMPLE_SCRATCH, "mini_sample's scratch holds cand and the sort's buffer");

/* Samples from logits[lo, hi) with temperature, top-k and top-p (nucleus,
 * Holtzman et al. 2020). cand is scratch [2 * (hi - lo)]. */
static int sample(const float *logits, int lo, int hi, const MiniDrawOptions *o, Rng *rng, Cand *cand) {
    int n = hi - lo;
    float t = o->temperature > 1e-4f ? o->temperature : 1e-4f, mx = -INFINITY;
    for (int i = 0; i < n; i++)
        if (logits[lo + i] > mx) mx = logits[lo + i];
    double sum = 0;
    for (int i = 0; i < n; i++) {
        cand[i].id = lo + i;
        cand[i].score = expf((logits[lo + i] - mx) / t);
        sum += cand[i].score;
    }
    rank_sort(cand, cand + n, n);
    int keep = o->top_k > 0 && o->top_k < n ? o->top_k : n;
    if (o->top_p > 0 && o->top_p < 1) {
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += cand[i].score / sum;
            if (acc >= o->top_p) {
                keep = i + 1;
                break;
            }
        }
    }
    double total = 0;
    for (int i = 0; i < keep; i++) total += cand[i].score;
    double u = rng_uniform(rng) * total;
    for (int i = 0; i < keep; i++) {
        u -= cand[i].score;
        if (u < 0) return cand[i].id;
    }
    return cand[keep - 1].id;
}

int mini_draw(MiniModel *m, const char *prompt, const MiniDrawOptions *o, int *codes, Error *err) {
    const MiniVocab *v = mini_vocab(m);
    int G = v->grid_h * v->grid_w, lo = v->n_text, hi = v->n_text + v->n_codes, rc = -1;
    int guided = o->cfg != 1.0f;
    Work w, u;
    TokIds ids = {0};
    MiniState *cond = NULL, *uncond = NULL;
    Cand *cand = mem_alloc((size_t)v->n_codes * 2 * sizeof *cand);
    float *code_logits = mem_alloc(2 * (size_t)v->n_codes * sizeof(float)); /* [2, n_codes] */
    int okw = work_new(&w, m, err) == 0, oku = okw && work_new(&u, m, err) == 0;
    if (!cand || !code_logits || !okw || !oku) {
        if (!cand || !code_logits) error_set(err, "mini: out of memory");
        goto done;
    }
    if (encode(m, prompt, &ids, err) || mini_state_new(&cond, m, err) || mini_state_new(&uncond, m, err)) goto done;
    if (mini_seq_t2i(v, &w.seq, mini_detect_lang(prompt), ids.ids, (int)ids.n, NULL, err) ||
        mini_seq_t2i(v, &u.seq, MINI_LANG_NONE, NULL, 0, NULL, err))
        goto done;
    if (w.seq.len + G + 1 > mini_config(m)->max_seq) {
        error_set(err, "mini: prompt of %zu tokens leaves no room for the image", ids.n);
        goto done;
    }
    if (mini_feed(m, cond, w.tokens, w.segments, w.seq.len, w.seq.prefix, w.seq.image_start, NULL, w.logits, err))
        goto done;
    if (guided && mini_feed(m, uncond, u.tokens, u.segments, u.seq.len, u.seq.prefix, u.seq.image_start, NULL,
                            u.logits, err))
        goto done;
    Rng rng;
    rng_seed(&rng, o->seed);
    /* after the prompts, both sequences advance together: one batched pass
     * per code (weights read once for both) with logits of the codes only,
     * stored at [lo, hi) of w.logits and u.logits */
    MiniState *pair[2] = {cond, uncond};
    for (int g = 0; g < G; g++) {
        /* classifier-free guidance (Ho & Salimans 2022) on the logits */
        if (guided)
            for (int k = lo; k < hi; k++) w.logits[k] = u.logits[k] + o->cfg * (w.logits[k] - u.logits[k]);
        int token = sample(w.logits, lo, hi, o, &rng, cand);
        codes[g] = token - lo;
        if (g + 1 == G) break;
        int tokens[2] = {token, token}, segs[2] = {MINI_SEG_T2I_IMAGE, MINI_SEG_T2I_IMAGE};
        if (mini_feed_batch(m, pair, guided ? 2 : 1, tokens, segs, lo, hi, 0, code_logits, err)) goto done;
        memcpy(w.logits + lo, code_logits, (size_t)(hi - lo) * sizeof(float));
        if (guided) memcpy(u.logits + lo, code_logits + (hi - lo), (size_t)(hi - lo) * sizeof(float));
    }
    rc = 0;
done:
    mem_free(cand);
    mem_free(code_logits);
    if (okw) work_free(&w);
    if (oku) work_free(&u);
    tok_ids_free(&ids);
    mini_state_free(cond);
    mini_state_free(uncond);
    return rc;
}

/* ---------------------------------------------------------------- text */

/* log-softmax over the tokens a text may continue with: every BPE token but
 * the specials, plus <eos>. */
static void text_logprobs(const MiniVocab *v, const float *logits, float *lp) {
    float mx = -INFINITY;
    for (int k = 0; k < v->n_text; k++) lp[k] = logits[k];
    for (int j = 0; j < MINI_N_SPECIAL; j++)
        if (j != MINI_EOS) lp[v->special[j]] = -INFINITY;
    for (int k = 0; k < v->n_text; k++) mx = lp[k] > mx ? lp[k] : mx;
    double z = 0;
    for (int k = 0; k < v->n_text; k++) z += exp((double)(lp[k] - mx));
    float lz = mx + (float)log(z);
    for (int k = 0; k < v->n_text; k++) lp[k] -= lz;
}

typedef struct {
    MiniState *state;
    TokIds ids;
    double score; /* sum of log-probabilities */
    int done;
    float *lp;    /* [n_text] next-token log-probabilities */
} Beam;

typedef struct {
    double score;
    int parent, token; /* token -1: a finished beam carried over */
} Step;

static int cmp_step(const void *a, const void *b) {
    double x = ((const Step *)a)->score, y = ((const Step *)b)->score;
    return x > y ? -1 : x < y ? 1 : 0;
}

/* Length-normalised score, so short endings do not win by default. */
static double beam_final(const Beam *b) { return b->score / (double)(b->ids.n + 1); }

static void beams_free(Beam *b, int n) {
    for (int i = 0; b && i < n; i++) {
        mini_state_free(b[i].state);
        tok_ids_free(&b[i].ids);
        mem_free(b[i].lp);
    }
    mem_free(b);
}

static int beams_new(Beam **out, MiniModel *m, int n, Error *err) {
    Beam *b = mem_calloc((size_t)n, sizeof *b);
    *out = b;
    if (!b) return error_set(err, "mini: out of memory");
    for (int i = 0; i < n; i++) {
        b[i].lp = mem_alloc((size_t)mini_vocab(m)->n_text * sizeof(float));
        if (!b[i].lp || mini_state_new(&b[i].state, m, err) != 0) return error_set(err, "mini: out of memory");
    }
    return 0;
}

/* Beam search (width n_beams; 1 = greedy) continuing the prefix in w->seq
 * with text; a beam ends at <eos>. */
static int decode_text(MiniModel *m, Work *w, int segment, int max_tokens, int n_beams, char **out, Error *err) {
    const MiniVocab *v = mini_vocab(m);
    int K = n_beams < 1 ? 1 : n_beams > 16 ? 16 : n_beams, live = 1, rc = -1, eos = v->special[MINI_EOS];
    Beam *cur = NULL, *next = NULL;
    Step *steps = mem_alloc((size_t)K * (size_t)(K + 1) * sizeof *steps);
    /* the beams that grow in a step are fed together, one batched pass */
    float *batch_logits = mem_alloc((size_t)K * (size_t)v->n_text * sizeof(float)); /* [K, n_text] */
    MiniState *fed[16];
    int fed_beam[16], fed_token[16], fed_segment[16], n_fed;
    TokBytes text = {0};
    *out = NULL;
    if (!steps || !batch_logits || beams_new(&cur, m, K, err) || beams_new(&next, m, K, err)) {
        if (!steps || !batch_logits) error_set(err, "mini: out of memory");
        goto done;
    }
    if (mini_feed(m, cur[0].state, w->tokens, w->segments, w->seq.len, w->seq.prefix, w->seq.image_start, NULL,
                  w->logits, err))
        goto done;
    text_logprobs(v, w->logits, cur[0].lp);
    for (int i = 0; i < max_tokens; i++) {
        int n = 0, active = 0;
        for (int b = 0; b < live; b++) {
            if (cur[b].done || mini_state_len(cur[b].state) + 1 >= mini_config(m)->max_seq) {
                steps[n++] = (Step){cur[b].score, b, -1};
                continue;
            }
            active++;
            /* the K best tokens of this beam (K is small: K passes over V) */
            for (int k = 0; k < K; k++) {
                int best = -1;
                for (int t = 0; t < v->n_text; t++) {
                    int taken = 0;
                    for (int j = n - k; j < n; j++) taken |= steps[j].token == t;
                    if (!taken && cur[b].lp[t] > -INFINITY && (best < 0 || cur[b].lp[t] > cur[b].lp[best])) best = t;
                }
                if (best < 0) break;
                steps[n++] = (Step){cur[b].score + cur[b].lp[best], b, best};
            }
        }
        if (!active) break;
        qsort(steps, (size_t)n, sizeof *steps, cmp_step);
        int nl = n < K ? n : K;
        n_fed = 0;
        for (int j = 0; j < nl; j++) {
            const Step *st = &steps[j];
            Beam *src = &cur[st->parent], *dst = &next[j];
            mini_state_copy(dst->state, src->state, m);
            dst->ids.n = 0;
            for (size_t q = 0; q < src->ids.n; q++)
                if (tok_ids_push(&dst->ids, src->ids.ids[q]) != 0) {
                    error_set(err, "mini: out of memory");
                    goto done;
                }
            dst->score = st->score;
            dst->done = st->token < 0 || st->token == eos;
            if (st->token < 0 || st->token == eos) continue;
            if (tok_ids_push(&dst->ids, st->token) != 0) {
                error_set(err, "mini: out of memory");
                goto done;
            }
            fed[n_fed] = dst->state;
            fed_beam[n_fed] = j;
            fed_token[n_fed] = st->token;
            fed_segment[n_fed++] = segment;
        }
        if (n_fed && mini_feed_batch(m, fed, n_fed, fed_token, fed_segment, 0, v->n_text, 0, batch_logits, err))
            goto done;
        for (int b = 0; b < n_fed; b++)
            text_logprobs(v, batch_logits + (size_t)b * v->n_text, next[fed_beam[b]].lp);
        Beam *t = cur;
        cur = next;
        next = t;
        live = nl;
    }
    int best = 0;
    for (int b = 1; b < live; b++)
        if (beam_final(&cur[b]) > beam_final(&cur[best])) best = b;
    if (tok_decode(mini_tokenizer(m), cur[best].ids.ids, cur[best].ids.n, 1, &text, err) ||
        tok_bytes_append(&text, "", 1))
        goto done;
    *out = text.data;
    text.data = NULL;
    rc = 0;
done:
    beams_free(cur, K);
    beams_free(next, K);
    mem_free(steps);
    mem_free(batch_logits);
    tok_bytes_free(&text);
    return rc;
}

int mini_caption(MiniModel *m, const int *codes, int lang, int max_tokens, int beam, char **out, Error *err) {
    Work w;
    *out = NULL;
    int rc = work_new(&w, m, err);
    if (!rc) rc = mini_seq_i2t(mini_vocab(m), &w.seq, codes, lang, NULL, 0, err);
    if (!rc) rc = decode_text(m, &w, MINI_SEG_I2T_TEXT, max_tokens, beam, out, err);
    work_free(&w);
    return rc;
}

int mini_translate(MiniModel *m, const char *text, int tgt_lang, int max_tokens, int beam, char **out, Error *err) {
    Work w;
    TokIds ids = {0};
    *out = NULL;
    int rc = work_new(&w, m, err);
    if (!rc) rc = encode(m, text, &ids, err);
    int src_lang = tgt_lang == MINI_LANG_KO ? MINI_LANG_EN : MINI_LANG_KO;
    if (!rc) rc = mini_seq_translate(mini_vocab(m), &w.seq, src_lang, ids.ids, (int)ids.n, tgt_lang, NULL, 0, err);
    if (!rc) rc = decode_text(m, &w, MINI_SEG_TR_TGT, max_tokens, beam, out, err);
    tok_ids_free(&ids);
    work_free(&w);
    return rc;
}

double mini_logprob_at(const float *logits, int n, int target) {
    float mx = -INFINITY;
    for (int k = 0; k < n; k++) mx = logits[k] > mx ? logits[k] : mx;
    double z = 0;
    for (int k = 0; k < n; k++) z += exp((double)(logits[k] - mx));
    return (double)(logits[target] - mx) - log(z);
}

int mini_seq_target_logprobs(MiniModel *m, const MiniSeq *seq, float *logp, Error *err) {
    const MiniConfig *c = mini_config(m);
    int V = c->vocab, first = 0;
    while (first < seq->len && seq->targets[first] == IGNORE) first++;
    for (int t = 0; t < seq->len; t++) logp[t] = 0;
    if (first == seq->len) return 0;
    /* Logits only from the first target on: the part before it (at least
     * the bidirectional prefix) is fed in one call that returns only its last
     * row, the rest in a second call (the KV cache makes the two calls
     * compute what one does: mini_feed). The logits are a third of the
     * work on a picture of 64 codes and a short caption. */
    int head = first + 1 >= seq->prefix ? first + 1 : seq->len, tail = seq->len - head;
    MiniState *s = NULL;
    float *logits = mem_alloc(((size_t)(tail > 0 ? tail : 0) + 1) * (size_t)V * sizeof(float));
    float *rows = head == seq->len ? NULL : logits + V; /* head == len: one call, every row */
    if (!rows) {
        mem_free(logits);
        logits = mem_alloc((size_t)seq->len * (size_t)V * sizeof(float));
    }
    int rc = logits ? mini_state_new(&s, m, err) : error_set(err, "mini: out of memory");
    if (!rc && rows) {
        rc = mini_feed(m, s, seq->tokens, seq->segments, head, seq->prefix, seq->image_start, NULL, logits, err);
        if (!rc && tail > 0)
            rc = mini_feed(m, s, seq->tokens + head, seq->segments + head, tail, seq->prefix, seq->image_start, rows,
                           NULL, err);
    } else if (!rc) {
        rc = mini_feed(m, s, seq->tokens, seq->segments, seq->len, seq->prefix, seq->image_start, logits, NULL, err);
    }
    for (int t = first; !rc && t < seq->len; t++) {
        if (seq->targets[t] == IGNORE) continue;
        const float *l = !rows ? logits + (size_t)t * V : t == first ? logits : rows + (size_t)(t - head) * V;
        logp[t] = (float)mini_logprob_at(l, V, seq->targets[t]);
    }
    mem_free(logits);
    mini_state_free(s);
    return rc;
}

int mini_seq_logprob(MiniModel *m, const MiniSeq *seq, double *sum, int *count, Error *err) {
    float *logp = mem_alloc((size_t)(seq->len > 0 ? seq->len : 1) * sizeof(float));
    int rc = logp ? mini_seq_target_logprobs(m, seq, logp, err) : error_set(err, "mini: out of memory");
    *sum = 0;
    *count = 0;
    for (int t = 0; !rc && t < seq->len; t++)
        if (seq->targets[t] != IGNORE) *sum += logp[t], (*count)++;
    mem_free(logp);
    return rc;
}

int mini_score(MiniModel *m, const int *codes, const char *text, double *score, Error *err) {
    Work w;
    TokIds ids = {0};
    double sum = 0;
    int n = 0, rc = work_new(&w, m, err);
    if (!rc) rc = encode(m, text, &ids, err);
    if (!rc) rc = mini_seq_i2t(mini_vocab(m), &w.seq, codes, mini_detect_lang(text), ids.ids, (int)ids.n, err);
    if (!rc) rc = mini_seq_logprob(m, &w.seq, &sum, &n, err);
    if (!rc) *score = n ? sum / n : 0;
    tok_ids_free(&ids);
    work_free(&w);
    return rc;
}

int mini_sample(const float *logits, int n, const MiniDrawOptions *o, Rng *rng, void *scratch) {
    return sample(logits, 0, n, o, rng, (Cand *)scratch);
}
