/*
 * Fully connected over a batch of tokens, DSP kernel (ARMv7E-M SMLAD).
 *
 * Tokens are taken two at a time and packed into scratch as int16 pairs with
 * -input_zp already added (se_matmul_dsp.h); each pair of weight rows is then
 * widened once per 4 inputs and multiplied into both tokens: 2 tokens x 2
 * output channels per inner loop, 4 accumulators, every loaded word used twice.
 * A last odd token (and batch 1) runs 4 output channels against one packed
 * token. The weights are symmetric, so neither operand needs a correction term.
 */
#include "se_matmul_args.h"
#include "se_matmul_dsp.h"
#include "tinyformer/runtime/se_fully_connected.h"

int32_t se_fully_connected_s8_dsp_get_buffer_size(const se_fc_dims *dims)
{
    if (!se_fc_dims_ok(dims)) {
        return 0;
    }
    const int32_t words = dims->tokens >= 2 ? se_matmul_packed_pair_words(dims->in_features)
                                            : se_matmul_packed_words(dims->in_features);
    return words * (int32_t)sizeof(uint32_t);
}

se_status se_fully_connected_s8_dsp(SE_FULLY_CONNECTED_S8_ARGS)
{
    const se_status status = se_fc_check_args(ctx, params, quant, dims, input, weights, output,
                                              se_fully_connected_s8_dsp_get_buffer_size(dims));
    if (status != SE_OK) {
        return status;
    }
    const int32_t in_features = dims->in_features;
    const int32_t out_features = dims->out_features;
    const int32_t out_zp = params->output_zp, act_min = params->act.min, act_max = params->act.max;
    uint32_t *packed = (uint32_t *)ctx->buf;

    int32_t t = 0;
    for (; t + 1 < dims->tokens; t += 2) {
        const int8_t *x0 = input + (ptrdiff_t)t * in_features;
        int8_t *out0 = output + (ptrdiff_t)t * out_features;
        int8_t *out1 = out0 + out_features;
        se_matmul_pack_column_pair(x0, x0 + in_features, 1, in_features, -params->input_zp, packed);

        const int8_t *w = weights;
        int32_t o = 0;
        for (; o + 1 < out_features; o += 2) {
            const int32_t bias0 = bias != NULL ? bias[o] : 0;
            const int32_t bias1 = bias != NULL ? bias[o + 1] : 0;
            int32_t acc[4] = {bias0, bias0, bias1, bias1}; /* [channel][token] */
            se_matmul_dot_2x2(w, w + in_features, packed, in_features, 0, 1, acc);
            const se_matmul_requant q0 = se_matmul_requant_make(quant->multiplier[o], quant->shift[o]);
            const se_matmul_requant q1 = se_matmul_requant_make(quant->multiplier[o + 1], quant->shift[o + 1]);
            out0[o] = se_matmul_output_s8(acc[0], &q0, out_zp, act_min, act_max);
            out1[o] = se_matmul_output_s8(acc[1], &q0, out_zp, act_min, act_max);
            out0[o + 1] = se_matmul_output_s8(acc[2], &q1, out_zp, act_min, act_max);
            out1[o + 1] = se_matmul_output_s8(acc[3], &q1, out_zp, act_min, act_max);
            w += 2 * (ptrdiff_t)in_features;
        }
        if (o < out_features) {
            const int32_t bias0 = bias != NULL ? bias[o] : 0;
            int32_t acc[2] = {bias0, bias0};
            se_matmul_dot_1x2(w, packed, in_features, 0, 1, acc);
            const se_matmul_requant q0 = se_matmul_requant_make(quant->multiplier[o], quant->shift[o]);
            out0[o] = se_matmul_output_s8(acc[0], &q0, out_zp, act_min, act_max);
            out1[o] = se_matmul_output_s8(acc[1], &q0, out_zp, act_min, act_max);
        }
    }

    if (t < dims->tokens) {
        const int8_t *x = input + (ptrdiff_t)t * in_features;
        int8_t *out = output + (ptrdiff_t)t * out_features;
        se_matmul_pack_column(x, 1, in_features, -params->input_zp, packed);

        const int8_t *w = weights;
        int32_t o = 0;
        for (; o + 3 < out_features; o += 4) {
            int32_t acc[4] = {0, 0, 0, 0};
            if (bias != NULL) {
                acc[0] = bias[o];
                acc[1] = bias[o + 1];
                acc[2] = bias[o + 2];
                acc[3] = bias[o + 3];
            }
            se_matmul_dot_4x1(w, in_features, packed, in_features, 0, 1, acc);
            for (int32_t r = 0; r < 4; ++r) {
                const se_matmul_requant q = se_matmul_requant_make(quant->multiplier[o + r], quant->shift[o + r]);
                out[o + r] = se_matmul_output_s8(acc[r], &q, out_zp, act_min, act_max);
            }
            w += 4 * (ptrdiff_t)in_features;
        }
        for (; o < out_features; ++o) {
            const int32_t acc = se_matmul_dot_1x1(w, packed, in_features, 0, 1, bias != NULL ? bias[o] : 0);
            const se_matmul_requant q = se_matmul_requant_make(quant->multiplier[o], quant->shift[o]);
            out[o] = se_matmul_output_s8(acc, &q, out_zp, act_min, act_max);
            w += in_features;
        }
    }
    return SE_OK;
}
