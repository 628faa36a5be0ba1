/* plot.c — line chart PNG (plot.h). */
#include "plot.h"

#include "../core/mem.h"
#include "../formats/png.h"
#include "image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void dot(Image *img, int x, int y, const uint8_t rgb[3]) {
    if (x < 0 || y < 0 || x >= img->width || y >= img->height) return;
    memcpy(img->pixels + ((size_t)y * img->width + x) * 3, rgb, 3);
}

static void line(Image *img, int x0, int y0, int x1, int y1, const uint8_t rgb[3]) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (;;) { /* Bresenham */
        dot(img, x0, y0, rgb);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) e += dy, x0 += sx;
        if (e2 <= dx) e += dx, y0 += sy;
    }
}

static void polyline(Image *img, const double *y, int n, double lo, double hi, int pad, const uint8_t rgb[3]) {
    int w = img->width - 2 * pad, h = img->height - 2 * pad, px = 0, py = 0;
    for (int i = 0; i < n; i++) {
        int x = pad + (n > 1 ? (int)lround((double)i * w / (n - 1)) : w / 2);
        int yy = pad + h - (int)lround((y[i] - lo) / (hi - lo) * h);
        if (i) line(img, px, py, x, yy, rgb);
        px = x, py = yy;
    }
}

int plot_series_png(const char *path, const double *y, int n, int width, int height, Error *err) {
    if (n < 1) return error_set(err, "%s: nothing to plot", path);
    Image *img = image_new(width, height, 3, err);
    if (!img) return -1;
    memset(img->pixels, 255, image_bytes(img));
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(y[i])) lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
    if (!(hi > lo)) hi = lo + 1, lo -= 1;
    int pad = 16;
    const uint8_t grid[3] = {220, 220, 220}, axis[3] = {120, 120, 120}, blue[3] = {40, 90, 200}, red[3] = {210, 40, 40};
    for (int q = 0; q <= 4; q++) {
        int yy = pad + (height - 2 * pad) * q / 4;
        line(img, pad, yy, width - pad, yy, q == 4 ? axis : grid);
    }
    line(img, pad, pad, pad, height - pad, axis);
    polyline(img, y, n, lo, hi, pad, blue);
    int win = n / 20 > 1 ? n / 20 : 1;
    double *mean = mem_alloc(sizeof(double) * (size_t)n);
    if (mean) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += y[i];
            if (i >= win) s -= y[i - win];
            mean[i] = s / (i + 1 < win ? i + 1 : win);
        }
        polyline(img, mean, n, lo, hi, pad, red);
        mem_free(mean);
    }
    int rc = pngio_write_file(path, img, NULL, 0, err);
    image_free(img);
    return rc;
}
