/*
 * Init-time preparation of sparse weights, shared by every variant: validation once, and the row
 * table that lets the DSP kernels start each output row without walking the stream.
 */
#include "se_sparse_kernel_common.h"

int32_t se_sparse_row_table_size(int32_t rows)
{
    if (rows < 1 || rows > (INT32_MAX / 4 - 1) / 2) {
        return 0;
    }
    return 4 * se_sparse_row_table_words(rows);
}

se_status se_sparse_prepare_s8(const se_sparse_weights *weights, int32_t rows, int32_t row_len, int32_t *row_table)
{
    if (weights == NULL || row_table == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    const se_status status = se_sparse_validate_s8(weights->stream, weights->stream_bytes, weights->entries,
                                                   weights->block, rows, row_len);
    if (status != SE_OK) {
        return status;
    }
    if (se_sparse_row_table_size(rows) == 0) {
        return SE_ERR_BAD_SHAPE;
    }
    se_sparse_build_row_table(weights, rows, row_len, row_table);
    return SE_OK;
}
