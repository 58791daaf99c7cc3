/*
 * The inner engine of the sparse DSP kernels (conv2d, 1x1, fully connected): internal header.
 *
 * The input is widened once into a column buffer of P columns (P = 4 output pixels or tokens, or
 * P = 1) of R int16 values, with -input_zp already added (padding taps are 0, so no zero-point term
 * is left). Then each output row walks its own entries (the row table gives the first one) and
 * multiplies each entry's b weights with the b values of every column at once:
 *
 * Column buffer layout, by block j = k / b of the reduction index k, column p (int16 units):
 *   b = 4: cols[(j * P + p) * 4 + {0, 1, 2, 3}] = x[4j], x[4j + 2], x[4j + 1], x[4j + 3]
 *          (the order SXTB16 / SXTB16 ROR #8 give the 4 weight bytes: 2 SMLAD per column);
 *   b = 2: cols[(j * P + p) * 2 + {0, 1}] = x[2j], x[2j + 1]  (the weight pair is packed once).
 * So the P columns of one block are contiguous (one pointer, LDRD), the block at column c of the
 * row starts at word c * P / 2, and an entry's dis advances the pointer by dis * b * P / 2 words.
 * (x + offset) lies in [-255, 255] and fits int16.
 */
#ifndef TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_DSP_H
#define TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_DSP_H

#include <stdint.h>
#include <string.h>

#include "se_dsp_intrinsics.h"
#include "se_requant_precomputed.h"
#include "se_sparse_kernel_common.h"

/* Scratch bytes: P columns of row_len int16, plus the row table unless the weights bring one. */
SE_INLINE int32_t se_sparse_dsp_buffer_size(int64_t row_len, int32_t columns, int32_t rows,
                                            const se_sparse_weights *w)
{
    const int64_t cols = 2 * (int64_t)columns * row_len;
    const int64_t table = (w != NULL && w->row_table != NULL) ? 0 : (int64_t)se_sparse_row_table_size(rows);
    if (row_len <= 0 || rows <= 0 || cols + table > INT32_MAX) {
        return 0;
    }
    return (int32_t)(cols + table);
}

/* The row table to use: the trusted one, or one built in scratch (the stream was validated). */
SE_INLINE const int32_t *se_sparse_dsp_row_table(const se_sparse_weights *w, int32_t rows, int32_t row_len,
                                                 int32_t *scratch_table)
{
    if (w->row_table != NULL) {
        return w->row_table;
    }
    se_sparse_build_row_table(w, rows, row_len, scratch_table);
    return scratch_table;
}

/* int16 index of tap k of column p (layout above). */
SE_INLINE int32_t se_sparse_col_index(int32_t k, int32_t p, int32_t columns, int32_t block)
{
    if (block == 4) {
        const int32_t lane = k & 3;
        return (((k >> 2) * columns + p) << 2) + (((lane & 1) << 1) | (lane >> 1));
    }
    return (((k >> 1) * columns + p) << 1) + (k & 1);
}

SE_INLINE void se_sparse_write_s16x2(int16_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Writes taps k .. k + n - 1 of column p from n input values src[0 .. n) plus the offset, or zeros
 * (padding) when src is NULL. Whole groups of 4 taps go 4 at a time (one load, two SXTAB16). */
static inline void se_sparse_col_write_run(int16_t *cols, int32_t columns, int32_t block, int32_t p, int32_t k,
                                           const int8_t *src, int32_t n, uint32_t offset_pair)
{
    const int32_t offset = (int16_t)(offset_pair & 0xFFFFu);
    for (; n > 0 && (k & 3) != 0; k++, n--) {
        cols[se_sparse_col_index(k, p, columns, block)] = (int16_t)(src != NULL ? *src++ + offset : 0);
    }
    if (n >= 4) {
        const int32_t step = 4 * columns; /* int16 per group of 4 taps, both layouts */
        int16_t *dst = cols + se_sparse_col_index(k, p, columns, block);
        const int32_t second = block == 4 ? 2 : 2 * columns; /* where the second word of a group goes */
        for (; n >= 4; n -= 4, k += 4, dst += step) {
            uint32_t first_word = 0u, second_word = 0u;
            if (src != NULL) {
                const uint32_t v = se_read_u32(src);
                const uint32_t even = se_sxtab16(offset_pair, v); /* x0, x2 */
                const uint32_t odd = se_sxtab16_ror8(offset_pair, v); /* x1, x3 */
                src += 4;
                first_word = block == 4 ? even : se_pkhbt(even, odd); /* b = 2: x0, x1 */
                second_word = block == 4 ? odd : se_pkhtb(odd, even); /* b = 2: x2, x3 */
            }
            se_sparse_write_s16x2(dst, first_word);
            se_sparse_write_s16x2(dst + second, second_word);
        }
    }
    for (; n > 0; k++, n--) {
        cols[se_sparse_col_index(k, p, columns, block)] = (int16_t)(src != NULL ? *src++ + offset : 0);
    }
}

/* Offset (-input_zp) in both halves of a word, for SXTAB16. */
SE_INLINE uint32_t se_sparse_offset_pair(int32_t input_zp)
{
    const uint32_t offset = (uint32_t)(-input_zp) & 0xFFFFu;
    return offset | (offset << 16);
}

/* Per-call constants of the output stage. */
typedef struct {
    const int32_t *bias; /* may be NULL */
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t output_zp;
    int32_t act_min;
    int32_t act_max;
} se_sparse_out_stage;

SE_INLINE int8_t se_sparse_out_s8(int32_t acc, const se_requant_plan *q, int32_t zp, int32_t act_min,
                                  int32_t act_max)
{
    return (int8_t)se_clamp(se_requant_plan_apply(q, acc) + zp, act_min, act_max);
}

/* The weight pair of a b = 2 entry (values at e[1], e[2]) as int16 {v0, v1}. */
SE_INLINE uint32_t se_sparse_pair_b2(const uint8_t *e)
{
    return se_pkhbt((uint32_t)(int32_t)(int8_t)e[1], (uint32_t)(int32_t)(int8_t)e[2]);
}

/* Every row of the coded matrix against 4 columns; out[p][row] receives column p's result. */
static inline void se_sparse_rows_4col(const se_sparse_weights *w, const int32_t *table, int32_t rows,
                                       const int16_t *cols, const se_sparse_out_stage *st, int8_t *out0,
                                       int8_t *out1, int8_t *out2, int8_t *out3)
{
    const int32_t *first_col = table + rows + 1;
    const int32_t entry_bytes = 1 + w->block;
    const int32_t zp = st->output_zp, act_min = st->act_min, act_max = st->act_max;
    const uint32_t *words = (const uint32_t *)(const void *)cols;
    for (int32_t r = 0; r < rows; r++) {
        int32_t acc0 = se_sparse_bias(st->bias, r);
        int32_t acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int32_t n = table[r + 1] - table[r];
        if (n > 0) {
            const uint8_t *e = w->stream + (size_t)table[r] * (size_t)entry_bytes;
            const uint32_t *x = words + 2 * first_col[r];
            if (w->block == 4) {
                for (;;) {
                    const uint32_t v = se_read_u32((const int8_t *)(e + 1));
                    const uint32_t even = se_sxtb16(v), odd = se_sxtb16_ror8(v);
                    uint32_t a, b;
                    se_read2_u32_advance(&x, &a, &b);
                    acc0 = se_smlad(odd, b, se_smlad(even, a, acc0));
                    se_read2_u32_advance(&x, &a, &b);
                    acc1 = se_smlad(odd, b, se_smlad(even, a, acc1));
                    se_read2_u32_advance(&x, &a, &b);
                    acc2 = se_smlad(odd, b, se_smlad(even, a, acc2));
                    se_read2_u32_advance(&x, &a, &b);
                    acc3 = se_smlad(odd, b, se_smlad(even, a, acc3));
                    if (--n == 0) {
                        break;
                    }
                    e += 5;
                    x += 8u * e[0];
                }
            } else {
                for (;;) {
                    const uint32_t pair = se_sparse_pair_b2(e);
                    uint32_t a, b;
                    se_read2_u32_advance(&x, &a, &b);
                    acc0 = se_smlad(pair, a, acc0);
                    acc1 = se_smlad(pair, b, acc1);
                    se_read2_u32_advance(&x, &a, &b);
                    acc2 = se_smlad(pair, a, acc2);
                    acc3 = se_smlad(pair, b, acc3);
                    if (--n == 0) {
                        break;
                    }
                    e += 3;
                    x += 4u * e[0];
                }
            }
        }
        se_requant_plan q;
        se_requant_plan_init(&q, st->multiplier[r], st->shift[r]);
        out0[r] = se_sparse_out_s8(acc0, &q, zp, act_min, act_max);
        out1[r] = se_sparse_out_s8(acc1, &q, zp, act_min, act_max);
        out2[r] = se_sparse_out_s8(acc2, &q, zp, act_min, act_max);
        out3[r] = se_sparse_out_s8(acc3, &q, zp, act_min, act_max);
    }
}

/* Every row against 1 column (layout with P = 1); out[row] receives the result. */
static inline void se_sparse_rows_1col(const se_sparse_weights *w, const int32_t *table, int32_t rows,
                                       const int16_t *cols, const se_sparse_out_stage *st, int8_t *out)
{
    const int32_t *first_col = table + rows + 1;
    const int32_t entry_bytes = 1 + w->block;
    const uint32_t *words = (const uint32_t *)(const void *)cols;
    for (int32_t r = 0; r < rows; r++) {
        int32_t acc = se_sparse_bias(st->bias, r);
        int32_t n = table[r + 1] - table[r];
        if (n > 0) {
            const uint8_t *e = w->stream + (size_t)table[r] * (size_t)entry_bytes;
            const uint32_t *x = words + (first_col[r] >> 1);
            if (w->block == 4) {
                for (;;) {
                    const uint32_t v = se_read_u32((const int8_t *)(e + 1));
                    uint32_t a, b;
                    se_read2_u32_advance(&x, &a, &b);
                    acc = se_smlad(se_sxtb16_ror8(v), b, se_smlad(se_sxtb16(v), a, acc));
                    if (--n == 0) {
                        break;
                    }
                    e += 5;
                    x += 2u * e[0];
                }
            } else {
                for (;;) {
                    acc = se_smlad(se_sparse_pair_b2(e), *x++, acc);
                    if (--n == 0) {
                        break;
                    }
                    e += 3;
                    x += e[0];
                }
            }
        }
        se_requant_plan q;
        se_requant_plan_init(&q, st->multiplier[r], st->shift[r]);
        out[r] = se_sparse_out_s8(acc, &q, st->output_zp, st->act_min, st->act_max);
    }
}

#endif /* TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_DSP_H */
