/*
 * Scaled-LayerNorm: integer-only LayerNorm over the last axis (C = row_size
 * channels), the paper's Sec. III-C3. The normalized value x_norm * 2^7 is an
 * int16 intermediate; gamma, beta, the output scale and zero point are folded
 * into two int32 per-channel arrays (gain, offset) prepared once per layer by
 * se_layernorm_s8_prepare_params. One rounding per stage, every width fixed.
 *
 * Per row of int8 x[0..C-1] (the input zero point and scale cancel, so they
 * are not parameters), all integer, exact:
 *   s  = sum x,  ss = sum x^2                          (int32)
 *   D  = C * ss - s^2                                  (int64, = C^2 var)
 *   if D == 0 (a constant row):  A = 0, q = 0, F = 0   (so norm = 0)
 *   else:
 *     sd = floor(sqrt(D))                              (sd >= 1)
 *     q  = floor(s / C),  r = s - q * C                (q in [-128, 127], r in [0, C))
 *     A  = floor((C * 2^23 + floor(sd / 2)) / sd)      (128 * 2^16 * C / sd, rounded; < 2^30)
 *     F  = floor((r * 2^23 + floor(sd / 2)) / sd)      (128 * 2^16 * r / sd, rounded)
 *   per channel c:
 *     t    = (x[c] - q) * A - F + 2^15                 (fits int32: |t| < 2^30 + 2^16)
 *     norm = t >> 16                                   (floor; int16 by construction)
 *     y    = ((gain[c] * norm) >> 16) + offset[c]      (48-bit product, floor; int32 add
 *                                                       modulo 2^32)
 *     out  = clamp(y >> 8, act.min, act.max)           (floor)
 * ">>" is an arithmetic (floor) shift. t - 2^15 differs from 2^23 (C x - s) / sd
 * by at most |x - q| / 2 + 1/2 (the roundings of A and F), so norm is
 * x_norm * 2^7 rounded half up within 2^-8, x_norm = (x - mean) / (sd / C).
 * |x_norm| <= sqrt(C - 1) (sd + 1) / sd <= 2 sqrt(C - 1), so t stays in int32
 * and norm in int16 for C <= 4096. A, q and F are per-row constants: the
 * per-element work is one multiply-add, one 32x16 multiply-add, one shift with
 * saturation.
 *
 * gain and offset (int32 [C]) as prepared from real gamma, beta, output scale
 * s_out and zero point zp (se_layernorm_s8_prepare_params, round half away):
 *   gain[c]   = clamp(round(gamma[c] / (128 s_out) * 2^24), -2^29, 2^29)
 *   offset[c] = clamp(round((beta[c] / s_out + zp) * 2^8), -2^30 + 2^7, 2^30 - 2^7) + 2^7
 * so out = round-half-up(y / 2^8) of gamma * x_norm + beta in output steps plus
 * zp. The clamps keep y inside int32 (|(gain * norm) >> 16| <= 2^28): a clamped
 * offset changes no output (it saturates either way); a clamped gain
 * (|gamma| / s_out > 4096: one output step below 1/4096 of a standard
 * deviation, outside any sensible calibration) scales that channel down.
 * The kernels accept any int32 gain and offset (y then wraps modulo 2^32).
 *
 * Limits: rows >= 1, 1 <= row_size <= 4096 (SE_ERR_UNSUPPORTED beyond).
 * input and output may be the same buffer. Variants as in se_conv.h.
 */
#ifndef TINYFORMER_RUNTIME_SE_LAYERNORM_H
#define TINYFORMER_RUNTIME_SE_LAYERNORM_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SE_LAYERNORM_MAX_ROW 4096

typedef struct {
    se_activation act; /* output clamp, within [-128, 127] */
} se_layernorm_params;

/* input, output: int8 [rows][row_size]; gain, offset: int32 [row_size] as
 * prepared by se_layernorm_s8_prepare_params. */
#define SE_LAYERNORM_S8_ARGS                                                                       \
    const se_layernorm_params *params, int32_t rows, int32_t row_size, const int8_t *input,         \
        const int32_t *gain, const int32_t *offset, int8_t *output
se_status se_layernorm_s8(SE_LAYERNORM_S8_ARGS);
se_status se_layernorm_s8_ref(SE_LAYERNORM_S8_ARGS);
se_status se_layernorm_s8_dsp(SE_LAYERNORM_S8_ARGS);

/* Host / prepare time (double arithmetic, not for inner loops): gain and
 * offset (int32 [row_size] each) from the float LayerNorm's gamma and beta
 * (float [row_size]), the output scale (> 0, finite) and zero point
 * ([-128, 127]), with the formulas above. The toolkit's quantizer and the
 * tests use this one definition. */
se_status se_layernorm_s8_prepare_params(int32_t row_size, const float *gamma, const float *beta, float output_scale,
                                         int32_t output_zp, int32_t *gain, int32_t *offset);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_LAYERNORM_H */
