/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_layernorm.h"

se_status se_layernorm_s8_ref(SE_LAYERNORM_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
