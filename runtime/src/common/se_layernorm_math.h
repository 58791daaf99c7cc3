/*
 * Scaled-LayerNorm arithmetic shared by the reference and DSP kernels
 * (internal header). The plain functions follow se_layernorm.h literally; the
 * *_fast ones give the same results with 32-bit operations (tests compare
 * them over wide sweeps).
 */
#ifndef TINYFORMER_RUNTIME_SE_LAYERNORM_MATH_H
#define TINYFORMER_RUNTIME_SE_LAYERNORM_MATH_H

#include <stdint.h>

#include "se_fixedpoint.h"
#include "tinyformer/runtime/se_layernorm.h"

SE_INLINE se_status se_layernorm_check_args(SE_LAYERNORM_S8_ARGS)
{
    if (params == NULL || input == NULL || gain == NULL || offset == NULL || output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (rows <= 0 || row_size <= 0) {
        return SE_ERR_BAD_SHAPE;
    }
    if (!se_act_ok(params->act.min, params->act.max)) {
        return SE_ERR_BAD_PARAM;
    }
    if (row_size > SE_LAYERNORM_MAX_ROW) {
        return SE_ERR_UNSUPPORTED;
    }
    return SE_OK;
}

/* floor(sqrt(v)), bit by bit. */
SE_INLINE uint32_t se_ln_isqrt64(uint64_t v)
{
    uint64_t root = 0;
    uint64_t bit = (uint64_t)1 << 62;
    while (bit > v) {
        bit >>= 2;
    }
    while (bit != 0u) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)root;
}

/* One row's constants: t = (x - q) * a - f + 2^15 (se_layernorm.h). */
typedef struct {
    int32_t a;
    int32_t q;
    int32_t f;
} se_ln_row;

/* The definition, with 64-bit arithmetic. */
SE_INLINE se_ln_row se_ln_row_constants(int32_t c_count, int32_t s, int32_t ss)
{
    se_ln_row row = {0, 0, 0};
    const int64_t d = (int64_t)c_count * ss - (int64_t)s * s;
    if (d > 0) {
        const int64_t sd = se_ln_isqrt64((uint64_t)d);
        int32_t q = s / c_count;
        if (q * c_count > s) {
            q--; /* floor */
        }
        const int64_t r = s - (int64_t)q * c_count;
        row.q = q;
        row.a = (int32_t)((((int64_t)c_count << 23) + sd / 2) / sd);
        row.f = (int32_t)(((r << 23) + sd / 2) / sd);
    }
    return row;
}

/* ---- fast equivalents for the DSP kernel -------------------------------- */

/* floor(sqrt(v)) by Newton's iteration from above (2^ceil(b/2) >= sqrt(v)):
 * the iterates decrease monotonically to floor(sqrt(v)) and the first one
 * that does not decrease is the answer. One UDIV per step. */
SE_INLINE uint32_t se_ln_isqrt32_fast(uint32_t v)
{
    if (v == 0u) {
        return 0u;
    }
    const int32_t b = 32 - (int32_t)__builtin_clz(v);
    uint32_t x = 1u << ((b + 1) >> 1);
    for (;;) {
        const uint32_t y = (x + v / x) >> 1;
        if (y >= x) {
            return x;
        }
        x = y;
    }
}

/* se_ln_row_constants with 32-bit UDIVs: s + 128 C >= 0 gives floor(s / C)
 * by an unsigned division, and for C < 512 both dividends fit 32 bits (the
 * 64-bit path is for longer rows, where it is spread over more elements). */
SE_INLINE se_ln_row se_ln_row_constants_fast(int32_t c_count, int32_t s, int32_t ss)
{
    se_ln_row row = {0, 0, 0};
    const int64_t d = (int64_t)c_count * ss - (int64_t)s * s;
    if (d == 0) {
        return row;
    }
    const uint32_t n = (uint32_t)c_count;
    const uint32_t sd = d < ((int64_t)1 << 32) ? se_ln_isqrt32_fast((uint32_t)d) : se_ln_isqrt64((uint64_t)d);
    const uint32_t shifted = (uint32_t)s + 128u * n; /* s + 128 C, in [0, 255 C] */
    const uint32_t q_plus = shifted / n;
    const uint32_t r = shifted - q_plus * n;
    row.q = (int32_t)q_plus - 128;
    if (n < 512u) {
        row.a = (int32_t)(((n << 23) + (sd >> 1)) / sd);
        row.f = (int32_t)(((r << 23) + (sd >> 1)) / sd);
    } else {
        row.a = (int32_t)((((uint64_t)n << 23) + (sd >> 1)) / sd);
        row.f = (int32_t)((((uint64_t)r << 23) + (sd >> 1)) / sd);
    }
    return row;
}

#endif /* TINYFORMER_RUNTIME_SE_LAYERNORM_MATH_H */
