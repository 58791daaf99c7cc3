/*
 * Argument checks and rounding shared by the pooling kernels (internal
 * header). Every variant of an op runs the same checks in the same order.
 */
#ifndef TINYFORMER_RUNTIME_SE_POOL_COMMON_H
#define TINYFORMER_RUNTIME_SE_POOL_COMMON_H

#include "se_fixedpoint.h"
#include "tinyformer/runtime/se_pool.h"

/* Largest H * W a global average pool accepts: |sum| <= 128 * 2^22 = 2^29, so
 * 2 * |sum| + count fits in int32 in se_pool_round_div. */
#define SE_POOL_MAX_COUNT (1 << 22)

/* sum / count rounded half away from zero; count in [1, SE_POOL_MAX_COUNT],
 * |sum| <= 128 * count. Truncating division of (2 * sum +- count) by
 * 2 * count. */
SE_INLINE int32_t se_pool_round_div(int32_t sum, int32_t count)
{
    const int32_t twice = 2 * sum + (sum >= 0 ? count : -count);
    return twice / (2 * count);
}

SE_INLINE int se_pool_dims_ok(const se_dims *d)
{
    return d->n > 0 && d->h > 0 && d->w > 0 && d->c > 0 && (int64_t)d->n * d->h * d->w * d->c <= (int64_t)INT32_MAX;
}

/* NULL pointers, then the clamp, then shapes: same N and C, and
 * output H, W = H / 2, W / 2 for the 2x2 pools (input H, W >= 2). */
SE_INLINE se_status se_pool2x2_validate(const se_activation *act, const se_dims *input_dims, const int8_t *input,
                                        const se_dims *output_dims, const int8_t *output)
{
    if (act == NULL || input_dims == NULL || input == NULL || output_dims == NULL || output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (!se_act_ok(act->min, act->max)) {
        return SE_ERR_BAD_PARAM;
    }
    if (!se_pool_dims_ok(input_dims) || !se_pool_dims_ok(output_dims) || output_dims->n != input_dims->n ||
        output_dims->c != input_dims->c || output_dims->h != input_dims->h / 2 ||
        output_dims->w != input_dims->w / 2) {
        return SE_ERR_BAD_SHAPE;
    }
    return SE_OK;
}

/* Scratch bytes of the global average pool: int32 [C]. */
SE_INLINE int32_t se_global_avg_pool_scratch_size(const se_dims *input_dims)
{
    if (input_dims == NULL || input_dims->c <= 0 || input_dims->c > INT32_MAX / 4) {
        return 0;
    }
    return 4 * input_dims->c;
}

/* As se_pool2x2_validate, with output {N, 1, 1, C}, H * W <= SE_POOL_MAX_COUNT
 * (else SE_ERR_UNSUPPORTED) and the scratch context checked last. */
SE_INLINE se_status se_global_avg_pool_validate(const se_context *ctx, const se_activation *act,
                                                const se_dims *input_dims, const int8_t *input,
                                                const se_dims *output_dims, const int8_t *output)
{
    if (ctx == NULL || act == NULL || input_dims == NULL || input == NULL || output_dims == NULL || output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (!se_act_ok(act->min, act->max)) {
        return SE_ERR_BAD_PARAM;
    }
    if (!se_pool_dims_ok(input_dims) || !se_pool_dims_ok(output_dims) || output_dims->n != input_dims->n ||
        output_dims->c != input_dims->c || output_dims->h != 1 || output_dims->w != 1) {
        return SE_ERR_BAD_SHAPE;
    }
    if ((int64_t)input_dims->h * input_dims->w > SE_POOL_MAX_COUNT) {
        return SE_ERR_UNSUPPORTED;
    }
    if (ctx->buf == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (((uintptr_t)ctx->buf & 3u) != 0u) {
        return SE_ERR_BAD_PARAM;
    }
    return ctx->size < se_global_avg_pool_scratch_size(input_dims) ? SE_ERR_BUFFER_TOO_SMALL : SE_OK;
}

#endif /* TINYFORMER_RUNTIME_SE_POOL_COMMON_H */
