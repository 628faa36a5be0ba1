/* exaone edit / vary — regenerate part of an existing picture on its code
 * grid (mini_hires.h keeps the codes of cells marked known).
 *
 *   edit IMG --mask MASK.png PROMPT    white mask pixels are redrawn
 *   edit IMG --outpaint left=64,...    the picture grows; the new border is drawn
 *   vary IMG -n 4                      each copy redraws a random part of the codes
 *
 * A cell (8x8 pixels) is redrawn when any of its pixels is masked; pixels
 * outside the mask are copied from the input, so they stay exactly as they
 * were. Windows run in raster order, so a redrawn cell sees kept cells above
 * and to its left (and the rows of context of its window), not those after
 * it in its own window. */
#include "../core/mem.h"
#include "../formats/png.h"
#include "../train/rng.h"
#include "args.h"
#include "commands.h"
#include "hires_cli.h"
#include "mini_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *edit_usage =
    "usage: exaone edit [OPTIONS] IMG [--] PROMPT\n\n"
    "Redraws the masked part of IMG (a PNG, sides multiples of 8) from PROMPT with EXAONE-mini.\n"
    "Cells of 8x8 pixels with any masked pixel are redrawn; everything else is kept exactly.\n\n"
    "options:\n"
    "  --mask PNG        white (grey > 127) pixels are redrawn; same size as IMG\n"
    "  --outpaint SPEC   grow the picture: left=64,right=64,top=0,bottom=0 (pixels, multiples of 8)\n"
    "  -o, --output PNG  where to write (default edit.png)\n"
    "  --seed S          (default 0)   --cfg X (default 3)   --temperature X (default 1)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

static const char *vary_usage =
    "usage: exaone vary [OPTIONS] IMG\n\n"
    "Writes N variations of IMG (a PNG, sides multiples of 8): each keeps a random part of its\n"
    "8x8-pixel cells and redraws the rest, unconditionally or from --prompt.\n\n"
    "options:\n"
    "  -n N              variations (default 4), written as OUT-1.png, OUT-2.png, ...\n"
    "  --keep X          fraction of cells kept (default 0.5)\n"
    "  --prompt TEXT     draw the redrawn cells from TEXT (default: no prompt, --cfg 1)\n"
    "  -o, --output PNG  (default vary.png)\n"
    "  --seed S          (default 0)   --cfg X (default 3 with a prompt)   --temperature X (default 1)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

/* "left=64,right=8" -> pads (left, right, top, bottom); -1 on a bad spec. */
static int parse_outpaint(const char *spec, int pad[4]) {
    static const char *const names[4] = {"left", "right", "top", "bottom"};
    memset(pad, 0, 4 * sizeof(int));
    for (const char *p = spec; *p;) {
        int i = 0, n = 0, value;
        for (; i < 4; i++) {
            size_t len = strlen(names[i]);
            if (strncmp(p, names[i], len) == 0 && p[len] == '=') break;
        }
        if (i == 4 || sscanf(p + strlen(names[i]) + 1, "%d%n", &value, &n) != 1 || value < 0 || value > 2048 ||
            value % 8)
            return -1;
        pad[i] = value;
        p += strlen(names[i]) + 1 + n;
        if (*p == ',') p++;
        else if (*p) return -1;
    }
    return 0;
}

/* The input picture as RGB; sides multiples of 8 in 8..4096 (else prints). */
static Image *read_picture(const char *command, const char *path, int channels) {
    Error err = {0};
    Image *img = NULL;
    if (pngio_read_file(path, channels, &img, NULL, &err) != 0) {
        fprintf(stderr, "%s: %s\n", command, err.message);
        return NULL;
    }
    if (img->width % 8 || img->height % 8 || img->width > 4096 || img->height > 4096) {
        fprintf(stderr, "%s: %s is %dx%d; sides must be multiples of 8 up to 4096\n", command, path, img->width,
                img->height);
        image_free(img);
        return NULL;
    }
    return img;
}

typedef struct {
    const char *command, *prompt, *model_dir;
    MiniModel *m;
    VqModel *vq;
    MiniHiresOptions o;
} Editor;

/* Encodes canvas, keeps the cells with no redraw pixel (redraw [W*H], 1 =
 * redraw), draws the rest and writes path with the kept pixels copied. */
static int redraw(Editor *e, const Image *canvas, const uint8_t *redraw_px, const char *path, const char *const *meta) {
    Error err = {0};
    int *codes = NULL, gh = 0, gw = 0, rc = 1, W = canvas->width;
    uint8_t *known = NULL;
    if (mini_hires_encode(e->vq, canvas, &codes, &gh, &gw, &err) != 0) goto fail;
    known = mem_alloc((size_t)gh * gw);
    if (!known) {
        error_set(&err, "out of memory");
        goto fail;
    }
    for (int r = 0; r < gh; r++)
        for (int c = 0; c < gw; c++) {
            int keep = 1;
            for (int y = r * 8; y < r * 8 + 8 && keep; y++)
                for (int x = c * 8; x < c * 8 + 8; x++)
                    if (redraw_px[(size_t)y * W + x]) keep = 0;
            known[r * gw + c] = (uint8_t)keep;
        }
    e->o.grid_h = gh;
    e->o.grid_w = gw;
    e->o.known = known;
    if (mini_hires_generate(e->m, e->prompt, &e->o, codes, &err) != 0) goto fail;
    rc = hires_cli_write(e->command, e->vq, codes, gh, gw, 0, canvas, redraw_px, path, meta, 0) ? 1 : 0;
    goto done;
fail:
    fprintf(stderr, "%s: %s\n", e->command, err.message);
done:
    mem_free(codes);
    mem_free(known);
    return rc;
}

static int open_editor(Editor *e, const char *model, int threads, char *model_dir, size_t cap, ThreadPool **pool) {
    e->m = mini_cli_open(e->command, model, threads, model_dir, cap, NULL);
    if (!e->m) return -1;
    e->model_dir = model_dir;
    e->vq = hires_cli_vq(e->command, model_dir, threads, pool);
    if (!e->vq) {
        mini_free(e->m);
        return -1;
    }
    return 0;
}

static void close_editor(Editor *e, ThreadPool *pool) {
    mini_free(e->m);
    vq_free(e->vq);
    pool_free(pool);
}

int cmd_edit(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone edit");
    const char *model = NULL, *input = NULL, *prompt = NULL, *output = "edit.png", *mask_path = NULL, *outpaint = NULL;
    int64_t seed = 0, threads = 1;
    double cfg = 3, temperature = 1;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(edit_usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_value(&args, "-o", "--output", &output)) continue;
        if (args_value(&args, NULL, "--mask", &mask_path)) continue;
        if (args_value(&args, NULL, "--outpaint", &outpaint)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (args_float(&args, NULL, "--cfg", 0, 100, &cfg)) continue;
        if (args_float(&args, NULL, "--temperature", 0, 100, &temperature)) continue;
        if (!input && args_positional(&args, &input)) continue;
        if (!prompt && args_positional(&args, &prompt)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    int pad[4] = {0};
    if (!input || !prompt) {
        fprintf(stderr, "exaone edit: missing %s (see exaone edit --help)\n", input ? "PROMPT" : "IMG");
        return 2;
    }
    if (!mask_path && !outpaint) {
        fprintf(stderr, "exaone edit: give --mask PNG and/or --outpaint left=N,right=N,top=N,bottom=N\n");
        return 2;
    }
    if (outpaint && parse_outpaint(outpaint, pad) != 0) {
        fprintf(stderr, "exaone edit: --outpaint wants left=N,right=N,top=N,bottom=N (multiples of 8 up to 2048), "
                        "not '%s'\n", outpaint);
        return 2;
    }
    Image *img = read_picture("exaone edit", input, 3), *mask = NULL, *canvas = NULL;
    uint8_t *redraw_px = NULL;
    int rc = 1;
    if (!img) return 1;
    if (mask_path) {
        Error err = {0};
        if (pngio_read_file(mask_path, 3, &mask, NULL, &err) != 0) {
            fprintf(stderr, "exaone edit: %s\n", err.message);
            goto done;
        }
        if (mask->width != img->width || mask->height != img->height) {
            fprintf(stderr, "exaone edit: %s is %dx%d but %s is %dx%d; the mask must match the picture\n", mask_path,
                    mask->width, mask->height, input, img->width, img->height);
            goto done;
        }
    }
    int W = img->width + pad[0] + pad[1], H = img->height + pad[2] + pad[3];
    Error err = {0};
    canvas = image_new(W, H, 3, &err);
    redraw_px = mem_alloc((size_t)W * H);
    if (!canvas || !redraw_px) {
        fprintf(stderr, "exaone edit: out of memory for %dx%d\n", W, H);
        goto done;
    }
    /* the new border starts mid-grey (it is redrawn) */
    memset(canvas->pixels, 128, (size_t)W * H * 3);
    memset(redraw_px, 1, (size_t)W * H);
    size_t redrawn = 0;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            size_t at = (size_t)(y + pad[2]) * W + (size_t)(x + pad[0]), src = (size_t)y * img->width + x;
            memcpy(canvas->pixels + at * 3, img->pixels + src * 3, 3);
            const uint8_t *mp = mask ? mask->pixels + src * 3 : NULL;
            redraw_px[at] = mp ? mp[0] + mp[1] + mp[2] > 3 * 127 : 0;
        }
    for (size_t i = 0; i < (size_t)W * H; i++) redrawn += redraw_px[i];
    if (!redrawn) {
        fprintf(stderr, "exaone edit: %s selects no pixel to redraw (white = redraw)\n", mask_path);
        goto done;
    }
    char model_dir[1024];
    ThreadPool *pool = NULL;
    Editor e = {.command = "exaone edit", .prompt = prompt};
    if (open_editor(&e, model, (int)threads, model_dir, sizeof model_dir, &pool) != 0) goto done;
    mini_hires_defaults(&e.o);
    e.o.draw.seed = (uint64_t)seed;
    e.o.draw.cfg = (float)cfg;
    e.o.draw.temperature = (float)temperature;
    char seed_s[32], settings[256];
    snprintf(seed_s, sizeof seed_s, "%" PRId64, seed);
    snprintf(settings, sizeof settings, "edit of %s mask=%s outpaint=%s cfg=%g temperature=%g", input,
             mask_path ? mask_path : "-", outpaint ? outpaint : "-", cfg, temperature);
    const char *meta[] = {"prompt", prompt, "seed", seed_s, "model", model_dir, "settings", settings, NULL};
    rc = redraw(&e, canvas, redraw_px, output, meta);
    close_editor(&e, pool);
done:
    image_free(img);
    image_free(mask);
    image_free(canvas);
    mem_free(redraw_px);
    return rc;
}

int cmd_vary(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone vary");
    const char *model = NULL, *input = NULL, *prompt = NULL, *output = "vary.png";
    int64_t n = 4, seed = 0, threads = 1;
    double cfg = -1, temperature = 1, keep = 0.5;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(vary_usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_value(&args, "-o", "--output", &output)) continue;
        if (args_value(&args, NULL, "--prompt", &prompt)) continue;
        if (args_int(&args, "-n", NULL, 1, 64, &n)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (args_float(&args, NULL, "--cfg", 0, 100, &cfg)) continue;
        if (args_float(&args, NULL, "--temperature", 0, 100, &temperature)) continue;
        if (args_float(&args, NULL, "--keep", 0, 0.99, &keep)) continue;
        if (!input && args_positional(&args, &input)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!input) {
        fprintf(stderr, "exaone vary: missing IMG (see exaone vary --help)\n");
        return 2;
    }
    Image *img = read_picture("exaone vary", input, 3);
    if (!img) return 1;
    int W = img->width, H = img->height, rc = 1;
    uint8_t *redraw_px = mem_alloc((size_t)W * H);
    char model_dir[1024];
    ThreadPool *pool = NULL;
    Editor e = {.command = "exaone vary", .prompt = prompt ? prompt : ""};
    if (!redraw_px || open_editor(&e, model, (int)threads, model_dir, sizeof model_dir, &pool) != 0) {
        if (!redraw_px) fprintf(stderr, "exaone vary: out of memory\n");
        mem_free(redraw_px);
        image_free(img);
        return 1;
    }
    mini_hires_defaults(&e.o);
    e.o.draw.cfg = (float)(cfg >= 0 ? cfg : prompt ? 3 : 1);
    e.o.draw.temperature = (float)temperature;
    const char *dot = strrchr(output, '.');
    int stem = dot && strcmp(dot, ".png") == 0 ? (int)(dot - output) : (int)strlen(output);
    for (int i = 0; i < n; i++) {
        Rng rng;
        e.o.draw.seed = (uint64_t)seed + (uint64_t)i;
        rng_seed(&rng, e.o.draw.seed ^ 0x5DEECE66Dull);
        for (int r = 0; r < H / 8; r++)
            for (int c = 0; c < W / 8; c++) {
                uint8_t v = rng_uniform(&rng) >= keep;
                for (int y = r * 8; y < r * 8 + 8; y++) memset(redraw_px + (size_t)y * W + c * 8, v, 8);
            }
        char path[1100], seed_s[32], settings[160];
        snprintf(path, sizeof path, "%.*s-%d.png", stem, output, i + 1);
        snprintf(seed_s, sizeof seed_s, "%" PRIu64, e.o.draw.seed);
        snprintf(settings, sizeof settings, "variation of %s keep=%g cfg=%g", input, keep, (double)e.o.draw.cfg);
        const char *meta[] = {"prompt", e.prompt, "seed", seed_s, "model", model_dir, "settings", settings, NULL};
        if (redraw(&e, img, redraw_px, path, meta) != 0) goto done;
    }
    rc = 0;
done:
    close_editor(&e, pool);
    mem_free(redraw_px);
    image_free(img);
    return rc;
}
