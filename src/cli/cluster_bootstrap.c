/* The cluster bootstrap (see cluster_bootstrap.h). */
#include "cluster_bootstrap.h"

#include "../core/mem.h"
#include "../train/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int cluster_boot_run(ClusterBoot *b, const double *value, const int *group, const int *cluster, int n, int n_groups,
                     int reps, uint64_t seed, Error *err) {
    memset(b, 0, sizeof *b);
    if (n < 0 || n_groups < 1 || reps < 1) return error_set(err, "bootstrap: bad sizes");
    /* renumber the clusters 0 .. K-1 and list each one's cases */
    int K = 0, max_id = -1, rc = -1;
    for (int i = 0; i < n; i++) max_id = cluster[i] > max_id ? cluster[i] : max_id;
    int *dense = mem_alloc(((size_t)max_id + 2) * sizeof(int)), *first = NULL, *count = NULL, *order = NULL;
    double *sum = mem_alloc((size_t)n_groups * sizeof(double));
    int *cnt = mem_alloc((size_t)n_groups * sizeof(int));
    b->means = mem_alloc((size_t)reps * n_groups * sizeof(double));
    if (!dense || !sum || !cnt || !b->means) goto oom;
    for (int i = 0; i <= max_id; i++) dense[i] = -1;
    for (int i = 0; i < n; i++)
        if (cluster[i] < 0) {
            error_set(err, "bootstrap: case %d has no cluster", i);
            goto done;
        } else if (dense[cluster[i]] < 0) {
            dense[cluster[i]] = K++;
        }
    first = mem_calloc((size_t)K + 1, sizeof(int));
    count = mem_calloc((size_t)K + 1, sizeof(int));
    order = mem_alloc(((size_t)n + 1) * sizeof(int));
    if (!first || !count || !order) goto oom;
    for (int i = 0; i < n; i++) count[dense[cluster[i]]]++;
    for (int k = 1; k < K; k++) first[k] = first[k - 1] + count[k - 1];
    memset(count, 0, (size_t)K * sizeof(int));
    for (int i = 0; i < n; i++) {
        int k = dense[cluster[i]];
        order[first[k] + count[k]++] = i;
    }
    Rng rng;
    rng_seed(&rng, seed);
    for (int r = 0; r < reps; r++) {
        memset(sum, 0, (size_t)n_groups * sizeof(double));
        memset(cnt, 0, (size_t)n_groups * sizeof(int));
        for (int draw = 0; draw < K; draw++) {
            int k = (int)rng_below(&rng, (uint64_t)K);
            for (int j = 0; j < count[k]; j++) {
                int i = order[first[k] + j];
                if (group[i] < 0 || group[i] >= n_groups) continue;
                sum[group[i]] += value[i];
                cnt[group[i]]++;
            }
        }
        for (int g = 0; g < n_groups; g++) b->means[(size_t)r * n_groups + g] = cnt[g] ? sum[g] / cnt[g] : NAN;
    }
    b->n_groups = n_groups;
    b->reps = reps;
    rc = 0;
    goto done;
oom:
    error_set(err, "bootstrap: out of memory");
done:
    mem_free(dense);
    mem_free(first);
    mem_free(count);
    mem_free(order);
    mem_free(sum);
    mem_free(cnt);
    if (rc) cluster_boot_free(b);
    return rc;
}

int cluster_boot_interval(const ClusterBoot *b, int g, int h, double level, double *lo, double *hi) {
    *lo = *hi = NAN;
    if (!b->means || g < 0 || g >= b->n_groups || h >= b->n_groups) return 0;
    double *v = mem_alloc((size_t)b->reps * sizeof(double));
    if (!v) return 0;
    int m = 0;
    for (int r = 0; r < b->reps; r++) {
        double x = b->means[(size_t)r * b->n_groups + g], y = h >= 0 ? b->means[(size_t)r * b->n_groups + h] : 0;
        if (!isnan(x) && !isnan(y)) v[m++] = x - y;
    }
    if (m > 0) {
        qsort(v, (size_t)m, sizeof(double), cmp_double);
        double tail = (1 - level) / 2;
        int a = (int)floor(tail * (m - 1) + 0.5), z = (int)floor((1 - tail) * (m - 1) + 0.5);
        *lo = v[a];
        *hi = v[z];
    }
    mem_free(v);
    return m;
}

void cluster_boot_free(ClusterBoot *b) {
    mem_free(b->means);
    memset(b, 0, sizeof *b);
}
