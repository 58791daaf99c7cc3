/*
 * Batched int8 matmul for attention, one batch entry per head.
 *
 *   out[b][m][n] = clamp(requantize(sum_k (lhs[b][m][k] - lhs_zp) * (rhs'[b][k][n] - rhs_zp)) + output_zp)
 *
 * where rhs' is rhs read as [K, N] (rhs_transposed = 0, e.g. A*V with V
 * [tokens, head_dim]) or as the transpose of [N, K] (rhs_transposed = 1, e.g.
 * Q*K^T with K [tokens, head_dim]). Both operands are asymmetric activations.
 * Requantization is per tensor (quant: multiplier in [0, 2^31 - 1], shift in
 * [-31, 30]); accumulation is in int32 (docs/numerics.md).
 *
 * Addressing, strides in elements (int8):
 *   lhs[b][m][k]                  at lhs[b * lhs_batch_stride + m * lhs_row_stride + k]
 *   rhs [N, K] (transposed = 1):  rhs'[b][k][n] at rhs[b * rhs_batch_stride + n * rhs_row_stride + k]
 *   rhs [K, N] (transposed = 0):  rhs'[b][k][n] at rhs[b * rhs_batch_stride + k * rhs_row_stride + n]
 *   out[b][m][n]                  at output[b * out_batch_stride + m * out_row_stride + n]
 * so a head is a column slice of a [tokens, heads * head_dim] tensor without copies: e.g. Q*K^T for head h
 * of Q, K [T, H * D]: lhs = Q, rhs = K, lhs/rhs row stride H * D, batch stride D, m = n = T, k = D. Output
 * elements outside the addressed ones are not written; output must not overlap lhs or rhs.
 *
 * Variants: *_ref (the definition), *_dsp (SMLAD, same bits), and the dispatching name. *_get_buffer_size:
 * scratch bytes in ctx (4-byte aligned; 0 for invalid dims): _ref none; _dsp packs two rhs columns as
 * int16: 16 * (k / 4) + 8 * (k % 4) bytes (about 4 * k). ctx itself must not be NULL.
 * Returns SE_OK, or without writing output: SE_ERR_NULL_POINTER (ctx, params, quant, dims, lhs, rhs, output
 * NULL; ctx->buf NULL when scratch is needed), SE_ERR_BAD_SHAPE (batch, m, n or k < 1, or k > 2^24),
 * SE_ERR_BAD_PARAM (rhs_transposed not 0/1, a row stride shorter than its row, a batch stride < 0, zero
 * point outside [-128, 127], multiplier < 0, shift outside [-31, 30], bad act, ctx->buf misaligned),
 * SE_ERR_BUFFER_TOO_SMALL.
 */
#ifndef TINYFORMER_RUNTIME_SE_MATMUL_H
#define TINYFORMER_RUNTIME_SE_MATMUL_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t lhs_zp;     /* [-128, 127] */
    int32_t rhs_zp;     /* [-128, 127] */
    int32_t output_zp;  /* [-128, 127] */
    se_activation act;
} se_matmul_params;

typedef struct {
    int32_t batch;            /* >= 1 (heads) */
    int32_t m, n, k;          /* >= 1 */
    int32_t rhs_transposed;   /* 0: rhs is [K, N]; 1: rhs is [N, K] */
    int32_t lhs_row_stride;   /* >= k */
    int32_t lhs_batch_stride; /* >= 0 */
    int32_t rhs_row_stride;   /* >= k if transposed, >= n otherwise */
    int32_t rhs_batch_stride; /* >= 0 */
    int32_t out_row_stride;   /* >= n */
    int32_t out_batch_stride; /* >= 0 */
} se_matmul_dims;

int32_t se_batch_matmul_s8_get_buffer_size(const se_matmul_dims *dims);
int32_t se_batch_matmul_s8_ref_get_buffer_size(const se_matmul_dims *dims);
int32_t se_batch_matmul_s8_dsp_get_buffer_size(const se_matmul_dims *dims);

#define SE_BATCH_MATMUL_S8_ARGS                                                                    \
    const se_context *ctx, const se_matmul_params *params, const se_quant *quant,                   \
        const se_matmul_dims *dims, const int8_t *lhs, const int8_t *rhs, int8_t *output
se_status se_batch_matmul_s8(SE_BATCH_MATMUL_S8_ARGS);
se_status se_batch_matmul_s8_ref(SE_BATCH_MATMUL_S8_ARGS);
se_status se_batch_matmul_s8_dsp(SE_BATCH_MATMUL_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_MATMUL_H */
