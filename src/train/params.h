/* params.h — the parameter table: every tensor of a model as a named range
 * of one flat float buffer (llm.c's param_sizes[], with names).
 *
 * The optimizer, gradient clipping, checkpoints and the MPI all-reduce all
 * walk this one table, so adding a tensor to a model is one params_add call.
 * Names follow the HF/PyTorch state dict of the model (e.g.
 * "transformer.h.0.ln_1.weight"), so checkpoints map 1:1 onto torch.
 *
 *     ParamTable table = {0};
 *     params_add(&table, "transformer.wte.weight", V, C, PARAM_NO_DECAY);
 *     ...
 *     float *buf = mem_calloc(table.total, sizeof(float));
 *     float *wte = buf + table.entries[i].offset;
 */
#ifndef EXAONE_TRAIN_PARAMS_H
#define EXAONE_TRAIN_PARAMS_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

enum { PARAM_NO_DECAY = 0, PARAM_DECAY = 1 };

typedef struct {
    char name[96];
    int64_t rows, cols; /* a vector has rows = 1 */
    size_t offset, numel;
    int decay; /* AdamW weight decay applies */
} ParamEntry;

typedef struct {
    ParamEntry *entries;
    int count, capacity;
    size_t total;
} ParamTable;

/* Appends a tensor (rows x cols; cols = 0 means a vector of `rows`) at the end
 * of the buffer. Returns its index, or -1 on allocation failure (err set). */
int params_add(ParamTable *table, const char *name, int64_t rows, int64_t cols, int decay, Error *err);
/* Index of the named tensor, or -1. */
int params_find(const ParamTable *table, const char *name);
void params_free(ParamTable *table);

#endif
