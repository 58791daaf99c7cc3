/*
 * Pointwise 1x1 int8 convolution, reference kernel: the definition of the
 * result. Each output pixel is a matrix-vector product of the filter
 * [C_out, C_in] with the input pixel's C_in values (minus input_zp).
 */
#include "se_conv_output.h"
#include "se_conv_validate.h"
#include "tinyformer/runtime/se_conv.h"

int32_t se_conv1x1_s8_ref_get_buffer_size(const se_dims *input_dims)
{
    (void)input_dims;
    return 0;
}

se_status se_conv1x1_s8_ref(SE_CONV2D_S8_ARGS)
{
    const int32_t scratch_needed = se_conv1x1_s8_ref_get_buffer_size(input_dims);
    const se_status status = se_conv_validate_pointwise(ctx, params, quant, input_dims, input, filter_dims, filter,
                                                        output_dims, output, scratch_needed);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_c = input_dims->c, out_c = output_dims->c;
    const int32_t input_zp = params->input_zp;
    const int32_t pixels = input_dims->n * input_dims->h * input_dims->w;

    for (int32_t p = 0; p < pixels; p++) {
        const int8_t *pixel = input + (size_t)p * in_c;
        int8_t *out = output + (size_t)p * out_c;
        for (int32_t oc = 0; oc < out_c; oc++) {
            const int8_t *weights = filter + (size_t)oc * in_c;
            int32_t sum = 0;
            for (int32_t ic = 0; ic < in_c; ic++) {
                sum += weights[ic] * (pixel[ic] - input_zp);
            }
            const int32_t acc = se_conv_add_wrap(se_conv_bias(bias, oc), sum);
            out[oc] = se_conv_output_s8(acc, quant->multiplier[oc], quant->shift[oc], params);
        }
    }
    return SE_OK;
}
