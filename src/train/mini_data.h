/* mini_data.h — EXAONE-mini's training data: the tokenized corpus and
 * mixed-task batches (sequence format in src/models/mini_seq.h).
 *
 * A corpus file (one split; written by `exaone mini-encode` from the prepared
 * dataset and the VQ codes of every image) is UTF-8 TSV, one record a line:
 *   I <tab> ITEM <tab> c0 c1 .. c63        an image of item ITEM (0-based), as codes
 *   C <tab> ITEM <tab> ko|en <tab> text    a caption (name, keywords, a phrasing)
 *   P <tab> english <tab> korean           a translation pair
 *   T <tab> ko|en <tab> text               language-model text
 *   F <tab> ITEM <tab> FAMILY              item ITEM belongs to family FAMILY (a number): an
 *                                          emoji and its skin-tone and gender variants
 *                                          (tools/mini-corpus.py --families); an item
 *                                          without an F record is a family of its own
 * Lines starting with '#' and empty lines are skipped. Text is tokenized once
 * at load.
 *
 * Balanced sampling (MiniDataOptions.balance_families, off by default): a
 * t2i/i2t sample draws a family uniformly, then one of its captions, so an
 * emoji with 25 skin-tone forms weighs what an emoji with one form does, and
 * within a family every variant (each tone, the default form) is drawn
 * equally often; without it every caption is equally likely, and families
 * with many variants dominate the caption data.
 *
 * Batches are a pure function of (seed, step, row): sample b of step s draws
 * its task (by the configured ratios), its record and its CFG drop from an
 * Rng seeded with hash(seed, s, b), so a resumed run sees exactly the batches
 * an uninterrupted one would have seen.
 *
 *     MiniCorpus *c;
 *     mini_corpus_load(&c, "train.tsv", tok, &vocab, &err);
 *     MiniBatch *b; mini_batch_new(&b, B, T, &err);
 *     mini_batch_fill(b, c, &opts, step);   // b->tokens/targets/segments/prefix/image_start
 */
#ifndef EXAONE_TRAIN_MINI_DATA_H
#define EXAONE_TRAIN_MINI_DATA_H

#include "../core/error.h"
#include "../models/mini_seq.h"
#include "../tokenizer/tokenizer.h"

#include <stdint.h>

typedef struct {
    int item, lang;
    int64_t off; /* into ids */
    int n;
} MiniText;

typedef struct {
    int64_t src_off, tgt_off; /* en, ko */
    int n_src, n_tgt;
} MiniPair;

typedef struct {
    MiniVocab vocab;
    int n_images, n_items;
    int *codes;       /* [n_images, grid_h*grid_w] */
    int *image_item;  /* [n_images] */
    int *item_first, *item_count; /* [n_items] images of an item, contiguous after load (sorted) */
    MiniText *captions, *texts;
    int n_captions, n_texts;
    MiniPair *pairs;
    int n_pairs;
    TokIds ids;       /* all token ids, referenced by offset */
    int *item_family; /* [n_items]: F records, else -1 */
    /* balanced sampling: the captions (of items with an image) by family */
    int n_families;
    int *family_first, *family_count, *family_captions;
    int cap_images, cap_captions, cap_texts, cap_pairs, cap_family, n_family_set;
} MiniCorpus;

typedef struct {
    float ratio[MINI_N_TASKS]; /* relative weights of t2i, i2t, translate, lm */
    float cfg_drop;            /* probability of an empty t2i prompt */
    int balance_families;      /* t2i/i2t: a family first, then one of its captions */
    uint64_t seed;
} MiniDataOptions;

typedef struct {
    int B, T;
    int *tokens, *targets, *segments; /* [B*T] */
    int *prefix, *image_start, *task; /* [B] */
} MiniBatch;

/* t2i 0.35, i2t 0.3, translate 0.2, lm 0.15, cfg_drop 0.1, seed 1337, no balancing. */
void mini_data_defaults(MiniDataOptions *o);
/* Parses "a,b,c,d" into o->ratio. */
int mini_data_parse_ratios(MiniDataOptions *o, const char *text, Error *err);

int mini_corpus_load(MiniCorpus **out, const char *path, const Tokenizer *tok, const MiniVocab *vocab, Error *err);
/* Same from memory (tests); label names the data in errors. */
int mini_corpus_parse(MiniCorpus **out, const char *text, size_t len, const char *label, const Tokenizer *tok,
                      const MiniVocab *vocab, Error *err);
void mini_corpus_free(MiniCorpus *c);

int mini_batch_new(MiniBatch **out, int B, int T, Error *err);
void mini_batch_free(MiniBatch *b);
/* Fills every row of the batch for training step `step`. Fails only when no
 * task with a positive ratio has data. */
int mini_batch_fill(MiniBatch *b, const MiniCorpus *c, const MiniDataOptions *o, int64_t step, Error *err);
/* Shrinks the rows' stride to the longest row (rounded up to a multiple of
 * 8) so a batch of short sequences costs less; returns the new T (b->T is
 * unchanged: it stays the capacity). */
int mini_batch_compact(MiniBatch *b, const MiniVocab *v);
/* Row `row` as sample number `index` of a deterministic evaluation pass over
 * one task (index wraps around the task's records). */
int mini_batch_fill_eval(MiniBatch *b, int row, const MiniCorpus *c, int task, int64_t index, Error *err);

#endif
