/*
 * Scaled-LayerNorm: integer-only LayerNorm over the last axis (C channels).
 * Per row (docs/numerics.md has the exact arithmetic):
 *   s = sum x, ss = sum x^2, D = C*ss - s^2 (= C^2 var, int64)
 *   sd = floor(sqrt(D)); norm = sat16(requantize(C*x - s, 128 / sd))   (x_norm * 2^7, int16)
 *   acc = gamma[c] * norm + beta[c]                                     (int32)
 *   out = clamp(requantize(acc, output_quant) + output_zp, act)
 * A constant row (D == 0) gives norm = 0. The input zero point cancels.
 * gamma: int16 [C], per-tensor scale s_g; beta: int32 [C], scale s_g / 128;
 * output_quant encodes s_g / (128 * s_out). Variants as in se_conv.h.
 */
#ifndef TINYFORMER_RUNTIME_SE_LAYERNORM_H
#define TINYFORMER_RUNTIME_SE_LAYERNORM_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t output_zp;   /* [-128, 127] */
    se_quant output_quant;
    se_activation act;
} se_layernorm_params;

#define SE_LAYERNORM_S8_ARGS                                                                       \
    const se_layernorm_params *params, int32_t rows, int32_t row_size, const int8_t *input,         \
        const int16_t *gamma, const int32_t *beta, int8_t *output
se_status se_layernorm_s8(SE_LAYERNORM_S8_ARGS);
se_status se_layernorm_s8_ref(SE_LAYERNORM_S8_ARGS);
se_status se_layernorm_s8_dsp(SE_LAYERNORM_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_LAYERNORM_H */
