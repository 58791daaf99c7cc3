/*
 * Fully connected (linear) layer over a batch of tokens: output[t][o] for t < tokens.
 *   input   int8  [tokens, C_in]   row-major, contiguous (C_in = in_features)
 *   weights int8  [C_out, C_in]    row o holds output channel o; per-output-channel symmetric
 *                                  (zero point 0; TinyFormer quantizes them to [-127, 127])
 *   bias    int32 [C_out] or NULL  (NULL: no bias)
 *   quant   multiplier[C_out] in [0, 2^31 - 1], shift[C_out] in [-31, 30]
 *   output  int8  [tokens, C_out]  must not overlap the inputs
 * Element: clamp(requantize(bias[o] + sum_i w[o][i] * (x[t][i] - input_zp), quant[o]) + output_zp,
 *                act.min, act.max), accumulated in int32 (docs/numerics.md, sections 2 and 4); bias +
 *                accumulator wraps modulo 2^32 (every variant: an extreme bias is defined, not UB).
 *
 * Variants (as in se_conv.h): *_ref is the definition, plain C; *_dsp uses SMLAD and gives the same bits;
 * the unsuffixed name dispatches to the variant built for the target. Each variant's
 * *_get_buffer_size(dims) is the scratch it needs in ctx (bytes, 4-byte aligned; 0 for invalid dims):
 * _ref needs none; _dsp packs the two tokens it works on as int16: 16 * (C_in / 4) + 8 * (C_in % 4)
 * bytes (about 4 * C_in), half that for tokens = 1. ctx itself must not be NULL.
 * Returns SE_OK, or without writing output: SE_ERR_NULL_POINTER (ctx, params, quant, its arrays, dims,
 * input, weights or output NULL; ctx->buf NULL when scratch is needed), SE_ERR_BAD_SHAPE (a dim < 1, or
 * in_features > 2^24), SE_ERR_BAD_PARAM (zero point outside [-128, 127], a multiplier < 0, a shift outside
 * [-31, 30], act not within -128 <= min <= max <= 127, ctx->buf not 4-byte aligned),
 * SE_ERR_BUFFER_TOO_SMALL (ctx->size < *_get_buffer_size).
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
