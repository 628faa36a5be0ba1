/* exaone demo — EXAONE-mini both ways and in both languages, with timings
 * (`make run` runs it). */
#include "../core/file.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/mini_image.h"
#include "args.h"
#include "commands.h"
#include "mini_cli.h"

#include <stdio.h>
#include <sys/stat.h>

static const char *usage =
    "usage: exaone demo [-m MODEL] [-o DIR] [--seed S]\n\n"
    "Draws an English and a Korean prompt (two candidates each, one grid), captions the\n"
    "first drawing in both languages, translates a sentence both ways, and prints the\n"
    "timings and the paths it wrote.\n\n"
    "options:\n"
    "  -o DIR            output folder (default exaone-demo)\n"
    "  --seed S          (default 1)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

int cmd_demo(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone demo");
    const char *model = NULL, *out = "exaone-demo";
    int64_t seed = 1, threads = 1;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_value(&args, "-o", NULL, &out)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    char dir[1024], path[1200];
    double t = time_seconds();
    MiniModel *m = mini_cli_open("exaone demo", model, (int)threads, dir, sizeof dir, NULL);
    if (!m) return 1;
    printf("model      %s (loaded in %.2f s)\n", dir, time_seconds() - t);
    const MiniVocab *v = mini_vocab(m);
    int G = v->grid_h * v->grid_w, rc = 1;
    const char *prompts[2] = {"a red apple", "노란 별"};
    int *codes = mem_alloc((size_t)4 * (size_t)G * sizeof(int));
    Error err = {0};
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    if (!codes || (mkdir(out, 0755) != 0 && !dir_exists(out))) {
        fprintf(stderr, "exaone demo: cannot create %s\n", out);
        goto done;
    }
    for (int i = 0; i < 4; i++) {
        o.seed = (uint64_t)seed + (uint64_t)(i % 2);
        t = time_seconds();
        if (mini_draw(m, prompts[i / 2], &o, codes + (size_t)i * G, &err) != 0) goto fail;
        printf("draw       \"%s\" seed %d: %.2f s\n", prompts[i / 2], (int)o.seed, time_seconds() - t);
    }
    snprintf(path, sizeof path, "%s/draw-grid.png", out);
    const char *meta[] = {"prompt", "a red apple | 노란 별", "model", dir, "settings", "demo cfg=3 top_p=0.95", NULL};
    if (mini_image_decode(dir, codes, 4, v->grid_h, v->grid_w, path, meta, &err) == 0)
        printf("wrote      %s\n", path);
    else
        printf("image      not written: %s\n", err.message);
    for (int l = 0; l < 2; l++) {
        char *text;
        t = time_seconds();
        if (mini_caption(m, codes, l ? MINI_LANG_KO : MINI_LANG_EN, 24, 4, &text, &err) != 0) goto fail;
        printf("caption %s %s  (%.2f s)\n", l ? "ko" : "en", text, time_seconds() - t);
        mem_free(text);
    }
    const char *sentences[2] = {"Open file", "파일 저장"};
    for (int l = 0; l < 2; l++) {
        char *text;
        t = time_seconds();
        if (mini_translate(m, sentences[l], l ? MINI_LANG_EN : MINI_LANG_KO, 32, 4, &text, &err) != 0) goto fail;
        printf("translate  %s -> %s  (%.2f s)\n", sentences[l], text, time_seconds() - t);
        mem_free(text);
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "exaone demo: %s\n", err.message);
done:
    mem_free(codes);
    mini_free(m);
    return rc;
}
