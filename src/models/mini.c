/* EXAONE-mini: loading and the KV-cached forward pass (see mini.h).
 * Legend: n tokens fed, C d_model, NH heads, hs head size, F ffn, V vocab. */
#include "mini.h"

#include "../core/cpu.h"
#include "../core/file.h"
#include "../core/matmul.h"
#include "../core/mem.h"
#include "../core/ops.h"
#include "../core/ops_avx512.h"
#include "../formats/safetensors.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    float *ln1_w, *ln1_b, *qkv_w, *qkv_b, *proj_w, *proj_b, *ln2_w, *ln2_b, *fc_w, *fc_b, *fcproj_w, *fcproj_b;
    /* the weights above, packed once (matmul.h): [0] f32, [1] bf16 products */
    MatmulPackedB qkv[2], proj[2], fc[2], fcproj[2];
} MiniLayer;

struct MiniModel {
    MiniConfig config;
    MiniVocab vocab;
    Tokenizer *tok;
    ThreadPool *pool;
    float *wte, *wpe, *wpe_row, *wpe_col, *wse, *lnf_w, *lnf_b, *lm_head;
    MiniLayer *layer;
    MatmulPackedB lm, lm_codes[2]; /* lm_head packed: all rows (f32), the image-code rows (f32, bf16) */
    SafeTensors *st; /* the mmap'd weights: F32 tensors are used in place */
    float **owned;   /* converted or concatenated tensors, freed together */
    int n_owned, cap_owned;
};

struct MiniState {
    int len, image_start;
    float *k, *v;                  /* [L, max_seq, C] */
    float *x, *h, *qkv, *att, *fc; /* [max_seq, C], [.., C], [.., 3C], [.., C], [.., F] */
    float *scores;                 /* [n_heads, max_seq] then [n_heads] softmax sums */
    float *attention_record;       /* [L, max_seq, max_seq] or NULL: see mini_state_record_attention */
};

/* ---------------------------------------------------------------- config */

static int json_int(const cJSON *o, const char *key, int *out, int required, Error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return required ? error_set(err, "missing \"%s\"", key) : 0;
    /* range first: converting 1e300 to int is undefined behaviour */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= INT_MIN && v->valuedouble <= INT_MAX) ||
        v->valuedouble != floor(v->valuedouble))
        return error_set(err, "\"%s\" must be an integer", key);
    *out = (int)v->valuedouble;
    return 0;
}

int mini_config_parse(MiniConfig *c, const char *json, size_t len, const char *label, Error *err) {
    memset(c, 0, sizeof *c);
    c->norm_eps = 1e-5f;
    c->tied = 1;
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return error_set(err, "%s: not a JSON object", label);
    }
    int rc = json_int(o, "vocab_size", &c->vocab, 1, err) || json_int(o, "n_text", &c->n_text, 1, err) ||
             json_int(o, "n_codes", &c->n_codes, 1, err) || json_int(o, "grid_h", &c->grid_h, 1, err) ||
             json_int(o, "grid_w", &c->grid_w, 1, err) || json_int(o, "d_model", &c->d_model, 1, err) ||
             json_int(o, "n_layers", &c->n_layers, 1, err) || json_int(o, "n_heads", &c->n_heads, 1, err) ||
             json_int(o, "ffn", &c->ffn, 1, err) || json_int(o, "max_seq", &c->max_seq, 1, err) ||
             json_int(o, "n_segments", &c->n_segments, 1, err) || json_int(o, "rms_norm", &c->norm, 0, err) ||
             json_int(o, "bias", &c->bias, 0, err) || json_int(o, "tied", &c->tied, 0, err);
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(o, "norm_eps");
    if (!rc && eps) {
        /* checked as the float it is used as: 1e-55 would round to 0 */
        float value = cJSON_IsNumber(eps) ? (float)eps->valuedouble : 0;
        if (!(value > 0) || !(value <= 1)) rc = error_set(err, "\"norm_eps\" must be a number in (0, 1] (as a float)");
        else c->norm_eps = value;
    }
    cJSON_Delete(o);
    if (rc) return error_prefix(err, "%s", label);
    if (c->d_model <= 0 || c->n_layers <= 0 || c->n_heads <= 0 || c->ffn <= 0 || c->max_seq <= 0 ||
        c->n_text <= MINI_N_SPECIAL || c->n_codes <= 0 || c->grid_h <= 0 || c->grid_w <= 0 ||
        c->n_segments < MINI_N_SEGMENTS || c->d_model % c->n_heads || c->d_model > 65536 || c->ffn > 262144 ||
        c->max_seq > 65536 || c->n_layers > 1024 || c->n_text > (1 << 22) || c->n_codes > (1 << 20) ||
        c->grid_h > 1024 || c->grid_w > 1024 || c->n_segments > 1024 || c->norm < 0 || c->norm > 1 ||
        c->vocab != c->n_text + c->n_codes)
        return error_set(err, "%s: inconsistent or out-of-range model dimensions", label);
    return 0;
}

int mini_config_save(const MiniConfig *c, const char *path, Error *err) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf,
                     "{\n  \"model_type\": \"exaone-mini\",\n  \"vocab_size\": %d,\n  \"n_text\": %d,\n"
                     "  \"n_codes\": %d,\n  \"grid_h\": %d,\n  \"grid_w\": %d,\n  \"d_model\": %d,\n"
                     "  \"n_layers\": %d,\n  \"n_heads\": %d,\n  \"ffn\": %d,\n  \"max_seq\": %d,\n"
                     "  \"n_segments\": %d,\n  \"rms_norm\": %d,\n  \"bias\": %d,\n  \"tied\": %d,\n"
                     "  \"norm_eps\": %g\n}\n",
                     c->vocab, c->n_text, c->n_codes, c->grid_h, c->grid_w, c->d_model, c->n_layers, c->n_heads,
                     c->ffn, c->max_seq, c->n_segments, c->norm, c->bias, c->tied, (double)c->norm_eps);
    return file_write_atomic(path, buf, (size_t)n, err);
}

/* ---------------------------------------------------------------- loading */

/* Records buf among the buffers mini_free frees. */
static int keep_owned(MiniModel *m, float *buf) {
    if (m->n_owned == m->cap_owned) {
        int cap = m->cap_owned ? 2 * m->cap_owned : 64;
        float **p = mem_realloc(m->owned, (size_t)cap * sizeof *p);
        if (!p) return -1;
        m->owned = p;
        m->cap_owned = cap;
    }
    m->owned[m->n_owned++] = buf;
    return 0;
}

/* Copies named tensors (converted to f32) one after another into a new
 * buffer: q, k, v become one [3C, C] matrix this way. All must exist with
 * `each` elements, unless optional (then NULL when the first is absent). */
static int load_cat(MiniModel *m, const SafeTensors *st, float **out, int64_t each, int optional, Error *err,
                    const char *const *names, int count) {
    *out = NULL;
    if (optional && !st_find(st, names[0])) return 0;
    for (int i = 0; i < count; i++) {
        const StTensor *t = st_find(st, names[i]);
        if (!t) return error_set(err, "tensor %s is missing", names[i]);
        int64_t numel = 1;
        for (int d = 0; d < t->n_dims; d++) numel *= t->shape[d];
        if (numel != each || (t->dtype != DTYPE_F32 && t->dtype != DTYPE_BF16))
            return error_set(err, "tensor %s: want %lld F32/BF16 values, found %lld %s", names[i], (long long)each,
                             (long long)numel, dtype_name(t->dtype));
    }
    const StTensor *first = st_find(st, names[0]);
    if (count == 1 && first->dtype == DTYPE_F32 && ((uintptr_t)first->data & 3) == 0) {
        *out = (float *)first->data; /* read-only map; the forward pass never writes weights */
        return 0;
    }
    float *buf = mem_alloc((size_t)each * (size_t)count * sizeof(float));
    if (!buf || keep_owned(m, buf) != 0) {
        mem_free(buf);
        return error_set(err, "mini: out of memory for %s", names[0]);
    }
    for (int i = 0; i < count; i++) {
        const StTensor *t = st_find(st, names[i]);
        dtype_to_f32((DType)t->dtype, t->data, buf + (size_t)i * (size_t)each, each);
    }
    *out = buf;
    return 0;
}

static int load_one(MiniModel *m, const SafeTensors *st, float **out, int64_t numel, int optional, Error *err,
                    const char *fmt, int layer) {
    char name[128];
    snprintf(name, sizeof name, fmt, layer);
    const char *names[1] = {name};
    return load_cat(m, st, out, numel, optional, err, names, 1);
}

static int load_qkv(MiniModel *m, const SafeTensors *st, float **out, int64_t numel, int optional, Error *err,
                    const char *what, int layer) {
    char q[128], k[128], v[128];
    snprintf(q, sizeof q, "transformer.h.%d.attn.attention.q_proj.%s", layer, what);
    snprintf(k, sizeof k, "transformer.h.%d.attn.attention.k_proj.%s", layer, what);
    snprintf(v, sizeof v, "transformer.h.%d.attn.attention.v_proj.%s", layer, what);
    const char *names[3] = {q, k, v};
    return load_cat(m, st, out, numel, optional, err, names, 3);
}

static int load_weights(MiniModel *m, const SafeTensors *st, Error *err) {
    const MiniConfig *c = &m->config;
    int64_t C = c->d_model, F = c->ffn, V = c->vocab, ln = c->norm == 0, b = c->bias;
    int rc = load_one(m, st, &m->wte, V * C, 0, err, "transformer.wte.weight", 0) ||
             load_one(m, st, &m->wpe, (int64_t)c->max_seq * C, 0, err, "transformer.wpe.weight", 0) ||
             load_one(m, st, &m->wpe_row, c->grid_h * C, 0, err, "transformer.wpe_row.weight", 0) ||
             load_one(m, st, &m->wpe_col, c->grid_w * C, 0, err, "transformer.wpe_col.weight", 0) ||
             load_one(m, st, &m->wse, c->n_segments * C, 0, err, "transformer.wse.weight", 0) ||
             load_one(m, st, &m->lnf_w, C, 0, err, "transformer.ln_f.weight", 0) ||
             load_one(m, st, &m->lnf_b, C, !ln, err, "transformer.ln_f.bias", 0);
    if (!rc && !c->tied) rc = load_one(m, st, &m->lm_head, V * C, 0, err, "lm_head.weight", 0);
    if (c->tied) m->lm_head = m->wte;
    for (int l = 0; l < c->n_layers && !rc; l++) {
        MiniLayer *y = &m->layer[l];
        rc = load_one(m, st, &y->ln1_w, C, 0, err, "transformer.h.%d.ln_1.weight", l) ||
             load_one(m, st, &y->ln1_b, C, !ln, err, "transformer.h.%d.ln_1.bias", l) ||
             load_qkv(m, st, &y->qkv_w, C * C, 0, err, "weight", l) ||
             load_qkv(m, st, &y->qkv_b, C, !b, err, "bias", l) ||
             load_one(m, st, &y->proj_w, C * C, 0, err, "transformer.h.%d.attn.attention.out_proj.weight", l) ||
             load_one(m, st, &y->proj_b, C, !b, err, "transformer.h.%d.attn.attention.out_proj.bias", l) ||
             load_one(m, st, &y->ln2_w, C, 0, err, "transformer.h.%d.ln_2.weight", l) ||
             load_one(m, st, &y->ln2_b, C, !ln, err, "transformer.h.%d.ln_2.bias", l) ||
             load_one(m, st, &y->fc_w, F * C, 0, err, "transformer.h.%d.mlp.c_fc.weight", l) ||
             load_one(m, st, &y->fc_b, F, !b, err, "transformer.h.%d.mlp.c_fc.bias", l) ||
             load_one(m, st, &y->fcproj_w, C * F, 0, err, "transformer.h.%d.mlp.c_proj.weight", l) ||
             load_one(m, st, &y->fcproj_b, C, !b, err, "transformer.h.%d.mlp.c_proj.bias", l);
    }
    return rc ? -1 : 0;
}

/* Every product of the forward pass multiplies a weight by a few rows (one
 * token, or one per window in mini_feed_batch), where packing the weight on
 * each call would cost as much as the product itself. */
static int pack_weights(MiniModel *m) {
    const MiniConfig *c = &m->config;
    int64_t C = c->d_model, F = c->ffn;
    int rc = 0;
    for (int b = 0; b < 2; b++) {
        int (*pack)(MatmulPackedB *, const float *, int64_t, int64_t) = b ? matmul_pack_nt_as_bf16 : matmul_pack_nt;
        for (int l = 0; l < c->n_layers; l++) {
            MiniLayer *y = &m->layer[l];
            rc |= pack(&y->qkv[b], y->qkv_w, 3 * C, C) | pack(&y->proj[b], y->proj_w, C, C) |
                  pack(&y->fc[b], y->fc_w, F, C) | pack(&y->fcproj[b], y->fcproj_w, C, F);
        }
        rc |= pack(&m->lm_codes[b], m->lm_head + (size_t)c->n_text * C, c->n_codes, C);
    }
    rc |= matmul_pack_nt(&m->lm, m->lm_head, c->vocab, C);
    return rc ? -1 : 0;
}

/* The specials must be the tokenizer's own tokens, or prompts would be
 * split into bytes instead of matching the ids the model was trained on. */
static int resolve_vocab(MiniModel *m, const char *dir, Error *err) {
    MiniVocab *v = &m->vocab;
    v->n_text = m->config.n_text;
    v->n_codes = m->config.n_codes;
    v->grid_h = m->config.grid_h;
    v->grid_w = m->config.grid_w;
    if ((int)tok_vocab_size(m->tok) > v->n_text)
        return error_set(err, "%s: tokenizer has %zu tokens, config n_text %d", dir, tok_vocab_size(m->tok), v->n_text);
    for (int i = 0; i < MINI_N_SPECIAL; i++) {
        v->special[i] = tok_token_to_id(m->tok, mini_special_names[i], strlen(mini_special_names[i]));
        if (v->special[i] < 0) return error_set(err, "%s: tokenizer has no %s token", dir, mini_special_names[i]);
    }
    return 0;
}

int mini_load(MiniModel **out, const char *dir, int n_threads, Error *err) {
    *out = NULL;
    char path[1024];
    char *json = NULL;
    size_t len = 0;
    SafeTensors *st = NULL;
    MiniModel *m = mem_calloc(1, sizeof *m);
    if (!m) return error_set(err, "mini: out of memory");
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (file_read_all(path, 1 << 20, &json, &len, err) != 0 || mini_config_parse(&m->config, json, len, path, err) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    if (tok_load(&m->tok, path, err) != 0 || resolve_vocab(m, dir, err) != 0) goto fail;
    m->layer = mem_calloc((size_t)m->config.n_layers, sizeof *m->layer);
    if (!m->layer) {
        error_set(err, "mini: out of memory");
        goto fail;
    }
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (st_open(&st, path, err) != 0) goto fail;
    m->st = st;
    st = NULL;
    if (load_weights(m, m->st, err) != 0) {
        error_prefix(err, "%s", path);
        goto fail;
    }
    if (pack_weights(m) != 0) {
        error_set(err, "%s: out of memory packing the weights", path);
        goto fail;
    }
    mem_free(json);
    if (n_threads > 1) m->pool = pool_new(n_threads);
    *out = m;
    return 0;
fail:
    st_close(st);
    mem_free(json);
    mini_free(m);
    return -1;
}

static void free_packed(MiniModel *m) {
    for (int l = 0; m->layer && l < m->config.n_layers; l++) {
        MiniLayer *y = &m->layer[l];
        for (int b = 0; b < 2; b++) {
            matmul_packed_free(&y->qkv[b]);
            matmul_packed_free(&y->proj[b]);
            matmul_packed_free(&y->fc[b]);
            matmul_packed_free(&y->fcproj[b]);
        }
    }
    matmul_packed_free(&m->lm);
    for (int b = 0; b < 2; b++) matmul_packed_free(&m->lm_codes[b]);
}

void mini_free(MiniModel *m) {
    if (!m) return;
    free_packed(m);
    for (int i = 0; i < m->n_owned; i++) mem_free(m->owned[i]);
    mem_free(m->owned);
    st_close(m->st);
    mem_free(m->layer);
    tok_free(m->tok);
    if (m->pool) pool_free(m->pool);
    mem_free(m);
}

const MiniConfig *mini_config(const MiniModel *m) { return &m->config; }

int mini_weights_changed(MiniModel *m, Error *err) {
    free_packed(m);
    return pack_weights(m) != 0 ? error_set(err, "mini: out of memory packing the weights") : 0;
}

const MiniVocab *mini_vocab(const MiniModel *m) { return &m->vocab; }
const Tokenizer *mini_tokenizer(const MiniModel *m) { return m->tok; }
ThreadPool *mini_pool(const MiniModel *m) { return m->pool; }

/* Weights read in place from the map are read-only: a LoRA merge first copies them. */
float *mini_weight_private(MiniModel *m, int layer, int slot, int *rows, int *cols, Error *err) {
    const MiniConfig *c = &m->config;
    int C = c->d_model, F = c->ffn;
    if (layer < 0 || layer >= c->n_layers || slot < 0 || slot > 5) {
        error_set(err, "mini: no weight (layer %d, slot %d)", layer, slot);
        return NULL;
    }
    MiniLayer *y = &m->layer[layer];
    /* q, k, v are rows of the fused [3C, C] matrix, which is always an owned copy */
    float **w = slot <= 2 ? &y->qkv_w : slot == 3 ? &y->proj_w : slot == 4 ? &y->fc_w : &y->fcproj_w;
    *rows = slot == 4 ? F : C;
    *cols = slot == 5 ? F : C;
    int owned = 0;
    for (int i = 0; i < m->n_owned && !owned; i++) owned = m->owned[i] == *w;
    if (!owned) {
        size_t n = (size_t)*rows * (size_t)*cols;
        float *copy = mem_alloc(n * sizeof(float));
        if (!copy || keep_owned(m, copy) != 0) {
            mem_free(copy);
            error_set(err, "mini: out of memory for a private weight copy");
            return NULL;
        }
        memcpy(copy, *w, n * sizeof(float));
        *w = copy;
    }
    return *w + (slot <= 2 ? (size_t)slot * (size_t)C * (size_t)C : 0);
}

/* ---------------------------------------------------------------- state */

int mini_state_new(MiniState **out, const MiniModel *m, Error *err) {
    const MiniConfig *c = &m->config;
    size_t S = (size_t)c->max_seq, C = (size_t)c->d_model;
    MiniState *s = mem_calloc(1, sizeof *s);
    if (s) {
        s->k = mem_alloc((size_t)c->n_layers * S * C * sizeof(float));
        s->v = mem_alloc((size_t)c->n_layers * S * C * sizeof(float));
        s->x = mem_alloc(S * C * sizeof(float));
        s->h = mem_alloc(S * C * sizeof(float));
        s->qkv = mem_alloc(S * 3 * C * sizeof(float));
        s->att = mem_alloc(S * C * sizeof(float));
        s->fc = mem_alloc(S * (size_t)c->ffn * sizeof(float));
        s->scores = mem_alloc((S + 1) * (size_t)c->n_heads * sizeof(float));
    }
    if (!s || !s->k || !s->v || !s->x || !s->h || !s->qkv || !s->att || !s->fc || !s->scores) {
        mini_state_free(s);
        return error_set(err, "mini: out of memory for a KV cache of %d tokens", c->max_seq);
    }
    mini_state_reset(s);
    *out = s;
    return 0;
}

void mini_state_free(MiniState *s) {
    if (!s) return;
    mem_free(s->k);
    mem_free(s->v);
    mem_free(s->x);
    mem_free(s->h);
    mem_free(s->qkv);
    mem_free(s->att);
    mem_free(s->fc);
    mem_free(s->scores);
    mem_free(s);
}

void mini_state_reset(MiniState *s) {
    s->len = 0;
    s->image_start = -1;
}

int mini_state_len(const MiniState *s) { return s->len; }

void mini_state_record_attention(MiniState *s, float *record) { s->attention_record = record; }

void mini_state_copy(MiniState *dst, const MiniState *src, const MiniModel *m) {
    const MiniConfig *c = &m->config;
    size_t row = (size_t)c->d_model, per_layer = (size_t)c->max_seq * row;
    if (dst != src)
        for (int l = 0; l < c->n_layers; l++) {
            memcpy(dst->k + l * per_layer, src->k + l * per_layer, (size_t)src->len * row * sizeof(float));
            memcpy(dst->v + l * per_layer, src->v + l * per_layer, (size_t)src->len * row * sizeof(float));
        }
    dst->len = src->len;
    dst->image_start = src->image_start;
}

/* ---------------------------------------------------------------- forward */

static void norm_rows(const MiniConfig *c, float *out, const float *x, const float *w, const float *b, int n) {
    int C = c->d_model;
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * C;
        float *o = out + (size_t)i * C;
        float mean = 0, var = 0;
        if (c->norm == 0) {
            for (int k = 0; k < C; k++) mean += xi[k];
            mean /= (float)C;
        }
        for (int k = 0; k < C; k++) var += (xi[k] - mean) * (xi[k] - mean);
        float r = 1.0f / sqrtf(var / (float)C + c->norm_eps);
        for (int k = 0; k < C; k++) o[k] = (xi[k] - mean) * r * w[k] + (b ? b[k] : 0.0f);
    }
}

static void add_bias(float *x, const float *b, int n, int width) {
    if (!b) return;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < width; k++) x[(size_t)i * width + k] += b[k];
}

typedef struct {
    float *fc;
    int F;
} GeluJob;

/* gelu_tanh of rows [begin, end) of fc [n, F], in place. */
static void gelu_rows(void *ctx, int64_t begin, int64_t end, int thread) {
    GeluJob *j = ctx;
    float *rows = j->fc + (size_t)begin * j->F;
    ops_gelu_tanh(rows, rows, (end - begin) * j->F);
}

/* x[n,C] += fcproj(gelu_tanh(fc(ln2(x)))); h [n,C] and fc [n,F] are scratch;
 * bf16: products in bf16 (the packs [1]). */
static void mlp_block(const MiniModel *m, ThreadPool *pool, const MiniLayer *y, float *x, float *h, float *fc, int n,
                      int bf16) {
    const MiniConfig *c = &m->config;
    int C = c->d_model, F = c->ffn;
    norm_rows(c, h, x, y->ln2_w, y->ln2_b, n);
    matmul_f32_nt_packed(pool, fc, h, &y->fc[bf16], n, 0);
    add_bias(fc, y->fc_b, n, F);
    GeluJob job = {fc, F};
    pool_parallel_for(n > 1 ? pool : NULL, n, gelu_rows, &job);
    matmul_f32_nt_packed(pool, h, fc, &y->fcproj[bf16], n, 0);
    add_bias(h, y->fcproj_b, n, C);
    for (size_t k = 0; k < (size_t)n * C; k++) x[k] += h[k];
}

static void embed(const MiniModel *m, MiniState *s, const int *tokens, const int *segments, int n) {
    const MiniConfig *c = &m->config;
    int C = c->d_model, G = c->grid_h * c->grid_w;
    for (int i = 0; i < n; i++) {
        int p = s->len + i;
        float *x = s->x + (size_t)i * C;
        const float *e = m->wte + (size_t)tokens[i] * C, *pe = m->wpe + (size_t)p * C;
        for (int k = 0; k < C; k++) x[k] = e[k] + pe[k];
        int g = s->image_start >= 0 ? p - s->image_start : -1;
        if (g >= 0 && g < G) {
            const float *r = m->wpe_row + (size_t)(g / c->grid_w) * C, *col = m->wpe_col + (size_t)(g % c->grid_w) * C;
            for (int k = 0; k < C; k++) x[k] += r[k] + col[k];
        }
        if (segments && segments[i] >= 0) {
            const float *se = m->wse + (size_t)segments[i] * C;
            for (int k = 0; k < C; k++) x[k] += se[k];
        }
    }
}

/* q · k over n floats in 8 interleaved partial sums, which the compiler
 * turns into one vector register (a single running sum cannot be
 * vectorized without reordering it); attention spends most of its time
 * here. */
static inline __attribute__((always_inline)) float dot_lanes(const float *q, const float *k, int n) {
    float lane[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int t = 0; t < 8; t++) lane[t] += q[i + t] * k[i + t];
    float d = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
    for (; i < n; i++) d += q[i] * k[i];
    return d;
}

/* Attention of the n new queries over the cache (already holding their keys).
 * Keys and values are walked row by row, all heads of a row together, so
 * each cached row is read once per query rather than once per head; every
 * score, sum and output element is still formed in the same order as a
 * head-by-head loop (same numbers). */
static void attend(const MiniConfig *c, MiniState *s, int l, int n, int prefix, const float *qkv, float *out) {
    int C = c->d_model, NH = c->n_heads, hs = C / NH, total = s->len + n, S = c->max_seq;
    const float *K = s->k + (size_t)l * S * C, *Vc = s->v + (size_t)l * S * C;
    float scale = 1.0f / sqrtf((float)hs), *sums = s->scores + (size_t)NH * S;
    int fast_values = cpu_features()->avx512 && hs % 16 == 0;
    for (int i = 0; i < n; i++) {
        int p = s->len + i, visible = p + 1 > prefix ? p + 1 : prefix;
        if (visible > total) visible = total;
        const float *q = qkv + (size_t)i * 3 * C;
        for (int j = 0; j < visible; j++) {
            const float *kj = K + (size_t)j * C;
            for (int h = 0; h < NH; h++) s->scores[(size_t)h * S + j] = dot_lanes(q + h * hs, kj + h * hs, hs) * scale;
        }
        for (int h = 0; h < NH; h++) {
            float *sc = s->scores + (size_t)h * S, mx = -INFINITY, sum = 0;
            for (int j = 0; j < visible; j++)
                if (sc[j] > mx) mx = sc[j];
            for (int j = 0; j < visible; j++) sum += sc[j] = expf(sc[j] - mx);
            sums[h] = sum;
            if (s->attention_record) {
                float *rec = s->attention_record + ((size_t)l * S + (size_t)p) * S;
                for (int j = 0; j < visible; j++) rec[j] += sc[j] / sum / (float)NH;
            }
        }
        float *o = out + (size_t)i * C;
        if (fast_values) { /* same sums, with the outputs held in registers */
            for (int h = 0; h < NH; h++)
                for (int j = 0; j < visible; j++) s->scores[(size_t)h * S + j] /= sums[h];
            ops_attend_values_avx512(o, Vc, C, s->scores, S, visible, C, hs);
            continue;
        }
        memset(o, 0, (size_t)C * sizeof(float));
        for (int j = 0; j < visible; j++) {
            const float *vj = Vc + (size_t)j * C;
            for (int h = 0; h < NH; h++) {
                float a = s->scores[(size_t)h * S + j] / sums[h], *oh = o + h * hs;
                const float *vh = vj + h * hs;
                for (int k = 0; k < hs; k++) oh[k] += a * vh[k];
            }
        }
    }
}

int mini_feed(const MiniModel *m, MiniState *s, const int *tokens, const int *segments, int n, int prefix,
              int image_start, float *logits, float *last_logits, Error *err) {
    const MiniConfig *c = &m->config;
    int C = c->d_model, V = c->vocab;
    if (n <= 0 || s->len + n > c->max_seq)
        return error_set(err, "mini: %d + %d tokens exceed the context of %d", s->len, n, c->max_seq);
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= V || (segments && segments[i] >= c->n_segments))
            return error_set(err, "mini: token %d / segment at position %d out of range", tokens[i], s->len + i);
    if (image_start >= 0) s->image_start = image_start;
    embed(m, s, tokens, segments, n);
    for (int l = 0; l < c->n_layers; l++) {
        const MiniLayer *y = &m->layer[l];
        norm_rows(c, s->h, s->x, y->ln1_w, y->ln1_b, n);
        matmul_f32_nt_packed(m->pool, s->qkv, s->h, &y->qkv[0], n, 0);
        add_bias(s->qkv, y->qkv_b, n, 3 * C);
        for (int i = 0; i < n; i++) {
            size_t at = ((size_t)l * c->max_seq + (size_t)(s->len + i)) * C;
            memcpy(s->k + at, s->qkv + (size_t)i * 3 * C + C, (size_t)C * sizeof(float));
            memcpy(s->v + at, s->qkv + (size_t)i * 3 * C + 2 * C, (size_t)C * sizeof(float));
        }
        attend(c, s, l, n, prefix, s->qkv, s->att);
        matmul_f32_nt_packed(m->pool, s->h, s->att, &y->proj[0], n, 0);
        add_bias(s->h, y->proj_b, n, C);
        for (size_t k = 0; k < (size_t)n * C; k++) s->x[k] += s->h[k];
        mlp_block(m, m->pool, y, s->x, s->h, s->fc, n, 0);
    }
    norm_rows(c, s->h, s->x, m->lnf_w, m->lnf_b, n);
    if (logits) matmul_f32_nt_packed(m->pool, logits, s->h, &m->lm, n, 0);
    if (last_logits) matmul_f32_nt_packed(m->pool, last_logits, s->h + (size_t)(n - 1) * C, &m->lm, 1, 0);
    s->len += n;
    return 0;
}

typedef struct {
    const MiniConfig *c;
    MiniState *const *states;
    const float *qkv; /* [B, 3C] */
    float *att;       /* [B, C] */
    int layer;
} BatchAttention;

/* States [begin, end) of a batch: store the new key/value, attend over the
 * state's own cache (each state is touched by one thread only). */
static void attend_batch(void *ctx, int64_t begin, int64_t end, int thread) {
    BatchAttention *j = ctx;
    int C = j->c->d_model;
    for (int64_t b = begin; b < end; b++) {
        MiniState *s = j->states[b];
        size_t at = ((size_t)j->layer * j->c->max_seq + (size_t)s->len) * C;
        const float *qkv = j->qkv + (size_t)b * 3 * C;
        memcpy(s->k + at, qkv + C, (size_t)C * sizeof(float));
        memcpy(s->v + at, qkv + 2 * C, (size_t)C * sizeof(float));
        attend(j->c, s, j->layer, 1, 0, qkv, j->att + (size_t)b * C);
    }
}

/* One token for each of B states through the model on pool (NULL: the
 * calling thread); inputs already checked by mini_feed_batch. */
static int feed_rows(const MiniModel *m, ThreadPool *pool, MiniState *const *states, int B, const int *tokens,
                     const int *segments, int lo, int hi, int b16, float *logits, Error *err) {
    const MiniConfig *c = &m->config;
    int C = c->d_model, F = c->ffn;
    size_t BC = (size_t)B * C;
    float *x = mem_alloc(BC * sizeof(float)), *h = mem_alloc(BC * sizeof(float));
    float *qkv = mem_alloc(3 * BC * sizeof(float)), *att = mem_alloc(BC * sizeof(float));
    float *fc = mem_alloc((size_t)B * F * sizeof(float));
    int rc = -1;
    if (!x || !h || !qkv || !att || !fc) {
        error_set(err, "mini: out of memory for a batch of %d", B);
        goto done;
    }
    for (int b = 0; b < B; b++) {
        embed(m, states[b], tokens + b, segments ? segments + b : NULL, 1);
        memcpy(x + (size_t)b * C, states[b]->x, (size_t)C * sizeof(float));
    }
    for (int l = 0; l < c->n_layers; l++) {
        const MiniLayer *y = &m->layer[l];
        norm_rows(c, h, x, y->ln1_w, y->ln1_b, B);
        matmul_f32_nt_packed(pool, qkv, h, &y->qkv[b16], B, 0);
        add_bias(qkv, y->qkv_b, B, 3 * C);
        BatchAttention job = {c, states, qkv, att, l};
        pool_parallel_for(pool, B, attend_batch, &job);
        matmul_f32_nt_packed(pool, h, att, &y->proj[b16], B, 0);
        add_bias(h, y->proj_b, B, C);
        for (size_t k = 0; k < BC; k++) x[k] += h[k];
        mlp_block(m, pool, y, x, h, fc, B, b16);
    }
    norm_rows(c, h, x, m->lnf_w, m->lnf_b, B);
    if (logits && lo == c->n_text && hi == c->vocab)
        matmul_f32_nt_packed(pool, logits, h, &m->lm_codes[b16], B, 0);
    else if (logits && b16)
        matmul_f32_as_bf16_nt(pool, logits, h, m->lm_head + (size_t)lo * C, B, hi - lo, C, 0);
    else if (logits)
        matmul_f32_nt(pool, logits, h, m->lm_head + (size_t)lo * C, B, hi - lo, C, 0);
    for (int b = 0; b < B; b++) states[b]->len++;
    rc = 0;
done:
    mem_free(x);
    mem_free(h);
    mem_free(qkv);
    mem_free(att);
    mem_free(fc);
    return rc;
}

typedef struct {
    const MiniModel *m;
    MiniState *const *states;
    const int *tokens, *segments;
    int B, lo, hi, b16;
    float *logits;
    int *rc;
    Error *errs;
} SplitFeed;

/* Thread t's share of the states, run with no further synchronisation. */
static void feed_share(void *ctx, int64_t begin, int64_t end, int thread) {
    const SplitFeed *j = ctx;
    int T = pool_threads(j->m->pool), b0 = j->B * thread / T, b1 = j->B * (thread + 1) / T;
    j->rc[thread] = b1 > b0 ? feed_rows(j->m, NULL, j->states + b0, b1 - b0, j->tokens + b0,
                                        j->segments ? j->segments + b0 : NULL, j->lo, j->hi, j->b16,
                                        j->logits ? j->logits + (size_t)b0 * (j->hi - j->lo) : NULL, &j->errs[thread])
                            : 0;
}

/* One token for each of B states in one pass: the matmuls see [B, C]
 * (weights read once for all B), attention runs per state over its own
 * cache. Used by sliding-window generation (mini_hires.c), where many
 * windows each add one token at a time. The states are independent, so with
 * a pool each thread takes a share of them through all layers on its own:
 * one wake-up per call instead of one per product (~40), which a thread
 * that has lost its core would hold up every time. A state's row gets the
 * same numbers either way (the products do not depend on the batch). */
int mini_feed_batch(const MiniModel *m, MiniState *const *states, int B, const int *tokens, const int *segments,
                    int lo, int hi, int as_bf16, float *logits, Error *err) {
    const MiniConfig *c = &m->config;
    if (B <= 0 || lo < 0 || hi > c->vocab || lo >= hi) return error_set(err, "mini: batch of %d, logits [%d, %d)", B, lo, hi);
    for (int b = 0; b < B; b++)
        if (states[b]->len + 1 > c->max_seq || tokens[b] < 0 || tokens[b] >= c->vocab ||
            (segments && segments[b] >= c->n_segments))
            return error_set(err, "mini: batch entry %d: token %d at position %d out of range", b, tokens[b],
                             states[b]->len);
    int T = pool_threads(m->pool);
    if (T < 2 || B < 2 * T) return feed_rows(m, m->pool, states, B, tokens, segments, lo, hi, as_bf16 != 0, logits, err);
    int *rc = mem_calloc((size_t)T, sizeof(int));
    Error *errs = mem_calloc((size_t)T, sizeof(Error));
    if (!rc || !errs) {
        mem_free(rc);
        mem_free(errs);
        return error_set(err, "mini: out of memory for a batch of %d", B);
    }
    SplitFeed job = {m, states, tokens, segments, B, lo, hi, as_bf16 != 0, logits, rc, errs};
    pool_run_each(m->pool, feed_share, &job);
    int failed = 0;
    for (int t = 0; t < T && !failed; t++)
        if (rc[t]) {
            *err = errs[t];
            failed = -1;
        }
    mem_free(rc);
    mem_free(errs);
    return failed;
}
