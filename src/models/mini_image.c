/* PNG <-> codes for EXAONE-mini (see mini_image.h). */
#include "mini_image.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "../train/vision/vq_data.h"
#include "vq.h"

#include <png.h>
#include <stdio.h>
#include <string.h>

static int load_vq(VqModel **vq, const char *model_dir, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/vq.safetensors", model_dir);
    if (!file_exists(path)) return error_set(err, "%s: no VQ image tokenizer in the model folder", path);
    return vq_load(vq, path, NULL, NULL, err);
}

/* Box filter (area average) from [h, w, 3] to [H, W, 3]: emoji are already the
 * model's size, other pictures only need to be recognisable. */
static void resize_rgb(const uint8_t *in, int h, int w, uint8_t *out, int H, int W) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int y0 = y * h / H, y1 = (y + 1) * h / H, x0 = x * w / W, x1 = (x + 1) * w / W;
            if (y1 <= y0) y1 = y0 + 1;
            if (x1 <= x0) x1 = x0 + 1;
            for (int c = 0; c < 3; c++) {
                long sum = 0;
                for (int yy = y0; yy < y1; yy++)
                    for (int xx = x0; xx < x1; xx++) sum += in[((size_t)yy * w + xx) * 3 + c];
                out[((size_t)y * W + x) * 3 + c] = (uint8_t)((sum + (y1 - y0) * (x1 - x0) / 2) / ((y1 - y0) * (x1 - x0)));
            }
        }
}

int mini_image_read_rgb(const char *png_path, uint8_t *rgb, int H, int W, Error *err) {
    uint8_t *raw = NULL;
    int h, w;
    if (vq_png_read(png_path, &raw, &h, &w, err) != 0) return -1;
    resize_rgb(raw, h, w, rgb, H, W);
    mem_free(raw);
    return 0;
}

int mini_image_encode_rgb(void *vq_model, const uint8_t *rgb, int *codes, int grid_h, int grid_w, Error *err) {
    VqModel *vq = vq_model;
    int f = vq_factor(&vq->config), H = grid_h * f, W = grid_w * f, rc = -1;
    float *x = mem_alloc((size_t)H * W * 3 * sizeof(float));
    int32_t *c32 = mem_alloc((size_t)grid_h * grid_w * sizeof(int32_t));
    if (!x || !c32) {
        error_set(err, "out of memory");
        goto done;
    }
    vq_pixels_to_float(x, rgb, H, W, 0);
    if (vq_encode(vq, x, 1, H, W, c32, err) != 0) goto done;
    for (int i = 0; i < grid_h * grid_w; i++) codes[i] = c32[i];
    rc = 0;
done:
    mem_free(x);
    mem_free(c32);
    return rc;
}

int mini_image_encode_vq(void *vq_model, const char *png_path, int *codes, int grid_h, int grid_w, Error *err) {
    VqModel *vq = vq_model;
    int f = vq_factor(&vq->config), H = grid_h * f, W = grid_w * f;
    uint8_t *sized = mem_alloc((size_t)H * W * 3);
    int rc = sized ? mini_image_read_rgb(png_path, sized, H, W, err) : error_set(err, "out of memory");
    if (!rc) rc = mini_image_encode_rgb(vq, sized, codes, grid_h, grid_w, err);
    mem_free(sized);
    return rc;
}

int mini_image_blank_codes(const char *model_dir, int *codes, int grid_h, int grid_w, Error *err) {
    VqModel *vq = NULL;
    uint8_t *white = NULL;
    int rc = load_vq(&vq, model_dir, err);
    if (!rc) {
        int f = vq_factor(&vq->config);
        size_t bytes = (size_t)grid_h * f * grid_w * f * 3;
        white = mem_alloc(bytes);
        rc = white ? 0 : error_set(err, "out of memory");
        if (!rc) memset(white, 255, bytes);
    }
    if (!rc) rc = mini_image_encode_rgb(vq, white, codes, grid_h, grid_w, err);
    mem_free(white);
    vq_free(vq);
    return rc;
}

int mini_image_codes_rgb(void *vq_model, const int *codes, int grid_h, int grid_w, uint8_t *rgb, Error *err) {
    VqModel *vq = vq_model;
    int f = vq_factor(&vq->config), H = grid_h * f, W = grid_w * f, G = grid_h * grid_w, rc = -1;
    float *x = mem_alloc((size_t)H * W * 3 * sizeof(float));
    int32_t *c32 = mem_alloc((size_t)G * sizeof(int32_t));
    if (!x || !c32) {
        error_set(err, "out of memory");
        goto done;
    }
    for (int g = 0; g < G; g++) c32[g] = codes[g];
    if (vq_decode(vq, c32, 1, grid_h, grid_w, x, err) != 0) goto done;
    vq_pixels_to_u8(rgb, x, (int64_t)H * W * 3);
    rc = 0;
done:
    mem_free(x);
    mem_free(c32);
    return rc;
}

int mini_image_encode(const char *model_dir, const char *png_path, int *codes, int grid_h, int grid_w, Error *err) {
    VqModel *vq;
    if (load_vq(&vq, model_dir, err) != 0) return -1;
    int rc = mini_image_encode_vq(vq, png_path, codes, grid_h, grid_w, err);
    vq_free(vq);
    return rc;
}

/* RGB [H, W, 3] with tEXt chunks, written atomically. */
static int write_png_text(const char *path, const uint8_t *rgb, int H, int W, const char *const *meta, Error *err) {
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    if (!fp) return error_set(err, "cannot write %s", tmp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_text text[8];
    int n_text = 0;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        remove(tmp);
        return error_set(err, "%s: PNG encoding failed", path);
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)W, (png_uint_32)H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (int i = 0; meta && meta[i] && meta[i + 1] && n_text < 8; i += 2, n_text++) {
        memset(&text[n_text], 0, sizeof text[n_text]);
        /* iTXt keeps UTF-8 prompts (Korean) intact; plain tEXt is Latin-1 */
        text[n_text].compression = PNG_ITXT_COMPRESSION_NONE;
        text[n_text].key = (char *)meta[i];
        text[n_text].text = (char *)meta[i + 1];
    }
    if (n_text) png_set_text(png, info, text, n_text);
    png_write_info(png, info);
    for (int y = 0; y < H; y++) png_write_row(png, rgb + (size_t)y * W * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return error_set(err, "cannot write %s", path);
    }
    return 0;
}

int mini_image_decode(const char *model_dir, const int *codes, int n, int grid_h, int grid_w, const char *png_path,
                      const char *const *meta, Error *err) {
    VqModel *vq;
    if (load_vq(&vq, model_dir, err) != 0) return -1;
    int f = vq_factor(&vq->config), H = grid_h * f, W = grid_w * f, G = grid_h * grid_w, rc = -1;
    int cols = n <= 4 ? n : 4, rows = (n + cols - 1) / cols, pad = n > 1 ? 2 : 0;
    int OH = rows * H + (rows - 1) * pad, OW = cols * W + (cols - 1) * pad;
    uint8_t *tile = mem_alloc((size_t)H * W * 3), *out = mem_alloc((size_t)OH * OW * 3);
    if (!tile || !out) {
        error_set(err, "out of memory");
        goto done;
    }
    memset(out, 255, (size_t)OH * OW * 3);
    for (int i = 0; i < n; i++) {
        if (mini_image_codes_rgb(vq, codes + (size_t)i * G, grid_h, grid_w, tile, err) != 0) goto done;
        int oy = (i / cols) * (H + pad), ox = (i % cols) * (W + pad);
        for (int y = 0; y < H; y++)
            memcpy(out + ((size_t)(oy + y) * OW + ox) * 3, tile + (size_t)y * W * 3, (size_t)W * 3);
    }
    rc = write_png_text(png_path, out, OH, OW, meta, err);
done:
    mem_free(tile);
    mem_free(out);
    vq_free(vq);
    return rc;
}
