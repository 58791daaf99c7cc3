/*
 * Sequence pooling (CCT SeqPool): a softmax over tokens weights the tokens.
 *   p = se_softmax_s8(logits[tokens])           (scale 1/256, zero point -128)
 *   acc[c] = sum_t (p[t] + 128) * (x[t][c] - input_zp)                  (int32)
 *   out[c] = clamp(requantize(acc[c], quant) + output_zp, act.min, act.max)
 * logits int8 [tokens] come from a Linear(C -> 1) computed beforehand with
 * se_fully_connected_s8; the softmax parameters are those of the logits
 * (se_softmax_s8_params_from_scale). p + 128 in [0, 255] is the weight in
 * units of 1/256, so quant encodes s_x / (256 * s_out). requantize is the
 * TFLite convention of se_fixedpoint.h.
 *
 * input: int8 [tokens][channels]; logits: int8 [tokens]; output: int8
 * [channels]. Scratch (se_seqpool_s8_get_buffer_size, 4-byte aligned): the
 * exp cache (prepared by every call, so the memory may be shared with other
 * layers) followed by the int16 token weights, 1072 + 2 * tokens bytes
 * rounded up to 4. Limits: 1 <= tokens <= 4095 (the softmax row limit),
 * channels >= 1. Variants as in se_conv.h.
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
    se_quant quant;     /* multiplier in [0, 2^31 - 1], shift in [-31, 30] */
    se_activation act;
} se_seqpool_params;

/* Both variants need the same scratch; tokens outside [1, 4095] give 0. */
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
