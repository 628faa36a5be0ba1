/* test_tokenizer.c — parity with HF tokenizers on the EXAONE golden files
 * (ids made by the Rust library, in ../shared/exaone), round trips, the
 * scanner against PCRE2, streaming decode, the other loaders, bad input. */
#include "../harness.h"
#include "core/file.h"
#include "core/mem.h"
#include "formats/gguf.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/tokenizer.h"

#include <cjson/cJSON.h>
#include <stdint.h>

static const char *models[] = {"EXAONE-4.0-1.2B", "EXAONE-3.5-2.4B-Instruct"};

static Tokenizer *load_model(const char *shared, const char *model, const char *file) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s%s%s", shared, model, file ? "/" : "", file ? file : "");
    Tokenizer *tok = NULL;
    Error err = {0};
    if (tok_load(&tok, path, &err) != 0) printf("  load %s: %s\n", path, err.message);
    return tok;
}

/* Calls fn on every JSON line of a file; returns the number of lines, -1 if unreadable. */
static int each_line(const char *path, void (*fn)(cJSON *obj, void *ctx), void *ctx) {
    char *text;
    size_t len;
    Error err = {0};
    if (file_read_all(path, (size_t)1 << 28, &text, &len, &err) != 0) return -1;
    int n = 0;
    for (char *line = text; line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        size_t l = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
        cJSON *obj = l ? cJSON_ParseWithLength(line, l) : NULL;
        if (obj) {
            fn(obj, ctx);
            cJSON_Delete(obj);
            n++;
        }
        line += l + 1;
    }
    mem_free(text);
    return n;
}

typedef struct {
    Tokenizer *tok;
    int lines, same, round_trip, parallel_same;
    int first_bad;
} Parity;

static int ids_equal(const TokIds *ids, const cJSON *want) {
    if (!cJSON_IsArray(want) || (size_t)cJSON_GetArraySize(want) != ids->n) return 0;
    size_t i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, want) if (ids->ids[i++] != (int32_t)v->valuedouble) return 0;
    return 1;
}

static void check_line(cJSON *obj, void *ctx) {
    Parity *p = ctx;
    const cJSON *text = cJSON_GetObjectItem(obj, "text"), *want = cJSON_GetObjectItem(obj, "ids");
    if (!cJSON_IsString(text)) return;
    TokIds ids = {0};
    Error err = {0};
    size_t len = strlen(text->valuestring);
    p->lines++;
    if (tok_encode(p->tok, text->valuestring, len, &ids, &err) == 0 && ids_equal(&ids, want)) p->same++;
    else if (p->first_bad++ < 3) {
        printf("  mismatch on \"%.80s\" (%zu ids, want %d)\n", text->valuestring, ids.n, cJSON_GetArraySize(want));
        for (size_t i = 0; i < ids.n && i < 40; i++) printf(" %d", ids.ids[i]);
        printf("\n");
    }
    TokBytes out = {0};
    if (tok_decode(p->tok, ids.ids, ids.n, 0, &out, &err) == 0 && out.len == len &&
        memcmp(out.data ? out.data : "", text->valuestring, len) == 0)
        p->round_trip++;
    TokIds par = {0};
    if (tok_encode_parallel(p->tok, text->valuestring, len, 2, &par, &err) == 0 && par.n == ids.n &&
        (ids.n == 0 || memcmp(par.ids, ids.ids, ids.n * sizeof *ids.ids) == 0))
        p->parallel_same++;
    tok_ids_free(&par);
    tok_bytes_free(&out);
    tok_ids_free(&ids);
}

static void parity(const char *file, const char *loader_file) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    for (int m = 0; m < 2; m++) {
        Parity p = {0};
        p.tok = load_model(shared, models[m], loader_file);
        CHECK(p.tok != NULL);
        if (!p.tok) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/%s", shared, models[m], file);
        int n = each_line(path, check_line, &p);
        printf("  %s %s (%s): %d/%d identical ids, %d round trips, %d parallel\n", models[m], file,
               loader_file ? loader_file : "folder", p.same, p.lines, p.round_trip, p.parallel_same);
        CHECK(n > 0);
        CHECK(p.same == p.lines);
        CHECK(p.round_trip == p.lines);
        CHECK(p.parallel_same == p.lines);
        tok_free(p.tok);
    }
}

TEST(golden_parity) { parity("golden.jsonl", NULL); }
TEST(golden_chat_parity) { parity("golden-chat.jsonl", NULL); }


/* ---- pre-tokenizer scanner == PCRE2 ---- */

typedef struct {
    size_t starts[1 << 14];
    size_t n;
    const uint8_t *base;
} Pieces;

static int collect(void *ctx, const uint8_t *piece, size_t len) {
    Pieces *p = ctx;
    (void)len;
    if (p->n < sizeof p->starts / sizeof p->starts[0]) p->starts[p->n++] = (size_t)(piece - p->base);
    return 0;
}

static pcre2_code *gpt2_re;
static pcre2_match_data *gpt2_md;
static int scanner_checked, scanner_same;

static void compare_split(const char *text, size_t len) {
    static Pieces fast, slow;
    TokBytes fixed = {0};
    int changed;
    Error err = {0};
    tok_utf8_sanitize((const uint8_t *)text, len, &fixed, &changed, &err);
    if (changed) {
        text = fixed.data;
        len = fixed.len;
    }
    fast.n = slow.n = 0;
    fast.base = slow.base = (const uint8_t *)text;
    int a = tok_split_gpt2(gpt2_re, gpt2_md, (const uint8_t *)text, len, 0, collect, &fast);
    int b = tok_split_gpt2(gpt2_re, gpt2_md, (const uint8_t *)text, len, 1, collect, &slow);
    scanner_checked++;
    if (a == 0 && b == 0 && fast.n == slow.n && memcmp(fast.starts, slow.starts, fast.n * sizeof fast.starts[0]) == 0)
        scanner_same++;
    else if (scanner_checked - scanner_same <= 3)
        printf("  scanner and PCRE2 disagree on \"%.60s\" (%zu vs %zu pieces)\n", text, fast.n, slow.n);
    tok_bytes_free(&fixed);
}

static void split_line(cJSON *obj, void *ctx) {
    (void)ctx;
    const cJSON *text = cJSON_GetObjectItem(obj, "text");
    if (cJSON_IsString(text)) compare_split(text->valuestring, strlen(text->valuestring));
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 13);
}

/* Text that stresses the scanner's edges: its known classes next to unknown ones. */
static size_t random_mix(uint8_t *buf, size_t cap) {
    static const uint32_t picks[] = {' ', ' ', '\n', '\t', '\r', 0x0B, 0x0C, 'a', 'Z', '7', '\'', 's', 't', 'l', 'r',
                                     'e', 'v', 'd', 'm', '.', '-', 0x85, 0xA0, 0xAA, 0xB2, 0xBD, 0xD7, 0xE9, 0x1680,
                                     0x2000, 0x2028, 0x202F, 0x205F, 0x3000, 0x180E, 0x200B, 0x2019, 0x2026, 0x3001,
                                     0x3008, 0xAC00, 0xD7A3, 0x1100, 0x3131, 0x318F, 0x2460, 0xFF11, 0x0661, 0x00B9,
                                     0x2160, 0x1F600, 0x0301, 0x4E00, 0x1C, 0x1F, 0x7F, 0x00};
    size_t n = 0, count = rnd() % 24;
    for (size_t i = 0; i < count && n + 4 < cap; i++) {
        uint32_t cp = (rnd() % 8 == 0) ? rnd() % 0x30000 : picks[rnd() % (sizeof picks / sizeof picks[0])];
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
        n += (size_t)tok_utf8_encode(cp, buf + n);
    }
    return n;
}

TEST(scanner_matches_pcre2) {
    Error err = {0};
    CHECK(tok_compile_regex(&gpt2_re, TOK_GPT2_PATTERN, strlen(TOK_GPT2_PATTERN), &err) == 0);
    gpt2_md = pcre2_match_data_create(8, NULL);
    const char *shared = harness_shared_exaone();
    for (int m = 0; shared && m < 2; m++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/golden.jsonl", shared, models[m]);
        each_line(path, split_line, NULL);
        snprintf(path, sizeof path, "%s/%s/golden-chat.jsonl", shared, models[m]);
        each_line(path, split_line, NULL);
    }
    char *corpus;
    size_t len;
    if (file_read_all("tests/data/ko_en_corpus.txt", 1 << 20, &corpus, &len, &err) == 0) {
        compare_split(corpus, len);
        mem_free(corpus);
    }
    uint8_t buf[256];
    for (int i = 0; i < 20000; i++) {
        size_t n = random_mix(buf, sizeof buf);
        compare_split((const char *)buf, n);
    }
    for (int i = 0; i < 5000; i++) { /* raw random bytes, repaired first */
        size_t n = rnd() % 64;
        for (size_t k = 0; k < n; k++) buf[k] = (uint8_t)rnd();
        compare_split((const char *)buf, n);
    }
    printf("  scanner == PCRE2 on %d/%d texts%s\n", scanner_same, scanner_checked, shared ? " (golden included)" : "");
    CHECK(scanner_same == scanner_checked);
    pcre2_match_data_free(gpt2_md);
    pcre2_code_free(gpt2_re);
}

/* ---- the GGUF constructor, fed from vocab.json + merges.txt ---- */

/* vocab.json + merges.txt + tokenizer_config.json as the arrays a GGUF holds. */
typedef struct {
    char *vtext, *mtext, *ctext;
    cJSON *vocab, *config;
    const char **tokens, **merges;
    int32_t *types;
    size_t n, n_merges;
} Arrays;

static void arrays_free(Arrays *a) {
    free(a->tokens);
    free(a->types);
    free(a->merges);
    cJSON_Delete(a->vocab);
    cJSON_Delete(a->config);
    mem_free(a->vtext);
    mem_free(a->mtext);
    mem_free(a->ctext);
    memset(a, 0, sizeof *a);
}

static int arrays_read(Arrays *a, const char *dir) {
    char path[1024];
    size_t vlen, mlen, clen;
    Error err = {0};
    memset(a, 0, sizeof *a);
    snprintf(path, sizeof path, "%s/vocab.json", dir);
    if (file_read_all(path, 1 << 26, &a->vtext, &vlen, &err) != 0) return -1;
    snprintf(path, sizeof path, "%s/merges.txt", dir);
    if (file_read_all(path, 1 << 26, &a->mtext, &mlen, &err) != 0) return -1;
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    if (file_read_all(path, 1 << 26, &a->ctext, &clen, &err) != 0) return -1;
    a->vocab = cJSON_Parse(a->vtext);
    a->config = cJSON_Parse(a->ctext);
    a->n = (size_t)cJSON_GetArraySize(a->vocab);
    a->tokens = calloc(a->n, sizeof *a->tokens);
    a->types = calloc(a->n, sizeof *a->types);
    const cJSON *v;
    cJSON_ArrayForEach(v, a->vocab) a->tokens[(size_t)v->valuedouble] = v->string;
    for (size_t i = 0; i < a->n; i++) a->types[i] = TOK_TYPE_NORMAL;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(a->config, "added_tokens_decoder")) {
        int id = atoi(v->string);
        a->types[id] = cJSON_IsTrue(cJSON_GetObjectItem(v, "special")) ? TOK_TYPE_CONTROL : TOK_TYPE_USER_DEFINED;
    }
    a->merges = calloc(mlen / 2 + 1, sizeof *a->merges);
    for (char *line = a->mtext; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        if (*line && strncmp(line, "#version", 8) != 0) a->merges[a->n_merges++] = line;
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static Tokenizer *from_arrays(const char *dir, const char *pre, int with_types) {
    Arrays a;
    Error err = {0};
    Tokenizer *tok = NULL;
    if (arrays_read(&a, dir) == 0 &&
        tok_new_from_arrays(&tok, a.tokens, a.n, a.merges, a.n_merges, with_types ? a.types : NULL, pre, &err) != 0)
        printf("  tok_new_from_arrays: %s\n", err.message);
    arrays_free(&a);
    return tok;
}

/* A GGUF written with our writer under llama.cpp's key names; the ids are checked
 * against HF's golden ids, so the writer is not its own oracle. */
TEST(gguf_file_parity) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    static const char *pres[] = {"exaone4", "exaone"};
    for (int m = 0; m < 2; m++) {
        char dir[1024], path[1100], out[256];
        snprintf(dir, sizeof dir, "%s/%s", shared, models[m]);
        Arrays a;
        Error err = {0};
        GgufWriter *w = NULL;
        CHECK(arrays_read(&a, dir) == 0);
        CHECK(gguf_writer_new(&w, &err) == 0);
        CHECK(gguf_add_str(w, "general.architecture", pres[m], &err) == 0);
        CHECK(gguf_add_str(w, "tokenizer.ggml.model", "gpt2", &err) == 0);
        CHECK(gguf_add_str(w, "tokenizer.ggml.pre", pres[m], &err) == 0);
        CHECK(gguf_add_arr_str(w, "tokenizer.ggml.tokens", a.tokens, a.n, &err) == 0);
        CHECK(gguf_add_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, a.types, a.n, &err) == 0);
        CHECK(gguf_add_arr_str(w, "tokenizer.ggml.merges", a.merges, a.n_merges, &err) == 0);
        const cJSON *tmpl = cJSON_GetObjectItem(a.config, "chat_template");
        if (cJSON_IsString(tmpl)) CHECK(gguf_add_str(w, "tokenizer.chat_template", tmpl->valuestring, &err) == 0);
        CHECK(system("mkdir -p build/tmp") == 0);
        snprintf(out, sizeof out, "build/tmp/tokenizer-%s.gguf", pres[m]);
        CHECKF(gguf_write(w, out, &err) == 0, "%s", err.message);
        gguf_writer_free(w);
        arrays_free(&a);
        Parity p = {0};
        CHECKF(tok_load(&p.tok, out, &err) == 0, "%s", err.message);
        if (!p.tok) continue;
        snprintf(path, sizeof path, "%s/golden.jsonl", dir);
        each_line(path, check_line, &p);
        printf("  %s from %s: %d/%d identical ids\n", models[m], out, p.same, p.lines);
        CHECK(p.lines > 0 && p.same == p.lines);
        TokChatKind kind;
        if (m == 1) CHECK(tok_chat_kind(tok_chat_template(p.tok), &kind, &err) == 0 && kind == TOK_CHAT_EXAONE3);
        tok_free(p.tok);
    }
}

TEST(gguf_without_tokenizer_is_an_error) {
    GgufWriter *w = NULL;
    Error err = {0};
    Tokenizer *tok = NULL;
    CHECK(gguf_writer_new(&w, &err) == 0);
    CHECK(gguf_add_str(w, "general.architecture", "exaone", &err) == 0);
    CHECK(system("mkdir -p build/tmp") == 0);
    CHECK(gguf_write(w, "build/tmp/no-tokenizer.gguf", &err) == 0);
    gguf_writer_free(w);
    CHECK(tok_load(&tok, "build/tmp/no-tokenizer.gguf", &err) != 0 && tok == NULL);
    CHECK(strstr(err.message, "tokenizer.ggml.model") != NULL);
    CHECK(gguf_writer_new(&w, &err) == 0);
    CHECK(gguf_add_str(w, "tokenizer.ggml.model", "llama", &err) == 0);
    CHECK(gguf_write(w, "build/tmp/spm-tokenizer.gguf", &err) == 0);
    gguf_writer_free(w);
    CHECK(tok_load(&tok, "build/tmp/spm-tokenizer.gguf", &err) != 0 && strstr(err.message, "not supported"));
}

TEST(gguf_arrays_parity) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    static const char *pres[] = {"exaone4", "exaone"};
    for (int m = 0; m < 2; m++) {
        char dir[1024], path[1100];
        snprintf(dir, sizeof dir, "%s/%s", shared, models[m]);
        Parity p = {0};
        p.tok = from_arrays(dir, pres[m], 1);
        CHECK(p.tok != NULL);
        if (!p.tok) continue;
        snprintf(path, sizeof path, "%s/golden.jsonl", dir);
        each_line(path, check_line, &p);
        printf("  %s via tok_new_from_arrays(pre=\"%s\"): %d/%d identical ids\n", models[m], pres[m], p.same, p.lines);
        CHECK(p.lines > 0 && p.same == p.lines);
        tok_free(p.tok);
    }
}

/* pretok-variants.jsonl: ids under the shipped pre-tokenizer and under the other one. */
static void check_variant(cJSON *obj, void *ctx) {
    Tokenizer **toks = ctx; /* [model 4.0 exaone4, 4.0 exaone, 3.5 exaone, 3.5 exaone4] */
    const char *model = cJSON_GetObjectItem(obj, "model")->valuestring;
    const char *text = cJSON_GetObjectItem(obj, "text")->valuestring;
    int base = strstr(model, "4.0") ? 0 : 2;
    for (int k = 0; k < 2; k++) {
        TokIds ids = {0};
        Error err = {0};
        tok_encode(toks[base + k], text, strlen(text), &ids, &err);
        int same = ids_equal(&ids, cJSON_GetObjectItem(obj, k == 0 ? "ids" : "other_ids"));
        CHECKF(same, "%s %s: \"%s\"", model, k == 0 ? "shipped" : "other", text);
        tok_ids_free(&ids);
    }
}

TEST(pretok_variants) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    char dir4[1024], dir3[1024], path[1100];
    snprintf(dir4, sizeof dir4, "%s/%s", shared, models[0]);
    snprintf(dir3, sizeof dir3, "%s/%s", shared, models[1]);
    Tokenizer *toks[4] = {from_arrays(dir4, "exaone4", 1), from_arrays(dir4, "exaone", 1),
                          from_arrays(dir3, "exaone", 1), from_arrays(dir3, "exaone4", 1)};
    for (int i = 0; i < 4; i++) CHECK(toks[i] != NULL);
    snprintf(path, sizeof path, "%s/pretok-variants.jsonl", shared);
    if (toks[0] && toks[1] && toks[2] && toks[3]) CHECK(each_line(path, check_variant, toks) > 0);
    for (int i = 0; i < 4; i++) tok_free(toks[i]);
}

TEST(vocab_merges_files_parity) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    char v[1024], m[1024], c[1024], path[1024];
    snprintf(v, sizeof v, "%s/%s/vocab.json", shared, models[0]);
    snprintf(m, sizeof m, "%s/%s/merges.txt", shared, models[0]);
    snprintf(c, sizeof c, "%s/%s/tokenizer_config.json", shared, models[0]);
    Parity p = {0};
    Error err = {0};
    CHECKF(tok_new_from_files(&p.tok, v, m, c, &err) == 0, "%s", err.message);
    if (!p.tok) return;
    snprintf(path, sizeof path, "%s/%s/golden.jsonl", shared, models[0]);
    each_line(path, check_line, &p);
    printf("  %s via vocab.json + merges.txt: %d/%d identical ids\n", models[0], p.same, p.lines);
    CHECK(p.lines > 0 && p.same == p.lines);
    tok_free(p.tok);
}

/* ---- round trip on >= 1 MB of bilingual text, serial == parallel ---- */

typedef struct {
    TokBytes *text;
} Gather;

static void gather_line(cJSON *obj, void *ctx) {
    Gather *g = ctx;
    const cJSON *text = cJSON_GetObjectItem(obj, "text");
    if (!cJSON_IsString(text)) return;
    tok_bytes_append(g->text, text->valuestring, strlen(text->valuestring));
    tok_bytes_append(g->text, "\n", 1);
}

TEST(round_trip_1mb) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    Tokenizer *tok = load_model(shared, models[0], NULL);
    CHECK(tok != NULL);
    if (!tok) return;
    TokBytes base = {0}, text = {0};
    Gather g = {&base};
    char path[1024];
    for (int m = 0; m < 2; m++) {
        snprintf(path, sizeof path, "%s/%s/golden.jsonl", shared, models[m]);
        each_line(path, gather_line, &g);
    }
    char *corpus;
    size_t len;
    Error err = {0};
    if (file_read_all("tests/data/ko_en_corpus.txt", 1 << 20, &corpus, &len, &err) == 0) {
        tok_bytes_append(&base, corpus, len);
        mem_free(corpus);
    }
    /* Lines of the golden texts and the corpus in shuffled order, glued by varied separators. */
    size_t n_lines = 0, starts[4096];
    for (size_t i = 0; i < base.len && n_lines < 4096; i++)
        if (i == 0 || base.data[i - 1] == '\n') starts[n_lines++] = i;
    static const char *seps[] = {"\n", " ", "  ", "\n\n", "\t", ". ", "", "\r\n"};
    while (text.len < ((size_t)1 << 20) + 4096) {
        size_t k = rnd() % n_lines, s = starts[k], e = s;
        while (e < base.len && base.data[e] != '\n') e++;
        tok_bytes_append(&text, base.data + s, e - s);
        const char *sep = seps[rnd() % 8];
        tok_bytes_append(&text, sep, strlen(sep));
    }
    TokIds ids = {0}, par = {0};
    TokBytes back = {0};
    CHECK(tok_encode(tok, text.data, text.len, &ids, &err) == 0);
    CHECK(tok_decode(tok, ids.ids, ids.n, 0, &back, &err) == 0);
    CHECK(back.len == text.len && memcmp(back.data, text.data, text.len) == 0);
    CHECK(tok_encode_parallel(tok, text.data, text.len, 2, &par, &err) == 0);
    CHECK(par.n == ids.n && memcmp(par.ids, ids.ids, ids.n * sizeof *ids.ids) == 0);
    printf("  %zu bytes -> %zu ids -> identical text; 2 threads give the same ids\n", text.len, ids.n);
    tok_ids_free(&ids);
    tok_ids_free(&par);
    tok_bytes_free(&back);
    tok_bytes_free(&text);
    tok_bytes_free(&base);
    tok_free(tok);
}

/* ---- decoding ---- */

static int valid_utf8(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        int bad, len = tok_utf8_valid((const uint8_t *)s + i, n - i, &bad);
        if (len == 0) return 0;
        i += (size_t)len;
    }
    return 1;
}

TEST(stream_decode_never_splits_characters) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    Tokenizer *tok = load_model(shared, models[0], NULL);
    if (!tok) return;
    const char *text = "서울시는 내년부터 😀 émoji ½ 한국어 text [|endofturn|] 끝";
    TokIds ids = {0};
    Error err = {0};
    CHECK(tok_encode(tok, text, strlen(text), &ids, &err) == 0);
    TokBytes all = {0}, chunk = {0};
    TokStream st = {0};
    int chunks_valid = 1;
    for (size_t i = 0; i < ids.n; i++) {
        chunk.len = 0;
        CHECK(tok_stream_push(tok, &st, ids.ids[i], &chunk, &err) == 0);
        if (!valid_utf8(chunk.data, chunk.len)) chunks_valid = 0;
        tok_bytes_append(&all, chunk.data, chunk.len);
    }
    CHECK(tok_stream_flush(&st, &all, &err) == 0);
    CHECK(chunks_valid);
    CHECK_STR(all.data, text);
    /* Invalid sequences: byte tokens that never complete a character become U+FFFD,
     * the same way in the stream and in one decode. */
    int32_t b_ea = tok->byte_id[0xEA], b_b0 = tok->byte_id[0xB0], b_ff = tok->byte_id[0xFF], b_a = tok->byte_id['a'];
    int32_t bad_ids[] = {b_ea, b_b0, b_a, b_ff, b_ea, b_ea, b_b0, b_b0};
    TokBytes one = {0}, streamed = {0};
    CHECK(tok_decode(tok, bad_ids, 8, 0, &one, &err) == 0);
    st = (TokStream){0};
    for (int i = 0; i < 8; i++) tok_stream_push(tok, &st, bad_ids[i], &streamed, &err);
    tok_stream_flush(&st, &streamed, &err);
    /* Maximal subparts: EA B0 (cut by 'a') | a | FF | EA (cut by EA) | EA B0 B0 = U+ACB0 */
    CHECK_STR(one.data, "\xEF\xBF\xBD" "a" "\xEF\xBF\xBD\xEF\xBF\xBD" "\xEA\xB0\xB0");
    CHECK_STR(streamed.data, one.data);
    tok_bytes_free(&one);
    tok_bytes_free(&streamed);
    tok_bytes_free(&all);
    tok_bytes_free(&chunk);
    tok_ids_free(&ids);
    tok_free(tok);
}

TEST(invalid_utf8_is_replaced_like_whatwg) {
    /* Expected replacements from the WHATWG Encoding spec's UTF-8 decoder. */
    static const struct { const char *in; size_t n; const char *out; } cases[] = {
        {"a\xff" "b", 3, "a\xEF\xBF\xBD" "b"},
        {"\xE0\x80", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xF0\x9F\x98", 3, "\xEF\xBF\xBD"},
        {"\xF0\x9F\x98" "a", 4, "\xEF\xBF\xBD" "a"},
        {"\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xE2\x82\xAC", 3, "\xE2\x82\xAC"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TokBytes out = {0};
        int changed;
        Error err = {0};
        CHECK(tok_utf8_sanitize((const uint8_t *)cases[i].in, cases[i].n, &out, &changed, &err) == 0);
        const char *got = changed ? out.data : cases[i].in;
        size_t got_len = changed ? out.len : cases[i].n;
        CHECKF(got_len == strlen(cases[i].out) && memcmp(got, cases[i].out, got_len) == 0, "case %zu", i);
        tok_bytes_free(&out);
    }
}

/* ---- chat templates against the golden renderings ---- */

typedef struct {
    TokChatKind kind;
    int lines, same;
} ChatCheck;

static void check_chat(cJSON *obj, void *ctx) {
    ChatCheck *c = ctx;
    char *messages = cJSON_PrintUnformatted(cJSON_GetObjectItem(obj, "messages"));
    const cJSON *tools_json = cJSON_GetObjectItem(obj, "tools");
    char *tools = tools_json ? cJSON_PrintUnformatted(tools_json) : NULL;
    const cJSON *gen = cJSON_GetObjectItem(obj, "add_generation_prompt"), *think = cJSON_GetObjectItem(obj, "enable_thinking");
    TokBytes out = {0};
    Error err = {0};
    int rc = tok_chat_render(c->kind, messages, strlen(messages), tools, tools ? strlen(tools) : 0, cJSON_IsTrue(gen),
                             think ? cJSON_IsTrue(think) : -1, &out, &err);
    const char *want = cJSON_GetObjectItem(obj, "text")->valuestring;
    c->lines++;
    if (rc == 0 && out.data && strcmp(out.data, want) == 0) c->same++;
    else printf("  chat %s differs: %s\n", cJSON_GetObjectItem(obj, "name")->valuestring, rc ? err.message : out.data);
    tok_bytes_free(&out);
    cJSON_free(messages);
    cJSON_free(tools);
}

TEST(chat_templates_render_exactly) {
    const char *shared = harness_shared_exaone();
    if (!shared) SKIP("../shared/exaone is absent");
    for (int m = 0; m < 2; m++) {
        Tokenizer *tok = load_model(shared, models[m], NULL);
        if (!tok) continue;
        ChatCheck c = {0};
        Error err = {0};
        CHECKF(tok_chat_kind(tok_chat_template(tok), &c.kind, &err) == 0, "%s", err.message);
        CHECK(c.kind == (m == 0 ? TOK_CHAT_EXAONE4 : TOK_CHAT_EXAONE3));
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/golden-chat.jsonl", shared, models[m]);
        each_line(path, check_chat, &c);
        printf("  %s: %d/%d chat renderings identical\n", models[m], c.same, c.lines);
        CHECK(c.lines > 0 && c.same == c.lines);
        tok_free(tok);
    }
}

TEST(chat_template_errors) {
    TokChatKind kind;
    Error err = {0};
    CHECK(tok_chat_kind("{{ messages }}", &kind, &err) != 0 && strstr(err.message, "unrecognised chat template"));
    CHECK(tok_chat_kind(NULL, &kind, &err) != 0);
    CHECK(tok_chat_kind("exaone4", &kind, &err) == 0 && kind == TOK_CHAT_EXAONE4);
    TokBytes out = {0};
    const char *bad_role = "[{\"role\": \"robot\", \"content\": \"hi\"}]";
    CHECK(tok_chat_render(TOK_CHAT_EXAONE4, bad_role, strlen(bad_role), NULL, 0, 1, -1, &out, &err) != 0);
    CHECK(strstr(err.message, "Unknown role: robot") != NULL);
    const char *not_list = "{\"role\": \"user\"}";
    CHECK(tok_chat_render(TOK_CHAT_EXAONE3, not_list, strlen(not_list), NULL, 0, 1, -1, &out, &err) != 0);
    const char *no_content = "[{\"role\": \"user\"}]";
    CHECK(tok_chat_render(TOK_CHAT_EXAONE3, no_content, strlen(no_content), NULL, 0, 1, -1, &out, &err) != 0);
    tok_bytes_free(&out);
}

/* ---- bad tokenizer.json and allocation failures ---- */

static const char *tiny_json =
    "{\"added_tokens\":[{\"id\":5,\"content\":\"<s>\",\"special\":true}],\"normalizer\":{\"type\":\"NFC\"},"
    "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\",\"individual_digits\":true},"
    "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\s+\"},\"behavior\":\"MergedWithNext\",\"invert\":false},"
    "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}]},"
    "\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2,\"\\u0120\":3,\"\\u0120ab\":4},"
    "\"merges\":[\"a b\",[\"\\u0120\",\"ab\"]]}}";

TEST(tiny_tokenizer_json) {
    Tokenizer *tok = NULL;
    Error err = {0};
    CHECKF(tok_new_from_json(&tok, tiny_json, strlen(tiny_json), "tiny", &err) == 0, "%s", err.message);
    if (!tok) return;
    TokIds ids = {0};
    CHECK(tok_encode(tok, "ab ab<s>", 8, &ids, &err) == 0);
    CHECK(ids.n == 3 && ids.ids[0] == 2 && ids.ids[1] == 4 && ids.ids[2] == 5);
    tok_ids_free(&ids);
    tok_free(tok);
}

TEST(bad_tokenizer_json_is_an_error) {
    static const struct { const char *json, *want; } cases[] = {
        {"{", "invalid JSON"},
        {"{}", "no \"model\""},
        {"{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}", "not supported"},
        {"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":{}}}", "merges"},
        {"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", "not a byte-level"},
        {"{\"pre_tokenizer\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"a c\"]}}", "not in the vocabulary"},
        {"{\"pre_tokenizer\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"abc\"]}}", "is not \"a b\""},
        {"{\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", "Whitespace"},
        {"{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},\"behavior\":\"Isolated\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", "regex"},
        {"{\"pre_tokenizer\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-3},\"merges\":[]}}", "valid id"},
        {"{\"pre_tokenizer\":{\"type\":\"ByteLevel\"},\"added_tokens\":[{\"id\":1e12,\"content\":\"x\"}],\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", "invalid id"},
        {"{\"pre_tokenizer\":{\"type\":\"ByteLevel\"},\"added_tokens\":[{\"id\":0,\"content\":\"zz\"}],\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", "differs"},
        {"{\"normalizer\":{\"type\":\"Precompiled\"},\"pre_tokenizer\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", "Precompiled"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Tokenizer *tok = NULL;
        Error err = {0};
        int rc = tok_new_from_json(&tok, cases[i].json, strlen(cases[i].json), "case", &err);
        CHECKF(rc != 0 && tok == NULL, "case %zu loaded", i);
        CHECKF(strstr(err.message, cases[i].want) != NULL, "case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].want);
        tok_free(tok);
    }
}

TEST(allocation_failures_are_clean) {
    int failures = 0, k;
    for (k = 1; k < 2000; k++) {
        Tokenizer *tok = NULL;
        Error err = {0};
        mem_fail_after(k);
        int rc = tok_new_from_json(&tok, tiny_json, strlen(tiny_json), "tiny", &err);
        TokIds ids = {0};
        if (rc == 0) rc = tok_encode(tok, "ab 12 ab<s> ab", 14, &ids, &err);
        mem_fail_after(0);
        tok_ids_free(&ids);
        tok_free(tok);
        if (rc == 0) break;
        failures++;
        CHECKF(err.message[0] != 0, "failure %d left no message", k);
    }
    printf("  %d injected allocation failures, each a clean error\n", failures);
    CHECK(failures > 5 && k < 2000);
}

int main(void) {
    RUN(golden_parity);
    RUN(golden_chat_parity);
    RUN(scanner_matches_pcre2);
    RUN(gguf_arrays_parity);
    RUN(gguf_file_parity);
    RUN(gguf_without_tokenizer_is_an_error);
    RUN(pretok_variants);
    RUN(vocab_merges_files_parity);
    RUN(round_trip_1mb);
    RUN(stream_decode_never_splits_characters);
    RUN(invalid_utf8_is_replaced_like_whatwg);
    RUN(chat_templates_render_exactly);
    RUN(chat_template_errors);
    RUN(tiny_tokenizer_json);
    RUN(bad_tokenizer_json_is_an_error);
    RUN(allocation_failures_are_clean);
    return harness_finish();
}
