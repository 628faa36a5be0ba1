/* Table lookups (see embedding.h). Legend in real.h. */
#include "embedding.h"

#include <string.h>

void embedding_forward(real *out, const int *ids, const real *table, int64_t N, int C, int accumulate) {
    for (int64_t n = 0; n < N; n++) {
        real *o = out + n * C;
        if (ids[n] < 0) {
            if (!accumulate) memset(o, 0, (size_t)C * sizeof *o);
            continue;
        }
        const real *row = table + (int64_t)ids[n] * C;
        if (accumulate)
            for (int c = 0; c < C; c++) o[c] += row[c];
        else
            memcpy(o, row, (size_t)C * sizeof *o);
    }
}

void embedding_backward(real *dtable, const real *dout, const int *ids, int64_t N, int C) {
    for (int64_t n = 0; n < N; n++) {
        if (ids[n] < 0) continue;
        real *d = dtable + (int64_t)ids[n] * C;
        const real *g = dout + n * C;
        for (int c = 0; c < C; c++) d[c] += g[c];
    }
}

void positions_1d(int *pos, int B, int T) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) pos[b * T + t] = t;
}

void positions_2d(int *rows, int *cols, const int *start, int B, int T, int grid_h, int grid_w) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            int i = t - start[b];
            int inside = start[b] >= 0 && i >= 0 && i < grid_h * grid_w;
            rows[b * T + t] = inside ? i / grid_w : -1;
            cols[b * T + t] = inside ? i % grid_w : -1;
        }
}
