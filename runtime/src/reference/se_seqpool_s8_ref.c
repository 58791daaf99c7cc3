/* PLACEHOLDER: not implemented yet. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_seqpool.h"

int32_t se_seqpool_s8_ref_get_buffer_size(int32_t tokens, int32_t channels)
{
    (void)tokens;
    (void)channels;
    return 0;
}

se_status se_seqpool_s8_ref(SE_SEQPOOL_S8_ARGS)
{
    return SE_ERR_UNSUPPORTED;
}
