/*
 * Batched int8 matmul (attention Q*K^T and A*V), reference kernel: the
 * definition of the arithmetic (docs/numerics.md, section 4). Plain loops,
 * no scratch.
 */
#include "se_fixedpoint.h"
#include "se_matmul_args.h"
#include "tinyformer/runtime/se_matmul.h"

int32_t se_batch_matmul_s8_ref_get_buffer_size(const se_matmul_dims *dims)
{
    (void)dims;
    return 0;
}

se_status se_batch_matmul_s8_ref(SE_BATCH_MATMUL_S8_ARGS)
{
    const se_status status = se_matmul_check_args(ctx, params, quant, dims, lhs, rhs, output, 0);
    if (status != SE_OK) {
        return status;
    }
    /* Distance between consecutive k (and n) elements of rhs, read as [K, N]. */
    const ptrdiff_t rhs_k_step = dims->rhs_transposed ? 1 : dims->rhs_row_stride;
    const ptrdiff_t rhs_n_step = dims->rhs_transposed ? dims->rhs_row_stride : 1;

    for (int32_t b = 0; b < dims->batch; ++b) {
        const int8_t *lhs_b = lhs + (ptrdiff_t)b * dims->lhs_batch_stride;
        const int8_t *rhs_b = rhs + (ptrdiff_t)b * dims->rhs_batch_stride;
        int8_t *out_b = output + (ptrdiff_t)b * dims->out_batch_stride;
        for (int32_t m = 0; m < dims->m; ++m) {
            const int8_t *a = lhs_b + (ptrdiff_t)m * dims->lhs_row_stride;
            for (int32_t n = 0; n < dims->n; ++n) {
                const int8_t *r = rhs_b + (ptrdiff_t)n * rhs_n_step;
                int32_t acc = 0;
                for (int32_t k = 0; k < dims->k; ++k) {
                    acc += ((int32_t)a[k] - params->lhs_zp) * ((int32_t)r[(ptrdiff_t)k * rhs_k_step] - params->rhs_zp);
                }
                const int32_t y = se_requantize(acc, quant->multiplier, quant->shift) + params->output_zp;
                out_b[(ptrdiff_t)m * dims->out_row_stride + n] = (int8_t)se_clamp(y, params->act.min, params->act.max);
            }
        }
    }
    return SE_OK;
}
