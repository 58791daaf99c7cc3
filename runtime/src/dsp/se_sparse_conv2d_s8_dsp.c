/*
 * Sparse general conv2d for ARMv7E-M (SMLAD). Same result as se_sparse_conv2d_s8_ref.
 *
 * Output pixels go four at a time: their receptive fields are copied into the column buffer as
 * int16 with the input offset added (im2col, padding taps 0; layout: se_sparse_kernel_dsp.h), once
 * per group and shared by all C_out rows; then every row walks only its coded entries. Block 3
 * (the 3 width taps of one kernel row and input channel, coded order [C_out, KH, C_in, 3]) has its
 * own column layout: per entry 4 SMLAD and 4 SMLATB/SMLATT for the 4 pixels.
 */
#include <stddef.h>

#include "se_conv_validate.h"
#include "se_sparse_kernel_dsp.h"

int32_t se_sparse_conv2d_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims,
                                                const se_sparse_weights *weights)
{
    (void)input_dims;
    if (filter_dims == NULL || filter_dims->n <= 0 || filter_dims->h <= 0 || filter_dims->w <= 0 ||
        filter_dims->c <= 0) {
        return 0;
    }
    return se_sparse_dsp_buffer_size((int64_t)filter_dims->h * filter_dims->w * filter_dims->c, 4, filter_dims->n,
                                     weights);
}

typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t k_h, k_w, block;
    uint32_t offset_pair;
} se_sparse_conv2d_geometry;

/* Receptive field of the window at (y0, x0) of `image` into column `slot`: each kernel row is a
 * contiguous run of KW * C_in taps, written as (left padding, input values, right padding). */
static void se_sparse_conv2d_im2col(const se_sparse_conv2d_geometry *g, const int8_t *image, int32_t y0, int32_t x0,
                                    int16_t *cols, int32_t slot)
{
    const int32_t row_taps = g->k_w * g->in_c;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = g->in_w - x0 < g->k_w ? g->in_w - x0 : g->k_w;
    const int32_t inside = kx_hi > kx_lo ? (kx_hi - kx_lo) * g->in_c : 0;
    const int32_t left = kx_lo * g->in_c < row_taps ? kx_lo * g->in_c : row_taps;
    int32_t k = 0;
    for (int32_t ky = 0; ky < g->k_h; ky++, k += row_taps) {
        const int32_t y = y0 + ky;
        if (y < 0 || y >= g->in_h || inside == 0) {
            se_sparse_col_write_run(cols, 4, g->block, slot, k, NULL, row_taps, g->offset_pair);
            continue;
        }
        const int8_t *src = image + ((size_t)y * g->in_w + (x0 + kx_lo)) * g->in_c;
        if (left > 0) {
            se_sparse_col_write_run(cols, 4, g->block, slot, k, NULL, left, g->offset_pair);
        }
        se_sparse_col_write_run(cols, 4, g->block, slot, k + left, src, inside, g->offset_pair);
        if (row_taps - left - inside > 0) {
            se_sparse_col_write_run(cols, 4, g->block, slot, k + left + inside, NULL, row_taps - left - inside,
                                    g->offset_pair);
        }
    }
}

/* Block 3: C_in channels of three input pixels (taps kx = 0, 1, 2 at s0, s1, s2) into the b = 3
 * layout; outer = column p's (x0, x2) word of the first block, middle = its x1. Blocks are 12 int16
 * apart. Four channels per step: one load per tap, SXTAB16 adds the offset, PKH pairs x0 with x2. */
static void se_sparse_widen_b3(const int8_t *s0, const int8_t *s1, const int8_t *s2, int32_t channels,
                               uint32_t offset_pair, int16_t *outer, int16_t *middle)
{
    const ptrdiff_t to1 = s1 - s0, to2 = s2 - s0; /* one pointer walks, the taps at fixed distances */
    for (; channels >= 4; channels -= 4) {
        const uint32_t a = se_read_u32(s0), b = se_read_u32(s0 + to1), c = se_read_u32(s0 + to2);
        s0 += 4;
        const uint32_t a_even = se_sxtab16(offset_pair, a), a_odd = se_sxtab16_ror8(offset_pair, a);
        const uint32_t c_even = se_sxtab16(offset_pair, c), c_odd = se_sxtab16_ror8(offset_pair, c);
        const uint32_t b_even = se_sxtab16(offset_pair, b), b_odd = se_sxtab16_ror8(offset_pair, b);
        se_sparse_write_s16x2(outer, se_sparse_pkhbt(a_even, c_even));      /* channel 0: x0, x2 */
        se_sparse_write_s16x2(outer + 12, se_sparse_pkhbt(a_odd, c_odd));   /* channel 1 */
        se_sparse_write_s16x2(outer + 24, se_sparse_pkhtb(c_even, a_even)); /* channel 2 */
        se_sparse_write_s16x2(outer + 36, se_sparse_pkhtb(c_odd, a_odd));   /* channel 3 */
        middle[0] = (int16_t)b_even;
        middle[12] = (int16_t)b_odd;
        middle[24] = (int16_t)(b_even >> 16);
        middle[36] = (int16_t)(b_odd >> 16);
        outer += 48;
        middle += 48;
    }
    const int32_t offset = (int16_t)(offset_pair & 0xFFFFu);
    for (; channels > 0; channels--, s0++) {
        outer[0] = (int16_t)(s0[0] + offset);
        outer[1] = (int16_t)(s0[to2] + offset);
        middle[0] = (int16_t)(s0[to1] + offset);
        outer += 12;
        middle += 12;
    }
}

/* Zeros `count` int16 that are 12 apart (one tap of every block of a kernel row: padding). */
static void se_sparse_zero_b3(int16_t *dst, int32_t count)
{
    for (; count > 0; count--) {
        dst[0] = 0;
        dst += 12;
    }
}

/* Block 3 im2col of the window at (y0, x0) into column `slot` (KW == 3). A padding tap reads a tap
 * inside the image like any other and is zeroed afterwards, so the widening loop has no tests. */
static void se_sparse_conv2d_im2col_b3(const se_sparse_conv2d_geometry *g, const int8_t *image, int32_t y0,
                                       int32_t x0, int16_t *cols, int32_t slot)
{
    const int32_t in_c = g->in_c;
    int32_t present[3];
    int32_t any = -1; /* a kx inside the image */
    for (int32_t kx = 0; kx < 3; kx++) {
        present[kx] = x0 + kx >= 0 && x0 + kx < g->in_w;
        if (present[kx] && any < 0) {
            any = kx;
        }
    }
    for (int32_t ky = 0; ky < g->k_h; ky++) {
        int16_t *outer = cols + (size_t)ky * (size_t)in_c * 12u + 2 * slot;
        int16_t *middle = cols + (size_t)ky * (size_t)in_c * 12u + 8 + slot;
        const int32_t y = y0 + ky;
        if (y < 0 || y >= g->in_h || any < 0) {
            se_sparse_zero_b3(outer, in_c);
            se_sparse_zero_b3(outer + 1, in_c);
            se_sparse_zero_b3(middle, in_c);
            continue;
        }
        const int8_t *row = image + (size_t)y * (size_t)g->in_w * (size_t)in_c;
        const int8_t *fallback = row + (size_t)(x0 + any) * (size_t)in_c;
        const int8_t *s0 = present[0] ? row + (size_t)x0 * (size_t)in_c : fallback;
        const int8_t *s1 = present[1] ? row + (size_t)(x0 + 1) * (size_t)in_c : fallback;
        const int8_t *s2 = present[2] ? row + (size_t)(x0 + 2) * (size_t)in_c : fallback;
        se_sparse_widen_b3(s0, s1, s2, in_c, g->offset_pair, outer, middle);
        if (!present[0]) {
            se_sparse_zero_b3(outer, in_c);
        }
        if (!present[1]) {
            se_sparse_zero_b3(middle, in_c);
        }
        if (!present[2]) {
            se_sparse_zero_b3(outer + 1, in_c);
        }
    }
}

se_status se_sparse_conv2d_s8_dsp(SE_SPARSE_CONV_S8_ARGS)
{
    if (weights == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    se_status status =
        se_conv_validate_dense(ctx, params, quant, input_dims, input, filter_dims, (const int8_t *)weights,
                               output_dims, output, se_sparse_conv2d_s8_dsp_get_buffer_size(input_dims, filter_dims,
                                                                                             weights));
    if (status != SE_OK) {
        return status;
    }
    const int32_t row_len = filter_dims->h * filter_dims->w * filter_dims->c;
    const int32_t out_c = output_dims->c;
    status = se_sparse_check_weights(weights, weights->block == 3 && filter_dims->w != 3, out_c, row_len,
                                     weights->row_table != NULL);
    if (status != SE_OK) {
        return status;
    }
    se_sparse_conv2d_geometry g;
    g.in_h = input_dims->h;
    g.in_w = input_dims->w;
    g.in_c = input_dims->c;
    g.k_h = filter_dims->h;
    g.k_w = filter_dims->w;
    g.block = weights->block;
    g.offset_pair = se_sparse_offset_pair(params->input_zp);

    void (*const im2col)(const se_sparse_conv2d_geometry *, const int8_t *, int32_t, int32_t, int16_t *, int32_t) =
        g.block == 3 ? se_sparse_conv2d_im2col_b3 : se_sparse_conv2d_im2col;

    const se_sparse_scratch scratch = se_sparse_scratch_split(ctx->buf, row_len, 4, out_c);
    int16_t *cols = scratch.cols;
    const int32_t *table = se_sparse_dsp_row_table(weights, out_c, row_len, scratch.table);
    const se_sparse_out_stage st = {bias, quant->multiplier, quant->shift, params->output_zp, params->act.min,
                                    params->act.max};
    se_sparse_make_plans(scratch.plans, bias, quant->multiplier, quant->shift, out_c);
    const int32_t out_h = output_dims->h, out_w = output_dims->w;
    const size_t image_size = (size_t)g.in_h * g.in_w * g.in_c;
    int8_t *pending[4];
    int32_t filled = 0;
    const int8_t *last_image = input;
    /* pending[0] starts a run of consecutive output pixels (their index grows by 1 per pixel) */
    int32_t last_y0 = 0, last_x0 = 0;

    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * image_size;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * params->stride_h - params->pad_h;
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * params->stride_w - params->pad_w;
                im2col(&g, image, y0, x0, cols, filled);
                pending[filled++] = output + (((size_t)n * out_h + oy) * out_w + ox) * out_c;
                if (filled == 4) { /* 4 consecutive output pixels */
                    se_sparse_rows_4col(weights, table, out_c, cols, scratch.plans, &st, pending[0], out_c);
                    filled = 0;
                }
                last_image = image;
                last_y0 = y0;
                last_x0 = x0;
            }
        }
    }
    if (filled > 0) { /* 1 to 3 pixels left: the last one fills the free slots; results via the tail buffer */
        for (int32_t slot = filled; slot < 4; slot++) {
            im2col(&g, last_image, last_y0, last_x0, cols, slot);
        }
        se_sparse_rows_4col(weights, table, out_c, cols, scratch.plans, &st, scratch.tail, out_c);
        memcpy(pending[0], scratch.tail, (size_t)filled * (size_t)out_c);
    }
    return SE_OK;
}
