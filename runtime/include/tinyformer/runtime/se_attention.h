/*
 * Multi-head self-attention as one int8 kernel that never holds a
 * tokens x tokens score matrix: query rows are processed a block at a time.
 *
 * Inputs q, k, v: int8 [tokens, dim], each with its own zero point and row
 * stride (in elements), so they may be column slices of one packed
 * [tokens, 3 * dim] QKV tensor (row stride 3 * dim, k = q + dim, v = q + 2 * dim).
 * heads H divides dim; d = dim / H; head h owns columns [h * d, (h + 1) * d).
 * For head h and query row i:
 *
 *   s[j] = clamp(requantize(sum_c (q[i][h*d+c] - q_zp) * (k[j][h*d+c] - k_zp), scores_quant)
 *                + scores_zp, -128, 127)                              j in [0, tokens)
 *   p    = se_softmax_s8(s) with params->softmax            (scale 1/256, zero point -128)
 *   out[i][h*d+c] = clamp(requantize(sum_j (p[j] + 128) * (v[j][h*d+c] - v_zp), out_quant)
 *                         + out_zp, act.min, act.max)                c in [0, d)
 *
 * requantize is the TFLite convention of se_fixedpoint.h, accumulation is
 * int32 (as se_matmul.h). scores_quant encodes s_q * s_k / (sqrt(d) * s_s): the
 * 1/sqrt(d) lives there. params->softmax are the softmax parameters of the
 * scores' scale s_s (se_softmax_s8_params_from_scale(s_s)). out_quant encodes
 * s_v / (256 * s_out). The two products run through the dispatching
 * se_batch_matmul_s8 and the softmax through se_softmax_s8, so the kernel is
 * the DSP path on Cortex-M and the reference path elsewhere, with the same bits.
 *
 * Rows are computed block_rows query rows at a time per head (block_rows = 1:
 * strictly a row at a time; block_rows > tokens acts as tokens). A larger
 * block amortizes the DSP matmul's per-call packing of its rhs (V, and K from
 * 6 rows on; smaller blocks take their scores as K * q^T a row at a time, the
 * same bits): on the emulated M7, about 5.6 instructions per MAC at 1 row,
 * 3-3.3 at 4, 2-2.4 at 16, vs 1.8-2.1 for the full-matrix composition
 * (bench/mcu/bench_attention.c). The exp cache is prepared once per call and
 * serves every row of every head.
 *
 * Addressing (elements):
 *   q[i][c]   at q[i * q_row_stride + c]      (k, v alike with their strides)
 *   out[i][c] at output[i * out_row_stride + c]
 * Elements of output outside [tokens, dim] are not written. output must not
 * overlap q, k or v (each checked over its addressed range
 * [base, base + (tokens - 1) * row_stride + dim)); it may overlap nothing else
 * the call reads, scratch included.
 *
 * Scratch (ctx, 4-byte aligned, se_attention_s8_get_buffer_size(tokens, dim,
 * heads, block_rows)), in this order:
 *   the exp cache                    se_softmax_s8_get_buffer_size() (1072) bytes
 *   the batch-matmul scratch         max over Q*K^T (k = d) and P*V (k = tokens)
 *                                    of se_batch_matmul_s8_get_buffer_size
 *   the score / probability block    min(block_rows, tokens) * tokens bytes, rounded up to 4
 * The _ref and _dsp size functions give the same for a target whose matmul is
 * that variant (the host planner sizes the arena for the MCU with _dsp); the
 * plain name is this build's variant. They return 0 for invalid arguments.
 *
 * Limits: tokens in [1, 4095] (the softmax row limit), dim in [1, 2^24],
 * heads >= 1 dividing dim, block_rows >= 1.
 *
 * Returns SE_OK, or without writing output:
 *   SE_ERR_NULL_POINTER  ctx, params, dims, q, k, v or output NULL; ctx->buf NULL
 *   SE_ERR_BAD_SHAPE     tokens, dim, heads or block_rows < 1, heads not dividing dim, dim > 2^24
 *   SE_ERR_UNSUPPORTED   tokens > 4095
 *   SE_ERR_BAD_PARAM     a row stride < dim; a zero point outside [-128, 127]; a multiplier < 0 or
 *                        shift outside [-31, 30]; act not within [-128, 127] or min > max; bad softmax
 *                        params (se_softmax.h); output overlapping q, k or v; ctx->buf misaligned
 *   SE_ERR_BUFFER_TOO_SMALL  ctx->size < se_attention_s8_get_buffer_size(...)
 *
 * Example: TinyFormer block, 64 tokens, dim 192, 4 heads, packed QKV [64, 576]:
 *   se_attention_dims dims = {64, 192, 4, 576, 576, 576, 192, 4};
 *   se_context ctx = {scratch, se_attention_s8_get_buffer_size(64, 192, 4, 4)};
 *   se_status st = se_attention_s8(&ctx, &params, &dims, qkv, qkv + 192, qkv + 384, out);
 */
#ifndef TINYFORMER_RUNTIME_SE_ATTENTION_H
#define TINYFORMER_RUNTIME_SE_ATTENTION_H

#include "se_softmax.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t q_zp;               /* [-128, 127] */
    int32_t k_zp;               /* [-128, 127] */
    int32_t v_zp;               /* [-128, 127] */
    se_quant scores_quant;      /* s_q * s_k / (sqrt(d) * s_scores) */
    int32_t scores_zp;          /* [-128, 127] */
    se_softmax_params softmax;  /* of the scores' scale */
    se_quant out_quant;         /* s_v / (256 * s_out) */
    int32_t out_zp;             /* [-128, 127] */
    se_activation act;          /* output clamp */
} se_attention_params;

typedef struct {
    int32_t tokens;          /* [1, 4095] */
    int32_t dim;             /* [1, 2^24], heads * head dim */
    int32_t heads;           /* >= 1, divides dim */
    int32_t q_row_stride;    /* >= dim (3 * dim for a packed QKV tensor) */
    int32_t k_row_stride;    /* >= dim */
    int32_t v_row_stride;    /* >= dim */
    int32_t out_row_stride;  /* >= dim */
    int32_t block_rows;      /* >= 1: query rows per step */
} se_attention_dims;

int32_t se_attention_s8_get_buffer_size(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows);
int32_t se_attention_s8_ref_get_buffer_size(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows);
int32_t se_attention_s8_dsp_get_buffer_size(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows);

se_status se_attention_s8(const se_context *ctx, const se_attention_params *params, const se_attention_dims *dims,
                          const int8_t *q, const int8_t *k, const int8_t *v, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_ATTENTION_H */
