/* Prefill GEMM for q8_0 / q4_0 / q4_K weights on AVX-512 VNNI:
 * y[M,N] = x[M,K] · Wᵀ with x already quantized to q8_0 / q8_K blocks
 * (kernels.h states the arithmetic).
 *
 * The decode kernels (kernels_avx512.c) put 32 k of one weight row in a
 * register and reduce it horizontally at the end, which costs a permute, a
 * convert and two FMAs per pair of vpdpbusd: prefill ran at ~20 % of the
 * int8 peak. Here the lanes are output columns instead, as in a float GEMM:
 *
 *   panel  16 weight rows ("strip") x 4 consecutive k per 64-byte vector,
 *          u8 = w + 128, repacked from the GGUF blocks by each thread for
 *          the RNV strips it is about to use (a few tens of KiB, so the
 *          mmapped weights are never duplicated), with the 16 f32 scales
 *          of each block after its 8 vectors;
 *   x      s8 q8_0 bytes, 4 of them broadcast to every lane, straight from
 *          the q8_0 rows kernels.c quantized;
 *   tile   RM x rows by RNV strips: RM·RNV int32 accumulators per block
 *          (started at -128·Σ q_x, which undoes the +128 of the weights) and
 *          as many f32 accumulators; each block ends with one convert, one
 *          multiply (d_w · d_x) and one FMA per accumulator, against 8
 *          vpdpbusd.
 *   q4_K   the same per sub-block of 32 (u8 = the nibble, no correction,
 *          scale d·sc), and per super-block the mins: - dmin·m · d_x·Σ q_x.
 *
 * The integer sum of a block is exact and the block's scale product is
 * applied in f32, so only the order of f32 additions differs from the
 * portable path.
 */
#include "qgemm_avx512.h"

#include "scratch.h"
#include "workshare.h"

#include <immintrin.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

#define RM 4                          /* x rows per tile */
#define RNV 3                         /* strips of 16 weight rows per tile */
#define STRIP 16                      /* weight rows per strip (one zmm of lanes) */
#define QUADS (QK8_0 / 4)             /* vpdpbusd steps per block */
#define STRIP_BLOCK (QUADS * 64 + 64) /* bytes of one block of one strip: 8 vectors + 16 f32 scales */

/* ---- x: per block scales and sums ---- */

/* q8_0 / q4_0: d_x[M][nb] as f32, then corr[M][nb] = -128·Σ q_x (int32).
 * q4_K: d_x[M][nb] (the q8_K scale), then xsum[M][nb][8] = d_x·Σ q_x of each
 * sub-block of 32 (f32), for the mins. */
static void prepare_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    float *dx = a->avx;
    if (a->w_type == DTYPE_Q4_K) {
        int64_t nb = a->K / QK_K;
        float *xsum = dx + a->M * nb;
        for (int64_t m = begin; m < end; m++) {
            const BlockQ8_K *x = (const BlockQ8_K *)a->xq + m * nb;
            for (int64_t b = 0; b < nb; b++) {
                dx[m * nb + b] = x[b].d;
                for (int s = 0; s < 8; s++)
                    xsum[(m * nb + b) * 8 + s] = x[b].d * (float)(x[b].bsums[2 * s] + x[b].bsums[2 * s + 1]);
            }
        }
        return;
    }
    int64_t nb = a->K / QK8_0;
    int32_t *corr = (int32_t *)(dx + a->M * nb);
    for (int64_t m = begin; m < end; m++) {
        const BlockQ8_0 *x = (const BlockQ8_0 *)a->xq + m * nb;
        for (int64_t b = 0; b < nb; b++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)x[b].qs);
            dx[m * nb + b] = _cvtsh_ss(x[b].d);
            corr[m * nb + b] = -128 * _mm512_reduce_add_epi32(_mm512_cvtepi8_epi32(_mm256_castsi256_si128(q))) -
                               128 * _mm512_reduce_add_epi32(_mm512_cvtepi8_epi32(_mm256_extracti128_si256(q, 1)));
        }
    }
}

void qgemm_prepare(ThreadPool *pool, LinearAct *act) { pool_parallel_for(pool, act->M, prepare_rows, act); }

/* ---- weight panels ---- */

/* Panel layout, per block b (q8_0/q4_0: 32 k; q4_K: a super-block of 256)
 * and strip s: q8_0 / q4_0 one STRIP_BLOCK (8 vectors of u8 = w + 128, then
 * d_w as 16 f32); q4_K eight STRIP_BLOCKs (u8 = the nibble, then d·sc of
 * that sub-block) followed by dmin·m of the 8 sub-blocks (8 x 16 f32).
 * Lane c of every vector belongs to weight row c of the strip. */
#define Q4K_STRIP_BLOCK (8 * STRIP_BLOCK + 8 * 64)

static size_t strip_block_bytes(DType t) { return t == DTYPE_Q4_K ? Q4K_STRIP_BLOCK : STRIP_BLOCK; }

static size_t block_bytes(DType t) {
    return t == DTYPE_Q8_0 ? sizeof(BlockQ8_0) : t == DTYPE_Q4_0 ? sizeof(BlockQ4_0) : sizeof(BlockQ4_K);
}

/* 32 weight bytes of one row as the 8 words of lane c of 8 panel vectors. */
INLINE void put_words(__m256i v, uint8_t *dst, int c) {
    uint32_t w[8];
    _mm256_storeu_si256((__m256i *)w, v);
    for (int j = 0; j < QUADS; j++) memcpy(dst + 64 * j + 4 * c, &w[j], 4);
}

INLINE void put_f32(uint8_t *dst, int c, float v) { memcpy(dst + 4 * c, &v, 4); }

/* One q8_0 / q4_0 block of weight row c. */
INLINE void pack_q8_q4(int q8, const uint8_t *src, int c, uint8_t *dst) {
    uint16_t d;
    memcpy(&d, src, 2);
    put_f32(dst + QUADS * 64, c, _cvtsh_ss(d));
    if (q8) {
        put_words(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + 2)), _mm256_set1_epi8((char)0x80)), dst, c);
    } else { /* low nibbles are elements 0..15, high nibbles 16..31; u8 = (nibble - 8) + 128 */
        __m128i q = _mm_loadu_si128((const __m128i *)(src + 2)), nibble = _mm_set1_epi8(0x0F);
        __m256i both = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), nibble), _mm_and_si128(q, nibble));
        put_words(_mm256_add_epi8(both, _mm256_set1_epi8(128 - 8)), dst, c);
    }
}

/* One q4_K super-block of weight row c. */
INLINE void pack_q4_K(const BlockQ4_K *src, int c, uint8_t *dst) {
    float d = _cvtsh_ss(src->d), dmin = _cvtsh_ss(src->dmin);
    for (int s = 0; s < 8; s++) { /* the 6-bit scales and mins, ggml's get_scale_min_k4 */
        const uint8_t *sc = src->scales;
        int scale = s < 4 ? sc[s] & 63 : (sc[s + 4] & 0xF) | ((sc[s - 4] >> 6) << 4);
        int min = s < 4 ? sc[s + 4] & 63 : (sc[s + 4] >> 4) | ((sc[s] >> 6) << 4);
        put_f32(dst + s * STRIP_BLOCK + QUADS * 64, c, d * (float)scale);
        put_f32(dst + 8 * STRIP_BLOCK + 64 * s, c, dmin * (float)min);
    }
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    for (int p = 0; p < 4; p++) { /* 32 bytes per pair of sub-blocks: low nibbles sub-block 2p, high 2p+1 */
        __m256i q = _mm256_loadu_si256((const __m256i *)(src->qs + 32 * p));
        put_words(_mm256_and_si256(q, nibble), dst + 2 * p * STRIP_BLOCK, c);
        put_words(_mm256_and_si256(_mm256_srli_epi16(q, 4), nibble), dst + (2 * p + 1) * STRIP_BLOCK, c);
    }
}

/* ns strips from weight row n0 on into panel[b][strip]. Each weight row is
 * read front to back (the hardware prefetcher follows that; gathering a
 * word of 16 rows at a time was slower than the products it fed) and its
 * words are spread into its lane. Lanes past row N are zero. */
static void pack_panel(const LinearAct *a, int64_t n0, int ns, uint8_t *panel) {
    int64_t nb = a->K / (a->w_type == DTYPE_Q4_K ? QK_K : QK8_0);
    size_t blk = block_bytes(a->w_type);
    size_t row = (size_t)nb * blk, sb = strip_block_bytes(a->w_type), stride = (size_t)ns * sb;
    if (a->N - n0 < (int64_t)ns * STRIP) memset(panel, 0, (size_t)nb * stride);
    for (int s = 0; s < ns; s++)
        for (int c = 0; c < STRIP && n0 + STRIP * s + c < a->N; c++) {
            const uint8_t *src = (const uint8_t *)a->W + (size_t)(n0 + STRIP * s + c) * row;
            uint8_t *dst = panel + (size_t)s * sb;
            for (int64_t b = 0; b < nb; b++, src += blk, dst += stride) {
                if (a->w_type == DTYPE_Q4_K)
                    pack_q4_K((const BlockQ4_K *)src, c, dst);
                else
                    pack_q8_q4(a->w_type == DTYPE_Q8_0, src, c, dst);
            }
        }
}

/* ---- tiles ---- */

/* isum[m][s] += Σ over one 32-k block of u8 weights (ns strips, sb bytes
 * apart, at p) times the s8 x bytes of row m (xq[m]). */
INLINE void block_dots(int rm, int ns, const uint8_t *p, size_t sb, const int8_t *const xq[RM],
                       __m512i isum[RM][RNV]) {
    for (int j = 0; j < QUADS; j++) {
        __m512i w[RNV];
        for (int s = 0; s < ns; s++) w[s] = _mm512_load_si512(p + s * sb + 64 * j);
        for (int m = 0; m < rm; m++) {
            int32_t four;
            memcpy(&four, xq[m] + 4 * j, 4);
            __m512i x = _mm512_set1_epi32(four);
            for (int s = 0; s < ns; s++) isum[m][s] = _mm512_dpbusd_epi32(isum[m][s], w[s], x);
        }
    }
}

/* acc[m][s] += isum · (scale of the strip's block at p) · d_x of row m. */
INLINE void block_scale(int rm, int ns, const uint8_t *p, size_t sb, const float *dx, int64_t dx_stride,
                        __m512i isum[RM][RNV], __m512 acc[RM][RNV]) {
    for (int m = 0; m < rm; m++) {
        __m512 d = _mm512_set1_ps(dx[m * dx_stride]);
        for (int s = 0; s < ns; s++) {
            __m512 scale = _mm512_mul_ps(_mm512_load_ps(p + s * sb + QUADS * 64), d);
            acc[m][s] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[m][s]), scale, acc[m][s]);
        }
    }
}

/* rm x rows from m0 against the ns packed strips (weight rows n0..), into y. */
INLINE void tile(const LinearAct *a, const uint8_t *panel, int rm, int ns, int64_t m0, int64_t n0) {
    int k4 = a->w_type == DTYPE_Q4_K;
    int64_t nb = a->K / (k4 ? QK_K : QK8_0);
    size_t sb = strip_block_bytes(a->w_type);
    const float *dx = (const float *)a->avx + m0 * nb;
    const float *xsum = (const float *)a->avx + a->M * nb + m0 * nb * 8;
    const int32_t *corr = (const int32_t *)((const float *)a->avx + a->M * nb) + m0 * nb;
    __m512 acc[RM][RNV];
    __m512i isum[RM][RNV];
    for (int m = 0; m < rm; m++)
        for (int s = 0; s < ns; s++) acc[m][s] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *p = panel + (size_t)b * (size_t)ns * sb;
        const int8_t *xq[RM];
        if (!k4) {
            for (int m = 0; m < rm; m++) {
                xq[m] = ((const BlockQ8_0 *)a->xq + (m0 + m) * nb + b)->qs;
                __m512i c = _mm512_set1_epi32(corr[m * nb + b]);
                for (int s = 0; s < ns; s++) isum[m][s] = c;
            }
            block_dots(rm, ns, p, sb, xq, isum);
            block_scale(rm, ns, p, sb, dx + b, nb, isum, acc);
            continue;
        }
        for (int sub = 0; sub < 8; sub++) {
            for (int m = 0; m < rm; m++) {
                xq[m] = ((const BlockQ8_K *)a->xq + (m0 + m) * nb + b)->qs + 32 * sub;
                for (int s = 0; s < ns; s++) isum[m][s] = _mm512_setzero_si512();
            }
            block_dots(rm, ns, p + sub * STRIP_BLOCK, sb, xq, isum);
            block_scale(rm, ns, p + sub * STRIP_BLOCK, sb, dx + b, nb, isum, acc);
        }
        for (int m = 0; m < rm; m++) /* - dmin·m_sub · d_x·Σ q_x, per sub-block */
            for (int sub = 0; sub < 8; sub++) {
                __m512 xs = _mm512_set1_ps(xsum[(m * nb + b) * 8 + sub]);
                for (int s = 0; s < ns; s++)
                    acc[m][s] = _mm512_fnmadd_ps(_mm512_load_ps(p + s * sb + 8 * STRIP_BLOCK + 64 * sub), xs, acc[m][s]);
            }
    }
    for (int m = 0; m < rm; m++) {
        float *y = a->y + (m0 + m) * a->N + n0;
        for (int s = 0; s < ns; s++) {
            int64_t left = a->N - n0 - STRIP * s;
            __mmask16 live = left >= STRIP ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            _mm512_mask_storeu_ps(y + STRIP * s, live, acc[m][s]);
        }
    }
}

/* Constant rm and ns for each call, so every tile shape compiles with its
 * accumulators in registers. */
#define TILE_NS(rm, ns, m0, n0)                                                                                     \
    switch (ns) {                                                                                                   \
    case 1: tile(a, panel, rm, 1, m0, n0); break;                                                                   \
    case 2: tile(a, panel, rm, 2, m0, n0); break;                                                                   \
    default: tile(a, panel, rm, 3, m0, n0); break;                                                                  \
    }

static void tile_any(const LinearAct *a, const uint8_t *panel, int rm, int ns, int64_t m0, int64_t n0) {
    _Static_assert(RM == 4 && RNV == 3, "the dispatch below lists every tile shape");
    switch (rm) {
    case 1: TILE_NS(1, ns, m0, n0); break;
    case 2: TILE_NS(2, ns, m0, n0); break;
    case 3: TILE_NS(3, ns, m0, n0); break;
    default: TILE_NS(4, ns, m0, n0); break;
    }
}

/* Weight rows [begin, end) (begin a multiple of RNV·16): one panel at a
 * time, packed once and used for every x row. */
static void columns(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    int64_t block = a->w_type == DTYPE_Q4_K ? QK_K : QK8_0, tiles = (a->M + RM - 1) / RM;
    size_t row = (size_t)(a->K / block) * block_bytes(a->w_type);
    uint8_t *panel = scratch_get(SCRATCH_QPANEL, (size_t)(a->K / block) * RNV * strip_block_bytes(a->w_type));
    if (!panel) { /* no memory for a panel: the portable loop needs none */
        linear_portable_rows(ctx, begin, end, thread);
        return;
    }
    for (int64_t n0 = begin; n0 < end; n0 += RNV * STRIP) {
        int64_t left = end - n0;
        int ns = left >= RNV * STRIP ? RNV : (int)((left + STRIP - 1) / STRIP);
        pack_panel(a, n0, ns, panel);
        /* While the tiles run, bring the next panel's weight rows (one
         * contiguous run) into L2 a slice per tile: packing straight from
         * DRAM otherwise stalls on every row (perf: a third of prefill). */
        int64_t next = n0 + RNV * STRIP, next_rows = end - next < RNV * STRIP ? end - next : RNV * STRIP;
        const char *ahead = (const char *)a->W + (size_t)next * row;
        size_t lines = next_rows > 0 ? ((size_t)next_rows * row + 63) / 64 : 0, per_tile = lines / (size_t)tiles + 1, line = 0;
        for (int64_t m0 = 0; m0 < a->M; m0 += RM) {
            for (size_t i = 0; i < per_tile && line < lines; i++, line++) _mm_prefetch(ahead + 64 * line, _MM_HINT_T1);
            tile_any(a, panel, a->M - m0 < RM ? (int)(a->M - m0) : RM, ns, m0, n0);
        }
    }
}

void qgemm(ThreadPool *pool, LinearAct *act) {
    int64_t width = RNV * STRIP, groups = (act->N + width - 1) / width;
    int64_t per = (groups + 4 * pool_threads(pool) - 1) / (4 * pool_threads(pool)); /* ~4 pieces per thread */
    workshare_for(pool, act->N, per * width, columns, act);
}
