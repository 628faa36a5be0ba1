/* Garment mock-ups (mockup.h): silhouettes, fold shading, pattern mapping. */
#include "mockup.h"

#include "../core/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const mockup_garment_names[MOCKUP_N_GARMENTS] = {"tshirt", "dress", "hoodie", "scarf"};

int mockup_garment_parse(const char *name) {
    for (int i = 0; i < MOCKUP_N_GARMENTS; i++)
        if (strcmp(name, mockup_garment_names[i]) == 0) return i;
    return -1;
}

typedef struct {
    double x, y;
} Pt;

#define MAX_PTS 4096

typedef struct {
    Pt p[MAX_PTS];
    int n;
} Outline;

static void push(Outline *o, double x, double y) {
    if (o->n < MAX_PTS) o->p[o->n++] = (Pt){x, y};
}

/* Right half of a left-right symmetric garment, from the top of the centre
 * line clockwise to the bottom of it, as offsets from x = 0.5. */
static const double tshirt_half[][2] = {{0, .19},   {.06, .16},  {.1, .11},   {.2, .14},  {.3, .19},
                                        {.43, .37}, {.34, .45},  {.26, .36},  {.255, .6}, {.26, .89},
                                        {.13, .9},  {0, .9}};
static const double hoodie_half[][2] = {{0, .035},  {.08, .05},  {.125, .12}, {.14, .19}, {.23, .21},
                                        {.31, .28}, {.39, .55},  {.43, .76},  {.35, .78}, {.28, .5},
                                        {.265, .4}, {.27, .86},  {.26, .91},  {.1, .915}, {0, .915}};
static const double dress_half[][2] = {{0, .14},   {.06, .1},   {.09, .05},  {.11, .05}, {.13, .17},
                                       {.15, .24}, {.12, .36},  {.13, .42},  {.22, .66}, {.35, .9},
                                       {.2, .93},  {0, .935}};
/* The hood's opening (darker: we look into it), same convention. */
static const double hood_hole_half[][2] = {{0, .08}, {.05, .1}, {.07, .15}, {.045, .2}, {0, .22}};
/* Centre line of a scarf hanging round an invisible neck. */
static const double scarf_line[][2] = {{.37, .93}, {.36, .6}, {.38, .3}, {.43, .15}, {.5, .11},
                                       {.57, .15}, {.62, .3}, {.63, .55}, {.6, .85}};

static void mirrored(Outline *o, const double (*half)[2], int n) {
    o->n = 0;
    for (int i = 0; i < n; i++) push(o, 0.5 + half[i][0], half[i][1]);
    for (int i = n - 2; i > 0; i--) push(o, 0.5 - half[i][0], half[i][1]);
}

/* A band of the given width around an open centre line. */
static void band(Outline *o, const double (*line)[2], int n, double width) {
    o->n = 0;
    for (int side = 0; side < 2; side++)
        for (int k = 0; k < n; k++) {
            int i = side ? n - 1 - k : k, a = i > 0 ? i - 1 : i, b = i < n - 1 ? i + 1 : i;
            double tx = line[b][0] - line[a][0], ty = line[b][1] - line[a][1], len = sqrt(tx * tx + ty * ty);
            double nx = -ty / len, ny = tx / len, s = side ? -width / 2 : width / 2;
            push(o, line[i][0] + nx * s, line[i][1] + ny * s);
        }
}

/* Closed Catmull-Rom through the points, `steps` segments per edge. */
static void smooth(const Outline *in, Outline *out, int steps) {
    int n = in->n;
    out->n = 0;
    for (int i = 0; i < n; i++) {
        Pt p0 = in->p[(i + n - 1) % n], p1 = in->p[i], p2 = in->p[(i + 1) % n], p3 = in->p[(i + 2) % n];
        for (int s = 0; s < steps; s++) {
            double t = (double)s / steps, t2 = t * t, t3 = t2 * t;
            double x = 0.5 * (2 * p1.x + (p2.x - p0.x) * t + (2 * p0.x - 5 * p1.x + 4 * p2.x - p3.x) * t2 +
                              (3 * p1.x - p0.x - 3 * p2.x + p3.x) * t3);
            double y = 0.5 * (2 * p1.y + (p2.y - p0.y) * t + (2 * p0.y - 5 * p1.y + 4 * p2.y - p3.y) * t2 +
                              (3 * p1.y - p0.y - 3 * p2.y + p3.y) * t3);
            push(out, x, y);
        }
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Adds coverage (even-odd fill, 4x4 samples per pixel) times `weight`. */
static void fill(const Outline *o, float *mask, int size, float weight) {
    enum { SS = 4 };
    double xs[MAX_PTS];
    for (int y = 0; y < size; y++)
        for (int sy = 0; sy < SS; sy++) {
            double fy = (y + (sy + 0.5) / SS) / size;
            int nx = 0;
            for (int i = 0; i < o->n; i++) {
                Pt a = o->p[i], b = o->p[(i + 1) % o->n];
                if ((a.y <= fy) != (b.y <= fy)) xs[nx++] = (a.x + (fy - a.y) / (b.y - a.y) * (b.x - a.x)) * size * SS;
            }
            qsort(xs, (size_t)nx, sizeof *xs, cmp_double);
            for (int k = 0; k + 1 < nx; k += 2) {
                int x0 = (int)ceil(xs[k] - 0.5), x1 = (int)ceil(xs[k + 1] - 0.5);
                if (x0 < 0) x0 = 0;
                if (x1 > size * SS) x1 = size * SS;
                for (int sx = x0; sx < x1; sx++) mask[(size_t)y * size + sx / SS] += weight / (SS * SS);
            }
        }
}

static void garment_outline(MockupGarment g, Outline *raw) {
#define MIRROR(t) mirrored(raw, t, (int)(sizeof t / sizeof t[0]))
    switch (g) {
    case MOCKUP_TSHIRT: MIRROR(tshirt_half); break;
    case MOCKUP_HOODIE: MIRROR(hoodie_half); break;
    case MOCKUP_DRESS: MIRROR(dress_half); break;
    default: band(raw, scarf_line, (int)(sizeof scarf_line / sizeof scarf_line[0]), 0.12); break;
    }
#undef MIRROR
}

float *mockup_mask(MockupGarment g, int size, Error *err) {
    if (g < 0 || g >= MOCKUP_N_GARMENTS || size < 8 || size > 4096) {
        error_set(err, "mockup: garment %d / size %d out of range", (int)g, size);
        return NULL;
    }
    float *mask = mem_calloc((size_t)size * size, sizeof(float));
    Outline *raw = mem_alloc(2 * sizeof(Outline));
    if (!mask || !raw) {
        mem_free(mask);
        mem_free(raw);
        error_set(err, "mockup: out of memory for a %dx%d mask", size, size);
        return NULL;
    }
    garment_outline(g, raw);
    smooth(raw, raw + 1, 12);
    fill(raw + 1, mask, size, 1.0f);
    mem_free(raw);
    for (size_t i = 0; i < (size_t)size * size; i++) mask[i] = mask[i] > 1 ? 1 : mask[i];
    return mask;
}

/* The hood's inside, as coverage to darken (hoodie only). */
static int hood_hole(float *hole, int size, Error *err) {
    Outline *raw = mem_alloc(2 * sizeof(Outline));
    if (!raw) return error_set(err, "mockup: out of memory");
    mirrored(raw, hood_hole_half, (int)(sizeof hood_hole_half / sizeof hood_hole_half[0]));
    smooth(raw, raw + 1, 12);
    fill(raw + 1, hole, size, 1.0f);
    mem_free(raw);
    return 0;
}

/* Three passes of a running box mean along rows then columns (~Gaussian). */
static void blur(float *a, float *tmp, int size, int r) {
    for (int pass = 0; pass < 3; pass++)
        for (int dir = 0; dir < 2; dir++) {
            for (int line = 0; line < size; line++) {
                double acc = 0;
                size_t step = dir ? (size_t)size : 1, base = dir ? (size_t)line : (size_t)line * size;
                for (int i = -r; i <= r; i++) acc += a[base + step * (size_t)(i < 0 ? 0 : i >= size ? size - 1 : i)];
                for (int i = 0; i < size; i++) {
                    tmp[base + step * i] = (float)(acc / (2 * r + 1));
                    int add = i + r + 1 < size ? i + r + 1 : size - 1, sub = i - r > 0 ? i - r : 0;
                    acc += a[base + step * add] - a[base + step * sub];
                }
            }
            memcpy(a, tmp, (size_t)size * size * sizeof(float));
        }
}

/* Cloth hanging from the shoulders: mostly vertical ridges that wander and
 * fan out downwards; height in about [-1, 1]. */
static double fold_height(MockupGarment g, double x, double y) {
    double spread = g == MOCKUP_DRESS ? 1.0 + 1.6 * y : 1.0;
    double u = (x - 0.5) / spread;
    double h = 0.55 * sin(2 * M_PI * (u * 7.0 + 0.25 * sin(3.1 * y + 0.7))) * (0.3 + y) +
               0.3 * sin(2 * M_PI * (u * 13.0 - 0.4 * y) + 1.3) * y + 0.25 * sin(2 * M_PI * (y * 2.3 + u * 1.7));
    if (g == MOCKUP_SCARF) h = 0.6 * sin(2 * M_PI * (x * 8.0 + y * 2.0)) + 0.3 * sin(2 * M_PI * y * 5.0);
    return h;
}

/* Bilinear sample with wrap-around at pattern pixel coordinates (u, v). */
static void sample(const Image *p, double u, double v, double rgb[3]) {
    u -= 0.5;
    v -= 0.5;
    double fu = floor(u), fv = floor(v), au = u - fu, av = v - fv;
    int x0 = (int)fmod(fmod(fu, p->width) + p->width, p->width), y0 = (int)fmod(fmod(fv, p->height) + p->height, p->height);
    int x1 = (x0 + 1) % p->width, y1 = (y0 + 1) % p->height, ch = p->channels;
    for (int c = 0; c < 3; c++) {
        int cc = ch >= 3 ? c : 0;
#define PX(x, y) p->pixels[((size_t)(y) * p->width + (x)) * ch + cc]
        rgb[c] = (1 - av) * ((1 - au) * PX(x0, y0) + au * PX(x1, y0)) + av * ((1 - au) * PX(x0, y1) + au * PX(x1, y1));
#undef PX
    }
}

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

Image *mockup_render(const Image *pattern, MockupGarment g, int size, double tile_frac, Error *err) {
    if (size < 64 || size > 4096 || !(tile_frac >= 0.02 && tile_frac <= 1) || pattern->width < 1 ||
        pattern->height < 1) {
        error_set(err, "mockup: size %d (64..4096) or pattern scale %g (0.02..1) out of range", size, tile_frac);
        return NULL;
    }
    size_t N = (size_t)size * size;
    float *mask = mockup_mask(g, size, err);
    float *edge = mem_alloc(N * sizeof(float)), *shadow = mem_alloc(N * sizeof(float));
    float *hole = mem_calloc(N, sizeof(float)), *tmp = mem_alloc(N * sizeof(float));
    Image *out = mask && edge && shadow && hole && tmp ? image_new(size, size, 3, err) : NULL;
    if (!out) {
        if (mask && (!edge || !shadow || !hole || !tmp)) error_set(err, "mockup: out of memory for %d x %d", size, size);
        goto done;
    }
    if (g == MOCKUP_HOODIE && hood_hole(hole, size, err)) {
        image_free(out);
        out = NULL;
        goto done;
    }
    memcpy(edge, mask, N * sizeof(float));
    blur(edge, tmp, size, size / 90 + 1);
    int off = size / 60;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            int sx = x - off, sy = y - off;
            shadow[(size_t)y * size + x] = sx >= 0 && sy >= 0 ? mask[(size_t)sy * size + sx] : 0;
        }
    blur(shadow, tmp, size, size / 40 + 1);
    double scale = pattern->width / (tile_frac * size), eps = 1.0 / size;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            size_t i = (size_t)y * size + x;
            double fx = (x + 0.5) / size, fy = (y + 0.5) / size;
            /* background: soft vertical gradient with the garment's shadow */
            double bg = (236 - 22 * fy) * (1 - 0.35 * shadow[i]);
            uint8_t *o = out->pixels + i * 3;
            double cov = mask[i];
            if (cov <= 0) {
                o[0] = o[1] = o[2] = (uint8_t)lround(bg);
                continue;
            }
            double h = fold_height(g, fx, fy);
            double dhx = (fold_height(g, fx + eps, fy) - h) / eps, dhy = (fold_height(g, fx, fy + eps) - h) / eps;
            /* light from the upper left: slopes facing it are brighter */
            double light = 0.9 + 0.12 * h + 0.004 * (-dhx - 0.5 * dhy) - 0.08 * fy;
            double rim = clamp01((edge[i] - 0.5) * 2.2);
            light *= 0.62 + 0.38 * sqrt(rim);
            light *= 1 - 0.55 * clamp01(hole[i]);
            double rgb[3];
            /* the pattern follows the cloth: displaced along the fold slope */
            sample(pattern, (x + 0.0025 * size * dhx / 10) * scale, (y + 0.0015 * size * h) * scale, rgb);
            for (int c = 0; c < 3; c++) {
                double v = rgb[c] * light;
                v = cov * (v > 255 ? 255 : v) + (1 - cov) * bg;
                o[c] = (uint8_t)lround(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
done:
    mem_free(mask);
    mem_free(edge);
    mem_free(shadow);
    mem_free(hole);
    mem_free(tmp);
    return out;
}
