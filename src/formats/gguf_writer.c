/* gguf_writer.c — writing GGUF v3 with the layout of llama.cpp's writers:
 * header, key/values in insertion order, tensor infos with offsets relative
 * to the data section, zero padding to the alignment, then each tensor's data
 * followed by zero padding to the alignment (the last one too). */
#include "../core/dtype.h"
#include "../core/file.h"
#include "../core/mem.h"
#include "fmt_util.h"
#include "gguf.h"

#include <string.h>

typedef struct {
    char *name;
    int dtype, n_dims;
    int64_t ne[GGUF_MAX_DIMS];
    const void *data;
    size_t size;
} WriterTensor;

struct GgufWriter {
    uint8_t *kv_bytes; /* serialized key/values */
    size_t kv_len, kv_cap;
    char **keys;
    size_t n_kv, cap_keys;
    WriterTensor *tensors;
    size_t n_tensors, cap_tensors;
    uint32_t alignment;
};

int gguf_writer_new(GgufWriter **out, Error *err) {
    *out = mem_calloc(1, sizeof **out);
    if (!*out) return error_set(err, "out of memory");
    (*out)->alignment = GGUF_DEFAULT_ALIGNMENT;
    return 0;
}

void gguf_writer_free(GgufWriter *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n_kv; i++) mem_free(w->keys[i]);
    for (size_t i = 0; i < w->n_tensors; i++) mem_free(w->tensors[i].name);
    mem_free(w->kv_bytes);
    mem_free(w->keys);
    mem_free(w->tensors);
    mem_free(w);
}

static int grow(void **ptr, size_t *cap, size_t need, size_t elem, Error *err) {
    if (need <= *cap) return 0;
    size_t new_cap = *cap ? *cap : 16, bytes;
    while (new_cap < need)
        if (size_mul(new_cap, 2, &new_cap) != 0) return error_set(err, "gguf writer: too large");
    if (size_mul(new_cap, elem, &bytes) != 0) return error_set(err, "gguf writer: too large");
    void *p = mem_realloc(*ptr, bytes);
    if (!p) return error_set(err, "gguf writer: out of memory");
    *ptr = p;
    *cap = new_cap;
    return 0;
}

static int put(GgufWriter *w, const void *data, size_t n, Error *err) {
    size_t need;
    if (size_add(w->kv_len, n, &need) != 0 || grow((void **)&w->kv_bytes, &w->kv_cap, need, 1, err) != 0) return -1;
    memcpy(w->kv_bytes + w->kv_len, data, n);
    w->kv_len += n;
    return 0;
}

static int put_u32(GgufWriter *w, uint32_t v, Error *err) {
    uint8_t b[4];
    fmt_store_u32(b, v);
    return put(w, b, 4, err);
}

static int put_u64(GgufWriter *w, uint64_t v, Error *err) {
    uint8_t b[8];
    fmt_store_u64(b, v);
    return put(w, b, 8, err);
}

static int put_string(GgufWriter *w, const char *s, Error *err) {
    size_t n = strlen(s);
    return put_u64(w, n, err) || put(w, s, n, err) ? -1 : 0;
}

/* Fixed-size values are written little-endian byte by byte, whatever the host. */
static int put_fixed(GgufWriter *w, GgufType t, const void *v, Error *err) {
    uint64_t bits = 0;
    memcpy(&bits, v, gguf_type_size(t)); /* little-endian host (x86-64) */
    uint8_t b[8];
    fmt_store_u64(b, bits);
    return put(w, b, gguf_type_size(t), err);
}

/* Starts a key/value: checks the key, records it, writes key and type. */
static int begin_kv(GgufWriter *w, const char *key, GgufType type, Error *err) {
    if (!key || !key[0] || !fmt_utf8_valid(key, strlen(key))) return error_set(err, "gguf writer: bad key");
    /* llama.cpp rejects a file whose alignment key is not a u32. */
    if (strcmp(key, "general.alignment") == 0 && type != GGUF_TYPE_UINT32)
        return error_set(err, "gguf writer: general.alignment must be u32");
    for (size_t i = 0; i < w->n_kv; i++)
        if (strcmp(w->keys[i], key) == 0) return error_set(err, "gguf writer: duplicate key '%s'", key);
    if (grow((void **)&w->keys, &w->cap_keys, w->n_kv + 1, sizeof *w->keys, err) != 0) return -1;
    char *copy = mem_strdup(key);
    if (!copy) return error_set(err, "gguf writer: out of memory");
    size_t mark = w->kv_len;
    if (put_string(w, key, err) != 0 || put_u32(w, (uint32_t)type, err) != 0) {
        w->kv_len = mark;
        mem_free(copy);
        return -1;
    }
    w->keys[w->n_kv++] = copy;
    return 0;
}

/* A failed value leaves the key recorded but half-written: undo both. */
static int end_kv(GgufWriter *w, size_t mark, int rc) {
    if (rc != 0) {
        w->kv_len = mark;
        mem_free(w->keys[--w->n_kv]);
    }
    return rc;
}

static int add_fixed(GgufWriter *w, const char *key, GgufType t, const void *v, Error *err) {
    size_t mark = w->kv_len;
    if (begin_kv(w, key, t, err) != 0) return -1;
    return end_kv(w, mark, put_fixed(w, t, v, err));
}

int gguf_add_u8(GgufWriter *w, const char *key, uint8_t v, Error *err) { return add_fixed(w, key, GGUF_TYPE_UINT8, &v, err); }
int gguf_add_i8(GgufWriter *w, const char *key, int8_t v, Error *err) { return add_fixed(w, key, GGUF_TYPE_INT8, &v, err); }
int gguf_add_u16(GgufWriter *w, const char *key, uint16_t v, Error *err) { return add_fixed(w, key, GGUF_TYPE_UINT16, &v, err); }
int gguf_add_i16(GgufWriter *w, const char *key, int16_t v, Error *err) { return add_fixed(w, key, GGUF_TYPE_INT16, &v, err); }
int gguf_add_i32(GgufWriter *w, const char *key, int32_t v, Error *err) { return add_fixed(w, key, GGUF_TYPE_INT32, &v, err); }
int gguf_add_f32(GgufWriter *w, const char *key, float v, Error *err) { return add_fixed(w, key, GGUF_TYPE_FLOAT32, &v, err); }
int gguf_add_u64(GgufWriter *w, const char *key, uint64_t v, Error *err) { return add_fixed(w, key, GGUF_TYPE_UINT64, &v, err); }
int gguf_add_i64(GgufWriter *w, const char *key, int64_t v, Error *err) { return add_fixed(w, key, GGUF_TYPE_INT64, &v, err); }
int gguf_add_f64(GgufWriter *w, const char *key, double v, Error *err) { return add_fixed(w, key, GGUF_TYPE_FLOAT64, &v, err); }

int gguf_add_bool(GgufWriter *w, const char *key, int v, Error *err) {
    uint8_t b = v != 0;
    return add_fixed(w, key, GGUF_TYPE_BOOL, &b, err);
}

int gguf_add_u32(GgufWriter *w, const char *key, uint32_t v, Error *err) {
    int is_alignment = key && strcmp(key, "general.alignment") == 0;
    if (is_alignment && (v == 0 || (v & (v - 1)) != 0))
        return error_set(err, "gguf writer: general.alignment %u is not a power of two", v);
    if (add_fixed(w, key, GGUF_TYPE_UINT32, &v, err) != 0) return -1;
    if (is_alignment) w->alignment = v;
    return 0;
}

int gguf_add_str(GgufWriter *w, const char *key, const char *v, Error *err) {
    size_t mark = w->kv_len;
    if (begin_kv(w, key, GGUF_TYPE_STRING, err) != 0) return -1;
    return end_kv(w, mark, put_string(w, v, err));
}

int gguf_add_arr(GgufWriter *w, const char *key, GgufType elem_type, const void *data, size_t n, Error *err) {
    if ((unsigned)elem_type >= GGUF_TYPE_COUNT || gguf_type_size(elem_type) == 0)
        return error_set(err, "gguf writer: key '%s': arrays of %s need their own function", key,
                         gguf_type_name(elem_type));
    size_t mark = w->kv_len;
    if (begin_kv(w, key, GGUF_TYPE_ARRAY, err) != 0) return -1;
    int rc = put_u32(w, (uint32_t)elem_type, err) || put_u64(w, n, err) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = put_fixed(w, elem_type, (const uint8_t *)data + i * gguf_type_size(elem_type), err);
    return end_kv(w, mark, rc);
}

int gguf_add_arr_str(GgufWriter *w, const char *key, const char *const *strs, size_t n, Error *err) {
    size_t mark = w->kv_len;
    if (begin_kv(w, key, GGUF_TYPE_ARRAY, err) != 0) return -1;
    int rc = put_u32(w, GGUF_TYPE_STRING, err) || put_u64(w, n, err) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) rc = put_string(w, strs[i], err);
    return end_kv(w, mark, rc);
}

int gguf_add_tensor(GgufWriter *w, const char *name, int dtype, int n_dims, const int64_t *ne, const void *data,
                    size_t size, Error *err) {
    /* llama.cpp's GGML_MAX_NAME is 64 including the NUL. */
    if (!name || !name[0] || strlen(name) >= 64 || !fmt_utf8_valid(name, strlen(name)))
        return error_set(err, "gguf writer: tensor name '%s' must be 1..63 bytes of UTF-8", name ? name : "");
    for (size_t i = 0; i < w->n_tensors; i++)
        if (strcmp(w->tensors[i].name, name) == 0) return error_set(err, "gguf writer: duplicate tensor '%s'", name);
    int block, tsize;
    if (gguf_ggml_type_info(dtype, NULL, &block, &tsize) != 0)
        return error_set(err, "gguf writer: tensor '%s': unknown type %d", name, dtype);
    if (n_dims < 1 || n_dims > GGUF_MAX_DIMS) return error_set(err, "gguf writer: tensor '%s': %d dims", name, n_dims);
    size_t numel = 1, bytes;
    for (int d = 0; d < n_dims; d++)
        if (ne[d] < 0 || size_mul(numel, (size_t)ne[d], &numel) != 0)
            return error_set(err, "gguf writer: tensor '%s': bad shape", name);
    if (ne[0] % block != 0 || size_mul(numel / (size_t)block, (size_t)tsize, &bytes) != 0 || bytes != size)
        return error_set(err, "gguf writer: tensor '%s': %zu bytes do not match its shape and type", name, size);
    if (grow((void **)&w->tensors, &w->cap_tensors, w->n_tensors + 1, sizeof *w->tensors, err) != 0) return -1;
    WriterTensor *t = &w->tensors[w->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = mem_strdup(name);
    if (!t->name) return error_set(err, "gguf writer: out of memory");
    t->dtype = dtype;
    t->n_dims = n_dims;
    for (int d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = d < n_dims ? ne[d] : 1;
    t->data = data;
    t->size = size;
    w->n_tensors++;
    return 0;
}

static size_t padded(size_t n, size_t align) { return (n + align - 1) / align * align; }

static int write_zeros(AtomicFile *f, size_t n, Error *err) {
    static const uint8_t zeros[256];
    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        if (atomic_write(f, zeros, k, err) != 0) return -1;
        n -= k;
    }
    return 0;
}

static int write_all(GgufWriter *w, AtomicFile *f, const uint8_t *infos, size_t infos_len, Error *err) {
    uint8_t head[24];
    memcpy(head, "GGUF", 4);
    fmt_store_u32(head + 4, 3);
    fmt_store_u64(head + 8, w->n_tensors);
    fmt_store_u64(head + 16, w->n_kv);
    if (atomic_write(f, head, sizeof head, err) != 0 || atomic_write(f, w->kv_bytes, w->kv_len, err) != 0 ||
        atomic_write(f, infos, infos_len, err) != 0)
        return -1;
    size_t pos = sizeof head + w->kv_len + infos_len;
    if (write_zeros(f, padded(pos, w->alignment) - pos, err) != 0) return -1;
    for (size_t i = 0; i < w->n_tensors; i++) {
        const WriterTensor *t = &w->tensors[i];
        if (atomic_write(f, t->data, t->size, err) != 0) return -1;
        if (write_zeros(f, padded(t->size, w->alignment) - t->size, err) != 0) return -1;
    }
    return 0;
}

int gguf_write(GgufWriter *w, const char *path, Error *err) {
    /* Tensor infos go into a second buffer, reusing the kv buffer helpers. */
    GgufWriter infos = {0};
    uint64_t offset = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < w->n_tensors; i++) {
        const WriterTensor *t = &w->tensors[i];
        rc = put_string(&infos, t->name, err) || put_u32(&infos, (uint32_t)t->n_dims, err);
        for (int d = 0; rc == 0 && d < t->n_dims; d++) rc = put_u64(&infos, (uint64_t)t->ne[d], err);
        if (rc == 0) rc = put_u32(&infos, (uint32_t)t->dtype, err) || put_u64(&infos, offset, err);
        offset += padded(t->size, w->alignment);
    }
    AtomicFile f;
    if (rc == 0 && (rc = atomic_open(&f, path, err)) == 0) {
        rc = write_all(w, &f, infos.kv_bytes, infos.kv_len, err);
        if (rc == 0)
            rc = atomic_commit(&f, err);
        else
            atomic_abort(&f);
    }
    mem_free(infos.kv_bytes);
    return rc ? -1 : 0;
}
