/* gguf.h — GGUF (llama.cpp's model format), versions 2 and 3: reader (mmap) and writer.
 *
 *     Gguf *g;
 *     if (gguf_open(&g, "model.gguf", &err) != 0) { log_error("%s", err.message); ... }
 *     const char *arch = gguf_get_str(g, "general.architecture");     // NULL if absent
 *     uint32_t ctx;  if (gguf_get_u32(g, "exaone.context_length", &ctx) == 0) ...
 *     const GgufTensor *t = gguf_find_tensor(g, "token_embd.weight");  // t->dtype, t->ne[], t->data
 *     gguf_close(g);
 *
 * Layout (little-endian): "GGUF", u32 version, u64 n_tensors, u64 n_kv,
 * n_kv x { string key, u32 type, value }, n_tensors x { string name, u32 n_dims,
 * u64 ne[n_dims], u32 ggml_type, u64 offset }, padding to `general.alignment`
 * (u32, default 32), then the data section; each tensor's offset is relative to
 * it and tensors follow each other padded to the alignment (as ggml requires).
 * A string is u64 length + bytes; an array is u32 element type + u64 count +
 * elements (arrays of arrays are allowed, up to GGUF_MAX_DEPTH deep).
 *
 * Every count and length is checked against the bytes left in the file before
 * anything is allocated; element counts and byte sizes are overflow-checked;
 * tensor names and keys must be UTF-8 and unique.
 *
 * Writer (the layout of llama.cpp's gguf-py / ggml gguf writer, version 3):
 *     GgufWriter *w;  gguf_writer_new(&w, &err);
 *     gguf_add_str(w, "general.architecture", "exaone", &err);
 *     gguf_add_tensor(w, "token_embd.weight", DTYPE_Q8_0, 2, ne, data, size, &err);  // data borrowed
 *     gguf_write(w, "out.gguf", &err);   // atomic
 *     gguf_writer_free(w);
 */
#ifndef EXAONE_GGUF_H
#define EXAONE_GGUF_H

#include "../core/error.h"
#include "safetensors.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    GGUF_TYPE_UINT8 = 0,
    GGUF_TYPE_INT8 = 1,
    GGUF_TYPE_UINT16 = 2,
    GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4,
    GGUF_TYPE_INT32 = 5,
    GGUF_TYPE_FLOAT32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_UINT64 = 10,
    GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT
} GgufType;

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DEPTH 8

typedef struct {
    char *key;            /* NUL-terminated copy */
    GgufType type;        /* GGUF_TYPE_ARRAY for arrays */
    GgufType elem_type;   /* element type of an array (== type for scalars) */
    uint64_t n;           /* element count (1 for scalars) */
    const uint8_t *data;  /* raw little-endian value bytes in the file (first element) */
    char *str;            /* scalar strings: NUL-terminated copy */
    const uint8_t **strs; /* string arrays: n pointers to each element's u64 length prefix */
} GgufKV;

typedef struct {
    char *name;
    int dtype;            /* ggml type number == DType numbering (check dtype_traits before use) */
    int n_dims;
    int64_t ne[GGUF_MAX_DIMS]; /* ne[0] is the fastest-moving (row) dimension; unused dims are 1 */
    uint64_t offset;      /* within the data section */
    const void *data;
    size_t size;
} GgufTensor;

typedef struct Gguf Gguf;

int gguf_open(Gguf **out, const char *path, Error *err);
/* Parses a buffer that must outlive the result (fuzzing); label names it in errors. */
int gguf_parse(Gguf **out, const void *data, size_t size, const char *label, Error *err);
void gguf_close(Gguf *g);

uint32_t gguf_version(const Gguf *g);
size_t gguf_alignment(const Gguf *g);
size_t gguf_data_offset(const Gguf *g);
size_t gguf_file_size(const Gguf *g);

size_t gguf_kv_count(const Gguf *g);
const GgufKV *gguf_kv(const Gguf *g, size_t i);
const GgufKV *gguf_find_kv(const Gguf *g, const char *key);
const char *gguf_type_name(int type);
/* Bytes of one value of a fixed-size type; 0 for STRING, ARRAY and invalid types. */
size_t gguf_type_size(int type);

/* Typed getters: 0 when the key exists and its value converts exactly (any
 * integer type for the integer getters if the value fits), -1 otherwise. */
int gguf_get_u32(const Gguf *g, const char *key, uint32_t *out);
int gguf_get_i32(const Gguf *g, const char *key, int32_t *out);
int gguf_get_u64(const Gguf *g, const char *key, uint64_t *out);
int gguf_get_i64(const Gguf *g, const char *key, int64_t *out);
int gguf_get_f32(const Gguf *g, const char *key, float *out);  /* f32 or f64 */
int gguf_get_bool(const Gguf *g, const char *key, int *out);
const char *gguf_get_str(const Gguf *g, const char *key);       /* NULL if absent or not a string */

/* Arrays: count (0 and -1 if absent/not an array), and elements by index. */
int gguf_get_arr_n(const Gguf *g, const char *key, GgufType *elem_type, size_t *n);
/* Element i of a string array: pointer into the file (NOT NUL-terminated) and its length. */
const char *gguf_kv_arr_str(const GgufKV *kv, size_t i, size_t *len);
int gguf_kv_arr_int(const GgufKV *kv, size_t i, int64_t *out);   /* integer/bool arrays */
int gguf_kv_arr_float(const GgufKV *kv, size_t i, double *out); /* any numeric array */
/* Scalar as double / int64 (numeric and bool types). */
int gguf_kv_int(const GgufKV *kv, int64_t *out);
int gguf_kv_float(const GgufKV *kv, double *out);

size_t gguf_tensor_count(const Gguf *g);
const GgufTensor *gguf_tensor(const Gguf *g, size_t i);
const GgufTensor *gguf_find_tensor(const Gguf *g, const char *name);
/* The same tensor as an StTensor (shared code paths for both formats): shape in
 * PyTorch order, so shape[n_dims - 1] == ne[0]; the name is borrowed from t. */
void gguf_as_st_tensor(const GgufTensor *t, StTensor *out);

/* ggml type traits for every type GGUF files use (also those DType lacks):
 * name ("q6_K"), elements per block, bytes per block. -1 if unknown. */
int gguf_ggml_type_info(int type, const char **name, int *block_size, int *type_size);

/* ---- writer ---- */
typedef struct GgufWriter GgufWriter;
int gguf_writer_new(GgufWriter **out, Error *err);
void gguf_writer_free(GgufWriter *w);
int gguf_add_u8(GgufWriter *w, const char *key, uint8_t v, Error *err);
int gguf_add_i8(GgufWriter *w, const char *key, int8_t v, Error *err);
int gguf_add_u16(GgufWriter *w, const char *key, uint16_t v, Error *err);
int gguf_add_i16(GgufWriter *w, const char *key, int16_t v, Error *err);
int gguf_add_u32(GgufWriter *w, const char *key, uint32_t v, Error *err); /* general.alignment sets the alignment */
int gguf_add_i32(GgufWriter *w, const char *key, int32_t v, Error *err);
int gguf_add_f32(GgufWriter *w, const char *key, float v, Error *err);
int gguf_add_u64(GgufWriter *w, const char *key, uint64_t v, Error *err);
int gguf_add_i64(GgufWriter *w, const char *key, int64_t v, Error *err);
int gguf_add_f64(GgufWriter *w, const char *key, double v, Error *err);
int gguf_add_bool(GgufWriter *w, const char *key, int v, Error *err);
int gguf_add_str(GgufWriter *w, const char *key, const char *v, Error *err);
/* Array of a fixed-size element type (not STRING/ARRAY); data is n packed native-endian values. */
int gguf_add_arr(GgufWriter *w, const char *key, GgufType elem_type, const void *data, size_t n, Error *err);
int gguf_add_arr_str(GgufWriter *w, const char *key, const char *const *strs, size_t n, Error *err);
/* ne[0] is the row length (ggml order). data is borrowed until gguf_write. */
int gguf_add_tensor(GgufWriter *w, const char *name, int dtype, int n_dims, const int64_t *ne, const void *data,
                    size_t size, Error *err);
int gguf_write(GgufWriter *w, const char *path, Error *err);

#endif
