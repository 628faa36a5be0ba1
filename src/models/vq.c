/* The VQ image tokenizer: graph, forward, backward (see vq.h).
 *
 * The encoder and decoder are straight chains of ops, each saving its output,
 * so backward is one reverse walk with two ping-pong gradient buffers.
 *
 *   encoder  conv_in 3x3 -> per level: res blocks (+ downsample conv 4x4/2)
 *            -> mid.block_1, mid.block_2 -> norm_out + silu -> conv_out 3x3
 *            -> quant_conv 1x1                                   = z [N, D]
 *   quantize nearest codebook entry                              = zq [N, D]
 *   decoder  post_quant_conv 1x1 -> conv_in 3x3 -> mid.block_1, mid.block_2
 *            -> per level, coarse to fine: res blocks (+ nearest 2x + conv 3x3)
 *            -> norm_out + silu -> conv_out 3x3                  = image
 */
#include "vq.h"

#include "../core/mem.h"
#include "../train/vision/groupnorm.h"
#include "../train/vision/pointwise.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NORM_EPS 1e-6f
#define MAX_RES_BLOCKS 16
/* build_graph's ops per half at the largest config vq_config_check accepts:
 * L * R res blocks, L - 1 resampling convs and 6 more (conv_in, two mid
 * blocks, norm_out, conv_out, quant_conv; the decoder mirrors them). It was
 * 64, so a checkpoint with 6 levels of 16 blocks (107 ops) tripped the
 * assertion in new_op: found by the vq_model fuzz target. */
#define MAX_OPS (VQ_MAX_LEVELS * (MAX_RES_BLOCKS + 1) + 5)

typedef enum { OP_CONV, OP_UPCONV, OP_RES, OP_NORM_SILU } VqOpKind;

struct VqOp {
    VqOpKind kind;
    int C, OC;
    Conv2dShape conv;   /* OP_CONV, OP_UPCONV */
    int first;          /* table index of the op's first tensor */
    /* geometry, set by vq_reserve */
    int H, W, Ho, Wo;
    ResBlock rb;        /* OP_RES */
    float *out;         /* [B,Ho,Wo,OC] */
    float *up;          /* OP_UPCONV: upsampled input [B,2H,2W,C] */
    float *normed;      /* OP_NORM_SILU: groupnorm output [B,H,W,C] */
    float *mean, *rstd; /* OP_NORM_SILU: [B,G] */
};

void vq_config_default(VqConfig *cfg) {
    *cfg = (VqConfig){.ch = 32, .n_levels = 4, .ch_mult = {1, 1, 2, 4}, .num_res_blocks = 1, .z_channels = 64,
                      .embed_dim = 64, .n_embed = 1024, .groups = 32, .beta = 0.25f, .ema_decay = 0.99f,
                      .ema_eps = 1e-5f, .dead_after = 30};
}

int vq_config_check(const VqConfig *c, Error *err) {
    if (c->n_levels < 1 || c->n_levels > VQ_MAX_LEVELS) return error_set(err, "vq: levels %d not in 1..%d", c->n_levels, VQ_MAX_LEVELS);
    if (c->ch < 1 || c->ch > 4096 || c->num_res_blocks < 0 || c->num_res_blocks > MAX_RES_BLOCKS || c->groups < 1)
        return error_set(err, "vq: bad ch %d / res blocks %d / groups %d", c->ch, c->num_res_blocks, c->groups);
    for (int i = 0; i < c->n_levels; i++) {
        if (c->ch_mult[i] < 1 || c->ch_mult[i] > 64) return error_set(err, "vq: bad ch_mult[%d] = %d", i, c->ch_mult[i]);
        if (c->ch * c->ch_mult[i] > 4096) return error_set(err, "vq: more than 4096 channels at level %d", i);
        if ((c->ch * c->ch_mult[i]) % c->groups)
            return error_set(err, "vq: %d channels are not divisible into %d groups", c->ch * c->ch_mult[i], c->groups);
    }
    if (c->z_channels < 1 || c->z_channels > 4096 || c->embed_dim < 1 || c->embed_dim > 4096 || c->n_embed < 1 ||
        c->n_embed > (1 << 20))
        return error_set(err, "vq: bad z_channels %d / embed_dim %d / n_embed %d", c->z_channels, c->embed_dim,
                         c->n_embed);
    if (!(c->beta >= 0 && c->ema_decay >= 0 && c->ema_decay < 1 && c->ema_eps >= 0 && c->dead_after >= 0))
        return error_set(err, "vq: bad beta / ema_decay / ema_eps / dead_after");
    return 0;
}

/* ---- building the graph and the parameter table ---- */

typedef struct {
    VqModel *m;
    int shapes_cap;
    Error *err;
    int failed;
} Builder;

static int add_tensor(Builder *b, const char *name, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    VqModel *m = b->m;
    if (b->failed) return -1;
    int64_t cols = d1 ? d1 * (d2 ? d2 : 1) * (d3 ? d3 : 1) : 0;
    int index = params_add(&m->table, name, d0, cols, PARAM_NO_DECAY, b->err);
    if (index < 0) return b->failed = 1, -1;
    if (index >= b->shapes_cap) {
        int cap = b->shapes_cap ? b->shapes_cap * 2 : 128;
        int64_t(*grown)[4] = mem_realloc(m->shapes, (size_t)cap * sizeof *grown);
        if (!grown) {
            error_set(b->err, "vq: out of memory for the tensor table");
            return b->failed = 1, -1;
        }
        m->shapes = grown;
        b->shapes_cap = cap;
    }
    m->shapes[index][0] = d0, m->shapes[index][1] = d1, m->shapes[index][2] = d2, m->shapes[index][3] = d3;
    return index;
}

static VqOp *new_op(Builder *b, VqOp *ops, int *n, VqOpKind kind, int C, int OC) {
    EXA_ASSERT(*n < MAX_OPS);
    VqOp *op = &ops[(*n)++];
    memset(op, 0, sizeof *op);
    op->kind = kind, op->C = C, op->OC = OC;
    op->first = b->m->table.count;
    return op;
}

static void add_conv(Builder *b, VqOp *ops, int *n, const char *prefix, int C, int OC, int k, int stride, int pad,
                     int upsample) {
    VqOp *op = new_op(b, ops, n, upsample ? OP_UPCONV : OP_CONV, C, OC);
    op->conv = (Conv2dShape){C, OC, k, stride, pad};
    char name[128];
    snprintf(name, sizeof name, "%s.weight", prefix);
    add_tensor(b, name, OC, C, k, k);
    snprintf(name, sizeof name, "%s.bias", prefix);
    add_tensor(b, name, OC, 0, 0, 0);
}

static void add_norm_silu(Builder *b, VqOp *ops, int *n, const char *prefix, int C) {
    new_op(b, ops, n, OP_NORM_SILU, C, C);
    char name[128];
    snprintf(name, sizeof name, "%s.weight", prefix);
    add_tensor(b, name, C, 0, 0, 0);
    snprintf(name, sizeof name, "%s.bias", prefix);
    add_tensor(b, name, C, 0, 0, 0);
}

static void add_res(Builder *b, VqOp *ops, int *n, const char *prefix, int C, int OC) {
    new_op(b, ops, n, OP_RES, C, OC);
    static const char *parts[] = {"norm1", "conv1", "norm2", "conv2", "nin_shortcut"};
    char name[160];
    for (int p = 0; p < (C != OC ? 5 : 4); p++) {
        int cin = p == 0 || p == 1 || p == 4 ? C : OC, k = p == 4 ? 1 : 3;
        snprintf(name, sizeof name, "%s.%s.weight", prefix, parts[p]);
        if (p == 0 || p == 2) add_tensor(b, name, cin, 0, 0, 0);
        else add_tensor(b, name, OC, cin, k, k);
        snprintf(name, sizeof name, "%s.%s.bias", prefix, parts[p]);
        add_tensor(b, name, p == 0 ? C : OC, 0, 0, 0);
    }
}

static void build_graph(Builder *b) {
    VqModel *m = b->m;
    const VqConfig *c = &m->config;
    int L = c->n_levels, cur = c->ch;
    char prefix[128];
    add_conv(b, m->enc, &m->n_enc, "encoder.conv_in", 3, cur, 3, 1, 1, 0);
    for (int i = 0; i < L; i++) {
        int out = c->ch * c->ch_mult[i];
        for (int j = 0; j < c->num_res_blocks; j++) {
            snprintf(prefix, sizeof prefix, "encoder.down.%d.block.%d", i, j);
            add_res(b, m->enc, &m->n_enc, prefix, cur, out);
            cur = out;
        }
        if (i != L - 1) {
            snprintf(prefix, sizeof prefix, "encoder.down.%d.downsample.conv", i);
            add_conv(b, m->enc, &m->n_enc, prefix, cur, cur, 4, 2, 1, 0);
        }
    }
    add_res(b, m->enc, &m->n_enc, "encoder.mid.block_1", cur, cur);
    add_res(b, m->enc, &m->n_enc, "encoder.mid.block_2", cur, cur);
    add_norm_silu(b, m->enc, &m->n_enc, "encoder.norm_out", cur);
    add_conv(b, m->enc, &m->n_enc, "encoder.conv_out", cur, c->z_channels, 3, 1, 1, 0);
    add_conv(b, m->enc, &m->n_enc, "quant_conv", c->z_channels, c->embed_dim, 1, 1, 0, 0);

    add_tensor(b, "quantize.embedding.weight", c->n_embed, c->embed_dim, 0, 0);

    cur = c->ch * c->ch_mult[L - 1];
    add_conv(b, m->dec, &m->n_dec, "post_quant_conv", c->embed_dim, c->z_channels, 1, 1, 0, 0);
    add_conv(b, m->dec, &m->n_dec, "decoder.conv_in", c->z_channels, cur, 3, 1, 1, 0);
    add_res(b, m->dec, &m->n_dec, "decoder.mid.block_1", cur, cur);
    add_res(b, m->dec, &m->n_dec, "decoder.mid.block_2", cur, cur);
    for (int i = L - 1; i >= 0; i--) {
        int out = c->ch * c->ch_mult[i];
        for (int j = 0; j < c->num_res_blocks; j++) {
            snprintf(prefix, sizeof prefix, "decoder.up.%d.block.%d", i, j);
            add_res(b, m->dec, &m->n_dec, prefix, cur, out);
            cur = out;
        }
        if (i != 0) {
            snprintf(prefix, sizeof prefix, "decoder.up.%d.upsample.conv", i);
            add_conv(b, m->dec, &m->n_dec, prefix, cur, cur, 3, 1, 1, 1);
        }
    }
    add_norm_silu(b, m->dec, &m->n_dec, "decoder.norm_out", cur);
    add_conv(b, m->dec, &m->n_dec, "decoder.conv_out", cur, 3, 3, 1, 1, 0);
}

/* The model's graph and parameter table: nothing sized by the parameter
 * count is allocated yet. */
static int new_graph(VqModel **out, const VqConfig *cfg, ThreadPool *pool, Error *err) {
    *out = NULL;
    if (vq_config_check(cfg, err) != 0) return -1;
    VqModel *m = mem_calloc(1, sizeof *m);
    if (!m) return error_set(err, "vq: out of memory");
    m->config = *cfg;
    for (int i = cfg->n_levels; i < VQ_MAX_LEVELS; i++) m->config.ch_mult[i] = 0; /* unused: compare equal */
    m->pool = pool;
    m->enc = mem_calloc(MAX_OPS, sizeof *m->enc);
    m->dec = mem_calloc(MAX_OPS, sizeof *m->dec);
    if (!m->enc || !m->dec) {
        vq_free(m);
        return error_set(err, "vq: out of memory");
    }
    Builder b = {.m = m, .err = err};
    build_graph(&b);
    if (b.failed) {
        vq_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

int vq_param_count(const VqConfig *cfg, size_t *count, Error *err) {
    VqModel *m;
    if (new_graph(&m, cfg, NULL, err) != 0) return -1;
    *count = m->table.total;
    vq_free(m);
    return 0;
}

int vq_new(VqModel **out, const VqConfig *cfg, ThreadPool *pool, Error *err) {
    VqModel *m;
    if (new_graph(&m, cfg, pool, err) != 0) return -1;
    m->params = mem_alloc_aligned(m->table.total * sizeof(float));
    m->grads = mem_alloc_aligned(m->table.total * sizeof(float));
    if (!m->params || !m->grads) {
        error_set(err, "vq: out of memory for %zu parameters", m->table.total);
        vq_free(m);
        return -1;
    }
    memset(m->params, 0, m->table.total * sizeof(float));
    memset(m->grads, 0, m->table.total * sizeof(float));
    if (vq_ema_new(&m->ema, cfg->n_embed, cfg->embed_dim, cfg->ema_decay, cfg->ema_eps, cfg->dead_after, err) != 0) {
        vq_free(m);
        return -1;
    }
    rng_seed(&m->rng, 1);
    *out = m;
    return 0;
}

static void free_geometry(VqModel *m) {
    VqOp *lists[2] = {m->enc, m->dec};
    int counts[2] = {m->n_enc, m->n_dec};
    for (int l = 0; l < 2; l++)
        for (int i = 0; lists[l] && i < counts[l]; i++) {
            VqOp *op = &lists[l][i];
            if (op->kind == OP_RES && op->rb.h1) resblock_free(&op->rb);
            mem_free_aligned(op->out), mem_free_aligned(op->up), mem_free_aligned(op->normed);
            mem_free(op->mean), mem_free(op->rstd);
            op->out = op->up = op->normed = op->mean = op->rstd = NULL;
        }
    float **bufs[] = {&m->z, &m->zq, &m->dz, &m->dzq, &m->vq_scratch, &m->recon, &m->gbuf[0], &m->gbuf[1],
                      &m->gbuf[2], &m->scratch.col, &m->scratch.dcol, &m->scratch.wt, &m->scratch.wp, &m->scratch.dwp};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
        mem_free_aligned(*bufs[i]);
        *bufs[i] = NULL;
    }
    mem_free(m->idx);
    m->idx = NULL;
    m->max_B = m->H = m->W = 0;
}

static void lean_free(VqModel *m);

void vq_free(VqModel *m) {
    if (!m) return;
    free_geometry(m);
    lean_free(m);
    mem_free(m->enc), mem_free(m->dec);
    params_free(&m->table);
    mem_free(m->shapes);
    mem_free_aligned(m->params), mem_free_aligned(m->grads);
    vq_ema_free(&m->ema);
    mem_free(m);
}

float *vq_param(VqModel *m, const char *name) {
    int i = params_find(&m->table, name);
    return i < 0 ? NULL : m->params + m->table.entries[i].offset;
}

static float *tensor(const VqModel *m, float *base, int index) { return base + m->table.entries[index].offset; }

void vq_init_random(VqModel *m, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < m->table.count; i++) {
        const ParamEntry *e = &m->table.entries[i];
        float *p = m->params + e->offset;
        const char *name = e->name;
        size_t len = strlen(name);
        int is_bias = len > 5 && strcmp(name + len - 5, ".bias") == 0;
        int is_norm = strstr(name, "norm") != NULL;
        if (strcmp(name, "quantize.embedding.weight") == 0) {
            float bound = 1.0f / (float)m->config.n_embed;
            for (size_t j = 0; j < e->numel; j++) p[j] = (float)(rng_uniform(&rng) * 2 - 1) * bound;
        } else if (is_norm) {
            for (size_t j = 0; j < e->numel; j++) p[j] = is_bias ? 0.0f : 1.0f;
        } else {
            /* fan_in of the conv this bias or weight belongs to: the weight is the entry before a bias */
            const ParamEntry *w = is_bias ? &m->table.entries[i - 1] : e;
            float bound = 1.0f / sqrtf((float)(w->cols > 0 ? w->cols : 1));
            for (size_t j = 0; j < e->numel; j++) p[j] = (float)(rng_uniform(&rng) * 2 - 1) * bound;
        }
    }
    m->codebook_ready = 0;
    rng_seed(&m->rng, seed ^ 0x9e3779b97f4a7c15ull);
}

/* ---- activation buffers ---- */

static int alloc_buf(float **p, size_t n, Error *err) {
    *p = mem_alloc_aligned((n ? n : 1) * sizeof(float));
    return *p ? 0 : error_set(err, "vq: out of memory for a %zu-float activation", n);
}

static int reserve_ops(VqModel *m, VqOp *ops, int n, int B, int *H, int *W, size_t *max_act, size_t *max_col,
                       Error *err) {
    for (int i = 0; i < n; i++) {
        VqOp *op = &ops[i];
        op->H = *H, op->W = *W;
        size_t pix_in = (size_t)B * (size_t)op->H * (size_t)op->W;
        switch (op->kind) {
        case OP_CONV:
            op->Ho = conv2d_out_size(op->H, op->conv.k, op->conv.stride, op->conv.pad);
            op->Wo = conv2d_out_size(op->W, op->conv.k, op->conv.stride, op->conv.pad);
            if (conv2d_scratch_need(&op->conv, op->H, op->W) > *max_col)
                *max_col = conv2d_scratch_need(&op->conv, op->H, op->W);
            break;
        case OP_UPCONV:
            op->Ho = 2 * op->H, op->Wo = 2 * op->W;
            if (alloc_buf(&op->up, pix_in * 4 * (size_t)op->C, err)) return -1;
            if (pix_in * 4 * (size_t)op->C > *max_act) *max_act = pix_in * 4 * (size_t)op->C;
            if (conv2d_scratch_need(&op->conv, op->Ho, op->Wo) > *max_col)
                *max_col = conv2d_scratch_need(&op->conv, op->Ho, op->Wo);
            break;
        case OP_RES:
            op->Ho = op->H, op->Wo = op->W;
            if (resblock_new(&op->rb, B, op->H, op->W, op->C, op->OC, m->config.groups, NORM_EPS, err)) return -1;
            if (resblock_scratch_need(&op->rb) > *max_col) *max_col = resblock_scratch_need(&op->rb);
            break;
        case OP_NORM_SILU:
            op->Ho = op->H, op->Wo = op->W;
            if (alloc_buf(&op->normed, pix_in * (size_t)op->C, err) ||
                alloc_buf(&op->mean, (size_t)B * (size_t)m->config.groups, err) ||
                alloc_buf(&op->rstd, (size_t)B * (size_t)m->config.groups, err))
                return -1;
            break;
        }
        size_t n_out = (size_t)B * (size_t)op->Ho * (size_t)op->Wo * (size_t)op->OC;
        if (alloc_buf(&op->out, n_out, err)) return -1;
        if (n_out > *max_act) *max_act = n_out;
        if (pix_in * (size_t)op->C > *max_act) *max_act = pix_in * (size_t)op->C;
        *H = op->Ho, *W = op->Wo;
    }
    return 0;
}

int vq_reserve(VqModel *m, int B, int H, int W, Error *err) {
    int f = vq_factor(&m->config);
    if (B < 1 || H < f || W < f || H % f || W % f || H > VQ_MAX_SIDE || W > VQ_MAX_SIDE)
        return error_set(err, "vq: image %dx%d is not a positive multiple of %d (max %d)", W, H, f, VQ_MAX_SIDE);
    if (m->max_B >= B && m->H == H && m->W == W) return 0;
    free_geometry(m);
    size_t max_act = 0, max_col = 0;
    int h = H, w = W;
    if (reserve_ops(m, m->enc, m->n_enc, B, &h, &w, &max_act, &max_col, err)) goto fail;
    int zh = h, zw = w;
    if (reserve_ops(m, m->dec, m->n_dec, B, &h, &w, &max_act, &max_col, err)) goto fail;
    EXA_ASSERT(h == H && w == W && zh == H / f && zw == W / f);
    size_t N = (size_t)B * (size_t)zh * (size_t)zw, D = (size_t)m->config.embed_dim, K = (size_t)m->config.n_embed;
    /* A few images per im2col chunk: bigger GEMMs, bounded memory. */
    size_t per_chunk = (size_t)(B < 4 ? B : 4);
    m->scratch.cap = max_col * per_chunk;
    m->scratch.wt_cap = 0;
    for (int i = 0; i < m->table.count; i++)
        if (m->table.entries[i].numel > m->scratch.wt_cap) m->scratch.wt_cap = m->table.entries[i].numel;
    if (alloc_buf(&m->z, N * D, err) || alloc_buf(&m->zq, N * D, err) || alloc_buf(&m->dz, N * D, err) ||
        alloc_buf(&m->dzq, N * D, err) || alloc_buf(&m->vq_scratch, N * K + K + K * D, err) ||
        alloc_buf(&m->recon, (size_t)B * H * W * 3, err) || alloc_buf(&m->gbuf[0], max_act, err) ||
        alloc_buf(&m->gbuf[1], max_act, err) || alloc_buf(&m->gbuf[2], max_act, err) ||
        alloc_buf(&m->scratch.col, m->scratch.cap, err) || alloc_buf(&m->scratch.dcol, m->scratch.cap, err) ||
        alloc_buf(&m->scratch.wt, m->scratch.wt_cap, err) || alloc_buf(&m->scratch.wp, m->scratch.wt_cap, err) ||
        alloc_buf(&m->scratch.dwp, m->scratch.wt_cap, err))
        goto fail;
    m->idx = mem_alloc(N * sizeof *m->idx);
    if (!m->idx) {
        error_set(err, "vq: out of memory");
        goto fail;
    }
    m->max_B = B, m->H = H, m->W = W;
    return 0;
fail:
    free_geometry(m);
    return -1;
}

/* ---- forward and backward ---- */

static ResBlockParams res_params(const VqModel *m, float *base, const VqOp *op) {
    ResBlockParams p = {0};
    float **slots = (float **)&p;
    int n = op->C != op->OC ? 10 : 8;
    for (int i = 0; i < n; i++) slots[i] = tensor(m, base, op->first + i);
    return p;
}

static void op_forward(VqModel *m, VqOp *op, const float *in, int B) {
    ThreadPool *pool = m->pool;
    float *w = tensor(m, m->params, op->first), *b = tensor(m, m->params, op->first + 1);
    switch (op->kind) {
    case OP_CONV:
        conv2d_forward(pool, &m->scratch, op->out, in, w, b, B, op->H, op->W, &op->conv);
        break;
    case OP_UPCONV:
        upsample2x_forward(pool, op->up, in, B, op->H, op->W, op->C);
        conv2d_forward(pool, &m->scratch, op->out, op->up, w, b, B, op->Ho, op->Wo, &op->conv);
        break;
    case OP_RES: {
        ResBlockParams p = res_params(m, m->params, op);
        resblock_forward(pool, &m->scratch, &op->rb, op->out, in, &p, B);
        break;
    }
    case OP_NORM_SILU:
        groupnorm_forward(pool, op->normed, op->mean, op->rstd, in, w, b, B, (int64_t)op->H * op->W, op->C,
                          m->config.groups, NORM_EPS);
        silu_forward(pool, op->out, op->normed, (int64_t)B * op->H * op->W * op->C);
        break;
    }
}

/* din (zeroed by the caller; NULL for the first encoder op) += d op / d in · dout */
static void op_backward(VqModel *m, VqOp *op, float *din, const float *dout, const float *in, int B) {
    ThreadPool *pool = m->pool;
    float *w = tensor(m, m->params, op->first);
    float *dw = tensor(m, m->grads, op->first), *db = tensor(m, m->grads, op->first + 1);
    float *tmp = m->gbuf[2];
    switch (op->kind) {
    case OP_CONV:
        conv2d_backward(pool, &m->scratch, din, dw, db, dout, in, w, B, op->H, op->W, &op->conv);
        break;
    case OP_UPCONV:
        memset(tmp, 0, (size_t)B * op->Ho * op->Wo * op->C * sizeof(float));
        conv2d_backward(pool, &m->scratch, tmp, dw, db, dout, op->up, w, B, op->Ho, op->Wo, &op->conv);
        if (din) upsample2x_backward(pool, din, tmp, B, op->H, op->W, op->C);
        break;
    case OP_RES: {
        ResBlockParams p = res_params(m, m->params, op), g = res_params(m, m->grads, op);
        EXA_ASSERT(din);
        resblock_backward(pool, &m->scratch, &op->rb, din, &g, dout, in, &p, B);
        break;
    }
    case OP_NORM_SILU: {
        int64_t n = (int64_t)B * op->H * op->W * op->C;
        memset(tmp, 0, (size_t)n * sizeof(float));
        silu_backward(pool, tmp, op->normed, dout, n);
        EXA_ASSERT(din);
        groupnorm_backward(pool, din, dw, db, tmp, in, w, op->mean, op->rstd, B, (int64_t)op->H * op->W, op->C,
                           m->config.groups);
        break;
    }
    }
}

static const float *run_chain(VqModel *m, VqOp *ops, int n, const float *in, int B) {
    for (int i = 0; i < n; i++) {
        op_forward(m, &ops[i], in, B);
        in = ops[i].out;
    }
    return in;
}

/* dout is the gradient of the chain's output; the result lands in din_final
 * (zeroed here; NULL: not needed). Uses gbuf[0], gbuf[1]. */
static void chain_backward(VqModel *m, VqOp *ops, int n, const float *chain_in, const float *dout, float *din_final,
                           int B) {
    int turn = 0;
    for (int i = n - 1; i >= 0; i--) {
        const float *in = i > 0 ? ops[i - 1].out : chain_in;
        float *din = i > 0 ? m->gbuf[turn] : din_final;
        if (din) memset(din, 0, (size_t)B * ops[i].H * ops[i].W * ops[i].C * sizeof(float));
        op_backward(m, &ops[i], din, dout, in, B);
        dout = din;
        turn ^= 1;
    }
}

static int64_t n_codes(const VqModel *m, int B) {
    int f = vq_factor(&m->config);
    return (int64_t)B * (m->H / f) * (m->W / f);
}

static int codebook_index(const VqModel *m) { return params_find(&m->table, "quantize.embedding.weight"); }

/* Codebook entries drawn from this batch's encoder outputs (so no code starts
 * far from the data and dead), EMA statistics restarted from them. */
static void seed_codebook(VqModel *m, int64_t N) {
    float *codebook = tensor(m, m->params, codebook_index(m));
    int D = m->config.embed_dim;
    for (int k = 0; k < m->config.n_embed; k++)
        memcpy(codebook + (int64_t)k * D, m->z + (int64_t)rng_below(&m->rng, (uint64_t)N) * D, (size_t)D * sizeof(float));
    vq_ema_reset(&m->ema, codebook, 0);
    m->codebook_ready = 1;
}

static void quantize(VqModel *m, int B) {
    int64_t N = n_codes(m, B);
    const float *codebook = tensor(m, m->params, codebook_index(m));
    vq_quantize_forward(m->pool, m->zq, m->idx, m->vq_scratch, m->z, codebook, N, m->config.embed_dim, m->config.n_embed);
}

void vq_forward(VqModel *m, const float *images, int B) {
    EXA_ASSERT(B <= m->max_B);
    m->B = B;
    int64_t N = n_codes(m, B);
    int D = m->config.embed_dim;
    const float *z = run_chain(m, m->enc, m->n_enc, images, B);
    memcpy(m->z, z, (size_t)(N * D) * sizeof(float));
    if (!m->codebook_ready) seed_codebook(m, N);
    quantize(m, B);
    const float *out = run_chain(m, m->dec, m->n_dec, m->zq, B);
    memcpy(m->recon, out, (size_t)B * m->H * m->W * 3 * sizeof(float));
    double se = 0;
    int64_t n = (int64_t)B * m->H * m->W * 3;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)m->recon[i] - (double)images[i];
        se += d * d;
    }
    m->rec_mse = se / (double)n;
    m->commit_mse = vq_mse(m->z, m->zq, N, D);
    m->loss = m->rec_mse + m->config.beta * m->commit_mse + (m->config.ema_decay > 0 ? 0 : m->commit_mse);
}

void vq_zero_grad(VqModel *m) { memset(m->grads, 0, m->table.total * sizeof(float)); }

void vq_backward(VqModel *m, const float *images, int B) {
    int64_t n = (int64_t)B * m->H * m->W * 3, N = n_codes(m, B);
    int D = m->config.embed_dim;
    /* d mean((recon - x)²) / d recon; gbuf[2] is free until the first op's backward reads dout. */
    float *drecon = m->gbuf[2];
    for (int64_t i = 0; i < n; i++) drecon[i] = 2.0f * (m->recon[i] - images[i]) / (float)n;
    /* The last decoder op is conv_out (OP_CONV), which never touches gbuf[2] itself. */
    EXA_ASSERT(m->dec[m->n_dec - 1].kind == OP_CONV);
    chain_backward(m, m->dec, m->n_dec, m->zq, drecon, m->decoder_only ? NULL : m->dzq, B);
    if (m->decoder_only) return;
    memset(m->dz, 0, (size_t)(N * D) * sizeof(float));
    float *dcodebook = m->config.ema_decay > 0 ? NULL : tensor(m, m->grads, codebook_index(m));
    vq_quantize_backward(m->pool, m->dz, dcodebook, m->dzq, m->z, m->zq, m->idx, N, D, m->config.beta);
    chain_backward(m, m->enc, m->n_enc, images, m->dz, NULL, B);
}

void vq_codebook_update(VqModel *m, int64_t step) {
    if (m->decoder_only) return;
    int64_t N = n_codes(m, m->B);
    float *codebook = tensor(m, m->params, codebook_index(m));
    vq_ema_update(&m->ema, codebook, m->z, m->idx, N, step);
    vq_restart_dead(&m->ema, codebook, m->z, N, step, &m->rng);
}

/* ---- inference ---- */

int vq_encode(VqModel *m, const float *images, int B, int H, int W, int32_t *codes, Error *err) {
    if (vq_reserve(m, B, H, W, err) != 0) return -1;
    int64_t N = n_codes(m, B);
    const float *z = run_chain(m, m->enc, m->n_enc, images, B);
    memcpy(m->z, z, (size_t)(N * m->config.embed_dim) * sizeof(float));
    quantize(m, B);
    memcpy(codes, m->idx, (size_t)N * sizeof *codes);
    return 0;
}

int vq_decode(VqModel *m, const int32_t *codes, int B, int h, int w, float *images, Error *err) {
    int f = vq_factor(&m->config), D = m->config.embed_dim;
    if (h < 1 || w < 1 || h > VQ_MAX_SIDE / f || w > VQ_MAX_SIDE / f) return error_set(err, "vq: code grid %dx%d out of range", w, h);
    if (vq_reserve(m, B, h * f, w * f, err) != 0) return -1;
    int64_t N = (int64_t)B * h * w;
    const float *codebook = tensor(m, m->params, codebook_index(m));
    for (int64_t i = 0; i < N; i++) {
        if (codes[i] < 0 || codes[i] >= m->config.n_embed)
            return error_set(err, "vq: code %d at position %lld is not in 0..%d", codes[i], (long long)i,
                             m->config.n_embed - 1);
        memcpy(m->zq + i * D, codebook + (int64_t)codes[i] * D, (size_t)D * sizeof(float));
    }
    const float *out = run_chain(m, m->dec, m->n_dec, m->zq, B);
    memcpy(images, out, (size_t)N * f * f * 3 * sizeof(float));
    return 0;
}

/* ---- inference-only decoding ---- */

/* The decoder chain with buffers reused from op to op: the input and output
 * of the current op, two temporaries of a residual block and the upsampled
 * input of an upsampling conv, each of the largest activation, plus im2col in
 * chunks of VQ_LEAN_COL floats. vq_decode keeps every op's output for
 * backward (and sizes the encoder too), which for a 640x640 tile is several
 * GB; this needs ~5 activations. Same operations as vq_decode. */
enum { VQ_LEAN_COL = 1 << 22 };

static void lean_free(VqModel *m) {
    for (int i = 0; i < 4; i++) mem_free_aligned(m->lean.buf[i]);
    mem_free_aligned(m->lean.up), mem_free_aligned(m->lean.col), mem_free_aligned(m->lean.wt);
    mem_free(m->lean.mean), mem_free(m->lean.rstd);
    memset(&m->lean, 0, sizeof m->lean);
}

/* The kept buffers, grown to at least these sizes (floats). */
static int lean_reserve(VqModel *m, size_t act, size_t up_act, size_t groups, size_t wt_cap) {
    if (m->lean.col && act <= m->lean.act && up_act <= m->lean.up_act && groups <= m->lean.groups &&
        wt_cap <= m->lean.wt_cap)
        return 0;
    lean_free(m);
    int ok = 1;
    for (int i = 0; i < 4; i++) ok &= (m->lean.buf[i] = mem_alloc_aligned(act * sizeof(float))) != NULL;
    ok &= (m->lean.up = mem_alloc_aligned(up_act * sizeof(float))) != NULL;
    ok &= (m->lean.mean = mem_alloc(groups * sizeof(float))) != NULL;
    ok &= (m->lean.rstd = mem_alloc(groups * sizeof(float))) != NULL;
    ok &= (m->lean.col = mem_alloc_aligned((size_t)VQ_LEAN_COL * sizeof(float))) != NULL;
    ok &= (m->lean.wt = mem_alloc_aligned(wt_cap * sizeof(float))) != NULL;
    if (!ok) {
        lean_free(m);
        return -1;
    }
    m->lean.act = act, m->lean.up_act = up_act, m->lean.groups = groups, m->lean.wt_cap = wt_cap;
    return 0;
}

int vq_decode_lean(VqModel *m, const int32_t *codes, int h, int w, float *image, Error *err) {
    const VqConfig *c = &m->config;
    int f = vq_factor(c), D = c->embed_dim, G = c->groups;
    if (h < 1 || w < 1 || h > 8192 / f || w > 8192 / f) return error_set(err, "vq: code grid %dx%d out of range", w, h);
    size_t biggest = (size_t)h * w * D, up_biggest = 1;
    int H = h, W = w;
    for (int i = 0; i < m->n_dec; i++) { /* geometry of the chain */
        const VqOp *op = &m->dec[i];
        size_t in = (size_t)H * W * op->C;
        if (op->kind == OP_UPCONV) {
            up_biggest = 4 * in > up_biggest ? 4 * in : up_biggest;
            H *= 2, W *= 2;
        }
        size_t out = (size_t)H * W * (op->OC > op->C ? op->OC : op->C);
        biggest = out > biggest ? out : biggest;
    }
    size_t wt_cap = 0;
    for (int i = 0; i < m->table.count; i++)
        if ((size_t)m->table.entries[i].numel > wt_cap) wt_cap = (size_t)m->table.entries[i].numel;
    if (lean_reserve(m, biggest, up_biggest, (size_t)G, wt_cap) != 0)
        return error_set(err, "vq: out of memory decoding %dx%d codes", w, h);
    float **buf = m->lean.buf, *up = m->lean.up, *mean = m->lean.mean, *rstd = m->lean.rstd;
    ConvScratch sc = {.col = m->lean.col, .cap = VQ_LEAN_COL, .wt = m->lean.wt, .wt_cap = m->lean.wt_cap,
                      .forward_bf16 = m->scratch.forward_bf16};
    const float *codebook = tensor(m, m->params, codebook_index(m));
    for (int64_t i = 0; i < (int64_t)h * w; i++) {
        if (codes[i] < 0 || codes[i] >= c->n_embed)
            return error_set(err, "vq: code %d at position %lld is not in 0..%d", codes[i], (long long)i,
                             c->n_embed - 1);
        memcpy(buf[0] + i * D, codebook + (int64_t)codes[i] * D, (size_t)D * sizeof(float));
    }
    float *src = buf[0], *dst = buf[1], *t1 = buf[2], *t2 = buf[3];
    H = h, W = w;
    for (int i = 0; i < m->n_dec; i++) {
        const VqOp *op = &m->dec[i];
        float *wt = tensor(m, m->params, op->first), *bias = tensor(m, m->params, op->first + 1);
        int64_t P = (int64_t)H * W;
        switch (op->kind) {
        case OP_CONV: conv2d_forward(m->pool, &sc, dst, src, wt, bias, 1, H, W, &op->conv); break;
        case OP_UPCONV:
            conv2d_forward_upsampled(m->pool, &sc, dst, up, src, wt, bias, 1, H, W, &op->conv);
            H *= 2, W *= 2;
            break;
        case OP_NORM_SILU:
            groupnorm_forward(m->pool, dst, mean, rstd, src, wt, bias, 1, P, op->C, G, NORM_EPS);
            silu_forward(m->pool, dst, dst, P * op->C);
            break;
        case OP_RES: { /* resblock_forward on the shared buffers: t1 takes the normed
                          activations (silu in place), t2 conv1's output, then the shortcut */
            ResBlockParams p = res_params(m, m->params, op);
            ResBlock rb = {.max_B = 1, .H = H, .W = W, .C = op->C, .OC = op->OC, .G = G, .eps = NORM_EPS,
                           .h1 = t1, .a1 = t1, .c1 = t2, .h2 = t1, .a2 = t1, .g1 = t2,
                           .mean1 = mean, .rstd1 = rstd, .mean2 = mean, .rstd2 = rstd};
            resblock_forward(m->pool, &sc, &rb, dst, src, &p, 1);
            break;
        }
        }
        float *t = src;
        src = dst, dst = t;
    }
    memcpy(image, src, (size_t)H * W * 3 * sizeof(float));
    return 0;
}
