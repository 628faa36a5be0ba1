/* test_alloc_failures.c — fail-after-N across the parsers that take user input and are
 * not covered by their own module's test: tokenizer.json with cJSON's allocations
 * counted too, the vocab.json + merges.txt loader, tok_load on a folder, chat
 * template rendering, and the server's request parsing for every route (where a
 * failed allocation must be a 503 out_of_memory, not a 400 blaming the request). For N = 1, 2, ... the N-th allocation fails; every run must
 * return an error with a message (no crash; LeakSanitizer under `make asan` checks
 * nothing leaks) until the first N at which the whole job succeeds. */
#include "../harness.h"

#include "core/file.h"
#include "core/mem.h"
#include "formats/fmt_util.h"
#include "formats/png.h"
#include "server/dataurl.h"
#include "server/request.h"
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

/* the last one is not UTF-8: its repair grows a buffer, which can fail half-way */
static const char *texts[] = {"hello world", "안녕하세요 12 ½", "  \t\n x'll", "<s>[|user|] hi",
                              "ab\xff\xfe cd \xed\xa0\x80 a long enough run of text to make the repaired copy grow "
                              "past its first allocation, twice if need be, before the last bad byte \xc3 comes"};

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

/* One API request: route is the URL; body is JSON, or a multipart form when
 * content_type is set. */
typedef struct {
    const char *route, *content_type;
    const char *body;
    size_t len;
} ApiCase;

static int api_parse(const ApiCase *c, ApiError *e) {
    ApiLimits l;
    api_limits_default(&l);
    const char *r = c->route;
    int rc;
    if (strcmp(r, "/v1/chat/completions") == 0) {
        ChatRequest q;
        if ((rc = chat_request_parse(&q, c->body, c->len, &l, e)) == 0) chat_request_free(&q);
    } else if (strcmp(r, "/v1/completions") == 0) {
        CompletionRequest q;
        if ((rc = completion_request_parse(&q, c->body, c->len, &l, e)) == 0) completion_request_free(&q);
    } else if (strcmp(r, "/v1/images/generations") == 0) {
        ImageRequest q;
        if ((rc = image_request_parse(&q, c->body, c->len, &l, e)) == 0) image_request_free(&q);
    } else if (strcmp(r, "/v1/images/edits") == 0) {
        Multipart mp;
        Error err = {0};
        if (multipart_parse(&mp, c->content_type, c->body, c->len, &err) != 0)
            return api_error(e, 400, "invalid_request_error", NULL, "invalid_multipart", "%s", err.message);
        ImageRequest q;
        if ((rc = edit_request_parse(&q, &mp, &l, e)) == 0) image_request_free(&q);
    } else {
        TranslateRequest q;
        if ((rc = translate_request_parse(&q, c->body, c->len, &l, e)) == 0) translate_request_free(&q);
    }
    return rc;
}

/* The job for fail_each_allocation: clean means 503 out_of_memory with a message. */
static int api_job(const void *ctx, Error *err) {
    const ApiCase *c = ctx;
    ApiError e;
    memset(&e, 0, sizeof e);
    if (api_parse(c, &e) == 0) return 0;
    CHECKF(e.status == 503 && strcmp(e.code, "out_of_memory") == 0,
           "%s: a failed allocation answered %d %s: %s", c->route, e.status, e.code, e.message);
    return error_set(err, "%s", e.message);
}

/* An 8x8 RGBA PNG whose left half is transparent (the part an edit redraws). */
static void small_png(uint8_t **png, size_t *size) {
    Error err = {0};
    Image *im = image_new(8, 8, 4, &err);
    CHECKF(im != NULL, "%s", err.message);
    if (!im) return;
    for (int i = 0; i < 64; i++) {
        uint8_t *p = im->pixels + i * 4;
        p[0] = (uint8_t)(i * 4), p[1] = 200, p[2] = (uint8_t)(255 - i), p[3] = i % 8 < 4 ? 0 : 255;
    }
    CHECKF(pngio_encode(im, NULL, 0, png, size, &err) == 0, "%s", err.message);
    image_free(im);
}

TEST(server_request_parsing_every_route) {
    api_json_hooks();
    uint8_t *png = NULL;
    size_t png_size = 0, b64_len;
    char *b64;
    Error err = {0};
    small_png(&png, &png_size);
    CHECK(png && base64_encode(png, png_size, &b64, &b64_len, &err) == 0);
    if (!png) return;
    static char chat[4096], form[4096];
    snprintf(chat, sizeof chat,
             "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
             "{\"role\":\"user\",\"name\":\"kim\",\"content\":[{\"type\":\"text\",\"text\":\"what is this?\"},"
             "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,%s\"}}]},"
             "{\"role\":\"assistant\",\"content\":\"a square\"},{\"role\":\"user\",\"content\":\"안녕\"}],"
             "\"max_tokens\":16,\"n\":2,\"temperature\":0.5,\"top_p\":0.9,\"stop\":[\"x\",\"yz\"],"
             "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"seed\":7}",
             b64);
    int head = snprintf(form, sizeof form,
                        "--B\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na red fox\r\n"
                        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n2\r\n"
                        "--B\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                        "Content-Type: image/png\r\n\r\n");
    size_t flen = (size_t)head;
    memcpy(form + flen, png, png_size);
    flen += png_size;
    const char *mask_head = "\r\n--B\r\nContent-Disposition: form-data; name=\"mask\"; filename=\"m.png\"\r\n\r\n";
    memcpy(form + flen, mask_head, strlen(mask_head));
    flen += strlen(mask_head);
    memcpy(form + flen, png, png_size);
    flen += png_size;
    memcpy(form + flen, "\r\n--B--\r\n", 10);
    flen += 10;
    static const char completion_text[] = "{\"prompt\":[\"once upon a time\"],\"max_tokens\":8,\"stop\":\"\\n\"}";
    static const char completion_ids[] = "{\"prompt\":[1,2,3,40000],\"n\":3}";
    static const char images[] = "{\"prompt\":\"a red fox\",\"size\":\"64x64\",\"n\":2,\"seed\":3,\"tile\":true,"
                                 "\"response_format\":\"b64_json\",\"model\":\"m\"}";
    static const char translate[] = "{\"text\":[\"hello\",\"안녕하세요\"],\"target\":\"ko\",\"model\":\"m\"}";
    const ApiCase cases[] = {
        {"/v1/chat/completions", NULL, chat, strlen(chat)},
        {"/v1/completions", NULL, completion_text, sizeof completion_text - 1},
        {"/v1/completions", NULL, completion_ids, sizeof completion_ids - 1},
        {"/v1/images/generations", NULL, images, sizeof images - 1},
        {"/v1/images/edits", "multipart/form-data; boundary=B", form, flen},
        {"/v1/translations", NULL, translate, sizeof translate - 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ApiError e;
        memset(&e, 0, sizeof e);
        mem_fail_after(0);
        CHECKF(api_parse(&cases[i], &e) == 0, "%s: the valid request fails: %s", cases[i].route, e.message);
        CHECKF(fail_each_allocation(cases[i].route, api_job, &cases[i]) >= 2, "%s", cases[i].route);
    }
    mem_free(b64);
    mem_free(png);
}

int main(void) {
    RUN(tokenizer_json_with_cjson_counted);
    RUN(vocab_merges_folder);
    RUN(chat_rendering);
    RUN(server_request_parsing_every_route);
    return harness_finish();
}
