/* vq_codes.c — reading and writing the text form of VQ codes (see vq_codes.h). */
#include "vq_codes.h"

#include "../core/file.h"
#include "../core/mem.h"

#include <stdio.h>
#include <string.h>

/* A cursor over text that need not be NUL-terminated. */
typedef struct {
    const char *p, *end;
} Cursor;

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static void skip_blanks(Cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) c->p++;
}

/* A line ends at '\n' (optionally after '\r') or at the end of the text. */
static int at_line_end(const Cursor *c) {
    return c->p == c->end || *c->p == '\n' || (*c->p == '\r' && (c->p + 1 == c->end || c->p[1] == '\n'));
}

static void skip_line_end(Cursor *c) {
    if (c->p < c->end && *c->p == '\r') c->p++;
    if (c->p < c->end && *c->p == '\n') c->p++;
}

/* Decimal digits at the cursor. *value saturates at INT64_MAX / 10 so a
 * thousand digits read as "too large", never as a wrapped small number.
 * Returns the number of digits (0: not a number); the cursor moves past them. */
static size_t scan_number(Cursor *c, int64_t *value) {
    const char *start = c->p;
    int64_t v = 0;
    for (; c->p < c->end && is_digit(*c->p); c->p++)
        v = v < INT64_MAX / 100 ? v * 10 + (*c->p - '0') : INT64_MAX / 10;
    *value = v;
    return (size_t)(c->p - start);
}

/* Grid rows separate codes by blanks; --codes lists also by commas. */
#define GRID_SEPARATORS " \t\r\n"
#define LIST_SEPARATORS " \t\r\n,"

/* strchr would also find the NUL that ends separators: a NUL byte in the
 * text is not a separator. */
static int is_separator(char c, const char *separators) { return c != '\0' && strchr(separators, c); }

/* What stands at the cursor, quoted for a message: at most 16 bytes up to the
 * next separator, non-printable bytes as '?'. */
static const char *token_at(const Cursor *c, const char *separators, char out[20]) {
    size_t n = 0;
    for (const char *q = c->p; q < c->end && n < 16 && !is_separator(*q, separators); q++)
        out[n++] = *q >= 0x21 && *q <= 0x7e ? *q : '?';
    out[n] = '\0';
    return out;
}

/* One code id at the cursor: a number below n_codes. where says which code it
 * is for the message ("codes.txt: line 3, column 2"). */
static int scan_code(Cursor *c, const char *separators, int n_codes, int32_t *code, const char *where, Error *err) {
    char token[20];
    token_at(c, separators, token);
    int64_t v;
    if (scan_number(c, &v) == 0 || (c->p < c->end && !is_separator(*c->p, separators)))
        return error_set(err, "%s: '%s' is not a code id (a number 0..%d)", where, token, n_codes - 1);
    if (v >= n_codes) return error_set(err, "%s: code %s is not in 0..%d", where, token, n_codes - 1);
    *code = (int32_t)v;
    return 0;
}

/* ---- grid files ---------------------------------------------------------- */

static int parse_header(Cursor *c, int max_side, int *rows, int *cols, const char *name, Error *err) {
    int64_t r = 0, k = 0;
    skip_blanks(c);
    int ok = scan_number(c, &r) > 0;
    skip_blanks(c);
    ok = ok && scan_number(c, &k) > 0;
    skip_blanks(c);
    if (!ok || !at_line_end(c)) return error_set(err, "%s: line 1: expected 'ROWS COLS' (the size of the code grid)", name);
    if (r < 1 || k < 1 || r > max_side || k > max_side)
        return error_set(err, "%s: line 1: a %lld x %lld code grid is not within 1..%d rows and columns", name,
                         (long long)r, (long long)k, max_side);
    skip_line_end(c);
    *rows = (int)r, *cols = (int)k;
    return 0;
}

static int parse_row(Cursor *c, int32_t *row, int cols, int n_codes, int line, const char *name, Error *err) {
    char where[600];
    for (int col = 0; col < cols; col++) {
        skip_blanks(c);
        if (at_line_end(c)) return error_set(err, "%s: line %d has %d codes, expected %d", name, line, col, cols);
        snprintf(where, sizeof where, "%.512s: line %d, column %d", name, line, col + 1);
        if (scan_code(c, GRID_SEPARATORS, n_codes, &row[col], where, err) != 0) return -1;
    }
    skip_blanks(c);
    if (!at_line_end(c)) {
        if (is_digit(*c->p)) return error_set(err, "%s: line %d has more than %d codes", name, line, cols);
        char token[20];
        return error_set(err, "%s: line %d, after column %d: unexpected '%s'", name, line, cols,
                         token_at(c, GRID_SEPARATORS, token));
    }
    skip_line_end(c);
    return 0;
}

int vq_codes_parse(VqCodes *grid, const char *text, size_t size, int n_codes, int max_side, const char *name,
                   Error *err) {
    memset(grid, 0, sizeof *grid);
    Cursor c = {text, text + size};
    int rows = 0, cols = 0;
    if (parse_header(&c, max_side, &rows, &cols, name, err) != 0) return -1;
    /* Every code takes a digit and a separator (a space or a line end), so a
     * header can ask for no more codes than the text has room for: a short
     * file never makes us allocate what its header claims. */
    size_t n = (size_t)rows * (size_t)cols, room = (size_t)(c.end - c.p);
    if (2 * n - 1 > room)
        return error_set(err, "%s: the header asks for %d x %d codes, but only %zu bytes follow it", name, rows, cols,
                         room);
    int32_t *codes = mem_alloc(n * sizeof *codes);
    if (!codes) return error_set(err, "%s: out of memory for %d x %d codes", name, rows, cols);
    int line = 1;
    for (int r = 0; r < rows; r++) {
        line++;
        if (c.p == c.end) {
            error_set(err, "%s: %d rows of codes, the header says %d", name, r, rows);
            goto fail;
        }
        if (parse_row(&c, codes + (size_t)r * cols, cols, n_codes, line, name, err) != 0) goto fail;
    }
    while (c.p < c.end && is_separator(*c.p, GRID_SEPARATORS)) {
        if (*c.p == '\n') line++;
        c.p++;
    }
    if (c.p != c.end) {
        error_set(err, "%s: line %d: more text after the %d rows of codes the header announced", name, line + 1, rows);
        goto fail;
    }
    grid->rows = rows, grid->cols = cols, grid->codes = codes;
    return 0;
fail:
    mem_free(codes);
    return -1;
}

int vq_codes_read(VqCodes *grid, const char *path, int n_codes, int max_side, Error *err) {
    char *text;
    size_t size;
    memset(grid, 0, sizeof *grid);
    if (file_read_all(path, (size_t)64 << 20, &text, &size, err) != 0) return -1;
    int rc = vq_codes_parse(grid, text, size, n_codes, max_side, path, err);
    mem_free(text);
    return rc;
}

void vq_codes_free(VqCodes *grid) {
    mem_free(grid->codes);
    memset(grid, 0, sizeof *grid);
}

char *vq_codes_format(const int32_t *codes, int rows, int cols, size_t *size) {
    /* "-2147483648" is 11 characters, plus a separator each */
    size_t cap = (size_t)rows * (size_t)cols * 12 + 32, len = 0;
    char *text = mem_alloc(cap);
    if (!text) return NULL;
    len += (size_t)snprintf(text, cap, "%d %d\n", rows, cols);
    for (int r = 0; r < rows; r++)
        for (int col = 0; col < cols; col++)
            len += (size_t)snprintf(text + len, cap - len, "%d%c", codes[(size_t)r * cols + col],
                                    col + 1 == cols ? '\n' : ' ');
    *size = len;
    return text;
}

/* ---- --codes lists ------------------------------------------------------- */

static void skip_list_separators(Cursor *c) {
    while (c->p < c->end && is_separator(*c->p, LIST_SEPARATORS)) c->p++;
}

int vq_codes_parse_list(const char *text, int *codes, int n, int n_codes, Error *err) {
    Cursor c = {text, text + strlen(text)};
    char where[48];
    for (int i = 0; i < n; i++) {
        skip_list_separators(&c);
        if (c.p == c.end) return error_set(err, "%d codes, expected %d", i, n);
        snprintf(where, sizeof where, "code %d of %d", i + 1, n);
        int32_t code;
        if (scan_code(&c, LIST_SEPARATORS, n_codes, &code, where, err) != 0) return -1;
        codes[i] = code;
    }
    skip_list_separators(&c);
    if (c.p != c.end) return error_set(err, "more than %d codes", n);
    return 0;
}
