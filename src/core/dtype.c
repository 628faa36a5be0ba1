#include "dtype.h"

#include "error.h"

#include <math.h>
#include <string.h>
#include <strings.h>

static const DTypeTraits traits_table[DTYPE_COUNT] = {
    [DTYPE_F32] = {"f32", 1, 4, 0},
    [DTYPE_F16] = {"f16", 1, 2, 0},
    [DTYPE_Q4_0] = {"q4_0", QK4_0, sizeof(BlockQ4_0), 1},
    [DTYPE_Q8_0] = {"q8_0", QK8_0, sizeof(BlockQ8_0), 1},
    [DTYPE_Q4_K] = {"q4_K", QK_K, sizeof(BlockQ4_K), 1},
    [DTYPE_Q8_K] = {"q8_K", QK_K, sizeof(BlockQ8_K), 1},
    [DTYPE_I8] = {"i8", 1, 1, 0},
    [DTYPE_I16] = {"i16", 1, 2, 0},
    [DTYPE_I32] = {"i32", 1, 4, 0},
    [DTYPE_I64] = {"i64", 1, 8, 0},
    [DTYPE_F64] = {"f64", 1, 8, 0},
    [DTYPE_BF16] = {"bf16", 1, 2, 0},
};

_Static_assert(sizeof(BlockQ8_0) == 34, "q8_0 block must match GGUF");
_Static_assert(sizeof(BlockQ4_0) == 18, "q4_0 block must match GGUF");
_Static_assert(sizeof(BlockQ4_K) == 144, "q4_K block must match GGUF");

const DTypeTraits *dtype_traits(int dtype) {
    if (dtype < 0 || dtype >= DTYPE_COUNT || !traits_table[dtype].name) return NULL;
    return &traits_table[dtype];
}

const char *dtype_name(int dtype) {
    const DTypeTraits *t = dtype_traits(dtype);
    return t ? t->name : "unknown";
}

int dtype_from_name(const char *name) {
    for (int i = 0; i < DTYPE_COUNT; i++)
        if (traits_table[i].name && strcasecmp(traits_table[i].name, name) == 0) return i;
    return -1;
}

int dtype_row_bytes(DType dtype, int64_t n, size_t *out) {
    const DTypeTraits *t = dtype_traits((int)dtype);
    if (!t || n < 0 || n % t->block_size != 0) return -1;
    size_t blocks = (size_t)(n / t->block_size), bytes;
    if (__builtin_mul_overflow(blocks, (size_t)t->type_size, &bytes)) return -1;
    *out = bytes;
    return 0;
}

/* IEEE 754 binary16, bit by bit (no F16C here: this is the portable reference). */
float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int shift = 0;
            while (!(mantissa & 0x400)) {
                mantissa <<= 1;
                shift++;
            }
            mantissa &= 0x3ff;
            bits = sign | ((uint32_t)(127 - 15 + 1 - shift) << 23) | (mantissa << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    union { uint32_t u; float f; } v = {.u = bits};
    return v.f;
}

uint16_t f32_to_f16(float f) {
    union { float f; uint32_t u; } v = {.f = f};
    uint32_t x = v.u;
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t exponent = (x >> 23) & 0xff;
    uint32_t mantissa = x & 0x7fffff;
    if (exponent == 0xff) return (uint16_t)(sign | 0x7c00 | (mantissa ? 0x200 : 0));
    int e = (int)exponent - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        if (e < -10) return sign;
        mantissa |= 0x800000;
        int shift = 14 - e;
        uint32_t half = mantissa >> shift;
        uint32_t rest = mantissa & ((1u << shift) - 1);
        uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (mantissa >> 13);
    uint32_t rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++; /* may carry into the exponent: correct */
    return (uint16_t)(sign | half);
}

uint16_t f32_to_bf16(float f) {
    union { float f; uint32_t u; } v = {.f = f};
    if ((v.u & 0x7fffffff) > 0x7f800000) return (uint16_t)((v.u >> 16) | 0x40); /* quiet NaN */
    uint32_t rounding = 0x7fff + ((v.u >> 16) & 1);
    return (uint16_t)((v.u + rounding) >> 16);
}

static void quantize_q8_0(const float *src, BlockQ8_0 *dst, int64_t n) {
    for (int64_t b = 0; b < n / QK8_0; b++) {
        const float *x = src + b * QK8_0;
        float amax = 0;
        for (int i = 0; i < QK8_0; i++) amax = fmaxf(amax, fabsf(x[i]));
        float d = amax / 127.0f;
        float id = d ? 1.0f / d : 0.0f;
        dst[b].d = f32_to_f16(d);
        for (int i = 0; i < QK8_0; i++) dst[b].qs[i] = (int8_t)roundf(x[i] * id);
    }
}

/* Same rule as ggml's reference quantizer: the scale maps the element of
 * largest magnitude (sign included) to -8, so it is represented exactly. */
static void quantize_q4_0(const float *src, BlockQ4_0 *dst, int64_t n) {
    for (int64_t b = 0; b < n / QK4_0; b++) {
        const float *x = src + b * QK4_0;
        float amax = 0, max = 0;
        for (int i = 0; i < QK4_0; i++)
            if (fabsf(x[i]) > amax) {
                amax = fabsf(x[i]);
                max = x[i];
            }
        float d = max / -8.0f;
        float id = d ? 1.0f / d : 0.0f;
        dst[b].d = f32_to_f16(d);
        for (int i = 0; i < QK4_0 / 2; i++) {
            float x0 = x[i] * id + 8.5f, x1 = x[i + QK4_0 / 2] * id + 8.5f;
            uint8_t q0 = (uint8_t)(x0 < 15.0f ? x0 : 15.0f), q1 = (uint8_t)(x1 < 15.0f ? x1 : 15.0f);
            dst[b].qs[i] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

static void dequantize_q4_K(const BlockQ4_K *src, float *dst, int64_t n) {
    for (int64_t b = 0; b < n / QK_K; b++) {
        const BlockQ4_K *blk = src + b;
        float d = f16_to_f32(blk->d), dmin = f16_to_f32(blk->dmin);
        const uint8_t *q = blk->qs;
        float *y = dst + b * QK_K;
        for (int j = 0; j < QK_K / 64; j++) {
            uint8_t sc[2], mn[2];
            for (int k = 0; k < 2; k++) {
                int is = 2 * j + k; /* 6-bit scale/min packing of ggml's get_scale_min_k4 */
                if (is < 4) {
                    sc[k] = blk->scales[is] & 63;
                    mn[k] = blk->scales[is + 4] & 63;
                } else {
                    sc[k] = (uint8_t)((blk->scales[is + 4] & 0xF) | ((blk->scales[is - 4] >> 6) << 4));
                    mn[k] = (uint8_t)((blk->scales[is + 4] >> 4) | ((blk->scales[is] >> 6) << 4));
                }
            }
            for (int l = 0; l < 32; l++) *y++ = d * sc[0] * (float)(q[l] & 0xF) - dmin * mn[0];
            for (int l = 0; l < 32; l++) *y++ = d * sc[1] * (float)(q[l] >> 4) - dmin * mn[1];
            q += 32;
        }
    }
}

void dtype_to_f32(DType dtype, const void *src, float *dst, int64_t n) {
    switch (dtype) {
    case DTYPE_F32: memcpy(dst, src, (size_t)n * 4); break;
    case DTYPE_F16:
        for (int64_t i = 0; i < n; i++) dst[i] = f16_to_f32(((const uint16_t *)src)[i]);
        break;
    case DTYPE_BF16:
        for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_f32(((const uint16_t *)src)[i]);
        break;
    case DTYPE_Q8_0:
        for (int64_t b = 0; b < n / QK8_0; b++) {
            const BlockQ8_0 *blk = (const BlockQ8_0 *)src + b;
            float d = f16_to_f32(blk->d);
            for (int i = 0; i < QK8_0; i++) dst[b * QK8_0 + i] = d * (float)blk->qs[i];
        }
        break;
    case DTYPE_Q4_0:
        for (int64_t b = 0; b < n / QK4_0; b++) {
            const BlockQ4_0 *blk = (const BlockQ4_0 *)src + b;
            float d = f16_to_f32(blk->d);
            for (int i = 0; i < QK4_0 / 2; i++) {
                dst[b * QK4_0 + i] = d * (float)((blk->qs[i] & 0xF) - 8);
                dst[b * QK4_0 + i + QK4_0 / 2] = d * (float)((blk->qs[i] >> 4) - 8);
            }
        }
        break;
    case DTYPE_Q4_K: dequantize_q4_K(src, dst, n); break;
    default: EXA_ASSERT(!"conversion not supported for this dtype");
    }
}

void dtype_from_f32(DType dtype, const float *src, void *dst, int64_t n) {
    switch (dtype) {
    case DTYPE_F32: memcpy(dst, src, (size_t)n * 4); break;
    case DTYPE_F16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = f32_to_f16(src[i]);
        break;
    case DTYPE_BF16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = f32_to_bf16(src[i]);
        break;
    case DTYPE_Q8_0: quantize_q8_0(src, dst, n); break;
    case DTYPE_Q4_0: quantize_q4_0(src, dst, n); break;
    default: EXA_ASSERT(!"conversion not supported for this dtype");
    }
}
