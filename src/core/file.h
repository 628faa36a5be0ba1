/* file.h — reading, mapping and atomically writing files.
 *
 * Model files are mmap'ed read-only: tensors are pointers into the map, so a
 * 1 GB model costs no copy and pages are shared between processes.
 * Every output file is written atomically: to "<path>.tmp.<pid>", fsync'ed,
 * renamed over the target, and the directory fsync'ed, so a crash leaves
 * either the old complete file or the new complete file, never a torn one.
 *
 *     MappedFile map;
 *     if (file_map(&map, path, &err) != 0) ...
 *     ... map.data, map.size ...
 *     file_unmap(&map);
 *
 *     AtomicFile out;
 *     if (atomic_open(&out, "model.gguf", &err) != 0) ...
 *     atomic_write(&out, buf, n, &err); ...
 *     atomic_commit(&out, &err);          // or atomic_abort(&out) on error
 */
#ifndef EXAONE_FILE_H
#define EXAONE_FILE_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    char path[512];
} MappedFile;

int file_map(MappedFile *map, const char *path, Error *err);
void file_unmap(MappedFile *map);

/* Reads a whole file into a NUL-terminated heap buffer (mem_free it).
 * max_size guards against reading a huge file by mistake. */
int file_read_all(const char *path, size_t max_size, char **out, size_t *out_size, Error *err);

int file_exists(const char *path);
int dir_exists(const char *path);

typedef struct {
    FILE *fp;
    char final_path[512];
    char temp_path[540];
} AtomicFile;

int atomic_open(AtomicFile *file, const char *path, Error *err);
int atomic_write(AtomicFile *file, const void *data, size_t size, Error *err);
int atomic_commit(AtomicFile *file, Error *err);
void atomic_abort(AtomicFile *file);

/* Convenience: the whole buffer, atomically. */
int file_write_atomic(const char *path, const void *data, size_t size, Error *err);

#endif
