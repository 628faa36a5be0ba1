/* exaone_gguf.c — EXAONE GGUF files as llama.cpp writes them (arch "exaone" / "exaone4").
 *
 * Metadata keys and tensor names follow llama.cpp's gguf-py (constants.py,
 * tensor_mapping.py, convert_hf_to_gguf.py): {arch}.block_count, .embedding_length,
 * .feed_forward_length, .context_length, .attention.head_count[_kv], .attention.key_length,
 * .attention.layer_norm_rms_epsilon, .rope.freq_base, and for exaone4
 * .attention.sliding_window + .attention.sliding_window_pattern (one bool per layer).
 * llama3 RoPE scaling is stored as the rope_freqs tensor (per-frequency divisors).
 * Weights are stored as in Hugging Face (no Q/K permutation: EXAONE uses NEOX-style
 * rotate_half RoPE).
 */
#include "../core/mem.h"
#include "../formats/gguf.h"
#include "exaone_internal.h"

#include <stdio.h>
#include <string.h>

static const ExaoneNames gguf_v3 = {"token_embd.weight", "output_norm.weight", "blk.%d.", "attn_q.weight",
                                    "attn_k.weight", "attn_v.weight", "attn_output.weight", "ffn_gate.weight",
                                    "ffn_up.weight", "ffn_down.weight", "attn_norm.weight", "ffn_norm.weight",
                                    NULL, NULL, "output.weight"};
static const ExaoneNames gguf_v4 = {"token_embd.weight", "output_norm.weight", "blk.%d.", "attn_q.weight",
                                    "attn_k.weight", "attn_v.weight", "attn_output.weight", "ffn_gate.weight",
                                    "ffn_up.weight", "ffn_down.weight", "post_attention_norm.weight",
                                    "post_ffw_norm.weight", "attn_q_norm.weight", "attn_k_norm.weight",
                                    "output.weight"};

const ExaoneNames *exaone_gguf_names(ExaoneArch arch) { return arch == EXAONE_V4 ? &gguf_v4 : &gguf_v3; }

static const StTensor *gguf_lookup(void *ctx, const char *name, StTensor *tmp) {
    const GgufTensor *t = gguf_find_tensor(ctx, name);
    if (!t) return NULL;
    gguf_as_st_tensor(t, tmp);
    return tmp;
}

static int need_u32(const Gguf *g, const char *arch, const char *suffix, int lo, int hi, int *out, const char *path,
                    Error *err) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    uint32_t v;
    if (gguf_get_u32(g, key, &v) != 0) return error_set(err, "%s: missing or non-integer metadata %s", path, key);
    if ((int64_t)v < lo || (int64_t)v > hi) return error_set(err, "%s: %s = %u is out of range", path, key, v);
    *out = (int)v;
    return 0;
}

static int config_from_gguf(ExaoneConfig *c, const Gguf *g, const char *path, Error *err) {
    const char *arch = gguf_get_str(g, "general.architecture");
    if (!arch || (strcmp(arch, "exaone") != 0 && strcmp(arch, "exaone4") != 0))
        return error_set(err, "%s: unsupported architecture \"%s\" (expected exaone or exaone4)", path,
                         arch ? arch : "(none)");
    c->arch = strcmp(arch, "exaone4") == 0 ? EXAONE_V4 : EXAONE_V3;
    if (need_u32(g, arch, "block_count", 1, 4096, &c->n_layers, path, err) ||
        need_u32(g, arch, "embedding_length", 1, 1 << 20, &c->dim, path, err) ||
        need_u32(g, arch, "feed_forward_length", 1, 1 << 22, &c->ffn_dim, path, err) ||
        need_u32(g, arch, "attention.head_count", 1, 4096, &c->n_heads, path, err) ||
        need_u32(g, arch, "context_length", 1, 1 << 30, &c->max_ctx, path, err))
        return -1;
    char key[128];
    snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
    uint32_t u;
    c->n_kv_heads = gguf_get_u32(g, key, &u) == 0 && u >= 1 && u <= 4096 ? (int)u : c->n_heads;
    snprintf(key, sizeof key, "%s.attention.key_length", arch);
    c->head_dim = gguf_get_u32(g, key, &u) == 0 && u >= 1 && u <= 65536 ? (int)u : c->dim / c->n_heads;
    if (c->n_heads % c->n_kv_heads != 0 || c->head_dim % 2 != 0)
        return error_set(err, "%s: %d heads / %d kv heads / head_dim %d are inconsistent", path, c->n_heads,
                         c->n_kv_heads, c->head_dim);
    snprintf(key, sizeof key, "%s.attention.layer_norm_rms_epsilon", arch);
    if (gguf_get_f32(g, key, &c->eps) != 0 || !(c->eps >= 0 && c->eps < 1))
        return error_set(err, "%s: missing or invalid %s", path, key);
    snprintf(key, sizeof key, "%s.rope.freq_base", arch);
    if (gguf_get_f32(g, key, &c->rope_theta) != 0) c->rope_theta = 10000.0f;
    if (!(c->rope_theta >= 1.0f)) return error_set(err, "%s: invalid %s", path, key);
    /* vocabulary: the embedding's row count is authoritative */
    const GgufTensor *emb = gguf_find_tensor(g, "token_embd.weight");
    if (!emb || emb->n_dims != 2) return error_set(err, "%s: missing tensor token_embd.weight", path);
    if (emb->ne[1] < 1 || emb->ne[1] > (1 << 24)) return error_set(err, "%s: token_embd.weight has %lld rows", path,
                                                                   (long long)emb->ne[1]);
    c->vocab = (int)emb->ne[1];
    int32_t id;
    c->bos_id = gguf_get_i32(g, "tokenizer.ggml.bos_token_id", &id) == 0 && id >= 0 && id < c->vocab ? id : -1;
    c->eos_id = gguf_get_i32(g, "tokenizer.ggml.eos_token_id", &id) == 0 && id >= 0 && id < c->vocab ? id : -1;
    c->tied = -1; /* tied when there is no output.weight */
    c->sliding = mem_calloc((size_t)c->n_layers, 1);
    if (!c->sliding) return error_set(err, "%s: out of memory", path);
    snprintf(key, sizeof key, "%s.attention.sliding_window", arch);
    if (c->arch == EXAONE_V4 && gguf_get_u32(g, key, &u) == 0 && u > 0) {
        c->sliding_window = (int)u;
        snprintf(key, sizeof key, "%s.attention.sliding_window_pattern", arch);
        const GgufKV *kv = gguf_find_kv(g, key);
        GgufType et;
        size_t n = 0;
        if (!kv || gguf_get_arr_n(g, key, &et, &n) != 0 || n != (size_t)c->n_layers)
            return error_set(err, "%s: %s.attention.sliding_window is set but %s does not list the %d layers", path,
                             arch, key, c->n_layers);
        for (size_t i = 0; i < n; i++) {
            int64_t b;
            if (gguf_kv_arr_int(kv, i, &b) != 0) return error_set(err, "%s: %s[%zu] is not a bool", path, key, i);
            c->sliding[i] = b != 0;
        }
    }
    const GgufTensor *rf = gguf_find_tensor(g, "rope_freqs.weight");
    if (rf) {
        if (rf->dtype != DTYPE_F32 || rf->n_dims != 1 || rf->ne[0] != c->head_dim / 2)
            return error_set(err, "%s: rope_freqs.weight must be f32 [%d]", path, c->head_dim / 2);
        c->rope_factors = mem_alloc(sizeof(float) * (size_t)(c->head_dim / 2));
        if (!c->rope_factors) return error_set(err, "%s: out of memory", path);
        memcpy(c->rope_factors, rf->data, sizeof(float) * (size_t)(c->head_dim / 2));
        for (int i = 0; i < c->head_dim / 2; i++)
            if (!(c->rope_factors[i] > 0)) return error_set(err, "%s: rope_freqs.weight[%d] is not positive", path, i);
    }
    return 0;
}

int exaone_load_gguf(ExaoneModel *m, const char *path, Error *err) {
    Gguf *g = NULL;
    if (gguf_open(&g, path, err) != 0) return -1;
    m->gguf = g;
    m->format = "gguf";
    if (config_from_gguf(&m->cfg, g, path, err) != 0) return -1;
    return exaone_bind_weights(m, exaone_gguf_names(m->cfg.arch), gguf_lookup, g, path, err);
}
