/* Global average pool, reference kernel: per channel round(sum / (H * W)),
 * ties away from zero; the sums live in the int32 [C] scratch. */
#include <string.h>

#include "se_pool_common.h"

int32_t se_global_avg_pool_s8_ref_get_buffer_size(const se_dims *input_dims)
{
    return se_global_avg_pool_scratch_size(input_dims);
}

se_status se_global_avg_pool_s8_ref(const se_context *ctx, SE_POOL_S8_ARGS)
{
    const se_status status = se_global_avg_pool_validate(ctx, act, input_dims, input, output_dims, output);
    if (status != SE_OK) {
        return status;
    }
    const int32_t channels = input_dims->c, count = input_dims->h * input_dims->w;
    int32_t *sum = (int32_t *)ctx->buf;
    for (int32_t n = 0; n < input_dims->n; n++) {
        memset(sum, 0, sizeof(int32_t) * (size_t)channels);
        for (int32_t i = 0; i < count; i++) {
            for (int32_t c = 0; c < channels; c++) {
                sum[c] += *input++;
            }
        }
        for (int32_t c = 0; c < channels; c++) {
            *output++ = (int8_t)se_clamp(se_pool_round_div(sum[c], count), act->min, act->max);
        }
    }
    return SE_OK;
}
