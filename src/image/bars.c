/* Grouped bar chart PNG (see bars.h). */
#include "bars.h"

#include "../formats/png.h"
#include "image.h"
#include "label.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { BAR = 12, GAP = 14, LEFT = 44, TOP = 30, PLOT_H = 240, BOTTOM = 40, RIGHT = 64 };

static void fill(Image *img, int x0, int y0, int x1, int y1, const uint8_t rgb[3]) {
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < img->height; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < img->width; x++)
            memcpy(img->pixels + ((size_t)y * img->width + x) * 3, rgb, 3);
}

int plot_bars_png(const char *path, const double *values, int n_groups, int n_series, const char *const *group_labels,
                  const char *const *series_labels, Error *err) {
    static const uint8_t palette[6][3] = {{40, 90, 200}, {230, 130, 20}, {40, 160, 80}, {200, 40, 60}, {130, 70, 180},
                                          {90, 90, 90}};
    if (n_groups < 1 || n_series < 1 || n_series > 6 || n_groups > 200)
        return error_set(err, "%s: want 1-200 groups of 1-6 series", path);
    int cluster = n_series * BAR + GAP;
    int width = LEFT + n_groups * cluster + RIGHT, height = TOP + PLOT_H + BOTTOM;
    Image *img = image_new(width, height, 3, err);
    if (!img) return -1;
    memset(img->pixels, 255, image_bytes(img));
    const uint8_t grid[3] = {225, 225, 225}, axis[3] = {90, 90, 90};
    for (int q = 0; q <= 4; q++) { /* grid lines at 0, .25, .5, .75, 1 */
        int y = TOP + PLOT_H - PLOT_H * q / 4;
        fill(img, LEFT, y, width - RIGHT, y + 1, q ? grid : axis);
        char tick[8];
        snprintf(tick, sizeof tick, q == 0 ? "0" : q == 4 ? "1" : ".%d", 25 * q);
        label_draw(img, LEFT - 6 - label_width(tick, 2), y - 5, tick, 2, axis);
    }
    for (int g = 0; g < n_groups; g++) {
        int x = LEFT + GAP / 2 + g * cluster;
        for (int s = 0; s < n_series; s++) {
            double v = values[g * n_series + s];
            v = isfinite(v) ? (v < 0 ? 0 : v > 1 ? 1 : v) : 0;
            int h = (int)lround(v * PLOT_H);
            fill(img, x + s * BAR, TOP + PLOT_H - h, x + (s + 1) * BAR - 2, TOP + PLOT_H, palette[s]);
        }
        /* group labels alternate between two rows so neighbours never overlap */
        label_draw(img, x, TOP + PLOT_H + 6 + (g % 2) * 14, group_labels[g], 2, IMAGE_BLACK);
    }
    for (int s = 0, x = LEFT; s < n_series; s++) {
        fill(img, x, 8, x + 10, 18, palette[s]);
        label_draw(img, x + 14, 8, series_labels[s], 2, IMAGE_BLACK);
        x += 14 + label_width(series_labels[s], 2) + 16;
    }
    int rc = pngio_write_file(path, img, NULL, 0, err);
    image_free(img);
    return rc;
}
