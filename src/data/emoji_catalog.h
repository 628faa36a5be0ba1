/* emoji_catalog.h — emoji names and keywords in English and Korean.
 *
 * Reads emojibase-data's en/data.json and ko/data.json (Unicode CLDR names
 * and keywords) and joins them on the hexcode ("1F44B-1F3FB"). Skin-tone
 * variants live under an entry's "skins": they become entries of their own
 * that inherit the parent's keywords and group and remember `base` (the
 * parent's hexcode), `tone` (1-5, or "1,5" for two people) and `gender`
 * (0 female, 1 male, -1 none), for fairness evaluation later. Entries without
 * a Korean label are dropped (counted in n_without_korean).
 *
 *     EmojiCatalog cat;
 *     if (emoji_catalog_load(&cat, "~/.cache/exaone/npm/emojibase-data", &err) != 0) ...
 *     for (size_t i = 0; i < cat.count; i++) cat.entries[i].en_label ...
 *     emoji_catalog_free(&cat);
 */
#ifndef EXAONE_DATA_EMOJI_CATALOG_H
#define EXAONE_DATA_EMOJI_CATALOG_H

#include "../core/error.h"

#include <stddef.h>

#define EMOJI_MAX_GROUPS 16

typedef struct {
    char *hexcode;  /* "1F44B-1F3FB" */
    char *base;     /* the entry's own hexcode, or its parent's for a skin variant */
    char *emoji;    /* the character sequence itself */
    char *en_label, *ko_label;
    char **en_tags, **ko_tags;
    int n_en_tags, n_ko_tags;
    int group;      /* index into the catalog's group names, -1 if none */
    char tone[16];  /* "" (no skin tone), "3", "1,5" */
    int gender;     /* -1 none, 0 female, 1 male */
} EmojiEntry;

typedef struct {
    EmojiEntry *entries;
    size_t count;
    size_t n_without_korean;
    char *group_en[EMOJI_MAX_GROUPS], *group_ko[EMOJI_MAX_GROUPS];
} EmojiCatalog;

int emoji_catalog_load(EmojiCatalog *cat, const char *emojibase_dir, Error *err);
void emoji_catalog_free(EmojiCatalog *cat);

#endif
