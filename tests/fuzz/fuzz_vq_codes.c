/* libFuzzer target: the text forms of VQ codes (models/vq_codes.h) on
 * arbitrary bytes. A grid that parses must print back (vq_codes_format) to
 * text that parses to the same grid, and its rows must read back as a
 * --codes list; then one allocation is made to fail. */
#include "models/vq_codes.h"

#include "core/mem.h"

#include <stdint.h>
#include <string.h>

enum { N_CODES = 1024, MAX_SIDE = 1024 }; /* a 1024-code f8 VQ: 8192 / 8 codes a side */

/* --codes on arbitrary text: NUL-terminated copy, 4 codes. */
static void fuzz_list(const uint8_t *data, size_t size) {
    char *text = mem_alloc(size + 1);
    if (!text) return;
    memcpy(text, data, size);
    text[size] = '\0';
    int codes[4];
    Error err = {0};
    if (vq_codes_parse_list(text, codes, 4, N_CODES, &err) != 0) {
        if (!err.message[0]) __builtin_trap();
    } else {
        for (int i = 0; i < 4; i++)
            if (codes[i] < 0 || codes[i] >= N_CODES) __builtin_trap();
    }
    mem_free(text);
}

/* The printed grid parses to the same codes, as a grid and (body only) as a list. */
static void check_round_trip(const VqCodes *grid) {
    size_t len;
    char *text = vq_codes_format(grid->codes, grid->rows, grid->cols, &len);
    if (!text) __builtin_trap();
    VqCodes again;
    Error err = {0};
    size_t n = (size_t)grid->rows * grid->cols;
    if (vq_codes_parse(&again, text, len, N_CODES, MAX_SIDE, "printed", &err) != 0 || again.rows != grid->rows ||
        again.cols != grid->cols || memcmp(again.codes, grid->codes, n * sizeof *grid->codes) != 0)
        __builtin_trap();
    vq_codes_free(&again);
    int *list = mem_alloc(n * sizeof *list);
    if (!list) __builtin_trap();
    if (vq_codes_parse_list(strchr(text, '\n') + 1, list, (int)n, N_CODES, &err) != 0) __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if (list[i] != grid->codes[i]) __builtin_trap();
    mem_free(list);
    mem_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    VqCodes grid;
    Error err = {0};
    mem_fail_after(0);
    fuzz_list(data, size);
    mem_fail_after(0);
    if (vq_codes_parse(&grid, text, size, N_CODES, MAX_SIDE, "fuzz", &err) != 0) {
        if (!err.message[0] || grid.codes) __builtin_trap();
        return 0;
    }
    long n_allocs = mem_alloc_count();
    if (grid.rows < 1 || grid.cols < 1 || grid.rows > MAX_SIDE || grid.cols > MAX_SIDE) __builtin_trap();
    for (size_t i = 0; i < (size_t)grid.rows * grid.cols; i++)
        if (grid.codes[i] < 0 || grid.codes[i] >= N_CODES) __builtin_trap();
    check_round_trip(&grid);
    vq_codes_free(&grid);
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)(size % (size_t)n_allocs));
        int rc = vq_codes_parse(&grid, text, size, N_CODES, MAX_SIDE, "fuzz", &err);
        mem_fail_after(0);
        if (rc == 0 || grid.codes || !err.message[0]) __builtin_trap();
    }
    return 0;
}
