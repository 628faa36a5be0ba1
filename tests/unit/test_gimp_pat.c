/* GIMP .pat reader: patterns built here from the layout in GIMP's pat.txt. */
#include "../harness.h"

#include "core/mem.h"
#include "formats/gimp_pat.h"

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static size_t build_pat(uint8_t *buf, const char *name, uint32_t w, uint32_t h, uint32_t bpp) {
    size_t header = 24 + strlen(name) + 1;
    put_be32(buf, (uint32_t)header);
    put_be32(buf + 4, 1);
    put_be32(buf + 8, w);
    put_be32(buf + 12, h);
    put_be32(buf + 16, bpp);
    memcpy(buf + 20, "GPAT", 4);
    memcpy(buf + 24, name, strlen(name) + 1);
    for (size_t i = 0; i < (size_t)w * h * bpp; i++) buf[header + i] = (uint8_t)(i * 3 + 1);
    return header + (size_t)w * h * bpp;
}

TEST(reads_every_pixel_format) {
    for (uint32_t bpp = 1; bpp <= 4; bpp++) {
        uint8_t buf[512];
        size_t size = build_pat(buf, "Brick", 5, 3, bpp);
        GimpPattern pat;
        Error err = {0};
        CHECKF(gimp_pat_parse(buf, size, "brick.pat", &pat, &err) == 0, "%s", err.message);
        CHECK_STR(pat.name, "Brick");
        CHECK(pat.image && pat.image->width == 5 && pat.image->height == 3 && pat.image->channels == (int)bpp);
        size_t header = 24 + 6;
        CHECK(pat.image && memcmp(pat.image->pixels, buf + header, 15 * bpp) == 0);
        gimp_pat_free(&pat);
    }
}

TEST(rejects_bad_fields) {
    uint8_t buf[512], copy[512];
    size_t size = build_pat(buf, "Brick", 5, 3, 3);
    GimpPattern pat;
    Error err = {0};
    struct {
        size_t at;
        uint32_t value;
        const char *want;
    } cases[] = {
        {4, 2, "version"},          {16, 0, "bytes per pixel"}, {16, 5, "bytes per pixel"},
        {8, 0, "outside"},          {12, 16385, "outside"},     {0, 23, "header size"},
        {0, 100000, "header size"}, {8, 6, "truncated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, buf, size);
        put_be32(copy + cases[i].at, cases[i].value);
        err.message[0] = 0;
        CHECKF(gimp_pat_parse(copy, size, "bad.pat", &pat, &err) != 0 && pat.image == NULL &&
                   strstr(err.message, cases[i].want) && strstr(err.message, "bad.pat"),
               "case %zu: %s", i, err.message);
    }
    memcpy(copy, buf, size);
    copy[20] = 'X';
    CHECK(gimp_pat_parse(copy, size, "bad.pat", &pat, &err) != 0 && strstr(err.message, "GPAT"));
    CHECK(gimp_pat_read_file("build/no-such.pat", &pat, &err) != 0 && strstr(err.message, "no-such.pat"));
}

TEST(every_truncation_is_a_clean_error) {
    uint8_t buf[512];
    size_t size = build_pat(buf, "Pine", 4, 4, 4);
    int clean = 1;
    for (size_t n = 0; n < size; n++) {
        uint8_t *prefix = malloc(n ? n : 1);
        memcpy(prefix, buf, n);
        GimpPattern pat;
        Error err = {0};
        if (gimp_pat_parse(prefix, n, "cut.pat", &pat, &err) == 0 || pat.image || !strstr(err.message, "cut.pat"))
            clean = 0;
        free(prefix);
    }
    CHECK(clean);
}

TEST(allocation_failures_are_clean) {
    uint8_t buf[512];
    size_t size = build_pat(buf, "Pine", 4, 4, 4);
    int done = 0;
    for (long n = 1; n < 20 && !done; n++) {
        GimpPattern pat;
        Error err = {0};
        mem_fail_after(n);
        int rc = gimp_pat_parse(buf, size, "oom.pat", &pat, &err);
        long used = mem_alloc_count();
        mem_fail_after(0);
        if (rc != 0) CHECK(pat.image == NULL && pat.name == NULL && strstr(err.message, "out of memory"));
        if (rc == 0 && used < n) done = 1;
        gimp_pat_free(&pat);
    }
    CHECK(done);
}

int main(void) {
    RUN(reads_every_pixel_format);
    RUN(rejects_bad_fields);
    RUN(every_truncation_is_a_clean_error);
    RUN(allocation_failures_are_clean);
    return harness_finish();
}
