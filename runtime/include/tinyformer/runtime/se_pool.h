/*
 * Pooling, int8 NHWC, output in the input's quantization (same scale and zero
 * point), then clamped to act.
 *   max pool 2x2 stride 2: H_out = H / 2, W_out = W / 2 (odd edges dropped)
 *   avg pool 2x2 stride 2: rounded mean, round half away from zero
 *   global avg pool:       [N, H, W, C] -> [N, 1, 1, C], rounded mean
 * Variants as in se_conv.h.
 */
#ifndef TINYFORMER_RUNTIME_SE_POOL_H
#define TINYFORMER_RUNTIME_SE_POOL_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SE_POOL_S8_ARGS                                                                            \
    const se_activation *act, const se_dims *input_dims, const int8_t *input,                      \
        const se_dims *output_dims, int8_t *output

se_status se_max_pool2x2_s8(SE_POOL_S8_ARGS);
se_status se_max_pool2x2_s8_ref(SE_POOL_S8_ARGS);
se_status se_max_pool2x2_s8_dsp(SE_POOL_S8_ARGS);

se_status se_avg_pool2x2_s8(SE_POOL_S8_ARGS);
se_status se_avg_pool2x2_s8_ref(SE_POOL_S8_ARGS);
se_status se_avg_pool2x2_s8_dsp(SE_POOL_S8_ARGS);

/* Needs int32 [C] of scratch. */
int32_t se_global_avg_pool_s8_get_buffer_size(const se_dims *input_dims);
int32_t se_global_avg_pool_s8_ref_get_buffer_size(const se_dims *input_dims);
int32_t se_global_avg_pool_s8_dsp_get_buffer_size(const se_dims *input_dims);
se_status se_global_avg_pool_s8(const se_context *ctx, SE_POOL_S8_ARGS);
se_status se_global_avg_pool_s8_ref(const se_context *ctx, SE_POOL_S8_ARGS);
se_status se_global_avg_pool_s8_dsp(const se_context *ctx, SE_POOL_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_POOL_H */
