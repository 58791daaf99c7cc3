/*
 * Sparse fully connected layer for ARMv7E-M (SMLAD). Same result as
 * se_sparse_fully_connected_s8_ref. Tokens go four at a time, widened once to int16 with the input
 * offset added (layout: se_sparse_kernel_dsp.h), then every output row walks only its coded
 * entries; the 1 to 3 tokens left over go one at a time. Block 3 runs the reference loop.
 */
#include "se_matmul_args.h"
#include "se_sparse_kernel_dsp.h"

int32_t se_sparse_fully_connected_s8_dsp_get_buffer_size(const se_fc_dims *dims, const se_sparse_weights *weights)
{
    if (dims == NULL || dims->tokens <= 0 || dims->out_features <= 0) {
        return 0;
    }
    return se_sparse_dsp_buffer_size(dims->in_features, dims->tokens >= 4 ? 4 : 1, dims->out_features, weights);
}

se_status se_sparse_fully_connected_s8_dsp(SE_SPARSE_FC_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    se_status status = se_fc_check_args(ctx, params, quant, dims, input, (const int8_t *)weights, output,
                                        se_sparse_fully_connected_s8_dsp_get_buffer_size(dims, weights));
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_c = dims->in_features, out_c = dims->out_features, tokens = dims->tokens;
    status = se_sparse_check_weights(weights, 0, out_c, in_c, weights->row_table != NULL);
    if (status != SE_OK) {
        return status;
    }
    if (weights->block == 3) {
        return se_sparse_fully_connected_s8_ref(ctx, params, quant, dims, input, weights, bias, output);
    }
    const int32_t columns = tokens >= 4 ? 4 : 1;
    const se_sparse_scratch scratch = se_sparse_scratch_split(ctx->buf, in_c, columns, out_c);
    int16_t *cols = scratch.cols;
    const int32_t *table = se_sparse_dsp_row_table(weights, out_c, in_c, scratch.table);
    const se_sparse_out_stage st = {bias, quant->multiplier, quant->shift, params->output_zp, params->act.min,
                                    params->act.max};
    const uint32_t offset_pair = se_sparse_offset_pair(params->input_zp);
    int32_t t = 0;
    if (columns == 4) {
        se_sparse_make_plans(scratch.plans, bias, quant->multiplier, quant->shift, out_c);
    }
    for (; t + 4 <= tokens; t += 4) {
        for (int32_t slot = 0; slot < 4; slot++) {
            se_sparse_col_write_run(cols, 4, weights->block, slot, 0, input + (size_t)(t + slot) * in_c, in_c,
                                    offset_pair);
        }
        se_sparse_rows_4col(weights, table, out_c, cols, scratch.plans, &st, output + (size_t)t * out_c, out_c);
    }
    for (; t < tokens; t++) {
        se_sparse_col_write_run(cols, 1, weights->block, 0, 0, input + (size_t)t * in_c, in_c, offset_pair);
        se_sparse_rows_1col(weights, table, out_c, cols, &st, output + (size_t)t * out_c);
    }
    return SE_OK;
}
