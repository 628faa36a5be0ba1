/* mini_image.h — EXAONE-mini's pixels: PNG <-> VQ codes through the image
 * tokenizer stored in the model folder (vq.safetensors, src/models/vq.h).
 *
 *     int codes[64];
 *     mini_image_encode("models/exaone-mini", "apple.png", codes, 8, 8, &err);
 *     mini_image_decode("models/exaone-mini", codes, 1, 8, 8, "out.png", meta, &err);
 */
#ifndef EXAONE_MODELS_MINI_IMAGE_H
#define EXAONE_MODELS_MINI_IMAGE_H

#include "../core/error.h"

#include <stdint.h>

/* Reads a PNG, resizes it to the grid's pixel size and encodes it. */
int mini_image_encode(const char *model_dir, const char *png_path, int *codes, int grid_h, int grid_w, Error *err);
/* Same with a loaded VqModel (vq.h), for encoding many images. */
int mini_image_encode_vq(void *vq_model, const char *png_path, int *codes, int grid_h, int grid_w, Error *err);
/* Encodes RGB [grid_h*f, grid_w*f, 3] (the VQ's size) with a loaded VqModel. */
int mini_image_encode_rgb(void *vq_model, const uint8_t *rgb, int *codes, int grid_h, int grid_w, Error *err);
/* The codes of a blank white picture (the emoji's background): what occlusion
 * maps (mini_explain.h) put in place of a region, through model_dir's VQ. */
int mini_image_blank_codes(const char *model_dir, int *codes, int grid_h, int grid_w, Error *err);
/* Reads a PNG into RGB [H, W, 3], resized by area averaging. */
int mini_image_read_rgb(const char *png_path, uint8_t *rgb, int H, int W, Error *err);
/* Decodes one image of codes [grid_h*grid_w] with a loaded VqModel into RGB
 * [grid_h*f, grid_w*f, 3]. */
int mini_image_codes_rgb(void *vq_model, const int *codes, int grid_h, int grid_w, uint8_t *rgb, Error *err);
/* Decodes n images of codes [n, grid_h*grid_w] and writes them side by side
 * (a grid of up to 4 columns when n > 1) as one PNG with text chunks (iTXt, UTF-8) meta = key, value, ..., NULL. */
int mini_image_decode(const char *model_dir, const int *codes, int n, int grid_h, int grid_w, const char *png_path,
                      const char *const *meta, Error *err);

#endif
