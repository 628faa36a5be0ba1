/* The cluster bootstrap of the fairness report (src/cli/cluster_bootstrap.h):
 * exact answers where the data leave no doubt, pairing through shared
 * clusters, coverage on simulated data, determinism and bad input. */
#include "../harness.h"

#include "cli/cluster_bootstrap.h"
#include "train/rng.h"

#include <math.h>

TEST(constant_groups_have_zero_width_intervals) {
    double value[6] = {0.25, 0.25, 0.25, 0.75, 0.75, 0.75};
    int group[6] = {0, 0, 0, 1, 1, 1}, cluster[6] = {0, 1, 2, 3, 4, 5};
    ClusterBoot b;
    Error err = {0};
    CHECK(cluster_boot_run(&b, value, group, cluster, 6, 2, 200, 1, &err) == 0);
    double lo, hi;
    CHECK(cluster_boot_interval(&b, 0, -1, 0.95, &lo, &hi) > 0 && lo == 0.25 && hi == 0.25);
    /* unpaired clusters: some resamples miss a group; the rest give exactly 0.5 */
    int used = cluster_boot_interval(&b, 1, 0, 0.95, &lo, &hi);
    CHECK(used > 0 && used <= 200 && fabs(lo - 0.5) < 1e-12 && fabs(hi - 0.5) < 1e-12);
    cluster_boot_free(&b);
}

/* Two forms of each of 40 clusters whose level varies a lot: group 1 is
 * always group 0 + 0.1. Paired through the clusters, the difference's
 * interval is exactly 0.1, though each group's own interval is wide. */
TEST(shared_clusters_pair_the_difference) {
    enum { K = 40 };
    double value[2 * K];
    int group[2 * K], cluster[2 * K];
    Rng rng;
    rng_seed(&rng, 3);
    for (int k = 0; k < K; k++) {
        double level = rng_uniform(&rng);
        value[2 * k] = level, group[2 * k] = 0, cluster[2 * k] = 7 * k;
        value[2 * k + 1] = level + 0.1, group[2 * k + 1] = 1, cluster[2 * k + 1] = 7 * k;
    }
    ClusterBoot b;
    Error err = {0};
    CHECK(cluster_boot_run(&b, value, group, cluster, 2 * K, 2, 500, 9, &err) == 0);
    double lo, hi, dlo, dhi;
    cluster_boot_interval(&b, 0, -1, 0.95, &lo, &hi);
    CHECK(cluster_boot_interval(&b, 1, 0, 0.95, &dlo, &dhi) == 500);
    printf("  group 0: [%.3f, %.3f]; group 1 - group 0: [%.6f, %.6f]\n", lo, hi, dlo, dhi);
    CHECK(hi - lo > 0.1);
    CHECK(fabs(dlo - 0.1) < 1e-9 && fabs(dhi - 0.1) < 1e-9);
    cluster_boot_free(&b);
}

/* 100 simulated studies of 30 clusters x 3 cases (a cluster effect and
 * case noise, true mean 0.5): the 90 % interval should hold 0.5 about 90
 * times. Between 78 and 99 allows for the bootstrap's known undercoverage
 * with few clusters and for chance; a broken resampler (e.g. resampling
 * cases, which ignores the cluster effect) falls far below. */
TEST(intervals_cover_the_true_mean) {
    enum { K = 30, PER = 3, STUDIES = 100 };
    double value[K * PER];
    int group[K * PER], cluster[K * PER], covered = 0;
    Rng rng;
    rng_seed(&rng, 11);
    for (int s = 0; s < STUDIES; s++) {
        for (int k = 0; k < K; k++) {
            double effect = 0.2 * rng_normal(&rng);
            for (int j = 0; j < PER; j++) {
                int i = k * PER + j;
                value[i] = 0.5 + effect + 0.05 * rng_normal(&rng), group[i] = 0, cluster[i] = k;
            }
        }
        ClusterBoot b;
        Error err = {0};
        if (cluster_boot_run(&b, value, group, cluster, K * PER, 1, 400, (uint64_t)s, &err) != 0) break;
        double lo, hi;
        cluster_boot_interval(&b, 0, -1, 0.90, &lo, &hi);
        covered += lo <= 0.5 && 0.5 <= hi;
        cluster_boot_free(&b);
    }
    printf("  90 %% intervals holding the true mean: %d of %d\n", covered, STUDIES);
    CHECK(covered >= 78 && covered <= 99);
}

TEST(same_seed_same_intervals_and_bad_input) {
    double value[4] = {0, 1, 0, 1};
    int group[4] = {0, 0, 1, 1}, cluster[4] = {0, 1, 2, 3};
    ClusterBoot a, b;
    Error err = {0};
    CHECK(cluster_boot_run(&a, value, group, cluster, 4, 2, 100, 5, &err) == 0);
    CHECK(cluster_boot_run(&b, value, group, cluster, 4, 2, 100, 5, &err) == 0);
    CHECK(a.means && b.means && memcmp(a.means, b.means, 200 * sizeof(double)) == 0);
    cluster_boot_free(&a);
    cluster_boot_free(&b);
    cluster[2] = -1;
    CHECK(cluster_boot_run(&a, value, group, cluster, 4, 2, 100, 5, &err) != 0 && strstr(err.message, "cluster"));
    CHECK(a.means == NULL);
}

int main(void) {
    RUN(constant_groups_have_zero_width_intervals);
    RUN(shared_clusters_pair_the_difference);
    RUN(intervals_cover_the_true_mean);
    RUN(same_seed_same_intervals_and_bad_input);
    return harness_finish();
}
