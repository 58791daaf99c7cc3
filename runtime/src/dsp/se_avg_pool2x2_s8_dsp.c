/*
 * Average pool 2x2 stride 2, Cortex-M DSP kernel. Same bits as the reference.
 *
 * 4 channels per 32-bit word: SXTB16/SXTAB16 sum the 4 inputs of channels
 * (0, 2) and (1, 3) in int16 lanes (|sum| <= 512). Rounding half away from
 * zero of sum / 4 is floor((sum + 2 - (sum < 0)) / 4) per lane: the sign bits
 * give the -1, two SHADD16 with 0 give the floor division by 4. The lanes are
 * packed back to bytes and clamped with SSUB8 + SEL when act is not the full
 * int8 range.
 */
#include "se_dsp_intrinsics.h"
#include "se_pool_common.h"

/* floor((s + 2 - (s < 0)) / 4) in each int16 lane. */
SE_INLINE uint32_t se_avg4_round_lanes(uint32_t s)
{
    const uint32_t negative = (s >> 15) & 0x00010001u;
    const uint32_t t = se_ssub16(se_sadd16(s, 0x00020002u), negative);
    return se_shadd16(se_shadd16(t, 0u), 0u);
}

se_status se_avg_pool2x2_s8_dsp(SE_POOL_S8_ARGS)
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
                    const uint32_t a = se_read_u32(top + c), b = se_read_u32(top + channels + c);
                    const uint32_t d = se_read_u32(bottom + c), e = se_read_u32(bottom + channels + c);
                    const uint32_t s02 = se_sxtab16(se_sxtab16(se_sxtab16(se_sxtb16(a), b), d), e);
                    const uint32_t s13 =
                        se_sxtab16_ror8(se_sxtab16_ror8(se_sxtab16_ror8(se_sxtb16_ror8(a), b), d), e);
                    const uint32_t r02 = se_avg4_round_lanes(s02), r13 = se_avg4_round_lanes(s13);
                    uint32_t r = (r02 & 0x00FF00FFu) | ((r13 & 0x00FF00FFu) << 8);
                    if (clamp) {
                        r = se_min_s8x4(se_max_s8x4(r, lo4), hi4);
                    }
                    se_write_u32(output + c, r);
                }
                for (; c < channels; c++) {
                    const int32_t sum = top[c] + top[channels + c] + bottom[c] + bottom[channels + c];
                    output[c] = (int8_t)se_clamp(se_pool_round_div(sum, 4), act->min, act->max);
                }
                output += channels;
            }
        }
    }
    return SE_OK;
}
