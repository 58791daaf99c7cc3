/*
 * Depthwise 3x3 convolution, Cortex-M DSP kernel. Same bits as the reference.
 *
 * Lanes are channels: one 32-bit load brings 4 channels of one tap, SXTB16
 * splits them into the int16 pairs (c0, c2) and (c1, c3), and SMLABB/SMLATT
 * accumulate each channel (the reduction runs over taps, not along the loaded
 * word, so SMLAD's pairwise sum does not apply). Once per call the scratch
 * buffer receives:
 *   - per channel: bias - input_zp * sum(weights) (mod 2^32) and a
 *     precomputed requantization (se_requant_fast.h), so the inner loop adds no zero point;
 *   - the weights of each group of 4 channels already widened to int16 pairs,
 *     tap-major (2 words per tap), read with one LDRD per tap;
 *   - a row of input_zp values: a padding tap reads it, contributing
 *     w * (input_zp - input_zp) = 0 like the reference, so border pixels run
 *     the same loop as interior ones, with some tap pointers redirected.
 * Channels beyond the last multiple of 4 run a scalar loop.
 */
#include "se_conv_output.h"
#include "se_depthwise_common.h"
#include "se_dsp_intrinsics.h"
#include "se_requant_fast.h"
#include "tinyformer/runtime/se_conv.h"

typedef struct {
    int32_t bias; /* bias[c] - input_zp * sum of the channel's 9 weights, mod 2^32 */
    se_requant_fast requant;
} se_dw_channel;

#define SE_DW_TAPS 9

static int32_t se_dw_groups(int32_t channels) { return channels / 4; }
static int32_t se_dw_round4(int32_t v) { return (v + 3) & ~3; }

int32_t se_depthwise_conv3x3_s8_dsp_get_buffer_size(const se_dims *input_dims)
{
    if (input_dims == NULL || input_dims->c <= 0 || input_dims->c > (INT32_MAX / 64)) {
        return 0;
    }
    const int32_t c = input_dims->c;
    return c * (int32_t)sizeof(se_dw_channel) + se_dw_groups(c) * SE_DW_TAPS * 8 + se_dw_round4(c);
}

/* Fills the scratch (see the file comment). */
static void se_dw_prepare(const se_conv_params *params, const se_per_channel_quant *quant, const int8_t *filter,
                          const int32_t *bias, int32_t channels, se_dw_channel *ch, uint32_t *wide, int8_t *zp_row)
{
    for (int32_t c = 0; c < channels; c++) {
        int32_t weight_sum = 0;
        for (int32_t k = 0; k < SE_DW_TAPS; k++) {
            weight_sum += filter[k * channels + c];
        }
        const uint32_t b = bias != NULL ? (uint32_t)bias[c] : 0u;
        ch[c].bias = (int32_t)(b - (uint32_t)(params->input_zp * weight_sum));
        ch[c].requant = se_requant_fast_make(quant->multiplier[c], quant->shift[c]);
        zp_row[c] = (int8_t)params->input_zp;
    }
    for (int32_t g = 0; g < se_dw_groups(channels); g++) {
        for (int32_t k = 0; k < SE_DW_TAPS; k++) {
            const uint32_t w = se_read_u32(filter + k * channels + 4 * g);
            *wide++ = se_sxtb16(w);
            *wide++ = se_sxtb16_ror8(w);
        }
    }
}

SE_INLINE int8_t se_dw_output(const se_dw_channel *ch, int32_t acc, const se_conv_params *params)
{
    const int32_t out = se_requant_fast_apply(acc, &ch->requant) + params->output_zp;
    return (int8_t)se_clamp(out, params->act.min, params->act.max);
}

/* One tap for 4 channels: x = 4 int8 inputs, w = 2 words of widened weights. */
#define SE_DW_TAP(ptr)                                                                                           \
    do {                                                                                                         \
        const uint32_t x = se_read_u32(ptr);                                                                     \
        const uint32_t x02 = se_sxtb16(x), x13 = se_sxtb16_ror8(x);                                              \
        a0 = se_smlabb(x02, w[0], a0);                                                                           \
        a2 = se_smlatt(x02, w[0], a2);                                                                           \
        a1 = se_smlabb(x13, w[1], a1);                                                                           \
        a3 = se_smlatt(x13, w[1], a3);                                                                           \
        w += 2;                                                                                                  \
    } while (0)

/* The 4 results of a channel group. */
#define SE_DW_STORE4(out, ch)                                                                                    \
    do {                                                                                                         \
        (out)[0] = se_dw_output(&(ch)[0], a0, params);                                                           \
        (out)[1] = se_dw_output(&(ch)[1], a1, params);                                                           \
        (out)[2] = se_dw_output(&(ch)[2], a2, params);                                                           \
        (out)[3] = se_dw_output(&(ch)[3], a3, params);                                                           \
    } while (0)

/* Leftover channels [c, channels) of one pixel, one at a time. */
static void se_dw_pixel_tail(const int8_t *const tap[SE_DW_TAPS], const int8_t *filter, const se_dw_channel *ch,
                             int32_t c, int32_t channels, const se_conv_params *params, int8_t *out)
{
    for (; c < channels; c++) {
        int32_t acc = ch[c].bias;
        for (int32_t k = 0; k < SE_DW_TAPS; k++) {
            acc = se_conv_add_wrap(acc, tap[k][c] * filter[k * channels + c]);
        }
        out[c] = se_dw_output(&ch[c], acc, params);
    }
}

/* A pixel whose 3x3 window lies inside the input: taps at fixed offsets from p. */
static void se_dw_pixel_interior(const int8_t *p, int32_t row_stride, const uint32_t *wide, const int8_t *filter,
                                 const se_dw_channel *ch, int32_t channels, const se_conv_params *params,
                                 int8_t *out)
{
    const int32_t col = channels;
    int32_t c = 0;
    const uint32_t *w = wide;
    for (; c + 4 <= channels; c += 4) {
        int32_t a0 = ch[c].bias, a1 = ch[c + 1].bias, a2 = ch[c + 2].bias, a3 = ch[c + 3].bias;
        const int8_t *r0 = p + c, *r1 = r0 + row_stride, *r2 = r1 + row_stride;
        SE_DW_TAP(r0);
        SE_DW_TAP(r0 + col);
        SE_DW_TAP(r0 + 2 * col);
        SE_DW_TAP(r1);
        SE_DW_TAP(r1 + col);
        SE_DW_TAP(r1 + 2 * col);
        SE_DW_TAP(r2);
        SE_DW_TAP(r2 + col);
        SE_DW_TAP(r2 + 2 * col);
        SE_DW_STORE4(out + c, ch + c);
    }
    if (c < channels) {
        const int8_t *tap[SE_DW_TAPS];
        for (int32_t k = 0; k < SE_DW_TAPS; k++) {
            tap[k] = p + (k / 3) * row_stride + (k % 3) * col;
        }
        se_dw_pixel_tail(tap, filter, ch, c, channels, params, out);
    }
}

/* Any pixel: tap[k] points at the tap's 4 channels, or at the zero-point row. */
static void se_dw_pixel_taps(const int8_t *const tap[SE_DW_TAPS], const uint32_t *wide, const int8_t *filter,
                             const se_dw_channel *ch, int32_t channels, const se_conv_params *params, int8_t *out)
{
    int32_t c = 0;
    const uint32_t *w = wide;
    for (; c + 4 <= channels; c += 4) {
        int32_t a0 = ch[c].bias, a1 = ch[c + 1].bias, a2 = ch[c + 2].bias, a3 = ch[c + 3].bias;
        for (int32_t k = 0; k < SE_DW_TAPS; k++) {
            SE_DW_TAP(tap[k] + c);
        }
        SE_DW_STORE4(out + c, ch + c);
    }
    se_dw_pixel_tail(tap, filter, ch, c, channels, params, out);
}

se_status se_depthwise_conv3x3_s8_dsp(SE_CONV2D_S8_ARGS)
{
    const int32_t required = input_dims != NULL ? se_depthwise_conv3x3_s8_dsp_get_buffer_size(input_dims) : 0;
    const se_status status = se_depthwise_conv3x3_validate(ctx, params, quant, input_dims, input, filter_dims,
                                                           filter, output_dims, output, required);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_h = input_dims->h, in_w = input_dims->w, channels = input_dims->c;
    const int32_t row_stride = in_w * channels;
    se_dw_channel *ch = (se_dw_channel *)ctx->buf;
    uint32_t *wide = (uint32_t *)(ch + channels);
    int8_t *zp_row = (int8_t *)(wide + se_dw_groups(channels) * SE_DW_TAPS * 2);
    se_dw_prepare(params, quant, filter, bias, channels, ch, wide, zp_row);

    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * in_h * row_stride;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            const int32_t iy0 = oy * params->stride_h - params->pad_h;
            const int rows_inside = iy0 >= 0 && iy0 + 2 < in_h;
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int32_t ix0 = ox * params->stride_w - params->pad_w;
                if (rows_inside && ix0 >= 0 && ix0 + 2 < in_w) {
                    se_dw_pixel_interior(image + (size_t)iy0 * row_stride + (size_t)ix0 * channels, row_stride,
                                         wide, filter, ch, channels, params, output);
                } else {
                    const int8_t *tap[SE_DW_TAPS];
                    for (int32_t k = 0; k < SE_DW_TAPS; k++) {
                        const int32_t iy = iy0 + k / 3, ix = ix0 + k % 3;
                        const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                        tap[k] = inside ? image + (size_t)iy * row_stride + (size_t)ix * channels : zp_row;
                    }
                    se_dw_pixel_taps(tap, wide, filter, ch, channels, params, output);
                }
                output += channels;
            }
        }
    }
    return SE_OK;
}
