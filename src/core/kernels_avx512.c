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
#include "error.h"
#include "kernels.h"
#include "kernels_avx512.h"

#include "matmul_avx512.h"
#include "qgemm_avx512.h"
#include "workshare.h"

#include <immintrin.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))
#define M_BLOCK 64 /* x rows kept hot in L2 while weight rows stream past */

/* Four q8_0 blocks of x. q8_0 weights: qs in natural order, corr[h] has
 * -128·Σq of blocks 2h, 2h+1 in lanes 0 and 8. q4_0 weights: qs[16j..] holds
 * elements 0..15 of block j, qs[64+16j..] elements 16..31; corr[0] has
 * -8·Σq of block j in lane 4j. */
typedef struct {
    int8_t qs[128];
    int32_t corr[2][16];
    float d[4];
    float pad[12];
} QuantGroup;

_Static_assert(sizeof(QuantGroup) == QUANT_GROUP_BYTES, "group layout");

static inline float half(uint16_t h) { return _cvtsh_ss(h); }

/* ---- activation quantization (same bytes as the scalar rules) ---- */

/* roundf(v * id) for 16 lanes: truncate, then step away from zero when the
 * dropped fraction is >= 0.5 (round half away from zero, unlike vrndscale's
 * half-even); v - trunc(v) is exact, so this is bit-identical to roundf. */
INLINE __m128i round_to_i8(__m512 v, __m512 id) {
    __m512 p = _mm512_mul_ps(v, id);
    __m512 t = _mm512_roundscale_ps(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m512 frac = _mm512_abs_ps(_mm512_sub_ps(p, t));
    __mmask16 up = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    __m512 one = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(1.0f)),
                                                     _mm512_and_si512(_mm512_castps_si512(p),
                                                                      _mm512_set1_epi32((int)0x80000000u))));
    t = _mm512_mask_add_ps(t, up, t, one);
    return _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(t));
}

INLINE float abs_max(const float *x, int n) {
    __m512 m = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
    return _mm512_reduce_max_ps(m);
}

void quantize_q8_0_avx512(const float *x, BlockQ8_0 *dst, int64_t K) {
    for (int64_t b = 0; b < K / QK8_0; b++) {
        const float *v = x + b * QK8_0;
        float d = abs_max(v, QK8_0) / 127.0f, id = d ? 1.0f / d : 0.0f;
        dst[b].d = f32_to_f16(d);
        __m512 idv = _mm512_set1_ps(id);
        _mm_storeu_si128((__m128i *)dst[b].qs, round_to_i8(_mm512_loadu_ps(v), idv));
        _mm_storeu_si128((__m128i *)(dst[b].qs + 16), round_to_i8(_mm512_loadu_ps(v + 16), idv));
    }
}

void quantize_q8_K_avx512(const float *x, BlockQ8_K *dst, int64_t K) {
    for (int64_t b = 0; b < K / QK_K; b++) {
        const float *v = x + b * QK_K;
        float d = abs_max(v, QK_K) / 127.0f, id = d ? 1.0f / d : 0.0f;
        dst[b].d = d;
        __m512 idv = _mm512_set1_ps(id);
        for (int g = 0; g < QK_K / 16; g++) {
            __m128i q = round_to_i8(_mm512_loadu_ps(v + 16 * g), idv);
            _mm_storeu_si128((__m128i *)(dst[b].qs + 16 * g), q);
            dst[b].bsums[g] = (int16_t)_mm512_reduce_add_epi32(_mm512_cvtepi8_epi32(q));
        }
    }
}

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
        g->d[j] = half(x[b].d);
        if (a->w_type == DTYPE_Q8_0) {
            memcpy(g->qs + 32 * j, x[b].qs, 32);
            g->corr[j / 2][8 * (j % 2)] = -128 * sum;
        } else {
            memcpy(g->qs + 16 * j, x[b].qs, 16);
            memcpy(g->qs + 64 + 16 * j, x[b].qs + 16, 16);
            g->corr[0][4 * j] = -8 * sum;
        }
    }
}

/* q8_K x per super-block for q4_K weights: sub-blocks reordered
 * 0,2,1,3,4,6,5,7 to match how q4_K packs two sub-blocks into the low and
 * high nibbles of one 32-byte run; per-sub-block sums (for the mins) as f32. */
typedef struct {
    int8_t qs[QK_K];
    float bsum[8];
    float d;
    float pad[7];
} SuperGroup;

_Static_assert(sizeof(SuperGroup) == Q4K_GROUP_BYTES, "super-block layout");

static void prepare_q4_K_row(const LinearAct *a, int64_t m) {
    static const int order[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    int64_t nb = a->K / QK_K;
    const BlockQ8_K *x = (const BlockQ8_K *)a->xq + m * nb;
    SuperGroup *dst = (SuperGroup *)a->avx + m * nb;
    for (int64_t b = 0; b < nb; b++) {
        for (int s = 0; s < 8; s++) {
            memcpy(dst[b].qs + 32 * s, x[b].qs + 32 * order[s], 32);
            dst[b].bsum[s] = (float)(x[b].bsums[2 * s] + x[b].bsums[2 * s + 1]);
        }
        dst[b].d = x[b].d;
    }
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

/* From this many x rows on, quantized products go to qgemm_avx512.c, whose
 * per-thread weight repacking pays off only over enough rows (bench/prefill.c). */
#define QGEMM_MIN_M 16

static int use_qgemm(const LinearAct *a) {
    return (a->w_type == DTYPE_Q8_0 || a->w_type == DTYPE_Q4_0 || a->w_type == DTYPE_Q4_K) && a->M >= QGEMM_MIN_M;
}

void linear_avx512_prepare(ThreadPool *pool, LinearAct *act) {
    _Static_assert(QUANT_GROUP_BYTES >= 4 * (sizeof(float) + sizeof(int32_t)) && Q4K_GROUP_BYTES >= 9 * sizeof(float),
                   "qgemm's x fits the workspace (qgemm_x_bytes <= linear_avx512_act_bytes)");
    if (use_qgemm(act))
        qgemm_prepare(pool, act);
    else if (act->w_type == DTYPE_Q8_0 || act->w_type == DTYPE_Q4_0 || act->w_type == DTYPE_Q4_K)
        pool_parallel_for(act->M >= 16 ? pool : NULL, act->M, prepare_rows, act);
}

/* ---- q8_0 / q4_0 tiles ---- */

/* Scales of four blocks (avail of them real, the rest 0) as f32. Blocks of
 * q8_0 and q4_0 both start with their f16 scale. */
INLINE __m128 load_scales4(const uint8_t *blk, int stride, int avail) {
    if (avail == 4) { /* whole groups: pick the four f16 out of vector loads (word 9j or 17j) */
        __m512i v0 = _mm512_loadu_si512(blk);
        if (stride == sizeof(BlockQ4_0))
            return _mm_cvtph_ps(_mm512_castsi512_si128(
                _mm512_permutexvar_epi16(_mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                          0, 0, 0, 0, 0, 0, 0, 27, 18, 9, 0),
                                         v0)));
        __m512i v1 = _mm512_loadu_si512(blk + 64);
        return _mm_cvtph_ps(_mm512_castsi512_si128(_mm512_permutex2var_epi16(
            v0,
            _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                             32 + 19, 32 + 2, 17, 0),
            v1)));
    }
    __m128i h = _mm_cvtsi32_si128(*(const uint16_t *)blk);
    if (avail > 1) h = _mm_insert_epi16(h, *(const uint16_t *)(blk + stride), 1);
    if (avail > 2) h = _mm_insert_epi16(h, *(const uint16_t *)(blk + 2 * stride), 2);
    if (avail > 3) h = _mm_insert_epi16(h, *(const uint16_t *)(blk + 3 * stride), 3);
    return _mm_cvtph_ps(h);
}

/* Four q8_0 blocks as unsigned bytes (w + 128): blocks 0,1 in q[0], 2,3 in q[1]. */
INLINE void load_q8_0_group(const BlockQ8_0 *blk, int avail, __m512i q[2]) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (int h = 0; h < 2; h++) {
        __m256i lo = avail > 2 * h ? _mm256_loadu_si256((const __m256i *)blk[2 * h].qs) : _mm256_set1_epi8((char)0x80);
        __m256i hi =
            avail > 2 * h + 1 ? _mm256_loadu_si256((const __m256i *)blk[2 * h + 1].qs) : _mm256_set1_epi8((char)0x80);
        q[h] = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), flip);
    }
}

/* Four q4_0 blocks: low nibbles (elements 0..15 of block j in 128-bit lane j), high nibbles (16..31). */
INLINE void load_q4_0_group(const BlockQ4_0 *blk, int avail, __m512i q[2]) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)blk[0].qs));
    if (avail > 1) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)blk[1].qs), 1);
    if (avail > 2) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)blk[2].qs), 2);
    if (avail > 3) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)blk[3].qs), 3);
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    q[0] = _mm512_and_si512(v, nibble);
    q[1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);
}

/* Decode streams the weight rows one after another; asking for the bytes
 * PREFETCH ahead keeps enough misses in flight to reach read bandwidth
 * (bench/matvec.sh, 4096x4096: ~75% of read bandwidth without, ~90% with
 * 4-8 KiB; 8 KiB measured best). */
#define PREFETCH 8192
INLINE void prefetch_group(const void *blk, size_t block_bytes) {
    const char *p = (const char *)blk + PREFETCH;
    _mm_prefetch(p, _MM_HINT_T0);
    _mm_prefetch(p + 4 * block_bytes - 1, _MM_HINT_T0);
}

/* One group of four blocks for an RM x RN tile: the weight blocks are
 * decoded once and used for every x row. */
INLINE void group_quant(const LinearAct *a, int is_q8, int RM, int RN, const QuantGroup *const *xg, int64_t g,
                        int64_t n0, int64_t nb, int avail, __m512 acc[4][4]) {
    const __m512i spread4 = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    const __m512i spread01 = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i spread23 = _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2);
    __m512i q[4][2];
    __m128 wd[4];
    for (int r = 0; r < RN; r++) {
        if (is_q8) {
            const BlockQ8_0 *blk = (const BlockQ8_0 *)a->W + (n0 + r) * nb + 4 * g;
            if (RM == 1) prefetch_group(blk, sizeof *blk);
            load_q8_0_group(blk, avail, q[r]);
            wd[r] = load_scales4((const uint8_t *)blk, sizeof(BlockQ8_0), avail);
        } else {
            const BlockQ4_0 *blk = (const BlockQ4_0 *)a->W + (n0 + r) * nb + 4 * g;
            if (RM == 1) prefetch_group(blk, sizeof *blk);
            load_q4_0_group(blk, avail, q[r]);
            wd[r] = load_scales4((const uint8_t *)blk, sizeof(BlockQ4_0), avail);
        }
    }
    for (int m = 0; m < RM; m++) {
        const QuantGroup *x = xg[m] + g;
        __m512i x0 = _mm512_load_si512(x->qs), x1 = _mm512_load_si512(x->qs + 64);
        __m512i c0 = _mm512_load_si512(x->corr[0]);
        __m128 xd = _mm_load_ps(x->d);
        if (is_q8) {
            __m512i c1 = _mm512_load_si512(x->corr[1]);
            for (int r = 0; r < RN; r++) {
                __m512 s = _mm512_castps128_ps512(_mm_mul_ps(wd[r], xd));
                __m512i d0 = _mm512_dpbusd_epi32(c0, q[r][0], x0), d1 = _mm512_dpbusd_epi32(c1, q[r][1], x1);
                acc[m][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), _mm512_permutexvar_ps(spread01, s), acc[m][r]);
                acc[m][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d1), _mm512_permutexvar_ps(spread23, s), acc[m][r]);
            }
        } else {
            for (int r = 0; r < RN; r++) {
                __m512 s = _mm512_castps128_ps512(_mm_mul_ps(wd[r], xd));
                __m512i d = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(c0, q[r][0], x0), q[r][1], x1);
                acc[m][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_permutexvar_ps(spread4, s), acc[m][r]);
            }
        }
    }
}

INLINE void tile_quant(const LinearAct *a, int is_q8, int RM, int RN, int64_t m0, int64_t n0) {
    int64_t nb = a->K / QK8_0, full = nb / 4;
    int64_t ng = (nb + 3) / 4;
    const QuantGroup *xg[4];
    for (int m = 0; m < RM; m++) xg[m] = (const QuantGroup *)a->avx + (m0 + m) * ng;
    __m512 acc[4][4];
    for (int m = 0; m < RM; m++)
        for (int r = 0; r < RN; r++) acc[m][r] = _mm512_setzero_ps();
    for (int64_t g = 0; g < full; g++) group_quant(a, is_q8, RM, RN, xg, g, n0, nb, 4, acc);
    if (full < ng) group_quant(a, is_q8, RM, RN, xg, full, n0, nb, (int)(nb - 4 * full), acc);
    for (int m = 0; m < RM; m++)
        for (int r = 0; r < RN; r++) a->y[(m0 + m) * a->N + n0 + r] = _mm512_reduce_add_ps(acc[m][r]);
}

/* ---- q4_K tiles (one weight row, RM x rows) ---- */

/* The eight 6-bit scales and mins of a q4_K super-block as bytes, four at a
 * time in 32-bit words (the unpacking of ggml's get_scale_min_k4, word-wise). */
INLINE void q4_K_unpack(const uint8_t *scales, uint32_t sc[2], uint32_t mn[2]) {
    uint32_t u[3];
    memcpy(u, scales, 12);
    const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, top2 = 0x03030303;
    sc[0] = u[0] & low6;
    mn[0] = u[1] & low6;
    sc[1] = (u[2] & low4) | (((u[0] >> 6) & top2) << 4);
    mn[1] = ((u[2] >> 4) & low4) | (((u[1] >> 6) & top2) << 4);
}

INLINE __m256 bytes_to_f32(const uint32_t w[2]) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, (int)w[1], (int)w[0])));
}

INLINE void tile_q4_K(const LinearAct *a, int RM, int64_t m0, int64_t n) {
    int64_t nb = a->K / QK_K;
    const BlockQ4_K *w = (const BlockQ4_K *)a->W + n * nb;
    __m512 acc[4];
    __m256 macc[4];
    for (int m = 0; m < RM; m++) {
        acc[m] = _mm512_setzero_ps();
        macc[m] = _mm256_setzero_ps();
    }
    /* lanes 0-7 take the first sub-block of a nibble pair, lanes 8-15 the second */
    const __m512i pick[4] = {
        _mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0),
        _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
        _mm512_set_epi32(6, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 4),
        _mm512_set_epi32(7, 7, 7, 7, 7, 7, 7, 7, 5, 5, 5, 5, 5, 5, 5, 5),
    };
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    for (int64_t b = 0; b < nb; b++) {
        if (RM == 1) {
            _mm_prefetch((const char *)(w + b) + PREFETCH, _MM_HINT_T0);
            _mm_prefetch((const char *)(w + b) + PREFETCH + 64, _MM_HINT_T0);
            _mm_prefetch((const char *)(w + b) + PREFETCH + 143, _MM_HINT_T0);
        }
        uint32_t sc[2], mn[2];
        q4_K_unpack(w[b].scales, sc, mn);
        __m512 scv = _mm512_castps256_ps512(_mm256_mul_ps(bytes_to_f32(sc), _mm256_set1_ps(half(w[b].d))));
        __m256 mnv = _mm256_mul_ps(bytes_to_f32(mn), _mm256_set1_ps(half(w[b].dmin)));
        __m512 s[4];
        for (int i = 0; i < 4; i++) s[i] = _mm512_permutexvar_ps(pick[i], scv);
        __m512i v0 = _mm512_loadu_si512(w[b].qs), v1 = _mm512_loadu_si512(w[b].qs + 64);
        __m512i q[4] = {_mm512_and_si512(v0, nibble), _mm512_and_si512(_mm512_srli_epi16(v0, 4), nibble),
                        _mm512_and_si512(v1, nibble), _mm512_and_si512(_mm512_srli_epi16(v1, 4), nibble)};
        for (int m = 0; m < RM; m++) {
            const SuperGroup *x = (const SuperGroup *)a->avx + (m0 + m) * nb + b;
            __m512 t = _mm512_setzero_ps();
            for (int i = 0; i < 4; i++) {
                __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[i], _mm512_load_si512(x->qs + 64 * i));
                t = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), s[i], t);
            }
            __m512 xd = _mm512_set1_ps(x->d);
            acc[m] = _mm512_fmadd_ps(t, xd, acc[m]);
            macc[m] = _mm256_fmadd_ps(_mm256_mul_ps(mnv, _mm256_load_ps(x->bsum)), _mm512_castps512_ps256(xd), macc[m]);
        }
    }
    for (int m = 0; m < RM; m++) {
        __m256 mins = macc[m];
        __m128 m4 = _mm_add_ps(_mm256_castps256_ps128(mins), _mm256_extractf128_ps(mins, 1));
        m4 = _mm_add_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_add_ss(m4, _mm_movehdup_ps(m4));
        a->y[(m0 + m) * a->N + n] = _mm512_reduce_add_ps(acc[m]) - _mm_cvtss_f32(m4);
    }
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
    if (a->M < 4) { /* decode: one weight row at a time streams fastest (measured: 27 vs 19 GB/s for 4 rows) */
        for (int64_t n = begin; n < end; n++)
            for (int64_t m = 0; m < a->M; m++) {
                if (q8)
                    tile_quant(a, 1, 1, 1, m, n);
                else
                    tile_quant(a, 0, 1, 1, m, n);
            }
        return;
    }
    int rn = q8 ? 4 : 2; /* q4_0 tiles 4x2: 4x4 would spill */
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

/* The per-row loop for act's weight type, or NULL where a GEMM runs instead. */
static ParallelFn row_fn(const LinearAct *act) {
    if (use_qgemm(act)) return NULL;
    switch (act->w_type) {
    case DTYPE_Q8_0:
    case DTYPE_Q4_0: return quant_rows;
    case DTYPE_Q4_K: return q4_K_rows;
    default: return act->M == 1 ? float_rows : NULL;
    }
}

int linear_avx512_rowwise(const LinearAct *act) { return row_fn(act) != NULL; }

/* ~8 pieces of weight rows per thread, taken on demand (workshare.h) */
static int64_t row_chunk(ThreadPool *pool, int64_t rows) {
    int64_t chunk = (rows + 8 * pool_threads(pool) - 1) / (8 * pool_threads(pool));
    return chunk < 16 ? 16 : (chunk + 3) / 4 * 4;
}

void linear_avx512(ThreadPool *pool, LinearAct *act) {
    ParallelFn fn = row_fn(act);
    if (fn) {
        workshare_for(pool, act->N, row_chunk(pool, act->N), fn, act);
        return;
    }
    if (use_qgemm(act)) {
        qgemm(pool, act);
        return;
    }
    GemmArgs g = {act->y, act->x, act->K, 1, act->W, act->w_type, 1, act->K, act->M, act->N, act->K, 0,
                  act->w_type == DTYPE_BF16, NULL};
    gemm_avx512(pool, &g);
}

typedef struct {
    LinearAct *acts;
    int n;
    ParallelFn fn;
    int64_t first_row[LINEAR_MANY_MAX + 1]; /* rows of acts[i] are [first_row[i], first_row[i+1]) */
} ManyJob;

static void many_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const ManyJob *job = ctx;
    for (int i = 0; i < job->n; i++) {
        int64_t lo = job->first_row[i], hi = job->first_row[i + 1];
        int64_t b = begin > lo ? begin : lo, e = end < hi ? end : hi;
        if (b < e) job->fn(&job->acts[i], b - lo, e - lo, thread);
    }
}

void linear_avx512_many(ThreadPool *pool, LinearAct *acts, int n) {
    ManyJob job = {acts, n, row_fn(&acts[0]), {0}};
    EXA_ASSERT(n <= LINEAR_MANY_MAX && job.fn);
    for (int i = 0; i < n; i++) job.first_row[i + 1] = job.first_row[i] + acts[i].N;
    workshare_for(pool, job.first_row[n], row_chunk(pool, job.first_row[n]), many_rows, &job);
}
