/*
 * SeqPool, reference kernel: softmax weights over tokens, then a weighted sum
 * of the tokens per channel (se_seqpool.h).
 */
#include "se_seqpool_common.h"
#include "tinyformer/runtime/se_seqpool.h"

int32_t se_seqpool_s8_ref_get_buffer_size(int32_t tokens, int32_t channels)
{
    (void)channels;
    return se_seqpool_buffer_size(tokens);
}

se_status se_seqpool_s8_ref(SE_SEQPOOL_S8_ARGS)
{
    se_status status = se_seqpool_check_args(ctx, params, tokens, channels, input, logits, output);
    if (status != SE_OK) {
        return status;
    }
    const int16_t *w = NULL;
    status = se_seqpool_token_weights(ctx, params, tokens, logits, se_softmax_s8_ref, &w);
    if (status != SE_OK) {
        return status;
    }
    for (int32_t c = 0; c < channels; c++) {
        int32_t acc = 0;
        for (int32_t t = 0; t < tokens; t++) {
            acc += w[t] * (input[(size_t)t * (size_t)channels + (size_t)c] - params->input_zp);
        }
        output[c] = se_seqpool_output(acc, params);
    }
    return SE_OK;
}
