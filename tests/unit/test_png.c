/* PNG reading and writing. The inputs of the decoder tests are written by
 * libpng's own low-level writer here (every colour type and bit depth), with
 * the expected pixels known from construction, not from our decoder. */
#include "../harness.h"

#include "core/file.h"
#include "core/mem.h"
#include "formats/png.h"

#include <png.h>
#include <setjmp.h>
#include <unistd.h>

typedef struct {
    uint8_t *data;
    size_t size, cap;
} Buf;

static void buf_write(png_structp png, png_bytep data, size_t n) {
    Buf *b = png_get_io_ptr(png);
    if (b->size + n > b->cap) {
        b->cap = (b->size + n) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->size, data, n);
    b->size += n;
}
static void buf_flush(png_structp png) { (void)png; }

/* Writes raw rows (already in the PNG's own sample layout) with libpng. */
static Buf write_raw(int w, int h, int type, int depth, int interlace, const uint8_t *rows, size_t stride,
                     const png_color *palette, int n_palette, const uint8_t *trns, int n_trns) {
    Buf b = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        printf("  libpng failed to write the test image\n");
        exit(1);
    }
    png_set_write_fn(png, &b, buf_write, buf_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, type, interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (palette) png_set_PLTE(png, info, palette, n_palette);
    if (trns) png_set_tRNS(png, info, trns, n_trns, NULL);
    png_write_info(png, info);
    if (depth == 16) png_set_swap(png); /* our 16-bit test rows are little-endian */
    png_bytep *ptrs = malloc(sizeof(png_bytep) * (size_t)h);
    for (int y = 0; y < h; y++) ptrs[y] = (png_bytep)rows + (size_t)y * stride;
    png_write_image(png, ptrs);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(ptrs);
    return b;
}

/* PNG's CRC-32 (ISO 3309, reflected 0xedb88320), bit by bit. */
static uint32_t crc32_png(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static Image *decode(const Buf *b, int channels) {
    Error err = {0};
    Image *img = NULL;
    if (pngio_decode(b->data, b->size, "test.png", channels, &img, NULL, &err) != 0) {
        printf("  decode failed: %s\n", err.message);
        return NULL;
    }
    return img;
}

static int pixel_is(const Image *img, int x, int y, int r, int g, int b, int a) {
    const uint8_t *p = img->pixels + ((size_t)y * (size_t)img->width + (size_t)x) * (size_t)img->channels;
    return p[0] == r && p[1] == g && p[2] == b && (img->channels == 3 || p[3] == a);
}

TEST(palette_2bit_with_transparency) {
    png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
    uint8_t trns[3] = {255, 128, 0};
    /* 4x1 pixels, indices 0 1 2 3 packed 2 bits each, MSB first. */
    uint8_t row[1] = {0x1b};
    Buf b = write_raw(4, 1, PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_NONE, row, 1, pal, 4, trns, 3);
    Image *img = decode(&b, 4);
    CHECK(img && img->width == 4 && img->height == 1 && img->channels == 4);
    if (img) {
        CHECK(pixel_is(img, 0, 0, 255, 0, 0, 255));
        CHECK(pixel_is(img, 1, 0, 0, 255, 0, 128));
        CHECK(pixel_is(img, 2, 0, 0, 0, 255, 0));
        CHECK(pixel_is(img, 3, 0, 10, 20, 30, 255));
    }
    image_free(img);
    /* The same as RGB: alpha composited over white, (a*c + (255-a)*255)/255 rounded. */
    img = decode(&b, 3);
    CHECK(img && img->channels == 3);
    if (img) {
        CHECK(pixel_is(img, 1, 0, 127, 255, 127, 0));
        CHECK(pixel_is(img, 2, 0, 255, 255, 255, 0));
    }
    image_free(img);
    free(b.data);
}

TEST(gray_1bit_16bit_and_gray_alpha) {
    uint8_t row1[1] = {0xa0}; /* 1 0 1 0 */
    Buf b = write_raw(4, 1, PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE, row1, 1, NULL, 0, NULL, 0);
    Image *img = decode(&b, 4);
    CHECK(img && pixel_is(img, 0, 0, 255, 255, 255, 255) && pixel_is(img, 1, 0, 0, 0, 0, 255));
    image_free(img);
    free(b.data);
    uint16_t row16[3] = {0, 77 * 257, 65535};
    b = write_raw(3, 1, PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE, (uint8_t *)row16, 6, NULL, 0, NULL, 0);
    img = decode(&b, 3);
    CHECK(img && pixel_is(img, 0, 0, 0, 0, 0, 0) && pixel_is(img, 1, 0, 77, 77, 77, 0) &&
          pixel_is(img, 2, 0, 255, 255, 255, 0));
    image_free(img);
    free(b.data);
    uint8_t ga[4] = {200, 255, 50, 0};
    b = write_raw(2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE, ga, 4, NULL, 0, NULL, 0);
    img = decode(&b, 4);
    CHECK(img && pixel_is(img, 0, 0, 200, 200, 200, 255) && pixel_is(img, 1, 0, 50, 50, 50, 0));
    image_free(img);
    free(b.data);
}

TEST(rgb16_and_interlaced_rgb) {
    enum { W = 13, H = 11 };
    uint8_t rgb[H][W][3];
    uint16_t rgb16[H][W][3];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) {
                rgb[y][x][c] = (uint8_t)(x * 19 + y * 7 + c * 50);
                rgb16[y][x][c] = (uint16_t)(rgb[y][x][c] * 257);
            }
    Buf b = write_raw(W, H, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7, &rgb[0][0][0], W * 3, NULL, 0, NULL, 0);
    Buf b16 = write_raw(W, H, PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE, (uint8_t *)&rgb16[0][0][0], W * 6, NULL, 0,
                        NULL, 0);
    Image *img = decode(&b, 3), *img16 = decode(&b16, 4);
    CHECK(img && img->width == W && img->height == H);
    CHECK(img && memcmp(img->pixels, rgb, sizeof rgb) == 0);
    int same = img16 != NULL;
    for (int y = 0; same && y < H; y++)
        for (int x = 0; x < W; x++)
            if (!pixel_is(img16, x, y, rgb[y][x][0], rgb[y][x][1], rgb[y][x][2], 255)) same = 0;
    CHECK(same);
    image_free(img);
    image_free(img16);
    free(b.data);
    free(b16.data);
}

static Image *test_image(int w, int h, int channels) {
    Error err = {0};
    Image *img = image_new(w, h, channels, &err);
    for (size_t i = 0; i < image_bytes(img); i++) img->pixels[i] = (uint8_t)(i * 31 + i / 7);
    return img;
}

TEST(write_read_roundtrip_with_text) {
    Error err = {0};
    const char *path = "build/test_png_roundtrip.png";
    for (int channels = 1; channels <= 4; channels++) {
        Image *img = test_image(17, 5, channels);
        PngTextEntry meta[] = {{"prompt", "빨간 사과 a red apple"}, {"seed", "42"}, {"model", "exaone-mini"},
                               {"settings", "steps=8 cfg=3.0"}};
        CHECK(pngio_write_file(path, img, meta, 4, &err) == 0);
        Image *back = NULL;
        PngText text = {0};
        CHECKF(pngio_read_file(path, 4, &back, &text, &err) == 0, "%s", err.message);
        Image *expect = image_convert(img, 4, IMAGE_WHITE, &err);
        CHECK(back && expect && memcmp(back->pixels, expect->pixels, image_bytes(expect)) == 0);
        CHECK_STR(pngio_text_get(&text, "prompt"), "빨간 사과 a red apple");
        CHECK_STR(pngio_text_get(&text, "seed"), "42");
        CHECK_STR(pngio_text_get(&text, "settings"), "steps=8 cfg=3.0");
        CHECK(pngio_text_get(&text, "nope") == NULL && text.count == 4);
        pngio_text_free(&text);
        image_free(back);
        image_free(expect);
        image_free(img);
    }
    unlink(path);
}

TEST(rejects_bad_keys_sizes_and_signatures) {
    Error err = {0};
    Image *img = test_image(2, 2, 3), *out = NULL;
    uint8_t *data = NULL;
    size_t size = 0;
    PngTextEntry bad[] = {{"", "x"}};
    CHECK(pngio_encode(img, bad, 1, &data, &size, &err) != 0 && data == NULL);
    PngTextEntry space[] = {{" lead", "x"}};
    CHECK(pngio_encode(img, space, 1, &data, &size, &err) != 0);
    CHECK(pngio_decode((const uint8_t *)"GIF89a..", 8, "x.gif", 3, &out, NULL, &err) != 0 && out == NULL);
    CHECK(strstr(err.message, "x.gif") && strstr(err.message, "signature"));
    CHECK(pngio_read_file("build/no/such.png", 3, &out, NULL, &err) != 0 && strstr(err.message, "build/no/such.png"));
    CHECK(pngio_encode(img, NULL, 0, &data, &size, &err) == 0);
    CHECK(pngio_decode(data, size, "x.png", 2, &out, NULL, &err) != 0);
    /* Patch the IHDR width to 0 and to 20000 (the CRC then fails too, but the
     * size check must not depend on which error comes first: we fix the CRC). */
    /* k = 2: a plausible 16000x16000 header in a ~70-byte file (a decompression bomb guard). */
    for (int k = 0; k < 3; k++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        uint32_t w = k == 0 ? 0 : k == 1 ? 20000 : 16000;
        for (int at = 16; at <= (k == 2 ? 20 : 16); at += 4) {
            copy[at] = (uint8_t)(w >> 24);
            copy[at + 1] = (uint8_t)(w >> 16);
            copy[at + 2] = (uint8_t)(w >> 8);
            copy[at + 3] = (uint8_t)w;
        }
        uint32_t crc = crc32_png(copy + 12, 17);
        copy[29] = (uint8_t)(crc >> 24);
        copy[30] = (uint8_t)(crc >> 16);
        copy[31] = (uint8_t)(crc >> 8);
        copy[32] = (uint8_t)crc;
        err.message[0] = 0;
        CHECK(pngio_decode(copy, size, "huge.png", 3, &out, NULL, &err) != 0 && out == NULL);
        CHECKF(strstr(err.message, "huge.png") != NULL, "%s", err.message);
        if (k == 1) CHECKF(strstr(err.message, "20000x2") != NULL, "%s", err.message);
        if (k == 2) CHECKF(strstr(err.message, "cannot fit") != NULL, "%s", err.message);
        free(copy);
    }
    mem_free(data);
    image_free(img);
}

TEST(every_truncation_is_a_clean_error) {
    Error err = {0};
    Image *img = test_image(9, 7, 4);
    PngTextEntry meta[] = {{"prompt", "흰 구름"}};
    uint8_t *data = NULL;
    size_t size = 0;
    CHECK(pngio_encode(img, meta, 1, &data, &size, &err) == 0);
    int clean = 1;
    for (size_t n = 0; n < size; n++) {
        uint8_t *prefix = malloc(n ? n : 1);
        memcpy(prefix, data, n);
        Image *out = NULL;
        PngText text = {0};
        err.message[0] = 0;
        if (pngio_decode(prefix, n, "cut.png", 4, &out, &text, &err) == 0 || out || !strstr(err.message, "cut.png"))
            clean = 0;
        free(prefix);
    }
    CHECK(clean);
    mem_free(data);
    image_free(img);
}

TEST(allocation_failures_are_clean) {
    Error err = {0};
    Image *img = test_image(6, 4, 4);
    PngTextEntry meta[] = {{"prompt", "파란 하늘"}, {"seed", "7"}};
    uint8_t *data = NULL;
    size_t size = 0;
    int done_encode = 0, done_decode = 0;
    for (long n = 1; n < 200 && !(done_encode && done_decode); n++) {
        mem_fail_after(n);
        uint8_t *d = NULL;
        size_t s = 0;
        int rc = pngio_encode(img, meta, 2, &d, &s, &err);
        if (rc == 0 && mem_alloc_count() < n) done_encode = 1;
        if (rc != 0) CHECK(d == NULL && err.message[0]);
        mem_fail_after(0);
        if (rc == 0 && !data) {
            data = d;
            size = s;
        } else {
            mem_free(d);
        }
        if (!data) continue;
        mem_fail_after(n);
        Image *out = NULL;
        PngText text = {0};
        rc = pngio_decode(data, size, "oom.png", 3, &out, &text, &err);
        long used = mem_alloc_count();
        mem_fail_after(0);
        if (rc != 0) CHECK(out == NULL && text.count == 0 && strstr(err.message, "oom.png"));
        if (rc == 0 && used < n) done_decode = 1;
        image_free(out);
        pngio_text_free(&text);
    }
    CHECK(done_encode && done_decode);
    mem_free(data);
    image_free(img);
}

/* A file from fuzzing (tests/fuzz/crashes/png/libpng_desync_1p8gb): two tEXt chunks
 * with bad CRCs. When the buffer for the first cannot be allocated, libpng 1.6 returns
 * without skipping the chunk and reads its text "prom" as the next chunk's length:
 * a 1.8 GB request. At every allocation failure point the decode must fail or succeed
 * cleanly and never ask for more than 16 MB. */
TEST(allocation_failure_never_asks_for_gigabytes) {
    Error err = {0};
    char *data = NULL;
    size_t size = 0;
    CHECKF(file_read_all("tests/fuzz/crashes/png/libpng_desync_1p8gb", 4096, &data, &size, &err) == 0, "%s",
           err.message);
    if (!data) return;
    int done = 0;
    for (long n = 1; n < 200 && !done; n++) {
        mem_fail_after(n);
        Image *out = NULL;
        PngText text = {0};
        int rc = pngio_decode((const uint8_t *)data, size, "desync.png", 4, &out, &text, &err);
        long used = mem_alloc_count();
        size_t largest = mem_largest_request();
        mem_fail_after(0);
        CHECKF(largest <= (size_t)16 << 20, "allocation %ld failing: a request of %zu bytes", n, largest);
        if (rc != 0) CHECK(out == NULL && err.message[0]);
        done = rc == 0 && used < n;
        image_free(out);
        pngio_text_free(&text);
    }
    mem_free(data);
}

int main(void) {
    RUN(palette_2bit_with_transparency);
    RUN(gray_1bit_16bit_and_gray_alpha);
    RUN(rgb16_and_interlaced_rgb);
    RUN(write_read_roundtrip_with_text);
    RUN(rejects_bad_keys_sizes_and_signatures);
    RUN(every_truncation_is_a_clean_error);
    RUN(allocation_failures_are_clean);
    RUN(allocation_failure_never_asks_for_gigabytes);
    return harness_finish();
}
