/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_pool.h"

se_status se_avg_pool2x2_s8_ref(SE_POOL_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
