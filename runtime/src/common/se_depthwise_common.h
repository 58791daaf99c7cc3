/*
 * Argument checks shared by the depthwise 3x3 variants (internal header).
 * ref and dsp run exactly these checks, so they return the same status for
 * the same bad call.
 */
#ifndef TINYFORMER_RUNTIME_SE_DEPTHWISE_COMMON_H
#define TINYFORMER_RUNTIME_SE_DEPTHWISE_COMMON_H

#include "se_conv_validate.h"

/* Pointers, params, shapes (se_conv_validate_common), then the depthwise
 * rules: filter {1, 3, 3, C}, output C == input C, stride 1 or 2 (larger
 * strides are SE_ERR_UNSUPPORTED), pad_h and pad_w <= 2 (a larger pad would
 * make windows that see only padding: SE_ERR_BAD_PARAM), per-channel quant,
 * scratch. */
SE_INLINE se_status se_depthwise_conv3x3_validate(const se_context *ctx, const se_conv_params *params,
                                                  const se_per_channel_quant *quant, const se_dims *input_dims,
                                                  const int8_t *input, const se_dims *filter_dims,
                                                  const int8_t *filter, const se_dims *output_dims,
                                                  const int8_t *output, int32_t required_scratch)
{
    se_status status =
        se_conv_validate_common(ctx, params, quant, input_dims, input, filter_dims, filter, output_dims, output);
    if (status != SE_OK) {
        return status;
    }
    if (params->pad_h > 2 || params->pad_w > 2) {
        return SE_ERR_BAD_PARAM;
    }
    if (params->stride_h > 2 || params->stride_w > 2) {
        return SE_ERR_UNSUPPORTED;
    }
    if (filter_dims->n != 1 || filter_dims->h != 3 || filter_dims->w != 3 || filter_dims->c != input_dims->c ||
        output_dims->c != input_dims->c) {
        return SE_ERR_BAD_SHAPE;
    }
    status = se_conv_validate_quant(quant, output_dims->c);
    if (status == SE_OK) {
        status = se_conv_validate_context(ctx, required_scratch);
    }
    return status;
}

#endif /* TINYFORMER_RUNTIME_SE_DEPTHWISE_COMMON_H */
