/* exaone caption — image -> Korean / English text with EXAONE-mini. */
#include "../core/mem.h"
#include "../models/mini_image.h"
#include "args.h"
#include "commands.h"
#include "explain_cli.h"
#include "mini_cli.h"

#include <stdio.h>

static const char *usage =
    "usage: exaone caption [--lang ko|en] [-m MODEL] (IMG | --codes \"c0 c1 ...\")\n\n"
    "Describes a PNG image (resized to the model's image size) with EXAONE-mini, by beam\n"
    "decoding. Without --lang it prints an English and a Korean caption, one a line.\n\n"
    "options:\n"
    "  --lang ko|en      caption language\n"
    "  --codes TEXT      the image as VQ codes (as printed by exaone draw) instead of IMG\n"
    "  --beam N          beam width (default 4; 1 = greedy)\n"
    "  --max-tokens N    longest caption (default 32)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --lora DIR[:S]    add a LoRA adapter from exaone tune (repeatable; S scales it, default 1)\n"
    "  --threads N       (default 1)\n"
    EXPLAIN_CLI_USAGE
    "                    (needs IMG; IMG.png gets IMG-explain-en.png / IMG-explain-ko.png)\n";

int cmd_caption(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone caption");
    LoraFlags lora = {0};
    const char *model = NULL, *lang_s = NULL, *image = NULL, *codes_s = NULL;
    int64_t beam = 4, max_tokens = 32, threads = 1;
    ExplainFlags explain = {0};
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (lora_flags_parse(&args, &lora)) continue;
        if (args_value(&args, NULL, "--lang", &lang_s)) continue;
        if (args_value(&args, NULL, "--codes", &codes_s)) continue;
        if (args_int(&args, NULL, "--beam", 1, 16, &beam)) continue;
        if (args_int(&args, NULL, "--max-tokens", 1, 4096, &max_tokens)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (explain_cli_flag(&args, &explain)) continue;
        if (!image && args_positional(&args, &image)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    int lang = lang_s ? mini_cli_lang(lang_s) : MINI_LANG_NONE;
    if (lang == -2 || (!image == !codes_s)) {
        fprintf(stderr, "exaone caption: give IMG or --codes (and --lang ko|en); see --help\n");
        return 2;
    }
    int method = explain_cli_method("exaone caption", &explain);
    if (method < 0) return 2;
    if (explain.on && !image) {
        fprintf(stderr, "exaone caption: --explain needs the picture as IMG (not --codes)\n");
        return 2;
    }
    char dir[1024];
    MiniModel *m = mini_cli_open("exaone caption", model, (int)threads, dir, sizeof dir, &lora);
    if (!m) return 1;
    const MiniVocab *v = mini_vocab(m);
    int codes[4096], rc = 1;
    Error err = {0};
    if (v->grid_h * v->grid_w > 4096) {
        fprintf(stderr, "exaone caption: image grid too large\n");
    } else if (mini_cli_image_codes("exaone caption", m, dir, image, codes_s, codes) == 0) {
        rc = 0;
        for (int l = 0; l < 2 && !rc; l++) {
            int want = l == 0 ? MINI_LANG_EN : MINI_LANG_KO;
            if (lang != MINI_LANG_NONE && lang != want) continue;
            char *text;
            if (mini_caption(m, codes, want, (int)max_tokens, (int)beam, &text, &err) != 0) {
                fprintf(stderr, "exaone caption: %s\n", err.message);
                rc = 1;
                break;
            }
            const char *code = want == MINI_LANG_KO ? "ko" : "en";
            printf(lang == MINI_LANG_NONE ? "%s: %s\n" : "%.0s%s\n", code, text);
            fflush(stdout);
            char explained[1200], suffix[16];
            snprintf(suffix, sizeof suffix, "explain-%s", code);
            mini_cli_suffixed(explained, sizeof explained, image ? image : "", suffix);
            if (explain.on && *text)
                rc = explain_cli_write("exaone caption", m, dir, method, (int)threads, 0, text, want, codes, image,
                                       explained);
            mem_free(text);
        }
    }
    mini_free(m);
    return rc;
}
