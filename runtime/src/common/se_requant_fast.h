/*
 * Fast requantization for the DSP kernels (internal header): the same bits as
 * se_requantize() (se_fixedpoint.h) for every int32 value, with the per-channel
 * (or per-tensor) work done once in se_requant_fast_make().
 *
 * Valid for multiplier in [0, 2^31 - 1] and shift in [-31, 30]; the kernels
 * validate both (a negative multiplier is rejected), the tests check the
 * equality against the independent oracle (tests/runtime/test_fixedpoint.c).
 *
 * Why it is the same. With x = value << max(shift, 0) (wrapping in 32 bits, as
 * se_requantize does), P = x * multiplier and r = max(-shift, 0):
 *   1. se_doubling_high_mul(x, m) = floor((P + 2^30) / 2^31): gemmlowp's nudged
 *      truncating division trunc((P + (P >= 0 ? 2^30 : 1 - 2^30)) / 2^31)
 *      rounds ties up for either sign (for P = -q < 0 it is
 *      -floor((q - 1 + 2^30) / 2^31) = -ceil((q - 2^30) / 2^31)
 *      = floor((P + 2^30) / 2^31)), and the saturating case x = m = INT32_MIN
 *      cannot occur for m >= 0.
 *   2. For r >= 1, se_rounding_divide_by_pot(h, r) (ties away from zero) is
 *      floor((h + 2^(r-1) - [h < 0]) / 2^r). As floor(floor(y) / 2^r) =
 *      floor(y / 2^r), both steps fold into one floor:
 *        floor((P + K - 2^31 * [h < 0]) / 2^(31+r)),  K = 2^30 + 2^(30+r).
 *      The sign of x may stand in for the sign of h: they differ only when
 *      P is in [-2^30, 0), where both choices give 0.
 *   3. floor(X / 2^(31+r)) = (X >> 32) >> (r - 1): the high word of one SMLAL
 *      into the 64-bit constant K - 2^31 * [x < 0], shifted by r - 1. The
 *      constant is K plus x's sign extended to 64 bits times 2^31: AND, ADDS,
 *      ADC (x ASR 31) build it, so the whole right-shift path is five
 *      instructions.
 *   For r = 0 the result is step 1 alone: floor((P + 2^30) / 2^31).
 */
#ifndef TINYFORMER_RUNTIME_SE_REQUANT_FAST_H
#define TINYFORMER_RUNTIME_SE_REQUANT_FAST_H

#include <stdint.h>

#include "se_dsp_intrinsics.h"
#include "se_fixedpoint.h"

/* All fields 32-bit so the struct needs only 4-byte alignment (scratch). */
typedef struct {
    int32_t multiplier; /* [0, 2^31 - 1] */
    int32_t left;       /* max(shift, 0) */
    int32_t right_m1;   /* r - 1 = -shift - 1 when shift < 0, else -1 (the left-shift path) */
    uint32_t round_lo;  /* K = 2^30 + 2^(30+r) when r >= 1, 2^30 when r = 0, as two words */
    uint32_t round_hi;
} se_requant_fast;

SE_INLINE se_requant_fast se_requant_fast_make(int32_t multiplier, int32_t shift)
{
    se_requant_fast q;
    const int32_t r = shift < 0 ? -shift : 0;
    q.multiplier = multiplier;
    q.left = shift > 0 ? shift : 0;
    q.right_m1 = r - 1;
    /* K = 2^30 + 2^(30+r) in 32-bit halves: 2^(30+r) is 2^31 in the low word
     * for r = 1, 2^(r-2) in the high word for r >= 2. */
    q.round_lo = r == 1 ? 0xC0000000u : 0x40000000u;
    q.round_hi = r >= 2 ? 1u << (r - 2) : 0u;
    return q;
}

/* 64-bit two-word join (the rounding constant). */
SE_INLINE int64_t se_requant_fast_join(uint32_t lo, uint32_t hi) { return (int64_t)(((uint64_t)hi << 32) | lo); }

/* shift < 0 only (q->right_m1 >= 0, no left shift): AND, ADDS, ADC, SMLAL, ASR. */
SE_INLINE int32_t se_requant_fast_right(int32_t x, const se_requant_fast *q)
{
    /* K - 2^31 * [x < 0]: add x's sign bit to the low word, x's sign (0 or -1)
     * plus the carry to the high word. */
    const uint32_t lo = q->round_lo + ((uint32_t)x & 0x80000000u);
    const uint32_t hi = q->round_hi + (uint32_t)(x >> 31) + (lo < q->round_lo ? 1u : 0u);
    const int64_t t = (int64_t)x * q->multiplier + se_requant_fast_join(lo, hi);
    return (int32_t)(t >> 32) >> q->right_m1;
}

/* shift >= 0 only (q->right_m1 == -1): x << shift wraps in 32 bits as in se_requantize. */
SE_INLINE int32_t se_requant_fast_left(int32_t x, const se_requant_fast *q)
{
    const int32_t shifted = (int32_t)((uint32_t)x << q->left);
    return (int32_t)(((int64_t)shifted * q->multiplier + (1ll << 30)) >> 31);
}

/* Any shift: se_requant_fast_apply(x, q) == se_requantize(x, multiplier, shift). */
SE_INLINE int32_t se_requant_fast_apply(int32_t x, const se_requant_fast *q)
{
    return q->right_m1 >= 0 ? se_requant_fast_right(x, q) : se_requant_fast_left(x, q);
}

/* Narrow values (|x| < 2^30) with shift < 0, on 32-bit registers only.
 * SMMLAR(m, 2x, acc) = acc + floor((2 * P + 2^31) / 2^32) = acc + h (step 1
 * above, exactly the doubling high multiply), and step 2 with the sign of x
 * standing in for the sign of h gives
 *   se_requantize(x, m, -r) + offset = (h + 2^(r-1) - [x < 0] + offset * 2^r) >> r
 * when that sum fits in int32. The caller passes x2 = 2x (it can often build
 * the doubled value for free) and bias = 2^(r-1) + offset * 2^r
 * (se_requant_fast_narrow_bias): SUB, SMMLAR, ASR. */
SE_INLINE int32_t se_requant_fast_narrow_bias(int32_t shift, int32_t offset)
{
    return (int32_t)((1u << (-shift - 1)) + ((uint32_t)offset << -shift));
}

SE_INLINE int32_t se_requant_fast_narrow(int32_t x2, int32_t multiplier, int32_t bias, int32_t right)
{
    const uint32_t acc = se_sub_sign((uint32_t)bias, x2);
    return (int32_t)se_smmlar(multiplier, x2, acc) >> right;
}

#endif /* TINYFORMER_RUNTIME_SE_REQUANT_FAST_H */
