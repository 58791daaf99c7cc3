/*
 * Fully connected over a batch of tokens: se_fully_connected_s8_ref, _dsp and
 * the dispatching entry point, each bit-exact against a plain-loop oracle
 * (64-bit accumulation, se_test_reference.h), plus argument validation.
 */
#include <stdio.h>
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_fully_connected.h"

typedef se_status (*fc_kernel)(SE_FULLY_CONNECTED_S8_ARGS);
typedef int32_t (*fc_buffer_size)(const se_fc_dims *dims);

typedef struct {
    const char *name;
    fc_kernel run;
    fc_buffer_size buffer_size;
} fc_variant;

static const fc_variant k_variants[] = {
    {"ref", se_fully_connected_s8_ref, se_fully_connected_s8_ref_get_buffer_size},
    {"dsp", se_fully_connected_s8_dsp, se_fully_connected_s8_dsp_get_buffer_size},
    {"dispatch", se_fully_connected_s8, se_fully_connected_s8_get_buffer_size},
};
#define FC_VARIANT_COUNT ((int)(sizeof(k_variants) / sizeof(k_variants[0])))

typedef struct {
    const char *what;
    int32_t tokens, in_features, out_features;
    int32_t input_zp, output_zp;
    int32_t act_min, act_max;
    int32_t with_bias;
    int32_t shift_lo, shift_hi; /* per-channel shifts drawn from [lo, hi] */
    int32_t weight_lo, weight_hi;
    int32_t expect_saturation; /* the case must produce outputs at both -128 and 127 */
    int32_t small_values;      /* inputs in [-8, 8], bias in [-64, 64]: small accumulators, so the
                                  rounding of shifts -2..0 shows instead of saturating */
} fc_case;

static const fc_case k_cases[] = {
    /* what, tokens, in, out, in_zp, out_zp, act, bias, shifts, weights, saturation, small values */
    {"1x1", 1, 1, 1, -128, 127, -128, 127, 1, -2, 0, -127, 127, 0, 0},
    {"batch1 odd", 1, 3, 5, 127, -128, -128, 127, 1, -5, -1, -127, 127, 0, 0},
    {"batch1 4 rows + tail", 1, 33, 13, -128, -128, -128, 127, 1, -9, -6, -127, 127, 0, 0},
    {"batch1 wide", 1, 256, 31, 3, -7, -128, 127, 1, -11, -8, -127, 127, 0, 0},
    {"2 tokens", 2, 7, 3, -128, 127, -128, 127, 1, -7, -3, -127, 127, 0, 0},
    {"3 tokens in33", 3, 33, 7, 127, 0, -128, 127, 1, -9, -5, -127, 127, 0, 0},
    {"3 tokens in44 no bias", 3, 44, 9, -128, -128, -128, 127, 0, -9, -5, -128, 127, 0, 0},
    {"4 tokens in1 out1", 4, 1, 1, 127, 127, -128, 127, 1, -3, 0, -127, 127, 0, 0},
    {"5 tokens relu", 5, 64, 17, -1, -20, -20, 127, 1, -10, -6, -127, 127, 0, 0},
    {"6 tokens relu6-like", 6, 20, 8, 10, -128, -128, -50, 1, -9, -6, -127, 127, 0, 0},
    {"saturation shifts > 0", 4, 33, 6, -128, 0, -128, 127, 1, 1, 4, -127, 127, 1, 0},
    {"saturation zp 127", 3, 7, 11, 127, 127, -128, 127, 0, 0, 3, -128, 127, 1, 0},
    {"shifts -31..+2", 7, 45, 10, 50, -3, -128, 127, 1, -31, 2, -127, 127, 0, 0},
    {"256 tokens narrow", 256, 12, 5, -128, -128, -128, 127, 1, -8, -5, -127, 127, 0, 0},
    {"64 tokens 96 -> 64", 64, 96, 64, -128, 5, -128, 127, 1, -11, -8, -127, 127, 0, 0},
    {"rounding shifts -2..0", 3, 5, 24, 0, 0, -128, 127, 1, -2, 0, -127, 127, 0, 1},
    {"rounding shifts -2..0 batch1", 1, 9, 24, 1, -1, -128, 127, 1, -2, 0, -127, 127, 0, 1},
};

typedef struct {
    int8_t *input, *weights, *output, *want;
    int32_t *bias, *multiplier, *shift;
} fc_buffers;

/* The oracle: the element formula of se_fully_connected.h in 64-bit arithmetic. */
static void oracle_fc(const fc_case *c, const fc_buffers *b)
{
    for (int32_t t = 0; t < c->tokens; t++) {
        for (int32_t o = 0; o < c->out_features; o++) {
            int64_t acc = c->with_bias ? b->bias[o] : 0;
            for (int32_t i = 0; i < c->in_features; i++) {
                acc += (int64_t)b->weights[o * c->in_features + i] *
                       ((int64_t)b->input[t * c->in_features + i] - c->input_zp);
            }
            b->want[t * c->out_features + o] =
                ref_output_s8((int32_t)acc, b->multiplier[o], b->shift[o], c->output_zp, c->act_min, c->act_max);
        }
    }
}

static void run_case(const fc_case *c, uint32_t seed)
{
    uint32_t rng = seed;
    const int32_t n_in = c->tokens * c->in_features, n_w = c->out_features * c->in_features;
    const int32_t n_out = c->tokens * c->out_features;
    fc_buffers b;
    b.input = (int8_t *)se_test_alloc((size_t)n_in);
    b.weights = (int8_t *)se_test_alloc((size_t)n_w);
    b.output = (int8_t *)se_test_alloc((size_t)n_out);
    b.want = (int8_t *)se_test_alloc((size_t)n_out);
    b.bias = (int32_t *)se_test_alloc((size_t)c->out_features * sizeof(int32_t));
    b.multiplier = (int32_t *)se_test_alloc((size_t)c->out_features * sizeof(int32_t));
    b.shift = (int32_t *)se_test_alloc((size_t)c->out_features * sizeof(int32_t));

    se_test_fill_s8(&rng, b.input, n_in, c->small_values ? -8 : -128, c->small_values ? 8 : 127);
    se_test_fill_s8(&rng, b.weights, n_w, c->weight_lo, c->weight_hi);
    for (int32_t o = 0; o < c->out_features; o++) {
        b.bias[o] = c->small_values ? se_test_rand_range(&rng, -64, 64) : se_test_rand_range(&rng, -(1 << 20), 1 << 20);
        se_test_rand_quant(&rng, c->shift_lo, c->shift_hi, &b.multiplier[o], &b.shift[o]);
    }
    oracle_fc(c, &b);

    char name[160];
    if (c->expect_saturation) {
        int lo = 0, hi = 0;
        for (int32_t i = 0; i < n_out; i++) {
            lo |= b.want[i] == -128;
            hi |= b.want[i] == 127;
        }
        snprintf(name, sizeof(name), "fc %s: oracle saturates both ways", c->what);
        se_test_check(lo && hi, name, "expected outputs at -128 and 127 (lo %d, hi %d)", lo, hi);
    }

    const se_fc_dims dims = {c->tokens, c->in_features, c->out_features};
    const se_fc_params params = {c->input_zp, c->output_zp, {c->act_min, c->act_max}};
    const se_per_channel_quant quant = {b.multiplier, b.shift};
    for (int v = 0; v < FC_VARIANT_COUNT; v++) {
        const int32_t scratch_bytes = k_variants[v].buffer_size(&dims);
        void *scratch = se_test_alloc((size_t)(scratch_bytes > 0 ? scratch_bytes : 1));
        const se_context ctx = {scratch, scratch_bytes};
        memset(b.output, 0x55, (size_t)n_out);
        snprintf(name, sizeof(name), "fc %s [%s]: tokens %ld, %ld -> %ld, in_zp %ld, out_zp %ld, act [%ld, %ld]%s",
                 c->what, k_variants[v].name, (long)c->tokens, (long)c->in_features, (long)c->out_features,
                 (long)c->input_zp, (long)c->output_zp, (long)c->act_min, (long)c->act_max,
                 c->with_bias ? "" : ", bias NULL");
        const se_status status =
            k_variants[v].run(&ctx, &params, &quant, &dims, b.input, b.weights, c->with_bias ? b.bias : NULL, b.output);
        if (se_test_expect_status(name, status, SE_OK)) {
            se_test_compare_s8(name, b.output, b.want, n_out);
        }
        se_test_free(scratch);
    }

    se_test_free(b.input);
    se_test_free(b.weights);
    se_test_free(b.output);
    se_test_free(b.want);
    se_test_free(b.bias);
    se_test_free(b.multiplier);
    se_test_free(b.shift);
}

/* Each invalid argument, alone, against an otherwise valid call. */
static void run_invalid_args(const fc_variant *v)
{
    enum { TOKENS = 3, IN = 5, OUT = 4 };
    int8_t input[TOKENS * IN] = {0}, weights[OUT * IN] = {0}, output[TOKENS * OUT];
    int32_t bias[OUT] = {0}, multiplier[OUT] = {1 << 30, 1 << 30, 1 << 30, 1 << 30}, shift[OUT] = {-1, -1, -1, -1};
    uint32_t scratch[64 + 1];
    const se_fc_dims dims = {TOKENS, IN, OUT};
    const se_fc_params params = {-128, 127, {-128, 127}};
    const se_per_channel_quant quant = {multiplier, shift};
    const int32_t need = v->buffer_size(&dims);
    const se_context ctx = {scratch, need};
    char name[96];

#define FC_EXPECT(what, want, call)                                                                                \
    do {                                                                                                           \
        snprintf(name, sizeof(name), "fc invalid [%s]: %s", v->name, what);                                        \
        se_test_expect_status(name, call, want);                                                                   \
    } while (0)

    se_test_check(need >= 0 && need <= (int32_t)sizeof(scratch) - 4, "fc invalid: scratch fits", "need %ld",
                  (long)need);
    FC_EXPECT("valid call", SE_OK, v->run(&ctx, &params, &quant, &dims, input, weights, bias, output));
    FC_EXPECT("bias NULL is valid", SE_OK, v->run(&ctx, &params, &quant, &dims, input, weights, NULL, output));

    FC_EXPECT("ctx NULL", SE_ERR_NULL_POINTER, v->run(NULL, &params, &quant, &dims, input, weights, bias, output));
    FC_EXPECT("params NULL", SE_ERR_NULL_POINTER, v->run(&ctx, NULL, &quant, &dims, input, weights, bias, output));
    FC_EXPECT("quant NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, NULL, &dims, input, weights, bias, output));
    FC_EXPECT("dims NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, NULL, input, weights, bias, output));
    FC_EXPECT("input NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, &dims, NULL, weights, bias, output));
    FC_EXPECT("weights NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, &dims, input, NULL, bias, output));
    FC_EXPECT("output NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, &dims, input, weights, bias, NULL));
    {
        const se_per_channel_quant no_multiplier = {NULL, shift}, no_shift = {multiplier, NULL};
        FC_EXPECT("quant multiplier NULL", SE_ERR_NULL_POINTER,
                  v->run(&ctx, &params, &no_multiplier, &dims, input, weights, bias, output));
        FC_EXPECT("quant shift NULL", SE_ERR_NULL_POINTER,
                  v->run(&ctx, &params, &no_shift, &dims, input, weights, bias, output));
    }

    {
        const se_fc_dims bad[] = {{0, IN, OUT}, {TOKENS, 0, OUT}, {TOKENS, IN, 0}, {-1, IN, OUT}, {TOKENS, -5, OUT}};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char what[64];
            snprintf(what, sizeof(what), "dims {%ld, %ld, %ld}", (long)bad[i].tokens, (long)bad[i].in_features,
                     (long)bad[i].out_features);
            FC_EXPECT(what, SE_ERR_BAD_SHAPE, v->run(&ctx, &params, &quant, &bad[i], input, weights, bias, output));
        }
    }

    {
        const se_fc_params bad[] = {
            {128, 0, {-128, 127}}, {-129, 0, {-128, 127}}, {0, 128, {-128, 127}}, {0, -129, {-128, 127}},
            {0, 0, {10, 9}},       {0, 0, {-129, 127}},    {0, 0, {-128, 128}},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char what[80];
            snprintf(what, sizeof(what), "params in_zp %ld out_zp %ld act [%ld, %ld]", (long)bad[i].input_zp,
                     (long)bad[i].output_zp, (long)bad[i].act.min, (long)bad[i].act.max);
            FC_EXPECT(what, SE_ERR_BAD_PARAM, v->run(&ctx, &bad[i], &quant, &dims, input, weights, bias, output));
        }
    }

    shift[OUT - 1] = 31;
    FC_EXPECT("shift 31 (last channel)", SE_ERR_BAD_PARAM,
              v->run(&ctx, &params, &quant, &dims, input, weights, bias, output));
    shift[OUT - 1] = -32;
    FC_EXPECT("shift -32", SE_ERR_BAD_PARAM, v->run(&ctx, &params, &quant, &dims, input, weights, bias, output));
    shift[OUT - 1] = -1;
    multiplier[1] = -1;
    FC_EXPECT("multiplier -1", SE_ERR_BAD_PARAM, v->run(&ctx, &params, &quant, &dims, input, weights, bias, output));
    multiplier[1] = 1 << 30;

    if (need > 0) {
        const se_context small = {scratch, need - 1};
        const se_context no_buf = {NULL, need};
        const se_context misaligned = {(int8_t *)scratch + 2, need};
        FC_EXPECT("buffer too small", SE_ERR_BUFFER_TOO_SMALL,
                  v->run(&small, &params, &quant, &dims, input, weights, bias, output));
        FC_EXPECT("buffer NULL", SE_ERR_NULL_POINTER,
                  v->run(&no_buf, &params, &quant, &dims, input, weights, bias, output));
        FC_EXPECT("buffer misaligned", SE_ERR_BAD_PARAM,
                  v->run(&misaligned, &params, &quant, &dims, input, weights, bias, output));
    }
#undef FC_EXPECT
}

void suite_fully_connected(void)
{
    for (size_t i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++) {
        run_case(&k_cases[i], 0x9E3779B9u + (uint32_t)i * 7919u);
    }
    for (int v = 0; v < FC_VARIANT_COUNT; v++) {
        run_invalid_args(&k_variants[v]);
    }
    /* The DSP kernel packs tokens into scratch: it must declare it. */
    const se_fc_dims one = {1, 33, 8}, many = {64, 256, 768};
    se_test_check(se_fully_connected_s8_dsp_get_buffer_size(&one) > 0 &&
                      se_fully_connected_s8_dsp_get_buffer_size(&many) > 0,
                  "fc dsp buffer size", "expected a positive scratch size");
    se_test_check(se_fully_connected_s8_dsp_get_buffer_size(NULL) == 0, "fc dsp buffer size NULL dims",
                  "expected 0");
}
