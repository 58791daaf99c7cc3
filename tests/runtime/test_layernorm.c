/*
 * Scaled-LayerNorm: ref, dsp and the dispatching entry point against
 * se_layernorm.h's integer definition written out here with 64-bit math, and
 * a float LayerNorm of the same real values (within 1 LSB).
 */
#include <string.h>

#include "../../runtime/src/common/se_layernorm_math.h"
#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_layernorm.h"

/* ---- oracle ------------------------------------------------------------- */

static int64_t o_isqrt(int64_t v) /* floor(sqrt(v)) by bisection */
{
    int64_t lo = 0, hi = 3037000499; /* floor(sqrt(2^63 - 1)) */
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo + 1) / 2;
        if (mid * mid <= v) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

static int64_t o_floor_div(int64_t a, int64_t b) /* b > 0 */
{
    const int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

static int o_t_out_of_range; /* a t outside int32 (the header's bound broken) */

static void oracle_layernorm(const se_layernorm_params *p, int32_t rows, int32_t n, const int8_t *in,
                             const int32_t *gain, const int32_t *offset, int8_t *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = in + (int64_t)r * n;
        int64_t s = 0, ss = 0;
        for (int32_t c = 0; c < n; c++) {
            s += x[c];
            ss += (int64_t)x[c] * x[c];
        }
        const int64_t d = n * ss - s * s;
        int64_t a = 0, q = 0, f = 0;
        if (d > 0) {
            const int64_t sd = o_isqrt(d);
            q = o_floor_div(s, n);
            a = (n * ((int64_t)1 << 23) + sd / 2) / sd;
            f = ((s - q * n) * ((int64_t)1 << 23) + sd / 2) / sd;
        }
        for (int32_t c = 0; c < n; c++) {
            const int64_t t = (x[c] - q) * a - f + 32768;
            if (t < INT32_MIN || t > INT32_MAX) {
                o_t_out_of_range = 1;
            }
            const int64_t norm = o_floor_div(t, 65536);
            const int64_t y_wide = o_floor_div((int64_t)gain[c] * norm, 65536) + offset[c];
            const int32_t y = (int32_t)(uint32_t)(uint64_t)y_wide; /* modulo 2^32 */
            const int64_t v = o_floor_div(y, 256);
            out[(int64_t)r * n + c] = (int8_t)(v < p->act.min ? p->act.min : (v > p->act.max ? p->act.max : v));
        }
    }
}

/* ---- harness ------------------------------------------------------------ */

typedef se_status (*layernorm_fn)(SE_LAYERNORM_S8_ARGS);
static const struct {
    const char *name;
    layernorm_fn fn;
} k_variants[] = {{"ref", se_layernorm_s8_ref}, {"dsp", se_layernorm_s8_dsp}, {"dispatch", se_layernorm_s8}};

static void check_case(const char *what, const se_layernorm_params *p, int32_t rows, int32_t n, const int8_t *in,
                       const int32_t *gain, const int32_t *offset)
{
    int8_t *want = se_test_alloc((size_t)(rows * n));
    int8_t *got = se_test_alloc((size_t)(rows * n));
    o_t_out_of_range = 0;
    oracle_layernorm(p, rows, n, in, gain, offset, want);
    char name[200];
    snprintf(name, sizeof name, "layernorm %s [%ldx%ld] t within int32", what, (long)rows, (long)n);
    se_test_check(!o_t_out_of_range, name, "the bound of se_layernorm.h does not hold");
    for (int v = 0; v < 3; v++) {
        snprintf(name, sizeof name, "layernorm %s [%ldx%ld] act [%ld,%ld] %s", what, (long)rows, (long)n,
                 (long)p->act.min, (long)p->act.max, k_variants[v].name);
        memset(got, 0x55, (size_t)(rows * n));
        se_test_expect_status(name, k_variants[v].fn(p, rows, n, in, gain, offset, got), SE_OK);
        se_test_compare_s8(name, got, want, rows * n);
    }
    /* in place */
    memcpy(got, in, (size_t)(rows * n));
    snprintf(name, sizeof name, "layernorm %s [%ldx%ld] in place dsp", what, (long)rows, (long)n);
    se_layernorm_s8_dsp(p, rows, n, got, gain, offset, got);
    se_test_compare_s8(name, got, want, rows * n);
    se_test_free(got);
    se_test_free(want);
}

/* gain, offset from random real gamma in [-g_max, g_max], beta in [-1, 1]. */
static void prepare_random(uint32_t *rng, int32_t n, double g_max, float s_out, int32_t zp, int32_t *gain,
                           int32_t *offset)
{
    float *g = se_test_alloc(sizeof(float) * (size_t)n);
    float *b = se_test_alloc(sizeof(float) * (size_t)n);
    for (int32_t c = 0; c < n; c++) {
        g[c] = (float)(g_max * se_test_rand_range(rng, -10000, 10000) / 10000.0);
        b[c] = (float)(se_test_rand_range(rng, -10000, 10000) / 10000.0);
    }
    se_test_check(se_layernorm_s8_prepare_params(n, g, b, s_out, zp, gain, offset) == SE_OK, "layernorm prepare",
                  "C %ld", (long)n);
    se_test_free(b);
    se_test_free(g);
}

static void test_shapes(void)
{
    static const int32_t k_rows[] = {1, 3, 256};
    static const int32_t k_channels[] = {1, 3, 5, 44, 192, 600};
    static const int32_t k_zp[] = {-128, 0, 127};
    uint32_t rng = 777u;
    char what[64];
    for (unsigned ci = 0; ci < 6; ci++) {
        const int32_t n = k_channels[ci];
        int32_t *gain = se_test_alloc(sizeof(int32_t) * (size_t)n);
        int32_t *offset = se_test_alloc(sizeof(int32_t) * (size_t)n);
        for (unsigned ri = 0; ri < 3; ri++) {
            const int32_t rows = k_rows[ri];
            if (rows == 256 && n >= 192) {
                continue; /* keep the run short */
            }
            int8_t *in = se_test_alloc((size_t)(rows * n));
            for (unsigned zi = 0; zi < 3; zi++) {
                const int32_t zp = k_zp[zi];
                se_layernorm_params p = {{-128, 127}};
                se_test_fill_s8(&rng, in, rows * n, -128, 127);
                prepare_random(&rng, n, 2.0, 0.05f, zp, gain, offset); /* negative gamma too */
                snprintf(what, sizeof what, "random zp %ld", (long)zp);
                check_case(what, &p, rows, n, in, gain, offset);
                prepare_random(&rng, n, 4.0, 0.004f, zp, gain, offset);
                snprintf(what, sizeof what, "saturating zp %ld", (long)zp);
                check_case(what, &p, rows, n, in, gain, offset);
                p.act.min = -20;
                p.act.max = 90;
                snprintf(what, sizeof what, "clamped zp %ld", (long)zp);
                check_case(what, &p, rows, n, in, gain, offset);
                p.act.min = -128;
                p.act.max = 127;
                for (int32_t c = 0; c < n; c++) { /* any int32: y wraps */
                    gain[c] = (int32_t)se_test_rand(&rng);
                    offset[c] = (int32_t)se_test_rand(&rng);
                }
                snprintf(what, sizeof what, "raw int32 gain/offset");
                check_case(what, &p, rows, n, in, gain, offset);
                prepare_random(&rng, n, 1.0, 0.02f, zp, gain, offset);
                se_test_fill_s8(&rng, in, rows * n, 3, 5); /* low variance */
                snprintf(what, sizeof what, "low variance zp %ld", (long)zp);
                check_case(what, &p, rows, n, in, gain, offset);
                for (int32_t r = 0; r < rows; r++) { /* one outlier: smallest sd, largest |x_norm| */
                    memset(in + r * n, (int)(int8_t)(r * 37), (size_t)n);
                    in[r * n + (r % n)] = (int8_t)(r * 37 + (r % 2 ? 1 : -1));
                }
                snprintf(what, sizeof what, "one outlier zp %ld", (long)zp);
                check_case(what, &p, rows, n, in, gain, offset);
                for (int32_t r = 0; r < rows; r++) { /* constant rows: D == 0 */
                    memset(in + r * n, (int)(int8_t)(r * 37), (size_t)n);
                }
                snprintf(what, sizeof what, "constant rows zp %ld", (long)zp);
                check_case(what, &p, rows, n, in, gain, offset);
                for (int32_t r = 0; r < rows; r++) { /* two levels, -128 and 127 */
                    for (int32_t c = 0; c < n; c++) {
                        in[r * n + c] = (int8_t)((c + r) % 2 ? 127 : -128);
                    }
                }
                snprintf(what, sizeof what, "extremes zp %ld", (long)zp);
                check_case(what, &p, rows, n, in, gain, offset);
            }
            se_test_free(in);
        }
        se_test_free(offset);
        se_test_free(gain);
    }
    /* the longest row: one outlier gives |x_norm| = sqrt(C - 1), the largest t */
    const int32_t n = SE_LAYERNORM_MAX_ROW;
    int8_t *in = se_test_alloc((size_t)n);
    int32_t *gain = se_test_alloc(sizeof(int32_t) * (size_t)n);
    int32_t *offset = se_test_alloc(sizeof(int32_t) * (size_t)n);
    const se_layernorm_params p = {{-128, 127}};
    prepare_random(&rng, n, 0.01, 0.05f, 3, gain, offset);
    memset(in, -128, (size_t)n);
    in[17] = 127;
    check_case("C 4096 outlier", &p, 1, n, in, gain, offset);
    in[17] = -127;
    check_case("C 4096 outlier by 1", &p, 1, n, in, gain, offset);
    se_test_fill_s8(&rng, in, n, -128, 127);
    check_case("C 4096 random", &p, 1, n, in, gain, offset);
    se_test_free(offset);
    se_test_free(gain);
    se_test_free(in);
}

/* The integer definition against a float LayerNorm of the same real values. */
static void test_against_float(void)
{
    static const int32_t k_channels[] = {3, 44, 192, 768};
    uint32_t rng = 31337u;
    for (unsigned ci = 0; ci < 4; ci++) {
        const int32_t n = k_channels[ci], rows = n > 200 ? 8 : 32;
        int8_t *in = se_test_alloc((size_t)(rows * n));
        int8_t *got = se_test_alloc((size_t)(rows * n));
        int32_t *gain = se_test_alloc(sizeof(int32_t) * (size_t)n);
        int32_t *offset = se_test_alloc(sizeof(int32_t) * (size_t)n);
        float *g_real = se_test_alloc(sizeof(float) * (size_t)n);
        float *b_real = se_test_alloc(sizeof(float) * (size_t)n);
        se_test_fill_s8(&rng, in, rows * n, -100, 120);
        const float s_out = 0.03f;
        const int32_t zp = -3;
        for (int32_t c = 0; c < n; c++) {
            g_real[c] = (float)(se_test_rand_range(&rng, -15000, 15000) / 10000.0);
            b_real[c] = (float)(se_test_rand_range(&rng, -1000, 1000) / 1000.0);
        }
        se_layernorm_s8_prepare_params(n, g_real, b_real, s_out, zp, gain, offset);
        const se_layernorm_params p = {{-128, 127}};
        se_layernorm_s8_ref(&p, rows, n, in, gain, offset, got);
        int32_t worst = 0;
        for (int32_t r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int32_t c = 0; c < n; c++) {
                mean += in[r * n + c];
            }
            mean /= n;
            for (int32_t c = 0; c < n; c++) {
                var += (in[r * n + c] - mean) * (in[r * n + c] - mean);
            }
            var /= n;
            /* sqrt by Newton (no libm on the target) */
            double sd = var > 1 ? var : 1;
            for (int k = 0; k < 60; k++) {
                sd = 0.5 * (sd + var / sd);
            }
            for (int32_t c = 0; c < n; c++) {
                const double y = (var > 0 ? (in[r * n + c] - mean) / sd : 0.0) * g_real[c] + b_real[c];
                double q = y / s_out + zp;
                q = q < -128 ? -128 : (q > 127 ? 127 : q);
                const int32_t diff = (int32_t)(got[r * n + c] - q + (got[r * n + c] >= q ? 0.5 : -0.5));
                worst = diff < 0 ? (-diff > worst ? -diff : worst) : (diff > worst ? diff : worst);
            }
        }
        char name[80];
        snprintf(name, sizeof name, "layernorm vs float, C %ld", (long)n);
        se_test_check(worst <= 1, name, "worst difference %ld LSB", (long)worst);
        se_test_free(b_real);
        se_test_free(g_real);
        se_test_free(offset);
        se_test_free(gain);
        se_test_free(got);
        se_test_free(in);
    }
}

/* The DSP kernel's 32-bit row constants against the 64-bit ones. */
static void test_fast_math(void)
{
    uint32_t rng = 5u;
    int bad = 0;
    for (int32_t i = 0; i < 200000 && !bad; i++) {
        uint32_t v = se_test_rand(&rng) >> se_test_rand_range(&rng, 0, 31);
        if (i < 70000) { /* squares and their neighbours */
            const uint32_t k = (uint32_t)(i / 3) * 61u % 65536u;
            v = k * k + (uint32_t)(i % 3) - 1u;
        }
        const uint32_t got = se_ln_isqrt32_fast(v), want = (uint32_t)o_isqrt(v);
        bad = !se_test_check(got == want, "isqrt32 fast", "v %lu: %lu want %lu", (unsigned long)v,
                             (unsigned long)got, (unsigned long)want);
    }
    static const int32_t k_channels[] = {2, 3, 7, 44, 192, 511, 512, 1000, 4096};
    int8_t *x = se_test_alloc(SE_LAYERNORM_MAX_ROW);
    for (unsigned ci = 0; ci < 9 && !bad; ci++) {
        const int32_t n = k_channels[ci];
        for (int32_t i = 0; i < 60 && !bad; i++) {
            const int32_t lo = se_test_rand_range(&rng, -128, 127);
            const int32_t hi = i % 4 == 0 ? lo + 1 : se_test_rand_range(&rng, lo, 127);
            se_test_fill_s8(&rng, x, n, lo, hi > 127 ? 127 : hi);
            int32_t s = 0, ss = 0;
            for (int32_t c = 0; c < n; c++) {
                s += x[c];
                ss += x[c] * x[c];
            }
            const se_ln_row a = se_ln_row_constants(n, s, ss), b = se_ln_row_constants_fast(n, s, ss);
            bad = !se_test_check(a.a == b.a && a.q == b.q && a.f == b.f, "layernorm row constants fast",
                                 "C %ld s %ld ss %ld: %ld/%ld/%ld vs %ld/%ld/%ld", (long)n, (long)s, (long)ss,
                                 (long)b.a, (long)b.q, (long)b.f, (long)a.a, (long)a.q, (long)a.f);
        }
    }
    se_test_free(x);
    se_test_check(!bad, "layernorm fast math sweep", "mismatch above");
}

static void test_prepare(void)
{
    const float gamma[4] = {1.0f, -0.5f, 1e9f, -1e9f};
    const float beta[4] = {0.25f, -0.125f, 1e9f, -1e9f};
    int32_t gain[4], offset[4];
    se_test_expect_status("layernorm prepare valid",
                          se_layernorm_s8_prepare_params(4, gamma, beta, 1.0f / 128.0f, -5, gain, offset), SE_OK);
    /* gamma / (128 s_out) * 2^24 and (beta / s_out + zp) * 2^8 + 2^7 */
    const int32_t want_gain[4] = {1 << 24, -(1 << 23), 1 << 29, -(1 << 29)};
    const int32_t want_offset[4] = {(32 - 5) * 256 + 128, (-16 - 5) * 256 + 128, (1 << 30),
                                    -(1 << 30) + 256};
    se_test_compare_s32("layernorm prepare gain", gain, want_gain, 4);
    se_test_compare_s32("layernorm prepare offset", offset, want_offset, 4);
    se_test_expect_status("layernorm prepare NULL gamma",
                          se_layernorm_s8_prepare_params(4, NULL, beta, 0.1f, 0, gain, offset), SE_ERR_NULL_POINTER);
    se_test_expect_status("layernorm prepare NULL offset",
                          se_layernorm_s8_prepare_params(4, gamma, beta, 0.1f, 0, gain, NULL), SE_ERR_NULL_POINTER);
    se_test_expect_status("layernorm prepare C 0", se_layernorm_s8_prepare_params(0, gamma, beta, 0.1f, 0, gain, offset),
                          SE_ERR_BAD_SHAPE);
    se_test_expect_status("layernorm prepare scale 0",
                          se_layernorm_s8_prepare_params(4, gamma, beta, 0.0f, 0, gain, offset), SE_ERR_BAD_PARAM);
    se_test_expect_status("layernorm prepare scale < 0",
                          se_layernorm_s8_prepare_params(4, gamma, beta, -1.0f, 0, gain, offset), SE_ERR_BAD_PARAM);
    se_test_expect_status("layernorm prepare zp 128",
                          se_layernorm_s8_prepare_params(4, gamma, beta, 0.1f, 128, gain, offset), SE_ERR_BAD_PARAM);
    se_test_expect_status("layernorm prepare zp -129",
                          se_layernorm_s8_prepare_params(4, gamma, beta, 0.1f, -129, gain, offset), SE_ERR_BAD_PARAM);
}

static void test_invalid(void)
{
    int8_t in[8] = {0}, out[8];
    int32_t gain[8] = {0};
    int32_t offset[8] = {0};
    const se_layernorm_params ok = {{-128, 127}};
    char name[96];
    for (int v = 0; v < 3; v++) {
        layernorm_fn fn = k_variants[v].fn;
        const char *vn = k_variants[v].name;
        se_layernorm_params p = ok;
#define EXPECT(label, call, status)                                                                \
    snprintf(name, sizeof name, "layernorm %s %s", label, vn);                                      \
    se_test_expect_status(name, call, status)
        EXPECT("valid", fn(&p, 1, 8, in, gain, offset, out), SE_OK);
        EXPECT("NULL params", fn(NULL, 1, 8, in, gain, offset, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL input", fn(&p, 1, 8, NULL, gain, offset, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL gain", fn(&p, 1, 8, in, NULL, offset, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL offset", fn(&p, 1, 8, in, gain, NULL, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL output", fn(&p, 1, 8, in, gain, offset, NULL), SE_ERR_NULL_POINTER);
        EXPECT("rows 0", fn(&p, 0, 8, in, gain, offset, out), SE_ERR_BAD_SHAPE);
        EXPECT("rows -1", fn(&p, -1, 8, in, gain, offset, out), SE_ERR_BAD_SHAPE);
        EXPECT("row_size 0", fn(&p, 1, 0, in, gain, offset, out), SE_ERR_BAD_SHAPE);
        EXPECT("row_size 4097", fn(&p, 1, 4097, in, gain, offset, out), SE_ERR_UNSUPPORTED);
        p.act.min = 10;
        p.act.max = 9;
        EXPECT("act min > max", fn(&p, 1, 8, in, gain, offset, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.act.max = 128;
        EXPECT("act max 128", fn(&p, 1, 8, in, gain, offset, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.act.min = -129;
        EXPECT("act min -129", fn(&p, 1, 8, in, gain, offset, out), SE_ERR_BAD_PARAM);
#undef EXPECT
    }
}

void suite_layernorm(void)
{
    test_fast_math();
    test_prepare();
    test_shapes();
    test_against_float();
    test_invalid();
}
