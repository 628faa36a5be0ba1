/* Portable f32 operations (ops.h), and the dispatch to ops_avx512.c for
 * the exp-heavy ones and rmsnorm. The compiler vectorises the plain loops
 * for AVX2; the transcendental ones call libm per element. */
#include "ops.h"

#include "cpu.h"
#include "ops_avx512.h"

#include <math.h>

void ops_softmax(float *x, int64_t rows, int64_t n) {
    if (cpu_features()->avx512) {
        ops_softmax_avx512(x, rows, n);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        float max = -INFINITY;
        for (int64_t i = 0; i < n; i++) max = row[i] > max ? row[i] : max;
        if (max == -INFINITY) {
            for (int64_t i = 0; i < n; i++) row[i] = 0;
            continue;
        }
        double sum = 0;
        for (int64_t i = 0; i < n; i++) {
            row[i] = expf(row[i] - max);
            sum += row[i];
        }
        float inv = (float)(1.0 / sum);
        for (int64_t i = 0; i < n; i++) row[i] *= inv;
    }
}

void ops_rmsnorm(float *y, const float *x, const float *weight, int64_t rows, int64_t n, float eps) {
    if (cpu_features()->avx512) {
        ops_rmsnorm_avx512(y, x, weight, rows, n, eps);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        const float *in = x + r * n;
        float *out = y + r * n;
        double ss = 0;
        for (int64_t i = 0; i < n; i++) ss += (double)in[i] * in[i];
        float inv = (float)(1.0 / sqrt(ss / (double)n + (double)eps));
        for (int64_t i = 0; i < n; i++) out[i] = in[i] * inv * (weight ? weight[i] : 1.0f);
    }
}

void ops_layernorm(float *y, const float *x, const float *weight, const float *bias, int64_t rows, int64_t n,
                   float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *in = x + r * n;
        float *out = y + r * n;
        double sum = 0, ss = 0;
        for (int64_t i = 0; i < n; i++) sum += in[i];
        double mean = sum / (double)n;
        for (int64_t i = 0; i < n; i++) ss += (in[i] - mean) * (in[i] - mean);
        float inv = (float)(1.0 / sqrt(ss / (double)n + (double)eps)), m = (float)mean;
        for (int64_t i = 0; i < n; i++) out[i] = (in[i] - m) * inv * (weight ? weight[i] : 1.0f) + (bias ? bias[i] : 0.0f);
    }
}

void ops_rope_inv_freq(float *inv_freq, int64_t head_dim, float theta) {
    for (int64_t i = 0; i < head_dim / 2; i++)
        inv_freq[i] = 1.0f / powf(theta, (float)(2 * i) / (float)head_dim);
}

void ops_rope(float *x, const int32_t *positions, const float *inv_freq, int64_t T, int64_t n_heads,
              int64_t head_dim) {
    int64_t half = head_dim / 2;
    for (int64_t t = 0; t < T; t++) {
        float pos = (float)positions[t];
        for (int64_t i = 0; i < half; i++) {
            float angle = pos * inv_freq[i], c = cosf(angle), s = sinf(angle);
            for (int64_t h = 0; h < n_heads; h++) {
                float *v = x + (t * n_heads + h) * head_dim;
                float a = v[i], b = v[i + half];
                v[i] = a * c - b * s;
                v[i + half] = b * c + a * s;
            }
        }
    }
}

void ops_silu(float *y, const float *x, int64_t n) {
    if (cpu_features()->avx512) {
        ops_silu_avx512(y, x, n);
        return;
    }
    for (int64_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i]));
}

void ops_gelu_tanh(float *y, const float *x, int64_t n) {
    if (cpu_features()->avx512) {
        ops_gelu_tanh_avx512(y, x, n);
        return;
    }
    const float k = 0.7978845608028654f; /* sqrt(2/pi) */
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
    }
}

void ops_gelu_erf(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

void ops_swiglu(float *y, const float *gate, const float *up, int64_t n) {
    if (cpu_features()->avx512) {
        ops_swiglu_avx512(y, gate, up, n);
        return;
    }
    for (int64_t i = 0; i < n; i++) y[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

void ops_add(float *y, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

void ops_scale(float *y, const float *x, float s, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * s;
}
