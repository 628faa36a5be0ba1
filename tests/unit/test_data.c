/* Dataset preparation: split, text cleaning, colour words, captions, image
 * packs, and `data prepare` end to end on a tiny synthetic cache built here
 * (never the network or the real cache). */
#include "../harness.h"

#include "core/file.h"
#include "core/log.h"
#include "core/mem.h"
#include "data/captions.h"
#include "data/colour_names.h"
#include "data/emoji_table.h"
#include "data/image_pack.h"
#include "data/prepare.h"
#include "data/split.h"
#include "data/text_clean.h"
#include "formats/png.h"

#include <sys/stat.h>
#include <unistd.h>

TEST(split_is_fnv1a_and_90_5_5) {
    /* Published FNV-1a 64 test vectors (Fowler/Noll/Vo). */
    CHECK(data_hash("") == 0xcbf29ce484222325ull);
    CHECK(data_hash("a") == 0xaf63dc4c8601ec8cull);
    CHECK(data_hash("foobar") == 0x85944171f73967e8ull);
    long n[3] = {0};
    char key[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "emoji:%X", 0x1F300 + i);
        DataSplit s = data_split_of(key);
        CHECK(s == data_split_of(key));
        n[s]++;
    }
    /* 5 % of 20000 = 1000, sd ~31: 6 sd bounds */
    CHECKF(n[SPLIT_TEST] > 810 && n[SPLIT_TEST] < 1190 && n[SPLIT_VAL] > 810 && n[SPLIT_VAL] < 1190,
           "test %ld val %ld", n[SPLIT_TEST], n[SPLIT_VAL]);
    CHECK_STR(data_split_name(SPLIT_VAL), "val");
}

TEST(pair_cleaning_table) {
    struct {
        const char *id, *str, *en, *ko; /* en NULL: dropped */
    } cases[] = {
        {"_Open", "열기(_O)", "Open", "열기"},
        {"Save _As…", "다른 이름으로 저장(_A)…", "Save As…", "다른 이름으로 저장…"},
        {"&Print", "인쇄 (&P)", "Print", "인쇄"},
        {"~Format", "서식(~O)", "Format", "서식"},
        {"Po_wer", "거듭제곱", "Power", "거듭제곱"},
        {"R&D and Q&&A", "연구 개발", "R&D and Q&A", "연구 개발"},
        {"Line one\nline\ttwo", "첫 줄\n둘째 줄", "Line one line two", "첫 줄 둘째 줄"},
        {"%s: %d", "%s: %d개", NULL, NULL},
        {"%(name)s {0}", "%(name)s {0} 이름", NULL, NULL},
        {"<b>%s</b>", "<b>%s</b> 굵게", NULL, NULL},
        {"Open %s", "%s 열기", "Open %s", "%s 열기"},
        {"default:LTR", "default:LTR", NULL, NULL},
        {"translator-credits", "홍길동", NULL, NULL},
        {"Cancel", "Cancel", NULL, NULL},
        {"Cancel", "取消", NULL, NULL},
        {"취소", "취소", NULL, NULL},
        {"OK", "", NULL, NULL},
        {"X", "엑스", NULL, NULL},
        {"bad \xff utf8", "잘못", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char en[512], ko[512];
        int kept = text_clean_pair(cases[i].id, cases[i].str, en, ko, sizeof en);
        CHECKF(kept == (cases[i].en != NULL), "case %zu (%s): kept=%d", i, cases[i].id, kept);
        if (kept && cases[i].en) {
            CHECK_STR(en, cases[i].en);
            CHECK_STR(ko, cases[i].ko);
        }
    }
    char long_en[400], en[512], ko[512];
    memset(long_en, 'a', 250);
    long_en[250] = 0;
    CHECK(!text_clean_pair(long_en, "한국어", en, ko, sizeof en));
    CHECK(text_count_hangul("가a힣b") == 2);
    CHECK(text_is_utf8("가 é 😀") && !text_is_utf8("\xc0\xaf") && !text_is_utf8("\xed\xa0\x80") &&
          !text_is_utf8("\xf4\x90\x80\x80") && !text_is_utf8("\xe0\x80"));
}

TEST(colour_terms_of_plain_colours) {
    struct {
        uint8_t r, g, b;
        ColourTerm want;
    } cases[] = {
        {0, 0, 0, COLOUR_BLACK},       {255, 255, 255, COLOUR_WHITE}, {128, 128, 128, COLOUR_GRAY},
        {220, 20, 20, COLOUR_RED},     {255, 140, 0, COLOUR_ORANGE},  {250, 220, 30, COLOUR_YELLOW},
        {30, 160, 40, COLOUR_GREEN},   {30, 60, 220, COLOUR_BLUE},    {130, 40, 200, COLOUR_PURPLE},
        {250, 120, 200, COLOUR_PINK},  {120, 70, 30, COLOUR_BROWN},   {210, 180, 140, COLOUR_BROWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ColourTerm got = colour_classify(cases[i].r, cases[i].g, cases[i].b);
        CHECKF(got == cases[i].want, "(%d,%d,%d): %s, want %s", cases[i].r, cases[i].g, cases[i].b, colour_en(got),
               colour_en(cases[i].want));
    }
    Error err = {0};
    Image *img = image_new(10, 10, 3, &err);
    for (int i = 0; i < 100; i++) {
        uint8_t *p = img->pixels + i * 3;
        if (i < 60) p[0] = 220, p[1] = 20, p[2] = 20;   /* red */
        else if (i < 90) p[0] = p[1] = p[2] = 255;       /* white */
        else p[0] = 30, p[1] = 60, p[2] = 220;           /* blue, 10 %: not named */
    }
    ColourSummary s;
    colour_summarize(img, &s);
    CHECK(s.n_top == 2 && s.top[0] == COLOUR_RED && s.top[1] == COLOUR_WHITE);
    CHECK_NEAR(s.fraction[0], 0.6, 1e-9);
    CHECK_STR(colour_ko_modifier(COLOUR_RED), "빨간");
    image_free(img);
}

static int has_caption(const CaptionList *list, const char *lang, const char *text) {
    for (int i = 0; i < list->count; i++)
        if (strcmp(list->items[i].lang, lang) == 0 && strcmp(list->items[i].text, text) == 0) return 1;
    return 0;
}

TEST(captions_use_the_real_words) {
    char *en_tags[] = {"apple", "fruit", "red"}, *ko_tags[] = {"과일", "사과"};
    EmojiEntry apple = {.hexcode = "1F34E", .base = "1F34E", .en_label = "red apple", .ko_label = "빨간 사과",
                        .en_tags = en_tags, .n_en_tags = 3, .ko_tags = ko_tags, .n_ko_tags = 2, .gender = -1};
    CaptionList list;
    captions_for_emoji(&apple, &list);
    CHECK(has_caption(&list, "en", "red apple") && has_caption(&list, "en", "a red apple"));
    CHECK(has_caption(&list, "en", "an emoji of a red apple") && has_caption(&list, "en", "red apple, fruit"));
    CHECK(has_caption(&list, "ko", "빨간 사과") && has_caption(&list, "ko", "빨간 사과 이모지"));
    CHECK(has_caption(&list, "ko", "빨간 사과, 과일"));
    EmojiEntry flag = {.hexcode = "1F1F0-1F1F7", .base = "1F1F0-1F1F7", .en_label = "flag: South Korea",
                       .ko_label = "깃발: 대한민국", .gender = -1};
    captions_for_emoji(&flag, &list);
    CHECK(has_caption(&list, "en", "the flag of South Korea") && has_caption(&list, "ko", "대한민국 국기"));
    EmojiEntry wave = {.hexcode = "1F44B-1F3FB", .base = "1F44B", .en_label = "waving hand: light skin tone",
                       .ko_label = "흔드는 손: 하얀 피부", .tone = "1", .gender = -1};
    captions_for_emoji(&wave, &list);
    CHECK(has_caption(&list, "en", "a waving hand with light skin tone"));
    CHECK(has_caption(&list, "ko", "하얀 피부의 흔드는 손"));
    EmojiEntry owl = {.hexcode = "1F989", .base = "1F989", .en_label = "owl", .ko_label = "부엉이", .gender = -1};
    captions_for_emoji(&owl, &list);
    CHECK(has_caption(&list, "en", "an owl") && has_caption(&list, "en", "an emoji of an owl"));
    ColourSummary c = {{COLOUR_BROWN, COLOUR_BLACK}, {0.6, 0.3}, 2};
    captions_for_texture((TextureName){"tree bark", "나무껍질"}, (TextureName){"wood", "나무"}, &c, &list);
    CHECK(has_caption(&list, "en", "a brown tree bark texture"));
    CHECK(has_caption(&list, "en", "brown and black tree bark pattern"));
    CHECK(has_caption(&list, "ko", "갈색 나무껍질 질감"));
    CHECK(has_caption(&list, "ko", "갈색과 검은색 나무껍질 무늬"));
    for (int i = 0; i < list.count; i++) CHECK(!strstr(list.items[i].text, ".pat") && !strstr(list.items[i].text, "_"));
    captions_for_texture((TextureName){"ripples", "물결 무늬"}, (TextureName){"pattern", "무늬"}, &c, &list);
    CHECK(has_caption(&list, "ko", "물결 무늬") && has_caption(&list, "ko", "갈색과 검은색 물결 무늬"));
    for (int i = 0; i < list.count; i++) CHECK(!strstr(list.items[i].text, "무늬 무늬") && !strstr(list.items[i].text, "pattern texture"));
}

TEST(image_pack_roundtrip_and_truncation) {
    Error err = {0};
    const char *path = "build/test_data_pack.bin";
    ImagePackWriter w;
    CHECK(image_pack_create(&w, path, 4, 3, 3, &err) == 0);
    Image *img = image_new(4, 3, 3, &err), *wrong = image_new(3, 4, 3, &err);
    for (int k = 0; k < 5; k++) {
        memset(img->pixels, k * 10, image_bytes(img));
        CHECK(image_pack_append(&w, img, &err) == 0);
    }
    CHECK(image_pack_append(&w, wrong, &err) != 0 && strstr(err.message, "does not match"));
    CHECK(image_pack_commit(&w, &err) == 0);
    ImagePack p;
    CHECK(image_pack_open(&p, path, &err) == 0 && p.count == 5 && p.width == 4 && p.height == 3 && p.channels == 3);
    CHECK(image_pack_pixels(&p, 3)[5] == 30 && image_pack_pixels(&p, 5) == NULL);
    image_pack_close(&p);
    char *data = NULL;
    size_t size = 0;
    CHECK(file_read_all(path, 1 << 20, &data, &size, &err) == 0 && size == 32 + 5 * 36);
    CHECK(file_write_atomic(path, data, size - 1, &err) == 0);
    CHECK(image_pack_open(&p, path, &err) != 0 && strstr(err.message, "truncated"));
    mem_free(data);
    image_free(img);
    image_free(wrong);
    unlink(path);
}

/* ---- a synthetic cache ---- */

static void write_text(const char *path, const char *text) {
    Error err = {0};
    if (file_write_atomic(path, text, strlen(text), &err) != 0) printf("  %s\n", err.message);
}

static void write_png(const char *path, uint8_t r, uint8_t g, uint8_t b) {
    Error err = {0};
    Image *img = image_new(64, 64, 4, &err);
    for (int i = 0; i < 64 * 64; i++) {
        uint8_t *p = img->pixels + i * 4;
        p[0] = r, p[1] = g, p[2] = b, p[3] = (uint8_t)(i % 64 < 8 ? 0 : 255); /* transparent left edge */
    }
    if (pngio_write_file(path, img, NULL, 0, &err) != 0) printf("  %s\n", err.message);
    image_free(img);
}

static void put32le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void write_mo(const char *path) {
    const char *ids[] = {"", "_Open", "Open", "%s", "Close Window", "red apple"};
    const char *strs[] = {"Content-Type: text/plain; charset=UTF-8\n", "열기(_O)", "열기", "%s", "창 닫기", "사과"};
    int n = 6;
    uint8_t buf[1024] = {0};
    size_t at = 28 + 16 * (size_t)n;
    put32le(buf, 0x950412de);
    put32le(buf + 8, (uint32_t)n);
    put32le(buf + 12, 28);
    put32le(buf + 16, 28 + 8 * (uint32_t)n);
    for (int i = 0; i < n; i++)
        for (int t = 0; t < 2; t++) {
            const char *s = t ? strs[i] : ids[i];
            size_t table = t ? 28 + 8 * (size_t)n : 28;
            put32le(buf + table + 8 * (size_t)i, (uint32_t)strlen(s));
            put32le(buf + table + 8 * (size_t)i + 4, (uint32_t)at);
            memcpy(buf + at, s, strlen(s) + 1);
            at += strlen(s) + 1;
        }
    Error err = {0};
    file_write_atomic(path, buf, at, &err);
}

static void write_pat(const char *path) {
    uint8_t buf[24 + 6 + 16 * 16 * 3];
    uint32_t fields[5] = {30, 1, 16, 16, 3};
    for (int f = 0; f < 5; f++)
        for (int i = 0; i < 4; i++) buf[f * 4 + i] = (uint8_t)(fields[f] >> (24 - 8 * i));
    memcpy(buf + 20, "GPAT", 4);
    memcpy(buf + 24, "Bark\0", 6);
    for (int i = 0; i < 16 * 16; i++) {
        uint8_t *p = buf + 30 + i * 3;
        p[0] = 120, p[1] = 70, p[2] = 30; /* brown */
    }
    Error err = {0};
    file_write_atomic(path, buf, sizeof buf, &err);
}

static const char *make_cache(void) {
    static const char *root = "build/test_data_cache";
    const char *dirs[] = {"", "/npm", "/npm/emojibase-data", "/npm/emojibase-data/en", "/npm/emojibase-data/ko",
                          "/npm/emoji-datasource-google", "/npm/emoji-datasource-google/img",
                          "/npm/emoji-datasource-google/img/google", "/npm/emoji-datasource-google/img/google/64",
                          "/npm/emoji-datasource-twitter", "/npm/emoji-datasource-twitter/img",
                          "/npm/emoji-datasource-twitter/img/twitter", "/npm/emoji-datasource-twitter/img/twitter/64",
                          "/out-of-style", "/out-of-style/apple", "/out-of-style/apple/64", "/patterns",
                          "/patterns/Wood", "/mo", "/mo/somepkg", NULL};
    char path[512];
    for (int i = 0; dirs[i]; i++) {
        snprintf(path, sizeof path, "%s%s", root, dirs[i]);
        mkdir(path, 0755);
    }
    snprintf(path, sizeof path, "%s/npm/emojibase-data/en/data.json", root);
    write_text(path,
               "[{\"label\":\"red apple\",\"hexcode\":\"1F34E\",\"emoji\":\"🍎\",\"tags\":[\"apple\",\"fruit\"],\"group\":4},"
               "{\"label\":\"waving hand\",\"hexcode\":\"1F44B\",\"tags\":[\"hello\",\"wave\"],\"group\":1,"
               " \"skins\":[{\"label\":\"waving hand: dark skin tone\",\"hexcode\":\"1F44B-1F3FF\",\"tone\":5}]},"
               "{\"label\":\"woman\",\"hexcode\":\"1F469\",\"gender\":0,\"group\":1},"
               "{\"label\":\"family: man, girl\",\"hexcode\":\"1F468-200D-1F467\"},"
               "{\"label\":\"no picture\",\"hexcode\":\"1F1E6\"}]");
    snprintf(path, sizeof path, "%s/npm/emojibase-data/ko/data.json", root);
    write_text(path,
               "[{\"label\":\"빨간 사과\",\"hexcode\":\"1F34E\",\"tags\":[\"과일\"]},"
               "{\"label\":\"흔드는 손\",\"hexcode\":\"1F44B\",\"tags\":[\"안녕\"],"
               " \"skins\":[{\"label\":\"흔드는 손: 검은색 피부\",\"hexcode\":\"1F44B-1F3FF\"}]},"
               "{\"label\":\"여자\",\"hexcode\":\"1F469\"},{\"label\":\"가족: 남자 여자 아이\",\"hexcode\":\"1F468-200D-1F467\"},{\"label\":\"그림 없음\",\"hexcode\":\"1F1E6\"}]");
    snprintf(path, sizeof path, "%s/npm/emojibase-data/en/messages.json", root);
    write_text(path, "{\"groups\":[{\"key\":\"people-body\",\"message\":\"people & body\",\"order\":1}]}");
    const char *hex[] = {"1f34e", "1f44b", "1f44b-1f3ff", "1f469", "1f468-200d-1f467"};
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/npm/emoji-datasource-google/img/google/64/%s.png", root, hex[i]);
        write_png(path, 220, 20, 20);
        if (i >= 3) continue; /* twitter lacks some pictures */
        snprintf(path, sizeof path, "%s/npm/emoji-datasource-twitter/img/twitter/64/%s.png", root, hex[i]);
        write_png(path, 20, 20, 220);
    }
    snprintf(path, sizeof path, "%s/out-of-style/apple/64/1f34e.png", root);
    write_png(path, 20, 220, 20);
    snprintf(path, sizeof path, "%s/patterns/Wood/bark.pat", root);
    write_pat(path);
    snprintf(path, sizeof path, "%s/mo/somepkg/ko.mo", root);
    write_mo(path);
    return root;
}

static long total(const long per_split[DATA_N_SPLITS]) { return per_split[0] + per_split[1] + per_split[2]; }

TEST(prepare_end_to_end_on_a_tiny_cache) {
    const char *cache = make_cache();
    log_set_level(LOG_ERROR); /* the tiny cache has no facebook style: a warning */
    DataPrepareOptions opt = {cache, "build/test_data_cache/dataset", 3, 2, 1};
    DataCounts c;
    Error err = {0};
    CHECKF(data_prepare(&opt, &c, &err) == 0, "%s", err.message);
    CHECK(total(c.items[SOURCE_EMOJI]) == 5 && total(c.images[SOURCE_EMOJI]) == 8);
    CHECK(total(c.images[SOURCE_EMOJI_OOS]) == 1);
    CHECK(total(c.images[SOURCE_TEXTURE64]) == 3 && total(c.images[SOURCE_TEXTURE128]) == 2);
    CHECK(c.emoji_without_image == 1);
    /* 6 emoji name pairs + "Open" and "Close Window" ("_Open" duplicates "Open";
     * "%s" is format-only; "red apple" is already an emoji name). */
    CHECKF(total(c.texts[SOURCE_PAIRS]) == 8, "pairs %ld", total(c.texts[SOURCE_PAIRS]));
    CHECK(c.pairs_duplicate == 2 && c.pairs_dropped == 1);
    ImagePack p;
    CHECK(image_pack_open(&p, "build/test_data_cache/dataset/emoji64.bin", &err) == 0 && p.count == 8);
    if (p.count == 8) {
        /* alpha composited over white: the transparent left edge is white, the rest the colour */
        const uint8_t *px = image_pack_pixels(&p, 0);
        CHECK(px[0] == 255 && px[1] == 255 && px[2] == 255);
        CHECK(px[3 * 10] == 220 && px[3 * 10 + 1] == 20);
    }
    image_pack_close(&p);
    char *tsv = NULL;
    size_t size = 0;
    CHECK(file_read_all("build/test_data_cache/dataset/emoji64.tsv", 1 << 20, &tsv, &size, &err) == 0);
    CHECK(tsv && strstr(tsv, "\t1F44B-1F3FF\ttwitter\t") && strstr(tsv, "\t5\t\twaving hand: dark skin tone\t"));
    CHECK(tsv && strstr(tsv, "\tfemale\twoman\t여자\t"));
    CHECK(tsv && strstr(tsv, "\tmixed\tfamily: man, girl\t"));
    mem_free(tsv);
    /* the evaluation tools' reader takes what prepare writes */
    EmojiTable table;
    CHECKF(emoji_table_load(&table, "build/test_data_cache/dataset/emoji64.tsv", &err) == 0, "%s", err.message);
    int dark = 0;
    for (int i = 0; i < table.n; i++) dark += table.rows[i].tone == 5 && strstr(table.rows[i].en_label, "waving hand");
    CHECK(table.n > 0 && dark > 0);
    emoji_table_free(&table);
    CHECK(file_read_all("build/test_data_cache/dataset/captions.tsv", 1 << 20, &tsv, &size, &err) == 0);
    CHECK(tsv && strstr(tsv, "\t1F34E\t-\ten\tan emoji of a red apple\n") && strstr(tsv, "\tko\t빨간 사과 이모지\n"));
    CHECK(tsv && strstr(tsv, "texture64:0\ten\ta brown tree bark texture\n"));
    CHECK(tsv && strstr(tsv, "\tko\t갈색 나무껍질 질감\n"));
    mem_free(tsv);
    CHECK(file_read_all("build/test_data_cache/dataset/pairs.tsv", 1 << 20, &tsv, &size, &err) == 0);
    CHECK(tsv && strstr(tsv, "\tsomepkg\tOpen\t열기\n") && strstr(tsv, "\tsomepkg\tClose Window\t창 닫기\n"));
    mem_free(tsv);
    long lines = c.corpus_lines[0] + c.corpus_lines[1] + c.corpus_lines[2];
    CHECK(lines > 40);
    /* Same input, same output: a second run gives identical counts. */
    DataCounts again;
    CHECK(data_prepare(&opt, &again, &err) == 0 && memcmp(&again, &c, sizeof c) == 0);
    opt.cache_dir = "build/no-such-cache";
    CHECK(data_prepare(&opt, &again, &err) != 0 && strstr(err.message, "fetch-data"));
    log_set_level(LOG_INFO);
}

TEST(prepare_allocation_failures_are_clean) {
    const char *cache = make_cache();
    DataPrepareOptions opt = {cache, "build/test_data_cache/dataset-oom", 2, 1, 1};
    DataCounts c;
    Error err = {0};
    log_set_level(LOG_QUIET);
    mem_fail_after(0);
    CHECK(data_prepare(&opt, &c, &err) == 0);
    long n_allocs = mem_alloc_count();
    int clean = 1;
    /* Every prepare run fsyncs a dozen files: sample ~30 failure points. */
    for (long n = 1; n <= n_allocs; n += 1 + n_allocs / 30) {
        mem_fail_after(n);
        err.message[0] = 0;
        int rc = data_prepare(&opt, &c, &err);
        mem_fail_after(0);
        if (rc != 0 && !err.message[0]) clean = 0;
    }
    log_set_level(LOG_INFO);
    CHECK(clean);
}

TEST(emoji_table_reads_columns_by_name_and_rejects_bad_rows) {
    const char *ok_text =
        "row\titem\tstyle\tsplit\tbase\temoji\tgroup_en\tgroup_ko\ttone\tgender\ten_label\tko_label\textra\n"
        "0\t270B-1F3FB\tgoogle\ttest\t270B\tx\tg\tg\t1\t\traised hand: light skin tone\t손바닥: 하얀 피부\tz\r\n"
        "\n"
        "7\t1F468\ttwitter\ttrain\t1F468\tx\tg\tg\t3,5\tmale\tman\t남자\tz\n";
    EmojiTable t;
    Error err = {0};
    CHECKF(emoji_table_parse(&t, ok_text, strlen(ok_text), "ok.tsv", &err) == 0, "%s", err.message);
    CHECK(t.n == 2);
    if (t.n == 2) {
        CHECK(t.rows[0].row == 0 && t.rows[0].tone == 1 && t.rows[0].gender == EMOJI_GENDER_NONE);
        CHECK(t.rows[0].split == SPLIT_TEST && strcmp(t.rows[0].base, "270B") == 0);
        CHECK(strcmp(t.rows[0].ko_label, "손바닥: 하얀 피부") == 0); /* the \r is not part of the last column */
        CHECK(t.rows[1].row == 7 && t.rows[1].tone == EMOJI_TONE_MIXED && t.rows[1].gender == EMOJI_GENDER_MALE);
        CHECK(strcmp(t.rows[1].en_label, "man") == 0 && t.rows[1].split == SPLIT_TRAIN);
    }
    emoji_table_free(&t);
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"", "empty"},
        {"row\titem\n0\tx\n", "no \"style\" column"},
        {"row\titem\tstyle\tsplit\tbase\ttone\tgender\ten_label\tko_label\nx\ta\tb\ttest\tc\t\t\te\tk\n", "line 2"},
        {"row\titem\tstyle\tsplit\tbase\ttone\tgender\ten_label\tko_label\n1\ta\tb\ttest\tc\t6\t\te\tk\n", "tone"},
        {"row\titem\tstyle\tsplit\tbase\ttone\tgender\ten_label\tko_label\n1\ta\tb\tdev\tc\t\t\te\tk\n", "split"},
        {"row\titem\tstyle\tsplit\tbase\ttone\tgender\ten_label\tko_label\n1\ta\tb\ttest\tc\t\tboth\te\tk\n", "gender"},
        {"row\titem\tstyle\tsplit\tbase\ttone\tgender\ten_label\tko_label\n1\ta\tb\ttest\n", "columns"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.message[0] = 0;
        CHECKF(emoji_table_parse(&t, bad[i].text, strlen(bad[i].text), "bad.tsv", &err) != 0, "case %zu accepted", i);
        CHECKF(strstr(err.message, "bad.tsv") && strstr(err.message, bad[i].error), "case %zu: %s", i, err.message);
        CHECK(t.rows == NULL && t.text == NULL);
    }
    CHECK(emoji_table_load(&t, "build/tmp/no-such-emoji64.tsv", &err) != 0 && strstr(err.message, "no-such"));
}

int main(void) {
    RUN(emoji_table_reads_columns_by_name_and_rejects_bad_rows);
    RUN(split_is_fnv1a_and_90_5_5);
    RUN(pair_cleaning_table);
    RUN(colour_terms_of_plain_colours);
    RUN(captions_use_the_real_words);
    RUN(image_pack_roundtrip_and_truncation);
    RUN(prepare_end_to_end_on_a_tiny_cache);
    RUN(prepare_allocation_failures_are_clean);
    return harness_finish();
}
