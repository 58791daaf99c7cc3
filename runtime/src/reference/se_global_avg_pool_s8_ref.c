/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_pool.h"

int32_t se_global_avg_pool_s8_ref_get_buffer_size(const se_dims *input_dims)
{
    (void)input_dims;
    return 0;
}

se_status se_global_avg_pool_s8_ref(const se_context *ctx, SE_POOL_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
