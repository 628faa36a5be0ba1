/* tune_model.c — frozen EXAONE base + trainable LoRA: forward, backward, parameters. */
#include "tune_model.h"

#include "../core/kernels.h"
#include "../core/matmul.h"
#include "../core/mem.h"
#include "../models/exaone_lora.h"
#include "activation.h"
#include "attention.h"
#include "crossentropy.h"
#include "lora.h"
#include "norm.h"
#include "rng.h"
#include "rope.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHUNK_ROWS 256 /* rows of a frozen W dequantized at a time for dx = dy·W */

/* Buffers for max_T tokens. One layer's activations at a time (recomputed in backward). */
typedef struct TuneBuffers {
    float *xs;                      /* [(L+1), T, C] inputs of every layer, then the last output */
    float *h1, *rstd1, *qr, *kr, *vr, *qn, *kn, *qn_rstd, *kn_rstd, *qkv, *att, *atty, *o, *on, *rstd_o;
    float *x2, *h2, *rstd2, *gate, *up, *gu, *act, *dm, *dmn, *rstd_d, *xout;
    float *v[EXAONE_LORA_SLOTS], *ldv, *tmp; /* LoRA: saved s·x·Aᵀ per module, scratch */
    float *dx, *dh, *dtmp, *dact, *dgu, *dgate, *dup, *datty, *dqkv, *dq, *dk, *dv, *dq2, *dk2, *dnw;
    float *xf, *rstdf, *logits, *lse, *losses;
    float *wchunk, *dychunk, *cos, *sin, *attn_scratch;
    int *pos;
    void *owned[80];
    int n_owned;
} TuneBuffers;

static float *grab(TuneBuffers *b, size_t n, int *fail) {
    float *p = n ? mem_alloc_aligned(n * sizeof(float)) : NULL;
    if (n && !p) *fail = 1;
    if (p) b->owned[b->n_owned++] = p;
    return p;
}

static const ExaoneMat *mat(const TuneModel *t, int l, int slot) {
    return exaone_lora_mat(&((ExaoneModel *)t->m)->layers[l], slot);
}

float *tune_model_A(const TuneModel *t, int layer, int slot) {
    int i = t->slot_param[layer * EXAONE_LORA_SLOTS + slot];
    return i < 0 ? NULL : t->params + t->table.entries[i].offset;
}
float *tune_model_B(const TuneModel *t, int layer, int slot) {
    int i = t->slot_param[layer * EXAONE_LORA_SLOTS + slot];
    return i < 0 ? NULL : t->params + t->table.entries[i + 1].offset;
}

static int alloc_buffers(TuneModel *t, Error *err) {
    const ExaoneConfig *c = &t->m->cfg;
    size_t T = (size_t)t->max_T, C = (size_t)c->dim, F = (size_t)c->ffn_dim, H = (size_t)c->n_heads;
    size_t KV = (size_t)c->n_kv_heads, hd = (size_t)c->head_dim, QD = H * hd, KVD = KV * hd, QKV = QD + 2 * KVD;
    size_t V = (size_t)c->vocab, L = (size_t)c->n_layers, r = (size_t)t->rank;
    size_t maxcols = C > QD ? C : QD, maxout = maxcols;
    if (F > maxcols) maxcols = maxout = F;
    TuneBuffers *b = mem_calloc(1, sizeof *b);
    if (!b) return error_set(err, "out of memory");
    t->buf = b;
    int fail = 0;
    b->xs = grab(b, (L + 1) * T * C, &fail);
    b->h1 = grab(b, T * C, &fail), b->rstd1 = grab(b, T, &fail);
    b->qr = grab(b, T * QD, &fail), b->kr = grab(b, T * KVD, &fail), b->vr = grab(b, T * KVD, &fail);
    b->qn = grab(b, T * QD, &fail), b->kn = grab(b, T * KVD, &fail);
    b->qn_rstd = grab(b, T * H, &fail), b->kn_rstd = grab(b, T * KV, &fail);
    b->qkv = grab(b, T * QKV, &fail), b->att = grab(b, H * T * T, &fail), b->atty = grab(b, T * QD, &fail);
    b->o = grab(b, T * C, &fail), b->on = grab(b, T * C, &fail), b->rstd_o = grab(b, T, &fail);
    b->x2 = grab(b, T * C, &fail), b->h2 = grab(b, T * C, &fail), b->rstd2 = grab(b, T, &fail);
    b->gate = grab(b, T * F, &fail), b->up = grab(b, T * F, &fail), b->gu = grab(b, 2 * T * F, &fail);
    b->act = grab(b, T * F, &fail), b->dm = grab(b, T * C, &fail), b->dmn = grab(b, T * C, &fail);
    b->rstd_d = grab(b, T, &fail), b->xout = grab(b, T * C, &fail);
    for (int s = 0; s < EXAONE_LORA_SLOTS; s++) b->v[s] = grab(b, T * r, &fail);
    b->ldv = grab(b, T * r, &fail), b->tmp = grab(b, T * maxout, &fail);
    b->dx = grab(b, T * C, &fail), b->dh = grab(b, T * C, &fail), b->dtmp = grab(b, T * C, &fail);
    b->dact = grab(b, T * F, &fail), b->dgu = grab(b, 2 * T * F, &fail);
    b->dgate = grab(b, T * F, &fail), b->dup = grab(b, T * F, &fail), b->datty = grab(b, T * QD, &fail);
    b->dqkv = grab(b, T * QKV, &fail), b->dq = grab(b, T * QD, &fail), b->dk = grab(b, T * KVD, &fail);
    b->dv = grab(b, T * KVD, &fail), b->dq2 = grab(b, T * QD, &fail), b->dk2 = grab(b, T * KVD, &fail);
    b->dnw = grab(b, C > hd ? C : hd, &fail);
    b->xf = grab(b, T * C, &fail), b->rstdf = grab(b, T, &fail), b->logits = grab(b, T * V, &fail);
    b->lse = grab(b, T, &fail), b->losses = grab(b, T, &fail);
    b->wchunk = grab(b, CHUNK_ROWS * maxcols, &fail), b->dychunk = grab(b, T * CHUNK_ROWS, &fail);
    b->cos = grab(b, T * hd / 2, &fail), b->sin = grab(b, T * hd / 2, &fail);
    int nt = t->pool ? pool_threads(t->pool) : 1;
    b->attn_scratch = grab(b, (size_t)attention_scratch_floats((int)T, (int)hd, nt), &fail);
    b->pos = mem_alloc(T * sizeof(int));
    if (fail || !b->pos) return error_set(err, "out of memory for %d-token tuning buffers", t->max_T);
    double inv[hd / 2];
    exaone_rope_inv_freq(c, inv);
    for (size_t p = 0; p < T; p++) {
        b->pos[p] = (int)p;
        for (size_t i = 0; i < hd / 2; i++) {
            b->cos[p * hd / 2 + i] = (float)cos((double)p * inv[i]);
            b->sin[p * hd / 2 + i] = (float)sin((double)p * inv[i]);
        }
    }
    return 0;
}

int tune_model_new(TuneModel **out, const ExaoneModel *m, ThreadPool *pool, int rank, float alpha, unsigned targets,
                   int max_T, uint64_t seed, Error *err) {
    *out = NULL;
    const ExaoneConfig *c = &m->cfg;
    if (rank < 1 || rank > EXAONE_LORA_MAX_RANK) return error_set(err, "rank %d outside 1..%d", rank, EXAONE_LORA_MAX_RANK);
    if (c->sliding_window > 0 && c->sliding_window < max_T)
        for (int l = 0; l < c->n_layers; l++)
            if (c->sliding[l])
                return error_set(err, "sequences of %d tokens exceed the sliding window %d (not supported by the tuner; "
                                      "lower --max-len)", max_T, c->sliding_window);
    TuneModel *t = mem_calloc(1, sizeof *t);
    if (!t) return error_set(err, "out of memory");
    t->m = m;
    t->pool = pool;
    t->rank = rank;
    t->alpha = alpha;
    t->scale = alpha / (float)rank;
    t->targets = targets;
    t->max_T = max_T;
    int L = c->n_layers;
    t->slot_param = mem_alloc(sizeof(int) * (size_t)L * EXAONE_LORA_SLOTS);
    if (!t->slot_param) goto oom;
    for (int l = 0; l < L; l++)
        for (int s = 0; s < EXAONE_LORA_SLOTS; s++) {
            t->slot_param[l * EXAONE_LORA_SLOTS + s] = -1;
            if (!(targets & (1u << s))) continue;
            const ExaoneMat *w = mat(t, l, s);
            char mod[160], name[200];
            exaone_lora_module(c->arch, l, s, mod, sizeof mod);
            snprintf(name, sizeof name, "base_model.model.%s.lora_A.weight", mod);
            int ia = params_add(&t->table, name, rank, w->cols, PARAM_NO_DECAY, err);
            snprintf(name, sizeof name, "base_model.model.%s.lora_B.weight", mod);
            if (ia < 0 || params_add(&t->table, name, w->rows, rank, PARAM_NO_DECAY, err) < 0) {
                tune_model_free(t);
                return -1;
            }
            t->slot_param[l * EXAONE_LORA_SLOTS + s] = ia;
        }
    t->params = mem_calloc(t->table.total, sizeof(float));
    t->grads = mem_calloc(t->table.total, sizeof(float));
    if (!t->params || !t->grads) goto oom;
    Rng rng;
    rng_seed(&rng, seed);
    for (int l = 0; l < L; l++)
        for (int s = 0; s < EXAONE_LORA_SLOTS; s++) {
            float *A = tune_model_A(t, l, s);
            if (!A) continue;
            int64_t in = mat(t, l, s)->cols;
            double bound = 1.0 / sqrt((double)in); /* kaiming_uniform_(a=sqrt(5)): gain·sqrt(3/fan_in) */
            for (int64_t i = 0; i < (int64_t)rank * in; i++) A[i] = (float)((2 * rng_uniform(&rng) - 1) * bound);
        }
    if (alloc_buffers(t, err) != 0) {
        tune_model_free(t);
        return -1;
    }
    *out = t;
    return 0;
oom:
    tune_model_free(t);
    return error_set(err, "out of memory for the LoRA parameters");
}

void tune_model_free(TuneModel *t) {
    if (!t) return;
    if (t->buf) {
        for (int i = 0; i < t->buf->n_owned; i++) mem_free_aligned(t->buf->owned[i]);
        mem_free(t->buf->pos);
        mem_free(t->buf);
    }
    params_free(&t->table);
    mem_free(t->params);
    mem_free(t->grads);
    mem_free(t->slot_param);
    mem_free(t);
}

/* ---------------------------------------------------------------- frozen products */
typedef struct {
    const ExaoneMat *w;
    float *dst;
    int64_t r0;
    size_t row_bytes;
} DequantJob;

static void dequant_rows(void *vctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    DequantJob *j = vctx;
    for (int64_t i = begin; i < end; i++)
        dtype_to_f32(j->w->type, (const uint8_t *)j->w->data + (size_t)(j->r0 + i) * j->row_bytes,
                     j->dst + i * j->w->cols, j->w->cols);
}

/* dx[T, cols] += dy[T, rows] · W[rows, cols] with W frozen in any dtype. */
static void frozen_backward(TuneModel *t, float *dx, const float *dy, const ExaoneMat *w, int T) {
    if (w->type == DTYPE_F32) {
        matmul_f32_nn(t->pool, dx, dy, w->data, T, w->cols, w->rows, 1);
        return;
    }
    TuneBuffers *b = t->buf;
    DequantJob j = {w, b->wchunk, 0, 0};
    dtype_row_bytes(w->type, w->cols, &j.row_bytes);
    for (int64_t r0 = 0; r0 < w->rows; r0 += CHUNK_ROWS) {
        int64_t n = w->rows - r0 < CHUNK_ROWS ? w->rows - r0 : CHUNK_ROWS;
        j.r0 = r0;
        pool_parallel_for(t->pool, n, dequant_rows, &j);
        for (int i = 0; i < T; i++) memcpy(b->dychunk + (size_t)i * n, dy + (size_t)i * w->rows + r0, sizeof(float) * n);
        matmul_f32_nn(t->pool, dx, b->dychunk, b->wchunk, T, w->cols, n, 1);
    }
}

static void lin_fwd(TuneModel *t, int l, int s, float *y, const float *x, int T) {
    const ExaoneMat *w = mat(t, l, s);
    linear_forward(t->pool, y, x, w->data, w->type, T, w->rows, w->cols);
    float *A = tune_model_A(t, l, s);
    if (A)
        lora_forward(t->pool, y, t->buf->v[s], t->buf->tmp, x, A, tune_model_B(t, l, s), t->scale, T, (int)w->cols,
                     (int)w->rows, t->rank);
}

/* dx += dy·Wᵀ-path + LoRA path; LoRA gradients accumulate into t->grads. */
static void lin_bwd(TuneModel *t, int l, int s, float *dx, const float *dy, const float *x, int T) {
    const ExaoneMat *w = mat(t, l, s);
    frozen_backward(t, dx, dy, w, T);
    int i = t->slot_param[l * EXAONE_LORA_SLOTS + s];
    if (i < 0) return;
    float *dA = t->grads + t->table.entries[i].offset, *dB = t->grads + t->table.entries[i + 1].offset;
    lora_backward(t->pool, dx, dA, dB, t->buf->ldv, dy, x, t->buf->v[s], tune_model_A(t, l, s), tune_model_B(t, l, s),
                  t->scale, T, (int)w->cols, (int)w->rows, t->rank);
}

static void add(float *y, const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

/* Rows of width wa (from a) and wb (from b) side by side into dst rows of wa + wb, or back. */
static void pack(float *dst, const float *a, int64_t wa, const float *b, int64_t wb, int T) {
    for (int i = 0; i < T; i++) {
        memcpy(dst + i * (wa + wb), a + i * wa, sizeof(float) * wa);
        memcpy(dst + i * (wa + wb) + wa, b + i * wb, sizeof(float) * wb);
    }
}
static void unpack(float *a, int64_t wa, float *b, int64_t wb, const float *src, int64_t ld, int T) {
    for (int i = 0; i < T; i++) {
        memcpy(a + i * wa, src + i * ld, sizeof(float) * wa);
        memcpy(b + i * wb, src + i * ld + wa, sizeof(float) * wb);
    }
}

/* ---------------------------------------------------------------- one layer */
static void layer_forward(TuneModel *t, int l, int T, const float *xin, float *xout) {
    const ExaoneConfig *c = &t->m->cfg;
    const ExaoneLayer *ly = &t->m->layers[l];
    TuneBuffers *b = t->buf;
    int v4 = c->arch == EXAONE_V4, C = c->dim, F = c->ffn_dim, H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim;
    int64_t QD = (int64_t)H * hd, KVD = (int64_t)KV * hd, QKV = QD + 2 * KVD;
    const float *hin = xin;
    if (!v4) {
        rmsnorm_forward(t->pool, b->h1, b->rstd1, xin, ly->attn_norm, T, C, c->eps);
        hin = b->h1;
    }
    lin_fwd(t, l, EXAONE_LORA_Q, b->qr, hin, T);
    lin_fwd(t, l, EXAONE_LORA_K, b->kr, hin, T);
    lin_fwd(t, l, EXAONE_LORA_V, b->vr, hin, T);
    const float *qs = b->qr, *ks = b->kr;
    if (v4) {
        rmsnorm_forward(t->pool, b->qn, b->qn_rstd, b->qr, ly->q_norm, (int64_t)T * H, hd, c->eps);
        rmsnorm_forward(t->pool, b->kn, b->kn_rstd, b->kr, ly->k_norm, (int64_t)T * KV, hd, c->eps);
        qs = b->qn, ks = b->kn;
    }
    for (int i = 0; i < T; i++) {
        memcpy(b->qkv + i * QKV, qs + i * QD, sizeof(float) * QD);
        memcpy(b->qkv + i * QKV + QD, ks + i * KVD, sizeof(float) * KVD);
        memcpy(b->qkv + i * QKV + QD + KVD, b->vr + i * KVD, sizeof(float) * KVD);
    }
    if (exaone_layer_rope(c, l)) {
        rope_forward(b->qkv, QKV, b->pos, b->cos, b->sin, T, H, hd);
        rope_forward(b->qkv + QD, QKV, b->pos, b->cos, b->sin, T, KV, hd);
    }
    attention_forward(t->pool, b->atty, b->att, b->attn_scratch, b->qkv, b->qkv + QD, b->qkv + QD + KVD, QKV, NULL, 1,
                      T, H, KV, hd);
    lin_fwd(t, l, EXAONE_LORA_O, b->o, b->atty, T);
    if (v4) {
        rmsnorm_forward(t->pool, b->on, b->rstd_o, b->o, ly->attn_norm, T, C, c->eps);
        add(b->x2, xin, b->on, (size_t)T * C);
    } else {
        add(b->x2, xin, b->o, (size_t)T * C);
    }
    const float *hin2 = b->x2;
    if (!v4) {
        rmsnorm_forward(t->pool, b->h2, b->rstd2, b->x2, ly->ffn_norm, T, C, c->eps);
        hin2 = b->h2;
    }
    lin_fwd(t, l, EXAONE_LORA_GATE, b->gate, hin2, T);
    lin_fwd(t, l, EXAONE_LORA_UP, b->up, hin2, T);
    pack(b->gu, b->gate, F, b->up, F, T);
    swiglu_forward(t->pool, b->act, b->gu, T, F);
    lin_fwd(t, l, EXAONE_LORA_DOWN, b->dm, b->act, T);
    if (v4) {
        rmsnorm_forward(t->pool, b->dmn, b->rstd_d, b->dm, ly->ffn_norm, T, C, c->eps);
        add(xout, b->x2, b->dmn, (size_t)T * C);
    } else {
        add(xout, b->x2, b->dm, (size_t)T * C);
    }
}

/* b->dx holds dL/d(layer output) on entry and dL/d(layer input) on return; the layer's
 * activations must be those of layer_forward(l) on xin. */
static void layer_backward(TuneModel *t, int l, int T, const float *xin) {
    const ExaoneConfig *c = &t->m->cfg;
    const ExaoneLayer *ly = &t->m->layers[l];
    TuneBuffers *b = t->buf;
    int v4 = c->arch == EXAONE_V4, C = c->dim, F = c->ffn_dim, H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim;
    int64_t QD = (int64_t)H * hd, KVD = (int64_t)KV * hd, QKV = QD + 2 * KVD;
    size_t TC = (size_t)T * C;
    /* MLP */
    const float *dd = b->dx;
    if (v4) {
        memset(b->dtmp, 0, TC * sizeof(float));
        rmsnorm_backward(t->pool, b->dtmp, b->dnw, b->dx, b->dm, ly->ffn_norm, b->rstd_d, T, C);
        dd = b->dtmp;
    }
    memset(b->dact, 0, sizeof(float) * T * F);
    lin_bwd(t, l, EXAONE_LORA_DOWN, b->dact, dd, b->act, T);
    memset(b->dgu, 0, sizeof(float) * 2 * T * F);
    swiglu_backward(t->pool, b->dgu, b->gu, b->dact, T, F);
    unpack(b->dgate, F, b->dup, F, b->dgu, 2 * F, T);
    const float *hin2 = v4 ? b->x2 : b->h2;
    memset(b->dh, 0, TC * sizeof(float));
    lin_bwd(t, l, EXAONE_LORA_GATE, b->dh, b->dgate, hin2, T);
    lin_bwd(t, l, EXAONE_LORA_UP, b->dh, b->dup, hin2, T);
    if (v4)
        for (size_t i = 0; i < TC; i++) b->dx[i] += b->dh[i];
    else
        rmsnorm_backward(t->pool, b->dx, b->dnw, b->dh, b->x2, ly->ffn_norm, b->rstd2, T, C);
    /* attention; b->dx is now dL/dx2 */
    const float *dout = b->dx;
    if (v4) {
        memset(b->dtmp, 0, TC * sizeof(float));
        rmsnorm_backward(t->pool, b->dtmp, b->dnw, b->dx, b->o, ly->attn_norm, b->rstd_o, T, C);
        dout = b->dtmp;
    }
    memset(b->datty, 0, sizeof(float) * T * QD);
    lin_bwd(t, l, EXAONE_LORA_O, b->datty, dout, b->atty, T);
    memset(b->dqkv, 0, sizeof(float) * T * QKV);
    attention_backward(t->pool, b->dqkv, b->dqkv + QD, b->dqkv + QD + KVD, b->attn_scratch, b->datty, b->att, b->qkv,
                       b->qkv + QD, b->qkv + QD + KVD, QKV, NULL, 1, T, H, KV, hd);
    if (exaone_layer_rope(c, l)) {
        rope_backward(b->dqkv, QKV, b->pos, b->cos, b->sin, T, H, hd);
        rope_backward(b->dqkv + QD, QKV, b->pos, b->cos, b->sin, T, KV, hd);
    }
    for (int i = 0; i < T; i++) {
        memcpy(b->dq + i * QD, b->dqkv + i * QKV, sizeof(float) * QD);
        memcpy(b->dk + i * KVD, b->dqkv + i * QKV + QD, sizeof(float) * KVD);
        memcpy(b->dv + i * KVD, b->dqkv + i * QKV + QD + KVD, sizeof(float) * KVD);
    }
    const float *dqs = b->dq, *dks = b->dk;
    if (v4) {
        memset(b->dq2, 0, sizeof(float) * T * QD);
        memset(b->dk2, 0, sizeof(float) * T * KVD);
        rmsnorm_backward(t->pool, b->dq2, b->dnw, b->dq, b->qr, ly->q_norm, b->qn_rstd, (int64_t)T * H, hd);
        rmsnorm_backward(t->pool, b->dk2, b->dnw, b->dk, b->kr, ly->k_norm, b->kn_rstd, (int64_t)T * KV, hd);
        dqs = b->dq2, dks = b->dk2;
    }
    const float *hin = v4 ? xin : b->h1;
    memset(b->dh, 0, TC * sizeof(float));
    lin_bwd(t, l, EXAONE_LORA_Q, b->dh, dqs, hin, T);
    lin_bwd(t, l, EXAONE_LORA_K, b->dh, dks, hin, T);
    lin_bwd(t, l, EXAONE_LORA_V, b->dh, b->dv, hin, T);
    if (v4)
        for (size_t i = 0; i < TC; i++) b->dx[i] += b->dh[i];
    else
        rmsnorm_backward(t->pool, b->dx, b->dnw, b->dh, xin, ly->attn_norm, b->rstd1, T, C);
}

/* ---------------------------------------------------------------- whole model */
int tune_model_step(TuneModel *t, const int32_t *tokens, const int *targets, int T, float dloss, int backward,
                    double *loss_sum, int64_t *count, Error *err) {
    const ExaoneModel *m = t->m;
    const ExaoneConfig *c = &m->cfg;
    TuneBuffers *b = t->buf;
    *loss_sum = 0;
    *count = 0;
    if (T < 1 || T > t->max_T) return error_set(err, "sequence of %d tokens (1..%d)", T, t->max_T);
    for (int i = 0; i < T; i++) {
        if (tokens[i] < 0 || tokens[i] >= c->vocab)
            return error_set(err, "token id %d at %d is outside the vocabulary", tokens[i], i);
        if (targets[i] < -1 || targets[i] >= c->vocab)
            return error_set(err, "target id %d at %d is outside the vocabulary", targets[i], i);
    }
    int C = c->dim, V = c->vocab, L = c->n_layers;
    size_t TC = (size_t)T * C, emb_row = 0;
    dtype_row_bytes(m->embed.type, C, &emb_row);
    for (int i = 0; i < T; i++)
        dtype_to_f32(m->embed.type, (const uint8_t *)m->embed.data + (size_t)tokens[i] * emb_row, b->xs + (size_t)i * C,
                     C);
    for (int l = 0; l < L; l++) layer_forward(t, l, T, b->xs + l * TC, b->xs + (l + 1) * TC);
    rmsnorm_forward(t->pool, b->xf, b->rstdf, b->xs + L * TC, m->final_norm, T, C, c->eps);
    linear_forward(t->pool, b->logits, b->xf, m->head.data, m->head.type, T, m->head.rows, m->head.cols);
    int64_t n = crossentropy_forward(t->pool, b->losses, b->lse, b->logits, targets, T, V, 0, -1);
    double sum = 0;
    for (int i = 0; i < T; i++) sum += b->losses[i];
    *loss_sum = sum;
    *count = n;
    if (!backward || n == 0) return 0;
    crossentropy_backward(t->pool, b->logits, b->logits, b->lse, targets, dloss / (float)n, T, V, 0, -1);
    memset(b->dh, 0, TC * sizeof(float));
    frozen_backward(t, b->dh, b->logits, &m->head, T);
    memset(b->dx, 0, TC * sizeof(float));
    rmsnorm_backward(t->pool, b->dx, b->dnw, b->dh, b->xs + L * TC, m->final_norm, b->rstdf, T, C);
    for (int l = L - 1; l >= 0; l--) {
        layer_forward(t, l, T, b->xs + l * TC, b->xout);
        layer_backward(t, l, T, b->xs + l * TC);
    }
    return 0;
}
