/* exaone_forward.c — KV cache and the forward pass for prefill (many tokens) and decode (one).
 *
 * Tokens are processed in chunks of up to MAX_BATCH so prefill runs matrix-matrix
 * products while the scratch memory stays bounded. The cache stores, per layer, K and V
 * rows [n_ctx, n_kv_heads * head_dim] after QK-norm and RoPE, in f32, f16 or q8_0.
 */
#include "../core/kernels.h"
#include "../core/mem.h"
#include "../core/ops.h"
#include "../core/workshare.h"
#include "exaone.h"
#include "exaone_lora.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

/* Rows per prefill chunk. Quantized GEMMs repack each weight panel once per
 * call, so larger chunks repack (and read from memory) less often: pp512 CPU
 * time 7.3 / 5.6 / 5.3 s at 64 / 256 / 512 (1 thread, q4_0, 1.2B shapes).
 * The scratch below is ~68 KiB per row for those shapes, touched only as
 * far as a prompt reaches. */
#define MAX_BATCH 512

struct ExaoneState {
    const ExaoneModel *m;
    int n_ctx, pos;
    DType kv_type;
    size_t kv_row_bytes; /* one position of one layer's K (or V) */
    uint8_t *k_cache, *v_cache;
    float *inv_freq;
    int32_t *positions;
    /* scratch, MAX_BATCH rows each */
    float *x, *xb, *q, *k, *v, *att, *hb, *hb2, *logits_tmp;
    float *scores; /* n_threads x (group x n_ctx + head_dim), see attn_items */
    int scores_threads;
};

static void linear(ThreadPool *pool, float *y, const float *x, const ExaoneMat *w, int64_t M) {
    linear_forward(pool, y, x, w->data, w->type, M, w->rows, w->cols);
    if (w->lora) exaone_lora_apply(pool, y, x, w->lora, M);
}

/* Weights that read the same input (Q, K, V; gate, up) as one job on the
 * pool when they can share it: same type and width, no adapter. */
static void linear_many(ThreadPool *pool, int count, float *const ys[], const float *x, const ExaoneMat *const ws[],
                        int64_t M) {
    int shared = 1;
    for (int i = 0; i < count; i++)
        shared &= !ws[i]->lora && ws[i]->type == ws[0]->type && ws[i]->cols == ws[0]->cols;
    if (!shared) {
        for (int i = 0; i < count; i++) linear(pool, ys[i], x, ws[i], M);
        return;
    }
    const void *data[LINEAR_MANY_MAX];
    int64_t rows[LINEAR_MANY_MAX];
    for (int i = 0; i < count; i++) {
        data[i] = ws[i]->data;
        rows[i] = ws[i]->rows;
    }
    linear_forward_many(pool, count, ys, x, data, ws[0]->type, M, rows, ws[0]->cols);
}

/* ---------------------------------------------------------------- KV rows */
static void kv_store(const ExaoneState *s, uint8_t *dst, const float *src, int64_t n) {
    if (s->kv_type == DTYPE_F32)
        memcpy(dst, src, (size_t)n * sizeof(float));
    else
        dtype_from_f32(s->kv_type, src, dst, n);
}

/* Widens hd values of a cached row (at element offset off) into out. */
static void kv_load(const ExaoneState *s, const uint8_t *row, int64_t off, int64_t hd, float *out) {
    switch (s->kv_type) {
    case DTYPE_F32: memcpy(out, (const float *)row + off, (size_t)hd * sizeof(float)); break;
    case DTYPE_F16: {
        const uint16_t *h = (const uint16_t *)row + off;
        int64_t i = 0;
        for (; i + 8 <= hd; i += 8) _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))));
        for (; i < hd; i++) out[i] = f16_to_f32(h[i]);
        break;
    }
    default: dtype_to_f32(s->kv_type, row + (size_t)(off / QK8_0) * sizeof(BlockQ8_0), out, hd); break;
    }
}

/* A cached row's hd values (at element offset off) as f32: the row itself when the cache is
 * f32, else widened into tmp. */
static const float *kv_row_f32(const ExaoneState *s, const uint8_t *row, int64_t off, int64_t hd, float *tmp) {
    if (s->kv_type == DTYPE_F32) return (const float *)row + off;
    kv_load(s, row, off, hd, tmp);
    return tmp;
}

static float dot_f32(const float *a, const float *b, int n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    __m256 acc = _mm256_add_ps(acc0, acc1);
    __m128 v = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    v = _mm_add_ss(v, _mm_movehdup_ps(v));
    float d = _mm_cvtss_f32(v);
    for (; i < n; i++) d += a[i] * b[i];
    return d;
}

/* o += w · v over n values. */
static void axpy_f32(float *o, float w, const float *v, int n) {
    __m256 wv = _mm256_set1_ps(w);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, _mm256_fmadd_ps(wv, _mm256_loadu_ps(v + i), _mm256_loadu_ps(o + i)));
    for (; i < n; i++) o[i] += w * v[i];
}

/* The f16 cache (the default) has register-blocked loops; f32 and q8_0 caches take the row
 * at a time path above. */

/* The 8 horizontal sums of a[0..7], in order. */
static __m256 hsum8(const __m256 a[8]) {
    __m256 h01 = _mm256_hadd_ps(a[0], a[1]), h23 = _mm256_hadd_ps(a[2], a[3]);
    __m256 h45 = _mm256_hadd_ps(a[4], a[5]), h67 = _mm256_hadd_ps(a[6], a[7]);
    __m256 lo = _mm256_hadd_ps(h01, h23), hi = _mm256_hadd_ps(h45, h67);
    return _mm256_add_ps(_mm256_permute2f128_ps(lo, hi, 0x20), _mm256_permute2f128_ps(lo, hi, 0x31));
}

/* sc[j] = q · k_j for len f16 keys k_j = k + j * stride (hd % 8 == 0): 8 keys at a time, each
 * with its own accumulator, so one reduction serves 8 dot products. */
static void f16_scores(float *sc, const float *q, const uint16_t *k, size_t stride, int len, int hd) {
    int j = 0;
    for (; j + 8 <= len; j += 8) {
        __m256 acc[8];
        for (int i = 0; i < 8; i++) acc[i] = _mm256_setzero_ps();
        for (int d = 0; d < hd; d += 8) {
            __m256 qv = _mm256_loadu_ps(q + d);
            for (int i = 0; i < 8; i++)
                acc[i] = _mm256_fmadd_ps(
                    qv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + (size_t)(j + i) * stride + d))), acc[i]);
        }
        _mm256_storeu_ps(sc + j, hsum8(acc));
    }
    for (; j < len; j++) {
        const uint16_t *kj = k + (size_t)j * stride;
        __m256 acc = _mm256_setzero_ps();
        for (int d = 0; d < hd; d += 8)
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kj + d))), acc);
        __m256 a8[8] = {acc, acc, acc, acc, acc, acc, acc, acc};
        sc[j] = _mm256_cvtss_f32(hsum8(a8));
    }
}

/* o[0..8*NC) = sum_j p[j] * v_j over len f16 rows v_j = v + j * stride, the NC accumulators
 * held in registers across all keys (NC is a constant at each call, so the loops unroll). */
static inline __attribute__((always_inline)) void f16_weighted_sum(float *o, const float *p, const uint16_t *v,
                                                                   size_t stride, int len, const int NC) {
    __m256 acc[8];
    for (int c = 0; c < NC; c++) acc[c] = _mm256_setzero_ps();
    for (int j = 0; j < len; j++) {
        __m256 w = _mm256_set1_ps(p[j]);
        const uint16_t *vj = v + (size_t)j * stride;
        for (int c = 0; c < NC; c++)
            acc[c] = _mm256_fmadd_ps(w, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vj + 8 * c))), acc[c]);
    }
    for (int c = 0; c < NC; c++) _mm256_storeu_ps(o + 8 * c, acc[c]);
}

/* o[hd] = sum_j p[j] * v_j: 64 columns at a time (8 registers), 8 for the remainder. */
static void f16_attend(float *o, const float *p, const uint16_t *v, size_t stride, int len, int hd) {
    int d = 0;
    for (; d + 64 <= hd; d += 64) f16_weighted_sum(o + d, p, v + d, stride, len, 8);
    for (; d < hd; d += 8) f16_weighted_sum(o + d, p, v + d, stride, len, 1);
}

/* ---------------------------------------------------------------- state */
int exaone_state_new(ExaoneState **out, const ExaoneModel *m, int n_ctx, DType kv_type, Error *err) {
    *out = NULL;
    const ExaoneConfig *c = &m->cfg;
    if (n_ctx <= 0) n_ctx = c->max_ctx;
    if (n_ctx > c->max_ctx)
        return error_set(err, "context %d exceeds the model's max_position_embeddings %d", n_ctx, c->max_ctx);
    int64_t kvd = (int64_t)c->n_kv_heads * c->head_dim;
    if (kv_type != DTYPE_F32 && kv_type != DTYPE_F16 && kv_type != DTYPE_Q8_0)
        return error_set(err, "KV cache type %s is not supported (f32, f16, q8_0)", dtype_name(kv_type));
    if (kv_type == DTYPE_Q8_0 && c->head_dim % QK8_0 != 0)
        return error_set(err, "q8_0 KV cache needs head_dim %% 32 == 0 (head_dim is %d)", c->head_dim);
    ExaoneState *s = mem_calloc(1, sizeof *s);
    if (!s) return error_set(err, "out of memory");
    s->m = m;
    s->n_ctx = n_ctx;
    s->kv_type = kv_type;
    size_t layer_bytes = 0, total = 0;
    int bad = dtype_row_bytes(kv_type, kvd, &s->kv_row_bytes) != 0 ||
              size_mul(s->kv_row_bytes, (size_t)n_ctx, &layer_bytes) != 0 ||
              size_mul(layer_bytes, (size_t)c->n_layers, &total) != 0;
    int64_t qd = (int64_t)c->n_heads * c->head_dim;
    if (!bad) {
        s->k_cache = mem_alloc_aligned(total);
        s->v_cache = mem_alloc_aligned(total);
        s->inv_freq = mem_alloc(sizeof(float) * (size_t)(c->head_dim / 2));
        s->positions = mem_alloc(sizeof(int32_t) * MAX_BATCH);
        s->x = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)c->dim);
        s->xb = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)c->dim);
        s->q = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)qd);
        s->att = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)qd);
        s->k = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)kvd);
        s->v = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)kvd);
        s->hb = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)c->ffn_dim);
        s->hb2 = mem_alloc(sizeof(float) * MAX_BATCH * (size_t)c->ffn_dim);
    }
    if (bad || !s->k_cache || !s->v_cache || !s->inv_freq || !s->positions || !s->x || !s->xb || !s->q || !s->att || !s->k ||
        !s->v || !s->hb || !s->hb2) {
        exaone_state_free(s);
        return error_set(err, "out of memory for a %d-token KV cache (%s)", n_ctx, dtype_name(kv_type));
    }
    double *inv = mem_alloc(sizeof(double) * (size_t)(c->head_dim / 2));
    if (!inv) {
        exaone_state_free(s);
        return error_set(err, "out of memory");
    }
    exaone_rope_inv_freq(c, inv);
    for (int i = 0; i < c->head_dim / 2; i++) s->inv_freq[i] = (float)inv[i];
    mem_free(inv);
    *out = s;
    return 0;
}

void exaone_state_free(ExaoneState *s) {
    if (!s) return;
    mem_free_aligned(s->k_cache);
    mem_free_aligned(s->v_cache);
    mem_free(s->inv_freq);
    mem_free(s->positions);
    mem_free(s->x);
    mem_free(s->xb);
    mem_free(s->q);
    mem_free(s->att);
    mem_free(s->k);
    mem_free(s->v);
    mem_free(s->hb);
    mem_free(s->hb2);
    mem_free(s->scores);
    mem_free(s);
}

int exaone_state_pos(const ExaoneState *s) { return s->pos; }
int exaone_state_ctx(const ExaoneState *s) { return s->n_ctx; }
void exaone_state_rewind(ExaoneState *s, int pos) {
    if (pos >= 0 && pos < s->pos) s->pos = pos;
}

/* ---------------------------------------------------------------- pieces */
typedef struct {
    ExaoneState *s;
    int layer, n, window;
} AttnCtx;

/* One (token, KV head) per item: the `group` query heads that share a K/V head (GQA) walk
 * the visible keys together, so each cached K and V row is read and widened once per group
 * rather than once per query head; softmax runs vectorised over each head's score row.
 * Items are handed out on demand, the latest tokens (which see the most keys) first, so
 * threads finish together. Scores: per thread group x n_ctx floats, then hd floats of
 * widening space. */
static void attn_items(void *vctx, int64_t begin, int64_t end, int thread) {
    AttnCtx *a = vctx;
    ExaoneState *s = a->s;
    const ExaoneConfig *c = &s->m->cfg;
    int hd = c->head_dim, H = c->n_heads, KVH = c->n_kv_heads, group = H / KVH;
    size_t layer_off = (size_t)a->layer * s->n_ctx * s->kv_row_bytes;
    const uint8_t *k_rows = s->k_cache + layer_off, *v_rows = s->v_cache + layer_off;
    float *sc = s->scores + (size_t)thread * ((size_t)group * s->n_ctx + (size_t)hd);
    float *tmp = sc + (size_t)group * s->n_ctx;
    float scale = 1.0f / sqrtf((float)hd);
    for (int64_t it = begin; it < end; it++) {
        int t = a->n - 1 - (int)(it / KVH), kh = (int)(it % KVH); /* latest (longest) tokens first */
        int p = s->pos + t;
        int lo = a->window > 0 && p - a->window + 1 > 0 ? p - a->window + 1 : 0, len = p - lo + 1;
        int64_t off = (int64_t)kh * hd;
        const float *q = s->q + (size_t)t * H * hd + (size_t)kh * group * hd; /* [group, hd] */
        float *o = s->att + (size_t)t * H * hd + (size_t)kh * group * hd;     /* [group, hd] */
        if (s->kv_type == DTYPE_F16 && hd % 8 == 0) {
            size_t stride = s->kv_row_bytes / sizeof(uint16_t);
            const uint16_t *k16 = (const uint16_t *)(k_rows + (size_t)lo * s->kv_row_bytes) + off;
            const uint16_t *v16 = (const uint16_t *)(v_rows + (size_t)lo * s->kv_row_bytes) + off;
            for (int g = 0; g < group; g++) {
                float *sg = sc + (size_t)g * s->n_ctx;
                f16_scores(sg, q + (size_t)g * hd, k16, stride, len, hd);
                for (int j = 0; j < len; j++) sg[j] *= scale;
                ops_softmax(sg, 1, len);
                f16_attend(o + (size_t)g * hd, sg, v16, stride, len, hd);
            }
            continue;
        }
        for (int j = 0; j < len; j++) {
            const float *k = kv_row_f32(s, k_rows + (size_t)(lo + j) * s->kv_row_bytes, off, hd, tmp);
            for (int g = 0; g < group; g++) sc[(size_t)g * s->n_ctx + j] = dot_f32(q + (size_t)g * hd, k, hd) * scale;
        }
        for (int g = 0; g < group; g++) ops_softmax(sc + (size_t)g * s->n_ctx, 1, len);
        memset(o, 0, sizeof(float) * (size_t)group * hd);
        for (int j = 0; j < len; j++) {
            const float *v = kv_row_f32(s, v_rows + (size_t)(lo + j) * s->kv_row_bytes, off, hd, tmp);
            for (int g = 0; g < group; g++) axpy_f32(o + (size_t)g * hd, sc[(size_t)g * s->n_ctx + j], v, hd);
        }
    }
}

/* Adds a norm of o (4.0's post-norm) or o itself (3.x) to the residual stream. */
static void residual_add(ExaoneState *s, float *o, const float *norm, int n) {
    const ExaoneConfig *c = &s->m->cfg;
    if (c->arch == EXAONE_V4) ops_rmsnorm(o, o, norm, n, c->dim, c->eps);
    ops_add(s->x, s->x, o, (int64_t)n * c->dim);
}

static void layer_forward(ExaoneState *s, ThreadPool *pool, int l, int n) {
    const ExaoneConfig *c = &s->m->cfg;
    const ExaoneLayer *ly = &s->m->layers[l];
    int hd = c->head_dim;
    int64_t kvd = (int64_t)c->n_kv_heads * hd;
    int v4 = c->arch == EXAONE_V4;
    const float *in = s->x;
    if (!v4) { /* 3.x pre-norm */
        ops_rmsnorm(s->xb, s->x, ly->attn_norm, n, c->dim, c->eps);
        in = s->xb;
    }
    linear_many(pool, 3, (float *const[]){s->q, s->k, s->v}, in, (const ExaoneMat *const[]){&ly->wq, &ly->wk, &ly->wv},
                n);
    if (v4) { /* QK-norm over each head, before RoPE */
        ops_rmsnorm(s->q, s->q, ly->q_norm, (int64_t)n * c->n_heads, hd, c->eps);
        ops_rmsnorm(s->k, s->k, ly->k_norm, (int64_t)n * c->n_kv_heads, hd, c->eps);
    }
    if (exaone_layer_rope(c, l)) {
        for (int t = 0; t < n; t++) s->positions[t] = s->pos + t;
        ops_rope(s->q, s->positions, s->inv_freq, n, c->n_heads, hd);
        ops_rope(s->k, s->positions, s->inv_freq, n, c->n_kv_heads, hd);
    }
    size_t layer_off = (size_t)l * s->n_ctx * s->kv_row_bytes;
    for (int t = 0; t < n; t++) {
        kv_store(s, s->k_cache + layer_off + (size_t)(s->pos + t) * s->kv_row_bytes, s->k + (size_t)t * kvd, kvd);
        kv_store(s, s->v_cache + layer_off + (size_t)(s->pos + t) * s->kv_row_bytes, s->v + (size_t)t * kvd, kvd);
    }
    AttnCtx a = {s, l, n, c->sliding_window > 0 && c->sliding[l] ? c->sliding_window : 0};
    int64_t items = (int64_t)n * c->n_kv_heads, threads = pool ? pool_threads(pool) : 1;
    int64_t chunk = items / (8 * threads);
    workshare_for(pool, items, chunk > 0 ? chunk : 1, attn_items, &a);
    linear(pool, s->xb, s->att, &ly->wo, n);
    residual_add(s, s->xb, ly->attn_norm, n);
    in = s->x;
    if (!v4) {
        ops_rmsnorm(s->xb, s->x, ly->ffn_norm, n, c->dim, c->eps);
        in = s->xb;
    }
    linear_many(pool, 2, (float *const[]){s->hb, s->hb2}, in, (const ExaoneMat *const[]){&ly->w_gate, &ly->w_up}, n);
    ops_swiglu(s->hb, s->hb, s->hb2, (int64_t)n * c->ffn_dim);
    linear(pool, s->xb, s->hb, &ly->w_down, n);
    residual_add(s, s->xb, ly->ffn_norm, n);
}

static int ensure_scores(ExaoneState *s, ThreadPool *pool, Error *err) {
    int nt = pool ? pool_threads(pool) : 1;
    if (s->scores && s->scores_threads >= nt) return 0;
    mem_free(s->scores);
    size_t group = (size_t)(s->m->cfg.n_heads / s->m->cfg.n_kv_heads);
    s->scores = mem_alloc(sizeof(float) * (size_t)nt * (group * (size_t)s->n_ctx + (size_t)s->m->cfg.head_dim));
    s->scores_threads = s->scores ? nt : 0;
    return s->scores ? 0 : error_set(err, "out of memory for attention scores");
}

int exaone_forward(ExaoneState *s, ThreadPool *pool, const int32_t *tokens, int n, float *logits, int all_logits,
                   Error *err) {
    const ExaoneModel *m = s->m;
    const ExaoneConfig *c = &m->cfg;
    if (n <= 0) return error_set(err, "no tokens to run");
    if (n > s->n_ctx - s->pos)
        return error_set(err, "context overflow: %d tokens in the cache + %d new > context length %d (raise it with -c, "
                              "up to max_position_embeddings %d)",
                         s->pos, n, s->n_ctx, c->max_ctx);
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab)
            return error_set(err, "token id %d at %d is outside the vocabulary (0..%d)", tokens[i], i, c->vocab - 1);
    if (ensure_scores(s, pool, err) != 0) return -1;
    size_t emb_row = 0;
    dtype_row_bytes(m->embed.type, c->dim, &emb_row);
    for (int done = 0; done < n; done += MAX_BATCH) {
        int b = n - done < MAX_BATCH ? n - done : MAX_BATCH;
        for (int t = 0; t < b; t++)
            dtype_to_f32(m->embed.type, (const uint8_t *)m->embed.data + (size_t)tokens[done + t] * emb_row,
                         s->x + (size_t)t * c->dim, c->dim);
        for (int l = 0; l < c->n_layers; l++) layer_forward(s, pool, l, b);
        int first = all_logits ? 0 : (done + b == n ? b - 1 : b);
        for (int t = first; t < b; t++) {
            float *xt = s->x + (size_t)t * c->dim;
            ops_rmsnorm(xt, xt, m->final_norm, 1, c->dim, c->eps);
            float *dst = all_logits ? logits + (size_t)(done + t) * c->vocab : logits;
            linear(pool, dst, xt, &m->head, 1);
        }
        s->pos += b;
    }
    return 0;
}
