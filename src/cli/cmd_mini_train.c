/* exaone mini-train — train EXAONE-mini on an encoded corpus (tools/train-mini
 * drives it; see src/train/mini_train.h). */
#include "../core/log.h"
#include "../train/mini_train.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone mini-train --data DIR --tokenizer FILE --out DIR [OPTIONS]\n\n"
    "Trains the EXAONE-mini transformer on DIR/train.tsv (evaluates on DIR/val.tsv).\n"
    "Checkpoints go to OUT/ckpt.safetensors (atomically, every --ckpt-seconds); a run on\n"
    "an OUT with a checkpoint resumes from it, bit-identically. The loss log is OUT/log.csv.\n\n"
    "options:\n"
    "  --data DIR          corpus folder (train.tsv, val.tsv; format in src/train/mini_data.h)\n"
    "  --tokenizer FILE    tokenizer.json with the mini special tokens\n"
    "  --out DIR           checkpoint and log folder\n"
    "  --export DIR        also write a model folder (config.json, model.safetensors,\n"
    "                      tokenizer.json) at every checkpoint\n"
    "  --bf16              export weights as BF16 (default F32)\n"
    "  --init FILE         start a new run from these weights (an exported model.safetensors,\n"
    "                      F32 or BF16; the model options must match); ignored when resuming\n"
    "  --bf16-matmuls      train with bf16 matrix products (f32 master weights and\n"
    "                      AdamW; ~1.5x the tokens/s on AVX512-BF16)\n"
    "  --d N --layers N --heads N --ffn N   model size (default 256, 6, 8, 1024)\n"
    "  --T N               context (default 96)   --batch N  sequences a step (default 16)\n"
    "  --codes N           VQ codebook size (default 1024)  --grid N  image grid side (default 8)\n"
    "  --steps N           total steps (default 20000)   --warmup N (default 200)\n"
    "  --lr X --min-lr X   peak and final learning rate (default 1e-3, 1e-4)\n"
    "  --ratios A,B,C,D    task mix t2i,i2t,translate,lm (default 0.35,0.3,0.2,0.15)\n"
    "  --cfg-drop P        empty-prompt probability for t2i (default 0.1)\n"
    "  --balance-families  t2i/i2t samples draw a family (an emoji and its skin-tone and gender\n"
    "                      variants: F records, tools/mini-corpus.py --families) uniformly, then\n"
    "                      one of its captions (default: every caption equally likely)\n"
    "  --seed N            (default 1337)\n"
    "  --threads N         (default 1)\n"
    "  --ckpt-seconds N    (default 300)   --max-seconds N  stop after N seconds (default: none)\n"
    "  --stop-after N      checkpoint and stop at step N (resume later; the schedule\n"
    "                      still spans --steps)\n"
    "  --eval-every N      steps between validation passes (default 500)\n";

int cmd_mini_train(int argc, char **argv) {
    MiniTrainOptions o;
    mini_train_defaults(&o);
    Args args;
    args_init(&args, argc, argv, "exaone mini-train");
    const char *ratios = NULL;
    int64_t v;
    double x;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, NULL, "--data", &o.data_dir)) continue;
        if (args_value(&args, NULL, "--tokenizer", &o.tokenizer)) continue;
        if (args_value(&args, NULL, "--out", &o.out_dir)) continue;
        if (args_value(&args, NULL, "--export", &o.export_dir)) continue;
        if (args_value(&args, NULL, "--ratios", &ratios)) continue;
        if (args_flag(&args, NULL, "--bf16")) { o.export_bf16 = 1; continue; }
        if (args_value(&args, NULL, "--init", &o.init)) continue;
        if (args_flag(&args, NULL, "--bf16-matmuls")) { o.bf16_matmuls = 1; continue; }
        if (args_flag(&args, NULL, "--balance-families")) { o.data.balance_families = 1; continue; }
        if (args_int(&args, NULL, "--d", 8, 4096, &v)) { o.d_model = (int)v; continue; }
        if (args_int(&args, NULL, "--layers", 1, 64, &v)) { o.n_layers = (int)v; continue; }
        if (args_int(&args, NULL, "--heads", 1, 64, &v)) { o.n_heads = (int)v; continue; }
        if (args_int(&args, NULL, "--ffn", 8, 16384, &v)) { o.ffn = (int)v; continue; }
        if (args_int(&args, NULL, "--T", 16, 4096, &v)) { o.T = (int)v; continue; }
        if (args_int(&args, NULL, "--batch", 1, 4096, &v)) { o.B = (int)v; continue; }
        if (args_int(&args, NULL, "--codes", 2, 65536, &v)) { o.n_codes = (int)v; continue; }
        if (args_int(&args, NULL, "--grid", 1, 64, &v)) { o.grid = (int)v; continue; }
        if (args_int(&args, NULL, "--steps", 1, INT64_C(1) << 40, &o.steps)) continue;
        if (args_int(&args, NULL, "--warmup", 0, INT64_C(1) << 40, &o.warmup)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &v)) { o.data.seed = (uint64_t)v; continue; }
        if (args_int(&args, NULL, "--threads", 1, 256, &v)) { o.threads = (int)v; continue; }
        if (args_int(&args, NULL, "--ckpt-seconds", 1, 1 << 30, &v)) { o.ckpt_seconds = (int)v; continue; }
        if (args_int(&args, NULL, "--eval-every", 0, 1 << 30, &v)) { o.eval_every = (int)v; continue; }
        if (args_float(&args, NULL, "--max-seconds", 0, 1e9, &o.max_seconds)) continue;
        if (args_int(&args, NULL, "--stop-after", 0, INT64_C(1) << 40, &o.stop_after)) continue;
        if (args_float(&args, NULL, "--lr", 0, 10, &x)) { o.lr = (float)x; continue; }
        if (args_float(&args, NULL, "--min-lr", 0, 10, &x)) { o.min_lr = (float)x; continue; }
        if (args_float(&args, NULL, "--cfg-drop", 0, 1, &x)) { o.data.cfg_drop = (float)x; continue; }
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!o.data_dir || !o.tokenizer || !o.out_dir) {
        fprintf(stderr, "exaone mini-train: --data, --tokenizer and --out are required (see --help)\n");
        return 2;
    }
    Error err = {0};
    if (ratios && mini_data_parse_ratios(&o.data, ratios, &err) != 0) {
        fprintf(stderr, "exaone mini-train: %s\n", err.message);
        return 2;
    }
    if (o.d_model % o.n_heads != 0) {
        fprintf(stderr, "exaone mini-train: --d must be a multiple of --heads\n");
        return 2;
    }
    if (mini_train(&o, &err) != 0) {
        fprintf(stderr, "exaone mini-train: %s\n", err.message);
        return 1;
    }
    return 0;
}
