/* In-memory PNG and pixel operations for the server (see image.h). */
#include "image.h"

#include "../core/mem.h"

#include <png.h>
#include <string.h>

void image_free(Image *im) {
    mem_free(im->rgba);
    im->rgba = NULL;
    im->w = im->h = 0;
}

typedef struct {
    const uint8_t *data;
    size_t size, off;
} ReadCursor;

static void read_cb(png_structp png, png_bytep out, png_size_t n) {
    ReadCursor *c = png_get_io_ptr(png);
    if (n > c->size - c->off) png_error(png, "truncated PNG");
    memcpy(out, c->data + c->off, n);
    c->off += n;
}

static void silent_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void error_cb(png_structp png, png_const_charp msg) {
    Error *err = png_get_error_ptr(png);
    error_set(err, "PNG: %s", msg);
    png_longjmp(png, 1);
}

int image_decode_png(Image *out, const uint8_t *data, size_t size, Error *err) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) return error_set(err, "not a PNG image");
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, err, error_cb, silent_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        return error_set(err, "PNG: out of memory");
    }
    ReadCursor cur = {data, size, 0};
    /* volatile: modified between setjmp and a possible longjmp */
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        mem_free(pixels);
        mem_free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &cur, read_cb);
    png_set_user_limits(png, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, color;
    png_get_IHDR(png, info, &w, &h, &depth, &color, NULL, NULL, NULL);
    if (depth == 16) png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 4) {
        error_set(err, "PNG: unsupported pixel format");
        png_longjmp(png, 1);
    }
    pixels = mem_alloc((size_t)w * h * 4);
    rows = mem_alloc((size_t)h * sizeof(png_bytep));
    if (!pixels || !rows) {
        error_set(err, "PNG: out of memory for %ux%u pixels", (unsigned)w, (unsigned)h);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * w * 4;
    png_read_image(png, rows);
    png_destroy_read_struct(&png, &info, NULL);
    mem_free(rows);
    out->w = (int)w;
    out->h = (int)h;
    out->rgba = pixels;
    return 0;
}

typedef struct {
    uint8_t *data;
    size_t size, cap;
    int failed;
} WriteBuf;

static void write_cb(png_structp png, png_bytep in, png_size_t n) {
    WriteBuf *b = png_get_io_ptr(png);
    if (b->size + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->size + n) cap *= 2;
        uint8_t *p = mem_realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            png_error(png, "out of memory");
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->size, in, n);
    b->size += n;
}

static void flush_cb(png_structp png) { (void)png; }

int image_encode_png(const Image *im, uint8_t **out, size_t *size, Error *err) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, error_cb, silent_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    WriteBuf buf = {0};
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        return error_set(err, "PNG: out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        mem_free(buf.data);
        return -1;
    }
    png_set_write_fn(png, &buf, write_cb, flush_cb);
    /* Upscaled drawings are flat blocks: fast compression already shrinks them well. */
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)im->w, (png_uint_32)im->h, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < im->h; y++) png_write_row(png, im->rgba + (size_t)y * im->w * 4);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = buf.data;
    *size = buf.size;
    return 0;
}

static int image_alloc(Image *im, int w, int h, Error *err) {
    im->w = w;
    im->h = h;
    im->rgba = mem_alloc((size_t)w * h * 4);
    return im->rgba ? 0 : error_set(err, "out of memory for a %dx%d image", w, h);
}

int image_resize(const Image *in, int w, int h, Image *out, Error *err) {
    if (image_alloc(out, w, h, err) != 0) return -1;
    for (int y = 0; y < h; y++) {
        float fy = ((float)y + 0.5f) * (float)in->h / (float)h - 0.5f;
        if (fy < 0) fy = 0;
        int y0 = (int)fy, y1 = y0 + 1 < in->h ? y0 + 1 : y0;
        float ty = fy - (float)y0;
        for (int x = 0; x < w; x++) {
            float fx = ((float)x + 0.5f) * (float)in->w / (float)w - 0.5f;
            if (fx < 0) fx = 0;
            int x0 = (int)fx, x1 = x0 + 1 < in->w ? x0 + 1 : x0;
            float tx = fx - (float)x0;
            const uint8_t *a = in->rgba + ((size_t)y0 * in->w + x0) * 4, *b = in->rgba + ((size_t)y0 * in->w + x1) * 4;
            const uint8_t *c = in->rgba + ((size_t)y1 * in->w + x0) * 4, *d = in->rgba + ((size_t)y1 * in->w + x1) * 4;
            uint8_t *o = out->rgba + ((size_t)y * w + x) * 4;
            for (int k = 0; k < 4; k++) {
                float top = (float)a[k] + ((float)b[k] - (float)a[k]) * tx;
                float bot = (float)c[k] + ((float)d[k] - (float)c[k]) * tx;
                o[k] = (uint8_t)(top + (bot - top) * ty + 0.5f);
            }
        }
    }
    return 0;
}

int image_from_rgb(const uint8_t *rgb, int w, int h, Image *out, Error *err) {
    if (image_alloc(out, w, h, err) != 0) return -1;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        memcpy(out->rgba + i * 4, rgb + i * 3, 3);
        out->rgba[i * 4 + 3] = 255;
    }
    return 0;
}

int image_to_rgb(const Image *im, uint8_t **rgb, Error *err) {
    size_t n = (size_t)im->w * im->h;
    uint8_t *p = mem_alloc(n * 3 + 1);
    if (!p) return error_set(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        unsigned a = im->rgba[i * 4 + 3];
        for (int k = 0; k < 3; k++) p[i * 3 + k] = (uint8_t)((im->rgba[i * 4 + k] * a + 255 * (255 - a) + 127) / 255);
    }
    *rgb = p;
    return 0;
}

/* Weight of the original pixel: 1 in the middle, 0 at the borders, where the
 * half-shifted copy (whose middle is there) takes over. */
static float centre_weight(int i, int n) {
    float t = ((float)i + 0.5f) / (float)n; /* 0..1 */
    float d = t < 0.5f ? t : 1.0f - t;     /* 0 at the edges, 0.5 in the middle */
    return d * 2.0f;
}

void image_make_tileable(Image *im) {
    int w = im->w, h = im->h;
    if (w < 2 || h < 2) return;
    uint8_t *src = mem_alloc((size_t)w * h * 4);
    if (!src) return; /* the drawing stays as drawn */
    memcpy(src, im->rgba, (size_t)w * h * 4);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float wa = centre_weight(x, w) * centre_weight(y, h);
            const uint8_t *a = src + ((size_t)y * w + x) * 4;
            const uint8_t *b = src + ((size_t)((y + h / 2) % h) * w + (x + w / 2) % w) * 4;
            float wb = centre_weight((x + w / 2) % w, w) * centre_weight((y + h / 2) % h, h);
            float s = wa + wb;
            if (s <= 0) s = 1, wb = 1, wa = 0;
            uint8_t *o = im->rgba + ((size_t)y * w + x) * 4;
            for (int k = 0; k < 4; k++) o[k] = (uint8_t)(((float)a[k] * wa + (float)b[k] * wb) / s + 0.5f);
        }
    mem_free(src);
}
