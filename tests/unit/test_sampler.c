/* test_sampler.c — sampling rules checked against probabilities worked out by hand. */
#include "../harness.h"
#include "models/sampler.h"

#define V 5

/* Frequencies of each token over n draws from fixed logits. */
static void freqs(SamplerParams p, const float *logits, int n, double *f) {
    Sampler *s = sampler_new(&p, V);
    for (int i = 0; i < V; i++) f[i] = 0;
    for (int i = 0; i < n; i++) {
        float l[V];
        for (int j = 0; j < V; j++) l[j] = logits[j];
        f[sampler_sample(s, l, NULL, 0)] += 1.0 / n;
    }
    sampler_free(s);
}

static float probs_logits[V];

static void init_logits(void) {
    const double p[V] = {0.5, 0.25, 0.15, 0.07, 0.03};
    for (int i = 0; i < V; i++) probs_logits[i] = (float)log(p[i]);
}

TEST(greedy_is_argmax) {
    SamplerParams p = sampler_defaults();
    p.temperature = 0;
    Sampler *s = sampler_new(&p, V);
    float l[V] = {0.1f, 3.0f, -1.0f, 2.9f, 0.0f};
    CHECK(sampler_sample(s, l, NULL, 0) == 1);
    sampler_free(s);
    p = sampler_defaults();
    p.top_k = 1;
    p.temperature = 5;
    s = sampler_new(&p, V);
    float l2[V] = {0.1f, 3.0f, -1.0f, 2.9f, 0.0f};
    CHECK(sampler_sample(s, l2, NULL, 0) == 1);
    sampler_free(s);
}

TEST(temperature_one_follows_softmax) {
    SamplerParams p = {.temperature = 1, .top_p = 1, .seed = 7};
    double f[V];
    freqs(p, probs_logits, 40000, f);
    const double want[V] = {0.5, 0.25, 0.15, 0.07, 0.03};
    for (int i = 0; i < V; i++) CHECK_NEAR(f[i], want[i], 0.01);
}

TEST(top_k_top_p_min_p_truncate) {
    double f[V];
    SamplerParams p = {.temperature = 1, .top_k = 2, .top_p = 1, .seed = 1};
    freqs(p, probs_logits, 30000, f);
    CHECK_NEAR(f[0], 0.5 / 0.75, 0.012);
    CHECK_NEAR(f[1], 0.25 / 0.75, 0.012);
    CHECK(f[2] == 0 && f[3] == 0 && f[4] == 0);
    /* top-p 0.8: 0.5 + 0.25 < 0.8, so 0.15 joins (cumulative 0.9) */
    p = (SamplerParams){.temperature = 1, .top_p = 0.8f, .seed = 2};
    freqs(p, probs_logits, 30000, f);
    CHECK_NEAR(f[2], 0.15 / 0.9, 0.012);
    CHECK(f[3] == 0 && f[4] == 0);
    /* min-p 0.2: keep p >= 0.1 -> tokens 0..2 */
    p = (SamplerParams){.temperature = 1, .top_p = 1, .min_p = 0.2f, .seed = 3};
    freqs(p, probs_logits, 30000, f);
    CHECK_NEAR(f[0], 0.5 / 0.9, 0.012);
    CHECK(f[3] == 0 && f[4] == 0);
    /* temperature 2 flattens: p ~ sqrt(p) */
    p = (SamplerParams){.temperature = 2, .top_p = 1, .seed = 4};
    freqs(p, probs_logits, 40000, f);
    double z = sqrt(0.5) + sqrt(0.25) + sqrt(0.15) + sqrt(0.07) + sqrt(0.03);
    CHECK_NEAR(f[0], sqrt(0.5) / z, 0.012);
    CHECK_NEAR(f[4], sqrt(0.03) / z, 0.012);
}

TEST(repetition_penalty) {
    SamplerParams p = {.temperature = 0, .repeat_penalty = 2.0f, .repeat_last_n = 3};
    Sampler *s = sampler_new(&p, V);
    float l[V] = {3.0f, 2.0f, -1.0f, 1.0f, 0.0f};
    int32_t hist[] = {0, 2, 0, 2};
    /* last 3 = {2, 0, 2}: token 0 -> 1.5 (below token 1's 2.0), token 2 -> -2 */
    CHECK(sampler_sample(s, l, hist, 4) == 1);
    CHECK_NEAR(l[0], 1.5, 1e-6);
    CHECK_NEAR(l[2], -2.0, 1e-6);
    CHECK_NEAR(l[3], 1.0, 1e-6);
    sampler_free(s);
}

TEST(same_seed_same_tokens) {
    SamplerParams p = sampler_defaults();
    p.seed = 99;
    p.temperature = 1.5f;
    p.top_k = 0;
    p.min_p = 0;
    int32_t a[64], b[64];
    for (int run = 0; run < 2; run++) {
        Sampler *s = sampler_new(&p, V);
        for (int i = 0; i < 64; i++) {
            float l[V] = {0, 0.1f, 0.2f, 0.3f, 0.4f};
            (run ? b : a)[i] = sampler_sample(s, l, NULL, 0);
        }
        sampler_free(s);
    }
    CHECK(memcmp(a, b, sizeof a) == 0);
    int distinct = 0;
    for (int i = 1; i < 64; i++) distinct |= a[i] != a[0];
    CHECK(distinct);
}

int main(void) {
    init_logits();
    RUN(greedy_is_argmax);
    RUN(temperature_one_follows_softmax);
    RUN(top_k_top_p_min_p_truncate);
    RUN(repetition_penalty);
    RUN(same_seed_same_tokens);
    return harness_finish();
}
