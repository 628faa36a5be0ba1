/* exaone score — mean log p(text | image) under EXAONE-mini. */
#include "../models/mini_image.h"
#include "args.h"
#include "commands.h"
#include "mini_cli.h"

#include <stdio.h>

static const char *usage =
    "usage: exaone score (--image IMG | --codes \"c0 ...\") --text TEXT [--text TEXT2 ...] [-m MODEL]\n\n"
    "Prints the mean log-probability per token of TEXT (and its end) as a caption of the\n"
    "image, under the model's image->text direction: higher means a better fit. With\n"
    "several --text, one score a line in their order (retrieval: which text fits best).\n\n"
    "options:\n"
    "  --image PNG       the image\n"
    "  --codes TEXT      the image as VQ codes instead\n"
    "  --text TEXT       the text (Korean or English)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --lora DIR[:S]    add a LoRA adapter from exaone tune (repeatable; S scales it, default 1)\n"
    "  --threads N       (default 1)\n";

int cmd_score(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone score");
    LoraFlags lora = {0};
    enum { MAX_TEXTS = 256 };
    const char *model = NULL, *image = NULL, *codes_s = NULL, *texts[MAX_TEXTS], *text;
    int n_texts = 0;
    int64_t threads = 1;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (lora_flags_parse(&args, &lora)) continue;
        if (args_value(&args, NULL, "--image", &image)) continue;
        if (args_value(&args, NULL, "--codes", &codes_s)) continue;
        if (args_value(&args, NULL, "--text", &text)) {
            if (n_texts == MAX_TEXTS) {
                fprintf(stderr, "exaone score: at most %d --text\n", MAX_TEXTS);
                return 2;
            }
            texts[n_texts++] = text;
            continue;
        }
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!n_texts || !image == !codes_s) {
        fprintf(stderr, "exaone score: give --text and one of --image / --codes (see --help)\n");
        return 2;
    }
    if (mini_cli_text_ok("exaone score", "--text", text) != 0) return 1;
    char dir[1024];
    MiniModel *m = mini_cli_open("exaone score", model, (int)threads, dir, sizeof dir, &lora);
    if (!m) return 1;
    const MiniVocab *v = mini_vocab(m);
    int codes[4096], rc = 1;
    double score;
    Error err = {0};
    int have = v->grid_h * v->grid_w <= 4096 && mini_cli_image_codes("exaone score", m, dir, image, codes_s, codes) == 0;
    if (v->grid_h * v->grid_w > 4096) fprintf(stderr, "exaone score: image grid too large\n");
    for (int i = 0; have && i < n_texts; i++) {
        if (mini_score(m, codes, texts[i], &score, &err) != 0) {
            fprintf(stderr, "exaone score: %s\n", err.message);
            break;
        }
        printf("%.6f\n", score);
        rc = i + 1 < n_texts;
    }
    mini_free(m);
    return rc;
}
