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
 *   b = 3 (P = 4 only): block j is 12 int16, cols[12j + 2p + {0, 1}] = x[3j], x[3j + 2] and
 *          cols[12j + 8 + p] = x[3j + 1]: one entry word (dis, v0, v1, v2) gives {v0, v2} by
 *          SXTB16 ROR #8 (one SMLAD per column) and v1 in the top half of SXTB16 (SMLATB/SMLATT
 *          against the middle taps, two columns per word).
 * So the P columns of one block are contiguous (one pointer, LDRD), the block at column c of the
 * row starts at word c * P / 2, and an entry's dis advances the pointer by dis * b * P / 2 words.
 * (x + offset) lies in [-255, 255] and fits int16.
 */
#ifndef TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_DSP_H
#define TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_DSP_H

#include <stdint.h>
#include <string.h>

#include "se_dsp_intrinsics.h"
#include "se_requant_fast.h"
#include "se_sparse_kernel_common.h"

/* Per-row constants of the 4-column path, made once per call: requantization and bias (0 when
 * there is none, so the row loop has no NULL test). */
typedef struct {
    se_requant_fast q;
    int32_t bias;
} se_sparse_row_consts;

/* Scratch of the 4-column kernels, in this order (every part a multiple of 4 bytes):
 *   columns  2 * P * row_len bytes (P = 4, or 1 for a 1-column-only call)
 *   plans    rows se_sparse_row_consts (P = 4 only: made once, used by every column group)
 *   tail     4 * rows bytes: outputs of a last, partial group of 4 (P = 4 only)
 *   table    se_sparse_row_table_size(rows), unless the weights bring their row table. */
SE_INLINE int32_t se_sparse_dsp_buffer_size(int64_t row_len, int32_t columns, int32_t rows,
                                            const se_sparse_weights *w)
{
    const int64_t cols = 2 * (int64_t)columns * row_len;
    const int64_t per_group = columns == 4 ? ((int64_t)sizeof(se_sparse_row_consts) + 4) * rows : 0;
    const int64_t table = (w != NULL && w->row_table != NULL) ? 0 : (int64_t)se_sparse_row_table_size(rows);
    if (row_len <= 0 || rows <= 0 || cols + per_group + table > INT32_MAX) {
        return 0;
    }
    return (int32_t)(cols + per_group + table);
}

/* The parts of that scratch. */
typedef struct {
    int16_t *cols;
    se_sparse_row_consts *plans; /* P = 4 only */
    int8_t *tail;                /* P = 4 only */
    int32_t *table;              /* room for the row table */
} se_sparse_scratch;

SE_INLINE se_sparse_scratch se_sparse_scratch_split(void *buf, int32_t row_len, int32_t columns, int32_t rows)
{
    se_sparse_scratch s;
    uint8_t *p = (uint8_t *)buf;
    s.cols = (int16_t *)buf;
    p += (size_t)2 * (size_t)columns * (size_t)row_len;
    s.plans = (se_sparse_row_consts *)(void *)p;
    s.tail = (int8_t *)p;
    if (columns == 4) {
        p += sizeof(se_sparse_row_consts) * (size_t)rows;
        s.tail = (int8_t *)p;
        p += (size_t)4 * (size_t)rows;
    }
    s.table = (int32_t *)(void *)p;
    return s;
}

/* Per-row constants of every row, once per call. */
SE_INLINE void se_sparse_make_plans(se_sparse_row_consts *plans, const int32_t *bias, const int32_t *multiplier,
                                    const int32_t *shift, int32_t rows)
{
    for (int32_t r = 0; r < rows; r++) {
        plans[r].q = se_requant_fast_make(multiplier[r], shift[r]);
        plans[r].bias = se_sparse_bias(bias, r);
    }
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

/* Whole groups of 4 taps (one load, two SXTAB16 each) for the b = 4 layout: both words of a
 * group sit together; dst advances by `step` int16 per group. */
static inline void se_sparse_widen_b4(const int8_t *src, int32_t groups, uint32_t offset_pair, int16_t *dst,
                                      int32_t step)
{
    for (; groups > 0; groups--) {
        const uint32_t v = se_read_u32(src);
        src += 4;
        se_sparse_write_s16x2(dst, se_sxtab16(offset_pair, v));          /* x0, x2 */
        se_sparse_write_s16x2(dst + 2, se_sxtab16_ror8(offset_pair, v)); /* x1, x3 */
        dst += step;
    }
}

/* PKHBT / PKHTB as single instructions (GCC turns the C forms into AND/ORR/UXTH). */
#if SE_HAVE_ARM_DSP
SE_INLINE uint32_t se_sparse_pkhbt(uint32_t lo, uint32_t hi)
{
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}
SE_INLINE uint32_t se_sparse_pkhtb(uint32_t hi, uint32_t lo)
{
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
}
#else
SE_INLINE uint32_t se_sparse_pkhbt(uint32_t lo, uint32_t hi) { return se_pkhbt(lo, hi); }
SE_INLINE uint32_t se_sparse_pkhtb(uint32_t hi, uint32_t lo) { return se_pkhtb(hi, lo); }
#endif

/* The same for the b = 2 layout: a group is two blocks, the second one `step / 2` int16 on. */
static inline void se_sparse_widen_b2(const int8_t *src, int32_t groups, uint32_t offset_pair, int16_t *dst,
                                      int32_t step)
{
    const int32_t second = step >> 1;
    for (; groups > 0; groups--) {
        const uint32_t v = se_read_u32(src);
        src += 4;
        const uint32_t even = se_sxtab16(offset_pair, v); /* x0, x2 */
        const uint32_t odd = se_sxtab16_ror8(offset_pair, v); /* x1, x3 */
        se_sparse_write_s16x2(dst, se_sparse_pkhbt(even, odd));          /* x0, x1 */
        se_sparse_write_s16x2(dst + second, se_sparse_pkhtb(odd, even)); /* x2, x3 */
        dst += step;
    }
}

/* Zeros (padding) for whole groups; `second` = where a group's second word goes. */
static inline void se_sparse_zero_groups(int32_t groups, int16_t *dst, int32_t step, int32_t second)
{
    for (; groups > 0; groups--) {
        se_sparse_write_s16x2(dst, 0u);
        se_sparse_write_s16x2(dst + second, 0u);
        dst += step;
    }
}

/* Writes taps k .. k + n - 1 of column p from n input values src[0 .. n) plus the offset, or zeros
 * (padding) when src is NULL. Whole groups of 4 taps go 4 at a time; the ends one at a time. */
static inline void se_sparse_col_write_run(int16_t *cols, int32_t columns, int32_t block, int32_t p, int32_t k,
                                           const int8_t *src, int32_t n, uint32_t offset_pair)
{
    const int32_t offset = (int16_t)(offset_pair & 0xFFFFu);
    for (; n > 0 && (k & 3) != 0; k++, n--) {
        cols[se_sparse_col_index(k, p, columns, block)] = (int16_t)(src != NULL ? *src++ + offset : 0);
    }
    const int32_t groups = n >> 2;
    if (groups > 0) {
        const int32_t step = 4 * columns; /* int16 per group of 4 taps, both layouts */
        int16_t *dst = cols + se_sparse_col_index(k, p, columns, block);
        if (src == NULL) {
            se_sparse_zero_groups(groups, dst, step, block == 4 ? 2 : 2 * columns);
        } else if (block == 4) {
            se_sparse_widen_b4(src, groups, offset_pair, dst, step);
            src += 4 * groups;
        } else {
            se_sparse_widen_b2(src, groups, offset_pair, dst, step);
            src += 4 * groups;
        }
        k += 4 * groups;
        n -= 4 * groups;
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

SE_INLINE int8_t se_sparse_out_s8(int32_t acc, const se_requant_fast *q, int32_t zp, int32_t act_min,
                                  int32_t act_max)
{
    return (int8_t)se_clamp(se_requant_fast_apply(acc, q) + zp, act_min, act_max);
}

/* The same as an int32 in [-128, 127] (no sign extension before the byte store); full_range (a
 * compile-time constant at each use) says act is [-128, 127]: one SSAT. */
SE_INLINE int32_t se_sparse_out_opt(int32_t acc, const se_requant_fast *q, int32_t zp, int32_t act_min,
                                    int32_t act_max, int full_range)
{
    if (full_range) {
        return se_ssat(se_requant_fast_apply(acc, q) + zp, 8);
    }
    return se_clamp(se_requant_fast_apply(acc, q) + zp, act_min, act_max);
}

/* The weight pair of a b = 2 entry (values at e[1], e[2]) as int16 {v0, v1}: two LDRSB and one
 * PKHBT (GCC makes UXTH + ORR of the C form). */
#if SE_HAVE_ARM_DSP
SE_INLINE uint32_t se_sparse_pair_b2(const uint8_t *e)
{
    const int32_t lo = (int8_t)e[1], hi = (int8_t)e[2];
    uint32_t pair;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(pair) : "r"(lo), "r"(hi));
    return pair;
}
#else
SE_INLINE uint32_t se_sparse_pair_b2(const uint8_t *e)
{
    return se_pkhbt((uint32_t)(int32_t)(int8_t)e[1], (uint32_t)(int32_t)(int8_t)e[2]);
}
#endif

typedef struct {
    int32_t a0, a1, a2, a3;
} se_sparse_acc4;

/* One entry (values at e + 1) against the columns at *x, which advances past the block. */
SE_INLINE void se_sparse_mac_b4_4col(const uint8_t *e, const uint32_t **x, se_sparse_acc4 *acc)
{
    const uint32_t v = se_read_u32((const int8_t *)(e + 1));
    const uint32_t even = se_sxtb16(v), odd = se_sxtb16_ror8(v);
    uint32_t a, b;
    se_read2_u32_advance(x, &a, &b);
    acc->a0 = se_smlad(odd, b, se_smlad(even, a, acc->a0));
    se_read2_u32_advance(x, &a, &b);
    acc->a1 = se_smlad(odd, b, se_smlad(even, a, acc->a1));
    se_read2_u32_advance(x, &a, &b);
    acc->a2 = se_smlad(odd, b, se_smlad(even, a, acc->a2));
    se_read2_u32_advance(x, &a, &b);
    acc->a3 = se_smlad(odd, b, se_smlad(even, a, acc->a3));
}

SE_INLINE void se_sparse_mac_b2_4col(const uint8_t *e, const uint32_t **x, se_sparse_acc4 *acc)
{
    const uint32_t pair = se_sparse_pair_b2(e);
    uint32_t a, b;
    se_read2_u32_advance(x, &a, &b);
    acc->a0 = se_smlad(pair, a, acc->a0);
    acc->a1 = se_smlad(pair, b, acc->a1);
    se_read2_u32_advance(x, &a, &b);
    acc->a2 = se_smlad(pair, a, acc->a2);
    acc->a3 = se_smlad(pair, b, acc->a3);
}

/* b = 3: the entry word v is (dis, v0, v1, v2); columns as (x0, x2) words and x1 pairs. */
SE_INLINE void se_sparse_mac_b3_4col(uint32_t v, const uint32_t **x, se_sparse_acc4 *acc)
{
    const uint32_t outer = se_sxtb16_ror8(v); /* v0, v2 */
    const uint32_t middle = se_sxtb16(v);     /* (dis), v1 */
    uint32_t a, b;
    se_read2_u32_advance(x, &a, &b);
    acc->a0 = se_smlad(outer, a, acc->a0);
    acc->a1 = se_smlad(outer, b, acc->a1);
    se_read2_u32_advance(x, &a, &b);
    acc->a2 = se_smlad(outer, a, acc->a2);
    acc->a3 = se_smlad(outer, b, acc->a3);
    se_read2_u32_advance(x, &a, &b);
    acc->a0 = se_smlatb(middle, a, acc->a0);
    acc->a1 = se_smlatt(middle, a, acc->a1);
    acc->a2 = se_smlatb(middle, b, acc->a2);
    acc->a3 = se_smlatt(middle, b, acc->a3);
}

/* x advanced past dis blocks of 6 words (24 bytes): one MLA (GCC makes two ADDs of the C form). */
#if SE_HAVE_ARM_DSP
SE_INLINE const uint32_t *se_sparse_skip_b3(const uint32_t *x, uint32_t dis)
{
    const uint32_t *r;
    __asm__("mla %0, %1, %2, %3" : "=r"(r) : "r"(dis), "r"(24u), "r"(x));
    return r;
}
#else
SE_INLINE const uint32_t *se_sparse_skip_b3(const uint32_t *x, uint32_t dis) { return x + 6u * dis; }
#endif

/* The b = 3 walk over a row's n >= 1 entries (e at the first, x at its block): each entry's own
 * word gives its dis, so nothing is read past the row; returns e past the row. */
SE_INLINE const uint8_t *se_sparse_walk_b3_4col(const uint8_t *e, const uint32_t *x, int32_t n, se_sparse_acc4 *acc)
{
    const uint8_t *const end = e + 4 * n;
    se_sparse_mac_b3_4col(se_read_u32((const int8_t *)e), &x, acc);
    e += 4;
    if ((n & 1) == 0) { /* then pairs */
        const uint32_t v = se_read_u32((const int8_t *)e);
        x = se_sparse_skip_b3(x, v & 0xFFu);
        se_sparse_mac_b3_4col(v, &x, acc);
        e += 4;
    }
    for (; e != end; e += 8) {
        const uint32_t v = se_read_u32((const int8_t *)e);
        x = se_sparse_skip_b3(x, v & 0xFFu);
        se_sparse_mac_b3_4col(v, &x, acc);
        const uint32_t u = se_read_u32((const int8_t *)(e + 4));
        x = se_sparse_skip_b3(x, u & 0xFFu);
        se_sparse_mac_b3_4col(u, &x, acc);
    }
    return e;
}

SE_INLINE void se_sparse_mac_b4_1col(const uint8_t *e, const uint32_t **x, int32_t *acc)
{
    const uint32_t v = se_read_u32((const int8_t *)(e + 1));
    uint32_t a, b;
    se_read2_u32_advance(x, &a, &b);
    *acc = se_smlad(se_sxtb16_ror8(v), b, se_smlad(se_sxtb16(v), a, *acc));
}

SE_INLINE void se_sparse_mac_b2_1col(const uint8_t *e, const uint32_t **x, int32_t *acc)
{
    const uint32_t a = **x;
    *x += 1;
    *acc = se_smlad(se_sparse_pair_b2(e), a, *acc);
}

/* The walk over one row's n >= 1 entries, e at the first and x at its block. Two entries per
 * step; the next entry's dis is read only when that entry exists. Returns e past the row.
 * MAC(entry, &x, acc) multiplies one entry into *acc; STEP = words per block. */
#define SE_SPARSE_WALK_ROW(MAC, ENTRY_BYTES, STEP, e, x, n, acc)                                   \
    do {                                                                                           \
        for (; (n) > 2; (n) -= 2) {                                                                \
            MAC((e), &(x), (acc));                                                             \
            (x) += (STEP) * (uint32_t)(e)[(ENTRY_BYTES)];                                          \
            MAC((e) + (ENTRY_BYTES), &(x), (acc));                                             \
            (x) += (STEP) * (uint32_t)(e)[2 * (ENTRY_BYTES)];                                      \
            (e) += 2 * (ENTRY_BYTES);                                                              \
        }                                                                                          \
        MAC((e), &(x), (acc));                                                                 \
        if ((n) == 2) {                                                                            \
            (x) += (STEP) * (uint32_t)(e)[(ENTRY_BYTES)];                                          \
            MAC((e) + (ENTRY_BYTES), &(x), (acc));                                             \
            (e) += (ENTRY_BYTES);                                                                  \
        }                                                                                          \
        (e) += (ENTRY_BYTES);                                                                      \
    } while (0)

/* Every row of the coded matrix against 4 columns; column p's result for row r goes to
 * out[p * out_stride + r]. Rows follow each other in the stream, so one pointer walks it; the row
 * table gives each row's entry count and the column of its first entry. block (2, 3 or 4) and
 * full_range are compile-time constants in each expansion (se_sparse_rows_4col below); block 3 is
 * conv2d's width blocks. */
SE_INLINE void se_sparse_rows_4col_impl(const se_sparse_weights *w, const int32_t *table, int32_t rows,
                                        const int16_t *cols, const se_sparse_row_consts *plans,
                                        const se_sparse_out_stage *st, int8_t *out, int32_t out_stride,
                                        int32_t block, int full_range)
{
    const int32_t *first_col = table + rows + 1;
    const int32_t zp = st->output_zp, act_min = st->act_min, act_max = st->act_max;
    const uint32_t *words = (const uint32_t *)(const void *)cols;
    const uint8_t *e = w->stream;
    for (int32_t r = 0; r < rows; r++) {
        se_sparse_acc4 acc;
        acc.a0 = plans[r].bias;
        acc.a1 = acc.a0;
        acc.a2 = acc.a0;
        acc.a3 = acc.a0;
        int32_t n = table[r + 1] - table[r];
        if (n > 0) {
            const uint32_t *x = words + 2 * first_col[r];
            if (block == 4) {
                SE_SPARSE_WALK_ROW(se_sparse_mac_b4_4col, 5, 8u, e, x, n, &acc);
            } else if (block == 3) {
                e = se_sparse_walk_b3_4col(e, x, n, &acc);
            } else {
                SE_SPARSE_WALK_ROW(se_sparse_mac_b2_4col, 3, 4u, e, x, n, &acc);
            }
        }
        /* All four results before the first store: an int8 store may alias the plan, which would
         * force reloads between the outputs. */
        const se_requant_fast q = plans[r].q;
        const int32_t y0 = se_sparse_out_opt(acc.a0, &q, zp, act_min, act_max, full_range);
        const int32_t y1 = se_sparse_out_opt(acc.a1, &q, zp, act_min, act_max, full_range);
        const int32_t y2 = se_sparse_out_opt(acc.a2, &q, zp, act_min, act_max, full_range);
        const int32_t y3 = se_sparse_out_opt(acc.a3, &q, zp, act_min, act_max, full_range);
        int8_t *o = out + r;
        o[0] = (int8_t)y0;
        o += out_stride;
        o[0] = (int8_t)y1;
        o += out_stride;
        o[0] = (int8_t)y2;
        o += out_stride;
        o[0] = (int8_t)y3;
    }
}

static inline void se_sparse_rows_4col(const se_sparse_weights *w, const int32_t *table, int32_t rows,
                                       const int16_t *cols, const se_sparse_row_consts *plans,
                                       const se_sparse_out_stage *st, int8_t *out, int32_t out_stride)
{
    const int full_range = st->act_min == -128 && st->act_max == 127;
    if (w->block == 4) {
        if (full_range) {
            se_sparse_rows_4col_impl(w, table, rows, cols, plans, st, out, out_stride, 4, 1);
        } else {
            se_sparse_rows_4col_impl(w, table, rows, cols, plans, st, out, out_stride, 4, 0);
        }
    } else if (w->block == 3) {
        if (full_range) {
            se_sparse_rows_4col_impl(w, table, rows, cols, plans, st, out, out_stride, 3, 1);
        } else {
            se_sparse_rows_4col_impl(w, table, rows, cols, plans, st, out, out_stride, 3, 0);
        }
    } else if (full_range) {
        se_sparse_rows_4col_impl(w, table, rows, cols, plans, st, out, out_stride, 2, 1);
    } else {
        se_sparse_rows_4col_impl(w, table, rows, cols, plans, st, out, out_stride, 2, 0);
    }
}

/* Every row against 1 column (layout with P = 1); out[row] receives the result. block and
 * full_range are compile-time constants in each expansion. */
SE_INLINE void se_sparse_rows_1col_impl(const se_sparse_weights *w, const int32_t *table, int32_t rows,
                                        const int16_t *cols, const se_sparse_out_stage *st, int8_t *out,
                                        int32_t block, int full_range)
{
    const int32_t *first_col = table + rows + 1;
    const uint32_t *words = (const uint32_t *)(const void *)cols;
    const uint8_t *e = w->stream;
    const int32_t *bias = st->bias, *multiplier = st->multiplier, *shift = st->shift;
    const int32_t zp = st->output_zp, act_min = st->act_min, act_max = st->act_max;
    for (int32_t r = 0; r < rows; r++) {
        int32_t acc = se_sparse_bias(bias, r);
        int32_t n = table[r + 1] - table[r];
        if (n > 0) {
            const uint32_t *x = words + (first_col[r] >> 1);
            if (block == 4) {
                SE_SPARSE_WALK_ROW(se_sparse_mac_b4_1col, 5, 2u, e, x, n, &acc);
            } else {
                SE_SPARSE_WALK_ROW(se_sparse_mac_b2_1col, 3, 1u, e, x, n, &acc);
            }
        }
        const se_requant_fast q = se_requant_fast_make(multiplier[r], shift[r]);
        const int32_t y = se_requant_fast_apply(acc, &q) + zp;
        out[r] = (int8_t)(full_range ? se_ssat(y, 8) : se_clamp(y, act_min, act_max));
    }
}

static inline void se_sparse_rows_1col(const se_sparse_weights *w, const int32_t *table, int32_t rows,
                                       const int16_t *cols, const se_sparse_out_stage *st, int8_t *out)
{
    const int full_range = st->act_min == -128 && st->act_max == 127;
    if (w->block == 4) {
        if (full_range) {
            se_sparse_rows_1col_impl(w, table, rows, cols, st, out, 4, 1);
        } else {
            se_sparse_rows_1col_impl(w, table, rows, cols, st, out, 4, 0);
        }
    } else if (full_range) {
        se_sparse_rows_1col_impl(w, table, rows, cols, st, out, 2, 1);
    } else {
        se_sparse_rows_1col_impl(w, table, rows, cols, st, out, 2, 0);
    }
}

#endif /* TINYFORMER_RUNTIME_SE_SPARSE_KERNEL_DSP_H */
