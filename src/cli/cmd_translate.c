/* exaone translate — English <-> Korean with EXAONE-mini. */
#include "../core/mem.h"
#include "args.h"
#include "commands.h"
#include "mini_cli.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone translate [--to ko|en] [-m MODEL] [--max-tokens N] [--] TEXT\n\n"
    "Translates TEXT with EXAONE-mini (beam search). Without --to, Korean text is\n"
    "translated to English and anything else to Korean.\n\n"
    "options:\n"
    "  --to ko|en        target language\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --lora DIR[:S]    add a LoRA adapter from exaone tune (repeatable; S scales it, default 1)\n"
    "  --beam N          beam width (default 4; 1 = greedy)\n"
    "  --max-tokens N    longest output (default 64)\n"
    "  --threads N       (default 1)\n";

int cmd_translate(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone translate");
    LoraFlags lora = {0};
    const char *model = NULL, *to = NULL, *text = NULL;
    int64_t beam = 4, max_tokens = 64, threads = 1;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (lora_flags_parse(&args, &lora)) continue;
        if (args_value(&args, NULL, "--to", &to)) continue;
        if (args_int(&args, NULL, "--beam", 1, 16, &beam)) continue;
        if (args_int(&args, NULL, "--max-tokens", 1, 4096, &max_tokens)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (!text && args_positional(&args, &text)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!text) {
        fprintf(stderr, "exaone translate: missing TEXT (see exaone translate --help)\n");
        return 2;
    }
    if (mini_cli_text_ok("exaone translate", "TEXT", text) != 0) return 1;
    int lang = to ? mini_cli_lang(to) : mini_detect_lang(text) == MINI_LANG_KO ? MINI_LANG_EN : MINI_LANG_KO;
    if (lang < 0) {
        fprintf(stderr, "exaone translate: --to must be ko or en\n");
        return 2;
    }
    MiniModel *m = mini_cli_open("exaone translate", model, (int)threads, NULL, 0, &lora);
    if (!m) return 1;
    char *out;
    Error err = {0};
    int rc = mini_translate(m, text, lang, (int)max_tokens, (int)beam, &out, &err);
    if (rc == 0) {
        printf("%s\n", out);
        mem_free(out);
    } else {
        fprintf(stderr, "exaone translate: %s\n", err.message);
    }
    mini_free(m);
    return rc ? 1 : 0;
}
