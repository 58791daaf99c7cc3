/*
 * Multi-head attention, a block of query rows at a time (se_attention.h).
 * Per head and block: scores = Q_block * K^T (batch matmul; K * q^T per row
 * for small blocks), softmax of each score row in place through the shared
 * exp cache, out_block = P * V (batch matmul). Only the block's scores are
 * ever stored.
 */
#include "se_fixedpoint.h"
#include "se_matmul_args.h"
#include "se_softmax_math.h"
#include "tinyformer/runtime/se_attention.h"
#include "tinyformer/runtime/se_matmul.h"

/* The softmax row limit (se_softmax.h). */
#define SE_ATTENTION_MAX_TOKENS 4095

/* Blocks of fewer query rows compute their scores a row at a time as K * q^T
 * (row_scores_dims): the DSP matmul packs its rhs on every call, and packing
 * one query row beats packing all of K until about 6 rows share it (measured
 * on the emulated M7, bench_attention.c). */
#define SE_ATTENTION_ROW_SCORES_BELOW 6

typedef int32_t (*matmul_size_fn)(const se_matmul_dims *dims);

static int attention_shape_ok(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows)
{
    return tokens >= 1 && dim >= 1 && dim <= SE_MATMUL_MAX_REDUCTION && heads >= 1 && dim % heads == 0 &&
           block_rows >= 1;
}

/* The two products of one block, as batch-matmul shapes (one head, batch 1). */
static se_matmul_dims scores_dims(const se_attention_dims *dims, int32_t rows)
{
    se_matmul_dims m;
    m.batch = 1;
    m.m = rows;
    m.n = dims->tokens;
    m.k = dims->dim / dims->heads;
    m.rhs_transposed = 1; /* K [tokens, d] read as K^T */
    m.lhs_row_stride = dims->q_row_stride;
    m.lhs_batch_stride = 0;
    m.rhs_row_stride = dims->k_row_stride;
    m.rhs_batch_stride = 0;
    m.out_row_stride = dims->tokens;
    m.out_batch_stride = 0;
    return m;
}

static se_matmul_dims values_dims(const se_attention_dims *dims, int32_t rows)
{
    se_matmul_dims m;
    m.batch = 1;
    m.m = rows;
    m.n = dims->dim / dims->heads;
    m.k = dims->tokens;
    m.rhs_transposed = 0; /* V [tokens, d] */
    m.lhs_row_stride = dims->tokens;
    m.lhs_batch_stride = 0;
    m.rhs_row_stride = dims->v_row_stride;
    m.rhs_batch_stride = 0;
    m.out_row_stride = dims->out_row_stride;
    m.out_batch_stride = 0;
    return m;
}

/* Q*K^T for a single query row, computed as K * q^T: K is the lhs [tokens, d]
 * and the query row the one rhs column, so the DSP matmul packs d values
 * instead of all of K (the sum is symmetric: same bits). Scores land as the
 * [tokens, 1] output column. */
static se_matmul_dims row_scores_dims(const se_attention_dims *dims)
{
    se_matmul_dims m;
    m.batch = 1;
    m.m = dims->tokens;
    m.n = 1;
    m.k = dims->dim / dims->heads;
    m.rhs_transposed = 1; /* the query row [1, d] */
    m.lhs_row_stride = dims->k_row_stride;
    m.lhs_batch_stride = 0;
    m.rhs_row_stride = dims->q_row_stride;
    m.rhs_batch_stride = 0;
    m.out_row_stride = 1;
    m.out_batch_stride = 0;
    return m;
}

/* Scratch bytes of the batch matmul for both products (they run one after the other). */
static int32_t matmul_scratch_bytes(const se_attention_dims *dims, int32_t rows, matmul_size_fn size)
{
    const se_matmul_dims s = scores_dims(dims, rows);
    const se_matmul_dims r = row_scores_dims(dims);
    const se_matmul_dims v = values_dims(dims, rows);
    const int32_t a = size(&s), b = size(&r), c = size(&v);
    const int32_t ab = a > b ? a : b;
    return ab > c ? ab : c;
}

static int32_t block_of(int32_t tokens, int32_t block_rows) { return block_rows < tokens ? block_rows : tokens; }

static int32_t block_bytes(int32_t tokens, int32_t rows) { return (rows * tokens + 3) & ~3; }

static int32_t buffer_size(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows, matmul_size_fn size)
{
    if (!attention_shape_ok(tokens, dim, heads, block_rows) || tokens > SE_ATTENTION_MAX_TOKENS) {
        return 0;
    }
    const int32_t rows = block_of(tokens, block_rows);
    const se_attention_dims dims = {tokens, dim, heads, dim, dim, dim, dim, rows};
    return se_softmax_s8_get_buffer_size() + matmul_scratch_bytes(&dims, rows, size) + block_bytes(tokens, rows);
}

int32_t se_attention_s8_get_buffer_size(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows)
{
    return buffer_size(tokens, dim, heads, block_rows, se_batch_matmul_s8_get_buffer_size);
}

int32_t se_attention_s8_ref_get_buffer_size(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows)
{
    return buffer_size(tokens, dim, heads, block_rows, se_batch_matmul_s8_ref_get_buffer_size);
}

int32_t se_attention_s8_dsp_get_buffer_size(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows)
{
    return buffer_size(tokens, dim, heads, block_rows, se_batch_matmul_s8_dsp_get_buffer_size);
}

/* Whether [a, a + a_len) and [b, b + b_len) share a byte (addresses compared as integers). */
static int ranges_overlap(const int8_t *a, int64_t a_len, const int8_t *b, int64_t b_len)
{
    const uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return a0 < b0 ? (uint64_t)(b0 - a0) < (uint64_t)a_len : (uint64_t)(a0 - b0) < (uint64_t)b_len;
}

/* Bytes spanned by a [tokens, dim] view with this row stride. */
static int64_t span(int32_t tokens, int32_t dim, int32_t row_stride)
{
    return (int64_t)(tokens - 1) * row_stride + dim;
}

static int quant_ok(const se_quant *q) { return q->multiplier >= 0 && se_shift_ok(q->shift); }

/* Every check, in the order of the status list of se_attention.h. */
static se_status attention_check_args(const se_context *ctx, const se_attention_params *params,
                                      const se_attention_dims *dims, const int8_t *q, const int8_t *k,
                                      const int8_t *v, const int8_t *output)
{
    if (ctx == NULL || params == NULL || dims == NULL || q == NULL || k == NULL || v == NULL || output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    const int32_t tokens = dims->tokens, dim = dims->dim;
    if (!attention_shape_ok(tokens, dim, dims->heads, dims->block_rows)) {
        return SE_ERR_BAD_SHAPE;
    }
    if (tokens > SE_ATTENTION_MAX_TOKENS) {
        return SE_ERR_UNSUPPORTED;
    }
    if (dims->q_row_stride < dim || dims->k_row_stride < dim || dims->v_row_stride < dim ||
        dims->out_row_stride < dim) {
        return SE_ERR_BAD_PARAM;
    }
    if (!se_is_int8(params->q_zp) || !se_is_int8(params->k_zp) || !se_is_int8(params->v_zp) ||
        !se_is_int8(params->scores_zp) || !se_is_int8(params->out_zp) || !quant_ok(&params->scores_quant) ||
        !quant_ok(&params->out_quant) || !se_act_ok(params->act.min, params->act.max)) {
        return SE_ERR_BAD_PARAM;
    }
    const se_status status = se_softmax_s8_check_params(&params->softmax);
    if (status != SE_OK) {
        return status;
    }
    const int64_t out_span = span(tokens, dim, dims->out_row_stride);
    if (ranges_overlap(output, out_span, q, span(tokens, dim, dims->q_row_stride)) ||
        ranges_overlap(output, out_span, k, span(tokens, dim, dims->k_row_stride)) ||
        ranges_overlap(output, out_span, v, span(tokens, dim, dims->v_row_stride))) {
        return SE_ERR_BAD_PARAM;
    }
    return se_matmul_check_scratch(ctx, se_attention_s8_get_buffer_size(tokens, dim, dims->heads, dims->block_rows));
}

se_status se_attention_s8(const se_context *ctx, const se_attention_params *params, const se_attention_dims *dims,
                          const int8_t *q, const int8_t *k, const int8_t *v, int8_t *output)
{
    se_status status = attention_check_args(ctx, params, dims, q, k, v, output);
    if (status != SE_OK) {
        return status;
    }
    const int32_t tokens = dims->tokens;
    const int32_t head_dim = dims->dim / dims->heads;
    const int32_t block = block_of(tokens, dims->block_rows);

    /* Scratch: exp cache | batch-matmul scratch | score block (se_attention.h). */
    const int32_t cache_bytes = se_softmax_s8_get_buffer_size();
    const int32_t matmul_bytes = matmul_scratch_bytes(dims, block, se_batch_matmul_s8_get_buffer_size);
    int8_t *scratch = (int8_t *)ctx->buf;
    const se_context cache_ctx = {scratch, cache_bytes};
    const se_context matmul_ctx = {matmul_bytes > 0 ? scratch + cache_bytes : NULL, matmul_bytes};
    int8_t *scores = scratch + cache_bytes + matmul_bytes;

    const se_matmul_params scores_params = {params->q_zp, params->k_zp, params->scores_zp, {-128, 127}};
    const se_matmul_params row_scores_params = {params->k_zp, params->q_zp, params->scores_zp, {-128, 127}};
    const se_matmul_dims r_dims = row_scores_dims(dims);
    /* p + 128 is the weight: the probabilities' zero point is -128. */
    const se_matmul_params values_params = {-128, params->v_zp, params->out_zp, params->act};

    status = se_softmax_s8_prepare(&cache_ctx, &params->softmax);
    for (int32_t h = 0; h < dims->heads && status == SE_OK; ++h) {
        const ptrdiff_t col = (ptrdiff_t)h * head_dim;
        for (int32_t row = 0; row < tokens && status == SE_OK; row += block) {
            const int32_t rows = tokens - row < block ? tokens - row : block;
            const se_matmul_dims s_dims = scores_dims(dims, rows);
            const se_matmul_dims v_dims = values_dims(dims, rows);
            if (rows < SE_ATTENTION_ROW_SCORES_BELOW) {
                for (int32_t r = 0; r < rows && status == SE_OK; ++r) {
                    status = se_batch_matmul_s8(&matmul_ctx, &row_scores_params, &params->scores_quant, &r_dims,
                                                k + col, q + (ptrdiff_t)(row + r) * dims->q_row_stride + col,
                                                scores + (ptrdiff_t)r * tokens);
                }
            } else {
                status = se_batch_matmul_s8(&matmul_ctx, &scores_params, &params->scores_quant, &s_dims,
                                            q + (ptrdiff_t)row * dims->q_row_stride + col, k + col, scores);
            }
            if (status == SE_OK) {
                status = se_softmax_s8(&cache_ctx, &params->softmax, rows, tokens, scores, scores);
            }
            if (status == SE_OK) {
                status = se_batch_matmul_s8(&matmul_ctx, &values_params, &params->out_quant, &v_dims, scores,
                                            v + col, output + (ptrdiff_t)row * dims->out_row_stride + col);
            }
        }
    }
    return status;
}
