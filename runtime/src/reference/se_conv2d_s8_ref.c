/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_conv.h"

int32_t se_conv2d_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 0;
}

se_status se_conv2d_s8_ref(SE_CONV2D_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
