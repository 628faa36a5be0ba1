/* exaone_quantize.h — writing an EXAONE model as GGUF (llama.cpp's names and keys). */
#ifndef EXAONE_MODELS_QUANTIZE_H
#define EXAONE_MODELS_QUANTIZE_H

#include "exaone.h"

/* Matrices become `type` (f32, f16, bf16, q8_0, q4_0, q4_K; f16 where the block size does
 * not divide a row), norms stay f32. The file is written atomically. */
int exaone_write_gguf(const ExaoneModel *m, const char *out_path, DType type, Error *err);

/* One row of n floats in `type` (the rules exaone_write_gguf uses; q4_K included). */
void exaone_quantize_row(DType type, const float *src, void *dst, int64_t n);

#endif
