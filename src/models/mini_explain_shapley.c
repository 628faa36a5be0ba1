/* Shapley-value maps for EXAONE-mini (see mini_explain.h): each part of the
 * input (a block of image codes, or a prompt word) gets its average
 * contribution to log p of the explained tokens over random orders in which
 * the parts are put back, starting from none of them (Shapley 1953, sampled
 * as in Strumbelj & Kononenko 2010).
 *
 * Why besides occlusion: occlusion takes one part away from the whole input.
 * When the rest still says the same thing (three blocks of an emoji are
 * enough to name it), the part scores nothing although the word comes from
 * it. A part's Shapley value averages what it adds in every company, so
 * redundant parts share the credit, and the values add up to the whole
 * effect: sum over parts = log p(all parts) - log p(no parts).
 *
 * Orders come in antithetic pairs (an order, then its reverse), which
 * cancels much of the sampling noise for pairs of parts that stand in for
 * each other. The orders come from a fixed seed, so maps stay a pure
 * function of the model and the input.
 * Legend: T sequence length, G = grid_h * grid_w image regions. */
#include "mini_explain.h"

#include "../core/mem.h"
#include "../train/rng.h"

#include <string.h>

/* value(ctx, present, out): the n_out log-probabilities explained when only
 * the parts with present[i] = 1 are in the input. */
typedef int (*ValueFn)(void *ctx, const unsigned char *present, float *out, Error *err);

static void shuffle(Rng *rng, int *a, int n) { /* Fisher-Yates */
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint64_t)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* A random order of the parts; with group (part i in group[i] of
 * 0 .. n_groups-1), the groups in a random order, each group's parts
 * together in a random order among themselves (an order that respects the
 * coalition structure, as Owen values average over). groups: [n_groups]. */
static void random_order(Rng *rng, int n_parts, const int *group, int n_groups, int *order, int *groups) {
    if (!group) {
        for (int i = 0; i < n_parts; i++) order[i] = i;
        shuffle(rng, order, n_parts);
        return;
    }
    for (int g = 0; g < n_groups; g++) groups[g] = g;
    shuffle(rng, groups, n_groups);
    for (int gi = 0, at = 0; gi < n_groups; gi++) {
        int start = at;
        for (int i = 0; i < n_parts; i++)
            if (group[i] == groups[gi]) order[at++] = i;
        shuffle(rng, order + start, at - start);
    }
}

/* phi[i * n_out + o] = sampled Shapley value of part i for output o (Owen
 * value when group gives a coalition structure, NULL: none). */
static int shapley(int n_parts, const int *group, int n_groups, int n_out, ValueFn value, void *ctx, double *phi,
                   Error *err) {
    if (n_parts < 1 || n_out < 1) return 0; /* nothing to credit */
    unsigned char *present = mem_calloc((size_t)n_parts, 1);
    int *order = mem_alloc((size_t)(n_parts + n_groups) * sizeof(int));
    float *none = mem_alloc((size_t)n_out * 4 * sizeof(float)), *all = none + n_out, *before = all + n_out,
          *after = before + n_out;
    int rc = -1;
    if (!present || !order || !none) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    memset(phi, 0, (size_t)n_parts * (size_t)n_out * sizeof(double));
    if (value(ctx, present, none, err) != 0) goto done;
    memset(present, 1, (size_t)n_parts);
    if (value(ctx, present, all, err) != 0) goto done;
    Rng rng;
    rng_seed(&rng, MINI_EXPLAIN_SHAPLEY_SEED);
    for (int p = 0; p < MINI_EXPLAIN_ORDERS; p++) {
        if (p % 2 == 0) /* a fresh order; odd p walks it backwards (also respects the groups) */
            random_order(&rng, n_parts, group, n_groups, order, order + n_parts);
        memset(present, 0, (size_t)n_parts);
        memcpy(before, none, (size_t)n_out * sizeof(float));
        for (int k = 0; k < n_parts; k++) {
            int part = p % 2 == 0 ? order[k] : order[n_parts - 1 - k];
            present[part] = 1;
            if (k == n_parts - 1)
                memcpy(after, all, (size_t)n_out * sizeof(float));
            else if (value(ctx, present, after, err) != 0)
                goto done;
            for (int o = 0; o < n_out; o++) phi[(size_t)part * n_out + o] += (double)after[o] - before[o];
            memcpy(before, after, (size_t)n_out * sizeof(float));
        }
    }
    for (size_t i = 0; i < (size_t)n_parts * (size_t)n_out; i++) phi[i] /= MINI_EXPLAIN_ORDERS;
    rc = 0;
done:
    mem_free(present);
    mem_free(order);
    mem_free(none);
    return rc;
}

/* A part that lowers log p is not evidence for the word (as in occlusion). */
static float evidence(double phi) { return phi > 0 ? (float)phi : 0; }

/* ---- caption: the parts are the blocks of codes ---- */

typedef struct {
    MiniModel *m;
    const MiniSeq *seq;
    MiniSeq blocked;
    int text_start, n_text, n_blocks_x;
    const int *word_of, *blank_codes;
    float *logp; /* [T] */
} CaptionCtx;

static int caption_value(void *vctx, const unsigned char *present, float *out, Error *err) {
    CaptionCtx *c = vctx;
    const MiniVocab *v = mini_vocab(c->m);
    int W = v->grid_w, is = c->seq->image_start;
    int *tokens = c->blocked.tokens;
    memcpy(tokens, c->seq->tokens, (size_t)c->seq->len * sizeof(int));
    for (int y = 0; y < v->grid_h; y++)
        for (int x = 0; x < W; x++)
            if (!present[(y / MINI_EXPLAIN_BLOCK) * c->n_blocks_x + x / MINI_EXPLAIN_BLOCK])
                tokens[is + y * W + x] = mini_code_token(v, c->blank_codes[y * W + x]);
    if (mini_seq_target_logprobs(c->m, &c->blocked, c->logp, err) != 0) return -1;
    int n_words = c->word_of[c->n_text - 1] + 1;
    for (int w = 0; w < n_words; w++) out[w] = 0;
    for (int k = 0; k < c->n_text; k++) /* token k is predicted at the position before it */
        out[c->word_of[k]] += c->logp[c->text_start + k - 1];
    return 0;
}

int mini_explain_shapley_image(MiniModel *m, const MiniSeq *seq, int text_start, int n_text, const int *word_of,
                               const int *blank_codes, int quadrants, float *maps, Error *err) {
    const MiniVocab *v = mini_vocab(m);
    int H = v->grid_h, W = v->grid_w, G = H * W, rc = -1;
    if (!blank_codes) return error_set(err, "explain: Shapley maps of a caption need the codes of a blank picture");
    if (n_text <= 0) return 0;
    int bx = (W + MINI_EXPLAIN_BLOCK - 1) / MINI_EXPLAIN_BLOCK, by = (H + MINI_EXPLAIN_BLOCK - 1) / MINI_EXPLAIN_BLOCK;
    int n_words = word_of[n_text - 1] + 1, n_parts = bx * by;
    CaptionCtx c = {m, seq, *seq, text_start, n_text, bx, word_of, blank_codes, NULL};
    c.blocked.tokens = mem_alloc((size_t)seq->len * sizeof(int));
    c.logp = mem_alloc((size_t)seq->len * sizeof(float));
    double *phi = mem_alloc((size_t)n_parts * (size_t)n_words * sizeof(double));
    int *quadrant = mem_alloc((size_t)n_parts * sizeof(int));
    if (!c.blocked.tokens || !c.logp || !phi || !quadrant) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    for (int b = 0; b < n_parts; b++) /* which quarter of the block grid (rounded up halves) */
        quadrant[b] = (b / bx >= (by + 1) / 2) * 2 + (b % bx >= (bx + 1) / 2);
    if (shapley(n_parts, quadrants ? quadrant : NULL, 4, n_words, caption_value, &c, phi, err) != 0) goto done;
    for (int w = 0; w < n_words; w++)
        for (int g = 0; g < G; g++) {
            int part = (g / W / MINI_EXPLAIN_BLOCK) * bx + (g % W) / MINI_EXPLAIN_BLOCK;
            maps[(size_t)w * G + g] += evidence(phi[(size_t)part * n_words + w]);
        }
    rc = 0;
done:
    mem_free(c.blocked.tokens);
    mem_free(c.logp);
    mem_free(phi);
    mem_free(quadrant);
    return rc;
}

/* ---- drawing: the parts are the prompt's words ---- */

typedef struct {
    MiniModel *m;
    MiniSeq seq;
    int lang, n_text;
    const int32_t *text_ids;
    const int *word_of, *codes;
    int32_t *kept;
    float *logp; /* [max_seq] */
} DrawCtx;

static int draw_value(void *vctx, const unsigned char *present, float *out, Error *err) {
    DrawCtx *c = vctx;
    int n = 0;
    for (int k = 0; k < c->n_text; k++)
        if (present[c->word_of[k]]) c->kept[n++] = c->text_ids[k];
    /* no word left: the empty prompt of classifier-free guidance */
    if (mini_seq_t2i(mini_vocab(c->m), &c->seq, n ? c->lang : MINI_LANG_NONE, n ? c->kept : NULL, n, c->codes, err) !=
            0 ||
        mini_seq_target_logprobs(c->m, &c->seq, c->logp, err) != 0)
        return -1;
    int G = mini_vocab(c->m)->grid_h * mini_vocab(c->m)->grid_w;
    for (int g = 0; g < G; g++) out[g] = c->logp[c->seq.image_start + g - 1];
    return 0;
}

int mini_explain_shapley_words(MiniModel *m, int lang, const int32_t *text_ids, int n_text, const int *word_of,
                               int n_words, const int *codes, float *maps, Error *err) {
    int S = mini_config(m)->max_seq, G = mini_vocab(m)->grid_h * mini_vocab(m)->grid_w, rc = -1;
    int *buf = mem_alloc((size_t)S * 3 * sizeof(int));
    DrawCtx c = {m, {buf, buf + S, buf + 2 * S, S, 0, 0, -1}, lang, n_text, text_ids, word_of, codes, NULL, NULL};
    c.kept = mem_alloc((size_t)(n_text > 0 ? n_text : 1) * sizeof(int32_t));
    c.logp = mem_alloc((size_t)S * sizeof(float));
    double *phi = mem_alloc((size_t)(n_words > 0 ? n_words : 1) * (size_t)G * sizeof(double));
    if (!buf || !c.kept || !c.logp || !phi) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    if (n_words > 0 && shapley(n_words, NULL, 0, G, draw_value, &c, phi, err) != 0) goto done;
    for (size_t i = 0; i < (size_t)n_words * (size_t)G; i++) maps[i] += evidence(phi[i]);
    rc = 0;
done:
    mem_free(buf);
    mem_free(c.kept);
    mem_free(c.logp);
    mem_free(phi);
    return rc;
}
