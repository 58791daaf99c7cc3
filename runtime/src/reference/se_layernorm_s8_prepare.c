/*
 * Scaled-LayerNorm layer parameters from the float model (host / prepare
 * time, double arithmetic): se_layernorm.h gives the formulas.
 */
#include "se_layernorm_math.h"
#include "tinyformer/runtime/se_layernorm.h"

/* round half away from zero of v clamped to [-limit, limit] */
static int32_t round_clamped(double v, double limit)
{
    if (v > limit) {
        return (int32_t)limit;
    }
    if (v < -limit) {
        return (int32_t)-limit;
    }
    return (int32_t)(v >= 0.0 ? v + 0.5 : v - 0.5);
}

se_status se_layernorm_s8_prepare_params(int32_t row_size, const float *gamma, const float *beta, float output_scale,
                                         int32_t output_zp, int32_t *gain, int32_t *offset)
{
    if (gamma == NULL || beta == NULL || gain == NULL || offset == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (row_size <= 0) {
        return SE_ERR_BAD_SHAPE;
    }
    /* also rejects NaN and infinity */
    if (!(output_scale > 0.0f && output_scale <= 3.4e38f) || !se_is_int8(output_zp)) {
        return SE_ERR_BAD_PARAM;
    }
    if (row_size > SE_LAYERNORM_MAX_ROW) {
        return SE_ERR_UNSUPPORTED;
    }
    const double inv_scale = 1.0 / (double)output_scale;
    for (int32_t c = 0; c < row_size; c++) {
        const double g = (double)gamma[c] * inv_scale * (16777216.0 / 128.0);       /* * 2^24 / 128 */
        const double o = ((double)beta[c] * inv_scale + (double)output_zp) * 256.0; /* * 2^8 */
        if (g != g || o != o) {
            return SE_ERR_BAD_PARAM; /* NaN gamma or beta */
        }
        gain[c] = round_clamped(g, 536870912.0);                                    /* 2^29 */
        offset[c] = round_clamped(o, 1073741824.0 - 128.0) + 128;                   /* + 2^7, |.| <= 2^30 */
    }
    return SE_OK;
}
