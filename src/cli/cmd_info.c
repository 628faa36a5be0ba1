/* exaone info [PATH] — with no PATH, what this machine and build can do; with
 * PATH, a description of a .safetensors file, a Hugging Face model folder
 * (single or sharded safetensors + config.json) or a .gguf file. */
#include "../core/cpu.h"
#include "../core/dtype.h"
#include "../core/file.h"
#include "../core/mem.h"
#include "../formats/gguf.h"
#include "../formats/safetensors.h"
#include "../models/exaone.h"
#include "args.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone info [PATH]\n\n"
    "With PATH, describe a model file or folder: a .safetensors file, a Hugging Face\n"
    "folder (model.safetensors or a sharded model.safetensors.index.json, plus\n"
    "config.json) or a .gguf file: format, tensor count, parameters, dtypes, size\n"
    "and key metadata. With no PATH, describe this machine: cores and the kernel\n"
    "paths chosen at run time (EXAONE_PORTABLE=1 forces portable C).\n";

static int print_machine(void) {
    const CpuFeatures *f = cpu_features();
    printf("exaone %s\n", EXAONE_VERSION);
    printf("cores            %d\n", cpu_count());
    printf("kernels          %s\n", cpu_describe());
    printf("avx512           %s\n", f->avx512 ? "yes" : "no");
    printf("avx512_bf16      %s\n", f->avx512_bf16 ? "yes" : "no");
    printf("avx512_vnni      %s\n", f->avx512_vnni ? "yes" : "no");
    return 0;
}

/* ---- shared summary: parameters and a dtype histogram ---- */

typedef struct {
    size_t tensors[64];
    uint64_t params[64];
    uint64_t total;
} Histogram;

static void histogram_add(Histogram *h, int dtype, uint64_t numel) {
    int slot = dtype >= 0 && dtype < 64 ? dtype : 63;
    h->tensors[slot]++;
    h->params[slot] += numel;
    h->total += numel;
}

static void print_scaled(uint64_t n) {
    if (n >= 1000000000ull)
        printf(" (%.2f B)", (double)n / 1e9);
    else if (n >= 1000000ull)
        printf(" (%.2f M)", (double)n / 1e6);
    else if (n >= 1000ull)
        printf(" (%.2f K)", (double)n / 1e3);
}

static void print_summary(const Histogram *h, size_t n_tensors, size_t bytes, const char *(*name_of)(int)) {
    printf("tensors          %zu\n", n_tensors);
    printf("parameters       %llu", (unsigned long long)h->total);
    print_scaled(h->total);
    printf("\ndtypes          ");
    for (int i = 0; i < 64; i++)
        if (h->tensors[i]) printf(" %s:%zu", name_of(i), h->tensors[i]);
    printf("   (tensors per dtype)\n");
    printf("size             %zu bytes (%.2f MiB)\n", bytes, (double)bytes / 1048576.0);
}

/* Quoted, truncated, with control bytes escaped (values come from the file). */
static void print_text(const char *s, size_t len) {
    size_t shown = len < 80 ? len : 80;
    putchar('"');
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf(len > shown ? "\"... (%zu bytes)" : "\"", len);
}

/* ---- safetensors ---- */

static const char *st_name_of(int dtype) { return st_dtype_string(dtype) ? st_dtype_string(dtype) : "?"; }

static void print_config(const char *dir) {
    char path[1024], *text = NULL;
    size_t len;
    Error err = {0};
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (!file_exists(path) || file_read_all(path, 16u << 20, &text, &len, &err) != 0) return;
    cJSON *root = cJSON_ParseWithLength(text, len);
    mem_free(text);
    if (!cJSON_IsObject(root)) {
        printf("config.json      (not a JSON object)\n");
        cJSON_Delete(root);
        return;
    }
    static const char *keys[] = {"model_type", "architectures", "hidden_size", "num_hidden_layers",
                                 "num_attention_heads", "num_key_value_heads", "vocab_size",
                                 "max_position_embeddings", "torch_dtype", NULL};
    for (int i = 0; keys[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (!v) continue;
        char *s = cJSON_PrintUnformatted(v);
        if (s) printf("%-16s %.200s\n", keys[i], s);
        cJSON_free(s);
    }
    cJSON_Delete(root);
}

static int info_safetensors(const char *path, int is_dir) {
    SafeTensors *st;
    Error err = {0};
    if ((is_dir ? st_open_dir(&st, path, &err) : st_open(&st, path, &err)) != 0) {
        fprintf(stderr, "exaone info: %s\n", err.message);
        return 1;
    }
    Histogram h = {0};
    for (size_t i = 0; i < st_count(st); i++) {
        const StTensor *t = st_tensor(st, i);
        uint64_t numel = 1;
        for (int d = 0; d < t->n_dims; d++) numel *= (uint64_t)t->shape[d];
        histogram_add(&h, t->dtype, numel);
    }
    printf("path             %s\n", path);
    if (st_shard_count(st) > 1)
        printf("format           safetensors (%zu shards)\n", st_shard_count(st));
    else
        printf("format           safetensors\n");
    print_summary(&h, st_count(st), st_file_bytes(st), st_name_of);
    const char *fmt = st_metadata(st, "format");
    if (fmt) printf("metadata.format  %s\n", fmt);
    if (is_dir) print_config(path);
    st_close(st);
    return 0;
}

/* ---- GGUF ---- */

static const char *gguf_name_of(int type) {
    const char *name = "?";
    gguf_ggml_type_info(type, &name, NULL, NULL);
    return name;
}

static void print_kv(const GgufKV *kv) {
    printf("  %-40s ", kv->key);
    if (kv->type == GGUF_TYPE_ARRAY) {
        printf("[%llu x %s]", (unsigned long long)kv->n, gguf_type_name(kv->elem_type));
    } else if (kv->type == GGUF_TYPE_STRING) {
        print_text(kv->str, strlen(kv->str));
    } else if (kv->type == GGUF_TYPE_BOOL) {
        printf("%s", kv->data[0] ? "true" : "false");
    } else if (kv->type == GGUF_TYPE_FLOAT32 || kv->type == GGUF_TYPE_FLOAT64) {
        double v = 0;
        gguf_kv_float(kv, &v);
        printf("%g", v);
    } else {
        int64_t v = 0;
        uint64_t u = 0;
        if (gguf_kv_int(kv, &v) == 0)
            printf("%lld", (long long)v);
        else if (kv->type == GGUF_TYPE_UINT64 && memcpy(&u, kv->data, 8))
            printf("%llu", (unsigned long long)u);
    }
    putchar('\n');
}

static int info_gguf(const char *path) {
    Gguf *g;
    Error err = {0};
    if (gguf_open(&g, path, &err) != 0) {
        fprintf(stderr, "exaone info: %s\n", err.message);
        return 1;
    }
    Histogram h = {0};
    for (size_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *t = gguf_tensor(g, i);
        histogram_add(&h, t->dtype, (uint64_t)t->ne[0] * (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3]);
    }
    printf("path             %s\n", path);
    printf("format           gguf v%u (alignment %zu, data at byte %zu)\n", gguf_version(g), gguf_alignment(g),
           gguf_data_offset(g));
    const char *arch = gguf_get_str(g, "general.architecture");
    if (arch) {
        printf("architecture     %s\n", arch);
        char key[256];
        uint64_t ctx;
        snprintf(key, sizeof key, "%s.context_length", arch);
        if (gguf_get_u64(g, key, &ctx) == 0) printf("context length   %llu\n", (unsigned long long)ctx);
    }
    const char *name = gguf_get_str(g, "general.name");
    if (name) printf("name             %s\n", name);
    size_t vocab;
    if (gguf_get_arr_n(g, "tokenizer.ggml.tokens", NULL, &vocab) == 0) printf("vocab            %zu\n", vocab);
    print_summary(&h, gguf_tensor_count(g), gguf_file_size(g), gguf_name_of);
    printf("metadata         %zu keys\n", gguf_kv_count(g));
    for (size_t i = 0; i < gguf_kv_count(g); i++) print_kv(gguf_kv(g, i));
    gguf_close(g);
    return 0;
}

static int info_path(const char *path) {
    if (dir_exists(path)) return info_safetensors(path, 1);
    if (!file_exists(path)) {
        fprintf(stderr, "exaone info: %s: no such file or folder\n", path);
        return 1;
    }
    char magic[4] = {0};
    FILE *fp = fopen(path, "rb");
    size_t got = fp ? fread(magic, 1, 4, fp) : 0;
    if (fp) fclose(fp);
    size_t len = strlen(path);
    /* The index of a sharded checkpoint stands for its folder. */
    static const char index_name[] = "model.safetensors.index.json";
    size_t index_len = sizeof index_name - 1;
    if (len >= index_len && strcmp(path + len - index_len, index_name) == 0) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%.*s", (int)(len - index_len), path);
        if (!dir[0]) snprintf(dir, sizeof dir, ".");
        return info_safetensors(dir, 1);
    }
    int gguf_name = len >= 5 && strcmp(path + len - 5, ".gguf") == 0;
    if ((got == 4 && memcmp(magic, "GGUF", 4) == 0) || gguf_name) return info_gguf(path);
    return info_safetensors(path, 0);
}

int cmd_info(int argc, char **argv) {
    Args args;
    const char *path = NULL;
    args_init(&args, argc, argv, "exaone info");
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (!path && args_positional(&args, &path)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!path) return print_machine();
    int rc = info_path(path);
    if (rc == 0) exaone_print_info(path, stdout);
    return rc;
}
