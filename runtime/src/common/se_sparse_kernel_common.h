/*
 * Shared by the sparse kernels (se_sparse_kernels.h), reference and DSP: checks of the coded
 * weights, the row table, the wrapping accumulate. Internal header.
 */
#ifndef TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_COMMON_H
#define TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_COMMON_H

#include <stdint.h>

#include "se_fixedpoint.h"
#include "se_sparse_iter.h"
#include "tinyformer/runtime/se_sparse_kernels.h"

/* a + b modulo 2^32, as SMLAD accumulates (the bias may be extreme). */
SE_INLINE int32_t se_sparse_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

SE_INLINE int32_t se_sparse_bias(const int32_t *bias, int32_t row) { return bias != NULL ? bias[row] : 0; }

/* The weights' checks after the op's own ones: block range, the op's block restriction
 * (`unsupported` non-zero: SE_ERR_UNSUPPORTED), then the stream against [rows, row_len] unless
 * `trusted`. */
SE_INLINE se_status se_sparse_check_weights(const se_sparse_weights *w, int unsupported, int32_t rows,
                                            int32_t row_len, int trusted)
{
    if (w->block < 2 || w->block > 4) {
        return SE_ERR_BAD_PARAM;
    }
    if (unsupported) {
        return SE_ERR_UNSUPPORTED;
    }
    if (trusted) {
        return SE_OK;
    }
    return se_sparse_validate_s8(w->stream, w->stream_bytes, w->entries, w->block, rows, row_len);
}

/* int32 count of a row table (se_sparse_row_table_size in bytes). */
SE_INLINE int32_t se_sparse_row_table_words(int32_t rows) { return 2 * rows + 1; }

/* Fills the row table of a VALIDATED stream (layout: se_sparse_row_table_size). One pass. */
SE_INLINE void se_sparse_build_row_table(const se_sparse_weights *w, int32_t rows, int32_t row_len, int32_t *table)
{
    int32_t *first_entry = table;
    int32_t *first_col = table + rows + 1;
    int32_t next_row = 0; /* rows below next_row have their first_entry set */
    int32_t index = 0;
    se_sparse_iter it;
    se_sparse_iter_init(&it, w->stream, w->entries, w->block, row_len);
    while (se_sparse_iter_next(&it)) {
        if (it.row >= next_row) {
            for (; next_row < it.row; next_row++) { /* empty rows */
                first_entry[next_row] = index;
                first_col[next_row] = 0;
            }
            first_entry[next_row] = index;
            first_col[next_row] = it.col;
            next_row++;
        }
        index++;
    }
    for (; next_row <= rows; next_row++) {
        first_entry[next_row] = index;
        if (next_row < rows) {
            first_col[next_row] = 0;
        }
    }
}

#endif /* TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_COMMON_H */
