/*
 * General int8 conv2d, reference kernel: the definition of the result
 * (docs/numerics.md, section 4). Plain loops over every output element and
 * every tap inside the image; taps in the padding contribute nothing
 * (x = input_zp).
 */
#include "se_conv_output.h"
#include "se_conv_validate.h"
#include "tinyformer/runtime/se_conv.h"

int32_t se_conv2d_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 0;
}

se_status se_conv2d_s8_ref(SE_CONV2D_S8_ARGS)
{
    const se_status status = se_conv_validate_dense(ctx, params, quant, input_dims, input, filter_dims, filter,
                                                    output_dims, output,
                                                    se_conv2d_s8_ref_get_buffer_size(input_dims, filter_dims));
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t input_zp = params->input_zp;

    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            /* The window's rows and columns that fall inside the image;
             * the others are padding and contribute nothing. */
            const int32_t y0 = oy * params->stride_h - params->pad_h;
            const int32_t ky_lo = y0 < 0 ? -y0 : 0;
            const int32_t ky_hi = in_h - y0 < k_h ? in_h - y0 : k_h;
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * params->stride_w - params->pad_w;
                const int32_t kx_lo = x0 < 0 ? -x0 : 0;
                const int32_t kx_hi = in_w - x0 < k_w ? in_w - x0 : k_w;
                /* Inside one kernel row the taps kx_lo .. kx_hi-1 read
                 * consecutive input pixels: one run of row_len values. */
                const int32_t row_len = kx_hi > kx_lo ? (kx_hi - kx_lo) * in_c : 0;
                int8_t *out = output + (((size_t)n * out_h + oy) * out_w + ox) * out_c;
                for (int32_t oc = 0; oc < out_c; oc++) {
                    const int8_t *weights = filter + (size_t)oc * k_h * k_w * in_c;
                    int32_t sum = 0;
                    for (int32_t ky = ky_lo; ky < ky_hi; ky++) {
                        const int8_t *x = image + ((size_t)(y0 + ky) * in_w + (x0 + kx_lo)) * in_c;
                        const int8_t *w = weights + ((size_t)ky * k_w + kx_lo) * in_c;
                        for (int32_t i = 0; i < row_len; i++) {
                            sum += w[i] * (x[i] - input_zp);
                        }
                    }
                    const int32_t acc = se_conv_add_wrap(se_conv_bias(bias, oc), sum);
                    out[oc] = se_conv_output_s8(acc, quant->multiplier[oc], quant->shift[oc], params);
                }
            }
        }
    }
    return SE_OK;
}
