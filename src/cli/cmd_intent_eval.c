/* exaone intent-eval — do detailed prompts and self-reranking make
 * EXAONE-mini's drawings match their prompt better (issue 9, "Intent")?
 *
 * A 2 x 3 design on the test split, in Korean and in English: the prompt is
 * the item's name or a detailed prompt (the name plus its keywords and colour
 * words); the drawing is the first of K candidates, the one the model itself
 * scores best (`exaone draw -n K --rerank`), or the best by the judge (the
 * oracle: what a perfect reranker could reach). The judge is tools/eval-mini's
 * retrieval (mini_split.h): pixel thumbnails, independent of the model, so
 * reranking by the model's own score cannot improve it by construction. The
 * two prompts of a query share their seeds, so each comparison is paired. */
#include "../core/mem.h"
#include "../core/progress.h"
#include "args.h"
#include "commands.h"
#include "mini_split.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone intent-eval [-n N] [--candidates K] [--seed S] [-m MODEL] [--threads N] [--list] RAW.tsv\n\n"
    "Text -> image retrieval top-5 of EXAONE-mini's drawings for short vs detailed prompts,\n"
    "with and without self-reranking, on a raw split (tools/eval-intent finds the test split).\n\n"
    "queries   N items spread evenly over the split's items (those with an image and KO and EN\n"
    "          names); each is asked in KO and in EN with two prompts:\n"
    "  short     the item's name: its first caption (\"grinning face\", \"갈색 가죽\")\n"
    "  detailed  the name, then every comma-separated part of the item's other captions that\n"
    "            adds a word (keywords, category, a second colour; template words such as\n"
    "            \"emoji\", \"a picture of\", \"이모지\" do not count), while it fits the context\n"
    "            (\"grinning face, smile, grin, happy, face\")\n"
    "drawings  each prompt is drawn K times, seeds S + item number + 0 .. K-1 (cfg 3, top-p 0.95;\n"
    "          the same seeds for both prompts); the pick is\n"
    "  first     candidate 0: plain `exaone draw --seed S+item` (short/first = eval-mini's t2i)\n"
    "  rerank    the candidate with the highest mean log p(prompt | image) (`draw -n K --rerank`;\n"
    "            for one prompt the PMI with the prompt's prior orders the candidates the same)\n"
    "  oracle    the candidate the judge ranks best: the ceiling of any reranker of these K\n"
    "retrieval the drawing ranks all items of the split by the L2 distance of 16x16 RGB\n"
    "          thumbnails to each item's nearest image (tools/eval-mini's judge; it does not use\n"
    "          the model); a hit when the query item is among the 5 nearest. Chance 5 / items.\n\n"
    "Prints a markdown table (top-5, hits/queries, Wilson 95% interval, mean rank of the true\n"
    "item) per prompt, pick and language, then paired counts over the same queries and seeds:\n"
    "queries only one side hits, and queries where one side ranks the true item nearer, each with\n"
    "the two-sided sign-test p (how often a split so uneven comes from two equal sides).\n\n"
    "options:\n"
    "  -n N              query items (default 12; each costs 2 languages x 2 prompts x K drawings)\n"
    "  --candidates K    drawings per prompt (default 4, at most 16)\n"
    "  --seed S          added to the item number to seed the drawings (default 0)\n"
    "  --list            print the queries' prompts (item, lang, short, detailed) and stop\n"
    "  -m, --model DIR   model folder (default models/exaone-mini)\n"
    "  --threads N       (default 1)\n";

enum { SHORT, DETAILED, N_KINDS };
enum { FIRST, RERANK, ORACLE, N_PICKS };
enum { MAX_CANDIDATES = 16, PROMPT_BYTES = 1024 };
static const char *const kind_names[N_KINDS] = {"short", "detailed"};
static const char *const pick_names[N_PICKS] = {"first", "rerank", "oracle"};
static const char *lang_name(int lang) { return lang == MINI_LANG_KO ? "ko" : "en"; }

/* ---------------------------------------------------------------- prompts */

/* Words of src/data/captions.c's templates: a phrasing that adds only these
 * says the name again ("a picture of a ...", "... 이모지"). */
static const char *const template_words[] = {"a",       "an",  "the",  "of",     "with", "and",  "emoji",
                                             "picture", "tile", "seamless", "texture", "pattern", "flag",
                                             "이모지",  "그림", "질감", "무늬", "타일", "이음새", "없는", "국기"};

/* A word's stem for comparison: without trailing punctuation and, in Korean,
 * without the particle 의 / 과 / 와 after two or more syllables ("갈색과" is
 * "갈색", "대한민국의" is "대한민국"; "사과" stays, as most two-syllable words
 * ending so are not a noun and its particle). Hangul syllables are 3 bytes. */
static size_t stem_length(const char *w, size_t n) {
    while (n && strchr(",.:;!?", w[n - 1])) n--;
    static const char *const particles[] = {"의", "과", "와"};
    for (size_t i = 0; i < 3; i++) {
        size_t p = strlen(particles[i]);
        if (n >= p + 6 && memcmp(w + n - p, particles[i], p) == 0) return n - p;
    }
    return n;
}

static int has_word(const char *text, const char *w, size_t n) {
    for (const char *t = text; *t;) {
        while (*t == ' ') t++;
        size_t len = strcspn(t, " ");
        if (len && stem_length(t, len) == n && memcmp(t, w, n) == 0) return 1;
        t += len;
    }
    return 0;
}

/* Does part have a word that prompt lacks and that is not a template word? */
static int adds_word(const char *prompt, const char *part) {
    for (const char *t = part; *t;) {
        while (*t == ' ') t++;
        size_t len = strcspn(t, " "), n = stem_length(t, len);
        int is_template = 0;
        for (size_t i = 0; i < sizeof template_words / sizeof *template_words; i++)
            is_template |= strlen(template_words[i]) == n && memcmp(template_words[i], t, n) == 0;
        if (n && !is_template && !has_word(prompt, t, n)) return 1;
        t += len;
    }
    return 0;
}

static int token_count(const MiniModel *m, const char *text, int *n, Error *err) {
    TokIds ids = {0};
    int rc = tok_encode(mini_tokenizer(m), text, strlen(text), &ids, err);
    *n = (int)ids.n;
    tok_ids_free(&ids);
    return rc;
}

/* out[PROMPT_BYTES]: the detailed prompt of item in lang (see usage), at most
 * budget tokens. */
static int detailed_prompt(const MiniModel *m, const MiniSplit *s, int item, int lang, int budget, char *out,
                           Error *err) {
    const MiniText *name = mini_split_name(s, item, lang);
    char *text = mini_split_text(m, s, name->off, name->n, err);
    if (!text) return -1;
    snprintf(out, PROMPT_BYTES, "%s", text);
    mem_free(text);
    const MiniCorpus *c = s->c;
    for (int i = 0; i < c->n_captions; i++) {
        const MiniText *t = &c->captions[i];
        if (t->item != s->items[item] || t->lang != lang || t == name) continue;
        if (!(text = mini_split_text(m, s, t->off, t->n, err))) return -1;
        for (char *part = text; part;) {
            char *comma = strstr(part, ", ");
            if (comma) *comma = 0;
            char longer[PROMPT_BYTES];
            int n_tokens = 0, w = snprintf(longer, sizeof longer, "%s, %s", out, part);
            if (adds_word(out, part) && w > 0 && (size_t)w < sizeof longer) {
                if (token_count(m, longer, &n_tokens, err)) {
                    mem_free(text);
                    return -1;
                }
                if (n_tokens <= budget) memcpy(out, longer, (size_t)w + 1);
            }
            part = comma ? comma + 2 : NULL;
        }
        mem_free(text);
    }
    return 0;
}

/* Both prompts of a query; budget = the text tokens that fit the context. */
static int query_prompts(const MiniModel *m, const MiniSplit *s, int item, int lang, char prompts[N_KINDS][PROMPT_BYTES],
                         Error *err) {
    /* <i2t> <boi> codes <eoi> <lang> text <eos>, the longer of the two uses (mini_seq.h) */
    int budget = mini_config(m)->max_seq - s->G - 5;
    const MiniText *name = mini_split_name(s, item, lang);
    char *text = mini_split_text(m, s, name->off, name->n, err);
    if (!text) return -1;
    snprintf(prompts[SHORT], PROMPT_BYTES, "%s", text);
    mem_free(text);
    return detailed_prompt(m, s, item, lang, budget, prompts[DETAILED], err);
}

/* ---------------------------------------------------------------- tally */

typedef struct {
    int queries;
    int lengthened; /* queries (both languages) whose detailed prompt adds to the name */
    /* [kind][pick][lang][query]: the true item's rank (0 = nearest) */
    int *rank[N_KINDS][N_PICKS][2];
} Tally;

/* Wilson score interval for k of n at 95 %. */
static void wilson(int k, int n, double *lo, double *hi) {
    const double z = 1.96;
    double p = n ? (double)k / n : 0, z2n = n ? z * z / n : 0;
    double centre = (p + z2n / 2) / (1 + z2n), half = n ? z * sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n) : 0;
    *lo = centre - half > 0 ? centre - half : 0;
    *hi = centre + half < 1 ? centre + half : 1;
}

/* Two-sided exact sign test: the chance of a split at least as uneven as
 * a : b of a + b queries if neither side were better. */
static double sign_test(int a, int b) {
    int n = a + b, k = a < b ? a : b;
    double tail = 0;
    for (int i = 0; i <= k; i++) tail += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    return n && 2 * tail < 1 ? 2 * tail : 1;
}

/* Cells (kind_a, pick_a) and (kind_b, pick_b) differ in one factor and share
 * seeds and queries, so counting the queries each side wins is a paired test. */
static void print_paired(const Tally *t, int kind_a, int pick_a, int kind_b, int pick_b) {
    int only_a = 0, only_b = 0, nearer_a = 0, nearer_b = 0;
    for (int lang = 0; lang < 2; lang++)
        for (int q = 0; q < t->queries; q++) {
            int a = t->rank[kind_a][pick_a][lang][q], b = t->rank[kind_b][pick_b][lang][q];
            only_a += a < 5 && b >= 5, only_b += b < 5 && a >= 5;
            nearer_a += a < b, nearer_b += b < a;
        }
    char a_name[32], b_name[32];
    snprintf(a_name, sizeof a_name, "%s/%s", kind_names[kind_a], pick_names[pick_a]);
    snprintf(b_name, sizeof b_name, "%s/%s", kind_names[kind_b], pick_names[pick_b]);
    printf("  %-16s vs %-14s top-5 %3d vs %3d (p %.2f)   nearer %3d vs %3d (p %.3f)\n", a_name, b_name, only_a, only_b,
           sign_test(only_a, only_b), nearer_a, nearer_b, sign_test(nearer_a, nearer_b));
}

static void print_table(const Tally *t, const MiniSplit *s) {
    int Q = t->queries;
    printf("| prompt | pick | lang | top-5 | hits | 95%% interval | mean rank |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (int lang = MINI_LANG_KO; lang <= MINI_LANG_EN; lang++)
        for (int k = 0; k < N_KINDS; k++)
            for (int p = 0; p < N_PICKS; p++) {
                const int *r = t->rank[k][p][lang];
                int hits = 0;
                double rank_sum = 0, lo, hi;
                for (int q = 0; q < Q; q++) hits += r[q] < 5, rank_sum += r[q] + 1;
                wilson(hits, Q, &lo, &hi);
                printf("| %s | %s | %s | %.3f | %d/%d | %.3f-%.3f | %.1f |\n", kind_names[k], pick_names[p],
                       lang_name(lang), Q ? (double)hits / Q : 0, hits, Q, lo, hi, Q ? rank_sum / Q : 0);
            }
    printf("\ndetailed prompts longer than the name: %d of %d\n", t->lengthened, 2 * Q);
    printf("chance: top-5 %.4f (5 of %d items), mean rank %.1f\n", 5.0 / s->n_items, s->n_items,
           (s->n_items + 1) / 2.0);
    printf("\npaired, both languages (a vs b: queries where only a hits the top 5 vs only b; queries where\n"
           "a ranks the true item nearer vs b; p: two-sided sign test)\n");
    for (int p = FIRST; p <= RERANK; p++) print_paired(t, DETAILED, p, SHORT, p);
    for (int k = 0; k < N_KINDS; k++) print_paired(t, k, RERANK, k, FIRST);
}

/* ---------------------------------------------------------------- drawing */

typedef struct {
    MiniSplitEval *ev;
    int K;
    uint64_t seed;
    int *codes; /* [K, G] */
    Error err;
} Drawer;

/* Draws prompt K times and sets ranks[N_PICKS] of the query item. */
static int draw_and_judge(Drawer *d, const char *prompt, int item, int ranks[N_PICKS]) {
    MiniSplit *s = d->ev->s;
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    double best_score = -INFINITY;
    for (int j = 0; j < d->K; j++) {
        int *codes = d->codes + (size_t)j * s->G, rank;
        double score = 0;
        o.seed = d->seed + (uint64_t)s->items[item] + (uint64_t)j;
        if (mini_draw(d->ev->m, prompt, &o, codes, &d->err) ||
            (d->K > 1 && mini_score(d->ev->m, codes, prompt, &score, &d->err)) ||
            mini_split_rank_codes(s, d->ev->vq, mini_vocab(d->ev->m), codes, item, &rank, &d->err))
            return -1;
        if (j == 0) ranks[FIRST] = ranks[RERANK] = ranks[ORACLE] = rank;
        if (score > best_score) best_score = score, ranks[RERANK] = rank; /* ties keep the earlier seed */
        if (rank < ranks[ORACLE]) ranks[ORACLE] = rank;
    }
    return 0;
}

/* ---------------------------------------------------------------- command */

int cmd_intent_eval(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone intent-eval");
    const char *model = NULL, *split = NULL;
    int64_t N = 12, K = 4, threads = 1, seed = 0;
    int list = 0;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_int(&args, "-n", NULL, 1, 1000000, &N)) continue;
        if (args_int(&args, NULL, "--candidates", 1, MAX_CANDIDATES, &K)) continue;
        if (args_int(&args, NULL, "--seed", 0, (int64_t)1 << 40, &seed)) continue;
        if (args_int(&args, NULL, "--threads", 1, 256, &threads)) continue;
        if (args_flag(&args, NULL, "--list")) { list = 1; continue; }
        if (!split && args_positional(&args, &split)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!split) {
        fprintf(stderr, "exaone intent-eval: missing RAW.tsv (see --help)\n");
        return 2;
    }
    MiniSplitEval ev;
    Tally t = {0};
    Drawer d = {.ev = &ev, .K = (int)K, .seed = (uint64_t)seed};
    int rc = 1;
    double t0 = time_seconds();
    if (mini_split_eval_open(&ev, "exaone intent-eval", model, (int)threads, split, 5)) goto done;
    MiniSplit *s = ev.s;
    int use = N < s->n_items ? (int)N : s->n_items;
    char prompts[N_KINDS][PROMPT_BYTES];
    if (list) {
        for (int q = 0; q < use; q++)
            for (int lang = MINI_LANG_KO; lang <= MINI_LANG_EN; lang++) {
                int item = mini_split_query_item(q, use, s->n_items);
                if (query_prompts(ev.m, s, item, lang, prompts, &d.err)) goto failed;
                printf("%d\t%s\t%s\t%s\n", s->items[item], lang_name(lang), prompts[SHORT], prompts[DETAILED]);
            }
        rc = 0;
        goto done;
    }
    t.queries = use;
    d.codes = mem_alloc((size_t)K * (size_t)s->G * sizeof(int));
    int ok = d.codes != NULL;
    for (int k = 0; k < N_KINDS; k++)
        for (int p = 0; p < N_PICKS; p++)
            for (int lang = 0; lang < 2; lang++) ok &= (t.rank[k][p][lang] = mem_alloc((size_t)use * sizeof(int))) != NULL;
    if (!ok) {
        error_set(&d.err, "out of memory");
        goto failed;
    }
    printf("# exaone intent-eval %s  (model %s)\n", split, ev.dir);
    printf("queries %d of %d items per language, %d candidates per prompt, seed %lld, %d images judged\n\n", use,
           s->n_items, (int)K, (long long)seed, s->n_images);
    Progress bar;
    progress_begin(&bar, "drawing", (int64_t)use * 2, "query");
    int hits_short = 0, hits_detailed = 0;
    for (int q = 0; q < use; q++)
        for (int lang = MINI_LANG_KO; lang <= MINI_LANG_EN; lang++) {
            int item = mini_split_query_item(q, use, s->n_items), ranks[N_PICKS] = {0};
            if (query_prompts(ev.m, s, item, lang, prompts, &d.err)) goto failed;
            t.lengthened += strcmp(prompts[SHORT], prompts[DETAILED]) != 0;
            for (int k = 0; k < N_KINDS; k++) {
                if (draw_and_judge(&d, prompts[k], item, ranks)) goto failed;
                for (int p = 0; p < N_PICKS; p++) t.rank[k][p][lang][q] = ranks[p];
            }
            hits_short += t.rank[SHORT][FIRST][lang][q] < 5;
            hits_detailed += t.rank[DETAILED][FIRST][lang][q] < 5;
            progress_update(&bar, 2 * q + lang + 1, "top-5 short %d, detailed %d", hits_short, hits_detailed);
        }
    progress_done(&bar);
    print_table(&t, s);
    printf("seconds %.0f  (%d thread(s))\n", time_seconds() - t0, (int)threads);
    rc = 0;
    goto done;
failed:
    fprintf(stderr, "exaone intent-eval: %s\n", d.err.message);
done:
    mem_free(d.codes);
    for (int k = 0; k < N_KINDS; k++)
        for (int p = 0; p < N_PICKS; p++)
            for (int lang = 0; lang < 2; lang++) mem_free(t.rank[k][p][lang]);
    mini_split_eval_close(&ev);
    return rc;
}
