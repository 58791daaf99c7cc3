/*
 * Softmax, reference kernel: TFLite's integer softmax with the exp of each
 * difference taken from the on-demand cache (se_softmax.h has the definition).
 */
#include "se_softmax_math.h"
#include "tinyformer/runtime/se_softmax.h"

/* E(d) from the cache, computing and recording it on first use. */
static int32_t cached_exp(se_exp_cache *cache, const se_softmax_params *params, int32_t d)
{
    const int32_t k = 255 - d;
    const uint32_t bit = 1u << (k & 31);
    if (!(cache->filled[k >> 5] & bit)) {
        cache->exp_q31[k] = se_softmax_exp_plain(d, params);
        cache->filled[k >> 5] |= bit;
    }
    return cache->exp_q31[k];
}

se_status se_softmax_s8_ref(SE_SOFTMAX_S8_ARGS)
{
    se_exp_cache *cache = NULL;
    const se_status status = se_softmax_check_call(ctx, params, rows, row_size, input, output, &cache);
    if (status != SE_OK) {
        return status;
    }

    for (int32_t r = 0; r < rows; r++) {
        const int8_t *in = input + (size_t)r * (size_t)row_size;
        int8_t *out = output + (size_t)r * (size_t)row_size;

        int32_t max = in[0];
        for (int32_t i = 1; i < row_size; i++) {
            max = in[i] > max ? in[i] : max;
        }

        int32_t sum = 0; /* Q12.19 */
        for (int32_t i = 0; i < row_size; i++) {
            sum += se_rounding_divide_by_pot(cached_exp(cache, params, max - in[i]), 12);
        }

        int32_t scale = 0;
        int32_t exponent = 0;
        se_softmax_row_scale(sum, &scale, &exponent);
        for (int32_t i = 0; i < row_size; i++) {
            out[i] = se_softmax_output_plain(cached_exp(cache, params, max - in[i]), scale, exponent);
        }
    }
    return SE_OK;
}
