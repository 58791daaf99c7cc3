/*
 * Softmax arithmetic shared by se_softmax_s8 and se_seqpool_s8 (internal header).
 *
 * The plain functions are the TFLite / gemmlowp fixed-point routines used by
 * reference_integer_ops::Softmax, written out for int32 (the definition the
 * reference kernels use). The *_fast functions compute the same bits with
 * SMMULR/SMMLAR (se_dsp_intrinsics.h) for the DSP kernels; each one states
 * why it is exact. Tests compare them over every table entry of many scales.
 *
 * The exp cache (se_exp_cache in se_softmax.h) holds exp(-s_in * d) in Q0.31
 * at index k = 255 - d, so that a row with maximum m reads entry
 * 255 - m + x for element x: one indexed load per element.
 */
#ifndef TINYFORMER_RUNTIME_SE_SOFTMAX_MATH_H
#define TINYFORMER_RUNTIME_SE_SOFTMAX_MATH_H

#include <stdint.h>

#include "se_dsp_intrinsics.h"
#include "se_fixedpoint.h"
#include "tinyformer/runtime/se_softmax.h"

#define SE_EXP_CACHE_MAGIC 0x53454331u /* "SEC1" */
/* Longest row: the Q12.19 sum of exps must stay below 2^31. */
#define SE_SOFTMAX_MAX_ROW 4095

/* Range checks of se_softmax_params (se_softmax_s8_prepare.c). */
se_status se_softmax_s8_check_params(const se_softmax_params *params);

/* Count of leading zeros of a non-zero value. */
#if defined(__GNUC__)
SE_INLINE int32_t se_clz32(uint32_t x) { return (int32_t)__builtin_clz(x); }
#else
SE_INLINE int32_t se_clz32(uint32_t x)
{
    int32_t n = 0;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}
#endif

/* ---- gemmlowp primitives, plain ---------------------------------------- */

/* SaturatingRoundingMultiplyByPOT<exponent> for exponent in [1, 30]. */
SE_INLINE int32_t se_sm_saturating_shl(int32_t x, int32_t exponent)
{
    const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor series around -1/8). */
SE_INLINE int32_t se_sm_exp_on_interval(int32_t a)
{
    const int32_t constant_term = 1895147668;     /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883; /* 1/3 */
    const int32_t x = a + (1 << 28);             /* a + 1/8 */
    const int32_t x2 = se_doubling_high_mul(x, x);
    const int32_t x3 = se_doubling_high_mul(x2, x);
    const int32_t x4 = se_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = se_rounding_divide_by_pot(x4, 2);
    const int32_t poly =
        se_rounding_divide_by_pot(se_doubling_high_mul(x4_over_4 + x3, constant_1_over_3) + x2, 1);
    return constant_term + se_doubling_high_mul(constant_term, x + poly);
}

/* exp(a) for a <= 0 in Q5.26, result Q0.31 (gemmlowp exp_on_negative_values
 * with 5 integer bits). */
SE_INLINE int32_t se_sm_exp_on_negative_values(int32_t a)
{
    /* exp(-2^k) in Q0.31 for k = -2 .. 4, applied for each set bit of the
     * integer-and-quarters part of -a. */
    static const int32_t k_barrel[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t quarter = 1 << 24;
    const int32_t a_mod_quarter_minus_one_quarter = (a & (quarter - 1)) - quarter;
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
    int32_t result = se_sm_exp_on_interval(se_sm_saturating_shl(a_mod_quarter_minus_one_quarter, 5));
    for (int32_t i = 0; i < 7; i++) {
        if (remainder & (1 << (24 + i))) {
            result = se_doubling_high_mul(result, k_barrel[i]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out (Newton-Raphson, 3 steps). */
SE_INLINE int32_t se_sm_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = 1515870810 + se_doubling_high_mul(half_denominator, -1010580540); /* 48/17 - 32/17 h, Q2.29 */
    for (int32_t i = 0; i < 3; i++) {
        const int32_t one_minus_half_denominator_times_x = (1 << 29) - se_doubling_high_mul(half_denominator, x);
        x = x + se_sm_saturating_shl(se_doubling_high_mul(x, one_minus_half_denominator_times_x), 2);
    }
    return se_sm_saturating_shl(x, 1);
}

/* ---- softmax building blocks ------------------------------------------- */

/* The scaled difference -d * s_in in Q5.26 (MultiplyByQuantizedMultiplierGreaterThanOne). */
SE_INLINE int32_t se_softmax_scaled_diff(int32_t d, const se_softmax_params *params)
{
    return se_doubling_high_mul((int32_t)((uint32_t)(-d) << params->input_left_shift), params->input_multiplier);
}

/* Cache entry for d = max - x: exp(-s_in * d) in Q0.31, 0 beyond diff_max. */
SE_INLINE int32_t se_softmax_exp_plain(int32_t d, const se_softmax_params *params)
{
    return d > params->diff_max ? 0 : se_sm_exp_on_negative_values(se_softmax_scaled_diff(d, params));
}

/* Per-row output scale (TFLite GetReciprocal on the Q12.19 sum): the output
 * before the -128 offset is round(mul(scale, exp) / 2^exponent) where
 * exponent = num_bits_over_unit + 31 - 8 is in [23, 34]. */
SE_INLINE void se_softmax_row_scale(int32_t sum_q12_19, int32_t *scale, int32_t *exponent)
{
    const int32_t headroom_plus_one = se_clz32((uint32_t)sum_q12_19);
    const int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)sum_q12_19 << headroom_plus_one) - 0x80000000u);
    *scale = se_sm_one_over_one_plus_x(shifted_sum_minus_one);
    *exponent = (12 - headroom_plus_one) + 31 - 8;
}

/* Rounding divide of a non-negative value by 2^exponent, exponent in [1, 34]. */
SE_INLINE int32_t se_softmax_round_shift(int32_t x, int32_t exponent)
{
    return exponent >= 32 ? 0 : se_rounding_divide_by_pot(x, exponent);
}

/* One output element from its cached exp. */
SE_INLINE int8_t se_softmax_output_plain(int32_t exp_q31, int32_t scale, int32_t exponent)
{
    const int32_t unsat = se_softmax_round_shift(se_doubling_high_mul(scale, exp_q31), exponent);
    return (int8_t)se_clamp(unsat - 128, -128, 127);
}

/* Validates the context and checks that the cache was prepared for params.
 * On success *cache points into ctx->buf. */
SE_INLINE se_status se_softmax_get_cache(const se_context *ctx, const se_softmax_params *params,
                                         se_exp_cache **cache)
{
    if (ctx == NULL || params == NULL || ctx->buf == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (((uintptr_t)ctx->buf & 3u) != 0u) {
        return SE_ERR_BAD_PARAM;
    }
    if (ctx->size < (int32_t)sizeof(se_exp_cache)) {
        return SE_ERR_BUFFER_TOO_SMALL;
    }
    se_exp_cache *c = (se_exp_cache *)ctx->buf;
    if (c->magic != SE_EXP_CACHE_MAGIC || c->input_multiplier != params->input_multiplier ||
        c->input_left_shift != params->input_left_shift || c->diff_max != params->diff_max) {
        return SE_ERR_NOT_PREPARED;
    }
    *cache = c;
    return SE_OK;
}

/* Checks the shape arguments shared by the softmax variants. */
SE_INLINE se_status se_softmax_check_shape(int32_t rows, int32_t row_size, const int8_t *input, int8_t *output)
{
    if (input == NULL || output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (rows <= 0 || row_size <= 0) {
        return SE_ERR_BAD_SHAPE;
    }
    if (row_size > SE_SOFTMAX_MAX_ROW) {
        return SE_ERR_UNSUPPORTED;
    }
    return SE_OK;
}

/* Every argument check of se_softmax_s8 (both variants), in the documented
 * order: params, then the cache in ctx, then the shape. On success *cache
 * points into ctx->buf. */
SE_INLINE se_status se_softmax_check_call(const se_context *ctx, const se_softmax_params *params, int32_t rows,
                                          int32_t row_size, const int8_t *input, int8_t *output,
                                          se_exp_cache **cache)
{
    se_status status = se_softmax_s8_check_params(params);
    if (status == SE_OK) {
        status = se_softmax_get_cache(ctx, params, cache);
    }
    if (status == SE_OK) {
        status = se_softmax_check_shape(rows, row_size, input, output);
    }
    return status;
}

/* ---- fast equivalents for the DSP kernels ------------------------------ */

/* mul(a, b) = floor((a b + 2^30) / 2^31) for every sign (gemmlowp's nudge and
 * truncating division agree with this floor), = floor((2a b + 2^31) / 2^32)
 * = SMMULR(2a, b) whenever 2a fits in int32. */
SE_INLINE int32_t se_sm_mul_small(int32_t a_small, int32_t b) { return se_smmulr(2 * a_small, b); }

/* mul(a, k) for a constant k in [2^30, 2^31): 2k does not fit in int32, but
 * SMMLAR(a, 2k - 2^32, a) = a + floor((2ak - 2^32 a + 2^31) / 2^32). */
SE_INLINE int32_t se_sm_mul_big(int32_t a, int32_t two_k_wrapped)
{
    return (int32_t)se_smmlar(a, two_k_wrapped, (uint32_t)a);
}

SE_INLINE int32_t se_sm_exp_on_negative_values_fast(int32_t a)
{
    const int32_t quarter = 1 << 24;
    const int32_t a_mod_quarter_minus_one_quarter = (a & (quarter - 1)) - quarter;
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
    /* |x| <= 2^28, so every product below has one operand that doubles safely. */
    const int32_t x = a_mod_quarter_minus_one_quarter * 32 + (1 << 28);
    const int32_t x2 = se_sm_mul_small(x, x);
    const int32_t x3 = se_sm_mul_small(x2, x);
    const int32_t x4 = se_sm_mul_small(x2, x2);
    const int32_t x4_over_4 = (x4 + 2) >> 2; /* x4 >= 0 */
    /* x2 + x3/3 + x4/12 >= 0 for every x in [-2^28, 2^28) (checked over all
     * of them), so the rounding halving is (z + 1) >> 1. */
    const int32_t poly = (se_sm_mul_small(x4_over_4 + x3, 715827883) + x2 + 1) >> 1;
    int32_t result = 1895147668 + se_sm_mul_small(x + poly, 1895147668);
    if (a == 0) {
        return INT32_MAX;
    }
    /* result >= 0 from here on. */
    if (remainder & (1 << 24)) {
        result = se_sm_mul_big(result, (int32_t)(2u * 1672461947u));
    }
    if (remainder & (1 << 25)) {
        result = se_sm_mul_big(result, (int32_t)(2u * 1302514674u));
    }
    if (remainder & (1 << 26)) {
        result = se_smmulr(result, 2 * 790015084);
    }
    if (remainder & (1 << 27)) {
        result = se_smmulr(result, 2 * 290630308);
    }
    if (remainder & (1 << 28)) {
        result = se_smmulr(result, 2 * 39332535);
    }
    if (remainder & (1 << 29)) {
        result = se_smmulr(result, 2 * 720401);
    }
    if (remainder & (1 << 30)) {
        result = se_smmulr(result, 2 * 242);
    }
    return result;
}

/* Same value as se_softmax_exp_plain. The multiplier is in [2^30, 2^31) and
 * |-d << shift| <= 31 * 2^26 (validated diff_max), so se_sm_mul_big applies. */
SE_INLINE int32_t se_softmax_exp_fast(int32_t d, const se_softmax_params *params)
{
    if (d > params->diff_max) {
        return 0;
    }
    const int32_t scaled = se_sm_mul_big((int32_t)((uint32_t)(-d) << params->input_left_shift),
                                         (int32_t)(2u * (uint32_t)params->input_multiplier));
    return se_sm_exp_on_negative_values_fast(scaled);
}

/* se_softmax_row_scale with SMMULR/SMMLAR. sum < 2^31 gives h >= 1, so the
 * normalized sum t = sum << h is even and half_denominator = t / 2 lies in
 * [2^30, 2^31): mul(x, half_denominator) = SMMLAR(x, t - 2^32, x). Newton's
 * iterates x stay in (0, 2^30] and 2^29 - mul(h, x) in [0, 2^29], so the other
 * products double safely. */
SE_INLINE void se_softmax_row_scale_fast(int32_t sum_q12_19, int32_t *scale, int32_t *exponent)
{
    const int32_t headroom_plus_one = se_clz32((uint32_t)sum_q12_19);
    const uint32_t t = (uint32_t)sum_q12_19 << headroom_plus_one;
    const int32_t half_denominator = (int32_t)(t >> 1);
    int32_t x = 1515870810 + se_smmulr(half_denominator, 2 * -1010580540);
    for (int32_t i = 0; i < 3; i++) {
        const int32_t one_minus_half_denominator_times_x = (1 << 29) - se_sm_mul_big(x, (int32_t)t);
        x = x + se_sm_saturating_shl(se_smmulr(x, 2 * one_minus_half_denominator_times_x), 2);
    }
    *scale = se_sm_saturating_shl(x, 1);
    *exponent = (12 - headroom_plus_one) + 31 - 8;
}

#endif /* TINYFORMER_RUNTIME_SE_SOFTMAX_MATH_H */
