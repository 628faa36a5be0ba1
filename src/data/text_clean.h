/* text_clean.h — turning UI translation strings into clean EN<->KO pairs.
 *
 * UI catalogs are full of things that are not sentences: accelerator marks
 * ("_Open", "&Save", "~Print", Korean "열기(_O)"), format strings ("%s:
 * %d"), markup, and internal keys ("default:LTR", "translator-credits").
 * text_clean_pair strips the marks, flattens whitespace, and refuses what a
 * translation model should not learn from:
 *   - either side empty, over TEXT_MAX_BYTES, or not valid UTF-8;
 *   - nothing but format specifiers, markup or punctuation left;
 *   - English without two ASCII letters, or with Hangul; Korean without Hangul;
 *   - internal keys, and pairs whose two sides are identical.
 *
 *     char en[512], ko[512];
 *     if (text_clean_pair(msgid, msgstr, en, ko, sizeof en)) keep(en, ko);
 */
#ifndef EXAONE_DATA_TEXT_CLEAN_H
#define EXAONE_DATA_TEXT_CLEAN_H

#include <stddef.h>

#define TEXT_MAX_BYTES 200

/* Accelerators removed, whitespace (tabs, newlines) flattened to single
 * spaces, trimmed. out_size must be > strlen(in). */
void text_strip_ui(const char *in, char *out, size_t out_size);

/* 1 when the pair is kept (cleaned into en_out, ko_out of out_size bytes). */
int text_clean_pair(const char *msgid, const char *msgstr, char *en_out, char *ko_out, size_t out_size);

int text_is_utf8(const char *s);
/* Number of Hangul syllables (U+AC00..U+D7A3) in UTF-8 text. */
int text_count_hangul(const char *s);

#endif
