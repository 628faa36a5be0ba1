/* prepare_internal.h — what the parts of `data prepare` share: the open
 * output files and the counts. Not a public API. */
#ifndef EXAONE_DATA_PREPARE_INTERNAL_H
#define EXAONE_DATA_PREPARE_INTERNAL_H

#include "../core/file.h"
#include "captions.h"
#include "prepare.h"

typedef struct {
    uint64_t *slots; /* 0 = empty */
    size_t cap, count;
} HashSet;

typedef struct {
    const DataPrepareOptions *options;
    DataCounts *counts;
    AtomicFile captions, pairs, manifest, corpus[DATA_N_SPLITS];
    HashSet seen_en; /* English sides already paired, across all sources */
} PrepareRun;

/* One TSV row from NULL-terminated fields; tabs and newlines in fields become spaces. */
void prepare_row(AtomicFile *file, const char *first, ...);
/* A caption row + its corpus line, counted for source. */
void prepare_captions(PrepareRun *run, DataSource source, DataSplit split, const char *item, const char *image,
                      const CaptionList *captions);
void prepare_corpus_line(PrepareRun *run, DataSplit split, const char *text);
/* 1 if newly inserted, 0 if present, -1 out of memory. */
int hash_set_insert(HashSet *set, uint64_t hash);
void hash_set_free(HashSet *set);

int prepare_emoji(PrepareRun *run, Error *err);
int prepare_textures(PrepareRun *run, Error *err);
int prepare_pairs(PrepareRun *run, Error *err);

/* Sorted names of the entries of dir (files and folders, no dot files)
 * ending in suffix ("" for all). Free with prepare_list_free. */
int prepare_list_dir(const char *dir, const char *suffix, char ***names, int *count, Error *err);
void prepare_list_free(char **names, int count);

#endif
