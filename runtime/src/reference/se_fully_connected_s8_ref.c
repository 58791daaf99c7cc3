/*
 * Fully connected over a batch of tokens, reference kernel: the definition of
 * the arithmetic (docs/numerics.md, section 4). Plain loops, no scratch.
 */
#include "se_fixedpoint.h"
#include "se_matmul_args.h"
#include "tinyformer/runtime/se_fully_connected.h"

int32_t se_fully_connected_s8_ref_get_buffer_size(const se_fc_dims *dims)
{
    (void)dims;
    return 0;
}

se_status se_fully_connected_s8_ref(SE_FULLY_CONNECTED_S8_ARGS)
{
    const se_status status = se_fc_check_args(ctx, params, quant, dims, input, weights, output, 0);
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_features = dims->in_features;
    const int32_t out_features = dims->out_features;

    for (int32_t t = 0; t < dims->tokens; ++t) {
        const int8_t *x = input + (ptrdiff_t)t * in_features;
        int8_t *out = output + (ptrdiff_t)t * out_features;
        for (int32_t o = 0; o < out_features; ++o) {
            const int8_t *w = weights + (ptrdiff_t)o * in_features;
            /* bias + the products wrap modulo 2^32, like the DSP kernels' SMLAD accumulation */
            uint32_t sum = (uint32_t)(bias != NULL ? bias[o] : 0);
            for (int32_t i = 0; i < in_features; ++i) {
                sum += (uint32_t)((int32_t)w[i] * ((int32_t)x[i] - params->input_zp));
            }
            const int32_t acc = (int32_t)sum;
            const int32_t y = se_requantize(acc, quant->multiplier[o], quant->shift[o]) + params->output_zp;
            out[o] = (int8_t)se_clamp(y, params->act.min, params->act.max);
        }
    }
    return SE_OK;
}
