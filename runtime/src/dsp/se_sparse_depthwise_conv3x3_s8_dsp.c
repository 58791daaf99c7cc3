/*
 * Sparse depthwise 3x3 convolution, DSP variant. Not specialised yet: depthwise layers carry few
 * weights (9 per channel) and the walk per entry (3 taps of one channel) leaves no pair of pixels
 * or channels to share an SMLAD cheaply, so this variant runs the reference loop (same bits).
 */
#include "tinyformer/runtime/se_sparse_kernels.h"

int32_t se_sparse_depthwise_conv3x3_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                           const se_sparse_weights *weights)
{
    return se_sparse_depthwise_conv3x3_s8_ref_get_buffer_size(input_dims, filter_dims, weights);
}

se_status se_sparse_depthwise_conv3x3_s8_dsp(SE_SPARSE_CONV_S8_ARGS)
{
    return se_sparse_depthwise_conv3x3_s8_ref(ctx, params, quant, input_dims, input, filter_dims, weights, bias,
                                              output_dims, output);
}
