/* sampler.h — picks the next token from logits: greedy, or temperature sampling
 * restricted by top-k, top-p (nucleus) and min-p, after a repetition penalty.
 *
 *     SamplerParams p = sampler_defaults();
 *     p.temperature = 0.7f; p.seed = 42;
 *     Sampler *s = sampler_new(&p, vocab);
 *     int32_t tok = sampler_sample(s, logits, history, n_history);   // logits are modified
 *     sampler_free(s);
 *
 * Order (llama.cpp's default chain): repetition penalty, top-k, top-p, min-p,
 * temperature, draw. temperature <= 0 is greedy (argmax after the penalty). The same
 * seed and parameters give the same tokens for the same logits.
 */
#ifndef EXAONE_SAMPLER_H
#define EXAONE_SAMPLER_H

#include <stdint.h>

typedef struct {
    float temperature;    /* <= 0: greedy */
    int top_k;            /* 0: off */
    float top_p;          /* >= 1: off */
    float min_p;          /* <= 0: off; keep p >= min_p * p_max */
    float repeat_penalty; /* 1: off; > 1 discourages tokens seen in the last repeat_last_n */
    int repeat_last_n;
    uint64_t seed;
} SamplerParams;

typedef struct Sampler Sampler;

SamplerParams sampler_defaults(void);
/* NULL when out of memory. */
Sampler *sampler_new(const SamplerParams *params, int vocab);
void sampler_free(Sampler *s);
int32_t sampler_sample(Sampler *s, float *logits, const int32_t *history, int n_history);

#endif
