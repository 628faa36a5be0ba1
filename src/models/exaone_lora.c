/* exaone_lora.c — PEFT LoRA adapters: names, load / save, and the forward hook. */
#include "exaone_lora.h"

#include "../core/file.h"
#include "../core/matmul.h"
#include "../core/mem.h"
#include "../formats/safetensors.h"
#include "exaone_internal.h"
#include "lora_adapter.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ExaoneLora {
    LoraAdapter adapter; /* deltas[layer * EXAONE_LORA_SLOTS + slot] */
};

ExaoneMat *exaone_lora_mat(ExaoneLayer *ly, int slot) {
    ExaoneMat *mats[EXAONE_LORA_SLOTS] = {&ly->wq, &ly->wk, &ly->wv, &ly->wo, &ly->w_gate, &ly->w_up, &ly->w_down};
    return mats[slot];
}

static const char *slot_weight_name(const ExaoneNames *n, int slot) {
    const char *names[EXAONE_LORA_SLOTS] = {n->q, n->k, n->v, n->o, n->gate, n->up, n->down};
    return names[slot];
}

void exaone_lora_module(ExaoneArch arch, int layer, int slot, char *buf, size_t size) {
    const ExaoneNames *n = exaone_hf_names(arch);
    char prefix[64];
    snprintf(prefix, sizeof prefix, n->layer_fmt, layer);
    const char *w = slot_weight_name(n, slot);
    int len = (int)strlen(w) - (int)strlen(".weight");
    snprintf(buf, size, "%s%.*s", prefix, len, w);
}

const char *exaone_lora_slot_name(ExaoneArch arch, int slot) {
    static const char *v3[] = {"q_proj", "k_proj", "v_proj", "out_proj", "c_fc_0", "c_fc_1", "c_proj"};
    static const char *v4[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    return arch == EXAONE_V4 ? v4[slot] : v3[slot];
}

int exaone_lora_parse_targets(const char *list, unsigned *mask, Error *err) {
    *mask = 0;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = 0;
        if ((len == 3 && !strncmp(p, "all", 3)) || (len == 10 && !strncmp(p, "all-linear", 10))) {
            *mask |= (1u << EXAONE_LORA_SLOTS) - 1;
            found = 1;
        }
        for (int s = 0; s < EXAONE_LORA_SLOTS && !found; s++)
            for (int a = 3; a <= 4; a++) {
                const char *name = exaone_lora_slot_name((ExaoneArch)a, s);
                if (strlen(name) == len && !strncmp(p, name, len)) {
                    *mask |= 1u << s;
                    found = 1;
                }
            }
        if (!found)
            return error_set(err, "unknown LoRA target '%.*s' (q_proj, k_proj, v_proj, o_proj/out_proj, "
                                  "gate_proj/c_fc_0, up_proj/c_fc_1, down_proj/c_proj, all)",
                             (int)len, p);
        p += len;
        if (*p == ',') p++;
    }
    return *mask ? 0 : error_set(err, "no LoRA target modules given");
}

/* ---------------------------------------------------------------- forward hook */
void exaone_lora_apply(ThreadPool *pool, float *y, const float *x, const ExaoneLoraDelta *d, int64_t M) {
    enum { ROWS = 64 };
    static _Thread_local float v[ROWS * EXAONE_LORA_MAX_RANK];
    for (; d; d = d->next)
        for (int64_t r0 = 0; r0 < M; r0 += ROWS) {
            int64_t n = M - r0 < ROWS ? M - r0 : ROWS;
            matmul_f32_nt(pool, v, x + r0 * d->in, d->A, n, d->r, d->in, 0);
            for (int64_t i = 0; i < n * d->r; i++) v[i] *= d->scale;
            matmul_f32_nt(pool, y + r0 * d->out, v, d->B, n, d->out, d->r, 1);
        }
}

/* ---------------------------------------------------------------- load */
static int config_number(const cJSON *root, const char *key, double lo, double hi, double *out, const char *path,
                         Error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return error_set(err, "%s: \"%s\" must be a number in [%g, %g]", path, key, lo, hi);
    *out = v->valuedouble;
    return 0;
}

int exaone_lora_config_parse(const char *text, size_t len, const char *path, int *rank, float *alpha, Error *err) {
    *rank = 0;
    *alpha = 0;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) return error_set(err, "%s: not valid JSON", path);
    double r = 0, a = 0;
    int rc = config_number(root, "r", 1, EXAONE_LORA_MAX_RANK, &r, path, err) ||
             config_number(root, "lora_alpha", 1e-6, 1e6, &a, path, err);
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(root, "peft_type");
    if (!rc && pt && (!cJSON_IsString(pt) || strcmp(pt->valuestring, "LORA") != 0))
        rc = error_set(err, "%s: peft_type is not LORA", path);
    const char *unsupported[] = {"use_rslora", "use_dora", "fan_in_fan_out"};
    for (int i = 0; i < 3 && !rc; i++)
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, unsupported[i])))
            rc = error_set(err, "%s: %s is not supported", path, unsupported[i]);
    const char *patterns[] = {"rank_pattern", "alpha_pattern"};
    for (int i = 0; i < 2 && !rc; i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, patterns[i]);
        if (p && cJSON_GetArraySize(p) > 0) rc = error_set(err, "%s: %s is not supported", path, patterns[i]);
    }
    cJSON_Delete(root);
    *rank = (int)r;
    *alpha = (float)a;
    if (!rc && r != (double)*rank) rc = error_set(err, "%s: r must be an integer", path);
    return rc ? -1 : 0;
}

int exaone_lora_read_config(const char *dir, int *rank, float *alpha, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(path, 1 << 20, &text, &len, err) != 0) return -1;
    int rc = exaone_lora_config_parse(text, len, path, rank, alpha, err);
    mem_free(text);
    return rc;
}

/* Copies a [rows, cols] float tensor (F32/F16/BF16) named name into dst; 1 if absent. */
int exaone_lora_read_matrix(const SafeTensors *st, const char *name, int64_t rows, int64_t cols, float *dst,
                            const char *path, Error *err) {
    const StTensor *t = st_find(st, name);
    if (!t) return 1;
    if (t->n_dims != 2 || t->shape[0] != rows || t->shape[1] != cols)
        return error_set(err, "%s: %s must have shape [%lld, %lld]", path, name, (long long)rows, (long long)cols);
    if (t->dtype != DTYPE_F32 && t->dtype != DTYPE_F16 && t->dtype != DTYPE_BF16)
        return error_set(err, "%s: %s has dtype %s (F32, F16 or BF16 expected)", path, name, dtype_name(t->dtype));
    dtype_to_f32((DType)t->dtype, t->data, dst, rows * cols);
    return 0;
}

static void slot_shape(const ExaoneModel *m, int slot, int64_t *in, int64_t *out) {
    const ExaoneMat *w = exaone_lora_mat(&((ExaoneModel *)m)->layers[0], slot);
    *in = w->cols;
    *out = w->rows;
}

static void layout_shape(const void *m, int slot, int64_t *in, int64_t *out) { slot_shape(m, slot, in, out); }

static void layout_module(const void *m, int layer, int slot, char *buf, size_t size) {
    exaone_lora_module(((const ExaoneModel *)m)->cfg.arch, layer, slot, buf, size);
}

int exaone_lora_load(ExaoneLora **out, const char *dir, const ExaoneModel *m, float user_scale, Error *err) {
    *out = NULL;
    ExaoneLora *a = mem_calloc(1, sizeof *a);
    if (!a) return error_set(err, "%s: out of memory for the adapter", dir);
    LoraLayout lay = {m->cfg.n_layers, EXAONE_LORA_SLOTS, layout_module, layout_shape, m, "this model"};
    if (lora_adapter_load(&a->adapter, dir, &lay, user_scale, err) != 0) {
        mem_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void exaone_lora_attach(ExaoneLora *a, ExaoneModel *m) {
    for (int l = 0; l < a->adapter.n_layers; l++)
        for (int s = 0; s < EXAONE_LORA_SLOTS; s++) {
            ExaoneLoraDelta *d = &a->adapter.deltas[l * EXAONE_LORA_SLOTS + s];
            if (!d->A) continue;
            ExaoneMat *w = exaone_lora_mat(&m->layers[l], s);
            d->next = w->lora;
            w->lora = d;
        }
}

int exaone_lora_attach_spec(ExaoneLora **out, const char *spec, ExaoneModel *m, Error *err) {
    char dir[1024];
    float scale;
    *out = NULL;
    if (exaone_lora_spec(spec, dir, sizeof dir, &scale, err) != 0 || exaone_lora_load(out, dir, m, scale, err) != 0)
        return -1;
    exaone_lora_attach(*out, m);
    return 0;
}

void exaone_lora_detach_all(ExaoneModel *m) {
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int s = 0; s < EXAONE_LORA_SLOTS; s++) exaone_lora_mat(&m->layers[l], s)->lora = NULL;
}

void exaone_lora_free(ExaoneLora *a) {
    if (!a) return;
    lora_adapter_free(&a->adapter);
    mem_free(a);
}

int exaone_lora_rank(const ExaoneLora *a) { return a->adapter.rank; }
float exaone_lora_alpha(const ExaoneLora *a) { return a->adapter.alpha; }
const ExaoneLoraDelta *exaone_lora_delta(const ExaoneLora *a, int layer, int slot) {
    return lora_adapter_delta(&a->adapter, layer, slot);
}

/* ---------------------------------------------------------------- save */
int exaone_lora_save(const char *dir, const ExaoneModel *m, int rank, float alpha, unsigned targets,
                     const float *const *A, const float *const *B, Error *err) {
    int L = m->cfg.n_layers;
    size_t n = 0;
    StTensor *t = mem_calloc((size_t)L * EXAONE_LORA_SLOTS * 2, sizeof *t);
    char *names = mem_calloc((size_t)L * EXAONE_LORA_SLOTS * 2, 200);
    if (!t || !names) {
        mem_free(t);
        mem_free(names);
        return error_set(err, "out of memory");
    }
    for (int l = 0; l < L; l++)
        for (int s = 0; s < EXAONE_LORA_SLOTS; s++) {
            const float *a = A[l * EXAONE_LORA_SLOTS + s], *b = B[l * EXAONE_LORA_SLOTS + s];
            if (!a || !b) continue;
            int64_t in, o;
            slot_shape(m, s, &in, &o);
            char mod[160];
            exaone_lora_module(m->cfg.arch, l, s, mod, sizeof mod);
            for (int k = 0; k < 2; k++) {
                char *nm = names + n * 200;
                snprintf(nm, 200, "base_model.model.%s.lora_%c.weight", mod, k ? 'B' : 'A');
                t[n] = (StTensor){.name = nm, .dtype = DTYPE_F32, .n_dims = 2, .data = k ? b : a};
                t[n].shape[0] = k ? o : rank;
                t[n].shape[1] = k ? rank : in;
                t[n].size = (size_t)(t[n].shape[0] * t[n].shape[1]) * sizeof(float);
                n++;
            }
        }
    const char *names_t[EXAONE_LORA_SLOTS];
    int n_targets = 0;
    for (int s = 0; s < EXAONE_LORA_SLOTS; s++)
        if (targets & (1u << s)) names_t[n_targets++] = exaone_lora_slot_name(m->cfg.arch, s);
    int rc = exaone_lora_write(dir, m->source, rank, alpha, names_t, n_targets, t, n, err);
    mem_free(t);
    mem_free(names);
    return rc;
}

int exaone_lora_write(const char *dir, const char *base, int rank, float alpha, const char *const *targets,
                      int n_targets, const StTensor *tensors, size_t n, Error *err) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return error_set(err, "%s: cannot create: %s", dir, strerror(errno));
    char path[1024];
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    const char *meta[] = {"format", "pt", NULL};
    if (st_save(path, tensors, n, meta, err) != 0) return -1;
    cJSON *root = cJSON_CreateObject(), *mods = cJSON_CreateArray();
    for (int i = 0; i < n_targets; i++) cJSON_AddItemToArray(mods, cJSON_CreateString(targets[i]));
    cJSON_AddStringToObject(root, "peft_type", "LORA");
    cJSON_AddStringToObject(root, "task_type", "CAUSAL_LM");
    cJSON_AddStringToObject(root, "base_model_name_or_path", base);
    cJSON_AddNumberToObject(root, "r", rank);
    cJSON_AddNumberToObject(root, "lora_alpha", alpha);
    cJSON_AddNumberToObject(root, "lora_dropout", 0.0);
    cJSON_AddItemToObject(root, "target_modules", mods);
    cJSON_AddStringToObject(root, "bias", "none");
    cJSON_AddFalseToObject(root, "fan_in_fan_out");
    cJSON_AddTrueToObject(root, "inference_mode");
    cJSON_AddTrueToObject(root, "init_lora_weights");
    cJSON_AddFalseToObject(root, "use_rslora");
    cJSON_AddFalseToObject(root, "use_dora");
    cJSON_AddNullToObject(root, "modules_to_save");
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return error_set(err, "out of memory");
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    int rc = file_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

int exaone_lora_spec(const char *spec, char *path, size_t size, float *scale, Error *err) {
    *scale = 1.0f;
    snprintf(path, size, "%s", spec);
    char *colon = strrchr(path, ':');
    if (colon && colon[1]) {
        char *end = NULL;
        double v = strtod(colon + 1, &end);
        if (end && *end == 0) {
            if (!(v >= -100 && v <= 100)) return error_set(err, "--lora %s: scale must be in [-100, 100]", spec);
            *scale = (float)v;
            *colon = 0;
        }
    }
    return path[0] ? 0 : error_set(err, "--lora needs a folder");
}
