/*
 * Global average pool, Cortex-M DSP kernel. Same bits as the reference.
 *
 * Channel groups of 4 outermost: the pixels of one group are summed with
 * SXTAB16 into int16 lanes (channels (0, 2) and (1, 3)), which hold at most
 * 256 int8 values (|sum| <= 32768) before being flushed into int32 sums kept
 * in registers. Then one SDIV per channel (se_pool_round_div). The int32 [C]
 * scratch serves the leftover channels.
 */
#include "se_dsp_intrinsics.h"
#include "se_pool_common.h"

int32_t se_global_avg_pool_s8_dsp_get_buffer_size(const se_dims *input_dims)
{
    return se_global_avg_pool_scratch_size(input_dims);
}

SE_INLINE int8_t se_gap_output(int32_t sum, int32_t count, const se_activation *act)
{
    return (int8_t)se_clamp(se_pool_round_div(sum, count), act->min, act->max);
}

se_status se_global_avg_pool_s8_dsp(const se_context *ctx, SE_POOL_S8_ARGS)
{
    const se_status status = se_global_avg_pool_validate(ctx, act, input_dims, input, output_dims, output);
    if (status != SE_OK) {
        return status;
    }
    const int32_t channels = input_dims->c, count = input_dims->h * input_dims->w;
    int32_t *sum = (int32_t *)ctx->buf;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * count * channels;
        int32_t c = 0;
        for (; c + 4 <= channels; c += 4) {
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            const int8_t *p = image + c;
            for (int32_t done = 0; done < count;) {
                const int32_t chunk = count - done < 256 ? count - done : 256;
                uint32_t lanes02 = 0, lanes13 = 0;
                for (int32_t i = 0; i < chunk; i++) {
                    const uint32_t x = se_read_u32(p);
                    lanes02 = se_sxtab16(lanes02, x);
                    lanes13 = se_sxtab16_ror8(lanes13, x);
                    p += channels;
                }
                /* A lane of 256 values of -128 reads -32768 and of 127 reads 32512: in range. */
                s0 += (int16_t)(lanes02 & 0xFFFFu);
                s2 += (int16_t)(lanes02 >> 16);
                s1 += (int16_t)(lanes13 & 0xFFFFu);
                s3 += (int16_t)(lanes13 >> 16);
                done += chunk;
            }
            output[c] = se_gap_output(s0, count, act);
            output[c + 1] = se_gap_output(s1, count, act);
            output[c + 2] = se_gap_output(s2, count, act);
            output[c + 3] = se_gap_output(s3, count, act);
        }
        if (c < channels) {
            for (int32_t k = c; k < channels; k++) {
                sum[k] = 0;
            }
            for (int32_t i = 0; i < count; i++) {
                const int8_t *pixel = image + (size_t)i * channels;
                for (int32_t k = c; k < channels; k++) {
                    sum[k] += pixel[k];
                }
            }
            for (int32_t k = c; k < channels; k++) {
                output[k] = se_gap_output(sum[k], count, act);
            }
        }
        output += channels;
    }
    return SE_OK;
}
