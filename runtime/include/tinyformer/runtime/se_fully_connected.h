/*
 * Fully connected over a batch of tokens: output[t][o] for t < tokens.
 *   input   int8 [tokens, C_in]
 *   weights int8 [C_out, C_in], per-output-channel symmetric
 *   bias    int32 [C_out] or NULL
 * Element: clamp(requantize(bias[o] + sum_i w[o][i] * (x[t][i] - input_zp), quant[o]) + output_zp).
 * Variants as in se_conv.h: *_ref, *_dsp and the dispatching entry point.
 */
#ifndef TINYFORMER_RUNTIME_SE_FULLY_CONNECTED_H
#define TINYFORMER_RUNTIME_SE_FULLY_CONNECTED_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t input_zp;   /* [-128, 127] */
    int32_t output_zp;  /* [-128, 127] */
    se_activation act;
} se_fc_params;

typedef struct {
    int32_t tokens;   /* rows of input and output, >= 1 */
    int32_t in_features;
    int32_t out_features;
} se_fc_dims;

int32_t se_fully_connected_s8_get_buffer_size(const se_fc_dims *dims);
int32_t se_fully_connected_s8_ref_get_buffer_size(const se_fc_dims *dims);
int32_t se_fully_connected_s8_dsp_get_buffer_size(const se_fc_dims *dims);

#define SE_FULLY_CONNECTED_S8_ARGS                                                                 \
    const se_context *ctx, const se_fc_params *params, const se_per_channel_quant *quant,           \
        const se_fc_dims *dims, const int8_t *input, const int8_t *weights, const int32_t *bias,    \
        int8_t *output
se_status se_fully_connected_s8(SE_FULLY_CONNECTED_S8_ARGS);
se_status se_fully_connected_s8_ref(SE_FULLY_CONNECTED_S8_ARGS);
se_status se_fully_connected_s8_dsp(SE_FULLY_CONNECTED_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_FULLY_CONNECTED_H */
