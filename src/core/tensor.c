#include "tensor.h"

#include "mem.h"

#include <string.h>

/* Fills ne/nb from the shape; every check here guards against shapes read
 * from model files, so it reports instead of asserting. */
static int tensor_layout(Tensor *t, DType dtype, int n_dims, const int64_t *ne, Error *err) {
    const DTypeTraits *traits = dtype_traits((int)dtype);
    if (!traits) return error_set(err, "tensor %s: unsupported dtype %d", t->name, (int)dtype);
    if (n_dims < 1 || n_dims > TENSOR_MAX_DIMS)
        return error_set(err, "tensor %s: %d dimensions (1..%d supported)", t->name, n_dims, TENSOR_MAX_DIMS);
    t->dtype = dtype;
    t->n_dims = n_dims;
    for (int i = 0; i < TENSOR_MAX_DIMS; i++) t->ne[i] = i < n_dims ? ne[i] : 1;
    for (int i = 0; i < n_dims; i++)
        if (ne[i] < 0) return error_set(err, "tensor %s: negative dimension %d", t->name, i);
    if (t->ne[0] % traits->block_size != 0)
        return error_set(err, "tensor %s: row of %lld elements is not a whole number of %s blocks (%d)", t->name,
                         (long long)t->ne[0], traits->name, traits->block_size);
    t->nb[0] = (size_t)traits->type_size;
    size_t row;
    if (dtype_row_bytes(dtype, t->ne[0], &row) != 0) return error_set(err, "tensor %s: row size overflows", t->name);
    t->nb[1] = row;
    for (int i = 2; i < TENSOR_MAX_DIMS; i++)
        if (size_mul(t->nb[i - 1], (size_t)t->ne[i - 1], &t->nb[i]) != 0)
            return error_set(err, "tensor %s: size overflows", t->name);
    size_t total;
    if (size_mul(t->nb[TENSOR_MAX_DIMS - 1], (size_t)t->ne[TENSOR_MAX_DIMS - 1], &total) != 0)
        return error_set(err, "tensor %s: size overflows", t->name);
    return 0;
}

static Tensor *tensor_alloc(const char *name, Error *err) {
    Tensor *t = mem_calloc(1, sizeof *t);
    if (!t) {
        error_set(err, "tensor %s: out of memory", name ? name : "");
        return NULL;
    }
    t->name = mem_strdup(name ? name : "");
    if (!t->name) {
        mem_free(t);
        error_set(err, "tensor %s: out of memory", name ? name : "");
        return NULL;
    }
    return t;
}

Tensor *tensor_new(const char *name, DType dtype, int n_dims, const int64_t *ne, Error *err) {
    Tensor *t = tensor_alloc(name, err);
    if (!t) return NULL;
    if (tensor_layout(t, dtype, n_dims, ne, err) != 0) {
        tensor_free(t);
        return NULL;
    }
    size_t bytes = tensor_nbytes(t);
    t->data = mem_alloc_aligned(bytes);
    if (!t->data) {
        error_set(err, "tensor %s: out of memory for %zu bytes", t->name, bytes);
        tensor_free(t);
        return NULL;
    }
    memset(t->data, 0, bytes);
    t->owns_data = 1;
    return t;
}

Tensor *tensor_view(const char *name, DType dtype, int n_dims, const int64_t *ne, void *data, Error *err) {
    Tensor *t = tensor_alloc(name, err);
    if (!t) return NULL;
    if (tensor_layout(t, dtype, n_dims, ne, err) != 0) {
        tensor_free(t);
        return NULL;
    }
    t->data = data;
    t->owns_data = 0;
    return t;
}

void tensor_free(Tensor *t) {
    if (!t) return;
    if (t->owns_data) mem_free_aligned(t->data);
    mem_free(t->name);
    mem_free(t);
}

int64_t tensor_nelements(const Tensor *t) { return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]; }

size_t tensor_nbytes(const Tensor *t) { return t->nb[TENSOR_MAX_DIMS - 1] * (size_t)t->ne[TENSOR_MAX_DIMS - 1]; }
