/*
 * Fixed-point helpers shared by every kernel (internal header).
 *
 * These follow the TFLite / CMSIS-NN requantization convention exactly:
 * saturating rounding doubling high multiply, then a rounding arithmetic right
 * shift (round half away from zero). docs/numerics.md is the specification.
 */
#ifndef TINYFORMER_RUNTIME_SE_FIXEDPOINT_H
#define TINYFORMER_RUNTIME_SE_FIXEDPOINT_H

#include <stdint.h>

#if defined(__GNUC__)
#define SE_INLINE static inline __attribute__((always_inline))
#else
#define SE_INLINE static inline
#endif

/* round(a * b / 2^31) with ties rounded up (gemmlowp nudge); saturates the single
 * overflow case a == b == INT32_MIN. */
SE_INLINE int32_t se_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    /* gemmlowp computes (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31 with a
     * truncating division; for integers that equals floor((ab + 2^30) / 2^31),
     * an arithmetic shift (GCC and Clang define >> on negative values as
     * arithmetic), which avoids a 64-bit division call on Cortex-M. */
    int64_t ab = (int64_t)a * (int64_t)b;
    return (int32_t)((ab + (1LL << 30)) >> 31);
}

/* x / 2^exponent rounded half away from zero, exponent in [0, 31]. */
SE_INLINE int32_t se_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* val * multiplier * 2^(shift - 31), TFLite MultiplyByQuantizedMultiplier. */
SE_INLINE int32_t se_requantize(int32_t val, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    return se_rounding_divide_by_pot(se_doubling_high_mul((int32_t)((uint32_t)val << left), multiplier), right);
}

SE_INLINE int32_t se_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Validation helpers used by every kernel's argument checks. */
SE_INLINE int se_is_int8(int32_t v) { return v >= -128 && v <= 127; }
SE_INLINE int se_shift_ok(int32_t s) { return s >= -31 && s <= 30; }
SE_INLINE int se_act_ok(int32_t lo, int32_t hi) { return lo >= -128 && lo <= hi && hi <= 127; }

#endif /* TINYFORMER_RUNTIME_SE_FIXEDPOINT_H */
