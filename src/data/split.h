/* split.h — the deterministic train/validation/test split of EXAONE-mini data.
 *
 * A split is a function of the item key alone (FNV-1a 64 of its bytes, mod
 * 20): 0 -> test, 1 -> validation, else train (90 / 5 / 5). So every image of
 * an item (both emoji styles, every crop of a texture) and every caption of it
 * land in the same split, on every machine, whatever else is in the data.
 * Keys: "emoji:<base hexcode>" (skin-tone variants go with their base),
 * "texture:<Category/file>", "pair:<cleaned English text>".
 */
#ifndef EXAONE_DATA_SPLIT_H
#define EXAONE_DATA_SPLIT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SPLIT_TRAIN = 0, SPLIT_VAL = 1, SPLIT_TEST = 2 } DataSplit;
#define DATA_N_SPLITS 3

uint64_t data_hash(const char *key);
DataSplit data_split_of(const char *key);
const char *data_split_name(DataSplit split);

#endif
