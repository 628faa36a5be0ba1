/* image_pack.c — the flat image file (see image_pack.h). The header is
 * written twice: a placeholder first, the real count just before commit. */
#include "image_pack.h"

#include <string.h>

static const char magic[8] = {'E', 'X', 'I', 'M', 'G', 'P', '0', '1'};

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void make_header(uint8_t h[IMAGE_PACK_HEADER], int width, int height, int channels, uint32_t count) {
    memset(h, 0, IMAGE_PACK_HEADER);
    memcpy(h, magic, 8);
    put32(h + 8, (uint32_t)width);
    put32(h + 12, (uint32_t)height);
    put32(h + 16, (uint32_t)channels);
    put32(h + 20, count);
}

int image_pack_create(ImagePackWriter *w, const char *path, int width, int height, int channels, Error *err) {
    memset(w, 0, sizeof *w);
    if (width < 1 || height < 1 || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE || channels < 1 || channels > 4)
        return error_set(err, "%s: bad image pack geometry %dx%dx%d", path, width, height, channels);
    w->width = width;
    w->height = height;
    w->channels = channels;
    if (atomic_open(&w->file, path, err) != 0) return -1;
    uint8_t h[IMAGE_PACK_HEADER];
    make_header(h, width, height, channels, 0);
    if (atomic_write(&w->file, h, sizeof h, err) != 0) {
        atomic_abort(&w->file);
        return -1;
    }
    return 0;
}

int image_pack_append(ImagePackWriter *w, const Image *img, Error *err) {
    if (img->width != w->width || img->height != w->height || img->channels != w->channels)
        return error_set(err, "%s: image %dx%dx%d does not match the pack's %dx%dx%d", w->file.final_path, img->width,
                         img->height, img->channels, w->width, w->height, w->channels);
    if (w->count == UINT32_MAX) return error_set(err, "%s: too many images", w->file.final_path);
    if (atomic_write(&w->file, img->pixels, image_bytes(img), err) != 0) return -1;
    w->count++;
    return 0;
}

int image_pack_commit(ImagePackWriter *w, Error *err) {
    uint8_t h[IMAGE_PACK_HEADER];
    make_header(h, w->width, w->height, w->channels, w->count);
    if (fseek(w->file.fp, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof h, w->file.fp) != sizeof h) {
        atomic_abort(&w->file);
        return error_set(err, "%s: cannot rewrite the header", w->file.final_path);
    }
    return atomic_commit(&w->file, err);
}

void image_pack_abort(ImagePackWriter *w) { atomic_abort(&w->file); }

int image_pack_check_header(ImagePack *p, const uint8_t *data, size_t size, const char *name, Error *err) {
    if (size < IMAGE_PACK_HEADER || memcmp(data, magic, 8) != 0)
        return error_set(err, "%s: not an image pack (magic EXIMGP01)", name);
    uint32_t w = get32(data + 8), hh = get32(data + 12), c = get32(data + 16), n = get32(data + 20);
    if (w < 1 || hh < 1 || w > IMAGE_MAX_SIDE || hh > IMAGE_MAX_SIDE || c < 1 || c > 4)
        return error_set(err, "%s: bad image pack geometry %ux%ux%u", name, w, hh, c);
    size_t per = (size_t)w * hh * c;
    if ((size - IMAGE_PACK_HEADER) / per < n)
        return error_set(err, "%s: truncated: %u images of %zu bytes need more than the file's %zu bytes", name, n,
                         per, size);
    p->width = (int)w;
    p->height = (int)hh;
    p->channels = (int)c;
    p->count = n;
    return 0;
}

int image_pack_open(ImagePack *p, const char *path, Error *err) {
    memset(p, 0, sizeof *p);
    if (file_map(&p->map, path, err) != 0) return -1;
    if (image_pack_check_header(p, p->map.data, p->map.size, path, err) != 0) {
        file_unmap(&p->map);
        return -1;
    }
    return 0;
}

const uint8_t *image_pack_pixels(const ImagePack *p, uint32_t index) {
    if (index >= p->count) return NULL;
    return p->map.data + IMAGE_PACK_HEADER + (size_t)index * (size_t)p->width * (size_t)p->height * (size_t)p->channels;
}

void image_pack_close(ImagePack *p) { file_unmap(&p->map); }
