/*
 * Dispatch of the sparse kernels (se_sparse_kernels.h): each public name forwards to the variant
 * built for this target, with the same rule as se_dispatch.c (DSP kernels on cores with the
 * ARMv7E-M DSP extension unless SE_FORCE_REFERENCE, the reference kernels elsewhere).
 */
#include "tinyformer/runtime/se_sparse_kernels.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(SE_FORCE_REFERENCE)
#define SE_PICK(name) name##_dsp
#define SE_PICK_BUFFER_SIZE(name) name##_dsp_get_buffer_size
#else
#define SE_PICK(name) name##_ref
#define SE_PICK_BUFFER_SIZE(name) name##_ref_get_buffer_size
#endif

int32_t se_sparse_conv2d_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                            const se_sparse_weights *weights)
{
    return SE_PICK_BUFFER_SIZE(se_sparse_conv2d_s8)(input_dims, filter_dims, weights);
}
se_status se_sparse_conv2d_s8(SE_SPARSE_CONV_S8_ARGS)
{
    return SE_PICK(se_sparse_conv2d_s8)(ctx, params, quant, input_dims, input, filter_dims, weights, bias,
                                        output_dims, output);
}

int32_t se_sparse_conv1x1_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                             const se_sparse_weights *weights)
{
    return SE_PICK_BUFFER_SIZE(se_sparse_conv1x1_s8)(input_dims, filter_dims, weights);
}
se_status se_sparse_conv1x1_s8(SE_SPARSE_CONV_S8_ARGS)
{
    return SE_PICK(se_sparse_conv1x1_s8)(ctx, params, quant, input_dims, input, filter_dims, weights, bias,
                                         output_dims, output);
}

int32_t se_sparse_depthwise_conv3x3_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                       const se_sparse_weights *weights)
{
    return SE_PICK_BUFFER_SIZE(se_sparse_depthwise_conv3x3_s8)(input_dims, filter_dims, weights);
}
se_status se_sparse_depthwise_conv3x3_s8(SE_SPARSE_CONV_S8_ARGS)
{
    return SE_PICK(se_sparse_depthwise_conv3x3_s8)(ctx, params, quant, input_dims, input, filter_dims, weights,
                                                   bias, output_dims, output);
}

int32_t se_sparse_fully_connected_s8_get_buffer_size(const se_fc_dims *dims, const se_sparse_weights *weights)
{
    return SE_PICK_BUFFER_SIZE(se_sparse_fully_connected_s8)(dims, weights);
}
se_status se_sparse_fully_connected_s8(SE_SPARSE_FC_S8_ARGS)
{
    return SE_PICK(se_sparse_fully_connected_s8)(ctx, params, quant, dims, input, weights, bias, output);
}
