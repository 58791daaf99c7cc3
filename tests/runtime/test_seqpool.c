/*
 * SeqPool: ref, dsp and the dispatching entry point against a straightforward
 * oracle: TFLite's softmax of the logits (the cache-free oracle of
 * test_softmax.c), then the weighted sum with 64-bit math.
 */
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_seqpool.h"

void oracle_softmax_s8(const se_softmax_params *p, int32_t rows, int32_t n, const int8_t *in, int8_t *out);

static void oracle_seqpool(const se_seqpool_params *p, int32_t tokens, int32_t channels, const int8_t *x,
                           const int8_t *logits, int8_t *out)
{
    int8_t *prob = se_test_alloc((size_t)tokens);
    oracle_softmax_s8(&p->softmax, 1, tokens, logits, prob);
    for (int32_t c = 0; c < channels; c++) {
        int64_t acc = 0;
        for (int32_t t = 0; t < tokens; t++) {
            acc += (int64_t)(prob[t] + 128) * (x[t * channels + c] - p->input_zp);
        }
        const int64_t v = (int64_t)ref_requantize((int32_t)acc, p->quant.multiplier, p->quant.shift) + p->output_zp;
        out[c] = (int8_t)(v < p->act.min ? p->act.min : (v > p->act.max ? p->act.max : v));
    }
    se_test_free(prob);
}

typedef se_status (*seqpool_fn)(SE_SEQPOOL_S8_ARGS);
typedef int32_t (*size_fn)(int32_t, int32_t);
static const struct {
    const char *name;
    seqpool_fn fn;
    size_fn size;
} k_variants[] = {{"ref", se_seqpool_s8_ref, se_seqpool_s8_ref_get_buffer_size},
                  {"dsp", se_seqpool_s8_dsp, se_seqpool_s8_dsp_get_buffer_size},
                  {"dispatch", se_seqpool_s8, se_seqpool_s8_get_buffer_size}};

static void check_case(const char *what, const se_seqpool_params *p, int32_t tokens, int32_t channels,
                       const int8_t *x, const int8_t *logits)
{
    int8_t *want = se_test_alloc((size_t)channels);
    int8_t *got = se_test_alloc((size_t)channels);
    oracle_seqpool(p, tokens, channels, x, logits, want);
    char name[200];
    for (int v = 0; v < 3; v++) {
        const int32_t size = k_variants[v].size(tokens, channels);
        snprintf(name, sizeof name, "seqpool %s tokens %ld channels %ld zp %ld/%ld quant %ld/%ld %s", what,
                 (long)tokens, (long)channels, (long)p->input_zp, (long)p->output_zp, (long)p->quant.multiplier,
                 (long)p->quant.shift, k_variants[v].name);
        se_test_check(size == 1072 + ((2 * tokens + 3) & ~3), name, "buffer size %ld", (long)size);
        se_context ctx = {se_test_alloc((size_t)size), size};
        memset(ctx.buf, 0xA5, (size_t)size); /* stale scratch: the call prepares the cache itself */
        memset(got, 0x55, (size_t)channels);
        se_test_expect_status(name, k_variants[v].fn(&ctx, p, tokens, channels, x, logits, got), SE_OK);
        se_test_compare_s8(name, got, want, channels);
        se_test_free(ctx.buf);
    }
    se_test_free(got);
    se_test_free(want);
}

static se_quant quant_of(double real)
{
    se_quant q = {0, 0};
    while (real >= 1.0) {
        real *= 0.5;
        q.shift++;
    }
    while (real < 0.5) {
        real *= 2.0;
        q.shift--;
    }
    q.multiplier = (int32_t)(real * 2147483648.0 + 0.5);
    if (q.multiplier < 0) { /* rounded up to 2^31 */
        q.multiplier = 1 << 30;
        q.shift++;
    }
    return q;
}

static void test_cases(void)
{
    static const int32_t k_tokens[] = {1, 2, 3, 64, 255, 256};
    static const int32_t k_channels[] = {1, 3, 4, 7, 44, 128};
    static const int32_t k_zp[][2] = {{-128, -128}, {0, 5}, {127, 127}, {-7, -128}};
    uint32_t rng = 8080u;
    for (unsigned ti = 0; ti < 6; ti++) {
        for (unsigned ci = 0; ci < 6; ci++) {
            const int32_t tokens = k_tokens[ti], channels = k_channels[ci];
            int8_t *x = se_test_alloc((size_t)(tokens * channels));
            int8_t *logits = se_test_alloc((size_t)tokens);
            for (unsigned zi = 0; zi < 4; zi++) {
                se_seqpool_params p;
                se_softmax_s8_params_from_scale(zi == 1 ? 0.5 : 0.08, &p.softmax);
                p.input_zp = k_zp[zi][0];
                p.output_zp = k_zp[zi][1];
                p.quant = quant_of(0.8 / 256.0);
                p.act.min = -128;
                p.act.max = 127;
                se_test_fill_s8(&rng, x, tokens * channels, -128, 127);
                se_test_fill_s8(&rng, logits, tokens, -128, 127);
                check_case("random", &p, tokens, channels, x, logits);
                p.quant = quant_of(8.0 / 256.0); /* saturates */
                p.act.min = -100;
                p.act.max = 100;
                check_case("saturating clamped", &p, tokens, channels, x, logits);
                memset(logits, 9, (size_t)tokens); /* uniform weights */
                p.quant = quant_of(1.0 / 8.0);
                p.quant.shift += 3; /* positive shift */
                p.act.min = -128;
                p.act.max = 127;
                check_case("equal logits", &p, tokens, channels, x, logits);
            }
            se_test_free(logits);
            se_test_free(x);
        }
    }
}

static void test_invalid(void)
{
    int8_t x[8 * 4] = {0}, logits[8] = {0}, out[4];
    int32_t buf[300];
    se_seqpool_params ok;
    se_softmax_s8_params_from_scale(0.1, &ok.softmax);
    ok.input_zp = 0;
    ok.output_zp = 0;
    ok.quant.multiplier = 1 << 30;
    ok.quant.shift = -8;
    ok.act.min = -128;
    ok.act.max = 127;
    char name[96];
    for (int v = 0; v < 3; v++) {
        seqpool_fn fn = k_variants[v].fn;
        const char *vn = k_variants[v].name;
        se_context ctx = {buf, (int32_t)sizeof buf};
        se_seqpool_params p = ok;
#define EXPECT(label, call, status)                                                                \
    snprintf(name, sizeof name, "seqpool %s %s", label, vn);                                        \
    se_test_expect_status(name, call, status)
        EXPECT("valid", fn(&ctx, &p, 8, 4, x, logits, out), SE_OK);
        EXPECT("NULL ctx", fn(NULL, &p, 8, 4, x, logits, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL params", fn(&ctx, NULL, 8, 4, x, logits, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL input", fn(&ctx, &p, 8, 4, NULL, logits, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL logits", fn(&ctx, &p, 8, 4, x, NULL, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL output", fn(&ctx, &p, 8, 4, x, logits, NULL), SE_ERR_NULL_POINTER);
        EXPECT("tokens 0", fn(&ctx, &p, 0, 4, x, logits, out), SE_ERR_BAD_SHAPE);
        EXPECT("channels 0", fn(&ctx, &p, 8, 0, x, logits, out), SE_ERR_BAD_SHAPE);
        EXPECT("tokens 4096", fn(&ctx, &p, 4096, 4, x, logits, out), SE_ERR_UNSUPPORTED);
        se_context small = {buf, k_variants[v].size(8, 4) - 4};
        EXPECT("small buffer", fn(&small, &p, 8, 4, x, logits, out), SE_ERR_BUFFER_TOO_SMALL);
        p.input_zp = -129;
        EXPECT("input zp -129", fn(&ctx, &p, 8, 4, x, logits, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.output_zp = 128;
        EXPECT("output zp 128", fn(&ctx, &p, 8, 4, x, logits, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.quant.shift = -32;
        EXPECT("shift -32", fn(&ctx, &p, 8, 4, x, logits, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.act.min = 5;
        p.act.max = 4;
        EXPECT("act min > max", fn(&ctx, &p, 8, 4, x, logits, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.softmax.diff_max = 300;
        EXPECT("softmax diff_max 300", fn(&ctx, &p, 8, 4, x, logits, out), SE_ERR_BAD_PARAM);
#undef EXPECT
    }
    se_test_check(se_seqpool_s8_get_buffer_size(0, 4) == 0 && se_seqpool_s8_get_buffer_size(4096, 4) == 0,
                  "seqpool buffer size of invalid tokens", "not 0");
}

void suite_seqpool(void)
{
    test_cases();
    test_invalid();
}
