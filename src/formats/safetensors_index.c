/* safetensors_index.c — sharded checkpoints: model.safetensors.index.json and
 * opening a Hugging Face model folder. */
#include "../core/mem.h"
#include "fmt_util.h"
#include "safetensors.h"
#include "st_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

struct StIndex {
    char **tensors;  /* weight_map keys (owned) */
    size_t *shard_of;
    size_t n;
    char **files;    /* distinct shard file names, in first-seen order (owned) */
    size_t n_files;
};

void st_index_free(StIndex *idx) {
    if (!idx) return;
    for (size_t i = 0; i < idx->n; i++) mem_free(idx->tensors[i]);
    for (size_t i = 0; i < idx->n_files; i++) mem_free(idx->files[i]);
    mem_free(idx->tensors);
    mem_free(idx->shard_of);
    mem_free(idx->files);
    mem_free(idx);
}

size_t st_index_count(const StIndex *idx) { return idx->n; }
const char *st_index_tensor(const StIndex *idx, size_t i) { return idx->tensors[i]; }
size_t st_index_shard_of(const StIndex *idx, size_t i) { return idx->shard_of[i]; }
size_t st_index_file_count(const StIndex *idx) { return idx->n_files; }
const char *st_index_file(const StIndex *idx, size_t j) { return idx->files[j]; }

/* Shard names are joined to the folder path: anything but a plain file name
 * ("../../etc/passwd", "/abs", "a/b") would let an index reach outside it. */
static int shard_name_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 255 || strchr(s, '/') || strchr(s, '\\')) return 0;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return 0;
    return fmt_utf8_valid(s, n);
}

static int index_fill(StIndex *idx, const cJSON *map, Error *err) {
    size_t n = (size_t)cJSON_GetArraySize(map);
    idx->tensors = mem_calloc(n ? n : 1, sizeof *idx->tensors);
    idx->shard_of = mem_calloc(n ? n : 1, sizeof *idx->shard_of);
    idx->files = mem_calloc(n ? n : 1, sizeof *idx->files);
    if (!idx->tensors || !idx->shard_of || !idx->files) return error_set(err, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, map) {
        const char *name = item->string;
        if (!name || !fmt_utf8_valid(name, strlen(name))) return error_set(err, "a tensor name is not valid UTF-8");
        if (!cJSON_IsString(item)) return error_set(err, "weight_map entry for '%s' is not a string", name);
        if (!shard_name_ok(item->valuestring))
            return error_set(err, "weight_map entry for '%s' is not a plain file name: \"%.80s\"", name,
                             item->valuestring);
        size_t j = 0;
        while (j < idx->n_files && strcmp(idx->files[j], item->valuestring) != 0) j++;
        if (j == idx->n_files) {
            idx->files[j] = mem_strdup(item->valuestring);
            if (!idx->files[j]) return error_set(err, "out of memory");
            idx->n_files++;
        }
        idx->tensors[idx->n] = mem_strdup(name);
        if (!idx->tensors[idx->n]) return error_set(err, "out of memory");
        idx->shard_of[idx->n++] = j;
    }
    /* Duplicate keys (legal JSON) are caught against the shards in open_shards. */
    return 0;
}

int st_index_parse(StIndex **out, const char *json, size_t len, const char *label, Error *err) {
    *out = NULL;
    fmt_json_hooks();
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return error_set(err, "%s: not valid JSON (or out of memory)", label);
    int rc = 0;
    StIndex *idx = NULL;
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(root) || !cJSON_IsObject(map)) {
        rc = error_set(err, "%s: no \"weight_map\" object", label);
    } else if (!(idx = mem_calloc(1, sizeof *idx))) {
        rc = error_set(err, "%s: out of memory", label);
    } else if (index_fill(idx, map, err) != 0) {
        rc = error_prefix(err, "%s", label);
    }
    cJSON_Delete(root);
    if (rc != 0) {
        st_index_free(idx);
        return rc;
    }
    *out = idx;
    return 0;
}

static int join_path(char *buf, size_t size, const char *dir, const char *name, Error *err) {
    int n = snprintf(buf, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) return error_set(err, "%s/%s: path too long", dir, name);
    return 0;
}

static int open_shards(SafeTensors *st, const StIndex *idx, const char *dir, Error *err) {
    st->maps = mem_calloc(idx->n_files ? idx->n_files : 1, sizeof *st->maps);
    if (!st->maps) return error_set(err, "%s: out of memory", dir);
    for (size_t j = 0; j < idx->n_files; j++) {
        char path[1024];
        if (join_path(path, sizeof path, dir, idx->files[j], err) != 0) return -1;
        if (file_map(&st->maps[j], path, err) != 0) return error_prefix(err, "shard listed in the index");
        st->n_maps = j + 1;
        if (st_parse_into(st, st->maps[j].data, st->maps[j].size, path, (uint32_t)j, err) != 0) return -1;
    }
    st->n_shards = idx->n_files;
    if (st_finalize(st, dir, err) != 0) return -1;
    for (size_t i = 0; i < idx->n; i++) {
        long t = st_lookup(st, idx->tensors[i]);
        if (t < 0)
            return error_set(err, "%s: tensor '%s' is listed in the index for %s but that shard lacks it", dir,
                             idx->tensors[i], idx->files[idx->shard_of[i]]);
        if (st->shard_of[t] != idx->shard_of[i])
            return error_set(err, "%s: tensor '%s' is in %s but the index says %s", dir, idx->tensors[i],
                             idx->files[st->shard_of[t]], idx->files[idx->shard_of[i]]);
    }
    if (st->n_tensors != idx->n) {
        for (size_t t = 0; t < st->n_tensors; t++) {
            int listed = 0;
            for (size_t i = 0; i < idx->n && !listed; i++) listed = strcmp(idx->tensors[i], st->tensors[t].name) == 0;
            if (!listed)
                return error_set(err, "%s: tensor '%s' in %s is not listed in the index", dir, st->tensors[t].name,
                                 idx->files[st->shard_of[t]]);
        }
        return error_set(err, "%s: the index lists a tensor twice", dir);
    }
    return 0;
}

int st_open_dir(SafeTensors **out, const char *dir, Error *err) {
    *out = NULL;
    char path[1024];
    if (join_path(path, sizeof path, dir, "model.safetensors", err) != 0) return -1;
    if (file_exists(path)) return st_open(out, path, err);
    if (join_path(path, sizeof path, dir, "model.safetensors.index.json", err) != 0) return -1;
    if (!file_exists(path))
        return error_set(err, "%s: no model.safetensors or model.safetensors.index.json in this folder", dir);
    char *json = NULL;
    size_t len = 0;
    if (file_read_all(path, ST_MAX_HEADER, &json, &len, err) != 0) return -1;
    StIndex *idx = NULL;
    int rc = st_index_parse(&idx, json, len, path, err);
    mem_free(json);
    if (rc != 0) return rc;
    SafeTensors *st = st_alloc(err);
    if (!st) {
        st_index_free(idx);
        return error_prefix(err, "%s", dir);
    }
    rc = open_shards(st, idx, dir, err);
    st_index_free(idx);
    if (rc != 0) {
        st_close(st);
        return rc;
    }
    *out = st;
    return 0;
}
