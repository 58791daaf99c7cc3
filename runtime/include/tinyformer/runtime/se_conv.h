/*
 * Convolutions: general conv2d, depthwise 3x3, pointwise 1x1. int8 NHWC.
 *
 * Each op has a reference kernel (*_ref, portable C, the definition of the
 * result), a DSP kernel (*_dsp, ARMv7E-M SMLAD; also built on the host with C
 * models of the instructions) and a dispatching entry point without suffix
 * (runtime/src/se_dispatch.c picks the variant for the build target).
 *
 * Common arguments:
 *   ctx      scratch buffer of at least *_get_buffer_size() bytes (4-byte aligned);
 *            ctx itself is required, ctx->buf may be NULL when the variant needs 0 bytes
 *   params   zero points, stride, padding, output clamp (se_conv_params)
 *   quant    per-output-channel requantization, arrays of C_out
 *   bias     int32 [C_out], scale input_scale * weight_scale[c]; may be NULL
 * Output element: clamp(requantize(bias[c] + sum w * (x - input_zp)) + output_zp, act.min, act.max).
 * Padding contributes x = input_zp (i.e. a real zero).
 */
#ifndef TINYFORMER_RUNTIME_SE_CONV_H
#define TINYFORMER_RUNTIME_SE_CONV_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* General conv2d. input [N, H, W, C_in]; filter dims {n = C_out, h = KH, w = KW,
 * c = C_in}, layout [C_out, KH, KW, C_in]; bias, quant of length C_out; output
 * [N, H_out, W_out, C_out] with H_out = (H + 2*pad_h - KH) / stride_h + 1 (bottom
 * padding may be smaller than pad_h; the given output dims decide). Precisely:
 * any H_out >= 1 with (H_out - 1) * stride_h + KH <= H + 2*pad_h is accepted
 * (a smaller H_out is asymmetric padding), a larger one is SE_ERR_BAD_SHAPE;
 * likewise W_out. Any stride >= 1, pad >= 0, kernel size.
 * KH * KW * C_in <= 65536 (longer: SE_ERR_UNSUPPORTED), so the weighted sum
 * fits int32; adding the bias wraps modulo 2^32 as SMLAD does.
 * Scratch: 0 bytes for _ref; 4 * KH * KW * C_in bytes for _dsp (two output
 * pixels' receptive fields as int16).
 * Statuses (same for every variant): SE_ERR_NULL_POINTER (a pointer other than
 * bias; ctx->buf when scratch is needed), SE_ERR_BAD_PARAM (zero points,
 * stride < 1, pad < 0, act, multiplier < 0, shift outside [-31, 30], scratch
 * not 4-byte aligned), SE_ERR_BAD_SHAPE (a dim <= 0, more than INT32_MAX
 * elements, C_in / C_out / N disagree, output too large),
 * SE_ERR_BUFFER_TOO_SMALL. */
int32_t se_conv2d_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims);
int32_t se_conv2d_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims);
int32_t se_conv2d_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims);

#define SE_CONV2D_S8_ARGS                                                                          \
    const se_context *ctx, const se_conv_params *params, const se_per_channel_quant *quant,        \
        const se_dims *input_dims, const int8_t *input, const se_dims *filter_dims,                 \
        const int8_t *filter, const int32_t *bias, const se_dims *output_dims, int8_t *output
se_status se_conv2d_s8(SE_CONV2D_S8_ARGS);
se_status se_conv2d_s8_ref(SE_CONV2D_S8_ARGS);
se_status se_conv2d_s8_dsp(SE_CONV2D_S8_ARGS);

/* Depthwise 3x3, channel multiplier 1. input [N, H, W, C]; filter dims {n = 1,
 * h = 3, w = 3, c = C}, layout [3, 3, C]; bias, quant of length C; output
 * [N, H_out, W_out, C], H_out as for conv2d with KH = 3. stride_h, stride_w
 * in {1, 2} (larger: SE_ERR_UNSUPPORTED); pad_h, pad_w in [0, 2] (else
 * SE_ERR_BAD_PARAM). Scratch: 0 bytes for _ref; for _dsp 51 * C bytes at
 * most (per-channel folded bias and requantization constants, the weights
 * widened to int16, a row of input_zp for padding taps). */
int32_t se_depthwise_conv3x3_s8_get_buffer_size(const se_dims *input_dims);
int32_t se_depthwise_conv3x3_s8_ref_get_buffer_size(const se_dims *input_dims);
int32_t se_depthwise_conv3x3_s8_dsp_get_buffer_size(const se_dims *input_dims);
se_status se_depthwise_conv3x3_s8(SE_CONV2D_S8_ARGS);
se_status se_depthwise_conv3x3_s8_ref(SE_CONV2D_S8_ARGS);
se_status se_depthwise_conv3x3_s8_dsp(SE_CONV2D_S8_ARGS);

/* Pointwise 1x1, stride 1, no padding. filter dims {n = C_out, h = 1, w = 1,
 * c = C_in}, layout [C_out, C_in]; bias, quant of length C_out; output
 * [N, H, W, C_out]. A filter other than 1x1, or output H, W other than the input's:
 * SE_ERR_BAD_SHAPE; stride != 1 or pad != 0 (use se_conv2d_s8) or
 * C_in > 65536: SE_ERR_UNSUPPORTED; other statuses as for conv2d.
 * Scratch: 0 bytes for _ref; 4 * C_in bytes for _dsp (two pixels as int16). */
int32_t se_conv1x1_s8_get_buffer_size(const se_dims *input_dims);
int32_t se_conv1x1_s8_ref_get_buffer_size(const se_dims *input_dims);
int32_t se_conv1x1_s8_dsp_get_buffer_size(const se_dims *input_dims);
se_status se_conv1x1_s8(SE_CONV2D_S8_ARGS);
se_status se_conv1x1_s8_ref(SE_CONV2D_S8_ARGS);
se_status se_conv1x1_s8_dsp(SE_CONV2D_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_CONV_H */
