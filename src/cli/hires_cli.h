/* hires_cli.h — what draw --size/--tile, edit and vary share: the model
 * folder's VQ, big-grid generation and writing the PNG with metadata. */
#ifndef EXAONE_HIRES_CLI_H
#define EXAONE_HIRES_CLI_H

#include "../models/mini_hires.h"

/* "2048x1024" -> pixels; both multiples of 8 in 64..4096 (else prints, -1). */
int hires_cli_size(const char *command, const char *text, int *w, int *h);
/* The model folder's VQ on `threads` threads; *pool must be pool_free'd. */
VqModel *hires_cli_vq(const char *command, const char *model_dir, int threads, ThreadPool **pool);
/* Decodes codes [gh * gw] and writes PNG with meta (key, value, ..., NULL);
 * keep_img/keep_mask (may be NULL): pixels whose mask byte is 0 are taken
 * from keep_img (inpainting leaves the outside untouched). */
int hires_cli_write(const char *command, VqModel *vq, const int *codes, int gh, int gw, int tile, const Image *keep_img,
                    const uint8_t *keep_mask, const char *path, const char *const *meta, int progress);
/* draw --size: generation + decode; returns the exit code. out NULL: no
 * decode, the codes go to stdout as a grid file (vq_codes.h). */
int hires_cli_draw(const char *command, MiniModel *m, const char *model_dir, const char *prompt,
                   const MiniHiresOptions *o, int threads, const char *out, const char *const *meta);

#endif
