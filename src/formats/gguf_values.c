/* gguf_values.c — typed access to GGUF key/value pairs. Values stay in the
 * file's bytes (little-endian, unaligned) and are decoded on request. */
#include "fmt_util.h"
#include "gguf.h"

#include <string.h>

/* __int128 holds every u64 and i64 exactly, so range checks are one comparison. */
typedef __int128 Wide;

static int load_int(GgufType t, const uint8_t *p, Wide *out) {
    switch (t) {
    case GGUF_TYPE_UINT8: *out = p[0]; return 0;
    case GGUF_TYPE_INT8: *out = (int8_t)p[0]; return 0;
    case GGUF_TYPE_BOOL: *out = p[0] != 0; return 0;
    case GGUF_TYPE_UINT16: *out = (uint16_t)(p[0] | p[1] << 8); return 0;
    case GGUF_TYPE_INT16: *out = (int16_t)(uint16_t)(p[0] | p[1] << 8); return 0;
    case GGUF_TYPE_UINT32: *out = fmt_load_u32(p); return 0;
    case GGUF_TYPE_INT32: *out = (int32_t)fmt_load_u32(p); return 0;
    case GGUF_TYPE_UINT64: *out = fmt_load_u64(p); return 0;
    case GGUF_TYPE_INT64: *out = (int64_t)fmt_load_u64(p); return 0;
    default: return -1;
    }
}

static int load_float(GgufType t, const uint8_t *p, double *out) {
    if (t == GGUF_TYPE_FLOAT32) {
        uint32_t u = fmt_load_u32(p);
        float f;
        memcpy(&f, &u, 4);
        *out = f;
        return 0;
    }
    if (t == GGUF_TYPE_FLOAT64) {
        uint64_t u = fmt_load_u64(p);
        memcpy(out, &u, 8);
        return 0;
    }
    Wide w;
    if (t == GGUF_TYPE_BOOL || load_int(t, p, &w) != 0) return -1;
    *out = (double)w;
    return 0;
}

static const GgufKV *scalar(const Gguf *g, const char *key) {
    const GgufKV *kv = gguf_find_kv(g, key);
    return kv && kv->type != GGUF_TYPE_ARRAY && kv->type != GGUF_TYPE_STRING ? kv : NULL;
}

static int get_int(const Gguf *g, const char *key, Wide lo, Wide hi, Wide *out) {
    const GgufKV *kv = scalar(g, key);
    if (!kv || kv->type == GGUF_TYPE_BOOL || load_int(kv->type, kv->data, out) != 0) return -1;
    return *out >= lo && *out <= hi ? 0 : -1;
}

int gguf_get_u32(const Gguf *g, const char *key, uint32_t *out) {
    Wide w;
    if (get_int(g, key, 0, UINT32_MAX, &w) != 0) return -1;
    *out = (uint32_t)w;
    return 0;
}

int gguf_get_i32(const Gguf *g, const char *key, int32_t *out) {
    Wide w;
    if (get_int(g, key, INT32_MIN, INT32_MAX, &w) != 0) return -1;
    *out = (int32_t)w;
    return 0;
}

int gguf_get_u64(const Gguf *g, const char *key, uint64_t *out) {
    Wide w;
    if (get_int(g, key, 0, UINT64_MAX, &w) != 0) return -1;
    *out = (uint64_t)w;
    return 0;
}

int gguf_get_i64(const Gguf *g, const char *key, int64_t *out) {
    Wide w;
    if (get_int(g, key, INT64_MIN, INT64_MAX, &w) != 0) return -1;
    *out = (int64_t)w;
    return 0;
}

int gguf_get_f32(const Gguf *g, const char *key, float *out) {
    const GgufKV *kv = scalar(g, key);
    double d;
    if (!kv || (kv->type != GGUF_TYPE_FLOAT32 && kv->type != GGUF_TYPE_FLOAT64) || load_float(kv->type, kv->data, &d))
        return -1;
    *out = (float)d;
    return 0;
}

int gguf_get_bool(const Gguf *g, const char *key, int *out) {
    const GgufKV *kv = scalar(g, key);
    if (!kv || kv->type != GGUF_TYPE_BOOL) return -1;
    *out = kv->data[0] != 0;
    return 0;
}

const char *gguf_get_str(const Gguf *g, const char *key) {
    const GgufKV *kv = gguf_find_kv(g, key);
    return kv && kv->type == GGUF_TYPE_STRING ? kv->str : NULL;
}

int gguf_get_arr_n(const Gguf *g, const char *key, GgufType *elem_type, size_t *n) {
    const GgufKV *kv = gguf_find_kv(g, key);
    if (!kv || kv->type != GGUF_TYPE_ARRAY) {
        *n = 0;
        return -1;
    }
    if (elem_type) *elem_type = kv->elem_type;
    *n = (size_t)kv->n;
    return 0;
}

const char *gguf_kv_arr_str(const GgufKV *kv, size_t i, size_t *len) {
    if (kv->type != GGUF_TYPE_ARRAY || kv->elem_type != GGUF_TYPE_STRING || i >= kv->n) return NULL;
    *len = (size_t)fmt_load_u64(kv->strs[i]);
    return (const char *)kv->strs[i] + 8;
}

static const uint8_t *fixed_elem(const GgufKV *kv, size_t i) {
    if (kv->type != GGUF_TYPE_ARRAY || i >= kv->n || gguf_type_size(kv->elem_type) == 0) return NULL;
    return kv->data + i * gguf_type_size(kv->elem_type);
}

int gguf_kv_arr_int(const GgufKV *kv, size_t i, int64_t *out) {
    const uint8_t *p = fixed_elem(kv, i);
    Wide w;
    if (!p || load_int(kv->elem_type, p, &w) != 0 || w > INT64_MAX) return -1;
    *out = (int64_t)w;
    return 0;
}

int gguf_kv_arr_float(const GgufKV *kv, size_t i, double *out) {
    const uint8_t *p = fixed_elem(kv, i);
    return p ? load_float(kv->elem_type, p, out) : -1;
}

int gguf_kv_int(const GgufKV *kv, int64_t *out) {
    Wide w;
    if (kv->type == GGUF_TYPE_ARRAY || load_int(kv->type, kv->data, &w) != 0 || w > INT64_MAX) return -1;
    *out = (int64_t)w;
    return 0;
}

int gguf_kv_float(const GgufKV *kv, double *out) {
    if (kv->type == GGUF_TYPE_ARRAY) return -1;
    return load_float(kv->type, kv->data, out);
}
