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

#define SE_LAYERNORM_MAX_ROW 65535

SE_INLINE se_status se_layernorm_check_args(SE_LAYERNORM_S8_ARGS)
{
    if (params == NULL || input == NULL || gamma == NULL || beta == NULL || output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (rows <= 0 || row_size <= 0) {
        return SE_ERR_BAD_SHAPE;
    }
    if (!se_is_int8(params->output_zp) || params->output_quant.multiplier < 0 ||
        !se_shift_ok(params->output_quant.shift) || !se_act_ok(params->act.min, params->act.max)) {
        return SE_ERR_BAD_PARAM;
    }
    if (row_size > SE_LAYERNORM_MAX_ROW) {
        return SE_ERR_UNSUPPORTED;
    }
    return SE_OK;
}

SE_INLINE int32_t se_ln_bit_length(uint32_t v)
{
    int32_t b = 0;
    while (v != 0u) {
        v >>= 1;
        b++;
    }
    return b;
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

/* The (multiplier, shift) of 128 / sd for sd >= 1. */
SE_INLINE void se_ln_norm_quant(uint32_t sd, int32_t *multiplier, int32_t *shift)
{
    const int32_t b = se_ln_bit_length(sd);
    const uint64_t normalized = (uint64_t)sd << (32 - b);
    *multiplier = (int32_t)((((uint64_t)1 << 62) - 1u) / normalized);
    *shift = 8 - b;
}

SE_INLINE int16_t se_ln_sat16(int32_t v) { return (int16_t)se_clamp(v, -32768, 32767); }

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

/* floor((2^62 - 1) / v) for v in [2^31, 2^32): two-digit long division in
 * base 2^16 with 32-bit UDIV (Hacker's Delight divlu; v is already
 * normalized). The quotient is below 2^31. */
SE_INLINE uint32_t se_ln_div_2p62_fast(uint32_t v)
{
    const uint32_t base = 65536u;
    const uint32_t vn1 = v >> 16;
    const uint32_t vn0 = v & 0xFFFFu;
    const uint32_t un32 = 0x3FFFFFFFu; /* (2^62 - 1) >> 32 */
    const uint32_t un1 = 0xFFFFu;      /* next digits of the dividend */
    const uint32_t un0 = 0xFFFFu;
    uint32_t q1 = un32 / vn1;
    uint32_t rhat = un32 - q1 * vn1;
    while (q1 >= base || q1 * vn0 > base * rhat + un1) {
        q1--;
        rhat += vn1;
        if (rhat >= base) {
            break;
        }
    }
    const uint32_t un21 = un32 * base + un1 - q1 * v; /* modulo 2^32, exact remainder */
    uint32_t q0 = un21 / vn1;
    rhat = un21 - q0 * vn1;
    while (q0 >= base || q0 * vn0 > base * rhat + un0) {
        q0--;
        rhat += vn1;
        if (rhat >= base) {
            break;
        }
    }
    return q1 * base + q0;
}

/* se_ln_norm_quant with the fast division. */
SE_INLINE void se_ln_norm_quant_fast(uint32_t sd, int32_t *multiplier, int32_t *shift)
{
    const int32_t b = 32 - (int32_t)__builtin_clz(sd);
    *multiplier = (int32_t)se_ln_div_2p62_fast(sd << (32 - b));
    *shift = 8 - b;
}

#endif /* TINYFORMER_RUNTIME_SE_LAYERNORM_MATH_H */
