/* emoji_table.h — reading emoji64.tsv, the index of the prepared emoji
 * images (prepare.h), for evaluation tools.
 *
 * Columns (tab-separated, first line a header naming them): row item style
 * split base emoji group_en group_ko tone gender en_label ko_label en_tags
 * ko_tags. Columns are found by header name, so added columns do not break
 * the reader. `row` is the image's index in emoji64.bin.
 *
 *     EmojiTable t;
 *     if (emoji_table_load(&t, "~/.cache/exaone/dataset/emoji64.tsv", &err) != 0) ...
 *     for (int i = 0; i < t.n; i++) if (t.rows[i].split == SPLIT_TEST) ... t.rows[i].en_label ...
 *     emoji_table_free(&t);
 */
#ifndef EXAONE_DATA_EMOJI_TABLE_H
#define EXAONE_DATA_EMOJI_TABLE_H

#include "../core/error.h"
#include "split.h"

#include <stddef.h>

enum { EMOJI_TONE_NONE = 0, EMOJI_TONE_MIXED = -1 }; /* 1..5: U+1F3FB..U+1F3FF */
enum { EMOJI_GENDER_NONE = 0, EMOJI_GENDER_MALE = 1, EMOJI_GENDER_FEMALE = 2, EMOJI_GENDER_MIXED = 3 };

typedef struct {
    long row;                            /* image index in the pack */
    const char *item, *base, *style;     /* point into the table's text */
    const char *en_label, *ko_label;
    DataSplit split;
    int tone;                            /* EMOJI_TONE_NONE, 1..5 or EMOJI_TONE_MIXED */
    int gender;                          /* EMOJI_GENDER_* */
} EmojiRow;

typedef struct {
    EmojiRow *rows;
    int n;
    char *text; /* the file, cut into NUL-terminated fields */
} EmojiTable;

/* Parses text (copied; need not be NUL-terminated); label names it in errors. */
int emoji_table_parse(EmojiTable *t, const char *text, size_t len, const char *label, Error *err);
int emoji_table_load(EmojiTable *t, const char *path, Error *err);
void emoji_table_free(EmojiTable *t);

#endif
