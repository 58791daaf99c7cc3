/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_softmax.h"

se_status se_softmax_s8_dsp(SE_SOFTMAX_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
