/* mo.c — the .mo reader: bounds-checked tables, then plain string copies. */
#include "mo.h"

#include "../core/file.h"
#include "../core/mem.h"

#include <string.h>

#define MO_MAGIC 0x950412deu
#define MO_HEADER_SIZE 20

static uint32_t load_u32(const uint8_t *p, int big_endian) {
    if (big_endian) return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

void mo_free(MoCatalog *cat) {
    if (!cat) return;
    for (size_t i = 0; i < cat->count; i++) {
        mem_free(cat->entries[i].context);
        mem_free(cat->entries[i].msgid);
        mem_free(cat->entries[i].msgstr);
    }
    mem_free(cat->entries);
    memset(cat, 0, sizeof *cat);
}

/* String i of the table at table_offset, checked: *text points into data and
 * has *length bytes (the first plural form only). */
static int table_string(const uint8_t *data, size_t size, uint32_t table_offset, uint32_t i, int big_endian,
                        const char *what, const char *name, const char **text, size_t *length, Error *err) {
    size_t at = (size_t)table_offset + (size_t)i * 8;
    uint32_t len = load_u32(data + at, big_endian), off = load_u32(data + at + 4, big_endian);
    /* len + 1: the terminating NUL must be inside the file too. */
    if ((size_t)off > size || (size_t)len + 1 > size - off)
        return error_set(err, "%s: %s string %u (length %u at offset %u) runs past the end of the file (%zu bytes)",
                         name, what, i, len, off, size);
    *text = (const char *)data + off;
    /* Plural forms are separated by NULs: keep the first. */
    const char *nul = memchr(*text, 0, len);
    *length = nul ? (size_t)(nul - *text) : len;
    return 0;
}

int mo_parse(const uint8_t *data, size_t size, const char *name, MoCatalog *out, Error *err) {
    memset(out, 0, sizeof *out);
    if (size < MO_HEADER_SIZE)
        return error_set(err, "%s: %zu bytes is too short for a .mo header (%d)", name, size, MO_HEADER_SIZE);
    int big_endian;
    if (load_u32(data, 0) == MO_MAGIC)
        big_endian = 0;
    else if (load_u32(data, 1) == MO_MAGIC)
        big_endian = 1;
    else
        return error_set(err, "%s: not a .mo file (magic 0x%08x)", name, load_u32(data, 0));
    uint32_t revision = load_u32(data + 4, big_endian);
    if (revision >> 16 > 1) return error_set(err, "%s: unsupported .mo major revision %u", name, revision >> 16);
    uint32_t n = load_u32(data + 8, big_endian);
    uint32_t originals = load_u32(data + 12, big_endian), translations = load_u32(data + 16, big_endian);
    size_t table_bytes;
    if (size_mul(n, 8, &table_bytes) != 0 || originals > size || table_bytes > size - originals)
        return error_set(err, "%s: original-string table (%u entries at offset %u) runs past the end of the file", name,
                         n, originals);
    if (translations > size || table_bytes > size - translations)
        return error_set(err, "%s: translation table (%u entries at offset %u) runs past the end of the file", name, n,
                         translations);
    out->revision = revision;
    out->entries = mem_calloc(n ? n : 1, sizeof(MoEntry));
    if (!out->entries) return error_set(err, "%s: out of memory for %u entries", name, n);
    for (uint32_t i = 0; i < n; i++) {
        const char *id = NULL, *str = NULL;
        size_t id_len = 0, str_len = 0;
        if (table_string(data, size, originals, i, big_endian, "original", name, &id, &id_len, err) != 0 ||
            table_string(data, size, translations, i, big_endian, "translated", name, &str, &str_len, err) != 0) {
            mo_free(out);
            return -1;
        }
        if (id_len == 0 || str_len == 0) continue; /* header entry, or untranslated */
        const char *eot = memchr(id, 4, id_len);   /* msgctxt \x04 msgid */
        MoEntry *e = &out->entries[out->count];
        if (eot) {
            e->context = mem_strndup(id, (size_t)(eot - id));
            id_len -= (size_t)(eot - id) + 1;
            id = eot + 1;
        }
        e->msgid = mem_strndup(id, id_len);
        e->msgstr = mem_strndup(str, str_len);
        out->count++; /* counted before the check so mo_free releases a partial entry */
        if ((eot && !e->context) || !e->msgid || !e->msgstr) {
            mo_free(out);
            return error_set(err, "%s: out of memory at entry %u", name, i);
        }
    }
    return 0;
}

int mo_read_file(const char *path, MoCatalog *out, Error *err) {
    memset(out, 0, sizeof *out);
    MappedFile map;
    if (file_map(&map, path, err) != 0) return -1;
    int rc = mo_parse(map.data, map.size, path, out, err);
    file_unmap(&map);
    return rc;
}
