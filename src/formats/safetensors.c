/* safetensors.c — parsing and validating one safetensors file (see safetensors.h). */
#include "safetensors.h"

#include "../core/mem.h"
#include "fmt_util.h"
#include "st_internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int dtype; /* -1: a real safetensors dtype that DType cannot represent */
} dtype_names[] = {
    {"F64", DTYPE_F64}, {"F32", DTYPE_F32},   {"F16", DTYPE_F16},      {"BF16", DTYPE_BF16},
    {"I64", DTYPE_I64}, {"I32", DTYPE_I32},   {"I16", DTYPE_I16},      {"I8", DTYPE_I8},
    {"U8", -1},         {"BOOL", -1},         {"U16", -1},             {"U32", -1},
    {"U64", -1},        {"F8_E4M3", -1},      {"F8_E5M2", -1},         {"F8_E8M0", -1},
    {"F4", -1},         {"F6_E2M3", -1},      {"F6_E3M2", -1},         {"C64", -1},
};

static long dtype_name_index(const char *s) {
    for (size_t i = 0; i < sizeof dtype_names / sizeof dtype_names[0]; i++)
        if (strcmp(dtype_names[i].name, s) == 0) return (long)i;
    return -1;
}

int st_dtype_from_string(const char *s) {
    long i = dtype_name_index(s);
    return i < 0 ? -1 : dtype_names[i].dtype;
}

const char *st_dtype_string(int dtype) {
    for (size_t i = 0; i < sizeof dtype_names / sizeof dtype_names[0]; i++)
        if (dtype_names[i].dtype == dtype && dtype >= 0) return dtype_names[i].name;
    return NULL;
}

SafeTensors *st_alloc(Error *err) {
    SafeTensors *st = mem_calloc(1, sizeof *st);
    if (!st) error_set(err, "out of memory");
    return st;
}

void st_close(SafeTensors *st) {
    if (!st) return;
    for (size_t i = 0; i < st->n_tensors; i++) mem_free((char *)st->tensors[i].name);
    for (size_t i = 0; i < st->n_meta; i++) mem_free(st->meta[i]);
    for (size_t i = 0; i < st->n_maps; i++) file_unmap(&st->maps[i]);
    mem_free(st->maps);
    mem_free(st->tensors);
    mem_free(st->shard_of);
    mem_free(st->by_name);
    mem_free(st->meta);
    mem_free(st);
}

size_t st_count(const SafeTensors *st) { return st->n_tensors; }
size_t st_shard_count(const SafeTensors *st) { return st->n_shards; }

const StTensor *st_tensor(const SafeTensors *st, size_t i) { return i < st->n_tensors ? &st->tensors[i] : NULL; }

size_t st_file_bytes(const SafeTensors *st) {
    size_t total = 0;
    for (size_t i = 0; i < st->n_maps; i++) total += st->maps[i].size;
    return total;
}

static int cmp_key_tensor(const void *key, const void *elem) {
    return strcmp((const char *)key, (*(StTensor *const *)elem)->name);
}

long st_lookup(const SafeTensors *st, const char *name) {
    if (!st->by_name || !st->n_tensors) return -1;
    StTensor *const *hit = bsearch(name, st->by_name, st->n_tensors, sizeof *st->by_name, cmp_key_tensor);
    return hit ? (long)(*hit - st->tensors) : -1;
}

const StTensor *st_find(const SafeTensors *st, const char *name) {
    long i = st_lookup(st, name);
    return i < 0 ? NULL : &st->tensors[i];
}

const char *st_metadata(const SafeTensors *st, const char *key) {
    for (size_t i = 0; i + 1 < st->n_meta; i += 2)
        if (strcmp(st->meta[i], key) == 0) return st->meta[i + 1];
    return NULL;
}

/* ---- growing the arrays ---------------------------------------------------- */

static int reserve_tensors(SafeTensors *st, size_t extra, Error *err) {
    size_t need;
    if (size_add(st->n_tensors, extra, &need) != 0) return error_set(err, "too many tensors");
    if (need <= st->cap_tensors) return 0;
    size_t bytes_t, bytes_s;
    if (size_mul(need, sizeof(StTensor), &bytes_t) != 0 || size_mul(need, sizeof(uint32_t), &bytes_s) != 0)
        return error_set(err, "too many tensors");
    StTensor *t = mem_realloc(st->tensors, bytes_t);
    if (!t) return error_set(err, "out of memory for %zu tensors", need);
    st->tensors = t;
    uint32_t *s = mem_realloc(st->shard_of, bytes_s);
    if (!s) return error_set(err, "out of memory for %zu tensors", need);
    st->shard_of = s;
    st->cap_tensors = need;
    return 0;
}

static int add_meta(SafeTensors *st, const char *key, const char *value, Error *err) {
    if (st->n_meta + 2 > st->cap_meta) {
        size_t cap = st->cap_meta ? st->cap_meta * 2 : 16;
        char **m = mem_realloc(st->meta, cap * sizeof *m);
        if (!m) return error_set(err, "out of memory");
        st->meta = m;
        st->cap_meta = cap;
    }
    char *k = mem_strdup(key);
    char *v = k ? mem_strdup(value) : NULL;
    if (!v) {
        mem_free(k);
        return error_set(err, "out of memory");
    }
    st->meta[st->n_meta++] = k;
    st->meta[st->n_meta++] = v;
    return 0;
}

/* ---- one tensor entry of the header -------------------------------------------- */

/* JSON numbers are doubles: only non-negative integers up to 2^53 are exact. */
static int json_uint(const cJSON *item, uint64_t *out) {
    if (!cJSON_IsNumber(item)) return -1;
    double v = item->valuedouble;
    if (!(v >= 0 && v <= 9007199254740992.0) || v != (double)(uint64_t)v) return -1;
    *out = (uint64_t)v;
    return 0;
}

typedef struct {
    uint64_t begin, end;
} Span;

static int parse_entry(const cJSON *entry, StTensor *t, Span *span, size_t data_size, Error *err) {
    const char *name = entry->string;
    if (!cJSON_IsObject(entry)) return error_set(err, "tensor '%s': entry is not a JSON object", name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    if (!cJSON_IsString(dtype)) return error_set(err, "tensor '%s': missing or non-string \"dtype\"", name);
    if (!cJSON_IsArray(shape)) return error_set(err, "tensor '%s': missing or non-array \"shape\"", name);
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2)
        return error_set(err, "tensor '%s': \"data_offsets\" must be an array [begin, end]", name);
    t->dtype = st_dtype_from_string(dtype->valuestring);
    if (t->dtype < 0) {
        if (dtype_name_index(dtype->valuestring) >= 0)
            return error_set(err, "tensor '%s': dtype %s is not supported (supported: F64 F32 F16 BF16 I64 I32 I16 I8)",
                             name, dtype->valuestring);
        return error_set(err, "tensor '%s': unknown dtype \"%.40s\"", name, dtype->valuestring);
    }
    int n_dims = cJSON_GetArraySize(shape);
    if (n_dims > ST_MAX_DIMS) return error_set(err, "tensor '%s': %d dimensions (at most %d)", name, n_dims, ST_MAX_DIMS);
    t->n_dims = n_dims;
    size_t numel = 1;
    int d = 0;
    const cJSON *dim;
    cJSON_ArrayForEach(dim, shape) {
        uint64_t v;
        if (json_uint(dim, &v) != 0) return error_set(err, "tensor '%s': shape[%d] is not a non-negative integer", name, d);
        if (v > INT64_MAX || size_mul(numel, (size_t)v, &numel) != 0)
            return error_set(err, "tensor '%s': shape overflows the element count", name);
        t->shape[d++] = (int64_t)v;
    }
    for (; d < ST_MAX_DIMS; d++) t->shape[d] = 0;
    size_t nbytes;
    if (size_mul(numel, (size_t)dtype_traits(t->dtype)->type_size, &nbytes) != 0)
        return error_set(err, "tensor '%s': byte size overflows", name);
    if (json_uint(cJSON_GetArrayItem(offsets, 0), &span->begin) != 0 ||
        json_uint(cJSON_GetArrayItem(offsets, 1), &span->end) != 0)
        return error_set(err, "tensor '%s': data_offsets are not non-negative integers", name);
    if (span->begin > span->end)
        return error_set(err, "tensor '%s': data_offsets [%llu, %llu] run backwards", name,
                         (unsigned long long)span->begin, (unsigned long long)span->end);
    if (span->end > data_size)
        return error_set(err, "tensor '%s': data_offsets end %llu is past the data section (%zu bytes)", name,
                         (unsigned long long)span->end, data_size);
    if (span->end - span->begin != nbytes)
        return error_set(err, "tensor '%s': shape x %s needs %zu bytes but data_offsets span %llu", name,
                         dtype->valuestring, nbytes, (unsigned long long)(span->end - span->begin));
    t->size = nbytes;
    return 0;
}

static int parse_metadata(SafeTensors *st, const cJSON *meta, Error *err) {
    if (!cJSON_IsObject(meta) && !cJSON_IsNull(meta)) return error_set(err, "\"__metadata__\" is not an object");
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) {
        if (!cJSON_IsString(item))
            return error_set(err, "\"__metadata__\" value for '%s' is not a string", item->string);
        if (add_meta(st, item->string, item->valuestring, err) != 0) return -1;
    }
    return 0;
}

typedef struct {
    Span span;
    size_t index;
} SpanIndex;

static int cmp_span(const void *a, const void *b) {
    const SpanIndex *x = a, *y = b;
    if (x->span.begin != y->span.begin) return x->span.begin < y->span.begin ? -1 : 1;
    if (x->span.end != y->span.end) return x->span.end < y->span.end ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The tensors must tile [0, data_size) exactly: a gap would be bytes nobody
 * owns (a sign of a corrupt or hostile file), an overlap would alias tensors. */
static int check_tiling(SafeTensors *st, SpanIndex *spans, size_t n, size_t data_size, Error *err) {
    qsort(spans, n, sizeof *spans, cmp_span);
    uint64_t expected = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = st->tensors[spans[i].index].name;
        if (spans[i].span.begin < expected)
            return error_set(err, "tensor '%s' at data offset %llu overlaps the previous tensor (which ends at %llu)",
                             name, (unsigned long long)spans[i].span.begin, (unsigned long long)expected);
        if (spans[i].span.begin > expected)
            return error_set(err, "gap of %llu bytes before tensor '%s' at data offset %llu",
                             (unsigned long long)(spans[i].span.begin - expected), name,
                             (unsigned long long)spans[i].span.begin);
        expected = spans[i].span.end;
    }
    if (expected != data_size)
        return error_set(err, "%llu bytes after the last tensor are not described by the header",
                         (unsigned long long)(data_size - expected));
    return 0;
}

static int parse_header(SafeTensors *st, const cJSON *root, const uint8_t *data_section, size_t data_size,
                        uint32_t shard, Error *err) {
    if (!cJSON_IsObject(root)) return error_set(err, "header is not a JSON object");
    size_t n_entries = (size_t)cJSON_GetArraySize(root);
    if (reserve_tensors(st, n_entries, err) != 0) return -1;
    SpanIndex *spans = mem_calloc(n_entries, sizeof *spans);
    if (!spans) return error_set(err, "out of memory");
    size_t n_spans = 0;
    int rc = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, root) {
        const char *name = entry->string;
        if (!name || !fmt_utf8_valid(name, strlen(name))) {
            rc = error_set(err, "a tensor name is not valid UTF-8");
            break;
        }
        if (strcmp(name, "__metadata__") == 0) {
            if ((rc = parse_metadata(st, entry, err)) != 0) break;
            continue;
        }
        StTensor t = {0};
        Span span;
        if ((rc = parse_entry(entry, &t, &span, data_size, err)) != 0) break;
        t.name = mem_strdup(name);
        if (!t.name) {
            rc = error_set(err, "out of memory");
            break;
        }
        t.data = data_section + span.begin;
        spans[n_spans].span = span;
        spans[n_spans].index = st->n_tensors;
        n_spans++;
        st->shard_of[st->n_tensors] = shard;
        st->tensors[st->n_tensors++] = t;
    }
    if (rc == 0) rc = check_tiling(st, spans, n_spans, data_size, err);
    mem_free(spans);
    return rc;
}

int st_parse_into(SafeTensors *st, const uint8_t *data, size_t size, const char *label, uint32_t shard, Error *err) {
    if (size < 8)
        return error_set(err, "%s: %zu bytes is too short for a safetensors file (8-byte header length)", label, size);
    uint64_t header_len = fmt_load_u64(data);
    if (header_len > ST_MAX_HEADER)
        return error_set(err, "%s: header length %llu is larger than the 100 MB limit", label,
                         (unsigned long long)header_len);
    if (header_len > size - 8)
        return error_set(err, "%s: header length %llu is larger than the file (%zu bytes)", label,
                         (unsigned long long)header_len, size);
    fmt_json_hooks();
    const char *json = (const char *)data + 8;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, (size_t)header_len, &end, 0);
    if (root && end) {
        /* cJSON stops after the first value; anything but padding after it is corrupt. */
        for (const char *p = end; p < json + header_len; p++)
            if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                cJSON_Delete(root);
                return error_set(err, "%s: unexpected bytes after the JSON header at byte offset %ld", label,
                                 (long)(p - json) + 8);
            }
    }
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long offset = at && at >= json && at <= json + header_len ? (long)(at - json) + 8 : -1;
        return error_set(err, "%s: header is not valid JSON (near byte offset %ld) or out of memory", label, offset);
    }
    int rc = parse_header(st, root, data + 8 + header_len, size - 8 - (size_t)header_len, shard, err);
    cJSON_Delete(root);
    if (rc != 0) return error_prefix(err, "%s", label);
    if (shard + 1 > st->n_shards) st->n_shards = shard + 1;
    return 0;
}

static int cmp_tensor_name(const void *a, const void *b) {
    return strcmp((*(StTensor *const *)a)->name, (*(StTensor *const *)b)->name);
}

int st_finalize(SafeTensors *st, const char *label, Error *err) {
    size_t n = st->n_tensors;
    st->by_name = mem_calloc(n ? n : 1, sizeof *st->by_name);
    if (!st->by_name) return error_set(err, "%s: out of memory", label);
    for (size_t i = 0; i < n; i++) st->by_name[i] = &st->tensors[i];
    qsort(st->by_name, n, sizeof *st->by_name, cmp_tensor_name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(st->by_name[i - 1]->name, st->by_name[i]->name) == 0)
            return error_set(err, "%s: tensor '%s' appears twice", label, st->by_name[i]->name);
    return 0;
}

int st_parse(SafeTensors **out, const void *data, size_t size, const char *label, Error *err) {
    *out = NULL;
    SafeTensors *st = st_alloc(err);
    if (!st) return error_prefix(err, "%s", label);
    if (st_parse_into(st, data, size, label, 0, err) != 0 || st_finalize(st, label, err) != 0) {
        st_close(st);
        return -1;
    }
    *out = st;
    return 0;
}

int st_open(SafeTensors **out, const char *path, Error *err) {
    *out = NULL;
    SafeTensors *st = st_alloc(err);
    if (!st) return error_prefix(err, "%s", path);
    st->maps = mem_calloc(1, sizeof *st->maps);
    if (!st->maps) {
        st_close(st);
        return error_set(err, "%s: out of memory", path);
    }
    if (file_map(&st->maps[0], path, err) != 0) {
        st_close(st);
        return -1;
    }
    st->n_maps = 1;
    if (st_parse_into(st, st->maps[0].data, st->maps[0].size, path, 0, err) != 0 || st_finalize(st, path, err) != 0) {
        st_close(st);
        return -1;
    }
    *out = st;
    return 0;
}
