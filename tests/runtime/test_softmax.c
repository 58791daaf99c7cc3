/*
 * Softmax: ref, dsp and the dispatching entry point against TFLite's integer
 * softmax written out here without any cache (own copy of the gemmlowp
 * fixed-point routines, 64-bit math), plus the exp cache's behaviour.
 */
#include <string.h>

#include "../../runtime/src/common/se_softmax_math.h"
#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_softmax.h"

/* ---- oracle: TFLite reference_integer_ops::Softmax --------------------- */

static int32_t o_mul(int32_t a, int32_t b) /* SaturatingRoundingDoublingHighMul */
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : 1 - ((int64_t)1 << 30);
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static int32_t o_rdiv(int64_t x, int32_t exponent) { return (int32_t)ref_div_round(x, (int64_t)1 << exponent); }

static int32_t o_sat_shl(int32_t x, int32_t exponent) /* SaturatingRoundingMultiplyByPOT<+e> */
{
    const int64_t v = (int64_t)x * ((int64_t)1 << exponent);
    const int64_t threshold = ((int64_t)1 << (31 - exponent)) - 1;
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)v;
}

static int32_t o_exp_interval(int32_t a) /* exp_on_interval_between_negative_one_quarter_and_0_excl */
{
    const int32_t c = 1895147668, third = 715827883;
    const int32_t x = a + (1 << 28);
    const int32_t x2 = o_mul(x, x), x3 = o_mul(x2, x), x4 = o_mul(x2, x2);
    const int32_t x4_over_4 = o_rdiv(x4, 2);
    const int32_t poly = o_rdiv((int64_t)o_mul(x4_over_4 + x3, third) + x2, 1);
    return c + o_mul(c, x + poly);
}

static int32_t o_exp_on_negative_values(int32_t a) /* Q5.26 -> Q0.31 */
{
    const int32_t mults[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t mask = (1 << 24) - 1;
    const int32_t amod = (a & mask) - (1 << 24);
    int32_t result = o_exp_interval(o_sat_shl(amod, 5));
    const int32_t remainder = amod - a;
    for (int k = 0; k < 7; k++) {
        if (remainder & (1 << (24 + k))) {
            result = o_mul(result, mults[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

static int32_t o_one_over_one_plus_x(int32_t a)
{
    const int64_t s = (int64_t)a + INT32_MAX;
    const int32_t half_den = (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
    int32_t x = 1515870810 + o_mul(half_den, -1010580540);
    for (int k = 0; k < 3; k++) {
        x = x + o_sat_shl(o_mul(x, (1 << 29) - o_mul(half_den, x)), 2);
    }
    return o_sat_shl(x, 1);
}

static int32_t o_exp_of_diff(int32_t diff, const se_softmax_params *p) /* diff <= 0 */
{
    const int32_t rescaled = o_mul((int32_t)((int64_t)diff * ((int64_t)1 << p->input_left_shift)), p->input_multiplier);
    return o_exp_on_negative_values(rescaled);
}

/* Also the softmax oracle of test_seqpool.c. */
void oracle_softmax_s8(const se_softmax_params *p, int32_t rows, int32_t n, const int8_t *in, int8_t *out);
void oracle_softmax_s8(const se_softmax_params *p, int32_t rows, int32_t n, const int8_t *in, int8_t *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = in + r * n;
        int32_t max = -128;
        for (int32_t i = 0; i < n; i++) {
            max = x[i] > max ? x[i] : max;
        }
        int32_t sum = 0;
        for (int32_t i = 0; i < n; i++) {
            const int32_t diff = x[i] - max;
            if (diff >= -p->diff_max) {
                sum += o_rdiv(o_exp_of_diff(diff, p), 12);
            }
        }
        int32_t headroom_plus_one = 0;
        while (!(((uint32_t)sum << headroom_plus_one) & 0x80000000u)) {
            headroom_plus_one++;
        }
        const int32_t num_bits_over_unit = 12 - headroom_plus_one;
        const int32_t scale =
            o_one_over_one_plus_x((int32_t)(((uint32_t)sum << headroom_plus_one) - 0x80000000u));
        for (int32_t i = 0; i < n; i++) {
            const int32_t diff = x[i] - max;
            int32_t v = -128;
            if (diff >= -p->diff_max) {
                v = o_rdiv(o_mul(scale, o_exp_of_diff(diff, p)), num_bits_over_unit + 31 - 8) - 128;
            }
            out[r * n + i] = (int8_t)ref_clamp(v, -128, 127);
        }
    }
}

/* ---- harness ------------------------------------------------------------ */

typedef se_status (*softmax_fn)(SE_SOFTMAX_S8_ARGS);
static const struct {
    const char *name;
    softmax_fn fn;
} k_variants[] = {{"ref", se_softmax_s8_ref}, {"dsp", se_softmax_s8_dsp}, {"dispatch", se_softmax_s8}};
#define N_VARIANTS 3

static int32_t g_cache_words[(sizeof(se_exp_cache) + 3) / 4];

static se_context cache_ctx(void)
{
    se_context ctx = {g_cache_words, (int32_t)sizeof(g_cache_words)};
    return ctx;
}

/* Runs every variant on a fresh cache and compares with the oracle. */
static void check_case(const char *what, const se_softmax_params *p, int32_t rows, int32_t n, const int8_t *in)
{
    int8_t *want = se_test_alloc((size_t)(rows * n));
    int8_t *got = se_test_alloc((size_t)(rows * n));
    oracle_softmax_s8(p, rows, n, in, want);
    char name[160];
    for (int v = 0; v < N_VARIANTS; v++) {
        snprintf(name, sizeof name, "softmax %s rows %ld x %ld, mult %ld shift %ld diff_max %ld, %s", what,
                 (long)rows, (long)n, (long)p->input_multiplier, (long)p->input_left_shift, (long)p->diff_max,
                 k_variants[v].name);
        se_context ctx = cache_ctx();
        memset(got, 0x55, (size_t)(rows * n));
        se_test_expect_status(name, se_softmax_s8_prepare(&ctx, p), SE_OK);
        se_test_expect_status(name, k_variants[v].fn(&ctx, p, rows, n, in, got), SE_OK);
        se_test_compare_s8(name, got, want, rows * n);
    }
    se_test_free(got);
    se_test_free(want);
}

static void params_for(double scale, se_softmax_params *p)
{
    se_test_expect_status("params_from_scale", se_softmax_s8_params_from_scale(scale, p), SE_OK);
}

static void test_shapes_and_scales(void)
{
    static const double k_scales[] = {1e-6, 0.001, 0.0125, 0.0625, 0.1, 0.25, 1.0, 4.0, 40.0};
    static const int32_t k_sizes[] = {1, 2, 3, 4, 5, 7, 64, 65, 256};
    uint32_t rng = 0x1234567u;
    char what[64];
    for (unsigned s = 0; s < sizeof(k_scales) / sizeof(k_scales[0]); s++) {
        se_softmax_params p;
        params_for(k_scales[s], &p);
        for (unsigned z = 0; z < sizeof(k_sizes) / sizeof(k_sizes[0]); z++) {
            const int32_t n = k_sizes[z], rows = n >= 64 ? 3 : 5;
            int8_t *in = se_test_alloc((size_t)(rows * n));
            se_test_fill_s8(&rng, in, rows * n, -128, 127);
            snprintf(what, sizeof what, "random scale %g", k_scales[s]);
            check_case(what, &p, rows, n, in);
            se_test_fill_s8(&rng, in, rows * n, -20, 20);
            snprintf(what, sizeof what, "narrow scale %g", k_scales[s]);
            check_case(what, &p, rows, n, in);
            for (int32_t r = 0; r < rows; r++) { /* equal values per row */
                memset(in + r * n, (int)(int8_t)(r * 50 - 128), (size_t)n);
            }
            snprintf(what, sizeof what, "equal scale %g", k_scales[s]);
            check_case(what, &p, rows, n, in);
            se_test_fill_s8(&rng, in, rows * n, -128, -100);
            for (int32_t r = 0; r < rows; r++) { /* one huge value */
                in[r * n + (r * 7) % n] = 127;
            }
            snprintf(what, sizeof what, "one huge scale %g", k_scales[s]);
            check_case(what, &p, rows, n, in);
            se_test_free(in);
        }
    }
}

static void test_long_rows(void)
{
    /* rows past 511 take the wide rounding shift (>= 32) */
    static const int32_t k_sizes[] = {600, 2048, 4095};
    uint32_t rng = 99u;
    se_softmax_params p;
    params_for(0.05, &p);
    for (unsigned z = 0; z < 3; z++) {
        const int32_t n = k_sizes[z];
        int8_t *in = se_test_alloc((size_t)n);
        memset(in, 3, (size_t)n);
        check_case("long equal", &p, 1, n, in);
        se_test_fill_s8(&rng, in, n, -128, 127);
        check_case("long random", &p, 1, n, in);
        se_test_fill_s8(&rng, in, n, 100, 127);
        check_case("long narrow", &p, 1, n, in);
        se_test_free(in);
    }
}

static void test_diff_max(void)
{
    /* diff_max below the radius: differences past it give -128 and add nothing */
    static const int32_t k_diff_max[] = {0, 1, 10, 100, 200};
    uint32_t rng = 7u;
    int8_t in[4 * 64];
    se_softmax_params p;
    params_for(0.02, &p);
    for (unsigned i = 0; i < 5; i++) {
        p.diff_max = k_diff_max[i];
        se_test_fill_s8(&rng, in, 4 * 64, -128, 127);
        check_case("diff_max", &p, 4, 64, in);
    }
    /* large scale: TFLite's radius is small */
    params_for(3.0, &p);
    se_test_check(p.diff_max < 20, "diff_max of scale 3.0", "diff_max %ld", (long)p.diff_max);
    se_test_fill_s8(&rng, in, 4 * 64, -128, 127);
    check_case("radius", &p, 4, 64, in);
}

static void test_params_from_scale(void)
{
    se_softmax_params p;
    params_for(0.0625, &p); /* 2^22 = 2^30 * 2^(23 - 31) */
    se_test_check(p.input_multiplier == (1 << 30) && p.input_left_shift == 23 && p.diff_max == 248,
                  "params_from_scale(0.0625)", "got %ld %ld %ld", (long)p.input_multiplier,
                  (long)p.input_left_shift, (long)p.diff_max);
    params_for(0.1, &p); /* 6710886.4 = 0.8 * 2^23 -> round(0.8 * 2^31) */
    se_test_check(p.input_multiplier == 1717986918 && p.input_left_shift == 23 && p.diff_max == 248,
                  "params_from_scale(0.1)", "got %ld %ld %ld", (long)p.input_multiplier, (long)p.input_left_shift,
                  (long)p.diff_max);
    params_for(1000.0, &p); /* capped at 2^31 - 1 */
    se_test_check(p.input_multiplier == INT32_MAX && p.input_left_shift == 31 && p.diff_max == 0,
                  "params_from_scale(1000)", "got %ld %ld %ld", (long)p.input_multiplier, (long)p.input_left_shift,
                  (long)p.diff_max);
    se_test_expect_status("params_from_scale(0)", se_softmax_s8_params_from_scale(0.0, &p), SE_ERR_BAD_PARAM);
    se_test_expect_status("params_from_scale(-1)", se_softmax_s8_params_from_scale(-1.0, &p), SE_ERR_BAD_PARAM);
    se_test_expect_status("params_from_scale(1e-9)", se_softmax_s8_params_from_scale(1e-9, &p), SE_ERR_BAD_PARAM);
    se_test_expect_status("params_from_scale(NULL)", se_softmax_s8_params_from_scale(0.1, NULL),
                          SE_ERR_NULL_POINTER);
}

/* The cache: its entries equal the oracle's exp whichever variant filled them,
 * and rows of later calls reuse (and extend) it. */
static void test_cache(void)
{
    static const double k_scales[] = {1e-5, 0.003, 0.0125, 0.07, 0.1, 0.5, 2.0};
    int8_t all_d[256], out[256];
    for (int32_t i = 0; i < 256; i++) {
        all_d[i] = (int8_t)(127 - i); /* d = 0 .. 255 */
    }
    char name[128];
    for (unsigned s = 0; s < sizeof(k_scales) / sizeof(k_scales[0]); s++) {
        se_softmax_params p;
        params_for(k_scales[s], &p);
        for (int v = 0; v < 2; v++) {
            snprintf(name, sizeof name, "cache entries scale %g %s", k_scales[s], k_variants[v].name);
            se_context ctx = cache_ctx();
            se_softmax_s8_prepare(&ctx, &p);
            const se_exp_cache *c = (const se_exp_cache *)ctx.buf;
            se_test_check(c->filled[0] == 0u && c->filled[7] == 0u, name, "prepare left bits set");
            k_variants[v].fn(&ctx, &p, 1, 256, all_d, out);
            int bad = -1;
            for (int32_t k = 0; k < 256 && bad < 0; k++) {
                const int32_t d = 255 - k;
                const int32_t want = d > p.diff_max ? 0 : o_exp_of_diff(-d, &p);
                if (!(c->filled[k >> 5] & (1u << (k & 31))) || c->exp_q31[k] != want) {
                    bad = (int)k;
                }
            }
            se_test_check(bad < 0, name, "entry %d wrong or not marked", bad);
        }
    }

    /* several calls on one cache: a short-range row fills a few entries, later
     * calls (other variants) reuse and extend them */
    se_softmax_params p;
    params_for(0.0125, &p);
    uint32_t rng = 4242u;
    int8_t in[8 * 64], got[8 * 64], want[8 * 64];
    se_context ctx = cache_ctx();
    se_softmax_s8_prepare(&ctx, &p);
    const se_exp_cache *c = (const se_exp_cache *)ctx.buf;
    for (int call = 0; call < 6; call++) {
        se_test_fill_s8(&rng, in, 8 * 64, -128 + call * 20, -100 + call * 45);
        oracle_softmax_s8(&p, 8, 64, in, want);
        snprintf(name, sizeof name, "cache reuse call %d %s", call, k_variants[call % N_VARIANTS].name);
        se_test_expect_status(name, k_variants[call % N_VARIANTS].fn(&ctx, &p, 8, 64, in, got), SE_OK);
        se_test_compare_s8(name, got, want, 8 * 64);
        if (call == 0) {
            se_test_check(c->filled[0] == 0u, name, "first call filled more than its range");
        }
    }
    /* one row at a time through the same cache, in place */
    se_test_fill_s8(&rng, in, 8 * 64, -128, 127);
    oracle_softmax_s8(&p, 8, 64, in, want);
    for (int v = 0; v < N_VARIANTS; v++) {
        memcpy(got, in, sizeof got);
        for (int32_t r = 0; r < 8; r++) {
            k_variants[v].fn(&ctx, &p, 1, 64, got + r * 64, got + r * 64);
        }
        snprintf(name, sizeof name, "row at a time in place %s", k_variants[v].name);
        se_test_compare_s8(name, got, want, 8 * 64);
    }
}

static void test_invalid(void)
{
    se_softmax_params p, other;
    params_for(0.1, &p);
    params_for(0.2, &other);
    int8_t in[16] = {0}, out[16];
    int32_t small_buf[4];
    char name[96];
    for (int v = 0; v < N_VARIANTS; v++) {
        softmax_fn fn = k_variants[v].fn;
        const char *vn = k_variants[v].name;
        se_context ctx = cache_ctx();
        memset(g_cache_words, 0, sizeof g_cache_words);
        snprintf(name, sizeof name, "softmax never prepared %s", vn);
        se_test_expect_status(name, fn(&ctx, &p, 1, 16, in, out), SE_ERR_NOT_PREPARED);
        se_softmax_s8_prepare(&ctx, &other);
        snprintf(name, sizeof name, "softmax prepared for other params %s", vn);
        se_test_expect_status(name, fn(&ctx, &p, 1, 16, in, out), SE_ERR_NOT_PREPARED);
        se_softmax_s8_prepare(&ctx, &p);
        snprintf(name, sizeof name, "softmax NULL ctx %s", vn);
        se_test_expect_status(name, fn(NULL, &p, 1, 16, in, out), SE_ERR_NULL_POINTER);
        snprintf(name, sizeof name, "softmax NULL params %s", vn);
        se_test_expect_status(name, fn(&ctx, NULL, 1, 16, in, out), SE_ERR_NULL_POINTER);
        snprintf(name, sizeof name, "softmax NULL input %s", vn);
        se_test_expect_status(name, fn(&ctx, &p, 1, 16, NULL, out), SE_ERR_NULL_POINTER);
        snprintf(name, sizeof name, "softmax NULL output %s", vn);
        se_test_expect_status(name, fn(&ctx, &p, 1, 16, in, NULL), SE_ERR_NULL_POINTER);
        snprintf(name, sizeof name, "softmax rows 0 %s", vn);
        se_test_expect_status(name, fn(&ctx, &p, 0, 16, in, out), SE_ERR_BAD_SHAPE);
        snprintf(name, sizeof name, "softmax row_size -1 %s", vn);
        se_test_expect_status(name, fn(&ctx, &p, 1, -1, in, out), SE_ERR_BAD_SHAPE);
        snprintf(name, sizeof name, "softmax row_size 4096 %s", vn);
        se_test_expect_status(name, fn(&ctx, &p, 1, 4096, in, out), SE_ERR_UNSUPPORTED);
        se_context small = {small_buf, (int32_t)sizeof small_buf};
        snprintf(name, sizeof name, "softmax small buffer %s", vn);
        se_test_expect_status(name, fn(&small, &p, 1, 16, in, out), SE_ERR_BUFFER_TOO_SMALL);
        se_context unaligned = {(char *)g_cache_words + 1, (int32_t)sizeof(se_exp_cache)};
        snprintf(name, sizeof name, "softmax unaligned buffer %s", vn);
        se_test_expect_status(name, fn(&unaligned, &p, 1, 16, in, out), SE_ERR_BAD_PARAM);
        se_softmax_params bad = p;
        bad.input_multiplier = (1 << 30) - 1;
        snprintf(name, sizeof name, "softmax multiplier < 2^30 %s", vn);
        se_test_expect_status(name, fn(&ctx, &bad, 1, 16, in, out), SE_ERR_BAD_PARAM);
        bad = p;
        bad.diff_max = 256;
        snprintf(name, sizeof name, "softmax diff_max 256 %s", vn);
        se_test_expect_status(name, fn(&ctx, &bad, 1, 16, in, out), SE_ERR_BAD_PARAM);
    }
    se_context ctx = cache_ctx();
    se_softmax_params bad = p;
    bad.input_left_shift = 32;
    se_test_expect_status("prepare shift 32", se_softmax_s8_prepare(&ctx, &bad), SE_ERR_BAD_PARAM);
    bad = p;
    bad.input_left_shift = 26;
    bad.diff_max = 32; /* 32 * 2^26 > 31 * 2^26 */
    se_test_expect_status("prepare diff_max past radius", se_softmax_s8_prepare(&ctx, &bad), SE_ERR_BAD_PARAM);
    bad.diff_max = 31;
    se_test_expect_status("prepare diff_max at radius", se_softmax_s8_prepare(&ctx, &bad), SE_OK);
    se_test_expect_status("prepare NULL ctx", se_softmax_s8_prepare(NULL, &p), SE_ERR_NULL_POINTER);
    se_test_expect_status("prepare NULL params", se_softmax_s8_prepare(&ctx, NULL), SE_ERR_NULL_POINTER);
    se_context small = {g_cache_words, (int32_t)sizeof(se_exp_cache) - 4};
    se_test_expect_status("prepare small buffer", se_softmax_s8_prepare(&small, &p), SE_ERR_BUFFER_TOO_SMALL);
    se_test_check(se_softmax_s8_get_buffer_size() == 1072, "softmax buffer size", "%ld",
                  (long)se_softmax_s8_get_buffer_size());
}

/* The DSP kernel's SMMULR/SMMLAR forms of the exp and of the row scale
 * against the oracle over many parameters and sums. */
static void test_fast_math(void)
{
    uint32_t rng = 2024u;
    int bad = 0;
    for (int t = 0; t < 300 && !bad; t++) {
        se_softmax_params p;
        p.input_multiplier = se_test_rand_range(&rng, 1 << 30, INT32_MAX);
        p.input_left_shift = se_test_rand_range(&rng, 15, 31);
        const int64_t radius = ((int64_t)31 << 26) >> p.input_left_shift;
        p.diff_max = radius > 255 ? 255 : (int32_t)radius;
        for (int32_t d = 0; d <= p.diff_max && !bad; d++) {
            const int32_t got = se_softmax_exp_fast(d, &p), want = o_exp_of_diff(-d, &p);
            bad = se_test_check(got == want, "fast exp", "mult %ld shift %ld d %ld: %ld want %ld",
                                (long)p.input_multiplier, (long)p.input_left_shift, (long)d, (long)got,
                                (long)want) ? 0 : 1;
        }
    }
    for (int t = 0; t < 20000 && !bad; t++) {
        int32_t sum = (int32_t)(se_test_rand(&rng) >> se_test_rand_range(&rng, 1, 12));
        if (sum < (1 << 19)) {
            sum += 1 << 19;
        }
        if (t < 64) {
            sum = t < 32 ? (int32_t)(((uint32_t)1 << (19 + t % 12)) - (uint32_t)(t / 12)) : (1 << (19 + t % 12));
        }
        int32_t h = 0;
        while (!(((uint32_t)sum << h) & 0x80000000u)) {
            h++;
        }
        const int32_t want = o_one_over_one_plus_x((int32_t)(((uint32_t)sum << h) - 0x80000000u));
        int32_t scale = 0, exponent = 0;
        se_softmax_row_scale_fast(sum, &scale, &exponent);
        bad = se_test_check(scale == want && exponent == 35 - h, "fast row scale", "sum %ld: %ld want %ld",
                            (long)sum, (long)scale, (long)want) ? 0 : 1;
    }
    se_test_check(!bad, "fast math sweep", "mismatch above");
}

void suite_softmax(void)
{
    test_fast_math();
    test_params_from_scale();
    test_shapes_and_scales();
    test_long_rows();
    test_diff_max();
    test_cache();
    test_invalid();
}
