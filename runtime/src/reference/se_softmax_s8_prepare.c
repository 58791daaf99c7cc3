/*
 * Exp-cache preparation for se_softmax_s8 (shared by both variants), and the
 * host-side computation of the softmax parameters from a float input scale.
 */
#include "se_softmax_math.h"
#include "tinyformer/runtime/se_softmax.h"

int32_t se_softmax_s8_get_buffer_size(void) { return (int32_t)sizeof(se_exp_cache); }

se_status se_softmax_s8_check_params(const se_softmax_params *params)
{
    if (params == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (params->input_multiplier < (1 << 30) || params->input_left_shift < 0 || params->input_left_shift > 31 ||
        params->diff_max < 0 || params->diff_max > 255) {
        return SE_ERR_BAD_PARAM;
    }
    /* -diff_max * 2^input_left_shift must stay inside Q5.26's 31 units
     * (TFLite's input radius); larger differences would overflow. */
    if (((int64_t)params->diff_max << params->input_left_shift) > ((int64_t)31 << 26)) {
        return SE_ERR_BAD_PARAM;
    }
    return SE_OK;
}

se_status se_softmax_s8_prepare(const se_context *ctx, const se_softmax_params *params)
{
    if (ctx == NULL || params == NULL || ctx->buf == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    const se_status status = se_softmax_s8_check_params(params);
    if (status != SE_OK) {
        return status;
    }
    if (((uintptr_t)ctx->buf & 3u) != 0u) {
        return SE_ERR_BAD_PARAM;
    }
    if (ctx->size < (int32_t)sizeof(se_exp_cache)) {
        return SE_ERR_BUFFER_TOO_SMALL;
    }
    se_exp_cache *cache = (se_exp_cache *)ctx->buf;
    cache->magic = SE_EXP_CACHE_MAGIC;
    cache->input_multiplier = params->input_multiplier;
    cache->input_left_shift = params->input_left_shift;
    cache->diff_max = params->diff_max;
    for (int32_t i = 0; i < 8; i++) {
        cache->filled[i] = 0u;
    }
    return SE_OK;
}

se_status se_softmax_s8_params_from_scale(double input_scale, se_softmax_params *params)
{
    if (params == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    /* real = s_in * 2^26 (the diff in Q5.26), capped like TFLite. */
    if (!(input_scale > 0.0)) {
        return SE_ERR_BAD_PARAM;
    }
    double real = input_scale * 67108864.0;
    if (real > 2147483647.0) {
        real = 2147483647.0;
    }
    if (!(real > 1.0)) {
        return SE_ERR_BAD_PARAM; /* s_in <= 2^-26: every difference would round to 0 */
    }
    /* real = q * 2^shift with q in [0.5, 1) (frexp), multiplier = round(q * 2^31). */
    int32_t shift = 0;
    double q = real;
    while (q >= 1.0) {
        q *= 0.5;
        shift++;
    }
    int64_t multiplier = (int64_t)(q * 2147483648.0 + 0.5);
    if (multiplier == ((int64_t)1 << 31)) {
        multiplier /= 2;
        shift++;
    }
    if (shift > 31) {
        return SE_ERR_BAD_PARAM;
    }
    /* TFLite CalculateInputRadius(5, shift): floor(31 * 2^26 / 2^shift). */
    const int64_t radius = ((int64_t)31 << 26) >> shift;
    params->input_multiplier = (int32_t)multiplier;
    params->input_left_shift = shift;
    params->diff_max = radius > 255 ? 255 : (int32_t)radius;
    return SE_OK;
}
