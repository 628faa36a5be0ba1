/* exaone_quantize.c — writes a loaded EXAONE model as a GGUF file llama.cpp can load:
 * llama.cpp's metadata keys and tensor names (see exaone_gguf.c), matrices converted to
 * the chosen type (f32/f16/bf16/q8_0/q4_0/q4_K), norms kept f32, and the tokenizer
 * (tokenizer.json in the model folder, or the source GGUF's tokenizer.* keys) as
 * tokenizer.ggml.* arrays with pre-tokenizer "exaone" (3.x) or "exaone4" (4.0).
 */
#include "../core/file.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../formats/gguf.h"
#include "exaone_internal.h"
#include "exaone_quantize.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- q4_K */
/* Each sub-block of 32 gets scale = (max - min) / 15 and min = -min (min clipped to <= 0,
 * as ggml stores mins as positive offsets); both are then quantized to 6 bits against
 * the super-block's d and dmin. Decoding is ggml's: x = d*sc*q - dmin*m. */
static void quantize_row_q4_K_simple(const float *x, BlockQ4_K *y, int64_t n) {
    for (int64_t b = 0; b < n / QK_K; b++, x += QK_K, y++) {
        float scale[8], mins[8], max_scale = 0, max_min = 0;
        for (int j = 0; j < 8; j++) {
            float lo = 0, hi = 0;
            for (int i = 0; i < 32; i++) {
                float v = x[j * 32 + i];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            scale[j] = (hi - lo) / 15.0f;
            mins[j] = -lo;
            max_scale = scale[j] > max_scale ? scale[j] : max_scale;
            max_min = mins[j] > max_min ? mins[j] : max_min;
        }
        float d = max_scale / 63.0f, dmin = max_min / 63.0f;
        y->d = f32_to_f16(d);
        y->dmin = f32_to_f16(dmin);
        d = f16_to_f32(y->d);
        dmin = f16_to_f32(y->dmin);
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 8; j++) {
            int s = d > 0 ? (int)lrintf(scale[j] / d) : 0, m = dmin > 0 ? (int)lrintf(mins[j] / dmin) : 0;
            sc[j] = (uint8_t)(s > 63 ? 63 : s);
            mn[j] = (uint8_t)(m > 63 ? 63 : m);
        }
        for (int j = 0; j < 4; j++) {
            y->scales[j] = (uint8_t)((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            y->scales[j + 4] = (uint8_t)((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
            y->scales[j + 8] = (uint8_t)((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
        }
        for (int j = 0; j < 8; j++) {
            float step = d * sc[j], off = dmin * mn[j];
            for (int i = 0; i < 32; i++) {
                int q = step > 0 ? (int)lrintf((x[j * 32 + i] + off) / step) : 0;
                q = q < 0 ? 0 : q > 15 ? 15 : q;
                uint8_t *dst = &y->qs[(j / 2) * 32 + i];
                *dst = (uint8_t)(j % 2 == 0 ? (*dst & 0xF0) | q : (*dst & 0x0F) | (q << 4));
            }
        }
    }
}

void exaone_quantize_row(DType to, const float *src, void *dst, int64_t n) {
    if (to == DTYPE_Q4_K)
        quantize_row_q4_K_simple(src, dst, n);
    else
        dtype_from_f32(to, src, dst, n);
}

/* ---------------------------------------------------------------- tokenizer */
/* The tokenizer arrays for the writer (it copies them; this owns the originals). */
typedef struct {
    char **tokens;
    int32_t *types;
    size_t n_tokens;
    char **merges;
    size_t n_merges;
    char *chat_template;
} Vocab;

static void vocab_free(Vocab *v) {
    for (size_t i = 0; i < v->n_tokens; i++) mem_free(v->tokens ? v->tokens[i] : NULL);
    for (size_t i = 0; i < v->n_merges; i++) mem_free(v->merges[i]);
    mem_free(v->tokens);
    mem_free(v->types);
    mem_free(v->merges);
    mem_free(v->chat_template);
    memset(v, 0, sizeof *v);
}

static int vocab_from_tokenizer_json(Vocab *v, const char *dir, int vocab_size, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    char *json = NULL;
    size_t len = 0;
    if (file_read_all(path, 256u << 20, &json, &len, err) != 0) return -1;
    cJSON *root = cJSON_ParseWithLength(json, len);
    mem_free(json);
    int rc = -1;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vmap = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (!cJSON_IsObject(vmap) || !cJSON_IsArray(merges)) {
        error_set(err, "%s: not a BPE tokenizer.json (model.vocab / model.merges missing)", path);
        goto done;
    }
    v->n_tokens = (size_t)vocab_size;
    v->tokens = mem_calloc(v->n_tokens, sizeof(char *));
    v->types = mem_calloc(v->n_tokens, sizeof(int32_t));
    v->n_merges = (size_t)cJSON_GetArraySize(merges);
    v->merges = mem_calloc(v->n_merges ? v->n_merges : 1, sizeof(char *));
    if (!v->tokens || !v->types || !v->merges) {
        v->n_merges = 0;
        error_set(err, "out of memory");
        goto done;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, vmap) {
        int id = cJSON_IsNumber(it) ? it->valueint : -1;
        if (id < 0 || id >= vocab_size) continue; /* ids past the model's vocabulary cannot be used */
        mem_free(v->tokens[id]);
        v->tokens[id] = mem_strdup(it->string);
        v->types[id] = 1; /* normal */
    }
    cJSON_ArrayForEach(it, added) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(it, "content");
        if (!cJSON_IsNumber(id) || !cJSON_IsString(content) || id->valueint < 0 || id->valueint >= vocab_size)
            continue;
        mem_free(v->tokens[id->valueint]);
        v->tokens[id->valueint] = mem_strdup(content->valuestring);
        v->types[id->valueint] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "special")) ? 3 : 4;
    }
    size_t i = 0;
    cJSON_ArrayForEach(it, merges) {
        char buf[1024];
        if (cJSON_IsString(it))
            snprintf(buf, sizeof buf, "%s", it->valuestring);
        else if (cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 && cJSON_IsString(cJSON_GetArrayItem(it, 0)) &&
                 cJSON_IsString(cJSON_GetArrayItem(it, 1)))
            snprintf(buf, sizeof buf, "%s %s", cJSON_GetArrayItem(it, 0)->valuestring,
                     cJSON_GetArrayItem(it, 1)->valuestring);
        else {
            error_set(err, "%s: merge %zu is neither \"a b\" nor [a, b]", path, i);
            goto done;
        }
        v->merges[i++] = mem_strdup(buf);
    }
    for (size_t k = 0; k < v->n_tokens; k++) {
        if (v->tokens[k]) continue;
        char pad[32]; /* ids no token names: llama.cpp's convention for holes */
        snprintf(pad, sizeof pad, "[PAD%zu]", k);
        v->tokens[k] = mem_strdup(pad);
        v->types[k] = 5; /* unused */
    }
    for (size_t k = 0; k < v->n_tokens; k++)
        if (!v->tokens[k]) {
            error_set(err, "out of memory");
            goto done;
        }
    for (size_t k = 0; k < i; k++)
        if (!v->merges[k]) {
            error_set(err, "out of memory");
            goto done;
        }
    /* chat template: chat_template.jinja (4.0) or tokenizer_config.json's chat_template */
    snprintf(path, sizeof path, "%s/chat_template.jinja", dir);
    Error ignore = {0};
    if (file_exists(path) && file_read_all(path, 16u << 20, &v->chat_template, &len, &ignore) == 0) {
        rc = 0;
        goto done;
    }
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    if (file_exists(path) && file_read_all(path, 64u << 20, &json, &len, &ignore) == 0) {
        cJSON *tc = cJSON_ParseWithLength(json, len);
        mem_free(json);
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(tc, "chat_template");
        if (cJSON_IsString(ct)) v->chat_template = mem_strdup(ct->valuestring);
        cJSON_Delete(tc);
    }
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

static int add_vocab(GgufWriter *w, const Vocab *v, ExaoneArch arch, const ExaoneConfig *c, Error *err) {
    if (gguf_add_str(w, "tokenizer.ggml.model", "gpt2", err) ||
        gguf_add_str(w, "tokenizer.ggml.pre", arch == EXAONE_V4 ? "exaone4" : "exaone", err) ||
        gguf_add_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v->tokens, v->n_tokens, err) ||
        gguf_add_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, v->types, v->n_tokens, err) ||
        gguf_add_arr_str(w, "tokenizer.ggml.merges", (const char *const *)v->merges, v->n_merges, err))
        return -1;
    if (c->bos_id >= 0 && gguf_add_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)c->bos_id, err)) return -1;
    if (c->eos_id >= 0 && gguf_add_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)c->eos_id, err)) return -1;
    if (v->chat_template && gguf_add_str(w, "tokenizer.chat_template", v->chat_template, err)) return -1;
    return 0;
}

/* Copies every tokenizer.* key of a source GGUF unchanged. */
static int copy_gguf_tokenizer(GgufWriter *w, const Gguf *g, Error *err) {
    for (size_t i = 0; i < gguf_kv_count(g); i++) {
        const GgufKV *kv = gguf_kv(g, i);
        if (strncmp(kv->key, "tokenizer.", 10) != 0) continue;
        if (kv->type == GGUF_TYPE_STRING) {
            if (gguf_add_str(w, kv->key, kv->str, err)) return -1;
        } else if (kv->type == GGUF_TYPE_ARRAY && kv->elem_type == GGUF_TYPE_STRING) {
            char **strs = mem_calloc(kv->n ? kv->n : 1, sizeof(char *));
            if (!strs) return error_set(err, "out of memory");
            int ok = 1;
            for (uint64_t k = 0; k < kv->n && ok; k++) {
                size_t len;
                const char *s = gguf_kv_arr_str(kv, k, &len);
                strs[k] = s ? mem_strndup(s, len) : NULL;
                ok = strs[k] != NULL;
            }
            int rc = ok ? gguf_add_arr_str(w, kv->key, (const char *const *)strs, kv->n, err)
                        : error_set(err, "out of memory");
            for (uint64_t k = 0; k < kv->n; k++) mem_free(strs[k]);
            mem_free(strs);
            if (rc) return -1;
        } else if (kv->type == GGUF_TYPE_ARRAY) {
            if (gguf_add_arr(w, kv->key, kv->elem_type, kv->data, kv->n, err)) return -1;
        } else {
            int64_t iv;
            double fv;
            int rc = kv->type == GGUF_TYPE_FLOAT32 || kv->type == GGUF_TYPE_FLOAT64
                         ? (gguf_kv_float(kv, &fv), gguf_add_f32(w, kv->key, (float)fv, err))
                     : kv->type == GGUF_TYPE_BOOL ? (gguf_kv_int(kv, &iv), gguf_add_bool(w, kv->key, (int)iv, err))
                                                  : (gguf_kv_int(kv, &iv), gguf_add_u32(w, kv->key, (uint32_t)iv, err));
            if (rc) return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- writer */
typedef struct {
    void **bufs;
    size_t n, cap;
} Owned;

static void *owned_alloc(Owned *o, size_t size) {
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        void **b = mem_realloc(o->bufs, cap * sizeof(void *));
        if (!b) return NULL;
        o->bufs = b;
        o->cap = cap;
    }
    void *p = mem_alloc(size ? size : 1);
    if (p) o->bufs[o->n++] = p;
    return p;
}

static void owned_free(Owned *o) {
    for (size_t i = 0; i < o->n; i++) mem_free(o->bufs[i]);
    mem_free(o->bufs);
}

static int add_matrix(GgufWriter *w, Owned *o, const char *name, const ExaoneMat *m, DType to, Error *err) {
    DType t = to;
    if (!exaone_weight_type_ok(t, m->cols)) t = DTYPE_F16; /* rows the block size does not divide */
    size_t row_bytes = 0, total = 0;
    if (dtype_row_bytes(t, m->cols, &row_bytes) != 0 || size_mul(row_bytes, (size_t)m->rows, &total) != 0)
        return error_set(err, "%s: size overflow", name);
    uint8_t *dst = owned_alloc(o, total);
    float *row = mem_alloc(sizeof(float) * (size_t)m->cols);
    if (!dst || !row) {
        mem_free(row);
        return error_set(err, "out of memory converting %s", name);
    }
    size_t src_row = 0;
    dtype_row_bytes(m->type, m->cols, &src_row);
    for (int64_t r = 0; r < m->rows; r++) {
        dtype_to_f32(m->type, (const uint8_t *)m->data + (size_t)r * src_row, row, m->cols);
        exaone_quantize_row(t, row, dst + (size_t)r * row_bytes, m->cols);
    }
    mem_free(row);
    int64_t ne[2] = {m->cols, m->rows};
    return gguf_add_tensor(w, name, t, 2, ne, dst, total, err);
}

static int add_vector(GgufWriter *w, const char *name, const float *v, int64_t n, Error *err) {
    int64_t ne[1] = {n};
    return gguf_add_tensor(w, name, DTYPE_F32, 1, ne, v, (size_t)n * sizeof(float), err);
}

static int add_metadata(GgufWriter *w, const ExaoneConfig *c, DType type, Error *err) {
    const char *arch = c->arch == EXAONE_V4 ? "exaone4" : "exaone";
    char key[128];
    /* llama.cpp's llama_ftype numbering */
    uint32_t ftype = type == DTYPE_F32 ? 0 : type == DTYPE_F16 ? 1 : type == DTYPE_Q4_0 ? 2 : type == DTYPE_Q8_0 ? 7
                                                                : type == DTYPE_Q4_K ? 14 : 32;
#define U32(suffix, val) (snprintf(key, sizeof key, "%s.%s", arch, suffix), gguf_add_u32(w, key, (uint32_t)(val), err))
#define F32(suffix, val) (snprintf(key, sizeof key, "%s.%s", arch, suffix), gguf_add_f32(w, key, (float)(val), err))
    if (gguf_add_str(w, "general.architecture", arch, err) || gguf_add_str(w, "general.name", "EXAONE", err) ||
        gguf_add_u32(w, "general.file_type", ftype, err) || gguf_add_u32(w, "general.quantization_version", 2, err) ||
        U32("context_length", c->max_ctx) || U32("embedding_length", c->dim) || U32("block_count", c->n_layers) ||
        U32("feed_forward_length", c->ffn_dim) || U32("attention.head_count", c->n_heads) ||
        U32("attention.head_count_kv", c->n_kv_heads) || U32("attention.key_length", c->head_dim) ||
        U32("attention.value_length", c->head_dim) || U32("rope.dimension_count", c->head_dim) ||
        F32("rope.freq_base", c->rope_theta) || F32("attention.layer_norm_rms_epsilon", c->eps) ||
        U32("vocab_size", c->vocab))
        return -1;
    if (c->arch == EXAONE_V4 && c->sliding_window > 0) {
        uint8_t *pat = mem_alloc((size_t)c->n_layers);
        if (!pat) return error_set(err, "out of memory");
        for (int i = 0; i < c->n_layers; i++) pat[i] = c->sliding[i] ? 1 : 0;
        int rc = U32("attention.sliding_window", c->sliding_window);
        snprintf(key, sizeof key, "%s.attention.sliding_window_pattern", arch);
        rc = rc || gguf_add_arr(w, key, GGUF_TYPE_BOOL, pat, (size_t)c->n_layers, err);
        mem_free(pat);
        if (rc) return -1;
    }
#undef U32
#undef F32
    return 0;
}

int exaone_write_gguf(const ExaoneModel *m, const char *out_path, DType type, Error *err) {
    const ExaoneConfig *c = &m->cfg;
    if (type != DTYPE_F32 && type != DTYPE_F16 && type != DTYPE_BF16 && type != DTYPE_Q8_0 && type != DTYPE_Q4_0 &&
        type != DTYPE_Q4_K)
        return error_set(err, "cannot write type %s (f32, f16, bf16, q8_0, q4_0, q4_K)", dtype_name(type));
    GgufWriter *w = NULL;
    if (gguf_writer_new(&w, err) != 0) return -1;
    Owned owned = {0};
    Vocab vocab = {0};
    int rc = -1;
    if (add_metadata(w, c, type, err) != 0) goto done;
    if (m->gguf) {
        if (copy_gguf_tokenizer(w, m->gguf, err) != 0) goto done;
    } else {
        char path[1024];
        snprintf(path, sizeof path, "%s/tokenizer.json", m->source);
        if (file_exists(path)) {
            if (vocab_from_tokenizer_json(&vocab, m->source, c->vocab, err) != 0 ||
                add_vocab(w, &vocab, c->arch, c, err) != 0)
                goto done;
        }
    }
    const ExaoneNames *nm = exaone_gguf_names(c->arch);
    Progress bar;
    progress_begin(&bar, "quantize", c->n_layers + 1, "layers");
    if (add_matrix(w, &owned, nm->embed, &m->embed, type, err) ||
        add_vector(w, nm->final_norm, m->final_norm, c->dim, err))
        goto done;
    if (!c->tied && add_matrix(w, &owned, nm->head, &m->head, type, err)) goto done;
    int half = c->head_dim / 2;
    if (c->rope_llama3 || c->rope_factors) {
        /* the divisor llama.cpp applies to each base frequency */
        float *rf = owned_alloc(&owned, sizeof(float) * (size_t)half);
        double *scaled = mem_alloc(sizeof(double) * (size_t)half);
        if (!rf || !scaled) {
            mem_free(scaled);
            error_set(err, "out of memory");
            goto done;
        }
        exaone_rope_inv_freq(c, scaled);
        for (int i = 0; i < half; i++) rf[i] = (float)((1.0 / pow((double)c->rope_theta, 2.0 * i / c->head_dim)) / scaled[i]);
        mem_free(scaled);
        if (add_vector(w, "rope_freqs.weight", rf, half, err)) goto done;
    }
    for (int l = 0; l < c->n_layers; l++) {
        const ExaoneLayer *ly = &m->layers[l];
        char name[128];
#define NAME(suffix) (snprintf(name, sizeof name, "blk.%d.%s", l, suffix), name)
        if (add_matrix(w, &owned, NAME(nm->q), &ly->wq, type, err) ||
            add_matrix(w, &owned, NAME(nm->k), &ly->wk, type, err) ||
            add_matrix(w, &owned, NAME(nm->v), &ly->wv, type, err) ||
            add_matrix(w, &owned, NAME(nm->o), &ly->wo, type, err) ||
            add_matrix(w, &owned, NAME(nm->gate), &ly->w_gate, type, err) ||
            add_matrix(w, &owned, NAME(nm->up), &ly->w_up, type, err) ||
            add_matrix(w, &owned, NAME(nm->down), &ly->w_down, type, err) ||
            add_vector(w, NAME(nm->attn_norm), ly->attn_norm, c->dim, err) ||
            add_vector(w, NAME(nm->ffn_norm), ly->ffn_norm, c->dim, err))
            goto done;
        if (nm->q_norm && (add_vector(w, NAME(nm->q_norm), ly->q_norm, c->head_dim, err) ||
                           add_vector(w, NAME(nm->k_norm), ly->k_norm, c->head_dim, err)))
            goto done;
#undef NAME
        progress_update(&bar, l + 1, NULL);
    }
    if (gguf_write(w, out_path, err) != 0) goto done;
    progress_update(&bar, c->n_layers + 1, NULL);
    progress_done(&bar);
    rc = 0;
done:
    gguf_writer_free(w);
    owned_free(&owned);
    vocab_free(&vocab);
    return rc;
}
