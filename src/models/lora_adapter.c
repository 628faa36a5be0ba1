/* lora_adapter.c — one PEFT adapter folder into per-(layer, slot) deltas (lora_adapter.h). */
#include "lora_adapter.h"

#include "../core/mem.h"
#include "../formats/safetensors.h"

#include <stdio.h>
#include <string.h>

void lora_adapter_free(LoraAdapter *a) {
    mem_free(a->deltas);
    mem_free(a->data);
    memset(a, 0, sizeof *a);
}

const ExaoneLoraDelta *lora_adapter_delta(const LoraAdapter *a, int layer, int slot) {
    const ExaoneLoraDelta *d = &a->deltas[layer * a->n_slots + slot];
    return d->A ? d : NULL;
}

/* Reads every (layer, slot) pair present in st into a's buffers; *found counts them. */
static int read_deltas(LoraAdapter *a, const SafeTensors *st, const LoraLayout *lay, float user_scale,
                       const char *path, int *found, Error *err) {
    float *p = a->data;
    for (int l = 0; l < lay->n_layers; l++)
        for (int s = 0; s < lay->n_slots; s++) {
            int64_t in, out;
            lay->shape(lay->model, s, &in, &out);
            char mod[160], name_a[200], name_b[200];
            lay->module(lay->model, l, s, mod, sizeof mod);
            snprintf(name_a, sizeof name_a, "base_model.model.%s.lora_A.weight", mod);
            snprintf(name_b, sizeof name_b, "base_model.model.%s.lora_B.weight", mod);
            float *A = p, *B = p + (size_t)a->rank * (size_t)in;
            int ra = exaone_lora_read_matrix(st, name_a, a->rank, in, A, path, err);
            int rb = ra < 0 ? -1 : exaone_lora_read_matrix(st, name_b, out, a->rank, B, path, err);
            if (ra < 0 || rb < 0) return -1;
            if (ra != rb) return error_set(err, "%s: %s has only one of lora_A / lora_B", path, mod);
            if (ra == 1) continue;
            a->deltas[l * lay->n_slots + s] = (ExaoneLoraDelta){
                .A = A, .B = B, .r = a->rank, .in = in, .out = out, .scale = a->alpha / (float)a->rank * user_scale};
            p += (size_t)a->rank * (size_t)(in + out);
            (*found)++;
        }
    return 0;
}

int lora_adapter_load(LoraAdapter *a, const char *dir, const LoraLayout *lay, float user_scale, Error *err) {
    memset(a, 0, sizeof *a);
    int rank = 0;
    float alpha = 0;
    if (exaone_lora_read_config(dir, &rank, &alpha, err) != 0) return -1;
    char path[1100];
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    SafeTensors *st = NULL;
    if (st_open(&st, path, err) != 0) return -1;
    /* room for every slot of every layer (rank <= EXAONE_LORA_MAX_RANK keeps this small) */
    size_t total = 0;
    for (int s = 0; s < lay->n_slots; s++) {
        int64_t in, out;
        lay->shape(lay->model, s, &in, &out);
        total += (size_t)lay->n_layers * (size_t)rank * (size_t)(in + out);
    }
    a->n_layers = lay->n_layers;
    a->n_slots = lay->n_slots;
    a->rank = rank;
    a->alpha = alpha;
    a->deltas = mem_calloc((size_t)lay->n_layers * (size_t)lay->n_slots, sizeof *a->deltas);
    a->data = a->deltas ? mem_alloc(total * sizeof(float)) : NULL;
    int found = 0, rc = 0;
    if (!a->deltas || !a->data) rc = error_set(err, "%s: out of memory for the adapter", path);
    if (!rc) rc = read_deltas(a, st, lay, user_scale, path, &found, err);
    if (!rc && st_count(st) != (size_t)found * 2)
        rc = error_set(err, "%s: %zu tensors, but only %d module pairs match %s's modules (%d layers)", path,
                       st_count(st), found, lay->what, lay->n_layers);
    if (!rc && found == 0) rc = error_set(err, "%s: no LoRA weights for %s", path, lay->what);
    st_close(st);
    if (rc) {
        lora_adapter_free(a);
        return -1;
    }
    return 0;
}
