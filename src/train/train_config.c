/* key = value training config (see train_config.h). */
#include "train_config.h"

#include "../core/file.h"
#include "../core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void train_config_defaults(TrainConfig *cfg) {
    memset(cfg, 0, sizeof *cfg);
    gpt_config_defaults(&cfg->model);
    GptConfig *m = &cfg->model;
    m->vocab = 8192, m->d_model = 256, m->n_layers = 6, m->n_heads = 4, m->ffn = 1024, m->max_seq = 128;
    m->norm = GPT_NORM_RMS, m->mlp = GPT_MLP_SWIGLU, m->pos = GPT_POS_ROPE, m->tied = 1;
    adamw_config_defaults(&cfg->adamw);
    snprintf(cfg->data, sizeof cfg->data, "random");
    cfg->steps = 100, cfg->warmup = 10;
    cfg->batch = 8, cfg->seq = 128, cfg->accum = 1;
    cfg->lr = 3e-4f, cfg->min_lr = 3e-5f;
    cfg->seed = 1;
}

typedef enum { KEY_INT, KEY_I64, KEY_FLOAT, KEY_STRING, KEY_CHOICE } KeyKind;

typedef struct {
    const char *name;
    KeyKind kind;
    size_t offset;
    double min, max;
    const char *choices[3]; /* KEY_CHOICE: value i is choices[i] */
} Key;

#define OFF(field) offsetof(TrainConfig, field)
static const Key keys[] = {
    {"vocab", KEY_INT, OFF(model.vocab), 1, 1 << 24, {0}},
    {"d_model", KEY_INT, OFF(model.d_model), 1, 1 << 16, {0}},
    {"n_layers", KEY_INT, OFF(model.n_layers), 1, 1024, {0}},
    {"n_heads", KEY_INT, OFF(model.n_heads), 1, 1024, {0}},
    {"n_kv_heads", KEY_INT, OFF(model.n_kv_heads), 0, 1024, {0}},
    {"ffn", KEY_INT, OFF(model.ffn), 1, 1 << 20, {0}},
    {"max_seq", KEY_INT, OFF(model.max_seq), 1, 1 << 20, {0}},
    {"norm", KEY_CHOICE, OFF(model.norm), 0, 0, {"layer", "rms"}},
    {"mlp", KEY_CHOICE, OFF(model.mlp), 0, 0, {"gelu", "swiglu"}},
    {"pos", KEY_CHOICE, OFF(model.pos), 0, 0, {"learned", "rope"}},
    {"tied", KEY_INT, OFF(model.tied), 0, 1, {0}},
    {"bias", KEY_INT, OFF(model.bias), 0, 1, {0}},
    {"grid_h", KEY_INT, OFF(model.grid_h), 0, 4096, {0}},
    {"grid_w", KEY_INT, OFF(model.grid_w), 0, 4096, {0}},
    {"decay_embeddings", KEY_INT, OFF(model.decay_embeddings), 0, 1, {0}},
    {"rope_theta", KEY_FLOAT, OFF(model.rope_theta), 1, 1e9, {0}},
    {"norm_eps", KEY_FLOAT, OFF(model.norm_eps), 1e-12, 1, {0}},
    {"label_smoothing", KEY_FLOAT, OFF(model.label_smoothing), 0, 0.999, {0}},
    {"beta1", KEY_FLOAT, OFF(adamw.beta1), 0, 0.999999, {0}},
    {"beta2", KEY_FLOAT, OFF(adamw.beta2), 0, 0.999999, {0}},
    {"eps", KEY_FLOAT, OFF(adamw.eps), 0, 1, {0}},
    {"weight_decay", KEY_FLOAT, OFF(adamw.weight_decay), 0, 10, {0}},
    {"grad_clip", KEY_FLOAT, OFF(adamw.grad_clip), 0, 1e9, {0}},
    {"data", KEY_STRING, OFF(data), 0, 0, {0}},
    {"log", KEY_STRING, OFF(log), 0, 0, {0}},
    {"checkpoint", KEY_STRING, OFF(checkpoint), 0, 0, {0}},
    {"steps", KEY_I64, OFF(steps), 1, 1e12, {0}},
    {"warmup", KEY_I64, OFF(warmup), 0, 1e12, {0}},
    {"checkpoint_every", KEY_I64, OFF(checkpoint_every), 0, 1e12, {0}},
    {"batch", KEY_INT, OFF(batch), 1, 1 << 16, {0}},
    {"seq", KEY_INT, OFF(seq), 1, 1 << 20, {0}},
    {"accum", KEY_INT, OFF(accum), 1, 1 << 16, {0}},
    {"threads", KEY_INT, OFF(threads), 0, 1024, {0}},
    {"lr", KEY_FLOAT, OFF(lr), 0, 10, {0}},
    {"min_lr", KEY_FLOAT, OFF(min_lr), 0, 10, {0}},
    {"seed", KEY_I64, OFF(seed), 0, 9e18, {0}},
    {"bf16", KEY_INT, OFF(bf16), 0, 1, {0}},
};
#undef OFF

static int set_key(TrainConfig *cfg, const Key *k, const char *value, const char *path, int line, Error *err) {
    char *base = (char *)cfg + k->offset, *end = NULL;
    errno = 0;
    if (k->kind == KEY_STRING) {
        if (strlen(value) >= 512) return error_set(err, "%s:%d: %s is too long", path, line, k->name);
        snprintf(base, 512, "%s", value);
        return 0;
    }
    if (k->kind == KEY_CHOICE) {
        for (int i = 0; i < 3 && k->choices[i]; i++)
            if (strcmp(value, k->choices[i]) == 0) {
                *(int *)base = i;
                return 0;
            }
        return error_set(err, "%s:%d: %s must be %s or %s, not '%s'", path, line, k->name, k->choices[0],
                         k->choices[1], value);
    }
    double v = strtod(value, &end);
    if (errno || end == value || *end || !isfinite(v) || v < k->min || v > k->max ||
        (k->kind != KEY_FLOAT && v != floor(v)))
        return error_set(err, "%s:%d: %s = '%s' is not a %s in [%g, %g]", path, line, k->name, value,
                         k->kind == KEY_FLOAT ? "number" : "whole number", k->min, k->max);
    if (k->kind == KEY_INT) *(int *)base = (int)v;
    else if (k->kind == KEY_I64) *(int64_t *)base = (int64_t)v;
    else *(float *)base = (float)v;
    return 0;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

int train_config_parse(TrainConfig *cfg, const char *text, const char *path, Error *err) {
    int line_no = 0;
    const char *p = text;
    char line[1024];
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line_no++;
        if (len >= sizeof line) return error_set(err, "%s:%d: line too long", path, line_no);
        memcpy(line, p, len);
        line[len] = 0;
        p += len + (nl ? 1 : 0);
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *s = trim(line);
        if (!*s) continue;
        char *eq = strchr(s, '=');
        if (!eq) return error_set(err, "%s:%d: expected key = value", path, line_no);
        *eq = 0;
        char *key = trim(s), *value = trim(eq + 1);
        const Key *k = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(keys[i].name, key) == 0) k = &keys[i];
        if (!k) return error_set(err, "%s:%d: unknown key '%s'", path, line_no, key);
        if (set_key(cfg, k, value, path, line_no, err) != 0) return -1;
    }
    if (cfg->seq > cfg->model.max_seq)
        return error_set(err, "%s: seq %d is longer than max_seq %d", path, cfg->seq, cfg->model.max_seq);
    return 0;
}

int train_config_load(TrainConfig *cfg, const char *path, Error *err) {
    char *text = NULL;
    size_t size = 0;
    if (file_read_all(path, 1 << 20, &text, &size, err) != 0) return -1;
    int rc = train_config_parse(cfg, text, path, err);
    mem_free(text);
    return rc;
}
