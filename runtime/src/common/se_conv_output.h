/*
 * Accumulator start and output stage shared by the dense convolutions
 * (conv2d, 1x1) and their variants: internal header.
 */
#ifndef TINYFORMER_RUNTIME_SE_CONV_OUTPUT_H
#define TINYFORMER_RUNTIME_SE_CONV_OUTPUT_H

#include <stdint.h>

#include "se_fixedpoint.h"
#include "tinyformer/runtime/se_types.h"

/* Bias for output channel c (0 without a bias). */
SE_INLINE int32_t se_conv_bias(const int32_t *bias, int32_t c) { return bias != NULL ? bias[c] : 0; }

/* a + b modulo 2^32. The weighted sum itself cannot overflow (reduction
 * length is bounded), but bias + sum can for an extreme bias; SMLAD wraps
 * there, so the reference wraps too instead of invoking undefined behaviour. */
SE_INLINE int32_t se_conv_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

/* Requantized, offset and clamped output element (docs/numerics.md, section 2). */
SE_INLINE int8_t se_conv_output_s8(int32_t acc, int32_t multiplier, int32_t shift, const se_conv_params *params)
{
    const int32_t out = se_requantize(acc, multiplier, shift) + params->output_zp;
    return (int8_t)se_clamp(out, params->act.min, params->act.max);
}

/* Requantization with the per-channel work hoisted out, for the DSP kernels:
 * se_conv_requant_apply(acc, se_conv_requant_make(m, s)) == se_requantize(acc,
 * m, s) for every acc when m >= 0 (the kernels validate that).
 * Why it is the same: for m >= 0, a and m are never both INT32_MIN, and
 * gemmlowp's nudged quotient trunc((a*m + (a*m >= 0 ? 2^30 : 1 - 2^30)) / 2^31)
 * equals floor((a*m + 2^30) / 2^31) for every product (for p = -q < 0:
 * -floor((q - 1 + 2^30) / 2^31) = -ceil((q - 2^30) / 2^31)), which is one
 * SMLAL and a shift. The rounding divide is unchanged, branch-free. */
typedef struct {
    int32_t multiplier;
    int32_t left;  /* max(shift, 0) */
    int32_t right; /* max(-shift, 0) */
    int32_t mask;  /* 2^right - 1 */
} se_conv_requant;

SE_INLINE se_conv_requant se_conv_requant_make(int32_t multiplier, int32_t shift)
{
    se_conv_requant q;
    q.multiplier = multiplier;
    q.left = shift > 0 ? shift : 0;
    q.right = shift > 0 ? 0 : -shift;
    q.mask = (int32_t)((1u << q.right) - 1u);
    return q;
}

SE_INLINE int32_t se_conv_requant_apply(int32_t acc, se_conv_requant q)
{
    const int32_t x = (int32_t)((uint32_t)acc << q.left);
    const int32_t high = (int32_t)(((int64_t)x * q.multiplier + (1LL << 30)) >> 31);
    const int32_t remainder = high & q.mask;
    const int32_t threshold = (q.mask >> 1) + (int32_t)((uint32_t)high >> 31);
    return (high >> q.right) + (remainder > threshold ? 1 : 0);
}

#endif /* TINYFORMER_RUNTIME_SE_CONV_OUTPUT_H */
