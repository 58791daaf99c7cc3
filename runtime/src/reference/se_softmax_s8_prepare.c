/* PLACEHOLDER */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tinyformer/runtime/se_softmax.h"
int32_t se_softmax_s8_get_buffer_size(void) { return (int32_t)sizeof(se_exp_cache); }
se_status se_softmax_s8_prepare(const se_context *ctx, const se_softmax_params *params) { (void)ctx; (void)params; return SE_ERR_UNSUPPORTED; }
