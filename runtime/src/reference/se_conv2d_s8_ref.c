/*
 * General int8 conv2d, reference kernel: the definition of the result
 * (docs/numerics.md, section 4). Plain loops over every output element and
 * every tap; taps in the padding contribute nothing (x = input_zp).
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

    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++) {
            for (int32_t ox = 0; ox < out_w; ox++) {
                int8_t *out = output + (((size_t)n * out_h + oy) * out_w + ox) * out_c;
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                const int32_t x0 = ox * params->stride_w - params->pad_w;
                for (int32_t oc = 0; oc < out_c; oc++) {
                    const int8_t *weights = filter + (size_t)oc * k_h * k_w * in_c;
                    int32_t sum = 0;
                    for (int32_t ky = 0; ky < k_h; ky++) {
                        const int32_t y = y0 + ky;
                        if (y < 0 || y >= in_h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < k_w; kx++) {
                            const int32_t x = x0 + kx;
                            if (x < 0 || x >= in_w) {
                                continue;
                            }
                            const int8_t *pixel = image + ((size_t)y * in_w + x) * in_c;
                            const int8_t *tap = weights + ((size_t)ky * k_w + kx) * in_c;
                            for (int32_t ic = 0; ic < in_c; ic++) {
                                sum += tap[ic] * (pixel[ic] - params->input_zp);
                            }
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
