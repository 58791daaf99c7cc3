/*
 * Walks a block-sparse weight stream (format: include/tinyformer/runtime/se_sparse.h) entry by
 * entry, yielding for each entry its row, the position of its first element in that row and a
 * pointer to its b values. Row and position are tracked incrementally (one multiply per entry, no
 * division): O(1) amortized per entry, O(entries + rows) for the whole stream.
 *
 * Usage (sparse kernel / decoder):
 *
 *     se_sparse_iter it;
 *     se_sparse_iter_init(&it, stream, entries, block, row_len);
 *     while (se_sparse_iter_next(&it)) {
 *         // it.row < rows only if the stream was validated (se_sparse_validate_s8);
 *         // it.values[0 .. block) are the weights at it.row, columns it.col .. it.col + block - 1
 *     }
 *
 * The iterator itself does no bounds checks against the matrix height: it reads exactly
 * entries * (1 + block) bytes, and a stream that passed se_sparse_validate_s8 yields rows < rows.
 * Entries with all-zero values (fillers) are yielded like any other; a kernel may multiply them
 * (result 0) or skip them. Preconditions: block in {2, 3, 4}, row_len a positive multiple of block,
 * entries >= 0.
 */
#ifndef TINYFORMER_RUNTIME_SE_SPARSE_ITER_H
#define TINYFORMER_RUNTIME_SE_SPARSE_ITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *next_entry; /* first byte (dis) of the next entry to read */
    const uint8_t *end;        /* one past the last entry */
    int32_t block;
    int32_t row_len;
    int32_t next_col;          /* column just after the previous entry's block (0 at start) */
    int32_t row;               /* current entry: row */
    int32_t col;               /* current entry: column of values[0], a multiple of block */
    const int8_t *values;      /* current entry: block int8 weights */
} se_sparse_iter;

static inline void se_sparse_iter_init(se_sparse_iter *it, const uint8_t *stream, int32_t entries,
                                       int32_t block, int32_t row_len)
{
    it->next_entry = stream;
    it->end = (entries > 0) ? stream + (size_t)entries * (size_t)(1 + block) : stream;
    it->block = block;
    it->row_len = row_len;
    it->next_col = 0;
    it->row = 0;
    it->col = 0;
    it->values = (const int8_t *)0;
}

/* Advances to the next entry; returns 1 and fills row/col/values, or 0 after the last entry. */
static inline int se_sparse_iter_next(se_sparse_iter *it)
{
    int32_t col;
    if (it->next_entry == it->end) {
        return 0;
    }
    /* Skip dis zero blocks; the skip may cross one or more row ends (a block never straddles). */
    col = it->next_col + (int32_t)it->next_entry[0] * it->block;
    while (col >= it->row_len) {
        col -= it->row_len;
        ++it->row;
    }
    it->col = col;
    it->values = (const int8_t *)(it->next_entry + 1);
    it->next_col = col + it->block; /* may equal row_len: normalized by the next call */
    it->next_entry += 1 + it->block;
    return 1;
}

#endif /* TINYFORMER_RUNTIME_SE_SPARSE_ITER_H */
