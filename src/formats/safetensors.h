/* safetensors.h — Hugging Face safetensors: reading (mmap, validated) and writing.
 *
 *     SafeTensors *st;
 *     Error err = {0};
 *     if (st_open_dir(&st, "models/exaone-3.5-2.4b", &err) != 0) { log_error("%s", err.message); ... }
 *     const StTensor *w = st_find(st, "model.embed_tokens.weight");
 *     ... w->dtype (DType), w->shape[0..n_dims), w->data (points into the map), w->size ...
 *     st_close(st);
 *
 * Layout: u64 little-endian header length N, N bytes of JSON
 *   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
 * then the data section. Everything is validated before a tensor is handed out:
 * N <= 100 MB and inside the file, dtype known, shape x element size == byte
 * length (overflow-checked), and the tensors tile the data section exactly (no
 * overlap, no gap, no trailing bytes), names are UTF-8 and unique.
 * Data pointers are 8-byte aligned when the writer padded the header (HF and
 * st_save do); older files may give unaligned pointers.
 *
 * Sharded checkpoints: st_open_dir reads model.safetensors.index.json
 * ({"weight_map": {"tensor": "model-00001-of-00002.safetensors", ...}}), maps
 * every shard and checks that each tensor lives in the shard the index names.
 */
#ifndef EXAONE_SAFETENSORS_H
#define EXAONE_SAFETENSORS_H

#include "../core/dtype.h"
#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER (100u * 1024 * 1024)

typedef struct {
    const char *name;
    int dtype; /* DType from src/core/dtype.h */
    int n_dims;
    int64_t shape[8];
    const void *data;
    size_t size;
} StTensor;

typedef struct SafeTensors SafeTensors; /* owns its mmap */

int st_open(SafeTensors **out, const char *path, Error *err);    /* single file, mmap'd, validated */
int st_open_dir(SafeTensors **out, const char *dir, Error *err); /* model.safetensors or sharded model.safetensors.index.json */
size_t st_count(const SafeTensors *st);
const StTensor *st_tensor(const SafeTensors *st, size_t i);       /* in file (storage) order */
const StTensor *st_find(const SafeTensors *st, const char *name); /* NULL if absent */
const char *st_metadata(const SafeTensors *st, const char *key);  /* __metadata__ value or NULL */
void st_close(SafeTensors *st);
/* Atomic write (src/core/file.h); the header is padded with spaces to a multiple of 8 like HF.
 * metadata: key, value, ..., NULL (or NULL for none). */
int st_save(const char *path, const StTensor *tensors, size_t n_tensors, const char *const *metadata, Error *err);

/* Parsing from memory (fuzzing, embedded files). The buffer is borrowed and must
 * outlive the result; label names it in error messages. */
int st_parse(SafeTensors **out, const void *data, size_t size, const char *label, Error *err);

/* Number of shards (files) behind st, and which shard a tensor came from. */
size_t st_shard_count(const SafeTensors *st);
/* Total bytes of all mapped files. */
size_t st_file_bytes(const SafeTensors *st);

/* "F32" -> DTYPE_F32 etc.; -1 if unknown or not representable as a DType. */
int st_dtype_from_string(const char *s);
/* DTYPE_F32 -> "F32"; NULL for DTypes safetensors cannot store (quantized). */
const char *st_dtype_string(int dtype);

/* The sharded index (model.safetensors.index.json), parsed from memory. */
typedef struct StIndex StIndex;
int st_index_parse(StIndex **out, const char *json, size_t len, const char *label, Error *err);
size_t st_index_count(const StIndex *idx);                  /* entries of weight_map */
const char *st_index_tensor(const StIndex *idx, size_t i);
size_t st_index_shard_of(const StIndex *idx, size_t i);     /* index into the shard files */
size_t st_index_file_count(const StIndex *idx);
const char *st_index_file(const StIndex *idx, size_t j);    /* plain file name, no '/' */
void st_index_free(StIndex *idx);

#endif
