#define _POSIX_C_SOURCE 200809L
#include "file.h"

#include "mem.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int file_map(MappedFile *map, const char *path, Error *err) {
    memset(map, 0, sizeof *map);
    snprintf(map->path, sizeof map->path, "%s", path);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return error_set(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return error_set(err, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return error_set(err, "%s: not a regular file", path);
    }
    map->size = (size_t)st.st_size;
    if (map->size == 0) {
        /* mmap of length 0 fails; an empty file is still a valid (if useless) input. */
        close(fd);
        map->data = (const uint8_t *)"";
        return 0;
    }
    void *p = mmap(NULL, map->size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) return error_set(err, "%s: cannot mmap: %s", path, strerror(e));
    map->data = p;
    return 0;
}

void file_unmap(MappedFile *map) {
    if (map->data && map->size) munmap((void *)map->data, map->size);
    map->data = NULL;
    map->size = 0;
}

int file_read_all(const char *path, size_t max_size, char **out, size_t *out_size, Error *err) {
    *out = NULL;
    if (out_size) *out_size = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return error_set(err, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = mem_alloc(cap + 1);
    if (!buf) {
        fclose(fp);
        return error_set(err, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max_size) {
                mem_free(buf);
                fclose(fp);
                return error_set(err, "%s: larger than the limit of %zu bytes", path, max_size);
            }
            size_t next = cap * 2 > max_size ? max_size : cap * 2;
            char *grown = mem_realloc(buf, next + 1);
            if (!grown) {
                mem_free(buf);
                fclose(fp);
                return error_set(err, "%s: out of memory", path);
            }
            buf = grown;
            cap = next;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) break;
    }
    int failed = ferror(fp);
    fclose(fp);
    if (failed) {
        mem_free(buf);
        return error_set(err, "%s: read error", path);
    }
    buf[n] = 0;
    *out = buf;
    if (out_size) *out_size = n;
    return 0;
}

int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int dir_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A writer killed before its commit (SIGKILL, power loss) leaves PATH.tmp.PID behind.
 * The next writer of PATH removes those whose process is gone, so crashes do not
 * pile up temporary files next to checkpoints. A live writer's file is kept. */
static void remove_stale_temps(const char *path) {
    char dir_copy[512], base_copy[512];
    snprintf(dir_copy, sizeof dir_copy, "%s", path);
    snprintf(base_copy, sizeof base_copy, "%s", path);
    const char *dir = dirname(dir_copy), *base = basename(base_copy);
    size_t base_len = strlen(base);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, ".tmp.", 5) != 0) continue;
        char *end;
        long pid = strtol(name + base_len + 5, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char stale[1024];
        if ((size_t)snprintf(stale, sizeof stale, "%s/%s", dir, name) < sizeof stale) unlink(stale);
    }
    closedir(d);
}

int atomic_open(AtomicFile *file, const char *path, Error *err) {
    memset(file, 0, sizeof *file);
    if (strlen(path) >= sizeof file->final_path) return error_set(err, "%s: path too long", path);
    snprintf(file->final_path, sizeof file->final_path, "%s", path);
    snprintf(file->temp_path, sizeof file->temp_path, "%s.tmp.%ld", path, (long)getpid());
    remove_stale_temps(path);
    file->fp = fopen(file->temp_path, "wb");
    if (!file->fp) return error_set(err, "%s: cannot create: %s", file->temp_path, strerror(errno));
    return 0;
}

int atomic_write(AtomicFile *file, const void *data, size_t size, Error *err) {
    if (size && fwrite(data, 1, size, file->fp) != size)
        return error_set(err, "%s: write failed: %s", file->final_path, strerror(errno));
    return 0;
}

static void fsync_parent_dir(const char *path) {
    char copy[512];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int atomic_commit(AtomicFile *file, Error *err) {
    int ok = fflush(file->fp) == 0 && fsync(fileno(file->fp)) == 0;
    int e = errno;
    if (fclose(file->fp) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    file->fp = NULL;
    if (!ok) {
        unlink(file->temp_path);
        return error_set(err, "%s: write failed: %s", file->final_path, strerror(e));
    }
    if (rename(file->temp_path, file->final_path) != 0) {
        e = errno;
        unlink(file->temp_path);
        return error_set(err, "%s: cannot rename into place: %s", file->final_path, strerror(e));
    }
    fsync_parent_dir(file->final_path);
    return 0;
}

void atomic_abort(AtomicFile *file) {
    if (file->fp) fclose(file->fp);
    file->fp = NULL;
    if (file->temp_path[0]) unlink(file->temp_path);
}

int file_write_atomic(const char *path, const void *data, size_t size, Error *err) {
    AtomicFile file;
    if (atomic_open(&file, path, err) != 0) return -1;
    if (atomic_write(&file, data, size, err) != 0) {
        atomic_abort(&file);
        return -1;
    }
    return atomic_commit(&file, err);
}
