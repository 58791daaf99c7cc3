/* Elementwise add with requantization (TFLite quantized add), reference kernel. */
#include "se_add_common.h"

se_status se_add_s8_ref(SE_ADD_S8_ARGS)
{
    const se_status status = se_add_validate(params, input1, input2, size, output);
    if (status != SE_OK) {
        return status;
    }
    for (int32_t i = 0; i < size; i++) {
        /* |x - zp| <= 255 and left_shift <= 20: the shifted value fits in int32. */
        const int32_t a = (input1[i] - params->input1_zp) * (1 << params->left_shift);
        const int32_t b = (input2[i] - params->input2_zp) * (1 << params->left_shift);
        const int32_t a_scaled = se_requantize(a, params->input1_quant.multiplier, params->input1_quant.shift);
        const int32_t b_scaled = se_requantize(b, params->input2_quant.multiplier, params->input2_quant.shift);
        /* The sum wraps modulo 2^32 (only reachable with positive input shifts). */
        const int32_t sum = (int32_t)((uint32_t)a_scaled + (uint32_t)b_scaled);
        const int32_t out =
            se_requantize(sum, params->output_quant.multiplier, params->output_quant.shift) + params->output_zp;
        output[i] = (int8_t)se_clamp(out, params->act.min, params->act.max);
    }
    return SE_OK;
}
