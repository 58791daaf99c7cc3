/*
 * Batched int8 matmul for attention, one batch entry per head.
 *
 *   out[b][m][n] = clamp(requantize(sum_k (lhs[b][m][k] - lhs_zp) * (rhs'[b][k][n] - rhs_zp)) + output_zp)
 *
 * where rhs' is rhs read as [K, N] (rhs_transposed = 0, e.g. A*V with V
 * [tokens, head_dim]) or as the transpose of [N, K] (rhs_transposed = 1, e.g.
 * Q*K^T with K [tokens, head_dim]). Row and batch strides (in elements) let a
 * head be a column slice of a [tokens, heads * head_dim] tensor without copies.
 * Requantization is per tensor.
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
