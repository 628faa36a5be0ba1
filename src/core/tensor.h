/* tensor.h — a named, typed view of up to 4 dimensions (ggml's ne[]/nb[]).
 *
 *     Error err = {0};
 *     Tensor *t = tensor_new("attn.q", DTYPE_F32, 2, (int64_t[]){4096, 8}, &err);  // 8 rows of 4096
 *     Tensor *w = tensor_view("wte", DTYPE_Q8_0, 2, ne, mapped_bytes, &err);        // points into an mmap
 *     ...
 *     tensor_free(w);   // frees the struct only: the mapping belongs to the file
 *     tensor_free(t);   // frees the struct and its data
 *
 * Dimension 0 is the innermost (contiguous) one: ne[0] elements per row,
 * nb[0] = bytes of one element (one block for quantized types, which must
 * then have ne[0] a multiple of the block size), nb[i] = nb[i-1] * ne[i-1]
 * rounded to whole blocks in dimension 0. Unused dimensions have ne = 1.
 *
 * Ownership rule: a Tensor always owns its struct and its name. It owns its
 * data only when `owns_data` is set (tensor_new: a 64-byte aligned buffer
 * from mem_alloc_aligned). tensor_view never copies: the caller keeps the
 * bytes (an mmap'd model file, an arena) alive and unchanged for as long as
 * the view exists, and tensor_free leaves them alone.
 */
#ifndef EXAONE_TENSOR_H
#define EXAONE_TENSOR_H

#include "dtype.h"
#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define TENSOR_MAX_DIMS 4

typedef struct {
    char *name;
    DType dtype;
    int n_dims;
    int64_t ne[TENSOR_MAX_DIMS]; /* elements per dimension, innermost first */
    size_t nb[TENSOR_MAX_DIMS];  /* bytes per step in each dimension */
    void *data;
    int owns_data; /* 1: tensor_free frees data; 0: borrowed (mmap, arena) */
} Tensor;

/* A zero-filled tensor that owns its data. NULL (err filled) on bad shape,
 * size overflow or allocation failure. */
Tensor *tensor_new(const char *name, DType dtype, int n_dims, const int64_t *ne, Error *err);
/* A tensor over caller-owned bytes (not copied, not freed). */
Tensor *tensor_view(const char *name, DType dtype, int n_dims, const int64_t *ne, void *data, Error *err);
void tensor_free(Tensor *t);

/* Total elements / total bytes of the (contiguous) tensor. */
int64_t tensor_nelements(const Tensor *t);
size_t tensor_nbytes(const Tensor *t);

#endif
