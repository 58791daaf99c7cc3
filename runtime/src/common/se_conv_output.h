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

#endif /* TINYFORMER_RUNTIME_SE_CONV_OUTPUT_H */
