/*
 * Sparse kernels: convolutions and the fully connected layer computed directly on block-sparse
 * coded weights (format: se_sparse.h, docs/sparse-format.md), with no dense decode buffer. Each op
 * gives exactly the bits of its dense counterpart (se_conv.h, se_fully_connected.h) run on the
 * decoded weights.
 *
 * Coded weights. A layer's weights are the matrix [rows = output channels, R] in the order below,
 * coded with block b; the kernel takes them as an se_sparse_weights:
 *
 *   op                        coded order (row-major)            R               block
 *   se_sparse_conv2d_s8       [C_out, KH, KW, C_in]              KH * KW * C_in  2 or 4 (or 3, below)
 *                             [C_out, KH, C_in, KW], KW == 3     KH * C_in * 3   3 (the 3 width taps)
 *   se_sparse_conv1x1_s8      [C_out, C_in]                      C_in            2, 3 or 4
 *   se_sparse_depthwise_      [C, 3, 3] (channel-major: row c =  9               3 (one kernel row)
 *     conv3x3_s8              w[c][ky][kx])
 *   se_sparse_fully_          [C_out, C_in]                      C_in            2, 3 or 4
 *     connected_s8
 *
 * b must divide R (else SE_ERR_BAD_SHAPE). conv2d with b = 3 and KW != 3, and depthwise with
 * b != 3, return SE_ERR_UNSUPPORTED.
 *
 * Variants. *_ref walks the stream with the iterator, plain C, no scratch: the definition. *_dsp
 * widens the input once to int16 (im2col of 4 output pixels, or 4 tokens, with -input_zp added, so
 * no zero-point term remains; the layout pairs with SXTB16 of the weights), then walks each output
 * row's entries (the row table gives where each row starts): per entry one dis add, one weight load
 * and 4 (b = 2) or 8 (b = 4) SMLAD against the 4 columns. conv2d with b = 3 (the width taps) has
 * its own column layout: per entry one word load, 4 SMLAD (taps 0 and 2) and 4 SMLATB/SMLATT (tap
 * 1). 1 to 3 leftover tokens of the fully connected layer go one at a time (batch 1 included).
 * b = 3 has no SMLAD path in 1x1 and FC: their _dsp variants compute it with the reference loop
 * (same bits, reference speed).
 * Depthwise _dsp goes channel by channel over the channel's present kernel rows only (plain MLA:
 * its taps are C bytes apart, nothing to pair for SMLAD). The unsuffixed name dispatches to the
 * variant built for the target (se_sparse_dispatch.c).
 *
 * Validation and the trusted path. Every argument is checked on every call. The stream is
 * checked against the shape with se_sparse_validate_s8 (O(entries)) unless weights->row_table is
 * non-NULL: a row table made by se_sparse_prepare_s8 (which validates the stream once, at init)
 * marks the stream as trusted, and the _dsp kernels then also skip building the table in scratch.
 * Generated code prepares each sparse layer once at init and passes its table; a caller without a
 * table gets full validation. The _ref kernels ignore row_table and always validate. A row_table
 * that does not belong to the stream and shape is undefined behaviour.
 *
 * Statuses, in order: first every check of the dense op, with the same status (SE_ERR_NULL_POINTER
 * for a NULL pointer other than bias, including weights itself; SE_ERR_BAD_PARAM, SE_ERR_BAD_SHAPE,
 * SE_ERR_UNSUPPORTED as the dense op; SE_ERR_BUFFER_TOO_SMALL for scratch), then the weights:
 * SE_ERR_BAD_PARAM (block not in {2, 3, 4}), SE_ERR_UNSUPPORTED (block not supported by the op,
 * above), then unless trusted the stream as se_sparse_validate_s8 reports it (SE_ERR_NULL_POINTER
 * for stream NULL with stream_bytes > 0, SE_ERR_BAD_SHAPE when it does not fit [rows, R]). Nothing
 * is written on an error.
 */
#ifndef TINYFORMER_RUNTIME_SE_SPARSE_KERNELS_H
#define TINYFORMER_RUNTIME_SE_SPARSE_KERNELS_H

#include "se_conv.h"
#include "se_fully_connected.h"
#include "se_sparse.h"
#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Coded weights of one layer (a POD the generated code keeps in flash). */
typedef struct {
    const uint8_t *stream;    /* entries * (1 + block) bytes; may be NULL when entries == 0 */
    int32_t stream_bytes;
    int32_t entries;
    int32_t block;            /* 2, 3 or 4 */
    const int32_t *row_table; /* NULL, or the table se_sparse_prepare_s8 made: trusted stream */
} se_sparse_weights;

/* Bytes of the row table of a [rows, R] matrix: int32 [2 * rows + 1] (0 for rows < 1).
 * Layout: [0 .. rows] index of each row's first entry (entry count at [rows]); [rows + 1 + r]
 * column of row r's first entry (0 for an empty row). */
int32_t se_sparse_row_table_size(int32_t rows);

/* Validates the stream of `weights` for the matrix [rows, row_len] (se_sparse_validate_s8), then
 * fills row_table (se_sparse_row_table_size(rows) bytes). Run once at init; then set
 * weights.row_table. Statuses: those of se_sparse_validate_s8; SE_ERR_NULL_POINTER for NULL
 * weights or row_table. */
se_status se_sparse_prepare_s8(const se_sparse_weights *weights, int32_t rows, int32_t row_len,
                               int32_t *row_table);

/* General conv2d. Arguments as se_conv2d_s8 (se_conv.h) with filter_dims {C_out, KH, KW, C_in}
 * giving the shape and `weights` the values. Scratch: 0 for _ref; for _dsp 8 * KH * KW * C_in
 * bytes (4 pixels' receptive fields as int16) + 28 * C_out (per-channel bias and requantization
 * constants, a 4-pixel output tail) + se_sparse_row_table_size(C_out) when weights->row_table is
 * NULL (weights NULL: that larger figure). */
#define SE_SPARSE_CONV_S8_ARGS                                                                     \
    const se_context *ctx, const se_conv_params *params, const se_per_channel_quant *quant,        \
        const se_dims *input_dims, const int8_t *input, const se_dims *filter_dims,                 \
        const se_sparse_weights *weights, const int32_t *bias, const se_dims *output_dims,          \
        int8_t *output
int32_t se_sparse_conv2d_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                            const se_sparse_weights *weights);
int32_t se_sparse_conv2d_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                const se_sparse_weights *weights);
int32_t se_sparse_conv2d_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                const se_sparse_weights *weights);
se_status se_sparse_conv2d_s8(SE_SPARSE_CONV_S8_ARGS);
se_status se_sparse_conv2d_s8_ref(SE_SPARSE_CONV_S8_ARGS);
se_status se_sparse_conv2d_s8_dsp(SE_SPARSE_CONV_S8_ARGS);

/* Pointwise 1x1: arguments and restrictions as se_conv1x1_s8 (stride 1, no padding), filter_dims
 * {C_out, 1, 1, C_in}. Scratch: 0 for _ref; for _dsp 8 * C_in + 28 * C_out bytes + the row table
 * as above. */
int32_t se_sparse_conv1x1_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                             const se_sparse_weights *weights);
int32_t se_sparse_conv1x1_s8_ref_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                 const se_sparse_weights *weights);
int32_t se_sparse_conv1x1_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                 const se_sparse_weights *weights);
se_status se_sparse_conv1x1_s8(SE_SPARSE_CONV_S8_ARGS);
se_status se_sparse_conv1x1_s8_ref(SE_SPARSE_CONV_S8_ARGS);
se_status se_sparse_conv1x1_s8_dsp(SE_SPARSE_CONV_S8_ARGS);

/* Depthwise 3x3, channel multiplier 1: arguments and restrictions as se_depthwise_conv3x3_s8,
 * filter_dims {1, 3, 3, C}; the coded matrix is [C, 9] (see the table above), block 3. Scratch: 0
 * for every variant. */
int32_t se_sparse_depthwise_conv3x3_s8_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                       const se_sparse_weights *weights);
int32_t se_sparse_depthwise_conv3x3_s8_ref_get_buffer_size(const se_dims *input_dims,
                                                           const se_dims *filter_dims,
                                                           const se_sparse_weights *weights);
int32_t se_sparse_depthwise_conv3x3_s8_dsp_get_buffer_size(const se_dims *input_dims,
                                                           const se_dims *filter_dims,
                                                           const se_sparse_weights *weights);
se_status se_sparse_depthwise_conv3x3_s8(SE_SPARSE_CONV_S8_ARGS);
se_status se_sparse_depthwise_conv3x3_s8_ref(SE_SPARSE_CONV_S8_ARGS);
se_status se_sparse_depthwise_conv3x3_s8_dsp(SE_SPARSE_CONV_S8_ARGS);

/* Fully connected over a batch of tokens: arguments as se_fully_connected_s8
 * (se_fully_connected.h), the coded matrix [C_out, C_in]. Like the dense DSP kernel, the sum wraps
 * modulo 2^32 when bias + sum overflows. Scratch: 0 for _ref; for _dsp 8 * C_in + 28 * C_out bytes
 * when tokens >= 4 (4 tokens as int16, requantization constants), 2 * C_in when tokens < 4, + the
 * row table as above. */
#define SE_SPARSE_FC_S8_ARGS                                                                       \
    const se_context *ctx, const se_fc_params *params, const se_per_channel_quant *quant,           \
        const se_fc_dims *dims, const int8_t *input, const se_sparse_weights *weights,              \
        const int32_t *bias, int8_t *output
int32_t se_sparse_fully_connected_s8_get_buffer_size(const se_fc_dims *dims, const se_sparse_weights *weights);
int32_t se_sparse_fully_connected_s8_ref_get_buffer_size(const se_fc_dims *dims,
                                                         const se_sparse_weights *weights);
int32_t se_sparse_fully_connected_s8_dsp_get_buffer_size(const se_fc_dims *dims,
                                                         const se_sparse_weights *weights);
se_status se_sparse_fully_connected_s8(SE_SPARSE_FC_S8_ARGS);
se_status se_sparse_fully_connected_s8_ref(SE_SPARSE_FC_S8_ARGS);
se_status se_sparse_fully_connected_s8_dsp(SE_SPARSE_FC_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_SPARSE_KERNELS_H */
