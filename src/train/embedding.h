/* embedding.h — table lookups: token embeddings and learned positions.
 *
 * One pair serves three layers of the model:
 *   token embedding      embedding_forward(x, tokens, wte, N, C, 0)
 *   learned 1-D position embedding_forward(x, pos,    wpe, N, C, 1)
 *   2-D (row/col) image  embedding_forward(x, rows,   wpe_row, N, C, 1);
 *   positions            embedding_forward(x, cols,   wpe_col, N, C, 1)
 * An id < 0 contributes nothing (text tokens have no row/col). Ids must be
 * below the table's row count: the caller (gpt.c) validates input ids.
 */
#ifndef EXAONE_TRAIN_EMBEDDING_H
#define EXAONE_TRAIN_EMBEDDING_H

#include "real.h"

#include <stdint.h>

/* out[N,C] (+)= table[ids[n],:]; accumulate=0 overwrites (zeros where id < 0). */
void embedding_forward(real *out, const int *ids, const real *table, int64_t N, int C, int accumulate);
/* dtable[ids[n],:] += dout[n,:] */
void embedding_backward(real *dtable, const real *dout, const int *ids, int64_t N, int C);

/* pos[B*T] = t for every sequence. */
void positions_1d(int *pos, int B, int T);
/* Image tokens of sequence b are the grid_h*grid_w tokens starting at
 * start[b] (start[b] < 0: no image): row/col ids in raster order, -1 elsewhere. */
void positions_2d(int *rows, int *cols, const int *start, int B, int T, int grid_h, int grid_w);

#endif
