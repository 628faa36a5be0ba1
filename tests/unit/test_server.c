/* Server building blocks: base64 (RFC 4648 section 10 vectors), data: URLs,
 * multipart, streamed-text reassembly (UTF-8, stop sequences), PNG round
 * trip and tiling, the bounded queue. */
#include "../harness.h"
#include "core/mem.h"
#include "formats/png.h"
#include "image/tileable.h"
#include "server/dataurl.h"
#include "server/multipart.h"
#include "server/slots.h"
#include "server/textsink.h"

#include <string.h>
#include <unistd.h>

TEST(base64_rfc4648_vectors) {
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        Error err = {0};
        char *s;
        size_t n;
        CHECK(base64_encode((const uint8_t *)plain[i], strlen(plain[i]), &s, &n, &err) == 0);
        CHECK_STR(s, enc[i]);
        mem_free(s);
        uint8_t *d;
        CHECK(base64_decode(enc[i], strlen(enc[i]), &d, &n, &err) == 0);
        CHECK(n == strlen(plain[i]) && memcmp(d, plain[i], n) == 0);
        mem_free(d);
    }
    const char *bad[] = {"Zg=", "Z", "Zm9v!", "Zg==Zg==", "Zh==", "Zm9=", "===="};
    for (int i = 0; i < 7; i++) {
        Error err = {0};
        uint8_t *d;
        size_t n;
        CHECKF(base64_decode(bad[i], strlen(bad[i]), &d, &n, &err) != 0, "accepted %s", bad[i]);
        CHECK(err.message[0]);
    }
}

TEST(data_urls) {
    Error err = {0};
    uint8_t *d;
    size_t n;
    char mime[32];
    const char *u = "data:image/png;base64,Zm9vYmFy";
    CHECK(dataurl_decode(u, strlen(u), 100, mime, sizeof mime, &d, &n, &err) == 0);
    CHECK_STR(mime, "image/png");
    CHECK(n == 6 && memcmp(d, "foobar", 6) == 0);
    mem_free(d);
    CHECK(dataurl_decode(u, strlen(u), 5, mime, sizeof mime, &d, &n, &err) != 0); /* over the limit */
    const char *plain = "data:text/plain,hello";
    CHECK(dataurl_decode(plain, strlen(plain), 100, mime, sizeof mime, &d, &n, &err) != 0);
    CHECK(dataurl_decode("https://x/y.png", 15, 100, mime, sizeof mime, &d, &n, &err) != 0);
}

TEST(multipart_form) {
    const char body[] = "preamble\r\n--B\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nsky\r\n"
                        "--B\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                        "Content-Type: image/png\r\n\r\n\x89PNG\r\n\r\n--B--\r\n";
    Multipart mp;
    Error err = {0};
    CHECK(multipart_parse(&mp, "multipart/form-data; boundary=B", body, sizeof body - 1, &err) == 0);
    CHECK(mp.n == 2);
    const MultipartPart *p = multipart_get(&mp, "prompt");
    CHECK(p && p->len == 3 && memcmp(p->data, "sky", 3) == 0);
    p = multipart_get(&mp, "image");
    CHECK(p && strcmp(p->filename, "a.png") == 0 && strcmp(p->content_type, "image/png") == 0);
    CHECK(p && p->len == 6 && memcmp(p->data, "\x89PNG\r\n", 6) == 0); /* a CRLF of the data stays */
    CHECK(multipart_parse(&mp, "multipart/form-data", body, sizeof body - 1, &err) != 0);
    CHECK(multipart_parse(&mp, "application/json; boundary=B", body, sizeof body - 1, &err) != 0);
    CHECK(multipart_parse(&mp, "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=x\r\n\r\nno end",
                          51, &err) != 0);
}

/* Feeds text in pieces of k bytes; returns what a client would reassemble. */
static char *stream_pieces(const char *text, int k, const char (*stops)[65], int n_stops, int *stopped) {
    static char got[4096];
    size_t g = 0;
    TextSink s;
    textsink_init(&s, stops, n_stops);
    size_t n = strlen(text);
    int done = 0;
    for (size_t i = 0; i < n && !done; i += (size_t)k) {
        done = textsink_push(&s, text + i, n - i < (size_t)k ? n - i : (size_t)k);
        /* whatever is safe must be whole UTF-8 characters */
        if (s.safe > s.sent && s.safe < s.len) CHECK(((unsigned char)s.text[s.safe] & 0xC0) != 0x80);
        if (s.safe > s.sent) memcpy(got + g, s.text + s.sent, s.safe - s.sent);
        g += s.safe - s.sent;
        s.sent = s.safe;
    }
    textsink_finish(&s);
    if (s.safe > s.sent) memcpy(got + g, s.text + s.sent, s.safe - s.sent);
    g += s.safe - s.sent;
    got[g] = 0;
    *stopped = s.stopped;
    textsink_free(&s);
    return got;
}

TEST(textsink_utf8_and_stops) {
    const char *ko = "한국어 텍스트 🙂 end";
    int stopped;
    for (int k = 1; k <= 5; k++) {
        CHECK_STR(stream_pieces(ko, k, NULL, 0, &stopped), ko);
        CHECK(!stopped);
    }
    const char stops[2][65] = {"텍스트", "zz"};
    for (int k = 1; k <= 7; k++) {
        CHECK_STR(stream_pieces(ko, k, stops, 2, &stopped), "한국어 ");
        CHECK(stopped);
    }
    /* invalid bytes become U+FFFD; a truncated final character too */
    CHECK_STR(stream_pieces("a\xff" "b\xed\xa0\x80" "c\xe2\x82", 1, NULL, 0, &stopped),
              "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD");
}

TEST(png_round_trip_and_tiling) {
    Error err = {0};
    Image *im = image_new(5, 3, 3, &err);
    CHECK(im != NULL);
    for (int i = 0; i < 45; i++) im->pixels[i] = (uint8_t)(i * 5);
    uint8_t *png;
    size_t n;
    CHECK(pngio_encode(im, NULL, 0, &png, &n, &err) == 0);
    int pw, ph;
    CHECK(pngio_probe(png, n, "probe", &pw, &ph, &err) == 0 && pw == 5 && ph == 3);
    Image *back;
    CHECK(pngio_decode(png, n, "back", 3, &back, NULL, &err) == 0);
    CHECK(back->width == 5 && back->height == 3 && memcmp(back->pixels, im->pixels, 5 * 3 * 3) == 0);
    /* truncations before the pixel data fail; later ones (libpng stops reading
     * once it has the pixels) either fail or give the whole image */
    for (size_t cut = 0; cut < n; cut++) {
        Image *t;
        int rc = pngio_decode(png, cut, "cut", 3, &t, NULL, &err);
        if (cut < 8 + 25 + 8) CHECK(rc != 0);
        if (cut < 8 + 25) CHECK(pngio_probe(png, cut, "cut", &pw, &ph, &err) != 0);
        if (rc == 0) {
            CHECK(t->width == 5 && t->height == 3 && memcmp(t->pixels, im->pixels, 5 * 3 * 3) == 0);
            image_free(t);
        }
    }
    mem_free(png);
    image_free(back);
    image_free(im);
    /* tileable: opposite edges continue each other (wrap-around step no bigger than inner steps) */
    im = image_new(32, 32, 4, &err);
    CHECK(im != NULL);
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++) {
            uint8_t *p = im->pixels + (y * 32 + x) * 4;
            p[0] = (uint8_t)(x * 8), p[1] = (uint8_t)(y * 8), p[2] = 0, p[3] = 255;
        }
    int before = abs(im->pixels[(0 * 32 + 31) * 4] - im->pixels[(0 * 32 + 0) * 4]);
    CHECK(image_make_tileable(im, &err) == 0);
    int after = abs(im->pixels[(5 * 32 + 31) * 4] - im->pixels[(5 * 32 + 0) * 4]);
    CHECKF(before > 200 && after <= 16, "edge jump %d -> %d", before, after);
    image_free(im);
}

static void slow_job(Job *job, int slot) {
    (void)slot;
    while (!atomic_load(&job->cancel)) usleep(1000);
}

TEST(pool_bounds_and_cancel) {
    SlotPool p;
    CHECK(slots_init(&p, 1, 1) == 0);
    Job a = {0}, b = {0}, c = {0};
    a.run = b.run = c.run = slow_job;
    CHECK(slots_submit(&p, &a) == 0);
    while (slots_wait(&p, &a, 0, 0.01) != JOB_RUNNING) {}
    CHECK(slots_submit(&p, &b) == 0); /* queued */
    CHECK(slots_submit(&p, &c) != 0); /* slot and queue taken */
    slots_cancel(&p, &b);             /* out of the queue at once */
    CHECK(b.state == JOB_DONE);
    CHECK(slots_submit(&p, &c) == 0);
    slots_cancel(&p, &a);
    CHECK(slots_wait(&p, &a, 0, 5) == JOB_DONE);
    slots_cancel(&p, &c);
    CHECK(slots_wait(&p, &c, 0, 5) == JOB_DONE);
    slots_destroy(&p);
}

int main(void) {
    RUN(base64_rfc4648_vectors);
    RUN(data_urls);
    RUN(multipart_form);
    RUN(textsink_utf8_and_stops);
    RUN(png_round_trip_and_tiling);
    RUN(pool_bounds_and_cancel);
    return harness_finish();
}
