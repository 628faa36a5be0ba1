/* AVX-512 paths of linear_forward.
 *
 * Integer dot products use vpdpbusd (u8 x s8 -> s32, four products per
 * lane). Weights are the unsigned operand: q4 nibbles already are (0..15,
 * the -8 offset is folded in as -8 * Σ q_x), q8_0 weights are made unsigned
 * by flipping the sign bit (w + 128, folded in as -128 * Σ q_x). The fold is
 * the accumulator's starting value, so it costs no instruction; per-block
 * scales are applied in f32 lanes after the integer sum, as llama.cpp does.
 *
 * Tiles of RM x-rows by RN weight-rows keep each loaded weight block in
 * registers for RM rows of x (prefill) and amortise x over RN rows (decode).
 */
#include "kernels_avx512.h"

#include "matmul_avx512.h"

#include <immintrin.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))
#define M_BLOCK 64 /* x rows kept hot in L2 while weight rows stream past */

typedef struct {
    int8_t qs[128];
    int32_t corr[2][16];
    float d[2][16];
} QuantGroup;

_Static_assert(sizeof(QuantGroup) == QUANT_GROUP_BYTES, "group layout");

static inline float half(uint16_t h) { return _cvtsh_ss(h); }

/* ---- activation layout ---- */

static void prepare_quant_row(const LinearAct *a, int64_t m) {
    int64_t nb = a->K / QK8_0, ng = (nb + 3) / 4;
    const BlockQ8_0 *x = (const BlockQ8_0 *)a->xq + m * nb;
    QuantGroup *groups = (QuantGroup *)a->avx + m * ng;
    memset(groups, 0, (size_t)ng * sizeof *groups);
    for (int64_t b = 0; b < nb; b++) {
        QuantGroup *g = groups + b / 4;
        int j = (int)(b % 4), sum = 0;
        for (int i = 0; i < QK8_0; i++) sum += x[b].qs[i];
        float d = half(x[b].d);
        if (a->w_type == DTYPE_Q8_0) {
            memcpy(g->qs + 32 * j, x[b].qs, 32);
            g->corr[j / 2][8 * (j % 2)] = -128 * sum;
            for (int l = 0; l < 8; l++) g->d[j / 2][8 * (j % 2) + l] = d;
        } else {
            memcpy(g->qs + 16 * j, x[b].qs, 16);
            memcpy(g->qs + 64 + 16 * j, x[b].qs + 16, 16);
            g->corr[0][4 * j] = -8 * sum;
            for (int l = 0; l < 4; l++) g->d[0][4 * j + l] = d;
        }
    }
}

/* Sub-blocks of each 256 reordered 0,2,1,3,4,6,5,7 to match how q4_K packs
 * two sub-blocks into the low and high nibbles of one 32-byte run. */
static void prepare_q4_K_row(const LinearAct *a, int64_t m) {
    static const int order[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    int64_t nb = a->K / QK_K;
    const BlockQ8_K *x = (const BlockQ8_K *)a->xq + m * nb;
    int8_t *dst = (int8_t *)a->avx + m * nb * QK_K;
    for (int64_t b = 0; b < nb; b++)
        for (int s = 0; s < 8; s++) memcpy(dst + b * QK_K + 32 * s, x[b].qs + 32 * order[s], 32);
}

static void prepare_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    for (int64_t m = begin; m < end; m++) {
        if (a->w_type == DTYPE_Q4_K)
            prepare_q4_K_row(a, m);
        else
            prepare_quant_row(a, m);
    }
}

void linear_avx512_prepare(ThreadPool *pool, LinearAct *act) {
    if (act->w_type == DTYPE_Q8_0 || act->w_type == DTYPE_Q4_0 || act->w_type == DTYPE_Q4_K)
        pool_parallel_for(pool, act->M, prepare_rows, act);
}

/* ---- q8_0 / q4_0 tiles ---- */

/* Two q8_0 blocks (avail >= 1 of them real) as unsigned bytes, scales in lane halves. */
INLINE void load_q8_0_pair(const BlockQ8_0 *blk, int64_t avail, __m512i *q, __m512 *d) {
    __m256i lo = _mm256_loadu_si256((const __m256i *)blk[0].qs);
    __m256i hi = avail >= 2 ? _mm256_loadu_si256((const __m256i *)blk[1].qs) : _mm256_set1_epi8((char)0x80);
    *q = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), _mm512_set1_epi8((char)0x80));
    float d1 = avail >= 2 ? half(blk[1].d) : 0.0f;
    *d = _mm512_insertf32x8(_mm512_set1_ps(half(blk[0].d)), _mm256_set1_ps(d1), 1);
}

/* Four q4_0 blocks (avail >= 1 real): low nibbles (elements 0..15 of block j
 * in 128-bit lane j), high nibbles (16..31), scales 4 lanes per block. */
INLINE void load_q4_0_quad(const BlockQ4_0 *blk, int64_t avail, __m512i *lo, __m512i *hi, __m512 *d) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)blk[0].qs));
    float ds[4] = {half(blk[0].d), 0, 0, 0};
    for (int j = 1; j < 4; j++)
        if (avail > j) {
            __m128i part = _mm_loadu_si128((const __m128i *)blk[j].qs);
            v = j == 1 ? _mm512_inserti32x4(v, part, 1) : j == 2 ? _mm512_inserti32x4(v, part, 2)
                                                                 : _mm512_inserti32x4(v, part, 3);
            ds[j] = half(blk[j].d);
        }
    __m512i mask = _mm512_set1_epi8(0x0F);
    *lo = _mm512_and_si512(v, mask);
    *hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), mask);
    const __m512i spread = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    *d = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_loadu_ps(ds)));
}

INLINE void tile_quant(const LinearAct *a, int is_q8, int RM, int RN, int64_t m0, int64_t n0) {
    int64_t nb = a->K / QK8_0, ng = (nb + 3) / 4;
    const QuantGroup *xg[4];
    for (int m = 0; m < RM; m++) xg[m] = (const QuantGroup *)a->avx + (m0 + m) * ng;
    __m512 acc[4][4];
    for (int m = 0; m < RM; m++)
        for (int r = 0; r < RN; r++) acc[m][r] = _mm512_setzero_ps();
    for (int64_t g = 0; g < ng; g++) {
        int64_t b0 = 4 * g, avail = nb - b0 < 4 ? nb - b0 : 4;
        if (is_q8) {
            for (int h = 0; h < 2 && 2 * h < avail; h++) {
                __m512i wq[4];
                __m512 wd[4];
                for (int r = 0; r < RN; r++)
                    load_q8_0_pair((const BlockQ8_0 *)a->W + (n0 + r) * nb + b0 + 2 * h, avail - 2 * h, &wq[r],
                                   &wd[r]);
                for (int m = 0; m < RM; m++) {
                    const QuantGroup *x = xg[m] + g;
                    __m512i xv = _mm512_loadu_si512(x->qs + 64 * h), corr = _mm512_load_si512(x->corr[h]);
                    __m512 xd = _mm512_load_ps(x->d[h]);
                    for (int r = 0; r < RN; r++) {
                        __m512i dot = _mm512_dpbusd_epi32(corr, wq[r], xv);
                        acc[m][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(wd[r], xd), acc[m][r]);
                    }
                }
            }
        } else {
            __m512i lo[4], hi[4];
            __m512 wd[4];
            for (int r = 0; r < RN; r++)
                load_q4_0_quad((const BlockQ4_0 *)a->W + (n0 + r) * nb + b0, avail, &lo[r], &hi[r], &wd[r]);
            for (int m = 0; m < RM; m++) {
                const QuantGroup *x = xg[m] + g;
                __m512i xlo = _mm512_load_si512(x->qs), xhi = _mm512_load_si512(x->qs + 64);
                __m512i corr = _mm512_load_si512(x->corr[0]);
                __m512 xd = _mm512_load_ps(x->d[0]);
                for (int r = 0; r < RN; r++) {
                    __m512i dot = _mm512_dpbusd_epi32(corr, lo[r], xlo);
                    dot = _mm512_dpbusd_epi32(dot, hi[r], xhi);
                    acc[m][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(wd[r], xd), acc[m][r]);
                }
            }
        }
    }
    for (int m = 0; m < RM; m++)
        for (int r = 0; r < RN; r++) a->y[(m0 + m) * a->N + n0 + r] = _mm512_reduce_add_ps(acc[m][r]);
}

/* ---- q4_K tiles (one weight row, RM x rows) ---- */

static void q4_K_scales(const uint8_t *scales, float d, float *sc, int *mn) {
    for (int s = 0; s < 8; s++) {
        int scale, min;
        if (s < 4) {
            scale = scales[s] & 63;
            min = scales[s + 4] & 63;
        } else {
            scale = (scales[s + 4] & 0xF) | ((scales[s - 4] >> 6) << 4);
            min = (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4);
        }
        sc[s] = d * (float)scale;
        mn[s] = min;
    }
}

INLINE void tile_q4_K(const LinearAct *a, int RM, int64_t m0, int64_t n) {
    int64_t nb = a->K / QK_K;
    const BlockQ4_K *w = (const BlockQ4_K *)a->W + n * nb;
    __m512 acc[4];
    float mins[4] = {0, 0, 0, 0};
    for (int m = 0; m < RM; m++) acc[m] = _mm512_setzero_ps();
    /* lanes 0-7 take the first sub-block of a nibble pair, lanes 8-15 the second */
    const __m512i pick[4] = {
        _mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0),
        _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
        _mm512_set_epi32(6, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 4),
        _mm512_set_epi32(7, 7, 7, 7, 7, 7, 7, 7, 5, 5, 5, 5, 5, 5, 5, 5),
    };
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    for (int64_t b = 0; b < nb; b++) {
        float sc[8];
        int mn[8];
        q4_K_scales(w[b].scales, half(w[b].d), sc, mn);
        float dmin = half(w[b].dmin);
        __m512 scv = _mm512_castps256_ps512(_mm256_loadu_ps(sc));
        __m512 s[4];
        for (int i = 0; i < 4; i++) s[i] = _mm512_permutexvar_ps(pick[i], scv);
        __m512i v0 = _mm512_loadu_si512(w[b].qs), v1 = _mm512_loadu_si512(w[b].qs + 64);
        __m512i q[4] = {_mm512_and_si512(v0, nibble), _mm512_and_si512(_mm512_srli_epi16(v0, 4), nibble),
                        _mm512_and_si512(v1, nibble), _mm512_and_si512(_mm512_srli_epi16(v1, 4), nibble)};
        for (int m = 0; m < RM; m++) {
            const int8_t *xs = (const int8_t *)a->avx + ((m0 + m) * nb + b) * QK_K;
            const BlockQ8_K *xb = (const BlockQ8_K *)a->xq + (m0 + m) * nb + b;
            __m512 t = _mm512_setzero_ps();
            for (int i = 0; i < 4; i++) {
                __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[i], _mm512_load_si512(xs + 64 * i));
                t = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), s[i], t);
            }
            acc[m] = _mm512_fmadd_ps(t, _mm512_set1_ps(xb->d), acc[m]);
            int msum = 0;
            for (int i = 0; i < 8; i++) msum += mn[i] * (xb->bsums[2 * i] + xb->bsums[2 * i + 1]);
            mins[m] += xb->d * dmin * (float)msum;
        }
    }
    for (int m = 0; m < RM; m++) a->y[(m0 + m) * a->N + n] = _mm512_reduce_add_ps(acc[m]) - mins[m];
}

/* ---- float weights, one x row (decode) ---- */

INLINE __m512 load_w16(DType t, const void *w, int64_t k, __mmask16 mask) {
    if (t == DTYPE_F16) return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, (const uint16_t *)w + k));
    return _mm512_maskz_loadu_ps(mask, (const float *)w + k);
}

INLINE float dot_float_row(DType t, const void *w, const float *x, int64_t K) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t k = 0;
    for (; k + 64 <= K; k += 64)
        for (int u = 0; u < 4; u++)
            acc[u] = _mm512_fmadd_ps(load_w16(t, w, k + 16 * u, 0xFFFF), _mm512_loadu_ps(x + k + 16 * u), acc[u]);
    for (; k < K; k += 16) {
        __mmask16 mask = K - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (K - k)) - 1);
        acc[0] = _mm512_fmadd_ps(load_w16(t, w, k, mask), _mm512_maskz_loadu_ps(mask, x + k), acc[0]);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

static float dot_bf16_row(const uint16_t *w, const uint16_t *x, int64_t K) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t k = 0;
    for (; k + 128 <= K; k += 128)
        for (int u = 0; u < 4; u++)
            acc[u] = _mm512_dpbf16_ps(acc[u], (__m512bh)_mm512_loadu_si512(w + k + 32 * u),
                                      (__m512bh)_mm512_load_si512(x + k + 32 * u));
    for (; k < K; k += 32) { /* x is zero padded to a multiple of 32 */
        __mmask32 mask = K - k >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << (K - k)) - 1);
        acc[0] = _mm512_dpbf16_ps(acc[0], (__m512bh)_mm512_maskz_loadu_epi16(mask, w + k),
                                  (__m512bh)_mm512_load_si512(x + k));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

/* ---- drivers ---- */

/* Weight rows [begin, end) against x rows in blocks of M_BLOCK, tiles RM x RN
 * with smaller tiles for the remainders. */
static void quant_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    int q8 = a->w_type == DTYPE_Q8_0;
    int rn = q8 ? 4 : 2;
    for (int64_t mb = 0; mb < a->M; mb += M_BLOCK) {
        int64_t me = a->M - mb < M_BLOCK ? a->M : mb + M_BLOCK;
        for (int64_t n = begin; n < end;) {
            int full_n = end - n >= rn;
            for (int64_t m = mb; m < me;) {
                int full_m = me - m >= 4;
                if (q8) {
                    if (full_n && full_m) tile_quant(a, 1, 4, 4, m, n);
                    else if (full_n) tile_quant(a, 1, 1, 4, m, n);
                    else if (full_m) tile_quant(a, 1, 4, 1, m, n);
                    else tile_quant(a, 1, 1, 1, m, n);
                } else {
                    if (full_n && full_m) tile_quant(a, 0, 4, 2, m, n);
                    else if (full_n) tile_quant(a, 0, 1, 2, m, n);
                    else if (full_m) tile_quant(a, 0, 4, 1, m, n);
                    else tile_quant(a, 0, 1, 1, m, n);
                }
                m += full_m ? 4 : 1;
            }
            n += full_n ? rn : 1;
        }
    }
}

static void q4_K_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    for (int64_t mb = 0; mb < a->M; mb += M_BLOCK) {
        int64_t me = a->M - mb < M_BLOCK ? a->M : mb + M_BLOCK;
        for (int64_t n = begin; n < end; n++)
            for (int64_t m = mb; m < me;) {
                if (me - m >= 4) {
                    tile_q4_K(a, 4, m, n);
                    m += 4;
                } else {
                    tile_q4_K(a, 1, m, n);
                    m++;
                }
            }
    }
}

static void float_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    for (int64_t n = begin; n < end; n++) {
        if (a->w_type == DTYPE_F16)
            a->y[n] = dot_float_row(DTYPE_F16, (const uint16_t *)a->W + n * a->K, a->x, a->K);
        else if (a->w_type == DTYPE_BF16)
            a->y[n] = dot_bf16_row((const uint16_t *)a->W + n * a->K, a->xbf, a->K);
        else
            a->y[n] = dot_float_row(DTYPE_F32, (const float *)a->W + n * a->K, a->x, a->K);
    }
}

void linear_avx512(ThreadPool *pool, LinearAct *act) {
    switch (act->w_type) {
    case DTYPE_Q8_0:
    case DTYPE_Q4_0: pool_parallel_for(pool, act->N, quant_rows, act); return;
    case DTYPE_Q4_K: pool_parallel_for(pool, act->N, q4_K_rows, act); return;
    default: break;
    }
    if (act->M == 1) {
        pool_parallel_for(pool, act->N, float_rows, act);
        return;
    }
    GemmArgs g = {act->y, act->x, act->K, 1, act->W, act->w_type, 1, act->K, act->M, act->N, act->K, 0,
                  act->w_type == DTYPE_BF16};
    gemm_avx512(pool, &g);
}
