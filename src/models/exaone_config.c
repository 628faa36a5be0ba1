/* exaone_config.c — config.json -> ExaoneConfig, and the RoPE frequencies it implies. */
#include "../core/mem.h"
#include "exaone.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* -1: absent or null; 0: read; sets err and returns -2 when present but not a number in range. */
static int get_num(const cJSON *obj, const char *key, double lo, double hi, double *out, const char *label,
                   Error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return -1;
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) v = cJSON_GetArrayItem(v, 0); /* eos lists */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi)) {
        error_set(err, "%s: \"%s\" must be a number in [%g, %g]", label, key, lo, hi);
        return -2;
    }
    *out = v->valuedouble;
    return 0;
}

static int need_num(const cJSON *obj, const char *key, double lo, double hi, double *out, const char *label,
                    Error *err) {
    int rc = get_num(obj, key, lo, hi, out, label, err);
    if (rc == -1) return error_set(err, "%s: missing \"%s\"", label, key);
    return rc == 0 ? 0 : -1;
}

/* First present key among names (3.x and 4.0 spell some keys differently); required. */
static int need_int(const cJSON *obj, const char *const *names, int lo, int hi, int *out, const char *label,
                    Error *err) {
    for (int i = 0; names[i]; i++) {
        double d;
        int rc = get_num(obj, names[i], lo, hi, &d, label, err);
        if (rc == -2) return -1;
        if (rc == 0) {
            if (d != floor(d)) return error_set(err, "%s: \"%s\" must be an integer", label, names[i]);
            *out = (int)d;
            return 0;
        }
    }
    return error_set(err, "%s: missing \"%s\"", label, names[0]);
}

static int opt_int(const cJSON *obj, const char *key, int lo, int hi, int def, int *out, const char *label,
                   Error *err) {
    double d;
    int rc = get_num(obj, key, lo, hi, &d, label, err);
    if (rc == -2) return -1;
    *out = rc == 0 ? (int)d : def;
    return 0;
}

static int parse_rope(ExaoneConfig *cfg, const cJSON *root, const char *label, Error *err) {
    double d;
    cfg->rope_theta = 10000.0f; /* transformers' default when the key is absent */
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(root, "rope_scaling");
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(root, "rope_parameters"); /* transformers >= 5 */
    int rc = get_num(root, "rope_theta", 1.0, 1e12, &d, label, err);
    if (rc == -2) return -1;
    if (rc == 0) cfg->rope_theta = (float)d;
    if (cJSON_IsObject(rp)) {
        rc = get_num(rp, "rope_theta", 1.0, 1e12, &d, label, err);
        if (rc == -2) return -1;
        if (rc == 0) cfg->rope_theta = (float)d;
        if (!cJSON_IsObject(rs)) rs = rp;
    }
    if (!rs || cJSON_IsNull(rs)) return 0;
    if (!cJSON_IsObject(rs)) return error_set(err, "%s: \"rope_scaling\" must be an object or null", label);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(rs, "rope_type");
    if (!type) type = cJSON_GetObjectItemCaseSensitive(rs, "type");
    if (!cJSON_IsString(type)) return error_set(err, "%s: rope_scaling has no \"rope_type\"", label);
    if (strcmp(type->valuestring, "default") == 0) return 0;
    if (strcmp(type->valuestring, "llama3") != 0)
        return error_set(err, "%s: rope_scaling type \"%s\" is not supported (only llama3)", label,
                         type->valuestring);
    cfg->rope_llama3 = 1;
    double f, lo, hi, orig;
    if (need_num(rs, "factor", 1.0, 1e6, &f, label, err) || need_num(rs, "low_freq_factor", 1e-6, 1e6, &lo, label, err) ||
        need_num(rs, "high_freq_factor", 1e-6, 1e6, &hi, label, err) ||
        need_num(rs, "original_max_position_embeddings", 1, 1e9, &orig, label, err))
        return -1;
    if (hi <= lo) return error_set(err, "%s: rope_scaling needs low_freq_factor < high_freq_factor", label);
    cfg->rope_factor = (float)f;
    cfg->rope_low_freq = (float)lo;
    cfg->rope_high_freq = (float)hi;
    cfg->rope_orig_ctx = (int)orig;
    return 0;
}

/* EXAONE 4.0's layer kinds: explicit layer_types, else sliding_window_pattern (a period
 * like 4 -> every 4th layer global, or a string like "LLLG"), as transformers derives them. */
static int parse_layer_kinds(ExaoneConfig *cfg, const cJSON *root, const char *label, Error *err) {
    cfg->sliding = mem_calloc((size_t)cfg->n_layers, 1);
    if (!cfg->sliding) return error_set(err, "%s: out of memory", label);
    if (cfg->arch != EXAONE_V4) return 0;
    if (opt_int(root, "sliding_window", 1, 1 << 30, 0, &cfg->sliding_window, label, err) != 0) return -1;
    if (cfg->sliding_window == 0) return 0;
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(root, "layer_types");
    const cJSON *pat = cJSON_GetObjectItemCaseSensitive(root, "sliding_window_pattern");
    if (cJSON_IsArray(types)) {
        if (cJSON_GetArraySize(types) != cfg->n_layers)
            return error_set(err, "%s: \"layer_types\" has %d entries for %d layers", label,
                             cJSON_GetArraySize(types), cfg->n_layers);
        for (int i = 0; i < cfg->n_layers; i++) {
            const cJSON *t = cJSON_GetArrayItem(types, i);
            if (cJSON_IsString(t) && strcmp(t->valuestring, "sliding_attention") == 0)
                cfg->sliding[i] = 1;
            else if (!cJSON_IsString(t) || strcmp(t->valuestring, "full_attention") != 0)
                return error_set(err, "%s: layer_types[%d] must be \"sliding_attention\" or \"full_attention\"",
                                 label, i);
        }
        return 0;
    }
    if (cJSON_IsString(pat) && pat->valuestring[0]) {
        size_t n = strlen(pat->valuestring);
        for (int i = 0; i < cfg->n_layers; i++) {
            char c = pat->valuestring[(size_t)i % n];
            if (c != 'L' && c != 'G')
                return error_set(err, "%s: sliding_window_pattern \"%s\" may hold only 'L' and 'G'", label,
                                 pat->valuestring);
            cfg->sliding[i] = c == 'L';
        }
        return 0;
    }
    if (cJSON_IsNumber(pat)) {
        double d = pat->valuedouble; /* range before the cast: (int)1e300 is undefined */
        if (!(d >= 1 && d <= INT_MAX) || d != floor(d))
            return error_set(err, "%s: sliding_window_pattern must be a positive integer", label);
        int p = (int)d;
        for (int i = 0; i < cfg->n_layers; i++) cfg->sliding[i] = (i + 1) % p != 0;
        return 0;
    }
    return error_set(err,
                     "%s: sliding_window is set but neither layer_types nor sliding_window_pattern says which "
                     "layers slide",
                     label);
}

int exaone_config_parse(ExaoneConfig *cfg, const char *json, size_t len, const char *label, Error *err) {
    memset(cfg, 0, sizeof *cfg);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return error_set(err, "%s: not a JSON object", label);
    }
    int rc = -1;
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    const char *arch_name = cJSON_IsArray(archs) && cJSON_IsString(cJSON_GetArrayItem(archs, 0))
                                ? cJSON_GetArrayItem(archs, 0)->valuestring
                                : NULL;
    if (cJSON_IsString(mt) && strcmp(mt->valuestring, "exaone") == 0)
        cfg->arch = EXAONE_V3;
    else if (cJSON_IsString(mt) && strcmp(mt->valuestring, "exaone4") == 0)
        cfg->arch = EXAONE_V4;
    else {
        error_set(err, "%s: unsupported architecture (model_type \"%s\", architectures[0] \"%s\"); expected "
                       "exaone (ExaoneForCausalLM) or exaone4 (Exaone4ForCausalLM)",
                  label, cJSON_IsString(mt) ? mt->valuestring : "?", arch_name ? arch_name : "?");
        goto done;
    }
    static const char *const k_layers[] = {"num_hidden_layers", "num_layers", NULL};
    static const char *const k_dim[] = {"hidden_size", NULL};
    static const char *const k_ffn[] = {"intermediate_size", NULL};
    static const char *const k_heads[] = {"num_attention_heads", NULL};
    static const char *const k_vocab[] = {"vocab_size", NULL};
    if (need_int(root, k_layers, 1, 4096, &cfg->n_layers, label, err) ||
        need_int(root, k_dim, 1, 1 << 20, &cfg->dim, label, err) ||
        need_int(root, k_ffn, 1, 1 << 22, &cfg->ffn_dim, label, err) ||
        need_int(root, k_heads, 1, 4096, &cfg->n_heads, label, err) ||
        need_int(root, k_vocab, 1, 1 << 24, &cfg->vocab, label, err))
        goto done;
    if (opt_int(root, "num_key_value_heads", 1, 4096, cfg->n_heads, &cfg->n_kv_heads, label, err) ||
        opt_int(root, "head_dim", 1, 1 << 16, cfg->dim / cfg->n_heads, &cfg->head_dim, label, err) ||
        opt_int(root, "max_position_embeddings", 1, 1 << 30, 2048, &cfg->max_ctx, label, err) ||
        opt_int(root, "bos_token_id", 0, cfg->vocab - 1, -1, &cfg->bos_id, label, err) ||
        opt_int(root, "eos_token_id", 0, cfg->vocab - 1, -1, &cfg->eos_id, label, err))
        goto done;
    if (cfg->n_heads % cfg->n_kv_heads != 0) {
        error_set(err, "%s: num_attention_heads %d is not a multiple of num_key_value_heads %d", label,
                  cfg->n_heads, cfg->n_kv_heads);
        goto done;
    }
    if (cfg->head_dim % 2 != 0 || cfg->head_dim < 2) {
        /* 0 when hidden_size < num_attention_heads and head_dim is not given */
        error_set(err, "%s: head_dim %d must be even and at least 2 for RoPE", label, cfg->head_dim);
        goto done;
    }
    double eps = 0;
    int e = get_num(root, cfg->arch == EXAONE_V3 ? "layer_norm_epsilon" : "rms_norm_eps", 0, 1, &eps, label, err);
    if (e == -1) e = get_num(root, "rms_norm_eps", 0, 1, &eps, label, err); /* either spelling */
    if (e == -2) goto done;
    if (e == -1) {
        error_set(err, "%s: missing \"%s\"", label, cfg->arch == EXAONE_V3 ? "layer_norm_epsilon" : "rms_norm_eps");
        goto done;
    }
    cfg->eps = (float)eps;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, cfg->arch == EXAONE_V3 ? "activation_function" : "hidden_act");
    if (cJSON_IsString(act) && strcmp(act->valuestring, "silu") != 0) {
        error_set(err, "%s: activation \"%s\" is not supported (EXAONE uses silu)", label, act->valuestring);
        goto done;
    }
    /* Pre-quantized HF checkpoints (e.g. compressed-tensors pack-quantized int4) store
     * weight_packed/weight_scale tensors instead of weights: say so instead of failing on
     * a "missing tensor" later. */
    const cJSON *qc = cJSON_GetObjectItemCaseSensitive(root, "quantization_config");
    if (cJSON_IsObject(qc)) {
        const cJSON *qm = cJSON_GetObjectItemCaseSensitive(qc, "quant_method");
        const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(qc, "format");
        error_set(err, "%s: quantization_config (quant_method \"%s\", format \"%s\") is not supported: use the "
                       "unquantized (bf16) checkpoint, then `exaone quantize` to q8_0/q4_0/q4_K if smaller weights "
                       "are wanted",
                  label, cJSON_IsString(qm) ? qm->valuestring : "?", cJSON_IsString(fmt) ? fmt->valuestring : "?");
        goto done;
    }
    const cJSON *tie = cJSON_GetObjectItemCaseSensitive(root, "tie_word_embeddings");
    cfg->tied = cJSON_IsBool(tie) ? cJSON_IsTrue(tie) : -1; /* -1: decided by whether lm_head exists */
    if (parse_rope(cfg, root, label, err) != 0 || parse_layer_kinds(cfg, root, label, err) != 0) goto done;
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0) exaone_config_free(cfg);
    return rc;
}

void exaone_config_free(ExaoneConfig *cfg) {
    mem_free(cfg->sliding);
    mem_free(cfg->rope_factors);
    cfg->sliding = NULL;
    cfg->rope_factors = NULL;
}

int exaone_layer_rope(const ExaoneConfig *cfg, int layer) {
    return cfg->arch == EXAONE_V3 || cfg->sliding_window == 0 || cfg->sliding[layer];
}

void exaone_rope_inv_freq(const ExaoneConfig *cfg, double *inv_freq) {
    int half = cfg->head_dim / 2;
    for (int i = 0; i < half; i++) {
        double f = 1.0 / pow((double)cfg->rope_theta, (2.0 * i) / cfg->head_dim);
        if (cfg->rope_factors) {
            f /= cfg->rope_factors[i];
        } else if (cfg->rope_llama3) {
            /* llama3: long wavelengths are slowed by `factor`, short ones kept, and the band
             * between them interpolated smoothly. */
            double wavelen = 2.0 * M_PI / f;
            double lo_wl = cfg->rope_orig_ctx / cfg->rope_low_freq;
            double hi_wl = cfg->rope_orig_ctx / cfg->rope_high_freq;
            if (wavelen > lo_wl) {
                f /= cfg->rope_factor;
            } else if (wavelen >= hi_wl) {
                double s = (cfg->rope_orig_ctx / wavelen - cfg->rope_low_freq) /
                           (cfg->rope_high_freq - cfg->rope_low_freq);
                f = (1 - s) * f / cfg->rope_factor + s * f;
            }
        }
        inv_freq[i] = f;
    }
}
