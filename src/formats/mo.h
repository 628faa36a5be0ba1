/* mo.h — GNU gettext .mo catalogs (compiled translations) as msgid/msgstr pairs.
 *
 * Layout (GNU gettext manual, "The Format of GNU MO Files"): u32 magic
 * 0x950412de in the file's byte order, u32 revision (major 0 or 1), u32 N,
 * u32 offset of the original-string table, u32 offset of the translation
 * table (then a hash table we do not need). Each table holds N (length,
 * offset) pairs; strings are NUL-terminated and the length excludes the NUL.
 * Every table and string is checked against the file size before use.
 *
 * Entries come out as the translator wrote them, minus what is not a
 * translation pair: the header entry (msgid "") is skipped, plural entries
 * ("one\0many" -> "하나\0...") keep the singular msgid and msgstr[0], and a
 * msgctxt ("ctx\x04msgid") is split off into `context`. Untranslated
 * entries (empty msgstr) are skipped.
 *
 *     MoCatalog cat;
 *     if (mo_read_file("gimp20.mo", &cat, &err) != 0) ...
 *     for (size_t i = 0; i < cat.count; i++) use(cat.entries[i].msgid, cat.entries[i].msgstr);
 *     mo_free(&cat);
 */
#ifndef EXAONE_FORMATS_MO_H
#define EXAONE_FORMATS_MO_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *context; /* NULL when the entry has no msgctxt */
    char *msgid;
    char *msgstr;
} MoEntry;

typedef struct {
    MoEntry *entries;
    size_t count;
    uint32_t revision;
} MoCatalog;

/* name is used in error messages. */
int mo_parse(const uint8_t *data, size_t size, const char *name, MoCatalog *out, Error *err);
int mo_read_file(const char *path, MoCatalog *out, Error *err);
void mo_free(MoCatalog *cat);

#endif
