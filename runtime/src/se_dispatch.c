/*
 * The one dispatch point: each public kernel name forwards to the variant
 * built for this target. DSP kernels are chosen on cores with the ARMv7E-M DSP
 * extension (Cortex-M4/M7/M33...) unless SE_FORCE_REFERENCE is defined; the
 * reference kernels everywhere else. Both variants are always compiled and
 * tested against each other, so this choice never changes a result.
 */
#include "tinyformer/runtime/se_runtime.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(SE_FORCE_REFERENCE)
#define SE_PICK(name) name##_dsp
#define SE_PICK_BUFFER_SIZE(name) name##_dsp_get_buffer_size
#else
#define SE_PICK(name) name##_ref
#define SE_PICK_BUFFER_SIZE(name) name##_ref_get_buffer_size
#endif

int32_t se_conv2d_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims)
{
    return SE_PICK_BUFFER_SIZE(se_conv2d_s8)(input_dims, filter_dims);
}
se_status se_conv2d_s8(SE_CONV2D_S8_ARGS)
{
    return SE_PICK(se_conv2d_s8)(ctx, params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t se_depthwise_conv3x3_s8_get_buffer_size(const se_dims *input_dims)
{
    return SE_PICK_BUFFER_SIZE(se_depthwise_conv3x3_s8)(input_dims);
}
se_status se_depthwise_conv3x3_s8(SE_CONV2D_S8_ARGS)
{
    return SE_PICK(se_depthwise_conv3x3_s8)(ctx, params, quant, input_dims, input, filter_dims, filter, bias,
                                            output_dims, output);
}

int32_t se_conv1x1_s8_get_buffer_size(const se_dims *input_dims)
{
    return SE_PICK_BUFFER_SIZE(se_conv1x1_s8)(input_dims);
}
se_status se_conv1x1_s8(SE_CONV2D_S8_ARGS)
{
    return SE_PICK(se_conv1x1_s8)(ctx, params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t se_fully_connected_s8_get_buffer_size(const se_fc_dims *dims)
{
    return SE_PICK_BUFFER_SIZE(se_fully_connected_s8)(dims);
}
se_status se_fully_connected_s8(SE_FULLY_CONNECTED_S8_ARGS)
{
    return SE_PICK(se_fully_connected_s8)(ctx, params, quant, dims, input, weights, bias, output);
}

int32_t se_batch_matmul_s8_get_buffer_size(const se_matmul_dims *dims)
{
    return SE_PICK_BUFFER_SIZE(se_batch_matmul_s8)(dims);
}
se_status se_batch_matmul_s8(SE_BATCH_MATMUL_S8_ARGS)
{
    return SE_PICK(se_batch_matmul_s8)(ctx, params, quant, dims, lhs, rhs, output);
}

se_status se_add_s8(SE_ADD_S8_ARGS)
{
    return SE_PICK(se_add_s8)(params, input1, input2, size, output);
}

se_status se_max_pool2x2_s8(SE_POOL_S8_ARGS)
{
    return SE_PICK(se_max_pool2x2_s8)(act, input_dims, input, output_dims, output);
}
se_status se_avg_pool2x2_s8(SE_POOL_S8_ARGS)
{
    return SE_PICK(se_avg_pool2x2_s8)(act, input_dims, input, output_dims, output);
}
int32_t se_global_avg_pool_s8_get_buffer_size(const se_dims *input_dims)
{
    return SE_PICK_BUFFER_SIZE(se_global_avg_pool_s8)(input_dims);
}
se_status se_global_avg_pool_s8(const se_context *ctx, SE_POOL_S8_ARGS)
{
    return SE_PICK(se_global_avg_pool_s8)(ctx, act, input_dims, input, output_dims, output);
}

se_status se_softmax_s8(SE_SOFTMAX_S8_ARGS)
{
    return SE_PICK(se_softmax_s8)(ctx, params, rows, row_size, input, output);
}

se_status se_layernorm_s8(SE_LAYERNORM_S8_ARGS)
{
    return SE_PICK(se_layernorm_s8)(params, rows, row_size, input, gain, offset, output);
}

int32_t se_seqpool_s8_get_buffer_size(int32_t tokens, int32_t channels)
{
    return SE_PICK_BUFFER_SIZE(se_seqpool_s8)(tokens, channels);
}
se_status se_seqpool_s8(SE_SEQPOOL_S8_ARGS)
{
    return SE_PICK(se_seqpool_s8)(ctx, params, tokens, channels, input, logits, output);
}
