/*
 * Pooling, int8 NHWC, output in the input's quantization (same scale and zero
 * point), then clamped to act (act.min <= act.max within int8).
 *   max pool 2x2 stride 2: input [N, H, W, C] -> output [N, H / 2, W / 2, C]
 *       (odd last row / column dropped; H, W >= 2), out = clamp(max of 4).
 *   avg pool 2x2 stride 2: same shapes, out = clamp(round(sum of 4 / 4)).
 *   global avg pool:       [N, H, W, C] -> [N, 1, 1, C],
 *       out = clamp(round(sum over H*W / (H * W))), H * W <= 2^22 (else
 *       SE_ERR_UNSUPPORTED); needs int32 [C] of scratch (4 * C bytes).
 * round() is round half away from zero (TFLite's average pool convention):
 * -0.5 -> -1, 0.5 -> 1, -1.75 -> -2.
 * Status: SE_ERR_NULL_POINTER (a NULL pointer or scratch), SE_ERR_BAD_PARAM
 * (act), SE_ERR_BAD_SHAPE (dims <= 0, N or C differ, wrong output H / W),
 * SE_ERR_BUFFER_TOO_SMALL (scratch). Variants as in se_conv.h.
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
