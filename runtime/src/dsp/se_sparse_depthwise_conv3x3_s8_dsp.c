/*
 * Sparse depthwise 3x3 convolution, DSP variant. Same result as se_sparse_depthwise_conv3x3_s8_ref.
 *
 * A depthwise layer has no reduction across channels, so there is nothing for SMLAD to pair
 * cheaply (the taps of one channel are C bytes apart in NHWC). Instead the kernel goes channel by
 * channel: the channel's entries (block 3 = one kernel row) are read once into 3 weights per
 * present row, and the spatial loop then visits only the present kernel rows. The input offset of
 * an interior row folds into one constant (input_zp * the row's weight sum); border windows take
 * the checked path. No scratch.
 */
#include "se_depthwise_common.h"
#include "se_requant_fast.h"
#include "se_sparse_kernel_common.h"

int32_t se_sparse_depthwise_conv3x3_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                           const se_sparse_weights *weights)
{
    (void)input_dims;
    (void)filter_dims;
    (void)weights;
    return 0;
}

/* One channel's non-zero kernel rows. */
typedef struct {
    int32_t count;
    int32_t ky[3];
    int32_t w[3][3];
    int32_t zp_sum[3]; /* input_zp * (w0 + w1 + w2) */
} se_sparse_dw_rows;

/* Sum over one kernel row of one window: w * (x - input_zp), padding taps contribute 0. */
static inline int32_t se_sparse_dw_row(const int8_t *row, int32_t ix0, int32_t in_w, int32_t channels,
                                       const int32_t *w, int32_t zp_sum, int32_t input_zp)
{
    if (ix0 >= 0 && ix0 + 2 < in_w) { /* interior: no checks, the offset folded */
        const int8_t *x = row + (size_t)ix0 * channels;
        return w[0] * x[0] + w[1] * x[channels] + w[2] * x[2 * channels] - zp_sum;
    }
    int32_t sum = 0;
    for (int32_t kx = 0; kx < 3; kx++) {
        const int32_t ix = ix0 + kx;
        if (ix >= 0 && ix < in_w) {
            sum += w[kx] * (row[(size_t)ix * channels] - input_zp);
        }
    }
    return sum;
}

se_status se_sparse_depthwise_conv3x3_s8_dsp(SE_SPARSE_CONV_S8_ARGS)
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
    status = se_sparse_check_weights(weights, weights->block != 3, channels, 9, weights->row_table != NULL);
    if (status != SE_OK) {
        return status;
    }
    const int32_t out_h = output_dims->h, out_w = output_dims->w, input_zp = params->input_zp;
    const int32_t zp = params->output_zp, act_min = params->act.min, act_max = params->act.max;
    const size_t image_size = (size_t)in_h * in_w * channels;
    se_sparse_iter it;
    se_sparse_iter_init(&it, weights->stream, weights->entries, 3, 9);
    int have_entry = se_sparse_iter_next(&it);
    for (int32_t c = 0; c < channels; c++) {
        se_sparse_dw_rows rows;
        rows.count = 0;
        for (; have_entry && it.row == c; have_entry = se_sparse_iter_next(&it)) {
            const int32_t i = rows.count++; /* one entry per kernel row, in row order */
            rows.ky[i] = it.col / 3;
            rows.w[i][0] = it.values[0];
            rows.w[i][1] = it.values[1];
            rows.w[i][2] = it.values[2];
            rows.zp_sum[i] = input_zp * (rows.w[i][0] + rows.w[i][1] + rows.w[i][2]);
        }
        const se_requant_fast q = se_requant_fast_make(quant->multiplier[c], quant->shift[c]);
        const int32_t channel_bias = se_sparse_bias(bias, c);
        for (int32_t n = 0; n < input_dims->n; n++) {
            const int8_t *image = input + (size_t)n * image_size + c;
            int8_t *out = output + (size_t)n * out_h * out_w * channels + c;
            for (int32_t oy = 0; oy < out_h; oy++, out += (size_t)out_w * channels) {
                /* the present kernel rows that fall inside the image for this output row */
                const int32_t iy0 = oy * params->stride_h - params->pad_h;
                const int8_t *row[3];
                const int32_t *w[3];
                int32_t zp_sum[3], inside = 0, interior_bias = channel_bias;
                for (int32_t i = 0; i < rows.count; i++) {
                    const int32_t iy = iy0 + rows.ky[i];
                    if (iy >= 0 && iy < in_h) {
                        row[inside] = image + (size_t)iy * in_w * channels;
                        w[inside] = rows.w[i];
                        zp_sum[inside] = rows.zp_sum[i];
                        interior_bias = se_sparse_add_wrap(interior_bias, -rows.zp_sum[i]); /* mod 2^32 */
                        inside++;
                    }
                }
                for (int32_t ox = 0; ox < out_w; ox++) {
                    const int32_t ix0 = ox * params->stride_w - params->pad_w;
                    int32_t acc;
                    if (ix0 >= 0 && ix0 + 2 < in_w) { /* interior window: no checks */
                        const size_t at = (size_t)ix0 * channels;
                        acc = interior_bias;
                        for (int32_t j = 0; j < inside; j++) {
                            const int8_t *x = row[j] + at;
                            acc = se_sparse_add_wrap(acc, w[j][0] * x[0] + w[j][1] * x[channels] +
                                                              w[j][2] * x[2 * channels]);
                        }
                    } else {
                        acc = channel_bias;
                        for (int32_t j = 0; j < inside; j++) {
                            acc = se_sparse_add_wrap(acc, se_sparse_dw_row(row[j], ix0, in_w, channels, w[j],
                                                                           zp_sum[j], input_zp));
                        }
                    }
                    out[(size_t)ox * channels] =
                        (int8_t)se_clamp(se_requant_fast_apply(acc, &q) + zp, act_min, act_max);
                }
            }
        }
    }
    return SE_OK;
}
