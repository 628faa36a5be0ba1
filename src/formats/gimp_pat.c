/* gimp_pat.c — the .pat reader. */
#include "gimp_pat.h"

#include "../core/file.h"
#include "../core/mem.h"

#include <string.h>

#define PAT_FIXED_HEADER 24
#define PAT_MAX_NAME 4096

static uint32_t load_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void gimp_pat_free(GimpPattern *pat) {
    if (!pat) return;
    mem_free(pat->name);
    image_free(pat->image);
    memset(pat, 0, sizeof *pat);
}

int gimp_pat_parse(const uint8_t *data, size_t size, const char *source, GimpPattern *out, Error *err) {
    memset(out, 0, sizeof *out);
    if (size < PAT_FIXED_HEADER)
        return error_set(err, "%s: %zu bytes is too short for a GIMP pattern header (%d)", source, size,
                         PAT_FIXED_HEADER);
    if (memcmp(data + 20, "GPAT", 4) != 0) return error_set(err, "%s: not a GIMP pattern (no GPAT magic at byte 20)", source);
    uint32_t header_size = load_be32(data), version = load_be32(data + 4);
    uint32_t width = load_be32(data + 8), height = load_be32(data + 12), bpp = load_be32(data + 16);
    if (version != 1) return error_set(err, "%s: GIMP pattern version %u (only 1 is defined)", source, version);
    if (header_size < PAT_FIXED_HEADER || header_size > size || header_size - PAT_FIXED_HEADER > PAT_MAX_NAME)
        return error_set(err, "%s: header size %u is outside %d..min(file size %zu, %d)", source, header_size,
                         PAT_FIXED_HEADER, size, PAT_FIXED_HEADER + PAT_MAX_NAME);
    if (bpp < 1 || bpp > 4) return error_set(err, "%s: %u bytes per pixel (1-4 allowed)", source, bpp);
    if (width == 0 || height == 0 || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE)
        return error_set(err, "%s: pattern size %ux%u is outside 1..%d per side", source, width, height, IMAGE_MAX_SIDE);
    size_t pixel_bytes = (size_t)width * height * bpp; /* <= 2^30, no overflow */
    if (pixel_bytes > size - header_size)
        return error_set(err, "%s: truncated: %ux%u x %u bytes of pixels need %zu bytes after the header, file has %zu",
                         source, width, height, bpp, pixel_bytes, size - header_size);
    const char *name = (const char *)data + PAT_FIXED_HEADER;
    size_t name_len = header_size - PAT_FIXED_HEADER;
    const char *nul = memchr(name, 0, name_len);
    if (nul) name_len = (size_t)(nul - name);
    out->name = mem_strndup(name, name_len);
    out->image = out->name ? image_new((int)width, (int)height, (int)bpp, err) : NULL;
    if (!out->image) {
        gimp_pat_free(out);
        return error_set(err, "%s: out of memory for a %ux%u pattern", source, width, height);
    }
    memcpy(out->image->pixels, data + header_size, pixel_bytes);
    return 0;
}

int gimp_pat_read_file(const char *path, GimpPattern *out, Error *err) {
    memset(out, 0, sizeof *out);
    MappedFile map;
    if (file_map(&map, path, err) != 0) return -1;
    int rc = gimp_pat_parse(map.data, map.size, path, out, err);
    file_unmap(&map);
    return rc;
}
