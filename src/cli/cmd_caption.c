/* exaone caption — image -> Korean / English text with EXAONE-mini. */
#include "../core/file.h"
#include "../core/mem.h"
#include "../models/mini_image.h"
#include "args.h"
#include "commands.h"
#include "explain_cli.h"
#include "mini_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: exaone caption [--lang ko|en] [-m MODEL] [--candidates FILE] (IMG | --codes \"c0 c1 ...\")\n\n"
    "Describes a PNG image (resized to the model's image size) with EXAONE-mini, by beam\n"
    "decoding. Without --lang it prints an English and a Korean caption, one a line.\n\n"
    "options:\n"
    "  --lang ko|en      caption language\n"
    "  --codes TEXT      the image as VQ codes (as printed by exaone draw) instead of IMG\n"
    "  --beam N          beam width (default 4; 1 = greedy)\n"
    "  --max-tokens N    longest caption (default 32)\n"
    "  --candidates FILE instead of generating, rank the lines of FILE (one name a line, in\n"
    "                    --lang, else the language of the first line) and print them best first:\n"
    "                    score <tab> name\n"
    "  --rank pmi|mean   candidate score: pmi (default) = log p(name | image) - log p(name), the\n"
    "                    information the image gives about the name; mean = mean log p(name | image)\n"
    "                    as exaone score prints it (favours names that are likely anyway)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --lora DIR[:S]    add a LoRA adapter from exaone tune (repeatable; S scales it, default 1)\n"
    "  --threads N       (default 1)\n"
    EXPLAIN_CLI_USAGE
    "                    (needs IMG; IMG.png gets IMG-explain-en.png / IMG-explain-ko.png)\n";

typedef struct {
    double score;
    int index;
} Ranked;

static int cmp_ranked(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    return x->score > y->score ? -1 : x->score < y->score ? 1 : x->index - y->index;
}

/* Ranks the non-empty lines of path against the image: caption by choice. */
static int rank_candidates(MiniModel *m, const int *codes, int lang, const char *path, int by_pmi) {
    char *data = NULL;
    size_t size = 0;
    Error err = {0};
    int n = 0, rc = 1;
    char **lines = NULL;
    TokIds *ids = NULL;
    const int32_t **texts = NULL;
    int *lens = NULL;
    double *scores = NULL;
    Ranked *order = NULL;
    if (file_read_all(path, (size_t)64 << 20, &data, &size, &err) != 0) goto fail;
    size_t cap = 1;
    for (size_t i = 0; i < size; i++) cap += data[i] == '\n';
    lines = mem_alloc(cap * sizeof *lines);
    if (!lines) goto oom;
    for (char *s = data, *end = data + size; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *e = nl ? nl : end;
        *e = 0;
        if (e > s && e[-1] == '\r') e[-1] = 0;
        if (*s) lines[n++] = s;
        s = e + 1;
    }
    if (!n) {
        error_set(&err, "%s: no candidates (one name a line)", path);
        goto fail;
    }
    if (lang == MINI_LANG_NONE) lang = mini_detect_lang(lines[0]);
    ids = mem_calloc((size_t)n, sizeof *ids);
    texts = mem_alloc((size_t)n * sizeof *texts);
    lens = mem_alloc((size_t)n * sizeof *lens);
    scores = mem_alloc((size_t)n * sizeof *scores);
    order = mem_alloc((size_t)n * sizeof *order);
    if (!ids || !texts || !lens || !scores || !order) goto oom;
    for (int i = 0; i < n; i++) {
        if (tok_encode(mini_tokenizer(m), lines[i], strlen(lines[i]), &ids[i], &err) != 0) goto fail;
        texts[i] = ids[i].ids;
        lens[i] = (int)ids[i].n;
    }
    if ((by_pmi ? mini_score_texts_pmi : mini_score_texts)(m, codes, lang, texts, lens, n, scores, &err) != 0) {
        error_set(&err, "%s: %s", path, err.message);
        goto fail;
    }
    for (int i = 0; i < n; i++) order[i] = (Ranked){scores[i], i};
    qsort(order, (size_t)n, sizeof *order, cmp_ranked);
    for (int i = 0; i < n; i++) printf("%.4f\t%s\n", order[i].score, lines[order[i].index]);
    rc = 0;
    goto done;
oom:
    error_set(&err, "out of memory");
fail:
    fprintf(stderr, "exaone caption: %s\n", err.message);
done:
    for (int i = 0; ids && i < n; i++) tok_ids_free(&ids[i]);
    mem_free(ids);
    mem_free(texts);
    mem_free(lens);
    mem_free(scores);
    mem_free(order);
    mem_free(lines);
    mem_free(data);
    return rc;
}

int cmd_caption(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone caption");
    LoraFlags lora = {0};
    const char *model = NULL, *lang_s = NULL, *image = NULL, *codes_s = NULL, *candidates = NULL, *rank_s = "pmi";
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
        if (args_value(&args, NULL, "--candidates", &candidates)) continue;
        if (args_value(&args, NULL, "--rank", &rank_s)) continue;
        if (args_int(&args, NULL, "--beam", 1, 16, &beam)) continue;
        if (args_int(&args, NULL, "--max-tokens", 1, 4096, &max_tokens)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (explain_cli_flag(&args, &explain)) continue;
        if (!image && args_positional(&args, &image)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (strcmp(rank_s, "pmi") != 0 && strcmp(rank_s, "mean") != 0) {
        fprintf(stderr, "exaone caption: --rank must be pmi or mean, not '%s'\n", rank_s);
        return 2;
    }
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
    } else if (mini_cli_image_codes("exaone caption", m, dir, image, codes_s, codes) != 0) {
        rc = 1; /* the error is printed */
    } else if (candidates) {
        rc = rank_candidates(m, codes, lang, candidates, strcmp(rank_s, "pmi") == 0);
    } else {
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
