/* gpt_lora.c — LoRA on the trainer's transformer (gpt_lora.h). */
#include "gpt_lora.h"

#include "../core/mem.h"
#include "lora.h"
#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const slot_names[GPT_LORA_SLOTS] = {"q_proj", "k_proj", "v_proj", "out_proj", "c_fc", "c_proj"};
static const char *const slot_paths[GPT_LORA_SLOTS] = {"attn.attention.q_proj", "attn.attention.k_proj",
                                                       "attn.attention.v_proj", "attn.attention.out_proj",
                                                       "mlp.c_fc",              "mlp.c_proj"};

const char *gpt_lora_slot_name(int slot) { return slot_names[slot]; }

void gpt_lora_module(int layer, int slot, char *buf, size_t size) {
    snprintf(buf, size, "transformer.h.%d.%s", layer, slot_paths[slot]);
}

int gpt_lora_parse_targets(const char *list, unsigned *mask, Error *err) {
    *mask = 0;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = 0;
        if ((len == 3 && !strncmp(p, "all", 3)) || (len == 10 && !strncmp(p, "all-linear", 10))) {
            *mask |= (1u << GPT_LORA_SLOTS) - 1;
            found = 1;
        }
        for (int s = 0; s < GPT_LORA_SLOTS && !found; s++)
            if (strlen(slot_names[s]) == len && !strncmp(p, slot_names[s], len)) {
                *mask |= 1u << s;
                found = 1;
            }
        if (!found)
            return error_set(err, "unknown LoRA target '%.*s' for EXAONE-mini (q_proj, k_proj, v_proj, out_proj, c_fc, "
                                  "c_proj, all)", (int)len, p);
        p += len;
        if (*p == ',') p++;
    }
    return *mask ? 0 : error_set(err, "no LoRA target modules given");
}

void gpt_lora_slot_shape(const GptConfig *c, int slot, int *in, int *out) {
    int C = c->d_model, KVC = (c->n_kv_heads ? c->n_kv_heads : c->n_heads) * (C / c->n_heads);
    *in = slot == GPT_LORA_PROJ ? c->ffn : C;
    *out = slot == GPT_LORA_K || slot == GPT_LORA_V ? KVC : slot == GPT_LORA_FC ? c->ffn : C;
}

float *gpt_lora_A(const GptLora *l, int layer, int slot) {
    int i = l->slot_param[layer * GPT_LORA_SLOTS + slot];
    return i < 0 ? NULL : l->params + l->table.entries[i].offset;
}

float *gpt_lora_B(const GptLora *l, int layer, int slot) {
    int i = l->slot_param[layer * GPT_LORA_SLOTS + slot];
    return i < 0 ? NULL : l->params + l->table.entries[i + 1].offset;
}

static float *grad_of(const GptLora *l, int layer, int slot, int which) {
    int i = l->slot_param[layer * GPT_LORA_SLOTS + slot];
    return l->grads + l->table.entries[i + which].offset;
}

int gpt_lora_new(GptLora **out, Gpt *model, int rank, float alpha, unsigned targets, uint64_t seed, Error *err) {
    *out = NULL;
    const GptConfig *c = &model->config;
    if (rank < 1 || rank > GPT_LORA_MAX_RANK) return error_set(err, "LoRA rank %d outside 1..%d", rank, GPT_LORA_MAX_RANK);
    if (!targets || targets >= (1u << GPT_LORA_SLOTS)) return error_set(err, "no LoRA target modules given");
    if ((targets & (1u << GPT_LORA_FC)) && c->mlp != GPT_MLP_GELU)
        return error_set(err, "LoRA on c_fc needs the GELU MLP (a SwiGLU model has c_fc_0 / c_fc_1)");
    if (model->lora) return error_set(err, "the model already has a LoRA adapter attached");
    GptLora *l = mem_calloc(1, sizeof *l);
    if (!l) return error_set(err, "out of memory");
    l->model = model;
    l->rank = rank;
    l->alpha = alpha;
    l->scale = alpha / (float)rank;
    l->targets = targets;
    l->n_layers = c->n_layers;
    l->max_N = (int64_t)model->max_B * model->max_T;
    int L = c->n_layers, widest = 0;
    l->slot_param = mem_alloc(sizeof(int) * (size_t)L * GPT_LORA_SLOTS);
    if (!l->slot_param) goto oom;
    for (int layer = 0; layer < L; layer++)
        for (int s = 0; s < GPT_LORA_SLOTS; s++) {
            l->slot_param[layer * GPT_LORA_SLOTS + s] = -1;
            if (!(targets & (1u << s))) continue;
            int in, o;
            gpt_lora_slot_shape(c, s, &in, &o);
            widest = in > widest ? in : widest;
            widest = o > widest ? o : widest;
            char mod[96], name[200];
            gpt_lora_module(layer, s, mod, sizeof mod);
            snprintf(name, sizeof name, "base_model.model.%s.lora_A.weight", mod);
            int ia = params_add(&l->table, name, rank, in, PARAM_NO_DECAY, err);
            snprintf(name, sizeof name, "base_model.model.%s.lora_B.weight", mod);
            if (ia < 0 || params_add(&l->table, name, o, rank, PARAM_NO_DECAY, err) < 0) {
                gpt_lora_free(l);
                return -1;
            }
            l->slot_param[layer * GPT_LORA_SLOTS + s] = ia;
        }
    size_t N = (size_t)l->max_N;
    l->params = mem_calloc(l->table.total, sizeof(float));
    l->grads = mem_calloc(l->table.total, sizeof(float));
    l->saved = mem_calloc((size_t)L * GPT_LORA_SLOTS * N * (size_t)rank, sizeof(float));
    l->dense = mem_alloc(N * (size_t)widest * sizeof(float));
    l->tmp = mem_alloc(N * (size_t)widest * sizeof(float));
    l->dv = mem_alloc(N * (size_t)rank * sizeof(float));
    if (!l->params || !l->grads || !l->saved || !l->dense || !l->tmp || !l->dv) goto oom;
    Rng rng;
    rng_seed(&rng, seed);
    for (int layer = 0; layer < L; layer++)
        for (int s = 0; s < GPT_LORA_SLOTS; s++) {
            float *A = gpt_lora_A(l, layer, s);
            if (!A) continue;
            int in, o;
            gpt_lora_slot_shape(c, s, &in, &o);
            double bound = 1.0 / sqrt((double)in); /* kaiming_uniform_(a = sqrt 5): gain·sqrt(3 / fan_in) */
            for (int64_t i = 0; i < (int64_t)rank * in; i++) A[i] = (float)((2 * rng_uniform(&rng) - 1) * bound);
        }
    model->lora = l;
    *out = l;
    return 0;
oom:
    gpt_lora_free(l);
    return error_set(err, "out of memory for the LoRA parameters");
}

void gpt_lora_free(GptLora *l) {
    if (!l) return;
    if (l->model && l->model->lora == l) l->model->lora = NULL;
    params_free(&l->table);
    mem_free(l->params);
    mem_free(l->grads);
    mem_free(l->slot_param);
    mem_free(l->saved);
    mem_free(l->dense);
    mem_free(l->tmp);
    mem_free(l->dv);
    mem_free(l);
}

static float *saved_v(const GptLora *l, int layer, int slot) {
    return l->saved + (size_t)(layer * GPT_LORA_SLOTS + slot) * (size_t)l->max_N * (size_t)l->rank;
}

void gpt_lora_forward(GptLora *l, int layer, int slot, float *y, int ldy, const float *x, int64_t N) {
    const float *A = gpt_lora_A(l, layer, slot);
    if (!A) return;
    int in, o;
    gpt_lora_slot_shape(&l->model->config, slot, &in, &o);
    float *v = saved_v(l, layer, slot);
    if (ldy == o) {
        lora_forward(l->model->pool, y, v, l->tmp, x, A, gpt_lora_B(l, layer, slot), l->scale, N, in, o, l->rank);
        return;
    }
    /* a slice of the fused q|k|v rows: the low-rank term goes through a dense buffer */
    memset(l->dense, 0, sizeof(float) * (size_t)N * (size_t)o);
    lora_forward(l->model->pool, l->dense, v, l->tmp, x, A, gpt_lora_B(l, layer, slot), l->scale, N, in, o, l->rank);
    for (int64_t n = 0; n < N; n++)
        for (int k = 0; k < o; k++) y[n * ldy + k] += l->dense[n * o + k];
}

void gpt_lora_backward(GptLora *l, int layer, int slot, float *dx, const float *dy, int ldy, const float *x,
                       int64_t N) {
    const float *A = gpt_lora_A(l, layer, slot);
    if (!A) return;
    int in, o;
    gpt_lora_slot_shape(&l->model->config, slot, &in, &o);
    if (ldy != o) {
        for (int64_t n = 0; n < N; n++) memcpy(l->dense + n * o, dy + n * ldy, sizeof(float) * (size_t)o);
        dy = l->dense;
    }
    lora_backward(l->model->pool, dx, grad_of(l, layer, slot, 0), grad_of(l, layer, slot, 1), l->dv, dy, x,
                  saved_v(l, layer, slot), A, gpt_lora_B(l, layer, slot), l->scale, N, in, o, l->rank);
}
