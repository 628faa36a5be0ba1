/* train_ref.h — reader for the tensor files written by tests/ref/refio.py
 * (PyTorch references of the training tests), and the error measure they use.
 *
 *     RefFile ref;
 *     if (ref_load(&ref, "build/ref/train_layers_ref/layernorm.bin") != 0) ...
 *     const RefTensor *x = ref_get(&ref, "inp");   // x->f32 or x->i32, x->numel
 *     ref_free(&ref);
 */
#ifndef EXAONE_TEST_TRAIN_REF_H
#define EXAONE_TEST_TRAIN_REF_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[128];
    int dtype; /* 0 f32, 1 i32 */
    int ndim;
    int64_t dims[8];
    int64_t numel;
    float *f32;
    int32_t *i32;
} RefTensor;

typedef struct {
    RefTensor *t;
    int count;
} RefFile;

static inline void ref_free(RefFile *r) {
    for (int i = 0; i < r->count; i++) {
        free(r->t[i].f32);
        free(r->t[i].i32);
    }
    free(r->t);
    memset(r, 0, sizeof *r);
}

static inline int ref_load(RefFile *r, const char *path) {
    memset(r, 0, sizeof *r);
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    char magic[4];
    uint32_t version, count;
    if (fread(magic, 1, 4, fp) != 4 || memcmp(magic, "EXRF", 4) != 0 || fread(&version, 4, 1, fp) != 1 ||
        version != 1 || fread(&count, 4, 1, fp) != 1 || count > 100000) {
        fclose(fp);
        return -1;
    }
    r->t = calloc(count, sizeof *r->t);
    for (uint32_t i = 0; i < count; i++) {
        RefTensor *t = &r->t[i];
        uint32_t len, dtype, ndim;
        if (fread(&len, 4, 1, fp) != 1 || len >= sizeof t->name || fread(t->name, 1, len, fp) != len ||
            fread(&dtype, 4, 1, fp) != 1 || fread(&ndim, 4, 1, fp) != 1 || ndim > 8 || dtype > 1)
            goto bad;
        t->dtype = (int)dtype;
        t->ndim = (int)ndim;
        t->numel = 1;
        if (fread(t->dims, 8, ndim, fp) != ndim) goto bad;
        for (uint32_t d = 0; d < ndim; d++) t->numel *= t->dims[d];
        if (t->numel < 0 || t->numel > (1ll << 30)) goto bad;
        void *data = malloc((size_t)t->numel * 4 + 4);
        if (dtype == 0) t->f32 = data;
        else t->i32 = data;
        r->count++;
        if (fread(data, 4, (size_t)t->numel, fp) != (size_t)t->numel) goto bad;
    }
    fclose(fp);
    return 0;
bad:
    fclose(fp);
    ref_free(r);
    return -1;
}

/* The named tensor, or NULL (quietly: for optional tensors). */
static inline const RefTensor *ref_find(const RefFile *r, const char *name) {
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->t[i].name, name) == 0) return &r->t[i];
    return NULL;
}

/* The named tensor; a missing one is reported (the caller's CHECK then fails). */
static inline const RefTensor *ref_get(const RefFile *r, const char *name) {
    const RefTensor *t = ref_find(r, name);
    if (!t) printf("  reference tensor '%s' missing\n", name);
    return t;
}

/* max |a - ref| / max |ref|: a relative error of the whole tensor, so tiny
 * entries do not blow it up and one bad entry cannot hide. */
static inline double ref_rel_error(const float *a, const float *ref, int64_t n) {
    double diff = 0, scale = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)ref[i]);
        if (d > diff || d != d) diff = d;
        if (fabs((double)ref[i]) > scale) scale = fabs((double)ref[i]);
    }
    return diff / (scale > 0 ? scale : 1);
}

#endif
