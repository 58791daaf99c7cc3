/*
 * Sequence pooling (CCT SeqPool): a softmax over tokens weights the tokens.
 *   p = se_softmax_s8(logits[tokens])           (scale 1/256, zero point -128)
 *   out[c] = clamp(requantize(sum_t (p[t] + 128) * (x[t][c] - input_zp), quant) + output_zp, act)
 * logits int8 [tokens] come from a Linear(C -> 1) computed beforehand with
 * se_fully_connected_s8; quant encodes s_x / (256 * s_out). Scratch holds the
 * exp cache and the token weights (se_seqpool_s8_get_buffer_size). The softmax
 * parameters are those of the logits. Variants as in se_conv.h.
 */
#ifndef TINYFORMER_RUNTIME_SE_SEQPOOL_H
#define TINYFORMER_RUNTIME_SE_SEQPOOL_H

#include "se_softmax.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    se_softmax_params softmax;
    int32_t input_zp;   /* [-128, 127] */
    int32_t output_zp;  /* [-128, 127] */
    se_quant quant;
    se_activation act;
} se_seqpool_params;

int32_t se_seqpool_s8_get_buffer_size(int32_t tokens, int32_t channels);
int32_t se_seqpool_s8_ref_get_buffer_size(int32_t tokens, int32_t channels);
int32_t se_seqpool_s8_dsp_get_buffer_size(int32_t tokens, int32_t channels);

#define SE_SEQPOOL_S8_ARGS                                                                         \
    const se_context *ctx, const se_seqpool_params *params, int32_t tokens, int32_t channels,       \
        const int8_t *input, const int8_t *logits, int8_t *output
se_status se_seqpool_s8(SE_SEQPOOL_S8_ARGS);
se_status se_seqpool_s8_ref(SE_SEQPOOL_S8_ARGS);
se_status se_seqpool_s8_dsp(SE_SEQPOOL_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_SEQPOOL_H */
