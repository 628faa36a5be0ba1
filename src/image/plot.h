/* plot.h — a line chart PNG of a series (e.g. a loss curve): white background, grid
 * lines at quarters of the value range, the series in blue, its running mean over 1/20
 * of the points in red. No text: the numbers belong in the CSV next to it. */
#ifndef EXAONE_IMAGE_PLOT_H
#define EXAONE_IMAGE_PLOT_H

#include "../core/error.h"

int plot_series_png(const char *path, const double *y, int n, int width, int height, Error *err);

#endif
