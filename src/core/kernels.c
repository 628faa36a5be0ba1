/* linear_forward: activation preparation, the portable C paths (reference
 * and fallback) and the dispatch to kernels_avx512.c. See kernels.h for the
 * arithmetic each weight type gets. */
#include "kernels.h"

#include "cpu.h"
#include "error.h"
#include "kernels_avx512.h"
#include "matmul.h"
#include "scratch.h"

#include <math.h>
#include <string.h>
#ifdef __F16C__
#include <immintrin.h>
#endif

#define CHUNK 256 /* f16 weights are widened this many elements at a time */

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static int64_t bf16_stride(int64_t K) { return (K + 31) / 32 * 32; }

int linear_supported(DType w_type, int64_t K) {
    switch (w_type) {
    case DTYPE_F32:
    case DTYPE_F16:
    case DTYPE_BF16: return K >= 0;
    case DTYPE_Q8_0:
    case DTYPE_Q4_0: return K >= 0 && K % QK8_0 == 0;
    case DTYPE_Q4_K: return K >= 0 && K % QK_K == 0;
    default: return 0;
    }
}

static int use_avx512(void) {
    const CpuFeatures *f = cpu_features();
    return f->avx512 && f->avx512_vnni && f->avx512_bf16;
}

/* Portable part of the workspace: the activations in the form kernels.h
 * documents (q8_0 / q8_K blocks, or bf16-rounded x). */
static size_t portable_act_bytes(DType w_type, int64_t M, int64_t K) {
    switch (w_type) {
    case DTYPE_Q8_0:
    case DTYPE_Q4_0: return align64((size_t)(M * (K / QK8_0)) * sizeof(BlockQ8_0));
    case DTYPE_Q4_K: return align64((size_t)(M * (K / QK_K)) * sizeof(BlockQ8_K));
    case DTYPE_BF16: return align64((size_t)(M * bf16_stride(K)) * sizeof(uint16_t));
    default: return 0;
    }
}

size_t linear_workspace_size(DType w_type, int64_t M, int64_t K) {
    return portable_act_bytes(w_type, M, K) + linear_avx512_act_bytes(w_type, M, K);
}

/* ---- activation quantization ---- */

void quantize_row_q8_K(const float *x, BlockQ8_K *dst, int64_t K) {
    for (int64_t b = 0; b < K / QK_K; b++) {
        const float *v = x + b * QK_K;
        BlockQ8_K *blk = dst + b;
        float amax = 0;
        for (int i = 0; i < QK_K; i++) amax = fmaxf(amax, fabsf(v[i]));
        float d = amax / 127.0f, id = d ? 1.0f / d : 0.0f;
        blk->d = d;
        for (int i = 0; i < QK_K; i++) blk->qs[i] = (int8_t)roundf(v[i] * id);
        for (int g = 0; g < QK_K / 16; g++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += blk->qs[16 * g + i];
            blk->bsums[g] = (int16_t)sum;
        }
    }
}

static void prepare_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    LinearAct *a = ctx;
    for (int64_t m = begin; m < end; m++) {
        const float *x = a->x + m * a->K;
        switch (a->w_type) {
        case DTYPE_Q8_0:
        case DTYPE_Q4_0: {
            BlockQ8_0 *dst = (BlockQ8_0 *)a->xq + m * (a->K / QK8_0);
            if (a->fast)
                quantize_q8_0_avx512(x, dst, a->K);
            else
                dtype_from_f32(DTYPE_Q8_0, x, dst, a->K);
            break;
        }
        case DTYPE_Q4_K: {
            BlockQ8_K *dst = (BlockQ8_K *)a->xq + m * (a->K / QK_K);
            if (a->fast)
                quantize_q8_K_avx512(x, dst, a->K);
            else
                quantize_row_q8_K(x, dst, a->K);
            break;
        }
        case DTYPE_BF16: {
            uint16_t *row = (uint16_t *)a->xbf + m * a->x_stride;
            for (int64_t k = 0; k < a->K; k++) row[k] = f32_to_bf16(x[k]);
            for (int64_t k = a->K; k < a->x_stride; k++) row[k] = 0;
            break;
        }
        default: break;
        }
    }
}

/* ---- portable dot products: one weight row against every x row ---- */

/* Exact f16 -> f32. With the compiler's _Float16 this vectorises (F16C, part
 * of the x86-64-v3 baseline); otherwise dtype.c's bitwise conversion. */
static inline float half_to_f32(uint16_t h) {
#ifdef __FLT16_MAX__
    _Float16 v;
    memcpy(&v, &h, sizeof v);
    return (float)v;
#else
    return f16_to_f32(h);
#endif
}

/* Exact f16 -> f32 for a run; F16C 8 at a time when the build has it. */
static void halves_to_f32(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
#ifdef __F16C__
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
#endif
    for (; i < n; i++) dst[i] = half_to_f32(src[i]);
}

/* Σ a·b with 16 partial sums, so the compiler can vectorise the loop (a
 * single running sum has to be added in order). */
static float dot_f32(const float *a, const float *b, int64_t n) {
    float part[16] = {0};
    int64_t k = 0;
    for (; k + 16 <= n; k += 16)
        for (int j = 0; j < 16; j++) part[j] += a[k + j] * b[k + j];
    float sum = 0;
    for (; k < n; k++) sum += a[k] * b[k];
    for (int j = 0; j < 16; j++) sum += part[j];
    return sum;
}

static float dot_q8_0(const BlockQ8_0 *w, const BlockQ8_0 *x, int64_t nb) {
    float sum = 0;
    for (int64_t b = 0; b < nb; b++) {
        int isum = 0;
        for (int i = 0; i < QK8_0; i++) isum += w[b].qs[i] * x[b].qs[i];
        sum += half_to_f32(w[b].d) * half_to_f32(x[b].d) * (float)isum;
    }
    return sum;
}

static float dot_q4_0(const BlockQ4_0 *w, const BlockQ8_0 *x, int64_t nb) {
    float sum = 0;
    for (int64_t b = 0; b < nb; b++) {
        int isum = 0;
        for (int i = 0; i < QK4_0 / 2; i++) isum += ((w[b].qs[i] & 0xF) - 8) * x[b].qs[i];
        for (int i = 0; i < QK4_0 / 2; i++) isum += ((w[b].qs[i] >> 4) - 8) * x[b].qs[i + QK4_0 / 2];
        sum += half_to_f32(w[b].d) * half_to_f32(x[b].d) * (float)isum;
    }
    return sum;
}

/* The 6-bit scale and min of sub-block s (ggml's get_scale_min_k4). */
static void q4_K_scale_min(const uint8_t *scales, int s, int *sc, int *mn) {
    if (s < 4) {
        *sc = scales[s] & 63;
        *mn = scales[s + 4] & 63;
    } else {
        *sc = (scales[s + 4] & 0xF) | ((scales[s - 4] >> 6) << 4);
        *mn = (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4);
    }
}

static float dot_q4_K(const BlockQ4_K *w, const BlockQ8_K *x, int64_t nb) {
    float sum = 0;
    for (int64_t b = 0; b < nb; b++) {
        int scaled = 0, mins = 0;
        for (int s = 0; s < 8; s++) {
            int sc, mn;
            q4_K_scale_min(w[b].scales, s, &sc, &mn);
            const uint8_t *q = w[b].qs + 32 * (s / 2);
            const int8_t *xs = x[b].qs + 32 * s;
            int isum = 0;
            for (int i = 0; i < 32; i++) isum += (s % 2 ? q[i] >> 4 : q[i] & 0xF) * xs[i];
            scaled += sc * isum;
            mins += mn * (x[b].bsums[2 * s] + x[b].bsums[2 * s + 1]);
        }
        sum += x[b].d * (half_to_f32(w[b].d) * (float)scaled - half_to_f32(w[b].dmin) * (float)mins);
    }
    return sum;
}

void linear_portable_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    int64_t M = a->M, N = a->N, K = a->K;
    for (int64_t n = begin; n < end; n++) {
        switch (a->w_type) {
        case DTYPE_Q8_0:
        case DTYPE_Q4_0: {
            int64_t nb = K / QK8_0;
            for (int64_t m = 0; m < M; m++) {
                const BlockQ8_0 *x = (const BlockQ8_0 *)a->xq + m * nb;
                a->y[m * N + n] = a->w_type == DTYPE_Q8_0 ? dot_q8_0((const BlockQ8_0 *)a->W + n * nb, x, nb)
                                                          : dot_q4_0((const BlockQ4_0 *)a->W + n * nb, x, nb);
            }
            break;
        }
        case DTYPE_Q4_K: {
            int64_t nb = K / QK_K;
            for (int64_t m = 0; m < M; m++)
                a->y[m * N + n] = dot_q4_K((const BlockQ4_K *)a->W + n * nb, (const BlockQ8_K *)a->xq + m * nb, nb);
            break;
        }
        default: { /* f16 / bf16: widen a chunk of the weight row, use it for every x row */
            const uint16_t *w = (const uint16_t *)a->W + n * K;
            float chunk[CHUNK], xchunk[CHUNK];
            for (int64_t m = 0; m < M; m++) a->y[m * N + n] = 0;
            for (int64_t k0 = 0; k0 < K; k0 += CHUNK) {
                int64_t len = K - k0 < CHUNK ? K - k0 : CHUNK;
                if (a->w_type == DTYPE_F16)
                    halves_to_f32(w + k0, chunk, len);
                else
                    for (int64_t k = 0; k < len; k++) chunk[k] = bf16_to_f32(w[k0 + k]);
                for (int64_t m = 0; m < M; m++) {
                    const float *x = a->x + m * K + k0;
                    if (a->w_type == DTYPE_BF16) { /* the bf16-rounded x */
                        const uint16_t *xb = a->xbf + m * a->x_stride + k0;
                        for (int64_t k = 0; k < len; k++) xchunk[k] = bf16_to_f32(xb[k]);
                        x = xchunk;
                    }
                    a->y[m * N + n] += dot_f32(x, chunk, len);
                }
            }
            break;
        }
        }
    }
}

/* ---- without workspace: one block of x quantized at a time ---- */

static void unprepared_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    const LinearAct *a = ctx;
    int64_t K = a->K;
    for (int64_t n = begin; n < end; n++)
        for (int64_t m = 0; m < a->M; m++) {
            const float *x = a->x + m * K;
            float sum = 0;
            if (a->w_type == DTYPE_Q4_K) {
                for (int64_t b = 0; b < K / QK_K; b++) {
                    BlockQ8_K xb;
                    quantize_row_q8_K(x + b * QK_K, &xb, QK_K);
                    sum += dot_q4_K((const BlockQ4_K *)a->W + n * (K / QK_K) + b, &xb, 1);
                }
            } else if (a->w_type == DTYPE_BF16) {
                const uint16_t *w = (const uint16_t *)a->W + n * K;
                for (int64_t k = 0; k < K; k++) sum += bf16_to_f32(f32_to_bf16(x[k])) * bf16_to_f32(w[k]);
            } else {
                for (int64_t b = 0; b < K / QK8_0; b++) {
                    BlockQ8_0 xb;
                    dtype_from_f32(DTYPE_Q8_0, x + b * QK8_0, &xb, QK8_0);
                    sum += a->w_type == DTYPE_Q8_0 ? dot_q8_0((const BlockQ8_0 *)a->W + n * (K / QK8_0) + b, &xb, 1)
                                                   : dot_q4_0((const BlockQ4_0 *)a->W + n * (K / QK8_0) + b, &xb, 1);
                }
            }
            a->y[m * a->N + n] = sum;
        }
}

/* ---- entry points ---- */

void linear_forward_ws(ThreadPool *pool, float *y, const float *x, const void *W, DType w_type, int64_t M, int64_t N,
                       int64_t K, void *work) {
    EXA_ASSERT(linear_supported(w_type, K));
    if (M <= 0 || N <= 0) return;
    int fast = use_avx512();
    if (w_type == DTYPE_F32 && (M > 1 || !fast)) {
        matmul_f32_nt(pool, y, x, W, M, N, K, 0);
        return;
    }
    LinearAct act = {w_type, M, N, K, x, NULL, NULL, bf16_stride(K), fast, NULL, W, y};
    size_t portable = portable_act_bytes(w_type, M, K);
    if (work) {
        act.xq = work;
        act.xbf = work;
        act.avx = (char *)work + portable;
        if (portable) pool_parallel_for(M >= 16 ? pool : NULL, M, prepare_rows, &act); /* decode: not worth a wake-up */
    }
    if (fast) {
        if (!work && w_type != DTYPE_F16 && w_type != DTYPE_F32) {
            pool_parallel_for(pool, N, unprepared_rows, &act);
            return;
        }
        linear_avx512_prepare(pool, &act);
        linear_avx512(pool, &act);
        return;
    }
    if (!work && w_type != DTYPE_F16)
        pool_parallel_for(pool, N, unprepared_rows, &act);
    else
        pool_parallel_for(pool, N, linear_portable_rows, &act);
}

void quantize_row_q8_0_fast(const float *x, BlockQ8_0 *dst, int64_t K) {
    if (use_avx512())
        quantize_q8_0_avx512(x, dst, K);
    else
        dtype_from_f32(DTYPE_Q8_0, x, dst, K);
}

void quantize_row_q8_K_fast(const float *x, BlockQ8_K *dst, int64_t K) {
    if (use_avx512())
        quantize_q8_K_avx512(x, dst, K);
    else
        quantize_row_q8_K(x, dst, K);
}

void linear_forward_many(ThreadPool *pool, int n, float *const ys[], const float *x, const void *const Ws[],
                         DType w_type, int64_t M, const int64_t Ns[], int64_t K) {
    EXA_ASSERT(n >= 1 && n <= LINEAR_MANY_MAX && linear_supported(w_type, K));
    size_t portable = portable_act_bytes(w_type, M, K), bytes = linear_workspace_size(w_type, M, K);
    void *work = bytes ? scratch_get(SCRATCH_ACT, bytes) : NULL;
    LinearAct acts[LINEAR_MANY_MAX];
    acts[0] = (LinearAct){w_type, M, Ns[0], K, x, work, work, bf16_stride(K), 1, work ? (char *)work + portable : NULL,
                          Ws[0], ys[0]};
    if (M <= 0 || !use_avx512() || (bytes && !work) || !linear_avx512_rowwise(&acts[0])) {
        for (int i = 0; i < n; i++) linear_forward_ws(pool, ys[i], x, Ws[i], w_type, M, Ns[i], K, work);
        return;
    }
    if (portable) pool_parallel_for(M >= 16 ? pool : NULL, M, prepare_rows, &acts[0]);
    linear_avx512_prepare(pool, &acts[0]);
    for (int i = 1; i < n; i++) {
        acts[i] = acts[0];
        acts[i].N = Ns[i];
        acts[i].W = Ws[i];
        acts[i].y = ys[i];
    }
    linear_avx512_many(pool, acts, n);
}

void linear_forward(ThreadPool *pool, float *y, const float *x, const void *W, DType w_type, int64_t M, int64_t N,
                    int64_t K) {
    size_t bytes = linear_workspace_size(w_type, M, K);
    void *work = bytes ? scratch_get(SCRATCH_ACT, bytes) : NULL;
    linear_forward_ws(pool, y, x, W, w_type, M, N, K, work);
}
