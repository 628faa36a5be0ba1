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
 * that sub-block) followed by dmin·m of the 8 sub-blocks (8 x 16 f32). */
#define Q4K_STRIP_BLOCK (8 * STRIP_BLOCK + 8 * 64)

static size_t strip_block_bytes(DType t) { return t == DTYPE_Q4_K ? Q4K_STRIP_BLOCK : STRIP_BLOCK; }

/* 16 lanes of one byte of each 32-bit word, as f32. */
INLINE __m512 byte_f32(__m512i words, int byte) {
    return _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(words, 8 * byte), _mm512_set1_epi32(0xFF)));
}

/* One q4_K super-block of 16 weight rows (gathered at src + offsets). */
INLINE void pack_q4_K(const uint8_t *src, __m512i offsets, __mmask16 live, uint8_t *dst) {
    const __m512i zero = _mm512_setzero_si512(), nibble = _mm512_set1_epi8(0x0F);
    __m512i dd = _mm512_mask_i32gather_epi32(zero, live, offsets, src, 1); /* d | dmin << 16 */
    __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dd)), dmin = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dd, 16)));
    /* the 6-bit scales and mins of ggml's get_scale_min_k4, four per word */
    __m512i u0 = _mm512_mask_i32gather_epi32(zero, live, offsets, src + 4, 1);
    __m512i u1 = _mm512_mask_i32gather_epi32(zero, live, offsets, src + 8, 1);
    __m512i u2 = _mm512_mask_i32gather_epi32(zero, live, offsets, src + 12, 1);
    const __m512i low6 = _mm512_set1_epi32(0x3f3f3f3f), low4 = _mm512_set1_epi32(0x0f0f0f0f),
                  top2 = _mm512_set1_epi32(0x03030303);
    __m512i sc[2] = {_mm512_and_si512(u0, low6),
                     _mm512_or_si512(_mm512_and_si512(u2, low4),
                                     _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u0, 6), top2), 4))};
    __m512i mn[2] = {_mm512_and_si512(u1, low6),
                     _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(u2, 4), low4),
                                     _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u1, 6), top2), 4))};
    for (int s = 0; s < 8; s++) {
        _mm512_store_ps(dst + s * STRIP_BLOCK + QUADS * 64, _mm512_mul_ps(d, byte_f32(sc[s / 4], s % 4)));
        _mm512_store_ps(dst + 8 * STRIP_BLOCK + 64 * s, _mm512_mul_ps(dmin, byte_f32(mn[s / 4], s % 4)));
    }
    /* 32 bytes per pair of sub-blocks: low nibbles sub-block 2p, high 2p+1 */
    for (int p = 0; p < 4; p++)
        for (int j = 0; j < QUADS; j++) {
            __m512i w = _mm512_mask_i32gather_epi32(zero, live, offsets, src + 16 + 32 * p + 4 * j, 1);
            _mm512_store_si512(dst + 2 * p * STRIP_BLOCK + 64 * j, _mm512_and_si512(w, nibble));
            _mm512_store_si512(dst + (2 * p + 1) * STRIP_BLOCK + 64 * j,
                               _mm512_and_si512(_mm512_srli_epi16(w, 4), nibble));
        }
}

/* One q8_0 / q4_0 block of 16 weight rows. */
INLINE void pack_q8_q4(int q8, const uint8_t *src, __m512i offsets, __mmask16 live, uint8_t *dst) {
    const __m512i zero = _mm512_setzero_si512(), flip = _mm512_set1_epi8((char)0x80),
                  nibble = _mm512_set1_epi8(0x0F), to_u8 = _mm512_set1_epi8(128 - 8); /* q4_0: (nibble - 8) + 128 */
    __m512i d = _mm512_mask_i32gather_epi32(zero, live, offsets, src, 1);
    _mm512_store_ps(dst + QUADS * 64, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d)));
    if (q8) {
        for (int j = 0; j < QUADS; j++) {
            __m512i w = _mm512_mask_i32gather_epi32(zero, live, offsets, src + 2 + 4 * j, 1);
            _mm512_store_si512(dst + 64 * j, _mm512_xor_si512(w, flip));
        }
    } else { /* low nibbles are elements 0..15 of the block, high nibbles 16..31 */
        for (int j = 0; j < QUADS / 2; j++) {
            __m512i w = _mm512_mask_i32gather_epi32(zero, live, offsets, src + 2 + 4 * j, 1);
            _mm512_store_si512(dst + 64 * j, _mm512_add_epi8(_mm512_and_si512(w, nibble), to_u8));
            _mm512_store_si512(dst + 64 * (j + QUADS / 2),
                               _mm512_add_epi8(_mm512_and_si512(_mm512_srli_epi16(w, 4), nibble), to_u8));
        }
    }
}

/* ns strips from weight row n0 on (rows >= N read as zero with scale 0) into
 * panel[b][strip]. A block's 32-bit words are gathered across the 16 rows of
 * a strip, which is exactly the transpose the tile needs. */
static void pack_panel(const LinearAct *a, int64_t n0, int ns, uint8_t *panel) {
    int64_t nb = a->K / (a->w_type == DTYPE_Q4_K ? QK_K : QK8_0);
    size_t blk = a->w_type == DTYPE_Q8_0 ? sizeof(BlockQ8_0) : a->w_type == DTYPE_Q4_0 ? sizeof(BlockQ4_0) : sizeof(BlockQ4_K);
    size_t row = (size_t)nb * blk, sb = strip_block_bytes(a->w_type);
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i offsets = _mm512_mullo_epi32(lanes, _mm512_set1_epi32((int)row));
    for (int s = 0; s < ns; s++) {
        int64_t first = n0 + STRIP * s, left = a->N - first;
        __mmask16 live = left >= STRIP ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const uint8_t *base = (const uint8_t *)a->W + (size_t)first * row;
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *dst = panel + ((size_t)b * (size_t)ns + (size_t)s) * sb;
            if (a->w_type == DTYPE_Q4_K)
                pack_q4_K(base + (size_t)b * blk, offsets, live, dst);
            else
                pack_q8_q4(a->w_type == DTYPE_Q8_0, base + (size_t)b * blk, offsets, live, dst);
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
    size_t bytes = (size_t)(a->K / (a->w_type == DTYPE_Q4_K ? QK_K : QK8_0)) * RNV * strip_block_bytes(a->w_type);
    uint8_t *panel = scratch_get(SCRATCH_QPANEL, bytes);
    if (!panel) { /* no memory for a panel: the portable loop needs none */
        linear_portable_rows(ctx, begin, end, thread);
        return;
    }
    for (int64_t n0 = begin; n0 < end; n0 += RNV * STRIP) {
        int64_t left = end - n0;
        int ns = left >= RNV * STRIP ? RNV : (int)((left + STRIP - 1) / STRIP);
        pack_panel(a, n0, ns, panel);
        for (int64_t m0 = 0; m0 < a->M; m0 += RM) tile_any(a, panel, a->M - m0 < RM ? (int)(a->M - m0) : RM, ns, m0, n0);
    }
}

void qgemm(ThreadPool *pool, LinearAct *act) {
    int64_t width = RNV * STRIP, groups = (act->N + width - 1) / width;
    int64_t per = (groups + 4 * pool_threads(pool) - 1) / (4 * pool_threads(pool)); /* ~4 pieces per thread */
    workshare_for(pool, act->N, per * width, columns, act);
}
