/* bars.h — a grouped bar chart PNG: values in [0, 1], one cluster of bars per
 * group, one colour per series, grid lines at quarters (labelled), group
 * labels under the clusters and a legend of the series on top (ASCII, in the
 * 3x5 font of label.h). The numbers themselves belong in a table beside it.
 *
 *     double v[2 * 3] = {0.1, 0.5, 0.3,   0.2, 0.4, 0.3};      // [groups][series]
 *     const char *groups[] = {"MAN", "WOMAN"}, *series[] = {"EXACT", "CHRF", "T2I"};
 *     plot_bars_png("bars.png", v, 2, 3, groups, series, &err);
 */
#ifndef EXAONE_IMAGE_BARS_H
#define EXAONE_IMAGE_BARS_H

#include "../core/error.h"

int plot_bars_png(const char *path, const double *values, int n_groups, int n_series, const char *const *group_labels,
                  const char *const *series_labels, Error *err);

#endif
