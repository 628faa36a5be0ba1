/* cluster_bootstrap.h — confidence intervals for per-group means when the
 * cases come in clusters (Efron & Tibshirani 1993, the cluster bootstrap):
 * e.g. the six skin-tone forms and two styles of one base emoji are one
 * cluster, so resampling whole base emoji keeps their correlation, and a
 * difference between two groups that share clusters is a paired comparison.
 *
 *     ClusterBoot b;
 *     cluster_boot_run(&b, value, group, cluster, n, n_groups, 1000, seed, &err);
 *     cluster_boot_interval(&b, g, -1, 0.95, &lo, &hi);     // group g's mean
 *     cluster_boot_interval(&b, g, h, 0.95, &lo, &hi);      // mean of g minus mean of h
 *     cluster_boot_free(&b);
 */
#ifndef EXAONE_CLUSTER_BOOTSTRAP_H
#define EXAONE_CLUSTER_BOOTSTRAP_H

#include "../core/error.h"

#include <stdint.h>

typedef struct {
    int n_groups, reps;
    double *means; /* [reps, n_groups]; NaN when a resample has no case of the group */
} ClusterBoot;

/* value[i] of case i, in group group[i] (0 .. n_groups-1, or -1: left out)
 * and cluster cluster[i] (any int >= 0). reps resamples of the clusters
 * with replacement, from an Rng seeded with seed. */
int cluster_boot_run(ClusterBoot *b, const double *value, const int *group, const int *cluster, int n, int n_groups,
                     int reps, uint64_t seed, Error *err);
/* Percentile interval (level e.g. 0.95) of group g's mean, or of g's mean
 * minus h's (h >= 0) over the resamples where both have cases. Returns the
 * number of resamples used (0: no interval, lo = hi = NaN). */
int cluster_boot_interval(const ClusterBoot *b, int g, int h, double level, double *lo, double *hi);
void cluster_boot_free(ClusterBoot *b);

#endif
