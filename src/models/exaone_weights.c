/* exaone_weights.c — maps an EXAONE checkpoint's tensors onto ExaoneModel.
 *
 * Weights stay in the mmap'ed file in their stored dtype; only the small norm
 * vectors are widened to f32 copies. Every tensor's presence, dtype and shape is
 * checked against the config before the forward pass may touch it.
 */
#include "../core/file.h"
#include "../core/kernels.h"
#include "../core/mem.h"
#include "../formats/safetensors.h"
#include "../formats/gguf.h"
#include "exaone_internal.h"

#include <stdio.h>
#include <string.h>

/* Hugging Face names, per architecture. */
static const ExaoneNames hf_v3 = {"transformer.wte.weight", "transformer.ln_f.weight", "transformer.h.%d.",
                              "attn.attention.q_proj.weight", "attn.attention.k_proj.weight",
                              "attn.attention.v_proj.weight", "attn.attention.out_proj.weight",
                              "mlp.c_fc_0.weight", "mlp.c_fc_1.weight", "mlp.c_proj.weight",
                              "ln_1.weight", "ln_2.weight", NULL, NULL, "lm_head.weight"};
static const ExaoneNames hf_v4 = {"model.embed_tokens.weight", "model.norm.weight", "model.layers.%d.",
                              "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                              "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                              "mlp.down_proj.weight", "post_attention_layernorm.weight",
                              "post_feedforward_layernorm.weight", "self_attn.q_norm.weight",
                              "self_attn.k_norm.weight", "lm_head.weight"};

const ExaoneNames *exaone_hf_names(ExaoneArch arch) { return arch == EXAONE_V4 ? &hf_v4 : &hf_v3; }

typedef struct {
    ExaoneModel *m;
    ExaoneLookup lookup;
    void *ctx;
    const char *file; /* for messages */
    StTensor tmp;
} Loader;

static const StTensor *find(Loader *L, const char *name, Error *err) {
    const StTensor *t = L->lookup(L->ctx, name, &L->tmp);
    if (!t) error_set(err, "%s: missing tensor %s", L->file, name);
    return t;
}

int exaone_weight_type_ok(int dtype, int64_t cols) {
    return dtype_traits(dtype) != NULL && linear_supported((DType)dtype, cols);
}

static const StTensor *st_lookup(void *ctx, const char *name, StTensor *tmp) {
    (void)tmp;
    return st_find(ctx, name);
}

static int get_mat(Loader *L, const char *name, int64_t rows, int64_t cols, ExaoneMat *out, Error *err) {
    const StTensor *t = find(L, name, err);
    if (!t) return -1;
    if (t->n_dims != 2 || t->shape[0] != rows || t->shape[1] != cols)
        return error_set(err, "%s: tensor %s has shape [%lld, %lld] (%d dims), expected [%lld, %lld]", L->file,
                         name, (long long)t->shape[0], (long long)(t->n_dims > 1 ? t->shape[1] : 0), t->n_dims,
                         (long long)rows, (long long)cols);
    if (!exaone_weight_type_ok(t->dtype, cols))
        return error_set(err, "%s: tensor %s has dtype %s, which cannot hold rows of %lld for a matrix product",
                         L->file, name, dtype_name(t->dtype) ? dtype_name(t->dtype) : "?", (long long)cols);
    *out = (ExaoneMat){t->data, (DType)t->dtype, rows, cols, NULL};
    L->m->weight_bytes += t->size;
    L->m->n_params += rows * cols;
    return 0;
}

static int get_vec(Loader *L, const char *name, int64_t n, float **out, Error *err) {
    const StTensor *t = find(L, name, err);
    if (!t) return -1;
    if (t->n_dims != 1 || t->shape[0] != n)
        return error_set(err, "%s: tensor %s has shape [%lld] (%d dims), expected [%lld]", L->file, name,
                         (long long)t->shape[0], t->n_dims, (long long)n);
    if (t->dtype != DTYPE_F32 && t->dtype != DTYPE_F16 && t->dtype != DTYPE_BF16)
        return error_set(err, "%s: tensor %s has dtype %s; expected F32, F16 or BF16", L->file, name,
                         dtype_name(t->dtype));
    *out = mem_alloc((size_t)n * sizeof(float));
    if (!*out) return error_set(err, "%s: out of memory for %s", L->file, name);
    dtype_to_f32((DType)t->dtype, t->data, *out, n);
    L->m->weight_bytes += t->size;
    L->m->n_params += n;
    return 0;
}

static int load_layer(Loader *L, const ExaoneNames *nm, int i, Error *err) {
    const ExaoneConfig *c = &L->m->cfg;
    ExaoneLayer *ly = &L->m->layers[i];
    char pre[64], name[256];
    snprintf(pre, sizeof pre, nm->layer_fmt, i);
#define NAME(suffix) (snprintf(name, sizeof name, "%s%s", pre, suffix), name)
    int64_t qd = (int64_t)c->n_heads * c->head_dim, kvd = (int64_t)c->n_kv_heads * c->head_dim;
    if (get_mat(L, NAME(nm->q), qd, c->dim, &ly->wq, err) || get_mat(L, NAME(nm->k), kvd, c->dim, &ly->wk, err) ||
        get_mat(L, NAME(nm->v), kvd, c->dim, &ly->wv, err) || get_mat(L, NAME(nm->o), c->dim, qd, &ly->wo, err) ||
        get_mat(L, NAME(nm->gate), c->ffn_dim, c->dim, &ly->w_gate, err) ||
        get_mat(L, NAME(nm->up), c->ffn_dim, c->dim, &ly->w_up, err) ||
        get_mat(L, NAME(nm->down), c->dim, c->ffn_dim, &ly->w_down, err) ||
        get_vec(L, NAME(nm->attn_norm), c->dim, &ly->attn_norm, err) ||
        get_vec(L, NAME(nm->ffn_norm), c->dim, &ly->ffn_norm, err))
        return -1;
    if (nm->q_norm && (get_vec(L, NAME(nm->q_norm), c->head_dim, &ly->q_norm, err) ||
                       get_vec(L, NAME(nm->k_norm), c->head_dim, &ly->k_norm, err)))
        return -1;
#undef NAME
    return 0;
}

int exaone_bind_weights(ExaoneModel *m, const ExaoneNames *nm, ExaoneLookup lookup, void *ctx, const char *label,
                        Error *err) {
    Loader L = {m, lookup, ctx, label, {0}};
    m->layers = mem_calloc((size_t)m->cfg.n_layers, sizeof *m->layers);
    if (!m->layers) return error_set(err, "%s: out of memory", label);
    if (get_mat(&L, nm->embed, m->cfg.vocab, m->cfg.dim, &m->embed, err) ||
        get_vec(&L, nm->final_norm, m->cfg.dim, &m->final_norm, err))
        return -1;
    for (int i = 0; i < m->cfg.n_layers; i++)
        if (load_layer(&L, nm, i, err) != 0) return -1;
    int has_head = lookup(ctx, nm->head, &L.tmp) != NULL;
    if (m->cfg.tied < 0) m->cfg.tied = !has_head;
    if (m->cfg.tied) {
        m->head = m->embed;
    } else if (get_mat(&L, nm->head, m->cfg.vocab, m->cfg.dim, &m->head, err) != 0) {
        return -1;
    }
    return 0;
}

static int load_safetensors(ExaoneModel *m, const char *dir, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *json = NULL;
    size_t len = 0;
    if (file_read_all(path, 16u << 20, &json, &len, err) != 0) return -1;
    int rc = exaone_config_parse(&m->cfg, json, len, path, err);
    mem_free(json);
    if (rc != 0) return -1;
    SafeTensors *st = NULL;
    if (st_open_dir(&st, dir, err) != 0) return -1;
    m->st = st;
    m->format = "safetensors";
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    const char *label = st_shard_count(st) == 1 && file_exists(path) ? path : dir;
    return exaone_bind_weights(m, m->cfg.arch == EXAONE_V4 ? &hf_v4 : &hf_v3, st_lookup, st, label, err);
}

int exaone_load(ExaoneModel **out, const char *path, Error *err) {
    *out = NULL;
    ExaoneModel *m = mem_calloc(1, sizeof *m);
    if (!m) return error_set(err, "out of memory");
    snprintf(m->source, sizeof m->source, "%s", path);
    size_t n = strlen(path);
    int rc;
    if (n > 5 && strcmp(path + n - 5, ".gguf") == 0)
        rc = exaone_load_gguf(m, path, err);
    else if (dir_exists(path))
        rc = load_safetensors(m, path, err);
    else
        rc = error_set(err, "%s: not a model folder (config.json + *.safetensors) or a .gguf file", path);
    if (rc != 0) {
        exaone_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

void exaone_free(ExaoneModel *m) {
    if (!m) return;
    if (m->layers) {
        for (int i = 0; i < m->cfg.n_layers; i++) {
            mem_free(m->layers[i].attn_norm);
            mem_free(m->layers[i].ffn_norm);
            mem_free(m->layers[i].q_norm);
            mem_free(m->layers[i].k_norm);
        }
        mem_free(m->layers);
    }
    mem_free(m->final_norm);
    exaone_config_free(&m->cfg);
    if (m->st) st_close(m->st);
    if (m->gguf) gguf_close(m->gguf);
    mem_free(m);
}
