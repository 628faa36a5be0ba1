/* split.c — see split.h. */
#include "split.h"

uint64_t data_hash(const char *key) {
    uint64_t h = 14695981039346656037ull; /* FNV-1a 64 offset basis */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 1099511628211ull;
    return h;
}

DataSplit data_split_of(const char *key) {
    uint64_t bucket = data_hash(key) % 20;
    return bucket == 0 ? SPLIT_TEST : bucket == 1 ? SPLIT_VAL : SPLIT_TRAIN;
}

const char *data_split_name(DataSplit split) {
    static const char *names[DATA_N_SPLITS] = {"train", "val", "test"};
    return (unsigned)split < DATA_N_SPLITS ? names[split] : "?";
}
