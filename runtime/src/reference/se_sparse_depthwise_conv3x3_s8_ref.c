/*
 * Sparse depthwise 3x3 convolution, reference kernel: the definition. The coded matrix is [C, 9]
 * (row c = w[c][ky][kx]) with block 3: one entry is one kernel row ky of one channel. Per output
 * pixel the stream is walked once; channels without entries get bias only. No scratch.
 */
#include "se_conv_output.h"
#include "se_depthwise_common.h"
#include "se_sparse_kernel_common.h"

int32_t se_sparse_depthwise_conv3x3_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                           const se_sparse_weights *weights)
{
    (void)input_dims;
    (void)filter_dims;
    (void)weights;
    return 0;
}

se_status se_sparse_depthwise_conv3x3_s8_ref(SE_SPARSE_CONV_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    se_status status = se_depthwise_conv3x3_validate(ctx, params, quant, input_dims, input, filter_dims,
                                                     (const int8_t *)weights, output_dims, output, 0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_h = input_dims->h, in_w = input_dims->w, channels = input_dims->c;
    status = se_sparse_check_weights(weights, weights->block != 3, channels, 9, 0);
    if (status != SE_OK) {
        return status;
    }
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * in_h * in_w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int32_t iy0 = oy * params->stride_h - params->pad_h;
                const int32_t ix0 = ox * params->stride_w - params->pad_w;
                int32_t c = 0;
                int32_t acc = se_conv_bias(bias, 0);
                se_sparse_iter it;
                se_sparse_iter_init(&it, weights->stream, weights->entries, 3, 9);
                while (se_sparse_iter_next(&it)) {
                    for (; c < it.row; c++) {
                        *output++ = se_conv_output_s8(acc, quant->multiplier[c], quant->shift[c], params);
                        acc = se_conv_bias(bias, c + 1);
                    }
                    const int32_t iy = iy0 + it.col / 3;
                    if (iy < 0 || iy >= in_h) {
                        continue; /* a padding row: x - input_zp = 0 */
                    }
                    for (int32_t kx = 0; kx < 3; kx++) {
                        const int32_t ix = ix0 + kx;
                        if (ix >= 0 && ix < in_w) {
                            const int32_t x = image[((size_t)iy * in_w + ix) * channels + c];
                            acc = se_sparse_add_wrap(acc, it.values[kx] * (x - params->input_zp));
                        }
                    }
                }
                for (; c < channels; c++) {
                    *output++ = se_conv_output_s8(acc, quant->multiplier[c], quant->shift[c], params);
                    acc = se_conv_bias(bias, c + 1 < channels ? c + 1 : c);
                }
            }
        }
    }
    return SE_OK;
}
