/*
 * SeqPool, DSP kernel (same bits as se_seqpool_s8_ref): the softmax DSP
 * kernel for the weights, then four channels by two tokens per step: the
 * int8 pairs (x[t][c], x[t+1][c]) are formed with SXTB16 + PKHBT/PKHTB and
 * multiplied by the weight pair (w[t], w[t+1]) with one SMLAD. The input zero
 * point is taken out once per channel as input_zp * sum(w).
 */
#include "se_dsp_intrinsics.h"
#include "se_seqpool_common.h"
#include "tinyformer/runtime/se_seqpool.h"

int32_t se_seqpool_s8_dsp_get_buffer_size(int32_t tokens, int32_t channels)
{
    (void)channels;
    return se_seqpool_buffer_size(tokens);
}

se_status se_seqpool_s8_dsp(SE_SEQPOOL_S8_ARGS)
{
    se_status status = se_seqpool_check_args(ctx, params, tokens, channels, input, logits, output);
    if (status != SE_OK) {
        return status;
    }
    const int16_t *w = NULL;
    status = se_seqpool_token_weights(ctx, params, tokens, logits, se_softmax_s8_dsp, &w);
    if (status != SE_OK) {
        return status;
    }
    int32_t weight_sum = 0;
    for (int32_t t = 0; t < tokens; t++) {
        weight_sum += w[t];
    }
    const int32_t zp_term = params->input_zp * weight_sum; /* <= 128 * 255 * 4095 */
    const size_t stride = (size_t)channels;

    int32_t c = 0;
    for (; c + 4 <= channels; c += 4) {
        int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
        const int8_t *x = input + c;
        int32_t t = 0;
        for (; t + 2 <= tokens; t += 2, x += 2 * stride) {
            uint32_t w_pair;
            memcpy(&w_pair, w + t, 4);
            const uint32_t row0 = se_read_u32(x), row1 = se_read_u32(x + stride);
            const uint32_t even0 = se_sxtb16(row0), odd0 = se_sxtb16_ror8(row0);
            const uint32_t even1 = se_sxtb16(row1), odd1 = se_sxtb16_ror8(row1);
            acc0 = se_smlad(se_pkhbt(even0, even1), w_pair, acc0);
            acc1 = se_smlad(se_pkhbt(odd0, odd1), w_pair, acc1);
            acc2 = se_smlad(se_pkhtb(even1, even0), w_pair, acc2);
            acc3 = se_smlad(se_pkhtb(odd1, odd0), w_pair, acc3);
        }
        if (t < tokens) {
            acc0 += w[t] * x[0];
            acc1 += w[t] * x[1];
            acc2 += w[t] * x[2];
            acc3 += w[t] * x[3];
        }
        output[c] = se_seqpool_output(acc0 - zp_term, params);
        output[c + 1] = se_seqpool_output(acc1 - zp_term, params);
        output[c + 2] = se_seqpool_output(acc2 - zp_term, params);
        output[c + 3] = se_seqpool_output(acc3 - zp_term, params);
    }
    for (; c < channels; c++) {
        int32_t acc = 0;
        for (int32_t t = 0; t < tokens; t++) {
            acc += w[t] * input[(size_t)t * stride + (size_t)c];
        }
        output[c] = se_seqpool_output(acc - zp_term, params);
    }
    return SE_OK;
}
