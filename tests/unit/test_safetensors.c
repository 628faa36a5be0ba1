/* Safetensors reader/writer against files written by PyTorch (tests/ref/st_ref.py). */
#include "../harness.h"
#include "core/dtype.h"
#include "core/file.h"
#include "core/mem.h"
#include "formats/safetensors.h"

#include <cjson/cJSON.h>
#include <unistd.h>

static char ref_dir[512];
static int have_ref;

static cJSON *load_json(const char *path) {
    char *text = NULL;
    size_t len;
    Error err = {0};
    if (file_read_all(path, 1 << 24, &text, &len, &err) != 0) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    mem_free(text);
    return j;
}

static double element(const StTensor *t, size_t i) {
    const uint8_t *p = (const uint8_t *)t->data;
    switch (t->dtype) {
    case DTYPE_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
    case DTYPE_F64: { double v; memcpy(&v, p + 8 * i, 8); return v; }
    case DTYPE_F16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return f16_to_f32(v); }
    case DTYPE_BF16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return bf16_to_f32(v); }
    case DTYPE_I64: { int64_t v; memcpy(&v, p + 8 * i, 8); return (double)v; }
    case DTYPE_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    case DTYPE_I16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
    case DTYPE_I8: return (int8_t)p[i];
    default: return NAN;
    }
}

/* Every tensor of st matches the reference: dtype, shape and every value exactly. */
static void check_against_ref(const SafeTensors *st, const char *dir, const cJSON *expected_index) {
    const cJSON *entry;
    size_t n = 0;
    cJSON_ArrayForEach(entry, expected_index) {
        n++;
        const StTensor *t = st_find(st, entry->string);
        CHECKF(t != NULL, "tensor %s missing", entry->string);
        if (!t) continue;
        CHECK_STR(st_dtype_string(t->dtype), cJSON_GetObjectItem(entry, "dtype")->valuestring);
        const cJSON *shape = cJSON_GetObjectItem(entry, "shape");
        CHECK(t->n_dims == cJSON_GetArraySize(shape));
        size_t numel = 1;
        for (int d = 0; d < t->n_dims && d < cJSON_GetArraySize(shape); d++) {
            CHECK(t->shape[d] == (int64_t)cJSON_GetArrayItem(shape, d)->valuedouble);
            numel *= (size_t)t->shape[d];
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, cJSON_GetObjectItem(entry, "values")->valuestring);
        char *vals = NULL;
        size_t len = 0;
        Error err = {0};
        CHECKF(file_read_all(path, 1 << 24, &vals, &len, &err) == 0, "%s", err.message);
        CHECK(len == numel * 8);
        for (size_t i = 0; vals && i < numel && i * 8 < len; i++) {
            double want;
            memcpy(&want, vals + 8 * i, 8);
            double got = element(t, i);
            CHECKF(got == want, "%s[%zu] = %.17g, reference %.17g", t->name, i, got, want);
        }
        mem_free(vals);
    }
    CHECK(st_count(st) == n);
}

TEST(reads_pytorch_reference_file) {
    if (!have_ref) SKIP("reference script failed");
    char path[600];
    snprintf(path, sizeof path, "%s/single.safetensors", ref_dir);
    SafeTensors *st;
    Error err = {0};
    CHECKF(st_open(&st, path, &err) == 0, "%s", err.message);
    if (!st) return;
    snprintf(path, sizeof path, "%s/single.json", ref_dir);
    cJSON *idx = load_json(path);
    CHECK(idx != NULL);
    if (idx) check_against_ref(st, ref_dir, idx);
    CHECK_STR(st_metadata(st, "format"), "pt");
    CHECK_STR(st_metadata(st, "note"), "exaone ref");
    CHECK(st_metadata(st, "absent") == NULL);
    CHECK(st_find(st, "absent") == NULL);
    const StTensor *scalar = st_find(st, "scalar");
    CHECK(scalar && scalar->n_dims == 0 && scalar->size == 4);
    const StTensor *empty = st_find(st, "empty");
    CHECK(empty && empty->n_dims == 2 && empty->size == 0);
    cJSON_Delete(idx);
    st_close(st);
}

TEST(reads_sharded_reference_folder) {
    if (!have_ref) SKIP("reference script failed");
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/sharded", ref_dir);
    SafeTensors *st;
    Error err = {0};
    CHECKF(st_open_dir(&st, dir, &err) == 0, "%s", err.message);
    if (!st) return;
    CHECK(st_shard_count(st) == 2);
    CHECK(st_count(st) == 3);
    /* Build the expected index from the shard files' own values. */
    static const char *names[] = {"model.layers.0.weight", "model.norm.weight", "lm_head.weight"};
    static const char *dtypes[] = {"F32", "F32", "BF16"};
    static const int ndims[] = {2, 1, 2};
    static const int shapes[][2] = {{4, 4}, {4, 0}, {3, 4}};
    cJSON *idx = cJSON_CreateObject();
    for (int i = 0; i < 3; i++) {
        cJSON *e = cJSON_AddObjectToObject(idx, names[i]);
        cJSON_AddStringToObject(e, "dtype", dtypes[i]);
        cJSON_AddItemToObject(e, "shape", cJSON_CreateIntArray(shapes[i], ndims[i]));
        snprintf(path, sizeof path, "%s.f64", names[i]);
        cJSON_AddStringToObject(e, "values", path);
    }
    check_against_ref(st, dir, idx);
    cJSON_Delete(idx);
    st_close(st);
}

/* st_save of the reference tensors, in the same order with the same metadata,
 * must reproduce the reference file byte for byte (the HF layout). */
TEST(save_reproduces_reference_bytes) {
    if (!have_ref) SKIP("reference script failed");
    char path[600];
    snprintf(path, sizeof path, "%s/single.safetensors", ref_dir);
    SafeTensors *st;
    Error err = {0};
    CHECKF(st_open(&st, path, &err) == 0, "%s", err.message);
    if (!st) return;
    /* st_tensor is in storage order, which is the reference's write order. */
    StTensor *list = calloc(st_count(st), sizeof *list);
    for (size_t i = 0; i < st_count(st); i++) list[i] = *st_tensor(st, i);
    const char *meta[] = {"format", "pt", "note", "exaone ref", NULL};
    const char *out = "build/tests/st_roundtrip.safetensors";
    CHECKF(st_save(out, list, st_count(st), meta, &err) == 0, "%s", err.message);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    file_read_all(path, 1 << 24, &a, &na, &err);
    file_read_all(out, 1 << 24, &b, &nb, &err);
    CHECKF(a && b && na == nb && memcmp(a, b, na) == 0, "st_save output (%zu bytes) differs from the reference (%zu)", nb, na);
    SafeTensors *again;
    CHECKF(st_open(&again, out, &err) == 0, "%s", err.message);
    if (again) {
        CHECK(st_count(again) == st_count(st));
        for (size_t i = 0; i < st_count(st); i++) {
            const StTensor *x = st_tensor(st, i), *y = st_find(again, x->name);
            CHECK(y && y->dtype == x->dtype && y->size == x->size && memcmp(x->data, y->data, x->size) == 0);
        }
        st_close(again);
    }
    mem_free(a);
    mem_free(b);
    free(list);
    st_close(st);
    unlink(out);
}

TEST(save_pads_header_and_roundtrips) {
    float w[6] = {1, 2, 3, 4, 5, 6};
    uint16_t h[3] = {f32_to_bf16(1.5f), f32_to_bf16(-2), f32_to_bf16(0.25f)};
    StTensor ts[2] = {{.name = "w", .dtype = DTYPE_F32, .n_dims = 2, .shape = {2, 3}, .data = w, .size = sizeof w},
                      {.name = "h", .dtype = DTYPE_BF16, .n_dims = 1, .shape = {3}, .data = h, .size = sizeof h}};
    Error err = {0};
    const char *out = "build/tests/st_small.safetensors";
    CHECKF(st_save(out, ts, 2, NULL, &err) == 0, "%s", err.message);
    SafeTensors *st;
    CHECKF(st_open(&st, out, &err) == 0, "%s", err.message);
    if (!st) return;
    const StTensor *t = st_find(st, "w");
    CHECK(t && ((uintptr_t)t->data % 8) == 0); /* mmap is page aligned; header padded to 8 */
    CHECK(t && t->shape[0] == 2 && t->shape[1] == 3 && memcmp(t->data, w, sizeof w) == 0);
    t = st_find(st, "h");
    CHECK(t && t->dtype == DTYPE_BF16 && memcmp(t->data, h, sizeof h) == 0);
    CHECK(st_metadata(st, "format") == NULL);
    st_close(st);
    unlink(out);
}

TEST(save_rejects_bad_tensors) {
    float w[4] = {0};
    Error err = {0};
    StTensor t = {.name = "w", .dtype = DTYPE_F32, .n_dims = 1, .shape = {3}, .data = w, .size = sizeof w};
    CHECK(st_save("build/tests/st_bad.safetensors", &t, 1, NULL, &err) != 0);
    CHECK(strstr(err.message, "does not match") != NULL);
    t.shape[0] = 4;
    t.dtype = DTYPE_Q8_0;
    CHECK(st_save("build/tests/st_bad.safetensors", &t, 1, NULL, &err) != 0);
    CHECK(strstr(err.message, "cannot be stored") != NULL);
    t.dtype = DTYPE_F32;
    StTensor two[2] = {t, t};
    CHECK(st_save("build/tests/st_bad.safetensors", two, 2, NULL, &err) != 0);
    CHECK(strstr(err.message, "twice") != NULL);
    CHECK(access("build/tests/st_bad.safetensors", F_OK) != 0);
}

static int read_file_bytes(const char *path, uint8_t **data, size_t *size) {
    Error err = {0};
    char *buf;
    if (file_read_all(path, 1 << 24, &buf, size, &err) != 0) return -1;
    *data = (uint8_t *)buf;
    return 0;
}

/* Every strict prefix of a valid file is an error with a message, never a crash. */
TEST(every_truncation_is_a_clean_error) {
    if (!have_ref) SKIP("reference script failed");
    char path[600];
    snprintf(path, sizeof path, "%s/single.safetensors", ref_dir);
    uint8_t *data = NULL;
    size_t size = 0;
    CHECK(read_file_bytes(path, &data, &size) == 0);
    if (!data) return;
    int failures = 0;
    for (size_t n = 0; n < size; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
        memcpy(copy, data, n);
        SafeTensors *st = NULL;
        Error err = {0};
        if (st_parse(&st, copy, n, "prefix", &err) == 0 || err.message[0] == 0) failures++;
        st_close(st);
        free(copy);
    }
    CHECKF(failures == 0, "%d prefixes were accepted or gave no message", failures);
    SafeTensors *st = NULL;
    Error err = {0};
    CHECKF(st_parse(&st, data, size, "full", &err) == 0, "%s", err.message);
    st_close(st);
    mem_free(data);
}

/* Fail the 1st, 2nd, ... allocation until opening succeeds: each failure must be a
 * clean error (make asan checks that nothing leaks). */
static void alloc_failure_loop(int (*open_fn)(SafeTensors **, const char *, Error *), const char *path) {
    int n;
    for (n = 1; n < 100000; n++) {
        SafeTensors *st = NULL;
        Error err = {0};
        mem_fail_after(n);
        int rc = open_fn(&st, path, &err);
        mem_fail_after(0);
        if (rc == 0) {
            st_close(st);
            break;
        }
        CHECKF(st == NULL && err.message[0], "allocation %d: failure without a message", n);
    }
    CHECKF(n > 3 && n < 100000, "opening never succeeded or allocated almost nothing (%d)", n);
    printf("  %s: %d allocation failure points\n", path, n - 1);
}

TEST(allocation_failures_are_clean) {
    if (!have_ref) SKIP("reference script failed");
    char path[600];
    snprintf(path, sizeof path, "%s/single.safetensors", ref_dir);
    alloc_failure_loop(st_open, path);
    snprintf(path, sizeof path, "%s/sharded", ref_dir);
    alloc_failure_loop(st_open_dir, path);
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

/* A copy of the sharded folder with a different index. */
static void expect_index_error(const char *index_json, const char *want) {
    char cmd[4096], dir[600], path[700];
    snprintf(dir, sizeof dir, "build/tests/st_sharded_bad");
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s && cp %s/sharded/*.safetensors %s/", dir, dir, ref_dir, dir);
    CHECK(system(cmd) == 0);
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    write_text(path, index_json);
    SafeTensors *st = NULL;
    Error err = {0};
    CHECK(st_open_dir(&st, dir, &err) != 0);
    CHECKF(strstr(err.message, want) != NULL, "error \"%s\" lacks \"%s\"", err.message, want);
    st_close(st);
}

TEST(sharded_index_is_checked) {
    if (!have_ref) SKIP("reference script failed");
    const char *a = "model-00001-of-00002.safetensors", *b = "model-00002-of-00002.safetensors";
    char json[1024];
    snprintf(json, sizeof json,
             "{\"weight_map\":{\"model.layers.0.weight\":\"%s\",\"model.norm.weight\":\"%s\",\"lm_head.weight\":\"%s\"}}",
             a, b, b);
    expect_index_error(json, "but the index says");
    snprintf(json, sizeof json,
             "{\"weight_map\":{\"model.layers.0.weight\":\"%s\",\"model.norm.weight\":\"%s\",\"lm_head.weight\":\"%s\","
             "\"ghost\":\"%s\"}}", a, a, b, b);
    expect_index_error(json, "ghost");
    snprintf(json, sizeof json, "{\"weight_map\":{\"model.layers.0.weight\":\"%s\",\"lm_head.weight\":\"%s\"}}", a, b);
    expect_index_error(json, "not listed in the index");
    expect_index_error("{\"weight_map\":{\"x\":\"../../etc/passwd\"}}", "not a plain file name");
    expect_index_error("{\"weight_map\":{\"x\":\"missing.safetensors\"}}", "missing.safetensors");
    expect_index_error("{\"weight_map\": 3}", "weight_map");
    expect_index_error("{\"weight_map\": {", "not valid JSON");
}

TEST(index_parse_from_memory) {
    const char *json = "{\"metadata\":{\"total_size\":1},\"weight_map\":{\"a\":\"x.safetensors\",\"b\":\"y.safetensors\","
                       "\"c\":\"x.safetensors\"}}";
    StIndex *idx;
    Error err = {0};
    CHECKF(st_index_parse(&idx, json, strlen(json), "idx", &err) == 0, "%s", err.message);
    if (!idx) return;
    CHECK(st_index_count(idx) == 3 && st_index_file_count(idx) == 2);
    CHECK_STR(st_index_tensor(idx, 2), "c");
    CHECK_STR(st_index_file(idx, st_index_shard_of(idx, 2)), "x.safetensors");
    CHECK_STR(st_index_file(idx, st_index_shard_of(idx, 1)), "y.safetensors");
    st_index_free(idx);
}

int main(void) {
    have_ref = harness_ref("st_ref.py", ref_dir, sizeof ref_dir) == 0;
    RUN(reads_pytorch_reference_file);
    RUN(reads_sharded_reference_folder);
    RUN(save_reproduces_reference_bytes);
    RUN(save_pads_header_and_roundtrips);
    RUN(save_rejects_bad_tensors);
    RUN(every_truncation_is_a_clean_error);
    RUN(allocation_failures_are_clean);
    RUN(sharded_index_is_checked);
    RUN(index_parse_from_memory);
    return harness_finish();
}
