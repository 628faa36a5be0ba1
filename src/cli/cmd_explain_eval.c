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
    "  --method M        attn, rollout, grad, occlusion, shapley, partition or all (default all)\n"
    "  --lang ko|en      one language (default both)\n"
    "  --halves          instead of maps, check whether the pair's caption depends on each half at\n"
    "                    all: log p(name | picture) for the pair, each half alone, the emoji at full\n"
    "                    size and a blank picture (lines halves.LANG.*)\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

/* ---- --halves: does the caption of a pair depend on each half at all? ----
 * For every pair, language and side s, log p(name_s <eos> | picture) (mini_score_sums) of:
 *   pair        the two-emoji picture
 *   own-only    the pair with the other half left white (name_s's emoji alone, shrunk, in its half)
 *   other-only  the pair with name_s's half left white
 *   full        name_s's emoji alone at full size (what the model was trained on)
 *   blank       a white picture (no emoji at all)
 * A map can only put a name on its half when removing that half costs the name more
 * than removing the other one: "half decides" counts the cases where
 * log p(name | own-only) > log p(name | other-only). */
enum { H_PAIR, H_OWN, H_OTHER, H_FULL, H_BLANK, N_HALVES };
static const char *const halves_names[N_HALVES] = {"pair", "own-only", "other-only", "full", "blank"};

typedef struct {
    double sum[2][N_HALVES];
    int decided[2], cases[2];
} HalvesTally;

/* sums[s] = log p(name of side s | codes) for both names in lang. */
static int name_logprobs(MiniModel *m, const int *codes, int lang, TokIds ids[2], double sums[2], Error *err) {
    const int32_t *texts[2] = {ids[0].ids, ids[1].ids};
    int lens[2] = {(int)ids[0].n, (int)ids[1].n};
    return mini_score_sums(m, MINI_TASK_I2T, codes, lang, texts, lens, 2, sums, err);
}

static int halves_pair(EmojiEval *ev, MiniModel *m, const EmojiRow *side[2], int only_lang, HalvesTally *t,
                       Error *err) {
    int G = ev->grid_h * ev->grid_w, rc = -1;
    int *codes = mem_alloc((size_t)N_HALVES * 2 * G * sizeof(int)); /* [picture kind][side][G] */
    Image *pic[2] = {NULL, NULL}, *white = image_new(ev->width, ev->height, 3, err), *made = NULL;
    TokIds ids[2] = {{0}, {0}};
    if (!codes || !white) {
        if (!codes) error_set(err, "out of memory");
        goto done;
    }
    memset(white->pixels, 255, image_bytes(white));
    for (int s = 0; s < 2; s++)
        if (!(pic[s] = emoji_eval_image(ev, side[s], err))) goto done;
    /* kind x side -> picture */
    for (int k = 0; k < N_HALVES; k++)
        for (int s = 0; s < 2; s++) {
            const Image *l = pic[0], *r = pic[1];
            if ((k == H_OWN && s == 0) || (k == H_OTHER && s == 1)) r = white;
            if ((k == H_OWN && s == 1) || (k == H_OTHER && s == 0)) l = white;
            made = k == H_FULL || k == H_BLANK ? NULL : image_side_by_side(l, r, ev->width, ev->height, IMAGE_WHITE, err);
            const Image *use = k == H_FULL ? pic[s] : k == H_BLANK ? white : made;
            if (!use) goto done;
            int bad = emoji_eval_codes(ev, use, codes + ((size_t)k * 2 + s) * G, err);
            image_free(made);
            made = NULL;
            if (bad) goto done;
        }
    for (int lang = 0; lang < 2; lang++) {
        if (only_lang != MINI_LANG_NONE && lang != only_lang) continue;
        for (int s = 0; s < 2; s++) {
            const char *name = lang == MINI_LANG_KO ? side[s]->ko_label : side[s]->en_label;
            ids[s].n = 0;
            if (tok_encode(mini_tokenizer(m), name, strlen(name), &ids[s], err) != 0) goto done;
        }
        double lp[N_HALVES][2];
        for (int k = 0; k < N_HALVES; k++)
            for (int s = 0; s < 2; s++) { /* one picture per side, except the shared pair and blank */
                double both[2];
                if (name_logprobs(m, codes + ((size_t)k * 2 + s) * G, lang, ids, both, err) != 0) goto done;
                lp[k][s] = both[s];
            }
        for (int s = 0; s < 2; s++) {
            for (int k = 0; k < N_HALVES; k++) t->sum[lang][k] += lp[k][s];
            t->decided[lang] += lp[H_OWN][s] > lp[H_OTHER][s];
            t->cases[lang]++;
        }
    }
    rc = 0;
done:
    mem_free(codes);
    image_free(pic[0]);
    image_free(pic[1]);
    image_free(white);
    image_free(made);
    tok_ids_free(&ids[0]);
    tok_ids_free(&ids[1]);
    return rc;
}

static void halves_print(const HalvesTally *t) {
    for (int lang = 0; lang < 2; lang++) {
        int n = t->cases[lang];
        if (!n) continue;
        const char *l = lang == MINI_LANG_KO ? "ko" : "en";
        printf("halves.%s.decided  %.3f  (%d/%d: log p(name | own half only) > log p(name | other half only))\n", l,
               (double)t->decided[lang] / n, t->decided[lang], n);
        printf("halves.%s.mean_logp ", l);
        for (int k = 0; k < N_HALVES; k++) printf(" %s %.2f", halves_names[k], t->sum[lang][k] / n);
        printf("  (nats per name)\n");
    }
}

int cmd_explain_eval(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone explain-eval");
    const char *model = NULL, *data = NULL, *method_s = "all", *lang_s = NULL;
    int64_t pairs = 50, seed = 0, threads = 1;
    int halves = 0;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_value(&args, NULL, "--data", &data)) continue;
        if (args_value(&args, NULL, "--method", &method_s)) continue;
        if (args_value(&args, NULL, "--lang", &lang_s)) continue;
        if (args_flag(&args, NULL, "--halves")) {
            halves = 1;
            continue;
        }
        if (args_int(&args, "-n", NULL, 1, 100000, &pairs)) continue;
        if (args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    int all = strcmp(method_s, "all") == 0, only = all ? -1 : mini_explain_method(method_s);
    int only_lang = lang_s ? mini_cli_lang(lang_s) : MINI_LANG_NONE;
    if ((!all && only < 0) || only_lang == -2) {
        fprintf(stderr, "exaone explain-eval: --method wants attn, rollout, grad, occlusion, shapley, partition or all; --lang ko or en\n");
        return 2;
    }
    char dir[1024];
    EmojiEval ev;
    MiniModel *m = emoji_eval_open_with_model(&ev, "exaone explain-eval", model, (int)threads, data, dir, sizeof dir);
    if (!m) return 1;
    Error err = {0};
    int G = ev.grid_h * ev.grid_w, rc = 1, n_items = 0, *items = NULL;
    int *codes = mem_alloc((size_t)G * 2 * sizeof(int)), *blank = codes ? codes + G : NULL;
    Image *white = image_new(ev.width, ev.height, 3, &err);
    float *map = mem_alloc((size_t)G * sizeof(float));
    Gpt *g = NULL;
    ThreadPool *pool = threads > 1 ? pool_new((int)threads) : NULL;
    int want_grad = !halves && (all || only == MINI_EXPLAIN_GRADIENT);
    HalvesTally halves_tally;
    memset(&halves_tally, 0, sizeof halves_tally);
    if (!codes || !map || !white || emoji_eval_test_items(&ev, &items, &n_items) != 0) {
        error_set(&err, "out of memory");
        goto done;
    }
    memset(white->pixels, 255, image_bytes(white)); /* occlusion's background (mini_explain.h) */
    if (emoji_eval_codes(&ev, white, blank, &err) != 0) goto done;
    if (n_items < 2) {
        error_set(&err, "the test split has %d labelled emoji; need 2", n_items);
        goto done;
    }
    if (want_grad && mini_import(&g, dir, 16, pool, &err) != 0) goto done;

    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    int hits[MINI_EXPLAIN_N_METHODS][2] = {{0}}, cases[MINI_EXPLAIN_N_METHODS][2] = {{0}};
    MiniExplainAids aids = {g, blank};
    Progress bar;
    progress_begin(&bar, "explain-eval", pairs, "pair");
    for (int p = 0; p < pairs; p++) {
        const EmojiRow *side[2];
        do { /* two different things: not two skin tones of one emoji */
            side[0] = &ev.table.rows[items[rng_below(&rng, (uint64_t)n_items)]];
            side[1] = &ev.table.rows[items[rng_below(&rng, (uint64_t)n_items)]];
        } while (strcmp(side[0]->base, side[1]->base) == 0);
        if (halves) {
            if (halves_pair(&ev, m, side, only_lang, &halves_tally, &err) != 0) goto done;
            progress_update(&bar, p + 1, NULL);
            continue;
        }
        Image *a = emoji_eval_image(&ev, side[0], &err), *b = a ? emoji_eval_image(&ev, side[1], &err) : NULL;
        Image *pair = b ? image_side_by_side(a, b, ev.width, ev.height, IMAGE_WHITE, &err) : NULL;
        int bad = !pair || emoji_eval_codes(&ev, pair, codes, &err);
        image_free(a);
        image_free(b);
        image_free(pair);
        if (bad) goto done;
        for (int method = 0; method < MINI_EXPLAIN_N_METHODS; method++) {
            if (!all && method != only) continue;
            for (int lang = 0; lang < 2; lang++) {
                if (only_lang != MINI_LANG_NONE && lang != only_lang) continue;
                for (int s = 0; s < 2; s++) {
                    MiniExplanation e;
                    const char *name = lang == MINI_LANG_KO ? side[s]->ko_label : side[s]->en_label;
                    if (mini_explain_caption(m, &aids, codes, lang, name, method, &e, &err) != 0) goto done;
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
    if (halves) halves_print(&halves_tally);
    for (int method = 0; method < MINI_EXPLAIN_N_METHODS; method++) {
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
    image_free(white);
    mem_free(map);
    mem_free(items);
    gpt_free(g);
    if (pool) pool_free(pool);
    emoji_eval_close(&ev);
    mini_free(m);
    return rc;
}
