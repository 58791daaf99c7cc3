/* Depthwise 3x3 (ref, dsp, dispatch) against a plain-loop oracle, bit-exact. */
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_conv.h"

typedef se_status (*dw_fn)(SE_CONV2D_S8_ARGS);

typedef struct {
    int32_t n, h, w, c;
    int32_t stride_h, stride_w, pad_h, pad_w;
    int32_t in_zp, out_zp, act_min, act_max;
    int32_t shift_lo, shift_hi; /* per-channel shifts drawn from this range */
    int has_bias;
    int32_t out_h_less; /* output height below the full one (smaller bottom padding) */
} dw_case;

/* Independent oracle: 64-bit sum over the taps inside the image, the
 * accumulator wrapped to int32, then ref_output_s8. */
static void dw_oracle(const dw_case *k, const int8_t *in, const int8_t *filt, const int32_t *bias,
                      const int32_t *mult, const int32_t *shift, int32_t out_h, int32_t out_w, int8_t *out)
{
    for (int32_t n = 0; n < k->n; n++) {
        for (int32_t oy = 0; oy < out_h; oy++) {
            for (int32_t ox = 0; ox < out_w; ox++) {
                for (int32_t c = 0; c < k->c; c++) {
                    int64_t acc = bias != NULL ? bias[c] : 0;
                    for (int32_t ky = 0; ky < 3; ky++) {
                        for (int32_t kx = 0; kx < 3; kx++) {
                            int32_t iy = oy * k->stride_h - k->pad_h + ky, ix = ox * k->stride_w - k->pad_w + kx;
                            if (iy < 0 || iy >= k->h || ix < 0 || ix >= k->w) {
                                continue;
                            }
                            int32_t x = in[((n * k->h + iy) * k->w + ix) * k->c + c];
                            acc += (int64_t)filt[(ky * 3 + kx) * k->c + c] * (x - k->in_zp);
                        }
                    }
                    *out++ = ref_output_s8((int32_t)(uint32_t)(uint64_t)acc, mult[c], shift[c], k->out_zp,
                                           k->act_min, k->act_max);
                }
            }
        }
    }
}

static void dw_run_case(const dw_case *k, uint32_t *rng)
{
    const int32_t out_h = (k->h + 2 * k->pad_h - 3) / k->stride_h + 1 - k->out_h_less;
    const int32_t out_w = (k->w + 2 * k->pad_w - 3) / k->stride_w + 1;
    const int32_t in_n = k->n * k->h * k->w * k->c, out_n = k->n * out_h * out_w * k->c;
    int8_t *in = se_test_alloc((size_t)in_n), *filt = se_test_alloc((size_t)(9 * k->c));
    int8_t *want = se_test_alloc((size_t)out_n), *got = se_test_alloc((size_t)out_n);
    int32_t *bias = se_test_alloc(sizeof(int32_t) * (size_t)k->c);
    int32_t *mult = se_test_alloc(sizeof(int32_t) * (size_t)k->c), *shift = se_test_alloc(sizeof(int32_t) * (size_t)k->c);
    se_test_fill_s8(rng, in, in_n, -128, 127);
    se_test_fill_s8(rng, filt, 9 * k->c, -128, 127);
    for (int32_t c = 0; c < k->c; c++) {
        bias[c] = se_test_rand_range(rng, -40000, 40000);
        se_test_rand_quant(rng, k->shift_lo, k->shift_hi, &mult[c], &shift[c]);
    }
    const int32_t *b = k->has_bias ? bias : NULL;
    dw_oracle(k, in, filt, b, mult, shift, out_h, out_w, want);

    se_conv_params params = {k->in_zp, k->out_zp, k->stride_h, k->stride_w, k->pad_h, k->pad_w,
                             {k->act_min, k->act_max}};
    se_per_channel_quant quant = {mult, shift};
    se_dims in_dims = {k->n, k->h, k->w, k->c}, f_dims = {1, 3, 3, k->c}, o_dims = {k->n, out_h, out_w, k->c};
    static const struct {
        const char *name;
        dw_fn fn;
        int32_t (*size)(const se_dims *);
    } variants[] = {{"ref", se_depthwise_conv3x3_s8_ref, se_depthwise_conv3x3_s8_ref_get_buffer_size},
                    {"dsp", se_depthwise_conv3x3_s8_dsp, se_depthwise_conv3x3_s8_dsp_get_buffer_size},
                    {"dispatch", se_depthwise_conv3x3_s8, se_depthwise_conv3x3_s8_get_buffer_size}};
    for (unsigned v = 0; v < 3; v++) {
        char name[256];
        snprintf(name, sizeof name, "dw3x3 %s %ldx%ldx%ldx%ld s%ld,%ld p%ld,%ld zp %ld/%ld act [%ld,%ld] sh [%ld,%ld]%s",
                 variants[v].name, (long)k->n, (long)k->h, (long)k->w, (long)k->c, (long)k->stride_h,
                 (long)k->stride_w, (long)k->pad_h, (long)k->pad_w, (long)k->in_zp, (long)k->out_zp,
                 (long)k->act_min, (long)k->act_max, (long)k->shift_lo, (long)k->shift_hi,
                 k->has_bias ? "" : " no bias");
        int32_t size = variants[v].size(&in_dims);
        void *buf = size > 0 ? se_test_alloc((size_t)size) : NULL;
        se_context ctx = {buf, size};
        memset(got, 0x55, (size_t)out_n);
        se_status st = variants[v].fn(&ctx, &params, &quant, &in_dims, in, &f_dims, filt, b, &o_dims, got);
        if (se_test_expect_status(name, st, SE_OK)) {
            se_test_compare_s8(name, got, want, out_n);
        }
        se_test_free(buf);
    }
    se_test_free(in);
    se_test_free(filt);
    se_test_free(want);
    se_test_free(got);
    se_test_free(bias);
    se_test_free(mult);
    se_test_free(shift);
}

static void dw_invalid_args(void)
{
    int8_t in[2 * 4 * 4 * 5] = {0}, filt[9 * 5] = {0}, out[2 * 4 * 4 * 5];
    int32_t mult[5] = {1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30}, shift[5] = {-1, -1, -1, -1, -1};
    int32_t scratch[512];
    for (int v = 0; v < 3; v++) {
        dw_fn fn = v == 0 ? se_depthwise_conv3x3_s8_ref : v == 1 ? se_depthwise_conv3x3_s8_dsp : se_depthwise_conv3x3_s8;
        const char *vn = v == 0 ? "ref" : v == 1 ? "dsp" : "dispatch";
        char name[96];
#define DW_CALL(ctxp, pp, qp, idp, ip, fdp, fp, odp, op) fn(ctxp, pp, qp, idp, ip, fdp, fp, NULL, odp, op)
#define DW_EXPECT(label, call, want)                                                                               \
    do {                                                                                                           \
        snprintf(name, sizeof name, "dw3x3 %s invalid: %s", vn, label);                                           \
        se_test_expect_status(name, call, want);                                                                   \
    } while (0)
        se_context ctx = {scratch, (int32_t)sizeof scratch};
        se_conv_params p = {0, 0, 1, 1, 1, 1, {-128, 127}};
        se_per_channel_quant q = {mult, shift};
        se_dims id = {2, 4, 4, 5}, fd = {1, 3, 3, 5}, od = {2, 4, 4, 5};
        DW_EXPECT("valid call", DW_CALL(&ctx, &p, &q, &id, in, &fd, filt, &od, out), SE_OK);
        DW_EXPECT("NULL input", DW_CALL(&ctx, &p, &q, &id, NULL, &fd, filt, &od, out), SE_ERR_NULL_POINTER);
        DW_EXPECT("NULL ctx", DW_CALL(NULL, &p, &q, &id, in, &fd, filt, &od, out), SE_ERR_NULL_POINTER);
        DW_EXPECT("NULL output", DW_CALL(&ctx, &p, &q, &id, in, &fd, filt, &od, NULL), SE_ERR_NULL_POINTER);
        se_per_channel_quant qn = {NULL, shift};
        DW_EXPECT("NULL multipliers", DW_CALL(&ctx, &p, &qn, &id, in, &fd, filt, &od, out), SE_ERR_NULL_POINTER);
        se_conv_params bad = p;
        bad.input_zp = 128;
        DW_EXPECT("input_zp 128", DW_CALL(&ctx, &bad, &q, &id, in, &fd, filt, &od, out), SE_ERR_BAD_PARAM);
        bad = p;
        bad.output_zp = -129;
        DW_EXPECT("output_zp -129", DW_CALL(&ctx, &bad, &q, &id, in, &fd, filt, &od, out), SE_ERR_BAD_PARAM);
        bad = p;
        bad.stride_w = 0;
        DW_EXPECT("stride 0", DW_CALL(&ctx, &bad, &q, &id, in, &fd, filt, &od, out), SE_ERR_BAD_PARAM);
        bad = p;
        bad.stride_h = 3;
        se_dims od3 = {2, 2, 4, 5};
        DW_EXPECT("stride 3", DW_CALL(&ctx, &bad, &q, &id, in, &fd, filt, &od3, out), SE_ERR_UNSUPPORTED);
        bad = p;
        bad.pad_h = 3;
        DW_EXPECT("pad 3", DW_CALL(&ctx, &bad, &q, &id, in, &fd, filt, &od, out), SE_ERR_BAD_PARAM);
        bad = p;
        bad.act.min = 10;
        bad.act.max = 9;
        DW_EXPECT("act min > max", DW_CALL(&ctx, &bad, &q, &id, in, &fd, filt, &od, out), SE_ERR_BAD_PARAM);
        se_dims fbad = {1, 3, 2, 5};
        DW_EXPECT("filter 3x2", DW_CALL(&ctx, &p, &q, &id, in, &fbad, filt, &od, out), SE_ERR_BAD_SHAPE);
        se_dims fc = {1, 3, 3, 4};
        DW_EXPECT("filter channels", DW_CALL(&ctx, &p, &q, &id, in, &fc, filt, &od, out), SE_ERR_BAD_SHAPE);
        se_dims obig = {2, 5, 4, 5};
        DW_EXPECT("output too tall", DW_CALL(&ctx, &p, &q, &id, in, &fd, filt, &obig, out), SE_ERR_BAD_SHAPE);
        se_dims oc = {2, 4, 4, 4};
        DW_EXPECT("output channels", DW_CALL(&ctx, &p, &q, &id, in, &fd, filt, &oc, out), SE_ERR_BAD_SHAPE);
        se_dims on = {1, 4, 4, 5};
        DW_EXPECT("output batch", DW_CALL(&ctx, &p, &q, &id, in, &fd, filt, &on, out), SE_ERR_BAD_SHAPE);
        se_dims izero = {2, 0, 4, 5};
        DW_EXPECT("input h 0", DW_CALL(&ctx, &p, &q, &izero, in, &fd, filt, &od, out), SE_ERR_BAD_SHAPE);
        shift[3] = 31;
        DW_EXPECT("shift 31", DW_CALL(&ctx, &p, &q, &id, in, &fd, filt, &od, out), SE_ERR_BAD_PARAM);
        shift[3] = -1;
        mult[4] = -5;
        DW_EXPECT("negative multiplier", DW_CALL(&ctx, &p, &q, &id, in, &fd, filt, &od, out), SE_ERR_BAD_PARAM);
        mult[4] = 1 << 30;
        if (v == 1) {
            se_context small = {scratch, se_depthwise_conv3x3_s8_dsp_get_buffer_size(&id) - 4};
            DW_EXPECT("scratch too small", DW_CALL(&small, &p, &q, &id, in, &fd, filt, &od, out),
                      SE_ERR_BUFFER_TOO_SMALL);
            se_context none = {NULL, 0};
            DW_EXPECT("no scratch", DW_CALL(&none, &p, &q, &id, in, &fd, filt, &od, out), SE_ERR_NULL_POINTER);
        }
#undef DW_EXPECT
#undef DW_CALL
    }
}

void suite_depthwise_conv3x3(void)
{
    static const dw_case cases[] = {
        /* n  h   w   c  sh sw ph pw  in_zp out_zp  act          shifts    bias less */
        {1, 16, 16, 64, 1, 1, 1, 1, -128, -128, -128, 127, -10, -6, 1, 0},
        {1, 16, 16, 64, 2, 2, 1, 1, -128, 5, -128, 127, -10, -6, 1, 0},
        {2, 7, 5, 17, 1, 1, 1, 1, 127, -128, -128, 127, -10, -7, 1, 0},
        {2, 7, 5, 17, 2, 2, 1, 1, 3, 127, -128, 127, -10, -7, 1, 0},
        {1, 6, 9, 5, 1, 1, 0, 0, -128, 0, -128, 127, -9, -7, 1, 0},
        {1, 9, 6, 3, 2, 2, 0, 0, 127, 0, -128, 127, -9, -7, 0, 0},
        {2, 5, 8, 1, 1, 1, 1, 1, 0, -3, -128, 127, -9, -6, 1, 0},
        {1, 5, 8, 1, 2, 1, 1, 0, -7, 3, -128, 127, -9, -6, 0, 0},
        {1, 1, 1, 3, 1, 1, 1, 1, -128, -128, -128, 127, -8, -6, 1, 0},
        {1, 1, 1, 4, 2, 2, 1, 1, 127, 7, -128, 127, -8, -6, 1, 0},
        {1, 2, 3, 5, 1, 1, 1, 1, 10, -20, -128, 127, -8, -6, 1, 0},
        {1, 2, 3, 17, 2, 2, 1, 1, -128, -128, -128, 127, -8, -6, 0, 0},
        {1, 3, 3, 8, 1, 1, 0, 0, 0, 0, -128, 127, -8, -6, 1, 0},
        {2, 8, 8, 12, 1, 1, 2, 2, -128, -128, -128, 127, -9, -6, 1, 0},
        /* saturation: shifts near 0 push almost every output to -128 / 127 */
        {1, 6, 6, 20, 1, 1, 1, 1, -128, 0, -128, 127, -2, 1, 1, 0},
        {1, 6, 6, 7, 2, 2, 1, 1, 127, -128, -128, 127, -1, 2, 1, 0},
        /* ReLU6-style clamp, output zp -128 */
        {1, 8, 8, 24, 1, 1, 1, 1, -128, -128, -128, -128 + 48, -9, -6, 1, 0},
        {2, 5, 7, 9, 2, 2, 1, 1, 5, 10, 10, 60, -9, -6, 1, 0},
        /* output one row shorter than the full one: bottom padding smaller than pad_h */
        {1, 6, 6, 8, 1, 1, 1, 1, -128, -128, -128, 127, -9, -6, 1, 1},
        {1, 7, 6, 6, 2, 2, 1, 1, 4, -128, -128, 127, -9, -6, 1, 1},
        /* large shift range, both signs */
        {1, 4, 4, 16, 1, 1, 1, 1, -128, 0, -128, 127, -31, 3, 1, 0},
    };
    uint32_t rng = 0xD3C0FFEEu;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dw_run_case(&cases[i], &rng);
    }
    dw_invalid_args();
}
