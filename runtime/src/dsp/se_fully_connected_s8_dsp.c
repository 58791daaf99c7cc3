/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_fully_connected.h"

int32_t se_fully_connected_s8_dsp_get_buffer_size(const se_fc_dims *dims)
{
    (void)dims;
    return 0;
}

se_status se_fully_connected_s8_dsp(SE_FULLY_CONNECTED_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
