/*
 * Scaled-LayerNorm, reference kernel: se_layernorm.h's definition, literally.
 */
#include "se_layernorm_math.h"
#include "tinyformer/runtime/se_layernorm.h"

se_status se_layernorm_s8_ref(SE_LAYERNORM_S8_ARGS)
{
    const se_status status = se_layernorm_check_args(params, rows, row_size, input, gamma, beta, output);
    if (status != SE_OK) {
        return status;
    }
    const int32_t c_count = row_size;
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = input + (size_t)r * (size_t)c_count;
        int8_t *out = output + (size_t)r * (size_t)c_count;

        int32_t s = 0;
        int32_t ss = 0;
        for (int32_t c = 0; c < c_count; c++) {
            s += x[c];
            ss += x[c] * x[c];
        }
        const int64_t d = (int64_t)c_count * ss - (int64_t)s * s;

        int32_t norm_mult = 0;
        int32_t norm_shift = 0;
        if (d > 0) {
            se_ln_norm_quant(se_ln_isqrt64((uint64_t)d), &norm_mult, &norm_shift);
        }
        for (int32_t c = 0; c < c_count; c++) {
            const int32_t norm =
                d > 0 ? se_ln_sat16(se_requantize(c_count * x[c] - s, norm_mult, norm_shift)) : 0;
            const int32_t acc = (int32_t)((uint32_t)(gamma[c] * norm) + (uint32_t)beta[c]);
            /* clamp before adding the zero point so the sum cannot overflow (same result) */
            const int32_t v =
                se_clamp(se_requantize(acc, params->output_quant.multiplier, params->output_quant.shift), -512, 512);
            out[c] = (int8_t)se_clamp(v + params->output_zp, params->act.min, params->act.max);
        }
    }
    return SE_OK;
}
