/* test_tokenizer_train.c — the BPE trainer's tokenizer.json loads in HF
 * tokenizers (npm @anush008/tokenizers, the Rust library's native binding,
 * run by tests/ref/hf_encode.js) and gives the same ids and decoded text as
 * ours on a varied string set. */
#include "../harness.h"
#include "core/file.h"
#include "core/mem.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/tokenizer.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static int node_ready(void) {
    return system("node --version > /dev/null 2>&1") == 0 && file_exists("tests/ref/node_modules/@anush008/tokenizers/package.json");
}

/* Random text from a mix of scripts and the troublesome characters. */
static void random_text(TokBytes *out) {
    static const uint32_t ranges[][2] = {{0x20, 0x7E}, {0xAC00, 0xD7A3}, {0x1100, 0x11FF}, {0x3131, 0x318E},
                                         {0x00A0, 0x00FF}, {0x2000, 0x206F}, {0x3000, 0x303F}, {0x2460, 0x24FF},
                                         {0xFF10, 0xFF5A}, {0x1F600, 0x1F64F}, {0x0300, 0x036F}, {0x09, 0x0D},
                                         {0x4E00, 0x4FFF}, {0x0400, 0x04FF}, {0x0660, 0x0669}, {0x2150, 0x218B}};
    size_t n = 1 + next_rand() % 40;
    for (size_t i = 0; i < n; i++) {
        const uint32_t *r = ranges[next_rand() % (sizeof ranges / sizeof ranges[0])];
        uint32_t cp = r[0] + next_rand() % (r[1] - r[0] + 1);
        uint8_t buf[4];
        tok_bytes_append(out, buf, (size_t)tok_utf8_encode(cp, buf));
    }
}

static void add_line(TokBytes *jsonl, const char *s, size_t n) {
    Error err = {0};
    tok_bytes_append(jsonl, "{\"text\": ", 9);
    tok_json_quote(s, n, jsonl, &err);
    tok_bytes_append(jsonl, "}\n", 2);
}

static void train_and_compare(int split_digits) {
    if (!node_ready()) SKIP("node or tests/ref/node_modules missing (make test runs tools/install-deps test)");
    char *corpus;
    size_t corpus_len;
    Error err = {0};
    CHECK(file_read_all("tests/data/ko_en_corpus.txt", 1 << 20, &corpus, &corpus_len, &err) == 0);
    if (!corpus) return;
    const char *texts[1] = {corpus};
    size_t lens[1] = {corpus_len};
    const char *specials[] = {"<|endoftext|>", "<t2i>", "[|user|]"};
    TokTrainOptions opt = {600, 2, split_digits, specials, 3, 0};
    char dir[256], tok_path[300], in_path[300], out_path[300], cmd[1200];
    snprintf(dir, sizeof dir, "build/tmp/train%d", split_digits);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    CHECK(system(cmd) == 0);
    snprintf(tok_path, sizeof tok_path, "%s/tokenizer.json", dir);
    snprintf(in_path, sizeof in_path, "%s/strings.jsonl", dir);
    snprintf(out_path, sizeof out_path, "%s/hf.jsonl", dir);
    CHECKF(tok_train_bpe(texts, lens, 1, &opt, tok_path, &err) == 0, "train: %s", err.message);

    Tokenizer *tok = NULL;
    CHECKF(tok_load(&tok, tok_path, &err) == 0, "load: %s", err.message);
    if (!tok) {
        mem_free(corpus);
        return;
    }
    CHECK(tok_vocab_size(tok) > 400);

    /* The string set: corpus lines, lines glued together, special tokens inside text,
     * whitespace and digit runs, and random text from many scripts. */
    TokBytes jsonl = {0}, buf = {0};
    int n_strings = 0;
    for (char *line = corpus; line < corpus + corpus_len; n_strings++) {
        char *nl = memchr(line, '\n', (size_t)(corpus + corpus_len - line));
        size_t l = nl ? (size_t)(nl - line) : (size_t)(corpus + corpus_len - line);
        add_line(&jsonl, line, l);
        line += l + 1;
    }
    static const char *fixed[] = {"", " ", "  ", "\n\n", "\t\t x", "a  b   c    d", "[|user|]안녕[|user|]", "<t2i>a red cat<|endoftext|>",
                                  "don't it's we'll they're I've", "12345 ٣٤ ①② ½ ２０２４", "x\r\ny\u00a0z\u3000w",
                                  "e\xcc\x81 \xcc\x81", "😀😃 🇰🇷", "<t2i<t2i>>", "   leading", "trailing   ",
                                  "'s 's's '''s", "ＡＢＣ ａｂｃ", "\x01\x02\x7f", "$$$ ... !!! ???"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++, n_strings++) add_line(&jsonl, fixed[i], strlen(fixed[i]));
    for (int i = 0; i < 150; i++, n_strings++) {
        buf.len = 0;
        random_text(&buf);
        add_line(&jsonl, buf.data, buf.len);
    }
    CHECK(file_write_atomic(in_path, jsonl.data, jsonl.len, &err) == 0);
    snprintf(cmd, sizeof cmd, "node tests/ref/hf_encode.js %s %s %s", tok_path, in_path, out_path);
    int rc = system(cmd);
    CHECKF(rc == 0, "%s failed (exit %d)", cmd, rc);

    char *hf = NULL;
    size_t hf_len = 0;
    int same_ids = 0, same_text = 0, lines = 0;
    if (rc == 0 && file_read_all(out_path, 1 << 26, &hf, &hf_len, &err) == 0) {
        char *in_line = jsonl.data, *hf_line = hf;
        while (in_line < jsonl.data + jsonl.len && hf_line < hf + hf_len) {
            char *in_nl = strchr(in_line, '\n'), *hf_nl = strchr(hf_line, '\n');
            cJSON *in = cJSON_ParseWithLength(in_line, (size_t)(in_nl - in_line));
            cJSON *want = cJSON_ParseWithLength(hf_line, (size_t)(hf_nl - hf_line));
            const char *text = cJSON_GetObjectItem(in, "text")->valuestring;
            TokIds ids = {0};
            TokBytes decoded = {0};
            tok_encode(tok, text, strlen(text), &ids, &err);
            tok_decode(tok, ids.ids, ids.n, 0, &decoded, &err);
            const cJSON *want_ids = cJSON_GetObjectItem(want, "ids"), *v;
            int same = cJSON_GetArraySize(want_ids) == (int)ids.n;
            size_t k = 0;
            cJSON_ArrayForEach(v, want_ids) if (same && ids.ids[k++] != (int32_t)v->valuedouble) same = 0;
            const char *want_text = cJSON_GetObjectItem(want, "decoded")->valuestring;
            same_ids += same;
            same_text += strlen(want_text) == decoded.len && memcmp(want_text, decoded.data ? decoded.data : "", decoded.len) == 0;
            if (!same && lines - same_ids < 3) printf("  ids differ on \"%.60s\"\n", text);
            lines++;
            tok_ids_free(&ids);
            tok_bytes_free(&decoded);
            cJSON_Delete(in);
            cJSON_Delete(want);
            in_line = in_nl + 1;
            hf_line = hf_nl + 1;
        }
    }
    printf("  split_digits=%d: %d/%d identical ids, %d identical decodes (HF tokenizers via node)\n", split_digits,
           same_ids, lines, same_text);
    CHECK(lines == n_strings);
    CHECK(same_ids == lines);
    CHECK(same_text == lines);
    mem_free(hf);
    tok_bytes_free(&jsonl);
    tok_bytes_free(&buf);
    tok_free(tok);
    mem_free(corpus);
}

TEST(trained_tokenizer_matches_hf) { train_and_compare(0); }
TEST(trained_tokenizer_with_digits_matches_hf) { train_and_compare(1); }

/* Added-token flags (lstrip, rstrip, single_word, non-special) and ids outside the model
 * vocab, against HF on texts made to hit their edges. */
TEST(added_token_flags_match_hf) {
    if (!node_ready()) SKIP("node or tests/ref/node_modules missing");
    char *json;
    size_t len;
    Error err = {0};
    CHECK(file_read_all("tests/data/tiny_tokenizer.json", 1 << 20, &json, &len, &err) == 0);
    if (!json) return;
    cJSON *root = cJSON_Parse(json);
    mem_free(json);
    cJSON *added = cJSON_GetObjectItem(root, "added_tokens");
    int next_id = cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "model"), "vocab"));
    static const struct { const char *content; int special, lstrip, rstrip, single_word; } flags[] = {
        {"<mask>", 1, 1, 0, 0}, {"</end>", 1, 0, 1, 0}, {"cat", 0, 0, 0, 1}, {"고양이", 0, 0, 0, 1},
        {"<both>", 0, 1, 1, 0}, {"ab", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddNumberToObject(t, "id", next_id++);
        cJSON_AddStringToObject(t, "content", flags[i].content);
        cJSON_AddBoolToObject(t, "single_word", flags[i].single_word);
        cJSON_AddBoolToObject(t, "lstrip", flags[i].lstrip);
        cJSON_AddBoolToObject(t, "rstrip", flags[i].rstrip);
        cJSON_AddBoolToObject(t, "normalized", 0);
        cJSON_AddBoolToObject(t, "special", flags[i].special);
        cJSON_AddItemToArray(added, t);
    }
    char *text = cJSON_PrintUnformatted(root);
    CHECK(system("mkdir -p build/tmp/flags") == 0);
    CHECK(file_write_atomic("build/tmp/flags/tokenizer.json", text, strlen(text), &err) == 0);
    cJSON_free(text);
    cJSON_Delete(root);
    static const char *texts[] = {"a  <mask> b", "x</end>   y", "the cat sat", "concatenate cat_ cats", "(cat)",
                                  "고양이가 고양이 야옹", "  <both>  z", "<mask><mask>  </end>\n\n", "abcab ab", "cat"};
    TokBytes jsonl = {0};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) add_line(&jsonl, texts[i], strlen(texts[i]));
    CHECK(file_write_atomic("build/tmp/flags/in.jsonl", jsonl.data, jsonl.len, &err) == 0);
    tok_bytes_free(&jsonl);
    CHECK(system("node tests/ref/hf_encode.js build/tmp/flags/tokenizer.json build/tmp/flags/in.jsonl build/tmp/flags/hf.jsonl") == 0);
    Tokenizer *tok = NULL;
    CHECKF(tok_load(&tok, "build/tmp/flags/tokenizer.json", &err) == 0, "%s", err.message);
    char *hf = NULL;
    size_t hf_len;
    if (!tok || file_read_all("build/tmp/flags/hf.jsonl", 1 << 20, &hf, &hf_len, &err) != 0) {
        tok_free(tok);
        return;
    }
    char *line = hf;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *nl = strchr(line, '\n');
        cJSON *want = cJSON_ParseWithLength(line, (size_t)(nl - line));
        TokIds ids = {0};
        tok_encode(tok, texts[i], strlen(texts[i]), &ids, &err);
        const cJSON *v;
        int same = cJSON_GetArraySize(cJSON_GetObjectItem(want, "ids")) == (int)ids.n;
        size_t k = 0;
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(want, "ids")) if (same && ids.ids[k++] != (int32_t)v->valuedouble) same = 0;
        CHECKF(same, "ids differ from HF on \"%s\"", texts[i]);
        tok_ids_free(&ids);
        cJSON_Delete(want);
        line = nl + 1;
    }
    /* Two threads must agree with one even when an rstrip token sits before a newline. */
    TokBytes big = {0};
    while (big.len < 20000) tok_bytes_append(&big, "cat</end>\nplain words\n", 22);
    TokIds one = {0}, two = {0};
    CHECK(tok_encode(tok, big.data, big.len, &one, &err) == 0);
    CHECK(tok_encode_parallel(tok, big.data, big.len, 2, &two, &err) == 0);
    CHECK(one.n == two.n && memcmp(one.ids, two.ids, one.n * sizeof *one.ids) == 0);
    tok_ids_free(&one);
    tok_ids_free(&two);
    tok_bytes_free(&big);
    mem_free(hf);
    tok_free(tok);
}

TEST(train_rejects_bad_options) {
    Error err = {0};
    const char *texts[1] = {"abc"};
    size_t lens[1] = {3};
    TokTrainOptions opt = {100, 1, 0, NULL, 0, 0};
    CHECK(tok_train_bpe(texts, lens, 1, &opt, "build/tmp/never.json", &err) != 0);
    CHECK(strstr(err.message, "vocab size") != NULL);
}

TEST(train_allocation_failures_are_clean) {
    const char *texts[1] = {"the cat sat on the mat; 고양이가 매트 위에 앉았다. the cat, the mat 12 34\n"};
    size_t lens[1] = {strlen(texts[0])};
    const char *specials[] = {"<s>"};
    TokTrainOptions opt = {300, 1, 1, specials, 1, 0};
    int failures = 0, k;
    for (k = 1; k < 5000; k++) {
        Error err = {0};
        mem_fail_after(k);
        int rc = tok_train_bpe(texts, lens, 1, &opt, "build/tmp/failing.json", &err);
        mem_fail_after(0);
        if (rc == 0) break;
        failures++;
        CHECKF(err.message[0] != 0, "failure %d left no message", k);
    }
    printf("  %d injected allocation failures in training, each a clean error\n", failures);
    CHECK(failures > 10 && k < 5000);
}

TEST(files_loader_allocation_failures_are_clean) {
    /* vocab.json + merges.txt + tokenizer_config.json written here, then loaded with
     * every allocation failing in turn. */
    Error err = {0};
    CHECK(system("mkdir -p build/tmp/files") == 0);
    const char *vocab = "{\"a\": 0, \"b\": 1, \"ab\": 2, \"\\u0120\": 3, \"<s>\": 4}";
    const char *merges = "#version: 0.2\na b\n";
    const char *config = "{\"added_tokens_decoder\": {\"4\": {\"content\": \"<s>\", \"special\": true}}}";
    CHECK(file_write_atomic("build/tmp/files/vocab.json", vocab, strlen(vocab), &err) == 0);
    CHECK(file_write_atomic("build/tmp/files/merges.txt", merges, strlen(merges), &err) == 0);
    CHECK(file_write_atomic("build/tmp/files/tokenizer_config.json", config, strlen(config), &err) == 0);
    int failures = 0, k;
    for (k = 1; k < 2000; k++) {
        Tokenizer *tok = NULL;
        mem_fail_after(k);
        int rc = tok_load(&tok, "build/tmp/files", &err);
        mem_fail_after(0);
        if (rc == 0) {
            TokIds ids = {0};
            CHECK(tok_encode(tok, "ab<s>ab", 7, &ids, &err) == 0);
            CHECK(ids.n == 3 && ids.ids[0] == 2 && ids.ids[1] == 4 && ids.ids[2] == 2);
            tok_ids_free(&ids);
            tok_free(tok);
            break;
        }
        failures++;
        CHECKF(tok == NULL && err.message[0], "failure %d", k);
    }
    printf("  %d injected allocation failures in the vocab.json loader, each a clean error\n", failures);
    CHECK(failures > 5 && k < 2000);
}

int main(void) {
    RUN(trained_tokenizer_matches_hf);
    RUN(trained_tokenizer_with_digits_matches_hf);
    RUN(added_token_flags_match_hf);
    RUN(train_rejects_bad_options);
    RUN(train_allocation_failures_are_clean);
    RUN(files_loader_allocation_failures_are_clean);
    return harness_finish();
}
