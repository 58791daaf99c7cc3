/*
 * The inner engine of the dense DSP convolutions (conv2d, 1x1): internal
 * header. A convolution becomes, for each pair of output pixels, a product of
 * the filter [C_out, K] (int8, K = KH * KW * C_in) with two "columns" of K
 * input values (im2col), widened once to int16 with the input offset
 * (-input_zp) already added. The product then runs on SMLAD: 2 output channels
 * x 2 pixels per step, 4 taps at a time.
 *
 * Column buffer layout (int16, 2 * K entries, see se_conv_col_index):
 *   for each group of 4 taps k = 4g .. 4g+3 (g < K / 4), 8 values:
 *     pixel 0: x[4g], x[4g+2], x[4g+1], x[4g+3], then the same for pixel 1;
 *   then the K % 4 tail taps in natural order: pixel 0's, then pixel 1's.
 * Interleaving the two pixels lets one pointer feed both, and the (0, 2, 1, 3)
 * order is what SXTB16 / SXTB16 ROR #8 produce from 4 weight bytes, so a
 * weight word is widened with 2 instructions and no repacking:
 *   SMLAD(sxtb16(w), {x0, x2}) + SMLAD(sxtb16_ror8(w), {x1, x3})
 *     = w0 x0 + w2 x2 + w1 x1 + w3 x3.
 * (x + offset) lies in [-255, 255] and fits int16.
 */
#ifndef TINYFORMER_RUNTIME_SE_CONV_MAT_MULT_S16_H
#define TINYFORMER_RUNTIME_SE_CONV_MAT_MULT_S16_H

#include <stdint.h>
#include <string.h>

#include "se_conv_output.h"
#include "se_requant_fast.h"
#include "se_dsp_intrinsics.h"
#include "tinyformer/runtime/se_types.h"

/* Scratch bytes for a column pair of reduction length k. */
SE_INLINE int32_t se_conv_col_buffer_size(int64_t k)
{
    const int64_t bytes = 2 * k * (int64_t)sizeof(int16_t);
    return (k <= 0 || bytes > INT32_MAX) ? 0 : (int32_t)bytes;
}

/* Index of tap k of pixel (0 or 1) in the column buffer. */
SE_INLINE int32_t se_conv_col_index(int32_t k, int32_t pixel, int32_t k_total)
{
    const int32_t k_groups = k_total & ~3;
    if (k < k_groups) {
        const int32_t lane = k & 3;
        const int32_t reordered = ((lane & 1) << 1) | (lane >> 1); /* 0, 2, 1, 3 */
        return ((k >> 2) << 3) + (pixel << 2) + reordered;
    }
    return 2 * k_groups + pixel * (k_total - k_groups) + (k - k_groups);
}

/* Input offset (-input_zp) in both halves of a word, for SXTAB16. */
SE_INLINE uint32_t se_conv_offset_pair(int32_t input_zp)
{
    const uint32_t offset = (uint32_t)(-input_zp) & 0xFFFFu;
    return offset | (offset << 16);
}

SE_INLINE uint32_t se_conv_read_s16x2(const int16_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

SE_INLINE void se_conv_write_s16x2(int16_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Widens n input values (n % 4 == 0) starting at a tap k with k % 4 == 0 into
 * the column buffer; dst = cols + se_conv_col_index(k, pixel, K), i.e.
 * cols + 2 * k + 4 * pixel. One load, two SXTAB16, two stores per 4 values. */
SE_INLINE void se_conv_widen_groups(const int8_t *src, int32_t n, uint32_t offset_pair, int16_t *dst)
{
    for (int32_t i = n >> 2; i > 0; i--) {
        const uint32_t v = se_read_u32(src);
        src += 4;
        se_conv_write_s16x2(dst, se_sxtab16(offset_pair, v));          /* x0, x2 */
        se_conv_write_s16x2(dst + 2, se_sxtab16_ror8(offset_pair, v)); /* x1, x3 */
        dst += 8;
    }
}

/* Zeros for n padding taps (n % 4 == 0), same addressing as above. */
SE_INLINE void se_conv_zero_groups(int32_t n, int16_t *dst)
{
    for (int32_t i = n >> 2; i > 0; i--) {
        se_conv_write_s16x2(dst, 0u);
        se_conv_write_s16x2(dst + 2, 0u);
        dst += 8;
    }
}

/* Writes n consecutive taps k .. k+n-1 of column `slot` (0 or 1), from n
 * consecutive input values src[0..n-1] plus the offset, or zeros (padding)
 * when src is NULL. The part that covers whole groups of 4 goes 4 at a time;
 * the ends (a run need not start on a group, C_in % 4 != 0) one at a time. */
static inline void se_conv_col_write_run(int16_t *cols, int32_t slot, int32_t k_total, int32_t k, const int8_t *src,
                                         int32_t n, uint32_t offset_pair)
{
    const int32_t offset = (int16_t)(offset_pair & 0xFFFFu);
    const int32_t k_groups = k_total & ~3;
    for (; n > 0 && (k & 3) != 0; k++, n--) {
        cols[se_conv_col_index(k, slot, k_total)] = (int16_t)(src != NULL ? *src++ + offset : 0);
    }
    const int32_t room = k_groups - k; /* taps left in whole groups (<= 0 in the tail) */
    const int32_t body = (n < room ? n : room) & ~3;
    if (body > 0) {
        if (src != NULL) {
            se_conv_widen_groups(src, body, offset_pair, cols + 2 * k + 4 * slot);
            src += body;
        } else {
            se_conv_zero_groups(body, cols + 2 * k + 4 * slot);
        }
        k += body;
        n -= body;
    }
    for (; n > 0; k++, n--) {
        cols[se_conv_col_index(k, slot, k_total)] = (int16_t)(src != NULL ? *src++ + offset : 0);
    }
}

/* Two consecutive 32-bit words of the column buffer (4-byte aligned), pointer
 * advanced past them: one post-indexed LDRD on the target (GCC splits such
 * loads into two LDR and a pointer update otherwise). */
#if SE_HAVE_ARM_DSP
SE_INLINE void se_conv_load_words(const int16_t **p, uint32_t *first, uint32_t *second)
{
    const int16_t *q = *p;
    __asm__("ldrd %0, %1, [%2], #8" : "=r"(*first), "=r"(*second), "+r"(q) : "m"(*(const int16_t(*)[4])q));
    *p = q;
}
#else
SE_INLINE void se_conv_load_words(const int16_t **p, uint32_t *first, uint32_t *second)
{
    *first = se_conv_read_s16x2(*p);
    *second = se_conv_read_s16x2(*p + 2);
    *p += 4;
}
#endif

/* One group of 4 taps for 2 channels (weights w0, w1) x 2 pixels (x). */
SE_INLINE void se_conv_mac_2ch_2px(const int8_t **w0, const int8_t **w1, const int16_t **x, int32_t *acc00,
                                   int32_t *acc01, int32_t *acc10, int32_t *acc11)
{
    const uint32_t a = se_read_u32(*w0);
    const uint32_t b = se_read_u32(*w1);
    *w0 += 4;
    *w1 += 4;
    const uint32_t a_even = se_sxtb16(a), a_odd = se_sxtb16_ror8(a);
    const uint32_t b_even = se_sxtb16(b), b_odd = se_sxtb16_ror8(b);
    uint32_t p0_even, p0_odd, p1_even, p1_odd;
    se_conv_load_words(x, &p0_even, &p0_odd);
    se_conv_load_words(x, &p1_even, &p1_odd);
    *acc00 = se_smlad(a_even, p0_even, *acc00);
    *acc00 = se_smlad(a_odd, p0_odd, *acc00);
    *acc01 = se_smlad(a_even, p1_even, *acc01);
    *acc01 = se_smlad(a_odd, p1_odd, *acc01);
    *acc10 = se_smlad(b_even, p0_even, *acc10);
    *acc10 = se_smlad(b_odd, p0_odd, *acc10);
    *acc11 = se_smlad(b_even, p1_even, *acc11);
    *acc11 = se_smlad(b_odd, p1_odd, *acc11);
}

/* One group of 4 taps for 1 channel x 2 pixels. */
SE_INLINE void se_conv_mac_1ch_2px(const int8_t **w0, const int16_t **x, int32_t *acc00, int32_t *acc01)
{
    const uint32_t a = se_read_u32(*w0);
    *w0 += 4;
    const uint32_t a_even = se_sxtb16(a), a_odd = se_sxtb16_ror8(a);
    uint32_t p0_even, p0_odd, p1_even, p1_odd;
    se_conv_load_words(x, &p0_even, &p0_odd);
    se_conv_load_words(x, &p1_even, &p1_odd);
    *acc00 = se_smlad(a_even, p0_even, *acc00);
    *acc00 = se_smlad(a_odd, p0_odd, *acc00);
    *acc01 = se_smlad(a_even, p1_even, *acc01);
    *acc01 = se_smlad(a_odd, p1_odd, *acc01);
}

/* The output stage for one channel of both pixels: the per-channel constants
 * are made once, then each accumulator is requantized, offset, clamped.
 * (Arguments by value: the int8 stores may alias any pointed-to parameter, so
 * values read through pointers would be reloaded after every store.) */
SE_INLINE void se_conv_store_channel(int32_t acc0, int32_t acc1, int32_t multiplier, int32_t shift, int32_t zp,
                                     int32_t act_min, int32_t act_max, int8_t *out0, int8_t *out1)
{
    const se_requant_fast q = se_requant_fast_make(multiplier, shift);
    *out0 = (int8_t)se_clamp(se_requant_fast_apply(acc0, &q) + zp, act_min, act_max);
    *out1 = (int8_t)se_clamp(se_requant_fast_apply(acc1, &q) + zp, act_min, act_max);
}

/* Two output pixels x all output channels from a filled column buffer.
 * filter [out_c, k]; out0 / out1 receive out_c values each. For a lone last
 * pixel pass out1 == out0: its column slot 1 holds a copy of slot 0, so both
 * stores write the same value. Channels go in pairs. */
static inline void se_conv_mat_mult_2px(const int8_t *filter, int32_t out_c, int32_t k, const int16_t *cols,
                                        const int32_t *bias, const se_per_channel_quant *quant,
                                        const se_conv_params *params, int8_t *out0, int8_t *out1)
{
    const int32_t k_groups = k & ~3;
    const int32_t tail = k - k_groups;
    const int16_t *tail0 = cols + 2 * k_groups;
    const int16_t *tail1 = tail0 + tail;
    const int32_t *multiplier = quant->multiplier, *shift = quant->shift;
    const int32_t zp = params->output_zp, act_min = params->act.min, act_max = params->act.max;
    int32_t oc = 0;

    for (; oc + 1 < out_c; oc += 2) {
        const int8_t *w0 = filter + (size_t)oc * k;
        const int8_t *w1 = w0 + k;
        const int16_t *x = cols;
        int32_t acc00 = se_conv_bias(bias, oc); /* acc<channel><pixel> */
        int32_t acc01 = acc00;
        int32_t acc10 = se_conv_bias(bias, oc + 1);
        int32_t acc11 = acc10;
        for (int32_t g = k_groups >> 2; g > 0; g--) {
            se_conv_mac_2ch_2px(&w0, &w1, &x, &acc00, &acc01, &acc10, &acc11);
        }
        for (int32_t j = 0; j < tail; j++) { /* wrapping adds, like SMLAD */
            acc00 = se_conv_add_wrap(acc00, w0[j] * tail0[j]);
            acc01 = se_conv_add_wrap(acc01, w0[j] * tail1[j]);
            acc10 = se_conv_add_wrap(acc10, w1[j] * tail0[j]);
            acc11 = se_conv_add_wrap(acc11, w1[j] * tail1[j]);
        }
        se_conv_store_channel(acc00, acc01, multiplier[oc], shift[oc], zp, act_min, act_max, out0 + oc, out1 + oc);
        se_conv_store_channel(acc10, acc11, multiplier[oc + 1], shift[oc + 1], zp, act_min, act_max, out0 + oc + 1,
                              out1 + oc + 1);
    }
    if (oc < out_c) { /* odd channel count: the last channel alone */
        const int8_t *w0 = filter + (size_t)oc * k;
        const int16_t *x = cols;
        int32_t acc00 = se_conv_bias(bias, oc);
        int32_t acc01 = acc00;
        for (int32_t g = k_groups >> 2; g > 0; g--) {
            se_conv_mac_1ch_2px(&w0, &x, &acc00, &acc01);
        }
        for (int32_t j = 0; j < tail; j++) {
            acc00 = se_conv_add_wrap(acc00, w0[j] * tail0[j]);
            acc01 = se_conv_add_wrap(acc01, w0[j] * tail1[j]);
        }
        se_conv_store_channel(acc00, acc01, multiplier[oc], shift[oc], zp, act_min, act_max, out0 + oc, out1 + oc);
    }
}

#endif /* TINYFORMER_RUNTIME_SE_CONV_MAT_MULT_S16_H */
