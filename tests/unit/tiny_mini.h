/* tiny_mini.h — a tiny EXAONE-mini transformer for the tests that compare it with the
 * PyTorch references (test_mini.c, test_mini_lora.c): d 32, 2 layers, 4 heads, the given
 * FFN width, over vocabulary v. GPT-2's init keeps logits near 0, where any bug hides, so
 * every tensor is redrawn wider: norms 1 + norm_sd·N(0,1), the rest weight_sd·N(0,1),
 * logits O(1).
 *
 *     Gpt *g = tiny_mini_gpt(&v, 64, 7, 0.3f, 0.25f, &err);   // NULL and err set on failure
 */
#ifndef EXAONE_TEST_TINY_MINI_H
#define EXAONE_TEST_TINY_MINI_H

#include "models/mini_seq.h"
#include "train/gpt.h"
#include "train/mini_train.h"
#include "train/rng.h"

#include <string.h>

static Gpt *tiny_mini_gpt(const MiniVocab *v, int ffn, uint64_t seed, float norm_sd, float weight_sd, Error *err) {
    MiniTrainOptions o;
    mini_train_defaults(&o);
    o.d_model = 32;
    o.n_layers = 2;
    o.n_heads = 4;
    o.ffn = ffn;
    o.n_codes = v->n_codes;
    GptConfig gc;
    mini_gpt_config(&o, v->n_text, &gc);
    Gpt *g = NULL;
    if (gpt_new(&g, &gc, 1, o.T, NULL, err) != 0) return NULL;
    Rng rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < g->table.count; i++) {
        const ParamEntry *e = &g->table.entries[i];
        int is_norm = strstr(e->name, "ln_") != NULL;
        for (size_t k = 0; k < e->numel; k++)
            g->params[e->offset + k] =
                is_norm ? 1.0f + norm_sd * (float)rng_normal(&rng) : weight_sd * (float)rng_normal(&rng);
    }
    return g;
}

#endif
