/*
 * Scaled-LayerNorm, reference kernel: se_layernorm.h's definition, literally.
 */
#include "se_layernorm_math.h"
#include "tinyformer/runtime/se_layernorm.h"

se_status se_layernorm_s8_ref(SE_LAYERNORM_S8_ARGS)
{
    const se_status status = se_layernorm_check_args(params, rows, row_size, input, gain, offset, output);
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
        const se_ln_row row = se_ln_row_constants(c_count, s, ss);
        for (int32_t c = 0; c < c_count; c++) {
            const int32_t t = (int32_t)((int64_t)(x[c] - row.q) * row.a - row.f + 32768);
            const int32_t norm = t >> 16;
            const int32_t scaled = (int32_t)(((int64_t)gain[c] * norm) >> 16);
            const int32_t y = (int32_t)((uint32_t)scaled + (uint32_t)offset[c]);
            out[c] = (int8_t)se_clamp(y >> 8, params->act.min, params->act.max);
        }
    }
    return SE_OK;
}
