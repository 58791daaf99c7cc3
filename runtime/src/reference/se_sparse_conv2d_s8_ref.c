/*
 * Sparse general conv2d, reference kernel: the definition. For each output pixel the stream is
 * walked once with the iterator; each entry's b weights meet the input taps they code (coded order:
 * se_sparse_kernels.h), padding taps contribute nothing (x = input_zp). Output channels without
 * entries get bias only. No scratch.
 */
#include "se_conv_output.h"
#include "se_conv_validate.h"
#include "se_sparse_kernel_common.h"

int32_t se_sparse_conv2d_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                const se_sparse_weights *weights)
{
    (void)input_dims;
    (void)filter_dims;
    (void)weights;
    return 0;
}

/* Input tap k (coded order) of the window at (y0, x0): (ky, kx, ci). */
static void se_sparse_conv2d_tap(int32_t k, int32_t block, const se_dims *filter_dims, int32_t *ky, int32_t *kx,
                                 int32_t *ci)
{
    const int32_t in_c = filter_dims->c, k_w = filter_dims->w;
    if (block == 3) { /* [KH, C_in, KW] */
        *ky = k / (in_c * k_w);
        *ci = (k / k_w) % in_c;
        *kx = k % k_w;
    } else { /* [KH, KW, C_in] */
        *ky = k / (k_w * in_c);
        *kx = (k / in_c) % k_w;
        *ci = k % in_c;
    }
}

se_status se_sparse_conv2d_s8_ref(SE_SPARSE_CONV_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    /* The dense checks (the weights pointer stands in for the dense filter pointer). */
    se_status status = se_conv_validate_dense(ctx, params, quant, input_dims, input, filter_dims,
                                              (const int8_t *)weights, output_dims, output, 0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t row_len = filter_dims->h * filter_dims->w * filter_dims->c;
    status = se_sparse_check_weights(weights, weights->block == 3 && filter_dims->w != 3, output_dims->c, row_len,
                                     0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                const int32_t x0 = ox * params->stride_w - params->pad_w;
                int8_t *out = output + (((size_t)n * out_h + oy) * out_w + ox) * out_c;
                int32_t row = 0;
                int32_t acc = se_conv_bias(bias, 0);
                se_sparse_iter it;
                se_sparse_iter_init(&it, weights->stream, weights->entries, weights->block, row_len);
                while (se_sparse_iter_next(&it)) {
                    for (; row < it.row; row++) { /* rows finished before this entry */
                        out[row] = se_conv_output_s8(acc, quant->multiplier[row], quant->shift[row], params);
                        acc = se_conv_bias(bias, row + 1);
                    }
                    for (int32_t t = 0; t < weights->block; t++) {
                        int32_t ky, kx, ci;
                        se_sparse_conv2d_tap(it.col + t, weights->block, filter_dims, &ky, &kx, &ci);
                        const int32_t y = y0 + ky, x = x0 + kx;
                        if (y >= 0 && y < in_h && x >= 0 && x < in_w) {
                            const int32_t value = image[((size_t)y * in_w + x) * in_c + ci] - params->input_zp;
                            acc = se_sparse_add_wrap(acc, it.values[t] * value);
                        }
                    }
                }
                for (; row < out_c; row++) {
                    out[row] = se_conv_output_s8(acc, quant->multiplier[row], quant->shift[row], params);
                    acc = se_conv_bias(bias, row + 1 < out_c ? row + 1 : row);
                }
            }
        }
    }
    return SE_OK;
}
