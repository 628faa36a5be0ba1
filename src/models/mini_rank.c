/* EXAONE-mini: scoring many texts against one image in one batched pass
 * (see mini_score_texts in mini.h).
 *
 * Ranking every test name for every test image is the caption-accuracy metric
 * of tools/eval-mini: names x images sequences. Each sequence is
 *   <i2t> <boi> c0 .. c63 <eoi> <lang> | t1 .. tn <eos>
 * and the part before "|" (the bidirectional prefix, 67 tokens) is the same
 * for every name, so it is fed once; its KV cache is copied into one state per
 * name and the names advance one token per step together (mini_feed_batch),
 * which reads the weights once per step for the whole batch. The numbers are
 * those of mini_score (mean log p over the whole vocabulary of t1 .. tn <eos>):
 * the causal part of a prefix-LM sequence sees exactly the cache. */
#include "mini.h"

#include "../core/mem.h"

#include <math.h>
#include <string.h>

/* States in flight at once: each is a full KV cache (about 2 MB at the
 * shipped size), so 32 keep the batch's memory near 70 MB. */
#define RANK_BATCH 32

/* log softmax(logits)[target] over the whole vocabulary, as mini_seq_logprob. */
static double logprob_of(const float *logits, int V, int target) {
    float mx = -INFINITY;
    for (int k = 0; k < V; k++) mx = logits[k] > mx ? logits[k] : mx;
    double z = 0;
    for (int k = 0; k < V; k++) z += exp((double)(logits[k] - mx));
    return (double)(logits[target] - mx) - log(z);
}

/* The shared prefix (mini_seq_i2t or mini_seq_lm without the text) is fed
 * once and the texts advance together. */
int mini_score_sums(MiniModel *m, int task, const int *codes, int lang, const int32_t *const *texts,
                               const int *lens, int n, double *sums, Error *err) {
    const MiniConfig *c = mini_config(m);
    const MiniVocab *v = mini_vocab(m);
    int S = c->max_seq, V = c->vocab, eos = v->special[MINI_EOS], rc = -1;
    int *tokens = mem_alloc((size_t)S * sizeof(int)), *targets = mem_alloc((size_t)S * sizeof(int));
    int *segments = mem_alloc((size_t)S * sizeof(int));
    float *first = mem_alloc((size_t)V * sizeof(float)), *logits = mem_alloc((size_t)RANK_BATCH * V * sizeof(float));
    MiniState *prefix = NULL, *states[RANK_BATCH] = {0}, *active[RANK_BATCH];
    int step_tokens[RANK_BATCH], step_segments[RANK_BATCH], who[RANK_BATCH];
    if (!tokens || !targets || !segments || !first || !logits) {
        error_set(err, "mini: out of memory");
        goto done;
    }
    MiniSeq seq = {tokens, targets, segments, S, 0, 0, -1};
    int built = task == MINI_TASK_I2T ? mini_seq_i2t(v, &seq, codes, lang, NULL, 0, err)
                                      : mini_seq_lm(v, &seq, lang, NULL, 0, err);
    /* mini_seq_lm ends with <eos>: the text goes before it */
    if (!built && task == MINI_TASK_LM) seq.len--, seq.prefix = 0;
    int text_segment = task == MINI_TASK_I2T ? MINI_SEG_I2T_TEXT : MINI_SEG_LM;
    if (built || mini_state_new(&prefix, m, err) ||
        mini_feed(m, prefix, tokens, segments, seq.len, seq.prefix, seq.image_start, NULL, first, err))
        goto done;
    for (int b = 0; b < RANK_BATCH && b < n; b++)
        if (mini_state_new(&states[b], m, err)) goto done;
    for (int i = 0; i < n; i++)
        if (lens[i] < 0 || seq.len + lens[i] + 1 > S) {
            error_set(err, "mini: text %d of %d tokens does not fit the context after the prompt", i, lens[i]);
            goto done;
        }
    for (int lo = 0; lo < n; lo += RANK_BATCH) {
        int B = n - lo < RANK_BATCH ? n - lo : RANK_BATCH, longest = 0;
        double sum[RANK_BATCH];
        for (int b = 0; b < B; b++) {
            const int32_t *t = texts[lo + b];
            int L = lens[lo + b];
            mini_state_copy(states[b], prefix, m);
            sum[b] = logprob_of(first, V, L > 0 ? t[0] : eos);
            longest = L > longest ? L : longest;
        }
        /* step k feeds token k of every text still that long; its logits
         * predict token k + 1, or <eos> after the last one */
        for (int k = 0; k < longest; k++) {
            int A = 0;
            for (int b = 0; b < B; b++)
                if (lens[lo + b] > k) {
                    active[A] = states[b];
                    who[A] = b;
                    step_tokens[A] = texts[lo + b][k];
                    step_segments[A] = text_segment;
                    A++;
                }
            if (mini_feed_batch(m, active, A, step_tokens, step_segments, 0, V, 0, logits, err)) goto done;
            for (int a = 0; a < A; a++) {
                int b = who[a], L = lens[lo + b];
                sum[b] += logprob_of(logits + (size_t)a * V, V, k + 1 < L ? texts[lo + b][k + 1] : eos);
            }
        }
        for (int b = 0; b < B; b++) sums[lo + b] = sum[b];
    }
    rc = 0;
done:
    for (int b = 0; b < RANK_BATCH; b++) mini_state_free(states[b]);
    mini_state_free(prefix);
    mem_free(tokens);
    mem_free(targets);
    mem_free(segments);
    mem_free(first);
    mem_free(logits);
    return rc;
}

int mini_score_texts(MiniModel *m, const int *codes, int lang, const int32_t *const *texts, const int *lens, int n,
                     double *scores, Error *err) {
    if (mini_score_sums(m, MINI_TASK_I2T, codes, lang, texts, lens, n, scores, err)) return -1;
    for (int i = 0; i < n; i++) scores[i] /= lens[i] + 1;
    return 0;
}

int mini_score_texts_pmi(MiniModel *m, const int *codes, int lang, const int32_t *const *texts, const int *lens,
                         int n, double *scores, Error *err) {
    double *prior = mem_alloc((size_t)(n ? n : 1) * sizeof *prior);
    if (!prior) return error_set(err, "mini: out of memory");
    int rc = mini_score_sums(m, MINI_TASK_I2T, codes, lang, texts, lens, n, scores, err) ||
             mini_score_sums(m, MINI_TASK_LM, NULL, lang, texts, lens, n, prior, err);
    for (int i = 0; !rc && i < n; i++) scores[i] -= prior[i];
    mem_free(prior);
    return rc ? -1 : 0;
}
