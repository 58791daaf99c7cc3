/*
 * Scaled-LayerNorm: integer-only LayerNorm over the last axis (C = row_size
 * channels), the paper's Sec. III-C3. The normalized value is kept as int16
 * scaled by 2^7; the 1/2^7 is folded into the output requantization.
 *
 * Per row of int8 x[0..C-1] (the input zero point cancels, so it is not a
 * parameter), all integer:
 *   s  = sum x,  ss = sum x^2                                  (int32)
 *   D  = C * ss - s^2                                          (int64, = C^2 var)
 *   if D == 0 (a constant row): norm = 0 for every channel
 *   else:
 *     sd    = floor(sqrt(D))                                   (exact, sd >= 1)
 *     b     = bit length of sd, i.e. 2^(b-1) <= sd < 2^b
 *     nmult = floor((2^62 - 1) / (sd << (32 - b)))              in [2^30, 2^31)
 *     nshift = 8 - b                                           (nmult * 2^(nshift-31) = 128 / sd)
 *     norm  = sat16(requantize(C * x - s, nmult, nshift))       (x_norm * 2^7, int16)
 *   acc = gamma[c] * norm + beta[c]                            (int32, two's complement)
 *   out = clamp(requantize(acc, output_quant) + output_zp, act.min, act.max)
 * requantize is the TFLite convention of se_fixedpoint.h (docs/numerics.md):
 * doubling high multiply with round-half-up, then a rounding right shift with
 * ties away from zero; sat16 clamps to [-32768, 32767]. |norm| never exceeds
 * 128 sqrt(C - 1) + 1 before saturation.
 *
 * Scales: x_norm = (x - mean) / sqrt(var) (no epsilon: D == 0 is the only
 * degenerate case). gamma: int16 [C], per-tensor scale s_g (gamma_real =
 * gamma * s_g); beta: int32 [C], scale s_g / 128 (beta = round(beta_real *
 * 128 / s_g)); output_quant encodes s_g / (128 * s_out). Keep |beta| below
 * 2^30 so acc cannot wrap.
 *
 * Limits: rows >= 1, 1 <= row_size <= 65535 (SE_ERR_UNSUPPORTED beyond).
 * input and output may be the same buffer. Variants as in se_conv.h.
 */
#ifndef TINYFORMER_RUNTIME_SE_LAYERNORM_H
#define TINYFORMER_RUNTIME_SE_LAYERNORM_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t output_zp;   /* [-128, 127] */
    se_quant output_quant; /* multiplier in [0, 2^31 - 1], shift in [-31, 30] */
    se_activation act;
} se_layernorm_params;

/* input, output: int8 [rows][row_size]; gamma: int16 [row_size];
 * beta: int32 [row_size]. */
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
