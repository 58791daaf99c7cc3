/* Depthwise 3x3 convolution, reference kernel: the definition of the result. */
#include "se_conv_output.h"
#include "se_depthwise_common.h"
#include "tinyformer/runtime/se_conv.h"

int32_t se_depthwise_conv3x3_s8_ref_get_buffer_size(const se_dims *input_dims)
{
    (void)input_dims;
    return 0;
}

se_status se_depthwise_conv3x3_s8_ref(SE_CONV2D_S8_ARGS)
{
    const se_status status = se_depthwise_conv3x3_validate(ctx, params, quant, input_dims, input, filter_dims,
                                                           filter, output_dims, output, 0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_h = input_dims->h, in_w = input_dims->w, channels = input_dims->c;
    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * in_h * in_w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++) {
            for (int32_t ox = 0; ox < output_dims->w; ox++) {
                const int32_t iy0 = oy * params->stride_h - params->pad_h;
                const int32_t ix0 = ox * params->stride_w - params->pad_w;
                for (int32_t c = 0; c < channels; c++) {
                    int32_t sum = 0;
                    for (int32_t ky = 0; ky < 3; ky++) {
                        for (int32_t kx = 0; kx < 3; kx++) {
                            const int32_t iy = iy0 + ky, ix = ix0 + kx;
                            if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
                                continue; /* padding: x - input_zp = 0 */
                            }
                            const int32_t x = image[((size_t)iy * in_w + ix) * channels + c];
                            sum += filter[(ky * 3 + kx) * channels + c] * (x - params->input_zp);
                        }
                    }
                    const int32_t acc = se_conv_add_wrap(se_conv_bias(bias, c), sum);
                    *output++ = se_conv_output_s8(acc, quant->multiplier[c], quant->shift[c], params);
                }
            }
        }
    }
    return SE_OK;
}
