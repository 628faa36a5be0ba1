/* dtype.h — element types and their traits, in one table.
 *
 * The numbering is GGUF's (ggml_type), so a GGUF tensor's type field maps
 * straight onto DType; it is never renumbered. Block-quantized types store
 * `block_size` elements in `type_size` bytes with GGUF's exact bit layout:
 *
 *   q8_0: { f16 d; int8 qs[32]; }                     x = d * q
 *   q4_0: { f16 d; uint8 qs[16]; }  low nibbles are elements 0..15, high
 *         nibbles 16..31;                              x = d * (q - 8)
 *   q4_K: super-block of 256 = 8 sub-blocks of 32 with 6-bit scales/mins
 *         { f16 d; f16 dmin; uint8 scales[12]; uint8 qs[128]; }
 */
#ifndef EXAONE_DTYPE_H
#define EXAONE_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DTYPE_F32 = 0,
    DTYPE_F16 = 1,
    DTYPE_Q4_0 = 2,
    DTYPE_Q8_0 = 8,
    DTYPE_Q4_K = 12,
    DTYPE_Q8_K = 15, /* activations for q4_K dot products */
    DTYPE_I8 = 24,
    DTYPE_I16 = 25,
    DTYPE_I32 = 26,
    DTYPE_I64 = 27,
    DTYPE_F64 = 28,
    DTYPE_BF16 = 30,
    DTYPE_COUNT = 40 /* table size, not a type */
} DType;

typedef struct {
    const char *name;   /* "f32", "q8_0", ... (GGUF/llama.cpp spelling) */
    int block_size;     /* elements per block (1 for plain types) */
    int type_size;      /* bytes per block */
    int is_quantized;
} DTypeTraits;

/* NULL for numbers that are not a type we support (check before use on input). */
const DTypeTraits *dtype_traits(int dtype);
const char *dtype_name(int dtype);
/* Parses "f32", "bf16", "q4_0", ...; returns -1 if unknown. */
int dtype_from_name(const char *name);

/* Bytes for n elements of dtype; -1 if n is not a whole number of blocks or
 * the size overflows. */
int dtype_row_bytes(DType dtype, int64_t n, size_t *out);

#define QK8_0 32
#define QK4_0 32
#define QK_K 256

typedef struct {
    uint16_t d;
    int8_t qs[QK8_0];
} BlockQ8_0;

typedef struct {
    uint16_t d;
    uint8_t qs[QK4_0 / 2];
} BlockQ4_0;

typedef struct {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qs[QK_K / 2];
} BlockQ4_K;

typedef struct {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
} BlockQ8_K;

/* IEEE half <-> float (round to nearest even), bfloat16 <-> float (round to
 * nearest even, NaN kept quiet). */
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
static inline float bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v = {.u = (uint32_t)h << 16};
    return v.f;
}
uint16_t f32_to_bf16(float f);

/* Whole-row conversions. n must be a multiple of the block size. */
void dtype_to_f32(DType dtype, const void *src, float *dst, int64_t n);
void dtype_from_f32(DType dtype, const float *src, void *dst, int64_t n);

#endif
