/*
 * Batched int8 matmul for attention, DSP kernel (ARMv7E-M SMLAD).
 *
 * Per batch entry (head), rhs columns are packed two at a time into scratch as
 * int16 pairs along k with -rhs_zp already added (se_matmul_dsp.h). For
 * rhs_transposed = 1 (Q*K^T) a column is a contiguous rhs row and is widened
 * with word loads; for rhs_transposed = 0 (A*V) it is gathered down a column
 * of V. Lhs rows are widened in registers with -lhs_zp added by SXTAB16, so
 * sum (a - za)(b - zb) needs no row-sum corrections. Inner loop: 2 lhs rows x
 * 2 columns, 4 accumulators; a last odd column runs 4 rows at a time.
 */
#include "se_matmul_args.h"
#include "se_matmul_dsp.h"
#include "tinyformer/runtime/se_matmul.h"

int32_t se_batch_matmul_s8_dsp_get_buffer_size(const se_matmul_dims *dims)
{
    if (!se_matmul_dims_ok(dims)) {
        return 0;
    }
    return se_matmul_packed_pair_words(dims->k) * (int32_t)sizeof(uint32_t);
}

se_status se_batch_matmul_s8_dsp(SE_BATCH_MATMUL_S8_ARGS)
{
    const se_status status = se_matmul_check_args(ctx, params, quant, dims, lhs, rhs, output,
                                                  se_batch_matmul_s8_dsp_get_buffer_size(dims));
    if (status != SE_OK) {
        return status;
    }
    const int32_t m_count = dims->m, n_count = dims->n, k = dims->k;
    const int32_t lhs_offset = -params->lhs_zp, rhs_offset = -params->rhs_zp;
    const int32_t out_zp = params->output_zp, act_min = params->act.min, act_max = params->act.max;
    const ptrdiff_t lhs_stride = dims->lhs_row_stride, out_stride = dims->out_row_stride;
    /* Distance between consecutive k (and n) elements of rhs, read as [K, N]. */
    const ptrdiff_t rhs_k_step = dims->rhs_transposed ? 1 : dims->rhs_row_stride;
    const ptrdiff_t rhs_n_step = dims->rhs_transposed ? dims->rhs_row_stride : 1;
    const se_matmul_requant q = se_matmul_requant_make(quant->multiplier, quant->shift);
    uint32_t *packed = (uint32_t *)ctx->buf;

    for (int32_t b = 0; b < dims->batch; ++b) {
        const int8_t *lhs_b = lhs + (ptrdiff_t)b * dims->lhs_batch_stride;
        const int8_t *rhs_b = rhs + (ptrdiff_t)b * dims->rhs_batch_stride;
        int8_t *out_b = output + (ptrdiff_t)b * dims->out_batch_stride;

        int32_t n = 0;
        for (; n + 1 < n_count; n += 2) {
            const int8_t *col0 = rhs_b + (ptrdiff_t)n * rhs_n_step;
            se_matmul_pack_column_pair(col0, col0 + rhs_n_step, rhs_k_step, k, rhs_offset, packed);
            const int8_t *a = lhs_b;
            int8_t *out = out_b + n;
            int32_t m = 0;
            for (; m + 1 < m_count; m += 2) {
                int32_t acc[4] = {0, 0, 0, 0}; /* [row][column] */
                se_matmul_dot_2x2(a, a + lhs_stride, packed, k, lhs_offset, 0, acc);
                out[0] = se_matmul_output_s8(acc[0], &q, out_zp, act_min, act_max);
                out[1] = se_matmul_output_s8(acc[1], &q, out_zp, act_min, act_max);
                out[out_stride] = se_matmul_output_s8(acc[2], &q, out_zp, act_min, act_max);
                out[out_stride + 1] = se_matmul_output_s8(acc[3], &q, out_zp, act_min, act_max);
                a += 2 * lhs_stride;
                out += 2 * out_stride;
            }
            if (m < m_count) {
                int32_t acc[2] = {0, 0};
                se_matmul_dot_1x2(a, packed, k, lhs_offset, 0, acc);
                out[0] = se_matmul_output_s8(acc[0], &q, out_zp, act_min, act_max);
                out[1] = se_matmul_output_s8(acc[1], &q, out_zp, act_min, act_max);
            }
        }

        if (n < n_count) {
            se_matmul_pack_column(rhs_b + (ptrdiff_t)n * rhs_n_step, rhs_k_step, k, rhs_offset, packed);
            const int8_t *a = lhs_b;
            int8_t *out = out_b + n;
            int32_t m = 0;
            for (; m + 3 < m_count; m += 4) {
                int32_t acc[4] = {0, 0, 0, 0};
                se_matmul_dot_4x1(a, lhs_stride, packed, k, lhs_offset, 0, acc);
                for (int32_t r = 0; r < 4; ++r) {
                    out[r * out_stride] = se_matmul_output_s8(acc[r], &q, out_zp, act_min, act_max);
                }
                a += 4 * lhs_stride;
                out += 4 * out_stride;
            }
            for (; m < m_count; ++m) {
                out[0] = se_matmul_output_s8(se_matmul_dot_1x1(a, packed, k, lhs_offset, 0, 0), &q, out_zp, act_min,
                                             act_max);
                a += lhs_stride;
                out += out_stride;
            }
        }
    }
    return SE_OK;
}
