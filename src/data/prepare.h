/* prepare.h — `exaone data prepare`: the fetched cache -> a packed dataset.
 *
 * Reads what tools/fetch-data put in the cache and writes, into out_dir:
 *   emoji64.bin / emoji64.tsv        every emoji in the training styles (google,
 *                                    twitter) as 64x64 RGB, alpha over white,
 *                                    in an image pack (image_pack.h) + its index
 *   emoji64-oos.bin / .tsv           the out-of-style emoji (apple, facebook):
 *                                    EVALUATION ONLY, never to be trained on
 *   texture64.bin/.tsv, texture128.bin/.tsv
 *                                    random wrap-around crops of the GIMP
 *                                    patterns with their measured colours
 *   captions.tsv                     split, item, image ("-" = every image of
 *                                    the item, or "texture64:ROW"), lang, text
 *   pairs.tsv                        split, source, en, ko (translation pairs)
 *   corpus-train.txt, -val, -test    bilingual plain text, one line each
 *   manifest.tsv                     item, source, split, images, texts
 *   FORMAT.md                        this description, for whoever reads the data
 * Splits are by item (split.h). Every output is written atomically, and the
 * whole run is deterministic for a given cache and options.
 */
#ifndef EXAONE_DATA_PREPARE_H
#define EXAONE_DATA_PREPARE_H

#include "../core/error.h"
#include "split.h"

#include <stdint.h>

typedef enum {
    SOURCE_EMOJI, SOURCE_EMOJI_OOS, SOURCE_TEXTURE64, SOURCE_TEXTURE128, SOURCE_PAIRS, DATA_N_SOURCES
} DataSource;

typedef struct {
    const char *cache_dir;
    const char *out_dir;
    int crops64;  /* crops of 64x64 per pattern */
    int crops128; /* crops of 128x128 per pattern */
    uint64_t seed;
} DataPrepareOptions;

typedef struct {
    long items[DATA_N_SOURCES][DATA_N_SPLITS];
    long images[DATA_N_SOURCES][DATA_N_SPLITS];
    long texts[DATA_N_SOURCES][DATA_N_SPLITS]; /* captions; pairs for SOURCE_PAIRS */
    long corpus_lines[DATA_N_SPLITS];
    uint64_t corpus_bytes[DATA_N_SPLITS];
    long emoji_without_image;  /* catalog entries no style has a picture of */
    long emoji_without_korean;
    long images_unreadable;
    long mo_files, mo_entries, pairs_dropped, pairs_duplicate;
} DataCounts;

const char *data_source_name(DataSource source);
int data_prepare(const DataPrepareOptions *options, DataCounts *counts, Error *err);

#endif
