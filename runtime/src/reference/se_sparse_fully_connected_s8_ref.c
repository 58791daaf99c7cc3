/*
 * Sparse fully connected layer, reference kernel: the definition. Per token the stream
 * [C_out, C_in] is walked once; output channels without entries get bias only. No scratch.
 */
#include "se_matmul_args.h"
#include "se_sparse_kernel_common.h"

int32_t se_sparse_fully_connected_s8_ref_get_buffer_size(const se_fc_dims *dims, const se_sparse_weights *weights)
{
    (void)dims;
    (void)weights;
    return 0;
}

static int8_t se_sparse_fc_output(int32_t acc, int32_t row, const se_per_channel_quant *quant,
                                  const se_fc_params *params)
{
    const int32_t y = se_requantize(acc, quant->multiplier[row], quant->shift[row]) + params->output_zp;
    return (int8_t)se_clamp(y, params->act.min, params->act.max);
}

se_status se_sparse_fully_connected_s8_ref(SE_SPARSE_FC_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    se_status status = se_fc_check_args(ctx, params, quant, dims, input, (const int8_t *)weights, output, 0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_c = dims->in_features, out_c = dims->out_features;
    status = se_sparse_check_weights(weights, 0, out_c, in_c, 0);
    if (status != SE_OK) {
        return status;
    }
    for (int32_t t = 0; t < dims->tokens; t++) {
        const int8_t *x = input + (size_t)t * in_c;
        int8_t *out = output + (size_t)t * out_c;
        int32_t row = 0;
        int32_t acc = se_sparse_bias(bias, 0);
        se_sparse_iter it;
        se_sparse_iter_init(&it, weights->stream, weights->entries, weights->block, in_c);
        while (se_sparse_iter_next(&it)) {
            for (; row < it.row; row++) {
                out[row] = se_sparse_fc_output(acc, row, quant, params);
                acc = se_sparse_bias(bias, row + 1);
            }
            for (int32_t k = 0; k < weights->block; k++) {
                acc = se_sparse_add_wrap(acc, it.values[k] * (x[it.col + k] - params->input_zp));
            }
        }
        for (; row < out_c; row++) {
            out[row] = se_sparse_fc_output(acc, row, quant, params);
            acc = se_sparse_bias(bias, row + 1 < out_c ? row + 1 : row);
        }
    }
    return SE_OK;
}
