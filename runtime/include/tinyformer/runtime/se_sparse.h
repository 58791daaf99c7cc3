/*
 * Blockwise run-length coding of sparse int8 weights (the SparseEngine weight format).
 *
 * Matrix. A layer's weights are a row-major int8 matrix [rows, row_len]: rows = output channels,
 * row_len (R) = the reduction length in the order the kernel reads it. The engine permutes the
 * weights before coding, e.g. conv [C_out, KH, KW, C_in] flattened, or for blocks of 3 along the
 * width of 3x3 kernels [C_out, KH, C_in, KW] so that the 3 width taps are contiguous.
 *
 * Blocks. block (b) is 2, 3 or 4 and must divide row_len, so a block never straddles two rows.
 * The matrix is ONE sequence of rows * row_len / b blocks, flattened across rows (block k covers
 * elements [k*b, k*b + b) of the flattened matrix); there is no row table.
 *
 * Stream. One entry per non-zero block, in block order:
 *
 *     entry = dis (uint8) , v[0] .. v[b-1] (int8)          (1 + b bytes)
 *
 * dis = number of all-zero blocks skipped since the previous entry (since the start of the matrix
 * for the first entry), so entry i sits at block  pos(i) = pos(i-1) + 1 + dis(i),  pos(-1) = -1.
 * A gap longer than 255 blocks is bridged with filler entries (255, b zeros): each skips 255 blocks
 * and stores one explicit zero block, i.e. consumes 256 blocks of the gap; the remainder (< 256
 * after enough fillers) is the dis of the next real entry. Examples: gap 255 -> (255, v); gap 256 ->
 * (255, 0..0), (0, v); gap 511 -> (255, 0..0), (255, v); gap 512 -> 2 fillers, then (0, v).
 * Trailing zero blocks need no entry. The stream does not store its entry count: the caller keeps
 * it (in the generated layer descriptor); stream_bytes = entries * (1 + b) exactly.
 *
 *   Worked example, b = 2, rows = 2, row_len = 4 (4 blocks):
 *       dense  = [ 0 0  5 -3 | 0 0 0 0 ]      blocks: 0, (5,-3), 0, 0
 *       stream = 01 05 FD                     one entry: skip 1 zero block, then (5, -3)
 *
 * Size and the self-adaptive choice. coded bytes = entries * (1 + b). The engine keeps the coded
 * form for a layer only when it is smaller than dense (rows * row_len bytes). For block sparsity
 * rho (fraction of all-zero blocks) and no fillers, dense / coded = 1 / ((1 - rho)(1 + 1/b)).
 *
 * Decoders and sparse kernels read entries with the iterator in src/common/se_sparse_iter.h
 * (row and position in row tracked incrementally, no division). A stream from an untrusted source
 * is checked once with se_sparse_validate_s8; afterwards iteration needs no bounds checks.
 *
 * Status codes. NULL stream (with stream_bytes > 0) or dense_out: SE_ERR_NULL_POINTER. block not in
 * {2, 3, 4}: SE_ERR_BAD_PARAM. rows <= 0, row_len <= 0, row_len % block != 0, rows * row_len >
 * SE_SPARSE_MAX_ELEMENTS, entries < 0, entries > number of blocks, stream_bytes != entries * (1 + b),
 * or an entry whose dis runs past the last block: SE_ERR_BAD_SHAPE (the stream and the matrix shape
 * disagree).
 */
#ifndef TINYFORMER_RUNTIME_SE_SPARSE_H
#define TINYFORMER_RUNTIME_SE_SPARSE_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest dis one entry can store; a filler entry is (SE_SPARSE_MAX_DIS, b zeros). */
#define SE_SPARSE_MAX_DIS 255
/* Largest matrix (rows * row_len elements) the format accepts: keeps every position the
 * iterator computes far from int32 overflow. */
#define SE_SPARSE_MAX_ELEMENTS (1L << 30)

/* Checks the arguments and walks the stream once; SE_OK when every entry lies inside the
 * [rows, row_len] matrix. Reads stream[0 .. stream_bytes) only. Writes nothing. */
se_status se_sparse_validate_s8(const uint8_t *stream, int32_t stream_bytes, int32_t entries,
                                int32_t block, int32_t rows, int32_t row_len);

/* Decodes a coded matrix into dense_out, int8 [rows, row_len] row-major (every element written:
 * blocks without an entry become 0).
 *   stream       coded entries, stream_bytes bytes (may be NULL when entries == 0)
 *   entries      number of entries (from the layer descriptor), >= 0
 *   block        2, 3 or 4
 *   rows         >= 1
 *   row_len      >= 1, a multiple of block
 * The stream is validated completely before anything is written, so on any error dense_out is
 * left untouched. Never reads or writes outside stream[0 .. stream_bytes) and
 * dense_out[0 .. rows * row_len), whatever the input. */
se_status se_sparse_decode_s8(const uint8_t *stream, int32_t stream_bytes, int32_t entries,
                              int32_t block, int32_t rows, int32_t row_len, int8_t *dense_out);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_SPARSE_H */
