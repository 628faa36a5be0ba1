/* mini_lora.c — PEFT LoRA adapters for EXAONE-mini (mini_lora.h). */
#include "mini_lora.h"

#include "../core/file.h"
#include "../core/matmul.h"
#include "../core/mem.h"
#include "../formats/safetensors.h"
#include "exaone_lora_merge.h"
#include "lora_adapter.h"

#include <stdio.h>
#include <string.h>

struct MiniLora {
    LoraAdapter adapter; /* deltas[layer * GPT_LORA_SLOTS + slot] */
};

/* The tuner's config for the mini's shapes (gpt_lora_slot_shape). */
static void shape_config(const MiniConfig *c, GptConfig *g) {
    gpt_config_defaults(g);
    g->d_model = c->d_model;
    g->n_heads = c->n_heads;
    g->ffn = c->ffn;
}

static void layout_shape(const void *g, int slot, int64_t *in, int64_t *out) {
    int i, o;
    gpt_lora_slot_shape(g, slot, &i, &o);
    *in = i;
    *out = o;
}

static void layout_module(const void *g, int layer, int slot, char *buf, size_t size) {
    (void)g;
    gpt_lora_module(layer, slot, buf, size);
}

int mini_lora_load(MiniLora **out, const char *dir, const MiniConfig *c, float user_scale, Error *err) {
    *out = NULL;
    GptConfig g;
    shape_config(c, &g);
    MiniLora *a = mem_calloc(1, sizeof *a);
    if (!a) return error_set(err, "%s: out of memory for the adapter", dir);
    LoraLayout lay = {c->n_layers, GPT_LORA_SLOTS, layout_module, layout_shape, &g, "EXAONE-mini"};
    if (lora_adapter_load(&a->adapter, dir, &lay, user_scale, err) != 0) {
        mem_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void mini_lora_free(MiniLora *a) {
    if (!a) return;
    lora_adapter_free(&a->adapter);
    mem_free(a);
}

int mini_lora_rank(const MiniLora *a) { return a->adapter.rank; }
float mini_lora_alpha(const MiniLora *a) { return a->adapter.alpha; }

const ExaoneLoraDelta *mini_lora_delta(const MiniLora *a, int layer, int slot) {
    return lora_adapter_delta(&a->adapter, layer, slot);
}

/* W[out, in] += (scale·B)·A */
static int add_delta(float *W, const ExaoneLoraDelta *d, Error *err) {
    float *sb = mem_alloc((size_t)d->out * (size_t)d->r * sizeof(float));
    if (!sb) return error_set(err, "out of memory");
    for (int64_t k = 0; k < d->out * d->r; k++) sb[k] = d->scale * d->B[k];
    matmul_f32_nn(NULL, W, sb, d->A, d->out, d->in, d->r, 1);
    mem_free(sb);
    return 0;
}

int mini_lora_merge_into(MiniModel *m, const MiniLora *a, Error *err) {
    if (a->adapter.n_layers != mini_config(m)->n_layers)
        return error_set(err, "the adapter has %d layers, the model %d", a->adapter.n_layers,
                         mini_config(m)->n_layers);
    for (int l = 0; l < a->adapter.n_layers; l++)
        for (int s = 0; s < GPT_LORA_SLOTS; s++) {
            const ExaoneLoraDelta *d = mini_lora_delta(a, l, s);
            if (!d) continue;
            int rows, cols;
            float *W = mini_weight_private(m, l, s, &rows, &cols, err);
            if (!W) return -1;
            if (rows != d->out || cols != d->in) return error_set(err, "adapter shape mismatch at layer %d", l);
            if (add_delta(W, d, err) != 0) return -1;
        }
    return mini_weights_changed(m, err);
}

int mini_lora_apply_spec(MiniModel *m, const char *spec, Error *err) {
    char path[1024];
    float scale;
    MiniLora *a = NULL;
    if (exaone_lora_spec(spec, path, sizeof path, &scale, err) != 0 ||
        mini_lora_load(&a, path, mini_config(m), scale, err) != 0)
        return -1;
    int rc = mini_lora_merge_into(m, a, err);
    mini_lora_free(a);
    return rc;
}

int mini_lora_save(const char *dir, const GptLora *l, const char *base, Error *err) {
    StTensor *t = mem_calloc(l->table.count > 0 ? (size_t)l->table.count : 1, sizeof *t);
    if (!t) return error_set(err, "out of memory");
    for (int i = 0; i < l->table.count; i++) {
        const ParamEntry *e = &l->table.entries[i];
        t[i] = (StTensor){.name = e->name, .dtype = DTYPE_F32, .n_dims = 2, .data = l->params + e->offset,
                          .size = e->numel * sizeof(float)};
        t[i].shape[0] = e->rows;
        t[i].shape[1] = e->cols;
    }
    const char *targets[GPT_LORA_SLOTS];
    int n = 0;
    for (int s = 0; s < GPT_LORA_SLOTS; s++)
        if (l->targets & (1u << s)) targets[n++] = gpt_lora_slot_name(s);
    int rc = exaone_lora_write(dir, base, l->rank, l->alpha, targets, n, t, (size_t)l->table.count, err);
    mem_free(t);
    return rc;
}

static int read_config(const char *dir, MiniConfig *c, Error *err) {
    char path[1100], *json = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (file_read_all(path, 1 << 20, &json, &len, err) != 0) return -1;
    int rc = mini_config_parse(c, json, len, path, err);
    mem_free(json);
    return rc;
}

int mini_lora_merge(const char *base_dir, const char *adapter_dir, float user_scale, const char *out_dir, Error *err) {
    MiniConfig c;
    MiniLora *a = NULL;
    if (read_config(base_dir, &c, err) != 0 || mini_lora_load(&a, adapter_dir, &c, user_scale, err) != 0) return -1;
    LoraMergeItem *items = mem_calloc((size_t)c.n_layers * GPT_LORA_SLOTS, sizeof *items);
    int n = 0, rc = -1;
    if (!items) {
        error_set(err, "out of memory");
        goto done;
    }
    for (int l = 0; l < c.n_layers; l++)
        for (int s = 0; s < GPT_LORA_SLOTS; s++) {
            const ExaoneLoraDelta *d = mini_lora_delta(a, l, s);
            if (!d) continue;
            char mod[96];
            gpt_lora_module(l, s, mod, sizeof mod);
            snprintf(items[n].weight, sizeof items[n].weight, "%s.weight", mod);
            items[n++].delta = d;
        }
    const char *files[] = {"config.json", "tokenizer.json", "vq.safetensors"};
    rc = lora_merge_files(base_dir, items, n, out_dir, files, 3, err);
done:
    mem_free(items);
    mini_lora_free(a);
    return rc;
}

int mini_lora_is_mini(const char *dir) {
    char path[1100], *json = NULL;
    size_t len = 0;
    Error err = {0};
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (!file_exists(path) || file_read_all(path, 1 << 20, &json, &len, &err) != 0) return 0;
    int mini = strstr(json, "\"exaone-mini\"") != NULL;
    mem_free(json);
    return mini;
}
