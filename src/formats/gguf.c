/* gguf.c — validating GGUF reader (see gguf.h). Every length read from the file
 * is compared with the bytes that remain before it is used or allocated for:
 * past GGUF advisories were counts of 2^63, string lengths past the end of the
 * file, dimension products that overflow and offsets outside the data. */
#include "gguf.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "fmt_util.h"

#include <stdlib.h>
#include <string.h>

struct Gguf {
    MappedFile map;
    int owns_map;
    const uint8_t *base;
    size_t size;
    uint32_t version;
    size_t alignment, data_offset;
    GgufKV *kvs;
    size_t n_kv;
    GgufKV **kv_sorted; /* by key, for gguf_find_kv */
    GgufTensor *tensors;
    size_t n_tensors;
    GgufTensor **tensor_sorted; /* by name */
};

/* ---- ggml types ---------------------------------------------------------------- */

/* Block layout of each ggml type (llama.cpp's GGML_QUANT_SIZES); numbering is the
 * file format's and never changes. Holes are retired types. */
static const struct {
    const char *name;
    int block_size, type_size;
} ggml_types[] = {
    [0] = {"f32", 1, 4},          [1] = {"f16", 1, 2},         [2] = {"q4_0", 32, 18},     [3] = {"q4_1", 32, 20},
    [6] = {"q5_0", 32, 22},       [7] = {"q5_1", 32, 24},      [8] = {"q8_0", 32, 34},     [9] = {"q8_1", 32, 36},
    [10] = {"q2_K", 256, 84},     [11] = {"q3_K", 256, 110},   [12] = {"q4_K", 256, 144},  [13] = {"q5_K", 256, 176},
    [14] = {"q6_K", 256, 210},    [15] = {"q8_K", 256, 292},   [16] = {"iq2_xxs", 256, 66}, [17] = {"iq2_xs", 256, 74},
    [18] = {"iq3_xxs", 256, 98},  [19] = {"iq1_s", 256, 50},   [20] = {"iq4_nl", 32, 18},  [21] = {"iq3_s", 256, 110},
    [22] = {"iq2_s", 256, 82},    [23] = {"iq4_xs", 256, 136}, [24] = {"i8", 1, 1},        [25] = {"i16", 1, 2},
    [26] = {"i32", 1, 4},         [27] = {"i64", 1, 8},        [28] = {"f64", 1, 8},       [29] = {"iq1_m", 256, 56},
    [30] = {"bf16", 1, 2},        [34] = {"tq1_0", 256, 54},   [35] = {"tq2_0", 256, 66},  [39] = {"mxfp4", 32, 17},
};

int gguf_ggml_type_info(int type, const char **name, int *block_size, int *type_size) {
    if (type < 0 || (size_t)type >= sizeof ggml_types / sizeof ggml_types[0] || !ggml_types[type].name) return -1;
    if (name) *name = ggml_types[type].name;
    if (block_size) *block_size = ggml_types[type].block_size;
    if (type_size) *type_size = ggml_types[type].type_size;
    return 0;
}

static const char *type_names[GGUF_TYPE_COUNT] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                                  "bool", "string", "array", "u64", "i64", "f64"};
static const uint8_t type_sizes[GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

size_t gguf_type_size(int type) { return type >= 0 && type < GGUF_TYPE_COUNT ? type_sizes[type] : 0; }

const char *gguf_type_name(int type) {
    return type >= 0 && type < GGUF_TYPE_COUNT ? type_names[type] : "invalid";
}

/* ---- cursor over the file ---------------------------------------------------- */

typedef struct {
    const uint8_t *base;
    size_t size, pos;
    const char *label;
    Error *err;
} Cursor;

static size_t remaining(const Cursor *c) { return c->size - c->pos; }

static int need(Cursor *c, uint64_t n, const char *what) {
    if (n > remaining(c))
        return error_set(c->err, "%s: truncated: %s needs %llu bytes at byte offset %zu but only %zu remain", c->label,
                         what, (unsigned long long)n, c->pos, remaining(c));
    return 0;
}

static int read_u32(Cursor *c, uint32_t *v, const char *what) {
    if (need(c, 4, what) != 0) return -1;
    *v = fmt_load_u32(c->base + c->pos);
    c->pos += 4;
    return 0;
}

static int read_u64(Cursor *c, uint64_t *v, const char *what) {
    if (need(c, 8, what) != 0) return -1;
    *v = fmt_load_u64(c->base + c->pos);
    c->pos += 8;
    return 0;
}

static int read_string(Cursor *c, const char **s, size_t *len, const char *what) {
    uint64_t n;
    size_t at = c->pos;
    if (read_u64(c, &n, what) != 0) return -1;
    if (n > remaining(c))
        return error_set(c->err, "%s: %s at byte offset %zu has length %llu but only %zu bytes remain", c->label, what,
                         at, (unsigned long long)n, remaining(c));
    *s = (const char *)c->base + c->pos;
    *len = (size_t)n;
    c->pos += (size_t)n;
    return 0;
}

/* Keys and tensor names become C strings used in messages and lookups. */
static int read_name(Cursor *c, char **out, const char *what) {
    const char *s = NULL;
    size_t len = 0, at = c->pos;
    if (read_string(c, &s, &len, what) != 0) return -1;
    if (len == 0) return error_set(c->err, "%s: empty %s at byte offset %zu", c->label, what, at);
    if (len > 65535) return error_set(c->err, "%s: %s at byte offset %zu is %zu bytes long", c->label, what, at, len);
    if (!fmt_utf8_valid(s, len))
        return error_set(c->err, "%s: %s at byte offset %zu is not valid UTF-8", c->label, what, at);
    *out = mem_strndup(s, len);
    if (!*out) return error_set(c->err, "%s: out of memory", c->label);
    return 0;
}

/* ---- key/value pairs --------------------------------------------------------- */

static int read_type(Cursor *c, GgufType *t, const char *key) {
    uint32_t v;
    size_t at = c->pos;
    if (read_u32(c, &v, "value type") != 0) return -1;
    if (v >= GGUF_TYPE_COUNT)
        return error_set(c->err, "%s: key '%s': invalid value type %u at byte offset %zu", c->label, key, v, at);
    *t = (GgufType)v;
    return 0;
}

/* Walks over one array (after its element type and count) without allocating. */
static int skip_array(Cursor *c, GgufType elem, uint64_t n, int depth, const char *key);

static int skip_value(Cursor *c, GgufType t, int depth, const char *key) {
    if (t == GGUF_TYPE_STRING) {
        const char *s = NULL;
        size_t len = 0;
        return read_string(c, &s, &len, "string value");
    }
    if (t == GGUF_TYPE_ARRAY) {
        if (depth >= GGUF_MAX_DEPTH)
            return error_set(c->err, "%s: key '%s': arrays nested deeper than %d", c->label, key, GGUF_MAX_DEPTH);
        GgufType elem = GGUF_TYPE_UINT8;
        uint64_t n;
        if (read_type(c, &elem, key) != 0 || read_u64(c, &n, "array count") != 0) return -1;
        return skip_array(c, elem, n, depth + 1, key);
    }
    if (need(c, type_sizes[t], "value") != 0) return -1;
    c->pos += type_sizes[t];
    return 0;
}

static int skip_array(Cursor *c, GgufType elem, uint64_t n, int depth, const char *key) {
    /* The smallest encoding of one element bounds the count before any loop. */
    uint64_t min_elem = elem == GGUF_TYPE_STRING ? 8 : elem == GGUF_TYPE_ARRAY ? 12 : type_sizes[elem];
    if (n > remaining(c) / min_elem)
        return error_set(c->err, "%s: key '%s': array of %llu %s elements cannot fit in the %zu bytes left at offset %zu",
                         c->label, key, (unsigned long long)n, type_names[elem], remaining(c), c->pos);
    if (elem != GGUF_TYPE_STRING && elem != GGUF_TYPE_ARRAY) {
        c->pos += (size_t)n * type_sizes[elem];
        return 0;
    }
    for (uint64_t i = 0; i < n; i++)
        if (skip_value(c, elem, depth, key) != 0) return -1;
    return 0;
}

static int read_kv(Cursor *c, GgufKV *kv) {
    if (read_name(c, &kv->key, "key") != 0) return -1;
    if (read_type(c, &kv->type, kv->key) != 0) return -1;
    kv->elem_type = kv->type;
    kv->n = 1;
    if (kv->type == GGUF_TYPE_ARRAY) {
        if (read_type(c, &kv->elem_type, kv->key) != 0 || read_u64(c, &kv->n, "array count") != 0) return -1;
        kv->data = c->base + c->pos;
        if (skip_array(c, kv->elem_type, kv->n, 1, kv->key) != 0) return -1;
        if (kv->elem_type == GGUF_TYPE_STRING) {
            /* n <= bytes / 8 was checked by skip_array, so this allocation is bounded by the file. */
            kv->strs = mem_calloc(kv->n ? (size_t)kv->n : 1, sizeof *kv->strs);
            if (!kv->strs) return error_set(c->err, "%s: out of memory", c->label);
            const uint8_t *p = kv->data;
            for (uint64_t i = 0; i < kv->n; i++) {
                kv->strs[i] = p;
                p += 8 + fmt_load_u64(p);
            }
        }
        return 0;
    }
    kv->data = c->base + c->pos;
    if (kv->type == GGUF_TYPE_STRING) {
        const char *s = NULL;
        size_t len = 0;
        if (read_string(c, &s, &len, "string value") != 0) return -1;
        kv->str = mem_strndup(s, len);
        if (!kv->str) return error_set(c->err, "%s: out of memory", c->label);
        return 0;
    }
    return skip_value(c, kv->type, 0, kv->key);
}

/* ---- tensor infos ------------------------------------------------------------ */

static int read_tensor_info(Cursor *c, GgufTensor *t) {
    if (read_name(c, &t->name, "tensor name") != 0) return -1;
    uint32_t n_dims, type;
    if (read_u32(c, &n_dims, "tensor n_dims") != 0) return -1;
    if (n_dims > GGUF_MAX_DIMS)
        return error_set(c->err, "%s: tensor '%s' has %u dimensions (at most %d)", c->label, t->name, n_dims,
                         GGUF_MAX_DIMS);
    t->n_dims = (int)n_dims;
    size_t numel = 1;
    for (int d = 0; d < GGUF_MAX_DIMS; d++) {
        uint64_t ne = 1;
        if (d < (int)n_dims && read_u64(c, &ne, "tensor dimension") != 0) return -1;
        if (ne > INT64_MAX || size_mul(numel, (size_t)ne, &numel) != 0 || numel > INT64_MAX)
            return error_set(c->err, "%s: tensor '%s': the element count overflows (dimension %d is %llu)", c->label,
                             t->name, d, (unsigned long long)ne);
        t->ne[d] = (int64_t)ne;
    }
    if (read_u32(c, &type, "tensor type") != 0) return -1;
    const char *tname;
    int block, tsize;
    if (gguf_ggml_type_info((int)type, &tname, &block, &tsize) != 0)
        return error_set(c->err, "%s: tensor '%s' has unknown ggml type %u", c->label, t->name, type);
    t->dtype = (int)type;
    if (t->ne[0] % block != 0)
        return error_set(c->err, "%s: tensor '%s': row of %lld elements is not a multiple of the %s block size %d",
                         c->label, t->name, (long long)t->ne[0], tname, block);
    if (size_mul(numel / (size_t)block, (size_t)tsize, &t->size) != 0)
        return error_set(c->err, "%s: tensor '%s': byte size overflows", c->label, t->name);
    return read_u64(c, &t->offset, "tensor offset");
}

/* Data offsets must be exactly where ggml's writer puts them: in order, each
 * tensor starting at the previous one's end rounded up to the alignment. This
 * rejects overlap, gaps and misalignment in one rule (as ggml does). */
static int place_tensors(Gguf *g, Cursor *c) {
    uint64_t expected = 0;
    for (size_t i = 0; i < g->n_tensors; i++) {
        GgufTensor *t = &g->tensors[i];
        if (t->offset % g->alignment != 0)
            return error_set(c->err, "%s: tensor '%s': offset %llu is not a multiple of the alignment %zu", c->label,
                             t->name, (unsigned long long)t->offset, g->alignment);
        uint64_t avail = g->size - g->data_offset;
        if (t->offset > avail || t->size > avail - t->offset)
            return error_set(c->err,
                             "%s: tensor '%s': data at byte offset %llu + %zu bytes runs past the end of the file (%zu bytes)",
                             c->label, t->name, (unsigned long long)(g->data_offset + t->offset), t->size, g->size);
        if (t->offset != expected)
            return error_set(c->err, "%s: tensor '%s': offset %llu %s (expected %llu)", c->label, t->name,
                             (unsigned long long)t->offset,
                             t->offset < expected ? "overlaps the previous tensor" : "leaves a gap",
                             (unsigned long long)expected);
        t->data = g->base + g->data_offset + t->offset;
        uint64_t padded = ((uint64_t)t->size + g->alignment - 1) / g->alignment * g->alignment;
        expected = t->offset + padded; /* both <= file size, so no overflow */
    }
    return 0;
}

/* ---- lookups ----------------------------------------------------------------- */

static int cmp_kv(const void *a, const void *b) {
    return strcmp((*(GgufKV *const *)a)->key, (*(GgufKV *const *)b)->key);
}
static int cmp_tensor(const void *a, const void *b) {
    return strcmp((*(GgufTensor *const *)a)->name, (*(GgufTensor *const *)b)->name);
}

static int build_indexes(Gguf *g, Cursor *c) {
    g->kv_sorted = mem_calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kv_sorted);
    g->tensor_sorted = mem_calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->tensor_sorted);
    if (!g->kv_sorted || !g->tensor_sorted) return error_set(c->err, "%s: out of memory", c->label);
    for (size_t i = 0; i < g->n_kv; i++) g->kv_sorted[i] = &g->kvs[i];
    for (size_t i = 0; i < g->n_tensors; i++) g->tensor_sorted[i] = &g->tensors[i];
    qsort(g->kv_sorted, g->n_kv, sizeof *g->kv_sorted, cmp_kv);
    qsort(g->tensor_sorted, g->n_tensors, sizeof *g->tensor_sorted, cmp_tensor);
    for (size_t i = 1; i < g->n_kv; i++)
        if (strcmp(g->kv_sorted[i - 1]->key, g->kv_sorted[i]->key) == 0)
            return error_set(c->err, "%s: duplicate key '%s'", c->label, g->kv_sorted[i]->key);
    for (size_t i = 1; i < g->n_tensors; i++)
        if (strcmp(g->tensor_sorted[i - 1]->name, g->tensor_sorted[i]->name) == 0)
            return error_set(c->err, "%s: duplicate tensor name '%s'", c->label, g->tensor_sorted[i]->name);
    return 0;
}

static int cmp_key_kv(const void *key, const void *elem) {
    return strcmp((const char *)key, (*(GgufKV *const *)elem)->key);
}
static int cmp_key_tensor(const void *key, const void *elem) {
    return strcmp((const char *)key, (*(GgufTensor *const *)elem)->name);
}

const GgufKV *gguf_find_kv(const Gguf *g, const char *key) {
    GgufKV *const *hit = g->n_kv ? bsearch(key, g->kv_sorted, g->n_kv, sizeof *g->kv_sorted, cmp_key_kv) : NULL;
    return hit ? *hit : NULL;
}

const GgufTensor *gguf_find_tensor(const Gguf *g, const char *name) {
    GgufTensor *const *hit =
        g->n_tensors ? bsearch(name, g->tensor_sorted, g->n_tensors, sizeof *g->tensor_sorted, cmp_key_tensor) : NULL;
    return hit ? *hit : NULL;
}

/* ---- parse ------------------------------------------------------------------- */

static int parse_header(Gguf *g, Cursor *c) {
    if (c->size < 4 || memcmp(c->base, "GGUF", 4) != 0)
        return error_set(c->err, "%s: not a GGUF file (no \"GGUF\" magic at byte 0)", c->label);
    c->pos = 4;
    if (read_u32(c, &g->version, "version") != 0) return -1;
    if (g->version == 1) return error_set(c->err, "%s: GGUF version 1 is not supported (only 2 and 3)", c->label);
    if ((g->version & 0xFFFF) == 0)
        return error_set(c->err, "%s: GGUF version %#x looks byte-swapped: big-endian files are not supported", c->label,
                         g->version);
    if (g->version != 2 && g->version != 3)
        return error_set(c->err, "%s: unsupported GGUF version %u (only 2 and 3)", c->label, g->version);
    uint64_t n_tensors, n_kv;
    if (read_u64(c, &n_tensors, "tensor count") != 0 || read_u64(c, &n_kv, "key/value count") != 0) return -1;
    /* Smallest possible entries: key (8 + 1) + type (4) + u8 value (1) = 14 bytes;
     * tensor info name (8 + 1) + n_dims (4) + type (4) + offset (8) = 25 bytes. */
    if (n_kv > remaining(c) / 14)
        return error_set(c->err, "%s: key/value count %llu cannot fit in a file of %zu bytes", c->label,
                         (unsigned long long)n_kv, c->size);
    if (n_tensors > remaining(c) / 25)
        return error_set(c->err, "%s: tensor count %llu cannot fit in a file of %zu bytes", c->label,
                         (unsigned long long)n_tensors, c->size);
    g->kvs = mem_calloc(n_kv ? (size_t)n_kv : 1, sizeof *g->kvs);
    if (!g->kvs) return error_set(c->err, "%s: out of memory", c->label);
    for (; g->n_kv < n_kv; g->n_kv++)
        if (read_kv(c, &g->kvs[g->n_kv]) != 0) {
            g->n_kv++; /* so gguf_close frees the partial entry */
            return -1;
        }
    /* Tensor infos follow, so the tensor count can now be bounded tighter. */
    if (n_tensors > remaining(c) / 25)
        return error_set(c->err, "%s: tensor count %llu cannot fit in the %zu bytes after the key/values", c->label,
                         (unsigned long long)n_tensors, remaining(c));
    g->tensors = mem_calloc(n_tensors ? (size_t)n_tensors : 1, sizeof *g->tensors);
    if (!g->tensors) return error_set(c->err, "%s: out of memory", c->label);
    for (; g->n_tensors < n_tensors; g->n_tensors++)
        if (read_tensor_info(c, &g->tensors[g->n_tensors]) != 0) {
            g->n_tensors++;
            return -1;
        }
    return 0;
}

static int parse(Gguf *g, Cursor *c) {
    if (parse_header(g, c) != 0 || build_indexes(g, c) != 0) return -1;
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const GgufKV *align = gguf_find_kv(g, "general.alignment");
    if (align) {
        if (align->type != GGUF_TYPE_UINT32)
            return error_set(c->err, "%s: general.alignment must be u32, not %s", c->label, type_names[align->type]);
        uint32_t a = fmt_load_u32(align->data);
        if (a == 0 || (a & (a - 1)) != 0)
            return error_set(c->err, "%s: general.alignment %u is not a power of two", c->label, a);
        g->alignment = a;
    }
    size_t pad = (g->alignment - c->pos % g->alignment) % g->alignment;
    if (g->n_tensors > 0 && pad > remaining(c))
        return error_set(c->err, "%s: truncated: the data section would start past the end of the file", c->label);
    g->data_offset = c->pos + (pad <= remaining(c) ? pad : remaining(c));
    return place_tensors(g, c);
}

int gguf_parse(Gguf **out, const void *data, size_t size, const char *label, Error *err) {
    *out = NULL;
    Gguf *g = mem_calloc(1, sizeof *g);
    if (!g) return error_set(err, "%s: out of memory", label);
    g->base = data;
    g->size = size;
    Cursor c = {data, size, 0, label, err};
    if (parse(g, &c) != 0) {
        gguf_close(g);
        return -1;
    }
    *out = g;
    return 0;
}

int gguf_open(Gguf **out, const char *path, Error *err) {
    *out = NULL;
    MappedFile map;
    if (file_map(&map, path, err) != 0) return -1;
    if (gguf_parse(out, map.data, map.size, path, err) != 0) {
        file_unmap(&map);
        return -1;
    }
    (*out)->map = map;
    (*out)->owns_map = 1;
    return 0;
}

void gguf_close(Gguf *g) {
    if (!g) return;
    for (size_t i = 0; i < g->n_kv; i++) {
        mem_free(g->kvs[i].key);
        mem_free(g->kvs[i].str);
        mem_free(g->kvs[i].strs);
    }
    for (size_t i = 0; i < g->n_tensors; i++) mem_free(g->tensors[i].name);
    mem_free(g->kvs);
    mem_free(g->tensors);
    mem_free(g->kv_sorted);
    mem_free(g->tensor_sorted);
    if (g->owns_map) file_unmap(&g->map);
    mem_free(g);
}

uint32_t gguf_version(const Gguf *g) { return g->version; }
size_t gguf_alignment(const Gguf *g) { return g->alignment; }
size_t gguf_data_offset(const Gguf *g) { return g->data_offset; }
size_t gguf_file_size(const Gguf *g) { return g->size; }
size_t gguf_kv_count(const Gguf *g) { return g->n_kv; }
const GgufKV *gguf_kv(const Gguf *g, size_t i) { return i < g->n_kv ? &g->kvs[i] : NULL; }
size_t gguf_tensor_count(const Gguf *g) { return g->n_tensors; }
const GgufTensor *gguf_tensor(const Gguf *g, size_t i) { return i < g->n_tensors ? &g->tensors[i] : NULL; }

void gguf_as_st_tensor(const GgufTensor *t, StTensor *out) {
    memset(out, 0, sizeof *out);
    out->name = t->name;
    out->dtype = t->dtype;
    out->n_dims = t->n_dims;
    for (int d = 0; d < t->n_dims; d++) out->shape[d] = t->ne[t->n_dims - 1 - d];
    out->data = t->data;
    out->size = t->size;
}
