/* mini_split.h — a raw EXAONE-mini split loaded for evaluation, and the
 * text -> image retrieval judge that tools/eval-mini and tools/eval-intent share.
 *
 *     MiniSplit *s;
 *     if (mini_split_load(&s, m, vq, "~/.cache/exaone/mini/raw/test.tsv", &err)) ...
 *     const MiniText *name = mini_split_name(s, item, MINI_LANG_KO);
 *     int rank;   // 0 = the drawing is nearest to the item's own images
 *     mini_split_rank_codes(s, vq, drawn_codes, item, &rank, &err);
 *     mini_split_free(s);
 *
 * The split is tools/mini-corpus.py's RAW.tsv (image records name PNGs, before
 * `exaone mini-encode`): its images are encoded with the model folder's own VQ,
 * so every number belongs to the shipped folder whatever VQ a training run
 * used, and the real pixels are at hand. Items are those with an image and a
 * name in both languages; an item's name is its first caption of that
 * language (tools/mini-corpus.py and src/data/captions.c write the label
 * first). The judge: a drawing ranks the items by the L2 distance of 16x16
 * RGB thumbnails to each item's nearest image; it knows nothing of the model,
 * so a reranker that optimises the model's own score cannot game it. */
#ifndef EXAONE_MINI_SPLIT_H
#define EXAONE_MINI_SPLIT_H

#include "../models/mini.h"
#include "../models/vq.h"
#include "../train/mini_data.h"

enum { MINI_SPLIT_THUMB = 16 };

typedef struct {
    MiniCorpus *c;      /* captions and pairs of the split (image records removed) */
    int H, W, G;        /* image pixels, codes per image */
    int n_images;       /* images of eligible items, sorted by item */
    int *image_item;    /* [n_images] index into items */
    char **image_path;  /* [n_images] */
    uint8_t *rgb;       /* [n_images, H, W, 3] */
    float *thumb;       /* [n_images, THUMB*THUMB*3] */
    int *codes;         /* [n_images, G] */
    int n_items;        /* items with an image and a name in both languages */
    int *items;         /* [n_items] item numbers of the corpus */
    int *name[2];       /* [n_items] caption index of the name, by MINI_LANG_* */
    uint8_t *drawn_rgb; /* [H, W, 3] scratch of mini_split_rank_codes */
    float *drawn_thumb; /* [THUMB*THUMB*3] */
    double *distance;   /* [n_items] */
} MiniSplit;

/* Loads path (errors name it) and encodes its images with vq, whose pixel
 * size must shrink to whole thumbnails. Shows a progress bar. */
int mini_split_load(MiniSplit **out, MiniModel *m, VqModel *vq, const char *path, Error *err);
void mini_split_free(MiniSplit *s);

/* The name caption of item (0 .. n_items-1) in lang. */
const MiniText *mini_split_name(const MiniSplit *s, int item, int lang);
/* The split's token ids [off, off + n) (a caption or one side of a pair) as a
 * mem_alloc'd string, NULL on error. */
char *mini_split_text(const MiniModel *m, const MiniSplit *s, int64_t off, int n, Error *err);
/* The q-th of `use` query items, spread evenly over all n. */
int mini_split_query_item(int q, int use, int n);

/* Decodes a drawing (codes [G]) with vq and sets *rank to the number of items
 * strictly nearer to it than item (0 = item is the nearest); top-5 is rank < 5. */
int mini_split_rank_codes(MiniSplit *s, VqModel *vq, const MiniVocab *v, const int *codes, int item, int *rank,
                          Error *err);

/* What an evaluation on a split opens: the model folder (mini_cli_open), its
 * VQ and the split. */
typedef struct {
    MiniModel *m;
    VqModel *vq;
    MiniSplit *s;
    char dir[1024];     /* the model folder */
    char vq_path[1100]; /* its vq.safetensors */
} MiniSplitEval;

/* model NULL: the default folder. The split must have at least min_items
 * items. Prints the error (prefixed by command) and returns -1 on failure;
 * mini_split_eval_close is safe either way. */
int mini_split_eval_open(MiniSplitEval *e, const char *command, const char *model, int threads, const char *split,
                         int min_items);
void mini_split_eval_close(MiniSplitEval *e);

#endif
