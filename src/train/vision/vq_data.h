/* vq_data.h — images for the VQ tokenizer: PNG in/out and a held-out split.
 *
 * PNGs are decoded to 8-bit RGB; transparent pixels are composited onto
 * white (emoji are drawn on transparency; white is what a page shows).
 * A dataset is every *.png of a directory (or every path listed in a text
 * file, one per line), sorted by name so runs are reproducible. An item is
 * held out for evaluation when fmix64(FNV-1a(file name)) % 20 == 0 (~5%): a
 * split by item, stable when files are added or removed. Emoji skin-tone
 * variants (-1f3fb..-1f3ff in the name) count as one item.
 * PNG decoding/encoding is src/formats/png.h's; these are thin wrappers.
 */
#ifndef EXAONE_TRAIN_VISION_VQ_DATA_H
#define EXAONE_TRAIN_VISION_VQ_DATA_H

#include "../../core/error.h"

#include <stdint.h>

/* rgb[H*W*3] (mem_free it); *H, *W the size. */
int vq_png_read(const char *path, uint8_t **rgb, int *H, int *W, Error *err);
/* Writes rgb[H*W*3] atomically. */
int vq_png_write(const char *path, const uint8_t *rgb, int H, int W, Error *err);

/* 1 when the file name (without directories) belongs to the held-out part. */
int vq_is_held_out(const char *path);

typedef struct {
    int H, W;
    int n_train, n_eval;
    uint8_t *train, *eval; /* [n, H, W, 3] */
} VqDataset;

/* Loads every image of size H x W (others are skipped with a log line). */
int vq_dataset_load(VqDataset *ds, const char *dir_or_list, int H, int W, Error *err);
void vq_dataset_free(VqDataset *ds);

/* uint8 RGB [n,H,W,3] -> float [-1,1]; flip mirrors horizontally. */
void vq_pixels_to_float(float *out, const uint8_t *rgb, int H, int W, int flip);
/* float [-1,1] -> uint8 RGB, clamped and rounded. */
void vq_pixels_to_u8(uint8_t *out, const float *x, int64_t n);

#endif
