/* Reading emoji64.tsv (see emoji_table.h). */
#include "emoji_table.h"

#include "../core/file.h"
#include "../core/mem.h"

#include <stdlib.h>
#include <string.h>

enum { COL_ROW, COL_ITEM, COL_STYLE, COL_SPLIT, COL_BASE, COL_TONE, COL_GENDER, COL_EN, COL_KO, N_COLS };
static const char *const col_names[N_COLS] = {"row", "item", "style", "split", "base", "tone", "gender", "en_label",
                                              "ko_label"};

/* Cuts line (NUL-terminated) at tabs into at most cap fields; returns the count. */
static int split_tabs(char *line, char **fields, int cap) {
    int n = 0;
    fields[n++] = line;
    for (char *p = line; *p && n < cap; p++)
        if (*p == '\t') {
            *p = 0;
            fields[n++] = p + 1;
        }
    return n;
}

static int parse_tone(const char *s, int *tone) {
    if (!*s) return *tone = EMOJI_TONE_NONE, 0;
    if (s[0] >= '1' && s[0] <= '5' && !s[1]) return *tone = s[0] - '0', 0;
    if (s[0] >= '1' && s[0] <= '5' && s[1] == ',' && s[2] >= '1' && s[2] <= '5' && !s[3])
        return *tone = EMOJI_TONE_MIXED, 0;
    return -1;
}

static int parse_gender(const char *s, int *gender) {
    *gender = !*s                          ? EMOJI_GENDER_NONE
              : strcmp(s, "male") == 0     ? EMOJI_GENDER_MALE
              : strcmp(s, "female") == 0   ? EMOJI_GENDER_FEMALE
              : strcmp(s, "mixed") == 0    ? EMOJI_GENDER_MIXED
                                           : -1;
    return *gender < 0 ? -1 : 0;
}

static int parse_split(const char *s, DataSplit *split) {
    for (int k = 0; k < DATA_N_SPLITS; k++)
        if (strcmp(s, data_split_name((DataSplit)k)) == 0) return *split = (DataSplit)k, 0;
    return -1;
}

int emoji_table_parse(EmojiTable *t, const char *text, size_t len, const char *label, Error *err) {
    memset(t, 0, sizeof *t);
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    t->text = mem_alloc(len + 1);
    t->rows = mem_calloc(lines, sizeof *t->rows);
    if (!t->text || !t->rows) {
        emoji_table_free(t);
        return error_set(err, "%s: out of memory", label);
    }
    memcpy(t->text, text, len);
    t->text[len] = 0;
    if (memchr(text, 0, len)) {
        emoji_table_free(t);
        return error_set(err, "%s: contains a NUL byte", label);
    }
    int col[N_COLS], line_no = 0, header_seen = 0;
    char *fields[64];
    for (char *line = t->text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r') line[n - 1] = 0;
        line_no++;
        if (!*line) continue;
        int nf = split_tabs(line, fields, 64);
        if (!header_seen) {
            header_seen = 1;
            for (int c = 0; c < N_COLS; c++) {
                col[c] = -1;
                for (int f = 0; f < nf; f++)
                    if (strcmp(fields[f], col_names[c]) == 0) col[c] = f;
                if (col[c] < 0) {
                    emoji_table_free(t);
                    return error_set(err, "%s: the header has no \"%s\" column", label, col_names[c]);
                }
            }
            continue;
        }
        EmojiRow *r = &t->rows[t->n];
        char *end = NULL;
        int bad = 0;
        for (int c = 0; c < N_COLS; c++) bad |= col[c] >= nf;
        if (!bad) {
            r->row = strtol(fields[col[COL_ROW]], &end, 10);
            bad = end == fields[col[COL_ROW]] || *end || r->row < 0 || parse_tone(fields[col[COL_TONE]], &r->tone) ||
                  parse_gender(fields[col[COL_GENDER]], &r->gender) || parse_split(fields[col[COL_SPLIT]], &r->split);
        }
        if (bad) {
            emoji_table_free(t);
            return error_set(err, "%s: line %d: want %d+ columns with a row number, tone (1-5, \"a,b\" or empty), "
                             "gender (male/female/mixed/empty) and split (train/val/test)", label, line_no, N_COLS);
        }
        r->item = fields[col[COL_ITEM]];
        r->base = fields[col[COL_BASE]];
        r->style = fields[col[COL_STYLE]];
        r->en_label = fields[col[COL_EN]];
        r->ko_label = fields[col[COL_KO]];
        t->n++;
    }
    if (!header_seen) {
        emoji_table_free(t);
        return error_set(err, "%s: empty (no header)", label);
    }
    return 0;
}

int emoji_table_load(EmojiTable *t, const char *path, Error *err) {
    char *text = NULL;
    size_t len = 0;
    memset(t, 0, sizeof *t);
    if (file_read_all(path, (size_t)1 << 30, &text, &len, err) != 0) return -1;
    int rc = emoji_table_parse(t, text, len, path, err);
    mem_free(text);
    return rc;
}

void emoji_table_free(EmojiTable *t) {
    mem_free(t->rows);
    mem_free(t->text);
    memset(t, 0, sizeof *t);
}
