/*
 * Requantization with per-tensor / per-channel constants precomputed once
 * (internal header, used by the depthwise and elementwise DSP kernels).
 *
 * se_requant_plan_apply(plan, v) == se_requantize(v, multiplier, shift) for
 * every int32 v and every valid (multiplier in [0, 2^31 - 1], shift in
 * [-31, 30]); the tests check it. It replaces the two roundings of
 * se_requantize with ONE 64-bit multiply-accumulate and an arithmetic shift:
 *
 *   se_requantize = round_half_away(floor((P + 2^30) / 2^31) / 2^r),
 *   P = v * multiplier, r = -shift > 0. Because floor(floor(y) / m) = floor(y / m),
 *   round_half_away(floor(Q / 2^31) / 2^r)
 *     = floor((Q + 2^(30+r)) / 2^(31+r))           when floor(Q / 2^31) >= 0
 *     = floor((Q + 2^(30+r) - 2^31) / 2^(31+r))    when it is < 0,
 *   with Q = P + 2^30. Choosing the branch by the sign of v instead of the sign
 *   of floor(Q / 2^31) gives the same result (both branches yield 0 when
 *   P is in [-2^30, 0)), and floor(X / 2^(31+r)) = (X >> 32) >> (r - 1): one
 *   SMLAL into a preloaded constant, then one ASR of the high word.
 * For shift >= 0 (r = 0): (v << shift) * multiplier + 2^30, then >> 31.
 */
#ifndef TINYFORMER_RUNTIME_SE_REQUANT_PRECOMPUTED_H
#define TINYFORMER_RUNTIME_SE_REQUANT_PRECOMPUTED_H

#include <stdint.h>

#include "se_fixedpoint.h"

/* All fields int32 so the plan needs only 4-byte alignment (scratch buffers). */
typedef struct {
    int32_t multiplier;
    int32_t left_shift;     /* max(shift, 0) */
    int32_t right_shift_m1; /* -shift - 1 when shift < 0, else -1 (selects the left-shift path) */
    uint32_t k_pos_lo;      /* 2^30 + 2^(30+r), rounding constant for v >= 0 */
    uint32_t k_pos_hi;
    uint32_t k_neg_lo;      /* 2^30 + 2^(30+r) - 2^31, for v < 0 */
    uint32_t k_neg_hi;
} se_requant_plan;

SE_INLINE void se_requant_plan_init(se_requant_plan *plan, int32_t multiplier, int32_t shift)
{
    const int32_t r = shift < 0 ? -shift : 0;
    const int64_t k_pos = ((int64_t)1 << 30) + (r > 0 ? ((int64_t)1 << (30 + r)) : 0);
    const int64_t k_neg = k_pos - ((int64_t)1 << 31);
    plan->multiplier = multiplier;
    plan->left_shift = shift > 0 ? shift : 0;
    plan->right_shift_m1 = r - 1;
    plan->k_pos_lo = (uint32_t)((uint64_t)k_pos & 0xFFFFFFFFu);
    plan->k_pos_hi = (uint32_t)((uint64_t)k_pos >> 32);
    plan->k_neg_lo = (uint32_t)((uint64_t)k_neg & 0xFFFFFFFFu);
    plan->k_neg_hi = (uint32_t)((uint64_t)k_neg >> 32);
}

SE_INLINE int64_t se_requant_join(uint32_t lo, uint32_t hi) { return (int64_t)(((uint64_t)hi << 32) | lo); }

/* Right-shift path only (shift < 0, plan->right_shift_m1 >= 0). */
SE_INLINE int32_t se_requant_plan_apply_rshift(const se_requant_plan *plan, int32_t v)
{
    const int64_t k = v < 0 ? se_requant_join(plan->k_neg_lo, plan->k_neg_hi)
                            : se_requant_join(plan->k_pos_lo, plan->k_pos_hi);
    const int64_t x = (int64_t)v * plan->multiplier + k;
    return (int32_t)(x >> 32) >> plan->right_shift_m1;
}

/* Left-shift path only (shift >= 0). v << shift wraps in 32 bits as in se_requantize. */
SE_INLINE int32_t se_requant_plan_apply_lshift(const se_requant_plan *plan, int32_t v)
{
    const int32_t shifted = (int32_t)((uint32_t)v << plan->left_shift);
    const int64_t x = (int64_t)shifted * plan->multiplier + ((int64_t)1 << 30);
    return (int32_t)(x >> 31);
}

SE_INLINE int32_t se_requant_plan_apply(const se_requant_plan *plan, int32_t v)
{
    return plan->right_shift_m1 >= 0 ? se_requant_plan_apply_rshift(plan, v) : se_requant_plan_apply_lshift(plan, v);
}

#endif /* TINYFORMER_RUNTIME_SE_REQUANT_PRECOMPUTED_H */
