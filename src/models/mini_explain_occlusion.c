/* Occlusion maps for EXAONE-mini (see mini_explain.h): what log p of the
 * explained tokens loses when part of the input is taken away.
 * Legend: T sequence length, G = grid_h * grid_w image regions. */
#include "mini_explain.h"

#include "../core/mem.h"

#include <string.h>

/* A drop in log p is evidence for the word; a rise is not (see mini_explain.h). */
static float drop(double lost) { return lost > 0 ? (float)lost : 0; }

int mini_explain_occlude_image(MiniModel *m, const MiniSeq *seq, int text_start, int n_text, const int *word_of,
                               const int *blank_codes, float *maps, Error *err) {
    const MiniVocab *v = mini_vocab(m);
    int T = seq->len, H = v->grid_h, W = v->grid_w, G = H * W, is = seq->image_start, rc = -1;
    if (!blank_codes) return error_set(err, "explain: occlusion of a caption needs the codes of a blank picture");
    int n_words = n_text > 0 ? word_of[n_text - 1] + 1 : 0;
    int *tokens = mem_alloc((size_t)T * sizeof(int));
    float *full = mem_alloc((size_t)T * sizeof(float)), *occluded = mem_alloc((size_t)T * sizeof(float));
    double *word_drop = mem_alloc((size_t)(n_words > 0 ? n_words : 1) * sizeof(double));
    if (!tokens || !full || !occluded || !word_drop) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    if (mini_seq_target_logprobs(m, seq, full, err) != 0) goto done;
    MiniSeq blocked = *seq;
    blocked.tokens = tokens;
    for (int by = 0; by < H; by += MINI_EXPLAIN_BLOCK)
        for (int bx = 0; bx < W; bx += MINI_EXPLAIN_BLOCK) {
            memcpy(tokens, seq->tokens, (size_t)T * sizeof(int));
            int y1 = by + MINI_EXPLAIN_BLOCK < H ? by + MINI_EXPLAIN_BLOCK : H;
            int x1 = bx + MINI_EXPLAIN_BLOCK < W ? bx + MINI_EXPLAIN_BLOCK : W;
            for (int y = by; y < y1; y++)
                for (int x = bx; x < x1; x++) tokens[is + y * W + x] = mini_code_token(v, blank_codes[y * W + x]);
            if (mini_seq_target_logprobs(m, &blocked, occluded, err) != 0) goto done;
            memset(word_drop, 0, (size_t)n_words * sizeof(double));
            for (int k = 0; k < n_text; k++) /* token k is predicted at the position before it */
                word_drop[word_of[k]] += (double)full[text_start + k - 1] - occluded[text_start + k - 1];
            for (int w = 0; w < n_words; w++)
                for (int y = by; y < y1; y++)
                    for (int x = bx; x < x1; x++) maps[(size_t)w * G + y * W + x] += drop(word_drop[w]);
            
        }
    rc = 0;
done:
    mem_free(tokens);
    mem_free(full);
    mem_free(occluded);
    mem_free(word_drop);
    return rc;
}

/* logp[g] = log p(code g) of the drawing of codes for text_ids[0, n) (n = 0:
 * the empty prompt). */
static int code_logprobs(MiniModel *m, MiniSeq *seq, float *scratch, int lang, const int32_t *ids, int n,
                         const int *codes, float *logp, Error *err) {
    int G = mini_vocab(m)->grid_h * mini_vocab(m)->grid_w;
    if (mini_seq_t2i(mini_vocab(m), seq, n ? lang : MINI_LANG_NONE, n ? ids : NULL, n, codes, err) != 0 ||
        mini_seq_target_logprobs(m, seq, scratch, err) != 0)
        return -1;
    for (int g = 0; g < G; g++) logp[g] = scratch[seq->image_start + g - 1];
    return 0;
}

int mini_explain_occlude_words(MiniModel *m, int lang, const int32_t *text_ids, int n_text, const int *word_of,
                               int n_words, const int *codes, float *maps, Error *err) {
    const MiniVocab *v = mini_vocab(m);
    int S = mini_config(m)->max_seq, G = v->grid_h * v->grid_w, rc = -1;
    int *buf = mem_alloc((size_t)S * 3 * sizeof(int));
    int32_t *kept = mem_alloc((size_t)(n_text > 0 ? n_text : 1) * sizeof(int32_t));
    float *scratch = mem_alloc((size_t)S * sizeof(float)), *full = mem_alloc((size_t)G * 2 * sizeof(float));
    if (!buf || !kept || !scratch || !full) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    MiniSeq seq = {buf, buf + S, buf + 2 * S, S, 0, 0, -1};
    float *without = full + G;
    if (code_logprobs(m, &seq, scratch, lang, text_ids, n_text, codes, full, err) != 0) goto done;
    for (int w = 0; w < n_words; w++) {
        int n = 0;
        for (int k = 0; k < n_text; k++)
            if (word_of[k] != w) kept[n++] = text_ids[k];
        if (code_logprobs(m, &seq, scratch, lang, kept, n, codes, without, err) != 0) goto done;
        for (int g = 0; g < G; g++) maps[(size_t)w * G + g] += drop((double)full[g] - without[g]);
    }
    rc = 0;
done:
    mem_free(buf);
    mem_free(kept);
    mem_free(scratch);
    mem_free(full);
    return rc;
}
