/* exaone_lora_merge.c — bakes an adapter into a safetensors base: W' = W + scale·B·A
 * (PEFT's merge_and_unload), in f32, stored in the base tensor's dtype. Every other
 * tensor is copied byte for byte, as are config.json and the tokenizer files. */
#include "exaone_lora_merge.h"

#include "../core/file.h"
#include "../core/matmul.h"
#include "../core/mem.h"
#include "../formats/safetensors.h"
#include "exaone_lora.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int copy_file(const char *src_dir, const char *dst_dir, const char *name, Error *err) {
    char src[1100], dst[1100];
    snprintf(src, sizeof src, "%s/%s", src_dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dst_dir, name);
    if (!file_exists(src)) return 0;
    char *data = NULL;
    size_t len = 0;
    if (file_read_all(src, (size_t)1 << 30, &data, &len, err) != 0) return -1;
    int rc = file_write_atomic(dst, data, len, err);
    mem_free(data);
    return rc;
}

int lora_merge_files(const char *base_dir, const LoraMergeItem *items, int n_items, const char *out_dir,
                     const char *const *copy_files, int n_copy, Error *err) {
    SafeTensors *st = NULL;
    StTensor *ts = NULL;
    void **owned = NULL;
    size_t n = 0, n_owned = 0;
    int rc = -1;
    if (st_open_dir(&st, base_dir, err) != 0) return -1;
    n = st_count(st);
    ts = mem_calloc(n, sizeof *ts);
    owned = mem_calloc(n, sizeof *owned);
    if (!ts || !owned) {
        error_set(err, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) ts[i] = *st_tensor(st, i);
    for (int k = 0; k < n_items; k++) {
        const ExaoneLoraDelta *d = items[k].delta;
        const char *name = items[k].weight;
        size_t i = 0, bytes = 0;
        while (i < n && strcmp(ts[i].name, name) != 0) i++;
        if (i == n || (ts[i].dtype != DTYPE_F32 && ts[i].dtype != DTYPE_F16 && ts[i].dtype != DTYPE_BF16) ||
            dtype_row_bytes((DType)ts[i].dtype, d->out * d->in, &bytes) != 0 || ts[i].size != bytes) {
            error_set(err, "%s: %s is missing, not F32/F16/BF16, or not [%lld, %lld]", base_dir, name,
                      (long long)d->out, (long long)d->in);
            goto done;
        }
        size_t numel = (size_t)(d->out * d->in);
        float *w = mem_alloc(numel * sizeof(float)), *sb = mem_alloc((size_t)d->out * d->r * sizeof(float));
        void *dst = ts[i].dtype == DTYPE_F32 ? (void *)w : mem_alloc(ts[i].size);
        if (!w || !sb || !dst) {
            mem_free(w);
            mem_free(sb);
            if (dst != w) mem_free(dst);
            error_set(err, "out of memory for %s", name);
            goto done;
        }
        dtype_to_f32((DType)ts[i].dtype, ts[i].data, w, (int64_t)numel);
        for (int64_t e = 0; e < d->out * d->r; e++) sb[e] = d->scale * d->B[e];
        matmul_f32_nn(NULL, w, sb, d->A, d->out, d->in, d->r, 1); /* W += (s·B)·A */
        mem_free(sb);
        if (dst != w) {
            dtype_from_f32((DType)ts[i].dtype, w, dst, (int64_t)numel);
            mem_free(w);
        }
        owned[n_owned++] = dst;
        ts[i].data = dst;
    }
    if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
        error_set(err, "%s: cannot create: %s", out_dir, strerror(errno));
        goto done;
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/model.safetensors", out_dir);
    const char *meta[] = {"format", "pt", NULL};
    if (st_save(path, ts, n, meta, err) != 0) goto done;
    for (int f = 0; f < n_copy; f++)
        if (copy_file(base_dir, out_dir, copy_files[f], err) != 0) goto done;
    rc = 0;
done:
    for (size_t i = 0; i < n_owned; i++) mem_free(owned[i]);
    mem_free(owned);
    mem_free(ts);
    st_close(st);
    return rc;
}

int exaone_lora_merge(const char *base_dir, const char *adapter_dir, float user_scale, const char *out_dir,
                      Error *err) {
    ExaoneModel *m = NULL;
    ExaoneLora *a = NULL;
    LoraMergeItem *items = NULL;
    int rc = -1, n = 0;
    if (exaone_load(&m, base_dir, err) != 0) return -1;
    if (strcmp(m->format, "safetensors") != 0) {
        error_set(err, "%s: merging needs a safetensors base (GGUF: merge first, then quantize)", base_dir);
        goto done;
    }
    if (exaone_lora_load(&a, adapter_dir, m, user_scale, err) != 0) goto done;
    items = mem_calloc((size_t)m->cfg.n_layers * EXAONE_LORA_SLOTS, sizeof *items);
    if (!items) {
        error_set(err, "out of memory");
        goto done;
    }
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int s = 0; s < EXAONE_LORA_SLOTS; s++) {
            const ExaoneLoraDelta *d = exaone_lora_delta(a, l, s);
            if (!d) continue;
            char mod[160];
            exaone_lora_module(m->cfg.arch, l, s, mod, sizeof mod);
            snprintf(items[n].weight, sizeof items[n].weight, "%s.weight", mod);
            items[n++].delta = d;
        }
    const char *files[] = {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                           "special_tokens_map.json", "chat_template.jinja", "vocab.json", "merges.txt"};
    rc = lora_merge_files(base_dir, items, n, out_dir, files, (int)(sizeof files / sizeof *files), err);
done:
    mem_free(items);
    exaone_lora_free(a);
    exaone_free(m);
    return rc;
}
