/*
 * Inner loops shared by the DSP fully-connected and batched-matmul kernels
 * (internal header).
 *
 * Both kernels take dot products of length k between
 *   - ROWS: int8 vectors read in place, contiguous along k (weight rows of a
 *     fully connected layer, lhs rows of a matmul), sign-extended in registers
 *     with SXTB16 / SXTB16 ROR 8;
 *   - COLUMNS: int8 vectors packed once into scratch as int16 pairs with their
 *     offset (-zero point) already added (tokens of a fully connected layer,
 *     rhs columns of a matmul). A packed column is reused by every row, so
 *     packing costs O(k) per column, not per dot product.
 * A row zero point (the matmul's lhs_zp; weights have none) is folded into the
 * accumulator's start value once per column:
 *   sum (a - za) * (b - zb) = sum a * (b - zb) - za * colsum,  colsum = sum (b - zb),
 * and packing returns colsum. |a| <= 128 and |b - zb| <= 255 fit int16 and SMLAD.
 *
 * Packed column format, in 32-bit words (int16 pairs, low half first):
 *   for each group of 4 values v0 v1 v2 v3:  (v0, v2), (v1, v3)
 *   then one word per remaining value (k % 4 of them), as an int32.
 * The pairs match SXTB16 (bytes 0, 2) and SXTB16 ROR 8 (bytes 1, 3) of a row
 * word, so one SMLAD per pair multiplies matching elements.
 * A packed PAIR of columns c0, c1 interleaves them: per group
 *   c0 (v0, v2), c0 (v1, v3), c1 (v0, v2), c1 (v1, v3)
 * and per remaining value: c0 v, c1 v.
 *
 * Accumulation wraps modulo 2^32 like SMLAD (unsigned arithmetic in C). The
 * identity above holds for integers, hence modulo 2^32: results equal the
 * reference's int32 sum whenever that sum is in range.
 */
#ifndef TINYFORMER_RUNTIME_SE_MATMUL_DSP_H
#define TINYFORMER_RUNTIME_SE_MATMUL_DSP_H

#include <stddef.h>
#include <stdint.h>

#include "se_dsp_intrinsics.h"
#include "se_fixedpoint.h"
#include "se_requant_fast.h"

/* Keeps a kernel's row loop in a function of its own: the register allocator
 * then sees only that loop's values, and the inner loop does not spill. */
#if defined(__GNUC__)
#define SE_MATMUL_NOINLINE __attribute__((noinline))
#else
#define SE_MATMUL_NOINLINE
#endif

/* Words of one packed column, and of a packed pair of columns, of length k. */
SE_INLINE int32_t se_matmul_packed_words(int32_t k) { return 2 * (k >> 2) + (k & 3); }
SE_INLINE int32_t se_matmul_packed_pair_words(int32_t k) { return 2 * se_matmul_packed_words(k); }

/* offset in both 16-bit halves, for SXTAB16 */
SE_INLINE uint32_t se_matmul_offset_pair(int32_t offset) { return ((uint32_t)offset & 0xFFFFu) * 0x10001u; }

SE_INLINE uint32_t se_matmul_pack16(int32_t lo, int32_t hi) { return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16); }

SE_INLINE int32_t se_matmul_wrap_add(int32_t acc, int32_t v) { return (int32_t)((uint32_t)acc + (uint32_t)v); }

/* Packs src[0], src[step], ..., src[(k - 1) * step] plus offset: the groups
 * of 4 go to group_dst, one every words_per_group words (2 for a single
 * column, 4 inside a pair), the k % 4 remaining values to tail_dst, one every
 * tail_step words (1 or 2). Returns the sum of the packed values. */
SE_INLINE int32_t se_matmul_pack_strided(const int8_t *src, ptrdiff_t step, int32_t k, int32_t offset,
                                         uint32_t *group_dst, int32_t words_per_group, uint32_t *tail_dst,
                                         int32_t tail_step)
{
    const uint32_t offset2 = se_matmul_offset_pair(offset);
    const uint32_t ones = 0x00010001u; /* SMLAD with (1, 1) sums both halves */
    int32_t sum = 0;
    int32_t groups = k >> 2;
    if (step == 1) {
        for (; groups > 0; --groups) {
            const uint32_t v = se_read_u32(src);
            const uint32_t even = se_sxtab16(offset2, v), odd = se_sxtab16_ror8(offset2, v);
            group_dst[0] = even;
            group_dst[1] = odd;
            sum = se_smlad(even, ones, se_smlad(odd, ones, sum));
            src += 4;
            group_dst += words_per_group;
        }
    } else {
        for (; groups > 0; --groups) {
            const uint32_t even = se_sadd16(se_matmul_pack16(src[0], src[2 * step]), offset2);
            const uint32_t odd = se_sadd16(se_matmul_pack16(src[step], src[3 * step]), offset2);
            group_dst[0] = even;
            group_dst[1] = odd;
            sum = se_smlad(even, ones, se_smlad(odd, ones, sum));
            src += 4 * step;
            group_dst += words_per_group;
        }
    }
    for (int32_t j = 0; j < (k & 3); ++j) {
        const int32_t v = (int32_t)src[(ptrdiff_t)j * step] + offset;
        tail_dst[j * tail_step] = (uint32_t)v;
        sum = se_matmul_wrap_add(sum, v);
    }
    return sum;
}

/* One column; returns its sum. */
SE_INLINE int32_t se_matmul_pack_column(const int8_t *src, ptrdiff_t step, int32_t k, int32_t offset, uint32_t *dst)
{
    return se_matmul_pack_strided(src, step, k, offset, dst, 2, dst + 2 * (k >> 2), 1);
}

/* Two columns, interleaved; their sums go to sums[0], sums[1]. */
SE_INLINE void se_matmul_pack_column_pair(const int8_t *src0, const int8_t *src1, ptrdiff_t step, int32_t k,
                                          int32_t offset, uint32_t *dst, int32_t sums[2])
{
    uint32_t *tail = dst + 4 * (k >> 2);
    sums[0] = se_matmul_pack_strided(src0, step, k, offset, dst, 4, tail, 2);
    sums[1] = se_matmul_pack_strided(src1, step, k, offset, dst + 2, 4, tail + 1, 2);
}

/* -row_zp * column_sum, wrapping: the start value that folds a row zero point in. */
SE_INLINE int32_t se_matmul_zp_fold(int32_t row_zp, int32_t column_sum)
{
    return (int32_t)((uint32_t)(-row_zp) * (uint32_t)column_sum);
}

/* acc[2 * r + c] += dot(row r, column c) for rows row0, row1 and a packed pair. */
SE_INLINE void se_matmul_dot_2x2(const int8_t *row0, const int8_t *row1, const uint32_t *pair, int32_t k,
                                 int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    for (int32_t groups = k >> 2; groups > 0; --groups) {
        const uint32_t x0 = se_read_u32(row0);
        const uint32_t x1 = se_read_u32(row1);
        row0 += 4;
        row1 += 4;
        const uint32_t x0_even = se_sxtb16(x0);
        const uint32_t x0_odd = se_sxtb16_ror8(x0);
        const uint32_t x1_even = se_sxtb16(x1);
        const uint32_t x1_odd = se_sxtb16_ror8(x1);
        uint32_t c_even, c_odd;
        se_read2_u32_advance(&pair, &c_even, &c_odd); /* column 0 */
        a00 = se_smlad(x0_even, c_even, a00);
        a00 = se_smlad(x0_odd, c_odd, a00);
        a10 = se_smlad(x1_even, c_even, a10);
        a10 = se_smlad(x1_odd, c_odd, a10);
        se_read2_u32_advance(&pair, &c_even, &c_odd); /* column 1 */
        a01 = se_smlad(x0_even, c_even, a01);
        a01 = se_smlad(x0_odd, c_odd, a01);
        a11 = se_smlad(x1_even, c_even, a11);
        a11 = se_smlad(x1_odd, c_odd, a11);
    }
    for (int32_t j = 0; j < (k & 3); ++j) {
        const int32_t x0 = (int32_t)row0[j], x1 = (int32_t)row1[j];
        const int32_t c0 = (int32_t)pair[2 * j], c1 = (int32_t)pair[2 * j + 1];
        a00 = se_matmul_wrap_add(a00, x0 * c0);
        a01 = se_matmul_wrap_add(a01, x0 * c1);
        a10 = se_matmul_wrap_add(a10, x1 * c0);
        a11 = se_matmul_wrap_add(a11, x1 * c1);
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

/* acc[c] += dot(row0, column c) for a packed pair. */
SE_INLINE void se_matmul_dot_1x2(const int8_t *row0, const uint32_t *pair, int32_t k, int32_t acc[2])
{
    int32_t a0 = acc[0], a1 = acc[1];
    for (int32_t groups = k >> 2; groups > 0; --groups) {
        const uint32_t x = se_read_u32(row0);
        row0 += 4;
        const uint32_t x_even = se_sxtb16(x);
        const uint32_t x_odd = se_sxtb16_ror8(x);
        uint32_t c_even, c_odd;
        se_read2_u32_advance(&pair, &c_even, &c_odd);
        a0 = se_smlad(x_even, c_even, a0);
        a0 = se_smlad(x_odd, c_odd, a0);
        se_read2_u32_advance(&pair, &c_even, &c_odd);
        a1 = se_smlad(x_even, c_even, a1);
        a1 = se_smlad(x_odd, c_odd, a1);
    }
    for (int32_t j = 0; j < (k & 3); ++j) {
        const int32_t x = (int32_t)row0[j];
        a0 = se_matmul_wrap_add(a0, x * (int32_t)pair[2 * j]);
        a1 = se_matmul_wrap_add(a1, x * (int32_t)pair[2 * j + 1]);
    }
    acc[0] = a0;
    acc[1] = a1;
}

/* acc[r] += dot(row r, column) for rows row0 + r * row_stride, r < 4, and one
 * packed column. Rows 1 and 3 are addressed as rows 0 and 2 plus the stride,
 * which saves two pointer registers (the loop then fits the register file). */
SE_INLINE void se_matmul_dot_4x1(const int8_t *row0, ptrdiff_t row_stride, const uint32_t *column, int32_t k,
                                 int32_t acc[4])
{
    const int8_t *row2 = row0 + 2 * row_stride;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    for (int32_t groups = k >> 2; groups > 0; --groups) {
        const uint32_t c_even = column[0], c_odd = column[1];
        column += 2;
        uint32_t x = se_read_u32(row0 + row_stride);
        a1 = se_smlad(se_sxtb16(x), c_even, a1);
        a1 = se_smlad(se_sxtb16_ror8(x), c_odd, a1);
        x = se_read_u32(row0);
        a0 = se_smlad(se_sxtb16(x), c_even, a0);
        a0 = se_smlad(se_sxtb16_ror8(x), c_odd, a0);
        x = se_read_u32(row2 + row_stride);
        a3 = se_smlad(se_sxtb16(x), c_even, a3);
        a3 = se_smlad(se_sxtb16_ror8(x), c_odd, a3);
        x = se_read_u32(row2);
        a2 = se_smlad(se_sxtb16(x), c_even, a2);
        a2 = se_smlad(se_sxtb16_ror8(x), c_odd, a2);
        row0 += 4;
        row2 += 4;
    }
    const int8_t *row1 = row0 + row_stride, *row3 = row2 + row_stride;
    for (int32_t j = 0; j < (k & 3); ++j) {
        const int32_t c = (int32_t)column[j];
        a0 = se_matmul_wrap_add(a0, (int32_t)row0[j] * c);
        a1 = se_matmul_wrap_add(a1, ((int32_t)row1[j]) * c);
        a2 = se_matmul_wrap_add(a2, ((int32_t)row2[j]) * c);
        a3 = se_matmul_wrap_add(a3, ((int32_t)row3[j]) * c);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* acc + dot(row0, column) for one packed column. */
SE_INLINE int32_t se_matmul_dot_1x1(const int8_t *row0, const uint32_t *column, int32_t k, int32_t acc)
{
    for (int32_t groups = k >> 2; groups > 0; --groups) {
        const uint32_t x = se_read_u32(row0);
        row0 += 4;
        uint32_t c_even, c_odd;
        se_read2_u32_advance(&column, &c_even, &c_odd);
        acc = se_smlad(se_sxtb16(x), c_even, acc);
        acc = se_smlad(se_sxtb16_ror8(x), c_odd, acc);
    }
    for (int32_t j = 0; j < (k & 3); ++j) {
        acc = se_matmul_wrap_add(acc, ((int32_t)row0[j]) * (int32_t)column[j]);
    }
    return acc;
}

/* Output stage: requantized (se_requant_fast.h), offset and clamped. */
SE_INLINE int8_t se_matmul_output_s8(int32_t acc, const se_requant_fast *q, int32_t output_zp, int32_t act_min,
                                     int32_t act_max)
{
    return (int8_t)se_clamp(se_requant_fast_apply(acc, q) + output_zp, act_min, act_max);
}

/* se_matmul_output_s8 for the common case shift < 0 and no activation (clamp
 * to [-128, 127]): the right-shift path without a branch, the clamp one SSAT. */
SE_INLINE int8_t se_matmul_output_s8_plain(int32_t acc, const se_requant_fast *q, int32_t output_zp)
{
    return (int8_t)se_ssat(se_requant_fast_right(acc, q) + output_zp, 8);
}

SE_INLINE int se_matmul_output_is_plain(const se_requant_fast *q, int32_t act_min, int32_t act_max)
{
    return q->right_m1 >= 0 && act_min == -128 && act_max == 127;
}

#endif /* TINYFORMER_RUNTIME_SE_MATMUL_DSP_H */
