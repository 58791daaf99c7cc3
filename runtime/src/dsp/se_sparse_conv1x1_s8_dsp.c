/*
 * Sparse pointwise 1x1 convolution for ARMv7E-M (SMLAD). Same result as se_sparse_conv1x1_s8_ref.
 * Four pixels at a time are widened to int16 with the input offset added (layout:
 * se_sparse_kernel_dsp.h); then every output row walks only its coded entries. Block 3 runs the
 * reference loop.
 */
#include "se_conv_validate.h"
#include "se_sparse_kernel_dsp.h"

int32_t se_sparse_conv1x1_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                 const se_sparse_weights *weights)
{
    (void)input_dims;
    if (filter_dims == NULL || filter_dims->n <= 0 || filter_dims->c <= 0) {
        return 0;
    }
    return se_sparse_dsp_buffer_size(filter_dims->c, 4, filter_dims->n, weights);
}

se_status se_sparse_conv1x1_s8_dsp(SE_SPARSE_CONV_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    se_status status = se_conv_validate_pointwise(
        ctx, params, quant, input_dims, input, filter_dims, (const int8_t *)weights, output_dims, output,
        se_sparse_conv1x1_s8_dsp_get_buffer_size(input_dims, filter_dims, weights));
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_c = input_dims->c, out_c = output_dims->c;
    status = se_sparse_check_weights(weights, 0, out_c, in_c, weights->row_table != NULL);
    if (status != SE_OK) {
        return status;
    }
    if (weights->block == 3) {
        return se_sparse_conv1x1_s8_ref(ctx, params, quant, input_dims, input, filter_dims, weights, bias,
                                        output_dims, output);
    }
    const se_sparse_scratch scratch = se_sparse_scratch_split(ctx->buf, in_c, 4, out_c);
    int16_t *cols = scratch.cols;
    const int32_t *table = se_sparse_dsp_row_table(weights, out_c, in_c, scratch.table);
    const se_sparse_out_stage st = {bias, quant->multiplier, quant->shift, params->output_zp, params->act.min,
                                    params->act.max};
    se_sparse_make_plans(scratch.plans, bias, quant->multiplier, quant->shift, out_c);
    const uint32_t offset_pair = se_sparse_offset_pair(params->input_zp);
    const int32_t pixels = input_dims->n * input_dims->h * input_dims->w;
    for (int32_t p = 0; p < pixels; p += 4) {
        for (int32_t slot = 0; slot < 4; slot++) {
            /* past the last pixel: repeat it (results dropped) */
            const int32_t pixel = p + slot < pixels ? p + slot : pixels - 1;
            se_sparse_col_write_run(cols, 4, weights->block, slot, 0, input + (size_t)pixel * in_c, in_c,
                                    offset_pair);
        }
        int8_t *out = output + (size_t)p * out_c;
        if (p + 4 <= pixels) {
            se_sparse_rows_4col(weights, table, out_c, cols, scratch.plans, &st, out, out_c);
        } else { /* 1 to 3 pixels: through the tail buffer */
            se_sparse_rows_4col(weights, table, out_c, cols, scratch.plans, &st, scratch.tail, out_c);
            memcpy(out, scratch.tail, (size_t)(pixels - p) * (size_t)out_c);
        }
    }
    return SE_OK;
}
