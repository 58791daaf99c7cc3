/*
 * Scaled-LayerNorm: ref, dsp and the dispatching entry point against
 * se_layernorm.h's integer definition written out here with 64-bit math, and
 * a float LayerNorm as a sanity check of the definition (within 1 LSB).
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

static void oracle_layernorm(const se_layernorm_params *p, int32_t rows, int32_t n, const int8_t *in,
                             const int16_t *gamma, const int32_t *beta, int8_t *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = in + (int64_t)r * n;
        int64_t s = 0, ss = 0;
        for (int32_t c = 0; c < n; c++) {
            s += x[c];
            ss += (int64_t)x[c] * x[c];
        }
        const int64_t d = n * ss - s * s;
        int32_t mult = 0, shift = 0;
        if (d > 0) {
            const int64_t sd = o_isqrt(d);
            int32_t b = 0;
            while ((sd >> b) != 0) {
                b++;
            }
            mult = (int32_t)((((uint64_t)1 << 62) - 1) / ((uint64_t)sd << (32 - b)));
            shift = 8 - b;
        }
        for (int32_t c = 0; c < n; c++) {
            int32_t norm = 0;
            if (d > 0) {
                norm = ref_clamp(ref_requantize((int32_t)(n * x[c] - s), mult, shift), -32768, 32767);
            }
            const int32_t acc = (int32_t)(uint32_t)(uint64_t)((int64_t)gamma[c] * norm + beta[c]);
            const int64_t v = (int64_t)ref_requantize(acc, p->output_quant.multiplier, p->output_quant.shift) +
                              p->output_zp;
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
                       const int16_t *gamma, const int32_t *beta)
{
    int8_t *want = se_test_alloc((size_t)(rows * n));
    int8_t *got = se_test_alloc((size_t)(rows * n));
    oracle_layernorm(p, rows, n, in, gamma, beta, want);
    char name[200];
    for (int v = 0; v < 3; v++) {
        snprintf(name, sizeof name, "layernorm %s [%ldx%ld] zp %ld quant %ld/%ld act [%ld,%ld] %s", what, (long)rows,
                 (long)n, (long)p->output_zp, (long)p->output_quant.multiplier, (long)p->output_quant.shift,
                 (long)p->act.min, (long)p->act.max, k_variants[v].name);
        memset(got, 0x55, (size_t)(rows * n));
        se_test_expect_status(name, k_variants[v].fn(p, rows, n, in, gamma, beta, got), SE_OK);
        se_test_compare_s8(name, got, want, rows * n);
    }
    /* in place */
    memcpy(got, in, (size_t)(rows * n));
    snprintf(name, sizeof name, "layernorm %s [%ldx%ld] in place dsp", what, (long)rows, (long)n);
    se_layernorm_s8_dsp(p, rows, n, got, gamma, beta, got);
    se_test_compare_s8(name, got, want, rows * n);
    se_test_free(got);
    se_test_free(want);
}

/* Real multiplier -> (multiplier in [2^30, 2^31), shift), test side. */
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
    int64_t m = (int64_t)(real * 2147483648.0 + 0.5);
    if (m == ((int64_t)1 << 31)) {
        m /= 2;
        q.shift++;
    }
    q.multiplier = (int32_t)m;
    return q;
}

static void test_shapes(void)
{
    static const int32_t k_rows[] = {1, 3, 256};
    static const int32_t k_channels[] = {1, 3, 5, 44, 192};
    static const int32_t k_zp[] = {-128, 0, 127};
    uint32_t rng = 777u;
    char what[64];
    for (unsigned ci = 0; ci < 5; ci++) {
        const int32_t n = k_channels[ci];
        int16_t *gamma = se_test_alloc(sizeof(int16_t) * (size_t)n);
        int32_t *beta = se_test_alloc(sizeof(int32_t) * (size_t)n);
        for (unsigned ri = 0; ri < 3; ri++) {
            const int32_t rows = k_rows[ri];
            if (rows == 256 && n == 192) {
                continue; /* keep the run short */
            }
            int8_t *in = se_test_alloc((size_t)(rows * n));
            for (unsigned zi = 0; zi < 3; zi++) {
                se_test_fill_s8(&rng, in, rows * n, -128, 127);
                for (int32_t c = 0; c < n; c++) {
                    gamma[c] = (int16_t)se_test_rand_range(&rng, -32768, 32767); /* negative too */
                    beta[c] = se_test_rand_range(&rng, -(1 << 22), 1 << 22);
                }
                se_layernorm_params p = {k_zp[zi], quant_of(1.0 / (128 * 256.0)), {-128, 127}};
                snprintf(what, sizeof what, "random");
                check_case(what, &p, rows, n, in, gamma, beta);
                p.output_quant = quant_of(1.0 / (128 * 8.0)); /* saturates often */
                snprintf(what, sizeof what, "saturating");
                check_case(what, &p, rows, n, in, gamma, beta);
                p.act.min = -20;
                p.act.max = 90;
                snprintf(what, sizeof what, "clamped");
                check_case(what, &p, rows, n, in, gamma, beta);
                p.act.min = -128;
                p.act.max = 127;
                p.output_quant.multiplier = 5000000; /* below 2^30: plain output path */
                p.output_quant.shift = 2;
                snprintf(what, sizeof what, "left shift small mult");
                check_case(what, &p, rows, n, in, gamma, beta);
                se_test_fill_s8(&rng, in, rows * n, 3, 5); /* low variance: sd < 256 */
                p.output_quant = quant_of(1.0 / (128 * 512.0));
                snprintf(what, sizeof what, "low variance");
                check_case(what, &p, rows, n, in, gamma, beta);
                for (int32_t r = 0; r < rows; r++) { /* constant rows: D == 0 */
                    memset(in + r * n, (int)(int8_t)(r * 37), (size_t)n);
                }
                snprintf(what, sizeof what, "constant rows");
                check_case(what, &p, rows, n, in, gamma, beta);
            }
            se_test_free(in);
        }
        se_test_free(beta);
        se_test_free(gamma);
    }
    /* beta near 2^30: the DSP output stage must fall back to the plain form */
    int8_t in[2 * 44];
    int16_t gamma[44];
    int32_t beta[44];
    se_test_fill_s8(&rng, in, 2 * 44, -128, 127);
    for (int32_t c = 0; c < 44; c++) {
        gamma[c] = (int16_t)(c % 2 ? 32767 : -32768);
        beta[c] = (c % 3 - 1) * ((1 << 30) - 5);
    }
    se_layernorm_params p = {5, quant_of(1.0 / (1 << 23)), {-128, 127}};
    check_case("big beta", &p, 2, 44, in, gamma, beta);
    p.output_quant = quant_of(1.0 / 3e8);
    check_case("big beta, shift 29", &p, 2, 44, in, gamma, beta);
}

/* The integer definition against a float LayerNorm of the same real values. */
static void test_against_float(void)
{
    static const int32_t k_channels[] = {3, 44, 192};
    uint32_t rng = 31337u;
    for (unsigned ci = 0; ci < 3; ci++) {
        const int32_t n = k_channels[ci], rows = 32;
        int8_t *in = se_test_alloc((size_t)(rows * n));
        int8_t *got = se_test_alloc((size_t)(rows * n));
        int16_t *gamma = se_test_alloc(sizeof(int16_t) * (size_t)n);
        int32_t *beta = se_test_alloc(sizeof(int32_t) * (size_t)n);
        double *g_real = se_test_alloc(sizeof(double) * (size_t)n);
        double *b_real = se_test_alloc(sizeof(double) * (size_t)n);
        se_test_fill_s8(&rng, in, rows * n, -100, 120);
        const double s_out = 0.03, s_g = 1.5 / 32767.0;
        for (int32_t c = 0; c < n; c++) {
            gamma[c] = (int16_t)se_test_rand_range(&rng, -32767, 32767);
            g_real[c] = gamma[c] * s_g;
            b_real[c] = (se_test_rand_range(&rng, -1000, 1000)) / 1000.0;
            const double bq = b_real[c] * 128.0 / s_g;
            beta[c] = (int32_t)(bq >= 0 ? bq + 0.5 : bq - 0.5);
        }
        se_layernorm_params p = {-3, quant_of(s_g / (128.0 * s_out)), {-128, 127}};
        se_layernorm_s8_ref(&p, rows, n, in, gamma, beta, got);
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
                double q = y / s_out + p.output_zp;
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
        se_test_free(beta);
        se_test_free(gamma);
        se_test_free(got);
        se_test_free(in);
    }
}

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
        const uint32_t sd = (se_test_rand(&rng) | 0x80000000u) >> (i % 3 == 0 ? 0 : 0);
        const uint32_t dv = i == 0 ? 0x80000000u : (i == 1 ? 0xFFFFFFFFu : sd);
        const uint32_t q = se_ln_div_2p62_fast(dv), qw = (uint32_t)((((uint64_t)1 << 62) - 1) / dv);
        bad = bad || !se_test_check(q == qw, "div 2^62 fast", "v %lu: %lu want %lu", (unsigned long)dv,
                                    (unsigned long)q, (unsigned long)qw);
    }
    for (uint32_t sd = 1; sd < (1u << 23) && !bad; sd += (sd < 70000 ? 1u : 997u)) {
        int32_t m1, s1, m2, s2;
        se_ln_norm_quant(sd, &m1, &s1);
        se_ln_norm_quant_fast(sd, &m2, &s2);
        bad = !se_test_check(m1 == m2 && s1 == s2 && m1 >= (1 << 30), "norm quant fast", "sd %lu: %ld/%ld vs %ld/%ld",
                             (unsigned long)sd, (long)m2, (long)s2, (long)m1, (long)s1);
    }
    se_test_check(!bad, "layernorm fast math sweep", "mismatch above");
}

static void test_invalid(void)
{
    int8_t in[8] = {0}, out[8];
    int16_t gamma[8] = {0};
    int32_t beta[8] = {0};
    const se_layernorm_params ok = {0, {1 << 30, -3}, {-128, 127}};
    char name[96];
    for (int v = 0; v < 3; v++) {
        layernorm_fn fn = k_variants[v].fn;
        const char *vn = k_variants[v].name;
        se_layernorm_params p = ok;
#define EXPECT(label, call, status)                                                                \
    snprintf(name, sizeof name, "layernorm %s %s", label, vn);                                      \
    se_test_expect_status(name, call, status)
        EXPECT("valid", fn(&p, 1, 8, in, gamma, beta, out), SE_OK);
        EXPECT("NULL params", fn(NULL, 1, 8, in, gamma, beta, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL input", fn(&p, 1, 8, NULL, gamma, beta, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL gamma", fn(&p, 1, 8, in, NULL, beta, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL beta", fn(&p, 1, 8, in, gamma, NULL, out), SE_ERR_NULL_POINTER);
        EXPECT("NULL output", fn(&p, 1, 8, in, gamma, beta, NULL), SE_ERR_NULL_POINTER);
        EXPECT("rows 0", fn(&p, 0, 8, in, gamma, beta, out), SE_ERR_BAD_SHAPE);
        EXPECT("row_size 0", fn(&p, 1, 0, in, gamma, beta, out), SE_ERR_BAD_SHAPE);
        EXPECT("row_size 65536", fn(&p, 1, 65536, in, gamma, beta, out), SE_ERR_UNSUPPORTED);
        p.output_zp = 128;
        EXPECT("zp 128", fn(&p, 1, 8, in, gamma, beta, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.output_quant.shift = 31;
        EXPECT("shift 31", fn(&p, 1, 8, in, gamma, beta, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.output_quant.multiplier = -1;
        EXPECT("negative multiplier", fn(&p, 1, 8, in, gamma, beta, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.act.min = 10;
        p.act.max = 9;
        EXPECT("act min > max", fn(&p, 1, 8, in, gamma, beta, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.act.max = 128;
        EXPECT("act max 128", fn(&p, 1, 8, in, gamma, beta, out), SE_ERR_BAD_PARAM);
#undef EXPECT
    }
}

void suite_layernorm(void)
{
    test_fast_math();
    test_shapes();
    test_against_float();
    test_invalid();
}
