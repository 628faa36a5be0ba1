/* vq_codes.h — the text form of VQ image codes: the grid file `exaone vq
 * encode` writes and `exaone vq decode` reads, and the flat list of
 * `--codes` (caption, score).
 *
 * A grid file is a header line "ROWS COLS", then ROWS lines of COLS code ids
 * (decimal, separated by spaces or tabs; CRLF line ends and trailing blank
 * lines are accepted):
 *
 *     2 3
 *     17 4 1020
 *     9 9 0
 *
 *     VqCodes grid;
 *     if (vq_codes_read(&grid, "codes.txt", n_embed, 8192 / f, &err) != 0) ...
 *     vq_decode(m, grid.codes, 1, grid.rows, grid.cols, pixels, &err);
 *     vq_codes_free(&grid);
 *
 * Parsing never trusts the header: rows and columns must lie in
 * 1..max_side, the file must be long enough to hold ROWS x COLS codes before
 * anything is allocated, every row must have exactly COLS codes and every
 * code must be below n_codes. Errors name the file, the line and the column. */
#ifndef EXAONE_VQ_CODES_H
#define EXAONE_VQ_CODES_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int rows, cols;
    int32_t *codes; /* [rows * cols], row-major */
} VqCodes;

/* text: size bytes, need not be NUL-terminated; name is used in messages.
 * On failure grid is left empty ({0}) and err says why. */
int vq_codes_parse(VqCodes *grid, const char *text, size_t size, int n_codes, int max_side, const char *name,
                   Error *err);
/* vq_codes_parse on a whole file (at most 64 MB). */
int vq_codes_read(VqCodes *grid, const char *path, int n_codes, int max_side, Error *err);
void vq_codes_free(VqCodes *grid);

/* The grid file text of codes [rows * cols] (NUL-terminated, mem_free it;
 * *size gets its length without the NUL). NULL when out of memory. */
char *vq_codes_format(const int32_t *codes, int rows, int cols, size_t *size);

/* --codes: exactly n code ids below n_codes in text (NUL-terminated),
 * separated by spaces, tabs, newlines or commas, into codes [n]. */
int vq_codes_parse_list(const char *text, int *codes, int n, int n_codes, Error *err);

#endif
