/*
 * Pointwise 1x1 int8 convolution for ARMv7E-M (SMLAD). Same result as
 * se_conv1x1_s8_ref.
 *
 * A 1x1 convolution is a matrix product of the filter [C_out, C_in] with the
 * input pixels [N*H*W, C_in]; there is no window and no padding. Pixels are
 * taken two at a time: their C_in values are widened to int16 with the input
 * offset added into the scratch column buffer (~1.5 instructions per value,
 * shared by all C_out channels), then se_conv_mat_mult_2px computes every
 * output channel of both (see se_conv_mat_mult_s16.h).
 */
#include "se_conv_mat_mult_s16.h"
#include "se_conv_validate.h"
#include "tinyformer/runtime/se_conv.h"

int32_t se_conv1x1_s8_dsp_get_buffer_size(const se_dims *input_dims)
{
    if (input_dims == NULL || input_dims->c <= 0) {
        return 0;
    }
    return se_conv_col_buffer_size(input_dims->c);
}

se_status se_conv1x1_s8_dsp(SE_CONV2D_S8_ARGS)
{
    const int32_t scratch_needed = se_conv1x1_s8_dsp_get_buffer_size(input_dims);
    const se_status status = se_conv_validate_pointwise(ctx, params, quant, input_dims, input, filter_dims, filter,
                                                        output_dims, output, scratch_needed);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_c = input_dims->c, out_c = output_dims->c;
    const int32_t pixels = input_dims->n * input_dims->h * input_dims->w;
    const uint32_t offset_pair = se_conv_offset_pair(params->input_zp);
    int16_t *cols = (int16_t *)ctx->buf;

    int32_t p = 0;
    for (; p + 1 < pixels; p += 2) {
        const int8_t *pixel = input + (size_t)p * in_c;
        se_conv_col_write_run(cols, 0, in_c, 0, pixel, in_c, offset_pair);
        se_conv_col_write_run(cols, 1, in_c, 0, pixel + in_c, in_c, offset_pair);
        int8_t *out = output + (size_t)p * out_c;
        se_conv_mat_mult_2px(filter, out_c, in_c, cols, bias, quant, params, out, out + out_c);
    }
    if (p < pixels) { /* odd pixel count: the last pixel in both slots, stored twice */
        const int8_t *pixel = input + (size_t)p * in_c;
        se_conv_col_write_run(cols, 0, in_c, 0, pixel, in_c, offset_pair);
        se_conv_col_write_run(cols, 1, in_c, 0, pixel, in_c, offset_pair);
        int8_t *out = output + (size_t)p * out_c;
        se_conv_mat_mult_2px(filter, out_c, in_c, cols, bias, quant, params, out, out);
    }
    return SE_OK;
}
