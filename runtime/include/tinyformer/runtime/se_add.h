/*
 * Elementwise add of two int8 tensors of the same shape with requantization
 * (residual connections), TFLite convention:
 *   a' = requantize((a - a_zp) << left_shift, a_quant)
 *   b' = requantize((b - b_zp) << left_shift, b_quant)
 *   out = clamp(requantize(a' + b', out_quant) + output_zp, act)
 * requantize is se_requantize (docs/numerics.md); a' + b' wraps modulo 2^32
 * (reachable only with positive input shifts). left_shift in [0, 20] (20 in
 * generated models) keeps precision before the per-input rescale.
 *   input1, input2, output  int8 [size], size >= 1; output may be the same
 *                           buffer as input1 or input2 (in place).
 * Status: SE_ERR_NULL_POINTER, SE_ERR_BAD_SHAPE (size <= 0), SE_ERR_BAD_PARAM
 * (zero point outside int8, left_shift outside [0, 20], multiplier < 0, shift
 * outside [-31, 30], act). No scratch. Variants as in se_conv.h.
 */
#ifndef TINYFORMER_RUNTIME_SE_ADD_H
#define TINYFORMER_RUNTIME_SE_ADD_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t input1_zp;     /* [-128, 127] */
    int32_t input2_zp;     /* [-128, 127] */
    int32_t output_zp;     /* [-128, 127] */
    int32_t left_shift;    /* [0, 20] */
    se_quant input1_quant;
    se_quant input2_quant;
    se_quant output_quant;
    se_activation act;
} se_add_params;

#define SE_ADD_S8_ARGS                                                                             \
    const se_add_params *params, const int8_t *input1, const int8_t *input2, int32_t size,          \
        int8_t *output
se_status se_add_s8(SE_ADD_S8_ARGS);
se_status se_add_s8_ref(SE_ADD_S8_ARGS);
se_status se_add_s8_dsp(SE_ADD_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_ADD_H */
