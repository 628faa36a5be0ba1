/* Image operations: conversion, crops, resize, grids. Expected values are
 * computed here by the textbook formulas (block means, linear blends). */
#include "../harness.h"

#include "core/mem.h"
#include "image/grid.h"
#include "image/image.h"
#include "image/resize.h"

static Image *ramp(int w, int h, int channels) {
    Error err = {0};
    Image *img = image_new(w, h, channels, &err);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++)
                img->pixels[((size_t)y * (size_t)w + (size_t)x) * (size_t)channels + (size_t)c] =
                    (uint8_t)((x * 37 + y * 11 + c * 60) % 256);
    return img;
}

static int px(const Image *img, int x, int y, int c) {
    return img->pixels[((size_t)y * (size_t)img->width + (size_t)x) * (size_t)img->channels + (size_t)c];
}

TEST(new_rejects_bad_sizes) {
    Error err = {0};
    CHECK(image_new(0, 4, 3, &err) == NULL && strstr(err.message, "0x4"));
    CHECK(image_new(16385, 1, 3, &err) == NULL);
    CHECK(image_new(4, 4, 5, &err) == NULL);
    mem_fail_after(1);
    CHECK(image_new(4, 4, 3, &err) == NULL);
    mem_fail_after(2);
    CHECK(image_new(4, 4, 3, &err) == NULL);
    mem_fail_after(0);
}

TEST(convert_composites_alpha_over_background) {
    Error err = {0};
    Image *rgba = image_new(2, 1, 4, &err);
    uint8_t px_in[8] = {200, 100, 0, 128, 9, 9, 9, 0};
    memcpy(rgba->pixels, px_in, 8);
    uint8_t bg[3] = {0, 50, 255};
    Image *rgb = image_convert(rgba, 3, bg, &err);
    /* a = 128/255: 200*128/255 + 0*127/255 = 100.39 -> 100; 100*128/255+50*127/255 = 75.1 -> 75;
     * 0 + 255*127/255 = 127 */
    CHECK(rgb && px(rgb, 0, 0, 0) == 100 && px(rgb, 0, 0, 1) == 75 && px(rgb, 0, 0, 2) == 127);
    CHECK(rgb && px(rgb, 1, 0, 0) == 0 && px(rgb, 1, 0, 1) == 50 && px(rgb, 1, 0, 2) == 255);
    Image *gray = image_convert(rgb, 1, IMAGE_WHITE, &err);
    /* BT.601: 0.299*100 + 0.587*75 + 0.114*127 = 88.4 -> 88 */
    CHECK(gray && gray->channels == 1 && px(gray, 0, 0, 0) == 88);
    Image *back = image_convert(gray, 4, IMAGE_WHITE, &err);
    CHECK(back && px(back, 0, 0, 0) == 88 && px(back, 0, 0, 2) == 88 && px(back, 0, 0, 3) == 255);
    CHECK(image_convert(rgb, 2, IMAGE_WHITE, &err) == NULL);
    image_free(rgba);
    image_free(rgb);
    image_free(gray);
    image_free(back);
}

TEST(crop_inside_and_wrapping) {
    Error err = {0};
    Image *img = ramp(10, 6, 3);
    Image *c = image_crop(img, 3, 2, 4, 3, 0, &err);
    int ok = c != NULL;
    for (int y = 0; ok && y < 3; y++)
        for (int x = 0; x < 4; x++)
            for (int ch = 0; ch < 3; ch++) ok &= px(c, x, y, ch) == px(img, x + 3, y + 2, ch);
    CHECK(ok);
    CHECK(image_crop(img, 8, 0, 4, 3, 0, &err) == NULL && strstr(err.message, "outside"));
    Image *w = image_crop(img, 8, 5, 25, 13, 1, &err);
    ok = w != NULL;
    for (int y = 0; ok && y < 13; y++)
        for (int x = 0; x < 25; x++) ok &= px(w, x, y, 1) == px(img, (x + 8) % 10, (y + 5) % 6, 1);
    CHECK(ok);
    Image *neg = image_crop(img, -1, -1, 2, 2, 1, &err);
    CHECK(neg && px(neg, 0, 0, 0) == px(img, 9, 5, 0) && px(neg, 1, 1, 0) == px(img, 0, 0, 0));
    image_free(neg);
    image_free(c);
    image_free(w);
    image_free(img);
}

TEST(box_shrink_is_block_mean) {
    Error err = {0};
    Image *img = ramp(12, 9, 3);
    Image *small = image_resize(img, 4, 3, IMAGE_BOX, &err);
    int ok = small != NULL;
    for (int y = 0; ok && y < 3; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++) {
                int sum = 0;
                for (int j = 0; j < 3; j++)
                    for (int i = 0; i < 3; i++) sum += px(img, x * 3 + i, y * 3 + j, c);
                int want = (sum * 2 + 9) / 18; /* round(sum / 9) */
                ok &= abs(px(small, x, y, c) - want) <= 0;
            }
    CHECK(ok);
    /* 3 -> 2: pixel 0 covers source [0, 1.5): (p0 + 0.5 p1) / 1.5 */
    Image *row = image_new(3, 1, 1, &err);
    row->pixels[0] = 30;
    row->pixels[1] = 90;
    row->pixels[2] = 210;
    Image *r2 = image_resize(row, 2, 1, IMAGE_BOX, &err);
    CHECK(r2 && r2->pixels[0] == 50 && r2->pixels[1] == 170);
    image_free(row);
    image_free(r2);
    image_free(small);
    image_free(img);
}

TEST(bilinear_enlarge_blends_neighbours) {
    Error err = {0};
    Image *row = image_new(2, 1, 1, &err);
    row->pixels[0] = 0;
    row->pixels[1] = 200;
    Image *big = image_resize(row, 4, 1, IMAGE_BILINEAR, &err);
    /* centres map to -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1) */
    CHECK(big && big->pixels[0] == 0 && big->pixels[1] == 50 && big->pixels[2] == 150 && big->pixels[3] == 200);
    Image *same = image_resize(row, 2, 1, IMAGE_BILINEAR, &err);
    CHECK(same && same->pixels[0] == 0 && same->pixels[1] == 200);
    CHECK(image_resize(row, 0, 1, IMAGE_BILINEAR, &err) == NULL);
    image_free(row);
    image_free(big);
    image_free(same);
}

TEST(resize_allocation_failures_are_clean) {
    Image *img = ramp(8, 8, 3);
    int done = 0;
    for (long n = 1; n < 20 && !done; n++) {
        Error err = {0};
        mem_fail_after(n);
        Image *out = image_resize(img, 3, 5, IMAGE_BOX, &err);
        long used = mem_alloc_count();
        mem_fail_after(0);
        if (!out) CHECK(err.message[0] != 0);
        if (out && used < n) done = 1;
        image_free(out);
    }
    CHECK(done);
    image_free(img);
}

TEST(grid_places_cells_with_gaps) {
    Error err = {0};
    Image *a = ramp(4, 4, 3), *b = ramp(2, 2, 4), *c = ramp(4, 3, 1);
    const Image *list[3] = {a, b, c};
    uint8_t bg[3] = {1, 2, 3};
    Image *sheet = image_grid(list, 3, 2, 1, bg, &err);
    /* 2 columns x 2 rows of 4x4 cells, gap 1: 11 x 11, RGBA because b has alpha */
    CHECK(sheet && sheet->width == 11 && sheet->height == 11 && sheet->channels == 4);
    if (sheet) {
        CHECK(px(sheet, 0, 0, 0) == 1 && px(sheet, 0, 0, 2) == 3 && px(sheet, 0, 0, 3) == 255);
        CHECK(px(sheet, 1, 1, 0) == px(a, 0, 0, 0) && px(sheet, 4, 4, 1) == px(a, 3, 3, 1));
        /* b (2x2) centred in the second cell: x0 = 1 + 5 + 1 = 7, y0 = 1 + 1 = 2 */
        CHECK(px(sheet, 7, 2, 0) == px(b, 0, 0, 0) && px(sheet, 7, 2, 3) == px(b, 0, 0, 3));
        /* c (gray 4x3) in the third cell at x0 = 1, y0 = 6 + 0 */
        CHECK(px(sheet, 1, 6, 0) == px(c, 0, 0, 0) && px(sheet, 1, 6, 2) == px(c, 0, 0, 0));
        /* the empty fourth cell is background */
        CHECK(px(sheet, 8, 8, 0) == 1);
    }
    CHECK(image_grid(list, 0, 2, 1, bg, &err) == NULL);
    image_free(sheet);
    image_free(a);
    image_free(b);
    image_free(c);
}

int main(void) {
    RUN(new_rejects_bad_sizes);
    RUN(convert_composites_alpha_over_background);
    RUN(crop_inside_and_wrapping);
    RUN(box_shrink_is_block_mean);
    RUN(bilinear_enlarge_blends_neighbours);
    RUN(resize_allocation_failures_are_clean);
    RUN(grid_places_cells_with_gaps);
    return harness_finish();
}
