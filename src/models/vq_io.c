/* VQ checkpoints in safetensors (see vq.h): parameters under their torch
 * names, EMA statistics, optionally the AdamW moments; config in metadata. */
#include "../core/mem.h"
#include "../formats/safetensors.h"
#include "vq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_COUNT 13
#define RNG_KEY "train.rng"
#define LAST_USED "quantize.last_used"

/* key/value strings of the config and step; values point into store. */
static void config_metadata(const VqModel *m, int64_t step, const char *meta[2 * META_COUNT + 1],
                            char store[META_COUNT][64]) {
    const VqConfig *c = &m->config;
    char mult[64] = "";
    for (int i = 0; i < c->n_levels; i++)
        snprintf(mult + strlen(mult), sizeof mult - strlen(mult), "%s%d", i ? "," : "", c->ch_mult[i]);
    const char *keys[META_COUNT] = {"format", "vq.ch", "vq.ch_mult", "vq.num_res_blocks", "vq.z_channels",
                                    "vq.embed_dim", "vq.n_embed", "vq.groups", "vq.beta", "vq.ema_decay",
                                    "vq.ema_eps", "vq.dead_after", "step"};
    snprintf(store[0], 64, "exaone-vq");
    snprintf(store[1], 64, "%d", c->ch);
    snprintf(store[2], 64, "%s", mult);
    snprintf(store[3], 64, "%d", c->num_res_blocks);
    snprintf(store[4], 64, "%d", c->z_channels);
    snprintf(store[5], 64, "%d", c->embed_dim);
    snprintf(store[6], 64, "%d", c->n_embed);
    snprintf(store[7], 64, "%d", c->groups);
    snprintf(store[8], 64, "%.9g", c->beta);
    snprintf(store[9], 64, "%.9g", c->ema_decay);
    snprintf(store[10], 64, "%.9g", c->ema_eps);
    snprintf(store[11], 64, "%d", c->dead_after);
    snprintf(store[12], 64, "%lld", (long long)step);
    for (int i = 0; i < META_COUNT; i++) meta[2 * i] = keys[i], meta[2 * i + 1] = store[i];
    meta[2 * META_COUNT] = NULL;
}

static StTensor f32_tensor(const char *name, const float *data, const int64_t *shape, int n_dims) {
    StTensor t = {.name = name, .dtype = DTYPE_F32, .n_dims = n_dims, .data = data};
    size_t numel = 1;
    for (int d = 0; d < n_dims; d++) t.shape[d] = shape[d], numel *= (size_t)shape[d];
    t.size = numel * sizeof(float);
    return t;
}

static int shape_dims(const int64_t shape[4]) {
    int n = 0;
    while (n < 4 && shape[n]) n++;
    return n;
}

int vq_save(const VqModel *m, const char *path, const float *opt_m, const float *opt_v, int64_t step, Error *err) {
    int n_params = m->table.count, with_opt = opt_m && opt_v;
    size_t n = (size_t)n_params * (with_opt ? 3 : 1) + 2 + (with_opt ? 1 : 0);
    StTensor *t = mem_calloc(n, sizeof *t);
    char (*names)[128] = with_opt ? mem_calloc((size_t)n_params * 2, sizeof *names) : NULL;
    if (!t || (with_opt && !names)) {
        mem_free(t), mem_free(names);
        return error_set(err, "%s: out of memory", path);
    }
    size_t k = 0;
    for (int i = 0; i < n_params; i++) {
        const ParamEntry *e = &m->table.entries[i];
        t[k++] = f32_tensor(e->name, m->params + e->offset, m->shapes[i], shape_dims(m->shapes[i]));
    }
    int64_t K = m->config.n_embed, KD[2] = {K, m->config.embed_dim};
    t[k++] = f32_tensor("quantize.cluster_size", m->ema.cluster_size, &K, 1);
    t[k++] = f32_tensor("quantize.embed_avg", m->ema.embed_sum, KD, 2);
    for (int i = 0; with_opt && i < n_params; i++) {
        const ParamEntry *e = &m->table.entries[i];
        snprintf(names[2 * i], 128, "optimizer.exp_avg.%s", e->name);
        snprintf(names[2 * i + 1], 128, "optimizer.exp_avg_sq.%s", e->name);
        t[k++] = f32_tensor(names[2 * i], opt_m + e->offset, m->shapes[i], shape_dims(m->shapes[i]));
        t[k++] = f32_tensor(names[2 * i + 1], opt_v + e->offset, m->shapes[i], shape_dims(m->shapes[i]));
    }
    /* Training state beyond the moments: when each code was last used and the
     * restart generator, so a resumed run restarts the same codes from the same
     * rows as an uninterrupted one. Added fields: older checkpoints lack them. */
    char rng_text[80];
    const char *meta[2 * META_COUNT + 3];
    char store[META_COUNT][64];
    config_metadata(m, step, meta, store);
    if (with_opt) {
        t[k] = (StTensor){.name = LAST_USED, .dtype = DTYPE_I64, .n_dims = 1, .shape = {K}, .data = m->ema.last_used,
                          .size = (size_t)K * sizeof(int64_t)};
        k++;
        snprintf(rng_text, sizeof rng_text, "%016llx%016llx%016llx%016llx", (unsigned long long)m->rng.s[0],
                 (unsigned long long)m->rng.s[1], (unsigned long long)m->rng.s[2], (unsigned long long)m->rng.s[3]);
        meta[2 * META_COUNT] = RNG_KEY;
        meta[2 * META_COUNT + 1] = rng_text;
        meta[2 * META_COUNT + 2] = NULL;
    }
    int rc = st_save(path, t, k, meta, err);
    mem_free(t), mem_free(names);
    return rc;
}

static int meta_int(const SafeTensors *st, const char *key, int lo, int hi, int *out, const char *path, Error *err) {
    const char *v = st_metadata(st, key);
    char *end;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || x < lo || x > hi) return error_set(err, "%s: metadata %s missing or out of range", path, key);
    *out = (int)x;
    return 0;
}

static int meta_float(const SafeTensors *st, const char *key, float *out, const char *path, Error *err) {
    const char *v = st_metadata(st, key);
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (!v || *end) return error_set(err, "%s: metadata %s missing or malformed", path, key);
    *out = (float)x;
    return 0;
}

static int read_config(const SafeTensors *st, VqConfig *c, const char *path, Error *err) {
    const char *format = st_metadata(st, "format"), *mult = st_metadata(st, "vq.ch_mult");
    if (!format || strcmp(format, "exaone-vq") != 0) return error_set(err, "%s: not an exaone VQ checkpoint", path);
    memset(c, 0, sizeof *c);
    if (meta_int(st, "vq.ch", 1, 4096, &c->ch, path, err) ||
        meta_int(st, "vq.num_res_blocks", 0, 16, &c->num_res_blocks, path, err) ||
        meta_int(st, "vq.z_channels", 1, 4096, &c->z_channels, path, err) ||
        meta_int(st, "vq.embed_dim", 1, 4096, &c->embed_dim, path, err) ||
        meta_int(st, "vq.n_embed", 1, 1 << 20, &c->n_embed, path, err) ||
        meta_int(st, "vq.groups", 1, 4096, &c->groups, path, err) ||
        meta_int(st, "vq.dead_after", 0, 1 << 30, &c->dead_after, path, err) ||
        meta_float(st, "vq.beta", &c->beta, path, err) || meta_float(st, "vq.ema_decay", &c->ema_decay, path, err) ||
        meta_float(st, "vq.ema_eps", &c->ema_eps, path, err))
        return -1;
    if (!mult) return error_set(err, "%s: metadata vq.ch_mult missing", path);
    const char *p = mult;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || c->n_levels >= VQ_MAX_LEVELS || v < 1 || v > 64)
            return error_set(err, "%s: metadata vq.ch_mult '%s' malformed", path, mult);
        c->ch_mult[c->n_levels++] = (int)v;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return error_set(err, "%s: metadata vq.ch_mult '%s' malformed", path, mult);
    }
    if (vq_config_check(c, err) != 0) return error_prefix(err, "%s", path);
    return 0;
}

/* Copies tensor `name` (F32, shape as given) into dst. */
static int copy_tensor(const SafeTensors *st, const char *name, const int64_t shape[4], float *dst, const char *path,
                       Error *err) {
    const StTensor *t = st_find(st, name);
    if (!t) return error_set(err, "%s: tensor %s missing", path, name);
    int n_dims = shape_dims(shape);
    if (t->dtype != DTYPE_F32 || t->n_dims != n_dims) return error_set(err, "%s: tensor %s: expected F32 with %d dims", path, name, n_dims);
    for (int d = 0; d < n_dims; d++)
        if (t->shape[d] != shape[d])
            return error_set(err, "%s: tensor %s: dim %d is %lld, expected %lld", path, name, d, (long long)t->shape[d],
                             (long long)shape[d]);
    memcpy(dst, t->data, t->size);
    return 0;
}

/* Bytes of tensor data in st: a bound on the parameters it can hold. */
static size_t tensor_bytes(const SafeTensors *st) {
    size_t total = 0;
    for (size_t i = 0; i < st_count(st); i++) total += st_tensor(st, i)->size;
    return total;
}

int vq_load_from(VqModel **out, const SafeTensors *st, const char *path, ThreadPool *pool, int64_t *step, Error *err) {
    *out = NULL;
    VqConfig c;
    VqModel *m = NULL;
    size_t n_params;
    if (read_config(st, &c, path, err) != 0) return -1;
    if (vq_param_count(&c, &n_params, err) != 0) return error_prefix(err, "%s", path);
    /* A few hundred bytes of metadata can describe a model of hundreds of
     * GB: refuse it before allocating, not after. */
    if (n_params > tensor_bytes(st) / sizeof(float))
        return error_set(err, "%s: its config needs %zu parameters, more than its %zu bytes of tensors hold", path,
                         n_params, tensor_bytes(st));
    if (vq_new(&m, &c, pool, err) != 0) return -1;
    for (int i = 0; i < m->table.count; i++)
        if (copy_tensor(st, m->table.entries[i].name, m->shapes[i], m->params + m->table.entries[i].offset, path, err))
            goto fail;
    int64_t K[4] = {c.n_embed}, KD[4] = {c.n_embed, c.embed_dim};
    if (copy_tensor(st, "quantize.cluster_size", K, m->ema.cluster_size, path, err) ||
        copy_tensor(st, "quantize.embed_avg", KD, m->ema.embed_sum, path, err))
        goto fail;
    const char *s = st_metadata(st, "step");
    int64_t at = s ? strtoll(s, NULL, 10) : 0;
    for (int k = 0; k < c.n_embed; k++) m->ema.last_used[k] = at;
    m->codebook_ready = 1;
    if (step) *step = at;
    *out = m;
    return 0;
fail:
    vq_free(m);
    return -1;
}

int vq_load(VqModel **out, const char *path, ThreadPool *pool, int64_t *step, Error *err) {
    *out = NULL;
    SafeTensors *st;
    if (st_open(&st, path, err) != 0) return -1;
    int rc = vq_load_from(out, st, path, pool, step, err);
    st_close(st);
    return rc;
}

/* The 64 hex digits of RNG_KEY into rng; 0 when well formed. */
static int parse_rng(const char *text, Rng *rng) {
    if (!text || strlen(text) != 64) return -1;
    for (int i = 0; i < 4; i++) {
        char word[17], *end;
        memcpy(word, text + 16 * i, 16);
        word[16] = 0;
        rng->s[i] = strtoull(word, &end, 16);
        if (*end) return -1;
    }
    return 0;
}

int vq_load_train_state(const char *path, VqModel *m, float *opt_m, float *opt_v, int *exact, Error *err) {
    SafeTensors *st;
    if (st_open(&st, path, err) != 0) return -1;
    char name[160];
    for (int i = 0; i < m->table.count; i++) {
        const ParamEntry *e = &m->table.entries[i];
        snprintf(name, sizeof name, "optimizer.exp_avg.%s", e->name);
        if (copy_tensor(st, name, m->shapes[i], opt_m + e->offset, path, err)) goto fail;
        snprintf(name, sizeof name, "optimizer.exp_avg_sq.%s", e->name);
        if (copy_tensor(st, name, m->shapes[i], opt_v + e->offset, path, err)) goto fail;
    }
    const StTensor *used = st_find(st, LAST_USED);
    const char *rng_text = st_metadata(st, RNG_KEY);
    *exact = 0;
    if (used || rng_text) { /* then both, well formed */
        Rng rng;
        int K = m->config.n_embed;
        if (!used || used->dtype != DTYPE_I64 || used->n_dims != 1 || used->shape[0] != K) {
            error_set(err, "%s: tensor %s missing or not I64 [%d]", path, LAST_USED, K);
            goto fail;
        }
        if (parse_rng(rng_text, &rng) != 0) {
            error_set(err, "%s: metadata %s missing or not 64 hex digits", path, RNG_KEY);
            goto fail;
        }
        memcpy(m->ema.last_used, used->data, used->size);
        m->rng = rng;
        *exact = 1;
    }
    st_close(st);
    return 0;
fail:
    st_close(st);
    return -1;
}
