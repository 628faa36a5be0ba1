/* Tiles, seam metric and garment mock-ups (src/image/tile.h, mockup.h). */
#include "../harness.h"

#include "../../src/core/mem.h"
#include "../../src/image/mockup.h"
#include "../../src/image/tile.h"

static Image *ramp(int w, int h) {
    Error err = {0};
    Image *img = image_new(w, h, 3, &err);
    for (int y = 0; img && y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = img->pixels + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(x * 4);
            p[1] = (uint8_t)(y * 4);
            p[2] = (uint8_t)((x ^ y) & 0xff);
        }
    return img;
}

TEST(repeat_copies_every_pixel) {
    Error err = {0};
    Image *a = ramp(13, 7), *b = image_repeat(a, 3, 2, &err);
    CHECK(b && b->width == 39 && b->height == 14);
    int bad = 0;
    for (int y = 0; b && y < b->height; y++)
        for (int x = 0; x < b->width; x++)
            bad += memcmp(b->pixels + ((size_t)y * b->width + x) * 3, a->pixels + ((size_t)(y % 7) * 13 + x % 13) * 3, 3) != 0;
    CHECK(bad == 0);
    CHECK(image_repeat(a, 0, 1, &err) == NULL && strstr(err.message, "out of range"));
    CHECK(image_repeat(a, 2000, 1, &err) == NULL);
    image_free(a);
    image_free(b);
}

TEST(seam_metric_sees_a_ramp_seam_and_not_a_periodic_one) {
    /* a ramp jumps from 4*(w-1) back to 0 at its wrap edge */
    Image *a = ramp(32, 16);
    ImageSeam s;
    image_seam_measure(a, &s);
    CHECK_NEAR(s.interior_x, (4.0 + 0) / 3 + 0, 2.0); /* R +4, G 0, B changes by xor */
    CHECK(s.wrap_x > 10 * s.interior_x);
    /* a periodic pattern (cosine of whole periods) has wrap ~ interior */
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 32; x++)
            for (int c = 0; c < 3; c++)
                a->pixels[((size_t)y * 32 + x) * 3 + c] =
                    (uint8_t)lround(127.5 + 120 * cos(2 * M_PI * (x / 32.0 + c * y / 16.0)));
    image_seam_measure(a, &s);
    CHECK(s.wrap_x <= s.interior_x * 1.05 + 0.5);
    CHECK(s.wrap_y <= s.interior_y * 1.05 + 0.5);
    /* and the measure is exact on a hand case: 2x2 image */
    Error err = {0};
    Image *t = image_new(2, 2, 1, &err);
    t->pixels[0] = 0; t->pixels[1] = 10; t->pixels[2] = 20; t->pixels[3] = 50;
    image_seam_measure(t, &s);
    CHECK_NEAR(s.interior_x, (10 + 30) / 2.0, 1e-9); /* same pairs as the wrap for width 2 */
    CHECK_NEAR(s.wrap_x, (10 + 30) / 2.0, 1e-9);
    CHECK_NEAR(s.interior_y, (20 + 40) / 2.0, 1e-9);
    image_free(t);
    image_free(a);
}

TEST(garment_masks_have_plausible_shapes) {
    Error err = {0};
    for (int g = 0; g < MOCKUP_N_GARMENTS; g++) {
        CHECK(mockup_garment_parse(mockup_garment_names[g]) == g);
        float *m = mockup_mask((MockupGarment)g, 128, &err);
        CHECK(m != NULL);
        if (!m) continue;
        double area = 0, asym = 0;
        for (int y = 0; y < 128; y++)
            for (int x = 0; x < 128; x++) {
                float v = m[y * 128 + x];
                CHECK(v >= 0 && v <= 1);
                area += v;
                asym += fabs(v - m[y * 128 + 127 - x]);
            }
        area /= 128.0 * 128.0;
        /* a garment covers part of the canvas, never all of it */
        CHECKF(area > (g == MOCKUP_SCARF ? 0.08 : 0.2) && area < 0.7, "%s area %.3f", mockup_garment_names[g], area);
        /* the corners are background */
        CHECK(m[0] == 0 && m[127] == 0 && m[127 * 128] == 0 && m[128 * 128 - 1] == 0);
        if (g != MOCKUP_SCARF) CHECKF(asym / (area * 128 * 128) < 0.01, "%s asymmetric", mockup_garment_names[g]);
        mem_free(m);
    }
    CHECK(mockup_garment_parse("sock") == -1);
    CHECK(mockup_mask(MOCKUP_TSHIRT, 100000, &err) == NULL);
}

TEST(mockup_shows_the_pattern_on_the_garment_only) {
    Error err = {0};
    Image *red = image_new(8, 8, 3, &err);
    for (int i = 0; i < 64; i++) {
        red->pixels[i * 3] = 220;
        red->pixels[i * 3 + 1] = 20;
        red->pixels[i * 3 + 2] = 20;
    }
    Image *out = mockup_render(red, MOCKUP_TSHIRT, 128, 0.25, &err);
    float *m = mockup_mask(MOCKUP_TSHIRT, 128, &err);
    CHECK(out && m);
    int inside = 0, red_inside = 0, outside = 0, grey_outside = 0, shades[256] = {0}, n_shades = 0;
    for (int i = 0; out && m && i < 128 * 128; i++) {
        const uint8_t *p = out->pixels + i * 3;
        if (m[i] >= 1) {
            inside++;
            red_inside += p[0] > 2 * p[1] && p[1] == p[2];
            if (!shades[p[0]]++) n_shades++;
        } else if (m[i] <= 0) {
            outside++;
            grey_outside += p[0] == p[1] && p[1] == p[2];
        }
    }
    CHECK(inside > 1000 && red_inside == inside);
    CHECK(outside > 1000 && grey_outside == outside);
    /* folds and edge shading: a flat red pattern comes out in many shades */
    CHECKF(n_shades > 20, "%d shades", n_shades);
    /* fail-after-N: every allocation can fail cleanly */
    for (int n = 1; n <= 8; n++) {
        mem_fail_after(n);
        Image *x = mockup_render(red, MOCKUP_HOODIE, 64, 0.5, &err);
        mem_fail_after(0);
        image_free(x);
    }
    image_free(out);
    image_free(red);
    mem_free(m);
}

int main(void) {
    RUN(repeat_copies_every_pixel);
    RUN(seam_metric_sees_a_ramp_seam_and_not_a_periodic_one);
    RUN(garment_masks_have_plausible_shapes);
    RUN(mockup_shows_the_pattern_on_the_garment_only);
    return harness_finish();
}
