/* exaone draw — text -> image with EXAONE-mini (sampling, classifier-free
 * guidance, self-reranking by p(prompt | image)). */
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/mini_image.h"
#include "args.h"
#include "commands.h"
#include "mini_cli.h"
#include "explain_cli.h"
#include "hires_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: exaone draw [OPTIONS] [--] PROMPT\n\n"
    "Draws PROMPT (Korean or English) with EXAONE-mini and writes a PNG whose tEXt chunks\n"
    "record the prompt, seed, model and settings. With -n N > 1 it draws N candidates\n"
    "(seeds S, S+1, ...) and also writes them as one grid (OUT with -grid before .png).\n"
    "The codes of every image are printed on stdout, one image a line.\n\n"
    "options:\n"
    "  -n N              images to draw (default 1)\n"
    "  --seed S          first seed (default 0); same seed, same image\n"
    "  -o, --output PNG  where to write (default draw.png; candidates get -1, -2, ...)\n"
    "  --cfg X           classifier-free guidance scale (default 3; 1 = off)\n"
    "  --temperature X   (default 1)   --top-k N (default 0 = off)   --top-p X (default 0.95)\n"
    "  --rerank          order the candidates by the model's own log p(prompt | image)\n"
    "  --codes-only      print codes, write no PNG (with --size/--tile: as the grid file\n"
    "                    exaone vq decode reads: a \"ROWS COLS\" line, then one line a row)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --lora DIR[:S]    add a LoRA adapter from exaone tune (repeatable; S scales it, default 1)\n"
    "  --threads N       (default 1)\n"
    "  --size WxH        draw WxH pixels (up to 4096, multiples of 8) by sliding windows\n"
    "  --tile            seamless: the picture wraps around on both axes (implies --size)\n"
    "  --context N       rows/columns of context a window keeps (default 2)\n"
    "  --batch N         windows that go through the model together (default 24; more: bigger\n"
    "                    products, more KV caches to stream)\n"
    "  --f32             --size/--tile in f32 products (default bf16: about 1.5x faster, another draw)\n"
    EXPLAIN_CLI_USAGE
    "                    (each drawing OUT gets OUT-explain.png)\n";

typedef struct {
    int index;
    double score;
} Ranked;

static int cmp_ranked(const void *a, const void *b) {
    double x = ((const Ranked *)a)->score, y = ((const Ranked *)b)->score;
    return x > y ? -1 : x < y ? 1 : ((const Ranked *)a)->index - ((const Ranked *)b)->index;
}

int cmd_draw(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone draw");
    LoraFlags lora = {0};
    const char *model = NULL, *prompt = NULL, *output = "draw.png";
    int64_t n = 1, seed = 0, threads = 1, top_k = 0;
    double cfg = 3, temperature = 1, top_p = 0.95;
    int rerank = 0, codes_only = 0;
    const char *size = NULL;
    int tile = 0, f32 = 0;
    int64_t context = 2, batch = 24;
    ExplainFlags explain = {0};
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (lora_flags_parse(&args, &lora)) continue;
        if (args_value(&args, "-o", "--output", &output)) continue;
        if (args_int(&args, "-n", NULL, 1, 64, &n)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (args_int(&args, NULL, "--top-k", 0, 1 << 20, &top_k)) continue;
        if (args_float(&args, NULL, "--cfg", 0, 100, &cfg)) continue;
        if (args_float(&args, NULL, "--temperature", 0, 100, &temperature)) continue;
        if (args_float(&args, NULL, "--top-p", 0, 1, &top_p)) continue;
        if (args_flag(&args, NULL, "--rerank")) { rerank = 1; continue; }
        if (args_flag(&args, NULL, "--codes-only")) { codes_only = 1; continue; }
        if (args_value(&args, NULL, "--size", &size)) continue;
        if (args_flag(&args, NULL, "--tile")) { tile = 1; continue; }
        if (args_flag(&args, NULL, "--f32")) { f32 = 1; continue; }
        if (args_int(&args, NULL, "--context", 0, 7, &context)) continue;
        if (args_int(&args, NULL, "--batch", 1, 1024, &batch)) continue;
        if (explain_cli_flag(&args, &explain)) continue;
        if (!prompt && args_positional(&args, &prompt)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!prompt) {
        fprintf(stderr, "exaone draw: missing PROMPT (see exaone draw --help)\n");
        return 2;
    }
    if (mini_cli_text_ok("exaone draw", "PROMPT", prompt) != 0) return 1;
    int method = explain_cli_method("exaone draw", &explain);
    if (method < 0) return 2;
    if (explain.on && (codes_only || size || tile)) {
        fprintf(stderr, "exaone draw: --explain works on 64x64 drawings written as PNG (not --codes-only, --size, --tile)\n");
        return 2;
    }
    int size_w = 0, size_h = 0;
    if ((size || tile) && hires_cli_size("exaone draw", size ? size : "512x512", &size_w, &size_h)) return 2;
    char model_dir[1024];
    MiniModel *m = mini_cli_open("exaone draw", model, (int)threads, model_dir, sizeof model_dir, &lora);
    if (!m) return 1;
    char lora_s[1024] = ""; /* the adapters, recorded in the PNG like the other settings */
    for (int i = 0; i < lora.n; i++)
        snprintf(lora_s + strlen(lora_s), sizeof lora_s - strlen(lora_s), "%s%s", i ? "," : "", lora.specs[i]);
    if (size_w) {
        MiniHiresOptions ho;
        mini_hires_defaults(&ho);
        ho.draw.cfg = (float)cfg;
        ho.draw.temperature = (float)temperature;
        ho.draw.top_p = (float)top_p;
        ho.draw.top_k = (int)top_k;
        ho.draw.seed = (uint64_t)seed;
        ho.grid_w = size_w / 8;
        ho.grid_h = size_h / 8;
        ho.tile = tile;
        ho.bf16 = !f32;
        ho.max_batch = (int)batch;
        ho.ctx_rows = ho.ctx_cols = (int)context;
        ho.progress = 1;
        char settings[256], seed_s[32];
        snprintf(seed_s, sizeof seed_s, "%" PRId64, seed);
        snprintf(settings, sizeof settings,
                 "size=%dx%d tile=%d context=%d cfg=%g temperature=%g top_k=%d top_p=%g products=%s", size_w, size_h,
                 tile, (int)context, cfg, temperature, (int)top_k, top_p, f32 ? "f32" : "bf16");
        const char *meta[] = {"prompt", prompt, "seed", seed_s, "model", model_dir, "settings", settings,
                              lora.n ? "lora" : NULL, lora_s, NULL};
        int hrc = hires_cli_draw("exaone draw", m, model_dir, prompt, &ho, (int)threads,
                                 codes_only ? NULL : output, meta);
        mini_free(m);
        return hrc;
    }
    const MiniVocab *v = mini_vocab(m);
    int G = v->grid_h * v->grid_w, rc = 1;
    int *codes = mem_alloc((size_t)n * (size_t)G * sizeof(int)), *ordered = mem_alloc((size_t)n * (size_t)G * sizeof(int));
    Ranked *rank = mem_alloc((size_t)n * sizeof *rank);
    Error err = {0};
    if (!codes || !ordered || !rank) {
        fprintf(stderr, "exaone draw: out of memory\n");
        goto done;
    }
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    o.cfg = (float)cfg;
    o.temperature = (float)temperature;
    o.top_p = (float)top_p;
    o.top_k = (int)top_k;
    double t0 = time_seconds();
    for (int i = 0; i < n; i++) {
        o.seed = (uint64_t)seed + (uint64_t)i;
        rank[i].index = i;
        rank[i].score = 0;
        if (mini_draw(m, prompt, &o, codes + (size_t)i * G, &err) != 0 ||
            (rerank && mini_score(m, codes + (size_t)i * G, prompt, &rank[i].score, &err) != 0)) {
            fprintf(stderr, "exaone draw: %s\n", err.message);
            goto done;
        }
    }
    log_info("drew %d image(s) in %.2f s", (int)n, time_seconds() - t0);
    if (rerank) qsort(rank, (size_t)n, sizeof *rank, cmp_ranked);
    for (int i = 0; i < n; i++) {
        memcpy(ordered + (size_t)i * G, codes + (size_t)rank[i].index * G, (size_t)G * sizeof(int));
        if (rerank) printf("seed %" PRIu64 " score %.4f: ", (uint64_t)seed + (uint64_t)rank[i].index, rank[i].score);
        for (int g = 0; g < G; g++) printf("%d%c", ordered[(size_t)i * G + g], g + 1 < G ? ' ' : '\n');
    }
    if (!codes_only) {
        char settings[256], seed_s[32], path[1100];
        snprintf(seed_s, sizeof seed_s, "%" PRId64, seed);
        snprintf(settings, sizeof settings, "n=%d cfg=%g temperature=%g top_k=%d top_p=%g rerank=%d", (int)n, cfg,
                 temperature, (int)top_k, top_p, rerank);
        const char *meta[] = {"prompt", prompt, "seed", seed_s, "model", model_dir, "settings", settings,
                              lora.n ? "lora" : NULL, lora_s, NULL};
        for (int i = 0; i < n; i++) {
            char idx[16];
            snprintf(idx, sizeof idx, "%d", i + 1);
            if (n == 1) snprintf(path, sizeof path, "%s", output);
            else mini_cli_suffixed(path, sizeof path, output, idx);
            if (mini_image_decode(model_dir, ordered + (size_t)i * G, 1, v->grid_h, v->grid_w, path, meta, &err)) {
                fprintf(stderr, "exaone draw: %s\n", err.message);
                goto done;
            }
            fprintf(stderr, "wrote %s\n", path);
            char explained[1200];
            mini_cli_suffixed(explained, sizeof explained, path, "explain");
            if (explain.on && explain_cli_write("exaone draw", m, model_dir, method, (int)threads, 1, prompt, 0,
                                                ordered + (size_t)i * G, path, explained))
                goto done;
        }
        if (n > 1) {
            mini_cli_suffixed(path, sizeof path, output, "grid");
            if (mini_image_decode(model_dir, ordered, (int)n, v->grid_h, v->grid_w, path, meta, &err)) {
                fprintf(stderr, "exaone draw: %s\n", err.message);
                goto done;
            }
            fprintf(stderr, "wrote %s\n", path);
        }
    }
    rc = 0;
done:
    mem_free(codes);
    mem_free(ordered);
    mem_free(rank);
    mini_free(m);
    return rc;
}
