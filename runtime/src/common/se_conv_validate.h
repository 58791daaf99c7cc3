/*
 * Argument checks shared by the convolution family (conv2d, depthwise, 1x1):
 * internal header. Every kernel variant of an op runs the same checks, in the
 * same order, so ref, dsp and dispatch return the same status for the same
 * bad call:
 *   1. se_conv_validate_common: NULL pointers (1a), then se_conv_params
 *      ranges (1b), then the spatial shapes (1c: N, H, W of input/output
 *      against the window);
 *   2. the op's own channel relations (se_conv_validate_channels or the op's
 *      check);
 *   3. se_conv_validate_quant: per-channel multipliers and shifts;
 *   4. se_conv_validate_reduction: the int32 accumulator cannot overflow;
 *   5. se_conv_validate_context: the scratch buffer.
 */
#ifndef TINYFORMER_RUNTIME_SE_CONV_VALIDATE_H
#define TINYFORMER_RUNTIME_SE_CONV_VALIDATE_H

#include <stdint.h>

#include "se_fixedpoint.h"
#include "tinyformer/runtime/se_types.h"

/* Largest reduction length (KH * KW * C_in) a convolution accepts: then
 * |sum w * (x - input_zp)| <= 65536 * 128 * 255 < 2^31 and the int32
 * accumulator cannot overflow (docs/numerics.md, section 4). */
#define SE_CONV_MAX_REDUCTION 65536

/* Every dimension >= 1 and the element count fits in int32 (so index
 * arithmetic in the kernels cannot overflow). */
SE_INLINE int se_conv_dims_ok(const se_dims *d)
{
    return d->n > 0 && d->h > 0 && d->w > 0 && d->c > 0 &&
           (int64_t)d->n * d->h * d->w * d->c <= (int64_t)INT32_MAX;
}

/* One spatial axis: the given output size is valid when it is >= 1 and its
 * last window ends inside the far padding, (out - 1) * stride + kernel <=
 * in + 2 * pad. The far (bottom/right) padding actually used may then be
 * smaller than pad; the output size decides. 64-bit so no input can overflow. */
SE_INLINE int se_conv_axis_ok(int32_t in, int32_t kernel, int32_t stride, int32_t pad, int32_t out)
{
    const int64_t last_end = (int64_t)(out - 1) * stride + kernel;
    return out >= 1 && last_end <= (int64_t)in + 2 * (int64_t)pad;
}

/* Output size along one axis when the far padding equals pad (the usual
 * case): (in + 2 * pad - kernel) / stride + 1, or 0 when the window does not
 * fit. */
SE_INLINE int32_t se_conv_out_size(int32_t in, int32_t kernel, int32_t stride, int32_t pad)
{
    const int64_t span = (int64_t)in + 2 * (int64_t)pad - kernel;
    return span < 0 ? 0 : (int32_t)(span / stride + 1);
}

/* Checks 1a: every pointer but bias (and ctx->buf, see checks 5). */
SE_INLINE se_status se_conv_validate_pointers(const se_context *ctx, const se_conv_params *params,
                                              const se_per_channel_quant *quant, const se_dims *input_dims,
                                              const int8_t *input, const se_dims *filter_dims,
                                              const int8_t *filter, const se_dims *output_dims,
                                              const int8_t *output)
{
    if (ctx == NULL || params == NULL || quant == NULL || quant->multiplier == NULL || quant->shift == NULL ||
        input_dims == NULL || input == NULL || filter_dims == NULL || filter == NULL || output_dims == NULL ||
        output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    return SE_OK;
}

/* Checks 1b: se_conv_params ranges. */
SE_INLINE se_status se_conv_validate_params(const se_conv_params *params)
{
    if (!se_is_int8(params->input_zp) || !se_is_int8(params->output_zp) || params->stride_h < 1 ||
        params->stride_w < 1 || params->pad_h < 0 || params->pad_w < 0 ||
        !se_act_ok(params->act.min, params->act.max)) {
        return SE_ERR_BAD_PARAM;
    }
    return SE_OK;
}

/* Checks 1c: spatial shapes; the kernel window is filter_dims->h x
 * filter_dims->w. */
SE_INLINE se_status se_conv_validate_spatial(const se_conv_params *params, const se_dims *input_dims,
                                             const se_dims *filter_dims, const se_dims *output_dims)
{
    if (!se_conv_dims_ok(input_dims) || !se_conv_dims_ok(filter_dims) || !se_conv_dims_ok(output_dims) ||
        output_dims->n != input_dims->n ||
        !se_conv_axis_ok(input_dims->h, filter_dims->h, params->stride_h, params->pad_h, output_dims->h) ||
        !se_conv_axis_ok(input_dims->w, filter_dims->w, params->stride_w, params->pad_w, output_dims->w)) {
        return SE_ERR_BAD_SHAPE;
    }
    return SE_OK;
}

/* Checks 1: pointers, parameters, spatial shapes (1a, 1b, 1c in order).
 * Channel relations are left to the op. */
SE_INLINE se_status se_conv_validate_common(const se_context *ctx, const se_conv_params *params,
                                            const se_per_channel_quant *quant, const se_dims *input_dims,
                                            const int8_t *input, const se_dims *filter_dims, const int8_t *filter,
                                            const se_dims *output_dims, const int8_t *output)
{
    se_status status =
        se_conv_validate_pointers(ctx, params, quant, input_dims, input, filter_dims, filter, output_dims, output);
    if (status == SE_OK) {
        status = se_conv_validate_params(params);
    }
    if (status == SE_OK) {
        status = se_conv_validate_spatial(params, input_dims, filter_dims, output_dims);
    }
    return status;
}

/* Checks 2 for a dense convolution (conv2d, 1x1): filter [C_out, KH, KW, C_in]. */
SE_INLINE se_status se_conv_validate_channels(const se_dims *input_dims, const se_dims *filter_dims,
                                              const se_dims *output_dims)
{
    if (filter_dims->c != input_dims->c || output_dims->c != filter_dims->n) {
        return SE_ERR_BAD_SHAPE;
    }
    return SE_OK;
}

/* Checks 3: multiplier in [0, 2^31 - 1], shift in [-31, 30] for each of the
 * channels. */
SE_INLINE se_status se_conv_validate_quant(const se_per_channel_quant *quant, int32_t channels)
{
    for (int32_t c = 0; c < channels; c++) {
        if (quant->multiplier[c] < 0 || !se_shift_ok(quant->shift[c])) {
            return SE_ERR_BAD_PARAM;
        }
    }
    return SE_OK;
}

/* Checks 4: reduction length per output (KH * KW * C_in, or KH * KW for a
 * depthwise convolution). */
SE_INLINE se_status se_conv_validate_reduction(const se_dims *filter_dims, int32_t per_tap)
{
    const int64_t length = (int64_t)filter_dims->h * filter_dims->w * per_tap;
    return length > SE_CONV_MAX_REDUCTION ? SE_ERR_UNSUPPORTED : SE_OK;
}

/* Checks 5: ctx is required (possibly {NULL, 0}); when the variant needs
 * scratch, buf must be non-NULL, 4-byte aligned and size >= required. */
SE_INLINE se_status se_conv_validate_context(const se_context *ctx, int32_t required)
{
    if (required <= 0) {
        return SE_OK;
    }
    if (ctx->buf == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (((uintptr_t)ctx->buf & 3u) != 0u) {
        return SE_ERR_BAD_PARAM;
    }
    return ctx->size < required ? SE_ERR_BUFFER_TOO_SMALL : SE_OK;
}

/* All five checks for a dense convolution (conv2d, 1x1) whose variant needs
 * required_scratch bytes. */
SE_INLINE se_status se_conv_validate_dense(const se_context *ctx, const se_conv_params *params,
                                           const se_per_channel_quant *quant, const se_dims *input_dims,
                                           const int8_t *input, const se_dims *filter_dims, const int8_t *filter,
                                           const se_dims *output_dims, const int8_t *output, int32_t required_scratch)
{
    se_status status =
        se_conv_validate_common(ctx, params, quant, input_dims, input, filter_dims, filter, output_dims, output);
    if (status == SE_OK) {
        status = se_conv_validate_channels(input_dims, filter_dims, output_dims);
    }
    if (status == SE_OK) {
        status = se_conv_validate_quant(quant, output_dims->c);
    }
    if (status == SE_OK) {
        status = se_conv_validate_reduction(filter_dims, filter_dims->c);
    }
    if (status == SE_OK) {
        status = se_conv_validate_context(ctx, required_scratch);
    }
    return status;
}

/* The checks of the pointwise 1x1 convolution: pointers, params, then its
 * restriction to stride 1 without padding (SE_ERR_UNSUPPORTED: a job for
 * conv2d), then a 1x1 filter and output H, W equal to the input's
 * (SE_ERR_BAD_SHAPE), then checks 1c to 5 as for any dense convolution. */
SE_INLINE se_status se_conv_validate_pointwise(const se_context *ctx, const se_conv_params *params,
                                               const se_per_channel_quant *quant, const se_dims *input_dims,
                                               const int8_t *input, const se_dims *filter_dims,
                                               const int8_t *filter, const se_dims *output_dims,
                                               const int8_t *output, int32_t required_scratch)
{
    se_status status =
        se_conv_validate_pointers(ctx, params, quant, input_dims, input, filter_dims, filter, output_dims, output);
    if (status == SE_OK) {
        status = se_conv_validate_params(params);
    }
    if (status == SE_OK && (params->stride_h != 1 || params->stride_w != 1 || params->pad_h != 0 ||
                            params->pad_w != 0)) {
        status = SE_ERR_UNSUPPORTED;
    }
    if (status == SE_OK && (filter_dims->h != 1 || filter_dims->w != 1 || output_dims->h != input_dims->h ||
                            output_dims->w != input_dims->w)) {
        status = SE_ERR_BAD_SHAPE;
    }
    if (status == SE_OK) {
        status = se_conv_validate_dense(ctx, params, quant, input_dims, input, filter_dims, filter, output_dims,
                                        output, required_scratch);
    }
    return status;
}

#endif /* TINYFORMER_RUNTIME_SE_CONV_VALIDATE_H */
