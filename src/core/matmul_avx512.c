/* AVX-512 GEMM: the BLIS/Goto scheme (Goto & van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication", TOMS 2008).
 *
 *   for jc in N step NC:            B block KC x NC lives in L3
 *     for pc in K step KC:          pack B -> panels [kc][NR]
 *       for ic in M step MC:        A block MC x KC lives in L2
 *         pack A -> panels [kc][MR]
 *         for jr, ir: 12x32 microkernel (24 zmm accumulators), B panel in L1
 *
 * The bf16 variant packs k in pairs ([kc/2][MR][2], [kc/2][NR][2]) so one
 * vdpbf16ps does two k steps per lane; f32 operands are rounded to bf16 while
 * packing, in any layout (training's bf16 matmuls: nt, nn and tn). Threads take pieces of C (column or
 * row ranges) on demand (workshare.h) and pack their own panels.
 */
#include "matmul_avx512.h"

#include "error.h"
#include "scratch.h"
#include "workshare.h"

#include <immintrin.h>
#include <string.h>

#define MR 12
#define NR 32
#define KC GEMM_KC
#define MC 240
#define NC 3072

#define INLINE static inline __attribute__((always_inline))

/* ---- 16x16 transpose of 32-bit elements (rows r[i] -> columns r[j]) ---- */

INLINE void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* s[4i+c], 128-bit lane L = column 4L+c of rows 4i..4i+3 */
    __m512 s[16];
    for (int i = 0; i < 4; i++) {
        s[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; c++) {
        __m512 u0 = _mm512_shuffle_f32x4(s[c], s[4 + c], _MM_SHUFFLE(1, 0, 1, 0));
        __m512 u1 = _mm512_shuffle_f32x4(s[c], s[4 + c], _MM_SHUFFLE(3, 2, 3, 2));
        __m512 v0 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], _MM_SHUFFLE(1, 0, 1, 0));
        __m512 v1 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], _MM_SHUFFLE(3, 2, 3, 2));
        r[c] = _mm512_shuffle_f32x4(u0, v0, _MM_SHUFFLE(2, 0, 2, 0));
        r[4 + c] = _mm512_shuffle_f32x4(u0, v0, _MM_SHUFFLE(3, 1, 3, 1));
        r[8 + c] = _mm512_shuffle_f32x4(u1, v1, _MM_SHUFFLE(2, 0, 2, 0));
        r[12 + c] = _mm512_shuffle_f32x4(u1, v1, _MM_SHUFFLE(3, 1, 3, 1));
    }
}

/* ---- loading 16 packed elements along k from one source row ---- */

enum { LOAD_F32, LOAD_F16, LOAD_BF16, PAIR_BF16, PAIR_F32 };

static inline __mmask16 mask16(int64_t n) {
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}
static inline __mmask32 mask32(int64_t n) {
    return n >= 32 ? (__mmask32)0xFFFFFFFFu : n <= 0 ? 0 : (__mmask32)((1u << n) - 1);
}

/* 16 output elements starting at output index k of the row: plain kinds give
 * floats for k..k+15; pair kinds give bf16 pairs (2k'..2k'+1) for 16 k'. n is
 * how many source elements remain (the rest load as zero). */
INLINE __m512 load_row(int kind, const void *row, int64_t k, int64_t n) {
    switch (kind) {
    case LOAD_F32: return _mm512_maskz_loadu_ps(mask16(n), (const float *)row + k);
    case LOAD_F16: return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask16(n), (const uint16_t *)row + k));
    case LOAD_BF16: {
        __m512i w = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask16(n), (const uint16_t *)row + k));
        return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
    }
    case PAIR_BF16: return _mm512_castsi512_ps(_mm512_maskz_loadu_epi16(mask32(n), (const uint16_t *)row + 2 * k));
    default: { /* PAIR_F32 */
        const float *f = (const float *)row + 2 * k;
        __m512 lo = _mm512_maskz_loadu_ps(mask16(n), f);
        __m512 hi = _mm512_maskz_loadu_ps(mask16(n - 16), f + 16);
        return _mm512_castsi512_ps((__m512i)_mm512_cvtne2ps_pbh(hi, lo));
    }
    }
}

/* dst[k*width + r] = element k of source row r, for r < rows (zero for
 * rows..width-1), k < kc (k counts pairs for pair kinds, whose source has
 * n_src = 2*kc elements or one fewer). Rows are ld source elements apart. */
INLINE void pack_transposed(int kind, float *dst, int width, const void *src, int64_t ld, int rows, int64_t kc,
                            int64_t n_src) {
    int esize = (kind == LOAD_F32 || kind == PAIR_F32) ? 4 : 2;
    int per = (kind == PAIR_BF16 || kind == PAIR_F32) ? 2 : 1;
    for (int g = 0; g < width; g += 16) {
        int g_rows = rows - g < 0 ? 0 : rows - g > 16 ? 16 : rows - g;
        int g_width = width - g > 16 ? 16 : width - g;
        __mmask16 store_mask = mask16(g_width);
        for (int64_t k = 0; k < kc; k += 16) {
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = i < g_rows ? load_row(kind, (const char *)src + (size_t)(g + i) * (size_t)ld * (size_t)esize, k,
                                             n_src - per * k)
                                  : _mm512_setzero_ps();
            transpose16(r);
            int64_t kn = kc - k < 16 ? kc - k : 16;
            for (int i = 0; i < kn; i++) _mm512_mask_storeu_ps(dst + (k + i) * width + g, store_mask, r[i]);
        }
    }
}

/* dst[k*width + j] = src[k*ld + j] for j < cols (zero beyond): source
 * contiguous along the panel (tn's A, nn's and tn's B). f32 only. */
static void pack_direct(float *dst, int width, const float *src, int64_t ld, int cols, int64_t kc) {
    for (int64_t k = 0; k < kc; k++)
        for (int g = 0; g < width; g += 16)
            _mm512_storeu_ps(dst + k * width + g, _mm512_maskz_loadu_ps(mask16(cols - g), src + k * ld + g));
}

/* The pair-packed form of pack_direct (bf16 products): dst lane (k, j) holds
 * src[2k*ld + j] (low half) and src[(2k+1)*ld + j] (high half) rounded to
 * bf16, the even/odd k order vdpbf16ps multiplies in. Source row 2k+1 at or
 * past n_src (odd K) reads as zero. f32 source only. */
static void pack_direct_pairs(float *dst, int width, const float *src, int64_t ld, int cols, int64_t kc,
                              int64_t n_src) {
    for (int64_t k = 0; k < kc; k++) {
        const float *even = src + 2 * k * ld, *odd = even + ld;
        int has_odd = 2 * k + 1 < n_src;
        for (int g = 0; g < width; g += 16) {
            __mmask16 m = mask16(cols - g);
            __m512 lo = _mm512_maskz_loadu_ps(m, even + g);
            __m512 hi = has_odd ? _mm512_maskz_loadu_ps(m, odd + g) : _mm512_setzero_ps();
            __m512i lo16 = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(lo));
            __m512i hi16 = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(hi));
            _mm512_storeu_si512(dst + k * width + g, _mm512_or_si512(lo16, _mm512_slli_epi32(hi16, 16)));
        }
    }
}

/* ---- microkernels ---- */

INLINE void store_tile(__m512 c[MR][2], float *C, int64_t ldc, int mr, int nr, int overwrite) {
    __mmask16 m0 = mask16(nr), m1 = mask16(nr - 16 < 0 ? 0 : nr - 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
        if (i >= mr) break;
        float *row = C + i * ldc;
        __m512 c0 = c[i][0], c1 = c[i][1];
        if (!overwrite) {
            c0 = _mm512_add_ps(c0, _mm512_maskz_loadu_ps(m0, row));
            c1 = _mm512_add_ps(c1, _mm512_maskz_loadu_ps(m1, row + 16));
        }
        _mm512_mask_storeu_ps(row, m0, c0);
        _mm512_mask_storeu_ps(row + 16, m1, c1);
    }
}

/* The C tile is read only after the k loop; fetching it now hides the L3
 * latency that would otherwise stall the stores (~10% on large shapes). */
INLINE void prefetch_tile(const float *C, int64_t ldc, int mr) {
    for (int i = 0; i < mr; i++) {
        _mm_prefetch((const char *)(C + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(C + i * ldc + 16), _MM_HINT_T0);
    }
}

static void micro_f32(int64_t kc, const float *restrict a, const float *restrict b, float *C, int64_t ldc, int mr,
                      int nr, int overwrite) {
    prefetch_tile(C, ldc, mr);
    __m512 c[MR][2];
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
    for (int64_t k = 0; k < kc; k++) {
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            __m512 ai = _mm512_set1_ps(a[i]);
            c[i][0] = _mm512_fmadd_ps(ai, b0, c[i][0]);
            c[i][1] = _mm512_fmadd_ps(ai, b1, c[i][1]);
        }
        a += MR;
        b += NR;
    }
    store_tile(c, C, ldc, mr, nr, overwrite);
}

/* a: [kp][MR] bf16 pairs, b: [kp][NR] bf16 pairs (each pair one 32-bit lane). */
static void micro_bf16(int64_t kp, const float *restrict a, const float *restrict b, float *C, int64_t ldc, int mr,
                       int nr, int overwrite) {
    prefetch_tile(C, ldc, mr);
    __m512 c[MR][2];
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
    for (int64_t k = 0; k < kp; k++) {
        __m512bh b0 = (__m512bh)_mm512_load_ps(b), b1 = (__m512bh)_mm512_load_ps(b + 16);
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            __m512bh ai = (__m512bh)_mm512_set1_ps(a[i]);
            c[i][0] = _mm512_dpbf16_ps(c[i][0], ai, b0);
            c[i][1] = _mm512_dpbf16_ps(c[i][1], ai, b1);
        }
        a += MR;
        b += NR;
    }
    store_tile(c, C, ldc, mr, nr, overwrite);
}

/* ---- driver ---- */

static int b_kind(const GemmArgs *g) {
    if (g->bf16_dot) return g->b_type == DTYPE_BF16 ? PAIR_BF16 : PAIR_F32;
    return g->b_type == DTYPE_F16 ? LOAD_F16 : g->b_type == DTYPE_BF16 ? LOAD_BF16 : LOAD_F32;
}

static size_t b_esize(const GemmArgs *g) { return g->b_type == DTYPE_F32 ? 4 : 2; }

/* Panels of rows m0..m0+mc of A, k from k0 (kc output steps). */
static void pack_a(const GemmArgs *g, float *dst, int64_t m0, int64_t mc, int64_t k0, int64_t kc) {
    for (int64_t i = 0; i < mc; i += MR) {
        int rows = (int)(mc - i < MR ? mc - i : MR);
        float *panel = dst + i * kc;
        if (g->bf16_dot && g->a_cs == 1) {
            const float *src = g->A + (m0 + i) * g->a_rs + 2 * k0;
            pack_transposed(PAIR_F32, panel, MR, src, g->a_rs, rows, kc, g->K - 2 * k0);
        } else if (g->bf16_dot) {
            pack_direct_pairs(panel, MR, g->A + (m0 + i) + 2 * k0 * g->a_cs, g->a_cs, rows, kc, g->K - 2 * k0);
        } else if (g->a_cs == 1) {
            pack_transposed(LOAD_F32, panel, MR, g->A + (m0 + i) * g->a_rs + k0, g->a_rs, rows, kc, g->K - k0);
        } else {
            pack_direct(panel, MR, g->A + (m0 + i) + k0 * g->a_cs, g->a_cs, rows, kc);
        }
    }
}

static void pack_b(const GemmArgs *g, float *dst, int64_t n0, int64_t nc, int64_t k0, int64_t kc) {
    int kind = b_kind(g);
    int per = g->bf16_dot ? 2 : 1;
    for (int64_t j = 0; j < nc; j += NR) {
        int cols = (int)(nc - j < NR ? nc - j : NR);
        float *panel = dst + j * kc;
        if (g->b_rs != 1) {
            const float *src = (const float *)g->B + (n0 + j) * g->b_cs + per * k0 * g->b_rs;
            if (g->bf16_dot)
                pack_direct_pairs(panel, NR, src, g->b_rs, cols, kc, g->K - 2 * k0);
            else
                pack_direct(panel, NR, src, g->b_rs, cols, kc);
            continue;
        }
        const char *src = (const char *)g->B + ((size_t)(n0 + j) * (size_t)g->b_cs + (size_t)(per * k0)) * b_esize(g);
        int64_t n_src = g->K - per * k0;
        switch (kind) { /* constant kinds so each specialises */
        case LOAD_F32: pack_transposed(LOAD_F32, panel, NR, src, g->b_cs, cols, kc, n_src); break;
        case LOAD_F16: pack_transposed(LOAD_F16, panel, NR, src, g->b_cs, cols, kc, n_src); break;
        case LOAD_BF16: pack_transposed(LOAD_BF16, panel, NR, src, g->b_cs, cols, kc, n_src); break;
        case PAIR_BF16: pack_transposed(PAIR_BF16, panel, NR, src, g->b_cs, cols, kc, n_src); break;
        default: pack_transposed(PAIR_F32, panel, NR, src, g->b_cs, cols, kc, n_src); break;
        }
    }
}

/* Plain loops for one rectangle when the pack buffers cannot be had. */
static float b_at(const GemmArgs *g, int64_t k, int64_t n) {
    size_t at = (size_t)(k * g->b_rs + n * g->b_cs);
    switch (g->b_type) {
    case DTYPE_F16: return f16_to_f32(((const uint16_t *)g->B)[at]);
    case DTYPE_BF16: return bf16_to_f32(((const uint16_t *)g->B)[at]);
    default: return ((const float *)g->B)[at];
    }
}

static void gemm_rect_slow(const GemmArgs *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    for (int64_t m = m0; m < m1; m++)
        for (int64_t n = n0; n < n1; n++) {
            float sum = 0;
            for (int64_t k = 0; k < g->K; k++) {
                float a = g->A[m * g->a_rs + k * g->a_cs], b = b_at(g, k, n);
                if (g->bf16_dot) a = bf16_to_f32(f32_to_bf16(a)), b = bf16_to_f32(f32_to_bf16(b));
                sum += a * b;
            }
            float *c = g->C + m * g->N + n;
            *c = g->accumulate ? *c + sum : sum;
        }
}

static void gemm_rect(const GemmArgs *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    if (m0 >= m1 || n0 >= n1) return;
    int per = g->bf16_dot ? 2 : 1;
    int64_t k_steps = (g->K + per - 1) / per; /* k counted in pairs for bf16 */
    int64_t nc_max = n1 - n0 < NC ? n1 - n0 : NC, mc_max = m1 - m0 < MC ? m1 - m0 : MC;
    int64_t kc_max = k_steps < KC ? k_steps : KC;
    size_t b_bytes = (size_t)((nc_max + NR - 1) / NR * NR * kc_max) * 4;
    size_t a_bytes = (size_t)((mc_max + MR - 1) / MR * MR * kc_max) * 4;
    float *pb = g->b_packed ? NULL : scratch_get(SCRATCH_GEMM_B, b_bytes), *pa = scratch_get(SCRATCH_GEMM_A, a_bytes);
    int64_t n_pad = (g->N + NR - 1) / NR * NR;
    if (!pa || (!pb && !g->b_packed)) {
        gemm_rect_slow(g, m0, m1, n0, n1);
        return;
    }
    if (k_steps == 0 && !g->accumulate)
        for (int64_t m = m0; m < m1; m++) memset(g->C + m * g->N + n0, 0, (size_t)(n1 - n0) * sizeof(float));
    for (int64_t jc = n0; jc < n1; jc += NC) {
        int64_t nc = n1 - jc < NC ? n1 - jc : NC;
        for (int64_t pc = 0; pc < k_steps; pc += KC) {
            int64_t kc = k_steps - pc < KC ? k_steps - pc : KC;
            int overwrite = pc == 0 && !g->accumulate;
            if (g->b_packed)
                pb = (float *)g->b_packed + pc * n_pad + jc * kc; /* jc is a multiple of NR */
            else
                pack_b(g, pb, jc, nc, pc, kc);
            for (int64_t ic = m0; ic < m1; ic += MC) {
                int64_t mc = m1 - ic < MC ? m1 - ic : MC;
                pack_a(g, pa, ic, mc, pc, kc);
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    int nr = (int)(nc - jr < NR ? nc - jr : NR);
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        int mr = (int)(mc - ir < MR ? mc - ir : MR);
                        float *c = g->C + (ic + ir) * g->N + jc + jr;
                        if (g->bf16_dot)
                            micro_bf16(kc, pa + ir * kc, pb + jr * kc, c, g->N, mr, nr, overwrite);
                        else
                            micro_f32(kc, pa + ir * kc, pb + jr * kc, c, g->N, mr, nr, overwrite);
                    }
                }
            }
        }
    }
}

typedef struct {
    const GemmArgs *g;
    int along_n;
} GemmJob;

/* A piece is a range of columns (or rows) of C with the whole other
 * dimension: each piece packs its own panels, and pieces are long enough
 * (>= 256 columns / rows) that repacking the shared operand costs little. */
static void gemm_piece(void *ctx, int64_t begin, int64_t end, int thread) {
    GemmJob *job = ctx;
    const GemmArgs *g = job->g;
    if (job->along_n)
        gemm_rect(g, 0, g->M, begin, end);
    else
        gemm_rect(g, begin, end, 0, g->N);
}

int64_t gemm_avx512_packed_floats(int64_t N, int64_t K, int bf16_dot) {
    return (N + NR - 1) / NR * NR * (bf16_dot ? (K + 1) / 2 : K);
}

void gemm_avx512_pack_b(const GemmArgs *g, float *dst) {
    EXA_ASSERT(g->b_type == DTYPE_F32);
    int64_t n_pad = (g->N + NR - 1) / NR * NR, k_steps = g->bf16_dot ? (g->K + 1) / 2 : g->K;
    for (int64_t pc = 0; pc < k_steps; pc += KC)
        pack_b(g, dst + pc * n_pad, 0, g->N, pc, k_steps - pc < KC ? k_steps - pc : KC);
}

void gemm_avx512(ThreadPool *pool, const GemmArgs *args) {
    /* Strided operands are packed from f32 only (pack_direct*). */
    EXA_ASSERT(args->b_type == DTYPE_F32 || args->b_rs == 1);
    EXA_ASSERT(!args->bf16_dot || args->a_cs == 1 || args->a_rs == 1);
    if (args->M <= 0 || args->N <= 0) return;
    int threads = pool_threads(pool);
    /* Tiny products are not worth waking the workers for. */
    if (threads == 1 || (double)args->M * (double)args->N * (double)args->K < 8e6) {
        gemm_rect(args, 0, args->M, 0, args->N);
        return;
    }
    /* About four pieces per thread, along N unless N is short. Packed B
     * costs nothing to share, so its pieces go along N whenever N has a
     * panel per piece. */
    GemmJob job = {args, args->N >= 256 * 2 * threads || (args->b_packed && args->N >= NR * 2 * threads)};
    int64_t len = job.along_n ? args->N : args->M, unit = job.along_n ? NR : MR;
    int64_t chunk = (len + 4 * threads - 1) / (4 * threads);
    if (chunk < 256 && !(args->b_packed && job.along_n)) chunk = 256;
    chunk = (chunk + unit - 1) / unit * unit;
    workshare_for(pool, len, chunk, gemm_piece, &job);
}
