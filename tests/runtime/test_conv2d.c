/*
 * se_conv2d_s8: the reference kernel, the DSP kernel and the dispatching entry
 * point, each bit-exact against a plain-loop oracle written here (64-bit
 * accumulation, requantization from se_test_reference.h). Then every kind of
 * invalid argument, per variant. (The DSP kernels' requantization,
 * se_requant_fast.h, is checked against the oracle in test_fixedpoint.c.)
 */
#include <string.h>

#include "../../runtime/src/common/se_conv_output.h"
#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_conv.h"

typedef struct {
    int32_t n, h, w, in_c, out_c, k_h, k_w;
    int32_t stride_h, stride_w, pad_h, pad_w;
    int32_t out_h, out_w; /* 0: (in + 2 pad - k) / stride + 1 */
    int32_t input_zp, output_zp;
    int32_t act_min, act_max;
    int32_t shift_lo, shift_hi; /* per-channel shifts drawn from [lo, hi] */
    int32_t weight_max;         /* weights in [-weight_max, weight_max] */
    int32_t input_span;         /* inputs in input_zp +- span (clamped to int8); 0: the full int8 range */
    int has_bias;
    int expect_saturation; /* the oracle output must hit both act_min and act_max */
} conv2d_case;

static const conv2d_case k_cases[] = {
    /* n  h   w  ic oc kh kw sh sw ph pw oh ow  in_zp out_zp  min  max  shifts    wmax span bias sat */
    {1, 4, 4, 8, 8, 1, 1, 1, 1, 0, 0, 0, 0, -128, -128, -128, 127, -9, -6, 127, 0, 1, 0},   /* 1x1 kernel */
    {1, 8, 8, 4, 6, 3, 3, 1, 1, 1, 1, 0, 0, -128, -128, -128, 127, -10, -7, 127, 0, 1, 0},  /* 3x3 pad 1 */
    {1, 6, 5, 32, 32, 3, 3, 1, 1, 1, 1, 0, 0, 5, -3, -128, 127, -12, -9, 127, 0, 1, 0},     /* 3x3, C_in % 4 == 0 */
    {1, 7, 9, 3, 5, 3, 3, 2, 2, 1, 1, 0, 0, 127, 127, -128, 127, -9, -6, 127, 0, 1, 0},     /* stride 2, C_in 3 */
    {2, 9, 9, 7, 33, 5, 5, 1, 1, 2, 2, 0, 0, -128, 127, -128, 127, -11, -8, 127, 0, 1, 0},  /* 5x5 pad 2, N 2 */
    {1, 9, 8, 33, 1, 3, 3, 2, 2, 1, 1, 0, 0, 127, -128, -128, 127, -12, -9, 127, 0, 1, 0},  /* C_in 33, C_out 1 */
    {1, 5, 6, 1, 7, 3, 3, 1, 1, 0, 0, 0, 0, 0, 0, -128, 127, -7, -4, 127, 0, 1, 0},         /* C_in 1, pad 0 */
    {1, 8, 8, 8, 3, 3, 3, 1, 1, 1, 1, 7, 7, -20, 10, -128, 127, -10, -7, 127, 0, 1, 0},     /* bottom/right pad 0 */
    {1, 10, 9, 4, 4, 5, 5, 2, 2, 2, 2, 4, 3, 3, 3, -128, 127, -10, -7, 127, 0, 1, 0},       /* 5x5 s2, smaller out */
    {1, 6, 6, 4, 5, 3, 3, 1, 1, 2, 2, 0, 0, -7, 0, -128, 127, -10, -7, 127, 0, 1, 0},       /* 3x3 pad 2 */
    {2, 5, 7, 12, 6, 3, 3, 2, 1, 1, 0, 0, 0, -128, -5, -128, 127, -10, -7, 127, 0, 0, 0},   /* mixed s/p, no bias */
    {1, 7, 6, 5, 4, 1, 3, 1, 2, 0, 1, 0, 0, 10, -10, -128, 127, -9, -6, 127, 0, 1, 0},      /* 1x3 kernel */
    {1, 1, 1, 16, 9, 3, 3, 1, 1, 1, 1, 0, 0, -128, 0, -128, 127, -9, -6, 127, 0, 1, 0},     /* one pixel */
    {1, 4, 5, 3, 4, 1, 1, 1, 1, 1, 1, 0, 0, 9, -9, -128, 127, -7, -4, 127, 0, 1, 0},        /* 1x1 pad 1: border */
    {1, 3, 4, 6, 5, 3, 3, 2, 1, 3, 3, 0, 0, -128, 1, -128, 127, -9, -6, 127, 0, 1, 0},      /* pad 3 > kernel - 1 */
    {1, 6, 6, 8, 8, 3, 3, 1, 1, 1, 1, 0, 0, -128, -128, -128, 127, -3, 2, 127, 0, 1, 1},    /* saturation */
    {1, 6, 6, 7, 9, 3, 3, 1, 1, 1, 1, 0, 0, 127, 127, -128, 127, -4, 1, 127, 0, 1, 1},      /* saturation, zp 127 */
    {1, 6, 6, 8, 6, 3, 3, 2, 2, 1, 1, 0, 0, -128, -128, -128, 127, 1, 4, 1, 1, 1, 0},       /* positive shifts */
    {1, 6, 7, 8, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, -20, -20, 127, -11, -8, 127, 0, 1, 1},       /* ReLU */
    {1, 6, 7, 5, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, -20, -20, 40, -11, -8, 127, 0, 1, 1},        /* ReLU6 */
};

static void case_name(char *buf, size_t size, const char *variant, const conv2d_case *c, int32_t out_h,
                      int32_t out_w)
{
    snprintf(buf, size,
             "conv2d %s N%ld %ldx%ldx%ld -> %ldx%ldx%ld k%ldx%ld s%ld,%ld p%ld,%ld zp(%ld,%ld) act[%ld,%ld]%s", variant,
             (long)c->n, (long)c->h, (long)c->w, (long)c->in_c, (long)out_h, (long)out_w, (long)c->out_c,
             (long)c->k_h, (long)c->k_w, (long)c->stride_h, (long)c->stride_w, (long)c->pad_h, (long)c->pad_w,
             (long)c->input_zp, (long)c->output_zp, (long)c->act_min, (long)c->act_max,
             c->has_bias ? "" : " no-bias");
}

/* The oracle: every output as a plain sum over the window, padding skipped. */
static void oracle_conv2d(const conv2d_case *c, int32_t out_h, int32_t out_w, const int8_t *input,
                          const int8_t *filter, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                          int8_t *output)
{
    for (int32_t n = 0; n < c->n; n++) {
        for (int32_t oy = 0; oy < out_h; oy++) {
            for (int32_t ox = 0; ox < out_w; ox++) {
                for (int32_t oc = 0; oc < c->out_c; oc++) {
                    int64_t acc = bias ? bias[oc] : 0;
                    for (int32_t ky = 0; ky < c->k_h; ky++) {
                        for (int32_t kx = 0; kx < c->k_w; kx++) {
                            int32_t y = oy * c->stride_h - c->pad_h + ky;
                            int32_t x = ox * c->stride_w - c->pad_w + kx;
                            if (y < 0 || y >= c->h || x < 0 || x >= c->w) {
                                continue;
                            }
                            for (int32_t ic = 0; ic < c->in_c; ic++) {
                                int32_t xv = input[((n * c->h + y) * c->w + x) * c->in_c + ic];
                                int32_t wv = filter[((oc * c->k_h + ky) * c->k_w + kx) * c->in_c + ic];
                                acc += (int64_t)wv * (xv - c->input_zp);
                            }
                        }
                    }
                    output[((n * out_h + oy) * out_w + ox) * c->out_c + oc] =
                        ref_output_s8((int32_t)acc, mult[oc], shift[oc], c->output_zp, c->act_min, c->act_max);
                }
            }
        }
    }
}

typedef se_status (*conv2d_fn)(const se_context *, const se_conv_params *, const se_per_channel_quant *,
                                const se_dims *, const int8_t *, const se_dims *, const int8_t *, const int32_t *,
                                const se_dims *, int8_t *);
typedef int32_t (*conv2d_size_fn)(const se_dims *, const se_dims *);

typedef struct {
    const char *name;
    conv2d_fn run;
    conv2d_size_fn buffer_size;
} conv2d_variant;

static const conv2d_variant k_variants[] = {
    {"ref", se_conv2d_s8_ref, se_conv2d_s8_ref_get_buffer_size},
    {"dsp", se_conv2d_s8_dsp, se_conv2d_s8_dsp_get_buffer_size},
    {"dispatch", se_conv2d_s8, se_conv2d_s8_get_buffer_size},
};
#define NUM_VARIANTS ((int)(sizeof(k_variants) / sizeof(k_variants[0])))

enum { GUARD = 16 }; /* bytes after the output that no kernel may touch */

static void run_case(const conv2d_case *c, uint32_t seed)
{
    const int32_t out_h = c->out_h ? c->out_h : (c->h + 2 * c->pad_h - c->k_h) / c->stride_h + 1;
    const int32_t out_w = c->out_w ? c->out_w : (c->w + 2 * c->pad_w - c->k_w) / c->stride_w + 1;
    const int32_t in_size = c->n * c->h * c->w * c->in_c;
    const int32_t filter_size = c->out_c * c->k_h * c->k_w * c->in_c;
    const int32_t out_size = c->n * out_h * out_w * c->out_c;
    int8_t *input = se_test_alloc((size_t)in_size);
    int8_t *filter = se_test_alloc((size_t)filter_size);
    int32_t *bias = se_test_alloc(sizeof(int32_t) * (size_t)c->out_c);
    int32_t *mult = se_test_alloc(sizeof(int32_t) * (size_t)c->out_c);
    int32_t *shift = se_test_alloc(sizeof(int32_t) * (size_t)c->out_c);
    int8_t *want = se_test_alloc((size_t)out_size);
    int8_t *got = se_test_alloc((size_t)out_size + GUARD);
    uint32_t rng = seed;

    if (c->input_span > 0) {
        const int32_t lo = c->input_zp - c->input_span, hi = c->input_zp + c->input_span;
        se_test_fill_s8(&rng, input, in_size, lo < -128 ? -128 : lo, hi > 127 ? 127 : hi);
    } else {
        se_test_fill_s8(&rng, input, in_size, -128, 127);
    }
    se_test_fill_s8(&rng, filter, filter_size, -c->weight_max, c->weight_max);
    for (int32_t oc = 0; oc < c->out_c; oc++) {
        bias[oc] = c->input_span > 0 ? se_test_rand_range(&rng, -8, 8) : se_test_rand_range(&rng, -20000, 20000);
        se_test_rand_quant(&rng, c->shift_lo, c->shift_hi, &mult[oc], &shift[oc]);
    }
    const int32_t *bias_arg = c->has_bias ? bias : NULL;
    oracle_conv2d(c, out_h, out_w, input, filter, bias_arg, mult, shift, want);

    char name[256];
    if (c->expect_saturation) {
        int hit_min = 0, hit_max = 0;
        for (int32_t i = 0; i < out_size; i++) {
            hit_min |= want[i] == c->act_min;
            hit_max |= want[i] == c->act_max;
        }
        case_name(name, sizeof name, "oracle", c, out_h, out_w);
        se_test_check(hit_min && hit_max, name, "case meant to saturate does not reach both clamps");
    }

    const se_conv_params params = {c->input_zp, c->output_zp, c->stride_h, c->stride_w, c->pad_h, c->pad_w,
                                   {c->act_min, c->act_max}};
    const se_per_channel_quant quant = {mult, shift};
    const se_dims input_dims = {c->n, c->h, c->w, c->in_c};
    const se_dims filter_dims = {c->out_c, c->k_h, c->k_w, c->in_c};
    const se_dims output_dims = {c->n, out_h, out_w, c->out_c};

    for (int v = 0; v < NUM_VARIANTS; v++) {
        case_name(name, sizeof name, k_variants[v].name, c, out_h, out_w);
        const int32_t scratch_size = k_variants[v].buffer_size(&input_dims, &filter_dims);
        void *scratch = scratch_size > 0 ? se_test_alloc((size_t)scratch_size) : NULL;
        const se_context ctx = {scratch, scratch_size};
        memset(got, 0x5A, (size_t)out_size + GUARD);
        se_status status = k_variants[v].run(&ctx, &params, &quant, &input_dims, input, &filter_dims, filter,
                                             bias_arg, &output_dims, got);
        if (se_test_expect_status(name, status, SE_OK)) {
            se_test_compare_s8(name, got, want, out_size);
            int guard_ok = 1;
            for (int i = 0; i < GUARD; i++) {
                guard_ok &= got[out_size + i] == 0x5A;
            }
            se_test_check(guard_ok, name, "wrote past the end of the output");
        }
        se_test_free(scratch);
    }
    se_test_free(input);
    se_test_free(filter);
    se_test_free(bias);
    se_test_free(mult);
    se_test_free(shift);
    se_test_free(want);
    se_test_free(got);
}

/* ---- invalid arguments ------------------------------------------------- */

typedef struct {
    se_context ctx;
    se_conv_params params;
    se_per_channel_quant quant;
    se_dims input_dims, filter_dims, output_dims;
    const int8_t *input, *filter;
    const int32_t *bias;
    int8_t *output;
} conv2d_call;

typedef enum {
    BAD_CTX_NULL,
    BAD_PARAMS_NULL,
    BAD_QUANT_NULL,
    BAD_MULT_NULL,
    BAD_SHIFT_NULL,
    BAD_INPUT_DIMS_NULL,
    BAD_INPUT_NULL,
    BAD_FILTER_DIMS_NULL,
    BAD_FILTER_NULL,
    BAD_OUTPUT_DIMS_NULL,
    BAD_OUTPUT_NULL,
    BAD_INPUT_H_ZERO,
    BAD_FILTER_W_NEGATIVE,
    BAD_CIN_MISMATCH,
    BAD_COUT_MISMATCH,
    BAD_BATCH_MISMATCH,
    BAD_OUT_H_TOO_LARGE,
    BAD_OUT_W_TOO_LARGE,
    BAD_KERNEL_LARGER_THAN_PADDED_INPUT,
    BAD_INPUT_ZP_HIGH,
    BAD_INPUT_ZP_LOW,
    BAD_OUTPUT_ZP,
    BAD_STRIDE_ZERO,
    BAD_PAD_NEGATIVE,
    BAD_ACT_MIN_GT_MAX,
    BAD_ACT_MAX_OUT_OF_RANGE,
    BAD_SHIFT_HIGH,
    BAD_SHIFT_LOW,
    BAD_MULT_NEGATIVE,
    BAD_REDUCTION_TOO_LONG,
    BAD_COUNT
} conv2d_bad_kind;

static const char *const k_bad_names[BAD_COUNT] = {
    "ctx NULL", "params NULL", "quant NULL", "multiplier NULL", "shift NULL", "input_dims NULL", "input NULL",
    "filter_dims NULL", "filter NULL", "output_dims NULL", "output NULL", "input h 0", "filter w -1",
    "C_in mismatch", "C_out mismatch", "N mismatch", "output h too large", "output w too large",
    "kernel larger than padded input", "input_zp 128", "input_zp -129", "output_zp 200", "stride 0", "pad -1",
    "act.min > act.max", "act.max 128", "shift 31", "shift -32", "multiplier < 0", "reduction > 65536"};

static se_status expected_status(conv2d_bad_kind kind)
{
    if (kind <= BAD_OUTPUT_NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (kind <= BAD_KERNEL_LARGER_THAN_PADDED_INPUT) {
        return SE_ERR_BAD_SHAPE;
    }
    if (kind == BAD_REDUCTION_TOO_LONG) {
        return SE_ERR_UNSUPPORTED;
    }
    return SE_ERR_BAD_PARAM;
}

static se_status call_with(const conv2d_variant *v, conv2d_call call, conv2d_bad_kind kind, int32_t *mult,
                           int32_t *shift)
{
    const se_context *ctx = &call.ctx;
    const se_conv_params *params = &call.params;
    const se_per_channel_quant *quant = &call.quant;
    const se_dims *input_dims = &call.input_dims, *filter_dims = &call.filter_dims, *output_dims = &call.output_dims;
    switch (kind) {
    case BAD_CTX_NULL: ctx = NULL; break;
    case BAD_PARAMS_NULL: params = NULL; break;
    case BAD_QUANT_NULL: quant = NULL; break;
    case BAD_MULT_NULL: call.quant.multiplier = NULL; break;
    case BAD_SHIFT_NULL: call.quant.shift = NULL; break;
    case BAD_INPUT_DIMS_NULL: input_dims = NULL; break;
    case BAD_INPUT_NULL: call.input = NULL; break;
    case BAD_FILTER_DIMS_NULL: filter_dims = NULL; break;
    case BAD_FILTER_NULL: call.filter = NULL; break;
    case BAD_OUTPUT_DIMS_NULL: output_dims = NULL; break;
    case BAD_OUTPUT_NULL: call.output = NULL; break;
    case BAD_INPUT_H_ZERO: call.input_dims.h = 0; break;
    case BAD_FILTER_W_NEGATIVE: call.filter_dims.w = -1; break;
    case BAD_CIN_MISMATCH: call.filter_dims.c = call.input_dims.c + 1; break;
    case BAD_COUT_MISMATCH: call.output_dims.c = call.filter_dims.n - 1; break;
    case BAD_BATCH_MISMATCH: call.output_dims.n = 2; break;
    case BAD_OUT_H_TOO_LARGE: call.output_dims.h += 1; break;
    case BAD_OUT_W_TOO_LARGE: call.output_dims.w += 1; break;
    case BAD_KERNEL_LARGER_THAN_PADDED_INPUT:
        call.params.pad_h = 0;
        call.filter_dims.h = call.input_dims.h + 1;
        call.output_dims.h = 1;
        break;
    case BAD_INPUT_ZP_HIGH: call.params.input_zp = 128; break;
    case BAD_INPUT_ZP_LOW: call.params.input_zp = -129; break;
    case BAD_OUTPUT_ZP: call.params.output_zp = 200; break;
    case BAD_STRIDE_ZERO: call.params.stride_w = 0; break;
    case BAD_PAD_NEGATIVE: call.params.pad_h = -1; break;
    case BAD_ACT_MIN_GT_MAX:
        call.params.act.min = 10;
        call.params.act.max = 9;
        break;
    case BAD_ACT_MAX_OUT_OF_RANGE: call.params.act.max = 128; break;
    case BAD_SHIFT_HIGH: shift[1] = 31; break;
    case BAD_SHIFT_LOW: shift[2] = -32; break;
    case BAD_MULT_NEGATIVE: mult[3] = -1; break;
    case BAD_REDUCTION_TOO_LONG: /* never reads the data: rejected before */
        call.input_dims.c = 8192;
        call.filter_dims.c = 8192;
        break;
    case BAD_COUNT: break;
    }
    return v->run(ctx, params, quant, input_dims, call.input, filter_dims, call.filter, call.bias, output_dims,
                  call.output);
}

static void invalid_arguments(void)
{
    enum { H = 5, W = 5, CI = 4, CO = 4 };
    static int8_t input[H * W * CI], filter[CO * 3 * 3 * CI], output[H * W * CO];
    static int32_t bias[CO];
    int32_t mult[CO], shift[CO];
    static int32_t scratch[1024];
    char name[128];

    for (int v = 0; v < NUM_VARIANTS; v++) {
        conv2d_call base;
        base.params = (se_conv_params){0, 0, 1, 1, 1, 1, {-128, 127}};
        base.quant = (se_per_channel_quant){mult, shift};
        base.input_dims = (se_dims){1, H, W, CI};
        base.filter_dims = (se_dims){CO, 3, 3, CI};
        base.output_dims = (se_dims){1, H, W, CO};
        base.input = input;
        base.filter = filter;
        base.bias = bias;
        base.output = output;
        const int32_t needed = k_variants[v].buffer_size(&base.input_dims, &base.filter_dims);
        base.ctx = (se_context){needed > 0 ? scratch : NULL, needed};

        for (int kind = 0; kind <= BAD_COUNT; kind++) {
            for (int c = 0; c < CO; c++) {
                mult[c] = 1 << 30;
                shift[c] = -8;
            }
            const se_status want = kind == BAD_COUNT ? SE_OK : expected_status((conv2d_bad_kind)kind);
            snprintf(name, sizeof name, "conv2d %s invalid: %s", k_variants[v].name,
                     kind == BAD_COUNT ? "none (valid call)" : k_bad_names[kind]);
            se_test_expect_status(name, call_with(&k_variants[v], base, (conv2d_bad_kind)kind, mult, shift), want);
        }

        /* bias is optional */
        snprintf(name, sizeof name, "conv2d %s bias NULL is valid", k_variants[v].name);
        base.bias = NULL;
        se_test_expect_status(name, call_with(&k_variants[v], base, BAD_COUNT, mult, shift), SE_OK);
        base.bias = bias;

        /* scratch: too small, missing, misaligned (only where the variant needs any) */
        if (needed > 0) {
            conv2d_call small = base;
            small.ctx.size = needed - 1;
            snprintf(name, sizeof name, "conv2d %s invalid: scratch %ld < %ld bytes", k_variants[v].name,
                     (long)small.ctx.size, (long)needed);
            se_test_expect_status(name, call_with(&k_variants[v], small, BAD_COUNT, mult, shift),
                                  SE_ERR_BUFFER_TOO_SMALL);
            small.ctx = (se_context){NULL, needed};
            snprintf(name, sizeof name, "conv2d %s invalid: scratch buf NULL", k_variants[v].name);
            se_test_expect_status(name, call_with(&k_variants[v], small, BAD_COUNT, mult, shift),
                                  SE_ERR_NULL_POINTER);
            small.ctx = (se_context){(char *)scratch + 2, needed};
            snprintf(name, sizeof name, "conv2d %s invalid: scratch misaligned", k_variants[v].name);
            se_test_expect_status(name, call_with(&k_variants[v], small, BAD_COUNT, mult, shift), SE_ERR_BAD_PARAM);
        } else {
            conv2d_call none = base;
            none.ctx = (se_context){NULL, 0};
            snprintf(name, sizeof name, "conv2d %s no scratch needed, ctx {NULL, 0}", k_variants[v].name);
            se_test_expect_status(name, call_with(&k_variants[v], none, BAD_COUNT, mult, shift), SE_OK);
        }
    }

    /* The DSP variant's scratch is two int16 columns of KH*KW*C_in taps. */
    const se_dims in = {1, 16, 16, 32}, f = {32, 3, 3, 32};
    se_test_check(se_conv2d_s8_dsp_get_buffer_size(&in, &f) == 2 * 9 * 32 * 2, "conv2d dsp buffer size",
                  "got %ld", (long)se_conv2d_s8_dsp_get_buffer_size(&in, &f));
    se_test_check(se_conv2d_s8_ref_get_buffer_size(&in, &f) == 0, "conv2d ref buffer size", "got %ld",
                  (long)se_conv2d_s8_ref_get_buffer_size(&in, &f));
}

void suite_conv2d(void)
{
    for (unsigned i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++) {
        run_case(&k_cases[i], 0x9E3779B9u ^ (i * 2654435761u + 1u));
    }
    invalid_arguments();
}
