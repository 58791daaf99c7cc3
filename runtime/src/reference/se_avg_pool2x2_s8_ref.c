/* Average pool 2x2 stride 2, reference kernel: round(sum / 4), ties away from zero. */
#include "se_pool_common.h"

se_status se_avg_pool2x2_s8_ref(SE_POOL_S8_ARGS)
{
    const se_status status = se_pool2x2_validate(act, input_dims, input, output_dims, output);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_w = input_dims->w, channels = input_dims->c;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * input_dims->h * in_w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int8_t *top = image + ((size_t)(2 * oy) * in_w + (size_t)(2 * ox)) * channels;
                const int8_t *bottom = top + (size_t)in_w * channels;
                for (int32_t c = 0; c < channels; c++) {
                    const int32_t sum = top[c] + top[channels + c] + bottom[c] + bottom[channels + c];
                    *output++ = (int8_t)se_clamp(se_pool_round_div(sum, 4), act->min, act->max);
                }
            }
        }
    }
    return SE_OK;
}
