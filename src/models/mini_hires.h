/* mini_hires.h — EXAONE-mini beyond its 8x8 training grid: sliding-window
 * generation over a large code grid (2048x2048 px = 256x256 codes), seamless
 * wrap-around tiles, inpainting/outpainting and variations, and tiled VQ
 * decoding with blended overlaps.
 *
 * Windows are the model's grid (h x w codes). Window (i, j) sits at row
 * i*(h - cr) - cr, column j*(w - cc) - cc: its top cr rows and left cc columns
 * are context made by earlier windows, the rest is new. Inside a window the
 * tokens run in raster order with 2-D positions relative to the window, as in
 * training; a cell already made (or kept, for inpainting) is fed as context,
 * a missing one is sampled. Windows on one anti-diagonal do not depend on each
 * other, so their tokens go through the model together (mini_feed_batch),
 * each window with its own KV cache. With wrap-around the grid is a torus:
 * the windows of the first row and column see the last ones, and the VQ
 * decoder reads wrapped neighbours, so the wrap edge is an ordinary seam.
 *
 *     MiniHiresOptions o; mini_hires_defaults(&o);
 *     o.grid_h = o.grid_w = 256; o.tile = 1;
 *     mini_hires_generate(m, "blue waves", &o, codes, &err);
 *     mini_hires_decode(vq, codes, 256, 256, 1, img, &err);
 */
#ifndef EXAONE_MODELS_MINI_HIRES_H
#define EXAONE_MODELS_MINI_HIRES_H

#include "../image/image.h"
#include "mini.h"
#include "vq.h"

#include <stdint.h>

typedef struct {
    MiniDrawOptions draw;
    int grid_h, grid_w;     /* the large grid, in codes (>= the model's grid) */
    int tile;               /* wrap around both axes */
    int ctx_rows, ctx_cols; /* context rows above / columns left in a window */
    int max_batch;          /* windows per batched step */
    int bf16;               /* products in bf16 (mini_feed_batch as_bf16): faster, draws differ from f32 */
    const uint8_t *known;   /* [grid_h * grid_w] or NULL: 1 = keep codes[cell] */
    int progress;           /* progress bar on stderr */
} MiniHiresOptions;

/* draw defaults, 8x8 grid, no wrap, context 2 rows / 2 columns, batch 24
 * (each window holds a KV cache of ~2 MiB, twice with guidance), bf16
 * products. */
void mini_hires_defaults(MiniHiresOptions *o);
/* codes [grid_h * grid_w]: in, the kept cells (o->known); out, all cells. */
int mini_hires_generate(MiniModel *m, const char *prompt, const MiniHiresOptions *o, int *codes, Error *err);

/* Codes -> pixels in tiles of up to 64x64 codes, each decoded with 8 codes of
 * neighbours on every side (wrapped when tile, clamped otherwise) and blended
 * linearly over the overlaps, so memory does not grow with the tile count.
 * out: RGB image of grid_h*f x grid_w*f. */
int mini_hires_decode(VqModel *vq, const int *codes, int grid_h, int grid_w, int tile, Image *out, int progress,
                      Error *err);

/* Codes of an image (any size, resized to a multiple of f) for edit/vary:
 * *codes is mem_alloc'd [gh * gw]. */
int mini_hires_encode(VqModel *vq, const Image *img, int **codes, int *gh, int *gw, Error *err);

#endif
