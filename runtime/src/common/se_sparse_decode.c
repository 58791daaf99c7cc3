/*
 * Validation and dense decoding of block-sparse weight streams (format: se_sparse.h).
 * The one reader of the format is se_sparse_iter.h; this file only adds the checks.
 */
#include "tinyformer/runtime/se_sparse.h"

#include "se_sparse_iter.h"

/* Checks everything that does not need the stream contents. */
static se_status check_arguments(const uint8_t *stream, int32_t stream_bytes, int32_t entries,
                                 int32_t block, int32_t rows, int32_t row_len)
{
    int64_t elements;
    if (stream == NULL && stream_bytes > 0) {
        return SE_ERR_NULL_POINTER;
    }
    if (block < 2 || block > 4) {
        return SE_ERR_BAD_PARAM;
    }
    if (rows <= 0 || row_len <= 0 || row_len % block != 0) {
        return SE_ERR_BAD_SHAPE;
    }
    elements = (int64_t)rows * (int64_t)row_len;
    if (elements > (int64_t)SE_SPARSE_MAX_ELEMENTS) {
        return SE_ERR_BAD_SHAPE;
    }
    /* Each entry occupies its own block, so a valid stream has at most one entry per block. */
    if (entries < 0 || (int64_t)entries > elements / block) {
        return SE_ERR_BAD_SHAPE;
    }
    if (stream_bytes < 0 || (int64_t)stream_bytes != (int64_t)entries * (int64_t)(1 + block)) {
        return SE_ERR_BAD_SHAPE;
    }
    return SE_OK;
}

se_status se_sparse_validate_s8(const uint8_t *stream, int32_t stream_bytes, int32_t entries,
                                int32_t block, int32_t rows, int32_t row_len)
{
    se_sparse_iter it;
    se_status status = check_arguments(stream, stream_bytes, entries, block, rows, row_len);
    if (status != SE_OK) {
        return status;
    }
    se_sparse_iter_init(&it, stream, entries, block, row_len);
    while (se_sparse_iter_next(&it)) {
        if (it.row >= rows) {
            return SE_ERR_BAD_SHAPE; /* dis runs past the last block of the matrix */
        }
    }
    return SE_OK;
}

se_status se_sparse_decode_s8(const uint8_t *stream, int32_t stream_bytes, int32_t entries,
                              int32_t block, int32_t rows, int32_t row_len, int8_t *dense_out)
{
    se_sparse_iter it;
    int32_t i;
    int32_t elements;
    se_status status;
    if (dense_out == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    status = se_sparse_validate_s8(stream, stream_bytes, entries, block, rows, row_len);
    if (status != SE_OK) {
        return status;
    }
    elements = rows * row_len; /* <= SE_SPARSE_MAX_ELEMENTS, checked above */
    for (i = 0; i < elements; ++i) {
        dense_out[i] = 0;
    }
    se_sparse_iter_init(&it, stream, entries, block, row_len);
    while (se_sparse_iter_next(&it)) {
        int8_t *dst = dense_out + it.row * row_len + it.col;
        int32_t k;
        for (k = 0; k < block; ++k) {
            dst[k] = it.values[k];
        }
    }
    return SE_OK;
}
