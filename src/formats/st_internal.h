/* st_internal.h — the SafeTensors struct, shared by safetensors.c (parsing),
 * safetensors_index.c (sharded folders) and nothing else. */
#ifndef EXAONE_ST_INTERNAL_H
#define EXAONE_ST_INTERNAL_H

#include "../core/file.h"
#include "safetensors.h"

struct SafeTensors {
    MappedFile *maps; /* owned mappings (none for st_parse) */
    size_t n_maps;
    StTensor *tensors; /* names are owned (mem_strdup) */
    uint32_t *shard_of; /* parallel to tensors */
    size_t n_tensors, cap_tensors;
    StTensor **by_name; /* sorted by name, for st_find (built by st_finalize) */
    char **meta;      /* key, value, key, value, ... (owned) */
    size_t n_meta, cap_meta;
    size_t n_shards;
};

SafeTensors *st_alloc(Error *err);
/* Parses one file's bytes and appends its tensors (tagged with shard) to st. */
int st_parse_into(SafeTensors *st, const uint8_t *data, size_t size, const char *label, uint32_t shard, Error *err);
/* Builds the name index and rejects duplicate names across all shards. */
int st_finalize(SafeTensors *st, const char *label, Error *err);
/* Index of name in st->tensors or -1 (after st_finalize). */
long st_lookup(const SafeTensors *st, const char *name);

#endif
