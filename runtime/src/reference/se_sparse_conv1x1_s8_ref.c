/*
 * Sparse pointwise 1x1 convolution, reference kernel: the definition. Per input pixel the stream
 * [C_out, C_in] is walked once; output channels without entries get bias only. No scratch.
 */
#include "se_conv_output.h"
#include "se_conv_validate.h"
#include "se_sparse_kernel_common.h"

int32_t se_sparse_conv1x1_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                 const se_sparse_weights *weights)
{
    (void)input_dims;
    (void)filter_dims;
    (void)weights;
    return 0;
}

se_status se_sparse_conv1x1_s8_ref(SE_SPARSE_CONV_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    se_status status = se_conv_validate_pointwise(ctx, params, quant, input_dims, input, filter_dims,
                                                  (const int8_t *)weights, output_dims, output, 0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_c = input_dims->c, out_c = output_dims->c;
    status = se_sparse_check_weights(weights, 0, out_c, in_c, 0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t pixels = input_dims->n * input_dims->h * input_dims->w;
    for (int32_t p = 0; p < pixels; p++) {
        const int8_t *x = input + (size_t)p * in_c;
        int8_t *out = output + (size_t)p * out_c;
        int32_t row = 0;
        int32_t acc = se_conv_bias(bias, 0);
        se_sparse_iter it;
        se_sparse_iter_init(&it, weights->stream, weights->entries, weights->block, in_c);
        while (se_sparse_iter_next(&it)) {
            for (; row < it.row; row++) {
                out[row] = se_conv_output_s8(acc, quant->multiplier[row], quant->shift[row], params);
                acc = se_conv_bias(bias, row + 1);
            }
            for (int32_t t = 0; t < weights->block; t++) {
                acc = se_sparse_add_wrap(acc, it.values[t] * (x[it.col + t] - params->input_zp));
            }
        }
        for (; row < out_c; row++) {
            out[row] = se_conv_output_s8(acc, quant->multiplier[row], quant->shift[row], params);
            acc = se_conv_bias(bias, row + 1 < out_c ? row + 1 : row);
        }
    }
    return SE_OK;
}
