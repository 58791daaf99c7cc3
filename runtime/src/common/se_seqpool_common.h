/*
 * SeqPool steps shared by the reference and DSP kernels (internal header):
 * argument checks, scratch layout, and the token weights w[t] = p[t] + 128
 * from the softmax of the logits.
 */
#ifndef TINYFORMER_RUNTIME_SE_SEQPOOL_COMMON_H
#define TINYFORMER_RUNTIME_SE_SEQPOOL_COMMON_H

#include "se_fixedpoint.h"
#include "se_softmax_math.h"
#include "tinyformer/runtime/se_seqpool.h"

SE_INLINE int32_t se_seqpool_buffer_size(int32_t tokens)
{
    if (tokens <= 0 || tokens > SE_SOFTMAX_MAX_ROW) {
        return 0;
    }
    return (int32_t)sizeof(se_exp_cache) + ((2 * tokens + 3) & ~3);
}

SE_INLINE se_status se_seqpool_check_args(SE_SEQPOOL_S8_ARGS)
{
    if (ctx == NULL || params == NULL || input == NULL || logits == NULL || output == NULL || ctx->buf == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (tokens <= 0 || channels <= 0) {
        return SE_ERR_BAD_SHAPE;
    }
    if (tokens > SE_SOFTMAX_MAX_ROW) {
        return SE_ERR_UNSUPPORTED;
    }
    const se_status status = se_softmax_s8_check_params(&params->softmax);
    if (status != SE_OK) {
        return status;
    }
    if (!se_is_int8(params->input_zp) || !se_is_int8(params->output_zp) || params->quant.multiplier < 0 ||
        !se_shift_ok(params->quant.shift) || !se_act_ok(params->act.min, params->act.max) ||
        ((uintptr_t)ctx->buf & 3u) != 0u) {
        return SE_ERR_BAD_PARAM;
    }
    if (ctx->size < se_seqpool_buffer_size(tokens)) {
        return SE_ERR_BUFFER_TOO_SMALL;
    }
    return SE_OK;
}

typedef se_status (*se_seqpool_softmax_fn)(SE_SOFTMAX_S8_ARGS);

/* Prepares the cache at the start of the scratch, runs the softmax variant
 * over the logits and widens p to weights p + 128 (int16, after the cache). */
SE_INLINE se_status se_seqpool_token_weights(const se_context *ctx, const se_seqpool_params *params, int32_t tokens,
                                             const int8_t *logits, se_seqpool_softmax_fn softmax,
                                             const int16_t **weights)
{
    const se_context cache_ctx = {ctx->buf, (int32_t)sizeof(se_exp_cache)};
    se_status status = se_softmax_s8_prepare(&cache_ctx, &params->softmax);
    if (status != SE_OK) {
        return status;
    }
    int16_t *w = (int16_t *)(void *)((uint8_t *)ctx->buf + sizeof(se_exp_cache));
    int8_t *p = (int8_t *)w; /* the probabilities first, then widened in place from the end */
    status = softmax(&cache_ctx, &params->softmax, 1, tokens, logits, p);
    if (status != SE_OK) {
        return status;
    }
    for (int32_t t = tokens - 1; t >= 0; t--) {
        w[t] = (int16_t)(p[t] + 128);
    }
    *weights = w;
    return SE_OK;
}

SE_INLINE int8_t se_seqpool_output(int32_t acc, const se_seqpool_params *params)
{
    /* clamped before adding the zero point so the sum cannot overflow (same result) */
    const int32_t v = se_clamp(se_requantize(acc, params->quant.multiplier, params->quant.shift), -512, 512);
    return (int8_t)se_clamp(v + params->output_zp, params->act.min, params->act.max);
}

#endif /* TINYFORMER_RUNTIME_SE_SEQPOOL_COMMON_H */
