/*
 * Argument checks shared by the fully-connected and batched-matmul kernels
 * (internal header). The _ref and _dsp variants of one kernel run the same
 * checks, so they reject exactly the same calls with the same status.
 */
#ifndef TINYFORMER_RUNTIME_SE_MATMUL_ARGS_H
#define TINYFORMER_RUNTIME_SE_MATMUL_ARGS_H

#include <stdint.h>

#include "se_fixedpoint.h"
#include "tinyformer/runtime/se_fully_connected.h"
#include "tinyformer/runtime/se_matmul.h"

/* Largest reduction length (in_features, k) accepted: keeps every scratch size
 * in int32. Far above any layer an MCU can hold. */
#define SE_MATMUL_MAX_REDUCTION (1 << 24)

/* Scratch: present when needed, large enough, 4-byte aligned (the DSP kernels
 * read it with word and double-word loads). */
SE_INLINE se_status se_matmul_check_scratch(const se_context *ctx, int32_t needed)
{
    if (needed <= 0) {
        return SE_OK;
    }
    if (ctx->size < needed) {
        return SE_ERR_BUFFER_TOO_SMALL;
    }
    if (ctx->buf == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (((uintptr_t)ctx->buf & 3u) != 0u) {
        return SE_ERR_BAD_PARAM;
    }
    return SE_OK;
}

SE_INLINE int se_fc_dims_ok(const se_fc_dims *dims)
{
    return dims != NULL && dims->tokens >= 1 && dims->in_features >= 1 && dims->out_features >= 1 &&
           dims->in_features <= SE_MATMUL_MAX_REDUCTION;
}

/* Every check of se_fully_connected_s8*, in order: pointers, shapes, parameters
 * (zero points, per-channel multipliers in [0, 2^31 - 1] and shifts in [-31, 30],
 * clamp), scratch. bias may be NULL. */
SE_INLINE se_status se_fc_check_args(const se_context *ctx, const se_fc_params *params,
                                     const se_per_channel_quant *quant, const se_fc_dims *dims, const int8_t *input,
                                     const int8_t *weights, const int8_t *output, int32_t scratch_needed)
{
    if (ctx == NULL || params == NULL || quant == NULL || dims == NULL || input == NULL || weights == NULL ||
        output == NULL || quant->multiplier == NULL || quant->shift == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (!se_fc_dims_ok(dims)) {
        return SE_ERR_BAD_SHAPE;
    }
    if (!se_is_int8(params->input_zp) || !se_is_int8(params->output_zp) ||
        !se_act_ok(params->act.min, params->act.max)) {
        return SE_ERR_BAD_PARAM;
    }
    for (int32_t o = 0; o < dims->out_features; ++o) {
        if (quant->multiplier[o] < 0 || !se_shift_ok(quant->shift[o])) {
            return SE_ERR_BAD_PARAM;
        }
    }
    return se_matmul_check_scratch(ctx, scratch_needed);
}

SE_INLINE int se_matmul_dims_ok(const se_matmul_dims *dims)
{
    return dims != NULL && dims->batch >= 1 && dims->m >= 1 && dims->n >= 1 && dims->k >= 1 &&
           dims->k <= SE_MATMUL_MAX_REDUCTION;
}

/* Every check of se_batch_matmul_s8*, in order: pointers, shapes, layout and
 * strides (row strides at least a row, batch strides >= 0), parameters, scratch. */
SE_INLINE se_status se_matmul_check_args(const se_context *ctx, const se_matmul_params *params,
                                         const se_quant *quant, const se_matmul_dims *dims, const int8_t *lhs,
                                         const int8_t *rhs, const int8_t *output, int32_t scratch_needed)
{
    if (ctx == NULL || params == NULL || quant == NULL || dims == NULL || lhs == NULL || rhs == NULL ||
        output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (!se_matmul_dims_ok(dims)) {
        return SE_ERR_BAD_SHAPE;
    }
    if (dims->rhs_transposed != 0 && dims->rhs_transposed != 1) {
        return SE_ERR_BAD_PARAM;
    }
    if (dims->lhs_row_stride < dims->k || dims->rhs_row_stride < (dims->rhs_transposed ? dims->k : dims->n) ||
        dims->out_row_stride < dims->n || dims->lhs_batch_stride < 0 || dims->rhs_batch_stride < 0 ||
        dims->out_batch_stride < 0) {
        return SE_ERR_BAD_PARAM;
    }
    if (!se_is_int8(params->lhs_zp) || !se_is_int8(params->rhs_zp) || !se_is_int8(params->output_zp) ||
        !se_act_ok(params->act.min, params->act.max) || quant->multiplier < 0 || !se_shift_ok(quant->shift)) {
        return SE_ERR_BAD_PARAM;
    }
    return se_matmul_check_scratch(ctx, scratch_needed);
}

#endif /* TINYFORMER_RUNTIME_SE_MATMUL_ARGS_H */
