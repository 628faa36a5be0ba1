/* exaone explain-eval — the two-emoji sanity check of the explanation maps:
 * two test-split emoji side by side in one picture; does the map of each
 * emoji's name lie on its own half? */
#include "../core/mem.h"
#include "../core/progress.h"
#include "../image/side_by_side.h"
#include "../models/mini_explain.h"
#include "../train/mini_train.h"
#include "../train/rng.h"
#include "args.h"
#include "commands.h"
#include "emoji_eval.h"
#include "mini_cli.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone explain-eval [--data DIR] [-m MODEL] [-n PAIRS] [--seed S] [--method M]\n\n"
    "Builds PAIRS pictures from the test split of the prepared dataset: two emoji of different\n"
    "items, each shrunk to 32x32 and placed left and right in one 64x64 picture. For each emoji\n"
    "its name (the label, KO and EN) is explained as a caption of the pair (mini_explain.h); the\n"
    "name's map is the mean of its words' maps. A case counts when more than half of the map's\n"
    "mass lies on that emoji's half. Prints one line per method and language:\n"
    "  composition.METHOD.LANG  FRACTION  (hits/cases)\n"
    "and an overall line per method. Chance is about 0.5.\n\n"
    "options:\n"
    "  --data DIR        prepared dataset (default $EXAONE_CACHE/dataset or ~/.cache/exaone/dataset)\n"
    "  -n PAIRS          pictures to build (default 50)\n"
    "  --seed S          which pairs (default 0); same seed, same pairs, same numbers\n"
    "  --method M        attn, rollout, grad or all (default all)\n"
    "  --lang ko|en      one language (default both)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

int cmd_explain_eval(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone explain-eval");
    const char *model = NULL, *data = NULL, *method_s = "all", *lang_s = NULL;
    int64_t pairs = 50, seed = 0, threads = 1;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_value(&args, NULL, "--data", &data)) continue;
        if (args_value(&args, NULL, "--method", &method_s)) continue;
        if (args_value(&args, NULL, "--lang", &lang_s)) continue;
        if (args_int(&args, "-n", NULL, 1, 100000, &pairs)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    int all = strcmp(method_s, "all") == 0, only = all ? -1 : mini_explain_method(method_s);
    int only_lang = lang_s ? mini_cli_lang(lang_s) : MINI_LANG_NONE;
    if ((!all && only < 0) || only_lang == -2) {
        fprintf(stderr, "exaone explain-eval: --method wants attn, rollout, grad or all; --lang ko or en\n");
        return 2;
    }
    char dir[1024];
    MiniModel *m = mini_cli_open("exaone explain-eval", model, (int)threads, dir, sizeof dir, NULL);
    if (!m) return 1;
    EmojiEval ev;
    if (emoji_eval_open(&ev, "exaone explain-eval", data, dir, m) != 0) {
        mini_free(m);
        return 1;
    }
    Error err = {0};
    int G = ev.grid_h * ev.grid_w, rc = 1, n_items = 0, *items = NULL;
    int *codes = mem_alloc((size_t)G * sizeof(int));
    float *map = mem_alloc((size_t)G * sizeof(float));
    Gpt *g = NULL;
    ThreadPool *pool = threads > 1 ? pool_new((int)threads) : NULL;
    int want_grad = all || only == MINI_EXPLAIN_GRADIENT;
    if (!codes || !map || emoji_eval_test_items(&ev, &items, &n_items) != 0) {
        error_set(&err, "out of memory");
        goto done;
    }
    if (n_items < 2) {
        error_set(&err, "the test split has %d labelled emoji; need 2", n_items);
        goto done;
    }
    if (want_grad && mini_import(&g, dir, 16, pool, &err) != 0) goto done;
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    int hits[3][2] = {{0}}, cases[3][2] = {{0}};
    Progress bar;
    progress_begin(&bar, "explain-eval", pairs, "pair");
    for (int p = 0; p < pairs; p++) {
        const EmojiRow *side[2];
        do { /* two different things: not two skin tones of one emoji */
            side[0] = &ev.table.rows[items[rng_below(&rng, (uint64_t)n_items)]];
            side[1] = &ev.table.rows[items[rng_below(&rng, (uint64_t)n_items)]];
        } while (strcmp(side[0]->base, side[1]->base) == 0);
        Image *a = emoji_eval_image(&ev, side[0], &err), *b = a ? emoji_eval_image(&ev, side[1], &err) : NULL;
        Image *pair = b ? image_side_by_side(a, b, ev.width, ev.height, IMAGE_WHITE, &err) : NULL;
        int bad = !pair || emoji_eval_codes(&ev, pair, codes, &err);
        image_free(a);
        image_free(b);
        image_free(pair);
        if (bad) goto done;
        for (int method = 0; method < 3; method++) {
            if (!all && method != only) continue;
            for (int lang = 0; lang < 2; lang++) {
                if (only_lang != MINI_LANG_NONE && lang != only_lang) continue;
                for (int s = 0; s < 2; s++) {
                    MiniExplanation e;
                    const char *name = lang == MINI_LANG_KO ? side[s]->ko_label : side[s]->en_label;
                    if (mini_explain_caption(m, g, codes, lang, name, method, &e, &err) != 0) goto done;
                    mini_explain_mean_map(&e, map);
                    double left = map_left_share(map, ev.grid_h, ev.grid_w);
                    hits[method][lang] += s == 0 ? left > 0.5 : 1 - left > 0.5;
                    cases[method][lang]++;
                    mini_explanation_free(&e);
                }
            }
        }
        progress_update(&bar, p + 1, NULL);
    }
    progress_done(&bar);
    for (int method = 0; method < 3; method++) {
        int h = 0, c = 0;
        for (int lang = 0; lang < 2; lang++) {
            if (!cases[method][lang]) continue;
            printf("composition.%s.%s  %.3f  (%d/%d)\n", mini_explain_method_name(method),
                   lang == MINI_LANG_KO ? "ko" : "en", (double)hits[method][lang] / cases[method][lang],
                   hits[method][lang], cases[method][lang]);
            h += hits[method][lang];
            c += cases[method][lang];
        }
        if (c) printf("composition.%s  %.3f  (%d/%d)\n", mini_explain_method_name(method), (double)h / c, h, c);
    }
    rc = 0;
done:
    if (rc) fprintf(stderr, "exaone explain-eval: %s\n", err.message);
    mem_free(codes);
    mem_free(map);
    mem_free(items);
    gpt_free(g);
    if (pool) pool_free(pool);
    emoji_eval_close(&ev);
    mini_free(m);
    return rc;
}
