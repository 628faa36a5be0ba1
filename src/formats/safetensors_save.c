/* safetensors_save.c — writing a safetensors file (atomically). */
#include "../core/file.h"
#include "../core/mem.h"
#include "fmt_util.h"
#include "safetensors.h"

#include <cjson/cJSON.h>
#include <string.h>

static int check_tensor(const StTensor *t, size_t i, Error *err) {
    if (!t->name || !fmt_utf8_valid(t->name, strlen(t->name)) || strcmp(t->name, "__metadata__") == 0)
        return error_set(err, "tensor %zu: missing, reserved or non-UTF-8 name", i);
    if (!st_dtype_string(t->dtype))
        return error_set(err, "tensor '%s': dtype %s cannot be stored in safetensors", t->name, dtype_name(t->dtype));
    if (t->n_dims < 0 || t->n_dims > ST_MAX_DIMS) return error_set(err, "tensor '%s': %d dimensions", t->name, t->n_dims);
    size_t numel = 1, bytes;
    for (int d = 0; d < t->n_dims; d++)
        if (t->shape[d] < 0 || size_mul(numel, (size_t)t->shape[d], &numel) != 0)
            return error_set(err, "tensor '%s': bad shape", t->name);
    if (size_mul(numel, (size_t)dtype_traits(t->dtype)->type_size, &bytes) != 0 || bytes != t->size)
        return error_set(err, "tensor '%s': size %zu does not match its shape and dtype", t->name, t->size);
    if (t->size && !t->data) return error_set(err, "tensor '%s': no data", t->name);
    return 0;
}

/* Header JSON in tensor order, data offsets back to back. */
static char *build_header(const StTensor *tensors, size_t n, const char *const *metadata, Error *err) {
    cJSON *root = cJSON_CreateObject();
    if (!root) goto oom;
    if (metadata && metadata[0]) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        if (!meta) goto oom;
        for (size_t i = 0; metadata[i] && metadata[i + 1]; i += 2)
            if (!cJSON_AddStringToObject(meta, metadata[i], metadata[i + 1])) goto oom;
    }
    size_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        const StTensor *t = &tensors[i];
        cJSON *entry = cJSON_AddObjectToObject(root, t->name);
        if (!entry || !cJSON_AddStringToObject(entry, "dtype", st_dtype_string(t->dtype))) goto oom;
        cJSON *shape = cJSON_AddArrayToObject(entry, "shape");
        cJSON *offsets = cJSON_AddArrayToObject(entry, "data_offsets");
        if (!shape || !offsets) goto oom;
        for (int d = 0; d < t->n_dims; d++) {
            cJSON *v = cJSON_CreateNumber((double)t->shape[d]);
            if (!v || !cJSON_AddItemToArray(shape, v)) goto oom;
        }
        cJSON *b = cJSON_CreateNumber((double)offset), *e = cJSON_CreateNumber((double)(offset + t->size));
        if (!b || !cJSON_AddItemToArray(offsets, b) || !e || !cJSON_AddItemToArray(offsets, e)) goto oom;
        offset += t->size;
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) error_set(err, "out of memory");
    return text;
oom:
    cJSON_Delete(root);
    error_set(err, "out of memory");
    return NULL;
}

int st_save(const char *path, const StTensor *tensors, size_t n_tensors, const char *const *metadata, Error *err) {
    size_t total = 0;
    for (size_t i = 0; i < n_tensors; i++) {
        if (check_tensor(&tensors[i], i, err) != 0) return error_prefix(err, "%s", path);
        if (size_add(total, tensors[i].size, &total) != 0) return error_set(err, "%s: total size overflows", path);
        for (size_t j = 0; j < i; j++)
            if (strcmp(tensors[i].name, tensors[j].name) == 0)
                return error_set(err, "%s: tensor '%s' given twice", path, tensors[i].name);
    }
    if (total > (size_t)1 << 53) return error_set(err, "%s: data too large for JSON offsets", path);
    fmt_json_hooks();
    char *header = build_header(tensors, n_tensors, metadata, err);
    if (!header) return error_prefix(err, "%s", path);
    /* Pad with spaces so the data section (8 + header) starts 8-byte aligned, as HF does. */
    size_t len = strlen(header), padded = (len + 7) & ~(size_t)7;
    uint8_t prefix[8];
    fmt_store_u64(prefix, padded);
    static const char spaces[8] = "        ";
    AtomicFile file;
    int rc = atomic_open(&file, path, err);
    if (rc == 0) {
        rc = atomic_write(&file, prefix, 8, err);
        if (rc == 0) rc = atomic_write(&file, header, len, err);
        if (rc == 0) rc = atomic_write(&file, spaces, padded - len, err);
        for (size_t i = 0; rc == 0 && i < n_tensors; i++) rc = atomic_write(&file, tensors[i].data, tensors[i].size, err);
        if (rc == 0)
            rc = atomic_commit(&file, err);
        else
            atomic_abort(&file);
    }
    mem_free(header);
    return rc;
}
