/* exaone vq — the VQ image tokenizer: train it, turn images into codes and back. */
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/file.h"
#include "../models/mini_hires.h"
#include "../models/vq.h"
#include "../models/vq_codes.h"
#include "../train/vision/vq_data.h"
#include "../train/vision/vq_train.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MODEL "models/vq.safetensors"

static const char *usage =
    "usage: exaone vq SUBCOMMAND [OPTIONS]\n\n"
    "The VQ image tokenizer of EXAONE-mini (conv encoder/decoder, f8, codebook).\n\n"
    "  exaone vq encode IMG.png [-m MODEL] [-o codes.txt]   image -> codes (H/8 x W/8)\n"
    "  exaone vq decode CODES.txt [-m MODEL] -o out.png       codes -> image (grids over 64x64\n"
    "                                                        codes in overlapping tiles)\n"
    "  exaone vq eval --data DIR [-m MODEL] [--grid out.png]  held-out PSNR\n"
    "  exaone vq train --data DIR_OR_LIST --out DIR [options]\n\n"
    "options:\n"
    "  -m, --model PATH     VQ checkpoint (default " DEFAULT_MODEL ")\n"
    "  -o, --output PATH    output file (encode: default stdout)\n"
    "  -t, --threads N      threads (default 1)\n"
    "  --bf16               decode: bf16 convolutions, as draw --size uses (about 3x faster,\n"
    "                       pixels differ by rounding)\n"
    "train options:\n"
    "  --data PATH          directory of PNGs, or a file listing them (~5% held out by name hash)\n"
    "  --out DIR            checkpoints, loss.csv, grid.png (resumes from DIR/checkpoint.safetensors)\n"
    "  --steps N            total steps (default 1000)   --batch N   images per step (default 16)\n"
    "  --size N             image size (default 64)      --lr X      peak learning rate (default 4e-4)\n"
    "  --seed S             (default 1)                  --no-resume start over even if DIR has a checkpoint\n"
    "  --init PATH          start a new run from these VQ weights (their config; fresh optimizer)\n"
    "  --decoder-only       train only the decoder (with --init: every image keeps its codes)\n"
    "  --codebook K         codebook size (default 1024) --code-dim D code dimension (default 64)\n"
    "  --ch N               base channels (default 32)   --res-blocks N per level (default 1)\n"
    "  --groups N           GroupNorm groups (default 32)\n"
    "  --dead-after N       restart codes unused for N steps (default 30; 0 never)\n"
    "  --ema-decay X        EMA codebook decay (default 0.99; 0: learn the codebook by gradient)\n"
    "  --beta X             commitment weight (default 0.25)\n"
    "  --ckpt-seconds N     checkpoint interval (default 300)  --eval-every N steps (default 500)\n"
    "  --stop-after N       checkpoint and stop at step N; rerun to resume (the schedule spans --steps)\n"
    "A resumed run (also after a crash) continues bit-identically to an uninterrupted one.\n";

static int print_usage_ok(void) {
    fputs(usage, stdout);
    return 0;
}

static int load_model(VqModel **m, const char *path, ThreadPool *pool) {
    Error err = {0};
    if (vq_load(m, path, pool, NULL, &err) != 0) {
        log_error("exaone vq: %s", err.message);
        return 1;
    }
    return 0;
}

static int run_encode(const char *image, const char *model, const char *output, ThreadPool *pool) {
    Error err = {0};
    VqModel *m = NULL;
    uint8_t *rgb = NULL;
    float *x = NULL;
    int32_t *codes = NULL;
    int H, W, rc = 1;
    if (load_model(&m, model, pool)) return 1;
    int f = vq_factor(&m->config);
    if (vq_png_read(image, &rgb, &H, &W, &err) != 0) goto fail;
    if (H % f || W % f) {
        error_set(&err, "%s: %dx%d is not a multiple of %d", image, W, H, f);
        goto fail;
    }
    x = mem_alloc((size_t)H * W * 3 * sizeof(float));
    codes = mem_alloc((size_t)(H / f) * (W / f) * sizeof *codes);
    if (!x || !codes) {
        error_set(&err, "out of memory");
        goto fail;
    }
    vq_pixels_to_float(x, rgb, H, W, 0);
    if (vq_encode(m, x, 1, H, W, codes, &err) != 0) goto fail;
    size_t len;
    char *text = vq_codes_format(codes, H / f, W / f, &len);
    if (!text) {
        error_set(&err, "out of memory");
        goto fail;
    }
    if (output) rc = file_write_atomic(output, text, len, &err) == 0 ? 0 : 1;
    else rc = fwrite(text, 1, len, stdout) == len ? 0 : 1;
    mem_free(text);
    if (rc) goto fail;
    goto done;
fail:
    log_error("exaone vq encode: %s", err.message);
    rc = 1;
done:
    mem_free(rgb), mem_free(x), mem_free(codes);
    vq_free(m);
    return rc;
}

/* Grids up to this many codes decode whole (exactly as in training); larger
 * ones in overlapping tiles, whose memory does not grow with the picture. */
enum { VQ_DECODE_WHOLE = 64 * 64 };

static int run_decode(const char *codes_path, const char *model, const char *output, int bf16, ThreadPool *pool) {
    Error err = {0};
    VqModel *m = NULL;
    VqCodes grid = {0};
    float *x = NULL;
    uint8_t *rgb = NULL;
    int rc = 1;
    if (load_model(&m, model, pool)) return 1;
    m->scratch.forward_bf16 = bf16;
    /* The model bounds the grid and the code ids, so the file is checked
     * before anything is sized from it. */
    int f = vq_factor(&m->config);
    if (vq_codes_read(&grid, codes_path, m->config.n_embed, VQ_MAX_SIDE / f, &err) != 0) goto fail;
    int h = grid.rows, w = grid.cols;
    size_t n = (size_t)h * f * (size_t)w * f * 3;
    x = mem_alloc(n * sizeof(float));
    rgb = mem_alloc(n);
    if (!x || !rgb) {
        error_set(&err, "out of memory");
        goto fail;
    }
    if (h * w <= VQ_DECODE_WHOLE) {
        if (vq_decode(m, grid.codes, 1, h, w, x, &err) != 0) goto fail;
        vq_pixels_to_u8(rgb, x, (int64_t)n);
    } else { /* vq_decode's buffers grow with the picture: tiles, as draw --size does */
        Image *img = image_new(w * f, h * f, 3, &err);
        int *codes = mem_alloc((size_t)h * w * sizeof *codes);
        int bad = !img || !codes;
        if (codes)
            for (size_t i = 0; i < (size_t)h * w; i++) codes[i] = grid.codes[i];
        if (!bad && mini_hires_decode(m, codes, h, w, 0, img, 1, &err) != 0) bad = 1;
        else if (!bad) memcpy(rgb, img->pixels, n);
        else if (!err.message[0]) error_set(&err, "out of memory");
        mem_free(codes);
        image_free(img);
        if (bad) goto fail;
    }
    if (vq_png_write(output, rgb, h * f, w * f, &err) != 0) goto fail;
    rc = 0;
    goto done;
fail:
    log_error("exaone vq decode: %s", err.message);
    rc = 1;
done:
    vq_codes_free(&grid);
    mem_free(x), mem_free(rgb);
    vq_free(m);
    return rc;
}

static int run_eval(const char *data, const char *model, const char *grid, int size, ThreadPool *pool) {
    Error err = {0};
    VqModel *m = NULL;
    VqDataset ds;
    if (vq_dataset_load(&ds, data, size, size, &err) != 0) {
        log_error("exaone vq eval: %s", err.message);
        return 1;
    }
    int rc = 1;
    if (ds.n_eval == 0) {
        log_error("exaone vq eval: %s: no held-out images (names hashing to 0 mod 20)", data);
        goto done;
    }
    if (load_model(&m, model, pool)) goto done;
    double psnr;
    if (vq_eval_psnr(m, ds.eval, ds.n_eval, size, size, 16, &psnr, &err) != 0 ||
        (grid && vq_write_grid(m, ds.eval, ds.n_eval, size, size, 4, 8, grid, &err) != 0)) {
        log_error("exaone vq eval: %s", err.message);
        goto done;
    }
    printf("held-out images  %d\npsnr_db          %.3f\n", ds.n_eval, psnr);
    rc = 0;
done:
    vq_free(m);
    vq_dataset_free(&ds);
    return rc;
}

int cmd_vq(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) return print_usage_ok();
    int is_train = strcmp(sub, "train") == 0, is_encode = strcmp(sub, "encode") == 0,
        is_decode = strcmp(sub, "decode") == 0, is_eval = strcmp(sub, "eval") == 0;
    if (!is_train && !is_encode && !is_decode && !is_eval) {
        if (sub[0] == '-') fprintf(stderr, "exaone vq: unknown option '%s' (see exaone vq --help)\n", sub);
        else fprintf(stderr, "exaone vq: unknown subcommand '%s' (see exaone vq --help)\n", sub);
        return 2;
    }
    VqTrainConfig cfg;
    vq_train_config_default(&cfg);
    const char *model = DEFAULT_MODEL, *output = NULL, *input = NULL, *grid = NULL;
    int64_t threads = 1, v;
    int bf16 = 0;
    double f;
    Args args;
    args_init(&args, argc - 1, argv + 1, "exaone vq");
    while (args_next(&args)) {
        if (args_help(&args)) return print_usage_ok();
        if (args_value(&args, "-m", "--model", &model) || args_value(&args, "-o", "--output", &output) ||
            args_int(&args, "-t", "--threads", 1, 256, &threads) || args_value(&args, NULL, "--data", &cfg.data) ||
            args_value(&args, NULL, "--out", &cfg.out_dir) || args_value(&args, NULL, "--grid", &grid))
            continue;
        if (args_int(&args, NULL, "--steps", 1, (int64_t)1 << 40, &cfg.steps)) continue;
        if (args_int(&args, NULL, "--batch", 1, 4096, &v)) { cfg.batch = (int)v; continue; }
        if (args_int(&args, NULL, "--size", 8, 4096, &v)) { cfg.image_size = (int)v; continue; }
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &v)) { cfg.seed = (uint64_t)v; continue; }
        if (args_int(&args, NULL, "--codebook", 2, 1 << 20, &v)) { cfg.model.n_embed = (int)v; continue; }
        if (args_int(&args, NULL, "--code-dim", 1, 4096, &v)) { cfg.model.embed_dim = (int)v; continue; }
        if (args_int(&args, NULL, "--ch", 1, 4096, &v)) { cfg.model.ch = (int)v; continue; }
        if (args_int(&args, NULL, "--res-blocks", 0, 16, &v)) { cfg.model.num_res_blocks = (int)v; continue; }
        if (args_int(&args, NULL, "--groups", 1, 4096, &v)) { cfg.model.groups = (int)v; continue; }
        if (args_int(&args, NULL, "--dead-after", 0, 1 << 30, &v)) { cfg.model.dead_after = (int)v; continue; }
        if (args_float(&args, NULL, "--ema-decay", 0.0, 0.99999, &f)) { cfg.model.ema_decay = (float)f; continue; }
        if (args_float(&args, NULL, "--beta", 0.0, 100.0, &f)) { cfg.model.beta = (float)f; continue; }
        if (args_int(&args, NULL, "--ckpt-seconds", 1, 1 << 30, &v)) { cfg.checkpoint_seconds = (int)v; continue; }
        if (args_int(&args, NULL, "--eval-every", 0, 1 << 30, &v)) { cfg.eval_every = (int)v; continue; }
        if (args_float(&args, NULL, "--lr", 1e-8, 1.0, &f)) { cfg.lr = (float)f, cfg.min_lr = (float)f / 10; continue; }
        if (args_flag(&args, NULL, "--no-resume")) { cfg.resume = 0; continue; }
        if (args_value(&args, NULL, "--init", &cfg.init)) continue;
        if (args_flag(&args, NULL, "--decoder-only")) { cfg.decoder_only = 1; continue; }
        if (args_flag(&args, NULL, "--bf16")) { bf16 = 1; continue; }
        if (args_int(&args, NULL, "--stop-after", 1, (int64_t)1 << 40, &cfg.stop_after)) continue;
        if (!input && !is_train && !is_eval && args_positional(&args, &input)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (is_train) {
        if (!cfg.data || !cfg.out_dir) {
            fprintf(stderr, "exaone vq train: --data and --out are required (see exaone vq --help)\n");
            return 2;
        }
        cfg.threads = (int)threads;
        Error err = {0};
        if (vq_train(&cfg, &err) != 0) {
            log_error("exaone vq train: %s", err.message);
            return 1;
        }
        return 0;
    }
    if (is_eval && !cfg.data) {
        fprintf(stderr, "exaone vq eval: --data is required\n");
        return 2;
    }
    if (!is_eval && !input) {
        fprintf(stderr, "exaone vq %s: missing input file (see exaone vq --help)\n", sub);
        return 2;
    }
    if (is_decode && !output) {
        fprintf(stderr, "exaone vq decode: -o out.png is required\n");
        return 2;
    }
    ThreadPool *pool = pool_new((int)threads);
    if (!pool) {
        log_error("exaone vq: cannot start %lld threads", (long long)threads);
        return 1;
    }
    int rc = is_encode ? run_encode(input, model, output, pool)
             : is_decode ? run_decode(input, model, output, bf16, pool)
                         : run_eval(cfg.data, model, grid, cfg.image_size, pool);
    pool_free(pool);
    return rc;
}
