/* sampler.c — see sampler.h. */
#include "sampler.h"

#include "../core/mem.h"
#include "../core/rank_sort.h"

#include <math.h>
#include <stdlib.h>

struct Sampler {
    SamplerParams p;
    int vocab;
    RankItem *cand; /* [2 * vocab]: candidates (score = logit), then rank_sort's buffer */
    uint64_t rng;
};

SamplerParams sampler_defaults(void) {
    return (SamplerParams){.temperature = 0.8f, .top_k = 40, .top_p = 0.95f, .min_p = 0.05f,
                           .repeat_penalty = 1.0f, .repeat_last_n = 64, .seed = 0};
}

Sampler *sampler_new(const SamplerParams *params, int vocab) {
    Sampler *s = mem_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cand = mem_alloc(sizeof(RankItem) * 2 * (size_t)vocab);
    if (!s->cand) {
        mem_free(s);
        return NULL;
    }
    s->p = *params;
    s->vocab = vocab;
    s->rng = params->seed ^ 0x9E3779B97F4A7C15ull;
    return s;
}

void sampler_free(Sampler *s) {
    if (!s) return;
    mem_free(s->cand);
    mem_free(s);
}

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
static double next_uniform(Sampler *s) {
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static void apply_penalty(const Sampler *s, float *logits, const int32_t *history, int n_history) {
    if (s->p.repeat_penalty == 1.0f || s->p.repeat_last_n <= 0) return;
    int from = n_history > s->p.repeat_last_n ? n_history - s->p.repeat_last_n : 0;
    for (int i = from; i < n_history; i++) {
        int32_t t = history[i];
        if (t < 0 || t >= s->vocab) continue;
        int seen = 0; /* penalise each token once, however often it repeats */
        for (int j = from; j < i && !seen; j++) seen = history[j] == t;
        if (seen) continue;
        logits[t] = logits[t] > 0 ? logits[t] / s->p.repeat_penalty : logits[t] * s->p.repeat_penalty;
    }
}

int32_t sampler_sample(Sampler *s, float *logits, const int32_t *history, int n_history) {
    apply_penalty(s, logits, history, n_history);
    int32_t best = 0;
    for (int32_t i = 1; i < s->vocab; i++)
        if (logits[i] > logits[best]) best = i;
    if (s->p.temperature <= 0 || s->p.top_k == 1) return best;
    /* Candidates more than 40 nats below the best carry < 1e-17 of the mass each: dropping
     * them before sorting changes no probability visibly and spares sorting the vocabulary. */
    float mx = logits[best];
    int n = 0;
    for (int32_t i = 0; i < s->vocab; i++)
        if (logits[i] >= mx - 40.0f * (s->p.temperature > 1 ? s->p.temperature : 1)) s->cand[n++] = (RankItem){logits[i], i};
    /* ties: lower id first (candidates are in id order), deterministic */
    if (s->p.top_k > 0)
        n = (int)rank_top(s->cand, s->cand + n, n, s->p.top_k);
    else
        rank_sort(s->cand, s->cand + n, n);
    /* probabilities at temperature 1 decide top-p and min-p, as in llama.cpp */
    double sum = 0;
    for (int i = 0; i < n; i++) sum += exp((double)s->cand[i].score - mx);
    if (s->p.top_p < 1.0f) {
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += exp((double)s->cand[i].score - mx) / sum;
            if (cum >= s->p.top_p) {
                n = i + 1;
                break;
            }
        }
    }
    if (s->p.min_p > 0) {
        double floor_logit = mx + log(s->p.min_p); /* p_i >= min_p * p_max */
        int keep = 1;
        while (keep < n && s->cand[keep].score >= floor_logit) keep++;
        n = keep;
    }
    double total = 0;
    for (int i = 0; i < n; i++) total += exp(((double)s->cand[i].score - mx) / s->p.temperature);
    double r = next_uniform(s) * total, acc = 0;
    for (int i = 0; i < n; i++) {
        acc += exp(((double)s->cand[i].score - mx) / s->p.temperature);
        if (r < acc) return s->cand[i].id;
    }
    return s->cand[n - 1].id;
}
