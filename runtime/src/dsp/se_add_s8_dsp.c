/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_add.h"

se_status se_add_s8_dsp(SE_ADD_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
