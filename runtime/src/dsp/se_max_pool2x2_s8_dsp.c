/* Max pool 2x2 stride 2, Cortex-M DSP kernel: 4 channels per 32-bit word,
 * per-byte signed max with SSUB8 + SEL (se_max_s8x4), the clamp the same way
 * (skipped when act is the full int8 range). Same bits as the reference. */
#include "se_dsp_intrinsics.h"
#include "se_pool_common.h"

se_status se_max_pool2x2_s8_dsp(SE_POOL_S8_ARGS)
{
    const se_status status = se_pool2x2_validate(act, input_dims, input, output_dims, output);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_w = input_dims->w, channels = input_dims->c;
    const uint32_t lo4 = 0x01010101u * (uint8_t)act->min, hi4 = 0x01010101u * (uint8_t)act->max;
    const int clamp = act->min > -128 || act->max < 127;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * input_dims->h * in_w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int8_t *top = image + ((size_t)(2 * oy) * in_w + (size_t)(2 * ox)) * channels;
                const int8_t *bottom = top + (size_t)in_w * channels;
                int32_t c = 0;
                for (; c + 4 <= channels; c += 4) {
                    uint32_t m = se_max_s8x4(se_max_s8x4(se_read_u32(top + c), se_read_u32(top + channels + c)),
                                             se_max_s8x4(se_read_u32(bottom + c), se_read_u32(bottom + channels + c)));
                    if (clamp) {
                        m = se_min_s8x4(se_max_s8x4(m, lo4), hi4);
                    }
                    se_write_u32(output + c, m);
                }
                for (; c < channels; c++) {
                    int32_t m = top[c];
                    m = top[channels + c] > m ? top[channels + c] : m;
                    m = bottom[c] > m ? bottom[c] : m;
                    m = bottom[channels + c] > m ? bottom[channels + c] : m;
                    output[c] = (int8_t)se_clamp(m, act->min, act->max);
                }
                output += channels;
            }
        }
    }
    return SE_OK;
}
