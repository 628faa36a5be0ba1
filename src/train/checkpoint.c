/* Training checkpoints in safetensors (see checkpoint.h). */
#include "checkpoint.h"

#include "../core/dtype.h"
#include "../core/mem.h"
#include "../formats/safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_FORMAT "exaone-train/1"
#define NAME_SIZE 128

/* The model dimensions stored in, and checked against, the metadata. */
typedef struct {
    const char *key;
    int64_t value;
} DimEntry;

static int model_dims(const Trainer *tr, DimEntry *dims) {
    const GptConfig *c = &tr->config.model;
    DimEntry all[] = {{"vocab", c->vocab},   {"d_model", c->d_model}, {"n_layers", c->n_layers},
                      {"n_heads", c->n_heads}, {"ffn", c->ffn},       {"max_seq", c->max_seq},
                      {"norm", c->norm},     {"mlp", c->mlp},         {"pos", c->pos},
                      {"tied", c->tied},     {"bias", c->bias},       {"grid_h", c->grid_h},
                      {"grid_w", c->grid_w},   {"n_segments", c->n_segments},
                      {"n_kv_heads", c->n_kv_heads}};
    int n = (int)(sizeof all / sizeof all[0]);
    memcpy(dims, all, sizeof all);
    return n;
}

/* Tensor names: the parameter's own, then the two moments. */
static void tensor_name(char *out, const char *param, int kind) {
    static const char *prefix[3] = {"", "optimizer.exp_avg.", "optimizer.exp_avg_sq."};
    snprintf(out, NAME_SIZE, "%s%s", prefix[kind], param);
}

static const float *state_buffer(const Trainer *tr, int kind) {
    return kind == 0 ? tr->model->params : kind == 1 ? tr->opt.m : tr->opt.v;
}

int checkpoint_save(const char *path, const Trainer *tr, Error *err) {
    const ParamTable *table = &tr->model->table;
    size_t n = (size_t)table->count * 3;
    StTensor *tensors = mem_calloc(n, sizeof *tensors);
    char *names = mem_calloc(n, NAME_SIZE);
    if (!tensors || !names) {
        mem_free(tensors);
        mem_free(names);
        return error_set(err, "%s: out of memory writing the checkpoint", path);
    }
    for (int kind = 0; kind < 3; kind++)
        for (int i = 0; i < table->count; i++) {
            const ParamEntry *e = &table->entries[i];
            size_t k = (size_t)kind * (size_t)table->count + (size_t)i;
            StTensor *t = &tensors[k];
            tensor_name(names + k * NAME_SIZE, e->name, kind);
            t->name = names + k * NAME_SIZE;
            t->dtype = DTYPE_F32;
            t->n_dims = e->rows == 1 ? 1 : 2;
            t->shape[0] = e->rows == 1 ? e->cols : e->rows;
            t->shape[1] = e->cols;
            t->data = state_buffer(tr, kind) + e->offset;
            t->size = e->numel * sizeof(float);
        }
    DimEntry dims[32];
    int n_dims = model_dims(tr, dims);
    char values[40][32];
    const char *meta[2 * 40 + 1];
    int m = 0;
    meta[m++] = "format";
    meta[m++] = CHECKPOINT_FORMAT;
    const char *counters[4] = {"step", "adamw_step", "seed", "batch"};
    int64_t counter_values[4] = {tr->step, tr->opt.step, (int64_t)tr->config.seed, tr->config.batch};
    for (int i = 0; i < 4; i++) {
        snprintf(values[i], sizeof values[i], "%" PRId64, counter_values[i]);
        meta[m++] = counters[i];
        meta[m++] = values[i];
    }
    for (int i = 0; i < n_dims; i++) {
        snprintf(values[4 + i], sizeof values[4 + i], "%" PRId64, dims[i].value);
        meta[m++] = dims[i].key;
        meta[m++] = values[4 + i];
    }
    if (!isnan(tr->last_loss)) { /* for a resume with nothing left to do; older checkpoints lack it */
        snprintf(values[4 + n_dims], sizeof values[4 + n_dims], "%.9g", (double)tr->last_loss);
        meta[m++] = "loss";
        meta[m++] = values[4 + n_dims];
    }
    meta[m] = NULL;
    int rc = st_save(path, tensors, n, meta, err);
    mem_free(tensors);
    mem_free(names);
    return rc;
}

static int metadata_int(const SafeTensors *st, const char *path, const char *key, int64_t *out, Error *err) {
    const char *s = st_metadata(st, key);
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || errno || end == s || *end)
        return error_set(err, "%s: checkpoint metadata '%s' is missing or not an integer", path, key);
    *out = v;
    return 0;
}

int checkpoint_load(const char *path, Trainer *tr, Error *err) {
    SafeTensors *st = NULL;
    if (st_open(&st, path, err) != 0) return -1;
    int rc = -1;
    const char *format = st_metadata(st, "format");
    if (!format || strcmp(format, CHECKPOINT_FORMAT) != 0) {
        error_set(err, "%s: not an exaone training checkpoint (metadata format '%s')", path, format ? format : "");
        goto done;
    }
    DimEntry dims[32];
    int n_dims = model_dims(tr, dims);
    for (int i = 0; i < n_dims; i++) {
        int64_t v = 0;
        if (metadata_int(st, path, dims[i].key, &v, err) != 0) goto done;
        if (v != dims[i].value) {
            error_set(err, "%s: checkpoint has %s = %lld but the config says %lld", path, dims[i].key, (long long)v,
                      (long long)dims[i].value);
            goto done;
        }
    }
    int64_t step = 0, adamw_step = 0;
    if (metadata_int(st, path, "step", &step, err) != 0 || metadata_int(st, path, "adamw_step", &adamw_step, err) != 0)
        goto done;
    if (step < 0 || adamw_step < 0) {
        error_set(err, "%s: negative step in checkpoint", path);
        goto done;
    }
    const ParamTable *table = &tr->model->table;
    for (int kind = 0; kind < 3; kind++)
        for (int i = 0; i < table->count; i++) {
            const ParamEntry *e = &table->entries[i];
            char name[NAME_SIZE];
            tensor_name(name, e->name, kind);
            const StTensor *t = st_find(st, name);
            if (!t || t->dtype != DTYPE_F32 || t->size != e->numel * sizeof(float)) {
                error_set(err, "%s: tensor %s is %s (want F32 with %zu elements)", path, name,
                          t ? "of the wrong type or size" : "missing", e->numel);
                goto done;
            }
            memcpy((float *)state_buffer(tr, kind) + e->offset, t->data, t->size);
        }
    if (st_count(st) != (size_t)table->count * 3) {
        error_set(err, "%s: %zu tensors, the model has %d (x3 with the optimizer state)", path, st_count(st),
                  table->count);
        goto done;
    }
    const char *loss = st_metadata(st, "loss");
    char *end = NULL;
    tr->last_loss = loss ? strtof(loss, &end) : NAN;
    if (loss && (end == loss || *end)) tr->last_loss = NAN; /* only ever informational */
    tr->step = step;
    tr->opt.step = adamw_step;
    rc = 0;
done:
    st_close(st);
    return rc;
}
