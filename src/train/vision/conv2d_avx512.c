/* The direct bf16 convolution (see conv2d_direct.h).
 *
 * Layout of the band (ConvScratch.col, 32-bit lanes): input rows y0 - pad ..
 * y0 + rows - 1 + pad of the convolution's input (after upsampling), each
 * Wp = Wc + 2 pad pixels wide with zeros in the border, a pixel being C/2
 * bf16 pairs (channels 2c', 2c'+1). Output pixel (y, x) and tap (ky, kx)
 * read the pixel at band row y - y0 + ky, column x + kx.
 *
 * Layout of the weight (ConvScratch.wt): panels of 32 output channels, each
 * [taps * C/2][32] pairs in k order (tap, channel pair): the order of the
 * GEMM path's im2col columns.
 */
#include "conv2d_direct.h"

#include "../../core/matmul_avx512.h"

#include <immintrin.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))
#define DMR 12 /* pixels of one output row per tile */
#define DNR 32 /* output channels per panel */

typedef struct {
    float *out;
    const float *inp, *bias;
    uint32_t *band;
    const uint32_t *wp;
    int b, y0, H, W, Wc, Wp, Ho, Wo, C, OC, k, pad, up;
    int64_t tap_off[9]; /* pairs from a tile's first pixel to each tap */
} DirectJob;

static inline __mmask16 mask16(int64_t n) {
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}
static inline __mmask32 mask32(int64_t n) {
    return n >= 32 ? (__mmask32)0xFFFFFFFFu : n <= 0 ? 0 : (__mmask32)((1u << n) - 1);
}

/* Band rows [begin, end): converted the way the GEMM path packs A
 * (vcvtne2ps2bf16 of 32 channels), zeros outside the input. */
static void fill_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    DirectJob *j = ctx;
    int Cp = j->C / 2, Hc = j->H << j->up;
    for (int64_t r = begin; r < end; r++) {
        uint32_t *row = j->band + r * j->Wp * Cp;
        int iy = j->y0 - j->pad + (int)r;
        if (iy < 0 || iy >= Hc) {
            memset(row, 0, (size_t)j->Wp * Cp * sizeof *row);
            continue;
        }
        const float *src_row = j->inp + ((int64_t)j->b * j->H + (iy >> j->up)) * j->W * j->C;
        for (int px = 0; px < j->Wp; px++) {
            uint32_t *dst = row + (int64_t)px * Cp;
            int ix = px - j->pad;
            if (ix < 0 || ix >= j->Wc) {
                memset(dst, 0, (size_t)Cp * sizeof *dst);
                continue;
            }
            const float *src = src_row + (int64_t)(ix >> j->up) * j->C;
            for (int c = 0; c < j->C; c += 32) {
                __m512 lo = _mm512_maskz_loadu_ps(mask16(j->C - c), src + c);
                __m512 hi = _mm512_maskz_loadu_ps(mask16(j->C - c - 16), src + c + 16);
                __m512i pairs = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
                _mm512_mask_storeu_epi16((uint16_t *)(dst + c / 2), mask32(j->C - c), pairs);
            }
        }
    }
}

/* One tile: DMR pixels (mr real) x one panel (nr real channels), halves = 1
 * when nr <= 16. Sums restart every GEMM_KC pairs and are added to what is
 * stored, then the bias, as the GEMM path and its separate bias pass do. */
INLINE void tile(const DirectJob *j, const uint32_t *a, const uint32_t *b, const float *bias, float *out, int mr, int nr,
                 int halves) {
    int Cp = j->C / 2;
    int64_t K2 = (int64_t)j->k * j->k * Cp;
    __mmask16 m0 = mask16(nr), m1 = mask16(nr - 16);
    for (int64_t k0 = 0; k0 < K2; k0 += GEMM_KC) {
        int64_t k1 = K2 - k0 < GEMM_KC ? K2 : k0 + GEMM_KC;
        __m512 c[DMR][2];
#pragma GCC unroll 12
        for (int i = 0; i < DMR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
        for (int64_t kk = k0; kk < k1;) {
            int t = (int)(kk / Cp);
            int64_t cp = kk - (int64_t)t * Cp, n = Cp - cp < k1 - kk ? Cp - cp : k1 - kk;
            const uint32_t *at = a + j->tap_off[t] + cp;
            const float *bt = (const float *)b + kk * DNR;
            for (int64_t q = 0; q < n; q++, bt += DNR) {
                __m512bh b0 = (__m512bh)_mm512_loadu_ps(bt), b1;
                if (halves == 2) b1 = (__m512bh)_mm512_loadu_ps(bt + 16);
#pragma GCC unroll 12
                for (int i = 0; i < DMR; i++) {
                    __m512bh ai = (__m512bh)_mm512_set1_epi32((int)at[(int64_t)i * Cp + q]);
                    c[i][0] = _mm512_dpbf16_ps(c[i][0], ai, b0);
                    if (halves == 2) c[i][1] = _mm512_dpbf16_ps(c[i][1], ai, b1);
                }
            }
            kk += n;
        }
        int add_bias = k1 == K2 && bias;
        __m512 bias0 = add_bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
        __m512 bias1 = add_bias && halves == 2 ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
        for (int i = 0; i < mr; i++) {
            float *row = out + (int64_t)i * j->OC;
            __m512 v0 = c[i][0], v1 = c[i][1];
            if (k0 > 0) {
                v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
                if (halves == 2) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
            }
            if (add_bias) {
                v0 = _mm512_add_ps(v0, bias0);
                if (halves == 2) v1 = _mm512_add_ps(v1, bias1);
            }
            _mm512_mask_storeu_ps(row, m0, v0);
            if (halves == 2) _mm512_mask_storeu_ps(row + 16, m1, v1);
        }
    }
}

static void compute_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const DirectJob *j = ctx;
    int Cp = j->C / 2, panels = (j->OC + DNR - 1) / DNR;
    int64_t K2 = (int64_t)j->k * j->k * Cp;
    for (int64_t r = begin; r < end; r++) {
        int y = j->y0 + (int)r;
        float *out_row = j->out + ((int64_t)j->b * j->Ho + y) * j->Wo * j->OC;
        for (int x0 = 0; x0 < j->Wo; x0 += DMR) {
            int mr = j->Wo - x0 < DMR ? j->Wo - x0 : DMR;
            const uint32_t *a = j->band + (r * j->Wp + x0) * Cp;
            for (int p = 0; p < panels; p++) {
                int nr = j->OC - p * DNR < DNR ? j->OC - p * DNR : DNR;
                float *o = out_row + (int64_t)x0 * j->OC + p * DNR;
                const uint32_t *w = j->wp + (int64_t)p * K2 * DNR;
                const float *bias = j->bias ? j->bias + p * DNR : NULL;
                if (nr > 16) tile(j, a, w, bias, o, mr, nr, 2);
                else tile(j, a, w, bias, o, mr, nr, 1);
            }
        }
    }
}

/* wp[p][kk][n] = pair (w[o][2c'][t], w[o][2c'+1][t]) for o = 32p + n and
 * kk = t * C/2 + c', rounded as the GEMM path rounds B (vcvtneps2bf16). */
static void pack_weight(uint32_t *wp, const float *weight, int C, int OC, int taps) {
    int Cp = C / 2, panels = (OC + DNR - 1) / DNR;
    int64_t K2 = (int64_t)taps * Cp;
    float even[DNR], odd[DNR];
    for (int p = 0; p < panels; p++)
        for (int64_t kk = 0; kk < K2; kk++) {
            int t = (int)(kk / Cp), c = 2 * (int)(kk % Cp);
            for (int n = 0; n < DNR; n++) {
                int o = p * DNR + n;
                even[n] = o < OC ? weight[((int64_t)o * C + c) * taps + t] : 0;
                odd[n] = o < OC ? weight[((int64_t)o * C + c + 1) * taps + t] : 0;
            }
            uint32_t *dst = wp + ((int64_t)p * K2 + kk) * DNR;
            for (int h = 0; h < DNR; h += 16) {
                __m512i lo = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(even + h)));
                __m512i hi = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(odd + h)));
                _mm512_storeu_si512(dst + h, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
            }
        }
}

void conv2d_direct_bf16_avx512(ThreadPool *pool, ConvScratch *sc, float *out, const float *inp, const float *weight,
                               const float *bias, int B, int H, int W, const Conv2dShape *s, int upsample) {
    int k = s->k, pad = s->pad, Cp = s->C / 2;
    int Hc = H << upsample, Wc = W << upsample;
    DirectJob j = {.out = out, .inp = inp, .bias = bias, .band = (uint32_t *)sc->col, .wp = (const uint32_t *)sc->wt,
                   .H = H, .W = W, .Wc = Wc, .Wp = Wc + 2 * pad, .Ho = Hc + 2 * pad - k + 1,
                   .Wo = Wc + 2 * pad - k + 1, .C = s->C, .OC = s->OC, .k = k, .pad = pad, .up = upsample};
    for (int t = 0; t < k * k; t++) j.tap_off[t] = ((int64_t)(t / k) * j.Wp + t % k) * Cp;
    pack_weight((uint32_t *)sc->wt, weight, s->C, s->OC, k * k);
    int64_t rows = conv2d_direct_band_rows(s, Wc, sc->cap);
    for (int b = 0; b < B; b++)
        for (int y0 = 0; y0 < j.Ho; y0 += (int)rows) {
            int n = j.Ho - y0 < rows ? j.Ho - y0 : (int)rows;
            j.b = b, j.y0 = y0;
            pool_parallel_for(pool, n + k - 1, fill_rows, &j);
            pool_parallel_for(pool, n, compute_rows, &j);
        }
}
