/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_matmul.h"

int32_t se_batch_matmul_s8_ref_get_buffer_size(const se_matmul_dims *dims)
{
    (void)dims;
    return 0;
}

se_status se_batch_matmul_s8_ref(SE_BATCH_MATMUL_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
