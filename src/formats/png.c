/* png.c — PNG decode/encode on libpng with errors that name the file.
 *
 * libpng reports errors by longjmp: every resource that outlives a libpng
 * call is reachable from a heap context (PngJob) whose pointer does not change
 * after setjmp, so the error path can free it (locals changed after setjmp
 * would be indeterminate there, C11 7.13.2.1). */
#include "png.h"

#include "../core/file.h"
#include "../core/mem.h"

#include <png.h>
#include <string.h>

typedef struct {
    Error *err;
    const char *name;
    /* reading */
    const uint8_t *in;
    size_t in_size, in_pos;
    /* writing */
    uint8_t *out;
    size_t out_size, out_cap;
    /* owned while libpng runs */
    Image *img;
    png_bytep *rows;
    png_text *texts;
    char message[160];
} PngJob;

static void on_error(png_structp png, png_const_charp msg) {
    PngJob *job = png_get_error_ptr(png);
    error_set(job->err, "%s: %s", job->name, msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg; /* ancillary-chunk complaints; the image is still good */
}

/* libpng's own buffers: a chunk (at most CHUNK_MAX, set below), rows of at most
 * IMAGE_MAX_SIDE 16-bit RGBA pixels, zlib state. A request past LIBPNG_ALLOC_MAX
 * means libpng lost its place in the stream: libpng 1.6 returns from a tEXt chunk
 * whose buffer it could not allocate without skipping the chunk's bytes, then
 * reads text as the next chunk's length (a fuzzed file asked for 1.8 GB this way).
 * Refusing makes that a clean error instead of a huge allocation. */
#define CHUNK_MAX ((png_alloc_size_t)8 << 20)
#define LIBPNG_ALLOC_MAX ((png_alloc_size_t)16 << 20)

static png_voidp on_malloc(png_structp png, png_alloc_size_t size) {
    (void)png;
    return size > LIBPNG_ALLOC_MAX ? NULL : mem_alloc(size);
}

static void on_free(png_structp png, png_voidp ptr) {
    (void)png;
    mem_free(ptr);
}

static void on_read(png_structp png, png_bytep out, size_t n) {
    PngJob *job = png_get_io_ptr(png);
    if (n > job->in_size - job->in_pos) {
        snprintf(job->message, sizeof job->message, "truncated: needs %zu bytes at offset %zu, file has %zu", n,
                 job->in_pos, job->in_size);
        png_error(png, job->message);
    }
    memcpy(out, job->in + job->in_pos, n);
    job->in_pos += n;
}

static void on_write(png_structp png, png_bytep data, size_t n) {
    PngJob *job = png_get_io_ptr(png);
    if (n > job->out_cap - job->out_size) {
        size_t cap = job->out_cap ? job->out_cap : 4096;
        while (cap - job->out_size < n) cap *= 2;
        uint8_t *grown = mem_realloc(job->out, cap);
        if (!grown) png_error(png, "out of memory for the encoded PNG");
        job->out = grown;
        job->out_cap = cap;
    }
    memcpy(job->out + job->out_size, data, n);
    job->out_size += n;
}

static void on_flush(png_structp png) { (void)png; }

void pngio_text_free(PngText *text) {
    if (!text) return;
    for (int i = 0; i < text->count; i++) {
        mem_free(text->keys[i]);
        mem_free(text->values[i]);
    }
    mem_free(text->keys);
    mem_free(text->values);
    memset(text, 0, sizeof *text);
}

const char *pngio_text_get(const PngText *text, const char *key) {
    for (int i = 0; text && i < text->count; i++)
        if (strcmp(text->keys[i], key) == 0) return text->values[i];
    return NULL;
}

/* Copies libpng's text chunks; longjmps (via png_error) on allocation failure. */
static void copy_text(png_structp png, png_infop info, PngText *text) {
    png_textp chunks = NULL;
    int n = png_get_text(png, info, &chunks, NULL);
    if (n <= 0) return;
    text->keys = mem_calloc((size_t)n, sizeof(char *));
    text->values = mem_calloc((size_t)n, sizeof(char *));
    if (!text->keys || !text->values) png_error(png, "out of memory for text chunks");
    for (int i = 0; i < n; i++) {
        text->keys[i] = mem_strdup(chunks[i].key);
        text->values[i] = mem_strndup(chunks[i].text ? chunks[i].text : "",
                                      chunks[i].compression >= PNG_ITXT_COMPRESSION_NONE ? chunks[i].itxt_length
                                                                                         : chunks[i].text_length);
        text->count = i + 1;
        if (!text->keys[i] || !text->values[i]) png_error(png, "out of memory for text chunks");
    }
}

/* Sets up libpng's transformations so every input comes out as RGBA8. */
static void expand_to_rgba(png_structp png, png_infop info) {
    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    if (depth == 16) png_set_scale_16(png);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    if (has_trns) png_set_tRNS_to_alpha(png);
    if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if (!(type & PNG_COLOR_MASK_ALPHA) && !has_trns) png_set_filler(png, 0xff, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* The body run under setjmp; on any error libpng longjmps out of it. */
static void decode_body(png_structp png, png_infop info, PngJob *job, PngText *text) {
    png_set_read_fn(png, job, on_read);
    /* Our own limit below gives the clearer message; libpng's default (1e6) would fire first. */
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_chunk_malloc_max(png, CHUNK_MAX);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (w == 0 || h == 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) {
        snprintf(job->message, sizeof job->message, "image size %ux%u is outside 1..%d per side", (unsigned)w,
                 (unsigned)h, IMAGE_MAX_SIDE);
        png_error(png, job->message);
    }
    /* Deflate expands at most 1032:1 (RFC 1951 block limits), so a file
     * this small cannot hold this many pixels: refuse before allocating
     * (a 100-byte PNG claiming 16384x16384 would otherwise cost 1 GiB). */
    size_t raw = (size_t)h * png_get_rowbytes(png, info);
    if (raw / 1032 > job->in_size) {
        snprintf(job->message, sizeof job->message, "%ux%u image cannot fit in a %zu-byte file (corrupt or truncated)",
                 (unsigned)w, (unsigned)h, job->in_size);
        png_error(png, job->message);
    }
    expand_to_rgba(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 4) png_error(png, "unexpected row size after conversion");
    job->img = image_new((int)w, (int)h, 4, job->err);
    job->rows = mem_alloc(sizeof(png_bytep) * h);
    if (!job->img || !job->rows) png_error(png, "out of memory for the pixels");
    for (png_uint_32 y = 0; y < h; y++) job->rows[y] = job->img->pixels + (size_t)y * w * 4;
    png_read_image(png, job->rows);
    png_read_end(png, info);
    if (text) copy_text(png, info, text);
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Every chunk up to IEND must fit in the file. libpng allocates a text chunk's
 * declared length before reading it (a 164-byte file claiming an 800 MB tEXt
 * cost 800 MB and seconds of page faults), so lengths are checked here first. */
static int check_chunk_lengths(const uint8_t *data, size_t size, const char *name, Error *err) {
    size_t at = 8;
    while (size - at >= 8) {
        uint32_t len = be32(data + at);
        const uint8_t *type = data + at + 4;
        size_t room = size - at - 8; /* for the data and the 4-byte CRC */
        if (len > room || room - len < 4) {
            int letters = 1;
            for (int i = 0; i < 4; i++) letters &= (type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z');
            return error_set(err, "%s: truncated or corrupt: the %.4s chunk at byte offset %zu claims %u bytes, %zu are left",
                             name, letters ? (const char *)type : "????", at, (unsigned)len, room < 4 ? 0 : room - 4);
        }
        if (memcmp(type, "IEND", 4) == 0) break;
        at += 12 + (size_t)len;
    }
    return 0;
}

int pngio_decode(const uint8_t *data, size_t size, const char *name, int channels, Image **out, PngText *text,
                 Error *err) {
    *out = NULL;
    if (text) memset(text, 0, sizeof *text);
    if (channels != 3 && channels != 4) return error_set(err, "%s: can decode to 3 or 4 channels, not %d", name, channels);
    /* The header check first: libpng's own word for a 0x0 image is "Invalid IHDR data". */
    int width, height;
    if (pngio_probe(data, size, name, &width, &height, err) != 0) return -1;
    if (check_chunk_lengths(data, size, name, err) != 0) return -1;
    PngJob *job = mem_calloc(1, sizeof *job);
    if (!job) return error_set(err, "%s: out of memory", name);
    job->err = err;
    job->name = name;
    job->in = data;
    job->in_size = size;
    png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, job, on_error, on_warning, NULL, on_malloc, on_free);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        mem_free(job);
        return error_set(err, "%s: out of memory", name);
    }
    int failed = 0;
    if (setjmp(png_jmpbuf(png)) == 0)
        decode_body(png, info, job, text);
    else
        failed = 1;
    png_destroy_read_struct(&png, &info, NULL);
    mem_free(job->rows);
    Image *img = job->img;
    mem_free(job);
    if (failed) {
        image_free(img);
        pngio_text_free(text);
        return -1;
    }
    if (channels == 3) {
        Image *rgb = image_convert(img, 3, IMAGE_WHITE, err);
        image_free(img);
        if (!rgb) {
            pngio_text_free(text);
            return error_prefix(err, "%s", name);
        }
        img = rgb;
    }
    *out = img;
    return 0;
}

int pngio_probe(const uint8_t *data, size_t size, const char *name, int *width, int *height, Error *err) {
    *width = *height = 0;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) return error_set(err, "%s: not a PNG file (bad signature)", name);
    /* IHDR must come first: length 13 at byte 8, type at 12, width/height at 16/20. */
    if (size < 33 || be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0)
        return error_set(err, "%s: truncated or missing IHDR chunk at byte 8", name);
    uint32_t w = be32(data + 16), h = be32(data + 20);
    if (w == 0 || h == 0 || w > PNG_UINT_31_MAX || h > PNG_UINT_31_MAX)
        return error_set(err, "%s: invalid image size %ux%u in IHDR", name, (unsigned)w, (unsigned)h);
    *width = (int)w;
    *height = (int)h;
    return 0;
}

int pngio_read_file(const char *path, int channels, Image **out, PngText *text, Error *err) {
    *out = NULL;
    if (text) memset(text, 0, sizeof *text);
    MappedFile map;
    if (file_map(&map, path, err) != 0) return -1;
    int rc = pngio_decode(map.data, map.size, path, channels, out, text, err);
    file_unmap(&map);
    return rc;
}

/* Keywords are 1-79 printable Latin-1 characters without leading, trailing
 * or double spaces (PNG spec 11.3.4.3); we accept the ASCII subset. */
static int keyword_ok(const char *key) {
    size_t n = strlen(key);
    if (n < 1 || n > 79 || key[0] == ' ' || key[n - 1] == ' ') return 0;
    for (size_t i = 0; i < n; i++) {
        if (key[i] < 32 || key[i] > 126) return 0;
        if (key[i] == ' ' && key[i + 1] == ' ') return 0;
    }
    return 1;
}

static int is_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s > 126 || ((unsigned char)*s < 32 && *s != '\n')) return 0;
    return 1;
}

static void encode_body(png_structp png, png_infop info, PngJob *job, const Image *img, const PngTextEntry *text,
                        int n_text) {
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                 PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, job, on_write, on_flush);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, types[img->channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (n_text > 0) {
        job->texts = mem_calloc((size_t)n_text, sizeof(png_text));
        if (!job->texts) png_error(png, "out of memory for text chunks");
        for (int i = 0; i < n_text; i++) {
            png_text *t = &job->texts[i];
            t->key = (png_charp)text[i].key;
            t->text = (png_charp)text[i].value;
            if (is_ascii(text[i].value)) {
                t->compression = PNG_TEXT_COMPRESSION_NONE;
                t->text_length = strlen(text[i].value);
            } else {
                t->compression = PNG_ITXT_COMPRESSION_NONE;
                t->itxt_length = strlen(text[i].value);
            }
        }
        png_set_text(png, info, job->texts, n_text);
    }
    png_write_info(png, info);
    job->rows = mem_alloc(sizeof(png_bytep) * (size_t)img->height);
    if (!job->rows) png_error(png, "out of memory for row pointers");
    size_t stride = (size_t)img->width * (size_t)img->channels;
    for (int y = 0; y < img->height; y++) job->rows[y] = img->pixels + (size_t)y * stride;
    png_write_image(png, job->rows);
    png_write_end(png, NULL);
}

int pngio_encode(const Image *img, const PngTextEntry *text, int n_text, uint8_t **out, size_t *out_size, Error *err) {
    *out = NULL;
    *out_size = 0;
    if (!img || img->width <= 0 || img->height <= 0 || img->width > IMAGE_MAX_SIDE || img->height > IMAGE_MAX_SIDE ||
        img->channels < 1 || img->channels > 4)
        return error_set(err, "PNG encode: invalid image");
    for (int i = 0; i < n_text; i++) {
        if (!text[i].key || !keyword_ok(text[i].key))
            return error_set(err, "PNG encode: text key '%s' is not 1-79 printable ASCII characters",
                             text[i].key ? text[i].key : "(null)");
        if (!text[i].value) return error_set(err, "PNG encode: text '%s' has no value", text[i].key);
    }
    PngJob *job = mem_calloc(1, sizeof *job);
    if (!job) return error_set(err, "PNG encode: out of memory");
    job->err = err;
    job->name = "PNG encode";
    png_structp png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, job, on_error, on_warning, NULL, on_malloc,
                                                on_free);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        mem_free(job);
        return error_set(err, "PNG encode: out of memory");
    }
    int failed = 0;
    if (setjmp(png_jmpbuf(png)) == 0)
        encode_body(png, info, job, img, text, n_text);
    else
        failed = 1;
    png_destroy_write_struct(&png, &info);
    mem_free(job->rows);
    mem_free(job->texts);
    if (failed) {
        mem_free(job->out);
        mem_free(job);
        return -1;
    }
    *out = job->out;
    *out_size = job->out_size;
    mem_free(job);
    return 0;
}

int pngio_write_file(const char *path, const Image *img, const PngTextEntry *text, int n_text, Error *err) {
    uint8_t *data = NULL;
    size_t size = 0;
    if (pngio_encode(img, text, n_text, &data, &size, err) != 0) return error_prefix(err, "%s", path);
    int rc = file_write_atomic(path, data, size, err);
    mem_free(data);
    return rc;
}
