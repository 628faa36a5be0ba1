/* mini_scenes.c — scene augmentation for EXAONE-mini's corpus (mini_scenes.h). */
#include "mini_scenes.h"

#include "../core/mem.h"
#include "../image/image.h"
#include "../image/resize.h"
#include "../models/mini_image.h"
#include "../models/vq.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME 64 /* scene side in pixels before the VQ's own resize */
#define MAX_TRIES 64

typedef struct {
    const char *path, *name[2]; /* into the corpus copy; name[0] ko, name[1] en */
    int path_len, name_len[2];
    int usable; /* 0 unknown, 1 yes, -1 no (not an object on white, or unreadable) */
} Object;

typedef struct {
    Object *obj; /* [n_items] */
    int n_items;
    int *candidates, n_candidates; /* items with a path and both names */
    uint8_t *rgb;                  /* the picked object's picture [FRAME, FRAME, 3] */
} Objects;

/* Fields of one line split on tabs, up to max. */
static int split_tabs(const char *s, size_t n, const char **f, size_t *fl, int max) {
    int k = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n && k < max; i++)
        if (i == n || s[i] == '\t') {
            f[k] = s + start;
            fl[k++] = i - start;
            start = i + 1;
        }
    return k;
}

static int parse_item(const char *s, size_t n) {
    if (n == 0 || n > 9) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int objects_collect(Objects *o, const char *raw, size_t len, Error *err) {
    int max_item = -1;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            o->n_items = max_item + 1;
            o->obj = mem_calloc((size_t)o->n_items + 1, sizeof *o->obj);
            if (!o->obj) return error_set(err, "scenes: out of memory");
        }
        for (size_t i = 0; i < len;) {
            const char *s = raw + i, *nl = memchr(s, '\n', len - i);
            size_t n = nl ? (size_t)(nl - s) : len - i;
            i += n + 1;
            const char *f[4];
            size_t fl[4];
            int k = split_tabs(s, n, f, fl, 4);
            if (k < 3 || fl[0] != 1 || (f[0][0] != 'I' && f[0][0] != 'C')) continue;
            int item = parse_item(f[1], fl[1]);
            /* items are numbered densely from 0, so none can exceed the corpus's byte count:
             * the bound keeps a stray huge number from sizing the table */
            if (item < 0 || (size_t)item > len) continue;
            if (pass == 0) {
                if (item > max_item) max_item = item;
                continue;
            }
            Object *ob = &o->obj[item];
            if (f[0][0] == 'I' && !ob->path) {
                ob->path = f[2];
                ob->path_len = (int)fl[2];
            } else if (f[0][0] == 'C' && k == 4 && fl[2] == 2) {
                int lang = memcmp(f[2], "ko", 2) == 0 ? 0 : memcmp(f[2], "en", 2) == 0 ? 1 : -1;
                if (lang >= 0 && !ob->name[lang] && fl[3] > 0 && fl[3] < 200) {
                    ob->name[lang] = f[3];
                    ob->name_len[lang] = (int)fl[3];
                }
            }
        }
    }
    o->candidates = mem_alloc(sizeof(int) * ((size_t)o->n_items + 1));
    if (!o->candidates) return error_set(err, "scenes: out of memory");
    for (int i = 0; i < o->n_items; i++)
        if (o->obj[i].path && o->obj[i].name[0] && o->obj[i].name[1]) o->candidates[o->n_candidates++] = i;
    return 0;
}

/* An object on a plain light background: most border pixels near white. */
static int on_white(const uint8_t *rgb, int side) {
    int border = 0, light = 0;
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            if (y != 0 && y != side - 1 && x != 0 && x != side - 1) continue;
            const uint8_t *p = rgb + ((size_t)y * side + x) * 3;
            border++;
            light += p[0] >= 240 && p[1] >= 240 && p[2] >= 240;
        }
    return light * 10 >= border * 9;
}

/* A random usable object's picture, FRAME x FRAME, into o->rgb; its item in *item. */
static int pick_object(Objects *o, Rng *rng, int avoid, int *item) {
    char path[1100];
    for (int tries = 0; tries < MAX_TRIES; tries++) {
        int it = o->candidates[rng_below(rng, (uint64_t)o->n_candidates)];
        Object *ob = &o->obj[it];
        if (it == avoid || ob->usable < 0 || ob->path_len >= (int)sizeof path) continue;
        memcpy(path, ob->path, (size_t)ob->path_len);
        path[ob->path_len] = 0;
        Error ignore = {0};
        if (mini_image_read_rgb(path, o->rgb, FRAME, FRAME, &ignore) != 0 || !on_white(o->rgb, FRAME)) {
            ob->usable = -1;
            continue;
        }
        ob->usable = 1;
        *item = it;
        return 0;
    }
    return -1;
}

/* Pastes o->rgb shrunk to side x side at (x, y) of the scene. */
static int paste(const Objects *o, uint8_t *scene, int side, int x, int y, Error *err) {
    Image src = {.width = FRAME, .height = FRAME, .channels = 3, .pixels = o->rgb};
    Image *small = image_resize(&src, side, side, IMAGE_BOX, err);
    if (!small) return -1;
    for (int r = 0; r < side; r++)
        memcpy(scene + ((size_t)(y + r) * FRAME + x) * 3, small->pixels + (size_t)r * side * 3, (size_t)side * 3);
    image_free(small);
    return 0;
}

const char *mini_scenes_ko_and(const char *text) {
    size_t n = strlen(text);
    /* the last character, if it is a 3-byte UTF-8 Hangul syllable U+AC00..U+D7A3 */
    if (n >= 3) {
        const unsigned char *p = (const unsigned char *)text + n - 3;
        if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            unsigned cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            if (cp >= 0xAC00 && cp <= 0xD7A3) return (cp - 0xAC00) % 28 ? "과" : "와";
        }
    }
    return "와";
}

static int write_caption(AtomicFile *out, int item, const char *lang, const char *text, Error *err) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "C\t%d\t%s\t%s\n", item, lang, text);
    if (n < 0 || n >= (int)sizeof buf) return error_set(err, "scenes: caption too long");
    return atomic_write(out, buf, (size_t)n, err);
}

/* The captions of a scene of objects a (and b, or -1). */
static int write_captions(AtomicFile *out, const Objects *o, int item, int a, int b, Error *err) {
    char name[2][2][256]; /* [object][lang] */
    int objs[2] = {a, b};
    for (int k = 0; k < (b >= 0 ? 2 : 1); k++)
        for (int l = 0; l < 2; l++)
            snprintf(name[k][l], sizeof name[k][l], "%.*s", o->obj[objs[k]].name_len[l], o->obj[objs[k]].name[l]);
    if (b < 0) return write_caption(out, item, "ko", name[0][0], err) || write_caption(out, item, "en", name[0][1], err);
    char text[600];
    for (int first = 0; first < 2; first++) {
        int second = 1 - first;
        snprintf(text, sizeof text, "%s and %s", name[first][1], name[second][1]);
        if (write_caption(out, item, "en", text, err) != 0) return -1;
        snprintf(text, sizeof text, "%s%s %s", name[first][0], mini_scenes_ko_and(name[first][0]), name[second][0]);
        if (write_caption(out, item, "ko", text, err) != 0) return -1;
    }
    return 0;
}

static int uniform_int(Rng *rng, int lo, int hi) { return lo + (int)rng_below(rng, (uint64_t)(hi - lo + 1)); }

/* One scene into scene[FRAME*FRAME*3]; *a, *b the objects (b = -1 for a single). */
static int compose(Objects *o, Rng *rng, uint8_t *scene, int *a, int *b, Error *err) {
    memset(scene, 255, (size_t)FRAME * FRAME * 3);
    *b = -1;
    if (rng_below(rng, 3) == 0) {
        if (pick_object(o, rng, -1, a) != 0) return error_set(err, "scenes: no usable object in %d tries", MAX_TRIES);
        int side = uniform_int(rng, 20, 48);
        return paste(o, scene, side, uniform_int(rng, 0, FRAME - side), uniform_int(rng, 0, FRAME - side), err);
    }
    int vertical = rng_uniform(rng) < 0.4, half = FRAME / 2;
    int items[2];
    for (int k = 0; k < 2; k++) {
        if (pick_object(o, rng, k ? items[0] : -1, &items[k]) != 0)
            return error_set(err, "scenes: fewer than two usable objects");
        int side = uniform_int(rng, 20, half);
        int along = k * half + uniform_int(rng, 0, half - side), across = uniform_int(rng, 0, FRAME - side);
        if (paste(o, scene, side, vertical ? across : along, vertical ? along : across, err) != 0) return -1;
    }
    *a = items[0];
    *b = items[1];
    return 0;
}

int mini_scenes_write(const char *raw, size_t len, void *vq_model, int grid, int n_scenes, uint64_t seed,
                      AtomicFile *out, int *written, Error *err) {
    VqModel *vq = vq_model;
    Objects o = {0};
    *written = 0;
    int f = vq_factor(&vq->config), H = grid * f, G = grid * grid;
    uint8_t *scene = mem_alloc((size_t)FRAME * FRAME * 3);
    int *codes = mem_alloc(sizeof(int) * (size_t)G);
    char *line = mem_alloc((size_t)G * 6 + 64);
    o.rgb = mem_alloc((size_t)FRAME * FRAME * 3);
    int rc = scene && codes && line && o.rgb ? 0 : error_set(err, "scenes: out of memory");
    if (!rc) rc = objects_collect(&o, raw, len, err);
    if (!rc && o.n_candidates < 2)
        rc = error_set(err, "scenes: the corpus has %d items with an image and KO and EN names; need 2", o.n_candidates);
    Rng rng;
    rng_seed(&rng, seed);
    for (int k = 0; k < n_scenes && !rc; k++) {
        int a, b, item = o.n_items + k;
        rc = compose(&o, &rng, scene, &a, &b, err);
        if (!rc) {
            Image src = {.width = FRAME, .height = FRAME, .channels = 3, .pixels = scene};
            Image *img = H == FRAME ? NULL : image_resize(&src, H, H, IMAGE_BOX, err);
            if (H != FRAME && !img) rc = -1;
            else rc = mini_image_encode_rgb(vq, img ? img->pixels : scene, codes, grid, grid, err);
            image_free(img);
        }
        if (!rc) {
            int n = snprintf(line, (size_t)G * 6 + 64, "I\t%d\t", item);
            for (int g = 0; g < G; g++) n += snprintf(line + n, (size_t)G * 6 + 64 - (size_t)n, g ? " %d" : "%d", codes[g]);
            line[n++] = '\n';
            rc = atomic_write(out, line, (size_t)n, err) || write_captions(out, &o, item, a, b, err);
        }
        if (!rc) (*written)++;
    }
    mem_free(scene);
    mem_free(codes);
    mem_free(line);
    mem_free(o.rgb);
    mem_free(o.obj);
    mem_free(o.candidates);
    return rc ? -1 : 0;
}
