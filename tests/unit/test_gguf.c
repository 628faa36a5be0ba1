/* GGUF reader/writer against files written by llama.cpp's gguf-py
 * (tests/ref/make_gguf_fixtures.py -> tests/fixtures/gguf/). */
#include "../harness.h"
#include "core/dtype.h"
#include "core/file.h"
#include "core/mem.h"
#include "formats/fmt_util.h"
#include "formats/gguf.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <unistd.h>

#define FIX "tests/fixtures/gguf/"
static const char *fixtures[] = {"types", "tensors", "align64", NULL};

static cJSON *load_json(const char *path) {
    char *text = NULL;
    size_t len;
    Error err = {0};
    if (file_read_all(path, 1 << 24, &text, &len, &err) != 0) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    mem_free(text);
    return j;
}

static uint8_t *load_bytes(const char *path, size_t *size) {
    char *text = NULL;
    Error err = {0};
    if (file_read_all(path, 1 << 24, &text, size, &err) != 0) return NULL;
    return (uint8_t *)text;
}

/* One scalar JSON value against element i of kv (or the scalar when i == -1). */
static void check_value(const GgufKV *kv, GgufType type, long i, const cJSON *want) {
    const char *key = kv->key;
    if (type == GGUF_TYPE_STRING) {
        const char *s;
        size_t len;
        if (i < 0) {
            s = kv->str;
            len = strlen(s);
        } else {
            s = gguf_kv_arr_str(kv, (size_t)i, &len);
        }
        CHECKF(s && len == strlen(want->valuestring) && memcmp(s, want->valuestring, len) == 0, "%s[%ld]", key, i);
    } else if (type == GGUF_TYPE_FLOAT32 || type == GGUF_TYPE_FLOAT64) {
        double got = NAN;
        CHECK((i < 0 ? gguf_kv_float(kv, &got) : gguf_kv_arr_float(kv, (size_t)i, &got)) == 0);
        CHECKF(got == want->valuedouble, "%s[%ld] = %.17g, want %.17g", key, i, got, want->valuedouble);
    } else if (type == GGUF_TYPE_UINT64) {
        CHECK(i < 0);
        char buf[32];
        uint64_t u64v; memcpy(&u64v, kv->data, 8);
        snprintf(buf, sizeof buf, "%" PRIu64, u64v);
        CHECK_STR(buf, want->valuestring);
    } else {
        int64_t got = 0, expect;
        CHECK((i < 0 ? gguf_kv_int(kv, &got) : gguf_kv_arr_int(kv, (size_t)i, &got)) == 0);
        expect = cJSON_IsString(want) ? strtoll(want->valuestring, NULL, 10)
                 : cJSON_IsBool(want) ? cJSON_IsTrue(want)
                                      : (int64_t)want->valuedouble;
        CHECKF(got == expect, "%s[%ld] = %lld, want %lld", key, i, (long long)got, (long long)expect);
    }
}

static void check_kvs(const Gguf *g, const cJSON *kvs) {
    CHECK(gguf_kv_count(g) == (size_t)cJSON_GetArraySize(kvs));
    size_t pos = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, kvs) {
        const char *key = cJSON_GetObjectItem(e, "key")->valuestring;
        const GgufKV *kv = gguf_find_kv(g, key);
        CHECKF(kv != NULL, "key %s missing", key);
        if (!kv) continue;
        CHECKF(gguf_kv(g, pos) == kv, "key %s out of file order", key);
        pos++;
        GgufType type = (GgufType)cJSON_GetObjectItem(e, "type")->valueint;
        CHECKF(kv->type == type, "%s: type %d, want %d", key, kv->type, type);
        const cJSON *value = cJSON_GetObjectItem(e, "value");
        if (type != GGUF_TYPE_ARRAY) {
            check_value(kv, type, -1, value);
            continue;
        }
        GgufType elem = (GgufType)cJSON_GetObjectItem(e, "elem_type")->valueint;
        CHECK(kv->elem_type == elem);
        CHECK(kv->n == (uint64_t)cJSON_GetArraySize(value));
        if (elem == GGUF_TYPE_ARRAY) continue; /* nested: validated, no element API */
        for (long i = 0; i < cJSON_GetArraySize(value); i++) check_value(kv, elem, i, cJSON_GetArrayItem(value, (int)i));
    }
}

TEST(reads_gguf_py_key_values) {
    for (int f = 0; fixtures[f]; f++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s.json", fixtures[f]);
        cJSON *want = load_json(path);
        CHECKF(want != NULL, "%s", path);
        snprintf(path, sizeof path, FIX "%s.gguf", fixtures[f]);
        Gguf *g;
        Error err = {0};
        CHECKF(gguf_open(&g, path, &err) == 0, "%s", err.message);
        if (g && want) check_kvs(g, cJSON_GetObjectItem(want, "kvs"));
        gguf_close(g);
        cJSON_Delete(want);
    }
}

TEST(typed_getters) {
    Gguf *g;
    Error err = {0};
    CHECKF(gguf_open(&g, FIX "types.gguf", &err) == 0, "%s", err.message);
    if (!g) return;
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    int64_t i64;
    float f;
    int b;
    size_t n;
    GgufType et;
    CHECK(gguf_get_u32(g, "test.u32", &u32) == 0 && u32 == 4000000000u);
    CHECK(gguf_get_i32(g, "test.u32", &i32) != 0); /* does not fit */
    CHECK(gguf_get_i32(g, "test.u8", &i32) == 0 && i32 == 200);
    CHECK(gguf_get_u32(g, "test.i8", &u32) != 0); /* negative */
    CHECK(gguf_get_u64(g, "test.u64", &u64) == 0 && u64 == UINT64_MAX);
    CHECK(gguf_get_i64(g, "test.u64", &i64) != 0);
    CHECK(gguf_get_i64(g, "test.i64", &i64) == 0 && i64 == -INT64_MAX);
    CHECK(gguf_get_f32(g, "test.f32", &f) == 0 && f == 3.14159f);
    CHECK(gguf_get_f32(g, "test.u32", &f) != 0);
    CHECK(gguf_get_bool(g, "test.bool_true", &b) == 0 && b == 1);
    CHECK(gguf_get_bool(g, "test.bool_false", &b) == 0 && b == 0);
    CHECK_STR(gguf_get_str(g, "general.architecture"), "exaone");
    CHECK(gguf_get_str(g, "test.u8") == NULL);
    CHECK(gguf_get_str(g, "no.such.key") == NULL);
    CHECK(gguf_get_arr_n(g, "tokenizer.ggml.tokens", &et, &n) == 0 && n == 5 && et == GGUF_TYPE_STRING);
    CHECK(gguf_get_arr_n(g, "test.u8", &et, &n) != 0);
    CHECK(gguf_get_arr_n(g, "test.arr_nested", &et, &n) == 0 && n == 2 && et == GGUF_TYPE_ARRAY);
    gguf_close(g);
}

/* Tensor values: our dequantization of the stored bytes must equal gguf-py's exactly. */
TEST(tensor_values_match_gguf_py) {
    for (int f = 0; fixtures[f]; f++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s.json", fixtures[f]);
        cJSON *want = load_json(path);
        snprintf(path, sizeof path, FIX "%s.gguf", fixtures[f]);
        Gguf *g;
        Error err = {0};
        CHECKF(gguf_open(&g, path, &err) == 0, "%s", err.message);
        if (!g || !want) {
            gguf_close(g);
            cJSON_Delete(want);
            continue;
        }
        const cJSON *e;
        CHECK(gguf_tensor_count(g) == (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(want, "tensors")));
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(want, "tensors")) {
            const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
            const GgufTensor *t = gguf_find_tensor(g, name);
            CHECKF(t != NULL, "tensor %s missing", name);
            if (!t) continue;
            CHECK(t->dtype == cJSON_GetObjectItem(e, "type")->valueint);
            CHECK(((uintptr_t)t->data - (uintptr_t)gguf_tensor(g, 0)->data) % gguf_alignment(g) == 0);
            const cJSON *ne = cJSON_GetObjectItem(e, "ne");
            int64_t numel = 1;
            CHECK(t->n_dims == cJSON_GetArraySize(ne));
            for (int d = 0; d < t->n_dims; d++) {
                CHECK(t->ne[d] == (int64_t)cJSON_GetArrayItem(ne, d)->valuedouble);
                numel *= t->ne[d];
            }
            snprintf(path, sizeof path, FIX "%s", cJSON_GetObjectItem(e, "deq")->valuestring);
            size_t size = 0;
            float *deq = (float *)load_bytes(path, &size);
            CHECK(deq && size == (size_t)numel * 4);
            float *ours = calloc((size_t)numel, sizeof *ours);
            if (t->dtype == DTYPE_I32 || t->dtype == DTYPE_I8) {
                for (int64_t i = 0; i < numel; i++) {
                    int32_t v32;
                    if (t->dtype == DTYPE_I32) memcpy(&v32, (const uint8_t *)t->data + 4 * i, 4);
                    else v32 = ((const int8_t *)t->data)[i];
                    ours[i] = (float)v32;
                }
            } else {
                dtype_to_f32((DType)t->dtype, t->data, ours, numel);
            }
            int bad = 0;
            for (int64_t i = 0; deq && i < numel && (size_t)i * 4 < size; i++) bad += ours[i] != deq[i];
            CHECKF(bad == 0, "%s: %d of %lld values differ from gguf-py's dequantization", name, bad, (long long)numel);
            free(ours);
            mem_free(deq);
        }
        gguf_close(g);
        cJSON_Delete(want);
    }
}

/* Writing the same key/values and tensors with our writer must give the very
 * bytes gguf-py wrote: same layout, so llama.cpp reads our files. */
static void add_kv_from_json(GgufWriter *w, const cJSON *e, Error *err) {
    const char *key = cJSON_GetObjectItem(e, "key")->valuestring;
    const cJSON *v = cJSON_GetObjectItem(e, "value");
    switch (cJSON_GetObjectItem(e, "type")->valueint) {
    case GGUF_TYPE_STRING: CHECK(gguf_add_str(w, key, v->valuestring, err) == 0); break;
    case GGUF_TYPE_UINT32: CHECK(gguf_add_u32(w, key, (uint32_t)v->valuedouble, err) == 0); break;
    case GGUF_TYPE_FLOAT32: CHECK(gguf_add_f32(w, key, (float)v->valuedouble, err) == 0); break;
    case GGUF_TYPE_ARRAY: {
        int n = cJSON_GetArraySize(v);
        float *vals = calloc((size_t)n, sizeof *vals);
        for (int i = 0; i < n; i++) vals[i] = (float)cJSON_GetArrayItem(v, i)->valuedouble;
        CHECK(cJSON_GetObjectItem(e, "elem_type")->valueint == GGUF_TYPE_FLOAT32);
        CHECK(gguf_add_arr(w, key, GGUF_TYPE_FLOAT32, vals, (size_t)n, err) == 0);
        free(vals);
        break;
    }
    default: CHECKF(0, "fixture key %s has a type this test does not rebuild", key);
    }
}

TEST(writer_reproduces_gguf_py_bytes) {
    static const char *names[] = {"tensors", "align64", NULL};
    for (int f = 0; names[f]; f++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s.json", names[f]);
        cJSON *want = load_json(path);
        snprintf(path, sizeof path, FIX "%s.gguf", names[f]);
        Gguf *g;
        Error err = {0};
        CHECKF(gguf_open(&g, path, &err) == 0, "%s", err.message);
        if (!g || !want) continue;
        GgufWriter *w;
        CHECK(gguf_writer_new(&w, &err) == 0);
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(want, "kvs")) add_kv_from_json(w, e, &err);
        for (size_t i = 0; i < gguf_tensor_count(g); i++) {
            const GgufTensor *t = gguf_tensor(g, i);
            CHECKF(gguf_add_tensor(w, t->name, t->dtype, t->n_dims, t->ne, t->data, t->size, &err) == 0, "%s",
                   err.message);
        }
        const char *out = "build/tests/gguf_rewrite.gguf";
        CHECKF(gguf_write(w, out, &err) == 0, "%s", err.message);
        size_t na = 0, nb = 0;
        uint8_t *a = load_bytes(path, &na), *b = load_bytes(out, &nb);
        size_t first_diff = 0;
        while (a && b && first_diff < na && first_diff < nb && a[first_diff] == b[first_diff]) first_diff++;
        CHECKF(a && b && na == nb && first_diff == na, "%s: ours %zu bytes vs gguf-py %zu, first difference at %zu",
               names[f], nb, na, first_diff);
        mem_free(a);
        mem_free(b);
        unlink(out);
        gguf_writer_free(w);
        gguf_close(g);
        cJSON_Delete(want);
    }
}

TEST(writer_roundtrip_all_types) {
    GgufWriter *w;
    Error err = {0};
    CHECK(gguf_writer_new(&w, &err) == 0);
    CHECK(gguf_add_u32(w, "general.alignment", 16, &err) == 0);
    CHECK(gguf_add_u8(w, "a.u8", 255, &err) == 0);
    CHECK(gguf_add_i8(w, "a.i8", -128, &err) == 0);
    CHECK(gguf_add_u16(w, "a.u16", 65535, &err) == 0);
    CHECK(gguf_add_i16(w, "a.i16", -32768, &err) == 0);
    CHECK(gguf_add_i32(w, "a.i32", INT32_MIN, &err) == 0);
    CHECK(gguf_add_f32(w, "a.f32", -0.5f, &err) == 0);
    CHECK(gguf_add_u64(w, "a.u64", UINT64_MAX - 1, &err) == 0);
    CHECK(gguf_add_i64(w, "a.i64", INT64_MIN, &err) == 0);
    CHECK(gguf_add_f64(w, "a.f64", 1e300, &err) == 0);
    CHECK(gguf_add_bool(w, "a.bool", 1, &err) == 0);
    CHECK(gguf_add_str(w, "a.str", "토큰", &err) == 0);
    int32_t ints[3] = {7, -8, 9};
    CHECK(gguf_add_arr(w, "a.arr_i32", GGUF_TYPE_INT32, ints, 3, &err) == 0);
    const char *strs[3] = {"x", "", "yz"};
    CHECK(gguf_add_arr_str(w, "a.arr_str", strs, 3, &err) == 0);
    CHECK(gguf_add_u8(w, "a.u8", 1, &err) != 0);               /* duplicate key */
    CHECK(gguf_add_u32(w, "general.alignment", 3, &err) != 0); /* not a power of two */
    float data[64];
    for (int i = 0; i < 64; i++) data[i] = (float)i - 31.5f;
    BlockQ8_0 q[2];
    dtype_from_f32(DTYPE_Q8_0, data, q, 64);
    int64_t ne2[2] = {8, 8}, ne1[1] = {64};
    CHECK(gguf_add_tensor(w, "f32", DTYPE_F32, 2, ne2, data, sizeof data, &err) == 0);
    CHECK(gguf_add_tensor(w, "q8", DTYPE_Q8_0, 1, ne1, q, sizeof q, &err) == 0);
    CHECK(gguf_add_tensor(w, "bad", DTYPE_Q8_0, 2, ne2, q, sizeof q, &err) != 0); /* row of 8 is not a block */
    CHECK(gguf_add_tensor(w, "f32", DTYPE_F32, 2, ne2, data, sizeof data, &err) != 0);
    const char *out = "build/tests/gguf_roundtrip.gguf";
    CHECKF(gguf_write(w, out, &err) == 0, "%s", err.message);
    gguf_writer_free(w);
    Gguf *g;
    CHECKF(gguf_open(&g, out, &err) == 0, "%s", err.message);
    if (!g) return;
    CHECK(gguf_version(g) == 3 && gguf_alignment(g) == 16 && gguf_data_offset(g) % 16 == 0);
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    int64_t i64;
    float f;
    int b;
    CHECK(gguf_get_u32(g, "a.u8", &u32) == 0 && u32 == 255);
    CHECK(gguf_get_i32(g, "a.i8", &i32) == 0 && i32 == -128);
    CHECK(gguf_get_u32(g, "a.u16", &u32) == 0 && u32 == 65535);
    CHECK(gguf_get_i32(g, "a.i16", &i32) == 0 && i32 == -32768);
    CHECK(gguf_get_i32(g, "a.i32", &i32) == 0 && i32 == INT32_MIN);
    CHECK(gguf_get_f32(g, "a.f32", &f) == 0 && f == -0.5f);
    CHECK(gguf_get_u64(g, "a.u64", &u64) == 0 && u64 == UINT64_MAX - 1);
    CHECK(gguf_get_i64(g, "a.i64", &i64) == 0 && i64 == INT64_MIN);
    CHECK(gguf_get_f32(g, "a.f64", &f) == 0 && isinf(f)); /* 1e300 does not fit a float */
    CHECK(gguf_get_bool(g, "a.bool", &b) == 0 && b == 1);
    CHECK_STR(gguf_get_str(g, "a.str"), "토큰");
    const GgufKV *kv = gguf_find_kv(g, "a.arr_i32");
    CHECK(kv && kv->n == 3 && gguf_kv_arr_int(kv, 1, &i64) == 0 && i64 == -8);
    CHECK(kv && gguf_kv_arr_int(kv, 3, &i64) != 0);
    kv = gguf_find_kv(g, "a.arr_str");
    size_t len;
    const char *s = kv ? gguf_kv_arr_str(kv, 2, &len) : NULL;
    CHECK(s && len == 2 && memcmp(s, "yz", 2) == 0);
    s = kv ? gguf_kv_arr_str(kv, 1, &len) : NULL;
    CHECK(s && len == 0);
    const GgufTensor *t = gguf_find_tensor(g, "q8");
    CHECK(t && t->dtype == DTYPE_Q8_0 && t->size == sizeof q && memcmp(t->data, q, sizeof q) == 0);
    t = gguf_find_tensor(g, "f32");
    CHECK(t && t->n_dims == 2 && t->ne[0] == 8 && t->ne[1] == 8 && t->ne[2] == 1 && memcmp(t->data, data, sizeof data) == 0);
    CHECK(gguf_find_tensor(g, "bad") == NULL);
    int64_t ne3[3] = {8, 4, 2};
    GgufTensor fake = {.name = "x", .dtype = DTYPE_F32, .n_dims = 3, .ne = {8, 4, 2, 1}, .data = data, .size = 256};
    StTensor view;
    gguf_as_st_tensor(&fake, &view);
    CHECK(view.n_dims == 3 && view.shape[0] == ne3[2] && view.shape[1] == ne3[1] && view.shape[2] == ne3[0]);
    CHECK(view.data == data && view.size == 256 && view.dtype == DTYPE_F32 && strcmp(view.name, "x") == 0);
    gguf_close(g);
    unlink(out);
}

TEST(versions_and_magic) {
    size_t size = 0;
    uint8_t *data = load_bytes(FIX "types.gguf", &size);
    if (!data) SKIP("fixture missing");
    Gguf *g;
    Error err = {0};
    data[4] = 2; /* v2 has the v3 layout (v3 only added big-endian files) */
    CHECKF(gguf_parse(&g, data, size, "v2", &err) == 0, "%s", err.message);
    if (g) CHECK(gguf_version(g) == 2);
    gguf_close(g);
    data[4] = 1;
    CHECK(gguf_parse(&g, data, size, "v1", &err) != 0 && strstr(err.message, "version 1"));
    data[4] = 4;
    CHECK(gguf_parse(&g, data, size, "v4", &err) != 0 && strstr(err.message, "version 4"));
    data[4] = 0;
    data[7] = 3;
    CHECK(gguf_parse(&g, data, size, "be", &err) != 0 && strstr(err.message, "big-endian"));
    data[7] = 0;
    data[4] = 3;
    data[0] = 'X';
    CHECK(gguf_parse(&g, data, size, "magic", &err) != 0 && strstr(err.message, "magic"));
    mem_free(data);
}

/* Every prefix shorter than the last tensor's end is a clean error; longer ones
 * (only the last tensor's padding missing) are still valid, as in llama.cpp. */
TEST(every_truncation_is_a_clean_error) {
    for (int f = 0; fixtures[f]; f++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s.gguf", fixtures[f]);
        size_t size = 0;
        uint8_t *data = load_bytes(path, &size);
        Gguf *g;
        Error err = {0};
        if (!data || gguf_parse(&g, data, size, path, &err) != 0) {
            CHECKF(0, "%s: %s", path, err.message);
            mem_free(data);
            continue;
        }
        const GgufTensor *last = gguf_tensor(g, gguf_tensor_count(g) - 1);
        size_t needed = gguf_data_offset(g) + last->offset + last->size;
        gguf_close(g);
        int wrong = 0;
        for (size_t n = 0; n < size; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            memcpy(copy, data, n);
            Gguf *p = NULL;
            err.message[0] = 0;
            int rc = gguf_parse(&p, copy, n, "prefix", &err);
            if (n < needed ? rc == 0 || !err.message[0] : rc != 0) wrong++;
            gguf_close(p);
            free(copy);
        }
        CHECKF(wrong == 0, "%s: %d prefixes judged wrongly", path, wrong);
        mem_free(data);
    }
}

TEST(allocation_failures_are_clean) {
    int n;
    for (n = 1; n < 100000; n++) {
        Gguf *g = NULL;
        Error err = {0};
        mem_fail_after(n);
        int rc = gguf_open(&g, FIX "types.gguf", &err);
        mem_fail_after(0);
        if (rc == 0) {
            gguf_close(g);
            break;
        }
        CHECKF(g == NULL && err.message[0], "allocation %d: failure without a message", n);
    }
    CHECK(n > 10 && n < 100000);
    printf("  %d allocation failure points in gguf_open\n", n - 1);
    /* And the writer. */
    for (n = 1; n < 100000; n++) {
        Error err = {0};
        GgufWriter *w = NULL;
        mem_fail_after(n);
        int rc = gguf_writer_new(&w, &err);
        const char *strs[2] = {"a", "b"};
        float data[32] = {0};
        int64_t ne[1] = {32};
        for (int k = 0; rc == 0 && k < 20; k++) {
            char key[32];
            snprintf(key, sizeof key, "k.%d", k);
            rc = gguf_add_arr_str(w, key, strs, 2, &err);
        }
        if (rc == 0) rc = gguf_add_tensor(w, "t", DTYPE_F32, 1, ne, data, sizeof data, &err);
        if (rc == 0) rc = gguf_write(w, "build/tests/gguf_oom.gguf", &err);
        mem_fail_after(0);
        gguf_writer_free(w);
        if (rc == 0) break;
        CHECKF(err.message[0], "writer allocation %d: failure without a message", n);
    }
    CHECK(n > 5 && n < 100000);
    unlink("build/tests/gguf_oom.gguf");
}

/* Names from files must be well-formed UTF-8 (Unicode 15, table 3-7). */
TEST(utf8_validation) {
    static const struct {
        const char *s;
        size_t n;
        int valid;
    } cases[] = {
        {"model.layers.0", 14, 1},     {"\xed\x95\x9c\xea\xb5\xad", 6, 1}, /* 한국 */
        {"\xf0\x9f\x98\x80", 4, 1},     /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 4, 1},     /* U+10FFFF, the last code point */
        {"\xf4\x90\x80\x80", 4, 0},     /* past U+10FFFF */
        {"\xed\xa0\x80", 3, 0},         /* a surrogate */
        {"\xc0\x80", 2, 0},             /* overlong NUL */
        {"\xe0\x80\xaf", 3, 0},         /* overlong '/' */
        {"\xe4\xb8", 2, 0},             /* cut short */
        {"\x80", 1, 0},                 /* lone continuation byte */
        {"\xff", 1, 0},
        {"a\0b", 3, 0},                 /* embedded NUL */
        {"", 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECKF(fmt_utf8_valid(cases[i].s, cases[i].n) == cases[i].valid, "case %zu", i);
}

int main(void) {
    RUN(utf8_validation);
    RUN(reads_gguf_py_key_values);
    RUN(typed_getters);
    RUN(tensor_values_match_gguf_py);
    RUN(writer_reproduces_gguf_py_bytes);
    RUN(writer_roundtrip_all_types);
    RUN(versions_and_magic);
    RUN(every_truncation_is_a_clean_error);
    RUN(allocation_failures_are_clean);
    return harness_finish();
}
