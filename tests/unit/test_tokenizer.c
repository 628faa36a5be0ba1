/* test_tokenizer.c — parity with HF tokenizers on the EXAONE golden files
 * (ids made by the Rust library, in ../shared/exaone), round trips, the
 * scanner against PCRE2, streaming decode, the other loaders, bad input. */
#include "../harness.h"
#include "core/file.h"
#include "core/mem.h"
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

int main(void) {
    RUN(golden_parity);
    RUN(golden_chat_parity);
    return harness_finish();
}
