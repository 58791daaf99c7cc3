/*
 * Batched int8 matmul for attention, DSP kernel (ARMv7E-M SMLAD).
 *
 * Per batch entry (head), rhs columns are packed two at a time into scratch as
 * int16 pairs along k with -rhs_zp already added (se_matmul_dsp.h). For
 * rhs_transposed = 1 (Q*K^T) a column is a contiguous rhs row and is widened
 * with word loads; for rhs_transposed = 0 (A*V) it is gathered down a column
 * of V. Lhs rows are sign-extended in registers; lhs_zp is folded into the
 * accumulators' start value as -lhs_zp * (column sum), computed while packing.
 * Inner loop: 2 lhs rows x 2 columns, 4 accumulators, every loaded word used
 * twice; a last odd column runs 4 rows at a time.
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

/* What every column loop needs besides the data. */
typedef struct {
    se_requant_fast requant;
    ptrdiff_t lhs_stride;
    ptrdiff_t out_stride;
    int32_t m;
    int32_t k;
    int32_t lhs_zp;
    int32_t output_zp;
    int32_t act_min;
    int32_t act_max;
} matmul_job;

/* Rows per accumulator chunk: the dot products of up to this many rows are
 * kept as int32 on the stack and requantized in a separate pass, whose loop
 * then holds every output parameter in a register (interleaved with the dot
 * products they would be spilled and reloaded for each element). */
#define MATMUL_ROW_CHUNK 16

/* `plain` is a constant at every call site (see se_matmul_output_s8_plain). */
SE_INLINE int8_t matmul_output(int32_t acc, const se_requant_fast *q, int32_t output_zp, int32_t act_min,
                               int32_t act_max, int plain)
{
    return plain ? se_matmul_output_s8_plain(acc, q, output_zp)
                 : se_matmul_output_s8(acc, q, output_zp, act_min, act_max);
}

/* out[r * out_stride + c] = output stage of acc[r * cols + c], r < rows, c < cols (1 or 2). */
SE_INLINE void matmul_store_rows(const matmul_job *job, const int32_t *acc, int32_t rows, int32_t cols, int8_t *out,
                                 int plain)
{
    /* Locals, not job->...: stores through int8_t may alias *job, which would
     * force a reload of every parameter per element. */
    const se_requant_fast q = job->requant;
    const int32_t output_zp = job->output_zp, act_min = job->act_min, act_max = job->act_max;
    const ptrdiff_t out_stride = job->out_stride;
    if (cols == 2) {
        for (int32_t r = 0; r < rows; ++r) {
            out[0] = matmul_output(acc[0], &q, output_zp, act_min, act_max, plain);
            out[1] = matmul_output(acc[1], &q, output_zp, act_min, act_max, plain);
            acc += 2;
            out += out_stride;
        }
    } else {
        for (int32_t r = 0; r < rows; ++r) {
            out[0] = matmul_output(acc[0], &q, output_zp, act_min, act_max, plain);
            acc += 1;
            out += out_stride;
        }
    }
}

static SE_MATMUL_NOINLINE void matmul_store(const matmul_job *job, const int32_t *acc, int32_t rows, int32_t cols,
                                           int8_t *out)
{
    if (se_matmul_output_is_plain(&job->requant, job->act_min, job->act_max)) {
        matmul_store_rows(job, acc, rows, cols, out, 1);
    } else {
        matmul_store_rows(job, acc, rows, cols, out, 0);
    }
}

/* Two output columns (out[., 0], out[., 1]) of every lhs row, from a packed pair. */
static SE_MATMUL_NOINLINE void matmul_column_pair(const matmul_job *job, const int8_t *lhs, const uint32_t *packed,
                                                  const int32_t sums[2], int8_t *out)
{
    const int32_t start0 = se_matmul_zp_fold(job->lhs_zp, sums[0]);
    const int32_t start1 = se_matmul_zp_fold(job->lhs_zp, sums[1]);
    const ptrdiff_t lhs_stride = job->lhs_stride;
    const int32_t m_count = job->m, k = job->k;
    int32_t acc[2 * MATMUL_ROW_CHUNK]; /* [row][column] */
    const int8_t *a = lhs;
    for (int32_t m = 0; m < m_count; m += MATMUL_ROW_CHUNK) {
        const int32_t rows = m_count - m < MATMUL_ROW_CHUNK ? m_count - m : MATMUL_ROW_CHUNK;
        int32_t r = 0;
        for (; r + 1 < rows; r += 2) {
            int32_t *block = &acc[2 * r];
            block[0] = start0;
            block[1] = start1;
            block[2] = start0;
            block[3] = start1;
            se_matmul_dot_2x2(a, a + lhs_stride, packed, k, block);
            a += 2 * lhs_stride;
        }
        if (r < rows) {
            int32_t *block = &acc[2 * r];
            block[0] = start0;
            block[1] = start1;
            se_matmul_dot_1x2(a, packed, k, block);
            a += lhs_stride;
        }
        matmul_store(job, acc, rows, 2, out);
        out += rows * job->out_stride;
    }
}

/* One output column of every lhs row, from a single packed column. */
static SE_MATMUL_NOINLINE void matmul_single_column(const matmul_job *job, const int8_t *lhs, const uint32_t *packed,
                                                    int32_t sum, int8_t *out)
{
    const int32_t start = se_matmul_zp_fold(job->lhs_zp, sum);
    const ptrdiff_t lhs_stride = job->lhs_stride;
    const int32_t m_count = job->m, k = job->k;
    int32_t acc[MATMUL_ROW_CHUNK];
    const int8_t *a = lhs;
    for (int32_t m = 0; m < m_count; m += MATMUL_ROW_CHUNK) {
        const int32_t rows = m_count - m < MATMUL_ROW_CHUNK ? m_count - m : MATMUL_ROW_CHUNK;
        int32_t r = 0;
        for (; r + 3 < rows; r += 4) {
            int32_t *block = &acc[r];
            block[0] = start;
            block[1] = start;
            block[2] = start;
            block[3] = start;
            se_matmul_dot_4x1(a, lhs_stride, packed, k, block);
            a += 4 * lhs_stride;
        }
        for (; r < rows; ++r) {
            acc[r] = se_matmul_dot_1x1(a, packed, k, start);
            a += lhs_stride;
        }
        matmul_store(job, acc, rows, 1, out);
        out += rows * job->out_stride;
    }
}

se_status se_batch_matmul_s8_dsp(SE_BATCH_MATMUL_S8_ARGS)
{
    const se_status status = se_matmul_check_args(ctx, params, quant, dims, lhs, rhs, output,
                                                  se_batch_matmul_s8_dsp_get_buffer_size(dims));
    if (status != SE_OK) {
        return status;
    }
    matmul_job job;
    job.requant = se_requant_fast_make(quant->multiplier, quant->shift);
    job.lhs_stride = dims->lhs_row_stride;
    job.out_stride = dims->out_row_stride;
    job.m = dims->m;
    job.k = dims->k;
    job.lhs_zp = params->lhs_zp;
    job.output_zp = params->output_zp;
    job.act_min = params->act.min;
    job.act_max = params->act.max;
    /* Distance between consecutive k (and n) elements of rhs, read as [K, N]. */
    const ptrdiff_t rhs_k_step = dims->rhs_transposed ? 1 : dims->rhs_row_stride;
    const ptrdiff_t rhs_n_step = dims->rhs_transposed ? dims->rhs_row_stride : 1;
    const int32_t rhs_offset = -params->rhs_zp;
    uint32_t *packed = (uint32_t *)ctx->buf;

    for (int32_t b = 0; b < dims->batch; ++b) {
        const int8_t *lhs_b = lhs + (ptrdiff_t)b * dims->lhs_batch_stride;
        const int8_t *rhs_b = rhs + (ptrdiff_t)b * dims->rhs_batch_stride;
        int8_t *out_b = output + (ptrdiff_t)b * dims->out_batch_stride;
        int32_t n = 0;
        for (; n + 1 < dims->n; n += 2) {
            const int8_t *col0 = rhs_b + (ptrdiff_t)n * rhs_n_step;
            int32_t sums[2];
            se_matmul_pack_column_pair(col0, col0 + rhs_n_step, rhs_k_step, dims->k, rhs_offset, packed, sums);
            matmul_column_pair(&job, lhs_b, packed, sums, out_b + n);
        }
        if (n < dims->n) {
            const int32_t sum =
                se_matmul_pack_column(rhs_b + (ptrdiff_t)n * rhs_n_step, rhs_k_step, dims->k, rhs_offset, packed);
            matmul_single_column(&job, lhs_b, packed, sum, out_b + n);
        }
    }
    return SE_OK;
}
