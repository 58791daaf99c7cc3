/*
 * Sparse general conv2d for ARMv7E-M (SMLAD). Same result as se_sparse_conv2d_s8_ref.
 *
 * Output pixels go four at a time: their receptive fields are copied into the column buffer as
 * int16 with the input offset added (im2col, padding taps 0; layout: se_sparse_kernel_dsp.h), once
 * per group and shared by all C_out rows; then every row walks only its coded entries. Block 3
 * (width taps of 3x3 kernels) has no SMLAD path: it runs the reference loop.
 */
#include "se_conv_validate.h"
#include "se_sparse_kernel_dsp.h"

int32_t se_sparse_conv2d_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                const se_sparse_weights *weights)
{
    (void)input_dims;
    if (filter_dims == NULL || filter_dims->n <= 0 || filter_dims->h <= 0 || filter_dims->w <= 0 ||
        filter_dims->c <= 0) {
        return 0;
    }
    return se_sparse_dsp_buffer_size((int64_t)filter_dims->h * filter_dims->w * filter_dims->c, 4, filter_dims->n,
                                     weights);
}

typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t k_h, k_w, block;
    uint32_t offset_pair;
} se_sparse_conv2d_geometry;

/* Receptive field of the window at (y0, x0) of `image` into column `slot`: each kernel row is a
 * contiguous run of KW * C_in taps, written as (left padding, input values, right padding). */
static void se_sparse_conv2d_im2col(const se_sparse_conv2d_geometry *g, const int8_t *image, int32_t y0, int32_t x0,
                                    int16_t *cols, int32_t slot)
{
    const int32_t row_taps = g->k_w * g->in_c;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = g->in_w - x0 < g->k_w ? g->in_w - x0 : g->k_w;
    const int32_t inside = kx_hi > kx_lo ? (kx_hi - kx_lo) * g->in_c : 0;
    const int32_t left = kx_lo * g->in_c < row_taps ? kx_lo * g->in_c : row_taps;
    int32_t k = 0;
    for (int32_t ky = 0; ky < g->k_h; ky++, k += row_taps) {
        const int32_t y = y0 + ky;
        if (y < 0 || y >= g->in_h || inside == 0) {
            se_sparse_col_write_run(cols, 4, g->block, slot, k, NULL, row_taps, g->offset_pair);
            continue;
        }
        const int8_t *src = image + ((size_t)y * g->in_w + (x0 + kx_lo)) * g->in_c;
        if (left > 0) {
            se_sparse_col_write_run(cols, 4, g->block, slot, k, NULL, left, g->offset_pair);
        }
        se_sparse_col_write_run(cols, 4, g->block, slot, k + left, src, inside, g->offset_pair);
        if (row_taps - left - inside > 0) {
            se_sparse_col_write_run(cols, 4, g->block, slot, k + left + inside, NULL, row_taps - left - inside,
                                    g->offset_pair);
        }
    }
}

se_status se_sparse_conv2d_s8_dsp(SE_SPARSE_CONV_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    se_status status =
        se_conv_validate_dense(ctx, params, quant, input_dims, input, filter_dims, (const int8_t *)weights,
                               output_dims, output, se_sparse_conv2d_s8_dsp_get_buffer_size(input_dims, filter_dims,
                                                                                             weights));
    if (status != SE_OK) {
        return status;
    }
    const int32_t row_len = filter_dims->h * filter_dims->w * filter_dims->c;
    const int32_t out_c = output_dims->c;
    status = se_sparse_check_weights(weights, weights->block == 3 && filter_dims->w != 3, out_c, row_len,
                                     weights->row_table != NULL);
    if (status != SE_OK) {
        return status;
    }
    if (weights->block == 3) {
        return se_sparse_conv2d_s8_ref(ctx, params, quant, input_dims, input, filter_dims, weights, bias,
                                       output_dims, output);
    }
    se_sparse_conv2d_geometry g;
    g.in_h = input_dims->h;
    g.in_w = input_dims->w;
    g.in_c = input_dims->c;
    g.k_h = filter_dims->h;
    g.k_w = filter_dims->w;
    g.block = weights->block;
    g.offset_pair = se_sparse_offset_pair(params->input_zp);

    const se_sparse_scratch scratch = se_sparse_scratch_split(ctx->buf, row_len, 4, out_c);
    int16_t *cols = scratch.cols;
    const int32_t *table = se_sparse_dsp_row_table(weights, out_c, row_len, scratch.table);
    const se_sparse_out_stage st = {bias, quant->multiplier, quant->shift, params->output_zp, params->act.min,
                                    params->act.max};
    se_sparse_make_plans(scratch.plans, bias, quant->multiplier, quant->shift, out_c);
    const int32_t out_h = output_dims->h, out_w = output_dims->w;
    const size_t image_size = (size_t)g.in_h * g.in_w * g.in_c;
    int8_t *pending[4];
    int32_t filled = 0;
    const int8_t *last_image = input;
    /* pending[0] starts a run of consecutive output pixels (their index grows by 1 per pixel) */
    int32_t last_y0 = 0, last_x0 = 0;

    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * image_size;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * params->stride_h - params->pad_h;
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * params->stride_w - params->pad_w;
                se_sparse_conv2d_im2col(&g, image, y0, x0, cols, filled);
                pending[filled++] = output + (((size_t)n * out_h + oy) * out_w + ox) * out_c;
                if (filled == 4) { /* 4 consecutive output pixels */
                    se_sparse_rows_4col(weights, table, out_c, cols, scratch.plans, &st, pending[0], out_c);
                    filled = 0;
                }
                last_image = image;
                last_y0 = y0;
                last_x0 = x0;
            }
        }
    }
    if (filled > 0) { /* 1 to 3 pixels left: the last one fills the free slots; results via the tail buffer */
        for (int32_t slot = filled; slot < 4; slot++) {
            se_sparse_conv2d_im2col(&g, last_image, last_y0, last_x0, cols, slot);
        }
        se_sparse_rows_4col(weights, table, out_c, cols, scratch.plans, &st, scratch.tail, out_c);
        memcpy(pending[0], scratch.tail, (size_t)filled * (size_t)out_c);
    }
    return SE_OK;
}
