/* tune_run.c — checkpoints, loss log and curve, epoch order of LoRA tuning (tune_run.h). */
#include "tune_run.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "../formats/safetensors.h"
#include "../image/plot.h"
#include "rng.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const moment_prefix[3] = {"", "optimizer.exp_avg.", "optimizer.exp_avg_sq."};

int tune_ckpt_save(const char *dir, const ParamTable *tb, const float *params, const AdamW *opt, int64_t step_n,
                   uint64_t seed_n, Error *err) {
    int n = tb->count;
    StTensor *ts = mem_calloc((size_t)n * 3, sizeof *ts);
    char *names = mem_calloc((size_t)n * 3, 160);
    if (!ts || !names) {
        mem_free(ts);
        mem_free(names);
        return error_set(err, "out of memory");
    }
    const float *base[3] = {params, opt->m, opt->v};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < n; i++) {
            const ParamEntry *e = &tb->entries[i];
            StTensor *s = &ts[k * n + i];
            char *nm = names + (size_t)(k * n + i) * 160;
            snprintf(nm, 160, "%s%s", moment_prefix[k], e->name);
            *s = (StTensor){.name = nm, .dtype = DTYPE_F32, .n_dims = 2, .data = base[k] + e->offset,
                            .size = e->numel * sizeof(float)};
            s->shape[0] = e->rows;
            s->shape[1] = e->cols;
        }
    char step[32], astep[32], seed[32], path[1100];
    snprintf(step, sizeof step, "%" PRId64, step_n);
    snprintf(astep, sizeof astep, "%" PRId64, opt->step);
    snprintf(seed, sizeof seed, "%" PRIu64, seed_n);
    const char *meta[] = {"step", step, "adam_step", astep, "seed", seed, NULL};
    snprintf(path, sizeof path, "%s/" TUNE_CKPT_NAME, dir);
    int rc = st_save(path, ts, (size_t)n * 3, meta, err);
    mem_free(ts);
    mem_free(names);
    return rc;
}

int tune_ckpt_load(const char *dir, const ParamTable *tb, float *params, AdamW *opt, int64_t *step_n, uint64_t seed_n,
                   Error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/" TUNE_CKPT_NAME, dir);
    SafeTensors *st = NULL;
    if (st_open(&st, path, err) != 0) return -1;
    float *base[3] = {params, opt->m, opt->v};
    int rc = st_count(st) == (size_t)tb->count * 3 ? 0
                                                   : error_set(err, "%s: %zu tensors, this run has %d (same --rank / "
                                                                    "--targets / model?)", path, st_count(st), tb->count * 3);
    for (int k = 0; k < 3 && !rc; k++)
        for (int i = 0; i < tb->count && !rc; i++) {
            const ParamEntry *e = &tb->entries[i];
            char nm[200];
            snprintf(nm, sizeof nm, "%s%s", moment_prefix[k], e->name);
            const StTensor *s = st_find(st, nm);
            if (!s || s->dtype != DTYPE_F32 || s->size != e->numel * sizeof(float))
                rc = error_set(err, "%s: tensor %s is missing or has another shape", path, nm);
            else
                memcpy(base[k] + e->offset, s->data, s->size);
        }
    const char *step = st_metadata(st, "step"), *astep = st_metadata(st, "adam_step"), *seed = st_metadata(st, "seed");
    if (!rc && (!step || !astep || !seed)) rc = error_set(err, "%s: no step / adam_step / seed metadata", path);
    if (!rc) {
        *step_n = strtoll(step, NULL, 10);
        opt->step = strtoll(astep, NULL, 10);
        if (strtoull(seed, NULL, 10) != seed_n) rc = error_set(err, "%s: written with another --seed", path);
    }
    st_close(st);
    return rc;
}

int tune_csv_truncate(const char *path, int64_t step, Error *err) {
    char *text = NULL;
    size_t len = 0;
    if (!file_exists(path)) return 0;
    if (file_read_all(path, (size_t)1 << 30, &text, &len, err) != 0) return -1;
    size_t keep = 0;
    for (size_t i = 0; i < len;) {
        char *nl = memchr(text + i, '\n', len - i);
        size_t next = nl ? (size_t)(nl - text) + 1 : len;
        long long s = 0;
        if (i > 0 && (sscanf(text + i, "%lld,", &s) != 1 || s > step)) break;
        keep = next;
        i = next;
    }
    int rc = file_write_atomic(path, text, keep, err);
    mem_free(text);
    return rc;
}

int tune_plot_csv(const char *csv_path, const char *png_path, Error *err) {
    FILE *f = fopen(csv_path, "r");
    if (!f) return error_set(err, "cannot read %s", csv_path);
    double *all = NULL;
    int n_all = 0, cap = 0, rc = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        double v;
        long long s;
        if (sscanf(line, "%lld,%lf", &s, &v) != 2) continue;
        if (n_all == cap) {
            cap = cap ? cap * 2 : 256;
            double *na = mem_realloc(all, sizeof(double) * (size_t)cap);
            if (!na) {
                rc = error_set(err, "out of memory reading %s", csv_path);
                break;
            }
            all = na;
        }
        all[n_all++] = v;
    }
    fclose(f);
    if (!rc && n_all > 0) rc = plot_series_png(png_path, all, n_all, 640, 360, err);
    mem_free(all);
    return rc;
}

void tune_epoch_order(int *perm, int n, uint64_t seed, int64_t epoch) {
    Rng rng;
    rng_seed(&rng, seed * 1000003u + (uint64_t)epoch + 1);
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(&rng, (uint64_t)i + 1), tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
}
