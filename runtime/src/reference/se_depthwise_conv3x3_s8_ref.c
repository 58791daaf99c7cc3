/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_conv.h"

int32_t se_depthwise_conv3x3_s8_ref_get_buffer_size(const se_dims *input_dims)
{
    (void)input_dims;
    return 0;
}

se_status se_depthwise_conv3x3_s8_ref(SE_CONV2D_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
