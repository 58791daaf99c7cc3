/*
 * General int8 conv2d for ARMv7E-M (SMLAD). Same result as se_conv2d_s8_ref.
 *
 * Output pixels are taken two at a time (across rows and images): their
 * receptive fields are copied into the scratch column buffer as int16 with
 * the input offset added (im2col; padding taps become 0), then
 * se_conv_mat_mult_2px computes every output channel of both pixels
 * (see se_conv_mat_mult_s16.h for the buffer layout). The copy costs
 * ~1.5 instructions per tap and is shared by all C_out channels.
 */
#include "se_conv_mat_mult_s16.h"
#include "se_conv_validate.h"
#include "tinyformer/runtime/se_conv.h"

int32_t se_conv2d_s8_dsp_get_buffer_size(const se_dims *input_dims, const se_dims *filter_dims)
{
    (void)input_dims;
    if (filter_dims == NULL || filter_dims->h <= 0 || filter_dims->w <= 0 || filter_dims->c <= 0) {
        return 0;
    }
    return se_conv_col_buffer_size((int64_t)filter_dims->h * filter_dims->w * filter_dims->c);
}

/* Geometry of one call, shared by the im2col of every pixel. */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t k_h, k_w, k;
    uint32_t offset_pair;
} se_conv2d_geometry;

/* Receptive field of the output pixel whose window starts at (y0, x0) in
 * `image`, into column slot `slot` (0 or 1). A kernel row is one run of
 * KW * C_in taps: the input pixels it covers are contiguous, so it is written
 * as (left padding, input values, right padding) runs. */
static void se_conv2d_im2col(const se_conv2d_geometry *g, const int8_t *image, int32_t y0, int32_t x0,
                             int16_t *cols, int32_t slot)
{
    const int32_t row_taps = g->k_w * g->in_c;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;                              /* first kx inside the image */
    const int32_t kx_hi = g->in_w - x0 < g->k_w ? g->in_w - x0 : g->k_w; /* one past the last */
    const int32_t inside = kx_hi > kx_lo ? (kx_hi - kx_lo) * g->in_c : 0;
    const int32_t left = kx_lo * g->in_c < row_taps ? kx_lo * g->in_c : row_taps;
    int32_t k = 0;
    for (int32_t ky = 0; ky < g->k_h; ky++, k += row_taps) {
        const int32_t y = y0 + ky;
        if (y < 0 || y >= g->in_h || inside == 0) {
            se_conv_col_write_run(cols, slot, g->k, k, NULL, row_taps, g->offset_pair);
            continue;
        }
        const int8_t *src = image + ((size_t)y * g->in_w + (x0 + kx_lo)) * g->in_c;
        se_conv_col_write_run(cols, slot, g->k, k, NULL, left, g->offset_pair);
        se_conv_col_write_run(cols, slot, g->k, k + left, src, inside, g->offset_pair);
        se_conv_col_write_run(cols, slot, g->k, k + left + inside, NULL, row_taps - left - inside, g->offset_pair);
    }
}

se_status se_conv2d_s8_dsp(SE_CONV2D_S8_ARGS)
{
    const se_status status = se_conv_validate_dense(ctx, params, quant, input_dims, input, filter_dims, filter,
                                                    output_dims, output,
                                                    se_conv2d_s8_dsp_get_buffer_size(input_dims, filter_dims));
    if (status != SE_OK) {
        return status;
    }
    se_conv2d_geometry g;
    g.in_h = input_dims->h;
    g.in_w = input_dims->w;
    g.in_c = input_dims->c;
    g.k_h = filter_dims->h;
    g.k_w = filter_dims->w;
    g.k = g.k_h * g.k_w * g.in_c;
    g.offset_pair = se_conv_offset_pair(params->input_zp);

    int16_t *cols = (int16_t *)ctx->buf;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const size_t image_size = (size_t)g.in_h * g.in_w * g.in_c;
    int8_t *pending = NULL; /* output of the pixel waiting in slot 0 */

    for (int32_t n = 0; n < input_dims->n; n++) {
        const int8_t *image = input + (size_t)n * image_size;
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * params->stride_h - params->pad_h;
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * params->stride_w - params->pad_w;
                int8_t *out = output + (((size_t)n * out_h + oy) * out_w + ox) * out_c;
                if (pending == NULL) {
                    se_conv2d_im2col(&g, image, y0, x0, cols, 0);
                    pending = out;
                } else {
                    se_conv2d_im2col(&g, image, y0, x0, cols, 1);
                    se_conv_mat_mult_2px(filter, out_c, g.k, cols, bias, quant, params, pending, out);
                    pending = NULL;
                }
            }
        }
    }
    if (pending != NULL) { /* odd pixel count: the last pixel in both slots, stored twice */
        const int32_t last = out_h * out_w - 1;
        const int32_t oy = last / out_w, ox = last % out_w;
        const int8_t *image = input + (size_t)(input_dims->n - 1) * image_size;
        const int32_t y0 = oy * params->stride_h - params->pad_h, x0 = ox * params->stride_w - params->pad_w;
        se_conv2d_im2col(&g, image, y0, x0, cols, 1);
        se_conv_mat_mult_2px(filter, out_c, g.k, cols, bias, quant, params, pending, pending);
    }
    return SE_OK;
}
