/* EXAONE-mini: how likely one prompt makes each of many images (the drawing
 * direction), batched over the images (see mini_score_images in mini.h).
 *
 * The two directions of the model answer the same question from two sides.
 * Ranking names for an image by log p(name | image) leans on the captioning
 * direction, which sees few tokens per example (a name is 2-6 tokens); the
 * drawing direction predicts all 64 codes of the image from the name, so its
 * log p(image | name) carries far more evidence per pair. By Bayes,
 * argmax_name p(name | image) = argmax_name p(image | name) p(name): with a
 * uniform prior over the candidate names, ranking names by log p(image | name)
 * is captioning by the drawing direction. Each sequence is
 *   <t2i> <lang> t1 .. tn <boi> | c0 .. c63
 * and the part before "|" (the bidirectional prefix) is the same for every
 * image, so it is fed once and its KV cache is copied per image. */
#include "mini.h"

#include "../core/mem.h"

#include <math.h>
#include <string.h>

/* log softmax(row)[target] over the slice the row holds. */
static double row_logprob(const float *row, int V, int target) {
    float mx = -INFINITY;
    for (int k = 0; k < V; k++) mx = row[k] > mx ? row[k] : mx;
    double z = 0;
    for (int k = 0; k < V; k++) z += exp((double)(row[k] - mx));
    return (double)(row[target] - mx) - log(z);
}

int mini_score_images(MiniModel *m, int lang, const int32_t *text, int n_text, const int *codes, int n,
                      double *sums, Error *err) {
    const MiniConfig *c = mini_config(m);
    const MiniVocab *v = mini_vocab(m);
    int S = c->max_seq, V = c->vocab, G = v->grid_h * v->grid_w, rc = -1;
    int *tokens = mem_alloc((size_t)S * sizeof(int)), *targets = mem_alloc((size_t)S * sizeof(int));
    int *segments = mem_alloc((size_t)S * sizeof(int)), *image = mem_alloc((size_t)G * sizeof(int));
    int *image_segments = mem_alloc((size_t)G * sizeof(int));
    float *first = mem_alloc((size_t)V * sizeof(float)), *logits = mem_alloc((size_t)G * V * sizeof(float));
    MiniState *prefix = NULL, *state = NULL;
    if (!tokens || !targets || !segments || !image || !image_segments || !first || !logits) {
        error_set(err, "mini: out of memory");
        goto done;
    }
    MiniSeq seq = {tokens, targets, segments, S, 0, 0, -1};
    if (mini_seq_t2i(v, &seq, text ? lang : MINI_LANG_NONE, text, text ? n_text : 0, NULL, err)) goto done;
    if (seq.len + G > S) {
        error_set(err, "mini: a prompt of %d tokens and %d image codes do not fit the context of %d", n_text, G, S);
        goto done;
    }
    if (mini_state_new(&prefix, m, err) || mini_state_new(&state, m, err) ||
        mini_feed(m, prefix, tokens, segments, seq.len, seq.prefix, seq.image_start, NULL, first, err))
        goto done;
    for (int g = 0; g < G; g++) image_segments[g] = MINI_SEG_T2I_IMAGE;
    for (int i = 0; i < n; i++) {
        const int *ci = codes + (size_t)i * G;
        for (int g = 0; g < G; g++) {
            if (ci[g] < 0 || ci[g] >= v->n_codes) {
                error_set(err, "mini: image %d has code %d outside the codebook of %d", i, ci[g], v->n_codes);
                goto done;
            }
            image[g] = mini_code_token(v, ci[g]);
        }
        /* c0 comes from the prefix's last logits; feeding c0 .. c(G-2)
         * predicts c1 .. c(G-1) */
        double sum = row_logprob(first, V, image[0]);
        mini_state_copy(state, prefix, m);
        if (G > 1 &&
            mini_feed(m, state, image, image_segments, G - 1, seq.prefix, seq.image_start, logits, NULL, err))
            goto done;
        for (int g = 1; g < G; g++) sum += row_logprob(logits + (size_t)(g - 1) * V, V, image[g]);
        sums[i] = sum;
    }
    rc = 0;
done:
    mini_state_free(prefix);
    mini_state_free(state);
    mem_free(tokens);
    mem_free(targets);
    mem_free(segments);
    mem_free(image);
    mem_free(image_segments);
    mem_free(first);
    mem_free(logits);
    return rc;
}
