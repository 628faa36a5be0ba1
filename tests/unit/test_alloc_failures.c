/* test_alloc_failures.c — fail-after-N across the parsers that take user input and are
 * not covered by their own module's test: tokenizer.json with cJSON's allocations
 * counted too, the vocab.json + merges.txt loader, tok_load on a folder, and chat
 * template rendering. For N = 1, 2, ... the N-th allocation fails; every run must
 * return an error with a message (no crash; LeakSanitizer under `make asan` checks
 * nothing leaks) until the first N at which the whole job succeeds. */
#include "../harness.h"

#include "core/file.h"
#include "core/mem.h"
#include "formats/fmt_util.h"
#include "tokenizer/tokenizer.h"

#include <string.h>
#include <sys/stat.h>

typedef int (*Job)(const void *ctx, Error *err);

/* Runs job with the N-th allocation failing for N = 1.. until it succeeds; returns how
 * many injected failures there were (-1 when one of them was not clean). */
static int fail_each_allocation(const char *what, Job job, const void *ctx) {
    for (long n = 1; n < 200000; n++) {
        Error err = {0};
        mem_fail_after(n);
        int rc = job(ctx, &err);
        long made = mem_alloc_count();
        mem_fail_after(0);
        if (rc == 0) {
            /* Success must mean the failure point was never reached. */
            CHECKF(made < n, "%s: succeeded although allocation %ld failed", what, n);
            printf("  %s: %ld allocation failure points, each a clean error\n", what, n - 1);
            return (int)(n - 1);
        }
        if (!err.message[0]) {
            CHECKF(0, "%s: allocation %ld failed without a message", what, n);
            return -1;
        }
    }
    CHECKF(0, "%s: never succeeded", what);
    return -1;
}

static const char *texts[] = {"hello world", "안녕하세요 12 ½", "  \t\n x'll", "<s>[|user|] hi"};

static int encode_all(Tokenizer *tok, Error *err) {
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof texts / sizeof texts[0]; i++) {
        TokIds ids = {0};
        TokBytes out = {0};
        rc = tok_encode(tok, texts[i], strlen(texts[i]), &ids, err);
        if (rc == 0) rc = tok_decode(tok, ids.ids, ids.n, 0, &out, err);
        tok_ids_free(&ids);
        tok_bytes_free(&out);
    }
    return rc;
}

static int load_json_job(const void *ctx, Error *err) {
    const char *path = ctx;
    char *text;
    size_t len;
    if (file_read_all(path, (size_t)1 << 26, &text, &len, err) != 0) return -1;
    Tokenizer *tok = NULL;
    int rc = tok_new_from_json(&tok, text, len, path, err);
    mem_free(text);
    if (rc == 0) rc = encode_all(tok, err);
    tok_free(tok);
    return rc;
}

static int load_path_job(const void *ctx, Error *err) {
    Tokenizer *tok = NULL;
    int rc = tok_load(&tok, ctx, err);
    if (rc == 0) rc = encode_all(tok, err);
    tok_free(tok);
    return rc;
}

typedef struct {
    TokChatKind kind;
    const char *messages, *tools;
} ChatCase;

static int chat_job(const void *ctx, Error *err) {
    const ChatCase *c = ctx;
    TokBytes out = {0};
    int rc = tok_chat_render(c->kind, c->messages, strlen(c->messages), c->tools, c->tools ? strlen(c->tools) : 0, 1,
                             -1, &out, err);
    tok_bytes_free(&out);
    return rc;
}

TEST(tokenizer_json_with_cjson_counted) {
    fmt_json_hooks(); /* cJSON's own allocations fail too */
    CHECK(fail_each_allocation("tiny_tokenizer.json", load_json_job, "tests/data/tiny_tokenizer.json") > 20);
}

static void put(const char *path, const char *text) {
    Error err = {0};
    CHECKF(file_write_atomic(path, text, strlen(text), &err) == 0, "%s", err.message);
}

TEST(vocab_merges_folder) {
    fmt_json_hooks();
    const char *dir = "build/tmp/alloc_vocab_merges";
    mkdir("build/tmp", 0755);
    mkdir(dir, 0755);
    put("build/tmp/alloc_vocab_merges/vocab.json",
        "{\"h\":0,\"e\":1,\"l\":2,\"o\":3,\"\xc4\xa0\":4,\"w\":5,\"r\":6,\"d\":7,\"he\":8,\"ll\":9,\"hell\":10,"
        "\"hello\":11,\"\xc4\xa0w\":12,\"<s>\":13}");
    put("build/tmp/alloc_vocab_merges/merges.txt", "#version: 0.2\nh e\nl l\nhe ll\nhell o\n\xc4\xa0 w\n");
    put("build/tmp/alloc_vocab_merges/tokenizer_config.json",
        "{\"added_tokens_decoder\":{\"13\":{\"content\":\"<s>\",\"special\":true}},"
        "\"chat_template\":\"exaone4\"}");
    CHECK(fail_each_allocation("vocab.json + merges.txt folder", load_path_job, dir) > 10);
}

TEST(chat_rendering) {
    fmt_json_hooks();
    static const ChatCase cases[] = {
        {TOK_CHAT_EXAONE3, "[{\"role\":\"system\",\"content\":\"sys\"},{\"role\":\"user\",\"content\":\"안녕\"},"
                           "{\"role\":\"assistant\",\"content\":\"hi\"}]", NULL},
        {TOK_CHAT_EXAONE4, "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"ok\","
                           "\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"x\":1}}}]},"
                           "{\"role\":\"tool\",\"content\":\"{\\\"a\\\":1}\"}]",
         "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(fail_each_allocation(i ? "EXAONE 4 chat with tools" : "EXAONE 3 chat", chat_job, &cases[i]) > 5);
}

int main(void) {
    RUN(tokenizer_json_with_cjson_counted);
    RUN(vocab_merges_folder);
    RUN(chat_rendering);
    return harness_finish();
}
