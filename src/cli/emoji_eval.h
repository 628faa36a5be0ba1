/* emoji_eval.h — what the evaluation commands on the prepared emoji (explain-eval,
 * fairness-eval) share: the dataset's index and image pack, the model folder's
 * VQ, and turning pictures into EXAONE-mini's codes. */
#ifndef EXAONE_EMOJI_EVAL_H
#define EXAONE_EMOJI_EVAL_H

#include "../data/emoji_table.h"
#include "../data/image_pack.h"
#include "../models/mini.h"
#include "../models/vq.h"

typedef struct {
    EmojiTable table;
    ImagePack pack;
    VqModel *vq;
    int grid_h, grid_w, height, width; /* codes grid; pixels of a picture the VQ encodes */
    int pack_open;
} EmojiEval;

/* data_dir NULL: the cache's dataset/ (mini_cli_cache_dir). Prints the error
 * (prefixed by command) and returns -1 on failure, e.g. no prepared dataset. */
int emoji_eval_open(EmojiEval *ev, const char *command, const char *data_dir, const char *model_dir,
                    const MiniModel *m);
/* The model (mini_cli_open: model NULL = the default, threads) and the dataset at once;
 * dir receives the model's folder. NULL after printing the error. Free with
 * emoji_eval_close, then mini_free. */
MiniModel *emoji_eval_open_with_model(EmojiEval *ev, const char *command, const char *model, int threads,
                                      const char *data_dir, char *dir, size_t dir_cap);
void emoji_eval_close(EmojiEval *ev);
/* The picture of table row r (a copy of the pack's pixels; image_free it). */
Image *emoji_eval_image(const EmojiEval *ev, const EmojiRow *r, Error *err);
/* A picture of the model's size as codes [grid_h * grid_w]. */
int emoji_eval_codes(EmojiEval *ev, const Image *rgb, int *codes, Error *err);
/* Indices of the test-split rows with both labels, one per item (the first
 * style listed); *out is mem_alloc'd. */
int emoji_eval_test_items(const EmojiEval *ev, int **out, int *n);

#endif
