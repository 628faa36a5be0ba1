/* gettext .mo reader: catalogs built here byte by byte from the layout in the
 * GNU gettext manual, in both byte orders. */
#include "../harness.h"

#include "core/mem.h"
#include "formats/mo.h"

typedef struct {
    const char *id;
    size_t id_len; /* 0: strlen(id) */
    const char *str;
    size_t str_len;
} Msg;

static void put32(uint8_t *p, uint32_t v, int big) {
    for (int i = 0; i < 4; i++) p[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Header, two tables, then the strings (NUL-terminated). Returns the size. */
static size_t build_mo(uint8_t *buf, const Msg *msgs, int n, int big, uint32_t revision) {
    size_t originals = 28, translations = originals + 8 * (size_t)n, at = translations + 8 * (size_t)n;
    put32(buf, 0x950412de, big);
    put32(buf + 4, revision, big);
    put32(buf + 8, (uint32_t)n, big);
    put32(buf + 12, (uint32_t)originals, big);
    put32(buf + 16, (uint32_t)translations, big);
    put32(buf + 20, 0, big); /* hash table size */
    put32(buf + 24, 0, big);
    for (int i = 0; i < n; i++) {
        for (int t = 0; t < 2; t++) {
            const char *s = t ? msgs[i].str : msgs[i].id;
            size_t len = t ? msgs[i].str_len : msgs[i].id_len;
            if (!len) len = strlen(s);
            put32(buf + (t ? translations : originals) + 8 * (size_t)i, (uint32_t)len, big);
            put32(buf + (t ? translations : originals) + 8 * (size_t)i + 4, (uint32_t)at, big);
            memcpy(buf + at, s, len);
            buf[at + len] = 0;
            at += len + 1;
        }
    }
    return at;
}

static const Msg sample[] = {
    {"", 0, "Content-Type: text/plain; charset=UTF-8\n", 0},
    {"_Open", 0, "열기(_O)", 0},
    {"%d file\0%d files", 16, "파일 %d개", 0},
    {"menu\004Quit", 0, "끝내기", 0},
    {"Untranslated", 0, "", 0},
    {"Save", 0, "저장\0저장들", 14},
};

TEST(reads_both_byte_orders) {
    for (int big = 0; big <= 1; big++) {
        uint8_t buf[1024];
        size_t size = build_mo(buf, sample, 6, big, 0);
        MoCatalog cat;
        Error err = {0};
        CHECKF(mo_parse(buf, size, "ko.mo", &cat, &err) == 0, "%s", err.message);
        CHECK(cat.count == 4); /* header and the untranslated entry are skipped */
        if (cat.count == 4) {
            CHECK_STR(cat.entries[0].msgid, "_Open");
            CHECK_STR(cat.entries[0].msgstr, "열기(_O)");
            CHECK(cat.entries[0].context == NULL);
            CHECK_STR(cat.entries[1].msgid, "%d file");
            CHECK_STR(cat.entries[1].msgstr, "파일 %d개");
            CHECK_STR(cat.entries[2].context, "menu");
            CHECK_STR(cat.entries[2].msgid, "Quit");
            CHECK_STR(cat.entries[2].msgstr, "끝내기");
            CHECK_STR(cat.entries[3].msgstr, "저장");
        }
        mo_free(&cat);
    }
}

TEST(rejects_bad_headers_and_offsets) {
    uint8_t buf[1024];
    size_t size = build_mo(buf, sample, 6, 0, 0);
    MoCatalog cat;
    Error err = {0};
    uint8_t copy[1024];
    /* bad magic */
    memcpy(copy, buf, size);
    copy[0] ^= 1;
    CHECK(mo_parse(copy, size, "m.mo", &cat, &err) != 0 && strstr(err.message, "m.mo") && cat.count == 0);
    /* major revision 2 */
    memcpy(copy, buf, size);
    put32(copy + 4, 2u << 16, 0);
    CHECK(mo_parse(copy, size, "m.mo", &cat, &err) != 0 && strstr(err.message, "revision"));
    /* N so large the tables cannot fit */
    memcpy(copy, buf, size);
    put32(copy + 8, 0x20000000, 0);
    CHECK(mo_parse(copy, size, "m.mo", &cat, &err) != 0 && strstr(err.message, "table"));
    /* one string whose offset points past the end */
    memcpy(copy, buf, size);
    put32(copy + 28 + 8 * 2 + 4, (uint32_t)size, 0);
    CHECK(mo_parse(copy, size, "m.mo", &cat, &err) != 0 && strstr(err.message, "original string 2"));
    /* one translated length that runs past the end */
    memcpy(copy, buf, size);
    put32(copy + 28 + 8 * 6 + 8 * 1, 0xfffffff0u, 0);
    CHECK(mo_parse(copy, size, "m.mo", &cat, &err) != 0 && strstr(err.message, "translated string 1"));
    /* a string without its NUL inside the file */
    memcpy(copy, buf, size);
    CHECK(mo_parse(copy, size - 1, "m.mo", &cat, &err) != 0);
    CHECK(mo_read_file("build/no-such.mo", &cat, &err) != 0 && strstr(err.message, "build/no-such.mo"));
    /* empty catalog is fine */
    size = build_mo(buf, sample, 0, 1, 1);
    CHECK(mo_parse(buf, size, "m.mo", &cat, &err) == 0 && cat.count == 0);
    mo_free(&cat);
}

TEST(every_truncation_is_a_clean_error) {
    uint8_t buf[1024];
    size_t size = build_mo(buf, sample, 6, 1, 0);
    int clean = 1;
    for (size_t n = 0; n < size; n++) {
        uint8_t *prefix = malloc(n ? n : 1);
        memcpy(prefix, buf, n);
        MoCatalog cat;
        Error err = {0};
        if (mo_parse(prefix, n, "cut.mo", &cat, &err) == 0 || cat.count != 0 || !strstr(err.message, "cut.mo"))
            clean = 0;
        free(prefix);
    }
    CHECK(clean);
}

TEST(allocation_failures_are_clean) {
    uint8_t buf[1024];
    size_t size = build_mo(buf, sample, 6, 0, 0);
    int done = 0;
    for (long n = 1; n < 100 && !done; n++) {
        MoCatalog cat;
        Error err = {0};
        mem_fail_after(n);
        int rc = mo_parse(buf, size, "oom.mo", &cat, &err);
        long used = mem_alloc_count();
        mem_fail_after(0);
        if (rc != 0) CHECK(cat.count == 0 && cat.entries == NULL && strstr(err.message, "out of memory"));
        if (rc == 0 && used < n) done = 1;
        mo_free(&cat);
    }
    CHECK(done);
}

int main(void) {
    RUN(reads_both_byte_orders);
    RUN(rejects_bad_headers_and_offsets);
    RUN(every_truncation_is_a_clean_error);
    RUN(allocation_failures_are_clean);
    return harness_finish();
}
