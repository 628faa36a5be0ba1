/* Decoder-only transformer for training (see gpt.h). Legend in real.h. */
#include "gpt.h"

#include "../core/cpu.h"
#include "../core/mem.h"
#include "activation.h"
#include "attention.h"
#include "crossentropy.h"
#include "embedding.h"
#include "gpt_lora.h"
#include "linear.h"
#include "norm.h"
#include "residual.h"
#include "rng.h"
#include "rope.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- tensors */

/* One block's tensors, as pointers into params (or grads). Biases are NULL
 * when config.bias = 0, ln_*_b when the norm is RMSNorm. */
struct GptLayer {
    float *ln1_w, *ln1_b;
    float *qkv_w, *qkv_b;   /* [C + 2 KVC, C]: q_proj, k_proj, v_proj rows in order */
    float *proj_w, *proj_b; /* out_proj [C, C] */
    float *ln2_w, *ln2_b;
    float *fc_w, *fc_b;     /* [FW, C]: c_fc (GELU) or c_fc_0 (gate), c_fc_1 (up) */
    float *fcproj_w, *fcproj_b; /* c_proj [C, F] */
};

/* Offsets of the non-layer tensors, resolved like the layers. */
typedef struct {
    float *wte, *wpe, *wpe_row, *wpe_col, *wse, *lnf_w, *lnf_b, *lm_head;
} GptTop;

/* Saved activations of one block. */
typedef struct {
    float *ln1, *ln1_mean, *ln1_rstd; /* [N,C], [N], [N] */
    float *qkv;                       /* [N, QKV], q and k after RoPE */
    float *att;                       /* [B,NH,T,T] probabilities */
    float *atty;                      /* [N,C] attention output */
    float *res2;                      /* [N,C] x after the attention branch */
    float *ln2, *ln2_mean, *ln2_rstd;
    float *fch;     /* [N,FW] c_fc output */
    float *fch_act; /* [N,F] after GELU / SwiGLU */
    float *res3;    /* [N,C] block output */
} GptLayerActs;

struct GptActs {
    GptTop top, dtop;
    GptLayerActs *layer;
    float *x0;                        /* [N,C] embeddings */
    float *lnf, *lnf_mean, *lnf_rstd; /* [N,C], [N], [N] */
    float *logits;                    /* [N,V]; gradient in place after backward */
    float *lse, *losses;              /* [N] */
    /* scratch shared by all blocks */
    float *proj;              /* [N,C] output of out_proj / c_proj before the residual add */
    float *dres, *dln;        /* [N,C] */
    float *dqkv;              /* [N, QKV] */
    float *datty;             /* [N,C] */
    float *dfch, *dfch_act;   /* [N,FW], [N,F] */
    float *attn_scratch;      /* attention_scratch_floats() */
    float *rope_cos, *rope_sin; /* [max_seq, hs/2] */
    int *tokens, *targets, *pos, *rows, *cols, *prefix; /* [N] x5, [B] */
    int *segments;                                      /* [N] */
    int has_prefix;
};

static int gpt_fc_width(const GptConfig *c) { return c->mlp == GPT_MLP_SWIGLU ? 2 * c->ffn : c->ffn; }

/* Channels of k (and of v): KVC = n_kv_heads * hs; the fused q|k|v row is QKV = C + 2 KVC wide. */
static int gpt_kv_width(const GptConfig *c) { return c->n_kv_heads * (c->d_model / c->n_heads); }
static int gpt_qkv_width(const GptConfig *c) { return c->d_model + 2 * gpt_kv_width(c); }

static int add(ParamTable *t, Error *err, int decay, int64_t rows, int64_t cols, const char *fmt, int layer) {
    char name[96];
    snprintf(name, sizeof name, fmt, layer);
    return params_add(t, name, rows, cols, decay, err) < 0 ? -1 : 0;
}

/* The table: the one place that says which tensors exist, their names and order. */
static int gpt_build_table(ParamTable *t, const GptConfig *c, Error *err) {
    int C = c->d_model, F = c->ffn, emb_decay = c->decay_embeddings ? PARAM_DECAY : PARAM_NO_DECAY;
    int ln = c->norm == GPT_NORM_LAYER, b = c->bias, D = PARAM_DECAY, ND = PARAM_NO_DECAY, KVC = gpt_kv_width(c);
    int rc = add(t, err, emb_decay, c->vocab, C, "transformer.wte.weight", 0);
    if (!rc && c->pos == GPT_POS_LEARNED) rc = add(t, err, emb_decay, c->max_seq, C, "transformer.wpe.weight", 0);
    if (!rc && c->grid_h > 0) {
        rc = add(t, err, emb_decay, c->grid_h, C, "transformer.wpe_row.weight", 0);
        if (!rc) rc = add(t, err, emb_decay, c->grid_w, C, "transformer.wpe_col.weight", 0);
    }
    if (!rc && c->n_segments > 0) rc = add(t, err, emb_decay, c->n_segments, C, "transformer.wse.weight", 0);
    for (int l = 0; l < c->n_layers && !rc; l++) {
        rc |= add(t, err, ND, C, 0, "transformer.h.%d.ln_1.weight", l);
        if (ln) rc |= add(t, err, ND, C, 0, "transformer.h.%d.ln_1.bias", l);
        rc |= add(t, err, D, C, C, "transformer.h.%d.attn.attention.q_proj.weight", l);
        rc |= add(t, err, D, KVC, C, "transformer.h.%d.attn.attention.k_proj.weight", l);
        rc |= add(t, err, D, KVC, C, "transformer.h.%d.attn.attention.v_proj.weight", l);
        if (b) {
            rc |= add(t, err, ND, C, 0, "transformer.h.%d.attn.attention.q_proj.bias", l);
            rc |= add(t, err, ND, KVC, 0, "transformer.h.%d.attn.attention.k_proj.bias", l);
            rc |= add(t, err, ND, KVC, 0, "transformer.h.%d.attn.attention.v_proj.bias", l);
        }
        rc |= add(t, err, D, C, C, "transformer.h.%d.attn.attention.out_proj.weight", l);
        if (b) rc |= add(t, err, ND, C, 0, "transformer.h.%d.attn.attention.out_proj.bias", l);
        rc |= add(t, err, ND, C, 0, "transformer.h.%d.ln_2.weight", l);
        if (ln) rc |= add(t, err, ND, C, 0, "transformer.h.%d.ln_2.bias", l);
        if (c->mlp == GPT_MLP_SWIGLU) {
            rc |= add(t, err, D, F, C, "transformer.h.%d.mlp.c_fc_0.weight", l);
            rc |= add(t, err, D, F, C, "transformer.h.%d.mlp.c_fc_1.weight", l);
            if (b) {
                rc |= add(t, err, ND, F, 0, "transformer.h.%d.mlp.c_fc_0.bias", l);
                rc |= add(t, err, ND, F, 0, "transformer.h.%d.mlp.c_fc_1.bias", l);
            }
        } else {
            rc |= add(t, err, D, F, C, "transformer.h.%d.mlp.c_fc.weight", l);
            if (b) rc |= add(t, err, ND, F, 0, "transformer.h.%d.mlp.c_fc.bias", l);
        }
        rc |= add(t, err, D, C, F, "transformer.h.%d.mlp.c_proj.weight", l);
        if (b) rc |= add(t, err, ND, C, 0, "transformer.h.%d.mlp.c_proj.bias", l);
    }
    if (!rc) rc = add(t, err, ND, C, 0, "transformer.ln_f.weight", 0);
    if (!rc && ln) rc = add(t, err, ND, C, 0, "transformer.ln_f.bias", 0);
    if (!rc && !c->tied) rc = add(t, err, emb_decay, c->vocab, C, "lm_head.weight", 0);
    return rc;
}

/* Pointer to a tensor of the table inside base, or NULL if absent. */
static float *tensor(const Gpt *m, float *base, const char *fmt, int layer) {
    char name[96];
    snprintf(name, sizeof name, fmt, layer);
    int i = params_find(&m->table, name);
    return i < 0 ? NULL : base + m->table.entries[i].offset;
}

static void gpt_resolve(const Gpt *m, float *base, GptTop *top, GptLayer *layers) {
    const char *fc0 = m->config.mlp == GPT_MLP_SWIGLU ? "transformer.h.%d.mlp.c_fc_0.weight"
                                                      : "transformer.h.%d.mlp.c_fc.weight";
    const char *fc0b = m->config.mlp == GPT_MLP_SWIGLU ? "transformer.h.%d.mlp.c_fc_0.bias"
                                                       : "transformer.h.%d.mlp.c_fc.bias";
    top->wte = tensor(m, base, "transformer.wte.weight", 0);
    top->wpe = tensor(m, base, "transformer.wpe.weight", 0);
    top->wpe_row = tensor(m, base, "transformer.wpe_row.weight", 0);
    top->wpe_col = tensor(m, base, "transformer.wpe_col.weight", 0);
    top->wse = tensor(m, base, "transformer.wse.weight", 0);
    top->lnf_w = tensor(m, base, "transformer.ln_f.weight", 0);
    top->lnf_b = tensor(m, base, "transformer.ln_f.bias", 0);
    top->lm_head = m->config.tied ? top->wte : tensor(m, base, "lm_head.weight", 0);
    for (int l = 0; l < m->config.n_layers; l++) {
        GptLayer *y = &layers[l];
        y->ln1_w = tensor(m, base, "transformer.h.%d.ln_1.weight", l);
        y->ln1_b = tensor(m, base, "transformer.h.%d.ln_1.bias", l);
        y->qkv_w = tensor(m, base, "transformer.h.%d.attn.attention.q_proj.weight", l);
        y->qkv_b = tensor(m, base, "transformer.h.%d.attn.attention.q_proj.bias", l);
        y->proj_w = tensor(m, base, "transformer.h.%d.attn.attention.out_proj.weight", l);
        y->proj_b = tensor(m, base, "transformer.h.%d.attn.attention.out_proj.bias", l);
        y->ln2_w = tensor(m, base, "transformer.h.%d.ln_2.weight", l);
        y->ln2_b = tensor(m, base, "transformer.h.%d.ln_2.bias", l);
        y->fc_w = tensor(m, base, fc0, l);
        y->fc_b = tensor(m, base, fc0b, l);
        y->fcproj_w = tensor(m, base, "transformer.h.%d.mlp.c_proj.weight", l);
        y->fcproj_b = tensor(m, base, "transformer.h.%d.mlp.c_proj.bias", l);
    }
}

/* ---------------------------------------------------------------- arena */

/* Carves the arena in two passes: with base == NULL it only counts floats. */
typedef struct {
    float *base;
    size_t used;
} Carver;

static float *carve(Carver *cv, size_t n) {
    float *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (n + 15) & ~(size_t)15; /* keep every buffer 64-byte aligned */
    return p;
}

static void gpt_carve(Gpt *m, Carver *cv) {
    const GptConfig *c = &m->config;
    GptActs *a = m->acts;
    size_t N = (size_t)m->max_B * (size_t)m->max_T, C = (size_t)c->d_model, F = (size_t)c->ffn;
    size_t QKV = (size_t)gpt_qkv_width(c);
    size_t FW = (size_t)gpt_fc_width(c), att = (size_t)m->max_B * (size_t)c->n_heads * (size_t)m->max_T * (size_t)m->max_T;
    a->x0 = carve(cv, N * C);
    for (int l = 0; l < c->n_layers; l++) {
        GptLayerActs *y = &a->layer[l];
        y->ln1 = carve(cv, N * C);
        y->ln1_mean = carve(cv, N);
        y->ln1_rstd = carve(cv, N);
        y->qkv = carve(cv, N * QKV);
        y->att = carve(cv, att);
        y->atty = carve(cv, N * C);
        y->res2 = carve(cv, N * C);
        y->ln2 = carve(cv, N * C);
        y->ln2_mean = carve(cv, N);
        y->ln2_rstd = carve(cv, N);
        y->fch = carve(cv, N * FW);
        y->fch_act = carve(cv, N * F);
        y->res3 = carve(cv, N * C);
    }
    a->lnf = carve(cv, N * C);
    a->lnf_mean = carve(cv, N);
    a->lnf_rstd = carve(cv, N);
    a->logits = carve(cv, N * (size_t)c->vocab);
    a->lse = carve(cv, N);
    a->losses = carve(cv, N);
    a->proj = carve(cv, N * C);
    a->dres = carve(cv, N * C);
    a->dln = carve(cv, N * C);
    a->dqkv = carve(cv, N * QKV);
    a->datty = carve(cv, N * C);
    a->dfch = carve(cv, N * FW);
    a->dfch_act = carve(cv, N * F);
    a->attn_scratch = carve(cv, (size_t)attention_scratch_floats(m->max_T, c->d_model / c->n_heads, pool_threads(m->pool)));
    size_t half = (size_t)(c->d_model / c->n_heads / 2);
    a->rope_cos = carve(cv, (size_t)c->max_seq * half);
    a->rope_sin = carve(cv, (size_t)c->max_seq * half);
}

/* ---------------------------------------------------------------- lifetime */

void gpt_config_defaults(GptConfig *c) {
    memset(c, 0, sizeof *c);
    c->rope_theta = 10000.0f;
    c->norm_eps = 1e-5f;
}

static int gpt_check_config(const GptConfig *c, Error *err) {
    if (c->vocab <= 0 || c->d_model <= 0 || c->n_layers <= 0 || c->n_heads <= 0 || c->ffn <= 0 || c->max_seq <= 0)
        return error_set(err, "gpt config: vocab, d_model, n_layers, n_heads, ffn, max_seq must be > 0");
    if (c->d_model % c->n_heads != 0)
        return error_set(err, "gpt config: d_model %d is not a multiple of n_heads %d", c->d_model, c->n_heads);
    if (c->n_kv_heads < 0 || c->n_kv_heads > c->n_heads || (c->n_kv_heads && c->n_heads % c->n_kv_heads != 0))
        return error_set(err, "gpt config: n_kv_heads %d must divide n_heads %d", c->n_kv_heads, c->n_heads);
    if (c->pos == GPT_POS_ROPE && (c->d_model / c->n_heads) % 2 != 0)
        return error_set(err, "gpt config: rotary positions need an even head size");
    if (c->norm < 0 || c->norm > 1 || c->mlp < 0 || c->mlp > 1 || c->pos < 0 || c->pos > 1)
        return error_set(err, "gpt config: unknown norm/mlp/position type");
    if (c->n_segments < 0 || c->n_segments > 4096)
        return error_set(err, "gpt config: n_segments %d out of range", c->n_segments);
    if ((c->grid_h > 0) != (c->grid_w > 0) || c->grid_h < 0 || c->grid_w < 0)
        return error_set(err, "gpt config: grid_h and grid_w must both be set (or both 0)");
    if (!(c->norm_eps > 0) || !(c->label_smoothing >= 0 && c->label_smoothing < 1))
        return error_set(err, "gpt config: norm_eps must be > 0 and label_smoothing in [0, 1)");
    if (c->d_model > (1 << 20) || c->ffn > (1 << 22) || c->vocab > (1 << 24) || c->max_seq > (1 << 20) ||
        c->n_layers > 4096)
        return error_set(err, "gpt config: dimensions out of range");
    return 0;
}

int gpt_new(Gpt **out, const GptConfig *config, int max_B, int max_T, ThreadPool *pool, Error *err) {
    *out = NULL;
    if (gpt_check_config(config, err) != 0) return -1;
    if (max_B <= 0 || max_T <= 0 || max_T > config->max_seq)
        return error_set(err, "gpt: batch %d x %d does not fit max_seq %d", max_B, max_T, config->max_seq);
    /* An upper bound of the activation arena in double, so that the size_t
     * products in gpt_carve cannot overflow for any config that passes here. */
    const GptConfig *c = config;
    double N_d = (double)max_B * max_T, per_layer = N_d * (12.0 * c->d_model + 3.0 * c->ffn + 8) +
                                                     (double)max_B * c->n_heads * max_T * max_T;
    double floats = per_layer * c->n_layers + N_d * (6.0 * c->d_model + c->vocab + 8) +
                    (double)max_T * (c->d_model + max_T) * cpu_count() + (double)c->max_seq * c->d_model;
    if (floats > 0x1p40)
        return error_set(err, "gpt: activations for %d x %d tokens would need %.3g floats", max_B, max_T, floats);
    Gpt *m = mem_calloc(1, sizeof *m);
    if (!m) return error_set(err, "gpt: out of memory");
    m->config = *config;
    if (m->config.n_kv_heads == 0) m->config.n_kv_heads = m->config.n_heads;
    m->pool = pool;
    m->max_B = max_B;
    m->max_T = max_T;
    int L = config->n_layers;
    size_t N = (size_t)max_B * (size_t)max_T;
    if (gpt_build_table(&m->table, &m->config, err) != 0) goto fail;
    m->layer = mem_calloc((size_t)L, sizeof *m->layer);
    m->dlayer = mem_calloc((size_t)L, sizeof *m->dlayer);
    m->acts = mem_calloc(1, sizeof *m->acts);
    if (!m->layer || !m->dlayer || !m->acts) goto oom;
    m->acts->layer = mem_calloc((size_t)L, sizeof *m->acts->layer);
    m->params = mem_alloc_aligned(m->table.total * sizeof(float));
    m->grads = mem_alloc_aligned(m->table.total * sizeof(float));
    if (!m->acts->layer || !m->params || !m->grads) goto oom;
    memset(m->params, 0, m->table.total * sizeof(float));
    memset(m->grads, 0, m->table.total * sizeof(float));
    Carver count = {NULL, 0};
    gpt_carve(m, &count);
    m->arena = mem_alloc_aligned(count.used * sizeof(float));
    m->int_arena = mem_calloc(6 * N + (size_t)max_B, sizeof(int));
    if (!m->arena || !m->int_arena) goto oom;
    memset(m->arena, 0, count.used * sizeof(float));
    Carver real_carve = {m->arena, 0};
    gpt_carve(m, &real_carve);
    GptActs *a = m->acts;
    a->tokens = m->int_arena;
    a->targets = a->tokens + N;
    a->pos = a->targets + N;
    a->rows = a->pos + N;
    a->cols = a->rows + N;
    a->prefix = a->cols + N;
    a->segments = a->prefix + max_B;
    gpt_resolve(m, m->params, &a->top, m->layer);
    gpt_resolve(m, m->grads, &a->dtop, m->dlayer);
    if (config->pos == GPT_POS_ROPE)
        rope_table(a->rope_cos, a->rope_sin, config->max_seq, config->d_model / config->n_heads, config->rope_theta);
    *out = m;
    return 0;
oom:
    error_set(err, "gpt: out of memory for %zu parameters and activations of %d x %d tokens", m->table.total, max_B,
              max_T);
fail:
    gpt_free(m);
    return -1;
}

void gpt_free(Gpt *m) {
    if (!m) return;
    params_free(&m->table);
    mem_free_aligned(m->params);
    mem_free_aligned(m->grads);
    mem_free_aligned(m->arena);
    mem_free(m->int_arena);
    if (m->acts) mem_free(m->acts->layer);
    mem_free(m->acts);
    mem_free(m->layer);
    mem_free(m->dlayer);
    mem_free(m);
}

void gpt_init_random(Gpt *m, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    float proj_std = 0.02f / sqrtf(2.0f * (float)m->config.n_layers);
    for (int i = 0; i < m->table.count; i++) {
        const ParamEntry *e = &m->table.entries[i];
        float *p = m->params + e->offset;
        size_t len = strlen(e->name);
        int is_bias = len > 5 && strcmp(e->name + len - 5, ".bias") == 0;
        int is_norm = strstr(e->name, "ln_") != NULL;
        int is_proj = strstr(e->name, "out_proj.weight") || strstr(e->name, "c_proj.weight");
        float std = is_proj ? proj_std : 0.02f;
        if (is_bias || is_norm) {
            for (size_t k = 0; k < e->numel; k++) p[k] = is_bias ? 0.0f : 1.0f;
            continue;
        }
        for (size_t k = 0; k < e->numel; k += 2) {
            double a, b;
            rng_normal2(&rng, &a, &b);
            p[k] = (float)(a * std);
            if (k + 1 < e->numel) p[k + 1] = (float)(b * std);
        }
    }
}

void gpt_zero_grad(Gpt *m) { memset(m->grads, 0, m->table.total * sizeof(float)); }

const float *gpt_logits(const Gpt *m) { return m->acts->logits; }
const float *gpt_input_embeddings(const Gpt *m) { return m->acts->x0; }
/* gpt_backward leaves the residual stream's gradient at the bottom of the stack in dres. */
const float *gpt_input_grad(const Gpt *m) { return m->acts->dres; }

/* ---------------------------------------------------------------- forward */

static void gpt_norm_forward(Gpt *m, float *out, float *mean, float *rstd, const float *inp, const float *w,
                             const float *b, int64_t N) {
    if (m->config.norm == GPT_NORM_RMS)
        rmsnorm_forward(m->pool, out, rstd, inp, w, N, m->config.d_model, m->config.norm_eps);
    else
        layernorm_forward(m->pool, out, mean, rstd, inp, w, b, N, m->config.d_model, m->config.norm_eps);
}

static void gpt_norm_backward(Gpt *m, float *dinp, float *dw, float *db, const float *dout, const float *inp,
                              const float *w, const float *mean, const float *rstd, int64_t N) {
    if (m->config.norm == GPT_NORM_RMS)
        rmsnorm_backward(m->pool, dinp, dw, dout, inp, w, rstd, N, m->config.d_model);
    else
        layernorm_backward(m->pool, dinp, dw, db, dout, inp, w, mean, rstd, N, m->config.d_model);
}

static int gpt_check_batch(Gpt *m, const GptBatch *batch, int B, int T, Error *err) {
    const GptConfig *c = &m->config;
    if (B <= 0 || T <= 0 || B > m->max_B || T > m->max_T)
        return error_set(err, "gpt: batch %d x %d exceeds the %d x %d the model was sized for", B, T, m->max_B,
                         m->max_T);
    if (batch->image_start && c->grid_h <= 0)
        return error_set(err, "gpt: the batch has image positions but the model has no grid (grid_h = 0)");
    for (int64_t n = 0; n < (int64_t)B * T; n++) {
        if (batch->tokens[n] < 0 || batch->tokens[n] >= c->vocab)
            return error_set(err, "gpt: token %d at position %lld is outside the vocabulary (%d)", batch->tokens[n],
                             (long long)n, c->vocab);
        if (batch->targets && batch->targets[n] != GPT_IGNORE_INDEX &&
            (batch->targets[n] < 0 || batch->targets[n] >= c->vocab))
            return error_set(err, "gpt: target %d at position %lld is outside the vocabulary (%d)",
                             batch->targets[n], (long long)n, c->vocab);
        if (batch->segments && batch->segments[n] >= c->n_segments)
            return error_set(err, "gpt: segment %d at position %lld is outside the %d segments",
                             batch->segments[n], (long long)n, c->n_segments);
    }
    return 0;
}

int gpt_forward(Gpt *m, const GptBatch *batch, int B, int T, Error *err) {
    if (gpt_check_batch(m, batch, B, T, err) != 0) return -1;
    const GptConfig *c = &m->config;
    GptActs *a = m->acts;
    const GptTop *w = &a->top;
    int C = c->d_model, NH = c->n_heads, NKV = c->n_kv_heads, hs = C / NH, F = c->ffn, FW = gpt_fc_width(c);
    int V = c->vocab, KVC = gpt_kv_width(c), QKV = gpt_qkv_width(c);
    int64_t N = (int64_t)B * T;
    m->B = B;
    m->T = T;
    memcpy(a->tokens, batch->tokens, (size_t)N * sizeof(int));
    for (int64_t n = 0; n < N; n++) a->targets[n] = batch->targets ? batch->targets[n] : GPT_IGNORE_INDEX;
    a->has_prefix = batch->prefix != NULL;
    if (batch->prefix) memcpy(a->prefix, batch->prefix, (size_t)B * sizeof(int));
    positions_1d(a->pos, B, T);

    embedding_forward(a->x0, a->tokens, w->wte, N, C, 0);
    if (c->pos == GPT_POS_LEARNED) embedding_forward(a->x0, a->pos, w->wpe, N, C, 1);
    if (batch->image_start) {
        positions_2d(a->rows, a->cols, batch->image_start, B, T, c->grid_h, c->grid_w);
        embedding_forward(a->x0, a->rows, w->wpe_row, N, C, 1);
        embedding_forward(a->x0, a->cols, w->wpe_col, N, C, 1);
    } else {
        for (int64_t n = 0; n < N; n++) a->rows[n] = a->cols[n] = -1;
    }
    for (int64_t n = 0; n < N; n++) a->segments[n] = batch->segments ? batch->segments[n] : -1;
    if (w->wse) embedding_forward(a->x0, a->segments, w->wse, N, C, 1);
    const int *prefix = a->has_prefix ? a->prefix : NULL;
    const float *x = a->x0;
    for (int l = 0; l < c->n_layers; l++) {
        const GptLayer *p = &m->layer[l];
        GptLayerActs *y = &a->layer[l];
        gpt_norm_forward(m, y->ln1, y->ln1_mean, y->ln1_rstd, x, p->ln1_w, p->ln1_b, N);
        linear_layer_forward(m->pool, m->precision, y->qkv, y->ln1, p->qkv_w, p->qkv_b, N, C, QKV);
        if (m->lora) {
            gpt_lora_forward(m->lora, l, GPT_LORA_Q, y->qkv, QKV, y->ln1, N);
            gpt_lora_forward(m->lora, l, GPT_LORA_K, y->qkv + C, QKV, y->ln1, N);
            gpt_lora_forward(m->lora, l, GPT_LORA_V, y->qkv + C + KVC, QKV, y->ln1, N);
        }
        if (c->pos == GPT_POS_ROPE) {
            rope_forward(y->qkv, QKV, a->pos, a->rope_cos, a->rope_sin, N, NH, hs);
            rope_forward(y->qkv + C, QKV, a->pos, a->rope_cos, a->rope_sin, N, NKV, hs);
        }
        attention_forward(m->pool, y->atty, y->att, a->attn_scratch, y->qkv, y->qkv + C, y->qkv + C + KVC, QKV, prefix,
                          B, T, NH, NKV, hs);
        linear_layer_forward(m->pool, m->precision, a->proj, y->atty, p->proj_w, p->proj_b, N, C, C);
        if (m->lora) gpt_lora_forward(m->lora, l, GPT_LORA_O, a->proj, C, y->atty, N);
        residual_forward(y->res2, x, a->proj, N * C);
        gpt_norm_forward(m, y->ln2, y->ln2_mean, y->ln2_rstd, y->res2, p->ln2_w, p->ln2_b, N);
        linear_layer_forward(m->pool, m->precision, y->fch, y->ln2, p->fc_w, p->fc_b, N, C, FW);
        if (m->lora) gpt_lora_forward(m->lora, l, GPT_LORA_FC, y->fch, FW, y->ln2, N);
        if (c->mlp == GPT_MLP_SWIGLU)
            swiglu_forward(m->pool, y->fch_act, y->fch, N, F);
        else
            gelu_forward(m->pool, y->fch_act, y->fch, N * F);
        linear_layer_forward(m->pool, m->precision, a->proj, y->fch_act, p->fcproj_w, p->fcproj_b, N, F, C);
        if (m->lora) gpt_lora_forward(m->lora, l, GPT_LORA_PROJ, a->proj, C, y->fch_act, N);
        residual_forward(y->res3, y->res2, a->proj, N * C);
        x = y->res3;
    }
    gpt_norm_forward(m, a->lnf, a->lnf_mean, a->lnf_rstd, x, w->lnf_w, w->lnf_b, N);
    linear_layer_forward(m->pool, m->precision, a->logits, a->lnf, w->lm_head, NULL, N, C, V);
    m->loss = 0;
    m->n_targets = 0;
    if (batch->targets) {
        m->n_targets = crossentropy_forward(m->pool, a->losses, a->lse, a->logits, a->targets, N, V,
                                            c->label_smoothing, GPT_IGNORE_INDEX);
        double sum = 0;
        for (int64_t n = 0; n < N; n++) sum += a->losses[n];
        m->loss = m->n_targets ? (float)(sum / (double)m->n_targets) : 0.0f;
    }
    return 0;
}

/* ---------------------------------------------------------------- backward */

/* The residual stream's gradient dres flows through each block unchanged
 * (residual_backward's "da += dout" is the identity on the same buffer); the
 * branches read dres as their dout and add their input gradients back in. */
void gpt_backward(Gpt *m, float grad_scale) {
    const GptConfig *c = &m->config;
    GptActs *a = m->acts;
    const GptTop *w = &a->top;
    GptTop *dw = &a->dtop;
    int B = m->B, T = m->T, C = c->d_model, NH = c->n_heads, NKV = c->n_kv_heads, hs = C / NH, F = c->ffn;
    int FW = gpt_fc_width(c), KVC = gpt_kv_width(c), QKV = gpt_qkv_width(c);
    int V = c->vocab;
    int64_t N = (int64_t)B * T;
    size_t NC = (size_t)N * (size_t)C;
    const int *prefix = a->has_prefix ? a->prefix : NULL;
    GptLora *lora = m->lora;
    /* under LoRA the base is frozen: no weight gradients of the matrices (NULL skips them) */
#define DW(p) (lora ? NULL : (p))
    if (m->n_targets == 0) return;

    crossentropy_backward(m->pool, a->logits, a->logits, a->lse, a->targets, grad_scale / (float)m->n_targets, N, V,
                          c->label_smoothing, GPT_IGNORE_INDEX);
    memset(a->dln, 0, NC * sizeof(float));
    linear_layer_backward(m->pool, m->precision, a->dln, DW(dw->lm_head), NULL, a->logits, a->lnf, w->lm_head, N, C, V);
    const float *x_last = c->n_layers ? a->layer[c->n_layers - 1].res3 : a->x0;
    memset(a->dres, 0, NC * sizeof(float));
    gpt_norm_backward(m, a->dres, dw->lnf_w, dw->lnf_b, a->dln, x_last, w->lnf_w, a->lnf_mean, a->lnf_rstd, N);

    for (int l = c->n_layers - 1; l >= 0; l--) {
        const GptLayer *p = &m->layer[l];
        const GptLayer *dp = &m->dlayer[l];
        GptLayerActs *y = &a->layer[l];
        const float *x_in = l ? a->layer[l - 1].res3 : a->x0;
        /* MLP branch: res3 = res2 + c_proj(act(c_fc(ln2(res2)))) */
        memset(a->dfch_act, 0, (size_t)N * (size_t)F * sizeof(float));
        linear_layer_backward(m->pool, m->precision, a->dfch_act, DW(dp->fcproj_w), DW(dp->fcproj_b), a->dres, y->fch_act,
                              p->fcproj_w, N, F, C);
        if (lora) gpt_lora_backward(lora, l, GPT_LORA_PROJ, a->dfch_act, a->dres, C, y->fch_act, N);
        memset(a->dfch, 0, (size_t)N * (size_t)FW * sizeof(float));
        if (c->mlp == GPT_MLP_SWIGLU)
            swiglu_backward(m->pool, a->dfch, y->fch, a->dfch_act, N, F);
        else
            gelu_backward(m->pool, a->dfch, y->fch, a->dfch_act, N * F);
        memset(a->dln, 0, NC * sizeof(float));
        linear_layer_backward(m->pool, m->precision, a->dln, DW(dp->fc_w), DW(dp->fc_b), a->dfch, y->ln2, p->fc_w, N, C, FW);
        if (lora) gpt_lora_backward(lora, l, GPT_LORA_FC, a->dln, a->dfch, FW, y->ln2, N);
        gpt_norm_backward(m, a->dres, dp->ln2_w, dp->ln2_b, a->dln, y->res2, p->ln2_w, y->ln2_mean, y->ln2_rstd, N);
        /* attention branch: res2 = x_in + out_proj(attention(qkv(ln1(x_in)))) */
        memset(a->datty, 0, NC * sizeof(float));
        linear_layer_backward(m->pool, m->precision, a->datty, DW(dp->proj_w), DW(dp->proj_b), a->dres, y->atty, p->proj_w, N, C, C);
        if (lora) gpt_lora_backward(lora, l, GPT_LORA_O, a->datty, a->dres, C, y->atty, N);
        memset(a->dqkv, 0, (size_t)N * (size_t)QKV * sizeof(float));
        attention_backward(m->pool, a->dqkv, a->dqkv + C, a->dqkv + C + KVC, a->attn_scratch, a->datty, y->att, y->qkv,
                           y->qkv + C, y->qkv + C + KVC, QKV, prefix, B, T, NH, NKV, hs);
        if (c->pos == GPT_POS_ROPE) {
            rope_backward(a->dqkv, QKV, a->pos, a->rope_cos, a->rope_sin, N, NH, hs);
            rope_backward(a->dqkv + C, QKV, a->pos, a->rope_cos, a->rope_sin, N, NKV, hs);
        }
        memset(a->dln, 0, NC * sizeof(float));
        linear_layer_backward(m->pool, m->precision, a->dln, DW(dp->qkv_w), DW(dp->qkv_b), a->dqkv, y->ln1, p->qkv_w, N, C, QKV);
        if (lora) {
            gpt_lora_backward(lora, l, GPT_LORA_Q, a->dln, a->dqkv, QKV, y->ln1, N);
            gpt_lora_backward(lora, l, GPT_LORA_K, a->dln, a->dqkv + C, QKV, y->ln1, N);
            gpt_lora_backward(lora, l, GPT_LORA_V, a->dln, a->dqkv + C + KVC, QKV, y->ln1, N);
        }
        gpt_norm_backward(m, a->dres, dp->ln1_w, dp->ln1_b, a->dln, x_in, p->ln1_w, y->ln1_mean, y->ln1_rstd, N);
    }
#undef DW
    if (lora) return; /* frozen embeddings */
    embedding_backward(dw->wte, a->dres, a->tokens, N, C);
    if (c->pos == GPT_POS_LEARNED) embedding_backward(dw->wpe, a->dres, a->pos, N, C);
    if (dw->wpe_row) {
        embedding_backward(dw->wpe_row, a->dres, a->rows, N, C);
        embedding_backward(dw->wpe_col, a->dres, a->cols, N, C);
    }
    if (dw->wse) embedding_backward(dw->wse, a->dres, a->segments, N, C);
}
